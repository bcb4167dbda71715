"""Hardening and design rules of the workflows, read from the YAML itself (project copies, templates, and the
administrators' reusable workflow as `entragit init-admin` renders it)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from entragit.init import DEFAULT_ADMIN, WORKFLOWS, render_workflow
from tests.workflows.gha import evaluate_if
from tests.workflows.helpers import (
    PROJECT_WORKFLOWS,
    admin_workflow,
    admin_workflow_text,
    load_workflow,
    project_workflow_files,
    run_steps,
)

ALL = [p.name for p in project_workflow_files()]
SHA_PIN = re.compile(r"^[\w.-]+/[\w.-]+(/[\w./-]+)?@[0-9a-f]{40}$")
SIGN_IN_COMMANDS = re.compile(r"\bentragit\s+(backup|recover|plan|apply|diff)\b")
READER, WRITER = "${{ vars.ENTRAGIT_READER_CLIENT_ID }}", "${{ vars.ENTRAGIT_WRITER_CLIENT_ID }}"
APPLY_USES = f"{DEFAULT_ADMIN}/.github/workflows/entragit-apply.yml@main"
PINS = {("actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1", "v7.0.1"),
        ("actions/setup-python@5fda3b95a4ea91299a34e894583c3862153e4b97", "v7.0.0"),
        ("actions/upload-artifact@bbbca2ddaa5d8feaa63e36b76fdaad77386f024f", "v7.0.0")}


def wf(name: str) -> dict[str, Any]:
    return admin_workflow() if name == "entragit-apply.yml" else load_workflow(PROJECT_WORKFLOWS / name)


def text(name: str) -> str:
    return admin_workflow_text() if name == "entragit-apply.yml" else (PROJECT_WORKFLOWS / name).read_text("utf-8")


def jobs(name: str) -> dict[str, dict[str, Any]]:
    return wf(name)["jobs"]


def signs_in(job: dict[str, Any]) -> bool:
    return "AZURE_CLIENT_ID" in job.get("env", {}) or job.get("uses") == APPLY_USES


WITH_ADMIN = [*ALL, "entragit-apply.yml"]


def test_project_copies_are_the_templates_byte_for_byte() -> None:
    for name in WORKFLOWS:
        assert (PROJECT_WORKFLOWS / name).read_bytes() == render_workflow(name).encode(), (
            f".github/workflows/{name} differs from entragit/templates/workflows/{name}: "
            "regenerate with `.venv/bin/python -m entragit.init --project`")


@pytest.mark.parametrize("name", WITH_ADMIN)
def test_every_action_is_pinned_to_a_commit_sha(name: str) -> None:
    uses = re.findall(r"^(\s*)(?:-\s+)?uses:\s*(\S+)(.*)$", text(name), re.MULTILINE)
    assert uses, f"{name} uses no action"
    for indent, ref, comment in uses:
        if len(indent) == 4:   # a job calling a reusable workflow: the administrators', at their main
            assert (name, ref) == ("recover.yml", APPLY_USES), f"{name}: job-level uses {ref}"
            continue
        assert SHA_PIN.match(ref), f"{name}: {ref} is not pinned to a full commit SHA"
        assert re.search(r"#\s*v\d+(\.\d+)*", comment), f"{name}: {ref} does not say which release the SHA is"


def test_the_pins_are_the_known_release_commits_on_node24() -> None:
    """actions/checkout v7.0.1, actions/setup-python v7.0.0, actions/upload-artifact v7.0.0 (node24 runtimes:
    their action.yml says `using: node24`), the same everywhere; Dependabot proposes updates."""
    pins = set()
    for name in WITH_ADMIN:
        pins |= set(re.findall(r"uses:\s*(\S+@[0-9a-f]{40})\s*#\s*(v[\d.]+)", text(name)))
    assert pins == PINS


@pytest.mark.parametrize("name", WITH_ADMIN)
def test_no_expression_inside_run(name: str) -> None:
    for job_id, index, step in run_steps(wf(name)):
        assert "${{" not in step["run"], f"{name}: job {job_id} step {index} expands an expression in run:"


@pytest.mark.parametrize("name", WITH_ADMIN)
def test_least_permissions(name: str) -> None:
    data = wf(name)
    assert data["permissions"] == {}, f"{name}: the workflow grants permissions to every job"
    for job_id, job in data["jobs"].items():
        assert "permissions" in job, f"{name}: job {job_id} has no permissions:"
        perms = job["permissions"]
        assert "write-all" not in str(perms) and "read-all" not in str(perms)
        # id-token only where entragit signs in, and everywhere it does
        runs = " ".join(s["run"] for s in job.get("steps", []) if "run" in s)
        wants_token = bool(SIGN_IN_COMMANDS.search(runs)) or job.get("uses") == APPLY_USES
        assert (perms.get("id-token") == "write") == wants_token == signs_in(job), (
            f"{name}: job {job_id}: id-token {perms.get('id-token')}, sign-in command {wants_token}, "
            f"AZURE_CLIENT_ID {signs_in(job)}")
        # a job that pushes nothing keeps no credentials in the checkout
        if perms.get("contents") != "write":
            for step in job.get("steps", []):
                if str(step.get("uses", "")).startswith("actions/checkout@"):
                    assert step["with"]["persist-credentials"] is False, f"{name}: {job_id} persists credentials"


@pytest.mark.parametrize("name", WITH_ADMIN)
def test_the_only_stored_secret_is_the_optional_backup_signing_key(name: str) -> None:
    body = text(name)
    assert "client_secret" not in body.lower() and "AZURE_CLIENT_SECRET" not in body
    assert set(re.findall(r"secrets\.(\w+)", body)) <= {"ENTRAGIT_BACKUP_SIGNING_KEY"}
    for job_id, job in jobs(name).items():
        if "secrets.ENTRAGIT_BACKUP_SIGNING_KEY" in str(job):
            assert job["env"]["AZURE_CLIENT_ID"] == READER, f"{name}: {job_id} holds the signing key"
            assert job["permissions"] == {"contents": "write", "id-token": "write"}


def test_only_the_administrators_workflow_signs_in_as_the_writer() -> None:
    """No job of the tenant repository names the writer: recover.yml's apply calls the administrators'
    workflow, which pins the writer's client id. No job names an environment (GitHub Free private repositories
    have none; where they exist, docs/setup.md says how to add one in the administrators' workflow)."""
    for name in WORKFLOWS:
        assert WRITER not in text(name) and "ENTRAGIT_WRITER_CLIENT_ID" not in text(name), name
        for job_id, job in jobs(name).items():
            assert "environment" not in job, f"{name}: {job_id}"
            if signs_in(job) and "uses" not in job:
                assert job["env"]["AZURE_CLIENT_ID"] == READER, f"{name}: {job_id}"
                assert job["env"]["AZURE_TENANT_ID"] == "${{ vars.ENTRAGIT_TENANT_ID }}"
    assert [(n, j) for n in WORKFLOWS for j, job in jobs(n).items() if "uses" in job] == [("recover.yml", "apply")]
    [(job_id, job)] = jobs("entragit-apply.yml").items()
    assert job["env"]["AZURE_CLIENT_ID"] == "22222222-2222-2222-2222-222222222222"   # pinned, not a variable
    assert job["permissions"] == {"contents": "write", "pull-requests": "read", "actions": "read",
                                  "id-token": "write"}
    assert jobs("recover.yml")["apply"]["permissions"] == job["permissions"]
    assert "environment" not in job and "vars." not in admin_workflow_text()


