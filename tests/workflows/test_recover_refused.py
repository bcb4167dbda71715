"""A recovery refused because the tenant changed after the plan was reviewed, run through the workflows' own
steps (tests/workflows/runner.py) with the served emulator as the tenant:

the nightly backup writes its step summary (counts per type, changes since the last backup); a person's pull
request gets its plan comment from plan.yml; someone then changes the same group in the tenant; the merge
starts recover.yml, whose apply recomputes the plan, finds another checksum and writes nothing (exit 3); the run
fails and opens an issue; the backup after it records the tenant as it is and its summary names the merged
change as never applied.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml

from entragit.emulator.seeds import DEMO_FACTS
from entragit.init import scaffold
from entragit.resources import get
from entragit.state import dump_yaml, load_yaml
from tests import gfm
from tests.workflows.helpers import DEMO_VARS, PROJECT_WORKFLOWS, prepare_workflow_run
from tests.workflows.runner import Runner, Tenant, git

pytestmark = [pytest.mark.served, pytest.mark.slow]

VARS = DEMO_VARS
BACKUP, PLAN, RECOVER = (PROJECT_WORKFLOWS / n for n in ("backup.yml", "plan.yml", "recover.yml"))


@pytest.fixture(autouse=True)
def _tools(monkeypatch: pytest.MonkeyPatch) -> None:
    prepare_workflow_run(monkeypatch)


@pytest.fixture
def tenant(served_emulator: str) -> Iterator[Tenant]:
    httpx.post(f"{served_emulator}/_emulator/quotas", json={"enabled": False}).raise_for_status()
    t = Tenant(served_emulator)
    yield t
    t.http.close()


def test_a_tenant_changed_since_the_review_refuses_the_recovery(tmp_path: Path, served_emulator: str,
                                                                 tenant: Tenant) -> None:
    group_id = DEMO_FACTS.group_ids["Sales Team"]
    origin, admin = tmp_path / "origin.git", tmp_path / "admin"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(origin))
    scaffold(admin, tenant_id=DEMO_FACTS.tenant_id)
    for key, value in (("user.name", "Ada Admin"), ("user.email", "ada@example.com")):
        git(admin, "config", key, value)
    git(admin, "add", "-A")
    git(admin, "commit", "-q", "-m", "entragit init")
    git(admin, "remote", "add", "origin", str(origin))
    git(admin, "push", "-q", "origin", "main")
    runner = Runner(tmp_path / "runner", origin, variables=VARS, env={"ENTRAGIT_GRAPH_URL": served_emulator})

    # the nightly backup and its step summary
    runner.env["ENTRAGIT_NOW"] = "2026-01-01T23:00:00Z"
    job = runner.run_job(BACKUP, "backup", runner.github_context(
        "schedule", ref="refs/heads/main", sha=git(origin, "rev-parse", "main"), event={"schedule": "0 23 * * *"}))
    assert job.result == "success", job.log
    groups = len(git(origin, "ls-tree", "--name-only", "backup/20260101T230000Z", "tenant-state/groups/").split())
    assert groups > 3
    assert "## Backup `backup/20260101T230000Z`" in job.summary
    assert f"| groups | {groups} | {groups} | 0 | 0 |" in job.summary  # objects, added, modified, deleted
    assert "First backup: every object is new." in job.summary and "Pushed to `origin`." in job.summary

    # a person's pull request, planned by plan.yml on its merge commit
    git(admin, "fetch", "-q", "origin")
    git(admin, "checkout", "-q", "-B", "sales", "origin/main")
    path = admin / "tenant-state" / "groups" / f"{group_id}.yaml"
    data = load_yaml(path)
    data["description"] = "Sales, all regions"
    path.write_text(dump_yaml(get("groups"), data), encoding="utf-8")
    git(admin, "commit", "-q", "-am", "Sales Team: all regions")
    git(admin, "push", "-q", "origin", "sales")
    git(admin, "checkout", "-q", "--detach", "origin/main")
    git(admin, "merge", "-q", "--no-ff", "-m", "Merge pull request #1 from org/sales", "sales")
    merge = git(admin, "rev-parse", "HEAD")
    git(admin, "push", "-q", "origin", "HEAD:refs/pull/1/merge")
    runner.edit_github(lambda s: s["pulls"].append({
        "number": 1, "base": "main", "head": "sales", "title": "Sales Team: all regions", "body": "",
        "labels": [], "comments": [], "state": "open", "merge_commit_sha": None, "user": "ada"}))
    ctx = runner.github_context("pull_request", ref="refs/pull/1/merge", sha=merge, event={
        "number": 1, "repository": {"default_branch": "main"},
        "pull_request": {"number": 1, "head": {"repo": {"full_name": "org/tenant"}}}})
    plan = runner.run_job(PLAN, "plan", ctx, needs={"validate": {"result": "success"}})
    assert plan.result == "success", plan.log
    [comment] = runner.github_state()["pulls"][0]["comments"]
    reviewed = re.search(r"^Entragit-Plan-Checksum: ([0-9a-f]{64})$", comment["body"], re.MULTILINE).group(1)

    # someone changes the same group in the tenant after the review; then the pull request is merged
    tenant.patch(f"groups/{group_id}", {"description": "Changed in the portal"})
    before = git(origin, "rev-parse", "main")
    git(admin, "push", "-q", "origin", f"{merge}:refs/heads/main")
    runner.edit_github(lambda s: s["pulls"][0].update(state="merged", merge_commit_sha=merge))

    # recover.yml: the apply recomputes the plan, refuses, writes nothing; the run fails and opens an issue
    runner.env["ENTRAGIT_NOW"] = "2026-01-02T09:00:00Z"
    event = runner.github_context("push", ref="refs/heads/main", sha=merge, event={
        "before": before, "after": merge, "repository": {"default_branch": "main"},
        "head_commit": {"id": merge, "message": git(origin, "log", "-1", "--format=%B", merge)}})
    apply = runner.run_job(RECOVER, "apply", event)
    assert apply.result == "failure"
    assert apply.step("Find the reviewed plan").outputs["checksum"] == reviewed
    step = apply.step("Apply")
    assert (step.outcome, step.outputs.get("exit")) == ("failure", "3"), apply.log
    assert "the plan changed since it was reviewed: checksum" in step.output and reviewed in step.output
    assert tenant.get(f"groups/{group_id}")["description"] == "Changed in the portal"
    [issue] = runner.github_state()["issues"]
    assert issue["title"] == (f"entragit: recovery of {merge[:12]} was refused (a safety rail, or the tenant "
                              "changed since the plan was reviewed)")
    assert issue["labels"] == ["recovery"] and "Pull request: #1" in issue["body"]
    assert "the plan changed since it was reviewed" in issue["body"]
    assert "the plan changed since it was reviewed" in apply.summary

    # the backup after it records the tenant as it is, and names the merge that never reached the tenant
    backup = runner.run_job(RECOVER, "backup", event, needs={"apply": {"result": "failure"}})
    assert backup.result == "success", backup.log
    assert "Changes since `backup/20260101T230000Z`:" in backup.summary
    assert f"| groups | {groups} | 0 | 1 | 0 |" in backup.summary
    assert gfm.contains(backup.summary, "1 merged change to tenant-state/ was never applied to the tenant:")
    assert gfm.contains(backup.summary, f"{merge[:12]} Merge pull request #1 from org/sales")
    gfm.assert_inert(backup.summary)  # "#1" from the subject is no reference
    assert "apply refused" in backup.summary
    recorded = yaml.safe_load(git(origin, "show", f"main:tenant-state/groups/{group_id}.yaml"))
    assert recorded["description"] == "Changed in the portal"
