"""Safety rails: the share of a type's objects (the emergency-access rail: tests/plan/test_lockout.py)."""

from __future__ import annotations

import copy

import pytest

from entragit.errors import RefusedError
from entragit.plan.planner import PlanOptions, compute_plan
from tests.plan.helpers import gid, group, tree, user

CA = "conditionalAccessPolicies"
BREAK_GLASS = "breakglass@contoso.onmicrosoft.com"


def _users(n: int) -> dict:
    return tree(*(("users", user(i, f"User {i}", jobTitle="Seller")) for i in range(1, n + 1)))


def test_share_rail_refuses_more_than_30_percent_without_force() -> None:
    desired = _users(10)
    live = copy.deepcopy(desired)
    for i in range(1, 5):  # 4 of 10 users overwritten: 40%
        live["users"][gid(i)]["jobTitle"] = "old"
    with pytest.raises(RefusedError) as err:
        compute_plan(desired, live, {}, None, PlanOptions())
    assert "users: 4 of 10" in str(err.value) and "--force" in str(err.value)
    assert err.value.exit_code == 3
    forced = compute_plan(desired, live, {}, None, PlanOptions(force="restoring after an incident"))
    assert forced.counts()["update"] == 4
    assert forced.forced[0]["rail"] == "maxChangeShare"
    assert forced.forced[0]["reason"] == "restoring after an incident"
    # 3 of 10 is at the limit, not above: passes
    live["users"][gid(4)]["jobTitle"] = "Seller"
    assert compute_plan(desired, live, {}, None, PlanOptions()).counts()["update"] == 3
    # the share is configurable (entragit.yaml safety.maxChangeShare)
    with pytest.raises(RefusedError):
        compute_plan(desired, live, {}, None, PlanOptions(max_change_share=0.2))


def test_share_rail_counts_deletes_but_not_restores() -> None:
    live = _users(5)
    desired = copy.deepcopy(live)
    for i in (1, 2):
        del desired["users"][gid(i)]
    with pytest.raises(RefusedError):
        compute_plan(desired, live, {}, None, PlanOptions(allow_delete=True))
    # restoring two deleted users of five: not an overwrite
    live2 = copy.deepcopy(live)
    deleted = {"users": {gid(i): live2["users"].pop(gid(i)) for i in (1, 2)}}
    plan = compute_plan(copy.deepcopy(live), live2, deleted, None, PlanOptions())
    assert plan.counts()["restore"] == 2


def test_single_object_change_of_a_singleton_type_passes() -> None:
    desired = _users(1)
    live = copy.deepcopy(desired)
    live["users"][gid(1)]["jobTitle"] = "x"
    assert compute_plan(desired, live, {}, None, PlanOptions()).counts()["update"] == 1


def test_memberships_of_a_recreated_user_are_not_overwrites() -> None:
    """A user recreated with --recreate goes back into its groups: bringing back, not overwriting 4 of 10 groups;
    the same four groups changed otherwise are refused."""
    desired = tree(("users", user(1)), ("users", user(2, "Bob")),
                   *(("groups", group(10 + i, f"Group {i}", members=[gid(1)] if i < 4 else [])) for i in range(10)))
    live = copy.deepcopy(desired)
    del live["users"][gid(1)]
    for i in range(4):
        live["groups"][gid(10 + i)]["members"] = []
    plan = compute_plan(desired, live, {}, None, PlanOptions(recreate=frozenset({gid(1)})))
    assert plan.counts()["link-add"] == 4
    for i in range(4):
        desired["groups"][gid(10 + i)]["members"] = [gid(2)]
    with pytest.raises(RefusedError, match="groups: 4 of 10"):
        compute_plan(desired, live, {}, None, PlanOptions(recreate=frozenset({gid(1)})))


def test_a_revert_to_a_verified_backup_is_exempt_from_the_share_rail_but_deletes_still_count() -> None:
    """Changes setting objects back to the revert's source backup are not counted; a change to another value,
    and every delete, still are (entragit.plan.safety.Revert, issue 12.7)."""
    from entragit.plan.safety import Revert

    backup = _users(10)
    live = copy.deepcopy(backup)
    for i in range(1, 6):  # an attacker edited 5 of 10
        live["users"][gid(i)]["jobTitle"] = "Pwned"
    revert = Revert(source="backup/20260701T230000Z", objects=copy.deepcopy(backup))
    plan = compute_plan(copy.deepcopy(backup), live, {}, None, PlanOptions(revert=revert))
    assert plan.counts()["update"] == 5 and not plan.refused
    # one object set to something else than the backup's value: counted, and the exempt ones are said
    desired = copy.deepcopy(backup)
    for i in (1, 2, 3, 4):
        desired["users"][gid(i)]["jobTitle"] = "Not the backup's"
    with pytest.raises(RefusedError) as err:
        compute_plan(desired, live, {}, None, PlanOptions(revert=revert))
    assert "users: 4 of 10" in str(err.value) and "1 more set back to their values in the verified backup" \
        in str(err.value)
    assert err.value.plan.refused[0]["exempt"] == 1
    # deletions always count
    fewer = copy.deepcopy(backup)
    for i in (1, 2, 3, 4):
        del fewer["users"][gid(i)]
    with pytest.raises(RefusedError, match="users: 4 of 10"):
        compute_plan(fewer, backup, {}, None, PlanOptions(revert=Revert("b", fewer), allow_delete=True))


def test_the_emergency_access_rail_has_no_revert_exemption() -> None:
    from entragit.plan.safety import Revert
    from tests.plan.helpers import ca_policy

    backup = tree(("users", user(90, "Break Glass", userPrincipalName="bg@contoso.com")),
                  ("conditionalAccessPolicies", ca_policy(4, "Block all", include_users=["All"], exclude_users=[],
                                                          controls=["block"], state="enabled")))
    live = copy.deepcopy(backup)
    live["conditionalAccessPolicies"][gid(4)]["state"] = "disabled"
    with pytest.raises(RefusedError, match="emergency-access account bg@contoso.com"):
        compute_plan(copy.deepcopy(backup), live, {}, None,
                     PlanOptions(revert=Revert("b", copy.deepcopy(backup)), emergency_access=("bg@contoso.com",)))
