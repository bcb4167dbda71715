"""``auditLogs/directoryAudits``: every write through Graph leaves an entry, as Microsoft Entra logs it.

Shape: the v1.0 ``directoryAudit`` entity (activityDateTime, activityDisplayName, additionalDetails, category,
correlationId, id, initiatedBy {app, user}, loggedByService, operationType, result, resultReason,
targetResources [{id, displayName, type, userPrincipalName, groupType, modifiedProperties
[{displayName, oldValue, newValue}]}]); activity names from ``audit_activities``.

- Reading needs "AuditLog.Read.All and Directory.Read.All" (directoryaudit-list; ``permission_facts``).
- ``$filter`` as directoryaudit-list documents it: ``activityDateTime`` eq/ge/le, ``activityDisplayName``
  eq/startswith, ``loggedByService``, ``category``, ``correlationId``, ``id``, ``initiatedBy/app/appId`` eq,
  ``targetResources/any(t:t/id eq '...')``, joined by ``and``, each also as a parenthesized ``or`` of such
  clauses; anything else answers 400. ``$orderby``
  activityDateTime (default newest first), ``$top`` (default 100, at most 1,000: taken strictly, the page
  does not say): parsed in ``audit_query``; ``$skiptoken`` paging that keeps its place when new entries arrive.
- Retention: entries older than ``retentionDays`` (30: Microsoft Entra ID P1/P2; Free keeps 7) are gone
  (https://learn.microsoft.com/en-us/entra/identity/monitoring-health/reference-reports-data-retention).
- Delivery delay: an entry becomes visible ``delaySeconds`` of emulator-clock time after the write (0 by
  default; Learn's former "reporting latencies" page gave 2 min at the 95th and 5 min at the 99th
  percentile for audit logs).

Only successful writes are logged (Graph also logs some failures: not emulated). Secrets are never logged.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from entragit.emulator.audit_activities import (
    ACTIVITIES,
    DELETED_KINDS,
    SECRET_PROPERTIES,
    TARGET_TYPES,
    Activity,
)
from entragit.emulator.audit_query import descending, parse_audit_filter, top
from entragit.emulator.errors import NotFound
from entragit.emulator.permissions import entity_name, template_key
from entragit.emulator.query import decode_token, encode_token

if TYPE_CHECKING:
    from entragit.emulator.limits import Clock
    from entragit.emulator.routes import Call, Reply

_GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
# The calling app as initiatedBy names it (the emulator serves one app-only caller: app.CLIENT_APP_ID).
DEFAULT_CALLER = {"appId": "9a3d526c-b3c1-4479-ba74-197b5c5751ae", "displayName": "entragit",
                  "servicePrincipalId": str(uuid.uuid5(uuid.NAMESPACE_URL, "entragit-emulator-caller")),
                  "servicePrincipalName": None}


@dataclass
class _Entry:
    seq: int
    at: float  # clock time of the write
    entry: dict[str, Any]


@dataclass
class AuditLog:
    clock: Clock
    delay_seconds: float = 0.0
    retention_days: float = 30.0
    caller: dict[str, Any] = field(default_factory=lambda: dict(DEFAULT_CALLER))
    entries: list[_Entry] = field(default_factory=list)
    seq: int = 0

    # ------------------------------------------------------------------ knobs
    def configure(self, delaySeconds: Any = None, retentionDays: Any = None, caller: Any = None,  # noqa: N803
                  clear: Any = None, **unknown: Any) -> dict[str, Any]:
        if unknown:
            raise ValueError(f"unknown audit knob(s): {', '.join(sorted(unknown))} "
                             "(known: delaySeconds, retentionDays, caller, clear)")
        if delaySeconds is not None:
            if float(delaySeconds) < 0:
                raise ValueError("audit delaySeconds must be >= 0")
            self.delay_seconds = float(delaySeconds)
        if retentionDays is not None:
            if float(retentionDays) <= 0:
                raise ValueError("audit retentionDays must be > 0")
            self.retention_days = float(retentionDays)
        if caller is not None:
            if not isinstance(caller, dict):
                raise ValueError("audit caller: expected an object (appId, displayName, servicePrincipalId)")
            self.caller = {**DEFAULT_CALLER, **caller}
        if clear:
            self.reset()
        return self.snapshot()

    def snapshot(self) -> dict[str, Any]:
        return {"delaySeconds": self.delay_seconds, "retentionDays": self.retention_days, "caller": self.caller,
                "entries": len(self.entries), "visible": len(self._visible())}

    def reset(self) -> None:
        self.entries.clear()

    # ------------------------------------------------------------------ recording (per Graph request)
    def before(self, tenant: Any, call: Call, template: str) -> dict[str, Any] | None:
        """The state a write is about to change (old values, names of objects about to go)."""
        if call.method == "GET":
            return None
        key = template_key(call.method, template)
        if key not in ACTIVITIES:
            return None
        obj_id = call.params.get("id", "")
        old = _find(tenant, template, obj_id)
        ref = call.params.get("ref")
        return {"old": old, "ref_obj": _find(tenant, "", ref) if ref else None,
                "deleted": _deleted(tenant, obj_id) if "deleteditems" in template.lower() else None}

    def after(self, tenant: Any, call: Call, template: str, reply: Reply, before: dict[str, Any] | None) -> None:
        if before is None or reply.status >= 300:
            return
        activity = ACTIVITIES[template_key(call.method, template)]
        body = _json(call.body)
        created = _json(reply.body) if activity.target == "reply" else None
        self._record(call, activity, _targets(tenant, call, template, activity, body, created, before), before,
                     reply)
        if isinstance(body, dict) and template.lower().split("/", 1)[0] == "groups" and call.method in ("POST",
                                                                                                        "PATCH"):
            group = created if isinstance(created, dict) else (before.get("old") or {})
            for link, name in (("members", "Add member to group"), ("owners", "Add owner to group")):
                for ref in body.get(f"{link}@odata.bind") or []:
                    member = _find(tenant, "", _last_guid(ref)) or {"id": _last_guid(ref)}
                    props = [_prop("Group.ObjectID", None, group.get("id")),
                             _prop("Group.DisplayName", None, group.get("displayName"))]
                    self._record(call, Activity(name, "GroupManagement", "Assign"),
                                 [_target(member, member, props), _target(group, group, [])], before, reply)

    def _record(self, call: Call, activity: Activity, targets: list[dict[str, Any]], before: dict[str, Any],
                reply: Reply) -> None:
        name, category = activity.name, activity.category
        if "{type}" in name:
            deleted_kind = entity_name((before.get("deleted") or {}).get("@odata.type")) or \
                entity_name((_json(reply.body) or {}).get("@odata.type"))
            shown, category = DELETED_KINDS.get(deleted_kind, ("object", "DirectoryManagement"))
            name = name.replace("{type}", shown)
            if name == "Hard Delete service principal":
                name = "Hard delete service principal"  # as the activity reference spells it
        self.seq += 1
        now = self.clock.now()
        correlation = call.headers.get("client-request-id") or str(uuid.UUID(int=self.seq, version=4))
        entry = {
            "id": f"Directory_{uuid.uuid5(uuid.NAMESPACE_OID, f'{self.seq}-{correlation}')}",
            "category": category, "correlationId": correlation, "result": "success", "resultReason": "",
            "activityDisplayName": name, "activityDateTime": _iso7(now), "loggedByService": activity.service,
            "operationType": activity.operation,
            "initiatedBy": {"app": dict(self.caller), "user": None},
            "targetResources": targets,
            "additionalDetails": [{"key": "User-Agent", "value": call.headers.get("user-agent", "")}],
        }
        self.entries.append(_Entry(self.seq, self.clock.time(), entry))

    # ------------------------------------------------------------------ reading
    def _visible(self) -> list[_Entry]:
        now = self.clock.time()
        horizon = now - timedelta(days=self.retention_days).total_seconds()
        if self.entries and self.entries[0].at < horizon:  # retention: drop what expired (they are in order)
            self.entries = [e for e in self.entries if e.at >= horizon]
        return [e for e in self.entries if e.at + self.delay_seconds <= now]

    def get(self, entry_id: str) -> dict[str, Any]:
        for e in self._visible():
            if e.entry["id"] == entry_id:
                return e.entry
        raise NotFound(f"Resource '{entry_id}' does not exist or one of its queried reference-property objects are "
                       "not present.")

    def page(self, query: dict[str, str]) -> tuple[list[dict[str, Any]], str | None]:
        """One page of the listing and the next ``$skiptoken`` (or None)."""
        tests = parse_audit_filter(query.get("$filter", ""))
        newest_first = descending(query.get("$orderby"))
        size = top(query.get("$top"))
        token = query.get("$skiptoken")
        if token:
            state = decode_token(token)
            upto, after = int(state["u"]), (float(state["t"]), int(state["s"]))
        else:
            upto, after = self.seq, None
        rows = [e for e in self._visible() if e.seq <= upto and all(t(e.entry) for t in tests)]
        rows.sort(key=lambda e: (e.at, e.seq), reverse=newest_first)
        if after is not None:
            rows = [e for e in rows if ((e.at, e.seq) < after if newest_first else (e.at, e.seq) > after)]
        page, rest = rows[:size], rows[size:]
        next_token = None
        if rest:
            last = page[-1]
            next_token = encode_token({"u": upto, "t": last.at, "s": last.seq})
        return [e.entry for e in page], next_token


# ---------------------------------------------------------------------- targets
def _targets(tenant: Any, call: Call, template: str, activity: Activity, body: Any, created: Any,
             before: dict[str, Any]) -> list[dict[str, Any]]:
    old = before.get("old")
    obj_id = call.params.get("id", "")
    if activity.target == "reply" and isinstance(created, dict):
        return [_target(created, created, _properties(None, body))]
    if "deleteditems" in template.lower():
        obj = before.get("deleted") or {"id": obj_id}
        return [_target(obj, obj, [])]
    if activity.target == "ref":
        ref_id = call.params.get("ref") or _last_guid((body or {}).get("@odata.id") if isinstance(body, dict) else None)
        ref_obj = before.get("ref_obj") or _find(tenant, "", ref_id) or {"id": ref_id}
        owner = old or {"id": obj_id}
        link = template.split("/")[2] if template.count("/") >= 2 else ""
        props = [_prop(f"{_owner_kind(template)}.ObjectID", None, owner.get("id")),
                 _prop(f"{_owner_kind(template)}.DisplayName", None, owner.get("displayName"))] if link != "manager" \
            else [_prop("Manager", None, ref_obj.get("id"))]
        return [_target(ref_obj, ref_obj, props), _target(owner, owner, [])]
    if activity.target == "body":
        source = body if call.method == "POST" and isinstance(body, dict) else (
            before.get("ref_obj") or before.get("old") or {})
        return [_target({"id": source.get(k)}, _find(tenant, "", source.get(k)) or {}, [])
                for k in ("resourceId", "principalId", "clientId") if isinstance(source.get(k), str)]
    target = old or {"id": obj_id}
    changes = _properties(old, body) if call.method in ("PATCH", "POST") else []
    return [_target(target, target, changes)]


def _owner_kind(template: str) -> str:
    head = template.split("/", 1)[0].lower()
    return {"groups": "Group", "applications": "Application", "serviceprincipals": "ServicePrincipal"}.get(head, "Object")


def _target(ident: dict[str, Any], obj: dict[str, Any], props: list[dict[str, Any]]) -> dict[str, Any]:
    kind = entity_name(obj.get("@odata.type"))
    out: dict[str, Any] = {"id": ident.get("id"), "displayName": obj.get("displayName"),
                           "type": TARGET_TYPES.get(kind, "Other"), "userPrincipalName": obj.get("userPrincipalName"),
                           "groupType": None, "modifiedProperties": props}
    if kind == "group":
        types = obj.get("groupTypes") or []
        out["groupType"] = "unifiedGroups" if "Unified" in types else (
            "azureAD" if obj.get("securityEnabled") else "distributionGroup")
    return out


def _properties(old: dict[str, Any] | None, body: Any) -> list[dict[str, Any]]:
    """modifiedProperties: one per written property (secrets left out), then "Included Updated Properties"."""
    if not isinstance(body, dict):
        return []
    names = [k for k in body if not k.startswith("@") and "@odata" not in k]
    out = [_prop(_aad_name(k), (old or {}).get(k) if old is not None else None, body[k], old is not None)
           for k in names if k not in SECRET_PROPERTIES]
    if names:
        out.append({"displayName": "Included Updated Properties", "oldValue": None,
                    "newValue": json.dumps(", ".join(_aad_name(k) for k in names))})
    return out


def _prop(name: str, old: Any, new: Any, had_old: bool = False) -> dict[str, Any]:
    return {"displayName": name, "oldValue": json.dumps([old]) if (had_old and old is not None) else (
        "[]" if had_old else None), "newValue": json.dumps([new]) if new is not None else "[]"}


def _aad_name(prop: str) -> str:
    return prop[:1].upper() + prop[1:]


# ---------------------------------------------------------------------- lookups (duck-typed backend)
def _find(tenant: Any, template: str, obj_id: str | None) -> dict[str, Any] | None:
    """The live object ``obj_id`` (any collection), or the singleton a template names, with its @odata.type."""
    if obj_id:
        found = tenant.directory_object(obj_id)
        if found is not None:
            rt, obj = found
            return {"@odata.type": obj.get("@odata.type") or rt.odata_type, **obj}
        for key, coll in tenant.collections.items():
            obj = coll.get(obj_id)
            if obj is not None:
                return {"@odata.type": obj.get("@odata.type") or tenant.types[key].odata_type, **obj}
        for store in tenant.shared.values():  # app role assignments, delegated permission grants
            if obj_id in store:
                return dict(store[obj_id])
        return None
    head = template.lower()
    if not head:
        return None
    for key, rt in tenant.types.items():
        if rt.singleton and head.startswith(rt.collection.lower()):
            obj = next(iter(tenant.collections[key].items.values()), None)
            return {"@odata.type": rt.odata_type, **obj} if obj is not None else None
    return None


def _deleted(tenant: Any, obj_id: str) -> dict[str, Any] | None:
    item = tenant.deleted.get(obj_id)
    if item is None:
        return None
    return {"@odata.type": item.obj.get("@odata.type") or tenant.types[item.type_key].odata_type, **item.obj}


def _json(raw: bytes | None) -> Any:
    try:
        return json.loads(raw) if raw else None
    except (ValueError, UnicodeDecodeError):
        return None


def _last_guid(value: Any) -> str | None:
    found = _GUID.findall(value) if isinstance(value, str) else []
    return found[-1] if found else None


def _iso7(dt: datetime) -> str:
    """Audit timestamps carry 7 fractional digits, as Graph writes them (``2018-01-09T21:20:02.7215374Z``)."""
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f") + "0Z"

