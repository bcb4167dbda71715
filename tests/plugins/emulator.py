"""Emulator fixtures: ``emulator`` (demo seed, in-process), ``empty_emulator``, ``served_emulator`` (a real
``entragit emulator serve --port 0`` subprocess on 127.0.0.1), and ``sdk`` / ``served_sdk``: the emulator
driven through the REAL msgraph-sdk request adapter (graph-sdk-notes.md §9), never a hand-rolled client.

``sdk.call(method, url, body=None, headers=None)`` sends one request through
``msgraph.GraphRequestAdapter`` over ``GraphClientFactory.create_with_default_middleware`` (retry, redirect,
header handlers) and returns a :class:`SdkResponse` (status, headers, json). ``sdk.raw(...)`` uses
``send_primitive_async(ri, "bytes", {"XXX": ODataError})`` exactly as production code does and raises
``ODataError`` on 4xx/5xx. URLs are relative to the version root ("users?$top=5") unless absolute.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from entragit.emulator import Emulator


@dataclass
class SdkResponse:
    status: int
    headers: httpx.Headers
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body) if self.body else None

    @property
    def error(self) -> dict[str, Any]:
        return (self.json or {}).get("error") or {}


class GraphSdk:
    """Calls Graph-shaped URLs through msgraph-sdk's request adapter (in-process or over a socket)."""

    def __init__(self, root: str, transport: httpx.AsyncBaseTransport | None = None, *,
                 retry_delay: float = 0.0, max_retries: int = 3, version: str = "v1.0") -> None:
        from kiota_abstractions.authentication import AnonymousAuthenticationProvider
        from kiota_http.middleware.options import RetryHandlerOption
        from msgraph import GraphRequestAdapter, GraphServiceClient
        from msgraph_core import GraphClientFactory

        self.root = root.rstrip("/")
        self.version = version
        self.loop = asyncio.new_event_loop()
        options = {RetryHandlerOption.get_key(): RetryHandlerOption(delay=retry_delay, max_retries=max_retries)}
        self._httpx = httpx.AsyncClient(transport=transport, base_url=self.root) if transport is not None \
            else httpx.AsyncClient(base_url=self.root)
        self.http = GraphClientFactory.create_with_default_middleware(client=self._httpx, options=options)
        self.adapter = GraphRequestAdapter(AnonymousAuthenticationProvider(), client=self.http)
        self.adapter.base_url = f"{self.root}/{version}"  # set WITHOUT a trailing slash (sdk notes, pitfall 3)
        # the service client registers the JSON (de)serializers ODataError parsing needs
        self.client = GraphServiceClient(request_adapter=self.adapter)
        self.adapter.base_url = f"{self.root}/{version}"

    def url(self, url: str, version: str | None = None) -> str:
        if "://" in url:
            return url
        return f"{self.root}/{version or self.version}/{url.lstrip('/')}"

    def _request(self, method: str, url: str, body: Any, headers: dict[str, str] | None, version: str | None,
                 native: bool, max_retries: int | None = None) -> Any:
        from kiota_abstractions.method import Method
        from kiota_abstractions.native_response_handler import NativeResponseHandler
        from kiota_abstractions.request_information import RequestInformation
        from kiota_http.middleware.options import ResponseHandlerOption, RetryHandlerOption

        ri = RequestInformation()
        ri.http_method = Method[method.upper()]
        ri.url = self.url(url, version)
        ri.headers.try_add("Accept", "application/json")
        for key, value in (headers or {}).items():
            ri.headers.try_add(key, value)
        if body is not None:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            ri.set_stream_content(data, "application/json")
        if native:
            ri.add_request_options([ResponseHandlerOption(NativeResponseHandler())])
        if max_retries is not None:  # a per-request RetryHandlerOption, as production code may set one
            ri.add_request_options([RetryHandlerOption(delay=0, max_retries=max_retries,
                                                       should_retry=max_retries > 0)])
        return ri

    def call(self, method: str, url: str, body: Any = None, headers: dict[str, str] | None = None,
             version: str | None = None, *, max_retries: int | None = None) -> SdkResponse:
        """One request through the SDK pipeline; answers (status, headers, body) whatever the status.
        ``max_retries=0`` shows what the server answered to a single try (no RetryHandler retries)."""
        from msgraph.generated.models.o_data_errors.o_data_error import ODataError

        ri = self._request(method, url, body, headers, version, native=True, max_retries=max_retries)
        response = self.loop.run_until_complete(self.adapter.send_primitive_async(ri, "bytes", {"XXX": ODataError}))
        return SdkResponse(response.status_code, response.headers, response.content)

    def control(self, name: str, body: Any = None) -> Any:
        """The emulator's control plane (``/_emulator/{name}``; POST with a body, else GET): its JSON."""
        resp = self.call("POST" if body is not None else "GET", f"{self.root}/_emulator/{name}", body)
        assert resp.status == 200, (name, resp.status, resp.json)
        return resp.json

    def raw(self, method: str, url: str, body: Any = None, headers: dict[str, str] | None = None,
            version: str | None = None) -> Any:
        """The production path: ``send_primitive_async(ri, "bytes", {"XXX": ODataError})``; raises ODataError."""
        from msgraph.generated.models.o_data_errors.o_data_error import ODataError

        ri = self._request(method, url, body, headers, version, native=False)
        data = self.loop.run_until_complete(self.adapter.send_primitive_async(ri, "bytes", {"XXX": ODataError}))
        return json.loads(data) if data else None

    def pages(self, url: str, headers: dict[str, str] | None = None, version: str | None = None) -> list[dict]:
        """Every page of a listing or delta round, following @odata.nextLink verbatim."""
        out = []
        next_url: str | None = self.url(url, version)
        while next_url:
            resp = self.call("GET", next_url, headers=headers)
            assert resp.status == 200, (resp.status, resp.json)
            page = resp.json
            out.append(page)
            next_url = page.get("@odata.nextLink")
        return out

    def items(self, url: str, headers: dict[str, str] | None = None, version: str | None = None) -> list[dict]:
        return [item for page in self.pages(url, headers, version) for item in page["value"]]

    def close(self) -> None:
        async def _close() -> None:
            await self._httpx.aclose()
            inner = getattr(getattr(self.http, "_transport", None), "transport", None)
            if inner is not None and hasattr(inner, "aclose"):
                await inner.aclose()

        self.loop.run_until_complete(_close())
        self.loop.close()


