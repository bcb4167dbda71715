"""Signals during a job: Ctrl-C / SIGTERM cancel it, except inside a step that must not stop half-way."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager


def _raise_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt(signal.Signals(signum).name)


@contextmanager
def cancel_on_signals() -> Iterator[None]:
    """SIGINT and SIGTERM raise KeyboardInterrupt while inside (main thread only; elsewhere a no-op).

    SIGINT keeps Python's own handler, which ``asyncio.run`` recognises and turns into cancelling its
    main task (so an export in an event loop unwinds through its cleanup); SIGTERM gets the same effect.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {signal.SIGINT: signal.signal(signal.SIGINT, signal.default_int_handler),
                signal.SIGTERM: signal.signal(signal.SIGTERM, _raise_interrupt)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@contextmanager
def shield() -> Iterator[None]:
    """Defer SIGINT/SIGTERM until the block is done (for steps that must not stop half-way: commit+tag).

    A signal received inside raises KeyboardInterrupt when the block ends (only if it ended normally).
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []
    previous = {sig: signal.signal(sig, lambda signum, frame: received.append(signum))
                for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if received:
        raise KeyboardInterrupt(signal.Signals(received[0]).name)
