"""JSON batching built by hand (learn.microsoft.com/graph/json-batching; graph-sdk-notes §7).

The SDK's ``BatchRequestContent`` sends ``depends_on`` and drops JSON response bodies, and no middleware
retries throttled sub-responses, so the batch body is plain JSON posted through ``GraphClient.request`` and
the retry of sub-responses is done here.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from entragit.errors import GraphError, UsageError
from entragit.graph.errors import error_from_response
from entragit.graph.retry import IDEMPOTENT_METHODS, RetryPolicy, retry_after
from entragit.graph.wire import GraphResponse, GraphStats, with_graph_headers

MAX_BATCH = 20


class BatchClient(Protocol):
    """What a batch needs of its client (a :class:`~entragit.graph.client.GraphClient`, which sends it)."""

    retry: RetryPolicy
    stats: GraphStats

    def url(self, path_or_url: str, params: Mapping[str, Any] | None = None, version: str | None = None) -> str: ...

    async def request(self, method: str, path_or_url: str, **kw: Any) -> GraphResponse: ...


def prepare(requests: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Copies with string ids (``"1"``... where missing), ``/``-rooted urls and Content-Type on bodies."""
    out, seen = [], set()
    for n, req in enumerate(requests, 1):
        item = dict(req)
        item["id"] = str(item.get("id") or n)
        if item["id"] in seen:
            raise UsageError(f"$batch: duplicate request id {item['id']!r}")
        seen.add(item["id"])
        item["method"] = str(item["method"]).upper()
        item["url"] = "/" + str(item["url"]).lstrip("/")
        # each request of a batch carries its own headers (the $batch POST's do not reach it): the preferences
        # entragit sends on every request go on each one (wire.GRAPH_PREFERENCES)
        headers = with_graph_headers(item.get("headers"))
        if "body" in item and not any(k.lower() == "content-type" for k in headers):
            headers["Content-Type"] = "application/json"
        item["headers"] = headers
        out.append(item)
    return out


def chunks(items: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Consecutive groups of at most 20; a ``dependsOn`` must name a request of the same group."""
    groups: list[list[dict[str, Any]]] = []
    for item in items:
        if not groups or len(groups[-1]) >= MAX_BATCH:
            groups.append([])
        ids = {i["id"] for i in groups[-1]}
        missing = [d for d in item.get("dependsOn") or () if d not in ids]
        if missing:
            raise UsageError(f"$batch: request {item['id']} depends on {missing} outside its batch of "
                             f"{MAX_BATCH}; keep dependent requests together")
        groups[-1].append(item)
    return groups


def _header(headers: Mapping[str, Any] | None, name: str) -> Any:
    for key, value in (headers or {}).items():
        if key.lower() == name:
            return value
    return None


def batch_error(request: Mapping[str, Any], response: Mapping[str, Any], client: BatchClient | None = None,
                version: str | None = None) -> GraphError | None:
    """The GraphError of a failed sub-response (status ≥ 400), else None."""
    status = int(response.get("status") or 0)
    if status < 400:
        return None
    import json

    body = response.get("body")
    content = json.dumps(body).encode() if body is not None else b""
    url = client.url(str(request.get("url", "")).lstrip("/"), version=version) if client else str(request.get("url"))
    headers = {str(k): str(v) for k, v in (response.get("headers") or {}).items()}
    return error_from_response(status, headers, content, method=str(request.get("method", "")), url=url)


def _retryable(item: Mapping[str, Any], status: int) -> bool:
    if status == 429:
        return True
    return status in (503, 504) and item["method"] in IDEMPOTENT_METHODS


async def _run_chunk(client: BatchClient, chunk: list[dict[str, Any]], version: str | None,
                     serialize: bool | None) -> dict[str, dict[str, Any]]:
    policy, stats = client.retry, client.stats
    results: dict[str, dict[str, Any]] = {}
    pending = chunk
    attempt = 0
    while pending:
        attempt += 1
        idempotent = all(i["method"] in IDEMPOTENT_METHODS for i in pending)
        stats.batched += len(pending)
        stats.batches += 1
        answer = await client.request("POST", "$batch", body={"requests": pending}, version=version,
                                      idempotent=idempotent, serialize=serialize, raise_errors=False,
                                      weight=len(pending))
        data = answer.json() if answer.content else None
        responses = data.get("responses") if isinstance(data, Mapping) else None
        if not isinstance(responses, list):  # an envelope error (400 malformed, auth...)
            raise error_from_response(answer.status, answer.headers, answer.content, method="POST",
                                      url=answer.url)
        by_id = {str(r.get("id")): r for r in responses if isinstance(r, Mapping)}
        again: list[dict[str, Any]] = []
        waits: list[float] = []
        retry_ids: set[str] = set()
        for item in pending:  # dependencies come first: a dependent of a resent request goes with it
            sub = by_id.get(item["id"]) or {"id": item["id"], "status": 0, "headers": {}, "body": None}
            status = int(sub.get("status") or 0)
            stats.resource_units += float(_header(sub.get("headers"), "x-ms-resource-unit") or 0)
            observe = getattr(client, "observe", None)
            if observe is not None:   # quota headers and 429s of sub-requests steer the client too
                observe(status, {str(k): str(v) for k, v in (sub.get("headers") or {}).items()})
            if status == 429:
                stats.throttled += 1
            resend = attempt < policy.max_attempts and (
                _retryable(item, status)
                or (status == 424 and any(d in retry_ids for d in item.get("dependsOn") or ())))
            if resend:
                retry_ids.add(item["id"])
                again.append(item)
                after = retry_after({str(k): str(v) for k, v in (sub.get("headers") or {}).items()})
                waits.append(policy.backoff(attempt) if after is None else after)
            else:
                results[item["id"]] = dict(sub)
        if again:
            stats.retries += len(again)
            delay = max(waits)
            stats.waited += delay
            await asyncio.sleep(delay)
        # A dependency answered already is no longer in the batch: drop it from dependsOn.
        pending = [{**i, "dependsOn": [d for d in i["dependsOn"] if d in retry_ids]} if i.get("dependsOn") else i
                   for i in again]
        for item in pending:
            if item.get("dependsOn") == []:
                del item["dependsOn"]
    return results


async def run_batch(client: BatchClient, requests: Sequence[Mapping[str, Any]], *, version: str | None = None,
                    serialize: bool | None = None) -> list[dict[str, Any]]:
    items = prepare(requests)
    parts = await asyncio.gather(*(_run_chunk(client, c, version, serialize) for c in chunks(items)))
    merged: dict[str, dict[str, Any]] = {}
    for part in parts:
        merged.update(part)
    return [merged[i["id"]] for i in items]
