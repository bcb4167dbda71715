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
    # ... and the delete waits for that create: Graph refuses a second user with the UPN while the first exists,
    # and a failed create then skips the delete instead of leaving neither user
    delete = next(c for c in plan.changes if c.kind == "delete")
    create = next(c for c in plan.changes if c.kind == "recreate")
    assert create.key in delete.after
    assert plan.changes.index(create) < plan.changes.index(delete)


def test_deleting_one_user_and_adding_another_is_no_look_alike() -> None:
    live = tree(("users", user(1, "Adele Vance")), ("users", user(2, "Bob Kent")))
    desired = copy.deepcopy(live)
    del desired["users"][gid(1)]
    desired["users"][gid(9)] = user(9, "Carla Diaz")
    plan = compute_plan(desired, live, {}, None, PlanOptions(allow_delete=True))
    assert plan.counts()["delete"] == 1 and plan.counts()["skip"] == 1


def test_a_live_user_with_the_upn_is_an_earlier_create_only_when_it_holds_what_the_create_sends() -> None:
    """What a killed `apply --recreate` made (the file's values under a new id, nothing recorded) is matched by its
    userPrincipalName; a live user that only shares the UPN is not taken for an earlier apply's create."""
    desired = tree(("users", user(1, "Adele Vance")))
    made = {**user(1, "Adele Vance"), "id": gid(7), "createdDateTime": "2026-12-07T00:00:00Z"}
    asked = PlanOptions(recreate=frozenset({gid(1)}))
    plan = compute_plan(desired, tree(("users", made)), {}, None, asked)
    assert plan.counts()["recreate"] == 0 and plan.adopted == {f"users/{gid(1)}": {"id": gid(7)}}
    other = {**made, "jobTitle": "Buyer"}
    plan = compute_plan(desired, tree(("users", other)), {}, None, asked)
    assert plan.counts()["recreate"] == 1 and not plan.adopted
