"""The semantic diff: :func:`build_report` turns object pairs (backup, compared state) into a :class:`Report`.

Pure: it reads nothing itself. Its inputs are

- ``changes``: :class:`ObjectDelta` pairs ``(before, after)`` of canonical objects as stored in
  ``tenant-state/`` (``before`` from the backup, ``after`` from the compared ref or the live tenant;
  ``None`` on the side where the object does not exist);
- ``resolver``: anything with ``resolve(queries) -> {RefQuery: Resolution}`` (see
  :mod:`entragit.report.resolve`): display names of referenced ids, asked once for every id of the report;
- ``facts``: what is known beyond the two trees (:class:`Facts`): whether ``to`` is the live tenant, its
  deleted items, the backup's time, ids git history shows deleted and back.

Everything type-specific comes from the declarations (``entragit.resources``): write channels,
``on_premises``, ``unordered`` lists, references (``Ref``) and links (``Link`` with their ``refs``), and the
hooks ``is_synced``, ``never_written``, ``link_refused``, ``link_targets``, ``delete_kind``; ``new_identity``,
``delete``/``restore_path``.

Statuses: an object absent from the backup is *created*, unless it is back with an id it had before (git
history shows its file deleted earlier, or it was created before the backup was taken although the backup
does not hold it: it was in deleted items then) — then it is *restored*. An object in both whose file was
deleted in between is *restored* too (its changes, if any, are listed). Deleted objects are told apart when
``to`` is the live tenant: in deleted items (restorable, for 30 days from ``deletedDateTime``), in a
deleted-items container only the portal restores from (``DeleteKind.SOFT_PORTAL``), or gone.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from entragit import resources
from entragit.report.model import (
    ABSENT,
    ADDED,
    CHANGED,
    CREATED,
    DELETED,
    EXTERNAL,
    GONE,
    IN_DELETED_ITEMS,
    ITEMS,
    MODIFIED,
    NOWHERE,
    PORTAL,
    PRESENT,
    REMOVED,
    RESTORABLE,
    RESTORED,
    STATUSES,
    UNKNOWN,
    Deletion,
    Endpoint,
    ItemChange,
    ObjectReport,
    RefQuery,
    Report,
    Resolution,
)
from entragit.resources.base import (
    META_KEY,
    Channel,
    DeleteKind,
    Link,
    LinkKind,
    Ref,
    ResourceType,
    strings_in,
)

# Deleted items are kept 30 days, then purged (graph-entra.md §1.6 [DI1][DI3]; CA deleted items: corrections).
RETENTION = timedelta(days=30)
ODATA_TYPE = "@odata.type"
_IDENTITY_KEYS = ("id", "keyId")  # identify an element of an unordered list of objects (Graph convention)

MASTERED = "mastered on-premises: change it in Active Directory, synchronization brings it back"
NOT_DECLARED = "not a declared property: exported, never written"
READ_ONLY = "read-only: set by the service"
CREATE_ONLY = "set at create only: it cannot change on an existing object"
SECRET = "secret: never exported or written"
TYPE_CHANGE = "the object's type cannot change: delete and recreate it"
OWN_RECORD = "entragit's own record, not a tenant property"


@dataclass(frozen=True)
class ObjectDelta:
    """One object on both sides: ``before`` (the backup) and ``after`` (the compared state); ``None`` where
    it does not exist. ``before_text``/``after_text``: the files' text (for the raw diff), when at hand."""

    type: str
    id: str
    before: Mapping[str, Any] | None
    after: Mapping[str, Any] | None
    before_text: str | None = None
    after_text: str | None = None


class Resolver(Protocol):
    def resolve(self, queries: Iterable[RefQuery]) -> Mapping[RefQuery, Resolution]: ...


