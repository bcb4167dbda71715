"""The resource declarations: registry, internal consistency, completeness against Graph's v1.0 model
(msgraph-sdk's generated models), hooks, and the generated docs/resources.md."""

from __future__ import annotations

import copy
import importlib
import inspect
import re
from functools import cache
from pathlib import Path

import pytest

from entragit.errors import UsageError
from entragit.resources import LINK_ORDER, REGISTRY, all_types, get
from entragit.resources._common import MICROSOFT_TENANT_IDS, ZERO_ID
from entragit.resources.base import JSON_TYPES, Channel, DeleteKind, LinkKind, ResourceType, path_values
from entragit.resources.docs import render_markdown

ROOT = Path(__file__).resolve().parents[1]

TYPE_KEYS = {
    "applications", "authenticationMethodsPolicy", "authenticationStrengthPolicies", "authorizationPolicy",
    "conditionalAccessPolicies", "groups", "namedLocations", "organization", "servicePrincipals", "users",
}


def _first_segment(path: str) -> str:
    return path.split(".", 1)[0].removesuffix("[]")


# ---------------------------------------------------------------- registry
def test_registry_holds_exactly_the_ten_types() -> None:
    assert set(REGISTRY.types) == TYPE_KEYS
    assert [rt.key for rt in all_types()] == [rt.key for rt in REGISTRY]
    assert get("users") is REGISTRY.types["users"]


def test_unknown_type_is_a_usage_error_naming_the_known_ones() -> None:
    with pytest.raises(UsageError, match="unknown resource type 'user'.*users"):
        get("user")


# ---------------------------------------------------------------- internal consistency
@pytest.mark.parametrize("rt", all_types(), ids=lambda rt: rt.key)
def test_declaration_is_consistent(rt: ResourceType) -> None:
    names = [p.name for p in rt.props]
    assert len(names) == len(set(names)), "a property declared twice"
    declared = set(names)
    assert rt.key_prop in declared and rt.display in declared
    if rt.alt_key:
        assert rt.alt_key in declared and rt.channel(rt.alt_key) in (Channel.READ_ONLY, Channel.CREATE_ONLY)
    assert rt.channel("id") is Channel.READ_ONLY
    paths = (*rt.unordered, *rt.volatile, *rt.secret_paths, *rt.expanded, *rt.keep_odata_type,
             *(r.path for r in rt.refs))
    for path in paths:
        assert _first_segment(path) in declared, f"{rt.key}: {path} starts with no declared property"
    for p in rt.props:
        assert (p.channel is Channel.ACTION) == bool(p.action), p.name
        assert not (p.secret and p.name in rt.select), f"{p.name} is secret and selected"
    for key, _ in rt.create_defaults:
        assert key in declared, f"create default {key} is not declared"
    assert not (rt.volatile & set(rt.unordered))
    if rt.singleton:
        assert rt.delete is DeleteKind.NONE and not rt.delta
    if rt.select_query:
        assert rt.select and "id" in rt.select
    else:
        assert rt.select == ()


@pytest.mark.parametrize("rt", all_types(), ids=lambda rt: rt.key)
def test_every_reference_and_link_points_at_registered_types(rt: ResourceType) -> None:
    refs = list(rt.refs)
    for link in rt.links:
        refs += link.refs
        assert "{id}" in link.read or link.inline
        for template in (link.add, link.remove, link.update):
            if template:
                assert template.split(" ", 1)[0] in {"POST", "PUT", "PATCH", "DELETE"}, template
        if link.kind is LinkKind.OBJECTS:
            assert link.key and set(link.sort_by) and not link.targets
            assert not (set(link.key) & link.volatile)
            assert not link.update or "{ref}" in link.update
        else:
            assert link.targets and set(link.targets) <= TYPE_KEYS
            assert "{ref}" in link.remove or link.kind is LinkKind.ID
    for ref in refs:
        assert ref.targets and set(ref.targets) <= TYPE_KEYS, ref
        assert ref.by in ("id", "appId")
        for target in ref.targets:
            if ref.by == "appId":
                assert get(target).alt_key == "appId", (ref, target)


