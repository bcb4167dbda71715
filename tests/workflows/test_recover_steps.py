"""recover.yml and the administrators' reusable workflow it calls, run as a runner would, on a GitHub Free private
repository (no environment, no ruleset: tests/workflows/world.py) with the `gh` stand-in and a stand-in for
`entragit apply` (the real one runs in test_pipeline.py and test_recover_refused.py).

Without an approval that counts, the writer never signs in: the check refuses before the first command that
could ask GitHub for an OIDC token, and a recording stand-in of GitHub's token endpoint sees no request. With
one, `entragit apply` gets the checksum of the plan the publisher published, the forced reason only from that
record, and its exit code reaches the issue a failed, refused, cancelled or timed-out recovery opens.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.plugins.graph import GitHubTokenEndpoint, github_token_endpoint
from tests.workflows.helpers import prepare_workflow_run
from tests.workflows.runner import JobResult, git
from tests.workflows.world import ADA, BOB, MALLORY, RECOVER, World

CHANGE = {"tenant-state/groups/g1.yaml": "displayName: Sales\n"}
PUBLISHED = "c0ffee" * 10 + "c0ff"


@pytest.fixture(autouse=True)
def _tools(monkeypatch: pytest.MonkeyPatch) -> None:
    prepare_workflow_run(monkeypatch)


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    """The world, with the job's OIDC request variables pointing at a recording stand-in of GitHub's endpoint."""
    with github_token_endpoint("/_apis/idtoken?api-version=2.0") as url:
        w = World(tmp_path)
        w.runner.env.update(ACTIONS_ID_TOKEN_REQUEST_URL=url, ACTIONS_ID_TOKEN_REQUEST_TOKEN="job-request-token")
        yield w


def recover(world: World, before: str, after: str, *, apply_exit: int = 0) -> tuple[JobResult, JobResult]:
    """recover.yml's apply job (the administrators' workflow) and then its report job, as GitHub runs them."""
    world.runner.env["FAKE_APPLY_EXIT"] = str(apply_exit)
    event = world.push_event(before, after)
    apply = world.runner.run_job(RECOVER, "apply", event)
    report = world.runner.run_job(RECOVER, "report", event,
                                  needs={"apply": {"result": apply.result, "outputs": apply.outputs}})
    return apply, report


def applies(world: World) -> list[str]:
    return [c for c in world.entragit_calls() if c.startswith("apply ")]


def test_on_github_free_without_an_approval_the_writer_never_signs_in(world: World) -> None:
    world.branch("change", ADA, CHANGE)
    number = world.open_pull("change", ADA)
    assert world.publish(number).result == "success"
    before, after = world.merge(number, merger=ADA)            # merged by its own author, nobody approved
    apply, report = recover(world, before, after)
    assert apply.result == "failure"
    outcomes = {s.name: s.outcome for s in apply.steps}
    assert outcomes["Check the approval and the published plan"] == "failure"
    assert outcomes["Apply"] == "skipped"
    assert applies(world) == [] and GitHubTokenEndpoint.seen == []     # no writer token was ever requested
    assert apply.outputs["exit"] == "3" and apply.outputs["pr"] == ""
    assert f"pull request #{number} has 0 approval(s) that count, 1 needed (no review)" in apply.outputs["reason"]
    assert "0 approval(s) that count" in apply.summary
    [issue] = world.runner.github_state()["issues"]
    assert issue["title"].startswith(f"entragit: recovery of {after[:12]} was refused (no approval that counts")
    assert "0 approval(s) that count" in issue["body"] and issue["labels"] == ["recovery"]


def test_a_direct_push_to_main_is_never_applied(world: World) -> None:
    """What a single write collaborator can do on GitHub Free: push a change (and a workflow of their own)
    straight to main. recover.yml runs; the administrators' check refuses; the writer is not asked for."""
    before = git(world.origin, "rev-parse", "main")
    after = world.branch("main", MALLORY, {**CHANGE, ".github/workflows/recover.yml": "# gutted\n"})
    apply, report = recover(world, before, after)
    assert apply.result == "failure" and applies(world) == [] and GitHubTokenEndpoint.seen == []
    assert "a change pushed directly is never applied" in apply.outputs["reason"]
    assert report.result == "success" and len(world.runner.github_state()["issues"]) == 1


