"""An export that fails half-way (Graph errors after retries, cancellation) leaves the previous tree exactly
as it was, and the error names the type and the object."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path

import pytest

from entragit.emulator import Emulator
from entragit.emulator.seeds import DEMO_FACTS
from entragit.export import ExportError, export_tree, export_tree_async
from entragit.graph import GraphClient, run
from entragit.state.tree import staging_dir
from tests.export.helpers import snapshot
from tests.plugins.graph import FAST_RETRY


def _changed_tenant(graph: GraphClient) -> None:
    """A change the next export would write (so an untouched tree proves the abort)."""
    policy = DEMO_FACTS.ca_policy_ids[DEMO_FACTS.gsa_policy]
    run(graph.patch(f"identity/conditionalAccess/policies/{policy}", {"state": "disabled"}))


def test_repeated_500s_on_member_reads_leave_the_previous_tree_untouched(emulator: Emulator, graph: GraphClient,
                                                                        tmp_path: Path) -> None:
    out = tmp_path / "tenant-state"
    export_tree(graph, out, durable=False)
    before = snapshot(out)
    _changed_tenant(graph)
    emulator.faults.configure(fault_rate=1.0, fault_status=500, paths=r"^groups/[^/]+/members$")

    with pytest.raises(ExportError) as caught:
        export_tree(graph, out, durable=False)

    error = caught.value
    assert error.type_key == "groups" and error.obj in DEMO_FACTS.group_ids.values()
    assert error.graph_error is not None and error.graph_error.status == 500
    assert "reading members of group" in str(error) and "nothing was written" in str(error)
    assert snapshot(out) == before
    assert not staging_dir(out).exists()


def test_a_failing_listing_names_the_type(emulator: Emulator, graph: GraphClient, tmp_path: Path) -> None:
    out = tmp_path / "tenant-state"
    emulator.faults.configure(fault_rate=1.0, fault_status=503, paths=r"^servicePrincipals$", retry_after=0)
    with pytest.raises(ExportError) as caught:
        export_tree(graph, out, durable=False)
    assert caught.value.type_key == "servicePrincipals"
    assert caught.value.graph_error is not None and caught.value.graph_error.status == 503
    assert "listing servicePrincipals" in str(caught.value)
    assert not out.exists() and not staging_dir(out).exists()  # a first export that fails writes nothing


def test_throttling_is_retried_and_the_export_completes(emulator: Emulator, tmp_path: Path) -> None:
    """Every third request the emulator receives answers 429 without Retry-After, whichever request it is. With
    other reads in flight during a retry's back-off, a retry lands on a "third" again one time in three: over the
    ~40 throttled requests of an export, five 429s in a row for one request (the default budget of 6 tries) happen
    in about one export in seven. That is the knob's arithmetic, not a defect, so this client gets 12 tries."""
    emulator.faults.configure(throttle_every=3, retry_after=0)
    graph = GraphClient.for_emulator(emulator, retry=replace(FAST_RETRY, max_attempts=12))
    try:
        result = export_tree(graph, tmp_path / "t", durable=False)
    finally:
        run(graph.aclose())
    assert graph.stats.throttled > 0 and graph.stats.retries >= graph.stats.throttled
    assert result.objects == sum(1 for _ in (tmp_path / "t").rglob("*.yaml"))


def test_cancellation_half_way_leaves_the_previous_tree_untouched(emulator: Emulator, graph: GraphClient,
                                                                 tmp_path: Path) -> None:
    """Ctrl-C cancels the main task of asyncio.run: the writer thread discards its staging."""
    out = tmp_path / "tenant-state"
    export_tree(graph, out, durable=False)
    before = snapshot(out)
    _changed_tenant(graph)
    emulator.faults.configure(latency_ms=30, paths=r"^groups/[^/]+/members$")

    async def cancel_during_member_reads() -> None:
        task = asyncio.ensure_future(export_tree_async(graph, out, durable=False))
        while not any(r["pattern"] == "groups/{id}/members" for r in emulator.counters.requests()):
            await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(cancel_during_member_reads())
    assert snapshot(out) == before
    assert not staging_dir(out).exists()
