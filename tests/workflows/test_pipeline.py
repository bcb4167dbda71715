"""The pipeline end to end (issue 6, "Must show" 2): the `run:` steps of backup.yml, difference-report.yml and
recover.yml, parsed from the files with their `env:`, run in order in fresh clones of a local bare `origin`,
the served emulator as the tenant and a recording `gh` on PATH (tests/workflows/runner.py).

A nightly backup is pushed and tagged; someone switches off "Allow GSA Traffic only", detaches the named location
it excludes and deletes it, and deletes a group; the report workflow makes the revert branch, the pull request
showing the changes and the plan comment; the branch is merged; the recover workflow restores the tenant (the
group with its old id, the named location recreated with a new one) and pushes a new backup recording the new
id; that backup's own push starts no apply, neither through the workflow's `if:` nor through entragit's check.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from entragit.emulator.seeds import DEMO_FACTS
from entragit.init import scaffold
from tests.workflows.helpers import DEMO_VARS, PROJECT_WORKFLOWS, prepare_workflow_run
from tests.workflows.runner import Runner, Tenant, git

pytestmark = [pytest.mark.served, pytest.mark.slow]

VARS = DEMO_VARS
BACKUP, REPORT, RECOVER = (PROJECT_WORKFLOWS / n for n in ("backup.yml", "difference-report.yml", "recover.yml"))


@pytest.fixture(autouse=True)
def _tools(monkeypatch: pytest.MonkeyPatch) -> None:
    prepare_workflow_run(monkeypatch)


def push_event(runner: Runner, before: str, after: str, origin: Path) -> dict[str, Any]:
    message = git(origin, "log", "-1", "--format=%B", after)
    return runner.github_context("push", ref="refs/heads/main", sha=after, event={
        "before": before, "after": after, "repository": {"default_branch": "main"},
        "head_commit": {"id": after, "message": message}})


@pytest.fixture
def tenant(served_emulator: str) -> Iterator[Tenant]:
    # Graph's throttling is absorbed by entragit's client (tested with it); here it would only add minutes.
    httpx.post(f"{served_emulator}/_emulator/quotas", json={"enabled": False}).raise_for_status()
    t = Tenant(served_emulator)
    yield t
    t.http.close()


def test_backup_report_merge_recover(tmp_path: Path, served_emulator: str, tenant: Tenant) -> None:
    policy = f"identity/conditionalAccess/policies/{DEMO_FACTS.ca_policy_ids[DEMO_FACTS.gsa_policy]}"
    group_id = DEMO_FACTS.group_ids["Sales Team"]
    location_name = DEMO_FACTS.detachable_ip_location
    location_id = DEMO_FACTS.named_location_ids[location_name]

    # the tenant repository, as `entragit init` makes it, pushed to origin
    origin, admin = tmp_path / "origin.git", tmp_path / "admin"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(origin))
    scaffold(admin, tenant_id=DEMO_FACTS.tenant_id)
    for key, value in (("user.name", "Ada Admin"), ("user.email", "ada@example.com")):
        git(admin, "config", key, value)
    git(admin, "add", "-A")
    git(admin, "commit", "-q", "-m", "entragit init")
    git(admin, "remote", "add", "origin", str(origin))
    git(admin, "push", "-q", "origin", "main")
    runner = Runner(tmp_path / "runner", origin, variables=VARS,
                    env={"ENTRAGIT_GRAPH_URL": served_emulator})

    def nightly(now: str) -> None:
        runner.env["ENTRAGIT_NOW"] = now
        sha = git(origin, "rev-parse", "main")
        job = runner.run_job(BACKUP, "backup", runner.github_context(
            "schedule", ref="refs/heads/main", sha=sha, event={"schedule": "0 23 * * *"}))
        assert job.result == "success", job.log
        assert job.summary.strip(), "the backup wrote no step summary"

    # 1. a nightly backup is pushed and tagged
    nightly("2026-01-01T23:00:00Z")
    first = "backup/20260101T230000Z"
    assert git(origin, "tag", "--list", "backup/*").split() == [first]
    assert (f"tenant-state/groups/{group_id}.yaml" in git(origin, "ls-tree", "-r", "--name-only", first))

    # 2. someone switches off "Allow GSA Traffic only", detaches its excluded named location and deletes it,
    #    and deletes a group; the next backup records it
    assert tenant.get(policy)["conditions"]["locations"]["excludeLocations"] == [location_id]
    tenant.patch(policy, {"state": "disabled",
                          "conditions": {"locations": {"includeLocations": ["All"], "excludeLocations": []}}})
    tenant.delete(f"identity/conditionalAccess/namedLocations/{location_id}")
    tenant.delete(f"groups/{group_id}")
    nightly("2026-01-02T23:00:00Z")

    # 3. the difference report: a revert branch, a pull request showing both changes, the plan on it
    sha = git(origin, "rev-parse", "main")
    report = runner.run_job(REPORT, "report", runner.github_context(
        "workflow_dispatch", ref="refs/heads/main", sha=sha, event={"repository": {"default_branch": "main"}}),
        inputs={"backup": first, "types": "", "ids": "", "include_new": False})
    assert report.result == "success", report.log
    [pull] = runner.github_state()["pulls"]
    assert pull["labels"] == ["recovery"] and pull["base"] == "main"
    for name in (DEMO_FACTS.gsa_policy, "Sales Team", location_name):
        assert name in pull["body"], name
    assert git(origin, "rev-parse", f"refs/heads/{pull['head']}")
    [comment] = pull["comments"]
    assert comment["user"]["login"] == "github-actions[bot]"
    assert comment["body"].startswith("<!-- entragit-plan -->")
    reviewed = comment["body"].rsplit("Entragit-Plan-Checksum: ", 1)[1].strip()
    # the same checksum travels with the branch itself, as a trailer `entragit recover` wrote
    assert git(origin, "log", "-1", "--format=%(trailers:key=Entragit-Plan-Checksum,valueonly)",
               f"refs/heads/{pull['head']}") == reviewed
    assert tenant.get(policy)["state"] == "disabled", "the report wrote to the tenant"

    # 4. an administrator merges the pull request
    git(admin, "fetch", "-q", "origin")
    git(admin, "checkout", "-q", "-B", "main", "origin/main")
    before = git(admin, "rev-parse", "HEAD")
    git(admin, "merge", "-q", "--no-ff", "-m", f"Merge pull request #{pull['number']}", f"origin/{pull['head']}")
    git(admin, "push", "-q", "origin", "main")
    merged = git(admin, "rev-parse", "HEAD")
    runner.edit_github(lambda s: s["pulls"][0].update(state="merged", merge_commit_sha=merged))

    # 5. recover.yml on that push: apply (environment entra-recovery, the writer), then a backup (the reader)
    runner.env["ENTRAGIT_NOW"] = "2026-01-03T09:00:00Z"
    event = push_event(runner, before, merged, origin)
    apply = runner.run_job(RECOVER, "apply", event)
    assert apply.result == "success", apply.log
    assert "from the plan comment of pull request #1" in apply.step("Find the reviewed plan").output
    assert apply.step("Find the reviewed plan").outputs["checksum"] == reviewed
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

    # 6. the backup's own push starts no apply: not the workflow's job ...
    own = push_event(runner, merged, after, origin)
    assert runner.run_job(RECOVER, "apply", own).result == "skipped"
    # ... and not entragit itself, should the job run anyway
    check = tmp_path / "check"
    git(tmp_path, "clone", "-q", str(origin), str(check))
    proc = subprocess.run([sys.executable, "-m", "entragit", "apply", "--scope-from", f"{merged}..{after}",
                           "--yes"], cwd=check, capture_output=True, text=True,
                          env={**runner.env, "ENTRAGIT_GRAPH_URL": served_emulator})
    assert proc.returncode == 3, proc.stdout + proc.stderr
    assert "is a backup commit (Entragit-Backup trailer)" in proc.stderr
