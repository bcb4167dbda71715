"""recover.yml's own shell, run as a runner would, against real git repositories and the `gh` stand-in.

Where the reviewed checksum comes from (the bot's plan comment, else a merged commit's trailer, else the pull
request body), that a forged comment is ignored, that a change nobody planned is refused, how the
`recovery-force` label works, and that a refused recovery fails the run and opens an issue.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.workflows.helpers import PROJECT_WORKFLOWS, tool_missing
from tests.workflows.runner import Runner, git

RECOVER = PROJECT_WORKFLOWS / "recover.yml"
VARS = {"ENTRAGIT_TENANT_ID": "contoso.onmicrosoft.com", "ENTRAGIT_READER_CLIENT_ID": "r",
        "ENTRAGIT_WRITER_CLIENT_ID": "w"}
COMMENT_SUM, TRAILER_SUM, BODY_SUM, FORGED_SUM = ("c0ffee" * 10 + "c0ff", "7a11e4" * 10 + "7a11",
                                                  "b0d1e5" * 10 + "b0d1", "bad" * 21 + "b")


@pytest.fixture(autouse=True)
def _tools() -> None:
    if shutil.which("jq") is None:
        tool_missing("jq is not installed (the gh stand-in filters with it, as gh --jq does)")


class Repo:
    """origin (bare) and a clone where the test plays the people: branches, merges, pushes."""

    def __init__(self, base: Path) -> None:
        self.origin, self.work = base / "origin.git", base / "work"
        git(base, "init", "-q", "--bare", "-b", "main", str(self.origin))
        git(base, "clone", "-q", str(self.origin), str(self.work))
        for key, value in (("user.name", "Ada Admin"), ("user.email", "ada@example.com"),
                           ("commit.gpgsign", "false")):
            git(self.work, "config", key, value)
        self.commit("tenant-state/groups/g1.yaml", "displayName: Sales\n", "backup\n\nEntragit-Backup: backup/1")
        git(self.work, "push", "-q", "origin", "main")

    def commit(self, path: str, text: str, message: str) -> str:
        file = self.work / path
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_text(text, encoding="utf-8")
        git(self.work, "add", path)
        git(self.work, "commit", "-q", "-m", message)
        return git(self.work, "rev-parse", "HEAD")

    def merge_branch(self, message: str, branch: str = "recover/backup-1") -> tuple[str, str]:
        """A pull request branch changing tenant-state/, merged with a merge commit: (before, after)."""
        before = git(self.work, "rev-parse", "main")
        git(self.work, "checkout", "-q", "-b", branch)
        self.commit("tenant-state/groups/g1.yaml", f"displayName: {branch}\n", message)
        git(self.work, "checkout", "-q", "main")
        git(self.work, "merge", "-q", "--no-ff", "-m", f"Merge pull request from org/{branch}", branch)
        git(self.work, "push", "-q", "origin", "main")
        return before, git(self.work, "rev-parse", "HEAD")


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Repo:
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", "/dev/null")
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    return Repo(tmp_path)


@pytest.fixture
def runner(tmp_path: Path, repo: Repo) -> Runner:
    return Runner(tmp_path / "runner", repo.origin, variables=VARS)


def open_pull(runner: Runner, merged_as: str, *, body: str = "", labels: tuple[str, ...] = (),
              comments: tuple[tuple[str, str], ...] = ()) -> None:
    def change(state: dict[str, Any]) -> None:
        state["labels"].update({name: {} for name in labels})
        state["pulls"].append({
            "number": 1, "base": "main", "head": "recover/backup-1", "title": "Recover", "body": body,
            "labels": list(labels), "state": "merged", "merge_commit_sha": merged_as, "user": "ada",
            "comments": [{"id": 500 + i, "user": {"login": user}, "body": text}
                         for i, (user, text) in enumerate(comments)]})
        state["next_number"] = 2
    runner.edit_github(change)


def push_event(runner: Runner, before: str, after: str, message: str) -> dict[str, Any]:
    return runner.github_context("push", ref="refs/heads/main", sha=after, event={
        "before": before, "after": after, "repository": {"default_branch": "main"},
        "head_commit": {"id": after, "message": message}})


def plan_comment(checksum: str) -> str:
    return f"<!-- entragit-plan -->\n## Plan\n\n1 update\n\nEntragit-Plan-Checksum: {checksum}\n"


def reviewed(runner: Runner, before: str, after: str) -> Any:
    job = runner.run_job(RECOVER, "apply", push_event(runner, before, after, "Merge pull request #1"),
                         stop_after="Find the reviewed plan")
    return job, job.step("Find the reviewed plan")


def test_the_plan_comment_wins_and_a_forged_one_is_ignored(runner: Runner, repo: Repo) -> None:
    before, after = repo.merge_branch(f"Recover\n\nEntragit-Plan-Checksum: {TRAILER_SUM}")
    open_pull(runner, after, body=f"report\n\nEntragit-Plan-Checksum: {BODY_SUM}",
              comments=(("github-actions[bot]", plan_comment(COMMENT_SUM)), ("mallory", plan_comment(FORGED_SUM))))
    job, step = reviewed(runner, before, after)
    assert step.outcome == "success", job.log
    assert step.outputs == {"checksum": COMMENT_SUM, "pr": "1", "force_reason": ""}
    assert "from the plan comment of pull request #1" in step.output
    assert ["pip", "install", "--disable-pip-version-check", "entragit==0.1.0"] == \
        (runner.base / "pip.log").read_text(encoding="utf-8").split()


def test_without_our_comment_the_merged_trailer_then_the_body(runner: Runner, repo: Repo) -> None:
    before, after = repo.merge_branch(f"Recover\n\nEntragit-Plan-Checksum: {TRAILER_SUM}")
    open_pull(runner, after, body=f"Entragit-Plan-Checksum: {BODY_SUM}",
              comments=(("mallory", plan_comment(FORGED_SUM)),))
    job, step = reviewed(runner, before, after)
    assert step.outputs["checksum"] == TRAILER_SUM, job.log

    before, after = repo.merge_branch("Edit the group by hand", "edit-sales")
    open_pull(runner, after, body=f"Made by hand.\r\nEntragit-Plan-Checksum: {BODY_SUM}\r\n")
    runner.edit_github(lambda s: s["pulls"].pop(0))
    job, step = reviewed(runner, before, after)
    assert step.outputs["checksum"] == BODY_SUM, job.log


def test_recovery_force_needs_a_reason_in_the_pull_request(runner: Runner, repo: Repo) -> None:
    before, after = repo.merge_branch(f"Recover\n\nEntragit-Plan-Checksum: {TRAILER_SUM}")
    open_pull(runner, after, body="Please restore.", labels=("recovery", "recovery-force"))
    job, step = reviewed(runner, before, after)
    assert step.outcome == "failure"
    assert "recovery-force label but no 'Entragit-Force-Reason: <why>' line" in step.output

    reason = "a script deleted 40% of the groups; restoring all of them is the point"
    runner.edit_github(lambda s: s["pulls"][0].update(body=f"Please restore.\nEntragit-Force-Reason: {reason}\n"))
    job, step = reviewed(runner, before, after)
    assert step.outcome == "success", job.log
    assert step.outputs["force_reason"] == reason


def test_an_unplanned_change_is_refused_and_an_issue_is_opened(runner: Runner, repo: Repo) -> None:
    """A direct push to tenant-state/ (no pull request, no reviewed plan) never reaches the tenant."""
    before = git(repo.work, "rev-parse", "HEAD")
    after = repo.commit("tenant-state/groups/g1.yaml", "displayName: Pwned\n", "quick fix")
    git(repo.work, "push", "-q", "origin", "main")
    job = runner.run_job(RECOVER, "apply", push_event(runner, before, after, "quick fix"))
    assert job.result == "failure"
    outcomes = {s.name: s.outcome for s in job.steps}
    assert outcomes["Find the reviewed plan"] == "failure"
    assert outcomes["Apply"] == "skipped"
    assert outcomes["Open an issue"] == "success", job.log
    [issue] = runner.github_state()["issues"]
    assert issue["title"] == f"entragit: recovery of {after[:12]} did not start"
    assert issue["labels"] == ["recovery"]
    assert f"no reviewed plan for {before}..{after}" in issue["body"]
    assert "https://github.com/org/tenant/actions/runs/" in issue["body"]
    assert "no reviewed plan" in job.summary


def test_the_backups_own_push_starts_no_apply(runner: Runner, repo: Repo) -> None:
    before = git(repo.work, "rev-parse", "HEAD")
    message = "entragit backup 20260102T230000Z\n\nEntragit-Backup: backup/20260102T230000Z\n"
    after = repo.commit("tenant-state/groups/g1.yaml", "displayName: Sales 2\n", message)
    job = runner.run_job(RECOVER, "apply", push_event(runner, before, after, message))
    assert job.result == "skipped" and job.steps == []
    backup = runner.run_job(RECOVER, "backup", push_event(runner, before, after, message),
                            needs={"apply": {"result": "skipped"}})
    assert backup.result == "skipped"
    assert runner.github_state() == {}


def test_jobs_skip_without_the_tenant_variables(tmp_path: Path, repo: Repo) -> None:
    bare = Runner(tmp_path / "bare-runner", repo.origin, variables={})
    before, after = repo.merge_branch("Recover")
    assert bare.run_job(RECOVER, "apply", push_event(bare, before, after, "Merge")).result == "skipped"


FAKE_APPLY = """#!/usr/bin/env bash
printf '%s\\n' "$@" > "$FAKE_ENTRAGIT_ARGS"
echo "entragit $1: stand-in exiting $FAKE_ENTRAGIT_EXIT"
exit "$FAKE_ENTRAGIT_EXIT"
"""


@pytest.mark.parametrize(("labels", "exit_code", "forced", "issue"), [
    (("recovery", "recovery-force"), 0, True, None),
    (("recovery",), 0, False, None),   # a reason line without the label forces nothing
    (("recovery",), 3, False, "was refused (a safety rail, or the tenant changed since the plan was reviewed)"),
    (("recovery",), 4, False, "failed for some changes; the others were applied"),
    (("recovery",), 6, False, "timed out waiting for the lock another backup or recovery holds"),
])
def test_apply_gets_the_reviewed_checksum_the_forced_reason_and_reports_its_exit(
        runner: Runner, repo: Repo, tmp_path: Path, labels: tuple[str, ...], exit_code: int, forced: bool,
        issue: str | None) -> None:
    """The Apply step as GitHub runs it (bash -e): entragit's arguments, and its exit status reaching the issue."""
    fake = runner.tools / "entragit"
    fake.write_text(FAKE_APPLY, encoding="utf-8")
    fake.chmod(0o755)
    runner.env.update(FAKE_ENTRAGIT_ARGS=str(tmp_path / "args.txt"), FAKE_ENTRAGIT_EXIT=str(exit_code))
    reason = "a script deleted 40% of the groups"
    before, after = repo.merge_branch(f"Recover\n\nEntragit-Plan-Checksum: {TRAILER_SUM}")
    open_pull(runner, after, body=f"Restore.\nEntragit-Force-Reason: {reason}\n", labels=labels,
              comments=(("github-actions[bot]", plan_comment(COMMENT_SUM)),))
    job = runner.run_job(RECOVER, "apply", push_event(runner, before, after, "Merge pull request #1"))
    expected = ["apply", "--scope-from", f"{before}..{after}", "--checksum", COMMENT_SUM, "--yes", "--lock-wait",
                "3600"] + (["--force", reason] if forced else [])
    assert (tmp_path / "args.txt").read_text(encoding="utf-8").splitlines() == expected
    step = job.step("Apply")
    assert step.outputs == {"exit": str(exit_code)}, job.log
    assert f"stand-in exiting {exit_code}" in job.summary
    issues = runner.github_state()["issues"]
    if issue is None:
        assert job.result == "success" and issues == []
    else:
        assert job.result == "failure" and step.returncode == exit_code
        assert [i["title"] for i in issues] == [f"entragit: recovery of {after[:12]} {issue}"]
        assert "Pull request: #1" in issues[0]["body"]
