"""The nightly export: incremental when it can be, a full export that says why when it cannot. Each fallback is
driven through the emulator's own knobs: an expired delta token (its clock), a forced resync (410 + Location),
the periodic full reconcile, an audit log that no longer covers the gap, one the reader may not read, and a
property list that changed (a new directory extension attribute)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from entragit.emulator import Emulator
from entragit.emulator.seeds import DEMO_DIRECTORY
from entragit.emulator.seeds import DEMO_FACTS as F
from entragit.export import ExportResult, NightlyOptions, export_nightly, export_tree
from entragit.graph import GraphClient, run
from tests.export.test_incremental_series import files

LONG = NightlyOptions(full_every=timedelta(days=60), audit_retention=timedelta(days=30))


def _nightly(graph: GraphClient, out: Path, previous: dict[str, Any] | None = None,
             options: NightlyOptions | None = None, **kw: Any) -> ExportResult:
    return run(export_nightly(graph, out, previous=previous, options=options or LONG, durable=False, **kw))


def _same_as_full(graph: GraphClient, out: Path, tmp_path: Path) -> None:
    full = tmp_path / "full"
    export_tree(graph, full, durable=False)
    assert files(out) == files(full)


def _change(graph: GraphClient) -> str:
    user = F.user_ids[F.cloud_user_upn]
    run(graph.patch(f"users/{user}", {"jobTitle": "Nightly Tester"}))
    return user


def test_second_nightly_is_incremental_and_rewrites_only_what_changed(emulator: Emulator, graph: GraphClient,
                                                                      tmp_path: Path) -> None:
    out = tmp_path / "t"
    first = _nightly(graph, out)
    assert first.mode == "full" and "no delta state" in (first.fallback or "")
    state = first.delta_state
    assert state is not None and set(state["types"]) == {"users", "groups", "applications", "servicePrincipals"}
    assert all("$deltatoken=" in t["deltaLink"] for t in state["types"].values())
    assert "manager" in state["types"]["users"]["select"] and "members" in state["types"]["groups"]["select"]

    user = _change(graph)
    emulator.clock.advance(days=1)
    second = _nightly(graph, out, state)
    assert second.mode == "incremental" and second.fallback is None
    assert second.write.changed == [f"users/{user}.yaml"] and not second.write.added and not second.write.removed
    assert second.graph_requests < first.graph_requests / 2
    _same_as_full(graph, out, tmp_path)
    third = _nightly(graph, out, second.delta_state)           # nothing changed since: nothing written
    assert third.mode == "incremental" and third.files_changed == 0


def test_a_restored_agent_blueprint_keeps_its_derived_type(emulator: Emulator, graph: GraphClient,
                                                           tmp_path: Path) -> None:
    """A restored object comes back as new from its delta round: the @odata.type Graph gives it (an Agent ID
    blueprint among applications) is kept, as a full export keeps it."""
    out = tmp_path / "t"
    state = _nightly(graph, out).delta_state
    blueprint = DEMO_DIRECTORY.blueprint_id
    rel = f"applications/{blueprint}.yaml"
    assert "'@odata.type': '#microsoft.graph.agentIdentityBlueprint'" in (out / rel).read_text()
    run(graph.delete(f"applications/{blueprint}"))
    emulator.clock.advance(days=1)
    gone = _nightly(graph, out, state)
    assert gone.mode == "incremental" and not (out / rel).exists()
    run(graph.post(f"directory/deletedItems/{blueprint}/restore", {}))
    emulator.clock.advance(days=1)
    back = _nightly(graph, out, gone.delta_state)
    assert back.mode == "incremental" and rel in back.write.added
    _same_as_full(graph, out, tmp_path)


def test_an_expired_delta_token_falls_back_to_a_full_export(emulator: Emulator, graph: GraphClient,
                                                            tmp_path: Path) -> None:
    out = tmp_path / "t"
    state = _nightly(graph, out).delta_state
    _change(graph)
    emulator.clock.advance(days=8)      # directory delta tokens live 7 days: syncStateNotFound
    result = _nightly(graph, out, state)
    assert result.mode == "full"
    assert "the delta token expired (syncStateNotFound)" in (result.fallback or "")
    _same_as_full(graph, out, tmp_path)
    assert _nightly(graph, out, result.delta_state).mode == "incremental"   # and continues from the new links


def test_a_forced_resync_falls_back_to_a_full_export(emulator: Emulator, graph: GraphClient, tmp_path: Path) -> None:
    out = tmp_path / "t"
    state = _nightly(graph, out).delta_state
    _change(graph)
    run(graph.post(f"{emulator.url}/_emulator/delta", {"resync": ["groups"]}))   # next round: 410 + Location
    result = _nightly(graph, out, state)
    assert result.mode == "full" and result.fallback == "groups: Graph asked for a full resync (410 Gone)"
    _same_as_full(graph, out, tmp_path)


def test_the_periodic_full_reconcile(emulator: Emulator, graph: GraphClient, tmp_path: Path) -> None:
    out = tmp_path / "t"
    weekly = NightlyOptions()                                       # the defaults: every 7 days
    state = _nightly(graph, out, options=weekly).delta_state
    for _ in range(6):
        emulator.clock.advance(days=1)
        result = _nightly(graph, out, state, weekly)
        assert result.mode == "incremental"
        state = result.delta_state
    emulator.clock.advance(days=1)
    result = _nightly(graph, out, state, weekly)
    assert result.mode == "full"
    assert result.fallback == "periodic full reconcile: the last full export was 7.0 days ago (every 7.0 days)"


def test_a_gap_longer_than_the_audit_logs_retention(emulator: Emulator, graph: GraphClient, tmp_path: Path) -> None:
    out = tmp_path / "t"
    options = NightlyOptions(full_every=timedelta(days=60), audit_retention=timedelta(days=3))
    state = _nightly(graph, out, options=options).delta_state
    emulator.clock.advance(days=4)
    result = _nightly(graph, out, state, options)
    assert result.mode == "full" and "more than the audit log keeps (3.0 days)" in (result.fallback or "")


def test_a_reader_without_audit_log_permission_gets_full_exports(emulator: Emulator, graph: GraphClient,
                                                                 tmp_path: Path) -> None:
    out = tmp_path / "t"
    state = _nightly(graph, out).delta_state
    emulator.permissions.configure(granted=["Directory.Read.All", "Policy.Read.All", "Application.Read.All",
                                            "User.Read.All", "Group.Read.All", "Organization.Read.All",
                                            "Policy.Read.AuthenticationMethod"])
    result = _nightly(graph, out, state)
    assert result.mode == "full" and "AuditLog.Read.All" in (result.fallback or "")


def test_a_changed_property_list_is_not_continued(emulator: Emulator, graph: GraphClient, tmp_path: Path) -> None:
    """The delta links were issued for one $select: leaving a property out (an exclusion in entragit.yaml), like a
    directory extension attribute coming or going, needs links issued for the new list."""
    out = tmp_path / "t"
    state = _nightly(graph, out).delta_state
    assert state is not None
    assert any(n.startswith("extension_") for n in state["types"]["users"]["select"])  # extension attributes
    exclude = {"users": ("mobilePhone",)}
    result = _nightly(graph, out, state, exclude=exclude)
    assert result.mode == "full" and result.fallback == (
        "the properties exported for users changed (extension attributes, exclusions)")
    assert "mobilePhone" not in result.delta_state["types"]["users"]["select"]  # type: ignore[index]
    assert _nightly(graph, out, result.delta_state, exclude=exclude).mode == "incremental"


def test_a_state_from_another_graph_or_of_other_types_is_not_continued(graph: GraphClient, tmp_path: Path) -> None:
    out = tmp_path / "t"
    state = _nightly(graph, out).delta_state
    assert state is not None
    moved = {**state, "graph": "https://graph.microsoft.com"}
    assert "belongs to https://graph.microsoft.com" in (_nightly(graph, out, moved).fallback or "")
    assert _nightly(graph, out, state, types=["users"]).fallback == "the exported types changed"
    assert _nightly(graph, out, {"version": 0}).fallback == "no delta state, or one this version cannot read"
    off = NightlyOptions(incremental=False)
    assert _nightly(graph, out, state, off).fallback == "incremental backups are off (backup.incremental: false)"