def test_dependency_order() -> None:
    order = {rt.key: rt.order for rt in all_types()}
    ca = order["conditionalAccessPolicies"]
    assert order["namedLocations"] < ca and order["authenticationStrengthPolicies"] < ca
    assert order["users"] < order["groups"] < order["applications"] < order["servicePrincipals"] < LINK_ORDER
    assert LINK_ORDER < ca < order["authorizationPolicy"]
    tenant = {"authorizationPolicy", "authenticationMethodsPolicy", "organization"}
    assert min(order[k] for k in tenant) > max(v for k, v in order.items() if k not in tenant)
    # every reference points at a type created earlier (or at the same type, e.g. nested groups)
    for rt in all_types():
        for ref in (*rt.refs, *(r for link in rt.links for r in link.refs)):
            for target in ref.targets:
                assert order[target] <= max(rt.order, LINK_ORDER), (rt.key, ref.path, target)


def test_contract_of_issue_3() -> None:
    stored = {rt.key: rt.link_names for rt in all_types()}
    assert stored["users"] == {"manager"}
    assert stored["groups"] == {"members", "owners"}
    assert stored["applications"] == {"owners", "federatedIdentityCredentials"}
    assert stored["servicePrincipals"] == {"owners", "appRoleAssignedTo", "oauth2PermissionGrants"}
    assert stored["authenticationMethodsPolicy"] == {"authenticationMethodConfigurations"}
    for key in ("authorizationPolicy", "conditionalAccessPolicies", "namedLocations", "organization"):
        assert stored[key] == frozenset()
    singletons = {rt.key for rt in all_types() if rt.singleton}
    assert singletons == {"authenticationMethodsPolicy", "authorizationPolicy", "organization"}
    org = get("organization")
    assert org.singleton_in_collection and org.item_path("t1") == "organization/t1"
    assert get("authorizationPolicy").item_path("x") == "policies/authorizationPolicy"
    assert {rt.key for rt in all_types() if rt.alt_key == "appId"} == {"applications", "servicePrincipals"}
    assert {rt.key for rt in all_types() if rt.delta} == {"users", "groups", "applications", "servicePrincipals"}
    assert {rt.key for rt in all_types() if rt.serialized} == {"conditionalAccessPolicies", "namedLocations"}
    strength = get("authenticationStrengthPolicies").prop("allowedCombinations")
    assert strength and strength.channel is Channel.ACTION and strength.action == "updateAllowedCombinations"


@pytest.mark.parametrize("rt", all_types(), ids=lambda rt: rt.key)
def test_every_declaration_holds_what_issue_3_lists(rt: ResourceType) -> None:
    """Endpoints and API version, key, display name, $select, per-property channel and on-premises mastery,
    volatile properties (at least these four where they occur), delta and delete behaviour."""
    assert rt.collection and not rt.collection.startswith("/") and rt.api_version in ("v1.0", "beta")
    assert rt.odata_type.startswith("#microsoft.graph.")
    assert rt.prop(rt.key_prop) is not None and rt.prop(rt.display) is not None
    assert all(isinstance(p.channel, Channel) for p in rt.props)
    for name in ("onPremisesLastSyncDateTime", "modifiedDateTime", "lastModifiedDateTime", "renewedDateTime"):
        if rt.prop(name) is not None:
            assert name in rt.volatile, f"{rt.key}.{name} occurs but is not volatile"
    assert isinstance(rt.delta, bool) and isinstance(rt.delete, DeleteKind)
    if rt.delete in (DeleteKind.SOFT, DeleteKind.SOFT_PORTAL):
        assert rt.delete_path and rt.restore_path and "{id}" in rt.restore_path
    if any(p.on_premises for p in rt.props):  # is_synced reads it
        assert rt.prop("onPremisesSyncEnabled") is not None


