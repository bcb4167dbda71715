"""References to soft-deleted objects are neither stale nor dropped (issue 12.3): a plan right after a backup is
empty although a policy names a named location sitting in the Conditional Access deleted items; a policy is never
written without a reference its file holds: a soft-deleted group the write needs is restored first, a location
only the admin center can restore stops the change with the reason."""

from __future__ import annotations

import json

import pytest

from entragit.emulator.seeds import DEMO_FACTS as F
from entragit.graph import run
from tests.apply.helpers import Lab

POLICY = F.ca_policy_ids[F.gsa_policy]
LOCATION = F.named_location_ids[F.detachable_ip_location]
POLICIES = "identity/conditionalAccess/policies"


def test_a_location_in_deleted_items_keeps_the_policy_as_it_is(lab: Lab, capsys: pytest.CaptureFixture[str]) -> None:
    run(lab.client.delete(f"identity/conditionalAccess/namedLocations/{LOCATION}"))  # still named by the policy
    lab.backup()
    assert lab.state()["conditionalAccessPolicies"][POLICY]["conditions"]["locations"]["excludeLocations"] == [
        LOCATION]
    planned = lab.cli(capsys, "plan", "--format", "json")
    assert planned.code == 0, planned.err
    data = json.loads(planned.out)
    assert data["changes"] == [] and data["warnings"] == []           # right after a backup: nothing to do

    # someone disables the policy and edits its conditions (Graph makes them drop the deleted location): the state
    # is written back; the conditions, which name the deleted location, are not (Graph refuses them, and without
    # the location the policy would apply to more than its file says)
    async def meddle() -> None:
        live = await lab.client.get(f"{POLICIES}/{POLICY}")
        conditions = live["conditions"]
        conditions["users"]["excludeUsers"] = []
        conditions["locations"]["excludeLocations"] = []
        await lab.client.patch(f"{POLICIES}/{POLICY}", {"state": "disabled", "conditions": conditions})

    run(meddle())
    lab.mark()
    done = lab.cli(capsys, "apply", "--yes", "--format", "json", "--type", "conditionalAccessPolicies")
    assert done.code == 0, done.err
    result = json.loads(done.out)
    [skip] = [c for c in result["changes"] if c["kind"] == "skip"]
    assert skip["properties"] == ["conditions"] and LOCATION in skip["message"]
    assert "deleted items" in skip["message"] and "admin center" in skip["message"]
    live = run(lab.client.get(f"{POLICIES}/{POLICY}"))
    assert live["state"] == "enabled" and live["conditions"]["locations"]["excludeLocations"] == []
    assert [(w["method"], w["path"]) for w in lab.writes()] == [("PATCH", f"{POLICIES}/{POLICY}")]


def test_a_policy_write_restores_the_soft_deleted_group_it_names(lab: Lab,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    group = F.group_ids["Operations Team"]

    lab.exclude_group(POLICY, group, True)
    lab.backup()                                                       # the policy excludes the group
    lab.exclude_group(POLICY, group, False)
    run(lab.client.delete(f"groups/{group}"))                          # the exclusion dropped, the group deleted
    planned = lab.cli(capsys, "plan", "--format", "json", "--type", "conditionalAccessPolicies")
    assert planned.code == 0, planned.err
    changes = {c["key"]: c for c in json.loads(planned.out)["changes"]}
    restore = changes[f"restore:groups/{group}"]                       # outside the scope, restored first
    update = changes[f"update:conditionalAccessPolicies/{POLICY}"]
    assert restore["key"] in update["after"] and group in json.dumps(update["body"])
    done = lab.cli(capsys, "apply", "--yes", "--type", "conditionalAccessPolicies")
    assert done.code == 0, done.out + done.err
    live = run(lab.client.get(f"{POLICIES}/{POLICY}"))
    assert group in live["conditions"]["users"]["excludeGroups"]
    assert group in lab.live(["groups"])["groups"]
