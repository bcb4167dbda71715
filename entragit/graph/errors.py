"""Graph's error envelope → :class:`entragit.errors.GraphError` (learn.microsoft.com/graph/errors).

``{"error": {"code", "message", "innerError": {"code", "request-id", "client-request-id", "date"},
"details": [...]}}``. The top ``code`` is kept as ``GraphError.code``; the chain of inner codes is kept in
``inner_codes`` (most specific last) for callers that understand them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from entragit.errors import GraphError

# Codes meaning "this delta token is no longer usable: start a full sync" (graph-entra.md §1.5, Corrections).
DELTA_RESYNC_CODES = frozenset({"syncStateNotFound", "resyncRequired", "syncStateInvalid"})


class GraphTransportError(GraphError):
    """No HTTP answer at all (connection refused, dropped, timed out). ``status`` is 0.

    For a non-idempotent request (POST) the outcome is unknown: the server may have acted.
    """


class DeltaExpired(GraphError):
    """A delta link Graph no longer honours (410 Gone, ``syncStateNotFound``...): do a full sync."""


def _inner_codes(error: Mapping[str, Any]) -> list[str]:
    codes, node = [], error
    for _ in range(10):
        inner = node.get("innerError") or node.get("innererror")
        if not isinstance(inner, Mapping):
            break
        if isinstance(inner.get("code"), str):
            codes.append(inner["code"])
        node = inner
    return codes


def error_from_response(status: int, headers: Mapping[str, str], content: bytes, *, method: str,
                        url: str) -> GraphError:
    """The typed error for a failed response (any body: Graph's envelope, other JSON, text, nothing)."""
    code, message, inner, details = f"http{status}", "", [], []
    envelope: Any = None
    try:
        envelope = json.loads(content) if content else None
    except ValueError:
        message = content[:300].decode("utf-8", "replace").strip()
    error = envelope.get("error") if isinstance(envelope, Mapping) else None
    if isinstance(error, Mapping):
        code = str(error.get("code") or code)
        message = str(error.get("message") or "")
        inner = _inner_codes(error)
        details = error.get("details") or []
    elif isinstance(error, str):  # OAuth-style {"error": "...", "error_description": "..."}
        code, message = error, str(envelope.get("error_description") or "")
    request_id = headers.get("request-id") or headers.get("client-request-id")
    if not request_id and isinstance(error, Mapping):
        node: Any = error
        while isinstance(node, Mapping) and not request_id:
            node = node.get("innerError") or node.get("innererror")
            if isinstance(node, Mapping):
                request_id = node.get("request-id") or node.get("client-request-id")
    cls = GraphError
    if status == 410 or code in DELTA_RESYNC_CODES or DELTA_RESYNC_CODES.intersection(inner):
        cls = DeltaExpired
    exc = cls(status, code, message or _reason(status), method=method, url=url, request_id=request_id,
              headers=dict(headers))
    exc.inner_codes = inner  # type: ignore[attr-defined]
    exc.details = details  # type: ignore[attr-defined]
    exc.body = envelope  # type: ignore[attr-defined]
    return exc


def _reason(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "error"
