"""A job's life: *Loading data* → *In progress* → *Completed* / *Failed* / *Canceled*, shown live.

:func:`run_job` shows the state on one updated stderr line (a line per change when stderr is not a
terminal) and, with ``json_output``, prints one JSON object at the end (job, state, started, finished,
detail, error). It holds the repository's lock (:mod:`entragit.jobs.lock`) for the whole block.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from entragit.errors import Canceled, EntragitError
from entragit.jobs.lock import RepoLock, _iso, _utcnow
from entragit.jobs.signals import cancel_on_signals

if TYPE_CHECKING:
    from git import Repo


class JobState(StrEnum):
    LOADING = "Loading data"
    IN_PROGRESS = "In progress"
    COMPLETED = "Completed"
    FAILED = "Failed"
    CANCELED = "Canceled"

    @property
    def done(self) -> bool:
        return self in (JobState.COMPLETED, JobState.FAILED, JobState.CANCELED)


# -- the job -----------------------------------------------------------------------------------------------
_OPEN: list[_Display] = []  # the terminal line being updated, if any (end_live_line ends it)


def end_live_line() -> None:
    """End a job's live line on the terminal, if one is shown: call before printing a notice or a warning, so that
    it starts on a line of its own instead of being drawn over."""
    for display in list(_OPEN):
        display.break_line()


class _Display:
    """One line on a terminal, updated in place; one line per change elsewhere (CI logs)."""

    def __init__(self, stream: TextIO | None) -> None:
        self.stream = stream
        self.tty = bool(stream is not None and getattr(stream, "isatty", lambda: False)())
        self.last = ""
        self.open = False        # a terminal line is shown and not ended yet

    def show(self, line: str, final: bool = False) -> None:
        if self.stream is None or (line == self.last and not final):
            return
        self.last = line
        if self.tty:
            self.stream.write("\r\x1b[K" + line + ("\n" if final else ""))
            self.open = not final
            if not self.open and self in _OPEN:
                _OPEN.remove(self)
            if self.open and self not in _OPEN:
                _OPEN.append(self)
        else:
            self.stream.write(line + "\n")
        self.stream.flush()

    def break_line(self) -> None:
        """End the line being updated, so that other output starts on a line of its own."""
        if self in _OPEN:
            _OPEN.remove(self)
        if self.stream is not None and self.open:
            self.stream.write("\n")
            self.stream.flush()
            self.open = False
            self.last = ""


@dataclass
class Job:
    """A running job: its state, timestamps, a progress message, and the detail it ends with."""

    name: str
    state: JobState = JobState.LOADING
    started: datetime = field(default_factory=_utcnow)
    finished: datetime | None = None
    message: str = ""
    detail: Any = None
    error: str | None = None
    _display: _Display = field(default_factory=lambda: _Display(None), repr=False)

    def update(self, state: JobState | str | None = None, message: str | None = None) -> None:
        if state is not None:
            self.state = JobState(state)
        if message is not None:
            self.message = message
        self._show()

    def break_line(self) -> None:
        """End the live line on a terminal before printing something else (warnings, other progress)."""
        self._display.break_line()

    def _show(self) -> None:
        elapsed = int(((self.finished or _utcnow()) - self.started).total_seconds())
        line = f"{self.name}: {self.state.value}"
        if self.message:
            line += f": {self.message}"
        line += f" [{elapsed // 60:02d}:{elapsed % 60:02d}]"
        self._display.show(line, final=self.state.done)

    def to_dict(self) -> dict[str, Any]:
        return {"job": self.name, "state": self.state.value, "started": _iso(self.started),
                "finished": _iso(self.finished) if self.finished else None, "message": self.message or None,
                "detail": self.detail, "error": self.error}


@contextmanager
def run_job(repo: Path | str | Repo, name: str, *, json_output: bool = False, out: TextIO | None = None,
            err: TextIO | None = None, live: bool = True, lock: bool = True,
            max_lock_age: float | None = None) -> Iterator[Job]:
    """Run the block as job ``name`` holding the repository's lock.

    The job starts in *Loading data*; the block moves it on with ``job.update(...)`` and may set
    ``job.detail``. It ends *Completed*, *Failed* (the exception propagates) or *Canceled* (Ctrl-C or
    SIGTERM: :class:`~entragit.errors.Canceled` is raised). The lock is released in every case. With
    ``json_output`` the final ``job.to_dict()`` is printed as JSON on ``out`` (stdout).
    """
    err = sys.stderr if err is None else err
    out = sys.stdout if out is None else out
    job = Job(name=name, _display=_Display(err if live else None))
    repo_lock = RepoLock(repo, name, max_age=max_lock_age,
                         notice=lambda line: print(line, file=err, flush=True)) if lock else None
    if repo_lock is not None:
        repo_lock.acquire()       # LockedError before the job exists: nothing to report as a state
    try:
        with cancel_on_signals():
            job.update(JobState.LOADING)
            try:
                yield job
            except KeyboardInterrupt:
                job.finished, job.error = _utcnow(), "canceled by the user"
                job.update(JobState.CANCELED)
                raise Canceled(f"{name} canceled") from None
            except EntragitError as exc:
                job.finished, job.error = _utcnow(), str(exc)
                job.update(JobState.FAILED)
                raise
            except Exception as exc:
                job.finished, job.error = _utcnow(), f"{type(exc).__name__}: {exc}"
                job.update(JobState.FAILED)
                raise
            job.finished = _utcnow()
            job.update(JobState.COMPLETED)
    finally:
        if repo_lock is not None:
            repo_lock.release()
        if json_output and job.state.done:
            out.write(json.dumps(job.to_dict(), indent=2, sort_keys=True, default=str) + "\n")
            out.flush()

