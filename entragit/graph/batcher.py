"""Single GETs coalesced into JSON ``$batch`` requests of 20: one round trip for twenty reads.

An export reads one link per object where Graph offers nothing better (``GET groups/{id}/members``: 20,000
requests for the L tenant of ../shared/reference/performance.md B6). Against 200 ms of latency each is a round
trip; JSON batching carries 20 of them in one (https://learn.microsoft.com/en-us/graph/json-batching). Graph
still throttles every request inside a batch on its own and they count as 20 requests in every figure
(``GraphStats.graph_requests``), so batching saves round trips and client CPU, not quota.

:class:`Batcher` collects :meth:`Batcher.get` calls per API version and sends a ``$batch`` as soon as 20 are
waiting, or after ``linger`` seconds for a smaller one, through :meth:`GraphClient.batch` (which resends
throttled sub-requests after their ``Retry-After``). A failed sub-request raises its
:class:`~entragit.errors.GraphError` in the caller of :meth:`get`, like a single GET would.
:meth:`list_all` follows ``@odata.nextLink`` through further batched GETs.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from entragit.graph.batch import MAX_BATCH, batch_error
from entragit.graph.wire import encode_params


class Batcher:
    def __init__(self, client: Any, *, size: int = MAX_BATCH, linger: float = 0.002) -> None:
        self.client = client
        self.size = max(1, min(size, MAX_BATCH))
        self.linger = linger
        self._pending: dict[str, list[tuple[dict[str, Any], asyncio.Future[Any]]]] = {}
        self._timers: dict[str, asyncio.TimerHandle] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    def relative(self, url: str, version: str) -> str:
        """``url`` relative to the version root (a nextLink is absolute; a ``$batch`` item is not)."""
        prefix = f"{self.client.root}/{version}/"
        if url.startswith(prefix):
            return url[len(prefix):]
        if url.startswith(("http://", "https://")):
            self.client.url(url)  # refuses another host
            raise ValueError(f"{url} is not below {prefix}")
        return url.lstrip("/")

    async def get(self, path: str, params: Mapping[str, Any] | None = None, version: str | None = None) -> Any:
        """The body of ``GET path?params`` (relative to the version root), sent inside a ``$batch``."""
        version = version or self.client.version
        url = self.relative(path, version)
        query = encode_params(params)
        if query:
            url += ("&" if "?" in url else "?") + query
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        queue = self._pending.setdefault(version, [])
        queue.append(({"method": "GET", "url": url}, future))
        if len(queue) >= self.size:
            self._dispatch(version)
        elif version not in self._timers:
            self._timers[version] = loop.call_later(self.linger, self._dispatch, version)
        return await future

    async def list_all(self, path: str, params: Mapping[str, Any] | None = None,
                       version: str | None = None) -> list[Any]:
        """Every item of a paged collection, each page a batched GET."""
        version = version or self.client.version
        page = await self.get(path, params, version)
        items = list(page.get("value") or ())
        while page.get("@odata.nextLink"):
            page = await self.get(page["@odata.nextLink"], None, version)
            items.extend(page.get("value") or ())
        return items

    def _dispatch(self, version: str) -> None:
        timer = self._timers.pop(version, None)
        if timer is not None:
            timer.cancel()
        queue = self._pending.pop(version, [])
        for start in range(0, len(queue), self.size):
            task = asyncio.ensure_future(self._send(version, queue[start:start + self.size]))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _send(self, version: str, group: list[tuple[dict[str, Any], asyncio.Future[Any]]]) -> None:
        requests = [request for request, _ in group]
        try:
            answers = await self.client.batch(requests, version=version)
        except BaseException as exc:  # noqa: BLE001 - handed to every waiting caller
            for _, future in group:
                if not future.done():
                    future.set_exception(exc)
            if isinstance(exc, asyncio.CancelledError):
                raise
            return
        for (request, future), answer in zip(group, answers, strict=True):
            if future.done():
                continue
            error = batch_error(request, answer, self.client, version)
            if error is not None:
                future.set_exception(error)
            else:
                future.set_result(answer.get("body") or {})

    async def aclose(self) -> None:
        """Send what is still waiting and wait for every batch in flight."""
        for version in list(self._pending):
            self._dispatch(version)
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
