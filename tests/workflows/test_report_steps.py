"""difference-report.yml's own shell, run as a runner would, with a recording stand-in for `entragit recover`
(the other commands are entragit's own): how the dispatch inputs (backup tag, types, object ids, include_new)
become `entragit recover` arguments, that input text is data and never shell, which backup an empty tag means
(the newest *trusted* one, never the highest tag name), the artifact with the whole report, and the pull request:
opened with its title and body fitted to GitHub's limits and the publisher started for it where the repository
lets GitHub Actions open pull requests, linked for a person to open where it does not (GitHub's default).

The real `entragit recover` and `entragit plan` behind these steps run in tests/workflows/test_pipeline.py.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from entragit.backups import backup
from tests.backups.helpers import demo_tenant
from tests.workflows.helpers import PROJECT_WORKFLOWS, prepare_workflow_run
from tests.workflows.runner import JobResult, Runner, git

REPORT = PROJECT_WORKFLOWS / "difference-report.yml"
VARS = {"ENTRAGIT_TENANT_ID": "contoso.onmicrosoft.com", "ENTRAGIT_READER_CLIENT_ID": "r"}

# Records its arguments one per line, and does what `entragit recover --pr-dir DIR` promises: a local branch,
# and DIR/branch, DIR/title, DIR/body.md.
FAKE_ENTRAGIT = r"""#!/usr/bin/env bash
set -euo pipefail
if [ "$1" != "recover" ]; then exec "$FAKE_ENTRAGIT_PYTHON" -m entragit "$@"; fi
printf '%s\n' "$@" > "$FAKE_ENTRAGIT_ARGS"
dir=""
prev=""
for arg in "$@"; do
  if [ "$prev" = "--pr-dir" ]; then dir="$arg"; fi
  prev="$arg"
done
mkdir -p "$dir"
git branch -f recover/report-test HEAD
echo "recover/report-test" > "$dir/branch"
printf '%s\n' "${FAKE_TITLE:-Recover groups to a backup}" > "$dir/title"
if [ -n "${FAKE_BODY_LINES:-}" ]; then
  { echo '## Difference report'; for i in $(seq "$FAKE_BODY_LINES"); do echo "| group $i | deleted | restored from the backup |"; done; } > "$dir/body.md"
else
  printf '## Difference report\n\nSales Team: deleted\n' > "$dir/body.md"
