"""The lock for GitHub Actions, where every run is a fresh machine: held in the remote.

The ref ``refs/entragit/lock`` points at a small parentless commit whose message is the lock's JSON. It is
created with ``git push --force-with-lease=refs/entragit/lock: origin <sha>:refs/entragit/lock`` (create
only if absent: the server compares the old value atomically), taken over when stale with
``--force-with-lease=refs/entragit/lock:<stale sha>``, and released by deleting it under a lease on our own
sha, so a lock that was taken over is never deleted by its former holder.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from entragit.errors import EntragitError, LockedError
from entragit.gitutil import git_result, git_run, identity_env, oid, open_repo
from entragit.jobs.lock import LockInfo, _env_seconds, _iso, _utcnow
from entragit.jobs.signals import shield

if TYPE_CHECKING:
    from git import Repo

REMOTE_LOCK_REF = "refs/entragit/lock"
DEFAULT_REMOTE_MAX_AGE = 6 * 3600.0         # seconds; ENTRAGIT_REMOTE_LOCK_MAX_AGE


@dataclass(frozen=True)
class RemoteLock:
    """A lock held in ``remote``: the lock commit ``sha`` under :data:`REMOTE_LOCK_REF`."""

    remote: str
    sha: str
    info: LockInfo


def _empty_tree(repo: Repo) -> str:
    return git_run(repo, "hash-object", "-t", "tree", "--stdin", stdin=b"").strip()


def _push_lease(repo: Repo, remote: str, expect: str, refspec: str) -> tuple[bool, str]:
    """``git push --force-with-lease=<lock ref>:<expect> remote refspec``: (accepted, git's output)."""
    status, out, err = git_result(repo, "push", "--porcelain", "--no-verify",
                                  f"--force-with-lease={REMOTE_LOCK_REF}:{expect}", "--end-of-options", remote,
                                  refspec)
    return status == 0, (err.strip() or out.strip())


def read_remote_lock(repo: Path | str | Repo, remote: str = "origin") -> RemoteLock | None:
    """The lock held in ``remote``, or None."""
    r = open_repo(repo)
    for _ in range(5):
        status, out, err = git_result(r, "ls-remote", "--refs", "--end-of-options", remote, REMOTE_LOCK_REF)
        if status != 0:
            raise EntragitError(f"git ls-remote {remote}: {err.strip() or out.strip()}")
        if not any(ln.endswith(REMOTE_LOCK_REF) for ln in out.splitlines()):
            return None
        # The lock may change hands (released, taken) between ls-remote and fetch: read what was fetched, and
        # look again when the ref was gone by then.
        status, out, err = git_result(r, "fetch", "--quiet", "--no-tags", "--no-write-fetch-head", "--end-of-options", remote,
                                      f"+{REMOTE_LOCK_REF}:refs/entragit/lock-seen")
        if status == 0:
            break
    else:
        raise EntragitError(f"git fetch {remote} {REMOTE_LOCK_REF}: {err.strip() or out.strip()}")
    sha = git_run(r, "rev-parse", "refs/entragit/lock-seen").strip()
    text = git_run(r, "log", "-1", "--format=%b", oid(sha))
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
    r = open_repo(repo)
    max_age = _env_seconds("ENTRAGIT_REMOTE_LOCK_MAX_AGE", DEFAULT_REMOTE_MAX_AGE) if max_age is None else max_age
    notice = notice or (lambda line: print(line, file=sys.stderr, flush=True))
    info = LockInfo.new(name)
    message = f"entragit lock: {name}\n\n{info.to_json()}\n"
    sha = git_run(r, "commit-tree", oid(_empty_tree(r)), "-m", message, env=identity_env(r, _utcnow())).strip()
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
        why = f"older than {max_age:g} s" if holder.info.age() > max_age else holder.info.gone()
        if why is not None:
            accepted, _ = _push_lease(r, remote, holder.sha, f"{sha}:{REMOTE_LOCK_REF}")
            if accepted:
                notice(f"entragit: notice: took over the stale remote lock of {holder.info.describe()}: {why}")
                return RemoteLock(remote, sha, info)
            continue
        if time.monotonic() >= deadline:
            raise LockedError(f"another job holds the lock {REMOTE_LOCK_REF} in {remote}: "
                              f"{holder.info.describe()}")
        time.sleep(max(0.05, min(poll, deadline - time.monotonic())))


def release_remote_lock(repo: Path | str | Repo, lock: RemoteLock,
                        notice: Callable[[str], None] | None = None) -> bool:
    """Delete the remote lock if it is still ours (lease on our sha); False (with a notice) if not."""
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
