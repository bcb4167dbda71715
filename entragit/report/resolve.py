"""Name resolution: which object a referenced id (or appId) points at, and where it is now.

:class:`SourceResolver` asks its sources in order and takes the first that holds the object:

1. ``present``: the compared state (the ``to`` ref, or the live tenant's export) -> ``present``;
2. ``deleted``: the live tenant's deleted items -> ``deleted``;
3. ``backup``: the ``from`` ref -> ``absent`` (it was there at the backup, it is nowhere now);

and when none holds it: ``nowhere`` for an id (a stale reference), ``external`` for an appId (Microsoft's
or another tenant's application, not an object of this tenant). A source is asked only about the types it
holds, and only for the ids of the report, all of one type in one read.

Sources: :class:`TreeSource` (objects in memory: deleted items, tests), :class:`DirSource` (a tree on disk:
the live export), :class:`GitSource` (a commit, read lazily through :class:`~entragit.report.gitstore.GitStore`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Protocol

from entragit import resources
from entragit.report.model import (
    ABSENT,
    EXTERNAL,
    IN_DELETED_ITEMS,
    NOWHERE,
    PRESENT,
    RefQuery,
    Resolution,
)
from entragit.resources.base import ResourceType

Obj = Mapping[str, Any]
# GitSource: above this many ids of one type, list the type's folder once instead of looking up each path
LIST_FOLDER_ABOVE = 64


class ObjectSource(Protocol):
    """Where objects are looked up (``get_many`` is an optional batched ``get``)."""

    def has_type(self, type_key: str) -> bool: ...

    def get(self, type_key: str, ids: Iterable[str]) -> dict[str, Obj]: ...

    def index(self, type_key: str, prop: str) -> dict[str, Obj]: ...


class TreeSource:
    """Objects in memory: ``{type key: {id: object}}``; a type absent from the dict is not held."""

    def __init__(self, tree: Mapping[str, Mapping[str, Obj]]) -> None:
        self.tree = tree
        self._indexes: dict[tuple[str, str], dict[str, Obj]] = {}

    def has_type(self, type_key: str) -> bool:
        return type_key in self.tree

    def get(self, type_key: str, ids: Iterable[str]) -> dict[str, Obj]:
        objects = self.tree.get(type_key, {})
        return {i: objects[i] for i in ids if i in objects}

    def index(self, type_key: str, prop: str) -> dict[str, Obj]:
        key = (type_key, prop)
        if key not in self._indexes:
            self._indexes[key] = _index(self.tree.get(type_key, {}).values(), prop)
        return self._indexes[key]


class _CachingSource:
    """Objects loaded on demand, with objects already at hand (``preload``) served first."""

    def __init__(self, types: Iterable[str] | None, preload: Mapping[str, Mapping[str, Obj]] | None) -> None:
        self.types = set(types) if types is not None else None
        self.cache: dict[str, dict[str, Obj | None]] = {k: dict(v) for k, v in (preload or {}).items()}
        self._indexes: dict[tuple[str, str], dict[str, Obj]] = {}

    def has_type(self, type_key: str) -> bool:
        return self.types is None or type_key in self.types

    def get(self, type_key: str, ids: Iterable[str]) -> dict[str, Obj]:
        return self.get_many({type_key: ids}).get(type_key, {})

    def get_many(self, wanted: Mapping[str, Iterable[str]]) -> dict[str, dict[str, Obj]]:
        """``{type: {id: object}}`` for several types at once (one read for all that are not cached)."""
        wanted = {t: list(dict.fromkeys(ids)) for t, ids in wanted.items()}
        missing = {t: [i for i in ids if i not in self.cache.get(t, {})] for t, ids in wanted.items()
                   if self.has_type(t)}
        missing = {t: ids for t, ids in missing.items() if ids}
        if missing:
            found = self._load_many(missing)
            for t, ids in missing.items():
                cache = self.cache.setdefault(t, {})
                for i in ids:
                    cache[i] = found.get(t, {}).get(i)
        return {t: {i: o for i in ids if (o := self.cache.get(t, {}).get(i)) is not None} for t, ids in wanted.items()}

    def index(self, type_key: str, prop: str) -> dict[str, Obj]:
        key = (type_key, prop)
        if key not in self._indexes:
            objects = self._load_all(resources.get(type_key)) if self.has_type(type_key) else {}
            self.cache.setdefault(type_key, {}).update(objects)
            self._indexes[key] = _index(objects.values(), prop)
        return self._indexes[key]

    def _load_many(self, wanted: Mapping[str, list[str]]) -> dict[str, dict[str, Obj]]:
        """``{type key: {id: object}}`` of the ``wanted`` ids per type key that exist."""
        return {key: self._load(resources.get(key), ids) for key, ids in wanted.items()}

    def _load(self, rt: ResourceType, ids: list[str]) -> dict[str, Obj]:
        raise NotImplementedError

    def _load_all(self, rt: ResourceType) -> dict[str, Obj]:
        raise NotImplementedError


class DirSource(_CachingSource):
    """A ``tenant-state/`` tree on disk (the live tenant exported into a temporary tree)."""

    def __init__(self, root: str | Path, types: Iterable[str] | None = None,
                 preload: Mapping[str, Mapping[str, Obj]] | None = None) -> None:
        super().__init__(types, preload)
        self.root = Path(root)

    def _load(self, rt: ResourceType, ids: list[str]) -> dict[str, Obj]:
        from entragit.state import load_yaml, object_path

        out: dict[str, Obj] = {}
        for i in ids:
            try:
                path = object_path(self.root, rt, i)
            except Exception:  # noqa: BLE001 - an id that cannot name a file names no object
                continue
            if path.is_file():
                out[i] = load_yaml(path)
        return out

    def _load_all(self, rt: ResourceType) -> dict[str, Obj]:
        from entragit.state import load_yaml

        folder = self.root / rt.key
        objects = (load_yaml(p) for p in sorted(folder.glob("*.yaml"))) if folder.is_dir() else ()
        return {str(o.get("id")): o for o in objects}


class GitSource(_CachingSource):
    """``tenant-state/`` of one commit, read blob by blob through :class:`GitStore` (batched per type)."""

    def __init__(self, store: Any, commit: str, types: Iterable[str] | None = None,
                 preload: Mapping[str, Mapping[str, Obj]] | None = None) -> None:
        super().__init__(types, preload)
        self.store, self.commit = store, commit
        self._listings: dict[str, dict[str, str]] = {}

    def _load(self, rt: ResourceType, ids: list[str]) -> dict[str, Obj]:
        return self._load_many({rt.key: ids}).get(rt.key, {})

    def _load_many(self, wanted: Mapping[str, list[str]]) -> dict[str, dict[str, Obj]]:
        from entragit.report.gitstore import STATE_DIR
        from entragit.state import file_name, parse_yaml

        names: dict[tuple[str, str], str] = {}
        for key, ids in wanted.items():
            rt = resources.get(key)
            # git finds "<commit>:<path>" by scanning the folder's tree, once per name: for many names in a
            # big folder, one listing of the folder (name -> blob id) costs less
            listing = self._listing(key) if len(ids) > LIST_FOLDER_ABOVE else None
            for i in ids:
                try:
                    name = file_name(rt, i)
                except Exception:  # noqa: BLE001 - an id that cannot name a file names no object
                    continue
                path = f"{STATE_DIR}/{rt.key}/{name}"
                if listing is None:
                    names[(rt.key, i)] = f"{self.commit}:{path}"
                elif path in listing:
                    names[(rt.key, i)] = listing[path]
        blobs = self.store.read(names.values())
        out: dict[str, dict[str, Obj]] = {}
        for (type_key, i), name in names.items():
            data = blobs.get(name)
            if data is not None:
                out.setdefault(type_key, {})[i] = parse_yaml(data.decode("utf-8"), name)
        return out

    def _listing(self, type_key: str) -> dict[str, str]:
        from entragit.report.gitstore import STATE_DIR

        if type_key not in self._listings:
            self._listings[type_key] = self.store.ls(self.commit, [f"{STATE_DIR}/{type_key}/"])
        return self._listings[type_key]

    def _load_all(self, rt: ResourceType) -> dict[str, Obj]:
        from entragit.state import parse_yaml

        files = self._listing(rt.key)
        blobs = self.store.read(files.values())
        objects = (parse_yaml(data.decode("utf-8"), path) for path, sha in files.items()
                   if (data := blobs.get(sha)) is not None)
        return {str(o.get("id")): o for o in objects}


def _index(objects: Iterable[Obj], prop: str) -> dict[str, Obj]:
    out: dict[str, Obj] = {}
    for obj in objects:
        value = obj.get(prop)
        if isinstance(value, str):
            out.setdefault(value, obj)
    return out


class SourceResolver:
    """Resolves references against ``present``, then ``deleted``, then ``backup`` (see the module doc)."""

    def __init__(self, present: ObjectSource, backup: ObjectSource | None = None,
                 deleted: ObjectSource | None = None) -> None:
        self.sides: list[tuple[str, ObjectSource]] = [(PRESENT, present)]
        if deleted is not None:
            self.sides.append((IN_DELETED_ITEMS, deleted))
        if backup is not None:
            self.sides.append((ABSENT, backup))

    def resolve(self, queries: Iterable[RefQuery]) -> dict[RefQuery, Resolution]:
        queries = list(dict.fromkeys(queries))
        out: dict[RefQuery, Resolution] = {}
        for state, source in self.sides:
            todo = [q for q in queries if q not in out]
            by_type: dict[str, set[str]] = {}
            for q in todo:
                if q.by == "id":
                    for t in q.targets:
                        if t in resources.REGISTRY and source.has_type(t):
                            by_type.setdefault(t, set()).add(q.value)
            get_many = getattr(source, "get_many", None)
            found = get_many({t: sorted(ids) for t, ids in by_type.items()}) if get_many is not None and by_type \
                else {t: source.get(t, sorted(ids)) for t, ids in by_type.items()}
            for q in todo:
                for t in q.targets:
                    if t not in resources.REGISTRY or not source.has_type(t):
                        continue
                    obj = found.get(t, {}).get(q.value) if q.by == "id" else source.index(t, q.by).get(q.value)
                    if obj is not None:
                        out[q] = _resolution(q.value, state, resources.get(t), obj)
                        break
        for q in queries:
            if q in out:
                continue
            searched = any(t in resources.REGISTRY and src.has_type(t) for t in q.targets for _, src in self.sides)
            if searched:
                out[q] = Resolution(q.value, NOWHERE if q.by == "id" else EXTERNAL)
        return out


def _resolution(value: str, state: str, rt: ResourceType, obj: Obj) -> Resolution:
    data = dict(obj)
    return Resolution(value=value, state=state, type=rt.key, display_name=rt.display_name(data),
                      id=str(data.get(rt.key_prop)), synced=rt.is_synced(data), never_written=rt.never_written(data))
