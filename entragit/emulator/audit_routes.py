"""Routes of the directory audit log: ``GET auditLogs/directoryAudits`` and ``.../{id}``
(https://learn.microsoft.com/en-us/graph/api/directoryaudit-list?view=graph-rest-1.0); the log is
:class:`entragit.emulator.audit.AuditLog`."""

from __future__ import annotations

from typing import Any, Protocol

from entragit.emulator.models import dumps
from entragit.emulator.routes.http import Call, Reply, Router, context


class AuditLog(Protocol):
    """What the routes need of :class:`entragit.emulator.audit.AuditLog` (not imported: the audit log imports
    the routes' types, and sibling modules may not import each other both ways)."""

    def page(self, query: dict[str, str]) -> tuple[list[dict[str, Any]], str | None]: ...

    def get(self, ident: str) -> dict[str, Any]: ...


def audit_routes(r: Router, log: AuditLog) -> None:
    def list_audits(call: Call) -> Reply:
        items, token = log.page(call.query)
        head: dict[str, object] = {"@odata.context": context(call, "auditLogs/directoryAudits")}
        if token:
            head["@odata.nextLink"] = call.next_link(token)
        head["value"] = items
        return Reply(200, dumps(head))

    def get_audit(call: Call) -> Reply:
        return Reply.json({"@odata.context": context(call, "auditLogs/directoryAudits", entity=True),
                           **log.get(call.params["id"])})

    r.add("GET", "auditLogs/directoryAudits", list_audits)
    r.add("GET", "auditLogs/directoryAudits/{id}", get_audit)
