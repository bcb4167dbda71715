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
they are.

Order
-----
Changes are sorted by phase, then declaration order: (0) restores, creates and updates in ascending
``rt.order``, links at ``max(LINK_ORDER, rt.order)`` (removes, then updates, then adds); (1) the staged
final updates of created objects (``create_staged``: a CA policy created report-only is switched to its
backed-up state once everything it references exists); (2) deletes in descending ``rt.order``. A
stable topological pass then guarantees that every change comes after the changes in its ``after``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from entragit import resources
from entragit.plan.model import (
    Change,
    Kind,
    Plan,
    PropertyChange,
    Warning,
    is_placeholder,
    placeholder,
    short,
)
from entragit.plan.placeholders import tokens
from entragit.plan.scope import Scope
from entragit.resources.base import (
    LINK_ORDER,
    META_KEY,
    Channel,
    DeleteKind,
    Link,
    LinkKind,
    Ref,
    ResourceType,
    strings_in,
)

Tree = Mapping[str, Mapping[str, Mapping[str, Any]]]

_MISSING: Any = object()
_DROP: Any = object()
ODATA_TYPE = "@odata.type"

MASTERED = "mastered on-premises"


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
    # safety rails (entragit.plan.safety): share of a type's objects, emergency-access accounts
    max_change_share: float = 0.3
    emergency_access: tuple[str, ...] = ()
    force: str | None = None  # the reason given with --force: the rails report instead of refusing
    safety: bool = True  # run the rails in compute_plan (False: call entragit.plan.safety yourself)


def compute_plan(desired: Tree, live: Tree, deleted: Tree | None = None, scope: Scope | None = None,
                 options: PlanOptions | None = None) -> Plan:
    """The changes that bring ``live`` to ``desired`` within ``scope`` (see the module docstring).

    Pure: no I/O, inputs untouched. Raises :class:`entragit.errors.RefusedError` when a safety rail
    refuses the plan (unless ``options.force``; ``options.safety=False`` skips the rails).
    """
    options = options or PlanOptions()
    plan = _Planner(desired, live, deleted or {}, scope or Scope(), options).run()
    if options.safety:
        from entragit.plan.safety import check_safety

        check_safety(plan, desired, live, options)
    return plan


