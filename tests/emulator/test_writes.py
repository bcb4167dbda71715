"""Writes through the real msgraph-sdk request adapter: status codes per operation, server-generated
properties, Graph's refusals (unknown, read-only, on-premises-mastered properties, malformed JSON).

Sources: user-post-users, user-update, group-post-groups, application-post-applications,
serviceprincipal-post-serviceprincipals, organization-update, authorizationpolicy-update,
authenticationmethodspolicy-update (200 + object), fido2authenticationmethodconfiguration-update (204,
@odata.type), authenticationstrengthpolicy-update / -updateallowedcombinations (Microsoft Learn, v1.0);
graph-entra.md §1.3 for the error bodies.
"""

from __future__ import annotations

import re

from entragit.emulator import Emulator
from entragit.emulator.seeds import DEMO_FACTS as F
from tests.plugins.emulator import GraphSdk

GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
SYNCED_MESSAGE = ("Unable to update the specified properties for on-premises mastered Directory Sync objects or "
                  "objects currently undergoing migration.")


def new_user(alias: str, **extra: object) -> dict:
    return {"accountEnabled": True, "displayName": alias, "mailNickname": alias,
            "userPrincipalName": f"{alias}@{F.domain}",
            "passwordProfile": {"forceChangePasswordNextSignIn": True, "password": "xWwvJ]6NMw+bWH-d"}, **extra}


def test_create_user_201_with_generated_properties_and_no_password(sdk: GraphSdk, emulator: Emulator) -> None:
    resp = sdk.call("POST", "users", new_user("NewPerson", jobTitle="Analyst"))
    assert resp.status == 201
    user = resp.json
    assert GUID.match(user["id"])
    assert user["@odata.context"] == "http://testserver/v1.0/$metadata#users/$entity"
    full = sdk.call("GET", f"users/{user['id']}?$select=id,createdDateTime,userType,jobTitle,passwordProfile,"
                           "onPremisesSyncEnabled,businessPhones").json
    assert full["createdDateTime"].endswith("Z")
    assert full["userType"] == "Member" and full["businessPhones"] == [] and full["jobTitle"] == "Analyst"
    assert full["passwordProfile"] is None  # write-only: never returned
    assert "passwordProfile" not in str(emulator.backend.collections["users"].get(user["id"]))


def test_create_user_refusals(sdk: GraphSdk) -> None:
    body = new_user("NoPassword")
    del body["passwordProfile"]
    missing = sdk.call("POST", "users", body)
    assert missing.status == 400
    assert missing.error["message"] == "Invalid value specified for property 'passwordProfile' of resource 'User'."
    foreign = sdk.call("POST", "users", {**new_user("X"), "userPrincipalName": "x@not-verified.example"})
    assert foreign.status == 400 and "verified domain" in foreign.error["message"]
    duplicate = sdk.call("POST", "users", {**new_user("Dup"), "userPrincipalName": F.cloud_user_upn})
    assert duplicate.status == 400
    assert duplicate.error["message"] == ("Another object with the same value for property userPrincipalName "
                                          "already exists.")


def test_patch_204_then_get_shows_it_and_delete_204_then_404(sdk: GraphSdk) -> None:
    uid = F.user_ids[F.cloud_user_upn]
    resp = sdk.call("PATCH", f"users/{uid}", {"jobTitle": "Chief Tester", "mobilePhone": None})
    assert (resp.status, resp.body) == (204, b"")
    got = sdk.call("GET", f"users/{uid}?$select=jobTitle,mobilePhone").json
    assert (got["jobTitle"], got["mobilePhone"]) == ("Chief Tester", None)
    created = sdk.call("POST", "users", new_user("Temp")).json
    assert sdk.call("DELETE", f"users/{created['id']}").status == 204
    assert sdk.call("DELETE", f"users/{created['id']}").status == 404