def test_the_writer_signs_in_only_after_the_checks() -> None:
    """In the administrators' workflow, the install is checked against the pinned lock digest and the merge
    against its approval and published plan before the first command that signs in (entragit apply); the job
    runs only for a push to the tenant repository's default branch."""
    data = admin_workflow()
    [job] = data["jobs"].values()
    names = [s.get("name") or s.get("uses") for s in job["steps"]]
    runs = [s.get("run", "") for s in job["steps"]]
    first_sign_in = next(i for i, r in enumerate(runs) if "entragit apply" in r)
    check = next(i for i, r in enumerate(runs) if "entragit check-merge" in r)
    install = next(i for i, r in enumerate(runs) if "pip install" in r)
    assert install < check < first_sign_in, names
    assert 'sha256sum --check --strict' in runs[install] and '"$ENTRAGIT_LOCK_SHA256"' in runs[install]
    assert '--approvers "$ENTRAGIT_APPROVER_IDS"' in runs[check] and '--lock-sha256 "$ENTRAGIT_LOCK_SHA256"' in runs[check]
    assert '--min-approvals "$ENTRAGIT_MIN_APPROVALS"' in runs[check] and data["env"]["ENTRAGIT_MIN_APPROVALS"] == "1"
    assert '--checksum "$CHECKSUM"' in runs[first_sign_in]
    assert data["env"]["ENTRAGIT_LOCK_SHA256"] == "ab" * 32 and data["env"]["ENTRAGIT_APPROVER_IDS"] == "2001,2002"
    base = {"event_name": "push", "ref": "refs/heads/main", "repository": "org/tenant",
            "event": {"repository": {"default_branch": "main"}}}
    assert evaluate_if(job["if"], {"github": base})
    for other in ({"repository": "org/other"}, {"event_name": "workflow_dispatch"}, {"event_name": "schedule"},
                  {"event_name": "pull_request_target"}, {"ref": "refs/heads/feature"}):
        assert not evaluate_if(job["if"], {"github": {**base, **other}}), other


