"""Routes of the directory audit log: ``GET auditLogs/directoryAudits`` and ``.../{id}``
(https://learn.microsoft.com/en-us/graph/api/directoryaudit-list?view=graph-rest-1.0); the log is
:class:`entragit.emulator.audit.AuditLog`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from entragit.emulator.models import dumps
from entragit.emulator.routes.http import Call, Reply, Router, context

if TYPE_CHECKING:
    from entragit.emulator.audit import AuditLog


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
