"""The tenant-state tree on disk: file names, reading, and the crash-safe writer.

Layout: ``<root>/<typeKey>/<id>.yaml``, one file per object, named from its immutable id (a rename
of the display name changes one line, never the file name); singletons ``<root>/<typeKey>/<typeKey>.yaml``.

Writing (:func:`write_tree`) is two-phase, with a commit record, so that a tree is never half written
and unchanged files are never touched:

1. *Stage.* Every object is dumped and compared with the bytes of its current file; only changed and
   new files are written, into a staging tree beside the target (``<parent>/.<root>.entragit-staging``,
   same filesystem, so moves are renames). The target is not modified at all. If anything fails here
   (Graph paging raises inside an object generator, a dump fails, the process is killed), the staging
   tree is discarded and the target is exactly as before.
2. *Commit.* A commit record (the files to move in and the files to remove) is written atomically into
   the staging tree; then each staged file is moved over its target with ``os.replace`` (atomic per
   file), and files of objects gone from the tenant are removed. If the process dies during this
   phase, the next :func:`write_tree` (or :func:`recover_tree`) finds the commit record and rolls the
   commit forward; a staging tree without one is discarded.

Why not "build the complete new tree, then swap each type folder"? The new tree would have to contain
every unchanged file too: copies get new inodes and mtimes, and hard links change the inode's ctime;
either way git's stat cache is invalidated and ``git status`` re-hashes the whole tree (7x slower after
touching 100k files: ../shared/reference/performance.md B4). Staging only the changed bytes keeps
unchanged files untouched (same inode, mtime and ctime).
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from entragit.errors import ValidationError
from entragit.resources.base import ResourceType
from entragit.state.yamlio import dump_yaml, load_yaml

SUFFIX = ".yaml"
STAGING_SUFFIX = ".entragit-staging"
COMMIT_RECORD = "COMMIT.json"


# ---------------------------------------------------------------------------------------------- names
def file_name(rt: ResourceType, obj_id: Any) -> str:
    """The file name of an object: ``<id>.yaml`` (singletons ``<typeKey>.yaml``)."""
    if rt.singleton:
        return rt.key + SUFFIX
    if (not isinstance(obj_id, str) or not obj_id or obj_id.startswith(".")
            or any(ch in obj_id for ch in ("/", "\\", "\0"))):
        raise ValidationError(f"id {obj_id!r} cannot name a file", obj=str(obj_id), prop="id")
    return obj_id + SUFFIX


def object_path(root: str | Path, rt: ResourceType, obj_id: str) -> Path:
    """``<root>/<typeKey>/<id>.yaml``; singletons ``<root>/<typeKey>/<typeKey>.yaml``."""
    return Path(root) / rt.key / file_name(rt, obj_id)


def resolve_types(types: Iterable[ResourceType | str] | None) -> list[ResourceType]:
    """Declarations from type keys or declarations; None: every registered type."""
    from entragit import resources

    if types is None:
        return resources.all_types()
    return [t if isinstance(t, ResourceType) else resources.get(t) for t in types]


def staging_dir(root: str | Path) -> Path:
    root = Path(root).absolute()
    return root.parent / f".{root.name}{STAGING_SUFFIX}"


# ---------------------------------------------------------------------------------------------- reading
def read_tree(root: str | Path, types: Iterable[ResourceType | str] | None = None
              ) -> dict[str, dict[str, dict[str, Any]]]:
    """``{typeKey: {id: object}}`` for the given types (all registered ones by default).

    A type without a folder reads as empty. Files are only parsed (timestamps stay strings), not
    validated: ``entragit validate`` does that. A file without an id, or whose id does not match its
    name, raises :class:`ValidationError` naming it.
    """
    root = Path(root)
    tree: dict[str, dict[str, dict[str, Any]]] = {}
    for rt in resolve_types(types):
        objects: dict[str, dict[str, Any]] = {}
        folder = root / rt.key
        if folder.is_dir():
            for path in sorted(folder.glob("*" + SUFFIX)):
                obj = load_yaml(path)
                obj_id = obj.get("id")
                if not isinstance(obj_id, str) or not obj_id:
                    raise ValidationError("missing or non-string id", file=str(path), prop="id")
                if path.name != file_name(rt, obj_id):
                    raise ValidationError(f"the file name should be {file_name(rt, obj_id)}",
                                          file=str(path), obj=obj_id, prop="id")
                objects[obj_id] = obj
        tree[rt.key] = objects
    return tree


# ---------------------------------------------------------------------------------------------- writing
@dataclass
class WriteResult:
    """What :func:`write_tree` did; paths relative to the root (``users/<id>.yaml``), sorted."""

    changed: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0

    @property
    def written(self) -> int:
        return len(self.changed) + len(self.added)

    @property
    def total(self) -> int:
        """Objects in the exported types after the write."""
        return self.unchanged + self.written

    def count(self, type_key: str) -> tuple[int, int, int]:
        """``(changed, added, removed)`` files of one type."""
        prefix = type_key + "/"
        return tuple(sum(1 for p in paths if p.startswith(prefix))  # type: ignore[return-value]
                     for paths in (self.changed, self.added, self.removed))

    def summary(self) -> str:
        return (f"{len(self.changed)} changed, {len(self.added)} added, {len(self.removed)} removed, "
                f"{self.unchanged} unchanged")


def write_tree(root: str | Path, objects_by_type: Mapping[str, Iterable[dict[str, Any]]],
               types: Iterable[ResourceType | str] | None = None, *, durable: bool = True) -> WriteResult:
    """Write the export of ``types`` (normalized objects per type key) into ``root``.

    Only changed bytes are written; files of objects absent from ``objects_by_type`` are removed; the
    folders of types not exported are left alone. ``types`` defaults to the keys of
    ``objects_by_type``; each exported type needs an entry (an empty one for a type without objects).
    The object iterables are consumed once and may be generators: an exception from one leaves the
    tree exactly as it was. ``durable`` flushes the staged bytes to disk (one ``sync``) before the
    commit record, so that even a power loss leaves old or new files, never empty ones.
    """
    rts = list({rt.key: rt for rt in resolve_types(list(objects_by_type) if types is None else types)}.values())
    missing = [rt.key for rt in rts if rt.key not in objects_by_type]
    if missing:
        raise ValueError(f"write_tree: no objects given for type(s) {', '.join(missing)} "
                         "(pass an empty list for a type without objects)")
    stream = ((rt.key, obj) for rt in rts for obj in objects_by_type[rt.key])
    return write_stream(root, stream, rts, durable=durable)


def write_stream(root: str | Path, stream: Iterable[tuple[str, dict[str, Any]]],
                 types: Iterable[ResourceType | str], *, durable: bool = True,
                 partial: Mapping[str, Iterable[str]] | None = None,
                 before_commit: Callable[[WriteResult], None] | None = None) -> WriteResult:
    """:func:`write_tree` for objects of several types in any order: ``(type key, object)`` pairs, as an
    export whose types are read at the same time hands them over.

    ``partial`` makes the write incremental for the types it names: their files not in ``stream`` are left
    as they are, except those of the ids ``partial[type key]`` lists, which are removed (objects gone from
    the tenant). The other types are complete: files of objects not in ``stream`` are removed. Same
    guarantees as :func:`write_tree` (staging, commit record, unchanged files untouched). ``before_commit``
    sees what will change while ``root`` still holds the previous tree (an exception aborts the write).
    """
    root = Path(root).absolute()
    rts = list({rt.key: rt for rt in resolve_types(types)}.values())
    recover_tree(root)
    staging = staging_dir(root)
    staging.mkdir(parents=True)
    try:
        result = _stage(root, staging, rts, stream, partial or {})
        if before_commit is not None:
            before_commit(result)
        if durable and result.written:
            os.sync()
        record = {"root": str(root), "types": [rt.key for rt in rts],
                  "put": sorted(result.changed + result.added), "delete": result.removed}
        _write_atomic(staging / COMMIT_RECORD, json.dumps(record, indent=1).encode(), fsync=durable)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    _commit(root, staging, record)
    if durable and (result.written or result.removed):
        os.sync()
    return result


def recover_tree(root: str | Path) -> bool:
    """Finish or discard an interrupted write. True when an interrupted commit was rolled forward."""
    staging = staging_dir(root)
    if not staging.exists():
        return False
    record_path = staging / COMMIT_RECORD
    if record_path.is_file():
        record = json.loads(record_path.read_bytes())
        _commit(Path(root).absolute(), staging, record)
        return True
    shutil.rmtree(staging)
    return False


def _stage(root: Path, staging: Path, rts: list[ResourceType], stream: Iterable[tuple[str, dict[str, Any]]],
           partial: Mapping[str, Iterable[str]]) -> WriteResult:
    result = WriteResult()
    by_key = {rt.key: rt for rt in rts}
    existing: dict[str, set[str]] = {}
    seen: dict[str, set[str]] = {key: set() for key in by_key}
    made: set[str] = set()
    for key, obj in stream:
        rt = by_key.get(key)
        if rt is None:
            raise ValueError(f"write_stream: an object of type {key!r}, which is not among the written types")
        folder = root / key
        names = existing.get(key)
        if names is None:
            names = existing[key] = _yaml_names(folder)
        obj_id = obj.get("id")
        name = file_name(rt, obj_id)
        if name in seen[key]:
            what = "a second object of a singleton type" if rt.singleton else "duplicate id"
            raise ValidationError(f"{what} in the export", file=f"{key}/{name}", obj=str(obj_id), prop="id")
        seen[key].add(name)
        data = dump_yaml(rt, obj).encode("utf-8")
        rel = f"{key}/{name}"
        if name in names:
            if _same_bytes(folder / name, data):
                result.unchanged += 1
                continue
            result.changed.append(rel)
        else:
            result.added.append(rel)
        if key not in made:
            (staging / key).mkdir(exist_ok=True)
            made.add(key)
        (staging / rel).write_bytes(data)
    for rt in rts:
        names = existing.get(rt.key)
        if names is None:
            names = _yaml_names(root / rt.key)
        if rt.key in partial:
            gone = {file_name(rt, obj_id) for obj_id in partial[rt.key]} & names
            result.removed.extend(f"{rt.key}/{name}" for name in sorted(gone - seen[rt.key]))
        else:
            result.removed.extend(f"{rt.key}/{name}" for name in sorted(names - seen[rt.key]))
    result.changed.sort()
    result.added.sort()
    result.removed.sort()
    return result


def _commit(root: Path, staging: Path, record: dict[str, Any]) -> None:
    """Move the staged files into place and remove the gone ones; idempotent (roll-forward safe)."""
    root.mkdir(parents=True, exist_ok=True)
    for key in record["types"]:
        (root / key).mkdir(exist_ok=True)
    for rel in record["put"]:
        src = staging / rel
        if src.exists():  # absent: already moved by an interrupted commit
            os.replace(src, root / rel)
    for rel in record["delete"]:
        (root / rel).unlink(missing_ok=True)
    shutil.rmtree(staging)


def _yaml_names(folder: Path) -> set[str]:
    try:
        with os.scandir(folder) as entries:
            return {e.name for e in entries if e.name.endswith(SUFFIX) and e.is_file()}
    except FileNotFoundError:
        return set()


def _same_bytes(path: Path, data: bytes) -> bool:
    try:
        with open(path, "rb") as fh:
            return fh.read(len(data) + 1) == data
    except OSError:
        return False


def _write_atomic(path: Path, data: bytes, *, fsync: bool) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as fh:
        fh.write(data)
        if fsync:
            fh.flush()
            os.fsync(fh.fileno())
    os.replace(tmp, path)
