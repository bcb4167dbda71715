"""What the Graph client counts and hands back, and how it encodes a query string (no I/O here)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any
from urllib.parse import quote

import httpx

DEFAULT_VERSION = "v1.0"

# Preferences sent on EVERY Graph request (reads, writes, each request inside a $batch): the one place for them.
# include-unknown-enum-members: without it Graph reads every member of an evolvable enum that comes after
# unknownFutureValue in the metadata (CA riskRemediation, platform linux, qrCodePin strength combinations...) as
# unknownFutureValue, and refuses such members on write; a backup would hold unknownFutureValue and a restore
# would write it back.
# https://learn.microsoft.com/en-us/graph/best-practices-concept#handling-future-members-in-evolvable-enumerations
PREFER = "Prefer"
GRAPH_PREFERENCES = ("include-unknown-enum-members",)
_SAFE_QUERY = "$,'()*:@/!"


def with_graph_headers(headers: Mapping[str, str] | None) -> dict[str, str]:
    """``headers`` (a copy) with :data:`GRAPH_PREFERENCES` merged into the caller's ``Prefer`` (RFC 7240: one
    comma-separated list; a caller's own preferences, e.g. ``create-if-missing``, are kept first)."""
    out = dict(headers or {})
    key = next((k for k in out if k.lower() == PREFER.lower()), PREFER)
    given = [p.strip() for p in str(out.get(key) or "").split(",") if p.strip()]
    names = {p.split("=", 1)[0].strip().lower() for p in given}
    out[key] = ", ".join(given + [p for p in GRAPH_PREFERENCES if p.lower() not in names])
    return out


@dataclass
class GraphStats:
    """Counters of one client (for export summaries and benches). ``requests`` counts HTTP requests sent,
    retries included; ``resource_units`` sums the ``x-ms-resource-unit`` answer headers."""

    requests: int = 0
    by_method: Counter[str] = field(default_factory=Counter)
    by_status: Counter[int] = field(default_factory=Counter)
    resource_units: float = 0.0
    retries: int = 0
    throttled: int = 0            # 429 answers (batch sub-responses included)
    transport_errors: int = 0
    bytes_sent: int = 0
    bytes_received: int = 0
    waited: float = 0.0           # seconds slept before retries
    gated: float = 0.0            # seconds requests waited for another request's Retry-After (additive)
    batched: int = 0              # sub-requests sent inside $batch
    batches: int = 0              # $batch envelopes sent (each also counted in ``requests``)
    in_flight: int = 0
    max_in_flight: int = 0
    busy: float = 0.0             # seconds of HTTP requests in flight, summed (÷ wall = average in flight)
    graph_busy: float = 0.0       # the same, a $batch weighing as many requests as it carries

    @property
    def graph_requests(self) -> int:
        """Graph requests in the sense of Graph's limits: every HTTP request, except that a ``$batch``
        counts as the requests it carries (https://learn.microsoft.com/en-us/graph/json-batching)."""
        return self.requests - self.batches + self.batched

    def as_dict(self) -> dict[str, Any]:
        out = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "in_flight"}
        out["by_method"], out["by_status"] = dict(self.by_method), {str(k): v for k, v in self.by_status.items()}
        return out

    def snapshot(self) -> GraphStats:
        copy = GraphStats(**{f.name: getattr(self, f.name) for f in fields(self)})
        copy.by_method, copy.by_status = Counter(self.by_method), Counter(self.by_status)
        return copy

    def _count_answer(self, response: httpx.Response) -> None:
        self.by_status[response.status_code] += 1
        self.bytes_received += len(response.content)
        self.resource_units += _resource_units(response.headers)
        if response.status_code == 429:
            self.throttled += 1


def _resource_units(headers: Mapping[str, str]) -> float:
    value = headers.get("x-ms-resource-unit")
    try:
        return float(value) if value else 0.0
    except ValueError:
        return 0.0


@dataclass
class GraphResponse:
    status: int
    headers: httpx.Headers
    content: bytes
    method: str
    url: str

    def json(self) -> Any:
        return json.loads(self.content) if self.content else None


@dataclass
class DeltaResult:
    items: list[dict[str, Any]]
    delta_link: str | None
    pages: int = 0


def encode_params(params: Mapping[str, Any] | None) -> str:
    """OData query string: ``$`` names kept literal, lists joined with commas, booleans lower-case."""
    parts = []
    for key, value in (params or {}).items():
        if value is None:
            continue
        if isinstance(value, bool):
            value = "true" if value else "false"
        elif isinstance(value, (list, tuple)):
            value = ",".join(str(v) for v in value)
        parts.append(f"{quote(str(key), safe='$')}={quote(str(value), safe=_SAFE_QUERY)}")
    return "&".join(parts)

