"""The emulator's HTTP layer: a raw ASGI app (no web framework) that uvicorn serves and httpx's
``ASGITransport`` calls in-process.

Per Graph request: normalize the path (collapse ``//``, ``/v1.0`` or ``/beta``, alternate keys such as
``applications(appId='...')``), apply injected faults (latency, 429/503, dropped connections), admit it
against the throttling buckets, route it to the backend, render errors in Graph's envelope, add
``request-id``/``client-request-id``/``x-ms-resource-unit`` headers, and count it. Paths under
``/_emulator`` go to the control plane (``control.py``) and bypass faults, quotas and counters.
"""

from __future__ import annotations

import asyncio
import json
import re
import sys
import traceback
import uuid
from collections.abc import Awaitable, Callable
from email.utils import formatdate
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, unquote

import httpx

from entragit.emulator import upsert
from entragit.emulator.errors import GraphError
from entragit.emulator.models import dumps
from entragit.emulator.routes import Call, Reply, build_router
from entragit.emulator.schema import PREFER_UNKNOWN_ENUM_MEMBERS

if TYPE_CHECKING:
    from entragit.emulator import Emulator

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]

VERSIONS = ("v1.0", "beta")
JSON_TYPE = b"application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8"
# The identity the emulator charges requests to (every caller is the same app-only client).
CLIENT_APP_ID = "9a3d526c-b3c1-4479-ba74-197b5c5751ae"
_SLASHES = re.compile(r"/{2,}")
_ALT_KEY = re.compile(r"^(?P<coll>[^()]+)\((?P<key>\w+)=(?P<q>'?)(?P<value>[^')]*)(?P=q)\)(?P<rest>/.*)?$")


class DroppedConnection(httpx.RemoteProtocolError):
    """An injected fault: the server closed the connection without a complete answer."""