@dataclass
class Facts:
    """What is known beyond the two trees."""

    source: Endpoint
    target: Endpoint
    live: bool = False  # ``to`` is the live tenant (deletions can be classified)
    now: datetime | None = None  # for "days left" (default: the target's time, else the wall clock)
    # deleted items per type whose container was read: {type key: {id: canonical object}} (empty: read,
    # nothing there). A type absent here was not read (no container, or unreadable: ``unread``).
    deleted: Mapping[str, Mapping[str, Mapping[str, Any]]] = field(default_factory=dict)
    unread: Mapping[str, str] = field(default_factory=dict)  # type key -> why its deleted items were not read
    # (type key, id) whose file git history shows deleted and back (between the refs, or before the backup)
    restored: frozenset[tuple[str, str]] = frozenset()
    source_time: datetime | None = None  # when the backup was taken (its commit time)
    scope: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


# ---------------------------------------------------------------------------------------------- entry point
def build_report(changes: Iterable[ObjectDelta], resolver: Resolver, facts: Facts) -> Report:
    """The semantic report of ``changes`` (see the module docstring). Objects equal on both sides and not
    restored are left out."""
    now = facts.now or parse_time(facts.target.time) or datetime.now(UTC)
    pending: list[_Pending] = []
    objects: list[ObjectReport] = []
    for delta in changes:
        rt = resources.get(delta.type)
        built = _object(rt, delta, facts, now, pending)
        if built is not None:
            objects.append(built)
    queries = {q for p in pending for q in p.all_queries()}
    resolved = dict(resolver.resolve(sorted(queries, key=lambda q: (q.targets, q.by, q.value)))) if queries else {}
    by_object: dict[int, list[ItemChange]] = {}
    for p in pending:
        by_object.setdefault(id(p.owner), []).extend(p.finish(resolved, facts.live))
    for obj in objects:
        if id(obj) in by_object:
            obj.changes = by_object[id(obj)]
        if obj.status in (MODIFIED, RESTORED):
            obj.recoverable, obj.reason = _overall(obj)
    order = {rt.key: i for i, rt in enumerate(resources.all_types())}
    status_rank = {s: i for i, s in enumerate(STATUSES)}
    objects.sort(key=lambda o: (order.get(o.type, len(order)), o.type, status_rank[o.status],
                                o.display_name.casefold(), o.id))
    return Report(source=facts.source, target=facts.target, objects=objects, scope=dict(facts.scope),
                  notes=list(facts.notes))


# ---------------------------------------------------------------------------------------------- objects
def _object(rt: ResourceType, delta: ObjectDelta, facts: Facts, now: datetime,
            pending: list[_Pending]) -> ObjectReport | None:
    before = dict(delta.before) if delta.before is not None else None
    after = dict(delta.after) if delta.after is not None else None
    current = after if after is not None else before
    assert current is not None, f"{delta.type}/{delta.id}: no object on either side"
    report = ObjectReport(type=rt.key, id=delta.id, display_name=rt.display_name(current), status=MODIFIED,
                          synced=rt.is_synced(current), never_written=rt.never_written(current))
    back = (rt.key, delta.id) in facts.restored
    if after is None:
        report.status = DELETED
        report.deletion, report.recoverable, report.reason = _deletion(rt, delta.id, before or {}, facts, now)
        return report
    if before is None:
        created = parse_time(after.get("createdDateTime"))
        if not back and rt.restore_path and created is not None and facts.source_time is not None \
                and created < facts.source_time:
            back = True  # it existed before the backup, yet the backup lacks it: it was in deleted items then
        if not back:
            report.status = CREATED
            report.recoverable, report.reason = _created_recovery(rt, after)
            return report
        report.status = RESTORED
        report.reason = "back with the same id: it was deleted before the backup was taken, and restored since"
        return report
    changes = _Differ(rt, before, after, report, pending).run()
    if back:
        report.status = RESTORED
        report.reason = "deleted and restored with the same id since the backup"
        return report
    return report if changes else None


def _created_recovery(rt: ResourceType, obj: dict[str, Any]) -> tuple[bool, str]:
    never = rt.never_written(obj)
    if never:
        return False, never
    if rt.singleton or rt.delete_kind(obj) is DeleteKind.NONE:
        return False, f"this {rt.title} cannot be deleted"
    return True, "not in the backup: restoring the backup deletes it (entragit apply --allow-delete)"


