"""Backups as git commits and annotated tags (GitPython and git's own plumbing on a real repository).

A backup run exports the tenant into ``tenant-state/``, commits when anything there changed (only
``tenant-state/`` paths, never other working-tree or staged changes) and tags the resulting commit
``backup/YYYYMMDDTHHMMSSZ`` (UTC; ``-2``, ``-3``... on a collision). Every run is a backup point: with
nothing changed, the current commit is tagged. The oldest ``backup/*`` tags beyond ``keep`` are deleted;
commits never are.

The tag's annotation is the backup's **manifest** (YAML after a one-line subject)::

    format: entragit-backup/1
    tag: backup/20260101T230000Z       # the tag's own name
    created: '2026-01-01T23:00:00Z'
    commit: <sha>                      # the commit the tag must point at
    branch: main
    stateTree: <sha>                   # git tree id of tenant-state/ in that commit (null: no state)
    digest: sha256:<hex>               # sha256 over sorted "<path>\\0<blob id>\\n" lines, paths in tenant-state/
    objects: {groups: 3, users: 10}    # *.yaml files per type folder
    total: 13
    previous: backup/20251231T230000Z  # the newest backup before this one, if any
    changes: {users: {added: 1, modified: 0, deleted: 0}}   # since ``previous``
    tenantId: ...                      # from the export
    graphEndpoint: https://graph.microsoft.com
    tool: entragit 0.1.0
    export: {requests: 42, resourceUnits: 120.0}
    unapplied: [<sha>, ...]            # merged changes to tenant-state never applied, seen before this backup
    message: ...                       # --message

The backup commit carries the trailer ``Entragit-Backup: <tag>``: that is how a backup commit is told apart
from a merged change (:func:`is_backup_commit`).

**Apply outcomes** are git notes under :data:`NOTES_REF` (``refs/notes/entragit``; ``git notes
--ref=entragit``) on the commit that was applied (a merge commit, usually). A note is JSON Lines: one JSON
object per apply attempt, appended, ``{"status": ..., "at": ISO 8601, "tool": ..., ...}``; the newest
``at`` wins. ``status`` ``applied`` (or ``acknowledged``, when a person dismisses a change on purpose)
means done; anything else (``failed``, ``refused``, ``partial``, ``drift``...) keeps the change listed as
unapplied. An outcome may carry ``"range": "<before>..<after>"``: it then covers every first-parent commit
of that range (a rebase-merged pull request lands as several commits). JSON Lines merge cleanly with
``git notes merge -s cat_sort_uniq``, which :func:`fetch_notes` uses.

:func:`unapplied_changes` lists the first-parent commits since the oldest retained backup that changed
``tenant-state/``, are not backup commits, and have no done outcome. :func:`backup` computes it *before*
committing (the backup commit records the live state and would hide them) and repeats it in its result.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml
from git import Repo
from git.exc import InvalidGitRepositoryError, NoSuchPathError

from entragit import __version__
from entragit.errors import EntragitError, LockedError, UsageError
from entragit.jobs import JobState, shield

STATE_DIR = "tenant-state"
TAG_PREFIX = "backup/"
TAG_RE = re.compile(r"^backup/(\d{8}T\d{6}Z)(?:-([1-9]\d*))?$")
TRAILER = "Entragit-Backup"
NOTES_REF = "refs/notes/entragit"
MANIFEST_FORMAT = "entragit-backup/1"
DEFAULT_KEEP = 5
BOT_NAME = "entragit"
BOT_EMAIL = "entragit@users.noreply.github.com"
DONE_STATUSES = frozenset({"applied", "acknowledged"})
ZERO = "0" * 40

RepoLike = Path | str | Repo
Progress = Callable[[JobState, str], None]


class BackupError(EntragitError):
    """A git step of a backup failed (push rejected, repository in a state git refuses)."""


class IntegrityError(EntragitError):
    """``entragit verify`` found a backup that is not intact."""


# -- git plumbing ----------------------------------------------------------------------------------------------
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


def _config(repo: Repo, key: str) -> str | None:
    status, out, _ = git_result(repo, "config", "--get", key)
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


# -- tag names ---------------------------------------------------------------------------------------------
def parse_backup_tag(name: str) -> tuple[datetime, int] | None:
    """(time, collision number) of a ``backup/YYYYMMDDTHHMMSSZ[-N]`` tag name, None for other names."""
    name = name.removeprefix("refs/tags/")
    match = TAG_RE.match(name)
    if not match:
        return None
    try:
        when = datetime.strptime(match.group(1), "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    except ValueError:
        return None
    return when, int(match.group(2) or 1)


def backup_tag_name(when: datetime, taken: Iterable[str] = ()) -> str:
    """The tag name for a backup at ``when``, with ``-2``, ``-3``... when the name is ``taken``."""
    base = f"{TAG_PREFIX}{when.astimezone(UTC):%Y%m%dT%H%M%SZ}"
    taken = set(taken)
    name, n = base, 1
    while name in taken:
        n += 1
        name = f"{base}-{n}"
    return name


def _sort_key(name: str) -> tuple[datetime, int]:
    parsed = parse_backup_tag(name)
    assert parsed is not None
    return parsed


# -- tenant-state trees --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class TypeChanges:
    added: int = 0
    modified: int = 0
    deleted: int = 0

    @property
    def total(self) -> int:
        return self.added + self.modified + self.deleted

    def to_dict(self) -> dict[str, int]:
        return {"added": self.added, "modified": self.modified, "deleted": self.deleted}

    def short(self) -> str:
        """``1 added, 2 modified`` (zeros left out; ``no change`` when all are zero)."""
        parts = [f"{n} {word}" for n, word in ((self.added, "added"), (self.modified, "modified"),
                                                (self.deleted, "deleted")) if n]
        return ", ".join(parts) or "no change"


Changes = dict[str, TypeChanges]


def _is_object_file(path: str) -> bool:
    """A tenant object's file: ``<type>/<id>.yaml`` (paths relative to ``tenant-state/``)."""
    return "/" in path and path.endswith((".yaml", ".yml")) and not path.rsplit("/", 1)[1].startswith(".")


