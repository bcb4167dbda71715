"""Lists Graph treats as sets (declared ``unordered``) never make an order-only difference (issue 10.12): the
planner, the applier's re-plan after an apply (residual drift) and the report compare them as sets, and an export
writes them sorted, whatever order Graph answers them in (the emulator answers them in another order than the
written one, as Graph did)."""

from __future__ import annotations

import pytest

from entragit.graph import run
from entragit.plan import Kind
from entragit.plan.planner import PlanOptions, compute_plan
from tests.apply.helpers import Lab
from tests.plan.helpers import ca_policy, location, tree

POLICIES = "identity/conditionalAccess/policies"
LOCATIONS = "identity/conditionalAccess/namedLocations"
POLICY = "30b6c82e-c515-5ae3-b0f4-b373f59dde3f"      # excludes a named location and AllTrusted
LOCATION = "2fccac95-9628-5161-9db2-fd6a84e06b56"


def test_a_remapped_id_in_a_set_like_list_plans_nothing_once_graph_holds_it() -> None:
    """The recreated location's new id replaces the old one in excludeLocations: the desired list (old order)
    and the live one (Graph's order) hold the same set, so no update is planned again."""
    old, new = "00000001-0000-4000-8000-000000000001", "ffffffff-0000-4000-8000-000000000002"
    desired = tree(("namedLocations", location(1)), ("conditionalAccessPolicies", ca_policy(
        4, include_locations=["All"], exclude_locations=["AllTrusted", old])))
    desired["namedLocations"] = {old: dict(desired["namedLocations"].popitem()[1], id=old)}
    live = tree(("namedLocations", dict(location(2), id=new)), ("conditionalAccessPolicies", ca_policy(
        4, include_locations=["All"], exclude_locations=["AllTrusted", new])))
    live.update({k: {} for k in ("users", "groups", "applications", "servicePrincipals",
                                 "authenticationStrengthPolicies")})
    assert desired["conditionalAccessPolicies"][next(iter(live["conditionalAccessPolicies"]))][
        "conditions"]["locations"]["excludeLocations"] == [old, "AllTrusted"]
    plan = compute_plan(desired, live, {}, None, PlanOptions(safety=False,
                                                             known_ids={f"namedLocations/{old}": {"id": new}}))
    assert [c for c in plan.changes if c.kind is not Kind.SKIP] == []


def test_recreated_location_leaves_no_order_only_drift(lab: Lab, capsys: pytest.CaptureFixture[str]) -> None:
    lab.backup()
    excluded = lab.state()["conditionalAccessPolicies"][POLICY]["conditions"]["locations"]["excludeLocations"]
    assert excluded == sorted([LOCATION, "AllTrusted"])

    async def lose_location() -> None:
        policy = await lab.client.get(f"{POLICIES}/{POLICY}")
        conditions = policy["conditions"]
        conditions["locations"]["excludeLocations"] = ["AllTrusted"]
        await lab.client.patch(f"{POLICIES}/{POLICY}", {"conditions": conditions})
        await lab.client.patch(f"{LOCATIONS}/{LOCATION}",  # a trusted location is deleted once untrusted
                               {"@odata.type": "#microsoft.graph.ipNamedLocation", "isTrusted": False})
        await lab.client.delete(f"{LOCATIONS}/{LOCATION}")
    run(lose_location())

    done = lab.cli(capsys, "apply", "--yes")
    assert done.code == 0, done.out + done.err           # no residual drift (exit 5)
    live = lab.live(["namedLocations", "conditionalAccessPolicies"])
    (new_id,) = [i for i, o in live["namedLocations"].items()
                 if o["displayName"] == lab.state()["namedLocations"][LOCATION]["displayName"]]
    assert live["conditionalAccessPolicies"][POLICY]["conditions"]["locations"]["excludeLocations"] == \
        sorted([new_id, "AllTrusted"])
    lab.mark()
    again = lab.cli(capsys, "apply", "--yes")
    assert again.code == 0 and lab.writes() == [], again.out
