"""The approval check and the plan's provenance (`entragit check-merge`, entragit.gitops.gate), against the
recorded GitHub API of tests/workflows/fake_gh.py, on a GitHub Free private repository: no environment, no
ruleset, no branch protection, so anyone with write access can push anything anywhere (tests/workflows/world.py).

The plan is published by running publish-plan.yml's own steps (with a stand-in for `entragit plan`, whose real
run is in test_pipeline.py); the merged change is checked as the administrators' workflow checks it, in a fresh
clone of origin.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from entragit.backups import push_notes, record_apply_outcome
from entragit.errors import RefusedError
from entragit.gitops.gate import MergeVerdict, check_merge
from entragit.gitops.github import GitHub
from entragit.init import render_workflow
from tests.workflows.helpers import prepare_workflow_run
from tests.workflows.runner import git
from tests.workflows.world import ADA, BOB, MALLORY, PUBLISH, World

CHANGE = {"tenant-state/groups/g1.yaml": "displayName: Sales\n"}
PUBLISHED = "c0ffee" * 10 + "c0ff"


@pytest.fixture(autouse=True)
def _tools(monkeypatch: pytest.MonkeyPatch) -> None:
    prepare_workflow_run(monkeypatch)


@pytest.fixture
def world(tmp_path: Path) -> World:
    return World(tmp_path)


def check(world: World, before: str, after: str, pinned: tuple[int, ...] | None = None,
          min_approvals: int = 1) -> MergeVerdict:
    """`entragit check-merge` as the administrators' workflow runs it: a fresh checkout, GitHub through `gh`."""
    clone = world.base / f"checkout-{after[:8]}"
    if not clone.exists():
        git(world.base, "clone", "-q", "--no-local", str(world.origin), str(clone))
    api = GitHub(env={**os.environ, **world.runner.env, "GH_TOKEN": "ghs_workflow_token"})
    from git import Repo

    return check_merge(Repo(clone), api, "org/tenant", before=before, after=after, pinned_approvers=pinned,
                       publisher=render_workflow("publish-plan.yml"), min_approvals=min_approvals)


def reviewed_pull(world: World, *, approver: object = BOB, author=ADA) -> tuple[int, str]:
    head = world.branch("change", author, CHANGE)
    number = world.open_pull("change", author)
    published = world.publish(number)
    assert published.result == "success", published.log
    if approver is not None:
        world.review(number, approver)
    return number, head


def refused(world: World, before: str, after: str, match: str, **kw: object) -> str:
    with pytest.raises(RefusedError) as caught:
        check(world, before, after, **kw)  # type: ignore[arg-type]
    assert re.search(match, str(caught.value)), str(caught.value)
    return str(caught.value)


def test_an_approved_merge_with_a_published_plan_passes(world: World) -> None:
    number, head = reviewed_pull(world)
    before, after = world.merge(number)
    verdict = check(world, before, after)
    assert (verdict.pr, verdict.checksum, verdict.force_reason) == (number, PUBLISHED, "")
    assert [(a.login, a.user_id, a.commit_id) for a in verdict.approvals] == [("bob", BOB.id, head)]
    [artifact] = world.runner.github_state()["artifacts"]
    assert verdict.plan is not None and verdict.plan.artifact_id == artifact["id"]
    # the API calls the check made, in the documented routes
    calls = [c[-1] for c in world.runner.github_state()["calls"] if c[0] == "api"]
    for route in (f"repos/org/tenant/commits/{after}/pulls?per_page=100", f"repos/org/tenant/pulls/{number}",
                  f"repos/org/tenant/pulls/{number}/reviews?per_page=100",
                  f"repos/org/tenant/pulls/{number}/commits?per_page=100",
                  "repos/org/tenant/activity?per_page=100&ref=refs%2Fheads%2Fchange",
                  "repos/org/tenant/activity?per_page=100&ref=refs%2Fheads%2Fmain", "graphql",
                  f"repos/org/tenant/actions/artifacts?per_page=100&name=entragit-plan-{number}-{head}",
                  f"repos/org/tenant/actions/artifacts/{artifact['id']}/zip"):
        assert route in calls, route
    # every list was read to its end (gh --paginate), never one page of it
    lists = [c for c in world.runner.github_state()["calls"] if c[0] == "api" and "per_page=100" in c[-1]]
    assert lists and all("--paginate" in c for c in lists)
    # squash merges carry the pull request too
    (world.base / "squash").mkdir()
    world2 = World(world.base / "squash")
    number2, _ = reviewed_pull(world2)
    before2, after2 = world2.merge(number2, squash=True)
    assert check(world2, before2, after2).pr == number2


