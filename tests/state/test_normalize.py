"""normalize(): Graph object -> canonical stored form, driven by the declarations."""

from __future__ import annotations

import copy
import dataclasses

import pytest

from entragit import resources
from entragit.resources.base import META_KEY, Link, LinkKind, ResourceType
from entragit.state import normalize, type_excluded
from entragit.state.normalization import first_data_difference, normalize_link, sort_list
from tests.state import examples as ex


def test_the_package_attribute_normalize_is_always_the_function() -> None:
    """No submodule of entragit.state shares a public name of the package: importing a submodule sets the
    package attribute of its name, which would replace the function (``import entragit.state.normalize as m``
    used to give the function, and ``from entragit.state import normalize`` could give the module)."""
    import pkgutil
    import subprocess
    import sys

    import entragit.state as state

    submodules = {m.name for m in pkgutil.iter_modules(state.__path__)}
    assert "normalization" in submodules
    assert not submodules & set(state.__all__)
    code = ("import importlib, types, entragit.state.normalization as m; "
            "importlib.import_module('entragit.state.validate'); importlib.import_module('entragit.state.schema'); "
            "from entragit.state import normalize; "
            "assert isinstance(m, types.ModuleType) and callable(normalize) and normalize is m.normalize, normalize")
    subprocess.run([sys.executable, "-c", code], check=True)


def _annotations(node: object, path: str = "") -> list[str]:
    found: list[str] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if "@" in key:
                found.append(f"{path}.{key}" if path else key)
            found += _annotations(value, f"{path}.{key}" if path else key)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found += _annotations(value, f"{path}[{i}]")
    return found


@pytest.mark.parametrize(("key", "obj"), ex.all_examples(), ids=lambda v: v if isinstance(v, str) else "")
def test_normalize_is_idempotent_and_leaves_input_alone(key: str, obj: dict) -> None:
    rt = resources.get(key)
    before = copy.deepcopy(obj)
    once = normalize(rt, obj)
    assert obj == before
    assert normalize(rt, once) == once


def test_annotations_dropped_everywhere_on_a_user() -> None:
    out = normalize(resources.get("users"), ex.user())
    assert _annotations(out) == []
    assert "@odata.etag" not in out and "@odata.context" not in out


def test_named_location_keeps_the_odata_types_graph_needs_on_write() -> None:
    # @odata.type is mandatory on POST/PATCH of a named location and in each ipRanges element [N4][N5]
    obj = ex.ip_named_location()
    obj["@odata.context"] = "https://graph.microsoft.com/v1.0/$metadata#identity/conditionalAccess/namedLocations"
    obj["someNested"] = {"@odata.type": "#microsoft.graph.somethingElse", "x": 1}
    out = normalize(resources.get("namedLocations"), obj)
    assert out["@odata.type"] == "#microsoft.graph.ipNamedLocation"
    assert sorted(r["@odata.type"] for r in out["ipRanges"]) == [
        "#microsoft.graph.iPv4CidrRange", "#microsoft.graph.iPv6CidrRange"]
    assert "@odata.context" not in out
    # wherever Graph returned it (issue 10.4: Graph names a type where it cannot be inferred)
    assert out["someNested"] == {"@odata.type": "#microsoft.graph.somethingElse", "x": 1}


def test_odata_type_kept_where_graph_returned_it_but_the_collections_own_type_dropped() -> None:
    rt = resources.get("users")
    assert not rt.requires_odata_type
    obj = ex.user()
    obj["@odata.type"] = "#microsoft.graph.user"  # deleted items and getByIds answers name it
    assert "@odata.type" not in normalize(rt, obj)
    agent = dict(ex.user(), **{"@odata.type": "#microsoft.graph.agentUser"})  # a derived type: kept
    assert normalize(rt, agent)["@odata.type"] == "#microsoft.graph.agentUser"
    # CA externalTenants is abstract: its @odata.type survives (and is written back with conditions)
    ca = ex.conditional_access_policy()
    ca["conditions"]["users"]["includeGuestsOrExternalUsers"] = {
        "guestOrExternalUserTypes": "b2bCollaborationGuest", "externalTenants": {
            "@odata.type": "#microsoft.graph.conditionalAccessEnumeratedExternalTenants",
            "membershipKind": "enumerated", "members": ["t2", "t1"]}}
    tenants = normalize(resources.get("conditionalAccessPolicies"), ca)["conditions"]["users"][
        "includeGuestsOrExternalUsers"]["externalTenants"]
    assert tenants["@odata.type"] == "#microsoft.graph.conditionalAccessEnumeratedExternalTenants"
    assert tenants["members"] == ["t1", "t2"]  # a set-like list: sorted


