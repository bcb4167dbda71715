"""The in-flight limit follows Graph's quota headers: it grows while requests wait and Graph stays quiet, shrinks
on 429s and on x-ms-throttle-limit-percentage near the quota, never passes its ceiling; every request succeeds."""

from __future__ import annotations

import asyncio

from entragit.emulator import Emulator
from entragit.graph import GraphClient, RetryPolicy, run
from entragit.graph.limiter import AdaptiveLimit


def _users(emulator: Emulator, n: int) -> list[str]:
    ids = [u["id"] for u in emulator.backend.state()["users"]]
    return [ids[i % len(ids)] for i in range(n)]


def test_a_latency_bound_run_grows_the_limit_up_to_its_ceiling(emulator: Emulator) -> None:
    emulator.limiter.configure(enabled=False)
    emulator.faults.configure(latency_ms=30)

    async def go() -> GraphClient:
        async with GraphClient.for_emulator(emulator, concurrency=2, max_concurrency=12) as client:
            await asyncio.gather(*(client.get(f"users/{u}", {"$select": "id"}) for u in _users(emulator, 240)))
            return client

    client = run(go())
    assert client.stats.requests == 240 and client.stats.by_status == {200: 240}
    assert 2 < client.stats.max_in_flight <= 12 and client.limit.peak <= 12
    assert client.limit.current == 12          # quiet quota headers: grown to the ceiling


def test_429s_halve_the_limit_and_every_request_still_succeeds(emulator: Emulator) -> None:
    # a tiny RU bucket: 30 RU per 3 s (users/{id} costs 1 RU with $select), so the run meets Graph's 429s
    emulator.limiter.configure(enabled=True, ru_limit=30, ru_period=3)

    async def go() -> GraphClient:
        async with GraphClient.for_emulator(emulator, concurrency=16, max_concurrency=32,
                                            retry=RetryPolicy(max_attempts=30)) as client:
            await asyncio.gather(*(client.get(f"users/{u}", {"$select": "id"}) for u in _users(emulator, 60)))
            return client

    client = run(go())
    assert client.stats.throttled >= 1 and client.limit.decreases >= 1
    assert client.limit.current < 16
    assert client.stats.by_status[200] == 60   # each throttled request was resent after its Retry-After


def test_quota_percentage_near_the_limit_stops_the_growth() -> None:
    limit = AdaptiveLimit(4, 64)

    async def go() -> None:
        await asyncio.gather(*(limit.acquire() for _ in range(4)))
        waiter = asyncio.ensure_future(limit.acquire())
        await asyncio.sleep(0)
        for _ in range(50):
            limit.feedback(200, {"x-ms-throttle-limit-percentage": "0.85"})
        assert limit.current == 4 and not waiter.done()       # close to the quota: no growth
        limit.feedback(200, {"x-ms-throttle-limit-percentage": "1.2"})
        assert limit.current == 3
        for _ in range(4):
            limit.feedback(200, {})                            # quiet again, a request waiting: one step
        #                                                        per round trip (+1/limit per answer)
        assert limit.current == 4
        limit.release()
        await waiter
        assert limit.in_use == 4

    asyncio.run(go())


def test_a_fixed_limit_never_moves() -> None:
    limit = AdaptiveLimit(5, 64, adaptive=False)
    for status in (429, 200, 200):
        limit.feedback(status, {})
    assert limit.current == 5
