"""Devices, organizational contacts, directory roles and restricted-management administrative units, through the
real msgraph-sdk request adapter: as group members (v1.0, beta, $expand, with their @odata.type), contacts as
managers, roles in memberOf, restricted objects refusing app-only writes, the getAvailableExtensionProperties
cut-off above 1,000 service principals."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from entragit.emulator import Emulator
from entragit.emulator.seeds import DEMO_DIRECTORY as D
from entragit.emulator.seeds import DEMO_FACTS as F
from entragit.emulator.seeds import demo_seed, scale_seed
from tests.plugins.emulator import GraphSdk

DEVICE, CONTACT, UNIT = D.device_id, D.contact_id, D.unit_id  # the demo's (seeds/demo_directory.py)
ROLE = "a0a0a0a0-0000-4000-8000-000000000001"
NEW_CONTACT = "c0c0c0c0-0000-4000-8000-000000000001"
GLOBAL_ADMIN_TEMPLATE = "62e90394-69f5-4237-9190-012177145e10"
GROUP = F.group_ids[D.member_group]
USER = F.user_ids[F.cloud_user_upn]
RESTRICTED = F.user_ids[D.restricted_user_upn]


def directory_seed() -> dict[str, Any]:
    """The demo tenant with a directory role and a contact managing a user."""
    seed = demo_seed()
    seed["directoryRoles"] = [{"id": ROLE, "displayName": "Global Administrator", "roleTemplateId":
                               GLOBAL_ADMIN_TEMPLATE, "description": "Can manage all aspects", "members": [USER]}]
    next(u for u in seed["users"] if u["id"] == USER)["manager"] = CONTACT
    return seed


@pytest.fixture
def dsdk() -> Iterator[GraphSdk]:
    emu = Emulator(seed=directory_seed())
    client = GraphSdk(emu.url, emu.transport())
    yield client
    client.close()


def test_devices_and_contacts_are_listed_and_read(dsdk: GraphSdk) -> None:
    assert [d["id"] for d in dsdk.items("devices")] == [DEVICE]
    assert dsdk.call("GET", f"devices/{DEVICE}").json["displayName"] == "Reception Kiosk"
    assert [c["displayName"] for c in dsdk.items("contacts")] == ["Fabrikam Support"]
    assert dsdk.call("GET", f"contacts/{CONTACT}").json["mail"] == "support@fabrikam.example"
    for method, url in (("POST", "contacts"), ("PATCH", f"contacts/{CONTACT}"), ("DELETE", f"contacts/{CONTACT}")):
        assert dsdk.call(method, url, {} if method != "DELETE" else None).status == 405, (method, url)


def test_devices_are_created_and_deleted_through_graph(dsdk: GraphSdk) -> None:
    assert dsdk.call("POST", "devices", {"displayName": "Incomplete"}).status == 400
    made = dsdk.call("POST", "devices", {
        "accountEnabled": True, "displayName": "Lab-02", "deviceId": "7e1f02c5-7b9f-4a0e-9f47-4a0c0b1a4d11",
        "operatingSystem": "Linux", "operatingSystemVersion": "6.8",
        "alternativeSecurityIds": [{"type": 2, "key": "Y3YxN2E1MWFlYw=="}]})
    assert made.status == 201, made.json
    device = made.json["id"]
    ref = {"@odata.id": f"https://graph.microsoft.com/v1.0/directoryObjects/{device}"}
    assert dsdk.call("POST", f"groups/{GROUP}/members/$ref", ref).status == 204
    assert dsdk.call("DELETE", f"devices/{device}").status == 204
    assert dsdk.call("GET", f"devices/{device}").status == 404
    assert device not in {m["id"] for m in dsdk.items(f"groups/{GROUP}/members")}  # gone for good


@pytest.mark.parametrize("version", ["v1.0", "beta"])
def test_devices_and_contacts_are_group_members_with_their_type(dsdk: GraphSdk, version: str) -> None:
    members = {m["id"]: m for m in dsdk.items(f"groups/{GROUP}/members", version=version)}
    assert members[DEVICE]["@odata.type"] == "#microsoft.graph.device"
    assert members[CONTACT]["@odata.type"] == "#microsoft.graph.orgContact"
    expanded = dsdk.call("GET", f"groups/{GROUP}?$expand=members", version=version).json["members"]
    assert {m["id"]: m["@odata.type"] for m in expanded if m["id"] in (DEVICE, CONTACT)} == {
        DEVICE: "#microsoft.graph.device", CONTACT: "#microsoft.graph.orgContact"}


def test_microsoft_365_groups_take_neither(dsdk: GraphSdk) -> None:
    m365 = next(g["id"] for g in dsdk.items("groups?$select=id,groupTypes") if "Unified" in g["groupTypes"])
    for obj in (DEVICE, CONTACT):
        ref = {"@odata.id": f"https://graph.microsoft.com/v1.0/directoryObjects/{obj}"}
        assert dsdk.call("POST", f"groups/{m365}/members/$ref", ref).status == 400


def test_contacts_manage_users_devices_never(dsdk: GraphSdk) -> None:
    manager = dsdk.call("GET", f"users/{USER}/manager").json
    assert (manager["id"], manager["@odata.type"]) == (CONTACT, "#microsoft.graph.orgContact")
    other = F.user_ids[F.guest_upn]
    device = {"@odata.id": f"https://graph.microsoft.com/v1.0/directoryObjects/{DEVICE}"}
    assert dsdk.call("PUT", f"users/{other}/manager/$ref", device).status == 400
    contact = {"@odata.id": f"https://graph.microsoft.com/v1.0/directoryObjects/{CONTACT}"}
    assert dsdk.call("PUT", f"users/{other}/manager/$ref", contact).status == 204


def test_directory_roles_show_in_member_of(dsdk: GraphSdk) -> None:
    roles = dsdk.items("directoryRoles")
    assert [(r["id"], r["roleTemplateId"]) for r in roles] == [(ROLE, GLOBAL_ADMIN_TEMPLATE)]
    assert [m["id"] for m in dsdk.items(f"directoryRoles/{ROLE}/members")] == [USER]
    member_of = dsdk.items(f"users/{USER}/memberOf")
    assert {"#microsoft.graph.directoryRole", "#microsoft.graph.group"} <= {m["@odata.type"] for m in member_of}
    assert ROLE in {m["id"] for m in member_of}


def test_restricted_management_unit_members_refuse_app_only_writes(dsdk: GraphSdk) -> None:
    unit = dsdk.call("GET", f"directory/administrativeUnits/{UNIT}").json
    assert unit["isMemberManagementRestricted"] is True and unit["displayName"] == "Executive Office"
    assert [m["id"] for m in dsdk.items(f"directory/administrativeUnits/{UNIT}/members")] == [RESTRICTED]
    assert dsdk.call("GET", f"users/{RESTRICTED}?$select=isManagementRestricted").json["isManagementRestricted"]
    denied = dsdk.call("PATCH", f"users/{RESTRICTED}", {"jobTitle": "Chief"})
    assert denied.status == 403 and denied.error["code"] == "Authorization_RequestDenied"
    assert dsdk.call("PATCH", f"users/{USER}", {"jobTitle": "Chief"}).status == 204


def test_contacts_come_through_the_control_plane(dual_sdk: GraphSdk) -> None:
    added = dual_sdk.control("objects", {"type": "contacts", "objects": [
        {"id": NEW_CONTACT, "displayName": "Ines Partner", "mail": "ines@partner.example"}]})
    assert added == {"added": [NEW_CONTACT]}
    assert dual_sdk.call("GET", f"contacts/{NEW_CONTACT}").json["displayName"] == "Ines Partner"
    ref = {"@odata.id": f"https://graph.microsoft.com/v1.0/directoryObjects/{NEW_CONTACT}"}
    assert dual_sdk.call("POST", f"groups/{GROUP}/members/$ref", ref).status == 204
    again = dual_sdk.call("POST", f"{dual_sdk.root}/_emulator/objects", {"type": "contacts", "objects": [
        {"id": NEW_CONTACT, "displayName": "Twice"}]})
    assert again.status == 400 and "exists already" in again.error["message"]


def test_available_extension_properties_cut_off_above_1000_service_principals() -> None:
    small = Emulator(seed="demo")
    assert small.backend.available_extension_properties({}) != []
    big = scale_seed(users=10, groups=1, applications=600, service_principals=1_000)
    app = big["applications"][0]
    big["directoryExtensions"] = [{**demo_seed()["directoryExtensions"][0], "appDisplayName": app["displayName"],
                                   "name": f"extension_{app['appId'].replace('-', '')}_costCenter"}]
    assert len(big["servicePrincipals"]) > 1_000
    emu = Emulator(seed=big)
    sdk = GraphSdk(emu.url, emu.transport())
    try:
        resp = sdk.call("POST", "directoryObjects/getAvailableExtensionProperties", {})
        assert resp.status == 200 and resp.json["value"] == []
    finally:
        sdk.close()