@pytest.mark.parametrize(("reviews", "why"), [
    ((), r"0 approval\(s\) that count, 1 needed \(no review\)"),
    ((("ada", "APPROVED"),), r"ada opened it: an author never approves their own change"),
    ((("github-actions[bot]", "APPROVED"),), r"github-actions\[bot\] is a Bot account: only people approve"),
    ((("renovate[bot]", "APPROVED"),), r"renovate\[bot\] is a Bot account: only people approve"),
    ((("mallory", "APPROVED"),), r"mallory \(id 2003\) is not a listed approver"),
    ((("bob", "APPROVED"), ("bob", "CHANGES_REQUESTED")), r"bob: changes requested"),
    ((("bob", "APPROVED"), ("bob", "DISMISSED")), r"bob: dismissed"),
])
def test_approvals_that_do_not_count(world: World, reviews: tuple[tuple[str, str], ...], why: str) -> None:
    number, _ = reviewed_pull(world, approver=None)
    for login, state in reviews:
        world.review(number, login, state)
    before, after = world.merge(number)
    refused(world, before, after, why)


def test_an_approval_of_an_earlier_push_does_not_count(world: World) -> None:
    number, first = reviewed_pull(world)
    head = world.push_to_pull(number, ADA, {"tenant-state/groups/g1.yaml": "displayName: Sales and more\n"})
    assert world.publish(number).result == "success"
    before, after = world.merge(number)
    refused(world, before, after, rf"bob approved {first[:12]}, not the final head {head[:12]}")


def test_a_pull_request_cannot_list_its_own_approver(world: World) -> None:
    config = (world.work / "entragit.yaml").read_text(encoding="utf-8").replace(
        f"approvers: [{ADA.id}, {BOB.id}]", f"approvers: [{ADA.id}, {BOB.id}, {MALLORY.id}]")
    world.branch("change", ADA, {**CHANGE, "entragit.yaml": config})
    number = world.open_pull("change", ADA)
    assert world.publish(number).result == "success"
    world.review(number, MALLORY)
    before, after = world.merge(number)
    refused(world, before, after, r"mallory \(id 2003\) is not a listed approver")


def test_the_administrators_pinned_ids_narrow_the_base_branch_list(world: World) -> None:
    """A write collaborator can push a config listing themselves straight to main (nothing protects it on
    GitHub Free); the ids pinned in the administrators' workflow keep such a listing from counting."""
    number, _ = reviewed_pull(world)
    before, after = world.merge(number)
    refused(world, before, after, r"bob \(id 2002\) is not a listed approver", pinned=(ADA.id,))
    assert check(world, before, after, pinned=(ADA.id, BOB.id)).pr == number


def test_the_administrators_pinned_count_is_a_floor_the_base_branch_cannot_lower(world: World) -> None:
    """A write collaborator can push `recovery.approvals: 1` straight to main (nothing protects it on GitHub Free);
    the count pinned in the administrators' workflow still needs two people."""
    number, _ = reviewed_pull(world)
    before, after = world.merge(number)
    refused(world, before, after, r"1 approval\(s\) that count, 2 needed", min_approvals=2)
    assert check(world, before, after, min_approvals=1).pr == number


def test_a_commit_github_cannot_link_to_an_account_refuses_the_check(world: World) -> None:
    world.branch("change", ADA, CHANGE)
    git(world.work, "-c", "user.email=someone@elsewhere.invalid", "commit", "-q", "--amend", "--no-edit",
        "--reset-author")
    git(world.work, "push", "-q", "-f", "origin", "change")
    number = world.open_pull("change", ADA)
    assert world.publish(number).result == "success"
    world.review(number, BOB)
    before, after = world.merge(number)
    refused(world, before, after, r"has an author \(someone@elsewhere.invalid\) GitHub does not link to an account")


def test_a_direct_push_and_a_push_of_more_than_the_merge_are_refused(world: World) -> None:
    before = git(world.origin, "rev-parse", "main")
    world.as_person(MALLORY)
    git(world.work, "fetch", "-q", "origin")
    git(world.work, "checkout", "-q", "-B", "main", "origin/main")
    (world.work / "tenant-state/groups").mkdir(parents=True, exist_ok=True)
    (world.work / "tenant-state/groups/g2.yaml").write_text("displayName: Pwned\n", encoding="utf-8")
    git(world.work, "add", "-A")
    git(world.work, "commit", "-q", "-m", "quick fix")
    git(world.work, "push", "-q", "origin", "main")
    after = git(world.work, "rev-parse", "HEAD")
    refused(world, before, after, r"is not the merge commit of a pull request into main: a change pushed directly")

    # a real approved merge, pushed together with a direct commit before it: the range is more than the merge
    number, _ = reviewed_pull(world)
    _, merged = world.merge(number)
    refused(world, before, merged, r"is not one merge onto main")


def test_an_approval_is_used_once(world: World) -> None:
    number, _ = reviewed_pull(world)
    before, after = world.merge(number)
    assert check(world, before, after).pr == number
    # the recovery applied it and pushed its outcome note; then someone rewinds main and pushes the merge again
    clone = world.base / "applier"
    git(world.base, "clone", "-q", "--no-local", str(world.origin), str(clone))
    record_apply_outcome(clone, after, {"status": "applied", "checksum": PUBLISHED})
    push_notes(clone)
    refused(world, before, after, rf"{after[:12]} \(pull request #{number}\) was applied already")


