"""The one retry policy of the client (the SDK's RetryHandler is switched off client-wide).

What is retried (learn.microsoft.com/graph/throttling, graph-entra.md §12):
- 429 for every method: a throttled request was refused, not executed, so even a POST is safe to resend;
- 503 / 504 for idempotent requests only (GET, PUT, PATCH, DELETE, or a POST the caller marks idempotent):
  a POST answered 503 may have been executed;
- transport errors (no HTTP answer): idempotent requests always; a POST only when the connection was never
  made (connect error / timeout, pool timeout), since then nothing reached the server.
Eventual consistency (a new or restored object that Graph's replicas do not show yet) is not retried here: the
caller knows which answers mean "not yet" for what it just wrote, and waits :meth:`RetryPolicy.settle` between
its tries (bounded in attempts and in time: ``settle_attempts`` tries, at most ``settle_budget`` seconds).

Waits: ``Retry-After`` exactly (seconds, fractional allowed, or an HTTP date); where Graph sends none
(conditional access and named locations never do) exponential backoff with jitter. Attempts are bounded and a
``Retry-After`` longer than ``max_retry_after`` is not waited for: the error is raised instead.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "PATCH", "DELETE"})
RETRY_STATUSES = frozenset({429, 503, 504})
# Transport failures after which nothing can have reached the server.
NOT_SENT_ERRORS: tuple[type[Exception], ...] = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


@dataclass
class RetryPolicy:
    max_attempts: int = 6            # first try included
    backoff_base: float = 1.0        # seconds before the first retry when Graph gives no Retry-After
    backoff_max: float = 60.0
    max_retry_after: float = 300.0   # a longer Retry-After is not waited for
    # eventual consistency ("Designing for eventual consistency for Microsoft Entra": a new object may answer
    # 404 for a while): tries of one write in all, the first wait and the cap of one wait, the total wait
    settle_attempts: int = 8
    settle_base: float = 1.0
    settle_max: float = 16.0
    settle_budget: float = 60.0

    def backoff(self, attempt: int) -> float:
        """Wait before retry number ``attempt`` (1-based): base·2^(n-1), capped, with "equal jitter"."""
        full = min(self.backoff_max, self.backoff_base * 2 ** (attempt - 1))
        return full / 2 + random.random() * full / 2

    def settle(self, attempt: int) -> float:
        """Wait before try ``attempt + 1`` of a write answered "not replicated yet" (1-based): base·2^(n-1),
        capped; 0 once ``settle_attempts`` tries are spent (the caller gives up)."""
        if attempt >= self.settle_attempts:
            return 0.0
        return min(self.settle_max, self.settle_base * 2 ** (attempt - 1))

    def delay(self, attempt: int, headers: Mapping[str, str] | None) -> float:
        after = retry_after(headers) if headers is not None else None
        return self.backoff(attempt) if after is None else after

    def may_retry_status(self, status: int, method: str, idempotent: bool) -> bool:
        if status not in RETRY_STATUSES:
            return False
        return status == 429 or idempotent or method.upper() in IDEMPOTENT_METHODS

    @staticmethod
    def may_retry_transport(exc: BaseException, method: str, idempotent: bool) -> bool:
        if isinstance(exc, NOT_SENT_ERRORS):
            return True
        return isinstance(exc, httpx.TransportError) and (idempotent or method.upper() in IDEMPOTENT_METHODS)


def retry_after(headers: Mapping[str, str]) -> float | None:
    """Seconds from a ``Retry-After`` header (``2.128`` or an HTTP date); None when absent or unreadable."""
    value = None
    for key in ("Retry-After", "retry-after"):
        value = headers.get(key)
        if value is not None:
            break
    if value is None:
        lowered = {k.lower(): v for k, v in headers.items()}
        value = lowered.get("retry-after")
    if value is None or not str(value).strip():
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(str(value))
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())
