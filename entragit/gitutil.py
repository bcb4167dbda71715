"""Git plumbing: opening the tenant repository, running git, the clock and entragit's git identity.

Shared by backups, jobs (the remote lock), apply and recover; it imports nothing of entragit but errors."""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from git import Repo
from git.exc import InvalidGitRepositoryError, NoSuchPathError

from entragit.errors import EntragitError, UsageError

BOT_NAME = "entragit"
BOT_EMAIL = "entragit@users.noreply.github.com"

RepoLike = Path | str | Repo


class BackupError(EntragitError):
    """A git step of a backup failed (push rejected, repository in a state git refuses)."""


def open_repo(repo: RepoLike) -> Repo:
    """The tenant repository (a non-bare git repository containing ``repo``)."""
    if isinstance(repo, Repo):
        return repo
    path = Path(repo)
    if not path.is_dir():
        raise UsageError(f"no such directory: {path}")
    try:
        r = Repo(path, search_parent_directories=True)
    except (InvalidGitRepositoryError, NoSuchPathError):
        raise UsageError(f"not a git repository: {path} (create one with `git init` or `entragit init`)") from None
    if r.bare or r.working_tree_dir is None:
        raise UsageError(f"a bare repository has no tenant-state/ to back up: {path}")
    return r


def git_result(repo: Repo, *args: str, stdin: bytes | None = None,
               env: Mapping[str, str] | None = None) -> tuple[int, str, str]:
    """Run ``git args...`` in ``repo``'s working tree: (exit status, stdout, stderr); never raises."""
    feed = None
    if stdin is not None:
        feed = tempfile.TemporaryFile()
        feed.write(stdin)
        feed.seek(0)
    try:
        status, out, err = repo.git.execute(
            [repo.git.GIT_PYTHON_GIT_EXECUTABLE or "git", *args], istream=feed, with_extended_output=True,
            with_exceptions=False, env=dict(env or {}), strip_newline_in_stdout=False)
    finally:
        if feed is not None:
            feed.close()
    return int(status or 0), str(out), str(err)


def git_run(repo: Repo, *args: str, stdin: bytes | None = None, env: Mapping[str, str] | None = None) -> str:
    """Like :func:`git_result` but raising :class:`BackupError` with git's message on failure."""
    status, out, err = git_result(repo, *args, stdin=stdin, env=env)
    if status != 0:
        raise BackupError(f"git {args[0]} failed: {(err or out).strip()}")
    return out


def _rev(repo: Repo, rev: str) -> str | None:
    status, out, _ = git_result(repo, "rev-parse", "--verify", "--quiet", "--end-of-options", rev)
    return out.strip() if status == 0 and out.strip() else None


# -- values from a user or a change reach git only as verified object names or after --end-of-options ---------
# A ref, branch, remote or path a user types (or a pull request carries) could start with "-" and be read by
# git as an option (`--output=FILE` truncates FILE). Every such value goes to git either as the sha
# :func:`verify_commit` answers, after a literal "--end-of-options" / "--" in the same argument list, or through
# :func:`plain_arg` (tests/test_git_safety.py checks every git invocation of the code base for this).
def verify_commit(repo: Repo, rev: str, what: str = "revision") -> str:
    """The commit ``rev`` names, as a full sha (``git rev-parse --verify --end-of-options <rev>^{commit}``:
    a value starting with "-" is a revision git does not know, never an option). :class:`UsageError` (exit 2)
    naming ``what`` when it names no commit."""
    if not isinstance(rev, str) or not rev.strip() or any(c in rev for c in "\0\n\r"):
        raise UsageError(f"{what} {rev!r}: not a revision")
    sha = _rev(repo, f"{rev}^{{commit}}")
    if sha is None:
        raise UsageError(f"{what} {rev!r}: no such commit")
    return sha


_OID = re.compile(r"[0-9a-f]{40}(?:[0-9a-f]{24})?\Z")


def oid(value: str | None) -> str:
    """``value`` when it is a full object id (40 or 64 lower-case hex digits), as entragit reads them from git
    itself; an :class:`EntragitError` otherwise (never handed to git, where it could be read as an option)."""
    if not isinstance(value, str) or not _OID.match(value):
        raise EntragitError(f"internal: {value!r} is not a git object id")
    return value


def plain_arg(value: str, what: str) -> str:
    """``value`` (a remote, branch or tag name) when git cannot read it as an option: :class:`UsageError`
    (exit 2) naming ``what`` for a value starting with "-" or holding a control character."""
    if not isinstance(value, str) or not value or value.startswith("-") or any(ord(c) < 32 for c in value):
        raise UsageError(f"{what} {value!r}: not a valid name (it must not start with '-' or hold control "
                         "characters)")
    return value


def read_blob(repo: Repo, commit: str, path: str) -> bytes | None:
    """The bytes of ``path`` (relative to the repository's top) in ``commit`` (a sha from
    :func:`verify_commit`); None when the commit has no such file."""
    done = repo.git.execute([repo.git.GIT_PYTHON_GIT_EXECUTABLE or "git", "cat-file", "blob", f"{oid(commit)}:{path}"],
                            with_extended_output=True, with_exceptions=False, as_process=False,
                            stdout_as_string=False, strip_newline_in_stdout=False)  # the exact bytes
    return bytes(done[1]) if int(done[0] or 0) == 0 else None


def _config(repo: Repo, key: str) -> str | None:
    status, out, _ = git_result(repo, "config", "--get", "--end-of-options", key)
    return out.strip() or None if status == 0 else None


def resolve_now(now: datetime | str | None = None) -> datetime:
    """The backup clock: ``now``, else ``ENTRAGIT_NOW`` (ISO 8601), else the wall clock; UTC, whole seconds."""
    raw: Any = now if now is not None else (os.environ.get("ENTRAGIT_NOW", "").strip() or None)
    if raw is None:
        when = datetime.now(UTC)
    elif isinstance(raw, datetime):
        when = raw
    else:
        try:
            when = datetime.fromisoformat(str(raw))
        except ValueError:
            source = "ENTRAGIT_NOW" if now is None else "now"
            raise UsageError(f"{source}: not an ISO 8601 time: {raw!r}") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC).replace(microsecond=0)


def identity_env(repo: Repo, when: datetime | None = None) -> dict[str, str]:
    """Author/committer for entragit's commits, tags and notes.

    The bot ``entragit <entragit@users.noreply.github.com>`` unless overridden by ``ENTRAGIT_GIT_NAME`` /
    ``ENTRAGIT_GIT_EMAIL``, then git config ``entragit.name`` / ``entragit.email``; git's own
    ``GIT_AUTHOR_*`` / ``GIT_COMMITTER_*`` variables, when set, win as usual. Dates are ``when``.
    """
    name = os.environ.get("ENTRAGIT_GIT_NAME") or _config(repo, "entragit.name") or BOT_NAME
    email = os.environ.get("ENTRAGIT_GIT_EMAIL") or _config(repo, "entragit.email") or BOT_EMAIL
    env: dict[str, str] = {}
    for role in ("AUTHOR", "COMMITTER"):
        for key, value in ((f"GIT_{role}_NAME", name), (f"GIT_{role}_EMAIL", email)):
            if not os.environ.get(key):
                env[key] = value
        if when is not None and not os.environ.get(f"GIT_{role}_DATE"):
            env[f"GIT_{role}_DATE"] = f"@{int(when.timestamp())} +0000"
    return env
