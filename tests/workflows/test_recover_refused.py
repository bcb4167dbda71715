"""A recovery refused because the tenant changed after the plan was reviewed, run through the workflows' own
steps (tests/workflows/runner.py, world.py) with the served emulator as the tenant:

the nightly backup writes its step summary (counts per type, changes since the last backup); a person's pull
request is validated by plan.yml and gets its plan from publish-plan.yml (triggered by plan.yml's completion);
a second administrator approves it; someone then changes the same group in the tenant; the merge starts
recover.yml, whose call of the administrators' workflow passes the approval check, recomputes the plan, finds
another checksum and writes nothing (exit 3); the run fails and opens an issue; the backup after it records the
tenant as it is and its summary names the merged change as never applied.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml

from entragit.emulator.seeds import DEMO_FACTS
from entragit.resources import get
from entragit.state import dump_yaml, load_yaml
from tests import gfm
from tests.workflows.helpers import DEMO_VARS, PROJECT_WORKFLOWS, prepare_workflow_run
from tests.workflows.runner import Tenant, git
from tests.workflows.world import ADA, BOB, World

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
    world = World(tmp_path, tenant_id=DEMO_FACTS.tenant_id, variables=VARS, fake_entragit=False,
                  env={"ENTRAGIT_GRAPH_URL": served_emulator})
    runner, origin, admin = world.runner, world.origin, world.work

    # the nightly backup and its step summary
    runner.env["ENTRAGIT_NOW"] = "2026-01-01T23:00:00Z"
    job = runner.run_job(BACKUP, "backup", runner.github_context(
        "schedule", ref="refs/heads/main", sha=git(origin, "rev-parse", "main"), event={"schedule": "17 23 * * *"}))
    assert job.result == "success", job.log
    groups = len(git(origin, "ls-tree", "--name-only", "backup/20260101T230000Z", "tenant-state/groups/").split())
    assert groups > 3
    assert "## Backup `backup/20260101T230000Z`" in job.summary
    assert f"| groups | {groups} | {groups} | 0 | 0 |" in job.summary  # objects, added, modified, deleted
    assert "First backup: every object is new." in job.summary and "Pushed to `origin`." in job.summary

    # a person's pull request: validated by plan.yml, then planned by the publisher when plan.yml completes
    git(admin, "fetch", "-q", "origin")
    git(admin, "checkout", "-q", "-B", "sales", "origin/main")
    path = admin / "tenant-state" / "groups" / f"{group_id}.yaml"
    data = load_yaml(path)
    data["description"] = "Sales, all regions"
    world.branch("sales", ADA, {f"tenant-state/groups/{group_id}.yaml": dump_yaml(get("groups"), data)},
                 "Sales Team: all regions")
    number = world.open_pull("sales", ADA, title="Sales Team: all regions")
    merge_ref = git(origin, "rev-parse", f"refs/pull/{number}/merge")
    ctx = runner.github_context("pull_request", ref=f"refs/pull/{number}/merge", sha=merge_ref, event={
        "number": number, "repository": {"default_branch": "main"},
        "pull_request": {"number": number, "head": {"repo": {"full_name": "org/tenant"}}}})
    assert runner.run_job(PLAN, "validate", ctx).result == "success"
    published = world.publish(number, via="workflow_run")
    assert published.result == "success", published.log
    [comment] = world.pull(number)["comments"]
    reviewed = re.search(r"^Entragit-Plan-Checksum: ([0-9a-f]{64})$", comment["body"], re.MULTILINE).group(1)
    world.review(number, BOB)

    # someone changes the same group in the tenant after the review; then the pull request is merged
    tenant.patch(f"groups/{group_id}", {"description": "Changed in the portal"})
    before, merge = world.merge(number)

    # recover.yml: the checks pass, the apply recomputes the plan, refuses, writes nothing; an issue is opened
    runner.env["ENTRAGIT_NOW"] = "2026-01-02T09:00:00Z"
    event = world.push_event(before, merge)
    apply = runner.run_job(RECOVER, "apply", event)
    assert apply.result == "failure"
    assert apply.step("Check the approval and the published plan").outputs["checksum"] == reviewed
    step = apply.step("Apply")
    assert (step.outcome, step.outputs.get("exit")) == ("failure", "3"), apply.log
    assert "the plan changed since it was reviewed: checksum" in step.output and reviewed in step.output
    assert tenant.get(f"groups/{group_id}")["description"] == "Changed in the portal"
    report = runner.run_job(RECOVER, "report", event, needs={"apply": {"result": apply.result,
                                                                        "outputs": apply.outputs}})
    assert report.result == "success", report.log
    [issue] = runner.github_state()["issues"]
    assert issue["title"] == (f"entragit: recovery of {merge[:12]} was refused (no approval that counts, no "
                              "published plan, a safety rail, or the tenant changed since the plan was reviewed)")
    assert issue["labels"] == ["recovery"] and f"Pull request: #{number}" in issue["body"]
    assert "the plan changed since it was reviewed" in issue["body"]
    assert "the plan changed since it was reviewed" in apply.summary

    # the backup after it records the tenant as it is, and names the merge that never reached the tenant
    backup = runner.run_job(RECOVER, "backup", event, needs={"apply": {"result": "failure"}})
    assert backup.result == "success", backup.log
    assert "Changes since `backup/20260101T230000Z`:" in backup.summary
    assert f"| groups | {groups} | 0 | 1 | 0 |" in backup.summary
    assert gfm.contains(backup.summary, "1 merged change to tenant-state/ was never applied to the tenant:")
    assert gfm.contains(backup.summary, f"{merge[:12]} Merge pull request #{number} from org/sales")
    gfm.assert_inert(backup.summary)  # "#N" from the subject is no reference
    assert "apply refused" in backup.summary
    recorded = yaml.safe_load(git(origin, "show", f"main:tenant-state/groups/{group_id}.yaml"))
    assert recorded["description"] == "Changed in the portal"
