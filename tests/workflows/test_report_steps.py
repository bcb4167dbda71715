"""difference-report.yml's own shell, run as a runner would, with a recording stand-in for `entragit`: how the
dispatch inputs (backup tag, types, object ids, include_new) become `entragit recover` arguments, that input
text is data and never shell, which backup an empty tag means, and the pull request it opens.

The real `entragit recover` and `entragit plan` behind these steps run in tests/workflows/test_pipeline.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.workflows.helpers import PROJECT_WORKFLOWS, prepare_workflow_run
from tests.workflows.runner import JobResult, Runner, git

REPORT = PROJECT_WORKFLOWS / "difference-report.yml"
VARS = {"ENTRAGIT_TENANT_ID": "contoso.onmicrosoft.com", "ENTRAGIT_READER_CLIENT_ID": "r"}

# Records its arguments one per line, and does what `entragit recover --pr-dir DIR` promises: a local branch,
# and DIR/branch, DIR/title, DIR/body.md.
FAKE_ENTRAGIT = r"""#!/usr/bin/env bash
set -euo pipefail
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
echo "Recover groups to a backup" > "$dir/title"
printf '## Difference report\n\nSales Team: deleted\n' > "$dir/body.md"
"""


@pytest.fixture(autouse=True)
def _tools(monkeypatch: pytest.MonkeyPatch) -> None:
    prepare_workflow_run(monkeypatch)


def _origin(base: Path, tags: tuple[str, ...]) -> Path:
    origin, work = base / "origin.git", base / "work"
    git(base, "init", "-q", "--bare", "-b", "main", str(origin))
    git(base, "clone", "-q", str(origin), str(work))
    for key, value in (("user.name", "Ada Admin"), ("user.email", "ada@example.com")):
        git(work, "config", key, value)
    for i, tag in enumerate(tags or ("",)):
        (work / "tenant-state").mkdir(exist_ok=True)
        (work / "tenant-state" / "n.txt").write_text(f"{i}\n", encoding="utf-8")
        git(work, "add", "-A")
        git(work, "commit", "-q", "-m", f"commit {i}")
        if tag:
            git(work, "tag", tag)
    git(work, "push", "-q", "origin", "main", "--tags")
    return origin


@pytest.fixture
def runner(tmp_path: Path) -> Runner:
    origin = _origin(tmp_path, ("backup/20260101T230000Z", "backup/20260102T230000Z"))
    r = Runner(tmp_path / "runner", origin, variables=VARS,
               env={"FAKE_ENTRAGIT_ARGS": str(tmp_path / "entragit-args.txt")})
    fake = r.tools / "entragit"
    fake.write_text(FAKE_ENTRAGIT, encoding="utf-8")
    fake.chmod(0o755)
    return r


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
    [pull] = runner.github_state()["pulls"]
    assert (pull["base"], pull["head"], pull["labels"]) == ("main", "recover/report-test", ["recovery"])
    assert pull["title"] == "Recover groups to a backup"
    assert pull["body"] == "## Difference report\n\nSales Team: deleted\n"
    assert job.step("Open the pull request").outputs == {"number": str(pull["number"])}
    assert f"Difference report: https://github.com/org/tenant/pull/{pull['number']}" in job.summary


def test_empty_inputs_mean_the_newest_backup_and_everything(runner: Runner) -> None:
    job = dispatch(runner, {"backup": "", "types": "", "ids": "", "include_new": False},
                   stop_after="Build the revert branch")
    assert job.result == "success", job.log
    assert recover_args(runner) == ["recover", "--from", "backup/20260102T230000Z"]


def test_input_text_is_never_run_as_shell(runner: Runner, tmp_path: Path) -> None:
    marker = tmp_path / "injected"
    job = dispatch(runner, {"backup": "", "types": f"groups;touch {marker}", "ids": f"$(touch {marker})",
                            "include_new": False}, stop_after="Build the revert branch")
    assert job.result == "success", job.log
    assert not marker.exists()
    assert recover_args(runner) == ["recover", "--from", "backup/20260102T230000Z", "--type", "groups;touch",
                                    "--type", str(marker), "--id", "$(touch", "--id", f"{marker})"]


def test_without_any_backup_tag_the_run_fails_saying_so(tmp_path: Path) -> None:
    runner = Runner(tmp_path / "runner", _origin(tmp_path, ()), variables=VARS)
    job = dispatch(runner, {"backup": "", "types": "", "ids": "", "include_new": False})
    assert job.result == "failure"
    step = job.step("Build the revert branch")
    assert step.returncode == 2
    assert "::error::no backup/* tag in this repository: run the backup workflow first" in step.output
    assert job.step("Open the pull request").outcome == "skipped"
    assert runner.github_state() == {}