def test_members_are_read_from_beta_because_v1_omits_service_principals() -> None:
    members = get("groups").link("members")
    assert members and members.read_version == "beta" and members.read_select == "id"
    assert members.remove.endswith("/$ref"), "removing without /$ref deletes the member object itself"
    assert "servicePrincipals" in members.targets


def test_secrets_are_never_selected_nor_writable() -> None:
    users = get("users")
    profile = users.prop("passwordProfile")
    assert profile and profile.secret and profile.required_on_create and not profile.writable
    assert "passwordProfile" not in users.select
    for key in ("applications", "servicePrincipals"):
        rt = get(key)
        assert "passwordCredentials[].secretText" in rt.secret_paths
        assert rt.channel("passwordCredentials") is Channel.READ_ONLY


def test_sharepoint_backed_user_properties_are_not_selected() -> None:
    # $select of these on /users answers 501 (user-list); each is written in a PATCH of its own
    users = get("users")
    for name in ("aboutMe", "birthday", "interests", "mySite", "pastProjects", "responsibilities", "schools",
                 "skills"):
        assert name not in users.select and users.channel(name) is Channel.PATCH_ALONE


def test_synced_user_attributes_are_marked_on_premises() -> None:
    on_prem = get("users").on_premises_props
    assert {"displayName", "givenName", "surname", "userPrincipalName", "mail", "businessPhones",
            "onPremisesExtensionAttributes", "accountEnabled"} <= on_prem
    assert not on_prem & {"passwordPolicies", "otherMails", "identities"}
    assert get("users").is_synced({"onPremisesSyncEnabled": True})
    assert not get("users").is_synced({"onPremisesSyncEnabled": None})


def test_create_defaults_are_copied() -> None:
    apps = get("applications")
    first = apps.create_defaults_for({"displayName": "a"})
    first["web"]["redirectUris"].append("https://x")
    assert apps.create_defaults_for({"displayName": "b"})["web"]["redirectUris"] == []
    assert first["signInAudience"] == "AzureADMyOrg"


# ---------------------------------------------------------------- hooks
def _group(**kw: object) -> dict[str, object]:
    base: dict[str, object] = {"groupTypes": [], "mailEnabled": False, "securityEnabled": True,
                               "onPremisesSyncEnabled": None}
    return {**base, **kw}


GROUP_CASES = [
    # (group, kind, delete kind, members refused?, member types)
    (_group(groupTypes=["Unified"], mailEnabled=True, securityEnabled=False), "microsoft365",
     DeleteKind.SOFT, None, ("users",)),
    (_group(), "security", DeleteKind.SOFT, None, ("users", "groups", "servicePrincipals")),
    (_group(onPremisesSyncEnabled=True), "security", DeleteKind.HARD, "on-premises",
     ("users", "groups", "servicePrincipals")),
    (_group(mailEnabled=True), "mailEnabledSecurity", DeleteKind.HARD, "Exchange",
     ("users", "groups", "servicePrincipals")),
    (_group(mailEnabled=True, securityEnabled=False), "distribution", DeleteKind.HARD, "Exchange",
     ("users", "groups", "servicePrincipals")),
    (_group(groupTypes=["DynamicMembership", "Unified"], mailEnabled=True), "microsoft365", DeleteKind.SOFT,
     "dynamic", ("users",)),
    # a soft-deleted security group reports securityEnabled false (deleted items known limitation)
    (_group(securityEnabled=False), "security", DeleteKind.SOFT, None, ("users", "groups", "servicePrincipals")),
]