def _type_of(path: str) -> str:
    return path.split("/", 1)[0] if "/" in path else "(top level)"


@dataclass(frozen=True)
class StateSnapshot:
    """What a ``tenant-state/`` tree holds: its id, objects per type, and the manifest digest."""

    tree: str | None
    counts: dict[str, int]
    digest: str
    files: int

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def _state_tree(repo: Repo, rev: str | None) -> str | None:
    """The tree id of ``tenant-state/`` in commit ``rev`` (None: no such commit or no such folder)."""
    if rev is None:
        return None
    return _rev(repo, f"{rev}^{{commit}}:{STATE_DIR}")


def snapshot(repo: Repo, tree: str | None) -> StateSnapshot:
    """Counts and digest of a ``tenant-state/`` tree (``git ls-tree -r``; the tree id is the state's identity)."""
    pairs: list[tuple[str, str]] = []
    counts: dict[str, int] = {}
    if tree is not None:
        out = git_run(repo, "ls-tree", "-r", "-z", "--full-tree", tree)
        for record in out.split("\0"):
            if not record:
                continue
            meta, path = record.split("\t", 1)
            _mode, kind, sha = meta.split()
            if kind != "blob":
                continue
            pairs.append((path, sha))
            if _is_object_file(path):
                key = path.split("/", 1)[0]
                counts[key] = counts.get(key, 0) + 1
    digest = hashlib.sha256()
    for path, sha in sorted(pairs, key=lambda p: p[0].encode()):
        digest.update(f"{path}\0{sha}\n".encode())
    return StateSnapshot(tree=tree, counts=dict(sorted(counts.items())), digest=f"sha256:{digest.hexdigest()}",
                         files=len(pairs))


def _empty_tree(repo: Repo) -> str:
    return git_run(repo, "hash-object", "-t", "tree", "--stdin", stdin=b"").strip()


def diff_states(repo: Repo, old: str | None, new: str | None) -> Changes:
    """Files added / modified / deleted per type folder between two ``tenant-state/`` trees (git diff-tree)."""
    if old == new:
        return {}
    empty = _empty_tree(repo) if old is None or new is None else ""
    out = git_run(repo, "diff-tree", "-r", "-z", "--no-renames", "--name-status", old or empty, new or empty)
    fields = [f for f in out.split("\0") if f]
    tallies: dict[str, list[int]] = {}
    for status, path in zip(fields[::2], fields[1::2], strict=False):
        if not _is_object_file(path):
            continue  # .gitkeep and the like: not tenant objects
        slot = {"A": 0, "D": 2}.get(status[:1], 1)
        tallies.setdefault(_type_of(path), [0, 0, 0])[slot] += 1
    return {k: TypeChanges(*v) for k, v in sorted(tallies.items())}


def _sum_changes(changes: Changes) -> TypeChanges:
    return TypeChanges(sum(c.added for c in changes.values()), sum(c.modified for c in changes.values()),
                       sum(c.deleted for c in changes.values()))


# -- export summary ------------------------------------------------------------------------------------------
@dataclass
class ExportSummary:
    """What the export step reports (the exporter's result is read through :meth:`coerce`)."""

    tenant_id: str | None = None
    graph_url: str | None = None
    counts: dict[str, int] = field(default_factory=dict)
    files_changed: int | None = None
    requests: int | None = None
    resource_units: float | None = None

    @classmethod
    def coerce(cls, value: Any) -> ExportSummary:
        if value is None:
            return cls()
        if isinstance(value, ExportSummary):
            return value

        def pick(*names: str) -> Any:
            for name in names:
                got = value.get(name) if isinstance(value, Mapping) else getattr(value, name, None)
                if got is not None:
                    return got
            return None

        counts = pick("counts", "objects", "object_counts")
        stats = pick("stats")
        return cls(tenant_id=pick("tenant_id", "tenantId"),
                   graph_url=pick("graph_url", "graph_root", "graphUrl", "endpoint"),
                   counts=dict(counts) if isinstance(counts, Mapping) else {},
                   files_changed=pick("files_changed", "changed_files", "filesChanged"),
                   requests=pick("requests") or getattr(stats, "requests", None),
                   resource_units=pick("resource_units", "ru", "resourceUnits")
                   or getattr(stats, "resource_units", None))

    def to_dict(self) -> dict[str, Any]:
        return {"tenantId": self.tenant_id, "graphEndpoint": self.graph_url, "objects": self.counts,
                "filesChanged": self.files_changed, "requests": self.requests,
                "resourceUnits": self.resource_units}


ExportStep = Callable[[Path], Any]


# -- notes: apply outcomes -----------------------------------------------------------------------------------
def _note_lines(text: str) -> list[dict[str, Any]]:
    records = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        try:
            data = json.loads(line)
        except ValueError:
            data = {"status": "unreadable", "text": line}
        if isinstance(data, dict):
            records.append(data)
    return records


def _latest(records: list[dict[str, Any]]) -> dict[str, Any] | None:
    if not records:
        return None
    indexed = list(enumerate(records))
    return max(indexed, key=lambda item: (str(item[1].get("at", "")), item[0]))[1]


def read_apply_outcomes(repo: RepoLike, commit: str) -> list[dict[str, Any]]:
    """Every outcome recorded on ``commit`` (oldest first as written)."""
    r = open_repo(repo)
    status, out, _ = git_result(r, "notes", f"--ref={NOTES_REF}", "show", commit)
    return _note_lines(out) if status == 0 else []


def read_apply_outcome(repo: RepoLike, commit: str) -> dict[str, Any] | None:
    """The newest outcome recorded on ``commit``, None when it has none."""
    return _latest(read_apply_outcomes(repo, commit))