def test_unknown_and_read_only_properties_are_refused_with_graphs_body(dual_sdk: GraphSdk) -> None:
    sdk = dual_sdk
    uid = F.user_ids[F.cloud_user_upn]
    unknown = sdk.call("PATCH", f"users/{uid}", {"jobTitle": "x", "favouriteColour": "blue"})
    assert unknown.status == 400
    assert unknown.error["code"] == "Request_BadRequest"
    assert unknown.error["message"] == "Invalid property 'favouriteColour'."
    read_only = sdk.call("PATCH", f"users/{uid}", {"onPremisesSyncEnabled": True},
                         headers={"client-request-id": "0c1d2e3f-0000-4000-8000-000000000001"})
    assert read_only.status == 400
    assert read_only.error["code"] == "Request_BadRequest"
    assert read_only.error["message"] == "Property 'onPremisesSyncEnabled' is read-only and cannot be set."
    inner = read_only.error["innerError"]  # Graph's envelope: request ids and the date
    assert inner["request-id"] == read_only.headers["request-id"]
    assert inner["client-request-id"] == "0c1d2e3f-0000-4000-8000-000000000001"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", inner["date"])
    org = sdk.call("PATCH", f"organization/{F.tenant_id}", {"onPremisesSyncEnabled": True})
    assert org.status == 400
    assert org.error["message"] == "Property 'onPremisesSyncEnabled' is read-only and cannot be set."
    created = sdk.call("POST", "users", {**new_user("WithId"), "createdDateTime": "2020-01-01T00:00:00Z"})
    assert created.status == 400 and "createdDateTime" in created.error["message"]
    # nothing was written
    assert sdk.call("GET", f"users/{uid}?$select=jobTitle").json["jobTitle"] != "x"


def test_malformed_json_is_400(dual_sdk: GraphSdk) -> None:
    sdk = dual_sdk
    uid = F.user_ids[F.cloud_user_upn]
    resp = sdk.call("PATCH", f"users/{uid}", b'{"jobTitle": ')
    assert resp.status == 400
    assert "JSON" in resp.error["message"]
    assert sdk.call("POST", "groups", b"[1, 2]").status == 400


def test_synced_user_refuses_on_premises_properties_but_not_cloud_ones(dual_sdk: GraphSdk) -> None:
    sdk = dual_sdk
    synced = F.user_ids[F.synced_user_upns[0]]
    resp = sdk.call("PATCH", f"users/{synced}", {"department": "Renamed"})
    assert resp.status == 400
    assert resp.error["code"] == "Request_BadRequest"
    assert resp.error["message"] == SYNCED_MESSAGE
    assert resp.error["innerError"]["request-id"] == resp.headers["request-id"]
    assert sdk.call("GET", f"users/{synced}?$select=department").json["department"] != "Renamed"
    assert sdk.call("PATCH", f"users/{synced}", {"passwordPolicies": "DisablePasswordExpiration"}).status == 204
    manager = sdk.call("PUT", f"users/{synced}/manager/$ref",
                       {"@odata.id": f"http://testserver/v1.0/users/{F.user_ids[F.cloud_user_upn]}"})
    assert manager.status == 400 and manager.error["message"] == SYNCED_MESSAGE
    # cloud links of a synced user stay writable: a cloud group membership, an app role assignment
    group = F.group_ids[F.security_groups[0]]
    assert sdk.call("POST", f"groups/{group}/members/$ref",
                    {"@odata.id": f"http://testserver/v1.0/directoryObjects/{synced}"}).status == 204
    resource = F.service_principal_ids[F.api_application]
    roles = sdk.call("GET", f"servicePrincipals/{resource}?$select=appRoles").json["appRoles"]
    assignment = sdk.call("POST", f"servicePrincipals/{resource}/appRoleAssignedTo",
                          {"principalId": synced, "resourceId": resource, "appRoleId": roles[0]["id"]})
    assert assignment.status == 201


def test_synced_group_refuses_properties_and_members(dual_sdk: GraphSdk) -> None:
    sdk = dual_sdk
    group = F.group_ids[F.synced_group]
    resp = sdk.call("PATCH", f"groups/{group}", {"description": "changed in the cloud"})
    assert (resp.status, resp.error["message"]) == (400, SYNCED_MESSAGE)
    member = sdk.call("POST", f"groups/{group}/members/$ref",
                      {"@odata.id": f"http://testserver/v1.0/directoryObjects/{F.user_ids[F.cloud_user_upn]}"})
    assert member.status == 400


