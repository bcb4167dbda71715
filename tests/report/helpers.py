"""The demo tenant, backed up into a real git repository, then changed the way the report tests need.

:func:`demo_backup` makes the first backup (``entragit.backups.backup`` with the real exporter against an
in-process emulator whose clock stands still at :data:`T0`); :func:`change_demo` then changes the tenant
through Graph (and once through the emulator's directory, standing in for Entra Connect), one change per
fact the report must show.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from entragit.backups import BackupResult, backup
from entragit.emulator import Emulator
from entragit.emulator.limits import Clock
from entragit.emulator.seeds import DEMO_FACTS as F
from entragit.export import export_tree
from entragit.graph import GraphClient, run

T0 = datetime(2026, 7, 1, 23, 0, tzinfo=UTC)
GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("ENTRAGIT_UPDATE_GOLDEN") == "1"

GSA = F.ca_policy_ids[F.gsa_policy]
ENGINEERING = F.group_ids["Engineering"]
FINANCE = F.group_ids["Finance"]
OPERATIONS = F.group_ids[F.synced_user_cloud_group]
HR_PORTAL_USERS = F.group_ids["HR Portal Users"]
ALEX = F.user_ids["AlexW@contoso.com"]
TOM = F.user_ids[F.synced_user_upns[0]]  # Tom Hoffmann, synced from on-premises AD
DANIEL = F.user_ids[F.disabled_user_upn]
GSA_EGRESS = F.named_location_ids[F.detachable_ip_location]
TRAVEL = F.named_location_ids["Allowed travel countries"]


@dataclass
class Demo:
    repo: Path
    emu: Emulator
    client: GraphClient
    first: BackupResult

    def backup(self, when: str) -> BackupResult:
        return backup(self.repo, export_step=self.export, now=when)

    def export(self, out_dir: Path) -> Any:
        return export_tree(self.client, out_dir, durable=False)


def demo_backup(repo: Path) -> Demo:
    emu = Emulator(seed="demo", clock=Clock(T0, frozen=True))
    client = GraphClient.for_emulator(emu)
    demo = Demo(repo, emu, client, None)  # type: ignore[arg-type]
    demo.first = demo.backup("2026-07-01T23:00:00Z")
    return demo


def change_demo(demo: Demo) -> None:
    """The changes of the golden report, made a day after the backup; the report is read a day later."""
    emu, c = demo.emu, demo.client
    emu.clock.advance(days=1)
    # "Allow GSA Traffic only" switched off
    run(c.patch(f"identity/conditionalAccess/policies/{GSA}", {"state": "disabled"}))
    # a member removed from a cloud security group
    run(c.delete(f"groups/{ENGINEERING}/members/{ALEX}/$ref"))
    # a cloud security group soft-deleted (it leaves "HR Portal Users" and its app role assignment with it)
    run(c.delete(f"groups/{FINANCE}"))
    # a named location deleted and purged from the CA deleted items (beta DELETE): gone for good
    run(c.delete(f"identity/conditionalAccess/namedLocations/{GSA_EGRESS}"))
    run(c.delete(f"identity/conditionalAccess/deletedItems/namedLocations/{GSA_EGRESS}", version="beta"))
    # another one only deleted: in the CA deleted items, which only the portal restores from
    run(c.delete(f"identity/conditionalAccess/namedLocations/{TRAVEL}"))
    # a synced user: on-premises AD changed his job title (Entra Connect writes it: Graph refuses to), and
    # he was removed from his cloud group
    tom = emu.backend.require("users", TOM)
    emu.backend.collections["users"].put({**tom, "jobTitle": "Plant Director"})
    run(c.delete(f"groups/{OPERATIONS}/members/{TOM}/$ref"))
    # a new group
    run(c.post("groups", {"displayName": "Project Falcon", "mailEnabled": False, "mailNickname": "falcon",
                          "securityEnabled": True}))
    emu.clock.advance(days=1)


def normalized(text: str, *commits: str) -> str:
    """``text`` with the commit ids (full and abbreviated) replaced: they depend on the test repository's
    first commit, which carries the wall-clock time."""
    for n, sha in enumerate(commits):
        text = text.replace(sha, f"<commit-{n}>").replace(sha[:12], f"<commit-{n}>")
    return text


def golden(name: str, text: str) -> str:
    """The golden file's text; with ENTRAGIT_UPDATE_GOLDEN=1 it is (re)written from ``text`` first."""
    path = GOLDEN / name
    if UPDATE:
        path.write_text(text, encoding="utf-8")
    return path.read_text(encoding="utf-8")
