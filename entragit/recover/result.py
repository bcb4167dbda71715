"""The revert branch and its pull request, as data; the names the branch and its commit carry."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

STATE_DIR = "tenant-state"
CHECKSUM_TRAILER = "Entragit-Plan-Checksum"
BRANCH_PREFIX = "recover/"
EMPTY_SHA = "0" * 40


@dataclass(frozen=True)
class FileChange:
    """One ``tenant-state/`` file the revert branch changes."""

    path: str
    type: str
    id: str
    action: str  # "modified" (back to REF), "re-added" (deleted since REF), "removed" (created since REF)
    name: str = ""  # the object's display name (from the file)

    def to_json(self) -> dict[str, Any]:
        return {"path": self.path, "type": self.type, "id": self.id, "action": self.action, "displayName": self.name}


@dataclass
class RecoverResult:
    """The revert branch and its pull request."""

    branch: str
    commit: str
    base: str  # the default branch's commit the branch starts from
    ref: str  # what REF resolved to (a commit)
    source: str  # REF as given (a backup tag, usually)
    files: list[FileChange]
    left_new: list[FileChange] = field(default_factory=list)  # created since REF, kept (no --include-new)
    title: str = ""
    body: str = ""
    plan: Any = None  # entragit.plan.Plan (None: not computed)
    plan_note: str = ""  # why there is no plan, or that the safety rails refuse it
    report: str = ""  # the difference report (Markdown), when entragit.report made one
    scope: str = ""  # the scope in words ("the whole tenant", "types groups", ...)

    @property
    def checksum(self) -> str | None:
        return self.plan.checksum if self.plan is not None else None

    def to_json(self) -> dict[str, Any]:
        return {"branch": self.branch, "commit": self.commit, "base": self.base, "from": self.source,
                "fromCommit": self.ref, "files": [f.to_json() for f in self.files],
                "keptNew": [f.to_json() for f in self.left_new], "title": self.title,
                "checksum": self.checksum, "planNote": self.plan_note or None,
                "counts": self.plan.counts() if self.plan is not None else None,
                "refused": self.plan.refused if self.plan is not None else None}

    def summary(self) -> str:
        counts: dict[str, int] = {}
        for f in self.files:
            counts[f.action] = counts.get(f.action, 0) + 1
        what = ", ".join(f"{n} {a}" for a, n in sorted(counts.items())) or "no files"
        text = f"branch {self.branch} at {self.commit[:12]} (from {self.base[:12]}): {what}"
        if self.plan is not None:
            n = len(self.plan.writes)
            text += f"; plan: {n} change{'s' if n != 1 else ''}, checksum {self.plan.checksum}"
            if self.plan.refused:
                text += "; REFUSED by the safety rails (see the pull request body)"
        elif self.plan_note:
            text += f"; {self.plan_note}"
        return text
