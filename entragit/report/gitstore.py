"""Reading ``tenant-state/`` out of git without checking anything out, and only what a report needs.

A difference report between two refs of a 100k-user repository must not read 100k files: it asks git which
files differ (``git diff-tree -r``, which compares tree ids and skips identical subtrees), then loads just
those blobs, all in one ``git cat-file --batch`` round trip. Display names of referenced objects are loaded
the same way, by path (``<commit>:tenant-state/<type>/<id>.yaml``), only for the ids that appear in changes.

The repository is opened with GitPython (:func:`entragit.backups.open_repo`); bulk reads run git's own
plumbing in a subprocess (a GitPython call per blob would cost a pipe round trip each).
"""

from __future__ import annotations

import hashlib
import subprocess
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from entragit.errors import EntragitError, UsageError
from entragit.gitutil import oid

STATE_DIR = "tenant-state"


@dataclass(frozen=True)
class FileChange:
    """One file that differs between two trees (``git diff-tree --raw``)."""

    status: str  # A | D | M | T
    path: str
    old: str | None  # blob id on the old side (None when added)
    new: str | None  # blob id on the new side (None when deleted)


@dataclass
class GitStore:
    """Plumbing reads on one repository, with a count of what was read (``stats``)."""

    root: Path  # the working tree (or git dir of a bare repository)
    stats: dict[str, int] = field(default_factory=lambda: {"blobs": 0, "gitCalls": 0})
    _format: str | None = None

    @classmethod
    def open(cls, repo: Any) -> GitStore:
        from entragit.backups import open_repo

        r = open_repo(repo)
        return cls(Path(r.working_tree_dir or r.git_dir))

    # -- running git ----------------------------------------------------------------------------------------
    def run(self, *args: str, input: bytes | None = None, ok: Sequence[int] = (0,)) -> bytes:
        self.stats["gitCalls"] += 1
        done = subprocess.run(["git", *args], cwd=self.root, input=input, capture_output=True, check=False)
        if done.returncode not in ok:
            message = done.stderr.decode("utf-8", "replace").strip() or f"exit status {done.returncode}"
            command = next((a for a in args if not a.startswith("-")), args[0])
            raise EntragitError(f"git {command} failed: {message}")
        return done.stdout

    def commit(self, ref: str) -> tuple[str, str]:
        """``(commit id, committer time ISO 8601 UTC)`` of ``ref``; UsageError naming an unknown ref."""
        from datetime import UTC, datetime

        self.stats["gitCalls"] += 1
        done = subprocess.run(["git", "show", "-s", "--format=%H %ct", "--end-of-options", f"{ref}^{{commit}}"],
                              cwd=self.root, capture_output=True, check=False)
        fields = done.stdout.decode().split()
        if done.returncode != 0 or len(fields) != 2:
            raise UsageError(f"unknown revision {ref!r}: not a commit, branch or tag of {self.root}")
        return fields[0], datetime.fromtimestamp(int(fields[1]), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    def is_ancestor(self, a: str, b: str) -> bool:
        done = subprocess.run(["git", "merge-base", "--is-ancestor", oid(a), oid(b)], cwd=self.root, capture_output=True,
                              check=False)
        self.stats["gitCalls"] += 1
        return done.returncode == 0

    def head(self) -> str | None:
        done = subprocess.run(["git", "rev-parse", "--verify", "--quiet", "HEAD^{commit}"], cwd=self.root,
                              capture_output=True, check=False)
        self.stats["gitCalls"] += 1
        return done.stdout.decode().strip() or None if done.returncode == 0 else None

    # -- trees ---------------------------------------------------------------------------------------------
    def folders(self, commit: str) -> set[str] | None:
        """Folder names under ``tenant-state/`` in ``commit``; None when it has no ``tenant-state/``."""
        out = self.run("ls-tree", "-z", oid(commit), "--", f"{STATE_DIR}/")
        if not out:
            return None
        names = set()
        for record in out.split(b"\0"):
            if record:
                meta, path = record.split(b"\t", 1)
                if meta.split()[1] == b"tree":
                    names.add(path.decode().rsplit("/", 1)[-1])
        return names

    def diff(self, a: str, b: str, pathspecs: Sequence[str]) -> list[FileChange]:
        """Files that differ between commits ``a`` and ``b`` under ``pathspecs`` (renames off)."""
        out = self.run("diff-tree", "-r", "-z", "--no-renames", "--no-commit-id", oid(a), oid(b), "--", *pathspecs)
        fields = out.split(b"\0")
        changes: list[FileChange] = []
        i = 0
        while i + 1 < len(fields):
            meta = fields[i].decode()
            if not meta.startswith(":"):
                i += 1
                continue
            _old_mode, _new_mode, old, new, status = meta[1:].split()
            path = fields[i + 1].decode()
            zero = set("0")
            changes.append(FileChange(status[:1], path, None if set(old) <= zero else old,
                                      None if set(new) <= zero else new))
            i += 2
        return changes

    def ls(self, commit: str, pathspecs: Sequence[str]) -> dict[str, str]:
        """``{path: blob id}`` of the files under ``pathspecs`` in ``commit``."""
        out = self.run("ls-tree", "-r", "-z", "--full-tree", oid(commit), "--", *pathspecs)
        files: dict[str, str] = {}
        for record in out.split(b"\0"):
            if not record:
                continue
            meta, path = record.split(b"\t", 1)
            _mode, kind, sha = meta.decode().split()
            if kind == "blob":
                files[path.decode()] = sha
        return files

    def deleted_paths(self, revs: Sequence[str], pathspecs: Sequence[str]) -> set[str]:
        """Paths a commit of ``revs`` (``git log`` arguments, e.g. ``A..B``) deleted, under ``pathspecs``."""
        if not pathspecs:
            return set()
        out = self.run("--literal-pathspecs", "log", "--no-renames", "--diff-filter=D", "--name-only", "--format=",
                       "-z", "--end-of-options", *revs, "--", *pathspecs)
        return {p.decode().strip() for p in out.split(b"\0") if p.strip()}

    # -- blobs ---------------------------------------------------------------------------------------------
    def read(self, names: Iterable[str]) -> dict[str, bytes | None]:
        """The content of each object name (a blob id, or ``<commit>:<path>``); None for a missing one.

        One ``git cat-file --batch`` process for the whole list.
        """
        wanted = list(dict.fromkeys(names))
        if not wanted:
            return {}
        if any("\n" in n for n in wanted):
            raise ValueError("object names cannot hold line breaks")
        out = self.run("cat-file", "--batch", input=("\n".join(wanted) + "\n").encode())
        result: dict[str, bytes | None] = {}
        pos = 0
        for name in wanted:
            end = out.index(b"\n", pos)
            header = out[pos:end].decode()
            pos = end + 1
            if header.endswith(" missing") or header.endswith(" ambiguous"):
                result[name] = None
                continue
            _sha, kind, size = header.rsplit(" ", 2)
            n = int(size)
            data = out[pos:pos + n]
            pos += n + 1  # the content is followed by a newline
            result[name] = data if kind == "blob" else None
            self.stats["blobs"] += 1
        return result

    def object_format(self) -> str:
        if self._format is None:
            out = subprocess.run(["git", "rev-parse", "--show-object-format"], cwd=self.root, capture_output=True,
                                 check=False)
            self._format = out.stdout.decode().strip() if out.returncode == 0 and out.stdout.strip() else "sha1"
        return self._format

    def blob_id(self, data: bytes) -> str:
        """The id git gives a blob holding ``data`` (``git hash-object``), without running git."""
        algo = hashlib.sha256 if self.object_format() == "sha256" else hashlib.sha1
        h = algo(b"blob %d\0" % len(data))
        h.update(data)
        return h.hexdigest()
