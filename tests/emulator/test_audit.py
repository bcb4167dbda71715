"""auditLogs/directoryAudits: every write through Graph leaves an entry in Graph's shape; $filter on
activityDateTime and the documented attributes, paging that keeps its place, retention and delivery delay in
emulator-clock time; through the real msgraph-sdk request adapter."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from entragit.emulator.seeds import DEMO_FACTS as F
from tests.plugins.emulator import GraphSdk

AUDITS = "auditLogs/directoryAudits"


def audits(sdk: GraphSdk, query: str = "") -> list[dict[str, Any]]:
    return sdk.items(f"{AUDITS}{'?' + query if query else ''}")


def test_writes_leave_entries_in_graphs_shape(dual_sdk: GraphSdk) -> None:
    assert audits(dual_sdk) == []
    user = F.user_ids[F.cloud_user_upn]
    before = dual_sdk.call("GET", f"users/{user}?$select=jobTitle,displayName").json
    assert dual_sdk.call("PATCH", f"users/{user}", {"jobTitle": "Auditor", "passwordProfile": {
        "password": "S3cret!x", "forceChangePasswordNextSignIn": True}}).status == 204
    group = dual_sdk.call("POST", "groups", {"displayName": "Audited", "mailEnabled": False,
                                             "mailNickname": "audited", "securityEnabled": True}).json["id"]
    ref = f"https://graph.microsoft.com/v1.0/directoryObjects/{user}"
    assert dual_sdk.call("POST", f"groups/{group}/members/$ref", {"@odata.id": ref}).status == 204
    dual_sdk.call("GET", f"users/{user}")  # reads leave nothing
    entries = audits(dual_sdk)
    assert [e["activityDisplayName"] for e in entries] == ["Add member to group", "Add group", "Update user"]
    update = entries[-1]
    assert set(update) == {"id", "category", "correlationId", "result", "resultReason", "activityDisplayName",
                           "activityDateTime", "loggedByService", "operationType", "initiatedBy",
                           "targetResources", "additionalDetails"}
    assert (update["category"], update["loggedByService"], update["operationType"], update["result"]) == (
        "UserManagement", "Core Directory", "Update", "success")
    assert update["initiatedBy"]["user"] is None and update["initiatedBy"]["app"]["appId"]
    target = update["targetResources"][0]
    assert (target["id"], target["type"], target["displayName"]) == (user, "User", before["displayName"])
    props = {p["displayName"]: p for p in target["modifiedProperties"]}
    assert props["JobTitle"]["oldValue"] == f'["{before["jobTitle"]}"]' and props["JobTitle"]["newValue"] == '["Auditor"]'
    assert "PasswordProfile" not in props and "S3cret" not in str(entries)  # secrets never reach the log
    assert "PasswordProfile" in props["Included Updated Properties"]["newValue"]
    member = entries[0]["targetResources"]
    assert [t["id"] for t in member] == [user, group] and member[1]["type"] == "Group"
    assert dual_sdk.call("GET", f"{AUDITS}/{update['id']}").json["id"] == update["id"]


def test_assignments_and_grants_name_the_service_principals(sdk: GraphSdk) -> None:
    grant = sdk.items("oauth2PermissionGrants")[0]
    assert sdk.call("DELETE", f"oauth2PermissionGrants/{grant['id']}").status == 204
    entry = audits(sdk)[0]
    assert entry["activityDisplayName"] == "Remove delegated permission grant"
    assert {t["id"] for t in entry["targetResources"]} >= {grant["clientId"], grant["resourceId"]}


def test_filter_on_time_names_and_targets(sdk: GraphSdk) -> None:
    sdk.control("clock", {"set": "2026-03-01T10:00:00Z", "frozen": True})
    user = F.user_ids[F.cloud_user_upn]
    sdk.call("PATCH", f"users/{user}", {"jobTitle": "One"})
    sdk.control("clock", {"seconds": 3600})
    sdk.call("PATCH", f"users/{user}", {"jobTitle": "Two"})
    group = sdk.call("POST", "groups", {"displayName": "Later", "mailEnabled": False, "mailNickname": "later",
                                        "securityEnabled": True}).json["id"]
    assert len(audits(sdk, "$filter=activityDateTime ge 2026-03-01T10:30:00Z")) == 2
    assert len(audits(sdk, "$filter=activityDateTime le 2026-03-01T10:00:00.5Z")) == 1
    names = audits(sdk, "$filter=activityDateTime ge 2026-03-01 and (activityDisplayName eq 'Add group' or "
                        "activityDisplayName eq 'Update user')")
    assert sorted(e["activityDisplayName"] for e in names) == ["Add group", "Update user", "Update user"]
    assert [e["activityDisplayName"] for e in audits(sdk, f"$filter=targetResources/any(t:t/id eq '{group}')")] == [
        "Add group"]
    assert len(audits(sdk, "$filter=startswith(activityDisplayName,'Update')")) == 2
    ordered = audits(sdk, "$orderby=activityDateTime asc")
    assert [e["activityDisplayName"] for e in ordered] == ["Update user", "Update user", "Add group"]
    bad = sdk.call("GET", f"{AUDITS}?$filter=result ne 'success'")
    assert bad.status == 400


def test_paging_keeps_its_place_as_entries_arrive(sdk: GraphSdk) -> None:
    user = F.user_ids[F.cloud_user_upn]
    for i in range(5):
        sdk.call("PATCH", f"users/{user}", {"jobTitle": f"T{i}"})
    first = sdk.call("GET", f"{AUDITS}?$top=2").json
    assert len(first["value"]) == 2 and "@odata.nextLink" in first
    sdk.call("PATCH", f"users/{user}", {"jobTitle": "Newest"})  # arrives while paging
    rest = []
    link = first["@odata.nextLink"]
    while link:
        page = sdk.call("GET", link).json
        rest += page["value"]
        link = page.get("@odata.nextLink")
    titles = [e["targetResources"][0]["modifiedProperties"][0]["newValue"] for e in first["value"] + rest]
    assert titles == ['["T4"]', '["T3"]', '["T2"]', '["T1"]', '["T0"]']
    assert sdk.call("GET", f"{AUDITS}?$top=1001").status == 400


def test_delivery_delay_and_retention_in_emulator_time(sdk: GraphSdk) -> None:
    sdk.control("clock", {"frozen": True})
    sdk.control("audit", {"delaySeconds": 120, "retentionDays": 7})
    user = F.user_ids[F.cloud_user_upn]
    sdk.call("PATCH", f"users/{user}", {"jobTitle": "Delayed"})
    assert audits(sdk) == []
    sdk.control("clock", {"seconds": 121})
    entry = audits(sdk)[0]
    when = datetime.fromisoformat(entry["activityDateTime"].replace("Z", "+00:00"))
    now = datetime.fromisoformat(sdk.control("clock")["now"].replace("Z", "+00:00"))
    assert timedelta(seconds=120) < now - when < timedelta(seconds=122) and when.tzinfo == UTC
    sdk.control("clock", {"days": 7})
    assert audits(sdk) == []
    assert sdk.control("audit")["entries"] == 0


def test_every_response_carries_the_emulator_clocks_date(dual_sdk: GraphSdk) -> None:
    dual_sdk.control("clock", {"set": "2030-05-06T07:08:09Z", "frozen": True})
    resp = dual_sdk.call("GET", "organization")
    assert resp.headers.get_list("date") == ["Mon, 06 May 2030 07:08:09 GMT"]
