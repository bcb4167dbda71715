"""Jobs, like Microsoft's: one at a time per tenant repository, shown live, cancelable.

A job moves through *Loading data* → *In progress* → *Completed* (or *Failed*, or *Canceled* on Ctrl-C /
SIGTERM). :func:`run_job` shows the state on one updated stderr line (a line per change when stderr is not a
terminal) and, with ``json_output``, prints one JSON object at the end (job, state, started, finished,
detail, error).

Only one job runs per repository: :class:`RepoLock` is the file ``<git common dir>/entragit.lock`` holding
JSON (job, pid, host, started, token). It is created atomically (the full content is written to a private
file first and hard-linked into place, which fails if the lock exists; O_CREAT|O_EXCL where links are not
supported), so a reader never sees a half-written lock. A second job is refused with
:class:`~entragit.errors.LockedError` naming the running job and since when. The lock survives a crashed
process; it is *stale*, and taken over with a notice, when its pid is not alive on this host or it is older
than ``max_age`` (default 24 h, ``ENTRAGIT_LOCK_MAX_AGE`` seconds).

For GitHub Actions, where every run is a fresh machine, :func:`remote_lock` holds the lock in the remote
instead: the ref ``refs/entragit/lock`` pointing at a small parentless commit whose message is the lock's
JSON. It is created with ``git push --force-with-lease=refs/entragit/lock: origin <sha>:refs/entragit/lock``
(create only if absent: the server compares the old value atomically), taken over when stale with
``--force-with-lease=refs/entragit/lock:<stale sha>``, and released by deleting it under a lease on our own
sha, so a lock that was taken over is never deleted by its former holder.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from entragit.errors import Canceled, EntragitError, LockedError, UsageError

if TYPE_CHECKING:
    from git import Repo

LOCK_FILE = "entragit.lock"
DEFAULT_MAX_LOCK_AGE = 24 * 3600.0          # seconds; ENTRAGIT_LOCK_MAX_AGE
REMOTE_LOCK_REF = "refs/entragit/lock"
DEFAULT_REMOTE_MAX_AGE = 6 * 3600.0         # seconds; ENTRAGIT_REMOTE_LOCK_MAX_AGE


class JobState(StrEnum):
    LOADING = "Loading data"
    IN_PROGRESS = "In progress"
    COMPLETED = "Completed"
    FAILED = "Failed"
    CANCELED = "Canceled"

    @property
    def done(self) -> bool:
        return self in (JobState.COMPLETED, JobState.FAILED, JobState.CANCELED)


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

    @classmethod
    def new(cls, job: str) -> LockInfo:
        server, repo, run_id = (os.environ.get(k) for k in ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY",
                                                             "GITHUB_RUN_ID"))
        run = f"{server}/{repo}/actions/runs/{run_id}" if server and repo and run_id else None
        return cls(job=job, pid=os.getpid(), host=socket.gethostname(), started=_iso(_utcnow()),
                   token=uuid.uuid4().hex, run=run)

    @classmethod
    def from_json(cls, text: str) -> LockInfo | None:
        try:
            data = json.loads(text)
            return cls(job=str(data["job"]), pid=int(data["pid"]), host=str(data["host"]),
                       started=str(data["started"]), token=str(data.get("token", "")), run=data.get("run"))
        except (ValueError, KeyError, TypeError):
            return None

    def to_json(self) -> str:
        return json.dumps({k: v for k, v in asdict(self).items() if v is not None}, sort_keys=True)

    def age(self, now: float | None = None) -> float:
        started = _parse_iso(self.started)
        if started is None:
            return float("inf")
        return (time.time() if now is None else now) - started.timestamp()

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
    from entragit.backups import open_repo

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


# -- signals -----------------------------------------------------------------------------------------------
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


# -- the job -----------------------------------------------------------------------------------------------
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
        else:
            self.stream.write(line + "\n")
        self.stream.flush()

    def break_line(self) -> None:
        """End the line being updated, so that other output starts on a line of its own."""
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


# -- the remote lock ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RemoteLock:
    """A lock held in ``remote``: the lock commit ``sha`` under :data:`REMOTE_LOCK_REF`."""

    remote: str
    sha: str
    info: LockInfo


def _empty_tree(repo: Repo) -> str:
    from entragit.backups import git_run

    return git_run(repo, "hash-object", "-t", "tree", "--stdin", stdin=b"").strip()


def _push_lease(repo: Repo, remote: str, expect: str, refspec: str) -> tuple[bool, str]:
    """``git push --force-with-lease=<lock ref>:<expect> remote refspec``: (accepted, git's output)."""
    from entragit.backups import git_result

    status, out, err = git_result(repo, "push", "--porcelain", "--no-verify",
                                  f"--force-with-lease={REMOTE_LOCK_REF}:{expect}", remote, refspec)
    return status == 0, (err.strip() or out.strip())


def read_remote_lock(repo: Path | str | Repo, remote: str = "origin") -> RemoteLock | None:
    """The lock held in ``remote``, or None."""
    from entragit.backups import git_result, git_run, open_repo

    r = open_repo(repo)
    for _ in range(5):
        status, out, err = git_result(r, "ls-remote", "--refs", remote, REMOTE_LOCK_REF)
        if status != 0:
            raise EntragitError(f"git ls-remote {remote}: {err.strip() or out.strip()}")
        if not any(ln.endswith(REMOTE_LOCK_REF) for ln in out.splitlines()):
            return None
        # The lock may change hands (released, taken) between ls-remote and fetch: read what was fetched, and
        # look again when the ref was gone by then.
        status, out, err = git_result(r, "fetch", "--quiet", "--no-tags", "--no-write-fetch-head", remote,
                                      f"+{REMOTE_LOCK_REF}:refs/entragit/lock-seen")
        if status == 0:
            break
    else:
        raise EntragitError(f"git fetch {remote} {REMOTE_LOCK_REF}: {err.strip() or out.strip()}")
    sha = git_run(r, "rev-parse", "refs/entragit/lock-seen").strip()
    text = git_run(r, "log", "-1", "--format=%b", sha)
    info = LockInfo.from_json(text.strip()) or LockInfo(job="(unreadable lock)", pid=-1, host="?",
                                                        started=_iso(datetime.fromtimestamp(0, UTC)))
    return RemoteLock(remote, sha, info)


def acquire_remote_lock(repo: Path | str | Repo, name: str, *, remote: str = "origin", wait: float = 0.0,
                        poll: float = 5.0, max_age: float | None = None,
                        notice: Callable[[str], None] | None = None) -> RemoteLock:
    """Take the lock in ``remote`` for job ``name``; LockedError naming the holder when it is held.

    Waits up to ``wait`` seconds (polling every ``poll``) for a held lock; takes over a lock older than
    ``max_age`` (default 6 h, ``ENTRAGIT_REMOTE_LOCK_MAX_AGE``) with a notice.
    """
    from entragit.backups import git_run, identity_env, open_repo

    r = open_repo(repo)
    max_age = _env_seconds("ENTRAGIT_REMOTE_LOCK_MAX_AGE", DEFAULT_REMOTE_MAX_AGE) if max_age is None else max_age
    notice = notice or (lambda line: print(line, file=sys.stderr, flush=True))
    info = LockInfo.new(name)
    message = f"entragit lock: {name}\n\n{info.to_json()}\n"
    sha = git_run(r, "commit-tree", _empty_tree(r), "-m", message, env=identity_env(r, _utcnow())).strip()
    deadline = time.monotonic() + wait
    vanished = 0
    while True:
        accepted, output = _push_lease(r, remote, "", f"{sha}:{REMOTE_LOCK_REF}")
        if accepted:
            return RemoteLock(remote, sha, info)
        holder = read_remote_lock(r, remote)
        if holder is None:                 # refused, yet no lock: released in between, or a real failure
            vanished += 1
            if vanished >= 5:
                raise EntragitError(f"could not push the lock {REMOTE_LOCK_REF} to {remote}: {output}")
            continue
        vanished = 0                       # refused because it is held: contention, not a failure
        if holder.info.age() > max_age:
            accepted, _ = _push_lease(r, remote, holder.sha, f"{sha}:{REMOTE_LOCK_REF}")
            if accepted:
                notice(f"entragit: notice: took over the stale remote lock of {holder.info.describe()}: "
                       f"older than {max_age:g} s")
                return RemoteLock(remote, sha, info)
            continue
        if time.monotonic() >= deadline:
            raise LockedError(f"another job holds the lock {REMOTE_LOCK_REF} in {remote}: "
                              f"{holder.info.describe()}")
        time.sleep(max(0.05, min(poll, deadline - time.monotonic())))


def release_remote_lock(repo: Path | str | Repo, lock: RemoteLock,
                        notice: Callable[[str], None] | None = None) -> bool:
    """Delete the remote lock if it is still ours (lease on our sha); False (with a notice) if not."""
    from entragit.backups import open_repo

    r = open_repo(repo)
    if _push_lease(r, lock.remote, lock.sha, f":{REMOTE_LOCK_REF}")[0]:
        return True
    (notice or (lambda line: print(line, file=sys.stderr, flush=True)))(
        f"entragit: notice: the remote lock {REMOTE_LOCK_REF} in {lock.remote} is no longer ours; left as is")
    return False


@contextmanager
def remote_lock(repo: Path | str | Repo, name: str, *, remote: str = "origin", wait: float = 0.0,
                poll: float = 5.0, max_age: float | None = None,
                notice: Callable[[str], None] | None = None) -> Iterator[RemoteLock]:
    """Hold the lock in ``remote`` (``refs/entragit/lock``) for the block; see :func:`acquire_remote_lock`."""
    lock = acquire_remote_lock(repo, name, remote=remote, wait=wait, poll=poll, max_age=max_age, notice=notice)
    try:
        yield lock
    finally:
        with shield():
            release_remote_lock(repo, lock, notice=notice)
