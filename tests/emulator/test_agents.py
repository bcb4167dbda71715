"""Entra Agent ID objects as v1.0 lists them: agentIdentityBlueprint among applications, agentIdentity and
agentIdentityBlueprintPrincipal among servicePrincipals, agentUser among users, each with its @odata.type,
created only through their own type casts (a plain POST cannot), through the real msgraph-sdk adapter."""

from __future__ import annotations

from typing import Any

import pytest

from entragit.emulator.seeds import DEMO_DIRECTORY as D
from entragit.emulator.seeds import DEMO_FACTS as F
from tests.plugins.emulator import GraphSdk

SPONSOR = F.user_ids[F.cloud_user_upn]


def make_agents(sdk: GraphSdk, namespace: str = "microsoft.graph") -> dict[str, dict[str, Any]]:
    blueprint = sdk.call("POST", f"applications/{namespace}.agentIdentityBlueprint", {
        "displayName": "Helpdesk agent blueprint",
        "sponsors@odata.bind": [f"https://graph.microsoft.com/v1.0/users/{SPONSOR}"]})
    assert blueprint.status == 201, blueprint.json
    principal = sdk.call("POST", f"servicePrincipals/{namespace}.agentIdentityBlueprintPrincipal",
                         {"appId": blueprint.json["appId"]})
    assert principal.status == 201, principal.json
    identity = sdk.call("POST", f"servicePrincipals/{namespace}.agentIdentity", {
        "displayName": "Helpdesk agent", "agentIdentityBlueprintId": blueprint.json["appId"],
        "sponsors@odata.bind": [f"https://graph.microsoft.com/v1.0/users/{SPONSOR}"]})
    assert identity.status == 201, identity.json
    user = sdk.call("POST", f"users/{namespace}.agentUser", {
        "displayName": "Helpdesk agent user", "identityParentId": identity.json["id"], "accountEnabled": True,
        "mailNickname": "helpdesk-agent", "userPrincipalName": f"helpdesk-agent@{F.domain}"})
    assert user.status == 201, user.json
    return {"blueprint": blueprint.json, "principal": principal.json, "identity": identity.json, "user": user.json}


@pytest.mark.parametrize("namespace", ["microsoft.graph", "graph"])
def test_agents_are_listed_among_their_base_sets_with_their_type(sdk: GraphSdk, namespace: str) -> None:
    made = make_agents(sdk, namespace)
    listed = {sp["id"]: sp for sp in sdk.items("servicePrincipals")}
    assert listed[made["identity"]["id"]]["@odata.type"] == "#microsoft.graph.agentIdentity"
    assert listed[made["principal"]["id"]]["@odata.type"] == "#microsoft.graph.agentIdentityBlueprintPrincipal"
    assert "@odata.type" not in listed[F.service_principal_ids[F.api_application]]
    apps = {a["id"]: a for a in sdk.items("applications")}
    assert apps[made["blueprint"]["id"]]["@odata.type"] == "#microsoft.graph.agentIdentityBlueprint"
    users = {u["id"]: u for u in sdk.items("users")}
    assert users[made["user"]["id"]]["@odata.type"] == "#microsoft.graph.agentUser"
    casts = sdk.call("GET", f"servicePrincipals/{namespace}.agentIdentity").json["value"]
    assert sorted(a["id"] for a in casts) == sorted([made["identity"]["id"], D.agent_identity_id])
    assert {a["@odata.type"] for a in casts} == {"#microsoft.graph.agentIdentity"}
    got = sdk.call("GET", f"servicePrincipals/{made['identity']['id']}").json
    assert got["@odata.type"] == "#microsoft.graph.agentIdentity"
    assert got["agentIdentityBlueprintId"] == made["blueprint"]["appId"]


def test_a_plain_post_cannot_create_them(sdk: GraphSdk) -> None:
    for coll, kind in (("servicePrincipals", "agentIdentity"), ("applications", "agentIdentityBlueprint"),
                       ("users", "agentUser")):
        resp = sdk.call("POST", coll, {"@odata.type": f"#microsoft.graph.{kind}", "displayName": "Sneaky"})
        assert resp.status == 400 and f"microsoft.graph.{kind}" in resp.error["message"], (coll, resp.json)


def test_casts_check_what_their_pages_require(sdk: GraphSdk) -> None:
    no_sponsor = sdk.call("POST", "servicePrincipals/microsoft.graph.agentIdentity",
                          {"displayName": "Orphan", "agentIdentityBlueprintId": D.blueprint_app_id})
    assert no_sponsor.status == 400 and "'sponsors@odata.bind'" in no_sponsor.error["message"]   # only that missing
    no_blueprint = sdk.call("POST", "servicePrincipals/microsoft.graph.agentIdentity", {
        "displayName": "Orphan", "agentIdentityBlueprintId": F.app_ids[F.api_application],
        "sponsors@odata.bind": [f"https://graph.microsoft.com/v1.0/users/{SPONSOR}"]})
    assert no_blueprint.status == 400 and "agentIdentityBlueprint" in no_blueprint.error["message"]


def test_agent_permissions_and_the_directory_readwrite_known_issue(sdk: GraphSdk) -> None:
    sdk.control("permissions", {"granted": ["AgentIdentityBlueprint.Create"]})
    ok = sdk.call("POST", "applications/microsoft.graph.agentIdentityBlueprint", {"displayName": "Scoped"})
    assert ok.status == 201
    sdk.control("permissions", {"granted": ["AgentIdentityBlueprint.Create", "Directory.ReadWrite.All"]})
    ignored = sdk.call("POST", "applications/microsoft.graph.agentIdentityBlueprint", {"displayName": "Ignored"})
    assert ignored.status == 403
    sdk.control("permissions", {"granted": ["Application.ReadWrite.All"]})
    assert sdk.call("POST", "applications/microsoft.graph.agentIdentityBlueprint",
                    {"displayName": "Wrong"}).status == 403