def _deletion(rt: ResourceType, obj_id: str, before: dict[str, Any], facts: Facts,
              now: datetime) -> tuple[Deletion, bool | None, str | None]:
    """``(deletion, recoverable, reason)`` of an object absent from ``to``."""
    kind = rt.delete_kind(before)
    if not facts.live:
        expected = {
            DeleteKind.SOFT: f"a {rt.title} of this kind goes to deleted items for 30 days",
            DeleteKind.SOFT_PORTAL: f"a {rt.title} goes to deleted items the portal restores from, for 30 days",
            DeleteKind.HARD: f"a {rt.title} of this kind is deleted permanently",
            DeleteKind.NONE: f"a {rt.title} of this kind cannot be deleted",
        }[kind]
        note = f"deleted between the two states ({expected}); compare with live to know whether it can be restored"
        return Deletion(UNKNOWN, note=note), None, note
    container = rt.delete in (DeleteKind.SOFT, DeleteKind.SOFT_PORTAL) and bool(rt.delete_path)
    if rt.key in facts.unread:
        note = f"its deleted items could not be read: {facts.unread[rt.key]}"
        return Deletion(UNKNOWN, note=note), None, note
    item = facts.deleted.get(rt.key, {}).get(obj_id) if container else None
    if item is not None:
        since = item.get("deletedDateTime")
        when = parse_time(since)
        until = when + RETENTION if when is not None else None
        days = max(0, math.floor((until - now) / timedelta(days=1))) if until is not None else None
        window = (f"until {format_time(until)} ({days} day{'s' if days != 1 else ''} left)" if until is not None
                  else "for 30 days from its deletion")
        if rt.delete is DeleteKind.SOFT and rt.restore_path:
            state, reason = RESTORABLE, f"restorable from deleted items {window}, keeping its id"
        else:
            state, reason = PORTAL, ("restorable only in the Entra admin center (Graph refuses app-only restores) "
                                     f"{window}; otherwise entragit recreates it with a new id")
        note = f"in deleted items since {since}" if since else "in deleted items"
        return (Deletion(state, deleted=since, restorable_until=format_time(until), days_left=days, note=note),
                True, reason)
    if container and rt.key not in facts.deleted:
        note = "its deleted items were not read"
        return Deletion(UNKNOWN, note=note), None, note
    recoverable, reason = _gone_recovery(rt, before)
    how = ("not in deleted items: deleted permanently, or purged" if container
           else f"deleted permanently (a {rt.title} does not go to deleted items)")
    return Deletion(GONE, note=how), recoverable, reason


def _gone_recovery(rt: ResourceType, obj: Mapping[str, Any]) -> tuple[bool, str]:
    """Whether a hard-deleted object of ``rt`` comes back from the backup, and how or why not."""
    if rt.is_synced(dict(obj)):
        return False, "mastered on-premises: it comes back through directory synchronization, not a recreate"
    never = rt.never_written(dict(obj))
    if never:
        return False, never
    if rt.singleton or rt.delete_kind(dict(obj)) is DeleteKind.NONE:
        return False, f"this {rt.title} cannot be created"
    if rt.new_identity:
        return False, f"only a recreate brings it back, and {rt.new_identity}"
    return True, "entragit recreates it with a new id (references to it are remapped)"


def _overall(obj: ObjectReport) -> tuple[bool | None, str | None]:
    verdicts = [c.recoverable for c in obj.changes]
    bad = [c for c in obj.changes if c.recoverable is False]
    if bad:
        return False, f"{len(bad)} of {len(verdicts)} change{'s' if len(verdicts) != 1 else ''} not recoverable"
    if any(v is None for v in verdicts):
        return None, "some changes cannot be judged without the live tenant"
    return True, obj.reason


# ---------------------------------------------------------------------------------------------- value diff
def _tokens(path: str) -> tuple[str, ...]:
    """``"a.b[].c"`` -> ``("a", "b", "[]", "c")``."""
    out: list[str] = []
    for part in path.split(".") if path else ():
        if part.endswith("[]"):
            if part[:-2]:
                out.append(part[:-2])
            out.append("[]")
        else:
            out.append(part)
    return tuple(out)


