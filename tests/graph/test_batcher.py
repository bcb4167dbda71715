"""Single GETs coalesced into $batch: 20 per round trip, each sub-request counted as a Graph request, a failed
one raising in its own caller only, paging through further batched GETs."""

from __future__ import annotations

import asyncio

import pytest

from entragit.emulator import Emulator
from entragit.emulator.seeds import DEMO_FACTS as F
from entragit.errors import GraphError
from entragit.graph import GraphClient, run
from entragit.graph.batcher import Batcher


def test_gets_travel_twenty_to_a_batch_and_count_one_by_one(emulator: Emulator) -> None:
    ids = [u["id"] for u in emulator.backend.state()["users"]]
    wanted = [ids[i % len(ids)] for i in range(45)]

    async def go() -> tuple[list[dict], GraphClient]:
        async with GraphClient.for_emulator(emulator) as client:
            batcher = Batcher(client)
            got = await asyncio.gather(*(batcher.get(f"users/{u}", {"$select": "id,displayName"}) for u in wanted))
            await batcher.aclose()
            return got, client

    got, client = run(go())
    assert [g["id"] for g in got] == wanted and all(set(g) >= {"id", "displayName"} for g in got)
    assert client.stats.requests == 3 and client.stats.batches == 3     # 20 + 20 + 5
    assert client.stats.batched == 45 and client.stats.graph_requests == 45
    assert client.stats.graph_busy > client.stats.busy                  # a batch weighs its sub-requests


def test_a_failed_sub_request_raises_in_its_caller_only(emulator: Emulator) -> None:
    user = F.user_ids[F.cloud_user_upn]

    async def go() -> tuple[object, object]:
        async with GraphClient.for_emulator(emulator) as client:
            batcher = Batcher(client)
            return tuple(await asyncio.gather(batcher.get(f"users/{user}"),
                                              batcher.get("users/0b0b0b0b-0000-4000-8000-000000000000"),
                                              return_exceptions=True))

    ok, missing = run(go())
    assert isinstance(ok, dict) and ok["id"] == user
    assert isinstance(missing, GraphError) and missing.status == 404


def test_list_all_follows_next_links_inside_batches(emulator: Emulator) -> None:
    group = F.group_ids[F.security_groups[0]]

    async def go() -> tuple[list[dict], list[dict], GraphClient]:
        async with GraphClient.for_emulator(emulator) as client:
            plain = await client.list_all(f"groups/{group}/members", {"$select": "id"}, version="beta")
            before = client.stats.batches
            batched = await Batcher(client).list_all(f"groups/{group}/members", {"$select": "id", "$top": 2},
                                                     version="beta")
            assert client.stats.batches - before == -(-len(plain) // 2)   # one batch per page of 2
            return plain, batched, client

    plain, batched, _ = run(go())
    assert len(plain) > 2 and [m["id"] for m in batched] == [m["id"] for m in plain]


def test_another_host_is_refused(emulator: Emulator) -> None:
    async def go() -> None:
        async with GraphClient.for_emulator(emulator) as client:
            await Batcher(client).get("https://evil.example.com/v1.0/users")

    with pytest.raises(Exception, match="refusing to send a request to https://evil.example.com"):
        run(go())
