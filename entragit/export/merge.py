"""The pure half of an incremental export: folding a delta round into objects, and finding what pointed at
objects that are gone.

A delta round (https://learn.microsoft.com/en-us/graph/delta-query-overview) answers, per changed object, its
properties (by default the same selected properties as the first round: "if the property has changed, the new
value is included ... if the property has not changed, the old value is included", user-delta), the changes of
the links it tracks as ``<link>@delta`` entries (``@removed`` for a link that went), or ``@removed`` for the
object itself (``changed``: in deleted items; ``deleted``: gone for good). The same object may come several
times in one round ("it's possible that a single entity will be contained multiple times"): large member
changes of one group come split over pages. :class:`Round` folds all of it, in order; :func:`apply` lays one
object's changes over its stored form (the stored file, normalized: normalizing again is idempotent, so the
result is the file a full export would write from the same Graph state).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from entragit.resources.base import Link, LinkKind, ResourceType
from entragit.state.normalization import ODATA_TYPE, is_annotation
from entragit.state.tree import SUFFIX
from entragit.state.yamlio import load_yaml

_GUID = re.compile(rb"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


@dataclass
class Round:
    """One type's delta round, folded: the last state of each object and of each tracked link."""

    items: dict[str, dict[str, Any]] = field(default_factory=dict)            # id -> properties seen
    # id -> link -> ref -> the last entry seen for it ({"id", "@odata.type"}, "@removed" when it went)
    links: dict[str, dict[str, dict[str, Mapping[str, Any]]]] = field(default_factory=dict)
    removed: dict[str, str] = field(default_factory=dict)                      # id -> @removed reason
    delta_link: str | None = None
    pages: int = 0

    def add(self, item: Mapping[str, Any]) -> None:
        obj_id = str(item.get("id"))
        removed = item.get("@removed")
        if isinstance(removed, Mapping):
            self.removed[obj_id] = str(removed.get("reason") or "deleted")
            self.items.pop(obj_id, None)
            self.links.pop(obj_id, None)
            return
        self.removed.pop(obj_id, None)
        props = self.items.setdefault(obj_id, {})
        for key, value in item.items():
            if key.endswith("@delta"):
                changes = self.links.setdefault(obj_id, {}).setdefault(key[:-len("@delta")], {})
                for entry in value or ():
                    if isinstance(entry, Mapping) and isinstance(entry.get("id"), str):
                        changes[entry["id"]] = entry
            elif key == ODATA_TYPE or not is_annotation(key):
                props[key] = value  # the object's own type, as a listing gives it (a derived type: agent objects)

    def touched_link(self, obj_id: str, link: str, ref: str) -> bool:
        """Whether the round reported a change of ``ref`` in ``link`` of ``obj_id``."""
        return ref in self.links.get(obj_id, {}).get(link, {})


def added(entry: Mapping[str, Any]) -> bool:
    return not isinstance(entry.get("@removed"), Mapping)


def apply(rt: ResourceType, stored: Mapping[str, Any] | None, props: Mapping[str, Any],
          changes: Mapping[str, Mapping[str, Mapping[str, Any]]]) -> dict[str, Any]:
    """The object after a round: ``stored`` (a normalized file, or None for a new object) with the round's
    properties laid over it and its tracked links' changes applied. Linked objects the round adds keep the
    ``@odata.type`` Graph gave them (normalization records the kinds entragit manages no type of)."""
    obj = dict(stored or {})
    obj.update(props)
    for name, refs in changes.items():
        link = rt.link(name)
        if link is None:
            continue
        if link.kind is LinkKind.ID:
            value = obj.get(name)
            for ref, entry in refs.items():
                if added(entry):
                    value = _linked(entry)
                elif _ref(value) == ref:
                    value = None
            obj[name] = value
        elif link.kind is LinkKind.IDS:
            current = [v for v in (obj.get(name) or []) if _ref(v)]
            kept = [v for v in current if added(refs.get(_ref(v)) or {})]
            present = {_ref(v) for v in kept}
            kept += [_linked(entry) for ref, entry in refs.items() if added(entry) and ref not in present]
            obj[name] = kept
    return obj


def _ref(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping) and isinstance(value.get("id"), str):
        return value["id"]
    return None


def _linked(entry: Mapping[str, Any]) -> Any:
    """A linked object as a read answers it: its id and, when Graph gave one, its ``@odata.type``."""
    return {k: v for k, v in entry.items() if k in ("id", "@odata.type")} if entry.get("@odata.type") else entry["id"]


def stored_ids(out: Path, rt: ResourceType) -> set[str]:
    """The ids of the files of ``rt`` in the tree (without reading them)."""
    try:
        with os.scandir(out / rt.key) as entries:
            return {e.name[:-len(SUFFIX)] for e in entries if e.name.endswith(SUFFIX)}
    except FileNotFoundError:
        return set()


def load(out: Path, rt: ResourceType, obj_id: str) -> dict[str, Any] | None:
    path = out / rt.key / f"{obj_id}{SUFFIX}"
    return load_yaml(path) if path.is_file() else None


def references(rt: ResourceType, obj: Mapping[str, Any], ids: set[str]) -> list[tuple[Link, set[str]]]:
    """The links of ``obj`` holding any of ``ids``, with the ids each holds."""
    found = []
    for link in rt.links:
        value = obj.get(link.name)
        held: set[str] = set()
        if link.kind is LinkKind.ID:
            if isinstance(value, str) and value in ids:
                held.add(value)
        elif link.kind is LinkKind.IDS:
            held = {v for v in value or () if isinstance(v, str) and v in ids}
        else:
            paths = [ref.path for ref in link.refs] + ([link.owner_field] if link.owner_field else [])
            for element in value or ():
                if isinstance(element, Mapping):
                    held.update(str(element.get(p)) for p in paths if "." not in p and element.get(p) in ids)
        if held:
            found.append((link, held))
    return found


def scan(out: Path, rts: Iterable[ResourceType], ids: set[str]) -> list[tuple[ResourceType, str, Link, set[str]]]:
    """Every ``(type, object id, link, ids held)`` in the tree whose link holds one of ``ids`` (objects gone from
    the tenant). One pass over the files of the types with links: ids are looked for in the raw bytes first."""
    if not ids:
        return []
    wanted = {i.encode() for i in ids}
    found = []
    for rt in rts:
        if not rt.links:
            continue
        folder = out / rt.key
        try:
            names = [e.name for e in os.scandir(folder) if e.name.endswith(SUFFIX)]
        except FileNotFoundError:
            continue
        for name in names:
            with open(folder / name, "rb") as fh:
                data = fh.read()
            if wanted.isdisjoint(_GUID.findall(data)) and not any(w in data for w in wanted if not _GUID.match(w)):
                continue
            obj = load_yaml(folder / name)
            for link, held in references(rt, obj, ids):
                found.append((rt, str(obj.get(rt.key_prop)), link, held))
    return found