def test_polymorphic_paths_come_from_graphs_model() -> None:
    """Where Graph needs @odata.type on write is derived from msgraph-sdk's models, not declared by hand."""
    assert resources.get("namedLocations").odata_type_paths == {"ipRanges[]"}
    assert {"conditions.users.includeGuestsOrExternalUsers.externalTenants",
            "conditions.users.excludeGuestsOrExternalUsers.externalTenants"} <= \
        resources.get("conditionalAccessPolicies").odata_type_paths
    rt = dataclasses.replace(resources.get("users"), keep_odata_type=frozenset({"identities[]"}))
    assert "identities[]" in rt.odata_type_paths  # a declared extra path joins the derived ones


def test_custom_security_attributes_keep_their_write_annotations() -> None:
    """Graph refuses a write of custom security attributes without @odata.type per attribute set and
    Name@odata.type on multi-valued and integer values (custom-security-attributes-examples): kept."""
    value = {"Engineering": {"@odata.type": "#microsoft.graph.customSecurityAttributeValue",
                             "Project@odata.type": "#Collection(String)", "Project": ["Baker", "Cascade"],
                             "NumVendors@odata.type": "#Int32", "NumVendors": 4, "Certification": True}}
    for key in ("users", "servicePrincipals"):
        obj = dict(ex.user() if key == "users" else ex.service_principal(), customSecurityAttributes=value)
        obj["customSecurityAttributes@odata.context"] = "x"
        out = normalize(resources.get(key), obj)
        assert out["customSecurityAttributes"] == value and "customSecurityAttributes@odata.context" not in out
        assert normalize(resources.get(key), out) == out


def test_method_configurations_keep_odata_type_and_lose_annotations() -> None:
    out = normalize(resources.get("authenticationMethodsPolicy"), ex.authentication_methods_policy())
    assert "@microsoft.graph.tips" not in out and "@odata.context" not in out
    assert "authenticationMethodConfigurations@odata.context" not in out
    assert "lastModifiedDateTime" not in out  # volatile
    configs = out["authenticationMethodConfigurations"]
    assert [c["id"] for c in configs] == ["Fido2", "TemporaryAccessPass"]  # sorted by id
    assert configs[0]["@odata.type"] == "#microsoft.graph.fido2AuthenticationMethodConfiguration"
    assert configs[0]["keyRestrictions"]["aaGuids"] == sorted(configs[0]["keyRestrictions"]["aaGuids"])


def test_ca_policy_expanded_strength_reduced_to_its_id_and_volatile_dropped() -> None:
    out = normalize(resources.get("conditionalAccessPolicies"), ex.conditional_access_policy())
    grant = out["grantControls"]
    assert grant["authenticationStrength"] == {"id": "00000000-0000-0000-0000-000000000004"}
    assert "authenticationStrength@odata.context" not in grant
    assert "modifiedDateTime" not in out
    assert out["createdDateTime"] == "2021-11-02T14:17:09.1686157Z"
    # declared unordered lists sorted
    assert out["conditions"]["users"]["excludeUsers"] == [
        "0f3e2d1c-b4a5-4c6d-8e9f-a0b1c2d3e4f5", "4562bcc8-c436-4f95-b7c0-4f8ce89dca5e"]
    assert out["conditions"]["locations"]["excludeLocations"] == ["0854951d-5fc0-4eb1-b392-9b2c9d7949c2", "AllTrusted"]


