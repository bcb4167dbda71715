"""The application permissions granted to the calling app, and Graph's answers without them.

The emulator serves one calling app; :class:`Permissions` holds what it was granted (``None``: everything,
the default). Per request, after routing, :meth:`Permissions.check` finds the endpoint's row in
``permission_facts.ENDPOINTS`` (method + route template) and refuses the call with the 403 of the
endpoint's workload when no alternative of the row is held:

- directory objects, the authorization policy, the organization: ``Authorization_RequestDenied``,
  "Insufficient privileges to complete the operation." (Learn Q&A 2143345; steampipe-plugin-azuread#91);
- Conditional Access policies and named locations, authentication strength and methods policies:
  ``AccessDenied``, "You cannot perform the requested operation, required scopes are missing in the token."
  (AlexFilipin/ConditionalAccess#10, Cyberlorians/Articles#11; microsoft-graph-explorer-v4#2580);
- audit logs: ``Authentication_MSGraphPermissionMissing``, "Calling principal does not have required MSGraph
  permissions AuditLog.Read.All" (as observed in public client code; the exact text is not on Learn).

Beyond the table: properties with permissions of their own (``PROPERTY_WRITES``), group members by their
type (``members@odata.bind`` too), role-assignable groups (group-post-members, group-delete-members:
RoleManagement.ReadWrite.Directory), hidden-membership groups (group-list-members: Member.Read.Hidden), a
Conditional Access policy naming applications (conditionalaccessroot-post-policies known issue:
Application.Read.All), and objects of restricted-management administrative units, whose app-only writes
answer 403 whatever the permissions (admin-units-restricted-management).

:meth:`Permissions.filter` then shapes the answer: ``customSecurityAttributes`` and ``employeeLeaveDateTime``
read null without their read permission, and in a directoryObject collection (members, owners, memberOf) an
object of a type the caller cannot read keeps only ``@odata.type`` and ``id``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from entragit.emulator.errors import GraphError
from entragit.emulator.permission_facts import (
    AUDIT,
    BODY_REF,
    DIRECTORY,
    ENDPOINTS,
    INCLUDES,
    MEMBER_ADD,
    PATH_CAST,
    PATH_OBJECT,
    PATH_REF,
    POLICY,
    PROPERTY_READS,
    PROPERTY_WRITES,
    TYPE_READS,
    Endpoint,
)

if TYPE_CHECKING:
    from entragit.emulator.routes import Call, Reply

Alternatives = tuple[frozenset[str], ...]

_PLACEHOLDER = re.compile(r"\{[^}]*\}")
_CAST = re.compile(r"^(?:microsoft\.)?graph\.(\w+)$", re.IGNORECASE)
_GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_WRITE_METHODS = frozenset({"POST", "PATCH", "PUT", "DELETE"})
_OWNED_BY = "Application.ReadWrite.OwnedBy"
# Entity types whose objects carry isManagementRestricted (user, group, device resource pages).
_RESTRICTABLE = frozenset({"user", "group", "device", "agentUser"})
# The CA special values that name no application (conditionalaccessapplications).
_CA_APP_SPECIAL = frozenset({"all", "none", "office365", "microsoftadminportals"})

MESSAGES = {
    DIRECTORY: ("Authorization_RequestDenied", "Insufficient privileges to complete the operation."),
    POLICY: ("AccessDenied", "You cannot perform the requested operation, required scopes are missing in the token."),
    AUDIT: ("Authentication_MSGraphPermissionMissing", "Calling principal does not have required MSGraph permissions {}"),
}


def parse_cell(cell: str) -> Alternatives:
    """A Learn table cell -> alternatives: ``"A and B, C"`` -> ({A, B}, {C}); "" or "Not available." -> ()."""
    out = []
    for part in cell.split(","):
        names = frozenset(n.strip() for n in part.split(" and ") if n.strip())
        if names and not any(n.lower().startswith(("not ", "none")) for n in names):
            out.append(names)
    return tuple(out)


def template_key(method: str, template: str) -> tuple[str, str]:
    return method.upper(), _PLACEHOLDER.sub("{}", template.strip("/")).lower()


def entity_name(odata_type: str | None) -> str:
    """``#microsoft.graph.servicePrincipal`` -> ``servicePrincipal``."""
    return (odata_type or "").rsplit(".", 1)[-1]


