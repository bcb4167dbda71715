"""From changed files under ``tenant-state/`` to object deltas, for both kinds of comparison
(:mod:`entragit.report.compare` between two refs, :mod:`entragit.report.live` with the live tenant): which object
a path holds, parsing both sides, the types both sides hold, objects deleted and back with the same id (from git
history), and refusing an ``--id`` of no object.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import PurePosixPath
from typing import Any

from entragit import resources
from entragit.errors import UsageError
from entragit.report.build import ObjectDelta
from entragit.report.gitstore import STATE_DIR, GitStore
from entragit.resources.base import ResourceType

# Pathspecs passed to one `git log` (beyond that, the type folders are searched and the result filtered).
MAX_PATHSPECS = 2000

Tree = dict[str, dict[str, dict[str, Any]]]


def object_deltas(rows: list[tuple[str, ResourceType, str, bytes | None, bytes | None]], old_ref: str,
                  new_ref: str, ids: set[str] | None) -> tuple[list[ObjectDelta], list[str], Tree, Tree]:
    """Parse the two sides of each changed file (``(path, type, stem, old bytes, new bytes)``) into object
    deltas, keeping those ``ids`` selects (None: all); also the paths of created objects and both trees."""
    deltas: list[ObjectDelta] = []
    created: list[str] = []
    before_tree: Tree = {}
    after_tree: Tree = {}
    for path, rt, stem, old_data, new_data in rows:
        before = parse_blob(old_data, f"{old_ref}:{path}")
        after = parse_blob(new_data, f"{new_ref}:{path}")
        obj_id = str((after or before or {}).get("id") or stem)
        if not _matches(rt, obj_id, (before, after), ids):
            continue
        if before is not None:
            before_tree.setdefault(rt.key, {})[obj_id] = before
        if after is not None:
            after_tree.setdefault(rt.key, {})[obj_id] = after
        if before is None:
            created.append(path)
        deltas.append(ObjectDelta(rt.key, obj_id, before, after, _text(old_data), _text(new_data)))
    return deltas, created, before_tree, after_tree


def _matches(rt: ResourceType, obj_id: str, objs: Iterable[Mapping[str, Any] | None], ids: set[str] | None) -> bool:
    if ids is None or obj_id in ids:
        return True
    return rt.alt_key is not None and any(o is not None and o.get(rt.alt_key) in ids for o in objs)


def object_of(path: str) -> tuple[ResourceType, str] | None:
    """``tenant-state/<type>/<name>.yaml`` -> ``(declaration, file stem)``; None for other files."""
    parts = PurePosixPath(path).parts
    if len(parts) != 3 or parts[0] != STATE_DIR or not parts[2].endswith(".yaml") or parts[1] not in resources.REGISTRY:
        return None
    return resources.get(parts[1]), parts[2][: -len(".yaml")]


def parse_blob(data: bytes | None, name: str) -> dict[str, Any] | None:
    from entragit.state import parse_yaml

    return None if data is None else parse_yaml(data.decode("utf-8"), name)


def _text(data: bytes | None) -> str | None:
    return None if data is None else data.decode("utf-8")


# ---------------------------------------------------------------------------------------------- history
def restorable(paths: Iterable[str]) -> set[str]:
    """The paths of objects whose type can come back with the same id (``restore_path`` declared)."""
    return {p for p in paths if (found := object_of(p)) is not None and found[0].restore_path}


def deleted_earlier(store: GitStore, rev: str, created: Iterable[str], specs: Sequence[str]) -> set[str]:
    """Among ``created`` (absent from ``rev``, present now), the paths the history of ``rev`` deleted: their
    objects existed before and are back with the same id."""
    paths = sorted(restorable(created))
    if not paths:
        return set()
    searched = paths if len(paths) <= MAX_PATHSPECS else list(specs)
    return store.deleted_paths([rev], searched) & set(paths)


def object_key(path: str) -> tuple[str, str]:
    found = object_of(path)
    assert found is not None
    rt, stem = found
    return rt.key, (rt.key if rt.singleton else stem)


def present_types(store: GitStore, rts: Sequence[ResourceType], a: str, a_ref: str, b: str | None,
                  b_ref: str) -> tuple[list[ResourceType], list[str]]:
    """The types both sides hold (a side without a type's folder did not back it up: not compared)."""
    notes: list[str] = []
    have_a = store.folders(a)
    if have_a is None:
        raise UsageError(f"{a_ref} has no {STATE_DIR}/: not a backup of a tenant")
    have_b = store.folders(b) if b is not None else None
    if b is not None and have_b is None:
        raise UsageError(f"{b_ref} has no {STATE_DIR}/: not a backup of a tenant")
    kept = []
    for rt in rts:
        missing = [ref for ref, have in ((a_ref, have_a), (b_ref, have_b)) if have is not None and rt.key not in have]
        if missing:
            notes.append(f"{rt.key}: not compared, {' and '.join(missing)} holds no {STATE_DIR}/{rt.key}/")
        else:
            kept.append(rt)
    return kept, notes


def refuse_unknown_ids(ids: set[str], files: Mapping[str, str], store: GitStore, deleted: Tree, where: str,
                       data: Mapping[str, bytes] | None = None) -> None:
    """``--id`` names objects that exist on one side or the other (by id, or appId for the types with that
    alternate key): an id of no object is refused (UsageError, exit 2) as ``entragit plan`` refuses it, rather
    than answered with "no differences"."""
    known: set[str] = set()
    alt_blobs: list[tuple[str, str]] = []          # (alternate key, blob id)
    alt_data: list[tuple[str, bytes | None]] = []  # (alternate key, content)
    for path in list(files) + list(data or {}):
        found = object_of(path)
        if found is None:
            continue
        rt, stem = found
        known.add(stem)
        if rt.alt_key and path in files:
            alt_blobs.append((rt.alt_key, files[path]))
        if rt.alt_key and data and path in data:
            alt_data.append((rt.alt_key, data[path]))
    texts = store.read([b for _, b in alt_blobs])
    for alt, blob in [(k, texts.get(b)) for k, b in alt_blobs] + alt_data:
        value = (parse_blob(blob, "") or {}).get(alt)
        if value:
            known.add(str(value))
    for key, objects in deleted.items():
        alt = resources.get(key).alt_key
        for obj_id, obj in objects.items():
            known.add(str(obj_id))
            if alt and obj.get(alt):
                known.add(str(obj[alt]))
    missing = sorted(ids - known)
    if missing:
        raise UsageError(f"--id {missing[0]}: no object with this id (or appId) in {where}"
                         + (f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""))
