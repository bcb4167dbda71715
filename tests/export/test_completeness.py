"""Completeness at scale: a 20k-user, 2k-group tenant with a 5,000-member group that includes service
principals exports every member of every group, every manager, and every file validates."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from entragit import resources
from entragit.emulator import Emulator
from entragit.emulator.seeds import scale_seed
from entragit.export import export_tree
from entragit.graph import GraphClient, run
from entragit.state.tree import read_tree
from entragit.state.validate import validate_tree

BIG = "Scale Big Group"


@pytest.mark.slow
def test_a_20k_user_tenant_exports_every_member(tmp_path: Path) -> None:
    seed = scale_seed(users=20_000, groups=2_000, big_group_members=5_000, sp_members_in_big_group=10,
                      applications=20)
    want_members = {g["id"]: set(g["members"]) for g in seed["groups"]}
    want_managers = {u["id"]: u.get("manager") for u in seed["users"]}
    big = next(g for g in seed["groups"] if g["displayName"] == BIG)
    sp_ids = {sp["id"] for sp in seed["servicePrincipals"]}
    assert len(big["members"]) == 5_010 and len(set(big["members"]) & sp_ids) == 10
    emu = Emulator(seed=seed)
    del seed
    client = GraphClient.for_emulator(emu)
    out = tmp_path / "tenant-state"
    start = time.monotonic()
    try:
        result = export_tree(client, out, durable=False)
    finally:
        run(client.aclose())
    elapsed = time.monotonic() - start

    assert result.counts["users"] == 20_000 and result.counts["groups"] == 2_000
    stored = read_tree(out, ["groups", "users"])
    got_members = {gid: set(g["members"]) for gid, g in stored["groups"].items()}
    assert got_members == want_members  # the 5,000-member group (6 pages) with its service principals too
    assert {uid: u["manager"] for uid, u in stored["users"].items()} == want_managers
    assert validate_tree(out) == []
    assert elapsed < 90, f"export took {elapsed:.0f} s"
    assert all(rt.key in result.counts for rt in resources.all_types())
