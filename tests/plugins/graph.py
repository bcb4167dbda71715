"""Fixture ``graph``: a GraphClient on a fresh in-process demo emulator (the ``emulator`` fixture).

The client goes through the real msgraph-core request adapter and middleware over ``httpx.ASGITransport``.
Its retry backoff is shortened (no real tenant to spare); Retry-After values are still honoured. Sync tests
drive it with ``entragit.graph.run(coro)``; the client may be used from several ``run`` calls.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from entragit.graph import GraphClient, RetryPolicy, run

FAST_RETRY = RetryPolicy(max_attempts=6, backoff_base=0.01, backoff_max=0.2)


@pytest.fixture
def graph(emulator: Any) -> Iterator[GraphClient]:
    client = GraphClient.for_emulator(emulator, retry=FAST_RETRY)
    yield client
    run(client.aclose())
