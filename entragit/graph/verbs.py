"""The verbs, paging, delta rounds and ``$batch`` of :class:`~entragit.graph.client.GraphClient`, all over
its one request path (``request``, ``url``, ``_check_host``)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any

from entragit.errors import GraphError
from entragit.graph.batch import run_batch
from entragit.graph.wire import DeltaResult


class GraphVerbs:
    """Mixed into GraphClient: everything here goes through ``self.request``."""

    # -- verbs ---------------------------------------------------------------------------------------------
    async def get(self, path_or_url: str, params: Mapping[str, Any] | None = None, version: str | None = None,
                  *, headers: Mapping[str, str] | None = None, serialize: bool | None = None,
                  priority: str | None = None) -> dict[str, Any]:
        response = await self.request("GET", path_or_url, params=params, version=version, headers=headers,
                                      serialize=serialize, priority=priority)
        return response.json() or {}

    async def post(self, path: str, body: Any = None, *, idempotent: bool = False, **kw: Any) -> Any:
        """POST; retried only on 429 (refused, never executed) or, with ``idempotent=True``, like a GET."""
        return (await self.request("POST", path, body=body, idempotent=idempotent, **kw)).json()

    async def patch(self, path: str, body: Any, **kw: Any) -> Any:
        return (await self.request("PATCH", path, body=body, **kw)).json()

    async def put(self, path: str, body: Any, **kw: Any) -> Any:
        return (await self.request("PUT", path, body=body, **kw)).json()

    async def delete(self, path: str, **kw: Any) -> None:
        await self.request("DELETE", path, **kw)

    # -- paging and delta ------------------------------------------------------------------------------------
    async def pages(self, path_or_url: str, params: Mapping[str, Any] | None = None, *,
                    headers: Mapping[str, str] | None = None, version: str | None = None,
                    serialize: bool | None = None, priority: str | None = None,
                    max_pages: int | None = None) -> AsyncIterator[dict[str, Any]]:
        """Yield each page, following ``@odata.nextLink`` verbatim (same host only) to the end.

        Custom headers (``ConsistencyLevel``) are sent again with every page (Graph does not carry them).
        When a page fails, the GraphError raised carries ``resume_url``: the last good nextLink, from which
        ``pages(resume_url)`` continues (a skiptoken from a retried request is never used).
        """
        url: str | None = self.url(path_or_url, params, version)
        count = 0
        while url:
            try:
                page = await self.get(url, headers=headers, serialize=serialize, priority=priority)
            except GraphError as exc:
                exc.resume_url = url  # type: ignore[attr-defined]
                raise
            count += 1
            yield page
            url = page.get("@odata.nextLink")
            if url:
                self._check_host(url)
            if max_pages is not None and count >= max_pages:
                return

    async def list(self, path_or_url: str, params: Mapping[str, Any] | None = None,
                   **kw: Any) -> AsyncIterator[dict[str, Any]]:
        """Yield the items (``value``) of every page."""
        async for page in self.pages(path_or_url, params, **kw):
            for item in page.get("value") or ():
                yield item

    async def list_all(self, path_or_url: str, params: Mapping[str, Any] | None = None,
                       **kw: Any) -> list[dict[str, Any]]:
        return [item async for item in self.list(path_or_url, params, **kw)]

    async def delta_pages(self, path: str, delta_link: str | None = None, params: Mapping[str, Any] | None = None,
                          **kw: Any) -> AsyncIterator[dict[str, Any]]:
        """Pages of a delta round: from ``delta_link`` if given (``params`` are then ignored: they live in
        the token), else from ``path`` (e.g. ``users/delta``) with ``params``. The last page holds
        ``@odata.deltaLink``. An expired link raises :class:`~entragit.graph.errors.DeltaExpired`."""
        start = delta_link or self.url(path, params, kw.pop("version", None))
        async for page in self.pages(start, **kw):
            yield page

    async def delta(self, path: str, delta_link: str | None = None, params: Mapping[str, Any] | None = None,
                    **kw: Any) -> DeltaResult:
        """A whole delta round: every item (``@removed`` ones included) and the new ``@odata.deltaLink``."""
        items: list[dict[str, Any]] = []
        link, pages = None, 0
        async for page in self.delta_pages(path, delta_link, params, **kw):
            pages += 1
            items.extend(page.get("value") or ())
            link = page.get("@odata.deltaLink") or link
        return DeltaResult(items, link, pages)

    # -- $batch ------------------------------------------------------------------------------------------------
    async def batch(self, requests: Sequence[Mapping[str, Any]], *, version: str | None = None,
                    serialize: bool | None = None) -> list[dict[str, Any]]:
        """Run requests through JSON ``$batch`` (≤ 20 per call); answers in input order.

        Each request: ``method``, ``url`` (relative to the version root), optional ``id``, ``headers``,
        ``body``, ``dependsOn``. Each answer: ``{"id", "status", "headers", "body"}``; sub-errors are not
        raised (see :func:`batch_error`). Sub-responses 429 (and 503/504 of idempotent sub-requests) are
        resent in a new batch after their longest ``Retry-After``, dependents of a resent request (424) with
        them; the SDK never does this (graph-sdk-notes §7).
        """
        return await run_batch(self, requests, version=version, serialize=serialize)
