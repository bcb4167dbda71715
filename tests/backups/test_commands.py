"""The commands `entragit backup`, `entragit backups`, `entragit verify` (click surface, exit codes, JSON)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import entragit.commands.backup as command
from entragit.cli import cli, main
from entragit.jobs import RepoLock
from tests import gfm
from tests.backups.helpers import FakeTenant, demo_tenant, git, tags


@pytest.fixture
def tenant(monkeypatch: pytest.MonkeyPatch) -> FakeTenant:
    """`entragit backup` with its export step switched to the stand-in tenant (the seam EXPORT_STEP)."""
    tenant = demo_tenant()
    monkeypatch.setattr(command, "EXPORT_STEP", lambda ctx, types: tenant.export)
    return tenant


def _run(repo: Path, *args: str, now: str | None = None) -> object:
    env = {"ENTRAGIT_NOW": now} if now else {}
    return CliRunner().invoke(cli, ["--repo", str(repo), *args], env=env, catch_exceptions=True)


def test_backup_text_and_summary_file(git_repo: Path, tenant: FakeTenant, tmp_path: Path) -> None:
    summary = tmp_path / "step-summary.md"
    result = _run(git_repo, "backup", "--summary", str(summary), "-m", "first", now="2026-01-01T23:00:00Z")
    assert result.exit_code == 0, result.output
    head = git(git_repo, "rev-parse", "HEAD").strip()
    assert result.stdout.splitlines() == [
        f"backup/20260101T230000Z: new commit {head[:12]}",
        "  objects: 5 (groups 1, organization 1, users 3)",
        "  first backup: every object is new"]
    assert "backup: Completed" in result.stderr
    text = summary.read_text()
    assert text.startswith("## Backup `backup/20260101T230000Z`") and "| users | 3 | 3 | 0 | 0 |" in text
    assert tags(git_repo) == ["backup/20260101T230000Z"]
    again = _run(git_repo, "backup", "--keep", "1", "--summary", str(summary), now="2026-01-02T23:00:00Z")
    assert again.exit_code == 0, again.output
    assert again.stdout.splitlines() == [
        f"backup/20260102T230000Z: no new commit: tenant-state/ at {head[:12]} already holds the tenant, tagged",
        "  objects: 5 (groups 1, organization 1, users 3)",
        "  changes since backup/20260101T230000Z: no change",
        "  tags pruned (their commits stay in history): backup/20260101T230000Z"]
    assert gfm.contains(summary.read_text(), f"No new commit: tenant-state/ at {head[:12]} already holds the tenant, "
                                             "tagged, 5 objects.")


def test_backup_json_keep_and_settings_default(git_repo: Path, tenant: FakeTenant) -> None:
    (git_repo / "entragit.yaml").write_text("backup:\n  keep: 2\n")
    for day in range(1, 4):
        tenant.put("users", f"d{day}", displayName=str(day))
        result = _run(git_repo, "backup", "--json", now=f"2026-01-0{day}T23:00:00Z")
        assert result.exit_code == 0, result.output
    final = json.loads(result.stdout)
    assert final["state"] == "Completed" and final["job"] == "backup"
    assert final["detail"]["tag"] == "backup/20260103T230000Z"
    assert final["detail"]["pruned"] == ["backup/20260101T230000Z"]
    assert final["detail"]["changes"] == {"users": {"added": 1, "modified": 0, "deleted": 0}}
    assert tags(git_repo) == ["backup/20260102T230000Z", "backup/20260103T230000Z"]
    result = _run(git_repo, "backup", "--keep", "1", now="2026-01-04T23:00:00Z")
    assert result.exit_code == 0 and tags(git_repo) == ["backup/20260104T230000Z"]


def test_backup_failed_export_is_a_failed_job(git_repo: Path, monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    from entragit.errors import GraphError

    def broken(out_dir: Path) -> None:
        raise GraphError(503, "serviceNotAvailable", "try later", method="GET", url="/v1.0/users")

    monkeypatch.setattr(command, "EXPORT_STEP", lambda ctx, types: broken)
    with pytest.raises(SystemExit) as exited:
        main(["--repo", str(git_repo), "backup", "--json"])
    assert exited.value.code == 1
    out, err = capsys.readouterr()
    assert json.loads(out)["state"] == "Failed" and "serviceNotAvailable" in json.loads(out)["error"]
    assert "entragit: error: Graph 503 serviceNotAvailable" in err
    assert tags(git_repo) == [] and git(git_repo, "status", "--porcelain") == ""


def test_backup_refused_while_another_job_runs(git_repo: Path, tenant: FakeTenant,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    with RepoLock(git_repo, "recover"):
        with pytest.raises(SystemExit) as exited:
            main(["--repo", str(git_repo), "backup"])
    assert exited.value.code == 6
    assert "another job holds the lock" in capsys.readouterr().err and tenant.calls == 0


def test_backup_prints_the_unapplied_warning(git_repo: Path, tenant: FakeTenant) -> None:
    assert _run(git_repo, "backup", now="2026-01-01T23:00:00Z").exit_code == 0
    (git_repo / "tenant-state" / "users" / "u0.yaml").write_text("id: u0\njobTitle: Edited in a PR\n")
    git(git_repo, "commit", "-q", "-a", "-m", "Edit u0 (merged pull request)")
    edit = git(git_repo, "rev-parse", "HEAD").strip()
    result = _run(git_repo, "backup", now="2026-01-02T23:00:00Z")
    assert result.exit_code == 0
    assert result.stderr.count(edit[:12]) == 1 and "never applied" in result.stderr      # before the export
    assert edit[:12] in result.stdout.split("warning:", 1)[1]                            # and in the summary


def test_backups_listing_text_and_json(git_repo: Path, tenant: FakeTenant) -> None:
    assert _run(git_repo, "backup", now="2026-01-01T23:00:00Z").exit_code == 0
    tenant.drop("users", "u1")
    assert _run(git_repo, "backup", "-m", "after the leaver", now="2026-01-02T23:00:00Z").exit_code == 0
    text = _run(git_repo, "backups").stdout.splitlines()
    head = git(git_repo, "rev-parse", "HEAD").strip()
    size = sum(int(line.split()[3]) for line in git(git_repo, "ls-tree", "-r", "-l", head, "--",
                                                   "tenant-state").splitlines())
    assert text[:4] == [
        f"backup/20260102T230000Z  2026-01-02 23:00:00 UTC  commit {head[:12]}  4 objects, "
        + (f"{size / 1000:.1f} KB" if size >= 1000 else f"{size} B"),
        "  objects: groups 1, organization 1, users 2",
        "  changes since backup/20260101T230000Z: users 1 deleted",
        "  message: after the leaver"]
    assert text[4].startswith("backup/20260101T230000Z  2026-01-01 23:00:00 UTC  commit ")
    assert text[5:] == ["  objects: groups 1, organization 1, users 3", "  first backup: every object is new"]
    listed = json.loads(_run(git_repo, "backups", "--json").stdout)
    assert [b["tag"] for b in listed] == ["backup/20260102T230000Z", "backup/20260101T230000Z"]
    assert listed[0]["objects"] == {"groups": 1, "organization": 1, "users": 2}
    assert listed[0]["changes"] == {"users": {"added": 0, "modified": 0, "deleted": 1}}
    assert listed[0]["commit"] == head and listed[0]["time"] == "2026-01-02T23:00:00Z"
    assert listed[0]["size"] == size and 0 < listed[1]["size"]
    assert listed[1]["changes"] is None and listed[1]["previous"] is None


def test_backups_listing_after_pruning_keeps_the_oldest_ones_changes(git_repo: Path, tenant: FakeTenant) -> None:
    """The oldest backup kept has lost its predecessor to --keep: its manifest still says what changed."""
    for day, title in enumerate(("Lead", "Principal", "Fellow"), start=1):
        tenant.objects["users"]["u0"]["jobTitle"] = title
        assert _run(git_repo, "backup", "--keep", "2", now=f"2026-01-0{day}T23:00:00Z").exit_code == 0
    listed = json.loads(_run(git_repo, "backups", "--json").stdout)
    assert [(b["tag"], b["previous"]) for b in listed] == [
        ("backup/20260103T230000Z", "backup/20260102T230000Z"),
        ("backup/20260102T230000Z", "backup/20260101T230000Z")]            # pruned, named by the manifest
    assert listed[1]["changes"] == {"users": {"added": 0, "modified": 1, "deleted": 0}}
    assert "  changes since backup/20260101T230000Z: users 1 modified" in _run(git_repo, "backups").stdout


def test_verify_exit_codes(git_repo: Path, tenant: FakeTenant, capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(git_repo, "backup", now="2026-01-01T23:00:00Z").exit_code == 0
    tenant.put("users", "u9", displayName="Nine")
    assert _run(git_repo, "backup", now="2026-01-02T23:00:00Z").exit_code == 0
    ok = _run(git_repo, "verify")
    assert ok.exit_code == 0 and ok.stdout.startswith("backup/20260102T230000Z: OK")
    message = git(git_repo, "for-each-ref", "--format=%(contents)", "refs/tags/backup/20260101T230000Z")
    git(git_repo, "tag", "-f", "-a", "--cleanup=verbatim", "-F", "-", "backup/20260101T230000Z", "HEAD",
        input=message)
    with pytest.raises(SystemExit) as exited:
        main(["--repo", str(git_repo), "verify", "--all", "--json"])
    assert exited.value.code == 1
    out, err = capsys.readouterr()
    assert [r["ok"] for r in json.loads(out)] == [True, False]
    assert "1 of 2 backup(s) failed verification: backup/20260101T230000Z" in err
    with pytest.raises(SystemExit) as exited:
        main(["--repo", str(git_repo), "verify", "backup/20260101T230000Z", "--all"])
    assert exited.value.code == 2


def test_backup_summary_from_the_environment_and_empty(git_repo: Path, tenant: FakeTenant, tmp_path: Path) -> None:
    summary = tmp_path / "from-env.md"
    result = CliRunner().invoke(cli, ["--repo", str(git_repo), "backup"],
                                env={"GITHUB_STEP_SUMMARY": str(summary), "ENTRAGIT_NOW": "2026-01-01T23:00:00Z"})
    assert result.exit_code == 0 and "backup/20260101T230000Z" in summary.read_text()
    result = _run(git_repo, "backup", "--summary", "", now="2026-01-02T23:00:00Z")   # "$GITHUB_STEP_SUMMARY" unset
    assert result.exit_code == 0, result.output


def test_backup_sign_and_verify_require_signature(git_repo: Path, tenant: FakeTenant, tmp_path: Path) -> None:
    """`entragit backup --sign` with git's SSH signing configuration; `entragit verify --require-signature`."""
    from tests.backups.test_verify import _ssh_key

    key, public = _ssh_key(tmp_path, "signing_key")
    (tmp_path / "allowed_signers").write_text(f"entragit@users.noreply.github.com {public}\n")
    for name, value in (("gpg.format", "ssh"), ("user.signingkey", str(key)),
                        ("gpg.ssh.allowedSignersFile", str(tmp_path / "allowed_signers"))):
        git(git_repo, "config", name, value)
    assert _run(git_repo, "backup", now="2026-01-01T23:00:00Z").exit_code == 0
    signed = _run(git_repo, "backup", "--sign", now="2026-01-02T23:00:00Z")
    assert signed.exit_code == 0, signed.output
    checked = _run(git_repo, "verify", "--require-signature")
    assert checked.exit_code == 0 and checked.stdout.startswith("backup/20260102T230000Z: OK (signature good)")
    refused = _run(git_repo, "verify", "--require-signature", "backup/20260101T230000Z")
    assert refused.exit_code == 1 and "FAIL: backup/20260101T230000Z is not signed" in refused.stdout
    assert "backup/20260102T230000Z  2026-01-02 23:00:00 UTC  commit" in _run(git_repo, "backups").stdout
    assert ", signed" in _run(git_repo, "backups").stdout.splitlines()[0]
