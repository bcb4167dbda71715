"""The emulator's settable clock, the error for a bad knob, and Graph's 429/503 bodies stamped with the clock."""

from __future__ import annotations

import re
import time as _time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from entragit.emulator.errors import EmulatorInputError


class KnobError(EmulatorInputError):
    """An unknown or invalid knob for the clock, the quotas or the faults (control plane answers 400)."""


def snake(name: str) -> str:
    """Control-plane JSON may use camelCase (``caLimit``); knobs are snake_case (``ca_limit``)."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


class Clock:
    """The emulator's settable UTC clock.

    It follows real time plus an offset, or stands still (``frozen``) until moved. Token buckets, the 30-day
    purge of deleted items and the 7-day expiry of delta tokens all read it.
    """

    def __init__(self, start: datetime | None = None, *, frozen: bool = False) -> None:
        self._offset = 0.0
        self._frozen_at: float | None = _time.time() if frozen else None
        if start is not None:
            self.set(start)

    def time(self) -> float:
        """Seconds since the epoch, emulator time."""
        if self._frozen_at is not None:
            return self._frozen_at
        return _time.time() + self._offset

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.time(), UTC)

    @property
    def frozen(self) -> bool:
        return self._frozen_at is not None

    def freeze(self) -> None:
        if self._frozen_at is None:
            self._frozen_at = self.time()

    def unfreeze(self) -> None:
        """Follow real time again from the current emulator time."""
        if self._frozen_at is not None:
            self._offset = self._frozen_at - _time.time()
            self._frozen_at = None

    def advance(self, days: float = 0, seconds: float = 0) -> datetime:
        delta = timedelta(days=days, seconds=seconds).total_seconds()
        if self._frozen_at is not None:
            self._frozen_at += delta
        else:
            self._offset += delta
        return self.now()

    def set(self, dt: datetime | str) -> datetime:
        if isinstance(dt, str):
            dt = datetime.fromisoformat(dt.replace("Z", "+00:00"))
        if dt.tzinfo is None:
            dt = dt.replace(tzinfo=UTC)
        target = dt.timestamp()
        if self._frozen_at is not None:
            self._frozen_at = target
        else:
            self._offset = target - _time.time()
        return self.now()

    def reset(self) -> None:
        """Back to real time, not frozen."""
        self._offset, self._frozen_at = 0.0, None

    def configure(self, **knobs: Any) -> dict[str, Any]:
        """Control-plane knobs: ``now``/``set`` (ISO time), ``days``/``seconds`` (advance), ``frozen``,
        ``reset``. Applied in that order: reset, freeze, set, unfreeze, advance."""
        knobs = {snake(k): v for k, v in knobs.items()}
        unknown = set(knobs) - {"now", "set", "days", "seconds", "frozen", "reset", "advance"}
        if unknown:
            raise KnobError(f"unknown clock knob(s): {', '.join(sorted(unknown))}")
        try:
            if knobs.get("reset"):
                self.reset()
            target = knobs.get("set", knobs.get("now"))
            if knobs.get("frozen"):
                self.freeze()  # before setting: a frozen clock holds exactly the time it was set to
            if target is not None:
                self.set(target)
            if "frozen" in knobs and not knobs["frozen"]:
                self.unfreeze()
            advance = dict(knobs.get("advance") or {})
            days = float(knobs.get("days", 0)) + float(advance.pop("days", 0))
            seconds = float(knobs.get("seconds", 0)) + float(advance.pop("seconds", 0))
            if advance:
                raise KnobError(f"unknown clock advance key(s): {', '.join(sorted(advance))}")
        except (TypeError, ValueError) as exc:
            if isinstance(exc, KnobError):
                raise
            raise KnobError(f"invalid clock knob value: {exc}") from exc
        if days or seconds:
            self.advance(days=days, seconds=seconds)
        return self.snapshot()

    def snapshot(self) -> dict[str, Any]:
        return {"now": iso_millis(self.now()), "frozen": self.frozen,
                "offsetSeconds": round(self.time() - _time.time(), 3)}


def iso_millis(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _inner_error(clock: Clock | None, status: int, request_id: str | None) -> dict[str, str]:
    now = clock.now() if clock is not None else datetime.now(UTC)
    return {"code": str(status), "date": now.strftime("%Y-%m-%dT%H:%M:%S"),
            "request-id": request_id or str(uuid.uuid4()), "status": str(status)}


def too_many_requests_body(clock: Clock | None = None, request_id: str | None = None) -> dict[str, Any]:
    """Graph's 429 body (https://learn.microsoft.com/en-us/graph/throttling, "Sample response")."""
    inner = _inner_error(clock, 429, request_id)
    inner["message"] = "Please retry after"
    return {"error": {"code": "TooManyRequests", "message": "Please retry again later.", "innerError": inner}}


def service_unavailable_body(clock: Clock | None = None, request_id: str | None = None) -> dict[str, Any]:
    """503 in Graph's error envelope (code from https://learn.microsoft.com/en-us/graph/errors)."""
    return {"error": {"code": "serviceNotAvailable",
                      "message": "The service is temporarily unavailable. Please retry after the delay.",
                      "innerError": _inner_error(clock, 503, request_id)}}

