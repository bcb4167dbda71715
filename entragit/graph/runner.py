"""Running a coroutine from synchronous code: one event loop per main thread, kept open between calls."""

from __future__ import annotations

import asyncio
import atexit
import threading
from typing import Any

_thread_loop = threading.local()


def run(coro: Any) -> Any:
    """Run one coroutine to completion from synchronous code (CLI commands, sync wrappers).

    In the main thread every call shares one event loop, kept open between calls and closed at exit: a
    client, and the connections it pools, can then serve several calls (``asyncio.run`` closes its loop,
    and a pooled socket of a closed loop fails with "Event loop is closed"). Other threads get a fresh
    loop per call, as with ``asyncio.run``.
    """
    if threading.current_thread() is not threading.main_thread():
        return asyncio.run(coro)
    runner = getattr(_thread_loop, "runner", None)
    if runner is None:
        runner = _thread_loop.runner = asyncio.Runner()
        atexit.register(runner.close)
    return runner.run(coro)
