"""Fixture ``graph``: a GraphClient on a fresh in-process demo emulator (the ``emulator`` fixture).

The client goes through the real msgraph-core request adapter and middleware over ``httpx.ASGITransport``.
Its retry backoff is shortened (no real tenant to spare); Retry-After values are still honoured. Sync tests
drive it with ``entragit.graph.run(coro)``; the client may be used from several ``run`` calls.
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
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
            entry = {"method": scope["method"], "path": scope["path"], "query": scope["query_string"].decode(),
                     "headers": {k.decode().lower(): v.decode() for k, v in scope["headers"]}, "body": b""}
            self.seen.append(entry)
            inner = receive

            async def receive() -> Any:  # the request body too ("body": bytes)
                message = await inner()
                if message.get("type") == "http.request":
                    entry["body"] += message.get("body", b"")
                return message
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


GITHUB_JWT = "eyJhbGciOiJSUzI1NiJ9.repo-org-tenant-ref-refs-heads-main.signature"


class GitHubTokenEndpoint(BaseHTTPRequestHandler):
    """Loopback stand-in for GitHub's ACTIONS_ID_TOKEN_REQUEST_URL: answers {"value": JWT}, records each request."""

    seen: list[dict[str, Any]] = []
    token: str = GITHUB_JWT

    def do_GET(self) -> None:  # noqa: N802
        type(self).seen.append({"path": self.path, "authorization": self.headers.get("Authorization")})
        body = json.dumps({"count": 1, "value": type(self).token}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@contextlib.contextmanager
def github_token_endpoint(path: str, token: str = GITHUB_JWT) -> Iterator[str]:
    """Serve :class:`GitHubTokenEndpoint` on 127.0.0.1 (its record emptied), answering ``token``; yields the URL
    of ``path``."""
    GitHubTokenEndpoint.seen = []
    GitHubTokenEndpoint.token = token
    server = ThreadingHTTPServer(("127.0.0.1", 0), GitHubTokenEndpoint)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}{path}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
