"""``entragit backups``: the tagged backups, newest first, with what changed between them.

Newest means by position in the default branch's first-parent history (:mod:`entragit.backups.trust`); tags that
are not trusted come last, each with the reason, and are never anyone's "previous" backup."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from entragit.backups.state import Changes, TypeChanges, _tree_ids, diff_states, snapshot
from entragit.backups.tags import _sort_key
from entragit.backups.trust import assess
from entragit.errors import UsageError
from entragit.gitutil import RepoLike, git_result, open_repo, resolve_now


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
    trusted: bool = True
    problems: list[str] = field(default_factory=list)
    size: int | None = None                  # bytes of its tenant-state/ files (None: unknown)

    def to_dict(self) -> dict[str, Any]:
        return {"tag": self.tag, "time": self.time.strftime("%Y-%m-%dT%H:%M:%SZ"), "commit": self.commit,
                "objects": self.counts, "total": self.total, "signed": self.signed, "previous": self.previous,
                "size": self.size,
                "changes": None if self.changes is None else {k: v.to_dict() for k, v in self.changes.items()},
                "tenantId": (self.manifest or {}).get("tenantId"),
                "message": (self.manifest or {}).get("message"), "trusted": self.trusted,
                "problems": self.problems}


def _manifest_changes(value: Any) -> Changes | None:
    """The ``changes`` of a manifest as :data:`Changes` (None when unreadable)."""
    if not isinstance(value, Mapping):
        return None
    try:
        return {str(k): TypeChanges(int(v.get("added", 0)), int(v.get("modified", 0)), int(v.get("deleted", 0)))
                for k, v in sorted(value.items()) if isinstance(v, Mapping)}
    except (TypeError, ValueError):
        return None


def list_backups(repo: RepoLike, *, allowed_signers: Path | str | None = None,
                 require_signature: bool = False) -> list[BackupInfo]:
    """The trusted backups, newest first, with the changes between consecutive backup commits (for the
    oldest one kept, the changes its manifest records since its own, pruned, predecessor); then the tags
    that are not trusted, with why."""
    r = open_repo(repo)
    ranked = assess(r, allowed_signers=allowed_signers, require_signature=require_signature)
    doubtful = [a for a in ranked if not a.trusted]
    tags = [a.record for a in ranked if a.trusted]
    trees = _tree_ids(r, [a.record.target for a in ranked])
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
                                previous=previous, changes=changes, manifest=manifest,
                                size=_state_size(r, tag.target)))
    for item in doubtful:
        counts = snapshot(r, trees.get(item.commit)).counts
        infos.append(BackupInfo(tag=item.tag, time=item.when, commit=item.commit, counts=counts,
                                total=sum(counts.values()), signed=bool(item.record.signature.strip()),
                                previous=None, changes=None, manifest=item.record.manifest, trusted=False,
                                problems=item.problems, size=_state_size(r, item.commit)))
    return infos


def _state_size(repo: Any, commit: str) -> int | None:
    """Bytes of the ``tenant-state/`` files of ``commit`` (``git ls-tree -r -l``)."""
    status, out, _ = git_result(repo, "ls-tree", "-r", "-l", "--full-tree", commit, "--", "tenant-state")
    if status != 0:
        return None
    total = 0
    for line in out.splitlines():
        fields = line.split(None, 4)
        if len(fields) >= 4 and fields[1] == "blob" and fields[3].isdigit():
            total += int(fields[3])
    return total
