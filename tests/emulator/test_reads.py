"""Reads through the real msgraph-sdk request adapter: paging, $select, $filter, $count, addressing.

Graph behaviour: https://learn.microsoft.com/en-us/graph/paging,
https://learn.microsoft.com/en-us/graph/api/user-list?view=graph-rest-1.0,
https://learn.microsoft.com/en-us/graph/aad-advanced-queries.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from msgraph.generated.models.o_data_errors.o_data_error import ODataError

from entragit.emulator import Emulator
from entragit.emulator.seeds import DEMO_FACTS as F
from entragit.resources import get
from tests.plugins.emulator import GraphSdk

EVENTUAL = {"ConsistencyLevel": "eventual"}


def user_count(emulator: Emulator) -> int:
    return len(emulator.backend.collections["users"])


def test_default_page_size_then_paging_to_the_end() -> None:
    emu = Emulator(seed="scale:users=250,groups=3,applications=1")
    sdk = GraphSdk(emu.url, emu.transport())
    try:
        pages = sdk.pages("users")
        assert [len(p["value"]) for p in pages] == [100, 100, len(pages[-1]["value"])]
        ids = [u["id"] for p in pages for u in p["value"]]
        assert len(ids) == len(set(ids)) == user_count(emu)
        assert "@odata.nextLink" not in pages[-1]
    finally:
        sdk.close()


def test_top_pages_to_the_end_and_next_link_is_absolute_on_the_called_host(dual_sdk: GraphSdk) -> None:
    sdk = dual_sdk
    pages = sdk.pages("users?$top=7&$select=id,displayName")
    ids = [u["id"] for p in pages for u in p["value"]]
    assert len(ids) == len(set(ids)) == F.user_count
    assert set(ids) == set(F.user_ids.values())
    assert all(len(p["value"]) == 7 for p in pages[:-1]) and "@odata.nextLink" not in pages[-1]
    link = pages[0]["@odata.nextLink"]
    parts, called = urlsplit(link), urlsplit(sdk.root)
    assert (parts.scheme, parts.netloc, parts.path) == ("http", called.netloc, "/v1.0/users")
    assert "$top=7" in link and "$select=id,displayName" in link and "$skiptoken=" in link
    assert pages[0]["@odata.context"] == f"{sdk.root}/v1.0/$metadata#users(id,displayName)"


def test_top_above_the_maximum_is_refused_like_graph(sdk: GraphSdk) -> None:
    # "Invalid page size specified: '1000'. Must be between 1 and 999 inclusive." (MS Q&A 120381, user-list)
    resp = sdk.call("GET", "users?$top=1000")
    assert resp.status == 400
    assert resp.error["code"] == "Request_BadRequest"
    assert resp.error["message"] == "Invalid page size specified: '1000'. Must be between 1 and 999 inclusive."
    assert sdk.call("GET", f"users?$top={get('users').page_max}").status == 200


def test_page_max_of_each_type_comes_from_its_declaration(sdk: GraphSdk) -> None:
    for key in ("namedLocations", "conditionalAccessPolicies", "groups", "applications"):
        rt = get(key)
        assert sdk.call("GET", f"{rt.collection}?$top={rt.page_max}").status == 200
        assert sdk.call("GET", f"{rt.collection}?$top={rt.page_max + 1}").status == 400


def test_users_without_select_get_graphs_default_properties_only(dual_sdk: GraphSdk) -> None:
    sdk = dual_sdk
    user = sdk.call("GET", "users?$top=1").json["value"][0]
    assert set(user) == {"businessPhones", "displayName", "givenName", "jobTitle", "mail", "mobilePhone",
                         "officeLocation", "preferredLanguage", "surname", "userPrincipalName", "id"}
    full = sdk.call("GET", f"users/{user['id']}?$select=id,department,accountEnabled").json
    assert set(full) - {"@odata.context"} == {"id", "department", "accountEnabled"}


def test_select_always_returns_id_and_nulls_for_unset_properties(dual_sdk: GraphSdk) -> None:
    sdk = dual_sdk
    users = sdk.items("users?$select=displayName,faxNumber")
    assert users and all(set(u) == {"id", "displayName", "faxNumber"} for u in users)
    assert any(u["faxNumber"] is None for u in users)


def test_select_of_an_unknown_property_is_refused(dual_sdk: GraphSdk) -> None:
    sdk = dual_sdk
    resp = sdk.call("GET", "users?$select=id,notAProperty")
    assert resp.status == 400
    assert "notAProperty" in resp.error["message"]
    with pytest.raises(ODataError) as err:
        sdk.raw("GET", "users?$select=id,notAProperty")
    assert err.value.response_status_code == 400


def test_declared_select_of_every_listable_type_is_accepted(sdk: GraphSdk) -> None:
    for rt in (get(k) for k in ("users", "groups", "applications", "servicePrincipals", "organization")):
        resp = sdk.call("GET", f"{rt.collection}?$select={','.join(rt.select)}")
        assert resp.status == 200, (rt.key, resp.json)
        assert resp.json["value"], rt.key


def test_sharepoint_properties_in_a_collection_select_answer_501(sdk: GraphSdk) -> None:
    # $select=skills on /users -> 501 (user-list: "can't be returned within a user collection")
    resp = sdk.call("GET", "users?$select=id,skills")
    assert resp.status == 501
    assert resp.error["code"] == "NotImplemented"


def test_filter_forms_the_exporter_and_applier_use(dual_sdk: GraphSdk) -> None:
    sdk = dual_sdk
    cloud = F.cloud_user_upn
    uid = F.user_ids[cloud]
    by_id = sdk.items(f"users?$filter=id eq '{uid}'&$select=id,userPrincipalName")
    assert [u["userPrincipalName"] for u in by_id] == [cloud]
    name = sdk.call("GET", f"users/{uid}?$select=displayName").json["displayName"]
    assert [u["id"] for u in sdk.items(f"users?$filter=displayName eq '{name}'")] == [uid]
    # case-insensitive like the directory
    assert [u["id"] for u in sdk.items(f"users?$filter=displayName eq '{name.upper()}'")] == [uid]
    prefix = name[:3]
    starts = sdk.items(f"users?$filter=startswith(displayName,'{prefix}')&$select=displayName")
    assert starts and all(u["displayName"].lower().startswith(prefix.lower()) for u in starts)
    two = [F.user_ids[F.cloud_user_upn], F.break_glass_id]
    in_ids = sdk.items(f"users?$filter=id in ('{two[0]}','{two[1]}')")
    assert sorted(u["id"] for u in in_ids) == sorted(two)
    app_name = F.applications[0]
    apps = sdk.items(f"applications?$filter=appId eq '{F.app_ids[app_name]}'")
    assert [a["displayName"] for a in apps] == [app_name]
    unified = sdk.items("groups?$filter=groupTypes/any(c:c eq 'Unified')&$select=displayName")
    assert sorted(g["displayName"] for g in unified) == sorted(F.m365_groups)
    sp = F.service_principal_ids[app_name]
    grants = sdk.items(f"oauth2PermissionGrants?$filter=clientId eq '{sp}'")
    assert all(g["clientId"] == sp for g in grants)


def test_filter_on_an_unknown_property_and_a_syntax_error_are_400(sdk: GraphSdk) -> None:
    assert sdk.call("GET", "users?$filter=bogus eq 'x'").status == 400
    assert sdk.call("GET", "users?$filter=displayName eq").status == 400


def test_advanced_operators_need_consistency_level_and_count(sdk: GraphSdk) -> None:
    query = "users?$filter=endswith(userPrincipalName,'@contoso.com')"
    resp = sdk.call("GET", query)
    assert resp.status == 400
    assert resp.error["code"] == "Request_UnsupportedQuery"
    assert "Try adding $count=true query parameter and ConsistencyLevel:eventual header" in resp.error["message"]
    ok = sdk.call("GET", query + "&$count=true", headers=EVENTUAL)
    assert ok.status == 200 and ok.json["@odata.count"] == len(ok.json["value"]) > 0
    assert sdk.call("GET", "users?$filter=accountEnabled ne true").status == 400


def test_count_needs_consistency_level_on_directory_objects(sdk: GraphSdk, emulator: Emulator) -> None:
    # without the header Graph silently ignores $count=true (aad-advanced-queries, error handling)
    plain = sdk.call("GET", "users?$count=true&$top=5")
    assert plain.status == 200 and "@odata.count" not in plain.json
    counted = sdk.call("GET", "users?$count=true&$top=5", headers=EVENTUAL)
    assert counted.json["@odata.count"] == user_count(emulator)
    second = sdk.call("GET", counted.json["@odata.nextLink"], headers=EVENTUAL)
    assert "@odata.count" not in second.json  # first page only
    # the $count segment without the header is an error
    segment = sdk.call("GET", "users/$count")
    assert segment.status == 400 and segment.error["message"] == "$count is not currently supported."
    assert sdk.call("GET", "users/$count", headers=EVENTUAL).body == str(user_count(emulator)).encode()
    # $search only with the header
    assert sdk.call("GET", 'users?$search="displayName:a"').error["code"] == "Request_UnsupportedQuery"


def test_count_on_conditional_access_needs_no_header(sdk: GraphSdk, emulator: Emulator) -> None:
    resp = sdk.call("GET", "identity/conditionalAccess/policies?$count=true")
    assert resp.json["@odata.count"] == len(emulator.backend.collections["conditionalAccessPolicies"])


def test_get_by_id_upn_and_alternate_key(sdk: GraphSdk) -> None:
    uid = F.user_ids[F.cloud_user_upn]
    by_id = sdk.call("GET", f"users/{uid}")
    by_upn = sdk.call("GET", f"users/{F.cloud_user_upn}")
    assert by_id.json == by_upn.json
    assert by_id.json["@odata.context"] == "http://testserver/v1.0/$metadata#users/$entity"
    app = F.applications[0]
    alt = sdk.call("GET", f"applications(appId='{F.app_ids[app]}')")
    assert alt.status == 200 and alt.json["id"] == F.application_object_ids[app]
    sp = sdk.call("GET", f"servicePrincipals(appId='{F.app_ids[app]}')?$select=id,appId")
    assert sp.json["id"] == F.service_principal_ids[app]
    missing = sdk.call("GET", "applications(appId='00000000-1111-2222-3333-444444444444')")
    assert missing.status == 404


def test_unknown_id_404_envelope_and_request_ids(dual_sdk: GraphSdk) -> None:
    sdk = dual_sdk
    resp = sdk.call("GET", "groups/6b1b0c1e-0000-4000-8000-000000000000",
                    headers={"client-request-id": "11111111-2222-3333-4444-555555555555"})
    assert resp.status == 404
    error = resp.error
    assert error["code"] == "Request_ResourceNotFound"
    assert error["message"] == ("Resource '6b1b0c1e-0000-4000-8000-000000000000' does not exist or one of its "
                                "queried reference-property objects are not present.")
    inner = error["innerError"]
    assert inner["request-id"] == resp.headers["request-id"]
    assert inner["client-request-id"] == resp.headers["client-request-id"] == "11111111-2222-3333-4444-555555555555"
    assert inner["date"]
    with pytest.raises(ODataError) as err:
        sdk.raw("GET", "groups/6b1b0c1e-0000-4000-8000-000000000000")
    assert err.value.error.code == "Request_ResourceNotFound"


def test_unsupported_method_is_405_and_unknown_segment_404(sdk: GraphSdk) -> None:
    resp = sdk.call("PUT", "users")
    assert resp.status == 405
    assert resp.error["message"] == "Specified HTTP method is not allowed for the request target."
    assert sdk.call("GET", "nothingHere").status == 404


def test_double_slashes_and_beta_are_accepted(sdk: GraphSdk) -> None:
    a = sdk.call("GET", "http://testserver/v1.0//users?$top=2&$select=id")
    b = sdk.call("GET", "users?$top=2&$select=id", version="beta")
    assert a.status == b.status == 200
    assert [u["id"] for u in a.json["value"]] == [u["id"] for u in b.json["value"]]
    assert b.json["@odata.context"].startswith("http://testserver/beta/")


def test_every_response_carries_resource_units(sdk: GraphSdk) -> None:
    assert sdk.call("GET", "users?$top=999").headers["x-ms-resource-unit"] == "2"
    assert sdk.call("GET", "users?$select=id").headers["x-ms-resource-unit"] == "1"
    assert sdk.call("GET", "users/nope").headers["x-ms-resource-unit"] == "1"


def test_singletons_and_the_one_item_organization_collection(sdk: GraphSdk, emulator: Emulator) -> None:
    org = sdk.call("GET", "organization").json
    assert len(org["value"]) == 1 and org["value"][0]["id"] == emulator.backend.tenant_id
    assert sdk.call("GET", f"organization/{emulator.backend.tenant_id}").json["id"] == emulator.backend.tenant_id
    authz = sdk.call("GET", "policies/authorizationPolicy").json
    assert authz["id"] == "authorizationPolicy" and "value" not in authz
    assert sdk.call("GET", "policies/authorizationPolicy/authorizationPolicy", version="beta").status == 200
    methods = sdk.call("GET", "policies/authenticationMethodsPolicy").json
    configs = methods["authenticationMethodConfigurations"]
    assert {c["id"] for c in configs} >= {"Fido2", "MicrosoftAuthenticator"}
    assert all(c["@odata.type"].startswith("#microsoft.graph.") for c in configs)


def test_conditional_access_get_expands_the_authentication_strength(sdk: GraphSdk) -> None:
    policy_id = F.ca_policy_ids[F.strength_policy[0]]
    policy = sdk.call("GET", f"identity/conditionalAccess/policies/{policy_id}").json
    grant = policy["grantControls"]
    strength = grant["authenticationStrength"]
    assert set(strength) >= {"id", "displayName", "policyType", "allowedCombinations"}
    assert grant["authenticationStrength@odata.context"] == (
        f"http://testserver/v1.0/$metadata#identity/conditionalAccess/policies('{policy_id}')"
        "/grantControls/authenticationStrength/$entity")


def test_expand_of_the_object_relationships_graph_documents(dual_sdk: GraphSdk) -> None:
    # application.federatedIdentityCredentials / .extensionProperties and servicePrincipal.appRoleAssignedTo
    # "Supports $expand" (application and servicePrincipal resource pages); the exporter reads them that way
    sdk = dual_sdk
    sps = sdk.items("servicePrincipals?$select=id&$expand=appRoleAssignedTo")
    assert len(sps) == len(sdk.items("servicePrincipals?$select=id"))
    for sp in sps:
        listed = sdk.items(f"servicePrincipals/{sp['id']}/appRoleAssignedTo")
        assert sorted(a["id"] for a in sp["appRoleAssignedTo"]) == sorted(a["id"] for a in listed)
    assert any(sp["appRoleAssignedTo"] for sp in sps)
    apps = {a["id"]: a for a in sdk.items("applications?$select=id&$expand=federatedIdentityCredentials")}
    for app_id, app in apps.items():
        assert app["federatedIdentityCredentials"] == sdk.items(f"applications/{app_id}/federatedIdentityCredentials")
    assert any(a["federatedIdentityCredentials"] for a in apps.values())
    owner = F.application_object_ids[F.extension_application]
    (definition,) = sdk.items(f"applications/{owner}/extensionProperties")
    assert definition["name"] == F.extension_attribute and definition["targetObjects"] == ["User"]
    ext = sdk.items("applications?$select=id&$expand=extensionProperties($select=name,targetObjects)")
    by_app = {a["id"]: a["extensionProperties"] for a in ext}
    assert by_app.pop(owner) == [{"id": definition["id"], "name": F.extension_attribute, "targetObjects": ["User"]}]
    assert not any(by_app.values())
    refused = sdk.call("GET", "servicePrincipals?$select=id&$expand=oauth2PermissionGrants")
    assert refused.status == 400 and refused.error["code"] == "Request_BadRequest"
