"""What a desired object may ask Graph to hold, and what Graph must be sent for it (issues 10 and 11).

Applied to each desired object of the scope once its references are resolved, against what Graph holds for it
(the live object, or the deleted item), before anything is compared. Every rule reads a declaration fact
(:class:`entragit.resources.parts.Prop`) or Graph's type facts (:mod:`entragit.resources.sdkmodel`):

- ``Prop.withheld``: Graph answers null without a permission (custom security attributes, employeeLeaveDateTime).
  A null in the file means "not read", never "none": the value Graph holds stays (nothing written).
- ``Prop.merges``: a PATCH of custom security attributes merges per attribute. What the file lacks and Graph
  holds is removed explicitly (null, or [] for a multi-valued attribute: custom-security-attributes-examples).
- ``Prop.material``: key credentials. An element without its key takes the key Graph holds for its ``keyId``;
  an element Graph no longer holds and whose key the backup lacks (a symmetric or private key, a certificate
  backed up before keys were) cannot be put back: left out, reported with its thumbprint and dates. When the
  list must be written and still holds an element without key material (Graph refuses KeyValue null), the
  property is not written and the plan says why.
- Evolvable enums: a member the file holds as ``unknownFutureValue`` (a backup taken without ``Prefer:
  include-unknown-enum-members``) stands for the member Graph holds there; ``unknownFutureValue`` is never
  written.
- Enum values: a value the metadata does not list is refused (exit 2, naming file, object and property) unless
  Graph holds it there (values read from Graph are never refused: evolvable enums gain members).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from entragit.errors import ValidationError
from entragit.plan.model import Warning
from entragit.plan.values import _copy, _Ctx, _element_key
from entragit.resources.base import LinkKind, Prop, ResourceType, iter_path, path_values
from entragit.resources.sdkmodel import UNKNOWN_FUTURE_VALUE, EnumType, enum_paths
from entragit.state.normalization import sort_unordered
from entragit.state.tree import file_name

ODATA_TYPE = "@odata.type"
STATE_DIR = "tenant-state"


def _file(rt: ResourceType, obj_id: str) -> str:
    return f"{STATE_DIR}/{rt.key}/{file_name(rt, obj_id)}"


class _Fidelity:
    """Mixed into :class:`entragit.plan.planner._Planner` (uses ``live``, ``deleted``, ``live_id``, ``fate``,
    ``warnings``)."""

    def _graph_object(self, rt: ResourceType, obj_id: str) -> dict[str, Any] | None:
        """What Graph holds for desired ``obj_id``: the live object, else the deleted item the plan restores,
        else None. A deleted item the plan does not restore from (the conditional access deleted items, read
        for reference resolution only; an object created anew instead) is not what the write lands on: the
        object is created from its file alone."""
        live_id = self.live_id.get((rt.key, obj_id))
        if live_id is not None:
            return dict(self._objects(self.live, rt.key)[live_id])
        if self.fate.get((rt.key, obj_id)) != "restore":
            return None
        deleted = self._objects(self.deleted, rt.key).get(obj_id)
        return dict(deleted) if deleted is not None else None

    def _faithful(self, rt: ResourceType, obj_id: str, resolved: dict[str, Any], ctx: _Ctx) -> None:
        """Apply the rules of the module docstring to ``resolved`` (in place)."""
        graph = self._graph_object(rt, obj_id)
        for prop in rt.props:
            if prop.name not in resolved or not prop.writable:
                continue
            if prop.withheld and resolved[prop.name] is None:
                if graph is not None and graph.get(prop.name) is not None:
                    resolved[prop.name] = _copy(graph[prop.name])  # not read: Graph's value stays
                continue
            if prop.merges:
                self._merge_removals(prop, resolved, graph)
            if prop.material:
                self._key_material(rt, obj_id, prop, resolved, graph, ctx)
        self._enums(rt, obj_id, resolved, graph)

    # -- custom security attributes ----------------------------------------------------------------------
    def _merge_removals(self, prop: Prop, resolved: dict[str, Any], graph: Mapping[str, Any] | None) -> None:
        want, have = resolved.get(prop.name), (graph or {}).get(prop.name)
        if not isinstance(have, dict) or not have:
            if want == {}:
                resolved[prop.name] = have  # "none" either way: nothing to write
            return
        if not isinstance(want, dict):
            return
        out = _copy(want)
        for group, attributes in have.items():
            if "@" in group or not isinstance(attributes, dict):
                continue
            wanted = want.get(group) if isinstance(want.get(group), dict) else {}
            for name, value in attributes.items():
                if "@" in name or name in wanted:
                    continue
                target = out.setdefault(group, {ODATA_TYPE: attributes.get(ODATA_TYPE)})
                many = isinstance(value, list) or str(attributes.get(f"{name}@odata.type", "")).startswith(
                    "#Collection")
                target[name] = [] if many else None  # removal: custom-security-attributes-examples
        resolved[prop.name] = out

    # -- key credentials ---------------------------------------------------------------------------------
    def _key_material(self, rt: ResourceType, obj_id: str, prop: Prop, resolved: dict[str, Any],
                      graph: Mapping[str, Any] | None, ctx: _Ctx) -> None:
        want = resolved.get(prop.name)
        if not isinstance(want, list):
            return
        held = {e.get("keyId"): e for e in (graph or {}).get(prop.name) or () if isinstance(e, dict)}
        kept: list[Any] = []
        for element in want:
            if not isinstance(element, dict) or element.get(prop.material):
                kept.append(element)
                continue
            live = held.get(element.get("keyId"))
            if live is not None:
                element = dict(element)
                if live.get(prop.material):
                    element[prop.material] = live[prop.material]
                kept.append(element)  # Graph holds it: kept by keyId
                continue
            self.warnings.append(Warning(rt.key, obj_id, prop.name, element.get("keyId"),
                                         f"not recoverable: {_credential(element)}: Graph never returns its key "
                                         "material (or the backup lacks it); left out, issue a new one"))
        resolved[prop.name] = kept
        have = (graph or {}).get(prop.name)
        if graph is not None and _canon_list(kept) == _canon_list(have):
            return  # nothing to write
        blind = [e for e in kept if isinstance(e, dict) and not e.get(prop.material)]
        if blind:
            ctx.excluded.add(prop.name)
            self.warnings.append(Warning(
                rt.key, obj_id, prop.name, len(blind),
                f"not written: Graph replaces the whole list, and {_credential(blind[0])}"
                + (f" (and {len(blind) - 1} more)" if len(blind) > 1 else "")
                + " has no key material entragit may send (a symmetric or private key is never stored)"))

    # -- enums -------------------------------------------------------------------------------------------
    def _enums(self, rt: ResourceType, obj_id: str, resolved: dict[str, Any], graph: Mapping[str, Any] | None,
               ) -> None:
        odata = str(resolved.get(ODATA_TYPE) or rt.odata_type)
        written = {p.name for p in rt.props if p.writable}
        checks: list[tuple[str, str, EnumType, Any, Any]] = [
            (path, path, e, resolved, graph) for path, e in enum_paths(odata).items()
            if path.split(".")[0].removesuffix("[]") in written]
        for link in rt.links:
            if link.kind is not LinkKind.OBJECTS or not isinstance(resolved.get(link.name), list):
                continue
            held = {_element_key(link, e): e for e in (graph or {}).get(link.name) or () if isinstance(e, dict)}
            for element in resolved[link.name]:
                if not isinstance(element, dict) or not element.get(ODATA_TYPE):
                    continue
                twin = held.get(_element_key(link, element))
                for path, e in enum_paths(str(element[ODATA_TYPE])).items():
                    checks.append((path, f"{link.name}[{element.get(link.key[0])}].{path}", e, element, twin))
        for path, shown, e, obj, twin in checks:
            if e.evolvable:
                _unknown_as_held(obj, twin, path, e)
            held_values = {v for v in path_values(twin, path) if isinstance(v, str)} if twin else set()
            for value in path_values(obj, path):
                if not isinstance(value, str) or value in held_values:
                    continue  # Graph holds it there: never refused
                bad = [p for p in value.split(",") if p.strip() == UNKNOWN_FUTURE_VALUE] or e.unlisted(value)
                if bad:
                    why = ("unknownFutureValue is never written (a backup taken without Prefer: "
                           "include-unknown-enum-members holds it where Graph has a real member; take a new "
                           "backup or name the member)") if bad[0].strip() == UNKNOWN_FUTURE_VALUE else \
                        f"{bad[0]!r} is not a member of {e.name} in Graph's v1.0 metadata " \
                        f"(members: {', '.join(m for m in e.members if m != UNKNOWN_FUTURE_VALUE)})"
                    raise ValidationError(why, file=_file(rt, obj_id), obj=obj_id, prop=shown.replace("[]", ""))
        sort_unordered(resolved, rt.unordered)


def _unknown_as_held(obj: Any, twin: Any, path: str, e: EnumType) -> None:
    """Replace ``unknownFutureValue`` at ``path`` of ``obj`` by the evolvable member(s) Graph holds there."""
    if twin is None:
        return
    if path.endswith("[]"):
        where = path.removesuffix("[]")
        for (container, key), (held_c, held_k) in zip(iter_path(obj, where), iter_path(twin, where), strict=False):
            seq, have = container[key], held_c[held_k]
            if not isinstance(seq, list) or UNKNOWN_FUTURE_VALUE not in seq or not isinstance(have, list):
                continue
            known = [v for v in seq if v != UNKNOWN_FUTURE_VALUE]
            extra = [v for v in have if v in e.evolvable and v not in known]
            if extra:  # else it stands for nothing Graph holds: left, and refused where it would be written
                container[key] = known + extra
        return
    for (container, key), (held_c, held_k) in zip(iter_path(obj, path), iter_path(twin, path), strict=False):
        value, have = container[key], held_c[held_k]
        if isinstance(value, str) and isinstance(have, str) and UNKNOWN_FUTURE_VALUE in value.split(","):
            parts = [p for p in value.split(",") if p != UNKNOWN_FUTURE_VALUE]
            extra = [p for p in have.split(",") if p in e.evolvable and p not in parts]
            if extra:
                container[key] = ",".join(parts + extra)


def _credential(element: Mapping[str, Any]) -> str:
    bits = [str(element.get("type") or "key credential")]
    if element.get("displayName"):
        bits.append(repr(element["displayName"]))
    if element.get("customKeyIdentifier"):
        bits.append(f"thumbprint {element['customKeyIdentifier']}")
    bits.append(f"keyId {element.get('keyId')}")
    if element.get("startDateTime") or element.get("endDateTime"):
        bits.append(f"valid {element.get('startDateTime')} to {element.get('endDateTime')}")
    return " ".join(bits)


def _canon_list(value: Any) -> list[str]:
    from entragit.plan.values import _canon

    return sorted(_canon(v) for v in value or ())