def record_apply_outcome(repo: RepoLike, commit: str, outcome: Mapping[str, Any], *,
                         now: datetime | str | None = None) -> dict[str, Any]:
    """Append ``outcome`` (needs a ``status``) to ``commit``'s note in :data:`NOTES_REF`; returns the record.

    ``at`` (the clock: ``now`` / ``ENTRAGIT_NOW``) and ``tool`` are added when absent. Push the notes with
    :func:`push_notes`.
    """
    r = open_repo(repo)
    status = outcome.get("status")
    if not isinstance(status, str) or not status.strip():
        raise UsageError("an apply outcome needs a non-empty 'status' (applied, failed, refused, ...)")
    sha = _rev(r, f"{commit}^{{commit}}")
    if sha is None:
        raise UsageError(f"no such commit: {commit}")
    when = resolve_now(now)
    record = {"at": when.strftime("%Y-%m-%dT%H:%M:%SZ"), "tool": f"entragit {__version__}", **dict(outcome)}
    lines = [json.dumps(rec, sort_keys=True, separators=(",", ":"), default=str)
             for rec in [*read_apply_outcomes(r, sha), record]]
    git_run(r, "notes", f"--ref={NOTES_REF}", "add", "-f", "--file=-", sha,
            stdin=("\n".join(lines) + "\n").encode(), env=identity_env(r, when))
    return record


def fetch_notes(repo: RepoLike, remote: str = "origin") -> bool:
    """Fetch :data:`NOTES_REF` from ``remote`` and merge it into ours (``cat_sort_uniq``); False if absent."""
    r = open_repo(repo)
    status, out, err = git_result(r, "ls-remote", "--refs", remote, NOTES_REF)
    if status != 0:
        raise BackupError(f"git ls-remote {remote}: {(err or out).strip()}")
    if not out.strip():
        return False
    staging = "refs/notes/entragit-fetched"
    git_run(r, "fetch", "--quiet", "--no-tags", "--no-write-fetch-head", remote, f"+{NOTES_REF}:{staging}")
    try:
        if _rev(r, NOTES_REF) is None:
            git_run(r, "update-ref", NOTES_REF, staging)
        else:
            git_run(r, "notes", f"--ref={NOTES_REF}", "merge", "--quiet", "-s", "cat_sort_uniq", staging,
                    env=identity_env(r, resolve_now()))
    finally:
        git_result(r, "update-ref", "-d", staging)
    return True


def push_notes(repo: RepoLike, remote: str = "origin") -> None:
    """Push :data:`NOTES_REF` to ``remote`` (after merging the remote's notes, so none are lost)."""
    r = open_repo(repo)
    fetch_notes(r, remote)
    if _rev(r, NOTES_REF) is not None:
        git_run(r, "push", "--quiet", "--no-verify", remote, f"{NOTES_REF}:{NOTES_REF}")


def _all_notes(repo: Repo) -> dict[str, str]:
    """commit sha -> note blob sha, for every note in :data:`NOTES_REF`."""
    status, out, _ = git_result(repo, "notes", f"--ref={NOTES_REF}", "list")
    notes = {}
    if status == 0:
        for line in out.splitlines():
            parts = line.split()
            if len(parts) == 2:
                notes[parts[1]] = parts[0]
    return notes


# -- backup commits and unapplied changes --------------------------------------------------------------------
def is_backup_commit(repo: RepoLike, rev: str = "HEAD") -> bool:
    """Whether ``rev`` is a commit made by :func:`backup` (it carries the ``Entragit-Backup`` trailer)."""
    r = open_repo(repo)
    status, out, _ = git_result(r, "log", "-1", f"--format=%(trailers:key={TRAILER},valueonly)", rev, "--")
    return status == 0 and bool(out.strip())


@dataclass
class UnappliedChange:
    """A commit that changed tenant-state/ on the default branch and was never applied to the tenant."""

    commit: str
    subject: str
    date: str
    author: str
    changes: Changes
    outcome: dict[str, Any] | None = None

    @property
    def reason(self) -> str:
        if self.outcome is None:
            return "never applied"
        detail = self.outcome.get("error") or self.outcome.get("message")
        return f"apply {self.outcome.get('status')}" + (f": {detail}" if detail else "")

    def to_dict(self) -> dict[str, Any]:
        return {"commit": self.commit, "subject": self.subject, "date": self.date, "author": self.author,
                "changes": {k: v.to_dict() for k, v in self.changes.items()}, "reason": self.reason,
                "outcome": self.outcome}

    def line(self) -> str:
        types = "; ".join(f"{k} {v.short()}" for k, v in self.changes.items())
        return f"{self.commit[:12]} {self.date[:10]} {self.subject} ({types}): {self.reason}"


def _tree_ids(repo: Repo, revs: list[str]) -> dict[str, str | None]:
    """``rev -> tree id of rev:tenant-state`` for many revisions in one ``git cat-file --batch-check``."""
    if not revs:
        return {}
    out = git_run(repo, "cat-file", "--batch-check=%(objectname) %(objecttype)",
                  stdin="".join(f"{rev}:{STATE_DIR}\n" for rev in revs).encode())
    result: dict[str, str | None] = {}
    for rev, line in zip(revs, out.splitlines(), strict=False):
        parts = line.split()
        result[rev] = parts[0] if len(parts) == 2 and parts[1] == "tree" else None
    return result


