"""Graph's error envelope → :class:`entragit.errors.GraphError` (learn.microsoft.com/graph/errors).

``{"error": {"code", "message", "innerError": {"code", "request-id", "client-request-id", "date"},
"details": [...]}}``. The top ``code`` is kept as ``GraphError.code``; the chain of inner codes is kept in
``inner_codes`` (most specific last) for callers that understand them. The message reported is the most
specific one: Conditional Access puts the detail (``1054: Invalid group value ...``) in
``innerError.message`` under a generic top-level text (graph-entra.md, "CA write errors"); the top-level text
stays in ``top_message``.

:func:`replication_pending` tells the answers that mean "not replicated yet" (Microsoft identity blog,
"Designing for eventual consistency for Microsoft Entra"): the caller tries the write again later.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from entragit.errors import GraphError

# Codes meaning "this delta token is no longer usable: start a full sync" (graph-entra.md §1.5, Corrections).
DELTA_RESYNC_CODES = frozenset({"syncStateNotFound", "resyncRequired", "syncStateInvalid"})


class GraphTransportError(GraphError):
    """No HTTP answer at all (connection refused, dropped, timed out). ``status`` is 0.

    For a non-idempotent request (POST) the outcome is unknown: the server may have acted.
    """


class MalformedAnswer(GraphError):
    """A 2xx answer whose body is not the JSON Graph promises (cut short, garbled). For a write the outcome
    is unknown, as with no answer: the server may have acted."""


class DeltaExpired(GraphError):
    """A delta link Graph no longer honours (410 Gone, ``syncStateNotFound``...): do a full sync."""


def _inner(error: Mapping[str, Any]) -> tuple[list[str], str]:
    """The chain of inner codes (most specific last) and the most specific inner message ("" when none)."""
    codes, message, node = [], "", error
    for _ in range(10):
        inner = node.get("innerError") or node.get("innererror")
        if not isinstance(inner, Mapping):
            break
        if isinstance(inner.get("code"), str):
            codes.append(inner["code"])
        if isinstance(inner.get("message"), str) and inner["message"].strip():
            message = inner["message"].strip()
        node = inner
    return codes, message


# 400 on a reference to an object the replicas do not have yet (group-post-members: "The source resource
# object or one of the objects being referenced don't exist"; "do not exist" in other answers)
_REFERENCE_MISSING = re.compile(r"objects? being referenced do(?:n't|n’t| not) exist", re.IGNORECASE)
# POST /servicePrincipals right after its application (graph-entra.md, eventual consistency)
NO_BACKING_APPLICATION = "NoBackingApplicationObject"


def detail_codes(exc: GraphError) -> set[str]:
    """The codes of ``error.details[]`` and of the inner chain."""
    codes = set(getattr(exc, "inner_codes", []) or [])
    for detail in getattr(exc, "details", None) or []:
        if isinstance(detail, Mapping) and isinstance(detail.get("code"), str):
            codes.add(detail["code"])
    return codes


def replication_pending(exc: GraphError) -> str | None:
    """Why ``exc`` may only mean that an object written a moment ago is not replicated yet (None: it does
    not): a 404, a reference that "does not exist", or ``NoBackingApplicationObject``. The caller decides
    whether a 404 can mean that for what it sent."""
    if isinstance(exc, GraphTransportError) or isinstance(exc, MalformedAnswer):
        return None
    if exc.status == 404:
        return "not found (not replicated yet?)"
    if exc.status == 400:
        if NO_BACKING_APPLICATION in detail_codes(exc):
            return "its application is not replicated yet (NoBackingApplicationObject)"
        text = " ".join([exc.graph_message, str(getattr(exc, "top_message", ""))])
        if _REFERENCE_MISSING.search(text):
            return "a referenced object is not replicated yet"
    return None


def error_from_response(status: int, headers: Mapping[str, str], content: bytes, *, method: str,
                        url: str) -> GraphError:
    """The typed error for a failed response (any body: Graph's envelope, other JSON, text, nothing)."""
    code, message, inner, details, inner_message = f"http{status}", "", [], [], ""
    envelope: Any = None
    try:
        envelope = json.loads(content) if content else None
    except ValueError:
        message = content[:300].decode("utf-8", "replace").strip()
    error = envelope.get("error") if isinstance(envelope, Mapping) else None
    if isinstance(error, Mapping):
        code = str(error.get("code") or code)
        message = str(error.get("message") or "")
        inner, inner_message = _inner(error)
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
    shown = inner_message or message or _reason(status)
    exc = cls(status, code, shown, method=method, url=url, request_id=request_id, headers=dict(headers))
    exc.top_message = message  # type: ignore[attr-defined]
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