def test_create_group_with_owner_and_member_binds_then_patch_binds(dual_sdk: GraphSdk) -> None:
    sdk = dual_sdk
    owner, member, later = (F.user_ids[u] for u in list(F.user_ids)[:3])
    base = "https://graph.microsoft.com/v1.0"
    resp = sdk.call("POST", "groups", {
        "displayName": "Project X", "mailEnabled": False, "mailNickname": "projectx", "securityEnabled": True,
        "owners@odata.bind": [f"{base}/users/{owner}"],
        "members@odata.bind": [f"{base}/directoryObjects/{member}"]})
    assert resp.status == 201
    gid = resp.json["id"]
    assert resp.json["securityIdentifier"].startswith("S-1-12-1-")
    assert [o["id"] for o in sdk.items(f"groups/{gid}/owners")] == [owner]
    assert [m["id"] for m in sdk.items(f"groups/{gid}/members")] == [member]
    patched = sdk.call("PATCH", f"groups/{gid}", {"members@odata.bind": [f"{base}/directoryObjects/{later}"]})
    assert patched.status == 204
    assert sorted(m["id"] for m in sdk.items(f"groups/{gid}/members")) == sorted([member, later])
    too_many = [f"{base}/directoryObjects/{u}" for u in list(F.user_ids.values())[:21]]
    assert sdk.call("PATCH", f"groups/{gid}", {"members@odata.bind": too_many}).status == 400
    missing = sdk.call("PATCH", f"groups/{gid}", {
        "members@odata.bind": [f"{base}/directoryObjects/0b0b0b0b-0000-4000-8000-000000000000"]})
    assert missing.status == 404


def test_ref_add_remove_and_their_errors(sdk: GraphSdk) -> None:
    group = F.group_ids[F.security_groups[0]]
    uid = F.user_ids[F.break_glass_upn]
    ref = {"@odata.id": f"https://graph.microsoft.com/v1.0/directoryObjects/{uid}"}
    assert sdk.call("POST", f"groups/{group}/members/$ref", ref).status == 204
    again = sdk.call("POST", f"groups/{group}/members/$ref", ref)
    assert again.status == 400
    assert again.error["message"] == ("One or more added object references already exist for the following "
                                      "modified properties: 'members'.")
    assert sdk.call("DELETE", f"groups/{group}/members/{uid}/$ref").status == 204
    assert sdk.call("DELETE", f"groups/{group}/members/{uid}/$ref").status == 404
    assert uid not in {m["id"] for m in sdk.items(f"groups/{group}/members")}


def test_delete_member_without_ref_deletes_the_member_object_itself(sdk: GraphSdk) -> None:
    # group-delete-members: "If you don't append /$ref ... the member object itself is deleted"
    group = F.group_ids[F.security_groups[0]]
    uid = sdk.call("POST", "users", new_user("Victim")).json["id"]
    sdk.call("POST", f"groups/{group}/members/$ref", {"@odata.id": f"http://testserver/v1.0/users/{uid}"})
    assert sdk.call("DELETE", f"groups/{group}/members/{uid}").status == 204
    assert sdk.call("GET", f"users/{uid}").status == 404
    assert sdk.call("GET", f"directory/deletedItems/{uid}").status == 200


def test_manager_put_get_delete(sdk: GraphSdk) -> None:
    uid = sdk.call("POST", "users", new_user("Report")).json["id"]
    boss = F.user_ids[F.cloud_user_upn]
    assert sdk.call("GET", f"users/{uid}/manager").status == 404
    assert sdk.call("PUT", f"users/{uid}/manager/$ref", {"@odata.id": f"http://testserver/v1.0/users/{boss}"}
                    ).status == 204
    got = sdk.call("GET", f"users/{uid}/manager")
    assert got.json["id"] == boss and got.json["@odata.type"] == "#microsoft.graph.user"
    assert sdk.call("DELETE", f"users/{uid}/manager/$ref").status == 204
    assert sdk.call("DELETE", f"users/{uid}/manager/$ref").status == 404


