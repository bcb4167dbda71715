"""GraphClient against the real tenant emulator (in-process through the msgraph-core adapter, and served).

Faults and quotas are set with the emulator's own knobs (``emu.faults`` / ``emu.limiter``, the same objects
``POST /_emulator/faults`` and ``/_emulator/quotas`` configure); its request log and counters are the
evidence. ``AsgiRecorder`` only observes what reaches the emulator app (headers), it answers nothing itself.
"""

from __future__ import annotations

import asyncio
import io
import json
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from entragit.emulator import Emulator
from entragit.errors import GraphError
from entragit.graph import (
    DeltaExpired,
    GraphClient,
    GraphTransportError,
    RetryPolicy,
    open_client,
    run,
)
from entragit.graph.auth import STATIC_TOKEN
from entragit.settings import load_settings
from tests.plugins.graph import AsgiRecorder

FAST = RetryPolicy(max_attempts=6, backoff_base=0.01, backoff_max=0.2)
CA = "identity/conditionalAccess/policies"


def recorded_client(emu: Emulator, **kw: Any) -> tuple[GraphClient, AsgiRecorder]:
    recorder = AsgiRecorder(emu.app)
    kw.setdefault("retry", FAST)
    return GraphClient("http://testserver", transport=httpx.ASGITransport(app=recorder), **kw), recorder


def log(emu: Emulator) -> list[dict[str, Any]]:
    return emu.counters.requests()


def at(entry: dict[str, Any]) -> float:
    return datetime.fromisoformat(entry["time"].replace("Z", "+00:00")).timestamp()


# -- paging, delta, fidelity ------------------------------------------------------------------------------
def test_pages_follow_next_links_to_the_end(graph: GraphClient, emulator: Emulator) -> None:
    async def go() -> list[dict[str, Any]]:
        return [page async for page in graph.pages("users", {"$top": 7, "$select": "id,displayName"})]

    pages = run(go())
    expected = {u["id"] for u in emulator.backend.state()["users"]}
    got = [u["id"] for p in pages for u in p["value"]]
    assert len(expected) == 50 and sorted(got) == sorted(expected)      # every user, once
    assert len(pages) == 8 and [len(p["value"]) for p in pages] == [7] * 7 + [1]
    for page in pages[:-1]:  # absolute, on the host the client called
        assert page["@odata.nextLink"].startswith("http://testserver/v1.0/users?")
    assert "@odata.nextLink" not in pages[-1]
    gets = [e for e in log(emulator) if e["path"] == "users"]
    assert len(gets) == 8 and all("skiptoken" in e["query"] for e in gets[1:])
    assert graph.stats.requests == 8 and graph.stats.by_method["GET"] == 8


def test_list_yields_items_and_keeps_nulls_and_unknown_values(graph: GraphClient, emulator: Emulator) -> None:
    served = {u["id"]: u for u in emulator.backend.state()["users"]}
    users = run(graph.list_all("users", {"$select": "id,mobilePhone,officeLocation"}))
    assert len(users) == 50
    assert any(u["mobilePhone"] is None for u in users)                 # explicit nulls survive
    assert all(u["mobilePhone"] == served[u["id"]].get("mobilePhone") for u in users)


def test_custom_headers_are_sent_again_on_every_page(emulator: Emulator) -> None:
    client, rec = recorded_client(emulator, priority="Low")

    async def go() -> list[dict[str, Any]]:
        async with client:
            return [p async for p in client.pages("users", {"$top": 20, "$count": True},
                                                  headers={"ConsistencyLevel": "eventual"})]

    pages = run(go())
    assert len(pages) == 3 and len(rec.seen) == 3
    for seen in rec.seen:
        assert seen["headers"]["consistencylevel"] == "eventual"
        assert seen["headers"]["x-ms-throttle-priority"] == "Low"
        assert seen["headers"]["authorization"] == f"Bearer {STATIC_TOKEN}"
        assert "kiota-python" in seen["headers"]["user-agent"]                # through the SDK middleware


