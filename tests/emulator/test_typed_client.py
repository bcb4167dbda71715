"""Microsoft's typed client works against the emulator: msgraph-sdk's GraphServiceClient request builders list and
get the ten types, their link collections and every deleted-items cast (``graph.`` and ``microsoft.graph.``),
each answer deserializes into the typed models with every property the emulator sent mapped (nothing left in
``additional_data``) and serializes back to the same JSON; Learn's documented request bodies
(tests/fixtures/graph_examples) round-trip through the typed models, and so do the emulator's answers to them.

Typed deserialization costs ~6 ms an object (graph-sdk-notes.md): listings are read with ``$top`` small.
"""

from __future__ import annotations

import importlib
import json
import re
from collections.abc import Callable, Coroutine
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from kiota_abstractions.serialization import Parsable
from kiota_serialization_json.json_parse_node_factory import JsonParseNodeFactory
from kiota_serialization_json.json_serialization_writer_factory import JsonSerializationWriterFactory

from entragit.emulator import Emulator
from entragit.emulator.metadata import model
from entragit.emulator.seeds import DEMO_FACTS as F
from tests.emulator.test_documented_bodies import send
from tests.plugins.emulator import GraphSdk

EXAMPLES = Path(__file__).resolve().parents[1] / "fixtures" / "graph_examples"
TOP = 3


def _run(sdk: GraphSdk, coro: Coroutine[Any, Any, Any]) -> Any:
    return sdk.loop.run_until_complete(coro)


def _model_class(entity: str) -> type:
    """msgraph-sdk's generated model of a metadata type (``microsoft.graph.oAuth2PermissionGrant`` ->
    ``msgraph.generated.models.o_auth2_permission_grant.OAuth2PermissionGrant``)."""
    name = entity.rsplit(".", 1)[-1]
    module = importlib.import_module(f"msgraph.generated.models.{re.sub(r'(?<!^)(?=[A-Z])', '_', name).lower()}")
    return getattr(module, name[0].upper() + name[1:])


def _parse(cls: type, raw: dict[str, Any]) -> Any:
    node = JsonParseNodeFactory().get_root_parse_node("application/json", json.dumps(raw).encode())
    return node.get_object_value(cls)


def _serialize(obj: Parsable) -> Any:
    writer = JsonSerializationWriterFactory().get_serialization_writer("application/json")
    writer.write_object_value(None, obj)
    return json.loads(writer.get_serialized_content())


def _unmapped(obj: Any, path: str = "") -> list[str]:
    """Properties a typed model could not map (left in ``additional_data``), at any depth; annotations aside."""
    if isinstance(obj, list):
        return [p for i, item in enumerate(obj) for p in _unmapped(item, f"{path}[{i}]")]
    if not isinstance(obj, Parsable):
        return []
    found = [f"{path}.{k}" for k in getattr(obj, "additional_data", {}) or {} if "@" not in k]
    for name, value in vars(obj).items():
        if name != "additional_data" and value is not None:
            found.extend(_unmapped(value, f"{path}.{name}"))
    return found


def _normal(value: Any) -> Any:
    """JSON compared as values: date-times by instant, no nulls, no annotations (the typed models write their
    own @odata.type; the deserialized classes are checked against the sent ones by :func:`_types`)."""
    if isinstance(value, dict):
        return {k: _normal(v) for k, v in value.items() if v is not None and "@" not in k}
    if isinstance(value, list):
        return [_normal(v) for v in value]
    if isinstance(value, str) and re.match(r"^\d{4}-\d{2}-\d{2}T", value):
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
        except ValueError:
            return value
    return value


def _types(typed: Any, raw: Any) -> None:
    """Every @odata.type the JSON names became that class (polymorphic values: CA session controls, named
    locations, method configurations, directory objects in link listings)."""
    if isinstance(raw, list):
        for t, r in zip(typed or [], raw, strict=False):
            _types(t, r)
    elif isinstance(raw, dict) and isinstance(typed, Parsable):
        if isinstance(raw.get("@odata.type"), str):
            assert raw["@odata.type"].rsplit(".", 1)[-1].lower() == type(typed).__name__.lower(), (
                raw["@odata.type"], type(typed).__name__)
        for name, value in vars(typed).items():
            key = re.sub(r"_([a-z0-9])", lambda m: m.group(1).upper(), name)
            if isinstance(value, Parsable | list) and key in raw:
                _types(value, raw[key])


