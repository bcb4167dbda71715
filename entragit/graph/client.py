"""GraphClient: Microsoft Graph over msgraph-core's request adapter, in raw JSON. It knows HTTP, not resources.

How a request travels (one path for every verb, page, delta round and batch)::

    RequestInformation(method, absolute URL, headers, JSON bytes)
      → BaseGraphRequestAdapter.send_primitive_async(ri, "bytes", None) with a NativeResponseHandler option
        → authentication provider (azure-identity token for the cloud's Graph host, static token elsewhere)
        → GraphClientFactory middleware: redirect, (retry: off), parameter decoding, user agent, headers
          inspection, telemetry
        → httpx transport (a pooled HTTP/1.1-or-2 connection, or ASGITransport straight into the emulator)
      ← httpx.Response: status, headers and the body bytes exactly as served

Why a NativeResponseHandler rather than ``send_primitive_async(ri, "bytes", {"XXX": ODataError})``: the bytes
path returns the body only, yet the client needs the status and the headers of every answer
(``x-ms-resource-unit`` for the RU count, ``Retry-After`` for throttling, ``request-id`` for errors), and
``ODataError`` is a typed model (slow, lossy). With the native handler the adapter still authenticates the
request (including the CAE claims challenge retry) and runs it through the whole middleware pipeline, then
hands back the untouched ``httpx.Response``; errors are parsed from Graph's envelope by
:func:`entragit.graph.errors.error_from_response`. Typed models are never used: nulls, unknown properties,
7-digit dates and big integers survive byte for byte (graph-sdk-notes §3).

Retrying is done here, once, by :class:`~entragit.graph.retry.RetryPolicy` (with counters); the SDK's
RetryHandler is disabled client-wide because it also resends POSTs (graph-sdk-notes §4, pitfall 2).
Requests in flight are bounded by an :class:`~entragit.graph.limiter.AdaptiveLimit` that starts at
``concurrency`` and follows Graph's quota headers up to ``max_concurrency`` (the pool's size); callers mark
requests that must go one at a time per client (``serialize=True``, e.g. from a declaration's ``serialized``:
conditional access and named locations, 1 request/s per tenant) or configure path prefixes. The client keeps
Graph's clock from the ``Date`` header of its answers (:meth:`GraphClient.server_now`).
"""

from __future__ import annotations

import asyncio
import functools
import json
import ssl
import time
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import httpx
from kiota_abstractions.authentication import AuthenticationProvider
from kiota_abstractions.method import Method
from kiota_abstractions.native_response_handler import NativeResponseHandler
from kiota_abstractions.request_information import RequestInformation
from kiota_http.middleware.options import ResponseHandlerOption, RetryHandlerOption
from msgraph_core import BaseGraphRequestAdapter, GraphClientFactory

from entragit.errors import ConfigError
from entragit.graph.auth import Auth, static_auth
from entragit.graph.errors import GraphTransportError, error_from_response
from entragit.graph.limiter import AdaptiveLimit
from entragit.graph.retry import RetryPolicy, retry_after
from entragit.graph.verbs import GraphVerbs
from entragit.graph.wire import DEFAULT_VERSION, GraphResponse, GraphStats, encode_params, with_graph_headers

DEFAULT_CONCURRENCY = 8          # requests in flight at first
DEFAULT_MAX_CONCURRENCY = 64     # the most the limit grows to while Graph's quota headers stay quiet
PRIORITY_HEADER = "x-ms-throttle-priority"


@functools.cache
def _ssl_context() -> ssl.SSLContext:
    """One verifying TLS context per process (loading the CA bundle costs about 0.3 s)."""
    return httpx.create_ssl_context()