def test_concurrency_design() -> None:
    """Backups share one group; each recovery has its own (never cancelled pending); plans supersede."""
    backup, recover = wf("backup.yml"), wf("recover.yml")
    assert backup["concurrency"] == {"group": "entragit-backup", "cancel-in-progress": False}
    # a recovery's group is its run's own: no other run, of this workflow or another, can ever join it
    assert recover["concurrency"] == {"group": "entragit-recover-${{ github.run_id }}", "cancel-in-progress": False}
    assert recover["jobs"]["backup"]["concurrency"] == backup["concurrency"]
    assert "concurrency" not in recover["jobs"]["apply"] and "concurrency" not in admin_workflow()
    groups = [(name, where, c["group"]) for name in ALL for where, c in
              [("workflow", wf(name).get("concurrency"))] + [(j, job.get("concurrency")) for j, job in jobs(name).items()]
              if c]
    assert [g for g in groups if "recover" in g[2]] == [("recover.yml", "workflow", recover["concurrency"]["group"])]
    assert wf("difference-report.yml")["concurrency"] == {"group": "entragit-report-${{ github.run_id }}",
                                                         "cancel-in-progress": False}
    assert wf("plan.yml")["concurrency"] == {
        "group": "entragit-plan-${{ github.event.pull_request.number }}", "cancel-in-progress": True}
    assert wf("publish-plan.yml")["concurrency"] == {
        "group": "entragit-publish-${{ github.event.workflow_run.head_sha || inputs.pr }}", "cancel-in-progress": True}
    # the workflows a newer run may cancel only read the tenant
    for name in WORKFLOWS:
        if wf(name)["concurrency"]["cancel-in-progress"]:
            for job in jobs(name).values():
                assert job.get("permissions", {}).get("contents") != "write", name


def _context(vars_: dict[str, str], event_name: str = "push", **github: Any) -> dict[str, Any]:
    base = {"event_name": event_name, "ref": "refs/heads/main", "sha": "a" * 40, "repository": "org/tenant",
            "event": {"repository": {"default_branch": "main"}, "head_commit": {"message": "Merge pull request #1"},
                      "pull_request": {"number": 1, "head": {"repo": {"full_name": "org/tenant"}}},
                      "workflow_run": {"event": "pull_request", "conclusion": "success",
                                       "head_repository": {"full_name": "org/tenant"}}}}
    base.update(github)
    return {"vars": vars_, "github": base, "needs": {"apply": {"result": "failure"}}, "inputs": {}}