def test_nulls_and_empty_values_are_kept() -> None:
    out = normalize(resources.get("conditionalAccessPolicies"), ex.conditional_access_policy())
    assert out["templateId"] is None
    assert out["conditions"]["clientApplications"] is None
    assert out["conditions"]["users"]["excludeRoles"] == []
    user = normalize(resources.get("users"), ex.user())
    assert user["mobilePhone"] is None and "mobilePhone" in user
    obj = ex.user()
    obj["employeeOrgData"] = {}
    assert normalize(resources.get("users"), obj)["employeeOrgData"] == {}


def test_unknown_properties_are_kept() -> None:
    obj = ex.user()
    obj["someFutureProperty"] = {"nested": [3, 1, 2], "flag": None}
    obj["extension_631a96bca7054eda9f99fdaf9f54f6a2_costCenter"] = "CC-9"
    out = normalize(resources.get("users"), obj)
    assert out["someFutureProperty"] == {"nested": [3, 1, 2], "flag": None}  # order kept: not declared unordered
    assert out["extension_631a96bca7054eda9f99fdaf9f54f6a2_costCenter"] == "CC-9"


def test_secret_text_never_kept_but_credential_metadata_is() -> None:
    out = normalize(resources.get("applications"), ex.application())
    (cred,) = out["passwordCredentials"]
    assert "secretText" not in cred
    assert cred["keyId"] == "a7e4b1f0-3c2d-4e5f-8a9b-0c1d2e3f4a5b"
    # the hint is the secret's first characters: a fragment of a secret, never stored (issue 11)
    assert "hint" not in cred and cred["endDateTime"] == "2026-03-01T00:00:00Z"
    assert "super-secret" not in repr(out) and "Q~x" not in repr(out)


def test_only_a_certificates_public_key_is_stored() -> None:
    """keyCredentials[].key: a certificate's (AsymmetricX509Cert) is public and kept; a symmetric key or a
    signing certificate's private key (X509CertAndPassword) is secret and never stored (issue 11)."""
    app = ex.application()
    app["keyCredentials"] = [
        {"keyId": "k1", "type": "AsymmetricX509Cert", "usage": "Verify", "key": "TUlJQ2VydA=="},
        {"keyId": "k2", "type": "Symmetric", "usage": "Verify", "key": "c3ltbWV0cmlj"},
        {"keyId": "k3", "type": "X509CertAndPassword", "usage": "Sign", "key": "cGZ4"}]
    for key in ("applications", "servicePrincipals"):
        out = normalize(resources.get(key), app)
        by_id = {c["keyId"]: c for c in out["keyCredentials"]}
        assert by_id["k1"]["key"] == "TUlJQ2VydA==" and "key" not in by_id["k2"] and "key" not in by_id["k3"]
        assert "c3ltbWV0cmlj" not in repr(out) and "cGZ4" not in repr(out)


def test_secret_props_dropped() -> None:
    rt = resources.get("users")
    assert "passwordProfile" in rt.secrets
    obj = ex.user()
    obj["passwordProfile"] = {"password": "xWwvJ]6NMw+bWH-d", "forceChangePasswordNextSignIn": True}
    assert "passwordProfile" not in normalize(rt, obj)


def test_application_unordered_lists_sorted_inner_first() -> None:
    out = normalize(resources.get("applications"), ex.application())
    assert out["identifierUris"] == ["api://631a96bc-a705-4eda-9f99-fdaf9f54f6a2", "https://hr.contoso.com/api"]
    assert [r["id"] for r in out["appRoles"]] == sorted(r["id"] for r in ex.application()["appRoles"])
    assert out["appRoles"][1]["allowedMemberTypes"] == ["Application", "User"]
    access = out["requiredResourceAccess"][0]["resourceAccess"]
    assert [a["id"] for a in access] == sorted(a["id"] for a in access)