def test_application_and_service_principal_creation(sdk: GraphSdk) -> None:
    app = sdk.call("POST", "applications", {"displayName": "Payroll", "appRoles": [{
        "id": "5c0b3f5e-8f2e-4c59-9a1d-3f4f7d7e8a9b", "allowedMemberTypes": ["Application"],
        "value": "Payroll.Read", "displayName": "Read payroll", "description": "Read payroll",
        "isEnabled": True}]})
    assert app.status == 201
    app_id = app.json["appId"]
    assert GUID.match(app_id) and app_id != app.json["id"]
    assert app.json["signInAudience"] == "AzureADMyOrg" and app.json["publisherDomain"] == F.domain
    sp = sdk.call("POST", "servicePrincipals", {"appId": app_id})
    assert sp.status == 201
    assert sp.json["appDisplayName"] == "Payroll" and sp.json["displayName"] == "Payroll"
    assert sp.json["appRoles"][0]["value"] == "Payroll.Read"
    assert app_id in sp.json["servicePrincipalNames"]
    assert sdk.call("POST", "servicePrincipals", {"appId": app_id}).status == 409
    unknown = sdk.call("POST", "servicePrincipals", {"appId": "12345678-1234-4234-8234-123456789012"})
    assert unknown.status == 400 and "does not reference a valid application" in unknown.error["message"]
    read_only_app_id = sdk.call("PATCH", f"applications/{app.json['id']}", {"appId": app_id})
    assert read_only_app_id.status == 400


def test_add_and_remove_password(sdk: GraphSdk) -> None:
    app_id = F.application_object_ids[F.applications[0]]
    resp = sdk.call("POST", f"applications/{app_id}/addPassword", {"passwordCredential": {"displayName": "ci"}})
    assert resp.status == 200
    secret = resp.json["secretText"]
    assert secret and resp.json["hint"] == secret[:3]
    creds = sdk.call("GET", f"applications/{app_id}?$select=passwordCredentials").json["passwordCredentials"]
    mine = [c for c in creds if c["keyId"] == resp.json["keyId"]]
    assert mine and mine[0]["secretText"] is None
    patch = sdk.call("PATCH", f"applications/{app_id}", {"passwordCredentials": []})
    assert patch.status == 400  # not by PATCH (application-update)
    assert sdk.call("POST", f"applications/{app_id}/removePassword", {"keyId": resp.json["keyId"]}).status == 204


def test_federated_identity_credentials(sdk: GraphSdk) -> None:
    app = sdk.call("POST", "applications", {"displayName": "Deployer"}).json["id"]
    fic = {"name": "gh-main", "issuer": "https://token.actions.githubusercontent.com",
           "subject": "repo:contoso/app:ref:refs/heads/main", "audiences": ["api://AzureADTokenExchange"]}
    created = sdk.call("POST", f"applications/{app}/federatedIdentityCredentials", fic)
    assert created.status == 201 and GUID.match(created.json["id"])
    assert sdk.call("POST", f"applications/{app}/federatedIdentityCredentials", fic).status == 409
    url = f"applications/{app}/federatedIdentityCredentials/{created.json['id']}"
    assert sdk.call("PATCH", url, {"name": "renamed"}).status == 400  # name is immutable
    assert sdk.call("PATCH", url, {"description": "main branch"}).status == 204
    assert sdk.call("GET", url).json["description"] == "main branch"
    assert sdk.call("DELETE", url).status == 204
    assert sdk.call("GET", f"applications/{app}/federatedIdentityCredentials").json["value"] == []


