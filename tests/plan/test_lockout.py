"""The emergency-access rail judges the tenant after the plan: every way a plan can leave an emergency-access
account deleted, disabled, renamed or inside an active policy is refused, whatever the policy's conditions and
grant controls, and whatever the desired files claim (tests of the class, issue 11 attacks (a)-(d) among them)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from entragit.errors import RefusedError
from entragit.plan.after import tenant_after
from entragit.plan.model import Kind, Plan
from entragit.plan.planner import PlanOptions, compute_plan
from entragit.plan.scope import Scope
from tests.plan.helpers import ca_policy, gid, group, tree, user

CA = "conditionalAccessPolicies"
BG = gid(90)
BG_UPN = "breakglass@contoso.onmicrosoft.com"
ASSIGNED, DYNAMIC, NESTED, OTHER = gid(91), gid(92), gid(93), gid(94)
POLICY = gid(4)


def world(**policy: Any) -> dict:
    """The break-glass user, an assigned group holding it, a dynamic group, an assigned group nesting the
    first, and one enabled policy (by default: block everyone, excluding the account by id)."""
    kwargs = {"include_users": ["All"], "exclude_users": [BG], "controls": ["block"], **policy}
    return tree(("users", user(90, "Break Glass", userPrincipalName=BG_UPN)), ("users", user(1, "Adele Vance")),
                ("groups", group(91, "Emergency", members=[BG])),
                ("groups", group(92, "Sales", kind="dynamic", members=[gid(1)])),
                ("groups", group(93, "Nested", members=[ASSIGNED])),
                ("groups", group(94, "Other", members=[gid(1)])),
                (CA, ca_policy(4, "Block all", **kwargs)))


def plan_of(desired: dict, live: dict, *, accounts: tuple[str, ...] = (BG_UPN,), deleted: dict | None = None,
            scope: Scope | None = None, **options: Any) -> Plan:
    return compute_plan(desired, live, deleted or {}, scope, PlanOptions(emergency_access=accounts, **options))


def refused(desired: dict, live: dict, **kwargs: Any) -> str:
    with pytest.raises(RefusedError) as err:
        plan_of(desired, live, **kwargs)
    plan = err.value.plan
    assert isinstance(plan, Plan) and plan.refused
    assert {r["rail"] for r in plan.refused} == {"emergencyAccess"}, plan.refused
    assert str(err.value).count("\n") == len(plan.refused)
    return str(err.value)


def policy(t: dict) -> dict:
    return t[CA][POLICY]


def users_of(t: dict) -> dict:
    return policy(t)["conditions"]["users"]


# -- exclusions that count ---------------------------------------------------------------------------------
@pytest.mark.parametrize("exclude_users,exclude_groups", [([BG], []), ([], [ASSIGNED]), ([], [NESTED])],
                         ids=["by id", "assigned group", "nested assigned groups"])
def test_an_exclusion_by_id_or_assigned_group_passes(exclude_users: list[str], exclude_groups: list[str]) -> None:
    desired = world(exclude_users=exclude_users, exclude_groups=exclude_groups)
    live = copy.deepcopy(desired)
    policy(live)["state"] = "disabled"
    plan = plan_of(desired, live)
    assert plan.counts()["update"] == 1 and not plan.refused
    # named by object id as well as by UPN
    assert plan_of(desired, live, accounts=(BG,)).counts()["update"] == 1


def test_a_policy_naming_only_other_users_needs_no_exclusion() -> None:
    desired = world(include_users=[gid(1)], exclude_users=[])
    live = copy.deepcopy(desired)
    policy(live)["state"] = "disabled"
    assert plan_of(desired, live).counts()["update"] == 1


# -- (a) a look-alike user file ------------------------------------------------------------------------------
def test_a_fake_user_carrying_the_break_glass_upn_is_not_the_account() -> None:
    """The PR adds a user file with the break-glass UPN under a new id and excludes only that id. The fake is
    skipped (a new identity), and a policy never loses a reference its file holds (keep_references): the
    policy's write stops, so the tenant after the plan still excludes the account and the rail has nothing to
    refuse. Once the fake is created (--recreate) the policy would exclude it, not the account: refused."""
    live = world()
    desired = copy.deepcopy(live)
    fake = user(99, "Break Glass", userPrincipalName=BG_UPN)
    desired["users"][fake["id"]] = fake
    users_of(desired).update(excludeUsers=[fake["id"]])
    plan = plan_of(desired, live)
    assert not plan.refused and plan.counts()["skip"] == 2
    stopped = next(c for c in plan.changes if c.type == CA)
    assert stopped.kind is Kind.SKIP and stopped.id == POLICY and fake["id"] in (stopped.reason or "")
    assert tenant_after(plan, live)[CA][POLICY] == live[CA][POLICY]  # still excluding the account by its id
    # even when the fake is created (--recreate), it is another account
    assert "would apply to emergency-access account" in refused(desired, live, recreate=frozenset({fake["id"]}))
    # and the desired files never name the account: a fake with the account's id elsewhere changes nothing
    desired["users"][BG]["userPrincipalName"] = "someone-else@contoso.com"
    assert "renamed" in refused(desired, live)


# -- (b) excluded, but deleted by the same change -----------------------------------------------------------
def test_excluding_the_account_while_deleting_it_is_refused() -> None:
    live = world()
    desired = copy.deepcopy(live)
    del desired["users"][BG]
    message = refused(desired, live, allow_delete=True)
    assert "would not exist" in message
    scoped = Scope(objects=frozenset({("users", BG)}), removed=frozenset({("users", BG)}))
    assert "would not exist" in refused(desired, live, scope=scoped)


# -- (c) whatever the conditions and controls ----------------------------------------------------------------
@pytest.mark.parametrize("edit", [
    lambda c: c.update(platforms={"includePlatforms": ["android", "iOS", "windows", "windowsPhone", "macOS", "linux"],
                                  "excludePlatforms": []}),
    lambda c: c.update(clientAppTypes=["browser", "mobileAppsAndDesktopClients", "exchangeActiveSync", "other"]),
    lambda c: c.update(locations={"includeLocations": [gid(5)], "excludeLocations": []}),
    lambda c: c.update(signInRiskLevels=["high"]),
    lambda c: c["applications"].update(includeApplications=["Office365"]),
], ids=["every platform", "every client app", "a location", "a risk level", "one app"])
def test_conditions_never_excuse_a_missing_exclusion(edit: Any) -> None:
    live = world()
    desired = copy.deepcopy(live)
    users_of(desired).update(excludeUsers=[])
    edit(policy(desired)["conditions"])
    assert "would apply to emergency-access account" in refused(desired, live)


@pytest.mark.parametrize("controls", [["mfa"], ["compliantDevice"], []])
def test_grant_controls_never_excuse_a_missing_exclusion(controls: list[str]) -> None:
    live = world()
    desired = copy.deepcopy(live)
    users_of(desired).update(excludeUsers=[])
    policy(desired)["grantControls"]["builtInControls"] = controls
    refused(desired, live)


@pytest.mark.parametrize("include", [{"includeGroups": [OTHER], "includeUsers": []},
                                     {"includeRoles": ["62e90394-69f5-4237-9190-012177145e10"], "includeUsers": []},
                                     {"includeUsers": ["GuestsOrExternalUsers"]}],
                         ids=["a group it is not in", "a role", "guests"])
def test_a_policy_that_could_reach_the_account_later_must_exclude_it(include: dict) -> None:
    live = world()
    desired = copy.deepcopy(live)
    users_of(desired).update(excludeUsers=[], **include)
    refused(desired, live)


def test_report_only_counts_and_off_does_not() -> None:
    live = world()
    desired = copy.deepcopy(live)
    users_of(desired).update(excludeUsers=[])
    policy(desired)["state"] = "enabledForReportingButNotEnforced"
    assert "(enabledForReportingButNotEnforced)" in refused(desired, live)
    policy(desired)["state"] = "disabled"
    assert plan_of(desired, live).counts()["update"] == 1
    # a state Graph may add later (an evolvable enum's new member, read from the tenant) counts as on
    future = copy.deepcopy(live)
    policy(future)["state"] = "someFutureState"
    users_of(future).update(excludeUsers=[])
    edited = copy.deepcopy(future)
    edited["users"][gid(1)]["jobTitle"] = "Buyer"
    assert "(someFutureState)" in refused(edited, future)


# -- (d) membership that cannot be relied on -----------------------------------------------------------------
def test_a_dynamic_group_never_counts() -> None:
    """Excluding a dynamic group the PR "adds" the account to (a member change the plan skips), or one that
    holds the account today, or an assigned group nesting a dynamic one: refused."""
    live = world()
    desired = copy.deepcopy(live)
    users_of(desired).update(excludeUsers=[], excludeGroups=[DYNAMIC])
    desired["groups"][DYNAMIC]["members"] = sorted([gid(1), BG])
    refused(desired, live)
    live2 = copy.deepcopy(live)
    live2["groups"][DYNAMIC]["members"] = sorted([gid(1), BG])
    desired2 = copy.deepcopy(desired)
    refused(desired2, live2)
    desired3 = copy.deepcopy(live2)
    users_of(desired3).update(excludeUsers=[], excludeGroups=[OTHER])
    desired3["groups"][OTHER]["members"] = sorted([gid(1), DYNAMIC])
    refused(desired3, live2)


def test_membership_changes_count_as_the_plan_leaves_them() -> None:
    """The exclusion group loses the account (a plan of groups only), or gains it by a member change the plan
    writes: judged after the plan."""
    live = world(exclude_users=[], exclude_groups=[ASSIGNED])
    desired = copy.deepcopy(live)
    desired["groups"][ASSIGNED]["members"] = []
    assert "would apply to" in refused(desired, live, scope=Scope.of(["groups"]))
    gains = world(exclude_users=[], exclude_groups=[OTHER])
    before = copy.deepcopy(gains)
    gains["groups"][OTHER]["members"] = sorted([gid(1), BG])
    users_of(before)["excludeGroups"] = [OTHER]
    # the live policy already excludes OTHER, the account is not in it: a plan adding it passes
    assert not plan_of(gains, before).refused


# -- the account itself ----------------------------------------------------------------------------------------
def test_disabling_or_renaming_the_account_is_refused() -> None:
    live = world()
    desired = copy.deepcopy(live)
    desired["users"][BG]["accountEnabled"] = False
    assert "would be disabled" in refused(desired, live)
    desired = copy.deepcopy(live)
    desired["users"][BG]["userPrincipalName"] = "bg2@contoso.onmicrosoft.com"
    assert "would be renamed" in refused(desired, live, accounts=(BG,))
    desired["users"][BG]["displayName"] = "Renamed"  # the display name is not how it signs in
    desired["users"][BG]["userPrincipalName"] = BG_UPN
    assert not plan_of(desired, live).refused


def test_a_deleted_account_must_come_back() -> None:
    """Soft-deleted live: a plan restoring it passes, a plan leaving it deleted is refused; an entry found
    nowhere is refused; the base backup's users resolve a UPN (never the desired files)."""
    desired = world()
    live = copy.deepcopy(desired)
    item = live["users"].pop(BG)
    item = {**item, "userPrincipalName": BG.replace("-", "") + BG_UPN}
    plan = plan_of(desired, live, deleted={"users": {BG: item}})
    assert plan.counts()["restore"] == 1 and not plan.refused
    assert "would not exist" in refused(desired, live, deleted={"users": {BG: item}}, scope=Scope.of(["groups"]))
    purged = copy.deepcopy(live)
    assert "is not a user of the tenant" in refused(desired, purged)
    assert "would not exist" in refused(desired, purged, emergency_known={BG_UPN: BG})


