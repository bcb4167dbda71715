"""``tenant-state/`` trees in git: snapshots (object counts and the manifest digest) and per-type diffs."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from git import Repo

from entragit.gitutil import _rev, git_run, oid

STATE_DIR = "tenant-state"


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
        out = git_run(repo, "ls-tree", "-r", "-z", "--full-tree", oid(tree))
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
    out = git_run(repo, "diff-tree", "-r", "-z", "--no-renames", "--name-status", oid(old or empty),
                  oid(new or empty))
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
