"""The revert branch: the files of the scope set back to ``REF``, committed on a new branch from a private
index (the working tree, the index and the current branch are left alone)."""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterable, Mapping
from typing import Any

from entragit import resources
from entragit.errors import UsageError
from entragit.gitutil import _config, git_result, identity_env, open_repo
from entragit.markdown import plural
from entragit.plan.scope import check_ids
from entragit.recover.gitfiles import _blobs, _git, _load, _object_of, _rev, _state_files, default_branch
from entragit.recover.result import (
    BRANCH_PREFIX,
    CHECKSUM_TRAILER,
    EMPTY_SHA,
    STATE_DIR,
    FileChange,
    RecoverResult,
)


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-.") or "x"


def branch_name(source: str, types: Iterable[str], ids: Iterable[str]) -> str:
    """``recover/<backup>-<scope>``: ``recover/20260101T230000Z-all``, ``...-groups-users``, ``...-3-objects``."""
    backup = _slug(source.removeprefix("refs/tags/").removeprefix("backup/"))
    types, ids = sorted(set(types)), sorted(set(ids))
    if ids:
        scope = _slug(ids[0][:8]) if len(ids) == 1 else f"{len(ids)}-objects"
        if types:
            scope = "-".join(types) + "-" + scope
    elif types:
        scope = "-".join(types)
    else:
        scope = "all"
    return f"{BRANCH_PREFIX}{backup}-{scope}"


# ---------------------------------------------------------------------------------------------- the branch
def _select(repo: Any, base_files: Mapping[str, str], ref_files: Mapping[str, str], types: set[str],
            ids: set[str]) -> tuple[list[tuple[str, str, str]], dict[str, bytes]]:
    """The files of the scope: ``[(path, type, id)]`` over both trees, and the blobs read to tell (appIds)."""
    paths = sorted(set(base_files) | set(ref_files))
    picked: list[tuple[str, str, str]] = []
    to_read: list[str] = []
    for path in paths:
        ident = _object_of(path)
        if ident is None:
            continue
        type_key, obj_id = ident
        if types and type_key not in types:
            continue
        picked.append((path, type_key, obj_id))
        rt = resources.get(type_key)
        if ids and rt.alt_key and obj_id not in ids:
            to_read += [b for b in (base_files.get(path), ref_files.get(path)) if b]
    blobs = _blobs(repo, to_read)
    if not ids:
        return picked, blobs
    chosen = []
    for path, type_key, obj_id in picked:
        rt = resources.get(type_key)
        if obj_id in ids:
            chosen.append((path, type_key, obj_id))
            continue
        if rt.alt_key:
            alts = {str(_load(blobs.get(b or "")).get(rt.alt_key)) for b in (base_files.get(path), ref_files.get(path))}
            if alts & ids:
                chosen.append((path, type_key, obj_id))
    return chosen, blobs


def _commit_env(repo: Any) -> dict[str, str]:
    if _config(repo, "user.name") and _config(repo, "user.email"):
        return {}
    return identity_env(repo)


def _write_tree(repo: Any, base: str, updates: Mapping[str, str], removals: Iterable[str]) -> str:
    """The root tree of ``base`` with ``updates`` (path -> blob) and ``removals`` applied (a private index)."""
    with tempfile.TemporaryDirectory(prefix="entragit-recover-") as tmp:
        env = {"GIT_INDEX_FILE": os.path.join(tmp, "index")}
        _git(repo, "read-tree", base, env=env)
        lines = [f"100644 {blob}\t{path}" for path, blob in sorted(updates.items())]
        lines += [f"0 {EMPTY_SHA}\t{path}" for path in sorted(removals)]
        if lines:
            _git(repo, "update-index", "--index-info", stdin=("\n".join(lines) + "\n").encode(), env=env)
        return _git(repo, "write-tree", env=env).strip()


def _message(source: str, scope_text: str, files: list[FileChange], checksum: str | None) -> str:
    counts: dict[str, int] = {}
    for f in files:
        counts[f.action] = counts.get(f.action, 0) + 1
    lines = [f"entragit recover: {scope_text} back to {source}", ""]
    lines += [f"- {plural(n, 'file')} {action}" for action, n in sorted(counts.items())]
    if checksum:
        lines += ["", f"{CHECKSUM_TRAILER}: {checksum}"]
    return "\n".join(lines) + "\n"


def scope_text(types: Iterable[str], ids: Iterable[str]) -> str:
    types, ids = sorted(set(types)), sorted(set(ids))
    parts = []
    if types:
        parts.append("types " + ", ".join(types))
    if ids:
        parts.append("objects " + ", ".join(ids))
    return " and ".join(parts) or "the whole tenant"