# ---------------------------------------------------------------------------------------------- helpers
def _canon(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def _same(a: Any, b: Any) -> bool:
    if a is _MISSING:
        a = None
    if b is _MISSING:
        b = None
    return a == b and _canon(a) == _canon(b)


def _copy(value: Any) -> Any:
    return json.loads(json.dumps(value)) if value is not None else None


def _places(obj: Any, path: str) -> Iterator[tuple[Any, Any, tuple[tuple[list[Any], int], ...]]]:
    """``(container, key, enclosing list elements)`` of every place ``path`` names (see ``iter_path``);
    the third item lists ``(list, index)`` of each ``[]`` passed on the way (outermost first)."""
    parts = path.split(".")

    def walk(node: Any, i: int, lists: tuple[tuple[list[Any], int], ...]) -> Iterator[Any]:
        part = parts[i]
        is_list = part.endswith("[]")
        name = part[:-2] if is_list else part
        if not isinstance(node, dict) or name not in node:
            return
        last = i == len(parts) - 1
        if not is_list:
            if last:
                yield node, name, lists
            else:
                yield from walk(node[name], i + 1, lists)
            return
        seq = node[name]
        if not isinstance(seq, list):
            return
        for idx in range(len(seq)):
            if last:
                yield seq, idx, lists
            else:
                yield from walk(seq[idx], i + 1, (*lists, (seq, idx)))

    yield from walk(obj, 0, ())


def _is_extension(rt: ResourceType, name: str) -> bool:
    return rt.extension_attributes and name.startswith("extension_")


def _write_channel(rt: ResourceType, name: str) -> Channel | None:
    """The channel of a top-level property; None for unknown properties (never written)."""
    prop = rt.prop(name)
    if prop is not None:
        return Channel.READ_ONLY if prop.secret else prop.channel
    if _is_extension(rt, name):
        return Channel.PATCH  # directory extension attributes: PATCHed like any property
    return None


def _minted_alt(rt: ResourceType) -> str | None:
    """The alternate key Graph mints on create (appId of applications), else None."""
    if rt.alt_key and rt.channel(rt.alt_key) is Channel.READ_ONLY:
        return rt.alt_key
    return None


def _element_key(link: Link, element: Mapping[str, Any]) -> str:
    return ",".join(f"{k}={short(element.get(k)) if not isinstance(element.get(k), list) else _canon(element.get(k))}"
                    for k in link.key)


def _strip(element: Mapping[str, Any], drop: Iterable[str]) -> dict[str, Any]:
    skip = set(drop)
    return {k: v for k, v in element.items() if k not in skip}


class _Ctx:
    """What the resolution of one object collected: warnings, dependencies, properties left out."""

    def __init__(self) -> None:
        self.excluded: set[str] = set()
        self.dropped_links: set[str] = set()


# ---------------------------------------------------------------------------------------------- planner
class _Planner:
    def __init__(self, desired: Tree, live: Tree, deleted: Tree, scope: Scope, options: PlanOptions) -> None:
        self.desired = desired
        self.live = live
        self.deleted = deleted
        self.scope = scope
        self.options = options
        self.loaded = set(live)
        self.rts = [rt for rt in resources.all_types() if rt.key in desired or rt.key in live]
        self.changes: list[tuple[tuple[Any, ...], Change]] = []
        self.warnings: list[Warning] = []
        self.live_id: dict[tuple[str, str], str] = {}  # (type, desired id) -> live id
        self.fate: dict[tuple[str, str], str] = {}  # (type, desired id) -> live|restore|new|none
        self.provider: dict[str, str] = {}  # token "<type>/<old id>" -> key of the recreate providing it
        self.restored: dict[str, str] = {}  # id -> key of the restore bringing it back
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
        for rt in self.rts:
            live_t = self._objects(self.live, rt.key)
            deleted_t = self._objects(self.deleted, rt.key)
            minted = _minted_alt(rt)
            for obj_id, obj in self._objects(self.desired, rt.key).items():
                token = f"{rt.key}/{obj_id}"
                new = known.get(token) or {}
                in_scope = self._covers(rt, obj_id, obj)
                if in_scope:
                    self.in_scope.add((rt.key, obj_id))
                if obj_id in live_t:
                    self.live_id[(rt.key, obj_id)] = obj_id
                    self.fate[(rt.key, obj_id)] = "live"
                elif rt.singleton and len(live_t) == 1:
                    self.live_id[(rt.key, obj_id)] = next(iter(live_t))
                    self.fate[(rt.key, obj_id)] = "live"
                elif new.get("id") in live_t:
                    self.live_id[(rt.key, obj_id)] = new["id"]
                    self.fate[(rt.key, obj_id)] = "live"
                    self.remapped[obj_id] = new["id"]
                    if minted and obj.get(minted) and new.get(minted):
                        self.alt_new[obj[minted]] = (token, new[minted])
                        self.remapped[obj[minted]] = new[minted]
                elif obj_id in deleted_t and rt.delete_kind(deleted_t[obj_id]) is DeleteKind.SOFT \
                        and rt.restore_path:
                    self.fate[(rt.key, obj_id)] = "restore" if in_scope else "none"
                    if in_scope:
                        self.restored[obj_id] = f"restore:{rt.key}/{obj_id}"
                elif in_scope and self._absent_refusal(rt, obj_id, obj)[0] is None:
                    kind = Kind.CREATE if (rt.key, obj_id) in self.scope.added else Kind.RECREATE
                    self.fate[(rt.key, obj_id)] = "new"
                    self.provider[token] = f"{kind.value}:{token}"
                    self.remapped[obj_id] = None
                    if minted and obj.get(minted):
                        self.alt_new[obj[minted]] = (token, placeholder(rt.key, obj_id, minted))
                        self.remapped[obj[minted]] = None
                else:
                    self.fate[(rt.key, obj_id)] = "none"

    def _absent_refusal(self, rt: ResourceType, obj_id: str, obj: Mapping[str, Any]) -> tuple[str | None, str | None]:
        """``(reason, option)``: why an object absent from the tenant is not recreated (None: it is), and the
        command-line option that would recreate it (a new identity's ``--recreate <id>``), if any."""
        if rt.singleton:
            return f"a {rt.title} always exists; it cannot be created", None
        if rt.is_synced(dict(obj)):
            return f"{MASTERED}: it comes back through directory synchronization, not a recreate", None
        reason = rt.never_written(dict(obj))
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

    # -- references -----------------------------------------------------------------------------------------
    def _lookup(self, targets: Iterable[str], value: str) -> tuple[str, Any, str | None]:
        """``(state, replacement, type)``: state live | restore | new | deleted | stale | unknown."""
        targets = tuple(targets)
        for t in targets:
            if t not in self.loaded:
                continue
            mapped = self.live_id.get((t, value))
            if mapped is not None:
                return "live", mapped, t
            if value in self._objects(self.live, t):
                return "live", value, t
        for t in targets:
            fate = self.fate.get((t, value))
            if fate == "restore":
                return "restore", value, t
            if fate == "new":
                return "new", placeholder(t, value), t
        for t in targets:
            if value in self._objects(self.deleted, t):
                return "deleted", value, t
        if any(t in self.loaded for t in targets):
            for t in targets:
                if value in self._objects(self.desired, t):
                    return "outside", value, t
            return "stale", value, None
        return "unknown", value, None

    def _resolve_value(self, ref_targets: tuple[str, ...], by: str, embedded: bool, specials: frozenset[str],
                       value: Any, where: tuple[str, str, str]) -> Any:
        """The value to write for one reference value (``_DROP``: left out, with a warning)."""
        if not isinstance(value, str) or value in specials:
            return value
        if embedded:
            for old, (_token, new) in self.alt_new.items():
                if old and old in value:
                    if isinstance(new, str):
                        return value.replace(old, new)
                    fmt = value.replace("{", "{{").replace("}", "}}").replace(old, "{}")
                    return {**new, "format": fmt}
            return value
        if by != "id":
            found = self.alt_new.get(value)
            return found[1] if found is not None else value
        state, replacement, t = self._lookup(ref_targets, value)
        if state in ("live", "restore", "new", "unknown"):
            return replacement
        type_key, obj_id, path = where
        if state == "deleted":
            message = (f"{value} is in deleted items ({t}) and this plan does not restore it; left out of "
                       "the write")
        elif state == "outside":
            message = (f"{value} ({t}) is absent from the tenant and this plan does not create it (outside "
                       "the scope, or skipped); left out of the write")
        else:
            message = f"stale reference: {value} exists nowhere ({', '.join(ref_targets)}); left out of the write"
        self.warnings.append(Warning(type_key, obj_id, path, value, message))
        return _DROP

    def _resolve_refs(self, refs: Iterable[Ref], obj: dict[str, Any], where: tuple[str, str, str],
                      ctx: _Ctx | None) -> bool:
        """Resolve ``refs`` in ``obj`` in place; returns False when a single (non-list) value had to be
        dropped and ``ctx`` is None (the caller drops the whole element)."""
        ok = True
        removals: dict[int, tuple[list[Any], set[int]]] = {}
        for ref in refs:
            for container, key, lists in list(_places(obj, ref.path)):
                value = container[key]
                new = self._resolve_value(ref.targets, ref.by, ref.embedded, ref.specials, value,
                                          (where[0], where[1], f"{where[2]}{ref.path}"))
                if new is _DROP:
                    if isinstance(container, list):
                        removals.setdefault(id(container), (container, set()))[1].add(key)
                    elif lists:
                        seq, idx = lists[-1]
                        removals.setdefault(id(seq), (seq, set()))[1].add(idx)
                    elif ctx is not None:
                        ctx.excluded.add(ref.path.split(".")[0].removesuffix("[]"))
                    else:
                        ok = False
                else:
                    container[key] = new
        for seq, indexes in removals.values():
            for idx in sorted(indexes, reverse=True):
                del seq[idx]
        return ok

    def _resolve(self, rt: ResourceType, obj_id: str, obj: Mapping[str, Any]) -> tuple[dict[str, Any], _Ctx]:
        """A copy of a desired object with its references resolved (see the module docstring)."""
        out = _copy(dict(obj))
        ctx = _Ctx()
        self._resolve_refs(rt.refs, out, (rt.key, obj_id, ""), ctx)
        for link in rt.links:
            if link.name not in out:
                continue
            value = out[link.name]
            where = (rt.key, obj_id, link.name)
            if link.kind is LinkKind.ID:
                if isinstance(value, str):
                    new = self._resolve_value(link.targets, "id", False, frozenset(), value, where)
                    if new is _DROP:
                        ctx.dropped_links.add(link.name)
                    else:
                        out[link.name] = new
            elif link.kind is LinkKind.IDS and isinstance(value, list):
                kept = []
                for v in value:
                    new = self._resolve_value(link.targets, "id", False, frozenset(), v, where)
                    if new is not _DROP:
                        kept.append(new)
                out[link.name] = kept
            elif link.kind is LinkKind.OBJECTS and isinstance(value, list):
                kept = []
                for element in value:
                    if not isinstance(element, dict):
                        continue
                    # a stale reference inside an element leaves the whole element out (its warning
                    # names the reference)
                    if self._resolve_refs(link.refs, element, (rt.key, obj_id, f"{link.name}[]."), None):
                        kept.append(element)
                out[link.name] = kept
        return out, ctx

    # -- dependencies ---------------------------------------------------------------------------------------
    def _deps(self, *values: Any) -> list[str]:
        found: set[str] = set()
        for value in values:
            for token in tokens(value):
                key = self.provider.get(token)
                if key:
                    found.add(key)
            if self.restored:
                for text in strings_in(value):
                    key = self.restored.get(text)
                    if key:
                        found.add(key)
        return sorted(found)

    def _touches_restored(self, *values: Any) -> bool:
        return bool(self.restored) and any(text in self.restored for v in values for text in strings_in(v))

    def _add(self, sort: tuple[Any, ...], change: Change) -> Change:
        self.changes.append((sort, change))
        return change

    # -- the run ---------------------------------------------------------------------------------------------
    def run(self) -> Plan:
        for rt in self.rts:
            self._plan_type(rt)
        plan = Plan(changes=_ordered(self.changes), warnings=self.warnings, scope=self.scope.describe())
        return plan

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

    # -- references to recreated objects from outside the scope ----------------------------------------------
    def _plan_remaps(self, rt: ResourceType, obj_id: str, live_id: str, desired_obj: Mapping[str, Any],
                     live_obj: dict[str, Any]) -> None:
        """An object outside the scope that references an object recreated by this plan (or by an earlier
        apply, ``known_ids``): only those references are written (the property holding one, the link element
        pointing at one), so that a recreate remaps *every* reference to its object; the rest of the object
        is left as it is live (the scope touches nothing else). Stale references elsewhere in it are not its
        business here: no warning."""
        olds = set(self.remapped)
        touched = {name for name, value in desired_obj.items()
                   if name not in (META_KEY, rt.key_prop) and olds & set(strings_in(value))}
        if not touched:
            return
        warnings = len(self.warnings)
        resolved, ctx = self._resolve(rt, obj_id, desired_obj)
        del self.warnings[warnings:]
        news = {v for v in self.remapped.values() if v is not None}

        def remapped(value: Any) -> bool:
            return bool(tokens(value)) or bool(news & set(strings_in(value)))

        limited = _copy(live_obj)
        for name in sorted(touched):
            if name not in resolved or name in ctx.excluded or name in ctx.dropped_links:
                continue
            value = resolved[name]
            link = rt.link(name)
            if link is None:
                if remapped(value):
                    limited[name] = value
            elif link.kind is LinkKind.ID:
                if remapped(value):
                    limited[name] = value
            elif link.kind is LinkKind.IDS:
                have = list(live_obj.get(name) or [])
                limited[name] = have + [v for v in value or [] if remapped(v) and v not in have]
            else:  # OBJECTS: only elements that are new by their key (an existing element is left as it is)
                have = list(live_obj.get(name) or [])
                keys = {_element_key(link, e) for e in have if isinstance(e, dict)}
                limited[name] = have + [e for e in value or [] if isinstance(e, dict) and remapped(e)
                                        and _element_key(link, e) not in keys]
        self._plan_existing(rt, obj_id, live_id, limited, _Ctx(), live_obj)

    # -- existing objects -------------------------------------------------------------------------------------
    def _plan_existing(self, rt: ResourceType, obj_id: str, live_id: str, resolved: dict[str, Any], ctx: _Ctx,
                       live_obj: dict[str, Any]) -> None:
        address = live_id if live_id != obj_id else None
        name = rt.display_name(resolved)
        # recreated by an earlier apply (a new id): its read-only properties are the new object's, set by the
        # server (createdDateTime, appId, ...), not a difference to report
        self._plan_props(rt, obj_id, name, resolved, ctx, live_obj, address, after=(), server_set=address is not None)
        self._plan_links(rt, obj_id, name, resolved, ctx, live_obj, live_obj, address, after=(), recompute=False)

    def _plan_restore(self, rt: ResourceType, obj_id: str, resolved: dict[str, Any], ctx: _Ctx,
                      deleted_obj: dict[str, Any]) -> None:
        name = rt.display_name(resolved)
        key = self.restored[obj_id]
        self._add((0, rt.order, 0, rt.key, obj_id, 0),
                  Change(Kind.RESTORE, rt.key, obj_id, name, reason="restored from deleted items with its id"))
        base = {k: v for k, v in deleted_obj.items() if k not in rt.link_names}
        # deleted items carry a partial object (Graph's default properties): only what it shows is compared;
        # the applier re-plans after the restore for the rest
        self._plan_props(rt, obj_id, name, resolved, ctx, base, None, after=(key,), partial=True)
        self._plan_links(rt, obj_id, name, resolved, ctx, resolved, {}, None, after=(key,), recompute=True)

    def _plan_props(self, rt: ResourceType, obj_id: str, name: str, resolved: dict[str, Any], ctx: _Ctx,
                    base: dict[str, Any], address: Any, after: tuple[str, ...], partial: bool = False,
                    server_set: bool = False) -> None:
        """Updates of what differs between ``resolved`` and ``base``, and a skip with its reason per property
        that differs but is not written. ``partial``: ``base`` is a deleted item (a partial object: what it
        does not show is not compared). ``partial`` or ``server_set`` (an object restored or recreated):
        read-only and undeclared properties are the server's own facts (deletedDateTime, createdDateTime, a
        new appId...), expected to differ, so not listed; the real skips (mastered on-premises, never
        written, create-only) still are."""
        synced = rt.is_synced(base)
        never = rt.never_written(base) or rt.never_written(resolved)
        patch: list[PropertyChange] = []
        singles: list[PropertyChange] = []
        for prop_name in sorted(resolved):
            if prop_name in (META_KEY, rt.key_prop) or prop_name in rt.link_names or prop_name in ctx.excluded:
                continue
            new = resolved[prop_name]
            old = base.get(prop_name, _MISSING)
            if _same(old, new) or (partial and (old is _MISSING or old is None)):
                continue
            old_value = None if old is _MISSING else old
            channel = _write_channel(rt, prop_name)
            prop = rt.prop(prop_name)
            if prop is not None and prop.secret:
                continue
            reason = None
            if prop_name == ODATA_TYPE:
                reason = "the object's type cannot change; delete and recreate it"
            elif channel is None:
                reason = "not a declared property: never written"
            elif channel is Channel.READ_ONLY:
                reason = "read-only"
            elif never:
                reason = never
            elif synced and prop is not None and prop.on_premises:
                reason = MASTERED
            elif channel is Channel.CREATE_ONLY:
                reason = "set at create only; it cannot change on an existing object"
            pc = PropertyChange(prop_name, old_value, new, (channel or Channel.READ_ONLY).value,
                                prop.action if prop is not None else None)
            if reason is not None:
                if (partial or server_set) and channel in (None, Channel.READ_ONLY):
                    continue  # the restored / recreated object's own server-set facts: nothing to report
                self._add((0, rt.order, 0, rt.key, obj_id, 3, prop_name),
                          Change(Kind.SKIP, rt.key, obj_id, name, properties=(pc,), reason=reason,
                                 address=address))
            elif channel is Channel.PATCH:
                patch.append(pc)
            else:
                singles.append(pc)
        self._emit_updates(rt, obj_id, name, resolved, patch, singles, address, after, phase=0)

    def _emit_updates(self, rt: ResourceType, obj_id: str, name: str, resolved: dict[str, Any],
                      patch: list[PropertyChange], singles: list[PropertyChange], address: Any,
                      after: tuple[str, ...], phase: int, seq: int = 0) -> None:
        base_sort = (phase, rt.order, 0, rt.key, obj_id, 2)
        if patch:
            body = self._patch_body(rt, resolved, {p.path: p.new for p in patch})
            deps = tuple(sorted(set(after) | set(self._deps(body))))
            self._add((*base_sort, ""), Change(Kind.UPDATE, rt.key, obj_id, name, properties=tuple(patch),
                                               channel=Channel.PATCH.value, body=body, address=address,
                                               after=deps, seq=seq))
        for pc in singles:
            if pc.channel == Channel.ACTION.value:
                body = {pc.path: pc.new}
            else:
                body = self._patch_body(rt, resolved, {pc.path: pc.new})
            deps = tuple(sorted(set(after) | set(self._deps(body))))
            self._add((*base_sort, pc.path), Change(Kind.UPDATE, rt.key, obj_id, name, properties=(pc,),
                                                    channel=pc.channel, action=pc.action, body=body,
                                                    address=address, after=deps, seq=seq))

    def _patch_body(self, rt: ResourceType, resolved: Mapping[str, Any], values: dict[str, Any]) -> dict[str, Any]:
        body = {}
        if rt.requires_odata_type:
            body[ODATA_TYPE] = resolved.get(ODATA_TYPE) or rt.odata_type
        body.update(values)
        return body

    # -- creates --------------------------------------------------------------------------------------------
    def _plan_create(self, rt: ResourceType, obj_id: str, resolved: dict[str, Any], ctx: _Ctx) -> None:
        token = f"{rt.key}/{obj_id}"
        kind = Kind.CREATE if (rt.key, obj_id) in self.scope.added else Kind.RECREATE
        key = self.provider[token]
        name = rt.display_name(resolved)
        same_type = {t for t in self.provider if t.startswith(rt.key + "/")}
        body: dict[str, Any] = {}
        if rt.requires_odata_type or ODATA_TYPE in resolved:
            body[ODATA_TYPE] = resolved.get(ODATA_TYPE) or rt.odata_type
        later_patch: list[PropertyChange] = []
        later_single: list[PropertyChange] = []
        for prop_name in sorted(resolved):
            value = resolved[prop_name]
            if prop_name in (META_KEY, rt.key_prop, ODATA_TYPE) or prop_name in ctx.excluded:
                continue
            link = rt.link(prop_name)
            if link is not None:
                if link.inline and link.kind is LinkKind.OBJECTS and isinstance(value, list):
                    body[prop_name] = [_strip(e, link.read_only) for e in value]
                continue
            channel = _write_channel(rt, prop_name)
            if channel is None or channel is Channel.READ_ONLY or value is None:
                continue
            prop = rt.prop(prop_name)
            pc = PropertyChange(prop_name, None, value, channel.value, prop.action if prop else None)
            if channel is Channel.PATCH_ALONE:
                if value not in ([], {}, ""):
                    later_single.append(pc)
            elif tokens(value) & same_type:
                # the value needs this object's (or a sibling's) new id: written once it exists
                (later_patch if channel is Channel.PATCH else later_single).append(pc)
            else:
                body[prop_name] = value
        initial, final = rt.staged_create(body)
        generate = tuple(p.name for p in rt.props if p.secret and p.required_on_create)
        remap = {"id": obj_id}
        minted = _minted_alt(rt)
        if minted and resolved.get(minted):
            remap[minted] = resolved[minted]
        props = tuple(PropertyChange(k, None, v, _write_channel(rt, k).value if _write_channel(rt, k) else "patch")
                      for k, v in sorted(initial.items()) if k != ODATA_TYPE)
        reason = None
        if final:
            reason = "created with " + ", ".join(f"{k} {initial[k]!r}" for k in sorted(final)) + \
                     "; switched to the backed-up value once everything it references exists"
        self._add((0, rt.order, 0, rt.key, obj_id, 1),
                  Change(kind, rt.key, obj_id, name, properties=props, body=initial, reason=reason,
                         after=tuple(self._deps(initial)), provides=token, remap=remap, generate=generate))
        ph = placeholder(rt.key, obj_id)
        self._emit_updates(rt, obj_id, name, resolved, later_patch, later_single, ph, (key,), phase=0)
        if final:
            pcs = [PropertyChange(k, initial[k], v, (_write_channel(rt, k) or Channel.PATCH).value)
                   for k, v in sorted(final.items())]
            # after everything the object references (its own create depends on them already)
            self._emit_updates(rt, obj_id, name, resolved, pcs, [], ph, (key,), phase=1, seq=1)
        self._plan_links(rt, obj_id, name, resolved, ctx, resolved, {}, ph, after=(key,), recompute=False,
                         created=True)

    # -- links ----------------------------------------------------------------------------------------------
    def _plan_links(self, rt: ResourceType, obj_id: str, name: str, resolved: dict[str, Any], ctx: _Ctx,
                    owner: dict[str, Any], live_obj: dict[str, Any], address: Any, after: tuple[str, ...],
                    recompute: bool, created: bool = False) -> None:
        for link in rt.links:
            if link.name not in resolved or link.name in ctx.dropped_links:
                continue
            if created and link.inline:
                continue  # posted inside the create body
            refused = rt.link_refused(owner, link)
            if refused is None and link.on_premises and rt.is_synced(owner):
                refused = MASTERED
            want = resolved[link.name]
            have = live_obj.get(link.name)
            order = max(LINK_ORDER, rt.order)
            base = (0, order, 1, rt.order, rt.key, obj_id, link.name)
            common = dict(type=rt.key, id=obj_id, display_name=name, address=address, link=link.name)
            if link.kind is LinkKind.OBJECTS:
                self._plan_elements(rt, link, want or [], have or [], base, common, refused, after, recompute)
                continue
            if link.kind is LinkKind.ID:
                if _same(want, have):
                    continue
                if want is None:
                    steps = [(Kind.LINK_REMOVE, have)]
                else:
                    steps = [(Kind.LINK_ADD, want)]
            else:
                want_map = {_canon(v): v for v in want or []}
                have_map = {_canon(v): v for v in have or []}
                steps = [(Kind.LINK_REMOVE, have_map[k]) for k in sorted(set(have_map) - set(want_map))]
                steps += [(Kind.LINK_ADD, want_map[k]) for k in sorted(set(want_map) - set(have_map))]
            for kind, target in steps:
                item = short(target)
                reason = refused
                if reason is None and kind is Kind.LINK_ADD and isinstance(target, str):
                    state, _, ttype = self._lookup(link.targets, target)
                    allowed = rt.link_targets(owner, link)
                    if ttype is not None and ttype not in allowed:
                        reason = f"{link.name} of this {rt.title} can only be {', '.join(allowed)}"
                sub = 0 if kind is Kind.LINK_REMOVE else 2
                deps = tuple(sorted(set(after) | set(self._deps(target))))
                again = recompute or self._touches_restored(target)
                if reason is not None:
                    self._add((*base, 3, item), Change(Kind.SKIP, **common, item=item, target=target,
                                                       reason=f"{kind.value} refused: {reason}"))
                    continue
                ref = target if kind is Kind.LINK_REMOVE else None
                self._add((*base, sub, item), Change(kind, **common, item=item, target=target, ref=ref,
                                                     after=deps, recompute=again))

    def _plan_elements(self, rt: ResourceType, link: Link, want: list[Any], have: list[Any],
                       base: tuple[Any, ...], common: dict[str, Any], refused: str | None,
                       after: tuple[str, ...], recompute: bool) -> None:
        want_map = {_element_key(link, e): e for e in want if isinstance(e, dict)}
        have_map = {_element_key(link, e): e for e in have if isinstance(e, dict)}
        steps: list[tuple[Kind, str, Any, Any, tuple[PropertyChange, ...]]] = []
        for k in sorted(set(have_map) - set(want_map)):
            steps.append((Kind.LINK_REMOVE, k, have_map[k].get("id"), have_map[k], ()))
        for k in sorted(set(want_map) & set(have_map)):
            w = _strip(want_map[k], link.read_only)
            h = _strip(have_map[k], link.read_only)
            diffs = sorted(p for p in set(w) | set(h) if not _same(w.get(p, _MISSING), h.get(p, _MISSING)))
            if not diffs:
                continue
            pcs = tuple(PropertyChange(p, h.get(p), w.get(p)) for p in diffs)
            if link.update and not (set(diffs) & link.create_only):
                body = {p: w.get(p) for p in diffs}
                if link.requires_odata_type and ODATA_TYPE in w:
                    body = {ODATA_TYPE: w[ODATA_TYPE], **body}
                steps.append((Kind.LINK_UPDATE, k, have_map[k].get("id"), body, pcs))
            else:
                steps.append((Kind.LINK_REMOVE, k, have_map[k].get("id"), have_map[k], pcs))
                steps.append((Kind.LINK_ADD, k, None, _strip(want_map[k], link.read_only), pcs))
        for k in sorted(set(want_map) - set(have_map)):
            steps.append((Kind.LINK_ADD, k, None, _strip(want_map[k], link.read_only), ()))
        for kind, item, ref, target, pcs in steps:
            sub = {Kind.LINK_REMOVE: 0, Kind.LINK_UPDATE: 1, Kind.LINK_ADD: 2}[kind]
            if refused is not None:
                self._add((*base, 3, item), Change(Kind.SKIP, **common, item=item, target=target, properties=pcs,
                                                   reason=f"{kind.value} refused: {refused}"))
                continue
            deps = tuple(sorted(set(after) | set(self._deps(target))))
            again = recompute or self._touches_restored(target)
            self._add((*base, sub, item), Change(kind, **common, item=item, target=target, ref=ref,
                                                 properties=pcs, after=deps, recompute=again))

    # -- deletes --------------------------------------------------------------------------------------------
    def _plan_deletes(self, rt: ResourceType, unmatched: list[str]) -> None:
        live_t = self._objects(self.live, rt.key)
        left: list[str] = []
        for obj_id in unmatched:
            obj = dict(live_t[obj_id])
            if not self._covers(rt, obj_id, obj):
                continue
            if not (self.options.allow_delete or (rt.key, obj_id) in self.scope.removed):
                left.append(obj_id)
                continue
            name = rt.display_name(obj)
            reason = None
            if rt.singleton or rt.delete_kind(obj) is DeleteKind.NONE:
                reason = rt.never_written(obj) or f"this {rt.title} cannot be deleted"
            elif rt.is_synced(obj):
                reason = f"{MASTERED}: delete it on-premises"
            else:
                reason = rt.never_written(obj) or rt.delete_refused(obj)
            sort = (2, -rt.order, rt.key, obj_id)
            if reason is not None:
                self._add((*sort, 1), Change(Kind.SKIP, rt.key, obj_id, name, reason=f"delete refused: {reason}"))
            else:
                self._add((*sort, 0), Change(Kind.DELETE, rt.key, obj_id, name,
                                             reason=f"absent from tenant-state/ ({rt.delete_kind(obj).value} "
                                                    "delete)"))
        if left:
            shown = ", ".join(left[:5]) + (", ..." if len(left) > 5 else "")
            self.warnings.append(Warning(
                rt.key, "", "", len(left),
                f"{len(left)} live {rt.title}(s) absent from tenant-state/ left alone (deletes need "
                f"--allow-delete or the file's removal in the --scope-from range): {shown}"))


# ---------------------------------------------------------------------------------------------- ordering
def _sort_key(sort: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple((0, s, "") if isinstance(s, (int, float)) else (1, 0, s if isinstance(s, str) else _canon(s))
                 for s in sort)


def _ordered(items: list[tuple[tuple[Any, ...], Change]]) -> list[Change]:
    """Changes sorted by their sort keys, then moved (stably) after their dependencies: a change moves
    only past what it needs. Deletes get their dependencies here (after the changes that stop
    referencing what they delete). A dependency cycle (none is known) keeps the sorted order."""
    items = sorted(items, key=lambda it: _sort_key(it[0]))
    changes = _delete_dependencies([c for _, c in items])
    keys = {c.key for c in changes}
    out: list[Change] = []
    placed: set[str] = set()
    waiting: list[Change] = []

    def ready(c: Change) -> bool:
        return all(d in placed or d not in keys for d in c.after)

    for change in changes:
        if not ready(change):
            waiting.append(change)
            continue
        out.append(change)
        placed.add(change.key)
        progressed = bool(waiting)
        while progressed:
            progressed = False
            for w in waiting:
                if ready(w):
                    out.append(w)
                    placed.add(w.key)
                    waiting.remove(w)
                    progressed = True
                    break
    return out + waiting


def _delete_dependencies(changes: list[Change]) -> list[Change]:
    deletes = [c for c in changes if c.kind is Kind.DELETE]
    if not deletes:
        return changes
    updated: dict[str, Change] = {}
    for d in deletes:
        needs = []
        for c in changes:
            if c is d or c.kind not in (Kind.UPDATE, Kind.LINK_REMOVE, Kind.LINK_UPDATE, Kind.DELETE):
                continue
            olds: list[Any] = [p.old for p in c.properties]
            if c.kind is Kind.LINK_REMOVE:
                olds.append(c.target)
            if c.kind is Kind.DELETE:
                continue
            if any(d.id == s for s in strings_in(olds)):
                needs.append(c.key)
        if needs:
            updated[d.key] = _replace(d, after=tuple(sorted(set(d.after) | set(needs))))
    return [updated.get(c.key, c) for c in changes]


def _replace(change: Change, **values: Any) -> Change:
    from dataclasses import replace

    return replace(change, **values)


__all__ = ["PlanOptions", "compute_plan", "is_placeholder"]
