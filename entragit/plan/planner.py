"""The planner: a pure function from (desired, live, deleted items, scope, options) to a :class:`Plan`.

:func:`compute_plan` reads nothing and writes nothing; every type-specific fact comes from the
declarations (``entragit.resources``): write channels, on-premises mastery, references (``Ref``) and
links (``Link``), hooks (``never_written``, ``link_refused``, ``link_targets``, ``delete_kind``,
``delete_refused``, ``staged_create``), ``new_identity`` and ``order``.

Inputs are canonical objects as stored in ``tenant-state/`` (``{type key: {id: object}}``): the desired
tree, the live tenant exported the same way, and the live soft-deleted items normalized the same way.
A type absent from ``live`` (as a key) is *not loaded*: references into it are not checked.

How an object of the desired state is matched
---------------------------------------------
1. live under its id, or under the new id a previous apply gave it (``PlanOptions.known_ids``: the
   applier records ``{"<type>/<old id>": {"id": new id, "appId": new appId}}`` for each recreate, so a
   second run plans nothing before the next backup records the new ids) → **update** what differs;
2. in deleted items and restorable (``delete_kind`` SOFT with a ``restore_path``) → **restore**, then
   an update of what differs from the deleted item; its links are planned against "no links" and
   marked ``recompute`` (a restore brings memberships back; the applier re-reads them first);
3. otherwise → **recreate** (``create`` when the file was added in the ``--scope-from`` range), unless
   the object is synced (it comes back through synchronization), never written (first-party service
   principals, Exchange-managed groups), or of a ``new_identity`` type (users, applications, service
   principals) not named by ``--recreate`` (by object id or appId), whether its file was added in the range
   or not: then a **skip** with the reason and the exact ``--recreate`` option.

References
----------
Before diffing, every declared reference of the desired object (``rt.refs``, IDS/ID link values,
``Link.refs`` inside OBJECTS elements) is resolved: a live target stays, a target mapped by
``known_ids`` becomes its new id, a target recreated by this plan becomes a placeholder
(``{"$new": "<type>/<old id>"}``, ``key: appId`` for appId references, ``format`` for strings that
embed an appId such as ``api://{appId}``), a target restored by this plan stays (and the change follows
the restore). A reference by id to an object that exists nowhere (not live, not restored or created by
the plan) is *stale*: it is reported as a warning and left out of the write (dropped from its list, its
list element dropped, or, for a single value, the whole top-level property left out), so one stale id
never blocks the rest of the object. Special values (``Ref.specials``) are never touched; appId
references to appIds not in the tenant (Microsoft's first-party or other tenants' apps) are left as
they are. A type that keeps its references (``keep_references``: policies, where dropping an exclusion widens
them) never leaves one out: the property naming an object that is not live is not written, with the reason
(:mod:`entragit.plan.references`); a soft-deleted directory object it names is restored first, by a second
pass of the planner with that object in scope (``compute_plan``).

Objects earlier applies made
----------------------------
A desired object absent under its id may be live under a new one an earlier apply gave it: recorded in the
apply notes (``known_ids``), or found in the tenant by its type's create key (:mod:`entragit.plan.earlier`:
what a killed run made). Both are matched like live objects; the plan lists the found ones (and those only an
interrupted apply recorded) and carries them in ``Plan.adopted`` for the applier to record.

Order
-----
Changes are sorted by phase, then declaration order: (0) restores, creates and updates in ascending
``rt.order``, links at ``max(LINK_ORDER, rt.order)`` (removes, then updates, then adds); (1) the staged
final updates of created objects (``create_staged``: a CA policy created report-only is switched to its
backed-up state once everything it references exists); (2) deletes in descending ``rt.order``. A
stable topological pass then guarantees that every change comes after the changes in its ``after``.

Where the pieces live: this module (options, classification, the run), :mod:`entragit.plan.references`,
:mod:`entragit.plan.objects` (updates, restores, deletes), :mod:`entragit.plan.recreate` (creates,
remaps), :mod:`entragit.plan.links`, :mod:`entragit.plan.ordering`, :mod:`entragit.plan.values`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from entragit import resources
from entragit.plan.earlier import _Earlier
from entragit.plan.entitlements import _Entitlements
from entragit.plan.fidelity import _Fidelity
from entragit.plan.links import _Links
from entragit.plan.model import Change, Kind, Plan, Warning, is_placeholder, placeholder
from entragit.plan.objects import _Objects
from entragit.plan.ordering import _ordered
from entragit.plan.recreate import _Recreates
from entragit.plan.references import _References
from entragit.plan.scope import Scope
from entragit.plan.values import MASTERED, _minted_alt
from entragit.resources.base import Channel, DeleteKind, ResourceType, path_values

Tree = Mapping[str, Mapping[str, Mapping[str, Any]]]


@dataclass(frozen=True)
class PlanOptions:
    """What the plan may do beyond the defaults (see :func:`compute_plan`)."""

    # object ids (or appIds) whose recreate as a new identity is asked for (--recreate ID)
    recreate: frozenset[str] = frozenset()
    # delete live objects of the scope absent from the desired state (without it, only objects whose
    # file was removed in the --scope-from range are deleted)
    allow_delete: bool = False
    # new ids from previous applies: {"<type>/<old id>": {"id": new id, "<alt key>": new value}}
    known_ids: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    # the tokens of known_ids that an apply recorded without finishing (listed by the plan, like the objects an
    # earlier apply made and the tenant shows by their create key)
    interrupted: frozenset[str] = frozenset()
    # safety rails (entragit.plan.safety): share of a type's objects, emergency-access accounts
    max_change_share: float = 0.3
    emergency_access: tuple[str, ...] = ()
    # {lower-case UPN: object id} of the base's tenant-state users named in emergency_access (never the desired
    # files': entragit.plan.lockout)
    emergency_known: Mapping[str, str] = field(default_factory=dict)
    # a revert built by `entragit recover` from a verified backup (entragit.plan.safety.Revert): changes setting
    # objects back to the backup's values are not counted by the share rail
    revert: Any = None
    force: str | None = None  # the reason given with --force: the rails report instead of refusing
    safety: bool = True  # run the rails in compute_plan (False: call entragit.plan.safety yourself)


def compute_plan(desired: Tree, live: Tree, deleted: Tree | None = None, scope: Scope | None = None,
                 options: PlanOptions | None = None, *, rail_live: Tree | None = None) -> Plan:
    """The changes that bring ``live`` to ``desired`` within ``scope`` (see the module docstring).

    Pure: no I/O, inputs untouched. Raises :class:`entragit.errors.RefusedError` (carrying the plan) when a
    safety rail refuses the plan (unless ``options.force``; ``options.safety=False`` skips the rails).
    ``rail_live``: live objects of the types the rails read beyond ``live`` (never planned).
    """
    options = options or PlanOptions()
    planner = _Planner(desired, live, deleted or {}, scope or Scope(), options)
    plan = planner.run()
    # a policy's write names soft-deleted objects the scope left out: they are restored first, by the same plan
    extra = {(t, i) for t, i in planner.restore_needed if i in (desired.get(t) or {})}
    if extra:
        plan = _Planner(desired, live, deleted or {}, scope or Scope(), options, extra=frozenset(extra)).run()
    from entragit.plan.lookalike import check_plan

    plan = check_plan(plan, desired, live)  # a delete next to a skipped create of its look-alike: exit 2
    if options.safety:
        from entragit.plan.safety import check_safety

        check_safety(plan, desired, live, options, deleted=deleted, rail_live=rail_live)
    return plan


# ---------------------------------------------------------------------------------------------- planner
class _Planner(_References, _Objects, _Recreates, _Links, _Fidelity, _Earlier, _Entitlements):
    def __init__(self, desired: Tree, live: Tree, deleted: Tree, scope: Scope, options: PlanOptions,
                 extra: frozenset[tuple[str, str]] = frozenset()) -> None:
        self.desired = desired
        self.live = live
        self.deleted = deleted
        self.scope = scope
        self.options = options
        self.extra = extra  # objects outside the scope restored because a policy's write names them
        self.loaded = set(live)
        self.rts = [rt for rt in resources.all_types() if rt.key in desired or rt.key in live]
        self.changes: list[tuple[tuple[Any, ...], Change]] = []
        self.warnings: list[Warning] = []
        self.live_id: dict[tuple[str, str], str] = {}  # (type, desired id) -> live id
        self.fate: dict[tuple[str, str], str] = {}  # (type, desired id) -> live|restore|new|none
        self.provider: dict[str, str] = {}  # token "<type>/<old id>" -> key of the recreate providing it
        self.restored: dict[str, str] = {}  # id -> key of the restore bringing it back
        self.restored_alt: dict[tuple[str, str], str] = {}  # (type, alternate key value) -> key of the restore
        self.adopted: dict[str, dict[str, Any]] = {}  # token -> new values of an earlier apply's object
        self.pinned: dict[tuple[str, str], str] = {}  # soft-deleted objects created anew instead (why)
        # soft-deleted objects a policy's write names (restored when the plan runs again with them in scope)
        self.restore_needed: set[tuple[str, str]] = set()
        self.alt_new: dict[str, tuple[str, Any]] = {}  # old minted alt value -> (token, replacement)
        self.in_scope: set[tuple[str, str]] = set()
        # old ids (and old minted appIds) of objects that get new ones: created by this plan (None) or by an
        # earlier apply (the new value); references to them are remapped even from objects outside the scope
        self.remapped: dict[str, str | None] = {}
        self._classify()

    # -- classification -----------------------------------------------------------------------------------
    def _objects(self, tree: Tree, key: str) -> Mapping[str, Mapping[str, Any]]:
        return tree.get(key) or {}

    def _covers(self, rt: ResourceType, obj_id: str, *objs: Mapping[str, Any] | None) -> bool:
        return self.scope.covers(rt, obj_id, *(o for o in objs if o is not None))

    def _classify(self) -> None:
        known = self.options.known_ids
        self.claimed = self._claimed_ids()
        for rt in self.rts:
            live_t = self._objects(self.live, rt.key)
            deleted_t = self._objects(self.deleted, rt.key)
            for obj_id, obj in self._objects(self.desired, rt.key).items():
                token = f"{rt.key}/{obj_id}"
                new = known.get(token) or {}
                in_scope = self._covers(rt, obj_id, obj) or (rt.key, obj_id) in self.extra
                if in_scope:
                    self.in_scope.add((rt.key, obj_id))
                if obj_id in live_t:
                    self.live_id[(rt.key, obj_id)] = obj_id
                    self.fate[(rt.key, obj_id)] = "live"
                elif rt.singleton and len(live_t) == 1:
                    self.live_id[(rt.key, obj_id)] = next(iter(live_t))
                    self.fate[(rt.key, obj_id)] = "live"
                elif new.get("id") in live_t:
                    self._match_new(rt, obj_id, obj, new)
                    if token in self.options.interrupted:
                        self._note_recorded(rt, obj_id, str(new["id"]))
                        self.adopted[token] = dict(new)
                elif obj_id in deleted_t and rt.delete_kind(deleted_t[obj_id]) is DeleteKind.SOFT \
                        and rt.restore_path and not self._pinned_to_new(rt, obj_id, obj):
                    self.fate[(rt.key, obj_id)] = "restore" if in_scope else "none"
                    if in_scope:
                        self.restored[obj_id] = f"restore:{rt.key}/{obj_id}"
                        if rt.alt_key and isinstance(obj.get(rt.alt_key), str):
                            self.restored_alt[(rt.key, obj[rt.alt_key])] = self.restored[obj_id]
                elif (found := self._created_earlier(rt, obj_id, obj)) is not None:
                    self._match_new(rt, obj_id, obj, found)
                    self.adopted[f"{rt.key}/{obj_id}"] = found
                elif in_scope and self._absent_refusal(rt, obj_id, obj)[0] is None:
                    kind = Kind.CREATE if (rt.key, obj_id) in self.scope.added else Kind.RECREATE
                    self.fate[(rt.key, obj_id)] = "new"
                    self.provider[token] = f"{kind.value}:{token}"
                    self.remapped[obj_id] = None
                    minted = _minted_alt(rt)
                    if minted and obj.get(minted):
                        self.alt_new[obj[minted]] = (token, placeholder(rt.key, obj_id, minted))
                        self.remapped[obj[minted]] = None
                else:
                    self.fate[(rt.key, obj_id)] = "none"
            # a recreated object whose old file is gone (a backup since recorded it under its new id): references
            # to its old id (in a file brought back from an older backup) still mean the new one
            desired_t = self._objects(self.desired, rt.key)
            for token, new in known.items():
                key, _, old_id = token.partition("/")
                if key == rt.key and old_id not in desired_t and old_id not in live_t and new.get("id") in live_t:
                    self.live_id.setdefault((rt.key, old_id), new["id"])
                    self.remapped.setdefault(old_id, new["id"])

    def _pinned_to_new(self, rt: ResourceType, obj_id: str, obj: Mapping[str, Any]) -> bool:
        """Whether ``obj`` holds, in a property that cannot change after create, a reference to an object that
        gets (or got) a new identity: restored, it would still point at the old one (the service principal of
        a purged application); it is created anew from the new one instead, and what pointed at it follows."""
        for ref in rt.refs:
            top = ref.path.split(".", 1)[0].removesuffix("[]")
            if ref.embedded or rt.channel(top) not in (Channel.CREATE_ONLY, Channel.READ_ONLY):
                continue
            for value in path_values(dict(obj), ref.path):
                if isinstance(value, str) and (value in self.alt_new if ref.by != "id" else value in self.remapped):
                    self.pinned[(rt.key, obj_id)] = (f"its {top} {value} names an object that gets a new identity: "
                                                     "created anew from the new one (a restore would bring back "
                                                     "the old one's)")
                    return True
        return False

    def _match_new(self, rt: ResourceType, obj_id: str, obj: Mapping[str, Any], new: Mapping[str, Any]) -> None:
        """``obj`` is live under the new id an earlier apply gave it (recorded, or found by its create key)."""
        token = f"{rt.key}/{obj_id}"
        self.live_id[(rt.key, obj_id)] = new["id"]
        self.fate[(rt.key, obj_id)] = "live"
        self.remapped[obj_id] = new["id"]
        minted = _minted_alt(rt)
        if minted and obj.get(minted) and new.get(minted):
            self.alt_new[obj[minted]] = (token, new[minted])
            self.remapped[obj[minted]] = new[minted]

    def _absent_refusal(self, rt: ResourceType, obj_id: str, obj: Mapping[str, Any]) -> tuple[str | None, str | None]:
        """``(reason, option)``: why an object absent from the tenant is not recreated (None: it is), and the
        command-line option that would recreate it (a new identity's ``--recreate <id>``), if any."""
        if rt.singleton:
            return f"a {rt.title} always exists; it cannot be created", None
        if rt.is_synced(dict(obj)):
            return f"{MASTERED}: it comes back through directory synchronization, not a recreate", None
        reason = rt.never_written(dict(obj)) or rt.create_refused(dict(obj))
        if reason:
            return reason, None
        if rt.delete_kind(dict(obj)) is DeleteKind.NONE:
            return f"this {rt.title} cannot be created", None
        if self._needs_recreate(rt, obj_id, obj):
            alt = obj.get(rt.alt_key) if rt.alt_key else None
            verb = "create" if (rt.key, obj_id) in self.scope.added else "recreate"
            also = f" (or its appId {alt})" if alt else ""
            return f"{rt.new_identity}; pass --recreate {obj_id}{also} to {verb} it", f"--recreate {obj_id}"
        return None, None

    def _needs_recreate(self, rt: ResourceType, obj_id: str, obj: Mapping[str, Any]) -> bool:
        """A new identity (users, applications, service principals) not named by ``--recreate`` (id or appId):
        whether it comes back from a backup or is new in a pull request (a file added in the --scope-from
        range), it is created only when named per object."""
        if not rt.new_identity:
            return False
        asked = self.options.recreate
        alt = obj.get(rt.alt_key) if rt.alt_key else None
        return obj_id not in asked and (alt is None or alt not in asked)


    def _add(self, sort: tuple[Any, ...], change: Change) -> Change:
        self.changes.append((sort, change))
        return change

    # -- the run ---------------------------------------------------------------------------------------------
    def run(self) -> Plan:
        for rt in self.rts:
            self._plan_type(rt)
        plan = Plan(changes=[self._needs(c) for c in _ordered(self.changes)], warnings=self.warnings,
                    scope=self.scope.describe(), adopted=self.adopted)
        return plan

    def _needs(self, change: Change) -> Change:
        """``change`` marked with the permission its object's writes need (``rt.write_permission``)."""
        if change.kind is Kind.SKIP:
            return change
        rt = resources.get(change.type)
        live_id = self.live_id.get((change.type, change.id), change.id)
        obj = self._objects(self.live, change.type).get(live_id) or self._objects(self.desired, change.type).get(
            change.id)
        needs = rt.write_permission(dict(obj)) if obj is not None else None
        return replace(change, needs=needs) if needs else change

    def _plan_type(self, rt: ResourceType) -> None:
        desired_t = self._objects(self.desired, rt.key)
        live_t = self._objects(self.live, rt.key)
        matched: set[str] = set()
        for obj_id in sorted(desired_t):
            live_id = self.live_id.get((rt.key, obj_id))
            if live_id is not None:
                matched.add(live_id)
            if (rt.key, obj_id) not in self.in_scope:
                if live_id is not None and self.remapped:
                    self._plan_remaps(rt, obj_id, live_id, desired_t[obj_id], dict(live_t[live_id]))
                continue
            desired_obj = desired_t[obj_id]
            resolved, ctx = self._resolve(rt, obj_id, desired_obj)
            self._faithful(rt, obj_id, resolved, ctx)
            fate = self.fate[(rt.key, obj_id)]
            if fate == "live":
                assert live_id is not None
                self._plan_existing(rt, obj_id, live_id, resolved, ctx, dict(live_t[live_id]))
            elif fate == "restore":
                self._plan_restore(rt, obj_id, resolved, ctx, dict(self._objects(self.deleted, rt.key)[obj_id]))
            elif fate == "new":
                self._plan_create(rt, obj_id, resolved, ctx)
            else:
                reason, option = self._absent_refusal(rt, obj_id, desired_obj)
                reason = reason or "not restorable"
                self._add((0, rt.order, 0, rt.key, obj_id, 3),
                          Change(Kind.SKIP, rt.key, obj_id, rt.display_name(dict(desired_obj)), reason=reason,
                                 option=option))
        self._plan_deletes(rt, [i for i in sorted(live_t) if i not in matched])


__all__ = ["PlanOptions", "compute_plan", "is_placeholder"]
