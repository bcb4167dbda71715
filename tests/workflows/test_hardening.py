"""Hardening and design rules of the workflows, read from the YAML itself (project copies and templates)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from entragit.init import WORKFLOWS, render_workflow
from tests.workflows.gha import evaluate_if
from tests.workflows.helpers import PROJECT_WORKFLOWS, load_workflow, project_workflow_files, run_steps

ALL = [p.name for p in project_workflow_files()]
SHA_PIN = re.compile(r"^[\w.-]+/[\w.-]+(/[\w./-]+)?@[0-9a-f]{40}$")
SIGN_IN_COMMANDS = re.compile(r"\bentragit\s+(backup|recover|plan|apply|diff)\b")
READER, WRITER = "${{ vars.ENTRAGIT_READER_CLIENT_ID }}", "${{ vars.ENTRAGIT_WRITER_CLIENT_ID }}"


def wf(name: str) -> dict[str, Any]:
    return load_workflow(PROJECT_WORKFLOWS / name)


def jobs(name: str) -> dict[str, dict[str, Any]]:
    return wf(name)["jobs"]


def signs_in(job: dict[str, Any]) -> bool:
    return "AZURE_CLIENT_ID" in job.get("env", {})


def test_project_copies_are_the_templates_byte_for_byte() -> None:
    for name in WORKFLOWS:
        assert (PROJECT_WORKFLOWS / name).read_bytes() == render_workflow(name).encode(), (
            f".github/workflows/{name} differs from entragit/templates/workflows/{name}: "
            "regenerate with `.venv/bin/python -m entragit.init --project`")


@pytest.mark.parametrize("name", ALL)
def test_every_action_is_pinned_to_a_commit_sha(name: str) -> None:
    text = (PROJECT_WORKFLOWS / name).read_text(encoding="utf-8")
    uses = re.findall(r"^\s*(?:-\s+)?uses:\s*(\S+)(.*)$", text, re.MULTILINE)
    assert uses, f"{name} uses no action"
    for ref, comment in uses:
        assert SHA_PIN.match(ref), f"{name}: {ref} is not pinned to a full commit SHA"
        assert re.search(r"#\s*v\d+(\.\d+)*", comment), f"{name}: {ref} does not say which release the SHA is"


def test_the_pins_are_the_known_release_commits() -> None:
    """actions/checkout v4.2.2 and actions/setup-python v5.6.0, the same everywhere."""
    pins = set()
    for name in ALL:
        pins |= set(re.findall(r"uses:\s*(\S+@[0-9a-f]{40})\s*#\s*(v[\d.]+)",
                               (PROJECT_WORKFLOWS / name).read_text(encoding="utf-8")))
    assert pins == {("actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683", "v4.2.2"),
                    ("actions/setup-python@a26af69be951a213d495a4c3e4e4022e16d87065", "v5.6.0")}


@pytest.mark.parametrize("name", ALL)
def test_no_expression_inside_run(name: str) -> None:
    for job_id, index, step in run_steps(wf(name)):
        assert "${{" not in step["run"], f"{name}: job {job_id} step {index} expands an expression in run:"


@pytest.mark.parametrize("name", ALL)
def test_least_permissions(name: str) -> None:
    data = wf(name)
    assert data["permissions"] == {}, f"{name}: the workflow grants permissions to every job"
    for job_id, job in data["jobs"].items():
        assert "permissions" in job, f"{name}: job {job_id} has no permissions:"
        perms = job["permissions"]
        assert "write-all" not in str(perms) and "read-all" not in str(perms)
        # id-token only where entragit signs in, and everywhere it does
        runs = " ".join(s["run"] for s in job.get("steps", []) if "run" in s)
        wants_token = bool(SIGN_IN_COMMANDS.search(runs))
        assert (perms.get("id-token") == "write") == wants_token == signs_in(job), (
            f"{name}: job {job_id}: id-token {perms.get('id-token')}, sign-in command {wants_token}, "
            f"AZURE_CLIENT_ID {signs_in(job)}")
        # a job that pushes nothing keeps no credentials in the checkout
        if perms.get("contents") != "write":
            for step in job["steps"]:
                if str(step.get("uses", "")).startswith("actions/checkout@"):
                    assert step["with"]["persist-credentials"] is False, f"{name}: {job_id} persists credentials"


@pytest.mark.parametrize("name", ALL)
def test_no_stored_secret_is_used(name: str) -> None:
    text = (PROJECT_WORKFLOWS / name).read_text(encoding="utf-8")
    assert "secrets." not in text and "client_secret" not in text.lower() and "AZURE_CLIENT_SECRET" not in text


def test_only_the_recovery_job_signs_in_as_the_writer_in_its_environment() -> None:
    seen = []
    for name in WORKFLOWS:
        for job_id, job in jobs(name).items():
            if not signs_in(job):
                continue
            client = job["env"]["AZURE_CLIENT_ID"]
            assert job["env"]["AZURE_TENANT_ID"] == "${{ vars.ENTRAGIT_TENANT_ID }}"
            if client == WRITER:
                seen.append((name, job_id))
                assert job["environment"] == "entra-recovery"
                assert job["permissions"] == {"contents": "write", "pull-requests": "read",
                                              "issues": "write", "id-token": "write"}
            else:
                assert client == READER, f"{name}: {job_id} signs in as {client}"
                assert "environment" not in job
    assert seen == [("recover.yml", "apply")]


def test_concurrency_design() -> None:
    """Backups share one group; each recovery has its own (never cancelled pending); plans supersede."""
    backup, recover = wf("backup.yml"), wf("recover.yml")
    assert backup["concurrency"] == {"group": "entragit-backup", "cancel-in-progress": False}
    # a recovery's group is its run's own: no other run, of this workflow or another, can ever join it
    assert recover["concurrency"] == {"group": "entragit-recover-${{ github.run_id }}", "cancel-in-progress": False}
    assert recover["jobs"]["backup"]["concurrency"] == backup["concurrency"]
    assert "concurrency" not in recover["jobs"]["apply"]
    groups = [(name, where, c["group"]) for name in ALL for where, c in
              [("workflow", wf(name).get("concurrency"))] + [(j, job.get("concurrency")) for j, job in jobs(name).items()]
              if c]
    assert [g for g in groups if "recover" in g[2]] == [("recover.yml", "workflow", recover["concurrency"]["group"])]
    assert wf("difference-report.yml")["concurrency"] == {"group": "entragit-report-${{ github.run_id }}",
                                                         "cancel-in-progress": False}
    assert wf("plan.yml")["concurrency"] == {
        "group": "entragit-plan-${{ github.event.pull_request.number }}", "cancel-in-progress": True}
    # backups and recoveries wait for the lock entragit holds in the remote instead of failing on it
    calls = [line for name in WORKFLOWS for _, _, step in run_steps(wf(name)) for line in step["run"].splitlines()
             if re.search(r"entragit backup --push|args=\(--scope-from", line)]
    assert len(calls) == 3 and all("--lock-wait 3600" in line for line in calls), calls
    # the plan never writes to the tenant: it is the only tenant workflow a newer run may cancel
    for name in WORKFLOWS:
        for job in jobs(name).values():
            assert not (job.get("permissions", {}).get("contents") == "write"
                        and wf(name)["concurrency"]["cancel-in-progress"])


def _context(vars_: dict[str, str], **github: Any) -> dict[str, Any]:
    base = {"event_name": "push", "ref": "refs/heads/main", "sha": "a" * 40, "repository": "org/tenant",
            "event": {"repository": {"default_branch": "main"}, "head_commit": {"message": "Merge pull request #1"},
                      "pull_request": {"number": 1, "head": {"repo": {"full_name": "org/tenant"}}}}}
    base.update(github)
    return {"vars": vars_, "github": base, "needs": {"apply": {"result": "success"}}, "inputs": {}}


CONFIGURED = {"ENTRAGIT_TENANT_ID": "t", "ENTRAGIT_READER_CLIENT_ID": "r", "ENTRAGIT_WRITER_CLIENT_ID": "w"}


@pytest.mark.parametrize("name", WORKFLOWS)
def test_tenant_jobs_skip_cleanly_without_the_tenant_variables(name: str) -> None:
    for job_id, job in jobs(name).items():
        assert "vars.ENTRAGIT_TENANT_ID != ''" in job["if"], f"{name}: {job_id}"
        assert evaluate_if(job["if"], _context({})) is False, f"{name}: {job_id} runs without a tenant"
        assert evaluate_if(job["if"], _context(CONFIGURED)) is True, f"{name}: {job_id} never runs"


def test_backup_runs_nightly_at_2300_utc_on_the_default_branch_only() -> None:
    data = wf("backup.yml")
    assert data["on"] == {"schedule": [{"cron": "0 23 * * *"}], "workflow_dispatch": None}
    job = data["jobs"]["backup"]
    assert evaluate_if(job["if"], _context(CONFIGURED, event_name="schedule", ref="refs/heads/main",
                                           event={}))  # a schedule payload has no repository
    assert not evaluate_if(job["if"], _context(CONFIGURED, event_name="workflow_dispatch", ref="refs/heads/x"))
    checkout = job["steps"][0]
    assert checkout["uses"].startswith("actions/checkout@") and checkout["with"]["fetch-depth"] == 0
    assert any("entragit backup --push" in s.get("run", "") for s in job["steps"])
    assert any("$GITHUB_STEP_SUMMARY" in s.get("run", "") for s in job["steps"])


def test_recover_applies_merges_but_never_the_backups_own_commits() -> None:
    data = wf("recover.yml")
    assert data["on"] == {"push": {"paths": ["tenant-state/**"]}}
    apply, backup = data["jobs"]["apply"], data["jobs"]["backup"]
    merge = _context(CONFIGURED)
    assert evaluate_if(apply["if"], merge)
    from_backup = _context(CONFIGURED, event={"repository": {"default_branch": "main"}, "head_commit": {
        "message": "entragit backup 20260101T230000Z\n\nEntragit-Backup: backup/20260101T230000Z\n"}})
    assert not evaluate_if(apply["if"], from_backup)
    assert not evaluate_if(apply["if"], _context(CONFIGURED, ref="refs/heads/feature"))
    assert not evaluate_if(apply["if"], _context(CONFIGURED, ref="refs/tags/backup/20260101T230000Z"))
    runs = "\n".join(s["run"] for s in apply["steps"] if "run" in s)
    assert 'entragit apply "${args[@]}"' in runs and '--scope-from "$BEFORE..$AFTER"' in runs
    assert "--checksum" in runs and "Entragit-Plan-Checksum" in runs and "recovery-force" in runs
    issue = [s for s in apply["steps"] if "gh issue create" in s.get("run", "")]
    assert len(issue) == 1 and issue[0]["if"] == "failure()"
    # the backup runs after the apply, whatever its outcome, but not when it was skipped
    assert backup["needs"] == "apply"
    for result, runs_backup in (("success", True), ("failure", True), ("skipped", False), ("cancelled", False)):
        ctx = _context(CONFIGURED)
        ctx["needs"]["apply"]["result"] = result
        status = {"success": result == "success", "failure": result == "failure", "cancelled": False}
        assert evaluate_if(backup["if"], ctx, status) is runs_backup, result


def test_the_backup_trailer_the_workflow_checks_is_entragits() -> None:
    from entragit.backups import TRAILER

    assert f"contains(github.event.head_commit.message, '{TRAILER}:')" in wf("recover.yml")["jobs"]["apply"]["if"]


def test_difference_report_inputs_and_pull_request() -> None:
    data = wf("difference-report.yml")
    assert set(data["on"]["workflow_dispatch"]["inputs"]) == {"backup", "types", "ids", "include_new"}
    runs = "\n".join(s["run"] for _, _, s in run_steps(data))
    assert "entragit recover" in runs
    assert "gh pr create" in runs and "--label recovery" in runs and "--body-file" in runs
    assert "gh pr comment" in runs and "<!-- entragit-plan -->" in runs
    assert data["jobs"]["report"]["permissions"] == {"contents": "write", "pull-requests": "write",
                                                     "id-token": "write"}


def test_plan_comments_once_and_updates_in_place() -> None:
    data = wf("plan.yml")
    assert data["on"] == {"pull_request": {"paths": ["tenant-state/**"]}}
    assert data["jobs"]["plan"]["needs"] == "validate"
    assert any(s.get("run") == "entragit validate" for s in data["jobs"]["validate"]["steps"])
    runs = "\n".join(s["run"] for _, _, s in run_steps(data))
    assert "<!-- entragit-plan -->" in runs and "--method PATCH" in runs and "gh pr comment" in runs
    fork = _context(CONFIGURED, event={"pull_request": {"head": {"repo": {"full_name": "someone/fork"}}}})
    assert not evaluate_if(data["jobs"]["plan"]["if"], fork)


def test_every_run_step_uses_bash_with_errexit() -> None:
    for name in ALL:
        data = wf(name)
        shells = data.get("defaults", {}).get("run", {}).get("shell")
        for job_id, index, step in run_steps(data):
            assert (step.get("shell") or shells or "bash") == "bash", f"{name}: {job_id} step {index}"


def test_ci_runs_the_project_ci_script() -> None:
    data = wf("ci.yml")
    assert {"push", "pull_request"} <= set(data["on"])
    assert [s["run"] for _, _, s in run_steps(data)] == ["bash .ci/run"]
    assert Path(PROJECT_WORKFLOWS.parents[1] / ".ci" / "run").is_file()
