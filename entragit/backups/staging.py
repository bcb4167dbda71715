"""The backup's commit window, and the repair of one a killed process left open.

:class:`StagedState` stages ``tenant-state/`` in a private copy of the index while holding ``.git/index.lock``
as git does. A backup then writes, in order: the commit object, the tag, ``HEAD`` (the branch), the real index
(:meth:`StagedState.install`), the delta state ref, and finally drops the lock. A ``kill -9`` (an OOM kill, a
runner cancelled hard) between any two of these steps used to leave ``index.lock`` behind (every later backup
failed with exit 6 until someone removed it by hand) or a tag whose commit never reached the branch
(``entragit verify --all`` then said "history rewritten"). The next backup now repairs both by itself:

- ``index.lock`` holds who took it (job, pid, host: :class:`~entragit.jobs.LockInfo`); a lock of entragit's
  whose process is gone from this host is stale and removed with a notice (:func:`take_index_lock`), with the
  private index copies dead processes left (``entragit-index.<pid>``); any other ``index.lock`` is a git process
  at work and still refused;
- a local backup tag whose commit is not in the branch's history, carries that very tag in its
  ``Entragit-Backup`` trailer and starts from the branch's history is the tag of an interrupted backup: it never
  reached the remote (the push comes last, atomically), so it is removed with a notice
  (:func:`drop_interrupted_tags`) and the run records the tenant afresh;
- a real index left behind ``HEAD`` (killed between the branch update and :meth:`~StagedState.install`) is
  rewritten by the next run's staging, which starts from it and installs the result.

``ENTRAGIT_FAULT_KILL_AT=<step>`` makes the backup kill itself (SIGKILL) right after ``<step>`` (one of
:data:`STEPS`): the tests drive every kill point with it, deterministically.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
from collections.abc import Callable, Iterable
from pathlib import Path

from git import Repo

from entragit.backups.notes import TRAILER
from entragit.backups.state import STATE_DIR
from entragit.backups.tags import _read_tags
from entragit.errors import LockedError
from entragit.gitutil import BackupError, _rev, git_result, git_run, oid
from entragit.jobs.lock import LockInfo, _pid_alive

# the backup's steps, in order; ENTRAGIT_FAULT_KILL_AT names one to die right after it
STEPS = ("locked", "staged", "committed", "tagged", "moved", "installed", "delta", "unlocked")
KILL_ENV = "ENTRAGIT_FAULT_KILL_AT"
_TMP_PREFIX = "entragit-index."


def step_done(name: str) -> None:
    """A step of the commit window is over; the fault hook kills the process here when it names the step."""
    if os.environ.get(KILL_ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)


def _ours_and_stale(lock: Path) -> LockInfo | None:
    """The holder of ``lock`` when it is entragit's and its process is gone from this host, else None."""
    try:
        info = LockInfo.from_json(lock.read_text(encoding="utf-8", errors="replace")[:4096])
    except OSError:
        return None
    if info is None or info.host != socket.gethostname() or _pid_alive(info.pid):
        return None
    return info


def take_index_lock(git_dir: Path, notice: Callable[[str], None]) -> Path:
    """Create ``index.lock`` (O_EXCL) holding who took it; a stale one of entragit's is removed first.
    :class:`LockedError` (exit 6) when another process holds it."""
    lock = git_dir / "index.lock"
    for attempt in (1, 2):
        try:
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            stale = _ours_and_stale(lock) if attempt == 1 else None
            if stale is None:
                raise LockedError(f"{lock} exists: another git process is running in this repository (if it "
                                  "crashed, remove the file)") from None
            lock.unlink(missing_ok=True)
            notice(f"entragit: notice: removed {lock} left by an interrupted {stale.describe()}")
            continue
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(LockInfo.new("backup").to_json() + "\n")
        _drop_dead_copies(git_dir)
        return lock
    raise AssertionError("unreachable")


def _drop_dead_copies(git_dir: Path) -> None:
    """Private index copies (and git's locks on them) of processes no longer running on this host."""
    for path in git_dir.glob(f"{_TMP_PREFIX}*"):
        pid = path.name[len(_TMP_PREFIX):].removesuffix(".lock")
        if pid.isdigit() and int(pid) != os.getpid() and not _pid_alive(int(pid)):
            path.unlink(missing_ok=True)


