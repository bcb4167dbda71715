"""The directory audit log as the change feed for what delta queries do not track.

Delta tracks users with their manager and groups with their members; it is silent about owners, federated
credentials, app role assignments, OAuth2 grants and the extension properties applications define
(https://learn.microsoft.com/en-us/graph/delta-query-overview). Every such change leaves an entry in the
directory audit log, named by its activity (https://learn.microsoft.com/en-us/entra/identity/monitoring-health/
reference-audit-activities, "Core Directory") and naming the objects involved in ``targetResources``. The
declarations say which activities touch which link (``Link.audit``) and which touch extension definitions
(``ResourceType.extension_audit``); an incremental export reads the entries since the previous backup
(``GET auditLogs/directoryAudits`` with ``activityDateTime ge`` and those names, 15 to a filter) and re-reads
those links of the objects the entries name: the entry says *which* objects changed, Graph says *how* they are
now, so an entry read twice, or late, does no harm.

Reading needs ``AuditLog.Read.All`` (https://learn.microsoft.com/en-us/graph/api/directoryaudit-list). Entries
arrive with a delay (minutes: Learn's reporting latencies gave 2 min at the 95th, 5 min at the 99th percentile)
and are kept for a limited time (7 days with Microsoft Entra ID Free, 30 with P1/P2:
https://learn.microsoft.com/en-us/entra/identity/monitoring-health/reference-reports-data-retention), so each
run reads from the previous run's start minus an overlap, and a gap longer than the retention forces a full
export.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from entragit.resources.base import Link, ResourceType

AUDIT_PATH = "auditLogs/directoryAudits"
NAMES_PER_FILTER = 15
PAGE = 999
_GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def iso(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


@dataclass
class Feed:
    """What the entries since the cursor name: links to re-read and owners of extension definitions."""

    entries: int = 0
    links: dict[tuple[str, str], set[str]] = field(default_factory=dict)   # (type key, link) -> ids named
    extension_owners: set[str] = field(default_factory=set)                 # ids named by extension_audit
    restored: dict[str, set[str]] = field(default_factory=dict)             # type key -> ids named by restores

    def ids(self, rt: ResourceType, link: Link) -> set[str]:
        return self.links.get((rt.key, link.name), set())


RESTORE = "restore"  # the marker of a restore activity in :func:`activities`


def activities(rts: Iterable[ResourceType]) -> dict[str, list[tuple[ResourceType, Link | str | None]]]:
    """activity name -> the (type, link) it touches; link None: the type's extension definitions;
    :data:`RESTORE`: a restore (every link of the object, and links elsewhere that hold it again)."""
    out: dict[str, list[tuple[ResourceType, Link | str | None]]] = {}
    for rt in rts:
        for link in rt.links:
            for name in link.audit:
                out.setdefault(name, []).append((rt, link))
        for name in rt.audit_restore:
            out.setdefault(name, []).extend([(rt, link) for link in rt.links] + [(rt, RESTORE)])
        for name in rt.extension_audit:
            out.setdefault(name, []).append((rt, None))
    return out


def filters(since: datetime, names: Iterable[str]) -> list[str]:
    """``$filter`` expressions: entries from ``since`` with one of ``names``, at most 15 names each."""
    wanted = sorted(set(names))
    out = []
    for start in range(0, len(wanted), NAMES_PER_FILTER):
        quoted = " or ".join("activityDisplayName eq '{}'".format(n.replace("'", "''"))
                             for n in wanted[start:start + NAMES_PER_FILTER])
        out.append(f"activityDateTime ge {iso(since)} and ({quoted})")
    return out


def named_ids(entry: Mapping[str, Any]) -> set[str]:
    """Every object id an entry names: its targets, and object ids among their modified properties."""
    found: set[str] = set()
    for target in entry.get("targetResources") or ():
        if not isinstance(target, Mapping):
            continue
        if isinstance(target.get("id"), str) and target["id"]:
            found.add(target["id"])
        for prop in target.get("modifiedProperties") or ():
            if isinstance(prop, Mapping) and str(prop.get("displayName", "")).endswith("ObjectID"):
                found.update(_GUID.findall(str(prop.get("newValue") or "")))
                found.update(_GUID.findall(str(prop.get("oldValue") or "")))
    return found


async def read_feed(client: Any, rts: list[ResourceType], since: datetime) -> Feed:
    """The entries of the declared activities from ``since``, reduced to what to re-read."""
    table = activities(rts)
    feed = Feed()
    for expression in filters(since, table):
        async for entry in client.list(AUDIT_PATH, {"$filter": expression, "$top": PAGE}):
            feed.entries += 1
            touched = table.get(str(entry.get("activityDisplayName")), [])
            ids = named_ids(entry)
            for rt, link in touched:
                if link is None:
                    feed.extension_owners.update(ids)
                elif link == RESTORE:
                    feed.restored.setdefault(rt.key, set()).update(ids)
                elif isinstance(link, Link):
                    feed.links.setdefault((rt.key, link.name), set()).update(ids)
    return feed