def _without_flags(type_name: str, value: Any) -> Any:
    """``value`` (of the metadata type ``type_name``) without its flags-enum values: msgraph-sdk for Python does not
    deserialize them ("password,sms" and even "mfa" read as None; microsoftgraph/msgraph-sdk-python#480)."""
    m = model()
    if isinstance(value, list):
        return [_without_flags(type_name, v) for v in value]
    t = m.types.get(type_name)
    if t is None or not isinstance(value, dict):
        return value
    if isinstance(value.get("@odata.type"), str):
        t = m.type(value["@odata.type"]) or t
    out = {}
    for key, sub in value.items():
        prop = t.properties.get(key)
        enum = m.enums.get(prop.type) if prop is not None else None
        if enum is not None and enum.flags:
            continue
        out[key] = _without_flags(prop.type, sub) if prop is not None else sub
    return out


def _same(type_name: str, typed: Any, raw: Any) -> bool:
    return _normal(_without_flags(type_name, _serialize(typed))) == _normal(_without_flags(type_name, raw))


def _typed_round_trip(cls: type, raw: dict[str, Any], entity: str) -> None:
    typed = _parse(cls, raw)
    _types(typed, raw)
    assert _unmapped(typed) == [], (cls.__name__, raw.get("id"))
    assert _same(entity, typed, raw), (cls.__name__, raw.get("id"))


def _check_answer(typed: Any, raw: dict[str, Any], cls_name: str) -> None:
    """A builder's typed answer against the emulator's JSON for the same request."""
    assert type(typed).__name__.endswith(cls_name) or cls_name == "*", (type(typed).__name__, cls_name)
    assert _unmapped(typed) == [], _unmapped(typed)
    _types(typed, raw)
    raw = {k: v for k, v in raw.items() if k != "@odata.context"}
    if cls_name.endswith("CollectionResponse"):
        name = cls_name.removesuffix("CollectionResponse")
        entity = f"microsoft.graph.{name[0].lower()}{name[1:]}"
        assert _normal(_without_flags(entity, _serialize(typed)["value"])) == _normal(
            _without_flags(entity, raw["value"]))
    else:
        entity = str(raw.get("@odata.type") or f"#microsoft.graph.{cls_name[0].lower()}{cls_name[1:]}").lstrip("#")
        assert _same(entity, typed, raw)


def _first(sdk: GraphSdk, url: str) -> dict[str, Any]:
    return sdk.call("GET", url).json


# ---------------------------------------------------------------------------------------------- builders

