"""Is an applied range a revert to a verified backup? (the share rail's exemption, entragit.plan.safety.Revert)

Restoring values after an attacker changed many objects is the main recovery: `entragit recover` builds a branch
that sets files back to a backup, and the share rail would refuse the very revert meant to undo a mass edit.
So a change that sets an object back to its value in the revert's source backup is not counted by the share
rail, when:

- the source is a *trusted* backup (:func:`entragit.backups.trust.assess`: its tag verifies, its commit is on the
  default branch's first-parent history, its signature is good when one is required);
- the range is a revert to it: every ``tenant-state/`` file the range changes is, at the range's head, exactly
  the file of that backup (same blob), or absent from both. A change that sets anything else, anywhere in the
  range, makes it no revert and nothing is exempt.

The source is the backup the recover commit names in its ``Entragit-Recover-From`` trailer; without one (a
squash merge rewrites commit messages), the trusted backups are tried, newest first. The values compared are the
backup's own files read from git, never the change's. Deletions and creations still count, and the
emergency-access rail has no exemption at all (entragit.plan.safety).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from entragit.plan.safety import Revert
from entragit.plan.scope import STATE_DIR, object_of, range_commits

RECOVER_TRAILER = "Entragit-Recover-From"


def _blobs(repo: Any, commit: str, paths: list[str]) -> dict[str, str]:
    """``{path: blob id}`` of ``paths`` in ``commit`` (absent paths left out)."""
    from entragit.gitutil import git_result, oid

    if not paths:
        return {}
    status, out, _ = git_result(repo, "ls-tree", "-z", "--full-tree", oid(commit), "--", *paths)
    found = {}
    for record in out.split("\0") if status == 0 else ():
        meta, _, path = record.partition("\t")
        parts = meta.split()
        if len(parts) == 3 and parts[1] == "blob":
            found[path] = parts[2]
    return found


def find_revert(repo: str | Path, rev_range: str, settings: Any = None) -> Revert | None:
    """The trusted backup ``rev_range`` reverts to, with its objects of the changed files; None when the range
    is no revert (see the module docstring)."""
    from entragit.backups.trust import assess
    from entragit.gitutil import git_result, oid, open_repo
    from entragit.state import parse_yaml

    r = open_repo(repo)
    a, b = range_commits(repo, rev_range)
    status, out, _ = git_result(r, "diff", "--name-only", "--no-renames", "-z", oid(a), oid(b), "--", STATE_DIR)
    changed = [p for p in out.split("\0") if p] if status == 0 else []
    if not changed or any(object_of(p) is None for p in changed):
        return None
    trust = {}
    if settings is not None and hasattr(settings, "signers_file"):
        trust = {"allowed_signers": settings.signers_file(),
                 "require_signature": bool(getattr(settings, "require_signature", False))}
    trusted = [item for item in assess(r, **trust) if item.trusted]
    status, out, _ = git_result(r, "log", "-z", f"--format=%(trailers:key={RECOVER_TRAILER},valueonly)",
                                f"{oid(a)}..{oid(b)}", "--")
    named = {v.strip().split()[0] for v in out.split("\0") if v.strip()} if status == 0 else set()
    candidates = [item for item in trusted if item.tag in named or item.commit in named] if named else trusted
    head = _blobs(r, b, changed)
    for item in candidates:
        backup = _blobs(r, item.commit, changed)
        if backup != head:
            continue
        objects: dict[str, dict[str, Any]] = {}
        for path, blob in backup.items():
            found = object_of(path)
            assert found is not None
            done, text, _ = git_result(r, "cat-file", "blob", oid(blob))
            obj = parse_yaml(text, path) if done == 0 else {}
            obj_id = obj.get("id") if isinstance(obj.get("id"), str) else found[1]  # a singleton's file: its id
            objects.setdefault(found[0], {})[obj_id] = obj
        return Revert(source=item.tag, objects=objects)
    return None
