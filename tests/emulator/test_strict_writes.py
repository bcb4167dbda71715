"""Strict writes with Graph's status, code and message, each through msgraph-sdk's request adapter (issue 9).

Schema from Graph's v1.0 metadata (types, enums, abstract types, beta-only properties), Graph's value rules (key
material, custom security attribute annotations, app role origin, enabled roles and scopes), evolvable enums
both ways, CA errors in innerError, and the ``graph.`` / ``microsoft.graph.`` casts.
"""

from __future__ import annotations

import base64
import copy
from typing import Any

from entragit.emulator.seeds import DEMO_FACTS as F
from tests.plugins.emulator import GraphSdk

METHODS = "policies/authenticationMethodsPolicy"
POLICIES = "identity/conditionalAccess/policies"
PREFER = {"Prefer": "include-unknown-enum-members"}
KEY = base64.b64encode(bytes(range(256))).decode()  # public key material (keyCredential.key is Edm.Binary)


def _group(**extra: Any) -> dict[str, Any]:
    return {"displayName": "Strict", "mailEnabled": False, "mailNickname": "strict", "securityEnabled": True, **extra}


def _policy(**users: Any) -> dict[str, Any]:
    return {"displayName": "Strict policy", "state": "disabled",
            "conditions": {"applications": {"includeApplications": ["All"]}, "clientAppTypes": ["all"],
                           "users": {"includeUsers": ["All"], **users}},
            "grantControls": {"operator": "OR", "builtInControls": ["mfa"]}}


def _app(sdk: GraphSdk, **extra: Any) -> dict[str, Any]:
    created = sdk.call("POST", "applications", {"displayName": "Strict app", **extra})
    assert created.status == 201, created.json
    return created.json


# ---------------------------------------------------------------------------------------------- types and enums


def test_values_of_the_wrong_type_and_enum_members_outside_the_enum_are_refused(sdk: GraphSdk) -> None:
    user = F.user_ids[next(iter(F.user_ids))]
    wrong = sdk.call("PATCH", f"users/{user}", {"accountEnabled": "yes"})
    assert (wrong.status, wrong.error["code"]) == (400, "BadRequest")
    assert wrong.error["message"] == "Cannot convert the literal 'yes' to the expected type 'Edm.Boolean'."
    policy = F.ca_policy_ids[F.ca_policies[0]]
    typo = sdk.call("PATCH", f"{POLICIES}/{policy}", {"state": "enabeld"})
    assert typo.status == 400 and typo.error["message"] == (
        "Cannot convert the literal 'enabeld' to the expected type 'microsoft.graph.conditionalAccessPolicyState'.")
    # nested complex values and collections are typed too; nothing was written
    assert sdk.call("PATCH", f"{POLICIES}/{policy}", {"conditions": {"clientAppTypes": ["al"]}}).status == 400
    nested = sdk.call("POST", "groups", _group(description=5))
    assert nested.status == 400 and "Edm.String" in nested.error["message"]
    unknown_nested = sdk.call("POST", POLICIES, {**_policy(), "grantControls": {"operator": "OR", "bogus": []}})
    assert unknown_nested.status == 400 and "'bogus' does not exist on type" in unknown_nested.error["message"]
    assert sdk.call("GET", f"users/{user}?$select=accountEnabled").json["accountEnabled"] in (True, False)


def test_unknown_and_read_only_properties_are_refused(sdk: GraphSdk) -> None:
    unknown = sdk.call("POST", "groups", _group(colour="blue"))
    assert (unknown.status, unknown.error["message"]) == (400, "Invalid property 'colour'.")
    read_only = sdk.call("POST", "groups", _group(securityIdentifier="S-1-12-1-1"))
    assert read_only.error["message"] == "Property 'securityIdentifier' is read-only and cannot be set."


