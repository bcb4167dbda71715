"""Objects an earlier apply created: found in the tenant by their create key, so that no clone recreates them.

An apply records the new ids it gives objects in its git note; a run killed before that (``kill -9``, a
runner that vanished) records nothing, and a re-run on a fresh clone (CI) has no local trace of it either. The
tenant has one: every create carries its type's key (``ResourceType.create_key``), and the planner looks for
it before planning a create:

- ``upsert``: an object whose ``uniqueName`` is the desired one, or the one entragit gives an object without
  (``entragit-<old id>``);
- ``unique``: the user with the desired ``userPrincipalName``, the service principal of the desired appId
  (remapped when its application was recreated), and only when it holds what the create would have sent
  (:func:`agrees`, as the applier adopts a "unique" object only on that condition): a unique value alone does
  not say who made the object, and another object under the same value (a file that "renames" a user's id
  and changes it: :mod:`entragit.plan.lookalike`) is not matched as the desired one;
- ``marker``: an object still carrying the marked name it was created with (``<name> [entragit <old id>]``:
  the run stopped before its last step wrote the real name).

A live object found so is matched as the desired object's new id, as a recorded one would be; the plan says
so for every object an earlier apply created (a warning line naming the new id and how it was found), and
plans only what still differs (the real name of a marked object, its links...).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from entragit.plan.model import Warning
from entragit.plan.values import ODATA_TYPE, _write_channel
from entragit.resources.base import META_KEY, Channel, CreateHow, ResourceType

# The uniqueName entragit gives an object it creates when the desired one has none (an alternate key the
# object keeps: expected on recreated objects, never drift).
DERIVED_PREFIX = "entragit-"


def create_key_value(rt: ResourceType, obj_id: str, obj: Mapping[str, Any]) -> str | None:
    """The value of ``rt``'s create key for a create of ``obj`` (old id ``obj_id``); None when it has none.
    ``unique`` keys are the object's own value (an appId reference is remapped by the caller)."""
    key = rt.create_key
    if key is None:
        return None
    value = obj.get(key.prop)
    if key.how is CreateHow.UPSERT:
        return str(value) if isinstance(value, str) and value else f"{DERIVED_PREFIX}{obj_id}"
    if not isinstance(value, str) or not value:
        return None
    if key.how is CreateHow.MARKER:
        return key.marked(value, obj_id)
    return value


def holds(want: Any, found: Any, skip: frozenset[str] | set[str] = frozenset()) -> bool:
    """``found`` (a live object) holds ``want`` (what a create sends): scalars equal (strings case-insensitively),
    objects on the keys ``want`` gives, lists as multisets; an empty value matches a missing one. Keys in ``skip``
    (at the top), annotations and nulls in ``want`` are not compared. The planner's match of an earlier create
    and the applier's after a lost answer use this one rule."""
    if want in ([], {}, "") and found in (None, [], {}, ""):
        return True
    if isinstance(want, Mapping):
        return isinstance(found, Mapping) and all(
            holds(v, found.get(k)) for k, v in want.items() if v is not None and k not in skip and "@" not in k)
    if isinstance(want, list):
        if not isinstance(found, list) or len(want) != len(found):
            return False
        rest = list(found)
        for item in want:
            match = next((i for i, other in enumerate(rest) if holds(item, other)), None)
            if match is None:
                return False
            rest.pop(match)
        return True
    if isinstance(want, str) and isinstance(found, str):
        return want.lower() == found.lower()
    return bool(want == found)


def agrees(rt: ResourceType, obj: Mapping[str, Any], live_obj: Mapping[str, Any]) -> bool:
    """Whether ``live_obj`` holds every value a create of ``obj`` sends in its body: the written top-level
    properties but for the create key, links, references (a recreate remaps them), properties written alone
    after the create, secrets and nulls."""
    key = rt.create_key.prop if rt.create_key else None
    refs = {ref.path.split(".", 1)[0].removesuffix("[]") for ref in rt.refs}
    for name, value in obj.items():
        if name in (META_KEY, rt.key_prop, ODATA_TYPE, key) or name in refs or value is None \
                or rt.link(name) is not None:
            continue
        if _write_channel(rt, name) in (None, Channel.READ_ONLY, Channel.PATCH_ALONE):
            continue
        if not holds(value, live_obj.get(name)):
            return False
    return True


class _Earlier:
    """Mixed into :class:`entragit.plan.planner._Planner`, whose state (live, desired, alt_new...) it uses."""

    def _claimed_ids(self) -> set[str]:
        """Live ids that desired objects hold already (by id or by a recorded new id): never matched again."""
        claimed: set[str] = set()
        for rt in self.rts:
            live_t = self._objects(self.live, rt.key)
            for obj_id in self._objects(self.desired, rt.key):
                if obj_id in live_t:
                    claimed.add(obj_id)
                new = (self.options.known_ids.get(f"{rt.key}/{obj_id}") or {}).get("id")
                if new in live_t:
                    claimed.add(str(new))
        return claimed

    def _created_earlier(self, rt: ResourceType, obj_id: str, obj: Mapping[str, Any]) -> dict[str, Any] | None:
        """``{"id": live id, <minted alt key>: value}`` of the live object an earlier apply created for
        ``obj`` (found by its create key), or None."""
        key = rt.create_key
        live_t = self._objects(self.live, rt.key)
        if key is None or not live_t:
            return None
        value = create_key_value(rt, obj_id, obj)
        if value is None:
            return None
        if key.how is CreateHow.UNIQUE:
            mapped = self.alt_new.get(value)  # a service principal's appId whose application was recreated
            if mapped is not None:
                if not isinstance(mapped[1], str):
                    return None  # its application is created by this very plan: nothing can exist yet
                value = mapped[1]
        low = value.lower()
        found = [(i, o) for i, o in live_t.items() if i not in self.claimed
                 and isinstance(o.get(key.prop), str) and o[key.prop].lower() == low]
        if key.how is CreateHow.UNIQUE:  # the value alone does not say the object is the desired one's create
            found = [(i, o) for i, o in found if agrees(rt, obj, o)]
        if len(found) != 1:
            return None
        live_id, live_obj = found[0]
        self.claimed.add(live_id)
        values: dict[str, Any] = {"id": live_id}
        if rt.alt_key and rt.alt_key != key.prop and live_obj.get(rt.alt_key):
            values[rt.alt_key] = live_obj[rt.alt_key]
        self.warnings.append(Warning(
            rt.key, obj_id, "", live_id,
            f"created by an earlier apply as {live_id} (found in the tenant by its {key.prop} {value!r}): "
            "matched, not created again"))
        return values

    def _note_recorded(self, rt: ResourceType, obj_id: str, new_id: str) -> None:
        """A desired object matched to the new id an interrupted apply recorded: the plan says so."""
        self.warnings.append(Warning(rt.key, obj_id, "", new_id,
                                     f"created by an earlier apply as {new_id} (recorded by that apply, which "
                                     "was interrupted): matched, not created again"))
