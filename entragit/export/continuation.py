"""Where the next incremental export continues: the exporter's part of the delta state.

Stored by the backup in the ref ``refs/entragit/delta`` (:mod:`entragit.backups.deltastate`, which ties it to
the backup it continues from), as JSON::

    {"version": 1,
     "graph": "https://graph.microsoft.com",          # the Graph root the links belong to
     "tenantId": "...",
     "fullAt": "2026-07-01T23:00:02Z",                 # Graph's time at the start of the last full export
     "cursor": "2026-07-02T23:00:03Z",                 # ... at the start of the last export: audit log from here
     "types": {"users": {"deltaLink": "https://graph.microsoft.com/v1.0/users/delta?$deltatoken=...",
                         "select": ["accountEnabled", ..., "extension_<appId>_costCenter", "manager"]}, ...},
     "exported": ["applications", "groups", ...],      # the types the tree holds
     "definitions": [{"name": "extension_<appId>_costCenter", "targetObjects": ["User"]}],
     "tombstones": {"<id of a soft-deleted object>": {"at": "...", "refs": [["groups", "<id>", "owners"]]}}}

``select`` is the query each delta link was issued for (Graph carries it inside the token): the properties of the
type's listing, its directory extension attributes and the links delta tracks. When the properties an export
would select now differ (an extension attribute registered or removed, an exclusion changed), the link no
longer fits and the export is a full one. ``tombstones`` remember, for 30 days (deleted items' lifetime), which
links pointed at an object that went to deleted items, so that its restore re-reads them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from entragit.export.audit import iso, parse_time

VERSION = 1
TOMBSTONE_DAYS = 30


@dataclass
class Continuation:
    graph: str
    tenant_id: str | None
    full_at: datetime
    cursor: datetime
    types: dict[str, dict[str, Any]]
    exported: list[str]
    definitions: list[dict[str, Any]] = field(default_factory=list)
    tombstones: dict[str, dict[str, Any]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"version": VERSION, "graph": self.graph, "tenantId": self.tenant_id, "fullAt": iso(self.full_at),
                "cursor": iso(self.cursor), "types": self.types, "exported": sorted(self.exported),
                "definitions": self.definitions, "tombstones": self.tombstones}

    @classmethod
    def from_dict(cls, data: Any) -> Continuation | None:
        """The parsed state, None when it is not one this version reads."""
        if not isinstance(data, dict) or data.get("version") != VERSION:
            return None
        full_at, cursor = parse_time(data.get("fullAt")), parse_time(data.get("cursor"))
        types = data.get("types")
        if full_at is None or cursor is None or not isinstance(types, dict) or not isinstance(data.get("graph"), str):
            return None
        if not all(isinstance(v, dict) and isinstance(v.get("deltaLink"), str) and isinstance(v.get("select"), list)
                   for v in types.values()):
            return None
        return cls(graph=data["graph"], tenant_id=data.get("tenantId"), full_at=full_at, cursor=cursor,
                   types=types, exported=list(data.get("exported") or []),
                   definitions=list(data.get("definitions") or []), tombstones=dict(data.get("tombstones") or {}))

    def live_tombstones(self, now: datetime) -> dict[str, dict[str, Any]]:
        horizon = now - timedelta(days=TOMBSTONE_DAYS)
        return {k: v for k, v in self.tombstones.items() if (parse_time(v.get("at")) or now) >= horizon}