@pytest.mark.parametrize(("group", "kind", "delete", "refused", "member_types"), GROUP_CASES)
def test_group_kind_decides_delete_and_membership(group, kind, delete, refused, member_types) -> None:
    groups = get("groups")
    members, owners = groups.link("members"), groups.link("owners")
    assert members and owners
    assert groups.group_kind(group) == kind  # type: ignore[attr-defined]
    assert groups.delete_kind(group) is delete
    reason = groups.link_refused(group, members)
    assert (reason is None) if refused is None else (refused in reason)
    assert groups.member_types_allowed(group) == member_types  # type: ignore[attr-defined]
    assert groups.link_targets(group, owners) == owners.targets
    if kind in ("mailEnabledSecurity", "distribution"):
        assert groups.never_written(group) and groups.link_refused(group, owners)
    else:
        assert groups.never_written(group) is None


def test_microsoft_365_group_defaults_to_public() -> None:
    groups = get("groups")
    assert groups.create_defaults_for({"groupTypes": ["Unified"]})["visibility"] == "Public"
    assert groups.create_defaults_for({"groupTypes": []})["visibility"] is None


def test_first_party_and_managed_identity_service_principals_are_never_written() -> None:
    sps = get("servicePrincipals")
    graph = {"appId": "00000003-0000-0000-c000-000000000000", "servicePrincipalType": "Application",
             "appOwnerOrganizationId": "f8cdef31-a31e-4b4a-93e4-5f571e91255a"}
    assert graph["appOwnerOrganizationId"] in MICROSOFT_TENANT_IDS
    assert "first-party" in (sps.never_written(graph) or "")
    assert sps.delete_kind(graph) is DeleteKind.NONE
    msi = {"servicePrincipalType": "ManagedIdentity", "appOwnerOrganizationId": None}
    assert "managed identity" in (sps.never_written(msi) or "")
    own = {"servicePrincipalType": "Application", "appOwnerOrganizationId": "84841066-274d-4ec0-a5c1-276be684bdd3"}
    assert sps.never_written(own) is None and sps.delete_kind(own) is DeleteKind.SOFT


def test_built_in_strengths_are_never_written_nor_deleted() -> None:
    strengths = get("authenticationStrengthPolicies")
    built_in = {"id": "00000000-0000-0000-0000-000000000004", "policyType": "builtIn"}
    custom = {"id": "5790842a-5bab-44c2-9cf1-b38d675b70ea", "policyType": "custom"}
    assert strengths.never_written(built_in) and strengths.delete_kind(built_in) is DeleteKind.NONE
    assert strengths.never_written(custom) is None and strengths.delete_kind(custom) is DeleteKind.HARD


# ---------------------------------------------------------------- paths on documented examples
# graph-entra.md §6: the v1.0 GET shape of a CA policy (from conditionalaccessroot-list-policies)
CA_EXAMPLE = {
    "id": "2b31ac51-b855-40a5-a986-0a4ed23e9008", "templateId": None,
    "displayName": "CA001: Require phishing-resistant MFA for admins outside trusted locations",
    "createdDateTime": "2021-11-02T14:17:09.1686157Z", "modifiedDateTime": "2024-01-03T20:07:59.0369305Z",
    "state": "enabledForReportingButNotEnforced",
    "conditions": {
        "clientAppTypes": ["all"], "userRiskLevels": [], "signInRiskLevels": [], "servicePrincipalRiskLevels": [],
        "applications": {
            "includeApplications": ["All"], "excludeApplications": ["00000002-0000-0ff1-ce00-000000000000"],
            "includeUserActions": [], "includeAuthenticationContextClassReferences": [], "applicationFilter": None,
        },
        "users": {
            "includeUsers": [], "excludeUsers": ["4562bcc8-c436-4f95-b7c0-4f8ce89dca5e", "GuestsOrExternalUsers"],
            "includeGroups": ["ba8e7ded-8b0f-4836-ba06-8ff1ecc5c8ba"],
            "excludeGroups": ["eedad040-3722-4bcb-bde5-bc7c857f4983"],
            "includeRoles": ["62e90394-69f5-4237-9190-012177145e10"], "excludeRoles": [],
            "includeGuestsOrExternalUsers": None, "excludeGuestsOrExternalUsers": None,
        },
        "locations": {"includeLocations": ["All"],
                      "excludeLocations": ["AllTrusted", "0854951d-5fc0-4eb1-b392-9b2c9d7949c2", ZERO_ID]},
        "clientApplications": None, "platforms": None, "devices": None,
    },
    "grantControls": {
        "operator": "OR", "builtInControls": [], "customAuthenticationFactors": [], "termsOfUse": [],
        "authenticationStrength@odata.context": "https://graph.microsoft.com/v1.0/$metadata#...",
        "authenticationStrength": {
            "id": "00000000-0000-0000-0000-000000000004", "displayName": "Phishing resistant MFA",
            "policyType": "builtIn", "requirementsSatisfied": "mfa",
            "allowedCombinations": ["windowsHelloForBusiness", "fido2", "x509CertificateMultiFactor"],
        },
    },
    "sessionControls": {"signInFrequency": {"value": 4, "type": "hours", "isEnabled": True}},
}