def unapplied_changes(repo: RepoLike, rev: str = "HEAD", *, since: str | None = None) -> list[UnappliedChange]:
    """Merged changes to ``tenant-state/`` never applied, newest first.

    The first-parent commits of ``since..rev`` (default ``since``: the commit of the oldest retained backup
    tag, so a change keeps being reported for as long as backups from before it are kept) that changed
    ``tenant-state/`` against their first parent, are not backup commits, and carry no done outcome
    (:data:`DONE_STATUSES`) in :data:`NOTES_REF`, on themselves or through an outcome's ``range``. Without
    backups (and no ``since``) there is nothing to compare with: an empty list.
    """
    r = open_repo(repo)
    head = _rev(r, f"{rev}^{{commit}}")
    if head is None:
        return []
    if since is None:
        tags = _read_tags(r)
        if not tags:
            return []
        since = tags[-1].target
    elif _rev(r, f"{since}^{{commit}}") is None:
        raise UsageError(f"no such commit: {since}")
    out = git_run(r, "log", "--first-parent", "-z",
                  f"--format=%H%x1f%P%x1f%cI%x1f%an%x1f%s%x1f%(trailers:key={TRAILER},valueonly,separator=%x2C)",
                  f"{since}..{head}", "--")
    commits = []
    for record in out.split("\0"):
        record = record.strip("\n")
        if not record:
            continue
        sha, parents, date, author, subject, trailer = (record.split("\x1f") + [""] * 6)[:6]
        if trailer.strip():
            continue            # a backup commit: it records the tenant, there is nothing to apply
        commits.append((sha, (parents.split() or [None])[0], date, author, subject))
    if not commits:
        return []
    trees = _tree_ids(r, [c[0] for c in commits] + [c[1] for c in commits if c[1]])
    notes = _all_notes(r)
    # every outcome that speaks for a commit: its own note's, and those of notes whose range covers it
    outcomes: dict[str, list[dict[str, Any]]] = {}
    for noted in {c[0] for c in commits} & notes.keys():
        outcome = _latest(_note_lines(git_run(r, "cat-file", "blob", notes[noted])))
        if outcome is None:
            continue
        outcomes.setdefault(noted, []).append(outcome)
        span = outcome.get("range")
        if isinstance(span, str) and ".." in span:
            status, listed, _ = git_result(r, "rev-list", "--first-parent", span, "--")
            for sha in listed.split() if status == 0 else ():
                if sha != noted:
                    outcomes.setdefault(sha, []).append(outcome)
    found = []
    for sha, parent, date, author, subject in commits:
        before, after = (trees.get(parent) if parent else None), trees.get(sha)
        if before == after:
            continue
        outcome = _latest(outcomes.get(sha, []))
        if outcome is not None and outcome.get("status") in DONE_STATUSES:
            continue
        found.append(UnappliedChange(sha, subject, date, author, diff_states(r, before, after), outcome))
    return found


# -- reading backup tags -------------------------------------------------------------------------------------
@dataclass
class _TagRecord:
    name: str
    object: str         # the tag object's id (the commit's for a lightweight tag)
    kind: str           # "tag" for annotated tags
    target: str         # the commit it points at (peeled)
    body: str
    signature: str

    @property
    def manifest(self) -> dict[str, Any] | None:
        if self.kind != "tag":
            return None
        try:
            data = yaml.safe_load(self.body)
        except yaml.YAMLError:
            return None
        return data if isinstance(data, dict) and data.get("format") == MANIFEST_FORMAT else None


def _read_tags(repo: Repo) -> list[_TagRecord]:
    """The ``backup/*`` tags with a backup-shaped name, newest first."""
    fmt = "%(refname)%1f%(objectname)%1f%(objecttype)%1f%(*objectname)%1f%(contents:body)%1f%(contents:signature)%1e"
    out = git_run(repo, "for-each-ref", f"--format={fmt}", f"refs/tags/{TAG_PREFIX}")
    records = []
    for chunk in out.split("\x1e"):
        chunk = chunk.lstrip("\n")
        if not chunk:
            continue
        ref, obj, kind, peeled, body, signature = (chunk.split("\x1f") + [""] * 6)[:6]
        name = ref.removeprefix("refs/tags/")
        if parse_backup_tag(name) is None:
            continue
        records.append(_TagRecord(name, obj, kind, peeled or obj, body, signature))
    records.sort(key=lambda t: _sort_key(t.name), reverse=True)
    return records


def _remote_state(repo: Repo, remote: str, branch: str) -> tuple[str | None, dict[str, str]]:
    """(``branch`` in ``remote``, ``{backup tag name: tag object id}`` in ``remote``)."""
    status, out, err = git_result(repo, "ls-remote", "--refs", remote, f"refs/heads/{branch}",
                                  f"refs/tags/{TAG_PREFIX}*")
    if status != 0:
        raise BackupError(f"git ls-remote {remote}: {(err or out).strip()}")
    head, tags = None, {}
    for line in out.splitlines():
        sha, _, ref = line.partition("\t")
        if ref == f"refs/heads/{branch}":
            head = sha
        elif parse_backup_tag(ref.removeprefix("refs/tags/")) is not None:
            tags[ref.removeprefix("refs/tags/")] = sha
    return head, tags


# -- backup --------------------------------------------------------------------------------------------------
@dataclass
class BackupResult:
    tag: str
    commit: str
    committed: bool                       # False: nothing changed, the existing commit was tagged
    branch: str | None
    previous: str | None                  # the newest backup tag before this one
    snapshot: StateSnapshot
    changes: Changes                      # since ``previous`` (or since nothing, for the first backup)
    committed_changes: Changes            # what the backup commit changed (empty when not committed)
    pruned: list[str]
    unapplied: list[UnappliedChange]
    export: ExportSummary
    manifest: dict[str, Any]
    pushed: bool = False
    remote: str | None = None
    signed: bool = False

    @property
    def counts(self) -> dict[str, int]:
        return self.snapshot.counts

    def to_dict(self) -> dict[str, Any]:
        return {"tag": self.tag, "commit": self.commit, "committed": self.committed, "branch": self.branch,
                "previous": self.previous, "objects": self.snapshot.counts, "total": self.snapshot.total,
                "stateTree": self.snapshot.tree, "digest": self.snapshot.digest,
                "changes": {k: v.to_dict() for k, v in self.changes.items()},
                "committedChanges": {k: v.to_dict() for k, v in self.committed_changes.items()},
                "pruned": self.pruned, "pushed": self.pushed, "remote": self.remote, "signed": self.signed,
                "unapplied": [u.to_dict() for u in self.unapplied], "export": self.export.to_dict()}


