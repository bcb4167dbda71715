"""Property and link differences of one object present on both sides, each with whether a recovery can
write it back and why not (from the declarations: channels, on-premises mastery, link refusals...)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from entragit.report.model import (
    ADDED,
    CHANGED,
    ITEMS,
    REMOVED,
    ItemChange,
    ObjectReport,
    RefQuery,
)
from entragit.report.pending import _Pending, _Slot
from entragit.report.values import _MISSING, _canon, _identity, _join, _same, _tokens
from entragit.resources.base import META_KEY, Channel, Link, LinkKind, Ref, ResourceType

ODATA_TYPE = "@odata.type"

MASTERED = "mastered on-premises: change it in Active Directory, synchronization brings it back"
NOT_DECLARED = "not a declared property: exported, never written"
READ_ONLY = "read-only: set by the service"
CREATE_ONLY = "set at create only: it cannot change on an existing object"
SECRET = "secret: never exported or written"
TYPE_CHANGE = "the object's type cannot change: delete and recreate it"
OWN_RECORD = "entragit's own record, not a tenant property"


def _ref_values(refs: Sequence[Ref], where: tuple[str, ...], value: Any) -> list[tuple[Ref, str]]:
    """``(ref, id)`` for every declared reference found in ``value``, which sits at schema path ``where``."""
    out: list[tuple[Ref, str]] = []
    for ref in refs:
        if ref.embedded:
            continue  # a string embedding the target's key (api://{appId}): shown as it is
        tokens = _tokens(ref.path)
        if tokens[:len(where)] != where:
            continue
        for found in _walk(value, tokens[len(where):]):
            if isinstance(found, str) and found not in ref.specials:
                out.append((ref, found))
    return out


def _walk(node: Any, rest: tuple[str, ...]) -> Iterator[Any]:
    if not rest:
        yield node
        return
    head, tail = rest[0], rest[1:]
    if head == "[]":
        if isinstance(node, list):
            for item in node:
                yield from _walk(item, tail)
    elif isinstance(node, dict) and head in node:
        yield from _walk(node[head], tail)


class _Differ:
    """Property and link differences of one object present on both sides."""

    def __init__(self, rt: ResourceType, before: dict[str, Any], after: dict[str, Any], owner: ObjectReport,
                 pending: list[_Pending]) -> None:
        self.rt, self.before, self.after, self.owner, self.pending = rt, before, after, owner, pending
        self.unordered = {p.removesuffix("[]") for p in rt.unordered}
        self.synced = rt.is_synced(after)
        self.never = rt.never_written(after) or rt.never_written(before)
        self.count = 0

    def run(self) -> int:
        rt = self.rt
        for name in sorted(set(self.before) | set(self.after)):
            if name in (META_KEY, rt.key_prop):
                continue
            link = rt.link(name)
            if link is not None:
                if name in self.before and name in self.after:  # a side without the link did not read it
                    self._link(link, self.before[name], self.after[name])
                continue
            old, new = self.before.get(name, _MISSING), self.after.get(name, _MISSING)
            self._value(name, name, old, new, name)
        return self.count

    # -- properties ---------------------------------------------------------------------------------------
    def _recovery(self, top: str) -> tuple[bool, str | None]:
        rt = self.rt
        if top == ODATA_TYPE:
            return False, TYPE_CHANGE
        prop = rt.prop(top)
        if prop is None:
            if rt.extension_attributes and top.startswith("extension_"):
                return (False, MASTERED) if self.synced else (True, None)
            return False, NOT_DECLARED
        if prop.secret:
            return False, SECRET
        if prop.channel is Channel.READ_ONLY:
            return False, READ_ONLY
        if self.never:
            return False, self.never
        if self.synced and prop.on_premises:
            return False, MASTERED
        if prop.channel is Channel.CREATE_ONLY:
            return False, CREATE_ONLY
        return True, None

    def _emit(self, change: ItemChange, slots: list[_Slot]) -> None:
        self.count += 1
        self.pending.append(_Pending(self.owner, change, slots))

    def _queries(self, refs: Sequence[Ref], where: tuple[str, ...], value: Any,
                 targets: tuple[str, ...] | None = None) -> list[RefQuery]:
        return [RefQuery(targets or ref.targets, ref.by, v) for ref, v in _ref_values(refs, where, value)]

    def _value(self, top: str, path: str, old: Any, new: Any, schema: str) -> None:
        if old is not _MISSING and new is not _MISSING and _same(old, new):
            return
        refs = self.rt.refs
        if isinstance(old, dict) and isinstance(new, dict):
            for key in sorted(set(old) | set(new)):
                self._value(top, _join(path, key), old.get(key, _MISSING), new.get(key, _MISSING),
                            _join(schema, key))
            return
        if isinstance(old, list) and isinstance(new, list) and schema in self.unordered:
            self._items(top, path, old, new, schema)
            return
        recoverable, reason = self._recovery(top)
        where = _tokens(schema)
        if old is _MISSING:
            change = ItemChange(path, ADDED, new=new, recoverable=recoverable, reason=reason)
        elif new is _MISSING:
            change = ItemChange(path, REMOVED, old=old, recoverable=recoverable, reason=reason)
        else:
            change = ItemChange(path, CHANGED, old=old, new=new, recoverable=recoverable, reason=reason)
        slots = []
        if old is not _MISSING:
            slots.append(_Slot(old, self._queries(refs, where, old), restore=True))
        if new is not _MISSING:
            slots.append(_Slot(new, self._queries(refs, where, new), restore=False))
        self._emit(change, slots)

    def _items(self, top: str, path: str, old: list[Any], new: list[Any], schema: str) -> None:
        recoverable, reason = self._recovery(top)
        key = _identity(old + new)
        modified: list[tuple[str, Any, Any]] = []
        if key is not None:
            old_map, new_map = {x[key]: x for x in old}, {x[key]: x for x in new}
            removed = [old_map[k] for k in sorted(set(old_map) - set(new_map))]
            added = [new_map[k] for k in sorted(set(new_map) - set(old_map))]
            modified = [(k, old_map[k], new_map[k]) for k in sorted(set(old_map) & set(new_map))
                        if not _same(old_map[k], new_map[k])]
        else:
            old_keys, new_keys = [_canon(x) for x in old], [_canon(x) for x in new]
            old_set, new_set = set(old_keys), set(new_keys)
            removed = [x for x, k in zip(old, old_keys, strict=True) if k not in new_set]
            added = [x for x, k in zip(new, new_keys, strict=True) if k not in old_set]
        if added or removed:
            where = (*_tokens(schema), "[]")
            slots = [_Slot(x, self._queries(self.rt.refs, where, x), restore=True, element=True) for x in removed]
            slots += [_Slot(x, self._queries(self.rt.refs, where, x), restore=False, element=True) for x in added]
            self._emit(ItemChange(path, ITEMS, added=added, removed=removed, recoverable=recoverable,
                                  reason=reason), slots)
        for ident, before, after in modified:
            self._value(top, f"{path}[{key}={ident}]", before, after, schema + "[]")

    # -- links --------------------------------------------------------------------------------------------
    def _link_recovery(self, link: Link) -> tuple[bool, str | None]:
        refused = self.rt.link_refused(self.after, link)
        if refused is None and link.on_premises and self.synced:
            refused = MASTERED
        return (False, refused) if refused else (True, None)

    def _link(self, link: Link, old: Any, new: Any) -> None:
        if _same(old, new):
            return
        recoverable, reason = self._link_recovery(link)
        targets = self.rt.link_targets(self.after, link)
        if link.kind is LinkKind.ID:
            slots = [_Slot(v, [RefQuery(targets, "id", v)], restore=r) for v, r in ((old, True), (new, False))
                     if isinstance(v, str)]
            self._emit(ItemChange(link.name, CHANGED, link=True, old=old, new=new, recoverable=recoverable,
                                  reason=reason), slots)
            return
        old_list = old if isinstance(old, list) else []
        new_list = new if isinstance(new, list) else []
        if link.kind is LinkKind.IDS:
            old_set, new_set = set(map(_canon, old_list)), set(map(_canon, new_list))
            removed = [v for v in old_list if _canon(v) not in new_set]
            added = [v for v in new_list if _canon(v) not in old_set]
            slots = [_Slot(v, [RefQuery(targets, "id", v)] if isinstance(v, str) else [], restore=True, element=True)
                     for v in removed]
            slots += [_Slot(v, [RefQuery(targets, "id", v)] if isinstance(v, str) else [], restore=False,
                            element=True) for v in added]
            self._emit(ItemChange(link.name, ITEMS, link=True, added=added, removed=removed,
                                  recoverable=recoverable, reason=reason), slots)
            return
        self._elements(link, old_list, new_list, recoverable, reason)

    def _elements(self, link: Link, old: list[Any], new: list[Any], recoverable: bool,
                  reason: str | None) -> None:
        def key_of(element: Any) -> str:
            if not isinstance(element, dict):
                return _canon(element)
            return ",".join(f"{k}={element.get(k)}" for k in link.key)

        old_map = {key_of(x): x for x in old}
        new_map = {key_of(x): x for x in new}
        removed = [old_map[k] for k in sorted(set(old_map) - set(new_map))]
        added = [new_map[k] for k in sorted(set(new_map) - set(old_map))]
        slots = [_Slot(x, self._queries(link.refs, (), x), restore=True, element=True) for x in removed]
        slots += [_Slot(x, self._queries(link.refs, (), x), restore=False, element=True) for x in added]
        modified = []
        unordered = {p.removesuffix("[]") for p in link.unordered}
        for k in sorted(set(old_map) & set(new_map)):
            a, b = old_map[k], new_map[k]
            if _same(a, b) or not isinstance(a, dict) or not isinstance(b, dict):
                continue
            inner = _element_changes(a, b, unordered, link)
            if inner:
                modified.append({"key": k, "changes": inner})
                slots.append(_Slot(a, self._queries(link.refs, (), a), restore=True))
                slots.append(_Slot(b, self._queries(link.refs, (), b), restore=False))
        if added or removed or modified:
            self._emit(ItemChange(link.name, ITEMS, link=True, added=added, removed=removed, modified=modified,
                                  recoverable=recoverable, reason=reason), slots)


def _element_changes(old: dict[str, Any], new: dict[str, Any], unordered: set[str], link: Link) -> list[ItemChange]:
    """Property changes inside one element of an object link (appRoleAssignedTo, grants, credentials...)."""
    out: list[ItemChange] = []
    create_only = link.create_only | set(link.key)

    def visit(path: str, a: Any, b: Any) -> None:
        if a is not _MISSING and b is not _MISSING and _same(a, b):
            return
        if isinstance(a, dict) and isinstance(b, dict):
            for key in sorted(set(a) | set(b)):
                visit(_join(path, key), a.get(key, _MISSING), b.get(key, _MISSING))
            return
        top = path.split(".", 1)[0]
        if top in link.read_only:
            recoverable, reason = False, READ_ONLY
        elif top in create_only:
            recoverable, reason = False, "set at create only: the element is removed and added again"
        elif not link.update:
            recoverable, reason = True, "no update in place: the element is removed and added again"
        else:
            recoverable, reason = True, None
        if isinstance(a, list) and isinstance(b, list) and path in unordered:
            old_keys, new_keys = {_canon(x) for x in a}, {_canon(x) for x in b}
            out.append(ItemChange(path, ITEMS, added=[x for x in b if _canon(x) not in old_keys],
                                  removed=[x for x in a if _canon(x) not in new_keys],
                                  recoverable=recoverable, reason=reason))
        elif a is _MISSING:
            out.append(ItemChange(path, ADDED, new=b, recoverable=recoverable, reason=reason))
        elif b is _MISSING:
            out.append(ItemChange(path, REMOVED, old=a, recoverable=recoverable, reason=reason))
        else:
            out.append(ItemChange(path, CHANGED, old=a, new=b, recoverable=recoverable, reason=reason))

    visit("", old, new)
    return out
