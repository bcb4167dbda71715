"""Reading the live tenant's deleted items for a report: paced like the export for the serialized types."""

from __future__ import annotations

from entragit import resources
from entragit.emulator import Emulator
from entragit.emulator.seeds import DEMO_FACTS as F
from entragit.graph import GraphClient, run
from entragit.report.live import read_deleted_items


def test_conditional_access_deleted_items_are_paced_not_throttled() -> None:
    """Conditional access policies and named locations share 1 request/s per tenant (answered 429 *without*
    Retry-After, graph-entra.md §12.2): their deleted-items containers are read one at a time, paced, like
    their export, not fired back to back and retried after a 429."""
    emu = Emulator(seed="demo", quotas=True)
    location = F.named_location_ids[F.country_location]
    client = GraphClient.for_emulator(emu, serialized_interval=1.0)
    try:
        run(client.delete(f"identity/conditionalAccess/namedLocations/{location}", serialize=True))
        emu.counters.reset()
        rts = [resources.get("namedLocations"), resources.get("conditionalAccessPolicies")]
        deleted, unread = run(read_deleted_items(client, rts, None))
    finally:
        run(client.aclose())
    assert unread == {} and set(deleted["namedLocations"]) == {location} and deleted["conditionalAccessPolicies"] == {}
    seen = [(r["path"], r["status"]) for r in emu.counters.requests()]
    assert seen == [("identity/conditionalAccess/deletedItems/namedLocations", 200),
                    ("identity/conditionalAccess/deletedItems/policies", 200)]