fi
"""


@pytest.fixture(autouse=True)
def _tools(monkeypatch: pytest.MonkeyPatch) -> None:
    prepare_workflow_run(monkeypatch)


def _origin(base: Path, days: tuple[str, ...]) -> Path:
    """origin with one real backup per day (annotated tag with its manifest), and a lightweight far-future tag
    nobody should ever pick."""
    origin, work = base / "origin.git", base / "work"
    git(base, "init", "-q", "--bare", "-b", "main", str(origin))
    git(base, "clone", "-q", str(origin), str(work))
    for key, value in (("user.name", "Ada Admin"), ("user.email", "ada@example.com")):
        git(work, "config", key, value)
    (work / "README.md").write_text("tenant\n", encoding="utf-8")
    git(work, "add", "-A")
    git(work, "commit", "-q", "-m", "init")
    tenant = demo_tenant()
    for i, day in enumerate(days):
        tenant.put("users", f"u{i}-{day}", displayName=day)
        backup(work, export_step=tenant.export, now=day)
    if days:
        git(work, "tag", "backup/99991231T235959Z", "HEAD~1")
    git(work, "push", "-q", "origin", "main", "--tags")
    return origin


@pytest.fixture
def runner(tmp_path: Path) -> Runner:
    origin = _origin(tmp_path, ("2026-01-01T23:00:00Z", "2026-01-02T23:00:00Z"))
    r = Runner(tmp_path / "runner", origin, variables=VARS,
               env={"FAKE_ENTRAGIT_ARGS": str(tmp_path / "entragit-args.txt"), "FAKE_ENTRAGIT_PYTHON": sys.executable})
    fake = r.tools / "entragit"
    fake.write_text(FAKE_ENTRAGIT, encoding="utf-8")
    fake.chmod(0o755)
    return r


def allow_pull_requests(runner: Runner) -> None:
    runner.edit_github(lambda s: s["settings"].update(actions_can_create_pull_requests=True))


def dispatch(runner: Runner, inputs: dict[str, Any], stop_after: str = "Open the pull request") -> JobResult:
    sha = git(runner.origin, "rev-parse", "main")
    github = runner.github_context("workflow_dispatch", ref="refs/heads/main", sha=sha,
                                   event={"repository": {"default_branch": "main"}, "inputs": inputs})
    return runner.run_job(REPORT, "report", github, inputs=inputs, stop_after=stop_after)


def recover_args(runner: Runner) -> list[str]:
    args = Path(runner.env["FAKE_ENTRAGIT_ARGS"]).read_text(encoding="utf-8").splitlines()
    assert args[0] == "recover" and args[3] == "--pr-dir"
    return args[:3] + args[5:]   # without --pr-dir's folder (the job's temporary folder)


def test_inputs_become_recover_arguments_and_the_pull_request(runner: Runner) -> None:
    allow_pull_requests(runner)
    job = dispatch(runner, {"backup": "backup/20260101T230000Z", "types": "groups, users conditionalAccessPolicies",
                            "ids": "1b2c,  9f8e", "include_new": True})
    assert job.result == "success", job.log
    assert recover_args(runner) == ["recover", "--from", "backup/20260101T230000Z", "--type", "groups", "--type",
                                    "users", "--type", "conditionalAccessPolicies", "--id", "1b2c", "--id", "9f8e",
                                    "--include-new"]
    step = job.step("Build the revert branch")
    assert step.outputs["branch"] == "recover/report-test"
    assert step.outputs["base"] == git(runner.origin, "rev-parse", "main")
    assert git(runner.origin, "rev-parse", "refs/heads/recover/report-test") == step.outputs["base"]
    state = runner.github_state()
    [pull] = state["pulls"]
    assert (pull["base"], pull["head"], pull["labels"]) == ("main", "recover/report-test", ["recovery"])
    assert pull["title"] == "Recover groups to a backup"
    assert pull["body"] == "## Difference report\n\nSales Team: deleted\n"
    assert job.step("Open the pull request").outputs == {"number": str(pull["number"])}
    assert f"Difference report: https://github.com/org/tenant/pull/{pull['number']}" in job.summary
    # the whole report is this run's artifact; the publisher is started for the pull request (a pull request
    # opened with the workflow token starts no pull_request workflow)
    [artifact] = state["artifacts"]
    assert artifact["name"] == f"entragit-report-{artifact['run_id']}"
    assert [(d["workflow"], d["ref"], d["inputs"]) for d in state["dispatches"]] == [
        ("publish-plan.yml", "main", {"pr": str(pull["number"])})]


def test_where_github_actions_may_not_open_pull_requests_the_summary_links_one(runner: Runner) -> None:
    """GitHub's default, and docs/setup.md's advice: the branch is pushed, the run succeeds, its summary links
    the pull request to open (which then starts plan.yml and the publisher like any other)."""
    runner.env["FAKE_TITLE"] = "Recover groups " + " ".join(f"{n:08x}-1111-2222-3333-444455556666" for n in range(6))
    job = dispatch(runner, {"backup": "", "types": "groups", "ids": "", "include_new": False})
    assert job.result == "success", job.log
    assert runner.github_state()["pulls"] == [] and runner.github_state()["dispatches"] == []
    assert "GitHub Actions is not permitted to create or approve pull requests" in job.step("Open the pull request").output
    assert "https://github.com/org/tenant/compare/main...recover/report-test?expand=1&title=Recover%20groups%20" in job.summary
    assert "open the pull request" in job.summary.lower()


def test_a_long_title_and_body_fit_githubs_limits(runner: Runner) -> None:
    allow_pull_requests(runner)
    runner.env["FAKE_TITLE"] = "entragit recover: groups " + " ".join(
        f"{n:08x}-1111-2222-3333-444455556666" for n in range(6)) + " back to backup/20260101T230000Z"
    runner.env["FAKE_BODY_LINES"] = "3000"
    job = dispatch(runner, {"backup": "", "types": "", "ids": "", "include_new": False})
    assert job.result == "success", job.log
    [pull] = runner.github_state()["pulls"]
    assert len(pull["title"]) <= 256 and pull["title"].endswith("…")
    assert len(pull["body"]) <= 65536 and "lines shown; the whole difference report is in this run's workflow artifact: " \
        "https://github.com/org/tenant/actions/runs/" in pull["body"]


def test_empty_inputs_mean_the_newest_backup_and_everything(runner: Runner) -> None:
    job = dispatch(runner, {"backup": "", "types": "", "ids": "", "include_new": False},
                   stop_after="Build the revert branch")
    assert job.result == "success", job.log
    assert recover_args(runner) == ["recover", "--from", "backup/20260102T230000Z"]   # not the year-9999 tag


def test_input_text_is_never_run_as_shell(runner: Runner, tmp_path: Path) -> None:
    marker = tmp_path / "injected"
    job = dispatch(runner, {"backup": "", "types": f"groups;touch {marker}", "ids": f"$(touch {marker})",
                            "include_new": False}, stop_after="Build the revert branch")
    assert job.result == "success", job.log
    assert not marker.exists()
    assert recover_args(runner) == ["recover", "--from", "backup/20260102T230000Z", "--type", "groups;touch",
                                    "--type", str(marker), "--id", "$(touch", "--id", f"{marker})"]


def test_without_any_trusted_backup_the_run_fails_saying_so(tmp_path: Path) -> None:
    origin = _origin(tmp_path, ())
    work = tmp_path / "work"
    git(work, "tag", "backup/20260101T230000Z")        # a lightweight tag: no manifest, not a backup
    git(work, "push", "-q", "origin", "--tags")
    runner = Runner(tmp_path / "runner", origin, variables=VARS, env={"FAKE_ENTRAGIT_PYTHON": sys.executable})
    fake = runner.tools / "entragit"
    fake.write_text(FAKE_ENTRAGIT, encoding="utf-8")
    fake.chmod(0o755)
    job = dispatch(runner, {"backup": "", "types": "", "ids": "", "include_new": False})
    assert job.result == "failure"
    step = job.step("Build the revert branch")
    assert step.returncode == 2
    assert "::error::no trusted backup/* tag in this repository: run the backup workflow first" in step.output
    assert job.step("Open the pull request").outcome == "skipped"
    assert runner.github_state()["calls"] == []