CONFIGURED = {"ENTRAGIT_TENANT_ID": "t", "ENTRAGIT_READER_CLIENT_ID": "r"}
EVENTS = {"backup.yml": "schedule", "difference-report.yml": "workflow_dispatch", "plan.yml": "pull_request",
          "publish-plan.yml": "workflow_run", "recover.yml": "push"}


@pytest.mark.parametrize("name", WORKFLOWS)
def test_tenant_jobs_skip_cleanly_without_the_tenant_variables(name: str) -> None:
    for job_id, job in jobs(name).items():
        assert "vars.ENTRAGIT_TENANT_ID != ''" in job["if"], f"{name}: {job_id}"
        ctx = _context({}, EVENTS[name])
        failed = "needs" in job   # recover.yml's report and backup: after an apply that failed
        status = {"success": not failed, "failure": failed, "cancelled": False}
        assert evaluate_if(job["if"], ctx, status) is False, f"{name}: {job_id} runs without a tenant"
        assert evaluate_if(job["if"], _context(CONFIGURED, EVENTS[name]), status) is True, f"{name}: {job_id} never runs"


def test_backup_runs_nightly_off_the_hour_on_the_default_branch_only() -> None:
    data = wf("backup.yml")
    [schedule] = data["on"]["schedule"]
    minute, hour, *rest = schedule["cron"].split()
    assert rest == ["*", "*", "*"] and hour == "23" and minute not in ("0", "00", "*")  # GitHub delays :00 runs
    assert data["on"]["workflow_dispatch"] is None
    job = data["jobs"]["backup"]
    assert evaluate_if(job["if"], _context(CONFIGURED, "schedule", event={}))   # a schedule payload has no repository
    assert not evaluate_if(job["if"], _context(CONFIGURED, "workflow_dispatch", ref="refs/heads/x"))
    checkout = job["steps"][0]
    assert checkout["uses"].startswith("actions/checkout@") and checkout["with"]["fetch-depth"] == 0
    run = next(s["run"] for s in job["steps"] if "entragit backup" in s.get("run", ""))
    assert "args=(--push --lock-wait 3600 --summary \"$GITHUB_STEP_SUMMARY\")" in run
    assert 'if [ -n "$SIGNING_KEY" ]' in run and "gpg.format ssh" in run and "args+=(--sign)" in run


def test_recover_calls_the_administrators_workflow_and_reports_every_unsuccessful_end() -> None:
    data = wf("recover.yml")
    assert data["on"] == {"push": {"paths": ["tenant-state/**"]}}
    apply, report, backup = (data["jobs"][k] for k in ("apply", "report", "backup"))
    assert apply["uses"] == APPLY_USES and "with" not in apply and "secrets" not in apply
    assert evaluate_if(apply["if"], _context(CONFIGURED))
    from_backup = _context(CONFIGURED, event={"repository": {"default_branch": "main"}, "head_commit": {
        "message": "entragit backup 20260101T230000Z\n\nEntragit-Backup: backup/20260101T230000Z\n"}})
    assert not evaluate_if(apply["if"], from_backup)
    assert not evaluate_if(apply["if"], _context(CONFIGURED, ref="refs/heads/feature"))
    # an issue whenever the apply did not succeed: failed, refused, cancelled or timed out; the backup after
    # it whatever its outcome, but not when it was skipped or cancelled
    assert report["needs"] == backup["needs"] == "apply"
    for result, reports, backs_up in (("success", False, True), ("failure", True, True), ("cancelled", True, False),
                                      ("skipped", False, False)):
        ctx = _context(CONFIGURED)
        ctx["needs"]["apply"]["result"] = result
        status = {"success": result == "success", "failure": result == "failure", "cancelled": result == "cancelled"}
        assert evaluate_if(report["if"], ctx, status) is reports, result
        assert evaluate_if(backup["if"], ctx, status) is backs_up, result
    assert report["permissions"] == {"issues": "write"}
    assert any("gh issue create" in s.get("run", "") for s in report["steps"])


