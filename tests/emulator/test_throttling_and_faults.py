"""Throttling and injected faults as the msgraph-sdk's RetryHandler sees them.

Graph: 429 with Retry-After and x-ms-throttle-* headers; CA policies and named locations limited to 1 request/s
per tenant with 429s WITHOUT Retry-After (https://learn.microsoft.com/en-us/graph/throttling-limits). The SDK
retries 429/503/504 honouring Retry-After, and backs off exponentially without it (graph-sdk-notes.md §4).
"""

from __future__ import annotations

import time

import httpx
import pytest

from entragit.emulator import Emulator
from tests.plugins.emulator import GraphSdk


def test_resource_unit_quota_429_is_retried_by_the_sdk_after_retry_after(dual_sdk: GraphSdk) -> None:
    sdk = dual_sdk
    sdk.control("quotas", {"enabled": True, "ruLimit": 2, "ruPeriod": 1})  # 2 RU/s for this app and tenant
    sdk.control("counters/reset", {})
    single = [sdk.call("GET", "servicePrincipals?$top=5&$select=id", max_retries=0) for _ in range(3)]
    assert [r.status for r in single] == [200, 200, 429]
    throttled = single[2]
    assert throttled.headers["Retry-After"] == "1"
    assert throttled.headers["x-ms-throttle-information"] == "ResourceUnitLimitExceeded"
    assert throttled.headers["x-ms-throttle-scope"].startswith("Tenant_Application/ReadWrite/")
    assert throttled.error["code"] == "TooManyRequests"
    sdk.control("quotas", {"ruLimit": 2, "ruPeriod": 1})  # buckets full again
    start = time.monotonic()
    statuses = [sdk.call("GET", "servicePrincipals?$top=5&$select=id").status for _ in range(3)]
    elapsed = time.monotonic() - start
    assert statuses == [200] * 3  # the SDK's RetryHandler waited Retry-After, then got through
    assert elapsed >= 1.0
    log = [r["status"] for r in sdk.control("requests")["value"]]
    assert log == [200, 200, 429, 200, 200, 429, 200]


def test_throttled_answer_headers_and_body() -> None:
    emu = Emulator(seed="empty", quotas=True)
    emu.limiter.configure(write_limit=1, write_period=100)

    async def run() -> list[httpx.Response]:
        async with httpx.AsyncClient(transport=emu.transport(), base_url=emu.url) as client:
            body = {"displayName": "A"}
            return [await client.post("/v1.0/applications", json=body) for _ in range(2)]

    import asyncio

    first, second = asyncio.run(run())
    assert first.status_code == 201 and first.headers["x-ms-resource-unit"] == "1"
    assert second.status_code == 429
    assert int(second.headers["Retry-After"]) >= 1
    assert second.headers["x-ms-throttle-information"] == "WriteLimitExceeded"
    assert second.headers["x-ms-throttle-scope"].startswith("Tenant_Application/Write/")
    assert second.json()["error"]["code"] == "TooManyRequests"
    assert second.headers["request-id"]


def test_conditional_access_limit_answers_429_without_retry_after_and_the_sdk_backs_off(dual_sdk: GraphSdk) -> None:
    # Graph allows 1 request/s per tenant on CA policies and named locations (test_limits.py checks that rate);
    # 10/s here keeps the SDK's backoff short. The 429s carry no Retry-After, whatever the rate.
    sdk = dual_sdk
    sdk.control("quotas", {"enabled": True, "caLimit": True, "caRate": 10})
    # the emulator clock stands still during the burst: a slow machine must not refill the bucket meanwhile
    sdk.control("clock", {"frozen": True})
    burst = [sdk.call("GET", "identity/conditionalAccess/namedLocations", max_retries=0) for _ in range(11)]
    sdk.control("clock", {"frozen": False})
    assert [r.status for r in burst] == [200] * 10 + [429]
    limited = burst[-1]
    assert "Retry-After" not in limited.headers
    assert limited.headers["x-ms-throttle-scope"].startswith("Tenant/")
    assert limited.error["code"] == "TooManyRequests"
    # immediately after the burst: the first try is throttled, the SDK's exponential backoff brings it through
    assert sdk.call("GET", "identity/conditionalAccess/policies").status == 200
    route = sdk.control("counters")["routes"]["GET identity/conditionalAccess/policies"]
    assert route["throttled"] >= 1 and route["requests"] == route["throttled"] + 1


def test_quotas_are_off_in_process_by_default(sdk: GraphSdk, emulator: Emulator) -> None:
    assert not emulator.limiter.enabled
    assert all(sdk.call("GET", "identity/conditionalAccess/policies").status == 200 for _ in range(3))


def test_throttle_every_nth_request_is_retried_transparently() -> None:
    emu = Emulator(seed="empty", throttle_every=3, random_seed=7)
    sdk = GraphSdk(emu.url, emu.transport())
    try:
        assert [sdk.call("GET", "organization").status for _ in range(3)] == [200, 200, 200]
        statuses = [r["status"] for r in emu.counters.requests()]
        assert statuses == [200, 200, 429, 200]  # the 3rd was injected, the SDK retried it
    finally:
        sdk.close()


def test_fault_rate_503_is_retried_then_surfaces() -> None:
    emu = Emulator(seed="empty", fault_rate=1.0)
    sdk = GraphSdk(emu.url, emu.transport(), max_retries=1)
    try:
        resp = sdk.call("GET", "organization")
        assert resp.status == 503
        assert resp.error["code"] == "serviceNotAvailable"
        assert [r["status"] for r in emu.counters.requests()] == [503, 503]
    finally:
        sdk.close()


def test_faults_are_reproducible_from_the_random_seed() -> None:
    def run(seed: int) -> list[int]:
        emu = Emulator(seed="empty", fault_rate=0.5, random_seed=seed)
        emu.faults.configure(retry_after=0)

        async def go() -> list[int]:
            async with httpx.AsyncClient(transport=emu.transport(), base_url=emu.url) as client:
                return [(await client.get("/v1.0/organization")).status_code for _ in range(20)]

        import asyncio

        return asyncio.run(go())

    assert run(11) == run(11)
    assert run(11) != run(12)
    assert set(run(11)) == {200, 503}


def test_dropped_connection_is_a_transport_error_for_the_sdk() -> None:
    emu = Emulator(seed="empty")
    emu.faults.configure(drop_every=1)
    sdk = GraphSdk(emu.url, emu.transport())
    try:
        with pytest.raises(httpx.TransportError):
            sdk.call("GET", "organization")
        assert emu.counters.requests()[-1]["status"] == 0
    finally:
        sdk.close()


def test_latency_is_added_per_request() -> None:
    emu = Emulator(seed="empty", latency_ms=120)
    sdk = GraphSdk(emu.url, emu.transport())
    try:
        start = time.monotonic()
        sdk.call("GET", "organization")
        assert time.monotonic() - start >= 0.12
    finally:
        sdk.close()