def test_app_role_assignments(sdk: GraphSdk) -> None:
    resource = F.graph_sp_id
    client = F.service_principal_ids[F.applications[0]]
    roles = sdk.call("GET", f"servicePrincipals/{resource}?$select=appRoles").json["appRoles"]
    held = {a["appRoleId"] for a in sdk.items(f"servicePrincipals/{client}/appRoleAssignments")}
    role = next(r["id"] for r in roles if r["id"] not in held)
    body = {"principalId": client, "resourceId": resource, "appRoleId": role}
    created = sdk.call("POST", f"servicePrincipals/{resource}/appRoleAssignedTo", body)
    assert created.status == 201
    assert created.json["principalType"] == "ServicePrincipal" and created.json["resourceId"] == resource
    assert sdk.call("POST", f"servicePrincipals/{resource}/appRoleAssignedTo", body).status == 400
    bad_role = {**body, "appRoleId": "0f0f0f0f-0000-4000-8000-000000000000"}
    assert sdk.call("POST", f"servicePrincipals/{resource}/appRoleAssignedTo", bad_role).status == 400
    listed = sdk.items(f"servicePrincipals/{client}/appRoleAssignments")
    assert created.json["id"] in {a["id"] for a in listed}
    assert sdk.call("DELETE", f"servicePrincipals/{resource}/appRoleAssignedTo/{created.json['id']}").status == 204
    assert created.json["id"] not in {a["id"] for a in sdk.items(f"servicePrincipals/{resource}/appRoleAssignedTo")}


def test_oauth2_permission_grants(sdk: GraphSdk) -> None:
    client = sdk.call("POST", "servicePrincipals", {
        "appId": sdk.call("POST", "applications", {"displayName": "Reader"}).json["appId"]}).json["id"]
    body = {"clientId": client, "consentType": "AllPrincipals", "resourceId": F.graph_sp_id, "scope": "User.Read"}
    created = sdk.call("POST", "oauth2PermissionGrants", body)
    assert created.status == 201
    assert sdk.call("POST", "oauth2PermissionGrants", body).status == 409
    grant = created.json["id"]
    assert sdk.call("PATCH", f"oauth2PermissionGrants/{grant}", {"scope": "User.Read Group.Read.All"}).status == 204
    assert sdk.call("PATCH", f"oauth2PermissionGrants/{grant}", {"clientId": client}).status == 400
    listed = sdk.items(f"oauth2PermissionGrants?$filter=clientId eq '{client}'")
    assert [(g["id"], g["scope"]) for g in listed] == [(grant, "User.Read Group.Read.All")]
    assert sdk.call("DELETE", f"oauth2PermissionGrants/{grant}").status == 204
    assert sdk.items(f"oauth2PermissionGrants?$filter=clientId eq '{client}'") == []


def test_policy_singletons_status_codes(dual_sdk: GraphSdk) -> None:
    sdk = dual_sdk
    # authorizationPolicy PATCH -> 204
    authz = sdk.call("PATCH", "policies/authorizationPolicy", {"allowInvitesFrom": "none"})
    assert authz.status == 204
    assert sdk.call("GET", "policies/authorizationPolicy").json["allowInvitesFrom"] == "none"
    # authenticationMethodsPolicy PATCH -> 200 with the object
    campaign = {"authenticationMethodsRegistrationCampaign": {
        "snoozeDurationInDays": 2, "state": "enabled", "excludeTargets": [],
        "includeTargets": [{"id": "all_users", "targetType": "group",
                            "targetedAuthenticationMethod": "microsoftAuthenticator"}]}}
    methods = sdk.call("PATCH", "policies/authenticationMethodsPolicy", {"registrationEnforcement": campaign})
    assert methods.status == 200
    got = methods.json["registrationEnforcement"]["authenticationMethodsRegistrationCampaign"]
    sent = campaign["authenticationMethodsRegistrationCampaign"]
    assert {k: got[k] for k in sent} == sent  # PATCH merges complex values: other keys keep their values
    assert methods.json["authenticationMethodConfigurations"]
    assert sdk.call("PATCH", "policies/authenticationMethodsPolicy", {"policyVersion": "9"}).status == 400
    # a method configuration: 204, @odata.type required and must match
    url = "policies/authenticationMethodsPolicy/authenticationMethodConfigurations/Fido2"
    assert sdk.call("PATCH", url, {"state": "disabled"}).status == 400
    wrong = sdk.call("PATCH", url, {"@odata.type": "#microsoft.graph.smsAuthenticationMethodConfiguration",
                                    "state": "disabled"})
    assert wrong.status == 400
    ok = sdk.call("PATCH", url, {"@odata.type": "#microsoft.graph.fido2AuthenticationMethodConfiguration",
                                 "state": "disabled"})
    assert ok.status == 204
    assert sdk.call("GET", url).json["state"] == "disabled"
    inline = sdk.call("GET", "policies/authenticationMethodsPolicy").json["authenticationMethodConfigurations"]
    assert next(c for c in inline if c["id"] == "Fido2")["state"] == "disabled"
    # organization PATCH -> 204
    org = sdk.call("PATCH", f"organization/{F.tenant_id}", {"technicalNotificationMails": ["ops@contoso.com"]})
    assert org.status == 204
    assert sdk.call("PATCH", "organization/6b1b0c1e-0000-4000-8000-000000000000",
                    {"technicalNotificationMails": []}).status == 404


