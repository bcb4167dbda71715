"""Break-glass (docs/setup.md): a recovery from a workstation without the approval check is recorded before
anything is written: an outcome note pushed to origin (every backup lists the change with the reason until an
apply records `applied`), an issue in the tenant repository, a banner; then `entragit apply` runs."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from entragit.backups import unapplied_changes
from entragit.commands import cli, load_commands
from tests.workflows.helpers import prepare_workflow_run
from tests.workflows.runner import git
from tests.workflows.world import ADA, World

load_commands()  # every command registered, as `entragit` does when it starts


@pytest.fixture(autouse=True)
def _tools(monkeypatch: pytest.MonkeyPatch) -> None:
    prepare_workflow_run(monkeypatch)


def test_break_glass_is_recorded_before_the_apply_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    world = World(tmp_path)
    for key in ("PATH", "FAKE_GH_STATE", "FAKE_GH_ORIGIN", "GITHUB_REPOSITORY"):
        monkeypatch.setenv(key, world.runner.env[key])
    monkeypatch.setenv("GH_TOKEN", "gho_the_administrators_own")
    monkeypatch.delenv("ENTRAGIT_GRAPH_URL", raising=False)
    from entragit.backups import backup
    from tests.backups.helpers import demo_tenant

    git(world.work, "checkout", "-q", "main")
    backup(world.work, export_step=demo_tenant().export, now="2026-01-01T23:00:00Z")
    git(world.work, "push", "-q", "origin", "main", "--tags")
    world.branch("change", ADA, {"tenant-state/groups/g0.yaml": "id: g0\ndisplayName: Sales (restored)\n"})
    number = world.open_pull("change", ADA)
    before, after = world.merge(number, merger=ADA)          # nobody else could approve: an incident
    git(world.work, "pull", "-q", "origin", "main")

    reason = "tenant wiped at 03:00, the other administrator unreachable"
    result = CliRunner().invoke(cli, ["--repo", str(world.work), "break-glass", "--reason", reason, "--",
                                      "--scope-from", f"{before}..{after}", "--yes"])
    assert "BREAK-GLASS recovery of" in result.output and reason in result.output
    assert result.exit_code != 0            # this apply has no tenant to write to: its own error and exit code
    # the note reached origin, with who and why ...
    note = git(world.origin, "notes", "--ref=entragit", "show", after)
    [record] = [json.loads(line) for line in note.splitlines() if line]
    assert record["status"] == "break-glass" and record["range"] == f"{before}..{after}"
    assert record["by"] == "Ada <ada@example.com>" and reason in record["message"]
    # ... every backup lists the change with it until an apply records `applied` ...
    [change] = unapplied_changes(world.work)
    assert change.commit == after and change.reason.startswith(f"apply break-glass: {reason}")
    # ... and an issue says so
    [issue] = world.runner.github_state()["issues"]
    assert issue["title"] == f"entragit: break-glass recovery of {after[:12]}" and reason in issue["body"]
    assert os.environ["GH_TOKEN"] == "gho_the_administrators_own"