def _cases(emu: Emulator) -> list[tuple[str, Callable[[Any], Any], str, str]]:
    """(label, builder call on the client, the same request's URL, the typed answer's class name)."""
    state = emu.backend.state()
    user = next(u["id"] for u in state["users"] if u.get("manager"))
    group = F.group_ids["IT Department"]
    assigned = {a["principalType"]: a["principalId"] for a in state["appRoleAssignments"]}
    extensions = next(a["id"] for a in state["applications"] if a["displayName"] == F.extension_application)
    consenting = next(g["principalId"] for g in state["oauth2PermissionGrants"] if g.get("principalId"))
    app = next(a["id"] for a in state["applications"] if a.get("federatedIdentityCredentials"))
    sp = next(s["id"] for s in state["servicePrincipals"] if s["appId"] == next(
        a["appId"] for a in state["applications"] if a["id"] == app))
    resource = next(a["resourceId"] for a in state["appRoleAssignments"])
    client_sp = next(g["clientId"] for g in state["oauth2PermissionGrants"])
    grant = next(g["id"] for g in state["oauth2PermissionGrants"])
    policy = F.ca_policy_ids[F.ca_policies[0]]
    location = state["namedLocations"][0]["id"]
    strength = next(s["id"] for s in state["authenticationStrengthPolicies"] if s.get("combinationConfigurations"))
    tenant = emu.backend.tenant_id

    def q(builder: Any, **params: Any) -> Any:
        cls = type(builder)
        config_cls = next(getattr(cls, n) for n in dir(cls) if n.endswith("GetRequestConfiguration"))
        query_cls = next(getattr(cls, n) for n in dir(cls) if n.endswith("GetQueryParameters"))
        return builder.get(config_cls(query_parameters=query_cls(**params)))

    return [
        ("users", lambda c: q(c.users, top=TOP), f"users?$top={TOP}", "UserCollectionResponse"),
        ("user", lambda c: c.users.by_user_id(user).get(), f"users/{user}", "User"),
        ("user manager", lambda c: c.users.by_user_id(user).manager.get(), f"users/{user}/manager", "*"),
        ("user appRoleAssignments", lambda c: c.users.by_user_id(assigned["User"]).app_role_assignments.get(),
         f"users/{assigned['User']}/appRoleAssignments", "AppRoleAssignmentCollectionResponse"),
        ("user oauth2PermissionGrants", lambda c: c.users.by_user_id(consenting).oauth2_permission_grants.get(),
         f"users/{consenting}/oauth2PermissionGrants", "OAuth2PermissionGrantCollectionResponse"),
        ("user memberOf", lambda c: c.users.by_user_id(user).member_of.get(), f"users/{user}/memberOf",
         "DirectoryObjectCollectionResponse"),
        ("groups", lambda c: q(c.groups, top=TOP), f"groups?$top={TOP}", "GroupCollectionResponse"),
        ("group", lambda c: c.groups.by_group_id(group).get(), f"groups/{group}", "Group"),
        ("group members", lambda c: c.groups.by_group_id(group).members.get(), f"groups/{group}/members",
         "DirectoryObjectCollectionResponse"),
        ("group members graph.user", lambda c: c.groups.by_group_id(group).members.graph_user.get(),
         f"groups/{group}/members/graph.user", "UserCollectionResponse"),
        ("group owners", lambda c: c.groups.by_group_id(group).owners.get(), f"groups/{group}/owners",
         "DirectoryObjectCollectionResponse"),
        ("group appRoleAssignments", lambda c: c.groups.by_group_id(assigned["Group"]).app_role_assignments.get(),
         f"groups/{assigned['Group']}/appRoleAssignments", "AppRoleAssignmentCollectionResponse"),
        ("applications", lambda c: q(c.applications, top=TOP), f"applications?$top={TOP}",
         "ApplicationCollectionResponse"),
        ("application", lambda c: c.applications.by_application_id(app).get(), f"applications/{app}", "Application"),
        ("application owners", lambda c: c.applications.by_application_id(app).owners.get(),
         f"applications/{app}/owners", "DirectoryObjectCollectionResponse"),
        ("federatedIdentityCredentials",
         lambda c: c.applications.by_application_id(app).federated_identity_credentials.get(),
         f"applications/{app}/federatedIdentityCredentials", "FederatedIdentityCredentialCollectionResponse"),
        ("extensionProperties", lambda c: c.applications.by_application_id(extensions).extension_properties.get(),
         f"applications/{extensions}/extensionProperties", "ExtensionPropertyCollectionResponse"),
        ("servicePrincipals", lambda c: q(c.service_principals, top=TOP), f"servicePrincipals?$top={TOP}",
         "ServicePrincipalCollectionResponse"),
        ("servicePrincipal", lambda c: c.service_principals.by_service_principal_id(sp).get(),
         f"servicePrincipals/{sp}", "ServicePrincipal"),
        ("servicePrincipal owners", lambda c: c.service_principals.by_service_principal_id(sp).owners.get(),
         f"servicePrincipals/{sp}/owners", "DirectoryObjectCollectionResponse"),
        ("appRoleAssignedTo",
         lambda c: c.service_principals.by_service_principal_id(resource).app_role_assigned_to.get(),
         f"servicePrincipals/{resource}/appRoleAssignedTo", "AppRoleAssignmentCollectionResponse"),
        ("servicePrincipal appRoleAssignments",
         lambda c: c.service_principals.by_service_principal_id(sp).app_role_assignments.get(),
         f"servicePrincipals/{sp}/appRoleAssignments", "AppRoleAssignmentCollectionResponse"),
        ("servicePrincipal oauth2PermissionGrants",
         lambda c: c.service_principals.by_service_principal_id(client_sp).oauth2_permission_grants.get(),
         f"servicePrincipals/{client_sp}/oauth2PermissionGrants", "OAuth2PermissionGrantCollectionResponse"),
        ("oauth2PermissionGrants", lambda c: q(c.oauth2_permission_grants, top=TOP),
         f"oauth2PermissionGrants?$top={TOP}", "OAuth2PermissionGrantCollectionResponse"),
        ("oauth2PermissionGrant", lambda c: c.oauth2_permission_grants.by_o_auth2_permission_grant_id(grant).get(),
         f"oauth2PermissionGrants/{grant}", "OAuth2PermissionGrant"),
        ("CA policies", lambda c: c.identity.conditional_access.policies.get(), "identity/conditionalAccess/policies",
         "ConditionalAccessPolicyCollectionResponse"),
        ("CA policy", lambda c: c.identity.conditional_access.policies.by_conditional_access_policy_id(policy).get(),
         f"identity/conditionalAccess/policies/{policy}", "ConditionalAccessPolicy"),
        ("named locations", lambda c: c.identity.conditional_access.named_locations.get(),
         "identity/conditionalAccess/namedLocations", "NamedLocationCollectionResponse"),
        ("named location",
         lambda c: c.identity.conditional_access.named_locations.by_named_location_id(location).get(),
         f"identity/conditionalAccess/namedLocations/{location}", "NamedLocation"),
        ("strengths", lambda c: c.policies.authentication_strength_policies.get(),
         "policies/authenticationStrengthPolicies", "AuthenticationStrengthPolicyCollectionResponse"),
        ("strength", lambda c: c.policies.authentication_strength_policies.by_authentication_strength_policy_id(
            strength).get(), f"policies/authenticationStrengthPolicies/{strength}", "AuthenticationStrengthPolicy"),
        ("combinationConfigurations",
         lambda c: c.policies.authentication_strength_policies.by_authentication_strength_policy_id(
             strength).combination_configurations.get(),
         f"policies/authenticationStrengthPolicies/{strength}/combinationConfigurations",
         "AuthenticationCombinationConfigurationCollectionResponse"),
        ("methods policy", lambda c: c.policies.authentication_methods_policy.get(),
         "policies/authenticationMethodsPolicy", "AuthenticationMethodsPolicy"),
        ("authenticationMethodConfigurations",
         lambda c: c.policies.authentication_methods_policy.authentication_method_configurations.get(),
         "policies/authenticationMethodsPolicy/authenticationMethodConfigurations",
         "AuthenticationMethodConfigurationCollectionResponse"),
        ("authenticationMethodConfiguration",
         lambda c: c.policies.authentication_methods_policy.authentication_method_configurations
         .by_authentication_method_configuration_id("Fido2").get(),
         "policies/authenticationMethodsPolicy/authenticationMethodConfigurations/Fido2", "AuthenticationMethodConfiguration"),
        ("authorization policy", lambda c: c.policies.authorization_policy.get(), "policies/authorizationPolicy",
         "AuthorizationPolicy"),
        ("organization", lambda c: c.organization.get(), "organization", "OrganizationCollectionResponse"),
        ("organization by id", lambda c: c.organization.by_organization_id(tenant).get(), f"organization/{tenant}",
         "Organization"),
    ]