def test_beta_only_properties_are_refused_on_v1_and_served_on_beta(sdk: GraphSdk) -> None:
    body = {"systemCredentialPreferences": {"state": "enabled", "includeTargets": [], "excludeTargets": []}}
    refused = sdk.call("PATCH", METHODS, body)
    assert (refused.status, refused.error["message"]) == (400, "Invalid property 'systemCredentialPreferences'.")
    assert sdk.call("PATCH", METHODS, {"reportSuspiciousActivitySettings": {"state": "enabled"}}).status == 400
    assert sdk.call("PATCH", METHODS, body, version="beta").status == 200
    assert sdk.call("GET", METHODS, version="beta").json["systemCredentialPreferences"]["state"] == "enabled"
    assert "systemCredentialPreferences" not in sdk.call("GET", METHODS).json  # v1.0 does not have it
    assert sdk.call("GET", "organization?$select=id,directorySizeQuota").status == 400


def test_abstract_types_need_their_odata_type(sdk: GraphSdk) -> None:
    external = {"guestOrExternalUserTypes": "serviceProvider",
                "externalTenants": {"membershipKind": "enumerated", "members": ["aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa"]}}
    refused = sdk.call("POST", POLICIES, _policy(excludeGuestsOrExternalUsers=external))
    assert refused.status == 400 and "'@odata.type' annotation is required" in refused.error["message"]
    assert "#microsoft.graph.conditionalAccessEnumeratedExternalTenants" in refused.error["message"]
    typed = copy.deepcopy(external)
    typed["externalTenants"]["@odata.type"] = "#microsoft.graph.conditionalAccessEnumeratedExternalTenants"
    created = sdk.call("POST", POLICIES, _policy(excludeGuestsOrExternalUsers=typed))
    assert created.status == 201, created.json
    # a named location's ipRanges elements: ipRange is abstract too
    location = {"@odata.type": "#microsoft.graph.ipNamedLocation", "displayName": "No range type",
                "ipRanges": [{"cidrAddress": "203.0.113.0/24"}]}
    assert sdk.call("POST", "identity/conditionalAccess/namedLocations", location).status == 400
    wrong = {**location, "ipRanges": [{"@odata.type": "#microsoft.graph.user", "cidrAddress": "203.0.113.0/24"}]}
    assert "could not be resolved" in sdk.call("POST", "identity/conditionalAccess/namedLocations", wrong).error["message"]


# ---------------------------------------------------------------------------------------------- value rules


def test_key_credentials_need_key_material_and_only_a_single_select_returns_it(sdk: GraphSdk) -> None:
    credential = {"type": "AsymmetricX509Cert", "usage": "Verify", "displayName": "CN=strict", "key": None}
    refused = sdk.call("POST", "applications", {"displayName": "No key", "keyCredentials": [credential]})
    assert (refused.status, refused.error["code"], refused.error["message"]) == (
        400, "KeyCredentialsInvalidValue", "KeyValue cannot be null or empty")
    app = _app(sdk, keyCredentials=[{**credential, "key": KEY}])
    assert app["keyCredentials"][0]["key"] is None  # the create answer is not a $select of keyCredentials
    listed = next(a for a in sdk.items("applications?$select=id,keyCredentials") if a["id"] == app["id"])
    assert listed["keyCredentials"][0]["key"] is None
    assert sdk.call("GET", f"applications/{app['id']}").json["keyCredentials"][0]["key"] is None
    single = sdk.call("GET", f"applications/{app['id']}?$select=id,keyCredentials").json
    assert single["keyCredentials"][0]["key"] == KEY
    # writing back what a listing returned (key null) is refused: the key must come from a single $select
    again = sdk.call("PATCH", f"applications/{app['id']}", {"keyCredentials": listed["keyCredentials"]})
    assert again.status == 400 and again.error["code"] == "KeyCredentialsInvalidValue"
    assert sdk.call("PATCH", f"applications/{app['id']}", {"keyCredentials": single["keyCredentials"]}).status == 204