def _commit_message(tag: str, when: datetime, changes: Changes, message: str | None) -> str:
    total = _sum_changes(changes)
    lines = [f"entragit backup {when:%Y-%m-%dT%H:%M:%SZ}: {total.added} added, {total.modified} modified, "
             f"{total.deleted} deleted", ""]
    lines += [f"- {key}: {c.added} added, {c.modified} modified, {c.deleted} deleted"
              for key, c in changes.items()]
    if message and message.strip():
        lines += ["", message.strip()]
    lines += ["", f"{TRAILER}: {tag}", ""]
    return "\n".join(lines)


def _manifest(*, tag: str, when: datetime, commit: str, branch: str | None, snap: StateSnapshot,
              previous: str | None, changes: Changes, export: ExportSummary,
              unapplied: list[UnappliedChange], message: str | None) -> dict[str, Any]:
    extra = {k: v for k, v in (("requests", export.requests), ("resourceUnits", export.resource_units),
                               ("filesChanged", export.files_changed)) if v is not None}
    manifest: dict[str, Any] = {
        "format": MANIFEST_FORMAT, "tag": tag, "created": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "commit": commit, "branch": branch, "stateTree": snap.tree, "digest": snap.digest,
        "objects": snap.counts, "total": snap.total, "previous": previous,
        "changes": {k: v.to_dict() for k, v in changes.items()},
        "tenantId": export.tenant_id, "graphEndpoint": export.graph_url, "tool": f"entragit {__version__}",
    }
    if extra:
        manifest["export"] = extra
    if unapplied:
        manifest["unapplied"] = [u.commit for u in unapplied]
    if message and message.strip():
        manifest["message"] = message.strip()
    return manifest


def _tag_message(manifest: dict[str, Any]) -> str:
    subject = f"entragit backup {manifest['created']}: {manifest['total']} objects"
    body = yaml.safe_dump(manifest, sort_keys=False, default_flow_style=None, allow_unicode=True, width=100)
    return f"{subject}\n\n{body}"


class _StagedState:
    """Stage ``tenant-state/`` in a private copy of the index (other staged changes stay out of the commit).

    Holds ``index.lock`` like git does; :meth:`install` makes the copy the real index (same entries for
    everything else, tenant-state as committed); leaving without it discards the copy.
    """

    def __init__(self, repo: Repo) -> None:
        self.repo = repo
        git_dir = Path(repo.git_dir)
        self.index, self.lock = git_dir / "index", git_dir / "index.lock"
        self.tmp = git_dir / f"entragit-index.{os.getpid()}"

    def __enter__(self) -> _StagedState:
        try:
            os.close(os.open(self.lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644))
        except FileExistsError:
            raise LockedError(f"{self.lock} exists: another git process is running in this repository "
                              "(if it crashed, remove the file)") from None
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
        if status == 0:
            return out.strip()
        if "not found" in err:
            return None
        raise BackupError(f"git write-tree failed: {err.strip()}")

    def install(self) -> None:
        if self.tmp.exists():
            os.replace(self.tmp, self.index)

    def __exit__(self, *exc: object) -> None:
        self.tmp.unlink(missing_ok=True)
        self.lock.unlink(missing_ok=True)


def _root_tree(repo: Repo, head: str | None, state_tree: str | None) -> str:
    """HEAD's root tree with its ``tenant-state`` entry replaced by ``state_tree``."""
    entries: list[bytes] = []
    if head is not None:
        for record in git_run(repo, "ls-tree", "-z", head).split("\0"):
            if record and record.split("\t", 1)[1] != STATE_DIR:
                entries.append(record.encode())
    if state_tree is not None:
        entries.append(f"040000 tree {state_tree}\t{STATE_DIR}".encode())
    return git_run(repo, "mktree", "-z", stdin=b"".join(e + b"\0" for e in entries)).strip()


def _current_branch(repo: Repo) -> str | None:
    status, out, _ = git_result(repo, "symbolic-ref", "-q", "--short", "HEAD")
    return out.strip() or None if status == 0 else None


def _push(repo: Repo, remote: str, branch: str, new_tags: list[str], deleted: list[str]) -> None:
    refspecs = [f"HEAD:refs/heads/{branch}"] + [f"refs/tags/{t}:refs/tags/{t}" for t in new_tags]
    refspecs += [f":refs/tags/{t}" for t in deleted]
    status, out, err = git_result(repo, "push", "--atomic", "--porcelain", "--no-verify", remote, *refspecs)
    if status != 0:
        raise BackupError(f"git push --atomic {remote} failed, nothing was pushed (the backup is kept "
                          f"locally; the next --push sends it): {(err or out).strip()}")


