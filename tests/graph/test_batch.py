"""JSON $batch built by hand: chunks of 20, dependsOn on the wire, throttled sub-responses resent."""

from __future__ import annotations

import pytest

from entragit.emulator import Emulator
from entragit.errors import UsageError
from entragit.graph import GraphClient, batch_error, run

CA = "identity/conditionalAccess/policies"


def test_batches_of_twenty_answer_in_input_order(graph: GraphClient, emulator: Emulator) -> None:
    users = [u["id"] for u in emulator.backend.state()["users"]][:45]
    answers = run(graph.batch([{"method": "GET", "url": f"/users/{u}?$select=id"} for u in users]))
    assert [a["body"]["id"] for a in answers] == users and {a["status"] for a in answers} == {200}
    assert [a["id"] for a in answers] == [str(n) for n in range(1, 46)]
    envelopes = [e for e in emulator.counters.requests() if e["path"] == "$batch"]
    assert len(envelopes) == 3 and graph.stats.requests == 3 and graph.stats.batched == 45
    # RU come from the sub-responses (the envelope itself is free)
    assert graph.stats.resource_units == emulator.counters.snapshot()["totals"]["resourceUnits"] == 45


def test_depends_on_goes_on_the_wire_and_failed_dependencies_answer_424(graph: GraphClient) -> None:
    body = {"displayName": "Batched", "mailEnabled": False, "mailNickname": "batched", "securityEnabled": True}
    answers = run(graph.batch([
        {"id": "create", "method": "POST", "url": "groups", "body": body},
        {"id": "find", "method": "GET", "url": "groups?$filter=displayName eq 'Batched'", "dependsOn": ["create"]},
        {"id": "missing", "method": "GET", "url": "users/00000000-0000-0000-0000-00000000dead"},
        {"id": "after", "method": "GET", "url": "organization", "dependsOn": ["missing"]},
    ]))
    assert [a["status"] for a in answers] == [201, 200, 404, 424]
    assert [g["displayName"] for g in answers[1]["body"]["value"]] == ["Batched"]
    error = batch_error({"method": "GET", "url": "users/x"}, answers[2], graph)
    assert error is not None and error.status == 404 and error.code == "Request_ResourceNotFound"
    assert error.request_id == answers[2]["headers"]["request-id"]
    assert batch_error({}, answers[0]) is None


def test_throttled_sub_responses_are_resent(emulator: Emulator) -> None:
    from entragit.graph import RetryPolicy

    emulator.limiter.configure(enabled=True, ca_rate=10)  # CA: 10 requests/s here, 429s without Retry-After

    async def go() -> tuple[list[dict], GraphClient]:
        async with GraphClient.for_emulator(emulator, retry=RetryPolicy(backoff_base=0.2)) as client:
            return await client.batch([{"method": "GET", "url": CA} for _ in range(12)]), client

    answers, client = run(go())
    assert [a["status"] for a in answers] == [200] * 12
    statuses = [e["status"] for e in emulator.counters.requests() if e["path"] == CA]
    assert statuses.count(429) >= 1 and statuses.count(200) == 12
    assert client.stats.throttled == statuses.count(429) and client.stats.retries >= 1


def test_depends_on_across_a_batch_boundary_is_refused(graph: GraphClient) -> None:
    requests = [{"method": "GET", "url": "organization"} for _ in range(21)]
    requests[20]["dependsOn"] = ["1"]
    with pytest.raises(UsageError, match="depends on"):
        run(graph.batch(requests))
    assert graph.stats.requests == 0
