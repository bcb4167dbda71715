"""Injected faults: latency, 429/503 answers and dropped connections, reproducible from a random seed."""

from __future__ import annotations

import asyncio
import json
import random
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from entragit.emulator.limits.clock import (
    Clock,
    KnobError,
    service_unavailable_body,
    snake,
    too_many_requests_body,
)


@dataclass
class FaultDecision:
    latency: float = 0.0  # seconds to sleep before answering
    kind: Literal["none", "status", "drop"] = "none"
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: dict[str, Any] | None = None


_NO_FAULT = FaultDecision()
_FAULT_KNOBS = frozenset({"random_seed", "latency_ms", "latency_jitter_ms", "fault_rate", "fault_status",
                          "throttle_every", "error_every", "drop_rate", "drop_every", "retry_after", "paths",
                          "methods", "reset", "hold_write", "hold_when", "release"})
HOLD_WHEN = ("before", "after")
# POST actions that only read (getByIds, getAvailableExtensionProperties, getMemberGroups, checkMemberGroups,
# validateProperties, ...): not writes for ``hold_write``
_READ_ACTIONS = ("get", "check", "validate")


def is_write(method: str, path: str, body: bytes | None = None) -> bool:
    """A Graph request that writes: POST, PATCH, PUT or DELETE, but not a POST action that only reads. A
    ``$batch`` envelope writes only when a request it carries does (``body``: the envelope's JSON; without it,
    as in the request log, which lists each carried request on its own, the envelope is not a write)."""
    method = method.upper()
    if method not in ("POST", "PATCH", "PUT", "DELETE") or path.startswith(("_emulator", "/_emulator")):
        return False
    last = path.rstrip("/").rsplit("/", 1)[-1].lower()
    if method == "POST" and last == "$batch":
        return _batch_writes(body)
    return not (method == "POST" and last.startswith(_READ_ACTIONS) and "(" not in last)


def _batch_writes(body: bytes | None) -> bool:
    """Whether a ``$batch`` envelope carries a write (https://learn.microsoft.com/en-us/graph/json-batching)."""
    try:
        requests = json.loads(body or b"null").get("requests")
    except (ValueError, AttributeError):
        return False
    return isinstance(requests, list) and any(
        isinstance(r, dict) and is_write(str(r.get("method", "GET")), str(r.get("url", "")).split("?", 1)[0])
        for r in requests)