def test_a_violation_already_in_the_tenant_is_named_as_such() -> None:
    live = world(exclude_users=[])
    desired = copy.deepcopy(live)
    desired["users"][gid(1)]["jobTitle"] = "Buyer"
    message = refused(desired, live)
    assert "already so in the live tenant" in message
    users_of(desired)["excludeUsers"] = [BG]  # the plan that fixes it passes
    assert plan_of(desired, live).counts()["update"] == 2


def test_forced_refusals_move_to_forced_with_the_reason() -> None:
    live = world()
    desired = copy.deepcopy(live)
    users_of(desired)["excludeUsers"] = []
    plan = plan_of(desired, live, force="drill")
    assert not plan.refused and plan.forced and plan.forced[0]["reason"] == "drill"
    assert plan.to_json()["forced"][0]["rail"] == "emergencyAccess"


# -- no account named -------------------------------------------------------------------------------------------
def test_without_accounts_a_written_policy_blocking_everyone_is_refused() -> None:
    live = world(exclude_users=[])
    policy(live)["state"] = "disabled"
    desired = copy.deepcopy(live)
    policy(desired)["state"] = "enabled"
    assert "no emergency-access accounts are named" in refused(desired, live, accounts=())
    platforms = ["android", "iOS", "windows", "windowsPhone", "macOS", "linux"]
    policy(desired)["conditions"]["platforms"] = {"includePlatforms": platforms, "excludePlatforms": []}
    refused(desired, live, accounts=())  # listing every platform is no narrowing
    policy(desired)["conditions"]["clientAppTypes"] = ["exchangeActiveSync", "other"]  # legacy auth only
    assert plan_of(desired, live, accounts=()).counts()["update"] == 1