def test_authentication_strengths(dual_sdk: GraphSdk) -> None:
    sdk = dual_sdk
    created = sdk.call("POST", "policies/authenticationStrengthPolicies", {
        "displayName": "Keys only", "description": "FIDO2", "allowedCombinations": ["fido2"]})
    assert created.status == 201
    assert (created.json["policyType"], created.json["requirementsSatisfied"]) == ("custom", "mfa")
    sid = created.json["id"]
    assert sdk.call("PATCH", f"policies/authenticationStrengthPolicies/{sid}", {"displayName": "Keys"}).status == 204
    refused = sdk.call("PATCH", f"policies/authenticationStrengthPolicies/{sid}",
                       {"allowedCombinations": ["password,sms"]})
    assert refused.status == 400 and "updateAllowedCombinations" in refused.error["message"]
    action = sdk.call("POST", f"policies/authenticationStrengthPolicies/{sid}/updateAllowedCombinations",
                      {"allowedCombinations": ["fido2", "windowsHelloForBusiness"]})
    assert action.status == 200
    assert action.json["previousCombinations"] == ["fido2"]
    assert action.json["currentCombinations"] == ["fido2", "windowsHelloForBusiness"]
    assert action.json["conditionalAccessReferences"] == []
    used = F.strength_ids[F.custom_strengths[0]]
    refs = sdk.call("POST", f"policies/authenticationStrengthPolicies/{used}/updateAllowedCombinations",
                    {"allowedCombinations": ["fido2"]}).json["conditionalAccessReferences"]
    assert refs  # referenced by the demo's CA policies
    builtin = "00000000-0000-0000-0000-000000000002"
    assert sdk.call("PATCH", f"policies/authenticationStrengthPolicies/{builtin}",
                    {"displayName": "Mine now"}).status == 400
    assert sdk.call("DELETE", f"policies/authenticationStrengthPolicies/{builtin}").status == 400
    assert sdk.call("DELETE", f"policies/authenticationStrengthPolicies/{used}").status == 400  # in use by CA
    assert sdk.call("DELETE", f"policies/authenticationStrengthPolicies/{sid}").status == 204