def test_every_request_prefers_unknown_enum_members(emulator: Emulator) -> None:
    """Reads, writes and each request inside a $batch ask for evolvable enum members (issue 10.2); a caller's
    own preference is kept beside it."""
    client, rec = recorded_client(emulator)
    user = emulator.backend.state()["users"][0]["id"]

    async def go() -> list[dict[str, Any]]:
        async with client:
            await client.get(f"users/{user}")
            await client.patch(f"users/{user}", {"jobTitle": "Tester"})
            await client.request("GET", "users", params={"$top": 1}, headers={"prefer": "odata.maxpagesize=1"})
            return await client.batch([{"method": "GET", "url": f"/users/{user}"},
                                       {"method": "PATCH", "url": f"/users/{user}", "body": {"jobTitle": "B"}}])

    answers = run(go())
    assert [a["status"] for a in answers] == [200, 204]
    prefer = [s["headers"].get("prefer") for s in rec.seen]
    assert prefer == ["include-unknown-enum-members"] * 2 + ["odata.maxpagesize=1, include-unknown-enum-members",
                                                             "include-unknown-enum-members"]
    batch = json.loads(rec.seen[-1]["body"])["requests"]
    assert [r["headers"]["Prefer"] for r in batch] == ["include-unknown-enum-members"] * 2


def test_throttle_priority_only_on_reads(emulator: Emulator) -> None:
    client, rec = recorded_client(emulator, priority="Low")
    user = emulator.backend.state()["users"][0]["id"]

    async def go() -> None:
        async with client:
            await client.get(f"users/{user}")
            await client.patch(f"users/{user}", {"jobTitle": "Tester"})
            await client.get(f"users/{user}", priority="Normal")

    run(go())
    assert [s["headers"].get("x-ms-throttle-priority") for s in rec.seen] == ["Low", None, "Normal"]


def test_delta_captures_the_delta_link_and_then_only_changes(graph: GraphClient, emulator: Emulator) -> None:
    first = run(graph.delta("users/delta", params={"$select": "id,displayName,jobTitle"}))
    assert len({u["id"] for u in first.items}) == 50 and first.pages >= 1
    assert first.delta_link and first.delta_link.startswith("http://testserver/v1.0/users/delta?$deltatoken=")
    changed = first.items[3]["id"]
    run(graph.patch(f"users/{changed}", {"jobTitle": "Changed by test"}))
    second = run(graph.delta("users/delta", delta_link=first.delta_link))
    assert [u["id"] for u in second.items] == [changed]
    assert second.items[0]["jobTitle"] == "Changed by test" and second.delta_link


def test_expired_delta_link_raises_delta_expired(graph: GraphClient, emulator: Emulator) -> None:
    link = run(graph.delta("users/delta")).delta_link
    emulator.backend.force_resync.update(["users"])  # what POST /_emulator/delta {"resync": ["users"]} does
    with pytest.raises(DeltaExpired) as err:
        run(graph.delta("users/delta", delta_link=link))
    assert err.value.status == 410


def test_failed_page_reports_the_last_good_next_link(graph: GraphClient, emulator: Emulator) -> None:
    emulator.faults.configure(error_every=3, retry_after=0, paths="^users$")  # page 3 answers 503 ...
    graph.retry = RetryPolicy(max_attempts=1)                                 # ... and is not retried
    got: list[dict[str, Any]] = []

    async def go() -> None:
        async for page in graph.pages("users", {"$top": 10}):
            got.append(page)

    with pytest.raises(GraphError) as err:
        run(go())
    assert err.value.status == 503 and len(got) == 2
    assert err.value.resume_url == got[-1]["@odata.nextLink"]  # type: ignore[attr-defined]
    emulator.faults.configure(error_every=0)

    async def resume() -> list[dict[str, Any]]:
        return [p async for p in graph.pages(err.value.resume_url)]  # type: ignore[attr-defined]

    rest = run(resume())
    ids = [u["id"] for p in got + rest for u in p["value"]]
    assert len(ids) == len(set(ids)) == 50


