"""Incremental exports stay byte-identical to full exports: a seeded random series of nightlies, each with 200
mixed changes (creates, updates, soft and hard deletes, restores, memberships incl. changes of 520 members that
Graph's group delta splits over pages, owners, managers, app role assignments, grants, federated credentials,
synced objects' cloud links), and after every nightly the incremental tree equals a fresh full export's.

The tenant is the demo tenant plus 560 users (enough for large member changes). The emulator clock moves one day
per nightly, so the weekly full reconcile happens in the series too; each nightly continues from the state the
previous one handed over, as the backup's delta ref carries it."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from entragit.emulator import Emulator
from entragit.export import ExportResult, export_nightly, export_tree_async
from entragit.graph import GraphClient
from tests.export.churn import Churn

NIGHTS = 21
CHANGES = 200
BULK_USERS = 560


def files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*.yaml")}


async def _bulk_users(client: GraphClient, count: int) -> None:
    requests = [{"method": "POST", "url": "users", "body": {
        "accountEnabled": True, "displayName": f"Bulk {n}", "mailNickname": f"bulk{n}",
        "userPrincipalName": f"bulk{n}@contoso.com", "passwordProfile": {"password": "Pa55w.rd!Pa55w.rd!"}}}
        for n in range(count)]
    for start in range(0, len(requests), 20):
        assert all(a["status"] == 201 for a in await client.batch(requests[start:start + 20]))


def _differences(incremental: Path, full: Path) -> list[str]:
    a, b = files(incremental), files(full)
    return sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))


@pytest.mark.slow
@pytest.mark.parametrize("seed", [7, 2])
def test_a_series_of_nightlies_matches_full_exports(seed: int, tmp_path: Path) -> None:
    emu = Emulator(seed="demo", quotas=False)
    incremental, full = tmp_path / "incremental", tmp_path / "full"

    async def series() -> list[ExportResult]:
        results = []
        async with GraphClient.for_emulator(emu) as client:
            await _bulk_users(client, BULK_USERS)
            churn = Churn(client, seed)
            first = await export_nightly(client, incremental, durable=False)
            assert first.mode == "full" and first.delta_state is not None
            state = first.delta_state
            for night in range(1, NIGHTS + 1):
                emu.clock.advance(days=1)
                done = await churn.nightly(CHANGES)
                assert sum(done.values()) >= CHANGES * 0.9, done
                result = await export_nightly(client, incremental, previous=state, durable=False)
                state = result.delta_state
                await export_tree_async(client, full, durable=False)
                assert _differences(incremental, full) == [], f"night {night}: {result.mode} {result.fallback}"
                results.append(result)
            assert churn.counts["large_member_change"] >= 3 and churn.counts["restore"] >= 20
        return results

    results = asyncio.run(series())
    modes = [r.mode for r in results]
    # weekly reconcile: full exports on nights 7, 14, 21; every other night continued incrementally
    assert [n for n, m in enumerate(modes, 1) if m == "full"] == [7, 14, 21]
    assert all(r.fallback and "periodic full reconcile" in r.fallback for r in results if r.mode == "full")
    incremental_runs = [r for r in results if r.mode == "incremental"]
    assert all(r.audit_entries > 0 and r.rereads > 0 for r in incremental_runs)
    # (what a nightly costs against a full export is a matter of scale: bench/nightly.py measures it at L)