def _referenced(rt: ResourceType, obj: dict) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for ref in rt.refs:
        for value in path_values(obj, ref.path):
            if value not in ref.specials:
                found.setdefault(ref.targets[0], set()).add(value)
    return found


def test_ca_references_on_the_documented_example() -> None:
    ca = get("conditionalAccessPolicies")
    assert _referenced(ca, CA_EXAMPLE) == {
        "users": {"4562bcc8-c436-4f95-b7c0-4f8ce89dca5e"},
        "groups": {"ba8e7ded-8b0f-4836-ba06-8ff1ecc5c8ba", "eedad040-3722-4bcb-bde5-bc7c857f4983"},
        "applications": {"00000002-0000-0ff1-ce00-000000000000"},
        "namedLocations": {"0854951d-5fc0-4eb1-b392-9b2c9d7949c2"},
        "authenticationStrengthPolicies": {"00000000-0000-0000-0000-000000000004"},
    }
    by_app_id = [r for r in ca.refs if r.by == "appId"]
    assert {r.path for r in by_app_id} == {"conditions.applications.includeApplications[]",
                                           "conditions.applications.excludeApplications[]"}


def test_ca_expanded_strength_is_reduced_to_its_id() -> None:
    ca = get("conditionalAccessPolicies")
    obj = ca.normalize_hook(copy.deepcopy(CA_EXAMPLE))
    assert obj["grantControls"]["authenticationStrength"] == {"id": "00000000-0000-0000-0000-000000000004"}
    assert obj["conditions"] == CA_EXAMPLE["conditions"]
    none_strength = {"grantControls": {"authenticationStrength": None}}
    assert ca.normalize_hook(none_strength) == {"grantControls": {"authenticationStrength": None}}


def test_auth_methods_policy_targets_on_the_documented_example() -> None:
    # graph-entra.md §3 (authenticationmethodspolicy-get)
    policy = get("authenticationMethodsPolicy")
    example = {"registrationEnforcement": {"authenticationMethodsRegistrationCampaign": {
        "includeTargets": [{"id": "all_users", "targetType": "group"}],
        "excludeTargets": [{"id": "dad4ae4a-730c-4e52-826c-0d9094971f04", "targetType": "group"}]}}}
    assert _referenced(policy, example) == {"groups": {"dad4ae4a-730c-4e52-826c-0d9094971f04"}}
    configs = policy.link("authenticationMethodConfigurations")
    assert configs and configs.inline and configs.requires_odata_type
    authenticator = {"id": "MicrosoftAuthenticator", "includeTargets": [{"id": "g1"}], "featureSettings": {
        "displayAppInformationRequiredState": {"state": "enabled", "includeTarget": {"id": "all_users"},
                                               "excludeTarget": {"id": ZERO_ID}},
        "displayLocationInformationRequiredState": {"includeTarget": {"id": "g2"}}}}
    ids = {v for r in configs.refs for v in path_values(authenticator, r.path) if v not in r.specials}
    assert ids == {"g1", "g2"}