def backup(repo: RepoLike, *, export_step: ExportStep, keep: int = DEFAULT_KEEP, push: bool = False,
           message: str | None = None, sign: bool = False, now: datetime | str | None = None,
           remote: str = "origin", progress: Progress | None = None,
           warn: Callable[[str], None] | None = None) -> BackupResult:
    """Export into ``tenant-state/``, commit what changed, tag the backup, prune old tags, push if asked.

    ``export_step(out_dir)`` writes the tenant into ``out_dir`` (``<repo>/tenant-state``) and returns its
    summary (:class:`ExportSummary`, the exporter's result, a mapping or None). If it raises, nothing is
    committed or tagged and the exception propagates. ``warn`` receives the unapplied-changes warning as
    soon as it is known (before the export); ``progress(state, message)`` follows the steps.
    """
    if keep < 1:
        raise UsageError(f"--keep must be at least 1 (the new backup), got {keep}")
    r = open_repo(repo)
    report = progress or (lambda state, text: None)
    when = resolve_now(now)
    branch = _current_branch(r)
    if push and branch is None:
        raise UsageError("cannot --push from a detached HEAD: check out the default branch")
    remote_tags: dict[str, str] = {}
    if push:
        assert branch is not None
        report(JobState.LOADING, f"reading {remote}")
        remote_head, remote_tags = _remote_state(r, remote, branch)
        if remote_head is not None and (_rev(r, f"{remote_head}^{{commit}}") is None or git_result(
                r, "merge-base", "--is-ancestor", remote_head, "HEAD")[0] != 0):
            raise BackupError(f"{remote}/{branch} has commits this clone lacks: pull before backing up "
                              "(nothing was exported)")
        fetch_notes(r, remote)
    local_tags = _read_tags(r)
    previous = local_tags[0] if local_tags else None
    unapplied = unapplied_changes(r)                 # before the backup commit hides them
    if unapplied and warn is not None:
        warn(render_unapplied_warning(unapplied))

    report(JobState.LOADING, "exporting the tenant")
    root = Path(r.working_tree_dir or ".")
    export = ExportSummary.coerce(export_step(root / STATE_DIR))

    report(JobState.IN_PROGRESS, "committing")
    head = _rev(r, "HEAD^{commit}")
    head_state = _state_tree(r, head)
    tag = backup_tag_name(when, {t.name for t in local_tags} | set(remote_tags))
    env = identity_env(r, when)
    with shield(), _StagedState(r) as staged:
        state_tree = staged.stage()
        committed = head is None or state_tree != head_state
        committed_changes = diff_states(r, head_state, state_tree) if committed else {}
        commit = head
        if committed:
            text = _commit_message(tag, when, committed_changes, message)
            args = ["commit-tree", _root_tree(r, head, state_tree)] + (["-p", head] if head else [])
            commit = git_run(r, *args, "-F", "-", stdin=text.encode(), env=env).strip()
        assert commit is not None
        snap = snapshot(r, state_tree)
        previous_tree = _state_tree(r, previous.target) if previous else None
        if previous_tree == head_state and previous is not None:
            changes = committed_changes
        else:
            changes = diff_states(r, previous_tree, state_tree)
        manifest = _manifest(tag=tag, when=when, commit=commit, branch=branch, snap=snap,
                             previous=previous.name if previous else None, changes=changes, export=export,
                             unapplied=unapplied, message=message)
        status, out, err = git_result(r, "tag", "-s" if sign else "-a", "--cleanup=verbatim", "-F", "-", tag,
                                      commit, stdin=_tag_message(manifest).encode(), env=env)
        if status != 0:
            hint = " (configure git signing: user.signingkey, gpg.format=ssh for SSH keys)" if sign else ""
            raise BackupError(f"git tag {tag} failed{hint}: {(err or out).strip()}")
        if committed:
            status, out, err = git_result(r, "update-ref", "-m", f"entragit backup: {tag}", "HEAD", commit,
                                          head or ZERO)
            if status != 0:
                git_result(r, "tag", "-d", tag)
                raise BackupError(f"the branch moved during the backup, nothing recorded: {(err or out).strip()}")
        staged.install()

    report(JobState.IN_PROGRESS, "pruning old backup tags")
    names = sorted({t.name for t in local_tags} | set(remote_tags) | {tag}, key=_sort_key, reverse=True)
    kept, dropped = names[:keep], names[keep:]
    local_names = {t.name for t in local_tags}
    for name in dropped:
        if name in local_names:
            git_run(r, "tag", "-d", name)
    pruned = [n for n in dropped if n in local_names or n in remote_tags]

    pushed = False
    if push:
        report(JobState.IN_PROGRESS, f"pushing to {remote}")
        assert branch is not None
        missing = [n for n in kept if n not in remote_tags and n in local_names | {tag}]
        _push(r, remote, branch, missing, [n for n in dropped if n in remote_tags])
        pushed = True
    return BackupResult(tag=tag, commit=commit, committed=committed, branch=branch,
                        previous=previous.name if previous else None, snapshot=snap, changes=changes,
                        committed_changes=committed_changes, pruned=pruned, unapplied=unapplied, export=export,
                        manifest=manifest, pushed=pushed, remote=remote if push else None, signed=sign)


# -- listing ---------------------------------------------------------------------------------------------------
@dataclass
class BackupInfo:
    tag: str
    time: datetime
    commit: str
    counts: dict[str, int]
    total: int
    signed: bool
    previous: str | None                     # the next older backup tag (for the oldest kept: its manifest's)
    changes: Changes | None                  # since ``previous`` (None: the first backup of all)
    manifest: dict[str, Any] | None

    def to_dict(self) -> dict[str, Any]:
        return {"tag": self.tag, "time": self.time.strftime("%Y-%m-%dT%H:%M:%SZ"), "commit": self.commit,
                "objects": self.counts, "total": self.total, "signed": self.signed, "previous": self.previous,
                "changes": None if self.changes is None else {k: v.to_dict() for k, v in self.changes.items()},
                "tenantId": (self.manifest or {}).get("tenantId"),
                "message": (self.manifest or {}).get("message")}


def _manifest_changes(value: Any) -> Changes | None:
    """The ``changes`` of a manifest as :data:`Changes` (None when unreadable)."""
    if not isinstance(value, Mapping):
        return None
    try:
        return {str(k): TypeChanges(int(v.get("added", 0)), int(v.get("modified", 0)), int(v.get("deleted", 0)))
                for k, v in sorted(value.items()) if isinstance(v, Mapping)}
    except (TypeError, ValueError):
        return None


