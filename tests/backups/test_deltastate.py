"""The delta state ref (refs/entragit/delta): written with each backup that hands one over, tied to that backup,
discarded when it is not the newest or tenant-state/ moved on, fetched and pushed with --push."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from entragit.backups import ExportSummary, backup, deltastate
from tests.backups.helpers import FakeTenant, demo_tenant, git


class DeltaTenant(FakeTenant):
    """The fake tenant's export step, handing over an exporter state like the real exporter does."""

    handed: dict[str, Any] | None = None
    seen: list[deltastate.Usability]

    def export(self, out_dir: Path) -> ExportSummary:  # type: ignore[override]
        self.seen = [*getattr(self, "seen", []), deltastate.usable(out_dir.parent)]
        summary = super().export(out_dir)
        return replace(summary, delta=self.handed, mode="incremental" if self.seen[-1].ok else "full",
                       fallback=self.seen[-1].reason)


def _tenant(handed: dict[str, Any] | None) -> DeltaTenant:
    tenant = DeltaTenant(objects=demo_tenant().objects)
    tenant.handed = handed
    return tenant


def test_a_backup_stores_the_state_tied_to_its_commit(git_repo: Path) -> None:
    tenant = _tenant({"types": {"users": {"deltaLink": "https://graph/v1.0/users/delta?$deltatoken=1"}}})
    first = backup(git_repo, export_step=tenant.export, now="2026-01-01T23:00:00Z")
    state = deltastate.read(git_repo)
    assert state is not None and state.commit == first.commit and state.tag == first.tag
    assert state.state_tree == git(git_repo, "rev-parse", f"{first.commit}:tenant-state").strip()
    assert state.export == tenant.handed
    assert tenant.seen[0].reason and "no delta state" in tenant.seen[0].reason
    assert first.manifest["export"]["mode"] == "full" and "no delta state" in first.manifest["export"]["fallback"]
    # the ref is a single parentless commit; branch history and tenant-state are untouched by it
    assert git(git_repo, "rev-list", "--count", deltastate.DELTA_REF).strip() == "1"
    assert git(git_repo, "status", "--porcelain").strip() == ""

    tenant.put("users", "u9", displayName="New")
    second = backup(git_repo, export_step=tenant.export, now="2026-01-02T23:00:00Z")
    assert tenant.seen[1].ok and tenant.seen[1].state is not None and tenant.seen[1].state.commit == first.commit
    assert second.manifest["export"]["mode"] == "incremental" and "fallback" not in second.manifest["export"]
    assert deltastate.read(git_repo).commit == second.commit  # type: ignore[union-attr]


def test_no_state_handed_over_drops_the_ref(git_repo: Path) -> None:
    backup(git_repo, export_step=_tenant({"a": 1}).export, now="2026-01-01T23:00:00Z")
    assert deltastate.read(git_repo) is not None
    backup(git_repo, export_step=_tenant(None).export, now="2026-01-02T23:00:00Z")
    assert deltastate.read(git_repo) is None
    assert git(git_repo, "for-each-ref", deltastate.DELTA_REF).strip() == ""


def test_the_state_is_discarded_when_it_is_not_the_newest_backups(git_repo: Path) -> None:
    tenant = _tenant({"a": 1})
    backup(git_repo, export_step=tenant.export, now="2026-01-01T23:00:00Z")
    older = git(git_repo, "rev-parse", deltastate.DELTA_REF).strip()
    tenant.put("users", "u9", displayName="New")
    backup(git_repo, export_step=tenant.export, now="2026-01-02T23:00:00Z")
    git(git_repo, "update-ref", deltastate.DELTA_REF, older)        # e.g. a force push brought an old state back
    found = deltastate.usable(git_repo)
    assert not found.ok and "not to the newest backup backup/20260102T230000Z" in (found.reason or "")


def test_the_state_is_discarded_after_a_merged_edit_or_with_local_changes(git_repo: Path) -> None:
    backup(git_repo, export_step=_tenant({"a": 1}).export, now="2026-01-01T23:00:00Z")
    assert deltastate.usable(git_repo).ok
    path = git_repo / "tenant-state" / "users" / "u0.yaml"
    original = path.read_text()
    path.write_text(original.replace("User 0", "Edited"))
    found = deltastate.usable(git_repo)
    assert not found.ok and "uncommitted" in (found.reason or "")
    git(git_repo, "commit", "-qam", "edit a user by hand")          # a merged pull request, a recovery
    found = deltastate.usable(git_repo)
    assert not found.ok and "changed since backup/20260101T230000Z" in (found.reason or "")


def test_push_sends_the_state_and_a_fresh_clone_continues_from_it(git_repo: Path, bare_origin: Path,
                                                                  tmp_path: Path) -> None:
    backup(git_repo, export_step=_tenant({"from": "A"}).export, now="2026-01-01T23:00:00Z", push=True)
    assert git(bare_origin, "for-each-ref", "--format=%(refname)", deltastate.DELTA_REF).strip() == deltastate.DELTA_REF

    ci = tmp_path / "ci"                                             # actions/checkout: branches and tags only
    git(tmp_path, "clone", "-q", str(bare_origin), str(ci))
    git(ci, "config", "user.name", "CI")
    git(ci, "config", "user.email", "ci@example.com")
    assert deltastate.read(ci) is None
    tenant = _tenant({"from": "B"})
    result = backup(ci, export_step=tenant.export, now="2026-01-02T23:00:00Z", push=True)
    assert tenant.seen[0].ok and tenant.seen[0].state.export == {"from": "A"}  # type: ignore[union-attr]
    pushed = git(bare_origin, "cat-file", "blob", f"{deltastate.DELTA_REF}:{deltastate.DELTA_FILE}")
    assert '"from": "B"' in pushed and result.commit in pushed

    backup(ci, export_step=_tenant(None).export, now="2026-01-03T23:00:00Z", push=True)
    assert git(bare_origin, "for-each-ref", deltastate.DELTA_REF).strip() == ""  # dropped there too