def test_the_plan_must_be_published_before_the_approval(world: World) -> None:
    world.branch("change", ADA, CHANGE)
    number = world.open_pull("change", ADA)
    world.review(number, BOB)                           # approved before any plan was published ...
    assert world.publish(number).result == "success"   # ... the plan comes later: the approver never saw it
    before, after = world.merge(number)
    refused(world, before, after, r"was published at .*, after the approval at .* \(approve again\)")


def test_an_artifact_of_another_workflow_proves_nothing(world: World, tmp_path: Path) -> None:
    """Any workflow of the repository can upload an artifact of the publisher's name: only runs of the
    publisher count."""
    head = world.branch("change", ADA, CHANGE)
    number = world.open_pull("change", ADA)
    rogue = tmp_path / "rogue" / "rogue.yml"
    rogue.parent.mkdir()
    rogue.write_text(PUBLISH.read_text(encoding="utf-8").replace("name: entragit publish plan", "name: rogue"),
                     encoding="utf-8")
    world.runner.env["FAKE_PLAN_CHECKSUM"] = "bad" * 21 + "b"
    sha = git(world.origin, "rev-parse", "main")
    ctx = world.runner.github_context("workflow_dispatch", ref="refs/heads/main", sha=sha, event={
        "repository": {"default_branch": "main"}, "inputs": {"pr": str(number)}})
    assert world.runner.run_job(rogue, "publish", ctx, inputs={"pr": str(number)}).result == "success"
    [artifact] = world.runner.github_state()["artifacts"]
    assert artifact["name"] == f"entragit-plan-{number}-{head}"
    world.review(number, BOB)
    before, after = world.merge(number)
    message = refused(world, before, after, r"no plan of pull request #\d+ at .* was published by entragit's publisher")
    assert "is of .github/workflows/rogue.yml, not .github/workflows/publish-plan.yml" in message


def test_a_publisher_changed_on_main_proves_nothing(world: World, tmp_path: Path) -> None:
    """On GitHub Free anyone can push a changed publish-plan.yml to main and run it; its runs are set aside
    because the definition at their head_sha is not entragit's publisher."""
    number, _ = reviewed_pull(world, approver=None)
    evil = tmp_path / "evil" / "publish-plan.yml"
    evil.parent.mkdir()
    evil.write_text(PUBLISH.read_text(encoding="utf-8").replace("# entragit: publish the plan",
                                                                "# tweaked: publish the plan"), encoding="utf-8")
    world.as_person(MALLORY)
    git(world.work, "fetch", "-q", "origin")
    git(world.work, "checkout", "-q", "-B", "main", "origin/main")
    (world.work / ".github/workflows/publish-plan.yml").write_text(evil.read_text(encoding="utf-8"), encoding="utf-8")
    git(world.work, "commit", "-q", "-am", "tweak the publisher")
    git(world.work, "push", "-q", "origin", "main")
    # the plan to publish on that pull request now, by the changed publisher, claims another checksum
    world.runner.env["FAKE_PLAN_CHECKSUM"] = "bad" * 21 + "b"
    world.runner.edit_github(lambda s: s["artifacts"].clear())
    world.merge_ref(number)
    sha = git(world.origin, "rev-parse", "main")
    ctx = world.runner.github_context("workflow_dispatch", ref="refs/heads/main", sha=sha, event={
        "repository": {"default_branch": "main"}, "inputs": {"pr": str(number)}})
    assert world.runner.run_job(evil, "publish", ctx, inputs={"pr": str(number)}).result == "success"
    world.review(number, BOB)
    before, after = world.merge(number)
    message = refused(world, before, after, r"was published by entragit's publisher")
    assert "publish-plan.yml at" in message and "is not entragit's publisher (it was changed)" in message


def test_a_forced_plan_carries_its_reason_and_a_refused_one_has_no_checksum(world: World) -> None:
    world.branch("change", ADA, CHANGE)
    reason = "a script deleted 40% of the groups; restoring all of them is the point"
    number = world.open_pull("change", ADA, body=f"Restore.\r\nEntragit-Force-Reason: {reason}\r\n",
                             labels=("recovery", "recovery-force"))
    assert world.publish(number).result == "success"
    [plan] = [c for c in world.entragit_calls() if c.startswith("plan ")]
    assert plan.startswith("plan --scope-from") and plan.endswith(f"--force {reason}")
    world.review(number, BOB)
    before, after = world.merge(number)
    assert check(world, before, after).force_reason == reason

    (world.base / "refused").mkdir()
    world2 = World(world.base / "refused")
    world2.branch("change", ADA, CHANGE)
    n2 = world2.open_pull("change", ADA)
    world2.runner.env["FAKE_PLAN_ERROR"] = "refused: 60% of groups would be deleted (safety.maxChangeShare 0.3)"
    job = world2.publish(n2)
    assert job.result == "failure"
    [comment] = world2.pull(n2)["comments"]
    assert "No plan: entragit plan exited 3" in comment["body"] and "maxChangeShare" in comment["body"]
    world2.review(n2, BOB)
    b2, a2 = world2.merge(n2)
    refused(world2, b2, a2, r"has no checksum: entragit: error: refused: 60% of groups would be deleted")