# -- retries ---------------------------------------------------------------------------------------------
def test_429_with_retry_after_is_honoured(graph: GraphClient, emulator: Emulator) -> None:
    emulator.faults.configure(throttle_every=2, retry_after=1, paths="^users$")  # 2nd users GET: 429
    run(graph.get("users", {"$top": 1}))
    started = time.monotonic()
    page = run(graph.get("users", {"$top": 1}))
    waited = time.monotonic() - started
    assert len(page["value"]) == 1
    assert waited >= 1.0 and graph.stats.waited == 1.0        # exactly Retry-After, not the short backoff
    assert graph.stats.throttled == 1 and graph.stats.retries == 1
    assert [e["status"] for e in log(emulator)] == [200, 429, 200]


def test_ca_429_without_retry_after_is_backed_off_and_retried(emulator: Emulator) -> None:
    # Graph: 1 request/s per tenant on CA policies, 429 without Retry-After; sped up 10x (ca_rate=10/s)
    emulator.limiter.configure(enabled=True, ca_rate=10)

    async def go() -> tuple[Any, Any]:
        async with GraphClient.for_emulator(emulator, retry=RetryPolicy(max_attempts=1)) as bare:
            for _ in range(40):  # the burst of 10 is spent within a few more requests
                refused = await bare.request("GET", CA, raise_errors=False)
                if refused.status != 200:
                    break
        async with GraphClient.for_emulator(emulator, retry=RetryPolicy(max_attempts=8, backoff_base=0.05)) as c:
            pages = await asyncio.gather(*(c.get(CA, serialize=True) for _ in range(3)))
            return refused, (pages, c.stats.snapshot())

    refused, (pages, stats) = run(go())
    assert refused.status == 429 and "retry-after" not in refused.headers
    assert refused.json()["error"]["code"] == "TooManyRequests"
    assert all(len(p["value"]) == 9 for p in pages)
    assert stats.throttled >= 1 and stats.retries == stats.throttled and stats.waited > 0.02
    assert stats.max_in_flight == 1


@pytest.mark.parametrize("status", [503, 504])
def test_503_and_504_are_retried_for_reads(graph: GraphClient, emulator: Emulator, status: int) -> None:
    emulator.faults.configure(fault_rate=0.5, fault_status=status, retry_after=0, random_seed=3)
    for _ in range(6):
        run(graph.get("organization"))
    assert graph.stats.by_status[status] >= 1 and graph.stats.by_status[200] == 6
    assert graph.stats.retries == graph.stats.by_status[status]


def test_attempts_are_bounded(graph: GraphClient, emulator: Emulator) -> None:
    emulator.faults.configure(fault_rate=1.0, fault_status=504, retry_after=0)
    graph.retry = RetryPolicy(max_attempts=3, backoff_base=0.01)
    with pytest.raises(GraphError) as err:
        run(graph.get("organization"))
    assert err.value.status == 504 and graph.stats.requests == 3


def test_post_is_not_retried_on_503(graph: GraphClient, emulator: Emulator) -> None:
    emulator.faults.configure(fault_rate=1.0, fault_status=503, retry_after=0, methods="POST")
    with pytest.raises(GraphError) as err:
        run(graph.post("groups", {"displayName": "x", "mailEnabled": False, "mailNickname": "x",
                                  "securityEnabled": True}))
    assert err.value.status == 503 and graph.stats.requests == 1 and graph.stats.retries == 0


def test_post_is_retried_on_429_and_created_once(graph: GraphClient, emulator: Emulator) -> None:
    before = emulator.backend.counts()["groups"]
    emulator.faults.configure(throttle_every=2, retry_after=0, methods="POST")  # POST #2: 429, not executed
    body = {"displayName": "Retry", "mailEnabled": False, "mailNickname": "retry", "securityEnabled": True}
    run(graph.post("groups", {**body, "displayName": "First", "mailNickname": "first"}))
    created = run(graph.post("groups", body))
    assert created["displayName"] == "Retry" and graph.stats.throttled == 1
    assert emulator.backend.counts()["groups"] == before + 2


def test_dropped_connection_is_retried_for_get(graph: GraphClient, emulator: Emulator) -> None:
    emulator.faults.configure(drop_every=2)
    run(graph.get("organization"))
    org = run(graph.get("organization"))  # the 2nd request is dropped, the retry answers
    assert org["value"] and graph.stats.transport_errors == 1 and graph.stats.retries == 1
    assert [e["status"] for e in log(emulator)] == [200, 0, 200]