def test_unordered_list_order_of_input_does_not_matter() -> None:
    rt = resources.get("applications")
    a, b = ex.application(), ex.application()
    b["appRoles"].reverse()
    b["identifierUris"].reverse()
    b["federatedIdentityCredentials"].reverse()
    b["requiredResourceAccess"][0]["resourceAccess"].reverse()
    assert normalize(rt, a) == normalize(rt, b)


def test_ids_links_sorted_unique_and_objects_become_ids() -> None:
    obj = ex.group()
    obj["members"].append({"@odata.type": "#microsoft.graph.user", "id": "87d349ed-44d7-43e1-9a83-5f2406dee5bd"})
    out = normalize(resources.get("groups"), obj)
    assert out["members"] == ["4562bcc8-c436-4f95-b7c0-4f8ce89dca5e", "59e617e5-e447-4adc-8b88-00af644d7c92",
                              "87d349ed-44d7-43e1-9a83-5f2406dee5bd"]
    assert out["owners"] == ["4562bcc8-c436-4f95-b7c0-4f8ce89dca5e", "6ea91a8d-e32e-41a1-b7bd-d2d185eed0e0"]
    assert "renewedDateTime" not in out  # volatile for groups


DEVICE = "d0d0d0d0-0000-4000-8000-000000000001"
CONTACT = "c0c0c0c0-0000-4000-8000-000000000002"


def test_links_record_the_kinds_the_backup_holds_no_type_of() -> None:
    """Devices and organizational contacts (no type of entragit's) keep their kind under _entragit.linkKinds;
    users, groups and service principals do not need it, unless their type is excluded from the backup."""
    rt = resources.get("groups")
    obj = ex.group()
    obj["members"] += [{"@odata.type": "#microsoft.graph.device", "id": DEVICE},
                       {"@odata.type": "#microsoft.graph.orgContact", "id": CONTACT},
                       {"@odata.type": "#microsoft.graph.agentIdentity", "id": "a9a9a9a9-0000-4000-8000-000000000003"}]
    out = normalize(rt, obj)
    assert DEVICE in out["members"] and CONTACT in out["members"]
    assert out[META_KEY] == {"linkKinds": {"members": {"device": [DEVICE], "orgContact": [CONTACT]}}}
    assert normalize(rt, out) == out  # canonical: re-normalizing a stored file keeps the kinds

    users_out = normalize(rt, obj, {"users": ("*",)})
    users = [m["id"] for m in obj["members"] if isinstance(m, dict) and m.get("@odata.type") == "#microsoft.graph.user"]
    assert users and users_out[META_KEY]["linkKinds"]["members"]["user"] == sorted(users)
    assert normalize(rt, users_out) == users_out  # validation normalizes without exclusions: kinds stay

    # an id no longer linked loses its kind; kinds Graph now gives replace the stored ones
    edited = copy.deepcopy(out)
    edited["members"].remove(DEVICE)
    assert normalize(rt, edited)[META_KEY] == {"linkKinds": {"members": {"orgContact": [CONTACT]}}}
    edited["members"].remove(CONTACT)
    assert META_KEY not in normalize(rt, edited)
    manager = dict(ex.user(), manager={"@odata.type": "#microsoft.graph.orgContact", "id": CONTACT})
    out = normalize(resources.get("users"), manager)
    assert out["manager"] == CONTACT and out[META_KEY]["linkKinds"] == {"manager": {"orgContact": [CONTACT]}}


def test_id_link_becomes_an_id_or_null() -> None:
    rt = resources.get("users")
    assert normalize(rt, ex.user())["manager"] == "6ea91a8d-e32e-41a1-b7bd-d2d185eed0e0"
    assert normalize(rt, ex.synced_user())["manager"] is None


