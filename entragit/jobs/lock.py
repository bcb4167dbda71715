"""The one-job-per-repository lock, local: the file ``<git common dir>/entragit.lock``.

:class:`RepoLock` holds JSON (job, pid, host, started, token). It is created atomically (the full content is
written to a private file first and hard-linked into place, which fails if the lock exists; O_CREAT|O_EXCL
where links are not supported), so a reader never sees a half-written lock. A second job is refused with
:class:`~entragit.errors.LockedError` naming the running job and since when. The lock survives a crashed
process; it is *stale*, and taken over with a notice, when its pid is not alive on this host or it is older
than ``max_age`` (default 24 h, ``ENTRAGIT_LOCK_MAX_AGE`` seconds).
"""

from __future__ import annotations

import json
import os
import socket
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from entragit.errors import LockedError, UsageError
from entragit.gitutil import open_repo

if TYPE_CHECKING:
    from git import Repo

LOCK_FILE = "entragit.lock"
DEFAULT_MAX_LOCK_AGE = 24 * 3600.0          # seconds; ENTRAGIT_LOCK_MAX_AGE


def _utcnow() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def _iso(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_iso(text: str) -> datetime | None:
    try:
        when = datetime.fromisoformat(text)
    except (TypeError, ValueError):
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _env_seconds(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise UsageError(f"environment variable {name}: expected a number of seconds, got {raw!r}") from None
    if value < 0:
        raise UsageError(f"environment variable {name}: expected a number of seconds >= 0, got {raw!r}")
    return value


# -- the lock's content ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class LockInfo:
    """Who holds a lock: the job's name, where it runs, since when."""

    job: str
    pid: int
    host: str
    started: str                       # ISO 8601 UTC
    token: str = ""                    # unique per acquisition
    run: str | None = None             # e.g. the GitHub Actions run URL, for remote locks
    attempt: int | None = None         # GitHub Actions: the run's attempt (GITHUB_RUN_ATTEMPT)

    @classmethod
    def new(cls, job: str) -> LockInfo:
        server, repo, run_id = (os.environ.get(k) for k in ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY",
                                                             "GITHUB_RUN_ID"))
        run = f"{server}/{repo}/actions/runs/{run_id}" if server and repo and run_id else None
        attempt = os.environ.get("GITHUB_RUN_ATTEMPT", "").strip()
        return cls(job=job, pid=os.getpid(), host=socket.gethostname(), started=_iso(_utcnow()),
                   token=uuid.uuid4().hex, run=run, attempt=int(attempt) if run and attempt.isdigit() else None)

    @classmethod
    def from_json(cls, text: str) -> LockInfo | None:
        try:
            data = json.loads(text)
            return cls(job=str(data["job"]), pid=int(data["pid"]), host=str(data["host"]),
                       started=str(data["started"]), token=str(data.get("token", "")), run=data.get("run"),
                       attempt=int(data["attempt"]) if str(data.get("attempt", "")).isdigit() else None)
        except (ValueError, KeyError, TypeError):
            return None

    def to_json(self) -> str:
        return json.dumps({k: v for k, v in asdict(self).items() if v is not None}, sort_keys=True)

    def age(self, now: float | None = None) -> float:
        started = _parse_iso(self.started)
        if started is None:
            return float("inf")
        return (time.time() if now is None else now) - started.timestamp()

    def gone(self) -> str | None:
        """Why the process holding this lock is certainly over (None: it may be running): it is not alive on this
        host, or it ran in an earlier attempt of this GitHub Actions run (GitHub starts a re-run only once every
        job of the earlier attempt ended, e.g. one killed hard in the middle of a backup)."""
        if self.host == socket.gethostname() and not _pid_alive(self.pid):
            return f"process {self.pid} is not running on this host"
        mine = LockInfo.new(self.job)
        if self.run and self.run == mine.run and self.attempt and mine.attempt and self.attempt < mine.attempt:
            return f"it ran in attempt {self.attempt} of this run, now attempt {mine.attempt}"
        return None

    def describe(self) -> str:
        where = self.run or f"pid {self.pid} on {self.host}"
        return f"job {self.job!r} ({where}, since {self.started})"


def _pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:   # exists, owned by someone else
        return True
    except OSError:
        return False
    return True


def _git_common_dir(repo: Path | str | Repo) -> Path:
    from git import Repo as _Repo

    if isinstance(repo, _Repo):
        return Path(repo.common_dir)
    return Path(open_repo(repo).common_dir)


# -- the local lock ----------------------------------------------------------------------------------------
class RepoLock:
    """The one-job-per-repository lock: ``<git common dir>/entragit.lock``.

    ``notice`` receives a line when a stale lock is taken over.
    """

    def __init__(self, repo: Path | str | Repo, job: str, *, max_age: float | None = None,
                 notice: Callable[[str], None] | None = None) -> None:
        self.path = _git_common_dir(repo) / LOCK_FILE
        self.job = job
        self.max_age = _env_seconds("ENTRAGIT_LOCK_MAX_AGE", DEFAULT_MAX_LOCK_AGE) if max_age is None else max_age
        self.notice = notice or (lambda line: print(line, file=sys.stderr))
        self.info: LockInfo | None = None

    def holder(self) -> LockInfo | None:
        """The current holder, None when unlocked (an unreadable lock is reported as an unknown job)."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        info = LockInfo.from_json(text)
        if info is None:             # judged by its age only
            try:
                mtime = self.path.stat().st_mtime
            except FileNotFoundError:
                return None
            info = LockInfo(job="(unreadable lock)", pid=-1, host="?", started=_iso(
                datetime.fromtimestamp(mtime, UTC)))
        return info

    def stale_reason(self, info: LockInfo) -> str | None:
        """Why ``info`` is stale, None when it is live."""
        if info.host == socket.gethostname() and not _pid_alive(info.pid):
            return f"pid {info.pid} is not running on {info.host}"
        if info.age() > self.max_age:
            return f"older than {self.max_age:g} s"
        return None

    def _create(self, info: LockInfo) -> bool:
        """Create the lock file with ``info`` in one step; False when it exists."""
        tmp = self.path.with_name(f"{LOCK_FILE}.{info.token}.tmp")
        tmp.write_text(info.to_json() + "\n", encoding="utf-8")
        try:
            os.link(tmp, self.path)
            return True
        except FileExistsError:
            return False
        except OSError:     # no hard links here: fall back to O_CREAT|O_EXCL
            try:
                fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            except FileExistsError:
                return False
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(info.to_json() + "\n")
            return True
        finally:
            tmp.unlink(missing_ok=True)

    def _remove_if(self, expected: LockInfo) -> bool:
        """Remove the lock only if it still holds ``expected`` (rename aside, check, restore if not)."""
        aside = self.path.with_name(f"{LOCK_FILE}.{uuid.uuid4().hex}.stale")
        try:
            os.rename(self.path, aside)
        except FileNotFoundError:
            return True
        moved = LockInfo.from_json(aside.read_text(encoding="utf-8"))
        if moved is not None and expected.token and moved.token != expected.token:
            try:  # we moved a fresh lock someone else just took: put it back
                os.link(aside, self.path)
            except FileExistsError:
                pass
            aside.unlink(missing_ok=True)
            return False
        aside.unlink(missing_ok=True)
        return True

    def acquire(self) -> LockInfo:
        info = LockInfo.new(self.job)
        for _ in range(5):
            if self._create(info):
                self.info = info
                return info
            holder = self.holder()
            if holder is None:
                continue
            reason = self.stale_reason(holder)
            if reason is None:
                raise LockedError(f"another job holds the lock {self.path}: {holder.describe()}")
            if self._remove_if(holder):
                self.notice(f"entragit: notice: took over a stale lock of {holder.describe()}: {reason}")
        raise LockedError(f"could not take the lock {self.path}: it keeps changing hands")

    def release(self) -> None:
        if self.info is None:
            return
        current = self.holder()
        if current is not None and current.token == self.info.token:
            self.path.unlink(missing_ok=True)
        self.info = None

    def __enter__(self) -> LockInfo:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


def read_lock(repo: Path | str | Repo) -> LockInfo | None:
    """The holder of the repository's job lock, or None."""
    return RepoLock(repo, "?").holder()
