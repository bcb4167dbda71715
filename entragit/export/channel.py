"""The writer side of an export: normalized objects of one type go from the event loop (the Graph side) to
the writer thread (``entragit.state.write_tree``) through one bounded queue, so a 100k-user export never
holds more than a few pages per type in memory."""

from __future__ import annotations

import asyncio
import queue
from collections.abc import Iterator
from typing import Any

from entragit.export.result import TypeStats

QUEUE_BATCHES = 8  # pages of normalized objects buffered per type between Graph and the writer thread


class _Aborted(Exception):
    """Raised inside the writer thread when the Graph side failed: write_tree discards its staging."""


class _WriterGone(Exception):
    """Raised on the Graph side when the writer thread already failed."""


class _Channel:
    """Normalized objects of one type, from the event loop to the writer thread (bounded, in pages)."""

    _END = object()

    def __init__(self, stats: TypeStats, limit: int = QUEUE_BATCHES) -> None:
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=limit)
        self._stats = stats
        self.aborted: BaseException | None = None
        self.writer_failed = False

    async def put(self, batch: list[dict[str, Any]]) -> None:
        while True:
            if self.writer_failed:
                raise _WriterGone()
            try:
                self._queue.put_nowait(batch)
                return
            except queue.Full:
                await asyncio.sleep(0.002)

    async def close(self) -> None:
        await self.put(self._END)  # type: ignore[arg-type]

    def abort(self, exc: BaseException) -> None:
        self.aborted = exc

    def __iter__(self) -> Iterator[dict[str, Any]]:
        while True:
            if self.aborted is not None:
                raise _Aborted() from self.aborted
            try:
                batch = self._queue.get(timeout=0.05)
            except queue.Empty:
                continue
            if batch is self._END:
                return
            for obj in batch:
                yield obj
                self._stats.written += 1


def _first_exception(exc: BaseException) -> BaseException:
    """The error to report from a task group: the first that is not a cancellation."""
    if isinstance(exc, BaseExceptionGroup):
        inner = [_first_exception(e) for e in exc.exceptions]
        for e in inner:
            if not isinstance(e, (asyncio.CancelledError, _WriterGone)):
                return e
        return inner[0] if inner else exc
    return exc