def test_objects_links_sorted_by_sort_by_with_volatile_and_annotations_dropped() -> None:
    out = normalize(resources.get("servicePrincipals"), ex.service_principal())
    assigned = out["appRoleAssignedTo"]
    assert [a["principalId"] for a in assigned] == ["0f3e2d1c-b4a5-4c6d-8e9f-a0b1c2d3e4f5",
                                                    "33ad69f9-da99-4bed-acd0-3f24235cb296"]
    assert all("principalDisplayName" not in a and "resourceDisplayName" not in a for a in assigned)
    grants = out["oauth2PermissionGrants"]
    # same resource: AllPrincipals before Principal; no @odata.id
    assert [g["consentType"] for g in grants] == ["AllPrincipals", "Principal"]
    assert _annotations(grants) == []
    apps = normalize(resources.get("applications"), ex.application())
    assert [f["name"] for f in apps["federatedIdentityCredentials"]] == ["github-env-prod", "github-main"]
    assert "@odata.type" not in apps["federatedIdentityCredentials"][1]


def test_link_ids_unsorted_when_declared_so() -> None:
    link = Link(name="ordered", kind=LinkKind.IDS, read="x/{id}/ordered", sorted=False)
    assert normalize_link(link, ["b", {"id": "a"}, "b", "c"]) == ["b", "a", "c"]


def test_synced_objects_marked_cloud_objects_not() -> None:
    rt = resources.get("users")
    synced = normalize(rt, ex.synced_user())
    assert synced[META_KEY] == {"onPremisesMastered": True}
    assert "onPremisesLastSyncDateTime" not in synced
    assert META_KEY not in normalize(rt, ex.user())
    # a stale mark from a file is recomputed, other facts survive
    stale = dict(normalize(rt, ex.user()), **{META_KEY: {"onPremisesMastered": True, "other": 1}})
    assert normalize(rt, stale)[META_KEY] == {"other": 1}


def test_never_written_objects_marked_with_the_declaration_reason() -> None:
    sp = resources.get("servicePrincipals")
    out = normalize(sp, ex.first_party_service_principal())
    assert out[META_KEY]["neverWritten"] == sp.never_written(ex.first_party_service_principal())
    assert META_KEY not in normalize(sp, ex.service_principal())
    strength = resources.get("authenticationStrengthPolicies")
    assert "neverWritten" in normalize(strength, ex.builtin_strength_policy())[META_KEY]
    assert META_KEY not in normalize(strength, ex.authentication_strength_policy())


def test_normalize_hook_of_the_declaration_is_applied() -> None:
    @dataclasses.dataclass(frozen=True)
    class Upper(ResourceType):
        def normalize_hook(self, obj: dict) -> dict:
            obj["displayName"] = obj["displayName"].upper()
            return obj

    rt = Upper(key="things", title="thing", collection="things", odata_type="#microsoft.graph.thing")
    assert normalize(rt, {"id": "1", "displayName": "abc"})["displayName"] == "ABC"


def test_exclusions_drop_personal_data_paths() -> None:
    rt = resources.get("users")
    exclude = {"users": {"mobilePhone", "employeeOrgData.costCenter", "businessPhones"}, "groups": {"*"}}
    out = normalize(rt, ex.user(), exclude)
    assert "mobilePhone" not in out and "businessPhones" not in out
    assert out["employeeOrgData"] == {"division": "Sales"}
    assert out["displayName"] == "Adele Vance"
    assert type_excluded(exclude, "groups") and not type_excluded(exclude, "users")
    assert not type_excluded(None, "users")


def test_sort_list_handles_mixed_values_deterministically() -> None:
    a = [{"keyId": "b"}, {"keyId": "a"}, "x", None, 3, {"z": 1}]
    b = list(reversed(a))
    sort_list(a)
    sort_list(b)
    assert a == b
    assert a[:2] == [{"keyId": "a"}, {"keyId": "b"}]


def test_first_data_difference_names_the_property() -> None:
    assert first_data_difference({"a": {"b": [1, 2]}}, {"a": {"b": [2, 1]}}) == "a.b"
    assert first_data_difference({"a": [{"x": 1}]}, {"a": [{"x": 2}]}) == "a[0].x"
    assert first_data_difference({"a": 1, "v": 2}, {"a": 1}) == "v"
    assert first_data_difference({"a": 1}, {"a": 1}) is None
