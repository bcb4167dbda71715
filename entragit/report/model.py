"""The difference report's data model: what changed since a backup, per object, per property and per link.

Everything here is plain data with a stable JSON form (:meth:`Report.to_json`, documented in
docs/report.md and pinned key by key by tests/report/test_render.py). The report is computed by the pure
function :func:`entragit.report.build_report` and rendered by :mod:`entragit.report.render`.

Direction: ``from`` is the backup (a git ref), ``to`` the state compared with it (another ref, or the live
tenant). A change is *recoverable* when restoring the backup (``entragit plan``/``apply`` with the backup as
the desired state) brings it back as it was; ``recoverable`` is ``None`` when that cannot be told (a
deletion between two refs: only the live tenant's deleted items say whether the object can be restored).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

FORMAT = "entragit-report/1"

# Object statuses, in the order they are counted and a type's objects are listed.
CREATED = "created"
MODIFIED = "modified"
DELETED = "deleted"
RESTORED = "restored"
RECREATED = "recreated"  # deleted, and created again by an apply with a new id (its recorded new ids pair them)
STATUSES = (CREATED, MODIFIED, DELETED, RESTORED, RECREATED)

# What became of a deleted object (Deletion.state).
RESTORABLE = "restorable"  # in deleted items: restore keeps the id (Graph's restore action)
PORTAL = "portal"  # in a deleted-items container only the admin portal restores from (CA objects)
GONE = "gone"  # hard-deleted or purged: only a recreate (new id) brings it back
UNKNOWN = "unknown"  # not told: compared with another ref, or deleted items could not be read
DELETION_STATES = (RESTORABLE, PORTAL, GONE, UNKNOWN)

# What a referenced id points at (Resolution.state).
PRESENT = "present"  # exists in the ``to`` state
IN_DELETED_ITEMS = "deleted"  # in the live tenant's deleted items (restorable)
ABSENT = "absent"  # was in the backup, is in neither the ``to`` state nor deleted items
NOWHERE = "nowhere"  # in neither the backup nor the ``to`` state: a stale reference
EXTERNAL = "external"  # an appId of no application of this tenant (Microsoft's or another tenant's app)
RESOLUTION_STATES = (PRESENT, IN_DELETED_ITEMS, ABSENT, NOWHERE, EXTERNAL)

# ItemChange.kind
CHANGED = "changed"  # a value replaced: old -> new
ADDED = "added"  # a property that appeared (old absent)
REMOVED = "removed"  # a property that disappeared (new absent)
ITEMS = "items"  # list or link elements added / removed / modified


@dataclass(frozen=True)
class Resolution:
    """What a referenced id (or appId) resolves to."""

    value: str
    state: str  # one of RESOLUTION_STATES
    type: str | None = None  # type key of the object found
    display_name: str | None = None
    id: str | None = None  # the object id (differs from ``value`` for appId references)
    synced: bool = False  # the object found is mastered on-premises
    never_written: str | None = None  # the object found is never written by entragit (why)

    def to_json(self) -> dict[str, Any]:
        return {"state": self.state, "type": self.type, "displayName": self.display_name, "id": self.id}


@dataclass(frozen=True)
class RefQuery:
    """One reference to resolve: ``value`` looked up among ``targets`` by ``by`` (``id`` or ``appId``)."""

    targets: tuple[str, ...]
    by: str
    value: str


@dataclass
class ItemChange:
    """One changed property path or link of an object.

    ``path`` is a property path (``state``, ``conditions.users.excludeUsers``, ``appRoles[id=…].isEnabled``)
    or a link name (``members``, ``manager``, ``appRoleAssignedTo``). ``kind`` is ``changed`` (``old`` →
    ``new``), ``added``/``removed`` (a property that appeared / disappeared) or ``items`` (``added`` /
    ``removed`` list or link elements, ``modified`` elements of object links as ``{"key", "changes"}``).
    ``refs`` maps each referenced id appearing in the change to its :class:`Resolution`.
    """

    path: str
    kind: str
    link: bool = False
    old: Any = None
    new: Any = None
    added: list[Any] = field(default_factory=list)
    removed: list[Any] = field(default_factory=list)
    modified: list[dict[str, Any]] = field(default_factory=list)
    recoverable: bool | None = True
    reason: str | None = None
    refs: dict[str, Resolution] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "kind": self.kind,
            "link": self.link,
            "old": self.old,
            "new": self.new,
            "added": self.added,
            "removed": self.removed,
            "modified": [{"key": m["key"], "changes": [c.to_json() for c in m["changes"]]}
                         for m in self.modified],
            "recoverable": self.recoverable,
            "reason": self.reason,
            "refs": {k: v.to_json() for k, v in sorted(self.refs.items())},
        }


@dataclass(frozen=True)
class Deletion:
    """What became of a deleted object: ``state`` (restorable | portal | gone | unknown), when it was
    deleted and until when it can be restored (30 days in deleted items), as far as known."""

    state: str
    deleted: str | None = None  # deletedDateTime (ISO 8601)
    restorable_until: str | None = None
    days_left: int | None = None
    note: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"state": self.state, "deletedDateTime": self.deleted, "restorableUntil": self.restorable_until,
                "daysLeft": self.days_left, "note": self.note}


@dataclass
class ObjectReport:
    """One object that differs between ``from`` and ``to``."""

    type: str
    id: str
    display_name: str
    status: str  # one of STATUSES
    changes: list[ItemChange] = field(default_factory=list)
    recoverable: bool | None = True
    reason: str | None = None
    deletion: Deletion | None = None
    synced: bool = False  # mastered on-premises (as last seen)
    never_written: str | None = None  # why entragit never writes this object (Microsoft-owned, ...)
    new_id: str | None = None  # recreated: the id it has now

    @property
    def not_recoverable(self) -> int:
        """Changes (or the object itself) marked not recoverable."""
        own = 1 if self.recoverable is False and self.status in (DELETED, CREATED) else 0
        return own + sum(1 for c in self.changes if c.recoverable is False)

    def to_json(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "id": self.id,
            "displayName": self.display_name,
            "status": self.status,
            "newId": self.new_id,
            "recoverable": self.recoverable,
            "reason": self.reason,
            "synced": self.synced,
            "neverWritten": self.never_written,
            "deletion": self.deletion.to_json() if self.deletion else None,
            "changes": [c.to_json() for c in self.changes],
        }


@dataclass
class Endpoint:
    """One side of the comparison: a git ref (with its commit and time) or the live tenant."""

    ref: str  # the ref as given ("backup/2026...", "HEAD~1") or "live"
    commit: str | None = None
    time: str | None = None  # commit time (ISO 8601), or the time the live tenant was read

    def to_json(self) -> dict[str, Any]:
        return {"ref": self.ref, "commit": self.commit, "time": self.time}


@dataclass
class Report:
    """The difference report: objects that differ, grouped and counted per type."""

    source: Endpoint
    target: Endpoint
    objects: list[ObjectReport] = field(default_factory=list)
    scope: dict[str, Any] = field(default_factory=dict)  # {"types": [...]|None, "ids": [...]|None}
    notes: list[str] = field(default_factory=list)  # what the report could not tell, and why
    # the unified diff of the changed files (markdown's <details>); not part of the JSON
    raw_diff: str | None = None
    stats: dict[str, int] = field(default_factory=dict)  # what loading cost (blobs read, ...); not in JSON

    @property
    def live(self) -> bool:
        return self.target.ref == "live"

    @property
    def types(self) -> list[str]:
        """Type keys with changes, in report order (registry order)."""
        seen: dict[str, None] = {}
        for obj in self.objects:
            seen.setdefault(obj.type, None)
        return list(seen)

    def objects_of(self, type_key: str) -> list[ObjectReport]:
        return [o for o in self.objects if o.type == type_key]

    def get(self, type_key: str, obj_id: str) -> ObjectReport:
        for obj in self.objects:
            if obj.type == type_key and obj.id == obj_id:
                return obj
        raise KeyError(f"{type_key}/{obj_id}")

    def counts(self, type_key: str | None = None) -> dict[str, int]:
        """Objects per status (every status, zeros included)."""
        found = Counter(o.status for o in self.objects if type_key is None or o.type == type_key)
        return {s: found.get(s, 0) for s in STATUSES}

    def deletion_counts(self) -> dict[str, int]:
        found = Counter(o.deletion.state for o in self.objects if o.deletion is not None)
        return {s: found[s] for s in DELETION_STATES if found.get(s)}

    @property
    def summary(self) -> dict[str, Any]:
        counts = self.counts()
        return {
            **counts,
            "objects": len(self.objects),
            "changes": sum(len(o.changes) for o in self.objects),
            "notRecoverable": sum(o.not_recoverable for o in self.objects),
            "deletions": self.deletion_counts(),
        }

    def summary_line(self) -> str:
        """One line of counts, e.g. ``4 objects differ: 1 created, 2 modified, 1 deleted (1 gone); ...``."""
        s = self.summary
        if not self.objects:
            return "no differences"
        parts = [f"{s[k]} {k}" for k in STATUSES if s[k]]
        text = (f"{s['objects']} objects differ: " if s["objects"] != 1 else "1 object differs: ") + ", ".join(parts)
        deletions = s["deletions"]
        if deletions:
            words = {RESTORABLE: "restorable from deleted items", PORTAL: "restorable in the portal only",
                     GONE: "gone", UNKNOWN: "fate unknown"}
            text = text.replace(f"{s[DELETED]} {DELETED}", f"{s[DELETED]} {DELETED} ("
                                + ", ".join(f"{n} {words[k]}" for k, n in deletions.items()) + ")")
        text += f"; {s['changes']} property/link change{'s' if s['changes'] != 1 else ''}"
        if s["notRecoverable"]:
            text += f", {s['notRecoverable']} not recoverable"
        return text

    def to_json(self) -> dict[str, Any]:
        """The documented JSON shape (docs/report.md)."""
        return {
            "format": FORMAT,
            "from": self.source.to_json(),
            "to": self.target.to_json(),
            "scope": {"types": self.scope.get("types"), "ids": self.scope.get("ids")},
            "summary": self.summary,
            "notes": list(self.notes),
            "types": [{"type": key, "counts": self.counts(key),
                       "objects": [o.to_json() for o in self.objects_of(key)]} for key in self.types],
        }
