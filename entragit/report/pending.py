"""Item changes waiting for the resolver: their reference slots, and the verdict (recoverable or not, why)
once the referenced objects are known (present, in deleted items, absent, nowhere)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from entragit import resources
from entragit.report.model import (
    ABSENT,
    EXTERNAL,
    IN_DELETED_ITEMS,
    ITEMS,
    NOWHERE,
    PRESENT,
    ItemChange,
    ObjectReport,
    RefQuery,
    Resolution,
)
from entragit.report.values import _canon
from entragit.resources.base import strings_in


@dataclass
class _Slot:
    """References inside one value of a change; ``restore`` marks the values a recovery writes back."""

    item: Any
    queries: list[RefQuery]
    restore: bool
    element: bool = False  # an element of ``added``/``removed`` (True) or the scalar old/new (False)


@dataclass
class _Pending:
    """An item change waiting for the resolver: its reference slots and its recoverability so far."""

    owner: ObjectReport
    change: ItemChange
    slots: list[_Slot] = field(default_factory=list)

    def all_queries(self) -> Iterator[RefQuery]:
        for slot in self.slots:
            yield from slot.queries

    def finish(self, resolved: Mapping[RefQuery, Resolution], live: bool) -> list[ItemChange]:
        change = self.change
        change.refs = {q.value: resolved[q] for q in self.all_queries() if q in resolved}
        for element in change.modified:
            for inner in element["changes"]:
                values = {s for v in (inner.old, inner.new, inner.added, inner.removed) for s in strings_in(v)}
                inner.refs = {k: v for k, v in change.refs.items() if k in values}
        if change.recoverable is False and change.link:
            # a link entragit cannot write back (refused, mastered on-premises) may still come back with the
            # restore of the object it names: as Microsoft documents it for that type, or unconfirmed
            split = []
            for slot in self.slots:
                if slot.restore and slot.element:
                    found = [resolved[q] for q in slot.queries if q in resolved]
                    verdict = _restore_verdict(self.owner.type, change.path, found, change.reason)
                    if verdict is not None:
                        split.append((slot, *verdict))
            return _split(change, split)
        if change.recoverable is not True:
            return [change]
        verdicts: list[tuple[_Slot, bool | None, str | None]] = []
        for slot in self.slots:
            if slot.restore:
                verdicts.append((slot, *_ref_verdict([resolved[q] for q in slot.queries if q in resolved], live)))
        scalar = [(v, r) for s, v, r in verdicts if not s.element]
        if scalar:
            change.recoverable, change.reason = _combine(scalar)
        return _split(change, [(s, v, r) for s, v, r in verdicts if s.element and (v is not True or r)])


def _split(change: ItemChange, split: list[tuple[_Slot, bool | None, str | None]]) -> list[ItemChange]:
    """``change`` with the elements of ``split`` moved into changes of their own, one per verdict."""
    if not split:
        return [change]
    out = [change]
    groups: dict[tuple[bool | None, str | None], list[Any]] = {}
    for slot, verdict, reason in split:
        groups.setdefault((verdict, reason), []).append(slot.item)
    for (verdict, reason), items in groups.items():
        moved = {_canon(i) for i in items}
        change.removed = [i for i in change.removed if _canon(i) not in moved]
        out.append(ItemChange(path=change.path, kind=ITEMS, link=change.link, removed=items,
                              recoverable=verdict, reason=reason,
                              refs={k: v for k, v in change.refs.items() if any(k in strings_in(i) for i in items)}))
    if not (change.added or change.removed or change.modified):
        out.pop(0)
    return out


def _restore_verdict(owner_type: str, link: str, found: list[Resolution], why_not: str | None
                     ) -> tuple[bool | None, str] | None:
    """Whether a link element naming an object in deleted items comes back with that object's restore: as
    its type's declaration says Microsoft documents it (``ResourceType.restore_keeps``), else unconfirmed.
    None when the element names no object in deleted items."""
    for res in found:
        if res.state != IN_DELETED_ITEMS or not res.type or res.type not in resources.REGISTRY:
            continue
        rt = resources.get(res.type)
        name = res.display_name or res.value
        if f"{owner_type}.{link}" in dict(rt.restore_keeps):
            return True, f"comes back when {name} is restored from deleted items (Microsoft documents it)"
        return None, (f"unconfirmed: restoring {name} from deleted items may bring it back (Microsoft does not "
                      f"document it); entragit cannot write it ({why_not})")
    return None


def _ref_verdict(found: list[Resolution], live: bool) -> tuple[bool | None, str | None]:
    """Whether writing back a value holding these references can succeed, and what it depends on."""
    out: list[tuple[bool | None, str | None]] = []
    for res in found:
        name = res.display_name or res.value
        if res.state in (PRESENT, EXTERNAL):
            continue
        if res.state == IN_DELETED_ITEMS:
            out.append((True, f"once {name} is restored from deleted items"))
        elif res.state == NOWHERE:
            out.append((False, f"refers to {res.value}, which exists nowhere (a stale reference)"))
        elif res.state == ABSENT and not live:
            out.append((None, f"refers to {name}, deleted since the backup"))
        elif res.state == ABSENT:
            rt = resources.get(res.type) if res.type else None
            if res.synced:
                out.append((False, f"refers to {name}, deleted; it comes back only through synchronization"))
            elif res.never_written:
                out.append((False, f"refers to {name}, deleted ({res.never_written})"))
            elif rt is not None and rt.new_identity:
                out.append((False, f"refers to {name}, hard-deleted: {rt.new_identity}"))
            else:
                out.append((True, f"once {name} is recreated (new id)"))
    return _combine(out) if out else (True, None)


def _combine(verdicts: Sequence[tuple[bool | None, str | None]]) -> tuple[bool | None, str | None]:
    """False beats None beats True; the reasons of the winning verdict, each once."""
    for wanted in (False, None, True):
        reasons = [r for v, r in verdicts if v is wanted and r]
        if any(v is wanted for v, _ in verdicts):
            return wanted, "; ".join(dict.fromkeys(reasons)) or None
    return True, None
