"""The pipeline end to end: the `run:` steps of backup.yml, difference-report.yml, publish-plan.yml, recover.yml
and the administrators' entragit-apply.yml, parsed from the files with their `env:`, run in order in fresh clones
of a local bare `origin`, the served emulator as the tenant, the real `entragit` on PATH and a recording `gh`
(tests/workflows/runner.py, world.py), on a GitHub Free private repository.

A nightly backup is pushed and tagged; someone switches off "Allow GSA Traffic only", detaches the named location
it excludes and deletes it, and deletes a group; the report workflow makes the revert branch and its pull
request and starts the publisher, which plans it against the tenant and publishes the plan (artifact and
comment); a listed administrator who wrote none of it approves it; it is merged; recover.yml's call of the
administrators' workflow checks the approval and the published plan through the API, then restores the tenant
(the group with its old id, the named location recreated with a new one) and pushes a new backup recording the
new id; that backup's own push starts no apply, neither through the workflow's `if:` nor through entragit's
check.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from entragit.emulator.seeds import DEMO_FACTS
from tests.workflows.helpers import DEMO_VARS, prepare_workflow_run
from tests.workflows.runner import Tenant, git
from tests.workflows.world import ADA, BOB, RECOVER, REPORT, World

pytestmark = [pytest.mark.served, pytest.mark.slow]

BACKUP = RECOVER.with_name("backup.yml")


@pytest.fixture(autouse=True)
def _tools(monkeypatch: pytest.MonkeyPatch) -> None:
    prepare_workflow_run(monkeypatch)


@pytest.fixture
def tenant(served_emulator: str) -> Iterator[Tenant]:
    # Graph's throttling is absorbed by entragit's client (tested with it); here it would only add minutes.
    httpx.post(f"{served_emulator}/_emulator/quotas", json={"enabled": False}).raise_for_status()
    t = Tenant(served_emulator)
    yield t
    t.http.close()


def test_backup_report_approve_merge_recover(tmp_path: Path, served_emulator: str, tenant: Tenant) -> None:
    policy = f"identity/conditionalAccess/policies/{DEMO_FACTS.ca_policy_ids[DEMO_FACTS.gsa_policy]}"
    group_id = DEMO_FACTS.group_ids["Sales Team"]
    location_name = DEMO_FACTS.detachable_ip_location
    location_id = DEMO_FACTS.named_location_ids[location_name]

    # the tenant repository, as `entragit init` makes it, pushed to origin; the administrators' workflow
    world = World(tmp_path, tenant_id=DEMO_FACTS.tenant_id, variables=DEMO_VARS, fake_entragit=False,
                  env={"ENTRAGIT_GRAPH_URL": served_emulator})
    runner, origin = world.runner, world.origin

    def nightly(now: str) -> None:
        runner.env["ENTRAGIT_NOW"] = now
        sha = git(origin, "rev-parse", "main")
        job = runner.run_job(BACKUP, "backup", runner.github_context(
            "schedule", ref="refs/heads/main", sha=sha, event={"schedule": "17 23 * * *"}))
        assert job.result == "success", job.log
        assert job.summary.strip(), "the backup wrote no step summary"

    # 1. a nightly backup is pushed and tagged
    nightly("2026-01-01T23:00:00Z")
    first = "backup/20260101T230000Z"
    assert git(origin, "tag", "--list", "backup/*").split() == [first]
    assert f"tenant-state/groups/{group_id}.yaml" in git(origin, "ls-tree", "-r", "--name-only", first)

    # 2. someone switches off "Allow GSA Traffic only", detaches its excluded named location and deletes it,
    #    and deletes a group; the next backup records it
    assert tenant.get(policy)["conditions"]["locations"]["excludeLocations"] == [location_id]
    tenant.patch(policy, {"state": "disabled",
                          "conditions": {"locations": {"includeLocations": ["All"], "excludeLocations": []}}})
    tenant.delete(f"identity/conditionalAccess/namedLocations/{location_id}")
    tenant.delete(f"groups/{group_id}")
    nightly("2026-01-02T23:00:00Z")

    # 3. the difference report: a revert branch and its pull request (this repository lets GitHub Actions
    #    open pull requests), the publisher started for it
    runner.edit_github(lambda s: s["settings"].update(actions_can_create_pull_requests=True))
    sha = git(origin, "rev-parse", "main")
    report = runner.run_job(REPORT, "report", runner.github_context(
        "workflow_dispatch", ref="refs/heads/main", sha=sha, event={"repository": {"default_branch": "main"}}),
        inputs={"backup": first, "types": "", "ids": "", "include_new": False})
    assert report.result == "success", report.log
    state = runner.github_state()
    [pull] = state["pulls"]
    assert pull["labels"] == ["recovery"] and pull["base"] == "main" and pull["user"] == "github-actions[bot]"
    for name in (DEMO_FACTS.gsa_policy, "Sales Team", location_name):
        assert name in pull["body"], name
    [dispatch] = state["dispatches"]
    assert dispatch["workflow"] == "publish-plan.yml" and dispatch["inputs"] == {"pr": str(pull["number"])}
    assert tenant.get(policy)["state"] == "disabled", "the report wrote to the tenant"

    # 4. the publisher, from main's definition, plans the pull request against the tenant and publishes it
    published = world.publish(pull["number"])
    assert published.result == "success", published.log
    [comment] = world.pull(pull["number"])["comments"]
    assert comment["user"]["login"] == "github-actions[bot]" and comment["body"].startswith("<!-- entragit-plan -->")
    reviewed = comment["body"].rsplit("Entragit-Plan-Checksum: ", 1)[1].strip()
    assert len(reviewed) == 64
    # the same checksum travels with the branch itself, as a trailer `entragit recover` wrote
    assert git(origin, "log", "-1", "--format=%(trailers:key=Entragit-Plan-Checksum,valueonly)",
               f"refs/heads/{pull['head']}") == reviewed

    # 5. Bob, a listed administrator who wrote none of it, approves its head; Ada merges it
    world.review(pull["number"], BOB)
    before, merged = world.merge(pull["number"], merger=ADA)

    # 6. recover.yml on that push: the administrators' workflow checks, then applies as the writer; a backup
    runner.env["ENTRAGIT_NOW"] = "2026-01-03T09:00:00Z"
    event = world.push_event(before, merged)
    apply = runner.run_job(RECOVER, "apply", event)
    assert apply.result == "success", apply.log
    check = apply.step("Check the approval and the published plan")
    assert f"pull request #{pull['number']}: approved by bob (id {BOB.id})" in check.output
    assert check.outputs["checksum"] == reviewed
    assert runner.github_state()["issues"] == []
    assert '"status": "applied"' in git(origin, "notes", "--ref=entragit", "show", merged).replace('":"', '": "')
    assert tenant.get(f"groups/{group_id}")["displayName"] == "Sales Team"  # restored with its old id
    [location] = [n for n in tenant.get("identity/conditionalAccess/namedLocations")["value"]
                  if n["displayName"] == location_name]
    assert location["id"] != location_id  # recreated: a new id ...
    restored = tenant.get(policy)
    assert restored["state"] == "enabled"
    assert restored["conditions"]["locations"]["excludeLocations"] == [location["id"]]  # ... remapped
    backup = runner.run_job(RECOVER, "backup", event, needs={"apply": {"result": "success"}})
    assert backup.result == "success", backup.log
    assert "never applied" not in backup.summary  # the apply's outcome note reached origin
    after = git(origin, "rev-parse", "main")
    assert git(origin, "rev-parse", "main^1") == merged, "the backup did not commit on top of the merge"
    assert git(origin, "tag", "--points-at", after) == "backup/20260103T090000Z"
    files = git(origin, "ls-tree", "-r", "--name-only", after, "tenant-state/namedLocations").split()
    assert f"tenant-state/namedLocations/{location['id']}.yaml" in files  # the new id, recorded

    # 7. the backup's own push starts no apply: not the workflow's job ...
    own = world.push_event(merged, after)
    assert runner.run_job(RECOVER, "apply", own).result == "skipped"
    # ... and not entragit itself, should the job run anyway
    probe = tmp_path / "check"
    git(tmp_path, "clone", "-q", str(origin), str(probe))
    proc = subprocess.run([sys.executable, "-m", "entragit", "apply", "--scope-from", f"{merged}..{after}",
                           "--yes"], cwd=probe, capture_output=True, text=True,
                          env={**runner.env, "ENTRAGIT_GRAPH_URL": served_emulator})
    assert proc.returncode == 3, proc.stdout + proc.stderr
    assert "is a backup commit (Entragit-Backup trailer)" in proc.stderr