def test_custom_security_attributes_need_graphs_annotations(sdk: GraphSdk) -> None:
    user = F.user_ids[next(iter(F.user_ids))]
    value_type = "#Microsoft.DirectoryServices.CustomSecurityAttributeValue"
    missing_set_type = {"customSecurityAttributes": {"Engineering": {"ProjectDate": "2022-10-01"}}}
    refused = sdk.call("PATCH", f"users/{user}", missing_set_type)
    assert (refused.status, refused.error["message"]) == (400, "Invalid property 'Engineering'.")
    missing_collection = {"customSecurityAttributes": {"Engineering": {"@odata.type": value_type,
                                                                       "Project": ["Baker", "Cascade"]}}}
    assert sdk.call("PATCH", f"users/{user}", missing_collection).error["message"] == "Invalid property 'Project'."
    missing_int = {"customSecurityAttributes": {"Engineering": {"@odata.type": value_type, "NumVendors": 4}}}
    assert sdk.call("PATCH", f"users/{user}", missing_int).status == 400
    good = {"customSecurityAttributes": {"Engineering": {
        "@odata.type": value_type, "ProjectDate": "2022-10-01", "IsApproved": True,
        "Project@odata.type": "#Collection(String)", "Project": ["Baker", "Cascade"],
        "NumVendors@odata.type": "#Int32", "NumVendors": 4}}}
    assert sdk.call("PATCH", f"users/{user}", good).status == 204
    read = sdk.call("GET", f"users/{user}?$select=customSecurityAttributes").json["customSecurityAttributes"]
    assert read["Engineering"]["Project"] == ["Baker", "Cascade"] and read["Engineering"]["NumVendors"] == 4


def test_app_role_origin_is_refused_and_enabled_roles_and_scopes_need_two_steps(sdk: GraphSdk) -> None:
    role = {"id": "6b8d3f5e-1a2b-4c3d-8e9f-0a1b2c3d4e5f", "allowedMemberTypes": ["User"], "value": "Strict.Read",
            "displayName": "Strict", "description": "Strict", "isEnabled": True}
    with_origin = sdk.call("POST", "applications", {"displayName": "Origin", "appRoles": [{**role, "origin": "Application"}]})
    assert (with_origin.status, with_origin.error["message"]) == (400, "Property 'origin' is read-only and cannot be set.")
    scope = {"id": "7c9e4a6f-2b3c-4d5e-9f0a-1b2c3d4e5f6a", "value": "strict", "type": "User", "isEnabled": True,
             "adminConsentDisplayName": "s", "adminConsentDescription": "s"}
    app = _app(sdk, appRoles=[role], api={"oauth2PermissionScopes": [scope]})
    path = f"applications/{app['id']}"
    for body in ({"appRoles": []}, {"api": {"oauth2PermissionScopes": []}}):
        refused = sdk.call("PATCH", path, body)
        assert (refused.status, refused.error["code"], refused.error["message"]) == (
            400, "CannotDeleteOrUpdateEnabledEntitlement",
            "Permission (scope or role) cannot be deleted or updated unless disabled first.")
    assert sdk.call("PATCH", path, {"appRoles": [{**role, "isEnabled": False}],
                                    "api": {"oauth2PermissionScopes": [{**scope, "isEnabled": False}]}}).status == 204
    assert sdk.call("PATCH", path, {"appRoles": [], "api": {"oauth2PermissionScopes": []}}).status == 204
    after = sdk.call("GET", path).json
    assert after["appRoles"] == [] and after["api"]["oauth2PermissionScopes"] == []


def test_conditional_access_detail_is_in_the_inner_error(sdk: GraphSdk) -> None:
    missing = "6d0e3c2a-1111-4222-8333-944444444444"
    refused = sdk.call("POST", POLICIES, _policy(excludeGroups=[missing]))
    assert refused.status == 400 and refused.error["code"] == "BadRequest"
    assert refused.error["message"] == "The server could not process the request because it is malformed or incorrect."
    assert refused.error["innerError"]["message"] == f"1054: Invalid group value: {missing}."
    assert refused.error["innerError"]["request-id"] == refused.headers["request-id"]


# ---------------------------------------------------------------------------------------------- evolvable enums


