"""Conditional Access: reference validation on write, special values, stale ids after delete, trusted named
locations, the beta deleted-items container (restore refused for app-only callers).

graph-entra.md "Corrections" (1040 NamedLocation / 1054 Invalid group value: CIPP issues 4194, 3614;
Maester MT.1038 for stale ids), conditionalaccesspolicy-restore (beta), policydeletableitem (beta).
"""

from __future__ import annotations

import copy

from entragit.emulator.seeds import DEMO_FACTS as F
from tests.plugins.emulator import GraphSdk

POLICIES = "identity/conditionalAccess/policies"
LOCATIONS = "identity/conditionalAccess/namedLocations"
ZERO = "00000000-0000-0000-0000-000000000000"
MISSING = "6d0e3c2a-1111-4222-8333-944444444444"


def policy(**users: list[str]) -> dict:
    return {
        "displayName": "Test policy", "state": "disabled",
        "conditions": {
            "clientAppTypes": ["all"],
            "applications": {"includeApplications": ["All"], "excludeApplications": ["Office365"]},
            "users": {"includeUsers": ["All"], "excludeUsers": [], "includeGroups": [], "excludeGroups": [],
                      **users},
            "locations": {"includeLocations": ["All"], "excludeLocations": ["AllTrusted", ZERO]},
        },
        "grantControls": {"operator": "OR", "builtInControls": ["mfa"]},
    }


def test_special_values_are_accepted(dual_sdk: GraphSdk) -> None:
    sdk = dual_sdk
    body = policy(excludeUsers=["GuestsOrExternalUsers"])
    body["conditions"]["applications"]["includeApplications"] = ["MicrosoftAdminPortals"]
    body["conditions"]["clientApplications"] = {"includeServicePrincipals": ["ServicePrincipalsInMyTenant"],
                                                "excludeServicePrincipals": []}
    resp = sdk.call("POST", POLICIES, body)
    assert resp.status == 201, resp.json
    assert resp.json["modifiedDateTime"] is None and resp.json["createdDateTime"]
    got = sdk.call("GET", f"{POLICIES}/{resp.json['id']}").json
    # a set: answered in another order than written (facts.EntitySet.reordered)
    assert sorted(got["conditions"]["locations"]["excludeLocations"]) == sorted(["AllTrusted", ZERO])


GENERIC = "The server could not process the request because it is malformed or incorrect."


def test_unknown_references_are_refused_with_graphs_errors(dual_sdk: GraphSdk) -> None:
    sdk = dual_sdk
    bad_group = sdk.call("POST", POLICIES, policy(excludeGroups=[MISSING]))
    # Graph puts the numbered detail in innerError.message under a generic top-level message
    assert bad_group.status == 400
    assert bad_group.error["message"] == GENERIC
    assert bad_group.error["innerError"]["message"] == f"1054: Invalid group value: {MISSING}."
    assert bad_group.error["code"] == "BadRequest"
    assert bad_group.error["innerError"]["request-id"] == bad_group.headers["request-id"]
    body = policy()
    body["conditions"]["locations"]["excludeLocations"] = [MISSING]
    bad_location = sdk.call("POST", POLICIES, body)
    assert bad_location.status == 400
    assert bad_location.error["innerError"]["message"] == (
        f"1040: NamedLocation with id {MISSING} does not exist in the directory.")
    bad_user = sdk.call("POST", POLICIES, policy(excludeUsers=[MISSING]))
    assert bad_user.status == 400 and MISSING in bad_user.error["innerError"]["message"]
    body = policy()
    body["grantControls"] = {"operator": "OR", "authenticationStrength": {"id": MISSING}}
    assert sdk.call("POST", POLICIES, body).status == 400
    # PATCH validates too
    existing = F.ca_policy_ids[F.ca_policies[0]]
    current = sdk.call("GET", f"{POLICIES}/{existing}").json
    conditions = copy.deepcopy(current["conditions"])
    conditions["users"]["excludeGroups"] = [MISSING]
    assert sdk.call("PATCH", f"{POLICIES}/{existing}", {"conditions": conditions}).status == 400
    # nothing was created
    assert all(p["displayName"] != "Test policy" for p in sdk.items(POLICIES))


def test_strength_reference_is_written_as_id_and_read_expanded(dual_sdk: GraphSdk) -> None:
    sdk = dual_sdk
    strength = F.strength_ids[F.custom_strengths[0]]
    body = policy()
    body["grantControls"] = {"operator": "OR", "authenticationStrength": {"id": strength}}
    created = sdk.call("POST", POLICIES, body)
    assert created.status == 201
    got = sdk.call("GET", f"{POLICIES}/{created.json['id']}").json["grantControls"]["authenticationStrength"]
    assert got["id"] == strength and got["displayName"] == F.custom_strengths[0]
    # a GET body posted back as is (with the expanded strength and its annotation) is accepted
    full = sdk.call("GET", f"{POLICIES}/{created.json['id']}").json
    patch = {k: full[k] for k in ("conditions", "grantControls")}
    assert sdk.call("PATCH", f"{POLICIES}/{created.json['id']}", patch).status == 204


