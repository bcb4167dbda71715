"""Application permissions: per endpoint as each Learn page's "Permissions" table lists them, each workload's
403, properties and member objects the caller may not read, restricted-management objects; through the real
msgraph-sdk request adapter."""

from __future__ import annotations

from typing import Any

import pytest

from entragit.emulator import Emulator
from entragit.emulator.permission_facts import ENDPOINTS
from entragit.emulator.permissions import parse_cell, template_key
from entragit.emulator.seeds import demo_seed
from tests.plugins.emulator import GraphSdk

DIRECTORY_403 = ("Authorization_RequestDenied", "Insufficient privileges to complete the operation.")
POLICY_403 = ("AccessDenied", "You cannot perform the requested operation, required scopes are missing in the token.")


def grant(sdk: GraphSdk, *names: str) -> None:
    sdk.control("permissions", {"granted": list(names)})


def error_of(resp: Any) -> tuple[str, str]:
    return resp.error.get("code"), resp.error.get("message")


def first(sdk: GraphSdk, url: str) -> dict[str, Any]:
    return sdk.call("GET", url).json["value"][0]


def test_every_routed_endpoint_has_a_learn_row() -> None:
    emu = Emulator(seed="empty")
    routed = {(m, r.template) for r in emu.app.router.routes for m in r.methods}
    rows = {template_key(e.method, e.template): e for e in ENDPOINTS}
    assert [r for r in routed if template_key(*r) not in rows] == []
    for e in ENDPOINTS:
        assert e.source.startswith("https://learn.microsoft.com/en-us/graph/api/"), e
        assert parse_cell(e.least) or e.by, e
        for least, _higher in e.by.values():
            assert parse_cell(least), e


def test_learn_cells_parse_as_alternatives_of_combinations() -> None:
    assert parse_cell("Policy.Read.All and Policy.ReadWrite.ConditionalAccess, Application.Read.All") == (
        frozenset({"Policy.Read.All", "Policy.ReadWrite.ConditionalAccess"}), frozenset({"Application.Read.All"}))
    assert parse_cell("Not available.") == ()


@pytest.mark.parametrize("granted", [None, "all"])
def test_everything_is_granted_by_default(dual_sdk: GraphSdk, granted: Any) -> None:
    if granted:
        dual_sdk.control("permissions", {"granted": granted})
    assert dual_sdk.control("permissions") == {"granted": "all"}
    for url in ("users", "identity/conditionalAccess/policies", "auditLogs/directoryAudits"):
        assert dual_sdk.call("GET", url).status == 200, url


def test_directory_reads_answer_authorization_request_denied(dual_sdk: GraphSdk) -> None:
    grant(dual_sdk, "Group.Read.All")
    assert dual_sdk.control("permissions") == {"granted": ["Group.Read.All"]}
    denied = dual_sdk.call("GET", "users?$select=id", max_retries=0)
    assert denied.status == 403 and error_of(denied) == DIRECTORY_403
    assert dual_sdk.call("GET", "groups").status == 200
    grant(dual_sdk, "Group.Read.All", "Directory.Read.All")  # a higher privileged permission of user-list
    assert dual_sdk.call("GET", "users?$select=id").status == 200


def test_conditional_access_answers_access_denied(sdk: GraphSdk) -> None:
    grant(sdk, "Policy.ReadWrite.ConditionalAccess")  # writes, but reads need Policy.Read.All (Learn's tables)
    denied = sdk.call("GET", "identity/conditionalAccess/policies")
    assert denied.status == 403 and error_of(denied) == POLICY_403
    body = {"displayName": "Lab", "state": "disabled",
            "conditions": {"clientAppTypes": ["all"], "applications": {"includeApplications": ["All"]},
                           "users": {"includeUsers": ["All"]}},
            "grantControls": {"operator": "OR", "builtInControls": ["mfa"]}}
    assert sdk.call("POST", "identity/conditionalAccess/policies", body).status == 403
    grant(sdk, "Policy.ReadWrite.ConditionalAccess", "Policy.Read.All")
    assert sdk.call("POST", "identity/conditionalAccess/policies", body).status == 201
    # a policy naming an application asks for Application.Read.All as well (the page's known issue)
    named = {**body, "displayName": "Lab 2", "conditions": {**body["conditions"], "applications": {
        "includeApplications": ["00000003-0000-0000-c000-000000000000"]}}}
    assert error_of(sdk.call("POST", "identity/conditionalAccess/policies", named)) == POLICY_403
    grant(sdk, "Policy.ReadWrite.ConditionalAccess", "Policy.Read.All", "Application.Read.All")
    assert sdk.call("POST", "identity/conditionalAccess/policies", named).status == 201


def test_audit_log_answers_its_own_code(sdk: GraphSdk) -> None:
    grant(sdk, "Directory.Read.All")
    denied = sdk.call("GET", "auditLogs/directoryAudits")
    assert denied.status == 403
    assert error_of(denied) == ("Authentication_MSGraphPermissionMissing",
                                "Calling principal does not have required MSGraph permissions AuditLog.Read.All")
    grant(sdk, "AuditLog.Read.All")  # Learn: "AuditLog.Read.All and Directory.Read.All"
    assert sdk.call("GET", "auditLogs/directoryAudits").status == 403
    grant(sdk, "AuditLog.Read.All", "Directory.Read.All")
    assert sdk.call("GET", "auditLogs/directoryAudits").status == 200


