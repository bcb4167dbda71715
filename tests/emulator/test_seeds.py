"""Seeds: consistency, determinism, the demo tenant's promised features, scale sizes, seed files."""

from __future__ import annotations

import base64
import copy
import json
import struct
import uuid
from collections import Counter
from typing import Any

import pytest
import yaml

from entragit.emulator import seeds
from entragit.emulator.errors import SeedError
from entragit.emulator.seed_data.microsoft import GRAPH_APP_ID, MICROSOFT_TENANT_ID
from entragit.emulator.seed_data.objects import security_identifier
from entragit.emulator.seeds import DEMO_FACTS, check_seed, demo_seed, empty_seed, get_seed, scale_seed

SMALL_SCALE = {"users": 600, "groups": 40, "members_per_group": 12, "applications": 6, "random_seed": 3,
               "big_group_members": 250, "sp_members_in_big_group": 4}


@pytest.fixture(scope="module")
def demo() -> dict[str, Any]:
    return demo_seed()


def by_name(objs: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {o["displayName"]: o for o in objs}


def every_value(node: Any, key: str) -> list[Any]:
    """Every value stored under `key` anywhere in a nested structure."""
    found: list[Any] = []
    if isinstance(node, dict):
        for k, v in node.items():
            if k == key:
                found.append(v)
            found += every_value(v, key)
    elif isinstance(node, list):
        for item in node:
            found += every_value(item, key)
    return found


# ---------------------------------------------------------------- consistency and determinism

@pytest.mark.parametrize("make", [empty_seed, demo_seed, lambda: scale_seed(**SMALL_SCALE)],
                         ids=["empty", "demo", "scale"])
def test_seed_is_consistent_and_json_serializable(make: Any) -> None:
    seed = make()
    assert check_seed(seed) == []
    assert set(seed) == set(seeds.SEED_KEYS)
    assert json.loads(json.dumps(seed)) == seed
    assert seed["organization"]["id"] == seed["tenantId"]
    assert seed["organization"]["directorySizeQuota"]["used"] == sum(
        len(seed[k]) for k in ("users", "groups", "applications", "servicePrincipals"))


@pytest.mark.parametrize("make", [empty_seed, demo_seed, lambda: scale_seed(**SMALL_SCALE)],
                         ids=["empty", "demo", "scale"])
def test_seed_is_deterministic_and_fresh(make: Any) -> None:
    first, second = make(), make()
    assert first == second
    first["organization"]["displayName"] = "changed"
    first["servicePrincipals"][0]["appRoles"].clear()
    assert make() == second  # no shared mutable state between calls


def test_scale_random_seed_changes_the_tenant_but_not_its_shape() -> None:
    a = scale_seed(**SMALL_SCALE)
    b = scale_seed(**{**SMALL_SCALE, "random_seed": 4})
    assert {u["id"] for u in a["users"]}.isdisjoint(u["id"] for u in b["users"])
    assert [len(g["members"]) for g in a["groups"]] == [len(g["members"]) for g in b["groups"]]


def test_ids_are_guids_and_security_identifiers_derive_from_them() -> None:
    seed = scale_seed(**SMALL_SCALE)
    for obj in [*seed["users"][:50], *seed["groups"], *seed["applications"], *seed["servicePrincipals"]]:
        assert str(uuid.UUID(obj["id"])) == obj["id"]
    user = demo_seed()["users"][5]
    a, b, c, d = struct.unpack("<4I", uuid.UUID(user["id"]).bytes_le)
    assert user["securityIdentifier"] == f"S-1-12-1-{a}-{b}-{c}-{d}" == security_identifier(user["id"])


def _b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def test_assignment_and_grant_ids_are_shaped_like_graphs(demo: dict[str, Any]) -> None:
    for assignment in demo["appRoleAssignments"]:
        raw = _b64url_decode(assignment["id"])
        assert len(raw) == 32 and raw[:16] == uuid.UUID(assignment["principalId"]).bytes_le
    for grant in demo["oauth2PermissionGrants"]:
        raw = _b64url_decode(grant["id"])
        assert raw[:16] == uuid.UUID(grant["clientId"]).bytes_le
        assert raw[16:32] == uuid.UUID(grant["resourceId"]).bytes_le
        assert len(raw) == (48 if grant["principalId"] else 32)


# ---------------------------------------------------------------- what every tenant has

def test_empty_seed_has_what_every_tenant_has() -> None:
    seed = empty_seed()
    assert not any(seed[k] for k in ("users", "groups", "applications", "namedLocations",
                                     "conditionalAccessPolicies", "appRoleAssignments", "oauth2PermissionGrants"))
    strengths = {s["id"]: s for s in seed["authenticationStrengthPolicies"]}
    assert {i: s["displayName"] for i, s in strengths.items()} == {
        "00000000-0000-0000-0000-000000000002": "Multifactor authentication",
        "00000000-0000-0000-0000-000000000003": "Passwordless MFA",
        "00000000-0000-0000-0000-000000000004": "Phishing resistant MFA",
    }
    assert all(s["policyType"] == "builtIn" and s["requirementsSatisfied"] == "mfa" for s in strengths.values())
    assert strengths["00000000-0000-0000-0000-000000000004"]["allowedCombinations"] == [
        "windowsHelloForBusiness", "fido2", "x509CertificateMultiFactor"]
    assert "password,sms" in strengths["00000000-0000-0000-0000-000000000002"]["allowedCombinations"]

    policy = seed["authenticationMethodsPolicy"]
    assert policy["id"] == "authenticationMethodsPolicy"
    configs = {c["id"]: c for c in policy["authenticationMethodConfigurations"]}
    assert set(configs) == {"Fido2", "MicrosoftAuthenticator", "Sms", "TemporaryAccessPass", "SoftwareOath",
                            "Voice", "Email", "X509Certificate"}  # v1.0 has no hardwareOath configuration type
    for method_id, config in configs.items():
        expected = method_id[0].lower() + method_id[1:]
        assert config["@odata.type"] == f"#microsoft.graph.{expected}AuthenticationMethodConfiguration"
        assert config["state"] in ("enabled", "disabled")
    assert seed["authorizationPolicy"]["id"] == "authorizationPolicy"
    assert seed["organization"]["verifiedDomains"][0]["isInitial"] is True


def test_first_party_service_principals_and_managed_identity() -> None:
    sps = {sp["appId"]: sp for sp in empty_seed()["servicePrincipals"]}
    graph = sps[GRAPH_APP_ID]
    assert graph["displayName"] == "Microsoft Graph"
    assert graph["appOwnerOrganizationId"] == MICROSOFT_TENANT_ID
    roles = {r["value"]: r for r in graph["appRoles"]}
    assert roles["User.Read.All"]["id"] == "df021288-bdef-4463-88db-98f22de89214"
    assert roles["Group.Read.All"]["id"] == "5b567255-7703-4780-807c-7be8301ae99b"
    assert roles["Directory.Read.All"]["id"] == "7ab1d382-f21e-4acd-a863-ba3e13f7da61"
    assert roles["Application.Read.All"]["id"] == "9a5d68dd-52b0-4cc2-bd40-abcf44ac3a30"
    assert roles["Policy.Read.All"]["id"] == "246dd0d5-5bd0-4def-940b-0421030a5b68"
    assert all(r["allowedMemberTypes"] == ["Application"] and r["origin"] == "Application" for r in roles.values())
    scopes = {s["value"]: s for s in graph["oauth2PermissionScopes"]}
    assert scopes["User.Read"]["id"] == "e1fe6dd8-ba31-4d61-89e7-88639da4683d"
    assert len({r["id"] for r in graph["appRoles"]}) == len(graph["appRoles"])
    assert sps["00000002-0000-0ff1-ce00-000000000000"]["displayName"] == "Office 365 Exchange Online"
    managed = [sp for sp in sps.values() if sp["servicePrincipalType"] == "ManagedIdentity"]
    assert len(managed) == 1 and managed[0]["appOwnerOrganizationId"] is None


# ---------------------------------------------------------------- the demo tenant

def plain(objects: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Without the Entra Agent ID objects of the demo (seeds/demo_directory.py: derived types of the set)."""
    return [o for o in objects if "@odata.type" not in o]


def test_demo_counts(demo: dict[str, Any]) -> None:
    assert 45 <= len(demo["users"]) <= 55 and len(demo["users"]) == DEMO_FACTS.user_count
    assert 13 <= len(demo["groups"]) <= 18 and len(demo["groups"]) == DEMO_FACTS.group_count
    assert len(demo["conditionalAccessPolicies"]) >= 6
    assert len(plain(demo["applications"])) == 5
    own_sps = {sp["appId"] for sp in plain(demo["servicePrincipals"])
               if sp["appOwnerOrganizationId"] == demo["tenantId"]}
    assert own_sps == {a["appId"] for a in plain(demo["applications"])}
    assert (len(demo["devices"]), len(demo["contacts"]), len(demo["administrativeUnits"])) == (1, 1, 1)
    managers = [u for u in demo["users"] if u["manager"]]
    assert len(managers) >= 0.8 * len(demo["users"])


def test_demo_facts_name_real_objects(demo: dict[str, Any]) -> None:
    users = {u["userPrincipalName"]: u for u in demo["users"]}
    assert {upn: u["id"] for upn, u in users.items()} == dict(DEMO_FACTS.user_ids)
    assert {g["displayName"]: g["id"] for g in demo["groups"]} == dict(DEMO_FACTS.group_ids)
    apps = by_name(plain(demo["applications"]))
    assert {n: a["appId"] for n, a in apps.items()} == dict(DEMO_FACTS.app_ids)
    assert {n: a["id"] for n, a in apps.items()} == dict(DEMO_FACTS.application_object_ids)
    sps = by_name(demo["servicePrincipals"])
    assert all(sps[n]["id"] == i for n, i in DEMO_FACTS.service_principal_ids.items())
    assert {p["displayName"]: p["id"] for p in demo["conditionalAccessPolicies"]} == dict(DEMO_FACTS.ca_policy_ids)
    assert {n["displayName"]: n["id"] for n in demo["namedLocations"]} == dict(DEMO_FACTS.named_location_ids)
    strengths = by_name(demo["authenticationStrengthPolicies"])
    assert all(strengths[n]["id"] == i for n, i in DEMO_FACTS.strength_ids.items())
    groups = by_name(demo["groups"])
    named = [*DEMO_FACTS.m365_groups, *DEMO_FACTS.security_groups, DEMO_FACTS.dynamic_group,
             DEMO_FACTS.synced_group, DEMO_FACTS.role_assignable_group, DEMO_FACTS.mail_enabled_security_group,
             DEMO_FACTS.distribution_group]
    assert sorted(named) == sorted(groups)
    assert DEMO_FACTS.graph_sp_id == sps["Microsoft Graph"]["id"]
    assert DEMO_FACTS.tenant_id == demo["tenantId"]


def test_break_glass_is_excluded_from_every_ca_policy(demo: dict[str, Any]) -> None:
    users = {u["userPrincipalName"]: u for u in demo["users"]}
    bg = users[DEMO_FACTS.break_glass_upn]
    assert bg["displayName"] == "Break Glass Admin" and bg["id"] == DEMO_FACTS.break_glass_id
    assert bg["userPrincipalName"] == "breakglass@contoso.onmicrosoft.com"
    for policy in demo["conditionalAccessPolicies"]:
        assert bg["id"] in policy["conditions"]["users"]["excludeUsers"], policy["displayName"]


def test_ca_policies_cover_the_promised_shapes(demo: dict[str, Any]) -> None:
    policies = by_name(demo["conditionalAccessPolicies"])
    locations = {n["id"]: n for n in demo["namedLocations"]}
    gsa = policies["Allow GSA Traffic only"]
    assert gsa["state"] == "enabled" and DEMO_FACTS.gsa_policy == "Allow GSA Traffic only"
    assert Counter(p["state"] for p in policies.values()).keys() == {
        "enabled", "disabled", "enabledForReportingButNotEnforced"}
    assert policies[DEMO_FACTS.report_only_policy]["state"] == "enabledForReportingButNotEnforced"
    assert policies[DEMO_FACTS.disabled_policy]["state"] == "disabled"
    assert any(p["conditions"]["users"]["includeGroups"] for p in policies.values())
    # an IP named location excluded together with AllTrusted
    assert any("AllTrusted" in (p["conditions"]["locations"] or {}).get("excludeLocations", [])
               and any(locations.get(i, {}).get("@odata.type") == "#microsoft.graph.ipNamedLocation"
                       for i in p["conditions"]["locations"]["excludeLocations"])
               for p in policies.values())
    # blocking by a country named location
    assert any("block" in p["grantControls"]["builtInControls"]
               and any(locations.get(i, {}).get("@odata.type") == "#microsoft.graph.countryNamedLocation"
                       for i in (p["conditions"]["locations"] or {}).get("includeLocations", []))
               for p in policies.values())
    # the detachable location is referenced by exactly one policy, the GSA one
    detachable = DEMO_FACTS.named_location_ids[DEMO_FACTS.detachable_ip_location]
    users_of = [p["displayName"] for p in policies.values() if detachable in json.dumps(p["conditions"])]
    assert users_of == [DEMO_FACTS.gsa_policy]
    assert locations[detachable]["isTrusted"] is False


def test_custom_strengths_are_referenced_by_ca(demo: dict[str, Any]) -> None:
    custom = {s["id"]: s for s in demo["authenticationStrengthPolicies"] if s["policyType"] == "custom"}
    assert sorted(s["displayName"] for s in custom.values()) == sorted(DEMO_FACTS.custom_strengths)
    referenced = {p["grantControls"]["authenticationStrength"]["id"]: p["displayName"]
                  for p in demo["conditionalAccessPolicies"] if p["grantControls"]["authenticationStrength"]}
    assert set(custom) <= set(referenced)
    assert sorted(referenced[i] for i in custom) == sorted(DEMO_FACTS.strength_policy)
    for policy in demo["conditionalAccessPolicies"]:
        strength = policy["grantControls"]["authenticationStrength"]
        if strength:  # expanded as Graph's GET returns it, consistent with the strength object
            source = custom[strength["id"]]
            assert strength["allowedCombinations"] == source["allowedCombinations"]
            assert strength["displayName"] == source["displayName"]


def test_named_locations_are_shaped_like_graph(demo: dict[str, Any]) -> None:
    locations = by_name(demo["namedLocations"])
    hq = locations[DEMO_FACTS.trusted_ip_location]
    assert hq["@odata.type"] == "#microsoft.graph.ipNamedLocation" and hq["isTrusted"] is True
    assert {r["@odata.type"] for r in hq["ipRanges"]} == {"#microsoft.graph.iPv4CidrRange",
                                                         "#microsoft.graph.iPv6CidrRange"}
    country = locations[DEMO_FACTS.country_location]
    assert country["@odata.type"] == "#microsoft.graph.countryNamedLocation"
    assert country["countriesAndRegions"] and country["countryLookupMethod"] == "clientIpAddress"


def test_synced_users_carry_on_premises_attributes(demo: dict[str, Any]) -> None:
    synced = [u for u in demo["users"] if u["onPremisesSyncEnabled"]]
    assert sorted(u["userPrincipalName"] for u in synced) == sorted(DEMO_FACTS.synced_user_upns)
    assert len(synced) == 6
    for user in synced:
        for prop in ("onPremisesImmutableId", "onPremisesSamAccountName", "onPremisesDomainName",
                     "onPremisesLastSyncDateTime", "onPremisesSecurityIdentifier", "onPremisesDistinguishedName",
                     "onPremisesUserPrincipalName"):
            assert user[prop], (user["userPrincipalName"], prop)
        assert len(base64.b64decode(user["onPremisesImmutableId"])) == 16
        assert user["onPremisesSecurityIdentifier"].startswith("S-1-5-21-")
        assert any(user["onPremisesExtensionAttributes"].values())
    cloud = [u for u in demo["users"] if not u["onPremisesSyncEnabled"]]
    assert all(u["onPremisesImmutableId"] is None for u in cloud)
    groups = by_name(demo["groups"])
    synced_ids = {u["id"] for u in synced}
    cloud_group = groups[DEMO_FACTS.synced_user_cloud_group]
    assert cloud_group["onPremisesSyncEnabled"] is None and synced_ids & set(cloud_group["members"])


def test_group_kinds(demo: dict[str, Any]) -> None:
    groups = by_name(demo["groups"])
    users = {u["id"]: u for u in demo["users"]}
    for name in DEMO_FACTS.m365_groups:
        g = groups[name]
        assert g["groupTypes"] == ["Unified"] and g["mailEnabled"] and g["mail"]
        assert all(m in users for m in g["members"])
    for name in DEMO_FACTS.security_groups:
        g = groups[name]
        assert g["groupTypes"] == [] and g["securityEnabled"] and not g["mailEnabled"]
    dynamic = groups[DEMO_FACTS.dynamic_group]
    assert dynamic["groupTypes"] == ["DynamicMembership"] and dynamic["membershipRuleProcessingState"] == "On"
    assert dynamic["membershipRule"] == DEMO_FACTS.dynamic_group_rule == '(user.department -eq "Sales")'
    assert sorted(dynamic["members"]) == sorted(u["id"] for u in users.values() if u["department"] == "Sales")
    synced = groups[DEMO_FACTS.synced_group]
    assert synced["onPremisesSyncEnabled"] is True and synced["onPremisesSecurityIdentifier"]
    assert all(users[m]["onPremisesSyncEnabled"] for m in synced["members"])
    assert groups[DEMO_FACTS.role_assignable_group]["isAssignableToRole"] is True
    mail_security = groups[DEMO_FACTS.mail_enabled_security_group]
    assert mail_security["mailEnabled"] and mail_security["securityEnabled"] and mail_security["groupTypes"] == []
    distribution = groups[DEMO_FACTS.distribution_group]
    assert distribution["mailEnabled"] and not distribution["securityEnabled"] and distribution["groupTypes"] == []
    parent, child = DEMO_FACTS.nested_group
    assert groups[child]["id"] in groups[parent]["members"]
    assert all(g["members"] for g in groups.values())


def test_a_security_group_has_service_principal_members(demo: dict[str, Any]) -> None:
    sps = {sp["id"]: sp for sp in demo["servicePrincipals"]}
    group = by_name(demo["groups"])[DEMO_FACTS.sp_member_group]
    sp_members = {sps[m]["displayName"] for m in group["members"] if m in sps}
    assert set(DEMO_FACTS.sp_member_apps) | {DEMO_FACTS.managed_identity} <= sp_members
    assert group["securityEnabled"] and group["groupTypes"] == []


def test_applications_look_real(demo: dict[str, Any]) -> None:
    apps = by_name(plain(demo["applications"]))
    api = apps[DEMO_FACTS.api_application]
    assert api["identifierUris"] == [f"api://{api['appId']}"] and api["api"]["oauth2PermissionScopes"]
    fic = apps[DEMO_FACTS.fic_application]["federatedIdentityCredentials"][0]
    assert fic["issuer"] == "https://token.actions.githubusercontent.com"
    assert fic["subject"].startswith("repo:") and fic["audiences"] == ["api://AzureADTokenExchange"]
    secrets = [c for a in apps.values() for c in a["passwordCredentials"]]
    assert secrets and all(c["secretText"] is None and c["hint"] and c["keyId"] and c["endDateTime"]
                           for c in secrets)
    assert every_value(demo, "secretText") == [None] * len(secrets)
    assert all(a["owners"] for a in apps.values())
    assert any(a["web"]["redirectUris"] for a in apps.values())
    graph_roles = [r for a in apps.values() for rra in a["requiredResourceAccess"]
                   if rra["resourceAppId"] == GRAPH_APP_ID for r in rra["resourceAccess"] if r["type"] == "Role"]
    assert graph_roles


def test_assignments_and_grants_cover_every_kind(demo: dict[str, Any]) -> None:
    assignments = demo["appRoleAssignments"]
    assert {a["principalType"] for a in assignments} == {"User", "Group", "ServicePrincipal"}
    on_graph = [a for a in assignments if a["resourceId"] == DEMO_FACTS.graph_sp_id]
    assert on_graph and {a["principalType"] for a in on_graph} == {"ServicePrincipal"}
    grants = demo["oauth2PermissionGrants"]
    assert {g["consentType"] for g in grants} == {"AllPrincipals", "Principal"}
    assert any(g["resourceId"] == DEMO_FACTS.graph_sp_id for g in grants)


def test_directory_extension_is_declared_and_used(demo: dict[str, Any]) -> None:
    name = DEMO_FACTS.extension_attribute
    app = by_name(demo["applications"])[DEMO_FACTS.extension_application]
    assert name == f"extension_{app['appId'].replace('-', '')}_costCenter"
    assert [e["name"] for e in demo["directoryExtensions"]] == [name]
    assert sum(1 for u in demo["users"] if name in u) >= 5


# ---------------------------------------------------------------- the checker catches breakage

def _mutate(seed: dict[str, Any], what: str) -> None:
    groups, users = by_name(seed["groups"]), {u["userPrincipalName"]: u for u in seed["users"]}
    gone = "11111111-2222-4333-8444-555555555555"
    if what == "dangling member":
        groups["Finance"]["members"].append(gone)
    elif what == "dangling manager":
        users[DEMO_FACTS.cloud_user_upn]["manager"] = gone
    elif what == "dangling CA group":
        seed["conditionalAccessPolicies"][0]["conditions"]["users"]["includeGroups"].append(gone)
    elif what == "dangling CA location":
        seed["conditionalAccessPolicies"][0]["conditions"]["locations"]["excludeLocations"].append(gone)
    elif what == "dangling strength":
        seed["conditionalAccessPolicies"][3]["grantControls"]["authenticationStrength"]["id"] = gone
    elif what == "dangling CA application":
        seed["conditionalAccessPolicies"][4]["conditions"]["applications"]["includeApplications"] = [gone]
    elif what == "duplicate id":
        seed["users"].append(copy.deepcopy(seed["users"][3]))
    elif what == "group id reused by a user":
        seed["users"][3]["id"] = seed["groups"][0]["id"]
    elif what == "duplicate appId":
        seed["applications"][1]["appId"] = seed["applications"][0]["appId"]
    elif what == "orphan service principal":
        seed["applications"].pop()
    elif what == "sp member of m365 group":
        groups["Sales Team"]["members"].append(DEMO_FACTS.graph_sp_id)
    elif what == "unknown app role":
        seed["appRoleAssignments"][0]["appRoleId"] = gone
    elif what == "wrong principalType":
        seed["appRoleAssignments"][0]["principalType"] = "User"
    elif what == "unknown scope":
        seed["oauth2PermissionGrants"][0]["scope"] += " Nope.ReadWrite"
    elif what == "principal grant without user":
        seed["oauth2PermissionGrants"][2]["principalId"] = None
    elif what == "unknown resource access":
        seed["applications"][0]["requiredResourceAccess"][0]["resourceAccess"][0]["id"] = gone
    elif what == "dangling method target":
        seed["authenticationMethodsPolicy"]["authenticationMethodConfigurations"][0]["excludeTargets"] = [
            {"targetType": "group", "id": gone}]
    elif what == "missing builtin strength":
        seed["authenticationStrengthPolicies"].pop(0)
    elif what == "undeclared extension":
        seed["directoryExtensions"].clear()
    elif what == "tenant mismatch":
        seed["tenantId"] = gone
    elif what == "missing key":
        del seed["users"]


MUTATIONS = ["dangling member", "dangling manager", "dangling CA group", "dangling CA location",
             "dangling strength", "dangling CA application", "duplicate id", "group id reused by a user",
             "duplicate appId", "orphan service principal", "sp member of m365 group", "unknown app role",
             "wrong principalType", "unknown scope", "principal grant without user", "unknown resource access",
             "dangling method target", "missing builtin strength", "undeclared extension", "tenant mismatch",
             "missing key"]


@pytest.mark.parametrize("what", MUTATIONS)
def test_check_seed_reports_each_kind_of_breakage(demo: dict[str, Any], what: str) -> None:
    seed = copy.deepcopy(demo)
    _mutate(seed, what)
    problems = check_seed(seed)
    assert problems, what


def test_check_seed_accepts_special_values(demo: dict[str, Any]) -> None:
    seed = copy.deepcopy(demo)
    policy = seed["conditionalAccessPolicies"][1]["conditions"]
    policy["users"]["includeUsers"] = ["All", "GuestsOrExternalUsers", "None"]
    policy["applications"]["includeApplications"] = ["Office365", "MicrosoftAdminPortals", "All"]
    policy["locations"]["excludeLocations"] = ["AllTrusted", "00000000-0000-0000-0000-000000000000"]
    policy["clientApplications"] = {"includeServicePrincipals": ["ServicePrincipalsInMyTenant"],
                                    "excludeServicePrincipals": []}
    assert check_seed(seed) == []


def test_check_seed_message_names_the_object(demo: dict[str, Any]) -> None:
    seed = copy.deepcopy(demo)
    _mutate(seed, "dangling member")
    (problem,) = check_seed(seed)
    assert "Finance" in problem and "11111111-2222-4333-8444-555555555555" in problem


# ---------------------------------------------------------------- scale

def test_scale_sizes_and_big_group() -> None:
    seed = scale_seed(**SMALL_SCALE)
    assert len(seed["users"]) == 600 and len(seed["groups"]) == 40 and len(seed["applications"]) == 6
    own = [sp for sp in seed["servicePrincipals"] if sp["appOwnerOrganizationId"] == seed["tenantId"]]
    assert len(own) == 6
    big, *rest = seed["groups"]
    sps = {sp["id"] for sp in own}
    assert len(big["members"]) == 250 + 4 and len(set(big["members"])) == 254
    assert len(sps & set(big["members"])) == 4 and big["securityEnabled"] and big["groupTypes"] == []
    assert all(len(g["members"]) == 12 and len(g["owners"]) == 1 for g in rest)
    assert all(u["manager"] for u in seed["users"][1:]) and seed["users"][0]["manager"] is None
    assert len(seed["appRoleAssignments"]) == 6 and len(seed["oauth2PermissionGrants"]) == 6
    assert {g["groupTypes"] == ["Unified"] for g in rest} == {True, False}
    assert len({u["userPrincipalName"] for u in seed["users"]}) == 600


def test_scale_defaults_and_completeness_configuration() -> None:
    # issue 3: a 20k-user, 2k-group tenant with a 5,000-member group that includes service principals
    seed = scale_seed(users=20_000, groups=2_000, applications=20, big_group_members=5_000,
                      sp_members_in_big_group=10)
    assert len(seed["users"]) == 20_000 and len(seed["groups"]) == 2_000
    big = seed["groups"][0]
    sps = {sp["id"] for sp in seed["servicePrincipals"]}
    assert len(big["members"]) == 5_010 and len(sps & set(big["members"])) == 10
    assert check_seed(seed) == []
    assert len(scale_seed(users=500)["groups"]) == 10  # one group per 50 users by default


@pytest.mark.slow
def test_scale_generator_reaches_100k_users() -> None:
    # the benchmark tenant (bench/emulator.py times it); ~4 s, the one size the issue names
    seed = scale_seed(users=100_000)
    users = seed["users"]
    assert len(users) == 100_000 and len(seed["groups"]) == 2_000
    assert len({u["id"] for u in users}) == len({u["userPrincipalName"].lower() for u in users}) == 100_000
    assert check_seed(seed) == []
    assert seed["tenantId"] == scale_seed(users=10)["tenantId"]  # deterministic: the same tenant at every size


@pytest.mark.parametrize("kwargs", [{"users": 0}, {"users": 10, "big_group_members": 11},
                                    {"users": 10, "applications": 2, "sp_members_in_big_group": 3},
                                    {"users": 10, "groups": 0, "big_group_members": 5}])
def test_scale_rejects_impossible_sizes(kwargs: dict[str, int]) -> None:
    with pytest.raises(ValueError, match="scale_seed"):
        scale_seed(**kwargs)


# ---------------------------------------------------------------- seed files and names

def test_seed_file_round_trip_json_and_yaml(tmp_path: Any, demo: dict[str, Any]) -> None:
    as_json = tmp_path / "demo.json"
    as_json.write_text(json.dumps(demo))
    assert seeds.load_seed_file(as_json) == demo
    as_yaml = tmp_path / "demo.yaml"
    as_yaml.write_text(yaml.safe_dump(demo))
    assert seeds.load_seed_file(as_yaml) == demo
    assert get_seed(str(as_yaml)) == demo


def test_partial_seed_file_is_completed_from_empty(tmp_path: Any) -> None:
    demo = demo_seed()
    users = {u["userPrincipalName"]: u for u in demo["users"]}
    alice = {k: v for k, v in users[DEMO_FACTS.cloud_user_upn].items() if not k.startswith("extension_")}
    alice["manager"] = None
    group = dict(by_name(demo["groups"])["Finance"], members=[alice["id"]], owners=[])
    path = tmp_path / "small.yml"
    path.write_text(yaml.safe_dump({"users": [alice], "groups": [group]}))
    seed = seeds.load_seed_file(path)
    assert [u["id"] for u in seed["users"]] == [alice["id"]]
    assert seed["authenticationStrengthPolicies"] == empty_seed()["authenticationStrengthPolicies"]
    assert seed["tenantId"] == empty_seed()["tenantId"]


@pytest.mark.parametrize(("name", "content", "message"), [
    ("bad.json", "{not json", "not valid JSON"),
    ("bad.yaml", "users: [\n", "not valid YAML"),
    ("list.json", "[1, 2]", "must be a mapping"),
    ("unknown.json", '{"printers": []}', "unknown seed key"),
    ("shape.json", '{"users": [1]}', "list of objects"),
    ("dangling.json", json.dumps({"groups": [{"id": "a", "displayName": "G", "members": ["nobody"]}]}),
     "inconsistent seed"),
    ("seed.txt", "{}", "unknown seed file type"),
])
def test_bad_seed_files_name_the_file(tmp_path: Any, name: str, content: str, message: str) -> None:
    path = tmp_path / name
    path.write_text(content)
    with pytest.raises(SeedError, match=message) as info:
        seeds.load_seed_file(path)
    assert str(path) in str(info.value)
    assert info.value.file == str(path)


def test_missing_seed_file_is_a_usage_error(tmp_path: Any) -> None:
    with pytest.raises(SeedError, match="cannot read seed file"):
        seeds.load_seed_file(tmp_path / "absent.json")


def test_get_seed_by_name() -> None:
    assert get_seed("empty") == empty_seed()
    assert get_seed("demo") == demo_seed()
    scaled = get_seed("scale:users=120,groups=6,members_per_group=5,applications=2")
    assert (len(scaled["users"]), len(scaled["groups"]), len(scaled["applications"])) == (120, 6, 2)
    assert get_seed(demo_seed()) == demo_seed()
    with pytest.raises(SeedError, match="unknown seed 'nope'"):
        get_seed("nope")
    with pytest.raises(SeedError, match="unknown scale seed argument"):
        get_seed("scale:people=3")
    with pytest.raises(SeedError, match="needs an integer"):
        get_seed("scale:users=many")
