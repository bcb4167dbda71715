"""The per-type progress display of an export, updated in place on a terminal (stderr)."""

from __future__ import annotations

import asyncio
import os
import sys
import time
from collections.abc import Mapping
from typing import Any, TextIO

from entragit.export.result import TypeStats


class Progress:
    """A per-type progress display, updated in place on a terminal (stderr); silent otherwise.

    ``Progress.for_terminal()`` is enabled only when the stream is a TTY and ``CI`` is not set.
    """

    def __init__(self, stream: TextIO | None = None, *, enabled: bool = True, interval: float = 0.1) -> None:
        self.stream = stream or sys.stderr
        self.enabled = enabled
        self.interval = interval
        self._lines = 0
        self._last = 0.0
        self._stats: dict[str, TypeStats] = {}
        self._client: Any = None
        self._start = time.monotonic()

    @classmethod
    def for_terminal(cls, stream: TextIO | None = None, env: Mapping[str, str] | None = None) -> Progress:
        stream = stream or sys.stderr
        env = os.environ if env is None else env
        tty = bool(getattr(stream, "isatty", lambda: False)())
        return cls(stream, enabled=tty and not env.get("CI"))

    def start(self, stats: dict[str, TypeStats], client: Any) -> None:
        self._stats, self._client, self._start = stats, client, time.monotonic()
        self.update(force=True)

    def update(self, force: bool = False) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if not force and now - self._last < self.interval:
            return
        self._last = now
        width = max([len(k) for k in self._stats] or [4])
        lines = []
        for key, st in self._stats.items():
            mark = {"waiting": " ", "reading": ">", "done": "+"}.get(st.state, " ")
            lines.append(f"{mark} {key:<{width}}  {st.objects:>9,} read  {st.written:>9,} written")
        stats = getattr(self._client, "stats", None)
        if stats is not None:
            lines.append(f"  {stats.requests:,} requests, {stats.resource_units:,.0f} RU, "
                         f"{now - self._start:.1f} s")
        text = ("\x1b[F" * self._lines) + "".join(f"\x1b[2K{line}\n" for line in lines)
        self._lines = len(lines)
        self.stream.write(text)
        self.stream.flush()

    async def run(self) -> None:
        """Redraw every ``interval`` seconds until cancelled."""
        while True:
            await asyncio.sleep(self.interval)
            self.update(force=True)

    def finish(self) -> None:
        self.update(force=True)