def test_batch_items_are_checked_one_by_one(sdk: GraphSdk) -> None:
    grant(sdk, "User.Read.All")
    resp = sdk.call("POST", "$batch", {"requests": [
        {"id": "1", "method": "GET", "url": "/users?$top=1"},
        {"id": "2", "method": "GET", "url": "/groups?$top=1"},
        {"id": "3", "method": "GET", "url": "/identity/conditionalAccess/namedLocations"}]})
    assert resp.status == 200
    by_id = {r["id"]: r for r in resp.json["responses"]}
    assert by_id["1"]["status"] == 200
    assert by_id["2"]["status"] == 403 and by_id["2"]["body"]["error"]["code"] == "Authorization_RequestDenied"
    assert by_id["3"]["status"] == 403 and by_id["3"]["body"]["error"]["code"] == "AccessDenied"


def test_deleted_items_go_by_the_type_of_the_object(sdk: GraphSdk) -> None:
    user = first(sdk, "users?$top=1&$select=id")["id"]
    group = next(g["id"] for g in sdk.items("groups?$select=id,groupTypes,securityEnabled,mailEnabled,"
                                            "onPremisesSyncEnabled,isAssignableToRole")
                 if g["securityEnabled"] and not g["mailEnabled"] and not g["groupTypes"]
                 and not g["onPremisesSyncEnabled"] and not g["isAssignableToRole"])
    assert sdk.call("DELETE", f"users/{user}").status == 204
    assert sdk.call("DELETE", f"groups/{group}").status == 204
    grant(sdk, "Group.Read.All", "Group.ReadWrite.All")
    assert sdk.call("GET", "directory/deletedItems/microsoft.graph.group").status == 200
    assert sdk.call("GET", "directory/deletedItems/microsoft.graph.user").status == 403
    assert sdk.call("GET", f"directory/deletedItems/{user}").status == 403
    assert sdk.call("POST", f"directory/deletedItems/{user}/restore").status == 403
    assert sdk.call("POST", f"directory/deletedItems/{group}/restore").status == 200
    grant(sdk, "User.DeleteRestore.All")  # the restore page's least privileged row for users
    assert sdk.call("POST", f"directory/deletedItems/{user}/restore").status == 200


def test_group_members_go_by_the_type_of_the_member(sdk: GraphSdk) -> None:
    group = sdk.call("POST", "groups", {"displayName": "Perm lab", "mailEnabled": False, "mailNickname": "permlab",
                                        "securityEnabled": True}).json["id"]
    user = first(sdk, "users?$top=1&$select=id")["id"]
    sp = first(sdk, "servicePrincipals?$top=1&$select=id")["id"]
    grant(sdk, "GroupMember.ReadWrite.All")
    ref = "https://graph.microsoft.com/v1.0/directoryObjects/{}"
    assert sdk.call("POST", f"groups/{group}/members/$ref", {"@odata.id": ref.format(user)}).status == 204
    denied = sdk.call("POST", f"groups/{group}/members/$ref", {"@odata.id": ref.format(sp)})
    assert denied.status == 403 and error_of(denied) == DIRECTORY_403
    assert sdk.call("PATCH", f"groups/{group}", {"members@odata.bind": [ref.format(sp)]}).status == 403
    grant(sdk, "GroupMember.ReadWrite.All", "Application.ReadWrite.All")
    assert sdk.call("POST", f"groups/{group}/members/$ref", {"@odata.id": ref.format(sp)}).status == 204


def test_role_assignable_groups_need_role_management(sdk: GraphSdk) -> None:
    admins = next(g for g in sdk.items("groups?$select=id,isAssignableToRole") if g["isAssignableToRole"])["id"]
    user = first(sdk, "users?$top=1&$select=id")["id"]
    body = {"@odata.id": f"https://graph.microsoft.com/v1.0/directoryObjects/{user}"}
    grant(sdk, "Group.ReadWrite.All", "GroupMember.ReadWrite.All")
    assert sdk.call("POST", f"groups/{admins}/members/$ref", body).status == 403
    grant(sdk, "GroupMember.ReadWrite.All", "RoleManagement.ReadWrite.Directory")
    assert sdk.call("POST", f"groups/{admins}/members/$ref", body).status == 204


def test_hidden_membership_needs_member_read_hidden() -> None:
    seed = demo_seed()
    seed["groups"][0]["visibility"] = "HiddenMembership"
    emu = Emulator(seed=seed, permissions=["GroupMember.Read.All", "User.Read.All"])
    sdk = GraphSdk(emu.url, emu.transport())
    try:
        gid = seed["groups"][0]["id"]
        assert sdk.call("GET", f"groups/{gid}/members").status == 403
        assert sdk.call("GET", f"groups/{seed['groups'][1]['id']}/members").status == 200
        grant(sdk, "GroupMember.Read.All", "User.Read.All", "Member.Read.Hidden")
        assert sdk.call("GET", f"groups/{gid}/members").status == 200
    finally:
        sdk.close()