def test_application_references_by_app_id() -> None:
    apps = get("applications")
    example = {"requiredResourceAccess": [{"resourceAppId": "00000003-0000-0000-c000-000000000000",
                                           "resourceAccess": [{"id": "e1fe6dd8", "type": "Scope"}]}],
               "api": {"knownClientApplications": ["k1"], "preAuthorizedApplications": [{"appId": "p1"}]}}
    values = {v for r in apps.refs for v in path_values(example, r.path)}
    assert values == {"00000003-0000-0000-c000-000000000000", "k1", "p1"}
    assert all(r.by == "appId" for r in apps.refs)


# ---------------------------------------------------------------- completeness against Graph's v1.0 model
_MODELS = "msgraph.generated.models"
_FIELD = re.compile(r'"([A-Za-z0-9@.]+)": lambda n : setattr\(self, \'(\w+)\', n\.(\w+)\((\w+)?\)\)')

SDK_MODELS = {
    "users": ["user.User"],
    "groups": ["group.Group"],
    "applications": ["application.Application"],
    "servicePrincipals": ["service_principal.ServicePrincipal"],
    "conditionalAccessPolicies": ["conditional_access_policy.ConditionalAccessPolicy"],
    "namedLocations": ["ip_named_location.IpNamedLocation", "country_named_location.CountryNamedLocation"],
    "authenticationStrengthPolicies": ["authentication_strength_policy.AuthenticationStrengthPolicy"],
    "authenticationMethodsPolicy": ["authentication_methods_policy.AuthenticationMethodsPolicy"],
    "authorizationPolicy": ["authorization_policy.AuthorizationPolicy"],
    "organization": ["organization.Organization"],
}


def _model_class(dotted: str) -> type:
    module, name = dotted.rsplit(".", 1)
    return getattr(importlib.import_module(f"{_MODELS}.{module}"), name)


@cache
def _is_entity(class_name: str) -> bool:
    snake = re.sub(r"(?<!^)(?=[A-Z])", "_", class_name).lower()
    try:
        cls = getattr(importlib.import_module(f"{_MODELS}.{snake}"), class_name)
    except (ImportError, AttributeError):
        return False
    entity = _model_class("entity.Entity")
    return isinstance(cls, type) and issubclass(cls, entity)


# JSON type of each kiota parse-node getter (dates, GUIDs, durations, binary and enums are strings in JSON)
_SCALAR_GETTERS = {
    "get_str_value": "string", "get_datetime_value": "string", "get_date_value": "string",
    "get_time_value": "string", "get_timedelta_value": "string", "get_uuid_value": "string",
    "get_bytes_value": "string", "get_enum_value": "string", "get_bool_value": "boolean",
    "get_int_value": "integer", "get_float_value": "number", "get_object_value": "object",
}
_ITEM_TYPES = {"get_collection_of_object_values": "object", "get_collection_of_enum_values": "string",
               "str": "string", "UUID": "string", "int": "integer", "float": "number", "bool": "boolean"}


def sdk_json_types(cls: type) -> dict[str, str]:
    """``{JSON name: JSON type}`` of the structural (non-navigation) properties of a generated model, with
    its bases, in ``Prop.json_type`` terms. A kiota *flags* enum is read with ``get_collection_of_enum_values``
    but travels as one comma-separated string: the attribute's annotation (not a ``list[...]``) tells."""
    found: dict[str, str] = {}
    for klass in cls.__mro__:
        if not klass.__module__.startswith(_MODELS):
            continue
        source = inspect.getsource(klass)
        for json_name, attr, getter, type_name in _FIELD.findall(source):
            if json_name.startswith("@") or (type_name and _is_entity(type_name)):
                continue  # annotations and relationships (entity-typed) are not properties
            annotation = re.search(rf"^\s+{attr}: (.+?) = ", source, re.M)
            assert annotation, (klass, attr)
            is_list = annotation.group(1).startswith("Optional[list[")
            if getter in _SCALAR_GETTERS:
                kind = _SCALAR_GETTERS[getter]
            elif getter == "get_collection_of_primitive_values":
                kind = _ITEM_TYPES[type_name] + "[]"
            else:
                kind = _ITEM_TYPES[getter] + ("[]" if is_list else "")
            found.setdefault(json_name, kind)
    return found


