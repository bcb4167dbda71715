"""Per method and path-pattern request counters and a bounded request log (the control plane reads them)."""

from __future__ import annotations

from collections import deque
from datetime import UTC, datetime
from typing import Any

from entragit.emulator.limits.clock import Clock, iso_millis
from entragit.emulator.limits.costs import path_pattern


class Counters:
    """Per method + path pattern counts and a bounded log of the last ``log_size`` requests."""

    def __init__(self, clock: Clock | None = None, log_size: int = 1000) -> None:
        self.clock = clock or Clock()
        self.log: deque[dict[str, Any]] = deque(maxlen=log_size)
        self.routes: dict[str, dict[str, int]] = {}
        self.totals = self._zero()

    @staticmethod
    def _zero() -> dict[str, int]:
        return {"requests": 0, "resourceUnits": 0, "writes": 0, "throttled": 0, "errors": 0}

    def reset(self) -> None:
        self.log.clear()
        self.routes.clear()
        self.totals = self._zero()

    def record(self, method: str, path: str, status: int, *, ru: int = 0, write: bool = False,
               query: str | None = None, request_id: str | None = None, pattern: str | None = None) -> None:
        """Count one answered request. ``status`` 0 means the connection was dropped without an answer."""
        method = method.upper()
        pattern = pattern if pattern is not None else path_pattern(path)
        key = f"{method} {pattern}"
        route = self.routes.get(key)
        if route is None:
            route = self.routes[key] = self._zero()
        throttled = status == 429
        error = status >= 400 or status == 0
        for counts in (route, self.totals):
            counts["requests"] += 1
            counts["resourceUnits"] += ru
            counts["writes"] += write
            counts["throttled"] += throttled
            counts["errors"] += error
        self.log.append({"time": self.clock.time(), "method": method, "path": path, "query": query or "",
                         "pattern": pattern, "status": status, "ru": ru, "write": write,
                         "requestId": request_id})

    def requests(self, limit: int | None = None) -> list[dict[str, Any]]:
        """The logged requests, oldest first (the last ``limit`` ones if given)."""
        items = list(self.log)[-limit:] if limit else list(self.log)
        return [{**item, "time": iso_millis(datetime.fromtimestamp(item["time"], UTC))} for item in items]

    def snapshot(self) -> dict[str, Any]:
        return {"totals": dict(self.totals),
                "routes": {key: dict(counts) for key, counts in sorted(self.routes.items())}}