class Forbidden(GraphError):
    """403 in the workload's own code and text."""

    def __init__(self, flavour: str, missing: Iterable[str] = ()) -> None:
        code, message = MESSAGES[flavour]
        super().__init__(message.format(", ".join(sorted(missing)) or "AuditLog.Read.All"), code=code, status=403)


class Permissions:
    """The calling app's application permissions (``granted``; ``None`` = every permission) and the checks."""

    def __init__(self, granted: Iterable[str] | None = None) -> None:
        self.granted: frozenset[str] | None = None if granted is None else frozenset(granted)
        self._held = _with_includes(self.granted)
        self.endpoints: dict[tuple[str, str], Endpoint] = {template_key(e.method, e.template): e for e in ENDPOINTS}
        self._rows: dict[str, Alternatives] = {}

    # ------------------------------------------------------------------ control plane
    def configure(self, granted: Any = "keep", **unknown: Any) -> dict[str, Any]:
        if unknown:
            raise ValueError(f"unknown permissions knob(s): {', '.join(sorted(unknown))} (known: granted)")
        if granted != "keep":
            self.granted = parse_granted(granted)
            self._held = _with_includes(self.granted)
        return self.snapshot()

    def snapshot(self) -> dict[str, Any]:
        return {"granted": "all" if self.granted is None else sorted(self.granted)}

    # ------------------------------------------------------------------ the check
    def holds(self, alternatives: Alternatives) -> bool:
        held = self._held
        return held is None or any(alt <= held for alt in alternatives)

    def row(self, least: str, higher: str) -> Alternatives:
        key = f"{least}|{higher}"
        parsed = self._rows.get(key)
        if parsed is None:
            parsed = self._rows[key] = parse_cell(least) + parse_cell(higher)
        return parsed

    def endpoint(self, method: str, template: str) -> Endpoint | None:
        return self.endpoints.get(template_key(method, template))

    def check(self, tenant: Any, call: Call, template: str) -> None:
        """Refuse ``call`` (routed to ``template``) with Graph's 403 when the caller may not make it."""
        if call.method in _WRITE_METHODS:
            _refuse_restricted(tenant, call, template)
        if self.granted is None:
            return
        ep = self.endpoint(call.method, template)
        if ep is None:  # a route without a Learn row: strict, nobody may call it (tests keep the table complete)
            raise Forbidden(DIRECTORY)
        if call.method in _WRITE_METHODS and ".agent" in template.lower() and "Directory.ReadWrite.All" in (
                self._held or ()):
            # agentidentityblueprint-post, known issue: "If the client is granted either the
            # Directory.AccessAsUser.All or Directory.ReadWrite.All permission, the client's permissions to create,
            # update, and delete Agent IDs are ignored, which can cause requests to fail with 403 Forbidden"
            raise Forbidden(ep.flavour)
        needed = [self._endpoint_row(tenant, call, ep)]
        needed += self._extra_rows(tenant, call, template, ep)
        for alternatives in needed:
            if not self.holds(alternatives):
                missing = sorted(set().union(*alternatives) - (self.granted or set())) if alternatives else []
                raise Forbidden(ep.flavour, missing)
            if call.method in _WRITE_METHODS and "{" in template and "Application.ReadWrite.All" not in (
                    self._held or ()) and not self.holds(tuple(a for a in alternatives if _OWNED_BY not in a)):
                # Application.ReadWrite.OwnedBy reaches only objects the calling app owns; the emulator's caller
                # owns none (strict: it is no object of the tenant)
                raise Forbidden(ep.flavour, [_OWNED_BY.replace("OwnedBy", "All")])

    def _endpoint_row(self, tenant: Any, call: Call, ep: Endpoint) -> Alternatives:
        if not ep.by:
            return self.row(ep.least, ep.higher)
        kind = _subject_type(tenant, call, ep.subject)
        rows = [ep.by[kind]] if kind in ep.by else list(ep.by.values())  # unknown subject: any row (404 follows)
        return tuple(alt for least, higher in rows for alt in self.row(least, higher))

    def _extra_rows(self, tenant: Any, call: Call, template: str, ep: Endpoint) -> list[Alternatives]:
        """Rows beyond the endpoint's own: per-property permissions, bound members, group kinds, CA apps."""
        out: list[Alternatives] = []
        path = template.lower()
        body = _json_body(call) if call.method in ("POST", "PATCH") else None
        if isinstance(body, dict):
            kind = _body_type(tenant, call, template, body)
            for (entity, prop), cell in PROPERTY_WRITES.items():
                if entity == kind and prop in body:
                    out.append(self.row(cell, ""))
            binds = body.get("members@odata.bind")
            if isinstance(binds, list) and path.startswith("groups"):
                for ref in binds:
                    member = _type_of(tenant, _ref_id(ref))
                    if member in MEMBER_ADD:
                        out.append(self.row(*MEMBER_ADD[member]))
                out += self._role_assignable(tenant, call)
            if ep.flavour == POLICY and path.startswith("identity/conditionalaccess/policies") \
                    and _names_applications(body):
                out.append(self.row("Application.Read.All", ""))
        if path.startswith("groups/{id}/members"):
            if call.method in _WRITE_METHODS:
                out += self._role_assignable(tenant, call)
            elif call.method == "GET" and _group(tenant, call).get("visibility") == "HiddenMembership":
                out.append(self.row("Member.Read.Hidden", ""))
        return out

    def _role_assignable(self, tenant: Any, call: Call) -> list[Alternatives]:
        return [self.row("RoleManagement.ReadWrite.Directory", "")] if _group(tenant, call).get(
            "isAssignableToRole") else []

    # ------------------------------------------------------------------ the answer
    def filter(self, call: Call, template: str, reply: Reply) -> Reply:
        """Null what the caller may not read: properties without their read permission, and the properties of
        objects of unreadable types in directoryObject collections."""
        if self.granted is None or not reply.body or reply.status >= 300:
            return reply
        body = reply.body
        hidden_props = [prop for (_, prop), cell in PROPERTY_READS.items()
                        if f'"{prop}"'.encode() in body and not self.holds(self.row(cell, ""))]
        limited = _lists_directory_objects(template, call)
        if not hidden_props and not limited:
            return reply
        data = json.loads(body)
        _walk(data, set(hidden_props), self._unreadable_types() if limited else frozenset(), top=True)
        from entragit.emulator.models import dumps

        reply.body = dumps(data)
        return reply

    def _unreadable_types(self) -> frozenset[str]:
        return frozenset(kind for kind, cell in TYPE_READS.items() if not self.holds(self.row(cell, "")))