def test_members_of_unreadable_types_keep_only_type_and_id(sdk: GraphSdk) -> None:
    group = next(g for g in sdk.items("groups?$select=id,displayName")
                 if any(m["@odata.type"] == "#microsoft.graph.user" for m in sdk.items(f"groups/{g['id']}/members")))
    grant(sdk, "GroupMember.Read.All")  # lists groups and members, but cannot read users
    members = sdk.items(f"groups/{group['id']}/members")
    user = next(m for m in members if m["@odata.type"] == "#microsoft.graph.user")
    assert user["id"] and {k for k, v in user.items() if v is not None} == {"@odata.type", "id"}
    grant(sdk, "GroupMember.Read.All", "User.Read.All")
    user = next(m for m in sdk.items(f"groups/{group['id']}/members") if m["id"] == user["id"])
    assert user["displayName"]


def test_protected_properties_read_null_and_need_their_write_permission(sdk: GraphSdk) -> None:
    user = first(sdk, "users?$top=1&$select=id")["id"]
    attrs = {"Engineering": {"@odata.type": "#Microsoft.DirectoryServices.CustomSecurityAttributeValue",
                             "Project": "Alpine"}}
    grant(sdk, "User.ReadWrite.All")
    assert sdk.call("PATCH", f"users/{user}", {"employeeLeaveDateTime": "2030-01-31T00:00:00Z"}).status == 403
    assert sdk.call("PATCH", f"users/{user}", {"customSecurityAttributes": attrs}).status == 403
    grant(sdk, "User.ReadWrite.All", "User.Read.All", "User-LifeCycleInfo.ReadWrite.All",
          "CustomSecAttributeAssignment.ReadWrite.All")
    assert sdk.call("PATCH", f"users/{user}", {"employeeLeaveDateTime": "2030-01-31T00:00:00Z",
                                                "customSecurityAttributes": attrs}).status == 204
    url = f"users/{user}?$select=id,employeeLeaveDateTime,customSecurityAttributes"
    seen = sdk.call("GET", url).json
    assert seen["employeeLeaveDateTime"] and seen["customSecurityAttributes"]["Engineering"]["Project"] == "Alpine"
    grant(sdk, "User.Read.All")
    hidden = sdk.call("GET", url)
    assert hidden.status == 200 and hidden.json["employeeLeaveDateTime"] is None
    assert hidden.json["customSecurityAttributes"] is None
    listed = next(u for u in sdk.items("users?$select=id,employeeLeaveDateTime") if u["id"] == user)
    assert listed["employeeLeaveDateTime"] is None
    grant(sdk, "User.Read.All", "User-LifeCycleInfo.Read.All", "CustomSecAttributeAssignment.Read.All")
    assert sdk.call("GET", url).json == seen


def test_restricted_management_objects_refuse_app_only_writes() -> None:
    seed = demo_seed()
    user = seed["users"][3]
    user["isManagementRestricted"] = True
    emu = Emulator(seed=seed)  # every permission granted: Graph permissions do not apply to these objects
    sdk = GraphSdk(emu.url, emu.transport())
    try:
        denied = sdk.call("PATCH", f"users/{user['id']}", {"jobTitle": "Changed"})
        assert denied.status == 403 and error_of(denied) == DIRECTORY_403
        assert sdk.call("DELETE", f"users/{user['id']}").status == 403
        assert sdk.call("GET", f"users/{user['id']}").status == 200
        other = seed["users"][4]["id"]
        assert sdk.call("PATCH", f"users/{other}", {"jobTitle": "Changed"}).status == 204
    finally:
        sdk.close()


def test_permissions_knob_rejects_what_it_does_not_understand(sdk: GraphSdk) -> None:
    resp = sdk.call("POST", f"{sdk.root}/_emulator/permissions", {"granted": 3})
    assert resp.status == 400 and "granted" in resp.error["message"]
    resp = sdk.call("POST", f"{sdk.root}/_emulator/permissions", {"scopes": []})
    assert resp.status == 400 and "unknown permissions knob" in resp.error["message"]


def test_owned_by_reaches_no_existing_object_of_the_tenant(sdk: GraphSdk) -> None:
    app = first(sdk, "applications?$top=1&$select=id")["id"]
    grant(sdk, "Application.ReadWrite.OwnedBy")
    assert sdk.call("GET", f"applications/{app}").status == 200  # a higher privileged read permission
    assert sdk.call("PATCH", f"applications/{app}", {"notes": "x"}).status == 403
    assert sdk.call("POST", "applications", {"displayName": "Mine"}).status == 201
    grant(sdk, "Application.ReadWrite.All")  # includes what OwnedBy grants, for every application
    assert sdk.call("PATCH", f"applications/{app}", {"notes": "x"}).status == 204