@pytest.fixture
def emulator() -> Emulator:
    """A fresh in-process emulator with the demo seed."""
    return Emulator(seed="demo")


@pytest.fixture
def empty_emulator() -> Emulator:
    """A fresh in-process emulator with the empty seed (what every tenant has)."""
    return Emulator(seed="empty")


@pytest.fixture
def sdk(emulator: Emulator) -> Iterator[GraphSdk]:
    """The ``emulator`` fixture behind the real msgraph-sdk request adapter (in-process ASGI transport)."""
    client = GraphSdk(emulator.url, emulator.transport())
    yield client
    client.close()


@pytest.fixture
def empty_sdk(empty_emulator: Emulator) -> Iterator[GraphSdk]:
    client = GraphSdk(empty_emulator.url, empty_emulator.transport())
    yield client
    client.close()


@contextlib.contextmanager
def serve(*options: str) -> Iterator[str]:
    """``entragit emulator serve --host 127.0.0.1 --port 0 --seed demo <options>`` as a child process, stopped
    on exit: its root URL (no version)."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "entragit", "emulator", "serve", "--host", "127.0.0.1", "--port", "0",
         "--seed", "demo", *options],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline().strip()
        if not line.startswith("http://"):
            proc.kill()
            _, err = proc.communicate(timeout=10)
            raise RuntimeError(f"emulator serve did not print its URL: {line!r}\n{err}")
        yield line
    finally:
        proc.terminate()
        try:
            proc.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()


@pytest.fixture(scope="session")
def served_process() -> Iterator[str]:
    """One ``entragit emulator serve --port 0 --seed demo`` subprocess for the session (root URL)."""
    with serve() as url:
        yield url


@pytest.fixture
def served_emulator(served_process: str) -> str:
    """``entragit emulator serve --port 0 --seed demo`` on 127.0.0.1: its root URL (no version).

    One subprocess serves the session; every test starts from a fresh demo tenant, real-time clock, no
    faults, Graph's quotas on (as always when served), every permission granted, no replication lag and an
    empty audit log without delay, all set through the control plane.
    """
    with httpx.Client(base_url=served_process, timeout=30) as control:
        for path, body in (("/_emulator/reset", {"seed": "demo"}), ("/_emulator/clock", {"reset": True}),
                           ("/_emulator/faults", _FAULTS_OFF),
                           ("/_emulator/quotas", {"reset": True, "enabled": True}),
                           ("/_emulator/settings", {"allowPolicyRestore": False}),
                           ("/_emulator/permissions", {"granted": "all"}), ("/_emulator/replication", {"off": True}),
                           ("/_emulator/audit", {"delaySeconds": 0, "retentionDays": 30, "clear": True})):
            response = control.post(path, json=body)
            response.raise_for_status()
    return served_process


_FAULTS_OFF = {"latencyMs": 0, "latencyJitterMs": 0, "faultRate": 0, "throttleEvery": 0, "errorEvery": 0,
               "dropRate": 0, "dropEvery": 0, "retryAfter": 1, "paths": None, "methods": None, "reset": True}


@pytest.fixture
def served_sdk(served_emulator: str) -> Iterator[GraphSdk]:
    client = GraphSdk(served_emulator)
    yield client
    client.close()


@pytest.fixture(params=["in-process", pytest.param("served", marks=pytest.mark.served)])
def dual_sdk(request: pytest.FixtureRequest) -> Iterator[GraphSdk]:
    """A fresh demo tenant behind the real msgraph-sdk request adapter, once in-process (ASGI transport) and
    once served (``entragit emulator serve`` on 127.0.0.1): a test using it runs in both modes, the way moto
    runs its suite. Tests reach the emulator only through Graph paths and ``sdk.control(...)``.

    Served, Graph's quotas stay on except the CA limit of 1 request/s (its backoff would make every CA test
    take seconds; tests/emulator/test_throttling_and_faults.py switches it on where it is the subject).
    """
    if request.param == "in-process":
        emu = Emulator(seed="demo")
        client = GraphSdk(emu.url, emu.transport())
    else:
        client = GraphSdk(request.getfixturevalue("served_emulator"))
        client.control("quotas", {"caLimit": False})
    yield client
    client.close()