def _with_includes(granted: frozenset[str] | None) -> frozenset[str] | None:
    """The granted permissions and what they include (``INCLUDES``, transitively)."""
    if granted is None:
        return None
    held, todo = set(granted), list(granted)
    while todo:
        for included in INCLUDES.get(todo.pop(), ()):
            if included not in held:
                held.add(included)
                todo.append(included)
    return frozenset(held)


def parse_granted(value: Any) -> frozenset[str] | None:
    """``"all"``/``None`` -> None; a list or a comma-separated string -> the permission names."""
    if value is None or (isinstance(value, str) and value.strip().lower() in ("all", "everything", "*")):
        return None
    if isinstance(value, str):
        value = [v for v in value.split(",")]
    if not isinstance(value, list | tuple | set | frozenset) or not all(isinstance(v, str) for v in value):
        raise ValueError("granted: expected \"all\" or a list of permission names (strings)")
    return frozenset(v.strip() for v in value if v.strip())


# ---------------------------------------------------------------------- tenant lookups (duck-typed backend)
def _type_of(tenant: Any, obj_id: str | None) -> str:
    """The entity type name of a live directory object (its own @odata.type for derived ones), or ""."""
    if not obj_id:
        return ""
    found = tenant.directory_object(obj_id)
    if found is None:
        return ""
    rt, obj = found
    return entity_name(obj.get("@odata.type") or rt.odata_type)