class StagedState:
    """Stage ``tenant-state/`` in a private copy of the index (other staged changes stay out of the commit).

    Holds ``index.lock`` like git does (:func:`take_index_lock`); :meth:`install` makes the copy the real index
    (same entries for everything else, tenant-state as committed); leaving without it discards the copy."""

    def __init__(self, repo: Repo, notice: Callable[[str], None] | None = None) -> None:
        self.repo = repo
        self.git_dir = Path(repo.git_dir)
        self.index, self.lock = self.git_dir / "index", self.git_dir / "index.lock"
        self.tmp = self.git_dir / f"{_TMP_PREFIX}{os.getpid()}"
        self.notice = notice or (lambda line: None)
        self.held = False

    def __enter__(self) -> StagedState:
        take_index_lock(self.git_dir, self.notice)
        self.held = True
        step_done("locked")
        try:
            if self.index.exists():
                shutil.copy2(self.index, self.tmp)
        except BaseException:
            self.__exit__()
            raise
        return self

    @property
    def env(self) -> dict[str, str]:
        return {"GIT_INDEX_FILE": str(self.tmp)}

    def stage(self) -> str | None:
        """Stage the working tree's tenant-state/; its tree id (None when it holds no file)."""
        state = Path(self.repo.working_tree_dir or ".") / STATE_DIR
        if state.is_dir():
            git_run(self.repo, "add", "-A", "--", STATE_DIR, env=self.env)
        else:
            git_run(self.repo, "rm", "-r", "-q", "--cached", "--ignore-unmatch", "--", STATE_DIR, env=self.env)
        status, out, err = git_result(self.repo, "write-tree", f"--prefix={STATE_DIR}/", env=self.env)
        step_done("staged")
        if status == 0:
            return out.strip()
        if "not found" in err:
            return None
        raise BackupError(f"git write-tree failed: {err.strip()}")

    def install(self) -> None:
        if self.tmp.exists():
            os.replace(self.tmp, self.index)
        step_done("installed")

    def __exit__(self, *exc: object) -> None:
        self.tmp.unlink(missing_ok=True)
        if self.held:
            self.lock.unlink(missing_ok=True)
            self.held = False
            step_done("unlocked")


def _ancestor(repo: Repo, a: str, b: str) -> bool:
    return git_result(repo, "merge-base", "--is-ancestor", oid(a), oid(b))[0] == 0


def _was_on_branch(repo: Repo, target: str) -> bool:
    """Whether ``HEAD`` ever pointed at ``target`` here (its reflog): a commit the branch held once and lost was
    rewritten away, not left behind by an interrupted backup."""
    status, out, _ = git_result(repo, "reflog", "show", "--format=%H", "HEAD", "--")
    return status == 0 and target in out.split()


def interrupted(repo: Repo, tag: str, target: str, head: str | None) -> bool:
    """Whether the backup tag ``tag`` (on commit ``target``) is the tag of an interrupted backup: its commit is
    not in the history of ``head`` and never was (the reflog: an amended or force-pushed-away backup commit was
    there once: history rewritten), names ``tag`` in its trailer, and its first parent (if any) is in that
    history."""
    if head is not None and _ancestor(repo, target, head):
        return False
    if _was_on_branch(repo, target):
        return False
    status, out, _ = git_result(repo, "log", "-1", f"--format=%(trailers:key={TRAILER},valueonly)%x00%P",
                                oid(target), "--")
    if status != 0:
        return False
    trailer, _, parents = out.strip().partition("\0")
    if trailer.strip() != tag:
        return False
    first = (parents.split() or [None])[0]
    if first is None:
        return head is None
    return head is not None and _ancestor(repo, first, head)


def drop_interrupted_tags(repo: Repo, keep: Iterable[str], notice: Callable[[str], None]) -> list[str]:
    """Delete the local tags of interrupted backups (:func:`interrupted`) except those named in ``keep`` (tags
    the remote has: a pushed tag is never touched); their names."""
    head = _rev(repo, "HEAD^{commit}")
    kept = set(keep)
    dropped = []
    for record in _read_tags(repo):
        if record.name in kept or record.kind != "tag" or not interrupted(repo, record.name, record.target, head):
            continue
        git_run(repo, "tag", "-d", "--end-of-options", record.name)
        dropped.append(record.name)
        notice(f"entragit: notice: removed the tag {record.name} of an interrupted backup (its commit "
               f"{record.target[:12]} never reached the branch); this backup records the tenant again")
    return dropped
