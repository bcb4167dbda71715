"""Fixture ``graph``: a GraphClient on a fresh in-process demo emulator (the ``emulator`` fixture).

The client goes through the real msgraph-core request adapter and middleware over ``httpx.ASGITransport``.
Its retry backoff is shortened (no real tenant to spare); Retry-After values are still honoured. Sync tests
drive it with ``entragit.graph.run(coro)``; the client may be used from several ``run`` calls.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from azure.core.pipeline.transport import HttpTransport, RequestsTransportResponse

from entragit.graph import GraphClient, RetryPolicy, run

FAST_RETRY = RetryPolicy(max_attempts=6, backoff_base=0.01, backoff_max=0.2)


class AsgiRecorder:
    """Wraps an ASGI app (``emu.app``) and records each HTTP request reaching it (method, path, query,
    lower-cased headers) before handing it on: for tests asserting what went over the wire."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.seen: list[dict[str, Any]] = []

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            self.seen.append({"method": scope["method"], "path": scope["path"],
                              "query": scope["query_string"].decode(),
                              "headers": {k.decode().lower(): v.decode() for k, v in scope["headers"]}})
        await self.app(scope, receive, send)


@pytest.fixture
def graph(emulator: Any) -> Iterator[GraphClient]:
    client = GraphClient.for_emulator(emulator, retry=FAST_RETRY)
    yield client
    run(client.aclose())


class LoginStandIn(HttpTransport):
    """azure-core transport standing in for login.microsoftonline.com's token endpoint: records each token
    request and answers a fixed access token (`entra-access-token`)."""

    def __init__(self) -> None:
        self.requests: list[Any] = []

    def send(self, request: Any, **kwargs: Any) -> Any:
        self.requests.append(request)
        answer = requests.Response()
        answer.status_code = 200
        answer.headers["Content-Type"] = "application/json"
        answer._content = json.dumps({"token_type": "Bearer", "expires_in": 3600, "ext_expires_in": 3600,
                                      "access_token": "entra-access-token"}).encode()
        answer.url = request.url
        return RequestsTransportResponse(request, answer)

    def open(self) -> None:
        pass

    def close(self) -> None:
        pass

    def __exit__(self, *args: Any) -> None:
        pass