def test_the_typed_client_lists_and_gets_every_type_and_link(emulator: Emulator, sdk: GraphSdk) -> None:
    for label, call, url, cls_name in _cases(emulator):
        typed = _run(sdk, call(sdk.client))
        assert typed is not None, label
        raw = _first(sdk, url)
        if cls_name.endswith("CollectionResponse"):
            assert raw["value"], label  # something to deserialize
        _check_answer(typed, raw, cls_name if cls_name == "*" or not cls_name.endswith("Configuration")
                      else "Configuration")


@pytest.mark.parametrize("kind", ["user", "group", "application", "service_principal"])
def test_every_deleted_items_cast_in_both_forms(sdk: GraphSdk, kind: str) -> None:
    collection = {"user": "users", "group": "groups", "application": "applications",
                  "service_principal": "servicePrincipals"}[kind]
    name = "".join(p.capitalize() if i else p for i, p in enumerate(kind.split("_")))
    victim = sdk.call("GET", f"{collection}?$top=1").json["value"]
    if kind == "service_principal":  # one that may be deleted: an SP of a tenant application
        apps = sdk.call("GET", "applications?$top=1&$select=appId").json["value"]
        victim = sdk.call("GET", f"servicePrincipals?$filter=appId eq '{apps[0]['appId']}'").json["value"]
    if kind == "user":
        victim = [u for u in sdk.items("users") if "#EXT#" not in u["userPrincipalName"]][:1]
    assert sdk.call("DELETE", f"{collection}/{victim[0]['id']}").status == 204
    builder = getattr(sdk.client.directory.deleted_items, f"graph_{kind}")
    typed = _run(sdk, builder.get())  # directory/deletedItems/graph.{type}
    assert victim[0]["id"] in [o.id for o in typed.value]
    assert _unmapped(typed) == []
    full = builder.with_url(f"{sdk.root}/v1.0/directory/deletedItems/microsoft.graph.{name}")
    assert [o.id for o in _run(sdk, full.get()).value] == [o.id for o in typed.value]
    item = sdk.client.directory.deleted_items.by_directory_object_id(victim[0]["id"])
    cast = _run(sdk, getattr(item, f"graph_{kind}").get())  # directory/deletedItems/{id}/graph.{type}
    assert cast.id == victim[0]["id"] and cast.deleted_date_time is not None
    restored = _run(sdk, item.restore.post())
    assert restored.id == victim[0]["id"]


