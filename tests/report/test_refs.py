"""Reports between two backups (read from git, lazily), and objects restored with their id."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest

from entragit.graph import run
from entragit.report import Report, make_report
from tests.report.conftest import init_repo
from tests.report.helpers import DANIEL, FINANCE, HR_PORTAL_USERS, Demo, demo_backup


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True).stdout


@pytest.fixture(scope="module")
def two_backups(changed_demo: Demo) -> tuple[Demo, str]:
    second = changed_demo.backup("2026-07-03T23:00:00Z")
    assert second.committed
    return changed_demo, second.tag


def _shape(report: Report) -> dict[tuple[str, str], tuple[str, list[dict[str, Any]]]]:
    return {(o.type, o.id): (o.status, [c.to_json() for c in o.changes]) for o in report.objects}


def test_two_backups_differ_like_the_backup_and_the_live_tenant(two_backups: tuple[Demo, str]) -> None:
    demo, second = two_backups
    live = make_report(demo.repo, demo.first.tag, client=demo.client, now=demo.emu.clock.now())
    refs = make_report(demo.repo, demo.first.tag, second)
    assert refs.target.ref == second and refs.target.commit == git(demo.repo, "rev-parse", f"{second}^{{commit}}").strip()
    assert refs.target.time == "2026-07-03T23:00:00Z"
    live_shape, refs_shape = _shape(live), _shape(refs)
    assert set(refs_shape) == set(live_shape)
    for key, (status, changes) in live_shape.items():
        if status == "deleted":
            obj = refs.get(*key)
            # only the live tenant's deleted items tell restorable from gone
            assert obj.deletion is not None and obj.deletion.state == "unknown" and obj.recoverable is None
            continue
        assert refs_shape[key][0] == status
        for mine, theirs in zip(refs_shape[key][1], changes, strict=True):
            if FINANCE in theirs["refs"]:
                # Finance is in the live deleted items, but only absent from the second backup: not judged
                assert theirs["refs"][FINANCE]["state"] == "deleted" and mine["refs"][FINANCE]["state"] == "absent"
                assert theirs["recoverable"] is True and mine["recoverable"] is None
                assert mine["reason"] == "refers to Finance, deleted since the backup"
                mine = {**mine, "refs": {}, "recoverable": None, "reason": None}
                theirs = {**theirs, "refs": {}, "recoverable": None, "reason": None}
            assert mine == theirs, key
    assert refs.get("groups", HR_PORTAL_USERS).changes[0].refs[FINANCE].display_name == "Finance"


def test_only_the_changed_files_and_the_referenced_objects_are_read(two_backups: tuple[Demo, str]) -> None:
    demo, second = two_backups
    raw = git(demo.repo, "diff", "--raw", "--no-renames", demo.first.tag, second, "--", "tenant-state")
    statuses = [line.split()[4] for line in raw.splitlines()]
    changed_blobs = sum(2 if s == "M" else 1 for s in statuses)
    total = len(git(demo.repo, "ls-files", "tenant-state").split())
    report = make_report(demo.repo, demo.first.tag, second)
    names = {v for o in report.objects for c in o.changes for v in c.refs}
    assert changed_blobs <= report.stats["blobs"] <= changed_blobs + len(names) < total / 4  # most never read
    assert report.stats["gitCalls"] <= 12


def test_scoping_between_refs_reads_only_the_scoped_types(two_backups: tuple[Demo, str]) -> None:
    demo, second = two_backups
    report = make_report(demo.repo, demo.first.tag, second, types=["conditionalAccessPolicies"])
    assert [(o.type, o.status) for o in report.objects] == [("conditionalAccessPolicies", "modified")]
    assert report.stats["blobs"] == 2 and report.scope == {"types": ["conditionalAccessPolicies"], "ids": None}


def test_a_group_deleted_and_restored_between_backups_is_restored(tmp_path: Path, isolated_git: None) -> None:
    demo = demo_backup(init_repo(tmp_path / "tenant"))
    first = demo.first.tag
    demo.emu.clock.advance(days=1)
    run(demo.client.delete(f"groups/{FINANCE}"))
    second = demo.backup("2026-07-02T23:00:00Z").tag
    run(demo.client.post(f"directory/deletedItems/{FINANCE}/restore", {}))
    third = demo.backup("2026-07-03T23:00:00Z").tag
    # first..third: the file is byte for byte the same; only history shows the deletion
    assert git(demo.repo, "diff", "--name-only", first, third, "--", f"tenant-state/groups/{FINANCE}.yaml") == ""
    report = make_report(demo.repo, first, third)
    assert [(o.type, o.id, o.status, o.changes) for o in report.objects] == [("groups", FINANCE, "restored", [])]
    assert report.objects[0].reason == "deleted and restored with the same id since the backup"
    # second..third: absent from the backup, deleted earlier in its history: restored, not created
    report = make_report(demo.repo, second, third)
    restored = {(o.type, o.id): o.status for o in report.objects}
    assert restored[("groups", FINANCE)] == "restored"
    assert "created" not in restored.values()
    # against the live tenant, HEAD (third) is the same state: first..live says restored as well
    report = make_report(demo.repo, first, client=demo.client, now=demo.emu.clock.now())
    assert [(o.id, o.status) for o in report.objects] == [(FINANCE, "restored")]
    run(demo.client.aclose())


def test_a_user_restored_after_a_backup_that_missed_him_is_restored(tmp_path: Path, isolated_git: None) -> None:
    """The backup was taken while Daniel was in deleted items; no earlier history: createdDateTime tells."""
    repo = init_repo(tmp_path / "tenant")
    from entragit.emulator import Emulator
    from entragit.emulator.limits import Clock
    from entragit.graph import GraphClient
    from tests.report.helpers import T0

    emu = Emulator(seed="demo", clock=Clock(T0, frozen=True))
    client = GraphClient.for_emulator(emu)
    run(client.delete(f"users/{DANIEL}"))
    demo = Demo(repo, emu, client, None)  # type: ignore[arg-type]
    tag = demo.backup("2026-07-01T23:00:00Z").tag
    emu.clock.advance(days=1)
    run(client.post(f"directory/deletedItems/{DANIEL}/restore", {}))
    report = make_report(repo, tag, client=client, now=emu.clock.now())
    daniel = report.get("users", DANIEL)
    assert daniel.status == "restored" and daniel.changes == []
    # his memberships came back with him: the groups list him as added, by name
    added = [(o.display_name, c.refs[DANIEL].display_name) for o in report.objects if o.type == "groups"
             for c in o.changes if DANIEL in c.added]
    assert added and all(name == daniel.display_name for _, name in added)
    assert {o.status for o in report.objects} == {"restored", "modified"}
    run(client.aclose())