def list_backups(repo: RepoLike) -> list[BackupInfo]:
    """The tagged backups, newest first, with the changes between consecutive backup commits (for the
    oldest one kept, the changes its manifest records since its own, pruned, predecessor)."""
    r = open_repo(repo)
    tags = _read_tags(r)
    trees = _tree_ids(r, [t.target for t in tags])
    infos = []
    for i, tag in enumerate(tags):
        manifest = tag.manifest
        if manifest is not None and isinstance(manifest.get("objects"), dict):
            counts = {str(k): int(v) for k, v in manifest["objects"].items()}
        else:
            counts = snapshot(r, trees.get(tag.target)).counts
        created = (manifest or {}).get("created")
        when = _sort_key(tag.name)[0]
        if isinstance(created, str):
            try:
                when = resolve_now(created)
            except UsageError:
                pass
        older = tags[i + 1] if i + 1 < len(tags) else None
        previous: str | None = older.name if older else None
        changes: Changes | None = None
        if older is not None:
            changes = diff_states(r, trees.get(older.target), trees.get(tag.target))
        elif manifest is not None and isinstance(manifest.get("previous"), str):
            # the oldest backup kept: its previous one was pruned, the manifest still says what changed
            previous, changes = manifest["previous"], _manifest_changes(manifest.get("changes"))
        infos.append(BackupInfo(tag=tag.name, time=when, commit=tag.target, counts=counts,
                                total=sum(counts.values()), signed=bool(tag.signature.strip()),
                                previous=previous, changes=changes, manifest=manifest))
    return infos


# -- verify ----------------------------------------------------------------------------------------------------
@dataclass
class VerifyResult:
    tag: str
    commit: str | None                 # what the tag points at
    checks: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    signature: str = "none"            # good | bad | unverifiable | none
    signature_detail: str = ""

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict[str, Any]:
        return {"tag": self.tag, "ok": self.ok, "commit": self.commit, "checks": self.checks,
                "problems": self.problems, "signature": self.signature,
                "signatureDetail": self.signature_detail or None}


def _object_hash_ok(repo: Repo, algo: str, sha: str) -> bool:
    stream = repo.odb.stream(bytes.fromhex(sha))
    data = stream.read()
    kind = stream.type.decode() if isinstance(stream.type, bytes) else str(stream.type)
    h = hashlib.new(algo)
    h.update(f"{kind} {len(data)}\0".encode())
    h.update(data)
    return h.hexdigest() == sha


def _deep_check(repo: Repo, record: _TagRecord, tree: str | None) -> tuple[int, list[str]]:
    """Re-hash every object from the tag down to the tenant-state blobs (git does not on reads)."""
    algo = {"sha1": "sha1", "sha256": "sha256"}.get(
        git_result(repo, "rev-parse", "--show-object-format")[1].strip() or "sha1", "sha1")
    ids = [record.object, record.target, _rev(repo, f"{record.target}^{{tree}}") or ""]
    if tree is not None:
        ids.append(tree)
        for rec in git_run(repo, "ls-tree", "-r", "-t", "-z", tree).split("\0"):
            if rec:
                _mode, kind, sha = rec.split("\t", 1)[0].split()
                if kind in ("blob", "tree"):
                    ids.append(sha)
    bad = []
    for sha in dict.fromkeys(i for i in ids if i):
        try:
            if not _object_hash_ok(repo, algo, sha):
                bad.append(sha)
        except Exception as exc:     # a missing or unreadable object is a failed check, named
            bad.append(f"{sha} ({type(exc).__name__})")
    return len(ids), bad


def verify(repo: RepoLike, tag: str | None = None, *, deep: bool = False,
           require_signature: bool = False) -> VerifyResult:
    """Prove a backup intact (the newest when ``tag`` is None): tag → commit → tree → digest (+ signature).

    Checks that the tag is annotated and carries a manifest naming itself; that it points at the commit the
    manifest records (a tag moved to another commit fails); that this commit's ``tenant-state/`` tree is
    the manifest's ``stateTree`` and hashes to its ``digest`` with the recorded object counts (a tampered
    tree fails); that the commit is still in the history of the branch it was made on (history rewritten
    fails); the signature when the tag is signed (``git verify-tag``: SSH needs
    ``gpg.ssh.allowedSignersFile``), and its presence with ``require_signature``. ``deep`` re-hashes every
    object involved, catching an object store edited in place.
    """
    r = open_repo(repo)
    tags = _read_tags(r)
    if tag is None:
        if not tags:
            raise UsageError(f"no backup tags ({TAG_PREFIX}*) in {r.working_tree_dir}")
        record = tags[0]
    else:
        name = tag.removeprefix("refs/tags/")
        found = next((t for t in tags if t.name == name), None)
        if found is None:
            raise UsageError(f"no backup tag {name!r} (see `entragit backups`)")
        record = found
    result = VerifyResult(tag=record.name, commit=record.target)
    ok, bad = result.checks.append, result.problems.append
    if record.kind != "tag":
        bad(f"{record.name} is a lightweight tag, not an annotated backup tag with a manifest")
        return result
    manifest = record.manifest
    if manifest is None:
        bad(f"{record.name} has no readable manifest (format {MANIFEST_FORMAT})")
        return result
    ok("manifest readable")
    if manifest.get("tag") != record.name:
        bad(f"manifest names tag {manifest.get('tag')!r}, not {record.name}")
    if manifest.get("commit") != record.target:
        bad(f"tag points at commit {record.target[:12]} but its manifest records {str(manifest.get('commit'))[:12]}"
            " (tag moved)")
    else:
        ok(f"tag points at the recorded commit {record.target[:12]}")
    tree = _state_tree(r, record.target)
    if tree != manifest.get("stateTree"):
        bad(f"tenant-state tree of {record.target[:12]} is {tree} but the manifest records "
            f"{manifest.get('stateTree')} (tree tampered)")
    else:
        ok(f"tenant-state tree {str(tree)[:12]} as recorded")
    snap = snapshot(r, tree)
    if snap.digest != manifest.get("digest"):
        bad(f"digest of tenant-state is {snap.digest} but the manifest records {manifest.get('digest')}")
    else:
        ok("digest matches")
    if snap.counts != (manifest.get("objects") or {}):
        bad(f"object counts {snap.counts} differ from the manifest's {manifest.get('objects')}")
    else:
        ok(f"{snap.total} tenant objects as recorded")
    branch = manifest.get("branch")
    if isinstance(branch, str) and _rev(r, f"refs/heads/{branch}") is not None:
        status, _, _ = git_result(r, "merge-base", "--is-ancestor", record.target, f"refs/heads/{branch}")
        if status == 0:
            ok(f"commit in the history of {branch}")
        else:
            bad(f"commit {record.target[:12]} is not in the history of {branch} (history rewritten)")
    if record.signature.strip():
        status, out, err = git_result(r, "verify-tag", record.name)
        result.signature_detail = (err or out).strip()
        if status == 0:
            result.signature = "good"
            ok("signature good")
        elif "allowedSignersFile" in result.signature_detail:
            result.signature = "unverifiable"
            bad("the tag is signed with SSH but gpg.ssh.allowedSignersFile is not configured: cannot check it")
        else:
            result.signature = "bad"
            bad(f"signature does not verify: {result.signature_detail or 'git verify-tag failed'}")
    elif require_signature:
        bad(f"{record.name} is not signed")
    if deep:
        count, corrupt = _deep_check(r, record, tree)
        if corrupt:
            bad(f"{len(corrupt)} git object(s) do not hash to their id: {', '.join(corrupt[:5])}")
        else:
            ok(f"{count} git objects re-hashed")
    return result


