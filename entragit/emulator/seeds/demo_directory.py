"""The rest of the demo directory: a device and an organizational contact as members of a security group, an
Entra Agent ID blueprint with its principal and one agent identity, and a user in a restricted-management
administrative unit (``facts/devices.py``, ``facts/agents.py``). Ids other tests can rely on:
:data:`DEMO_DIRECTORY`."""

from __future__ import annotations

from dataclasses import dataclass

from entragit.emulator.seed_data.objects import make_application, make_service_principal, ts, uid
from entragit.emulator.seeds.common import TENANT_ID, Seed


@dataclass(frozen=True)
class DemoDirectory:
    device_id: str
    contact_id: str
    member_group: str  # display name of the security group the device and the contact are members of
    blueprint_id: str  # application (agentIdentityBlueprint) object id
    blueprint_app_id: str
    blueprint_principal_id: str
    agent_identity_id: str
    unit_id: str  # restricted-management administrative unit
    restricted_user_upn: str  # its member


DEMO_DIRECTORY = DemoDirectory(
    device_id=uid("device", "Reception Kiosk"), contact_id=uid("contact", "Fabrikam Support"),
    member_group="IT Department", blueprint_id=uid("application", "Helpdesk Agent Blueprint"),
    blueprint_app_id=uid("appid", "Helpdesk Agent Blueprint"),
    blueprint_principal_id=uid("serviceprincipal", "Helpdesk Agent Blueprint"),
    agent_identity_id=uid("serviceprincipal", "Helpdesk Agent"), unit_id=uid("administrativeunit", "Executive Office"),
    restricted_user_upn="JoniS@contoso.com",
)


def add_demo_directory(seed: Seed) -> None:
    """Add the objects of :data:`DEMO_DIRECTORY` to the demo ``seed`` (its users and groups exist already)."""
    d = DEMO_DIRECTORY
    seed["devices"] = [{
        "id": d.device_id, "deletedDateTime": None, "accountEnabled": True, "displayName": "Reception Kiosk",
        "deviceId": uid("deviceid", "Reception Kiosk"), "operatingSystem": "Windows",
        "operatingSystemVersion": "10.0.26100.2605", "alternativeSecurityIds": [], "trustType": "AzureAd",
        "isCompliant": True, "isManaged": True, "registrationDateTime": ts(400), "physicalIds": [],
        "systemLabels": [], "profileType": "RegisteredDevice"}]
    seed["contacts"] = [{
        "id": d.contact_id, "deletedDateTime": None, "displayName": "Fabrikam Support", "givenName": None,
        "surname": None, "companyName": "Fabrikam", "department": "Support", "jobTitle": None,
        "mail": "support@fabrikam.example", "mailNickname": "FabrikamSupport", "proxyAddresses": [
            "SMTP:support@fabrikam.example"], "onPremisesSyncEnabled": None, "addresses": [], "phones": []}]
    group = next(g for g in seed["groups"] if g["displayName"] == d.member_group)
    group["members"] = [*group.get("members", []), d.device_id, d.contact_id]
    blueprint = make_application(id=d.blueprint_id, app_id=d.blueprint_app_id,
                                 display_name="Helpdesk Agent Blueprint", created=ts(700))
    seed["applications"].append({"@odata.type": "#microsoft.graph.agentIdentityBlueprint", **blueprint})
    principal = make_service_principal(id=d.blueprint_principal_id, app_id=d.blueprint_app_id,
                                       display_name="Helpdesk Agent Blueprint", owner_tenant=TENANT_ID)
    identity = make_service_principal(id=d.agent_identity_id, app_id=uid("appid", "Helpdesk Agent"),
                                      display_name="Helpdesk Agent", owner_tenant=TENANT_ID)
    seed["servicePrincipals"] += [
        {"@odata.type": "#microsoft.graph.agentIdentityBlueprintPrincipal", **principal,
         "servicePrincipalType": "ServiceIdentity"},
        {"@odata.type": "#microsoft.graph.agentIdentity", **identity, "servicePrincipalType": "ServiceIdentity",
         "agentIdentityBlueprintId": d.blueprint_app_id}]
    restricted = next(u for u in seed["users"] if u["userPrincipalName"] == d.restricted_user_upn)
    seed["administrativeUnits"] = [{
        "id": d.unit_id, "deletedDateTime": None, "displayName": "Executive Office",
        "description": "Executives' accounts: changed only by admins with a role scoped to this unit",
        "isMemberManagementRestricted": True, "membershipType": None, "membershipRule": None,
        "membershipRuleProcessingState": None, "visibility": None, "members": [restricted["id"]]}]