def build_branch(repo: Any, *, source: str, types: Iterable[str] = (), ids: Iterable[str] = (),
                 branch: str | None = None, include_new: bool = False, base: str | None = None
                 ) -> RecoverResult:
    """Commit the revert of the scope on a new branch (no plan yet; see :func:`recover`)."""
    r = open_repo(repo)
    types = set(types)
    ids = set(ids)
    for key in types:
        resources.get(key)  # unknown type: exit 2 naming the known ones
    ref = _rev(r, source)
    if ref is None:
        raise UsageError(f"--from {source!r}: no such commit or tag")
    base_name = base or default_branch(r)
    base_sha = _rev(r, f"refs/heads/{base_name}") or _rev(r, base_name) or _rev(r, "HEAD")
    if base_sha is None:
        raise UsageError(f"no commit on the default branch {base_name!r} to start the revert branch from")
    base_files, ref_files = _state_files(r, base_sha), _state_files(r, ref)
    if not ref_files:
        raise UsageError(f"--from {source!r}: {ref[:12]} holds no {STATE_DIR}/ (not a backup)")
    # a singleton is named by its type (--type), never by --id (its file is named after the type key)
    check_ids(ids, [{rt.key: {rt.key: {}} for rt in resources.all_types() if rt.singleton}], known=False)
    picked, blobs = _select(r, base_files, ref_files, types, ids)
    if ids:
        found = {i for _, _, i in picked}
        for path, type_key, _ in picked:
            rt = resources.get(type_key)
            if rt.alt_key:
                for b in (base_files.get(path), ref_files.get(path)):
                    found.add(str(_load(blobs.get(b or "")).get(rt.alt_key)))
        missing = sorted(ids - found)
        if missing:
            raise UsageError(f"--id {missing[0]}: no such object (id or appId) in {STATE_DIR}/ at {source} or on "
                             f"{base_name}")
    updates: dict[str, str] = {}
    removals: list[str] = []
    files: list[FileChange] = []
    kept: list[FileChange] = []
    for path, type_key, obj_id in picked:
        old, now = ref_files.get(path), base_files.get(path)
        if old == now:
            continue
        if old is not None:
            updates[path] = old
            files.append(FileChange(path, type_key, obj_id, "re-added" if now is None else "modified"))
        elif include_new:
            removals.append(path)
            files.append(FileChange(path, type_key, obj_id, "removed"))
        else:
            kept.append(FileChange(path, type_key, obj_id, "kept"))
    if not files:
        raise UsageError(f"nothing to recover: {STATE_DIR}/ of {scope_text(types, ids)} on {base_name} already "
                         f"equals {source}" + (f" ({plural(len(kept), 'object')} created since kept: --include-new "
                                               "removes them)" if kept else ""))
    names = _blobs(r, [b for f in files + kept for b in (ref_files.get(f.path), base_files.get(f.path)) if b])
    files = [_named(f, names, ref_files, base_files) for f in files]
    kept = [_named(f, names, ref_files, base_files) for f in kept]
    name = branch or branch_name(source, types, ids)
    name = _free_branch(r, name, explicit=branch is not None)
    tree = _write_tree(r, base_sha, updates, removals)
    commit = _git(r, "commit-tree", tree, "-p", base_sha, "-F", "-",
                  stdin=_message(source, scope_text(types, ids), files, None).encode(), env=_commit_env(r)).strip()
    return RecoverResult(branch=name, commit=commit, base=base_sha, ref=ref, source=source, files=files,
                         left_new=kept, scope=scope_text(types, ids))


def _named(f: FileChange, blobs: Mapping[str, bytes], ref_files: Mapping[str, str],
           base_files: Mapping[str, str]) -> FileChange:
    rt = resources.get(f.type)
    for b in (ref_files.get(f.path), base_files.get(f.path)):
        obj = _load(blobs.get(b or ""))
        if obj:
            return FileChange(f.path, f.type, f.id, f.action, rt.display_name(obj))
    return f


def _free_branch(repo: Any, name: str, *, explicit: bool) -> str:
    if git_result(repo, "check-ref-format", f"refs/heads/{name}")[0] != 0:
        raise UsageError(f"--branch {name!r}: not a valid branch name")
    if _rev(repo, f"refs/heads/{name}") is None:
        return name
    if explicit:
        raise UsageError(f"--branch {name!r}: the branch exists already")
    n = 2
    while _rev(repo, f"refs/heads/{name}-{n}") is not None:
        n += 1
    return f"{name}-{n}"


def finish_branch(repo: Any, result: RecoverResult) -> RecoverResult:
    """Create the branch at a commit holding the checksum trailer (same tree as the draft commit)."""
    r = open_repo(repo)
    tree = _git(r, "rev-parse", f"{result.commit}^{{tree}}").strip()
    message = _message(result.source, result.scope, result.files, result.checksum)
    commit = _git(r, "commit-tree", tree, "-p", result.base, "-F", "-", stdin=message.encode(),
                  env=_commit_env(r)).strip()
    _git(r, "update-ref", "-m", f"entragit recover: {result.source}", f"refs/heads/{result.branch}", commit,
         EMPTY_SHA)
    result.commit = commit
    return result