def test_dropped_connection_is_not_retried_for_post(graph: GraphClient, emulator: Emulator) -> None:
    before = emulator.backend.counts()["groups"]
    emulator.faults.configure(drop_every=1, methods="POST")
    with pytest.raises(GraphTransportError) as err:
        run(graph.post("groups", {"displayName": "x", "mailEnabled": False, "mailNickname": "x",
                                  "securityEnabled": True}))
    assert err.value.status == 0 and err.value.method == "POST" and "disconnected" in str(err.value)
    assert graph.stats.requests == 1 and graph.stats.retries == 0
    assert [e["status"] for e in log(emulator)] == [0] and emulator.backend.counts()["groups"] == before


def test_idempotent_post_is_retried_after_a_drop(graph: GraphClient, emulator: Emulator) -> None:
    emulator.faults.configure(drop_every=2, methods="POST")
    body = {"requests": [{"id": "1", "method": "GET", "url": "/organization"}]}
    run(graph.post("$batch", body, idempotent=True))
    answer = run(graph.post("$batch", body, idempotent=True))
    assert answer["responses"][0]["status"] == 200 and graph.stats.transport_errors == 1


# -- concurrency -----------------------------------------------------------------------------------------
def test_concurrency_bound_is_respected(emulator: Emulator) -> None:
    emulator.faults.configure(latency_ms=40)
    users = [u["id"] for u in emulator.backend.state()["users"]][:12]

    async def go() -> GraphClient:
        async with GraphClient.for_emulator(emulator, concurrency=3, adaptive=False) as client:  # fixed
            await asyncio.gather(*(client.get(f"users/{u}") for u in users))
            return client

    started = time.monotonic()
    client = run(go())
    elapsed = time.monotonic() - started
    assert client.stats.max_in_flight == 3 and elapsed >= 4 * 0.04
    done = sorted(at(e) for e in log(emulator))
    assert len(done) == 12
    # a slot finishes at most one request per 40 ms: no 30 ms window holds more than 3 completions
    assert max(sum(1 for t in done if start <= t < start + 0.03) for start in done) <= 3


def test_serialized_requests_go_one_at_a_time(emulator: Emulator) -> None:
    emulator.faults.configure(latency_ms=30)

    async def go() -> GraphClient:
        async with GraphClient.for_emulator(emulator, concurrency=8, serialize_prefixes=["identity/conditionalAccess"]) as c:
            await asyncio.gather(*(c.get(CA) for _ in range(3)),
                                 *(c.get("identity/conditionalAccess/namedLocations") for _ in range(2)))
            return c

    client = run(go())
    done = sorted(at(e) for e in log(emulator))
    assert len(done) == 5 and client.stats.max_in_flight == 1
    assert all(b - a >= 0.025 for a, b in zip(done, done[1:], strict=False))


def test_serialize_flag_per_call_and_unserialized_overlap(emulator: Emulator) -> None:
    emulator.faults.configure(latency_ms=30)

    async def go(serialize: bool) -> int:
        async with GraphClient.for_emulator(emulator, concurrency=8) as c:
            await asyncio.gather(*(c.get(CA, serialize=serialize) for _ in range(4)))
            return c.stats.max_in_flight

    assert run(go(True)) == 1
    assert run(go(False)) == 4


def test_serialized_interval_paces_starts(emulator: Emulator) -> None:
    async def go() -> float:
        async with GraphClient.for_emulator(emulator, serialized_interval=0.1) as c:
            started = time.monotonic()
            await asyncio.gather(*(c.get(CA, serialize=True) for _ in range(3)))
            return time.monotonic() - started

    assert run(go()) >= 0.2


# -- stats and errors -----------------------------------------------------------------------------------------
def test_stats_sum_resource_units_from_the_headers(graph: GraphClient, emulator: Emulator) -> None:
    run(graph.list_all("users", {"$top": 20}))                       # GET users: 2 RU per page
    run(graph.list_all("users", {"$top": 999, "$select": "id"}))     # $select: 1 RU
    group = emulator.backend.state()["groups"][0]["id"]
    run(graph.list_all(f"groups/{group}/members"))                   # 3 RU
    totals = emulator.counters.snapshot()["totals"]
    assert graph.stats.resource_units == totals["resourceUnits"] == 3 * 2 + 1 + 3
    assert graph.stats.requests == totals["requests"] == 5
    assert graph.stats.bytes_received > 0 and graph.stats.as_dict()["by_status"] == {"200": 5}