def _join(schema: str, key: str) -> str:
    return f"{schema}.{key}" if schema else key


def _canon(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def _same(a: Any, b: Any) -> bool:
    return type(a) is type(b) and (a == b if not isinstance(a, (dict, list)) else _canon(a) == _canon(b))


def _identity(items: Sequence[Any]) -> str | None:
    """The key identifying every element of a list of objects (``id`` or ``keyId``), if all have one."""
    for key in _IDENTITY_KEYS:
        if items and all(isinstance(x, dict) and isinstance(x.get(key), str) for x in items):
            return key
    return None


@dataclass
class _Slot:
    """References inside one value of a change; ``restore`` marks the values a recovery writes back."""

    item: Any
    queries: list[RefQuery]
    restore: bool
    element: bool = False  # an element of ``added``/``removed`` (True) or the scalar old/new (False)


@dataclass
class _Pending:
    """An item change waiting for the resolver: its reference slots and its recoverability so far."""

    owner: ObjectReport
    change: ItemChange
    slots: list[_Slot] = field(default_factory=list)

    def all_queries(self) -> Iterator[RefQuery]:
        for slot in self.slots:
            yield from slot.queries

    def finish(self, resolved: Mapping[RefQuery, Resolution], live: bool) -> list[ItemChange]:
        change = self.change
        change.refs = {q.value: resolved[q] for q in self.all_queries() if q in resolved}
        for element in change.modified:
            for inner in element["changes"]:
                values = {s for v in (inner.old, inner.new, inner.added, inner.removed) for s in strings_in(v)}
                inner.refs = {k: v for k, v in change.refs.items() if k in values}
        if change.recoverable is not True:
            return [change]
        verdicts: list[tuple[_Slot, bool | None, str | None]] = []
        for slot in self.slots:
            if slot.restore:
                verdicts.append((slot, *_ref_verdict([resolved[q] for q in slot.queries if q in resolved], live)))
        scalar = [(v, r) for s, v, r in verdicts if not s.element]
        if scalar:
            change.recoverable, change.reason = _combine(scalar)
        split = [(s, v, r) for s, v, r in verdicts if s.element and (v is not True or r)]
        if not split:
            return [change]
        out = [change]
        groups: dict[tuple[bool | None, str | None], list[Any]] = {}
        for slot, verdict, reason in split:
            groups.setdefault((verdict, reason), []).append(slot.item)
        for (verdict, reason), items in groups.items():
            moved = {_canon(i) for i in items}
            change.removed = [i for i in change.removed if _canon(i) not in moved]
            out.append(ItemChange(path=change.path, kind=ITEMS, link=change.link, removed=items,
                                  recoverable=verdict, reason=reason,
                                  refs={k: v for k, v in change.refs.items() if any(k in strings_in(i) for i in items)}))
        if not (change.added or change.removed or change.modified):
            out.pop(0)
        return out


def _ref_verdict(found: list[Resolution], live: bool) -> tuple[bool | None, str | None]:
    """Whether writing back a value holding these references can succeed, and what it depends on."""
    out: list[tuple[bool | None, str | None]] = []
    for res in found:
        name = res.display_name or res.value
        if res.state in (PRESENT, EXTERNAL):
            continue
        if res.state == IN_DELETED_ITEMS:
            out.append((True, f"once {name} is restored from deleted items"))
        elif res.state == NOWHERE:
            out.append((False, f"refers to {res.value}, which exists nowhere (a stale reference)"))
        elif res.state == ABSENT and not live:
            out.append((None, f"refers to {name}, deleted since the backup"))
        elif res.state == ABSENT:
            rt = resources.get(res.type) if res.type else None
            if res.synced:
                out.append((False, f"refers to {name}, deleted; it comes back only through synchronization"))
            elif res.never_written:
                out.append((False, f"refers to {name}, deleted ({res.never_written})"))
            elif rt is not None and rt.new_identity:
                out.append((False, f"refers to {name}, hard-deleted: {rt.new_identity}"))
            else:
                out.append((True, f"once {name} is recreated (new id)"))
    return _combine(out) if out else (True, None)


def _combine(verdicts: Sequence[tuple[bool | None, str | None]]) -> tuple[bool | None, str | None]:
    """False beats None beats True; the reasons of the winning verdict, each once."""
    for wanted in (False, None, True):
        reasons = [r for v, r in verdicts if v is wanted and r]
        if any(v is wanted for v, _ in verdicts):
            return wanted, "; ".join(dict.fromkeys(reasons)) or None
    return True, None


def _ref_values(refs: Sequence[Ref], where: tuple[str, ...], value: Any) -> list[tuple[Ref, str]]:
    """``(ref, id)`` for every declared reference found in ``value``, which sits at schema path ``where``."""
    out: list[tuple[Ref, str]] = []
    for ref in refs:
        if ref.embedded:
            continue  # a string embedding the target's key (api://{appId}): shown as it is
        tokens = _tokens(ref.path)
        if tokens[:len(where)] != where:
            continue
        for found in _walk(value, tokens[len(where):]):
            if isinstance(found, str) and found not in ref.specials:
                out.append((ref, found))
    return out


def _walk(node: Any, rest: tuple[str, ...]) -> Iterator[Any]:
    if not rest:
        yield node
        return
    head, tail = rest[0], rest[1:]
    if head == "[]":
        if isinstance(node, list):
            for item in node:
                yield from _walk(item, tail)
    elif isinstance(node, dict) and head in node:
        yield from _walk(node[head], tail)


class _Differ:
    """Property and link differences of one object present on both sides."""

    def __init__(self, rt: ResourceType, before: dict[str, Any], after: dict[str, Any], owner: ObjectReport,
                 pending: list[_Pending]) -> None:
        self.rt, self.before, self.after, self.owner, self.pending = rt, before, after, owner, pending
        self.unordered = {p.removesuffix("[]") for p in rt.unordered}
        self.synced = rt.is_synced(after)
        self.never = rt.never_written(after) or rt.never_written(before)
        self.count = 0

    def run(self) -> int:
        rt = self.rt
        for name in sorted(set(self.before) | set(self.after)):
            if name in (META_KEY, rt.key_prop):
                continue
            link = rt.link(name)
            if link is not None:
                if name in self.before and name in self.after:  # a side without the link did not read it
                    self._link(link, self.before[name], self.after[name])
                continue
            old, new = self.before.get(name, _MISSING), self.after.get(name, _MISSING)
            self._value(name, name, old, new, name)
        return self.count

    # -- properties ---------------------------------------------------------------------------------------
    def _recovery(self, top: str) -> tuple[bool, str | None]:
        rt = self.rt
        if top == ODATA_TYPE:
            return False, TYPE_CHANGE
        prop = rt.prop(top)
        if prop is None:
            if rt.extension_attributes and top.startswith("extension_"):
                return (False, MASTERED) if self.synced else (True, None)
            return False, NOT_DECLARED
        if prop.secret:
            return False, SECRET
        if prop.channel is Channel.READ_ONLY:
            return False, READ_ONLY
        if self.never:
            return False, self.never
        if self.synced and prop.on_premises:
            return False, MASTERED
        if prop.channel is Channel.CREATE_ONLY:
            return False, CREATE_ONLY
        return True, None

    def _emit(self, change: ItemChange, slots: list[_Slot]) -> None:
        self.count += 1
        self.pending.append(_Pending(self.owner, change, slots))

    def _queries(self, refs: Sequence[Ref], where: tuple[str, ...], value: Any,
                 targets: tuple[str, ...] | None = None) -> list[RefQuery]:
        return [RefQuery(targets or ref.targets, ref.by, v) for ref, v in _ref_values(refs, where, value)]

    def _value(self, top: str, path: str, old: Any, new: Any, schema: str) -> None:
        if old is not _MISSING and new is not _MISSING and _same(old, new):
            return
        refs = self.rt.refs
        if isinstance(old, dict) and isinstance(new, dict):
            for key in sorted(set(old) | set(new)):
                self._value(top, _join(path, key), old.get(key, _MISSING), new.get(key, _MISSING),
                            _join(schema, key))
            return
        if isinstance(old, list) and isinstance(new, list) and schema in self.unordered:
            self._items(top, path, old, new, schema)
            return
        recoverable, reason = self._recovery(top)
        where = _tokens(schema)
        if old is _MISSING:
            change = ItemChange(path, ADDED, new=new, recoverable=recoverable, reason=reason)
        elif new is _MISSING:
            change = ItemChange(path, REMOVED, old=old, recoverable=recoverable, reason=reason)
        else:
            change = ItemChange(path, CHANGED, old=old, new=new, recoverable=recoverable, reason=reason)
        slots = []
        if old is not _MISSING:
            slots.append(_Slot(old, self._queries(refs, where, old), restore=True))
        if new is not _MISSING:
            slots.append(_Slot(new, self._queries(refs, where, new), restore=False))
        self._emit(change, slots)

    def _items(self, top: str, path: str, old: list[Any], new: list[Any], schema: str) -> None:
        recoverable, reason = self._recovery(top)
        key = _identity(old + new)
        modified: list[tuple[str, Any, Any]] = []
        if key is not None:
            old_map, new_map = {x[key]: x for x in old}, {x[key]: x for x in new}
            removed = [old_map[k] for k in sorted(set(old_map) - set(new_map))]
            added = [new_map[k] for k in sorted(set(new_map) - set(old_map))]
            modified = [(k, old_map[k], new_map[k]) for k in sorted(set(old_map) & set(new_map))
                        if not _same(old_map[k], new_map[k])]
        else:
            old_keys, new_keys = [_canon(x) for x in old], [_canon(x) for x in new]
            old_set, new_set = set(old_keys), set(new_keys)
            removed = [x for x, k in zip(old, old_keys, strict=True) if k not in new_set]
            added = [x for x, k in zip(new, new_keys, strict=True) if k not in old_set]
        if added or removed:
            where = (*_tokens(schema), "[]")
            slots = [_Slot(x, self._queries(self.rt.refs, where, x), restore=True, element=True) for x in removed]
            slots += [_Slot(x, self._queries(self.rt.refs, where, x), restore=False, element=True) for x in added]
            self._emit(ItemChange(path, ITEMS, added=added, removed=removed, recoverable=recoverable,
                                  reason=reason), slots)
        for ident, before, after in modified:
            self._value(top, f"{path}[{key}={ident}]", before, after, schema + "[]")

    # -- links --------------------------------------------------------------------------------------------
    def _link_recovery(self, link: Link) -> tuple[bool, str | None]:
        refused = self.rt.link_refused(self.after, link)
        if refused is None and link.on_premises and self.synced:
            refused = MASTERED
        return (False, refused) if refused else (True, None)

    def _link(self, link: Link, old: Any, new: Any) -> None:
        if _same(old, new):
            return
        recoverable, reason = self._link_recovery(link)
        targets = self.rt.link_targets(self.after, link)
        if link.kind is LinkKind.ID:
            slots = [_Slot(v, [RefQuery(targets, "id", v)], restore=r) for v, r in ((old, True), (new, False))
                     if isinstance(v, str)]
            self._emit(ItemChange(link.name, CHANGED, link=True, old=old, new=new, recoverable=recoverable,
                                  reason=reason), slots)
            return
        old_list = old if isinstance(old, list) else []
        new_list = new if isinstance(new, list) else []
        if link.kind is LinkKind.IDS:
            old_set, new_set = set(map(_canon, old_list)), set(map(_canon, new_list))
            removed = [v for v in old_list if _canon(v) not in new_set]
            added = [v for v in new_list if _canon(v) not in old_set]
            slots = [_Slot(v, [RefQuery(targets, "id", v)] if isinstance(v, str) else [], restore=True, element=True)
                     for v in removed]
            slots += [_Slot(v, [RefQuery(targets, "id", v)] if isinstance(v, str) else [], restore=False,
                            element=True) for v in added]
            self._emit(ItemChange(link.name, ITEMS, link=True, added=added, removed=removed,
                                  recoverable=recoverable, reason=reason), slots)
            return
        self._elements(link, old_list, new_list, recoverable, reason)

    def _elements(self, link: Link, old: list[Any], new: list[Any], recoverable: bool,
                  reason: str | None) -> None:
        def key_of(element: Any) -> str:
            if not isinstance(element, dict):
                return _canon(element)
            return ",".join(f"{k}={element.get(k)}" for k in link.key)

        old_map = {key_of(x): x for x in old}
        new_map = {key_of(x): x for x in new}
        removed = [old_map[k] for k in sorted(set(old_map) - set(new_map))]
        added = [new_map[k] for k in sorted(set(new_map) - set(old_map))]
        slots = [_Slot(x, self._queries(link.refs, (), x), restore=True, element=True) for x in removed]
        slots += [_Slot(x, self._queries(link.refs, (), x), restore=False, element=True) for x in added]
        modified = []
        unordered = {p.removesuffix("[]") for p in link.unordered}
        for k in sorted(set(old_map) & set(new_map)):
            a, b = old_map[k], new_map[k]
            if _same(a, b) or not isinstance(a, dict) or not isinstance(b, dict):
                continue
            inner = _element_changes(a, b, unordered, link)
            if inner:
                modified.append({"key": k, "changes": inner})
                slots.append(_Slot(a, self._queries(link.refs, (), a), restore=True))
                slots.append(_Slot(b, self._queries(link.refs, (), b), restore=False))
        if added or removed or modified:
            self._emit(ItemChange(link.name, ITEMS, link=True, added=added, removed=removed, modified=modified,
                                  recoverable=recoverable, reason=reason), slots)


def _element_changes(old: dict[str, Any], new: dict[str, Any], unordered: set[str], link: Link) -> list[ItemChange]:
    """Property changes inside one element of an object link (appRoleAssignedTo, grants, credentials...)."""
    out: list[ItemChange] = []
    create_only = link.create_only | set(link.key)

    def visit(path: str, a: Any, b: Any) -> None:
        if a is not _MISSING and b is not _MISSING and _same(a, b):
            return
        if isinstance(a, dict) and isinstance(b, dict):
            for key in sorted(set(a) | set(b)):
                visit(_join(path, key), a.get(key, _MISSING), b.get(key, _MISSING))
            return
        top = path.split(".", 1)[0]
        if top in link.read_only:
            recoverable, reason = False, READ_ONLY
        elif top in create_only:
            recoverable, reason = False, "set at create only: the element is removed and added again"
        elif not link.update:
            recoverable, reason = True, "no update in place: the element is removed and added again"
        else:
            recoverable, reason = True, None
        if isinstance(a, list) and isinstance(b, list) and path in unordered:
            old_keys, new_keys = {_canon(x) for x in a}, {_canon(x) for x in b}
            out.append(ItemChange(path, ITEMS, added=[x for x in b if _canon(x) not in old_keys],
                                  removed=[x for x in a if _canon(x) not in new_keys],
                                  recoverable=recoverable, reason=reason))
        elif a is _MISSING:
            out.append(ItemChange(path, ADDED, new=b, recoverable=recoverable, reason=reason))
        elif b is _MISSING:
            out.append(ItemChange(path, REMOVED, old=a, recoverable=recoverable, reason=reason))
        else:
            out.append(ItemChange(path, CHANGED, old=a, new=b, recoverable=recoverable, reason=reason))

    visit("", old, new)
    return out


class _Missing:
    def __repr__(self) -> str:
        return "<absent>"


_MISSING: Any = _Missing()


# ---------------------------------------------------------------------------------------------- times
_FRACTION = re.compile(r"(\.\d{1,6})\d*")


def parse_time(value: Any) -> datetime | None:
    """A Graph timestamp (``2024-12-30T20:00:00.0000000Z``, up to 7 fractional digits) as an aware datetime."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if not isinstance(value, str) or not value:
        return None
    text = _FRACTION.sub(lambda m: m.group(1), value.strip()).replace("Z", "+00:00")
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def format_time(when: datetime | None) -> str | None:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if when is not None else None