def test_the_backup_trailer_the_workflow_checks_is_entragits() -> None:
    from entragit.backups import TRAILER

    assert f"contains(github.event.head_commit.message, '{TRAILER}:')" in wf("recover.yml")["jobs"]["apply"]["if"]


def test_difference_report_inputs_and_the_pull_request_to_open() -> None:
    data = wf("difference-report.yml")
    assert set(data["on"]["workflow_dispatch"]["inputs"]) == {"backup", "types", "ids", "include_new"}
    runs = "\n".join(s["run"] for _, _, s in run_steps(data))
    assert "entragit recover" in runs and "entragit backups --newest" in runs
    # the pull request is linked for a person to open, never opened by the workflow (its opener answers for it)
    assert "gh pr create" not in runs and "gh workflow run" not in runs and "/compare/" in runs
    assert 'entragit fit title' in runs and 'entragit fit comment' in runs
    assert data["jobs"]["report"]["permissions"] == {"contents": "write", "id-token": "write"}


def test_plan_validates_and_the_publisher_plans_from_the_default_branch() -> None:
    plan, publish = wf("plan.yml"), wf("publish-plan.yml")
    assert plan["on"]["pull_request"]["paths"] == ["tenant-state/**", "entragit.yaml"]
    assert list(plan["jobs"]) == ["validate"] and "id-token" not in plan["jobs"]["validate"]["permissions"]
    assert publish["on"]["workflow_run"] == {"workflows": [plan["name"]], "types": ["completed"]}
    assert set(publish["on"]) == {"workflow_run", "workflow_dispatch"}
    job = publish["jobs"]["publish"]
    names = [s.get("name") or s.get("uses", "").split("@")[0] for s in job["steps"]]
    # entragit is installed from the default branch's lock before the pull request's files are checked out
    assert names.index("Install entragit") < [i for i, s in enumerate(job["steps"])
                                              if s.get("with", {}).get("ref", "").startswith("refs/pull/")][0]
    fork = _context(CONFIGURED, "workflow_run", event={"repository": {"default_branch": "main"}, "workflow_run": {
        "event": "pull_request", "conclusion": "success", "head_repository": {"full_name": "someone/fork"}}})
    assert not evaluate_if(job["if"], fork)
    failed = _context(CONFIGURED, "workflow_run", event={"repository": {"default_branch": "main"}, "workflow_run": {
        "event": "pull_request", "conclusion": "failure", "head_repository": {"full_name": "org/tenant"}}})
    assert not evaluate_if(job["if"], failed)
    runs = "\n".join(s["run"] for _, _, s in run_steps(publish))
    assert "<!-- entragit-plan -->" in runs and "--method PATCH" in runs and "gh pr comment" in runs
    upload = next(s for s in job["steps"] if s.get("uses", "").startswith("actions/upload-artifact@"))
    assert upload["with"]["name"] == "entragit-plan-${{ steps.pr.outputs.pr }}-${{ steps.pr.outputs.head }}"


@pytest.mark.parametrize("name", WITH_ADMIN)
def test_every_run_step_uses_bash_with_errexit(name: str) -> None:
    data = wf(name)
    shells = data.get("defaults", {}).get("run", {}).get("shell")
    for job_id, index, step in run_steps(data):
        assert (step.get("shell") or shells or "bash") == "bash", f"{name}: {job_id} step {index}"


def test_ci_runs_the_project_ci_script() -> None:
    data = wf("ci.yml")
    assert {"push", "pull_request"} <= set(data["on"])
    assert [s["run"] for _, _, s in run_steps(data)] == ["bash .ci/run"]
    assert Path(PROJECT_WORKFLOWS.parents[1] / ".ci" / "run").is_file()