def test_evolvable_members_are_written_and_read_only_by_callers_that_ask(sdk: GraphSdk) -> None:
    body = _policy()
    body["grantControls"] = {"operator": "AND", "builtInControls": ["mfa", "riskRemediation"]}
    body["conditions"]["platforms"] = {"includePlatforms": ["android", "linux"]}
    refused = sdk.call("POST", POLICIES, body)
    assert refused.status == 400 and "Prefer: include-unknown-enum-members" in refused.error["message"]
    created = sdk.call("POST", POLICIES, body, headers=PREFER)
    assert created.status == 201, created.json
    assert created.headers["preference-applied"] == "include-unknown-enum-members"
    assert created.json["grantControls"]["builtInControls"] == ["mfa", "riskRemediation"]
    path = f"{POLICIES}/{created.json['id']}"
    plain = sdk.call("GET", path)
    assert "preference-applied" not in plain.headers
    assert plain.json["grantControls"]["builtInControls"] == ["mfa", "unknownFutureValue"]
    # platforms are a set, answered in another order than written (facts.EntitySet.reordered)
    assert sorted(plain.json["conditions"]["platforms"]["includePlatforms"]) == ["android", "unknownFutureValue"]
    listed = next(p for p in sdk.items(POLICIES) if p["id"] == created.json["id"])
    assert sorted(listed["conditions"]["platforms"]["includePlatforms"]) == ["android", "unknownFutureValue"]
    asked = sdk.call("GET", path, headers=PREFER).json
    assert sorted(asked["conditions"]["platforms"]["includePlatforms"]) == ["android", "linux"]
    # writing back the sentinel a plain read returned is refused
    assert sdk.call("PATCH", path, {"grantControls": plain.json["grantControls"]}, headers=PREFER).status == 400


def test_evolvable_combinations_of_authentication_strengths(sdk: GraphSdk) -> None:
    body = {"displayName": "QR", "allowedCombinations": ["qrCodePin"]}
    assert sdk.call("POST", "policies/authenticationStrengthPolicies", body).status == 400
    created = sdk.call("POST", "policies/authenticationStrengthPolicies", body, headers=PREFER)
    assert created.status == 201, created.json
    plain = sdk.call("GET", f"policies/authenticationStrengthPolicies/{created.json['id']}").json
    assert plain["allowedCombinations"] == ["unknownFutureValue"]


# ---------------------------------------------------------------------------------------------- casts


def test_deleted_items_casts_in_both_namespace_forms(sdk: GraphSdk) -> None:
    group = sdk.call("POST", "groups", _group()).json
    assert sdk.call("DELETE", f"groups/{group['id']}").status == 204
    for cast in ("graph.group", "microsoft.graph.group", "Microsoft.Graph.Group"):
        listed = sdk.call("GET", f"directory/deletedItems/{cast}")
        assert listed.status == 200 and group["id"] in [g["id"] for g in listed.json["value"]], cast
        item = sdk.call("GET", f"directory/deletedItems/{group['id']}/{cast}")
        assert item.status == 200 and item.json["id"] == group["id"]
    count = sdk.call("GET", "directory/deletedItems/graph.group/$count", headers={"ConsistencyLevel": "eventual"})
    assert count.status == 200 and int(count.body) >= 1
    assert sdk.call("GET", f"directory/deletedItems/{group['id']}/graph.user").status == 404
    assert sdk.call("GET", "directory/deletedItems/graph.nothing").status == 400
    restored = sdk.call("POST", f"directory/deletedItems/{group['id']}/graph.restore")
    assert restored.status == 200 and restored.json["id"] == group["id"]


def test_type_casts_of_member_listings(sdk: GraphSdk) -> None:
    group = F.group_ids["IT Department"]
    everyone = sdk.items(f"groups/{group}/members", version="beta")
    for cast in ("graph.user", "microsoft.graph.user"):
        users = sdk.items(f"groups/{group}/members/{cast}")
        assert users and {u["id"] for u in users} == {m["id"] for m in everyone
                                                      if m["@odata.type"] == "#microsoft.graph.user"}