@pytest.mark.parametrize(("exit_code", "issue"), [
    (0, None),
    (3, "was refused (no approval that counts, no published plan, a safety rail, or the tenant changed since the "
        "plan was reviewed)"),
    (4, "failed for some changes; the others were applied"),
    (6, "timed out waiting for the lock another backup or recovery holds"),
])
def test_an_approved_merge_is_applied_with_the_published_checksum(world: World, exit_code: int,
                                                                  issue: str | None) -> None:
    world.branch("change", ADA, CHANGE)
    number = world.open_pull("change", ADA)
    assert world.publish(number).result == "success"
    world.review(number, BOB)
    before, after = world.merge(number)
    apply, report = recover(world, before, after, apply_exit=exit_code)
    assert applies(world) == [f"apply --scope-from {before}..{after} --checksum {PUBLISHED} --yes --lock-wait 3600"]
    assert apply.outputs["exit"] == str(exit_code) and apply.outputs["pr"] == str(number)
    assert f"stand-in exiting {exit_code}" in apply.summary
    issues = world.runner.github_state()["issues"]
    if issue is None:
        assert apply.result == "success" and report.result == "skipped" and issues == []
    else:
        assert apply.result == "failure" and [i["title"] for i in issues] == [
            f"entragit: recovery of {after[:12]} {issue}"]
        assert f"Pull request: #{number}" in issues[0]["body"]


def test_the_forced_reason_comes_only_from_the_published_record(world: World) -> None:
    reason = "a script deleted 40% of the groups"
    world.branch("change", ADA, CHANGE)
    number = world.open_pull("change", ADA, body=f"Entragit-Force-Reason: {reason}\n",
                             labels=("recovery", "recovery-force"))
    assert world.publish(number).result == "success"
    world.review(number, BOB)
    # after the approval, someone edits the reason in the body: the recovery uses what was published
    world.runner.edit_github(lambda s: s["pulls"][0].update(body="Entragit-Force-Reason: anything goes\n"))
    before, after = world.merge(number)
    recover(world, before, after)
    assert applies(world) == [f"apply --scope-from {before}..{after} --checksum {PUBLISHED} --yes --lock-wait 3600 "
                              f"--force {reason}"]


def test_a_lock_changed_on_main_does_not_reach_the_writer(world: World) -> None:
    """The install lock is pinned by digest in the administrators' workflow: a changed one (a Dependabot
    update, or anyone's push) stops the job before anything is installed, until an administrator pins it."""
    lock = world.work / ".entragit/requirements.txt"
    world.branch("change", ADA, {**CHANGE, ".entragit/requirements.txt": lock.read_text() + "evil==1.0 \\\n"
                                 "    --hash=sha256:" + "0" * 64 + "\n"})
    number = world.open_pull("change", ADA)
    world.review(number, BOB)
    before, after = world.merge(number)
    apply, report = recover(world, before, after)
    outcomes = {s.name: s.outcome for s in apply.steps}
    assert outcomes["Install entragit (the lock pinned here)"] == "failure"
    assert outcomes["Check the approval and the published plan"] == "skipped"
    assert "is not the lock this workflow pins" in apply.log
    assert not (world.runner.base / "pip.log").exists() and applies(world) == []
    [issue] = world.runner.github_state()["issues"]
    assert issue["title"] == f"entragit: recovery of {after[:12]} did not start"


def test_a_cancelled_or_timed_out_recovery_opens_an_issue(world: World) -> None:
    world.branch("change", ADA, CHANGE)
    number = world.open_pull("change", ADA)
    world.review(number, BOB)
    before, after = world.merge(number)
    event = world.push_event(before, after)
    report = world.runner.run_job(RECOVER, "report", event, needs={"apply": {"result": "cancelled", "outputs": {}}})
    assert report.result == "success"
    [issue] = world.runner.github_state()["issues"]
    assert issue["title"] == f"entragit: recovery of {after[:12]} was cancelled or timed out"


def test_the_backups_own_push_starts_no_apply(world: World) -> None:
    before = git(world.origin, "rev-parse", "main")
    world.as_person(ADA)
    git(world.work, "checkout", "-q", "-B", "main", "origin/main")
    (world.work / "tenant-state/groups").mkdir(parents=True, exist_ok=True)
    (world.work / "tenant-state/groups/g1.yaml").write_text("displayName: Sales 2\n", encoding="utf-8")
    git(world.work, "add", "-A")
    git(world.work, "commit", "-q", "-m", "entragit backup 20260102T230000Z\n\nEntragit-Backup: backup/20260102T230000Z")
    git(world.work, "push", "-q", "origin", "main")
    event = world.push_event(before, git(world.work, "rev-parse", "HEAD"))
    apply = world.runner.run_job(RECOVER, "apply", event)
    assert apply.result == "skipped" and apply.steps == []
    needs: dict[str, Any] = {"apply": {"result": "skipped", "outputs": {}}}
    assert world.runner.run_job(RECOVER, "backup", event, needs=needs).result == "skipped"
    assert world.runner.run_job(RECOVER, "report", event, needs=needs).result == "skipped"


def test_jobs_skip_without_the_tenant_variables(tmp_path: Path) -> None:
    bare = World(tmp_path, variables={"ENTRAGIT_TENANT_ID": ""})
    before = git(bare.origin, "rev-parse", "main")
    after = bare.branch("main", ADA, CHANGE)
    assert bare.runner.run_job(RECOVER, "apply", bare.push_event(before, after)).result == "skipped"
