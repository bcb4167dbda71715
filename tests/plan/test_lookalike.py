"""A delete is never planned next to a skipped create of its look-alike (entragit.plan.lookalike)."""

from __future__ import annotations

import copy

import pytest

from entragit.errors import ValidationError
from entragit.plan.planner import PlanOptions, compute_plan
from tests.plan.helpers import gid, tree, user


def test_a_delete_next_to_a_skipped_create_of_the_same_user_is_refused() -> None:
    live = tree(("users", user(1, "Adele Vance")), ("users", user(2, "Bob Kent")))
    desired = copy.deepcopy(live)
    moved = desired["users"].pop(gid(1))
    desired["users"][gid(9)] = {**moved, "id": gid(9), "jobTitle": "Buyer"}   # same UPN, new id
    with pytest.raises(ValidationError) as err:
        compute_plan(desired, live, {}, None, PlanOptions(allow_delete=True))
    assert err.value.exit_code == 2 and "the same userPrincipalName" in str(err.value)
    assert f"tenant-state/users/{gid(9)}.yaml is tenant-state/users/{gid(1)}.yaml" in str(err.value)
    # with --recreate the new user is created, not skipped: a deliberate replacement, planned
    plan = compute_plan(desired, live, {}, None, PlanOptions(allow_delete=True, recreate=frozenset({gid(9)})))
    assert plan.counts()["delete"] == 1 and plan.counts()["recreate"] == 1


def test_deleting_one_user_and_adding_another_is_no_look_alike() -> None:
    live = tree(("users", user(1, "Adele Vance")), ("users", user(2, "Bob Kent")))
    desired = copy.deepcopy(live)
    del desired["users"][gid(1)]
    desired["users"][gid(9)] = user(9, "Carla Diaz")
    plan = compute_plan(desired, live, {}, None, PlanOptions(allow_delete=True))
    assert plan.counts()["delete"] == 1 and plan.counts()["skip"] == 1
