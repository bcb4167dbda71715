"""The order of a plan: phase, then declaration order, then a stable pass that puts every change after what
it depends on (deletes after the changes that stop referencing what they delete)."""

from __future__ import annotations

from typing import Any

from entragit.plan.model import Change, Kind
from entragit.plan.values import _canon
from entragit.resources.base import strings_in


def _sort_key(sort: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple((0, s, "") if isinstance(s, (int, float)) else (1, 0, s if isinstance(s, str) else _canon(s))
                 for s in sort)


def _ordered(items: list[tuple[tuple[Any, ...], Change]]) -> list[Change]:
    """Changes sorted by their sort keys, then moved (stably) after their dependencies: a change moves
    only past what it needs. Deletes get their dependencies here (after the changes that stop
    referencing what they delete). A dependency cycle (none is known) keeps the sorted order."""
    items = sorted(items, key=lambda it: _sort_key(it[0]))
    changes = _delete_dependencies([c for _, c in items])
    keys = {c.key for c in changes}
    out: list[Change] = []
    placed: set[str] = set()
    waiting: list[Change] = []

    def ready(c: Change) -> bool:
        return all(d in placed or d not in keys for d in c.after)

    for change in changes:
        if not ready(change):
            waiting.append(change)
            continue
        out.append(change)
        placed.add(change.key)
        progressed = bool(waiting)
        while progressed:
            progressed = False
            for w in waiting:
                if ready(w):
                    out.append(w)
                    placed.add(w.key)
                    waiting.remove(w)
                    progressed = True
                    break
    return out + waiting


def _delete_dependencies(changes: list[Change]) -> list[Change]:
    deletes = [c for c in changes if c.kind is Kind.DELETE]
    if not deletes:
        return changes
    updated: dict[str, Change] = {}
    for d in deletes:
        needs = []
        for c in changes:
            if c is d or c.kind not in (Kind.UPDATE, Kind.LINK_REMOVE, Kind.LINK_UPDATE, Kind.DELETE):
                continue
            olds: list[Any] = [p.old for p in c.properties]
            if c.kind is Kind.LINK_REMOVE:
                olds.append(c.target)
            if c.kind is Kind.DELETE:
                continue
            if any(d.id == s for s in strings_in(olds)):
                needs.append(c.key)
        if needs:
            updated[d.key] = _replace(d, after=tuple(sorted(set(d.after) | set(needs))))
    return [updated.get(c.key, c) for c in changes]


def _replace(change: Change, **values: Any) -> Change:
    from dataclasses import replace

    return replace(change, **values)