class Faults:
    """Injected latency, 429/503 answers and dropped connections, reproducible from ``random_seed``.

    - ``latency_ms`` (+ uniform ``latency_jitter_ms``) before every matching request;
    - ``throttle_every=N``: every Nth matching request answers 429 (+ Retry-After);
    - ``error_every=N``: every Nth matching request answers 503 (+ Retry-After);
    - ``fault_rate=P``: with probability P a matching request answers ``fault_status`` (503 or 429);
    - ``drop_every=N`` / ``drop_rate=P``: the connection is closed without an answer;
    - ``retry_after`` seconds on injected 429/503 (0: no header);
    - ``paths`` (regex searched in the version-less path) and ``methods`` restrict which requests match;
    - ``hold_write=N``: the N-th Graph write (POST/PATCH/PUT/DELETE, not a reading action such as getByIds nor
      a ``$batch`` of reads; counted from the knob's setting, unaffected by ``paths``/``methods``) is held, ``hold_when`` "before"
      Graph executes it or "after" (executed, its answer not sent), until ``release``; then its connection is
      closed without an answer. ``held`` (in the snapshot) says a request is held: a test kills the client
      there, at an exact write boundary (served emulator: the in-process transport would wait forever).

    Precedence: drop, throttle_every, error_every, fault_rate. The random generator draws the same numbers for
    every matching request whatever the outcome, so a seed gives one sequence of decisions.
    """

    def __init__(self, random_seed: int = 0, latency_ms: float = 0, fault_rate: float = 0.0,
                 throttle_every: int = 0, drop_rate: float = 0.0, *, latency_jitter_ms: float = 0,
                 fault_status: int = 503, error_every: int = 0, drop_every: int = 0, retry_after: int = 1,
                 paths: str | None = None, methods: Iterable[str] | None = None,
                 clock: Clock | None = None) -> None:
        self.clock = clock
        self.random_seed = int(random_seed)
        self.latency_ms = self.latency_jitter_ms = self.fault_rate = self.drop_rate = 0.0
        self.throttle_every = self.error_every = self.drop_every = 0
        self.fault_status, self.retry_after = 503, 1
        self.paths: re.Pattern[str] | None = None
        self.methods: frozenset[str] | None = None
        self.hold_write, self.hold_when = 0, "before"
        self.writes_seen = 0
        self.held = False
        self._release: asyncio.Event | None = None
        self.reset()
        self.configure(latency_ms=latency_ms, latency_jitter_ms=latency_jitter_ms, fault_rate=fault_rate,
                       fault_status=fault_status, throttle_every=throttle_every, error_every=error_every,
                       drop_rate=drop_rate, drop_every=drop_every, retry_after=retry_after, paths=paths,
                       methods=methods)

    def reset(self) -> None:
        """Restart the random sequence and the Nth-request counters."""
        self._rng = random.Random(self.random_seed)
        self.seen = 0
        self.writes_seen = 0
        self.injected = {"latency": 0, "throttled": 0, "errors": 0, "dropped": 0}

    @property
    def active(self) -> bool:
        return bool(self.latency_ms or self.latency_jitter_ms or self.fault_rate or self.throttle_every
                    or self.error_every or self.drop_rate or self.drop_every)

    def configure(self, **knobs: Any) -> dict[str, Any]:
        """Change knobs (snake_case or camelCase). Changing ``random_seed`` (or ``reset``) restarts the sequence."""
        knobs = {snake(k): v for k, v in knobs.items()}
        unknown = set(knobs) - _FAULT_KNOBS
        if unknown:
            raise KnobError(f"unknown fault knob(s): {', '.join(sorted(unknown))}")
        try:
            for name in ("latency_ms", "latency_jitter_ms"):
                if name in knobs:
                    setattr(self, name, _non_negative(name, float(knobs[name] or 0)))
            for name in ("fault_rate", "drop_rate"):
                if name in knobs:
                    value = float(knobs[name] or 0)
                    if not 0 <= value <= 1:
                        raise KnobError(f"fault knob {name} must be between 0 and 1, got {knobs[name]!r}")
                    setattr(self, name, value)
            for name in ("throttle_every", "error_every", "drop_every", "retry_after"):
                if name in knobs:
                    setattr(self, name, int(_non_negative(name, int(knobs[name] or 0))))
            if "fault_status" in knobs:
                status = int(knobs["fault_status"])
                if status not in (429, 500, 502, 503, 504):
                    raise KnobError(f"fault_status must be 429, 500, 502, 503 or 504, got {status}")
                self.fault_status = status
            if "paths" in knobs:
                try:
                    self.paths = re.compile(knobs["paths"], re.IGNORECASE) if knobs["paths"] else None
                except re.error as exc:
                    raise KnobError(f"fault knob paths is not a regular expression: {exc}") from exc
            if "methods" in knobs:
                methods = knobs["methods"]
                if isinstance(methods, str):
                    methods = methods.replace(",", " ").split()
                self.methods = frozenset(m.upper() for m in methods) if methods else None
        except (TypeError, ValueError) as exc:
            if isinstance(exc, KnobError):
                raise
            raise KnobError(f"invalid fault knob value: {exc}") from exc
        if "hold_when" in knobs:
            if knobs["hold_when"] not in HOLD_WHEN:
                raise KnobError(f"fault knob hold_when must be one of {', '.join(HOLD_WHEN)}, got "
                                f"{knobs['hold_when']!r}")
            self.hold_when = str(knobs["hold_when"])
        if "hold_write" in knobs:
            try:
                self.hold_write = int(_non_negative("hold_write", int(knobs["hold_write"] or 0)))
            except (TypeError, ValueError) as exc:
                raise KnobError(f"invalid fault knob value: {exc}") from exc
            self.writes_seen = 0
        if knobs.get("release") and self._release is not None:
            self._release.set()
        if "random_seed" in knobs:
            self.random_seed = int(knobs["random_seed"])
        if "random_seed" in knobs or knobs.get("reset"):
            self.reset()
        return self.snapshot()

    def hold_for(self, method: str, path: str, body: bytes | None = None) -> str | None:
        """``hold_when`` when this request is the write ``hold_write`` names, else None (counts writes; a
        ``$batch`` envelope counts once when it carries a write, never when it carries reads only)."""
        if not self.hold_write or not is_write(method, path, body):
            return None
        self.writes_seen += 1
        return self.hold_when if self.writes_seen == self.hold_write else None

    async def wait_release(self) -> None:
        """Hold the current request until ``release`` (``held`` is True meanwhile)."""
        self._release = asyncio.Event()
        self.held = True
        try:
            await self._release.wait()
        finally:
            self.held = False
            self._release = None

    def decide(self, method: str, path: str, request_id: str | None = None) -> FaultDecision:
        if not self.active:
            return _NO_FAULT
        if self.methods is not None and method.upper() not in self.methods:
            return _NO_FAULT
        if path.startswith(("_emulator", "/_emulator")) or (self.paths is not None and not self.paths.search(path)):
            return _NO_FAULT
        self.seen += 1
        n, rng = self.seen, self._rng
        jitter, fault_roll, drop_roll = rng.random(), rng.random(), rng.random()
        latency = (self.latency_ms + jitter * self.latency_jitter_ms) / 1000.0
        if latency:
            self.injected["latency"] += 1
        if (self.drop_every and n % self.drop_every == 0) or drop_roll < self.drop_rate:
            self.injected["dropped"] += 1
            return FaultDecision(latency=latency, kind="drop")
        status = None
        if self.throttle_every and n % self.throttle_every == 0:
            status = 429
        elif self.error_every and n % self.error_every == 0:
            status = 503
        elif fault_roll < self.fault_rate:
            status = self.fault_status
        if status is None:
            return FaultDecision(latency=latency)
        self.injected["throttled" if status == 429 else "errors"] += 1
        headers = {"Retry-After": str(self.retry_after)} if self.retry_after else {}
        body = (too_many_requests_body(self.clock, request_id) if status == 429
                else service_unavailable_body(self.clock, request_id))
        return FaultDecision(latency=latency, kind="status", status=status, headers=headers, body=body)

    def snapshot(self) -> dict[str, Any]:
        return {"randomSeed": self.random_seed, "latencyMs": self.latency_ms,
                "latencyJitterMs": self.latency_jitter_ms, "faultRate": self.fault_rate,
                "faultStatus": self.fault_status, "throttleEvery": self.throttle_every,
                "errorEvery": self.error_every, "dropRate": self.drop_rate, "dropEvery": self.drop_every,
                "retryAfter": self.retry_after, "paths": self.paths.pattern if self.paths else None,
                "methods": sorted(self.methods) if self.methods else None,
                "holdWrite": self.hold_write, "holdWhen": self.hold_when, "writesSeen": self.writes_seen,
                "held": self.held, "seen": self.seen, "injected": dict(self.injected)}


def _non_negative(name: str, value: float) -> float:
    if value < 0:
        raise KnobError(f"fault knob {name} must be >= 0, got {value!r}")
    return value

