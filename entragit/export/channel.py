"""The writer side of an export: normalized objects go from the event loop (the Graph side) to the writer thread
(``entragit.state.write_stream``) through one bounded queue shared by every type, in the order they are read:
the writer never waits for one type while another has objects ready (a type read slowly, such as users in
1,000 pages, no longer holds back the others), and a 100k-user export holds at most ``QUEUE_BATCHES`` pages
in memory."""

from __future__ import annotations

import asyncio
import queue
from collections.abc import Iterator, Mapping
from typing import Any

from entragit.export.result import TypeStats

QUEUE_BATCHES = 32  # pages of normalized objects buffered between Graph and the writer thread


class _Aborted(Exception):
    """Raised inside the writer thread when the Graph side failed: write_stream discards its staging."""


class _WriterGone(Exception):
    """Raised on the Graph side when the writer thread already failed."""


class _Channel:
    """``(type key, page of normalized objects)`` from the event loop to the writer thread (bounded)."""

    _END = object()

    def __init__(self, stats: Mapping[str, TypeStats], limit: int = QUEUE_BATCHES) -> None:
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=limit)
        self._stats = stats
        self.aborted: BaseException | None = None
        self.writer_failed = False

    async def put(self, key: str, batch: list[dict[str, Any]]) -> None:
        await self._put((key, batch))

    async def _put(self, item: Any) -> None:
        delay = 0.001
        while True:
            if self.writer_failed:
                raise _WriterGone()
            try:
                self._queue.put_nowait(item)
                return
            except queue.Full:
                await asyncio.sleep(delay)
                delay = min(0.02, delay * 2)

    async def close(self) -> None:
        await self._put(self._END)

    def abort(self, exc: BaseException) -> None:
        self.aborted = exc

    def __iter__(self) -> Iterator[tuple[str, dict[str, Any]]]:
        while True:
            if self.aborted is not None:
                raise _Aborted() from self.aborted
            try:
                item = self._queue.get(timeout=0.05)
            except queue.Empty:
                continue
            if item is self._END:
                return
            key, batch = item
            stats = self._stats[key]
            for obj in batch:
                yield key, obj
                stats.written += 1


def _first_exception(exc: BaseException) -> BaseException:
    """The error to report from a task group: the first that is not a cancellation."""
    if isinstance(exc, BaseExceptionGroup):
        inner = [_first_exception(e) for e in exc.exceptions]
        for e in inner:
            if not isinstance(e, (asyncio.CancelledError, _WriterGone)):
                return e
        return inner[0] if inner else exc
    return exc
