"""Apply outcomes as git notes, and the merged changes to ``tenant-state/`` never applied.

**Apply outcomes** are git notes under :data:`NOTES_REF` (``refs/notes/entragit``; ``git notes
--ref=entragit``) on the commit that was applied (a merge commit, usually). A note is JSON Lines: one JSON
object per apply attempt, appended, ``{"status": ..., "at": ISO 8601, "tool": ..., ...}``; the newest
``at`` wins. ``status`` ``applied`` (or ``acknowledged``, when a person dismisses a change on purpose)
means done; anything else (``failed``, ``refused``, ``partial``, ``drift``...) keeps the change listed as
unapplied. An outcome may carry ``"range": "<before>..<after>"``: it then covers every first-parent commit
of that range (a rebase-merged pull request lands as several commits). JSON Lines merge cleanly with
``git notes merge -s cat_sort_uniq``, which :func:`fetch_notes` uses. :func:`known_ids` reads the new ids
that applies gave recreated objects back from them (plan and apply match desired objects to them).

:func:`unapplied_changes` lists the first-parent commits since the oldest retained backup that changed
``tenant-state/``, are not backup commits, and have no done outcome. :func:`backup` computes it *before*
committing (the backup commit records the live state and would hide them) and repeats it in its result.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from git import Repo

from entragit import __version__
from entragit.backups.state import STATE_DIR, Changes, _tree_ids, diff_states
from entragit.backups.tags import _read_tags
from entragit.errors import UsageError
from entragit.gitutil import (
    BackupError,
    RepoLike,
    _rev,
    git_result,
    git_run,
    identity_env,
    oid,
    open_repo,
    resolve_now,
)
from entragit.markdown import plural, printable

STAGING = "refs/notes/entragit-fetched"  # where fetch_notes puts the remote's notes before merging them

TRAILER = "Entragit-Backup"
NOTES_REF = "refs/notes/entragit"
DONE_STATUSES = frozenset({"applied", "acknowledged"})
# the status of the record an apply writes before its last steps, and when it is stopped (SIGTERM, Ctrl-C)
INTERRUPTED = "interrupted"


# -- notes: apply outcomes -----------------------------------------------------------------------------------
def note_lines(text: str) -> list[dict[str, Any]]:
    """The records of one note's JSON Lines (a line that is not JSON: ``{"status": "unreadable", ...}``)."""
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


_note_lines = note_lines   # the old private name, kept for importers


def _latest(records: list[dict[str, Any]]) -> dict[str, Any] | None:
    if not records:
        return None
    indexed = list(enumerate(records))
    return max(indexed, key=lambda item: (str(item[1].get("at", "")), item[0]))[1]


def read_apply_outcomes(repo: RepoLike, commit: str) -> list[dict[str, Any]]:
    """Every outcome recorded on ``commit`` (oldest first as written)."""
    r = open_repo(repo)
    status, out, _ = git_result(r, "notes", f"--ref={NOTES_REF}", "show", "--end-of-options", commit)
    return note_lines(out) if status == 0 else []


def read_apply_outcome(repo: RepoLike, commit: str) -> dict[str, Any] | None:
    """The newest outcome recorded on ``commit``, None when it has none."""
    return _latest(read_apply_outcomes(repo, commit))


def _new_id_records(repo: RepoLike) -> list[dict[str, Any]]:
    """Every outcome record of the repository's notes that carries ``newIds`` (oldest first)."""
    r = open_repo(repo)
    status, out, _ = git_result(r, "notes", f"--ref={NOTES_REF}", "list")
    if status != 0:
        return []
    records: list[dict[str, Any]] = []
    for line in out.splitlines():
        parts = line.split()
        if len(parts) != 2:
            continue
        st, text, _ = git_result(r, "cat-file", "blob", oid(parts[0]))
        if st == 0:
            records += [rec for rec in note_lines(text) if isinstance(rec.get("newIds"), dict)]
    return sorted(records, key=lambda rec: str(rec.get("at", "")))


