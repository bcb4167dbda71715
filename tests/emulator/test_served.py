"""The same behaviour against ``entragit emulator serve`` on 127.0.0.1 (a subprocess), through the real SDK."""

from __future__ import annotations

import re
import time
from urllib.parse import urlsplit

import httpx
import pytest

from entragit.emulator.seeds import DEMO_FACTS as F
from tests.plugins.emulator import GraphSdk

pytestmark = pytest.mark.served


def test_first_line_is_the_root_url_with_the_bound_port(served_emulator: str) -> None:
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", served_emulator)
    assert urlsplit(served_emulator).port != 0


def test_paging_to_the_end_with_links_on_the_served_host(served_sdk: GraphSdk, served_emulator: str) -> None:
    pages = served_sdk.pages("users?$top=9&$select=id,displayName")
    assert len(pages) > 1
    assert all(p["@odata.nextLink"].startswith(f"{served_emulator}/v1.0/users?") for p in pages[:-1])
    assert sum(len(p["value"]) for p in pages) == F.user_count


def test_no_delayed_ack_stalls(served_sdk: GraphSdk) -> None:
    # without TCP_NODELAY every request would stall ~40 ms (graph-sdk-notes §5): 30 requests >= 1.2 s
    served_sdk.call("GET", "organization")
    start = time.monotonic()
    for _ in range(30):
        assert served_sdk.call("GET", f"users/{F.break_glass_id}?$select=id").status == 200
    assert time.monotonic() - start < 1.0


def test_writes_errors_and_synced_objects(served_sdk: GraphSdk) -> None:
    uid = F.user_ids[F.cloud_user_upn]
    assert served_sdk.call("PATCH", f"users/{uid}", {"jobTitle": "Served"}).status == 204
    read_only = served_sdk.call("PATCH", f"users/{uid}", {"onPremisesSyncEnabled": True})
    assert read_only.status == 400
    assert read_only.error["message"] == "Property 'onPremisesSyncEnabled' is read-only and cannot be set."
    synced = served_sdk.call("PATCH", f"users/{F.user_ids[F.synced_user_upns[0]]}", {"surname": "X"})
    assert synced.status == 400 and synced.error["message"].startswith("Unable to update the specified properties")
    assert served_sdk.call("GET", "users/not-there").status == 404


def test_soft_delete_restore_and_delta(served_sdk: GraphSdk, served_emulator: str) -> None:
    first = served_sdk.call("GET", "groups/delta?$select=displayName,members")
    link = first.json.get("@odata.deltaLink")
    while link is None:
        page = served_sdk.call("GET", first.json["@odata.nextLink"]).json
        link = page.get("@odata.deltaLink")
    group = F.group_ids[F.security_groups[0]]
    assert served_sdk.call("DELETE", f"groups/{group}").status == 204
    changes = served_sdk.call("GET", link).json["value"]
    assert {"id": group, "@removed": {"reason": "changed"}} in changes
    restored = served_sdk.call("POST", f"directory/deletedItems/{group}/restore")
    assert restored.status == 200 and restored.json["id"] == group
    assert served_sdk.call("GET", f"groups/{group}").status == 200
    served_sdk.call("POST", f"{served_emulator}/_emulator/clock", {"days": 8})
    assert served_sdk.call("GET", link).error["code"] == "syncStateNotFound"


@pytest.mark.slow
def test_quotas_are_on_when_served_and_ca_429s_have_no_retry_after(served_emulator: str) -> None:
    with httpx.Client(base_url=served_emulator) as raw:
        quotas = raw.get("/_emulator/quotas").json()
        assert quotas["enabled"] is True
        statuses = [raw.get("/v1.0/identity/conditionalAccess/namedLocations") for _ in range(3)]
    limited = [r for r in statuses if r.status_code == 429]
    assert limited and all("retry-after" not in r.headers for r in limited)
    sdk = GraphSdk(served_emulator, max_retries=5)
    try:
        assert sdk.call("GET", "identity/conditionalAccess/namedLocations").status == 200
    finally:
        sdk.close()


def test_dropped_connection_when_served(served_emulator: str) -> None:
    with httpx.Client(base_url=served_emulator) as raw:
        raw.post("/_emulator/faults", json={"dropEvery": 1, "paths": "^organization$"})
    sdk = GraphSdk(served_emulator)
    try:
        with pytest.raises(httpx.TransportError):
            sdk.call("GET", "organization")
        assert sdk.call("GET", "users?$top=1").status == 200  # only the matching path is dropped
    finally:
        sdk.close()
