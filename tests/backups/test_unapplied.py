"""Merged changes to tenant-state/ never applied: detection, apply notes, and the backup's warning."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from entragit.backups import (
    NOTES_REF,
    backup,
    fetch_notes,
    push_notes,
    read_apply_outcome,
    read_apply_outcomes,
    record_apply_outcome,
    render_backup,
    unapplied_changes,
)
from entragit.errors import UsageError
from tests.backups.helpers import demo_tenant, git


def _merge_recovery(repo: Path, branch: str, edit: dict[str, str], when: str = "2026-01-02T10:00:00Z") -> str:
    """A pull request: a branch editing tenant-state files, merged with a merge commit; returns the merge."""
    git(repo, "checkout", "-q", "-b", branch)
    for rel, text in edit.items():
        (repo / "tenant-state" / rel).write_text(text)
    git(repo, "commit", "-q", "-a", "-m", f"recover {branch}")
    git(repo, "checkout", "-q", "main")
    git(repo, "merge", "-q", "--no-ff", "-m", f"Merge pull request from {branch}", branch)
    return git(repo, "rev-parse", "HEAD").strip()


def test_a_merged_change_never_applied_is_reported_before_the_backup_hides_it(git_repo: Path) -> None:
    tenant = demo_tenant()
    backup(git_repo, export_step=tenant.export, now="2026-01-01T23:00:00Z")
    merge = _merge_recovery(git_repo, "recover/g0", {"groups/g0.yaml": "id: g0\ndisplayName: Sales (restored)\n"})
    (git_repo / "docs.md").write_text("unrelated\n")
    git(git_repo, "add", "docs.md")
    git(git_repo, "commit", "-q", "-m", "docs only")                      # touches no tenant-state: ignored

    found = unapplied_changes(git_repo)
    assert [u.commit for u in found] == [merge]
    assert found[0].reason == "never applied" and found[0].changes["groups"].modified == 1
    assert found[0].subject == "Merge pull request from recover/g0"

    warnings: list[str] = []
    result = backup(git_repo, export_step=tenant.export, now="2026-01-02T23:00:00Z", warn=warnings.append)
    assert result.committed                                   # the live state differs from the merged files
    assert [u.commit for u in result.unapplied] == [merge]
    assert len(warnings) == 1 and merge[:12] in warnings[0] and "never applied" in warnings[0]
    assert merge[:12] in render_backup(result) and merge[:12] in render_backup(result, "markdown")
    manifest = git(git_repo, "for-each-ref", "--format=%(contents:body)", f"refs/tags/{result.tag}")
    assert yaml.safe_load(manifest)["unapplied"] == [merge]
    # the backup commit itself is not a change to apply, and the merge stays reported while kept backups
    # from before it exist
    assert [u.commit for u in unapplied_changes(git_repo)] == [merge]


def test_an_applied_note_clears_the_warning_and_a_failed_one_keeps_it(git_repo: Path) -> None:
    tenant = demo_tenant()
    backup(git_repo, export_step=tenant.export, now="2026-01-01T23:00:00Z")
    merge = _merge_recovery(git_repo, "recover/u0", {"users/u0.yaml": "id: u0\njobTitle: Engineer II\n"})

    record = record_apply_outcome(git_repo, merge, {"status": "failed", "exitCode": 4, "error": "2 changes failed"},
                                  now="2026-01-02T10:05:00Z")
    assert record["at"] == "2026-01-02T10:05:00Z" and record["tool"].startswith("entragit ")
    [found] = unapplied_changes(git_repo)
    assert found.reason == "apply failed: 2 changes failed" and found.outcome["exitCode"] == 4

    record_apply_outcome(git_repo, merge, {"status": "applied", "exitCode": 0, "changes": 1},
                         now="2026-01-02T11:00:00Z")
    assert unapplied_changes(git_repo) == []
    assert read_apply_outcome(git_repo, merge)["status"] == "applied"
    assert [o["status"] for o in read_apply_outcomes(git_repo, merge)] == ["failed", "applied"]
    # the note is plain git: JSON Lines under refs/notes/entragit
    note = git(git_repo, "notes", f"--ref={NOTES_REF}", "show", merge)
    assert [json.loads(line)["status"] for line in note.splitlines() if line] == ["failed", "applied"]
    assert read_apply_outcome(git_repo, "HEAD~1") is None


def test_a_range_outcome_covers_rebase_merged_commits(git_repo: Path) -> None:
    tenant = demo_tenant()
    first = backup(git_repo, export_step=tenant.export, now="2026-01-01T23:00:00Z")
    for n, title in enumerate(("Lead", "Principal")):
        (git_repo / "tenant-state" / "users" / "u1.yaml").write_text(f"id: u1\njobTitle: {title}\n")
        git(git_repo, "commit", "-q", "-a", "-m", f"edit {n}")
    head = git(git_repo, "rev-parse", "HEAD").strip()
    assert len(unapplied_changes(git_repo)) == 2
    record_apply_outcome(git_repo, "HEAD~1", {"status": "failed"}, now="2026-01-02T10:00:00Z")
    record_apply_outcome(git_repo, head, {"status": "applied", "range": f"{first.commit}..{head}"},
                         now="2026-01-02T11:00:00Z")
    assert unapplied_changes(git_repo) == []                   # the later range outcome wins over the failure
    record_apply_outcome(git_repo, "HEAD~1", {"status": "failed"}, now="2026-01-02T12:00:00Z")
    assert [u.commit for u in unapplied_changes(git_repo)] == [git(git_repo, "rev-parse", "HEAD~1").strip()]


def test_reporting_window_is_the_retained_backups(git_repo: Path) -> None:
    tenant = demo_tenant()
    backup(git_repo, export_step=tenant.export, now="2026-01-01T23:00:00Z", keep=2)
    merge = _merge_recovery(git_repo, "recover/x", {"users/u2.yaml": "id: u2\n"})
    backup(git_repo, export_step=tenant.export, now="2026-01-02T23:00:00Z", keep=2)
    assert [u.commit for u in unapplied_changes(git_repo)] == [merge]
    backup(git_repo, export_step=tenant.export, now="2026-01-03T23:00:00Z", keep=2)
    assert unapplied_changes(git_repo) == []                 # the backups from before it are pruned
    root = git(git_repo, "rev-list", "--max-parents=0", "HEAD").strip()
    assert [u.commit for u in unapplied_changes(git_repo, since=root)] == [merge]
    with pytest.raises(UsageError, match="no such commit"):
        unapplied_changes(git_repo, since="HEAD~40")


def test_no_backups_no_report(git_repo: Path) -> None:
    (git_repo / "tenant-state").mkdir()
    (git_repo / "tenant-state" / "x.yaml").write_text("a: 1\n")
    git(git_repo, "add", ".")
    git(git_repo, "commit", "-q", "-m", "hand made")
    assert unapplied_changes(git_repo) == []


def test_outcome_needs_a_status_and_a_commit(git_repo: Path) -> None:
    with pytest.raises(UsageError, match="status"):
        record_apply_outcome(git_repo, "HEAD", {"exitCode": 0})
    with pytest.raises(UsageError, match="no such commit"):
        record_apply_outcome(git_repo, "deadbeef", {"status": "applied"})


def test_notes_travel_through_the_remote_and_merge(git_repo: Path, bare_origin: Path, tmp_path: Path) -> None:
    tenant = demo_tenant()
    backup(git_repo, export_step=tenant.export, now="2026-01-01T23:00:00Z", push=True)
    merge = _merge_recovery(git_repo, "recover/g", {"groups/g0.yaml": "id: g0\n"})
    git(git_repo, "push", "-q", "origin", "main")

    runner = tmp_path / "runner"                              # the recovery workflow's fresh clone
    git(tmp_path, "clone", "-q", str(bare_origin), str(runner))
    record_apply_outcome(runner, merge, {"status": "failed"}, now="2026-01-02T10:00:00Z")
    push_notes(runner)
    record_apply_outcome(git_repo, merge, {"status": "applied"}, now="2026-01-02T12:00:00Z")  # local, not pushed
    assert fetch_notes(git_repo) is True                      # merged, not overwritten
    assert [o["status"] for o in read_apply_outcomes(git_repo, merge)] == ["failed", "applied"]
    assert read_apply_outcome(git_repo, merge)["status"] == "applied"

    other = tmp_path / "other"
    git(tmp_path, "clone", "-q", str(bare_origin), str(other))
    assert fetch_notes(other) and read_apply_outcome(other, merge)["status"] == "failed"
    result = backup(other, export_step=tenant.export, now="2026-01-03T23:00:00Z", push=True)
    assert [u.reason for u in result.unapplied] == ["apply failed"]


def test_the_appliers_outcomes_are_read_as_recorded(git_repo: Path) -> None:
    """entragit.apply.record_outcome (engineer A) writes through record_apply_outcome: its statuses, error and
    range are what unapplied_changes reads (applied clears a change, partial/refused keep it, with the reason)."""
    from entragit.apply import ApplyResult, record_outcome, resolve_range
    from entragit.errors import RefusedError
    from entragit.plan.model import Plan

    tenant = demo_tenant()
    backup(git_repo, export_step=tenant.export, now="2026-01-01T23:00:00Z")
    before = git(git_repo, "rev-parse", "HEAD").strip()
    merge = _merge_recovery(git_repo, "recover/u2", {"users/u2.yaml": "id: u2\njobTitle: Architect\n"})
    span = resolve_range(git_repo, "HEAD~1..HEAD")
    assert span == f"{before}..{merge}"

    record_outcome(git_repo, merge, None, rev_range=span,
                   error=RefusedError("safety rail: the plan deletes 60% of the users"))
    [found] = unapplied_changes(git_repo)
    assert found.commit == merge and found.reason == "apply refused: safety rail: the plan deletes 60% of the users"

    record_outcome(git_repo, merge, ApplyResult(plan=Plan()), rev_range=span, scope={"types": ["users"]})
    [found] = unapplied_changes(git_repo)
    assert found.outcome is not None and found.outcome["status"] == "partial" and found.reason == "apply partial"

    record_outcome(git_repo, merge, ApplyResult(plan=Plan()), rev_range=span)
    assert unapplied_changes(git_repo) == []
    assert [o["status"] for o in read_apply_outcomes(git_repo, merge)] == ["refused", "partial", "applied"]
