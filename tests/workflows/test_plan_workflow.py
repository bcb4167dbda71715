"""plan.yml on a person's pull request, run as a runner would against the served emulator: the files are
validated (an invalid one fails the check, named), the plan is posted as one comment with its checksum, and a
later push updates that same comment in place."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from entragit.emulator.seeds import DEMO_FACTS
from entragit.init import scaffold
from entragit.resources import get
from entragit.state import dump_yaml, load_yaml
from tests.workflows.helpers import DEMO_VARS, PROJECT_WORKFLOWS, prepare_workflow_run
from tests.workflows.runner import Runner, git

pytestmark = [pytest.mark.served, pytest.mark.slow]

PLAN = PROJECT_WORKFLOWS / "plan.yml"
VARS = DEMO_VARS


@pytest.fixture(autouse=True)
def _tools(monkeypatch: pytest.MonkeyPatch) -> None:
    prepare_workflow_run(monkeypatch)


def test_plan_comment_is_posted_once_and_updated_in_place(tmp_path: Path, served_emulator: str) -> None:
    # Graph's throttling is absorbed by entragit's client (tested with it); here it would only add seconds.
    httpx.post(f"{served_emulator}/_emulator/quotas", json={"enabled": False}).raise_for_status()
    origin, admin = tmp_path / "origin.git", tmp_path / "admin"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(origin))
    scaffold(admin, tenant_id=DEMO_FACTS.tenant_id)
    for key, value in (("user.name", "Ada Admin"), ("user.email", "ada@example.com")):
        git(admin, "config", key, value)
    env = {"ENTRAGIT_GRAPH_URL": served_emulator, "ENTRAGIT_NOW": "2026-01-01T23:00:00Z",
           "GIT_CONFIG_GLOBAL": "/dev/null"}
    subprocess.run([sys.executable, "-m", "entragit", "backup"], cwd=admin, check=True, capture_output=True,
                   env={**os.environ, **env})
    git(admin, "remote", "add", "origin", str(origin))
    git(admin, "push", "-q", "origin", "main", "--tags")
    runner = Runner(tmp_path / "runner", origin, variables=VARS, env={"ENTRAGIT_GRAPH_URL": served_emulator})
    runner.edit_github(lambda s: s["pulls"].append({
        "number": 7, "base": "main", "head": "sales-description", "title": "Describe the sales team",
        "body": "", "labels": [], "comments": [], "state": "open", "merge_commit_sha": None, "user": "ada"}))

    group = admin / "tenant-state" / "groups" / f"{DEMO_FACTS.group_ids['Sales Team']}.yaml"

    def push_and_plan(description: str) -> tuple[Any, Any]:
        data = load_yaml(group)
        data["description"] = description
        group.write_text(dump_yaml(get("groups"), data), encoding="utf-8")
        git(admin, "checkout", "-q", "-B", "sales-description")
        git(admin, "commit", "-q", "-am", f"Sales Team: {description}")
        git(admin, "push", "-q", "-f", "origin", "sales-description")
        git(admin, "checkout", "-q", "--detach", "origin/main")
        git(admin, "merge", "-q", "--no-ff", "-m", "Merge sales-description into main", "sales-description")
        merge = git(admin, "rev-parse", "HEAD")
        git(admin, "push", "-q", "-f", "origin", "HEAD:refs/pull/7/merge")
        git(admin, "checkout", "-q", "sales-description")
        ctx = runner.github_context("pull_request", ref="refs/pull/7/merge", sha=merge, event={
            "number": 7, "repository": {"default_branch": "main"},
            "pull_request": {"number": 7, "head": {"repo": {"full_name": "org/tenant"}}}})
        validate = runner.run_job(PLAN, "validate", ctx)
        plan = runner.run_job(PLAN, "plan", ctx, needs={"validate": {"result": validate.result}})
        return validate, plan

    validate, plan = push_and_plan("Sales, all regions")
    assert validate.result == "success", validate.log
    assert plan.result == "success", plan.log
    [comment] = runner.github_state()["pulls"][0]["comments"]
    assert comment["body"].startswith("<!-- entragit-plan -->\n## entragit plan")
    assert "Sales, all regions" in comment["body"]
    first = comment["body"].rsplit("Entragit-Plan-Checksum: ", 1)[1].strip()
    assert len(first) == 64

    validate, plan = push_and_plan("Sales, EMEA and Americas")
    assert plan.result == "success", plan.log
    [again] = runner.github_state()["pulls"][0]["comments"]
    assert again["id"] == comment["id"]
    assert "Sales, EMEA and Americas" in again["body"] and "Sales, all regions" not in again["body"]
    assert again["body"].rsplit("Entragit-Plan-Checksum: ", 1)[1].strip() != first

    # an invalid file fails the check, named
    bad = admin / "tenant-state" / "groups" / "not-a-group.yaml"
    bad.write_text("displayName: [unclosed\n", encoding="utf-8")
    git(admin, "add", str(bad))
    validate, plan = push_and_plan("Sales")
    assert validate.result == "failure" and plan.result == "skipped"
    assert "not-a-group.yaml" in validate.log
