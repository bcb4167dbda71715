"""How many requests one client keeps in flight: a limit that follows Graph's quota headers.

A fixed concurrency is wrong both ways: against 200 ms of latency, 8 requests in flight deliver about 40
requests/s while the identity quota of a large tenant allows 800 RU/s (../shared/reference/performance.md B1,
B6); against a quota already drained, more requests in flight only earn 429s (throttled requests still count
against the quota: https://learn.microsoft.com/en-us/graph/throttling#best-practices-to-handle-throttling).

:class:`AdaptiveLimit` starts at ``initial`` and moves between 1 and ``ceiling`` (additive increase,
multiplicative decrease), reading every answer (:meth:`feedback`):

- **429** (a request or a ``$batch`` sub-request refused): the limit halves, at most once per second (the
  requests in flight when the bucket ran dry all come back 429 at once; that is one signal, not twenty);
- ``x-ms-throttle-limit-percentage`` (sent once a quota bucket is more than 80% used, 0.8 to 1.8:
  https://learn.microsoft.com/en-us/graph/throttling-limits): at 0.95 or more the limit drops by one, from 0.8
  it stays where it is: Graph is telling the caller it is close to the quota;
- any other answer while requests are waiting for a slot: the limit grows by one per ``limit`` answers (one
  step per round trip), so that a latency-bound run keeps adding requests in flight until the quota headers
  appear or the ceiling is reached.

With ``adaptive=False`` the limit stays at ``initial`` (a fixed concurrency, as configured).
"""

from __future__ import annotations

import asyncio
import collections
import time
from collections.abc import Mapping

HEADER = "x-ms-throttle-limit-percentage"


class AdaptiveLimit:
    def __init__(self, initial: int, ceiling: int, *, adaptive: bool = True) -> None:
        self.ceiling = max(1, ceiling)
        self.limit = float(max(1, min(initial, self.ceiling)))
        self.adaptive = adaptive
        self.in_use = 0
        self.peak = 0
        self.decreases = 0
        self._waiters: collections.deque[asyncio.Future[None]] = collections.deque()
        self._last_cut = 0.0

    @property
    def current(self) -> int:
        return max(1, int(self.limit))

    @property
    def waiting(self) -> int:
        return len(self._waiters)

    async def acquire(self) -> None:
        if self.in_use < self.current and not self._waiters:
            self.in_use += 1
            self.peak = max(self.peak, self.in_use)
            return
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(fut)
        try:
            await fut
        except BaseException:
            if fut.done() and not fut.cancelled():
                self._release_slot()        # woken and cancelled at once: hand the slot on
            else:
                try:
                    self._waiters.remove(fut)
                except ValueError:
                    pass
            raise
        self.peak = max(self.peak, self.in_use)

    def release(self) -> None:
        self._release_slot()

    def _release_slot(self) -> None:
        self.in_use -= 1
        self._wake()

    def _wake(self) -> None:
        while self._waiters and self.in_use < self.current:
            fut = self._waiters.popleft()
            if not fut.done():
                self.in_use += 1
                fut.set_result(None)

    async def __aenter__(self) -> AdaptiveLimit:
        await self.acquire()
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.release()

    # -- feedback ------------------------------------------------------------------------------------------
    def feedback(self, status: int, headers: Mapping[str, str] | None = None) -> None:
        """Adjust the limit from one answer (a request's or a ``$batch`` sub-request's)."""
        if not self.adaptive:
            return
        if status == 429:
            now = time.monotonic()
            if now - self._last_cut >= 1.0:
                self._last_cut = now
                self.limit = max(1.0, self.limit / 2)
                self.decreases += 1
            return
        used = _percentage(headers)
        if used is not None:
            if used >= 0.95:
                self.limit = max(1.0, self.limit - 1)
            return
        if self._waiters and self.limit < self.ceiling:
            self.limit = min(float(self.ceiling), self.limit + 1 / self.limit)
            self._wake()


def _percentage(headers: Mapping[str, str] | None) -> float | None:
    if not headers:
        return None
    value = headers.get(HEADER)
    if value is None:
        for key, val in headers.items():
            if key.lower() == HEADER:
                value = val
                break
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None