def sdk_structural_properties(cls: type) -> set[str]:
    """JSON names of the structural (non-navigation) properties of a generated model, with its bases."""
    return set(sdk_json_types(cls))


@pytest.mark.parametrize("key", sorted(SDK_MODELS))
def test_every_v1_property_is_declared(key: str) -> None:
    rt = get(key)
    model = set().union(*(sdk_structural_properties(_model_class(m)) for m in SDK_MODELS[key]))
    assert "id" in model
    missing = model - set(rt.prop_map)
    assert not missing, f"{key}: properties of the v1.0 model not declared: {sorted(missing)}"


def test_sdk_json_types_reads_the_model() -> None:
    user = sdk_json_types(_model_class("user.User"))
    assert (user["accountEnabled"], user["otherMails"], user["identities"], user["createdDateTime"],
            user["onPremisesExtensionAttributes"], user["deviceEnrollmentLimit"]) == (
        "boolean", "string[]", "object[]", "string", "object", "integer")
    assert "manager" not in user and "memberOf" not in user  # relationships
    strength = sdk_json_types(_model_class("authentication_strength_policy.AuthenticationStrengthPolicy"))
    # a flags enum is one string ("mfa"), a real enum collection an array
    assert strength["requirementsSatisfied"] == "string" and strength["allowedCombinations"] == "string[]"


@pytest.mark.parametrize("key", sorted(SDK_MODELS))
def test_declared_json_types_are_graphs(key: str) -> None:
    """Every declared property has the JSON type of Graph's v1.0 model (msgraph-sdk's generated models);
    properties the model lacks (beta) may be typed from Learn or left untyped."""
    rt = get(key)
    model: dict[str, str] = {}
    for name in SDK_MODELS[key]:
        model.update(sdk_json_types(_model_class(name)))
    wrong = {p.name: (p.json_type, model[p.name]) for p in rt.props
             if p.name in model and p.json_type != model[p.name]}
    assert not wrong, f"{key}: json_type (declared, v1.0 model): {wrong}"
    for p in rt.props:
        assert p.json_type is None or p.json_type in JSON_TYPES, (p.name, p.json_type)


@pytest.mark.parametrize(("key", "link", "model"), [
    ("servicePrincipals", "appRoleAssignedTo", "app_role_assignment.AppRoleAssignment"),
    ("servicePrincipals", "oauth2PermissionGrants", "o_auth2_permission_grant.OAuth2PermissionGrant"),
    ("applications", "federatedIdentityCredentials", "federated_identity_credential.FederatedIdentityCredential"),
])
def test_link_element_paths_exist_in_the_v1_model(key: str, link: str, model: str) -> None:
    declared = get(key).link(link)
    assert declared is not None
    fields = sdk_structural_properties(_model_class(model))
    paths = (*declared.key, *declared.volatile, *declared.read_only, *declared.create_only,
             *declared.unordered, *declared.sort_by, *(r.path for r in declared.refs))
    for path in paths:
        assert _first_segment(path) in fields, f"{key}.{link}: {path}"