class GraphClient(GraphVerbs):
    """Raw-JSON Graph client. Use as ``async with GraphClient.for_emulator(emu) as client:`` or
    ``async with open_client(settings) as client:``.

    ``root`` is the Graph root without version (``https://graph.microsoft.com``, ``http://127.0.0.1:8080``);
    ``auth`` defaults to the static test token. ``transport`` replaces the pooled HTTP transport (the
    emulator's ``ASGITransport``). ``priority`` is sent as ``x-ms-throttle-priority`` on reads (``Low`` for
    backups). ``serialize_prefixes``: paths (relative to the version root) whose requests go one at a time;
    ``serialized_interval``: the least time between the starts of two serialized requests.
    """

    def __init__(self, root: str, auth: AuthenticationProvider | Auth | None = None, *,
                 transport: httpx.AsyncBaseTransport | None = None, concurrency: int = DEFAULT_CONCURRENCY,
                 retry: RetryPolicy | None = None, version: str = DEFAULT_VERSION, priority: str | None = None,
                 serialize_prefixes: Iterable[str] = (), serialized_interval: float = 0.0,
                 timeout: float = 100.0, max_concurrency: int | None = None, adaptive: bool = True) -> None:
        if concurrency < 1:
            raise ConfigError(f"concurrency must be at least 1, not {concurrency}")
        if max_concurrency is not None and max_concurrency < 1:
            raise ConfigError(f"max concurrency must be at least 1, not {max_concurrency}")
        self.root = root.rstrip("/")
        self._reached = False  # whether anything ever answered at root (a first connect error fails fast)
        parts = urlsplit(self.root)
        self._origin = f"{parts.scheme}://{parts.netloc}".lower()
        self._auth = auth if isinstance(auth, Auth) else None
        provider = auth.provider if isinstance(auth, Auth) else (auth or static_auth())
        self.version = version
        self.concurrency = concurrency
        self.adaptive = adaptive
        self.max_concurrency = (max(concurrency, max_concurrency or DEFAULT_MAX_CONCURRENCY) if adaptive
                                else concurrency)
        self.retry = retry or RetryPolicy()
        self.priority = priority
        self.serialize_prefixes = tuple(p.strip("/") for p in serialize_prefixes)
        self.serialized_interval = serialized_interval
        self.stats = GraphStats()
        self._provider, self._timeout, self._given_transport = provider, timeout, transport
        self._make_pool()
        self._native = ResponseHandlerOption(NativeResponseHandler())
        self._loop: asyncio.AbstractEventLoop | None = None
        self._slots = self._new_limit()
        self._serial = asyncio.Lock()
        self._serial_last = 0.0
        self._server_clock: tuple[float, float] | None = None   # (Graph's time, our monotonic) of the last Date
        # throttling gate (additive, engineer A): after a 429 with Retry-After no request of this client starts
        # before that time. Graph charges throttled requests against the quota too, so requests sent while
        # throttled only lengthen the throttling (learn.microsoft.com/graph/throttling, best practices).
        self._throttled_until = 0.0
        self._closed = False

    # -- construction -------------------------------------------------------------------------------------
    def _make_pool(self) -> None:
        """The HTTP pool and the SDK adapter over it. A pooled transport's connections belong to the event loop
        that opened them, so :meth:`_bind_loop` makes a new pool when the client moves to another loop."""
        parts = urlsplit(self.root)
        self._transport = self._given_transport or httpx.AsyncHTTPTransport(
            verify=_ssl_context(), http2=parts.scheme == "https", retries=0,
            limits=httpx.Limits(max_connections=self.max_concurrency,
                                max_keepalive_connections=self.max_concurrency))
        http = httpx.AsyncClient(transport=self._transport, base_url=self.root,
                                 timeout=httpx.Timeout(self._timeout, connect=30.0, pool=None))
        # One retry policy, ours: the SDK RetryHandler stays in the chain but never retries.
        no_retry = {RetryHandlerOption.get_key(): RetryHandlerOption(delay=0, max_retries=0, should_retry=False)}
        self._http = GraphClientFactory.create_with_default_middleware(client=http, options=no_retry)
        self._adapter = BaseGraphRequestAdapter(self._provider, http_client=self._http)
        self._adapter.base_url = f"{self.root}/{self.version}"  # without trailing slash (pitfall 3: '//users')

    def _new_limit(self) -> AdaptiveLimit:
        return AdaptiveLimit(self.concurrency, self.max_concurrency, adaptive=self.adaptive)

    @property
    def limit(self) -> AdaptiveLimit:
        """The in-flight limit (its ``current`` value, ``peak`` and ``decreases`` are read by benches)."""
        return self._slots

    def server_now(self) -> datetime:
        """Graph's time: the ``Date`` of the last answer plus the time since, else this machine's clock."""
        if self._server_clock is None:
            return datetime.now(UTC)
        stamp, seen = self._server_clock
        return datetime.fromtimestamp(stamp + (time.monotonic() - seen), UTC)

    def observe(self, status: int, headers: Any) -> None:
        """Learn from one answer (a request's or a ``$batch`` sub-request's): the quota headers move the
        in-flight limit; a 429's Retry-After gates every request of this client."""
        self._slots.feedback(status, headers)
        if status == 429:
            after = retry_after(headers) if headers is not None else None
            if after is not None and after <= self.retry.max_retry_after:
                self._throttled_until = max(self._throttled_until, time.monotonic() + after)

    def _note_date(self, headers: Any) -> None:
        value = headers.get("date") if headers is not None else None
        if not value:
            return
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        self._server_clock = (when.timestamp(), time.monotonic())

    @classmethod
    def for_emulator(cls, emu: Any, **kwargs: Any) -> GraphClient:
        """A client on an in-process :class:`entragit.emulator.Emulator` (no sockets), through the same
        adapter and middleware as a real tenant. Static test token, no notice (the caller chose the emulator)."""
        return cls(getattr(emu, "url", "http://testserver"), transport=httpx.ASGITransport(app=emu.app), **kwargs)

    @property
    def real_credentials(self) -> bool:
        return bool(self._auth and self._auth.real)

    def granted_permissions(self) -> frozenset[str] | None:
        """The application permissions the caller's access token carries (its ``roles`` claim), or None when that
        cannot be told (the emulator's static token, a delegated token, a credential that fails). The token is
        the one the credential caches for Graph's scope; it is read, never verified (Graph verifies it).
        https://learn.microsoft.com/en-us/entra/identity-platform/access-token-claims-reference#payload-claims"""
        credential = self._auth.credential if self._auth and self._auth.real else None
        if credential is None:
            return None
        from entragit.graph.auth import unverified_claims

        try:
            token = credential.get_token(self._auth.cloud.scope).token  # type: ignore[union-attr]
        except Exception:  # noqa: BLE001  (a credential error surfaces on the first request, with its message)
            return None
        roles = unverified_claims(token).get("roles")
        return frozenset(str(r) for r in roles) if isinstance(roles, list) else None

    # -- lifecycle -----------------------------------------------------------------------------------------
    async def __aenter__(self) -> GraphClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the pool. ``AsyncGraphTransport`` has no ``aclose`` (pitfall 6): close the inner transport."""
        if self._closed:
            return
        self._closed = True
        self._bind_loop()  # closing from another loop: the old pool is dropped, the fresh one closed
        await self._http.aclose()
        await self._transport.aclose()
        if self._auth:
            self._auth.close()

    # -- URLs ----------------------------------------------------------------------------------------------
    def url(self, path_or_url: str, params: Mapping[str, Any] | None = None, version: str | None = None) -> str:
        """Absolute URL of ``path_or_url`` (relative to the version root, or absolute on this client's host)."""
        if path_or_url.startswith(("http://", "https://")):
            url = path_or_url
            self._check_host(url)
        else:
            url = f"{self.root}/{version or self.version}/{path_or_url.lstrip('/')}"
        query = encode_params(params)
        if query:
            url += ("&" if "?" in url else "?") + query
        return url

    def _check_host(self, url: str) -> None:
        parts = urlsplit(url)
        if f"{parts.scheme}://{parts.netloc}".lower() != self._origin:
            raise ConfigError(f"refusing to send a request to {parts.scheme}://{parts.netloc}: "
                              f"this client only talks to {self._origin}")

    def _relative(self, url: str) -> str:
        path = urlsplit(url).path
        root_path = urlsplit(self.root).path
        rest = path[len(root_path):].lstrip("/")
        return rest.split("/", 1)[1] if "/" in rest else ""

    def _bind_loop(self) -> None:
        """Semaphore and lock belong to one event loop: new ones when the client is used from another loop
        (sync code calling ``run()`` several times on an in-process client)."""
        loop = asyncio.get_running_loop()
        if loop is not self._loop:
            if self._loop is not None and self._given_transport is None:
                # the old pool's sockets belong to the old loop (closed by asyncio.run): drop it, open anew
                self._make_pool()
            self._loop = loop
            self._slots = self._new_limit()
            self._serial = asyncio.Lock()

    def _serialized(self, url: str, serialize: bool | None) -> bool:
        if serialize is not None:
            return serialize
        rel = self._relative(url)
        return any(rel == p or rel.startswith(p + "/") for p in self.serialize_prefixes)

    # -- the one request path ----------------------------------------------------------------------------
    async def request(self, method: str, path_or_url: str, *, params: Mapping[str, Any] | None = None,
                      body: Any = None, headers: Mapping[str, str] | None = None, version: str | None = None,
                      serialize: bool | None = None, idempotent: bool | None = None,
                      priority: str | None = None, raise_errors: bool = True, weight: int = 1) -> GraphResponse:
        """Send one request (with retries) and return the answer. Raises GraphError for 4xx/5xx answers
        unless ``raise_errors`` is False, GraphTransportError when no answer came. ``weight``: the Graph
        requests this HTTP request carries (a ``$batch`` carries its sub-requests), for the in-flight figures."""
        self._bind_loop()
        method = method.upper()
        url = self.url(path_or_url, params, version)
        content = None if body is None else json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
        sent_headers = {"Accept": "application/json"}
        if method == "GET" and (priority or self.priority):
            sent_headers[PRIORITY_HEADER] = priority or self.priority  # type: ignore[assignment]
        sent_headers.update(headers or {})
        sent_headers = with_graph_headers(sent_headers)  # Prefer: include-unknown-enum-members, on every request
        idem = bool(idempotent)
        if self._serialized(url, serialize):
            async with self._serial:
                wait = self._serial_last + self.serialized_interval - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
                try:
                    response = await self._with_retries(method, url, content, sent_headers, idem, weight)
                finally:
                    self._serial_last = time.monotonic()
        else:
            response = await self._with_retries(method, url, content, sent_headers, idem, weight)
        result = GraphResponse(response.status_code, response.headers, response.content, method, url)
        if raise_errors and response.status_code >= 400:
            raise error_from_response(response.status_code, response.headers, response.content,
                                      method=method, url=url)
        return result

    async def _with_retries(self, method: str, url: str, content: bytes | None, headers: dict[str, str],
                            idempotent: bool, weight: int = 1) -> httpx.Response:
        policy, stats = self.retry, self.stats
        attempt = 0
        while True:
            attempt += 1
            gate = self._throttled_until - time.monotonic()
            if gate > 0:
                stats.gated += gate
                await asyncio.sleep(gate)
            try:
                response = await self._send_once(method, url, content, headers, weight)
            except httpx.TransportError as exc:
                stats.transport_errors += 1
                if isinstance(exc, httpx.ConnectError) and not self._reached:
                    # nothing ever answered at this address (refused, unknown host): a wrong URL or an emulator
                    # not started, not a blip: say so now rather than after a minute of retries
                    raise ConfigError(f"cannot reach {self.root} ({exc or type(exc).__name__}): is the emulator "
                                      "running (entragit emulator serve), and are --graph-url / the cloud right?"
                                      ) from exc
                if attempt < policy.max_attempts and policy.may_retry_transport(exc, method, idempotent):
                    await self._sleep(policy.backoff(attempt))
                    continue
                raise GraphTransportError(0, type(exc).__name__, str(exc) or "no answer", method=method,
                                          url=url) from exc
            self._reached = True
            self.observe(response.status_code, response.headers)
            if (attempt < policy.max_attempts
                    and policy.may_retry_status(response.status_code, method, idempotent)):
                delay = policy.delay(attempt, response.headers)
                if delay <= policy.max_retry_after:
                    await self._sleep(delay)
                    continue
            return response

    async def settle(self, attempt: int, spent: float = 0.0) -> float | None:
        """Wait before try ``attempt + 1`` of a write Graph answered "not replicated yet" (a new or restored
        object its replicas do not show: 404, a reference that "does not exist", NoBackingApplicationObject);
        ``spent``: what this write waited so far. Returns the wait, or None (no wait) once the policy's tries
        or its time budget for one write are spent: the caller gives up."""
        wait = self.retry.settle(attempt)
        if wait <= 0 or spent + wait > self.retry.settle_budget:
            return None
        self.stats.settled += 1
        self.stats.waited += wait
        await asyncio.sleep(wait)
        return wait

    async def _sleep(self, seconds: float) -> None:
        self.stats.retries += 1
        self.stats.waited += seconds
        await asyncio.sleep(seconds)

    async def _send_once(self, method: str, url: str, content: bytes | None,
                         headers: Mapping[str, str], weight: int = 1) -> httpx.Response:
        if self._closed:
            raise RuntimeError("GraphClient is closed")
        ri = RequestInformation()
        ri.http_method = Method[method]
        ri.url = url
        for key, value in headers.items():
            ri.headers.try_add(key, value)
        if content is not None:
            ri.set_stream_content(content, "application/json")
        ri.add_request_options([self._native])
        stats = self.stats
        async with self._slots:
            stats.requests += 1
            stats.by_method[method] += 1
            stats.bytes_sent += len(content or b"")
            stats.in_flight += 1
            stats.max_in_flight = max(stats.max_in_flight, stats.in_flight)
            started = time.monotonic()
            try:
                response: httpx.Response = await self._adapter.send_primitive_async(ri, "bytes", None)
            except httpx.TransportError:
                raise
            except Exception as exc:
                raise self._credential_error(exc) from exc
            finally:
                stats.in_flight -= 1
                took = time.monotonic() - started
                stats.busy += took                 # Σ durations / wall = requests in flight on average
                stats.graph_busy += took * weight
        stats._count_answer(response)
        self._note_date(response.headers)
        return response

    def _credential_error(self, exc: Exception) -> Exception:
        """A failing credential becomes one ConfigError line naming what to set; other errors pass."""
        from azure.core.exceptions import AzureError

        if isinstance(exc, ConfigError) or not isinstance(exc, AzureError) or not self._auth:
            return exc
        from entragit.graph.auth import WHAT_TO_SET

        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        return ConfigError(f"could not get a token for {self._auth.cloud.scope} from {self._auth.description}: "
                           f"{first}; {WHAT_TO_SET}")
