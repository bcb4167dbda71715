"""Git's own upkeep after each backup (``git maintenance run --auto``): loose objects get packed once git's
thresholds say so, in the foreground, and the repository's opt-outs are honoured."""

from __future__ import annotations

from pathlib import Path

from entragit.backups import backup, open_repo
from entragit.backups.upkeep import object_counts
from tests.backups.helpers import FakeTenant, git


def _tenant(size: int, generation: int) -> FakeTenant:
    tenant = FakeTenant()
    for n in range(size):
        tenant.put("users", f"u{n:04d}", displayName=f"User {n}", jobTitle=f"Engineer {generation}")
    return tenant


def _nightlies(repo: Path, nights: int, *, upkeep: bool = True) -> list:
    results = []
    for night in range(nights):
        tenant = _tenant(300, night)  # every file changes: 300 blobs and a tree per nightly
        results.append(backup(repo, export_step=tenant.export, now=f"2026-01-{night + 1:02d}T23:00:00Z",
                              upkeep=upkeep))
    return results


def test_backups_leave_loose_objects_for_gits_thresholds_to_pack(git_repo: Path) -> None:
    git(git_repo, "config", "gc.auto", "256")  # a threshold a few nightlies cross (git's default: 6,700)
    results = _nightlies(git_repo, 4)
    loose, packs = object_counts(open_repo(git_repo))
    assert all(r.upkeep is not None and r.upkeep.ran and r.upkeep.error is None for r in results)
    packed = [r for r in results if r.upkeep.loose_after < r.upkeep.loose_before]
    assert packed, [r.upkeep.to_dict() for r in results]          # gc ran at least once, synchronously
    assert packs >= 1 and loose < sum(r.upkeep.loose_before for r in results)
    assert results[-1].to_dict()["upkeep"]["ran"] is True
    git(git_repo, "fsck", "--no-progress")                         # and the history is intact


def test_upkeep_off_leaves_everything_loose(git_repo: Path) -> None:
    git(git_repo, "config", "gc.auto", "256")
    results = _nightlies(git_repo, 3, upkeep=False)
    loose, packs = object_counts(open_repo(git_repo))
    assert all(r.upkeep is None for r in results)
    assert loose >= 3 * 301 and packs == 0


def test_maintenance_auto_false_in_git_config_is_honoured(git_repo: Path) -> None:
    git(git_repo, "config", "gc.auto", "256")
    git(git_repo, "config", "maintenance.auto", "false")
    _nightlies(git_repo, 3)
    loose, packs = object_counts(open_repo(git_repo))
    assert loose >= 3 * 301 and packs == 0