def verify_all(repo: RepoLike, *, deep: bool = False, require_signature: bool = False) -> list[VerifyResult]:
    """:func:`verify` for every backup tag, newest first."""
    r = open_repo(repo)
    return [verify(r, t.name, deep=deep, require_signature=require_signature) for t in _read_tags(r)]


# -- rendering -------------------------------------------------------------------------------------------------
def _changes_text(changes: Changes | None) -> str:
    """``groups 1 added, 2 modified; users 1 deleted`` (types without changes left out)."""
    if changes is None:
        return "unknown"
    if not any(c.total for c in changes.values()):
        return "no change"
    return "; ".join(f"{k} {c.short()}" for k, c in changes.items() if c.total)


def _since(previous: str | None, changes: Changes | None) -> str:
    if previous is None:
        return "first backup: every object is new"
    return f"changes since {previous}: {_changes_text(changes)}"


def render_backup(result: BackupResult, fmt: str = "text") -> str:
    """The summary of one backup run: ``text`` for a terminal, ``markdown`` for $GITHUB_STEP_SUMMARY."""
    counts = ", ".join(f"{k} {v}" for k, v in result.counts.items()) or "none"
    sha = result.commit[:12]
    if fmt == "markdown":
        what = (f"New commit `{sha}`" if result.committed
                else f"No change in `{STATE_DIR}/`: commit `{sha}` tagged again")
        lines = [f"## Backup `{result.tag}`", "", f"{what}, {result.snapshot.total} objects.", "",
                 "| Type | Objects | Added | Modified | Deleted |", "|---|---:|---:|---:|---:|"]
        for key in sorted(set(result.counts) | set(result.changes)):
            c = result.changes.get(key, TypeChanges())
            lines.append(f"| {key} | {result.counts.get(key, 0)} | {c.added} | {c.modified} | {c.deleted} |")
        lines.append("")
        lines.append(f"Changes since `{result.previous}`: {_changes_text(result.changes)}." if result.previous
                     else "First backup: every object is new.")
        if result.pruned:
            lines.append(f"Tags pruned (their commits stay in history): {', '.join(f'`{t}`' for t in result.pruned)}.")
        if result.pushed:
            lines.append(f"Pushed to `{result.remote}`.")
        if result.unapplied:
            lines += ["", f"> [!WARNING]\n> {len(result.unapplied)} merged change(s) to tenant-state/ were "
                          "never applied to the tenant:"]
            lines += [f"> - `{u.commit[:12]}` {u.subject} ({_changes_text(u.changes)}): {u.reason}"
                      for u in result.unapplied]
        return "\n".join(lines) + "\n"
    what = f"new commit {sha}" if result.committed else f"no change in {STATE_DIR}/, commit {sha} tagged again"
    lines = [f"{result.tag}: {what}",
             f"  objects: {result.snapshot.total} ({counts})",
             f"  {_since(result.previous, result.changes)}"]
    if result.pruned:
        lines.append(f"  tags pruned (their commits stay in history): {', '.join(result.pruned)}")
    if result.pushed:
        lines.append(f"  pushed to {result.remote}")
    lines += _unapplied_lines(result.unapplied)
    return "\n".join(lines) + "\n"


def _unapplied_lines(unapplied: list[UnappliedChange]) -> list[str]:
    if not unapplied:
        return []
    return ([f"warning: {len(unapplied)} merged change(s) to {STATE_DIR}/ never applied to the tenant:"]
            + [f"  {u.line()}" for u in unapplied])


def render_unapplied_warning(unapplied: list[UnappliedChange]) -> str:
    return "\n".join(_unapplied_lines(unapplied))


def render_backups(infos: list[BackupInfo]) -> str:
    if not infos:
        return "no backups\n"
    lines = []
    for info in infos:
        sig = ", signed" if info.signed else ""
        lines.append(f"{info.tag}  {info.time:%Y-%m-%d %H:%M:%S} UTC  commit {info.commit[:12]}  "
                     f"{info.total} objects{sig}")
        if info.counts:
            lines.append("  objects: " + ", ".join(f"{k} {v}" for k, v in info.counts.items()))
        lines.append(f"  {_since(info.previous, info.changes)}")
        message = (info.manifest or {}).get("message")
        if isinstance(message, str) and message:
            lines.append(f"  message: {message}")
    return "\n".join(lines) + "\n"


def render_verify(results: list[VerifyResult]) -> str:
    lines = []
    for res in results:
        lines.append(f"{res.tag}: {'OK' if res.ok else 'FAILED'}"
                     + (f" (signature {res.signature})" if res.signature != "none" else ""))
        lines += [f"  ok: {c}" for c in res.checks]
        lines += [f"  FAIL: {p}" for p in res.problems]
    return "\n".join(lines) + "\n"
