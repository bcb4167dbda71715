"""Plain domain objects of the tenant emulator (moto's ``models.py``): stores, links, the change log.

Objects are kept as the Graph JSON dicts Graph returns (links such as members live in :class:`LinkStore`,
not inside the objects), so a read serializes them without conversion. Nothing here speaks HTTP.
"""

from __future__ import annotations

import base64
import bisect
import json
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from random import Random
from typing import Any

from entragit.emulator.facts.model import EntitySet

_dumps = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode


def dumps(obj: Any) -> bytes:
    """Compact JSON bytes (the wire format of every response)."""
    return _dumps(obj).encode()


def iso(dt: datetime) -> str:
    """Graph's date-time format: UTC, seconds, ``Z``."""
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def new_guid(rng: Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def new_opaque_id(rng: Random) -> str:
    """An opaque 43-character id like appRoleAssignment and oauth2PermissionGrant ids."""
    return base64.urlsafe_b64encode(rng.getrandbits(256).to_bytes(32, "big")).decode().rstrip("=")


class Collection:
    """The live objects of one resource type, with a lazily sorted id index and cached JSON per object."""

    def __init__(self, rt: EntitySet) -> None:
        self.rt = rt
        self.items: dict[str, dict[str, Any]] = {}
        self._sorted: list[str] | None = None
        self._json: dict[str, bytes] = {}
        self._alt: dict[str, str] = {}  # lower-cased alternate key (appId) -> id
        self._sel_json: dict[tuple[str, ...], dict[str, bytes]] = {}  # $select -> id -> projection JSON

    def __len__(self) -> int:
        return len(self.items)

    def __contains__(self, obj_id: object) -> bool:
        return obj_id in self.items

    def get(self, obj_id: str) -> dict[str, Any] | None:
        return self.items.get(obj_id)

    def put(self, obj: dict[str, Any]) -> None:
        obj_id = obj["id"]
        old = self.items.get(obj_id)
        if old is None:
            self._sorted = None
        elif self.rt.alt_key and old.get(self.rt.alt_key):
            self._alt.pop(str(old[self.rt.alt_key]).lower(), None)
        self.items[obj_id] = obj
        self.changed(obj_id)
        if self.rt.alt_key and obj.get(self.rt.alt_key):
            self._alt[str(obj[self.rt.alt_key]).lower()] = obj_id

    def changed(self, obj_id: str) -> None:
        """Drop the cached JSON of an object changed in place."""
        self._json.pop(obj_id, None)
        for cache in self._sel_json.values():
            cache.pop(obj_id, None)

    def select_cache(self, select: tuple[str, ...]) -> dict[str, bytes]:
        """The JSON cache of one ``$select`` projection (a few distinct ones are kept)."""
        cache = self._sel_json.get(select)
        if cache is None:
            if len(self._sel_json) >= 8:
                self._sel_json.clear()
            cache = self._sel_json[select] = {}
        return cache

    def remove(self, obj_id: str) -> dict[str, Any] | None:
        obj = self.items.pop(obj_id, None)
        if obj is not None:
            self._sorted = None
            self.changed(obj_id)
            if self.rt.alt_key and obj.get(self.rt.alt_key):
                self._alt.pop(str(obj[self.rt.alt_key]).lower(), None)
        return obj

    def by_alt(self, value: str) -> dict[str, Any] | None:
        obj_id = self._alt.get(value.lower())
        return self.items.get(obj_id) if obj_id else None

    def sorted_ids(self) -> list[str]:
        if self._sorted is None:
            self._sorted = sorted(self.items)
        return self._sorted

    def page_ids(self, cursor: str | None, top: int) -> tuple[list[str], bool]:
        """Up to ``top`` ids after ``cursor`` in id order, and whether more follow."""
        ids = self.sorted_ids()
        start = bisect.bisect_right(ids, cursor) if cursor else 0
        return ids[start:start + top], start + top < len(ids)

    def ids_after(self, cursor: str | None) -> Iterator[str]:
        ids = self.sorted_ids()
        start = bisect.bisect_right(ids, cursor) if cursor else 0
        for i in range(start, len(ids)):
            yield ids[i]

    def json(self, obj_id: str) -> bytes:
        data = self._json.get(obj_id)
        if data is None:
            data = self._json[obj_id] = dumps(self.items[obj_id])
        return data

    def clear(self) -> None:
        self.items.clear()
        self._json.clear()
        self._sel_json.clear()
        self._alt.clear()
        self._sorted = None


class LinkStore:
    """Id links between directory objects: ``(type, link) -> owner id -> {ref id: None}`` (insertion order),
    with a reverse index ``ref id -> {(type, link, owner id)}`` so deleting an object finds its links."""

    def __init__(self) -> None:
        self.fwd: dict[tuple[str, str], dict[str, dict[str, None]]] = {}
        self.rev: dict[str, set[tuple[str, str, str]]] = {}

    def refs(self, type_key: str, link: str, owner: str) -> dict[str, None]:
        return self.fwd.get((type_key, link), {}).get(owner, {})

    def has(self, type_key: str, link: str, owner: str, ref: str) -> bool:
        return ref in self.refs(type_key, link, owner)

    def add(self, type_key: str, link: str, owner: str, ref: str) -> bool:
        bucket = self.fwd.setdefault((type_key, link), {}).setdefault(owner, {})
        if ref in bucket:
            return False
        bucket[ref] = None
        self.rev.setdefault(ref, set()).add((type_key, link, owner))
        return True

    def set_single(self, type_key: str, link: str, owner: str, ref: str | None) -> str | None:
        """Replace a single-valued link (manager); returns the previous ref."""
        bucket = self.fwd.setdefault((type_key, link), {}).setdefault(owner, {})
        previous = next(iter(bucket), None)
        if previous is not None:
            self.remove(type_key, link, owner, previous)
        if ref is not None:
            self.add(type_key, link, owner, ref)
        return previous

    def remove(self, type_key: str, link: str, owner: str, ref: str) -> bool:
        bucket = self.fwd.get((type_key, link), {}).get(owner)
        if not bucket or ref not in bucket:
            return False
        del bucket[ref]
        back = self.rev.get(ref)
        if back is not None:
            back.discard((type_key, link, owner))
            if not back:
                del self.rev[ref]
        return True

    def owned_by(self, owner: str, links: Iterable[tuple[str, str]]) -> dict[tuple[str, str], list[str]]:
        """The refs an owner holds, per (type, link)."""
        return {key: list(self.fwd.get(key, {}).get(owner, {})) for key in links
                if self.fwd.get(key, {}).get(owner)}

    def pointing_at(self, ref: str) -> list[tuple[str, str, str]]:
        return sorted(self.rev.get(ref, ()))

    def drop_owner(self, type_key: str, link: str, owner: str) -> list[str]:
        bucket = self.fwd.get((type_key, link), {}).pop(owner, None) or {}
        for ref in bucket:
            back = self.rev.get(ref)
            if back is not None:
                back.discard((type_key, link, owner))
                if not back:
                    del self.rev[ref]
        return list(bucket)

    def clear(self) -> None:
        self.fwd.clear()
        self.rev.clear()


@dataclass
class MemberEvent:
    seq: int
    ref: str
    added: bool


class DeltaLog:
    """Per-type change log: every change of an object gets a new tenant-wide sequence number.

    ``last[id]`` is the object's latest change; ``log`` holds ``(seq, id)`` in order (stale entries, whose
    seq is not the object's latest, are skipped and compacted away). A delta round returns the objects
    whose latest change lies in ``(token, snapshot]``, in change order, so paging is stable under writes.
    """

    def __init__(self) -> None:
        self.last: dict[str, int] = {}
        self.log: list[tuple[int, str]] = []
        self.members: dict[tuple[str, str], list[MemberEvent]] = {}  # (link, group id) -> events

    def touch(self, obj_id: str, seq: int) -> None:
        self.last[obj_id] = seq
        self.log.append((seq, obj_id))
        if len(self.log) > 2 * len(self.last) + 1024:
            self.log = sorted((s, i) for i, s in self.last.items())

    def member_event(self, link: str, owner: str, ref: str, added: bool, seq: int) -> None:
        self.members.setdefault((link, owner), []).append(MemberEvent(seq, ref, added))

    def changes(self, after: int, upto: int) -> Iterator[tuple[int, str]]:
        start = bisect.bisect_right(self.log, (after, "\U0010ffff"))
        for i in range(start, len(self.log)):
            seq, obj_id = self.log[i]
            if seq > upto:
                return
            if self.last.get(obj_id) == seq:
                yield seq, obj_id

    def member_changes(self, link: str, owner: str, after: int, upto: int) -> dict[str, bool]:
        """Net membership changes of one owner in ``(after, upto]``: ref -> added (True) / removed (False)."""
        events = self.members.get((link, owner), [])
        net: dict[str, bool] = {}
        for ev in events:
            if after < ev.seq <= upto:
                net[ev.ref] = ev.added
        return net

    def clear(self) -> None:
        self.last.clear()
        self.log.clear()
        self.members.clear()


@dataclass
class DeletedItem:
    """A soft-deleted object, with everything a restore brings back."""

    type_key: str
    obj: dict[str, Any]
    deleted_at: datetime
    own_links: dict[tuple[str, str], list[str]] = field(default_factory=dict)  # links it held
    back_links: list[tuple[str, str, str]] = field(default_factory=list)  # links pointing at it
    assignments: list[dict[str, Any]] = field(default_factory=list)  # appRoleAssignments it took part in
    grants: list[dict[str, Any]] = field(default_factory=list)  # oauth2PermissionGrants it took part in
    extra: dict[str, Any] = field(default_factory=dict)  # nested sub-resources (credentials, ...)
