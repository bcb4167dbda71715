"""Issue 13's smaller items that are behaviour of entragit itself (the workflow ones are in test_hardening.py,
test_recover_steps.py and test_report_steps.py; docs/setup.md lists them all)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

import entragit.commands.backup as command
from entragit.backups import backup
from entragit.commands import cli, load_commands
from tests.backups.helpers import demo_tenant, git

load_commands()  # every command registered, as `entragit` does when it starts


def test_a_merge_nobody_applied_is_an_annotation_on_the_backup_run(git_repo: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """A merge made with the workflow token starts no workflow (GitHub's rule for GITHUB_TOKEN events), so no
    recovery: the nightly backup says so on the run itself, as a warning annotation, not only in its log."""
    tenant = demo_tenant()
    monkeypatch.setattr(command, "EXPORT_STEP", lambda ctx, types: tenant.export)
    backup(git_repo, export_step=tenant.export, now="2026-01-01T23:00:00Z")
    git(git_repo, "checkout", "-q", "-b", "recover/g0")
    (git_repo / "tenant-state" / "groups" / "g0.yaml").write_text("id: g0\ndisplayName: Sales (restored)\n")
    git(git_repo, "commit", "-q", "-am", "restore g0")
    git(git_repo, "checkout", "-q", "main")
    git(git_repo, "merge", "-q", "--no-ff", "-m", "Merge pull request #3 made with the workflow token", "recover/g0")
    merge = git(git_repo, "rev-parse", "HEAD").strip()

    def run(env: dict[str, str]) -> str:
        result = CliRunner().invoke(cli, ["--repo", str(git_repo), "backup"],
                                    env={"ENTRAGIT_NOW": "2026-01-02T23:00:00Z", **env})
        assert result.exit_code == 0, result.output
        return result.output

    out = run({"GITHUB_ACTIONS": "true"})
    [annotation] = [line for line in out.splitlines() if line.startswith("::warning")]
    assert annotation.startswith("::warning title=entragit backup::1 merged change") and "never applied" in out
    assert merge[:12] in out
    git(git_repo, "tag", "-d", "backup/20260102T230000Z")
    assert not any(line.startswith("::") for line in run({"GITHUB_ACTIONS": ""}).splitlines())
