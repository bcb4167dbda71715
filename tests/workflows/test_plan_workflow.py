"""plan.yml and publish-plan.yml on a person's pull request, run as a runner would against the served emulator:
the files are validated (an invalid one fails the check, named, and nothing is published), the plan is
published by the publisher (triggered by plan.yml's completion, its definition the default branch's) as one
comment with its checksum and as the run's artifact, and a later push updates that same comment in place and
publishes a new artifact for the new head."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import httpx
import pytest

from entragit.emulator.seeds import DEMO_FACTS
from entragit.resources import get
from entragit.state import dump_yaml, load_yaml
from tests.workflows.helpers import DEMO_VARS, PROJECT_WORKFLOWS, prepare_workflow_run
from tests.workflows.runner import git
from tests.workflows.world import ADA, World

pytestmark = [pytest.mark.served, pytest.mark.slow]

PLAN = PROJECT_WORKFLOWS / "plan.yml"


@pytest.fixture(autouse=True)
def _tools(monkeypatch: pytest.MonkeyPatch) -> None:
    prepare_workflow_run(monkeypatch)


def test_plan_is_published_once_and_updated_in_place(tmp_path: Path, served_emulator: str) -> None:
    # Graph's throttling is absorbed by entragit's client (tested with it); here it would only add seconds.
    httpx.post(f"{served_emulator}/_emulator/quotas", json={"enabled": False}).raise_for_status()
    world = World(tmp_path, tenant_id=DEMO_FACTS.tenant_id, variables=DEMO_VARS, fake_entragit=False,
                  env={"ENTRAGIT_GRAPH_URL": served_emulator})
    runner, origin, work = world.runner, world.origin, world.work
    env = {"ENTRAGIT_GRAPH_URL": served_emulator, "ENTRAGIT_NOW": "2026-01-01T23:00:00Z", "GIT_CONFIG_GLOBAL": "/dev/null"}
    git(work, "checkout", "-q", "main")
    subprocess.run([sys.executable, "-m", "entragit", "backup"], cwd=work, check=True, capture_output=True,
                   env={**os.environ, **env})
    git(work, "push", "-q", "origin", "main", "--tags")
    group = f"tenant-state/groups/{DEMO_FACTS.group_ids['Sales Team']}.yaml"
    number: int | None = None

    def push_and_plan(description: str, extra: dict[str, str] | None = None) -> tuple[Any, Any]:
        nonlocal number
        git(work, "fetch", "-q", "origin")
        git(work, "checkout", "-q", "--detach", "origin/main" if number is None else "origin/sales")
        data = load_yaml(work / group)
        data["description"] = description
        files = {group: dump_yaml(get("groups"), data), **(extra or {})}
        if number is None:
            world.branch("sales", ADA, files, f"Sales Team: {description}")
            number = world.open_pull("sales", ADA, title="Describe the sales team")
        else:
            world.push_to_pull(number, ADA, files)
        merge = git(origin, "rev-parse", f"refs/pull/{number}/merge")
        ctx = runner.github_context("pull_request", ref=f"refs/pull/{number}/merge", sha=merge, event={
            "number": number, "repository": {"default_branch": "main"},
            "pull_request": {"number": number, "head": {"repo": {"full_name": "org/tenant"}}}})
        validate = runner.run_job(PLAN, "validate", ctx)
        # GitHub starts publish-plan.yml when plan.yml completes; its `if:` reads the conclusion
        sha = git(origin, "rev-parse", "main")
        run = runner.github_context("workflow_run", ref="refs/heads/main", sha=sha, event={
            "repository": {"default_branch": "main"}, "workflow_run": {
                "event": "pull_request", "conclusion": validate.result, "head_sha": world.pull(number)["head_sha"],
                "head_repository": {"full_name": "org/tenant"}}})
        return validate, runner.run_job(PROJECT_WORKFLOWS / "publish-plan.yml", "publish", run, inputs={})

    validate, publish = push_and_plan("Sales, all regions")
    assert validate.result == "success", validate.log
    assert publish.result == "success", publish.log
    [comment] = world.pull(number)["comments"]
    assert comment["body"].startswith("<!-- entragit-plan -->\n## entragit plan")
    assert "Sales, all regions" in comment["body"]
    first = comment["body"].rsplit("Entragit-Plan-Checksum: ", 1)[1].strip()
    assert len(first) == 64
    [artifact] = runner.github_state()["artifacts"]
    head = world.pull(number)["head_sha"]
    assert artifact["name"] == f"entragit-plan-{number}-{head}"
    record = json.loads(zipfile.ZipFile(io.BytesIO(Path(artifact["file"]).read_bytes())).read("record.json"))
    assert (record["pr"], record["head"], record["checksum"], record["repository"]) == (number, head, first,
                                                                                       "org/tenant")
    assert f"/actions/runs/{artifact['run_id']}" in comment["body"]

    validate, publish = push_and_plan("Sales, EMEA and Americas")
    assert publish.result == "success", publish.log
    [again] = world.pull(number)["comments"]
    assert again["id"] == comment["id"]
    assert "Sales, EMEA and Americas" in again["body"] and "Sales, all regions" not in again["body"]
    assert again["body"].rsplit("Entragit-Plan-Checksum: ", 1)[1].strip() != first
    assert len(runner.github_state()["artifacts"]) == 2

    # an invalid file fails the check, named, and nothing is published for it
    validate, publish = push_and_plan("Sales", {"tenant-state/groups/not-a-group.yaml": "displayName: [unclosed\n"})
    assert validate.result == "failure" and publish.result == "skipped"
    assert "not-a-group.yaml" in validate.log
    assert len(runner.github_state()["artifacts"]) == 2
