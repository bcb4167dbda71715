"""Scope from a git range (real repositories) and the planner restricted to it."""

from __future__ import annotations

import copy
import subprocess
from pathlib import Path

import pytest

from entragit.errors import UsageError
from entragit.plan import Kind
from entragit.plan.planner import PlanOptions, compute_plan
from entragit.plan.scope import SINGLETON, Scope, changed_objects, check_ids, scope_from_range
from entragit.resources import get
from entragit.state import dump_yaml, object_path
from tests.plan.helpers import gid, group, tree, user


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True).stdout.strip()


def _write(repo: Path, type_key: str, obj: dict) -> None:
    rt = get(type_key)
    path = object_path(repo / "tenant-state", rt, obj["id"])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(dump_yaml(rt, obj), encoding="utf-8")


def _commit(repo: Path, message: str) -> str:
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", message)
    return _git(repo, "rev-parse", "HEAD")


def test_scope_from_range_names_changed_added_and_removed_objects(git_repo: Path) -> None:
    for i in (1, 2, 3):
        _write(git_repo, "users", user(i, f"User {i}"))
    _write(git_repo, "authorizationPolicy", {"id": "authorizationPolicy", "displayName": "Authorization Policy"})
    (git_repo / "notes.md").write_text("x", encoding="utf-8")
    a = _commit(git_repo, "backup 1")
    _write(git_repo, "users", user(1, "User 1", jobTitle="Lead"))
    (git_repo / "tenant-state" / "users" / f"{gid(2)}.yaml").unlink()
    _write(git_repo, "groups", group(5, "New"))
    _write(git_repo, "authorizationPolicy", {"id": "authorizationPolicy", "displayName": "Changed"})
    (git_repo / "notes.md").write_text("y", encoding="utf-8")
    b = _commit(git_repo, "recover")
    changed, added, removed = changed_objects(git_repo, f"{a}..{b}")
    assert changed == {("users", gid(1)), ("users", gid(2)), ("groups", gid(5)), ("authorizationPolicy", SINGLETON)}
    assert added == {("groups", gid(5))} and removed == {("users", gid(2))}
    scope = scope_from_range(git_repo, f"{a}..{b}")
    assert scope.covers(get("users"), gid(1)) and not scope.covers(get("users"), gid(3))
    assert scope.covers(get("authorizationPolicy"), "authorizationPolicy")
    assert scope.range == f"{a}..{b}"


def test_scope_from_range_drives_the_plan(git_repo: Path) -> None:
    desired = tree(("users", user(1, jobTitle="Lead")), ("users", user(2, "Bob")), ("users", user(3, "Eve")))
    for obj in desired["users"].values():
        _write(git_repo, "users", obj)
    a = _commit(git_repo, "a")
    _write(git_repo, "users", {**desired["users"][gid(1)], "jobTitle": "Boss"})
    (git_repo / "tenant-state" / "users" / f"{gid(2)}.yaml").unlink()
    b = _commit(git_repo, "b")
    desired["users"][gid(1)]["jobTitle"] = "Boss"
    del desired["users"][gid(2)]
    live = tree(("users", user(1, jobTitle="Lead")), ("users", user(2, "Bob")), ("users", user(3, "Eve", jobTitle="x")))
    plan = compute_plan(copy.deepcopy(desired), live, {}, scope_from_range(git_repo, f"{a}..{b}"),
                        PlanOptions(safety=False))
    # user 1 updated, user 2 deleted (its file was removed in the range), user 3 untouched (not in the range)
    assert [(c.kind, c.id) for c in plan.changes] == [(Kind.UPDATE, gid(1)), (Kind.DELETE, gid(2))]


def test_added_file_is_a_create_not_a_recreate(git_repo: Path) -> None:
    a = _git(git_repo, "rev-parse", "HEAD")
    _write(git_repo, "groups", group(5, "New"))
    b = _commit(git_repo, "add")
    plan = compute_plan({"groups": {gid(5): group(5, "New")}}, {"groups": {}}, {},
                        scope_from_range(git_repo, f"{a}..{b}"), PlanOptions(safety=False))
    assert [c.kind for c in plan.changes] == [Kind.CREATE]


def test_bad_range_is_a_usage_error(git_repo: Path, tmp_path: Path) -> None:
    with pytest.raises(UsageError):
        changed_objects(git_repo, "nope..HEAD")
    with pytest.raises(UsageError):
        changed_objects(git_repo, "A...B")
    with pytest.raises(UsageError):
        changed_objects(tmp_path, "HEAD~1..HEAD")


def test_scope_describe() -> None:
    assert Scope().describe() == {"all": True}
    assert Scope.of(types=["users"], ids=["x"]).describe() == {"types": ["users"], "ids": ["x"]}


def test_check_ids_accepts_ids_and_app_ids_refuses_singletons_and_unknown_ids() -> None:
    app = {"id": gid(7), "appId": "11111111-2222-3333-4444-555555555555", "displayName": "App"}
    desired = {"users": {gid(1): user(1)}, "applications": {gid(7): app},
               "organization": {"t-1": {"id": "t-1"}}, "authorizationPolicy": {"authorizationPolicy": {}}}
    live = {"users": {gid(2): user(2, "Live only")}}
    check_ids([gid(1), app["appId"], gid(7), gid(2)], [desired, live])  # the live-only user: a delete to plan
    check_ids([], [desired])
    for value, key in (("t-1", "organization"), ("authorizationPolicy", "authorizationPolicy"),
                       ("organization", "organization"), ("authenticationMethodsPolicy", "authenticationMethodsPolicy")):
        with pytest.raises(UsageError, match=f"^--id {value}: {key} is a singleton .* --type {key}, not --id$"):
            check_ids([gid(1), value], [desired])
    with pytest.raises(UsageError, match=r"^--recreate nope: no object with this id \(or appId\) \(and 1 more\)$"):
        check_ids(["nope", gid(1), "nada"], [desired, live], "--recreate")
    check_ids(["nope"], [desired], known=False)  # singletons only