def test_named_locations_need_their_odata_type(dual_sdk: GraphSdk) -> None:
    sdk = dual_sdk
    url = "identity/conditionalAccess/namedLocations"
    untyped = sdk.call("POST", url, {"displayName": "Branch", "ipRanges": [
        {"@odata.type": "#microsoft.graph.iPv4CidrRange", "cidrAddress": "10.0.0.0/8"}]})
    assert untyped.status == 400 and "@odata.type" in untyped.error["message"]
    range_untyped = sdk.call("POST", url, {"@odata.type": "#microsoft.graph.ipNamedLocation", "displayName": "B",
                                           "ipRanges": [{"cidrAddress": "10.0.0.0/8"}]})
    assert range_untyped.status == 400
    created = sdk.call("POST", url, {"@odata.type": "#microsoft.graph.ipNamedLocation", "displayName": "Branch",
                                     "ipRanges": [{"@odata.type": "#microsoft.graph.iPv4CidrRange",
                                                   "cidrAddress": "10.0.0.0/8"}]})
    assert created.status == 201
    assert created.json["isTrusted"] is False and "countryLookupMethod" not in created.json
    mixed = sdk.call("POST", url, {"@odata.type": "#microsoft.graph.countryNamedLocation", "displayName": "C",
                                   "countriesAndRegions": ["NL"], "isTrusted": True})
    assert mixed.status == 400
    country = sdk.call("POST", url, {"@odata.type": "#microsoft.graph.countryNamedLocation", "displayName": "C",
                                     "countriesAndRegions": ["NL"]})
    assert country.json["countryLookupMethod"] == "clientIpAddress"
    loc = created.json["id"]
    assert sdk.call("PATCH", f"{url}/{loc}", {"displayName": "Branch 2"}).status == 400  # PATCH needs it too
    assert sdk.call("PATCH", f"{url}/{loc}", {"@odata.type": "#microsoft.graph.ipNamedLocation",
                                              "displayName": "Branch 2"}).status == 204


def test_every_declared_on_premises_property_of_a_synced_object_is_refused(sdk: GraphSdk) -> None:
    from entragit.resources import Channel, get

    for key, obj_id in (("users", F.user_ids[F.synced_user_upns[0]]), ("groups", F.group_ids[F.synced_group])):
        rt = get(key)
        mastered = sorted(n for n in rt.on_premises_props if rt.channel(n) is not Channel.READ_ONLY)
        assert mastered, key
        current = sdk.call("GET", f"{rt.collection}/{obj_id}?$select={','.join(mastered)}").json
        for name in mastered:
            resp = sdk.call("PATCH", f"{rt.collection}/{obj_id}", {name: current.get(name)})
            assert (resp.status, resp.error.get("message")) == (400, SYNCED_MESSAGE), (key, name)
        cloud = [n for n in rt.select if n not in rt.on_premises_props and rt.channel(n) is Channel.PATCH]
        assert cloud, key
        for name in cloud:  # the same object's cloud-mastered properties stay writable
            value = sdk.call("GET", f"{rt.collection}/{obj_id}?$select={name}").json[name]
            assert sdk.call("PATCH", f"{rt.collection}/{obj_id}", {name: value}).status == 204, (key, name)


def test_grants_by_principal_and_principal_types_come_from_the_declarations(sdk: GraphSdk, emulator: Emulator) -> None:
    """Routes and checks that read the declared references of the shared sets: a user's delegated grants
    (GET users/{id}/oauth2PermissionGrants), an assignment's principal (users, groups, service principals
    only), a Microsoft 365 group's members (users only)."""
    grants = emulator.backend.state()["oauth2PermissionGrants"]
    user = next(g["principalId"] for g in grants if g.get("consentType") == "Principal")
    mine = sdk.items(f"users/{user}/oauth2PermissionGrants")
    assert mine and {g["id"] for g in mine} == {g["id"] for g in grants if g.get("principalId") == user}
    sp = F.service_principal_ids[F.applications[0]]
    location = next(iter(emulator.backend.collections["namedLocations"].items))
    refused = sdk.call("POST", f"servicePrincipals/{sp}/appRoleAssignedTo",
                       {"principalId": location, "resourceId": sp, "appRoleId": "00000000-0000-0000-0000-000000000000"})
    assert refused.status == 404
    m365 = next(g["id"] for g in emulator.backend.state()["groups"] if "Unified" in (g.get("groupTypes") or []))
    not_a_user = sdk.call("POST", f"groups/{m365}/members/$ref",
                          {"@odata.id": f"https://graph.microsoft.com/v1.0/directoryObjects/{sp}"})
    assert not_a_user.status == 400 and not_a_user.error["message"] == "Only users can be members of a Microsoft 365 group."