def _deleted_type_of(tenant: Any, obj_id: str) -> str:
    item = tenant.deleted.get(obj_id)
    if item is None:
        return ""
    return entity_name(item.obj.get("@odata.type") or tenant.types[item.type_key].odata_type)


def _subject_type(tenant: Any, call: Call, subject: str) -> str:
    params = call.params
    if subject == PATH_CAST or (subject == PATH_OBJECT and _CAST.match(params.get("id", ""))):
        m = _CAST.match(params.get("id", "") or params.get("cast", ""))
        return m.group(1) if m else ""
    if subject == PATH_OBJECT:
        ident = params.get("id", "")
        return _deleted_type_of(tenant, ident) if "deleteditems" in call.path.lower() else _type_of(tenant, ident)
    if subject == PATH_REF:
        return _type_of(tenant, params.get("ref"))
    if subject == BODY_REF:
        body = _json_body(call)
        return _type_of(tenant, _ref_id(body.get("@odata.id")) if isinstance(body, dict) else None)
    return ""


def _body_type(tenant: Any, call: Call, template: str, body: Mapping[str, Any]) -> str:
    """The entity type a POST/PATCH body writes: its @odata.type, else the route's collection's type."""
    if isinstance(body.get("@odata.type"), str):
        return entity_name(body["@odata.type"])
    head = template.split("/", 1)[0].lower()
    return {"users": "user", "serviceprincipals": "servicePrincipal", "groups": "group",
            "applications": "application"}.get(head, "")


def _group(tenant: Any, call: Call) -> Mapping[str, Any]:
    found = tenant.directory_object(call.params.get("id", ""))
    return found[1] if found is not None else {}


def _json_body(call: Call) -> Any:
    try:
        return call.json()
    except GraphError:
        return None


def _ref_id(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    m = list(_GUID.finditer(value))
    return m[-1].group(0) if m else value.rstrip("/").rsplit("/", 1)[-1]


def _names_applications(body: Mapping[str, Any]) -> bool:
    apps = ((body.get("conditions") or {}).get("applications") or {}) if isinstance(body.get("conditions"), dict) \
        else {}
    values = list(apps.get("includeApplications") or []) + list(apps.get("excludeApplications") or [])
    return any(isinstance(v, str) and v.lower() not in _CA_APP_SPECIAL for v in values)


def _refuse_restricted(tenant: Any, call: Call, template: str) -> None:
    """Objects in a restricted-management administrative unit: "Microsoft Graph application permissions ...
    don't apply" to them, so app-only writes to the object (and, for a group, to its members and owners)
    answer 403 (https://learn.microsoft.com/en-us/entra/identity/role-based-access-control/admin-units-restricted-management)."""
    parts = template.split("/")
    if len(parts) < 2 or parts[1] != "{id}":
        return
    found = tenant.directory_object(call.params.get("id", ""))
    if found is None:
        return
    rt, obj = found
    if obj.get("isManagementRestricted") and entity_name(rt.odata_type) in _RESTRICTABLE:
        raise Forbidden(DIRECTORY)


def _lists_directory_objects(template: str, call: Call) -> bool:
    t = template.lower()
    if t.endswith(("/members", "/owners", "/memberof", "/manager", "directoryobjects/getbyids",
                   "directoryobjects/microsoft.graph.getbyids")):
        return True
    expand = call.query.get("$expand", "").lower()
    return "members" in expand or "owners" in expand or "manager" in expand


def _walk(node: Any, hidden_props: set[str], unreadable: frozenset[str], *, top: bool = False) -> None:
    if isinstance(node, list):
        for item in node:
            _walk(item, hidden_props, unreadable)
        return
    if not isinstance(node, dict):
        return
    kind = entity_name(node.get("@odata.type")) if not top else ""
    if kind and kind in unreadable:
        for key in list(node):
            if key not in ("@odata.type", "id") and not key.startswith("@"):
                node[key] = None
        return
    for prop in hidden_props:
        if prop in node:
            node[prop] = None
    for value in node.values():
        if isinstance(value, list | dict):
            _walk(value, hidden_props, unreadable)