def known_ids(repo: RepoLike) -> dict[str, dict[str, Any]]:
    """The new ids earlier applies gave recreated objects (``newIds`` of every apply outcome recorded in the
    repository's notes, oldest first): ``{"<type>/<old id>": {"id": new id, "appId": ...}}``. A second apply
    (and a plan) before the next backup matches the desired objects to them instead of recreating again."""
    found: dict[str, dict[str, Any]] = {}
    for rec in _new_id_records(repo):
        for token, values in rec["newIds"].items():
            if isinstance(values, dict) and values.get("id"):
                found[str(token)] = dict(values)
    return found


def interrupted_ids(repo: RepoLike) -> frozenset[str]:
    """The tokens of :func:`known_ids` recorded only by applies that did not finish (``interrupted``: the
    record an apply writes before its last steps, or when it is stopped): the next plan lists them."""
    done: set[str] = set()
    unfinished: set[str] = set()
    for rec in _new_id_records(repo):
        tokens = {str(t) for t, v in rec["newIds"].items() if isinstance(v, dict) and v.get("id")}
        (unfinished if rec.get("status") == INTERRUPTED else done).update(tokens)
    return frozenset(unfinished - done)


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
    git_run(r, "notes", f"--ref={NOTES_REF}", "add", "-f", "--file=-", oid(sha),
            stdin=("\n".join(lines) + "\n").encode(), env=identity_env(r, when))
    return record


def fetch_notes(repo: RepoLike, remote: str = "origin") -> bool:
    """Fetch :data:`NOTES_REF` from ``remote`` and merge it into ours (``cat_sort_uniq``); False if absent."""
    r = open_repo(repo)
    status, out, err = git_result(r, "ls-remote", "--refs", "--end-of-options", remote, NOTES_REF)
    if status != 0:
        raise BackupError(f"git ls-remote {remote}: {(err or out).strip()}")
    if not out.strip():
        return False
    git_run(r, "fetch", "--quiet", "--no-tags", "--no-write-fetch-head", "--end-of-options", remote,
            f"+{NOTES_REF}:{STAGING}")
    try:
        if _rev(r, NOTES_REF) is None:
            git_run(r, "update-ref", NOTES_REF, STAGING)
        else:
            git_run(r, "notes", f"--ref={NOTES_REF}", "merge", "--quiet", "-s", "cat_sort_uniq", STAGING,
                    env=identity_env(r, resolve_now()))
    finally:
        git_result(r, "update-ref", "-d", STAGING)
    return True


def push_notes(repo: RepoLike, remote: str = "origin") -> None:
    """Push :data:`NOTES_REF` to ``remote`` (after merging the remote's notes, so none are lost)."""
    r = open_repo(repo)
    fetch_notes(r, remote)
    if _rev(r, NOTES_REF) is not None:
        git_run(r, "push", "--quiet", "--no-verify", "--end-of-options", remote, f"{NOTES_REF}:{NOTES_REF}")


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
    status, out, _ = git_result(r, "log", "-1", f"--format=%(trailers:key={TRAILER},valueonly)", "--end-of-options", rev,
                                  "--")
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
    else:
        resolved = _rev(r, f"{since}^{{commit}}")
        if resolved is None:
            raise UsageError(f"no such commit: {since}")
        since = resolved
    out = git_run(r, "log", "--first-parent", "-z",
                  f"--format=%H%x1f%P%x1f%cI%x1f%an%x1f%s%x1f%(trailers:key={TRAILER},valueonly,separator=%x2C)",
                  f"{oid(since)}..{oid(head)}", "--")
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
        outcome = _latest(note_lines(git_run(r, "cat-file", "blob", oid(notes[noted]))))
        if outcome is None:
            continue
        outcomes.setdefault(noted, []).append(outcome)
        span = outcome.get("range")
        if isinstance(span, str) and ".." in span:
            status, listed, _ = git_result(r, "rev-list", "--first-parent", "--end-of-options", span, "--")
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


def _unapplied_lines(unapplied: list[UnappliedChange]) -> list[str]:
    if not unapplied:
        return []
    return ([f"warning: {plural(len(unapplied), 'merged change')} to {STATE_DIR}/ never applied to the tenant:"]
            + [f"  {u.line()}" for u in unapplied])


def render_unapplied_warning(unapplied: list[UnappliedChange]) -> str:
    return printable("\n".join(_unapplied_lines(unapplied)))