def test_graph_error_fields_come_from_the_envelope(graph: GraphClient, emulator: Emulator) -> None:
    missing = "00000000-0000-0000-0000-00000000dead"
    with pytest.raises(GraphError) as err:
        run(graph.get(f"users/{missing}"))
    exc = err.value
    entry = log(emulator)[-1]
    assert exc.status == 404 and exc.code == "Request_ResourceNotFound" and missing in exc.graph_message
    assert exc.method == "GET" and exc.url == f"http://testserver/v1.0/users/{missing}"
    assert exc.request_id == entry["requestId"] and exc.headers["request-id"] == entry["requestId"]
    assert "Graph 404 Request_ResourceNotFound" in str(exc) and entry["requestId"] in str(exc)


def test_write_verbs_send_raw_json(graph: GraphClient, emulator: Emulator) -> None:
    created = run(graph.post("groups", {"displayName": "Raw", "description": None, "mailEnabled": False,
                                        "mailNickname": "raw", "securityEnabled": True}))
    assert created["description"] is None and created["id"]
    assert run(graph.patch(f"groups/{created['id']}", {"description": "set"})) is None
    assert run(graph.get(f"groups/{created['id']}"))["description"] == "set"
    run(graph.patch(f"groups/{created['id']}", {"description": None}))   # a null clears the property
    assert run(graph.get(f"groups/{created['id']}"))["description"] is None
    run(graph.delete(f"groups/{created['id']}"))
    with pytest.raises(GraphError) as err:
        run(graph.delete(f"groups/{created['id']}"))
    assert err.value.status == 404
    assert graph.stats.by_method == {"POST": 1, "PATCH": 2, "GET": 2, "DELETE": 2}


def test_client_closes_its_pool(emulator: Emulator) -> None:
    client = GraphClient.for_emulator(emulator)
    run(client.aclose())
    with pytest.raises(RuntimeError, match="closed"):
        run(client.get("organization"))


# -- served: a real socket ---------------------------------------------------------------------------------------
@pytest.mark.served
def test_served_emulator_paging_notice_and_dropped_connection(served_emulator: str, tmp_path: Path) -> None:
    err = io.StringIO()
    settings = load_settings(tmp_path, env={}, graph_url=served_emulator)

    async def go() -> tuple[list[dict[str, Any]], Any]:
        async with open_client(settings, env={}, stderr=err, retry=FAST) as client:
            pages = [p async for p in client.pages("users", {"$top": 25, "$select": "id"})]
            await client.request("POST", f"{served_emulator}/_emulator/faults",
                                 body={"dropEvery": 2, "paths": "^organization$"})
            await client.get("organization")
            org = await client.get("organization")  # dropped on the socket, then retried
            return pages, (org, client.stats.snapshot())

    pages, (org, stats) = run(go())
    assert "static test token" in err.getvalue()
    assert [len(p["value"]) for p in pages] == [25, 25]
    assert pages[0]["@odata.nextLink"].startswith(f"{served_emulator}/v1.0/users?")
    assert org["value"] and stats.transport_errors >= 1


@pytest.mark.served
def test_a_served_client_serves_several_run_calls(served_emulator: str, tmp_path: Path) -> None:
    """Sync code (the CLI) calls run() several times on one client: the calls share one event loop, so the
    pooled sockets stay usable (with asyncio.run each call closed its loop: "Event loop is closed")."""
    settings = load_settings(tmp_path, env={}, graph_url=served_emulator)
    client = open_client(settings, env={}, stderr=io.StringIO(), retry=FAST)
    first = run(client.get("organization"))
    second = run(client.get("organization"))
    run(client.aclose())
    assert first["value"][0]["id"] == second["value"][0]["id"]
    assert client.stats.transport_errors == 0
    with pytest.raises(RuntimeError, match="closed"):
        run(client.get("organization"))
