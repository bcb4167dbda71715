"""One object across backups: ``entragit show ID|NAME [--at REF]`` (its file in a backup) and ``entragit log
ID|NAME`` (what each backup recorded of it: created, modified and which properties, unchanged, deleted).

An object is named by its id, its ``appId`` (applications and service principals) or its display name (exact,
then without regard to case); ``--type`` narrows the search to one type. A name or an appId several objects share
(an application and its service principal share their appId) is refused with their ids. Everything is read from
git's objects (``tenant-state/`` of the backup commits); the working tree is never touched.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from entragit import resources
from entragit.errors import UsageError
from entragit.report.gitstore import GitStore

STATE_DIR = "tenant-state"


@dataclass(frozen=True)
class Found:
    """An object's file: its type, id, name, path, and where it was read (ref, commit)."""

    type: str
    id: str
    name: str
    path: str
    ref: str
    commit: str
    text: str

    def to_json(self) -> dict[str, Any]:
        return {"type": self.type, "id": self.id, "displayName": self.name, "path": self.path, "ref": self.ref,
                "commit": self.commit}


@dataclass(frozen=True)
class Entry:
    """What one backup recorded of the object: ``status`` present (the first backup) | created | modified |
    unchanged | deleted | back (same id) | absent."""

    tag: str
    time: str
    commit: str
    status: str
    properties: tuple[str, ...] = ()
    name: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"tag": self.tag, "time": self.time, "commit": self.commit, "status": self.status,
                "properties": list(self.properties), "displayName": self.name}

    def line(self) -> str:
        text = f"{self.tag}  {self.time}  {self.commit[:12]}  {self.status}"
        if self.properties:
            text += ": " + ", ".join(self.properties)
        return text


def _objects(store: GitStore, commit: str) -> dict[str, tuple[str, str, str]]:
    """``{path: (type key, id, blob)}`` of the object files of ``commit``."""
    found = {}
    for path, blob in store.ls(commit, [f"{STATE_DIR}/"]).items():
        parts = path.split("/")
        if len(parts) == 3 and parts[1] in resources.REGISTRY and parts[2].endswith(".yaml"):
            found[path] = (parts[1], parts[2][:-len(".yaml")], blob)
    return found


def _load(data: bytes | None) -> dict[str, Any]:
    from entragit.state import parse_yaml

    if not data:
        return {}
    try:
        obj = parse_yaml(data.decode("utf-8"), "")
    except (UsageError, UnicodeDecodeError):
        return {}
    return obj if isinstance(obj, dict) else {}


def _match(store: GitStore, commits: list[str], query: str,
           types: tuple[str, ...] = ()) -> tuple[str, str, str]:
    """``(type, id, path)`` of the one object ``query`` names in any of ``commits`` (newest first), among the
    objects of ``types`` (all types when empty)."""
    by_id: dict[str, tuple[str, str, str]] = {}
    to_read: dict[str, tuple[str, str, str]] = {}
    for commit in commits:
        for path, (key, obj_id, blob) in _objects(store, commit).items():
            if types and key not in types:
                continue
            by_id.setdefault(obj_id, (key, obj_id, path))
            to_read.setdefault(blob, (key, obj_id, path))
    if query in by_id:
        return by_id[query]
    blobs = store.read(list(to_read))
    alternate: dict[tuple[str, str], tuple[str, str, str]] = {}
    exact: dict[tuple[str, str], tuple[str, str, str]] = {}
    folded: dict[tuple[str, str], tuple[str, str, str]] = {}
    for blob, ident in to_read.items():
        obj = _load(blobs.get(blob))
        rt = resources.get(ident[0])
        if rt.alt_key and str(obj.get(rt.alt_key)) == query:
            alternate[ident[:2]] = ident
        name = rt.display_name(obj) if obj else ""
        if name == query:
            exact[ident[:2]] = ident
        elif name.lower() == query.lower():
            folded[ident[:2]] = ident
    matches = alternate or exact or folded
    if len(matches) == 1:
        return next(iter(matches.values()))
    if matches:
        listed = ", ".join(f"{k}/{i}" for k, i in sorted(matches)[:10])
        what = "appId" if alternate else "name"
        raise UsageError(f"{query!r} names {len(matches)} objects ({listed}): give the id"
                         + ("" if types else " or --type") + f" (the {what} is shared)")
    where = f" of type {', '.join(types)}" if types else ""
    raise UsageError(f"{query!r}: no object{where} with this id, appId or display name in the backups")


def _backups(repo: Any) -> list[tuple[str, str, str]]:
    """``[(tag, time, commit)]`` of the trusted backup tags, oldest first."""
    from entragit.backups import list_backups

    return [(i.tag, i.time.strftime("%Y-%m-%dT%H:%M:%SZ"), i.commit) for i in reversed(list_backups(repo))
            if i.trusted]


def show_object(repo: Any, query: str, at: str | None = None, types: tuple[str, ...] = ()) -> Found:
    """The object ``query`` names (among ``types``) as the backup ``at`` recorded it (default: the newest
    backup)."""
    store = GitStore.open(repo)
    backups = _backups(repo)
    if at is None:
        if not backups:
            raise UsageError("no backups yet: name a commit with --at")
        at = backups[-1][0]
    commit, _ = store.commit(at)
    key, obj_id, path = _match(store, [commit] + [c for _, _, c in reversed(backups)], query, types)
    data = store.read([f"{commit}:{path}"]).get(f"{commit}:{path}")
    if data is None:
        held = store.read([f"{c}:{path}" for _, _, c in backups])
        last = next((tag for tag, _, c in reversed(backups) if held.get(f"{c}:{path}") is not None), None)
        hint = f"; last recorded by {last}: `entragit show {obj_id} --at {last}`" if last else ""
        raise UsageError(f"{key}/{obj_id} is not in {STATE_DIR}/ at {at} (deleted before it?{hint}; its history: "
                         f"`entragit log {obj_id}`)")
    obj = _load(data)
    return Found(key, obj_id, resources.get(key).display_name(obj) if obj else obj_id, path, at, commit,
                 data.decode("utf-8"))


def object_log(repo: Any, query: str, types: tuple[str, ...] = ()) -> tuple[tuple[str, str, str], list[Entry]]:
    """``((type, id, name), entries)``: what each backup (oldest first) recorded of the object ``query`` names
    (among ``types``)."""
    store = GitStore.open(repo)
    backups = _backups(repo)
    if not backups:
        raise UsageError("no backups yet")
    key, obj_id, path = _match(store, [c for _, _, c in reversed(backups)], query, types)
    rt = resources.get(key)
    contents = store.read([f"{c}:{path}" for _, _, c in backups])
    entries: list[Entry] = []
    before: dict[str, Any] | None = None
    name = obj_id
    for tag, time, commit in backups:
        data = contents.get(f"{commit}:{path}")
        obj = _load(data) if data is not None else None
        if obj is not None:
            name = rt.display_name(obj) or name
        if obj is None:
            status = "deleted" if before is not None else "absent"
            changed: tuple[str, ...] = ()
        elif before is None:
            seen = any(e.status not in ("absent",) for e in entries)
            status, changed = ("back (same id)" if seen else "created" if entries else "present"), ()
        else:
            changed = tuple(sorted(k for k in set(before) | set(obj) if before.get(k) != obj.get(k)))
            status = "modified" if changed else "unchanged"
        entries.append(Entry(tag, time, commit, status, changed, rt.display_name(obj) if obj else ""))
        before = obj
    return (key, obj_id, name), entries