@pytest.mark.parametrize("kind", ["administrative_unit", "device"])
def test_deleted_items_casts_of_types_the_tenant_holds_none_of(sdk: GraphSdk, kind: str) -> None:
    typed = _run(sdk, getattr(sdk.client.directory.deleted_items, f"graph_{kind}").get())
    assert typed.value == []


# ---------------------------------------------------------------------------------------------- Learn examples


def _entity_of(entry: dict[str, Any]) -> str | None:
    """The metadata type a documented body writes (its path through entity sets, singletons and navigation
    properties); None for an action's parameters (updateAllowedCombinations, restore)."""
    m = model()
    head, *rest = [s for s in entry["path"].split("/") if s != "{id}"]
    current = m.entity_sets.get(head) or m.singletons.get(head)
    for segment in rest:
        t = m.types.get(current or "")
        prop = t.properties.get(segment) if t is not None else None
        if prop is None:
            return None
        current = prop.type
    return current


EXAMPLES_TYPED = [(f"{path.stem}: {entry['example'][:40]}", entry, entity)
                  for path in sorted(EXAMPLES.glob("*.json"))
                  for entry in json.loads(path.read_text(encoding="utf-8"))
                  if (entity := _entity_of(entry)) is not None]


def test_the_documented_bodies_cover_the_ten_types() -> None:
    assert len({e for _, _, e in EXAMPLES_TYPED}) >= 10


@pytest.mark.parametrize(("entry", "entity"), [(e, t) for _, e, t in EXAMPLES_TYPED],
                         ids=[label for label, _, _ in EXAMPLES_TYPED])
def test_learn_examples_round_trip_through_the_typed_models(entry: dict[str, Any], entity: str) -> None:
    cls = _model_class(entity)
    _typed_round_trip(cls, {k: v for k, v in entry["body"].items() if not k.endswith("@odata.bind")}, entity)
    # the emulator's answer to the documented request is a typed object as well
    emu = Emulator(seed="empty")
    sdk = GraphSdk(emu.url, emu.transport())
    try:
        _, resp = send(sdk, entry)
        if resp.json:
            _typed_round_trip(cls, resp.json, entity)
    finally:
        sdk.close()


@pytest.mark.parametrize("key", ["users", "groups", "applications", "servicePrincipals"])
def test_every_v1_property_selected_deserializes(emulator: Emulator, sdk: GraphSdk, key: str) -> None:
    """A single-object GET selecting every structural property v1.0 has: each non-null value the emulator holds
    comes back typed (the seeded demo objects carry the documented properties)."""
    rt = emulator.backend.types[key]
    entity = model().require(rt.entity)
    names = sorted(n for n, p in entity.properties.items() if not p.navigation)
    obj = emulator.backend.state()[key][0]
    attribute, by = {"users": ("users", "by_user_id"), "groups": ("groups", "by_group_id"),
                     "applications": ("applications", "by_application_id"),
                     "servicePrincipals": ("service_principals", "by_service_principal_id")}[key]
    item = getattr(getattr(sdk.client, attribute), by)(obj["id"]).with_url(f"{sdk.root}/v1.0/{key}/{obj['id']}?$select={','.join(names)}")
    raw = sdk.call("GET", f"{key}/{obj['id']}?$select={','.join(names)}").json
    typed = _run(sdk, item.get())
    held = {n for n in names if obj.get(n) not in (None, [], {}) and n not in rt.write_only}
    assert held and held <= {k for k, v in raw.items() if v not in (None, [], {})}
    _check_answer(typed, raw, _model_class(rt.entity).__name__)