class GraphApp:
    """The ASGI application of one :class:`~entragit.emulator.Emulator`."""

    def __init__(self, emulator: Emulator) -> None:
        self.emu = emulator
        # served by uvicorn: a dropped connection is a response cut short (the server then closes the
        # connection); in-process the transport raises, which is what httpx reports for a dropped connection
        self.served = False
        self.router = build_router(emulator.backend)
        from entragit.emulator.audit_routes import audit_routes

        audit_routes(self.router, emulator.audit)
        self._alt_collections = {rt.collection.lower(): rt for rt in emulator.backend.registry}

    # ------------------------------------------------------------------ ASGI
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        host = headers.get("host")
        if not host:
            server = scope.get("server") or ("127.0.0.1", 80)
            host = f"{server[0]}:{server[1]}"
        root = f"{scope.get('scheme', 'http')}://{host}"
        raw_path = scope.get("raw_path")
        path = unquote(raw_path.decode("latin-1")) if raw_path else scope["path"]
        path = path.split("?", 1)[0]
        query = scope.get("query_string", b"").decode("latin-1")
        method = scope["method"].upper()
        if path.startswith("/_emulator"):
            from entragit.emulator.control import handle_control

            reply = handle_control(self.emu, method, path, query, body)
            await _send(send, reply.status, reply.body, reply.headers)
            return
        status, reply_body, reply_headers = await self.handle(method, path, query, headers, body, root, send)
        if status == 0:
            return  # dropped
        await _send(send, status, reply_body, reply_headers)

    # ------------------------------------------------------------------ one Graph request
    async def handle(self, method: str, path: str, query: str, headers: dict[str, str], body: bytes, root: str,
                     send: Send | None = None) -> tuple[int, bytes | None, dict[str, str]]:
        emu = self.emu
        request_id = str(uuid.uuid4())
        client_request_id = headers.get("client-request-id")
        # Date (RFC 9110 IMF-fixdate) from the emulator clock, as Graph sends one: clients read the server's time
        base_headers = {"request-id": request_id, "OData-Version": "4.0",
                        "Date": formatdate(emu.clock.time(), usegmt=True)}
        if client_request_id:
            base_headers["client-request-id"] = client_request_id
        version, rel = split_version(path)
        decision = emu.faults.decide(method, rel, request_id)
        if decision.latency:
            await asyncio.sleep(decision.latency)
        if decision.kind == "drop":
            emu.counters.record(method, rel, 0, query=query, request_id=request_id)
            return await self._drop(send)
        hold = emu.faults.hold_for(method, rel, body)  # a test kills the client while this write is held
        if hold == "before":
            await emu.faults.wait_release()
            emu.counters.record(method, rel, 0, query=query, request_id=request_id)
            return await self._drop(send)
        if decision.kind == "status":
            status = int(decision.status or 503)
            emu.counters.record(method, rel, status, query=query, request_id=request_id)
            return status, dumps(decision.body), {**base_headers, **decision.headers}
        if version is None:
            error = GraphError("Invalid version: the path must start with /v1.0 or /beta.", code="BadRequest",
                               status=400)
            return self._error(error, request_id, client_request_id, base_headers, method, rel, query, None)
        params = _params(query)
        admission = emu.limiter.admit(method, rel, params, CLIENT_APP_ID, emu.backend.tenant_id, request_id)
        if admission.denied is not None:
            denied = admission.denied
            emu.counters.record(method, rel, denied.status, ru=admission.ru, write=admission.write, query=query,
                                request_id=request_id, pattern=admission.pattern)
            return denied.status, dumps(denied.body), {**base_headers, **denied.headers}
        extra = dict(admission.headers)
        try:
            reply = self.dispatch(Call(method, version, rel, params, query, headers, body, root))
        except GraphError as error:
            return self._error(error, request_id, client_request_id, {**base_headers, **extra}, method, rel, query,
                               admission)
        except Exception as exc:  # noqa: BLE001 - an emulator bug answers 500 in Graph's envelope
            traceback.print_exc(file=sys.stderr)
            error = GraphError(f"Internal emulator error: {type(exc).__name__}: {exc}", code="generalException",
                               status=500)
            return self._error(error, request_id, client_request_id, {**base_headers, **extra}, method, rel, query,
                               admission)
        emu.counters.record(method, rel, reply.status, ru=admission.ru, write=admission.write, query=query,
                            request_id=request_id, pattern=admission.pattern)
        if hold == "after":  # executed; its answer never leaves
            await emu.faults.wait_release()
            return await self._drop(send)
        out_headers = {**base_headers, **extra, **reply.headers}
        return reply.status, reply.body, out_headers

    async def _drop(self, send: Send | None) -> tuple[int, bytes | None, dict[str, str]]:
        """Close the connection without a complete answer (served: a body cut short; in-process: raise)."""
        if send is not None and self.served:
            await send({"type": "http.response.start", "status": 200,
                        "headers": [(b"content-type", JSON_TYPE), (b"content-length", b"1000")]})
            await send({"type": "http.response.body", "body": b'{"value":[', "more_body": True})
            return 0, None, {}
        raise DroppedConnection("Server disconnected without sending a complete response (injected fault).")

    def _error(self, error: GraphError, request_id: str, client_request_id: str | None, headers: dict[str, str],
               method: str, rel: str, query: str, admission: Any) -> tuple[int, bytes, dict[str, str]]:
        date = self.emu.clock.now().strftime("%Y-%m-%dT%H:%M:%S")
        self.emu.counters.record(method, rel, error.status, ru=getattr(admission, "ru", 0),
                                 write=getattr(admission, "write", False), query=query, request_id=request_id,
                                 pattern=getattr(admission, "pattern", None))
        return error.status, dumps(error.body(request_id, client_request_id, date)), {**headers, **error.headers}

    def dispatch(self, call: Call) -> Reply:
        """Route one call (also used for the items of a ``$batch``)."""
        self.emu.backend.purge_expired()
        if call.path.lower() == "$batch":
            if call.method != "POST":
                raise GraphError("Specified HTTP method is not allowed for the request target.", status=405)
            return self.batch(call)
        # an upsert by uniqueName that creates is a POST in every respect (upsert.py)
        created = upsert.create_call(self.emu.backend, call)
        if created is not None:
            return self.dispatch(created)
        upsert.check_unique(self.emu.backend, call)
        call.path = self._rewrite_alt_key(call.path)
        handler, params, template = self.router.match(call.method, call.path)
        call.params = params
        # layers around the backend: the caller's permissions (permissions.py), a lagging replica
        # (replication.py), the directory audit log (audit.py); evolvable enum members are read and written only
        # by callers that ask for them, and Graph says so
        # (https://learn.microsoft.com/en-us/graph/best-practices-concept#handling-future-members-in-evolvable-enumerations)
        emu, tenant = self.emu, self.emu.backend
        emu.permissions.check(tenant, call, template)
        emu.replication.before(call, template)
        audit = emu.audit.before(tenant, call, template)
        unknown_members = call.prefers(PREFER_UNKNOWN_ENUM_MEMBERS)
        with tenant.request_context(call.version, unknown_enum_members=unknown_members):
            reply = handler(call)
        if unknown_members:
            reply.headers["Preference-Applied"] = PREFER_UNKNOWN_ENUM_MEMBERS
        emu.replication.after(call, template, reply)
        emu.audit.after(tenant, call, template, reply, audit)
        return emu.permissions.filter(call, template, reply)

    def _rewrite_alt_key(self, path: str) -> str:
        """``applications(appId='x')/owners`` -> ``applications/{id}/owners`` (alternate keys)."""
        if "(" not in path:
            return path
        head, sep, tail = path.partition("/")
        # a collection below the root may hold the alternate key in its last segment ("servicePrincipals(...)")
        m = _ALT_KEY.match(path)
        if m is None:
            return path
        coll = m.group("coll")
        rt = self._alt_collections.get(coll.lower())
        if rt is None:
            return path
        obj_id = self.emu.backend.resolve_alt(rt.key, m.group("key"), m.group("value"))
        return f"{rt.collection}/{obj_id}{m.group('rest') or ''}"

    # ------------------------------------------------------------------ $batch
    def batch(self, call: Call) -> Reply:
        """JSON batching: up to 20 requests, ``dependsOn`` (424 when a dependency failed), per-item status.

        https://learn.microsoft.com/en-us/graph/json-batching
        """
        body = call.json()
        requests = body.get("requests") if isinstance(body, dict) else None
        if not isinstance(requests, list) or not requests:
            raise GraphError("Invalid batch payload: 'requests' must be a non-empty array.", code="BadRequest")
        if len(requests) > 20:
            raise GraphError("The batch request exceeds the maximum of 20 requests.", code="BadRequest")
        ids = [str(r.get("id")) for r in requests if isinstance(r, dict)]
        if len(ids) != len(requests) or len(set(ids)) != len(ids) or any(i in ("", "None") for i in ids):
            raise GraphError("Each batch request needs a unique 'id'.", code="BadRequest")
        statuses: dict[str, int] = {}
        responses = []
        for item in requests:
            item_id = str(item["id"])
            depends = item.get("dependsOn") or []
            if any(statuses.get(str(d), 0) >= 400 or str(d) not in statuses for d in depends):
                statuses[item_id] = 424
                responses.append({"id": item_id, "status": 424, "body": {"error": {
                    "code": "FailedDependency", "message": "The request depends on a request that failed."}}})
                continue
            status, out_body, headers = self._batch_item(call, item)
            statuses[item_id] = status
            entry: dict[str, Any] = {"id": item_id, "status": status, "headers": headers}
            if out_body:
                try:
                    entry["body"] = json.loads(out_body)
                except ValueError:
                    entry["body"] = out_body.decode("utf-8", "replace")
            else:
                entry["body"] = None
            responses.append(entry)
        return Reply.json({"responses": responses})

    def _batch_item(self, call: Call, item: dict[str, Any]) -> tuple[int, bytes | None, dict[str, str]]:
        emu = self.emu
        request_id = str(uuid.uuid4())
        method = str(item.get("method", "GET")).upper()
        url = str(item.get("url", ""))
        if not url.startswith("/") and "://" not in url:
            url = "/" + url
        if "://" in url:
            url = "/" + url.split("://", 1)[1].split("/", 1)[1]
            url = url[len("/" + call.version):] if url.lower().startswith("/" + call.version.lower()) else url
        path, _, query = url.partition("?")
        rel = _SLASHES.sub("/", unquote(path)).strip("/")
        headers = {str(k).lower(): str(v) for k, v in (item.get("headers") or {}).items()}
        body = item.get("body")
        raw_body = b"" if body is None else (body.encode() if isinstance(body, str) else dumps(body))
        params = _params(query)
        base = {"request-id": request_id}
        # injected status faults reach the requests inside a batch too (Graph answers errors per sub-request;
        # the envelope's latency was already spent): a fault knob on a path means every request to it
        decision = emu.faults.decide(method, rel, request_id)
        if decision.kind == "status":
            status = int(decision.status or 503)
            emu.counters.record(method, rel, status, query=query, request_id=request_id)
            return status, dumps(decision.body), {**base, **decision.headers}
        admission = emu.limiter.admit(method, rel, params, CLIENT_APP_ID, emu.backend.tenant_id, request_id)
        if admission.denied is not None:
            emu.counters.record(method, rel, admission.denied.status, ru=admission.ru, write=admission.write,
                                query=query, request_id=request_id, pattern=admission.pattern)
            return admission.denied.status, dumps(admission.denied.body), {**base, **admission.denied.headers}
        try:
            reply = self.dispatch(Call(method, call.version, rel, params, query, headers, raw_body, call.root))
        except GraphError as error:
            date = emu.clock.now().strftime("%Y-%m-%dT%H:%M:%S")
            emu.counters.record(method, rel, error.status, ru=admission.ru, write=admission.write, query=query,
                                request_id=request_id, pattern=admission.pattern)
            return error.status, dumps(error.body(request_id, None, date)), {**base, **error.headers}
        emu.counters.record(method, rel, reply.status, ru=admission.ru, write=admission.write, query=query,
                            request_id=request_id, pattern=admission.pattern)
        headers_out = {**base, **admission.headers, **reply.headers}
        if reply.body is not None:
            headers_out.setdefault("Content-Type", "application/json")
        return reply.status, reply.body, headers_out


def split_version(path: str) -> tuple[str | None, str]:
    """``//v1.0//users/`` -> ("v1.0", "users")."""
    path = _SLASHES.sub("/", path).strip("/")
    head, _, rest = path.partition("/")
    for version in VERSIONS:
        if head.lower() == version:
            return version, rest
    return None, path


def _params(query: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in parse_qsl(query, keep_blank_values=True):
        k = key.lower() if key.startswith("$") else key
        out[k] = value
    return out


async def _send(send: Send, status: int, body: bytes | None, headers: dict[str, str]) -> None:
    raw = [(k.lower().encode("latin-1"), str(v).encode("latin-1")) for k, v in headers.items()]
    if body is not None and not any(k == b"content-type" for k, _ in raw):
        raw.append((b"content-type", JSON_TYPE))
    raw.append((b"content-length", str(len(body or b"")).encode()))
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body or b""})
