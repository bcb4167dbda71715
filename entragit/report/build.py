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

Where the pieces live: this module (entry point, object statuses, deletions), :mod:`entragit.report.differ`
(property and link differences), :mod:`entragit.report.pending` (references and verdicts),
:mod:`entragit.report.values`, :mod:`entragit.report.times` (``parse_time``, ``format_time``, re-exported).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from entragit import resources
from entragit.report.differ import READ_ONLY, _Differ
from entragit.report.model import (
    CREATED,
    DELETED,
    GONE,
    MODIFIED,
    PORTAL,
    RECREATED,
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
from entragit.report.pending import _Pending
from entragit.report.times import format_time, parse_time
from entragit.resources.base import DeleteKind, ResourceType

__all__ = ["Facts", "ObjectDelta", "Resolver", "build_report", "format_time", "parse_time"]

# Deleted items are kept 30 days, then purged (graph-entra.md §1.6 [DI1][DI3]; CA deleted items: corrections).
RETENTION = timedelta(days=30)


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
    # (type key, old id) -> new id: objects an apply recreated, paired with their originals (report.recreated)
    recreated: Mapping[tuple[str, str], str] = field(default_factory=dict)


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
        if obj.status == RECREATED:
            # what the service sets anew on a recreated object (createdDateTime...) is the recreate itself
            renewed = [c.path for c in obj.changes if c.reason == READ_ONLY]
            obj.changes = [c for c in obj.changes if c.reason != READ_ONLY]
            if renewed:
                obj.reason = f"{obj.reason}; set anew by the service: {', '.join(renewed)}"
        if obj.status in (MODIFIED, RESTORED, RECREATED):
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
    new_id = facts.recreated.get((rt.key, delta.id))
    if new_id is not None:
        report.status, report.new_id = RECREATED, new_id
        report.reason = (f"recreated as {new_id} by an apply (the new id its outcome recorded); references to "
                         "it are remapped")
        return report
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