def test_deleting_referenced_objects_leaves_stale_ids(dual_sdk: GraphSdk) -> None:
    sdk = dual_sdk
    victim_group = F.group_ids[F.security_groups[0]]
    victim_user = sdk.call("POST", "users", {
        "accountEnabled": True, "displayName": "Excluded", "mailNickname": "excluded",
        "userPrincipalName": f"excluded@{F.domain}", "passwordProfile": {"password": "Pa55w.rd!Pa55w.rd!"}}).json["id"]
    created = sdk.call("POST", POLICIES, policy(excludeGroups=[victim_group], excludeUsers=[victim_user])).json
    assert sdk.call("DELETE", f"groups/{victim_group}").status == 204
    assert sdk.call("DELETE", f"users/{victim_user}").status == 204
    users = sdk.call("GET", f"{POLICIES}/{created['id']}").json["conditions"]["users"]
    assert users["excludeGroups"] == [victim_group] and users["excludeUsers"] == [victim_user]
    # ...and Graph now rejects a write that still carries them
    again = policy(excludeGroups=[victim_group])
    assert sdk.call("POST", POLICIES, again).status == 400


def test_trusted_named_location_cannot_be_deleted_until_untrusted(dual_sdk: GraphSdk) -> None:
    sdk = dual_sdk
    trusted = F.named_location_ids[F.trusted_ip_location]
    refused = sdk.call("DELETE", f"{LOCATIONS}/{trusted}")
    assert refused.status == 400 and "isTrusted" in refused.error["message"]
    assert sdk.call("PATCH", f"{LOCATIONS}/{trusted}", {"@odata.type": "#microsoft.graph.ipNamedLocation",
                                                        "isTrusted": False}).status == 204
    assert sdk.call("DELETE", f"{LOCATIONS}/{trusted}").status == 204
    assert sdk.call("GET", f"{LOCATIONS}/{trusted}").status == 404


def test_all_zeros_location_is_not_a_named_location(sdk: GraphSdk) -> None:
    resp = sdk.call("GET", f"{LOCATIONS}/{ZERO}")
    assert resp.status == 404
    assert resp.error["message"] == f"NamedLocation with id {ZERO} does not exist in the directory."


def test_deleted_policies_go_to_the_beta_container_and_app_only_cannot_restore(dual_sdk: GraphSdk) -> None:
    sdk = dual_sdk
    pid = F.ca_policy_ids[F.disabled_policy]
    state = sdk.call("GET", f"{POLICIES}/{pid}").json["state"]
    assert sdk.call("DELETE", f"{POLICIES}/{pid}").status == 204
    assert sdk.call("GET", f"{POLICIES}/{pid}").status == 404
    listed = sdk.call("GET", "identity/conditionalAccess/deletedItems/policies", version="beta").json["value"]
    assert [p["id"] for p in listed] == [pid] and listed[0]["deletedDateTime"]
    refused = sdk.call("POST", f"identity/conditionalAccess/deletedItems/policies/{pid}/restore", version="beta")
    assert refused.status == 403
    assert refused.error["code"] == "accessDenied" and set(refused.error["innerError"]) >= {"request-id", "date"}
    sdk.control("settings", {"allowPolicyRestore": True})
    restored = sdk.call("POST", f"identity/conditionalAccess/deletedItems/policies/{pid}/restore", version="beta")
    assert restored.status == 200 and restored.json["id"] == pid and restored.json["state"] == state
    assert sdk.call("GET", f"{POLICIES}/{pid}").status == 200


def test_deleted_named_locations_purge_after_30_days(dual_sdk: GraphSdk) -> None:
    sdk = dual_sdk
    loc = F.named_location_ids[F.country_location]
    referencing = [p["id"] for p in sdk.items(POLICIES)
                   if loc in str(p["conditions"].get("locations"))]
    assert sdk.call("DELETE", f"{LOCATIONS}/{loc}").status == 204
    container = "identity/conditionalAccess/deletedItems/namedLocations"
    assert sdk.call("GET", f"{container}/{loc}", version="beta").status == 200
    sdk.control("clock", {"days": 31})
    assert sdk.call("GET", f"{container}/{loc}", version="beta").status == 404
    # the policies that referenced it still hold its id
    for pid in referencing:
        assert loc in str(sdk.call("GET", f"{POLICIES}/{pid}").json["conditions"]["locations"])