# ---------------------------------------------------------------- docs
def test_docs_resources_md_is_generated_from_the_declarations() -> None:
    text = render_markdown()
    for rt in all_types():
        assert f"`{rt.key}`" in text
        for link in rt.links:
            assert f"`{link.name}`" in text
    committed = (ROOT / "docs" / "resources.md").read_text(encoding="utf-8")
    assert committed == text, "docs/resources.md is stale: python -m entragit.resources.docs > docs/resources.md"


# ---------------------------------------------------------------- one place for each fact
# Type-key literals allowed outside the declarations: the emulator, which by design does not read the
# declarations and keeps its own facts (entragit/emulator/facts: entity sets keyed by the seed format's keys,
# request costs keyed by Graph URL paths).
_LITERALS_ALLOWED = ("emulator/",)


def test_no_type_key_literal_outside_the_declarations() -> None:
    """Exporter, planner, applier and report read the declarations; none says ``if type == ...``:
    no string constant equal to a type key in code (docstrings aside) outside entragit/resources/."""
    import ast

    package = ROOT / "entragit"
    found = []
    for path in sorted(package.rglob("*.py")):
        rel = path.relative_to(package).as_posix()
        if rel.startswith(("resources/", *_LITERALS_ALLOWED)):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                      if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
                      and node.body and isinstance(node.body[0], ast.Expr)
                      and isinstance(node.body[0].value, ast.Constant)}
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and node.value in TYPE_KEYS and id(node) not in docstrings:
                found.append(f"{rel}:{node.lineno}: {node.value!r}")
    assert not found, "type-key literals outside the declarations (put the fact in a declaration):\n" + \
        "\n".join(found)


# ---------------------------------------------------------------- Graph's type facts (entragit.resources.sdkmodel)
@pytest.mark.parametrize("rt", all_types(), ids=lambda rt: rt.key)
def test_only_v1_properties_are_written(rt: ResourceType) -> None:
    """A property absent from Graph's v1.0 model (beta only: the methods policy's systemCredentialPreferences and
    reportSuspiciousActivitySettings) is never written on v1.0 (issue 10.10): Graph refuses an unknown property."""
    from entragit.resources import sdkmodel

    names = set(sdkmodel.model(rt.odata_type).fields)  # type: ignore[union-attr]
    for derived in sdkmodel.derived_types(rt.odata_type):
        names |= set(sdkmodel.model(derived).fields)  # type: ignore[union-attr]
    beta = [p.name for p in rt.props if p.writable and p.name not in names]
    assert rt.api_version != "v1.0" or not beta, f"{rt.key}: beta-only properties declared writable: {beta}"


def test_sdk_model_facts() -> None:
    """The facts read from msgraph-sdk's generated models: derived types, polymorphic paths, evolvable enums."""
    from entragit.resources import sdkmodel

    assert set(sdkmodel.derived_types("#microsoft.graph.servicePrincipal")) >= {
        "#microsoft.graph.agentIdentity", "#microsoft.graph.agentIdentityBlueprintPrincipal"}
    assert "#microsoft.graph.agentUser" in sdkmodel.derived_types("#microsoft.graph.user")
    assert "#microsoft.graph.agentIdentityBlueprint" in sdkmodel.derived_types("#microsoft.graph.application")
    enums = sdkmodel.enum_paths("#microsoft.graph.conditionalAccessPolicy")
    assert enums["grantControls.builtInControls[]"].evolvable >= {"riskRemediation"}
    assert enums["conditions.platforms.includePlatforms[]"].evolvable >= {"linux"}
    assert "enabled" in enums["state"].members and not enums["state"].unlisted("enabled")
    assert enums["state"].unlisted("enabledd") == ["enabledd"]
    strength = sdkmodel.enum_paths("#microsoft.graph.authenticationStrengthPolicy")
    assert "qrCodePin" in strength["allowedCombinations[]"].evolvable
    assert strength["allowedCombinations[]"].unlisted("password,sms") == []  # a flags combination
    assert sdkmodel.model("#microsoft.graph.nosuchType") is None and sdkmodel.enum("nosuchEnum") is None
