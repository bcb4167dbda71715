"""The delta state: where the next nightly backup continues reading from, kept beside the backups.

Incremental backups (issue 14) continue each type's Graph delta round from the ``@odata.deltaLink`` the
previous backup received, and read the directory audit log from where the previous backup stopped. That state
must survive CI, where every run starts from a fresh clone, without making backup commits noisy: it lives in
a ref of its own, :data:`DELTA_REF` (``refs/entragit/delta``), never inside ``tenant-state/``.

The ref points at a commit without parents whose tree holds one file, ``delta.json``::

    {"format": "entragit-delta/1",
     "backup": {"commit": "<sha>", "tag": "backup/20260101T230000Z", "stateTree": "<tree sha>"},
     "export": { ...what the exporter needs to continue: delta links per type with the query each was
                 issued for, the audit-log cursor, the time of the last full export... }}

``backup`` ties the state to the backup whose ``tenant-state/`` the links continue from; the ``export`` part is
the exporter's (``entragit.export``), opaque here. A state is **usable** (:func:`usable`) only when

- its ``backup.commit`` is the newest backup (the newest ``backup/*`` tag): after a recovery, a manual edit or
  a force push the newest backup is another one, and the state is discarded;
- ``HEAD``'s ``tenant-state`` tree is the state's ``stateTree``: a merged change to ``tenant-state/`` (a
  recovery pull request, an edit) means the files no longer are what the links continue from;
- the working tree's ``tenant-state/`` has no uncommitted change.

Otherwise the export is a full one, and says why (:class:`Usability`). The exporter checks the rest: the same
Graph endpoint and tenant, and per type the same query (``$select`` with the extension attributes).

Travel: ``entragit backup --push`` fetches the ref under the backup's remote lock (:func:`fetch`) and pushes
the new state in the same atomic push as the branch and the tags (:func:`push_refspec`); checkout in CI
fetches branches and tags only, never custom refs. Each state replaces the previous one (no parent commit), so
the ref never grows a history. A delta link holds opaque state tokens, no credential.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from git import Repo

from entragit.backups.state import STATE_DIR, _state_tree
from entragit.backups.tags import _read_tags
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

DELTA_REF = "refs/entragit/delta"
DELTA_FORMAT = "entragit-delta/1"
DELTA_FILE = "delta.json"


@dataclass
class DeltaState:
    """The stored state: the backup it continues from and the exporter's part (``export``)."""

    commit: str                       # the backup commit whose tenant-state the links continue from
    tag: str | None
    state_tree: str | None            # tenant-state tree id of that commit
    export: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> bytes:
        data = {"format": DELTA_FORMAT,
                "backup": {"commit": self.commit, "tag": self.tag, "stateTree": self.state_tree},
                "export": self.export}
        return (json.dumps(data, indent=1, sort_keys=True) + "\n").encode()

    @classmethod
    def from_json(cls, raw: bytes) -> DeltaState | None:
        try:
            data = json.loads(raw)
        except ValueError:
            return None
        if not isinstance(data, dict) or data.get("format") != DELTA_FORMAT:
            return None
        backup, export = data.get("backup"), data.get("export")
        if not isinstance(backup, dict) or not isinstance(export, dict) or not isinstance(backup.get("commit"), str):
            return None
        return cls(commit=backup["commit"], tag=backup.get("tag"), state_tree=backup.get("stateTree"), export=export)


@dataclass
class Usability:
    """The outcome of :func:`usable`: the state, or why there is none to continue from."""

    state: DeltaState | None
    reason: str | None = None         # None when usable

    @property
    def ok(self) -> bool:
        return self.state is not None and self.reason is None


def read(repo: RepoLike) -> DeltaState | None:
    """The state :data:`DELTA_REF` holds, None when there is none or it cannot be read."""
    r = open_repo(repo)
    status, out, _ = git_result(r, "cat-file", "blob", f"{DELTA_REF}:{DELTA_FILE}")
    if status != 0:
        return None
    return DeltaState.from_json(out.encode("utf-8", "surrogateescape"))


def usable(repo: RepoLike) -> Usability:
    """The stored state if the next export may continue from it (see the module docstring), else the reason."""
    r = open_repo(repo)
    state = read(r)
    if state is None:
        return Usability(None, "no delta state (first backup, or the state ref was not fetched)")
    tags = _read_tags(r)
    if not tags:
        return Usability(None, "no backup to continue from")
    newest = tags[0]
    if newest.target != state.commit:
        return Usability(None, f"the delta state belongs to {state.tag or state.commit[:12]}, not to the newest "
                               f"backup {newest.name} (a recovery, a manual edit or a force push)")
    head = _rev(r, "HEAD^{commit}")
    if _state_tree(r, head) != state.state_tree:
        return Usability(None, f"{STATE_DIR}/ changed since {newest.name} (a merged edit or recovery)")
    status, out, _ = git_result(r, "status", "--porcelain", "--untracked-files=all", "--", STATE_DIR)
    if status != 0 or out.strip():
        return Usability(None, f"{STATE_DIR}/ has uncommitted changes")
    return Usability(state)


def write(repo: RepoLike, *, commit: str, tag: str | None, export: dict[str, Any]) -> str:
    """Store a new state tied to backup ``commit``; returns the state commit's id."""
    r = open_repo(repo)
    state = DeltaState(commit=commit, tag=tag, state_tree=_state_tree(r, commit), export=export)
    blob = git_run(r, "hash-object", "-w", "--stdin", stdin=state.to_json()).strip()
    tree = git_run(r, "mktree", stdin=f"100644 blob {blob}\t{DELTA_FILE}\n".encode()).strip()
    message = f"entragit delta state for {tag or commit}\n".encode()
    sha = git_run(r, "commit-tree", oid(tree), "-F", "-", stdin=message, env=identity_env(r, resolve_now())).strip()
    git_run(r, "update-ref", "-m", "entragit delta state", DELTA_REF, oid(sha))
    return sha


def drop(repo: RepoLike) -> bool:
    """Delete the local state ref; True when there was one."""
    r = open_repo(repo)
    if _rev(r, DELTA_REF) is None:
        return False
    git_run(r, "update-ref", "-d", DELTA_REF)
    return True


def fetch(repo: Repo, remote: str) -> bool:
    """Replace the local state with the remote's (call it under the backup's remote lock); False when the
    remote has none (the local one, if any, is left: :func:`usable` still decides)."""
    status, out, err = git_result(repo, "ls-remote", "--refs", "--end-of-options", remote, DELTA_REF)
    if status != 0:
        raise BackupError(f"git ls-remote {remote}: {(err or out).strip()}")
    if not out.strip():
        return False
    git_run(repo, "fetch", "--quiet", "--no-tags", "--no-write-fetch-head", "--end-of-options", remote,
            f"+{DELTA_REF}:{DELTA_REF}")
    return True


def push_refspec(repo: Repo) -> str | None:
    """The refspec sending the local state (forced: each state replaces the previous one), None if none."""
    return f"+{DELTA_REF}:{DELTA_REF}" if _rev(repo, DELTA_REF) is not None else None
