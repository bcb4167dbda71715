"""Safety rails: plans refused unless forced (``--force "reason"``, :class:`RefusedError`, exit 3).

Both rails judge the tenant as it will be once the plan ran (:func:`entragit.plan.after.tenant_after`: the
live tenant with the plan's writes played over it), never the files a change proposes, and both read their
settings from the base of the applied range (``entragit.yaml`` before the change; see
:func:`entragit.settings.load_settings`), never from the change.

1. **Share of a type** (``safety.maxChangeShare``, 30% by default): a plan that deletes or overwrites (updates,
   changes the links of) more than that share of a type's live objects. Objects the plan restores or recreates,
   link changes that only follow a restore (``recompute``) and link changes to an object the plan recreates (a
   recreated user's memberships) are not counted: they bring back, they do not overwrite. Like octodns'
   ``TooMuchChange`` but with a floor of two objects instead of a minimum type size, so that a singleton (one
   object, 100%) can be changed while three of nine conditional access policies cannot. In a revert built by
   ``entragit recover`` from a verified backup (:class:`Revert`, checked by the apply job), a change that sets an
   object back to its value in that backup is not counted either: undoing an attacker's mass edit is the main
   recovery. Deletions and creations always count; the emergency-access rail has no such exemption.
2. **Emergency access** (:mod:`entragit.plan.lockout`): no emergency-access account is deleted, disabled,
   renamed or left inside an active Conditional Access policy after the plan.

Refusals are recorded on the plan (``plan.refused``), which :class:`RefusedError` carries (``error.plan``), so
that a refused plan can still be shown with the refusal on top. When forced, they move to ``plan.forced`` with
the reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from entragit.errors import RefusedError
from entragit.plan.after import plain, tenant_after
from entragit.plan.lockout import Accounts, lockout_problems
from entragit.plan.model import Change, Kind, Plan
from entragit.plan.placeholders import tokens
from entragit.resources import get as get_type
from entragit.resources.base import LinkKind

Tree = Mapping[str, Mapping[str, Mapping[str, Any]]]

_OVERWRITES = frozenset({Kind.UPDATE, Kind.DELETE, Kind.LINK_ADD, Kind.LINK_REMOVE, Kind.LINK_UPDATE})
MIN_OBJECTS = 2


@dataclass(frozen=True)
class Revert:
    """A plan that reverts to a verified backup: ``source`` names the backup (tag or commit) and ``objects``
    holds its tenant-state objects (``{type: {id: object}}``), read from the backup's own commit."""

    source: str
    objects: Mapping[str, Mapping[str, Mapping[str, Any]]] = field(default_factory=dict)


def check_safety(plan: Plan, desired: Tree, live: Tree, options: Any, *, deleted: Tree | None = None,
                 rail_live: Tree | None = None) -> None:
    """Record on ``plan`` what the rails refuse and raise :class:`RefusedError` (carrying the plan) unless
    ``options.force``. ``rail_live``: live objects of types the plan does not cover but the rails read."""
    before: dict[str, Mapping[str, Mapping[str, Any]]] = {**(rail_live or {}), **live}
    after = tenant_after(plan, before, deleted)
    accounts = Accounts(tuple(options.emergency_access), dict(getattr(options, "emergency_known", None) or {}))
    problems = [*share_problems(plan, live, options.max_change_share, getattr(options, "revert", None)),
                *lockout_problems(plan, after, before, deleted or {}, accounts)]
    if not problems:
        return
    if options.force:
        plan.forced.extend({**p, "reason": options.force} for p in problems)
        return
    plan.refused.extend(problems)
    lines = "\n".join(f"  - {p['message']}" for p in problems)
    refused = RefusedError(f"the plan is refused by the safety rails (pass --force \"reason\" to override):\n{lines}",
                           plan=plan)
    refused.problems = [(p["rail"], p["message"]) for p in problems]  # type: ignore[attr-defined]
    raise refused


def share_problems(plan: Plan, live: Tree, max_share: float, revert: Revert | None = None) -> list[dict[str, Any]]:
    restored_or_new = {(c.type, c.id) for c in plan.changes if c.kind in (Kind.RESTORE, Kind.RECREATE, Kind.CREATE)}
    touched: dict[str, set[str]] = {}
    exempt: dict[str, set[str]] = {}
    for c in plan.changes:
        if c.kind not in _OVERWRITES or c.recompute or (c.type, c.id) in restored_or_new:
            continue
        if c.link is not None and tokens(c.target):
            continue  # a link to an object the plan recreates (its memberships, assignments): brought back
        if revert is not None and c.kind is not Kind.DELETE and _restores(c, revert):
            exempt.setdefault(c.type, set()).add(c.id)
            continue
        touched.setdefault(c.type, set()).add(c.id)
    problems = []
    for type_key, ids in sorted(touched.items()):
        existing = len(live.get(type_key) or {})
        if existing and len(ids) >= MIN_OBJECTS and len(ids) > max_share * existing:
            spared = exempt.get(type_key, set()) - ids
            note = (f" ({len(spared)} more set back to their values in the verified backup {revert.source} are "
                    "not counted)") if revert is not None and spared else ""
            problem: dict[str, Any] = {
                "rail": "maxChangeShare", "type": type_key,
                "message": f"{type_key}: {len(ids)} of {existing} objects ({len(ids) / existing:.0%}) deleted or "
                           f"overwritten, above safety.maxChangeShare {max_share:.0%}{note}"}
            if spared:
                problem["exempt"] = len(spared)
            problems.append(problem)
    return problems


def _restores(change: Change, revert: Revert) -> bool:
    """Whether ``change`` sets its object back to its value in the verified backup: each property written
    equals the backup's, a link added is in the backup's, a link removed is not, an element updated becomes the
    backup's element."""
    source = (revert.objects.get(change.type) or {}).get(change.id)
    if source is None:
        return False
    if change.kind is Kind.UPDATE:
        return bool(change.properties) and all(plain(p.new) == source.get(p.path) for p in change.properties)
    link = get_type(change.type).link(change.link or "")
    if link is None:
        return False
    held = source.get(link.name)
    target = plain(change.target)
    if link.kind is LinkKind.ID:
        return (target if change.kind is Kind.LINK_ADD else None) == held
    held = list(held or [])
    if link.kind is LinkKind.IDS:
        return (target in held) == (change.kind is Kind.LINK_ADD)
    if change.kind is Kind.LINK_ADD:
        return any(isinstance(e, dict) and all(e.get(k) == v for k, v in target.items()) for e in held)
    if change.kind is Kind.LINK_REMOVE:
        return not any(isinstance(e, dict) and e.get("id") == change.ref for e in held)
    return any(isinstance(e, dict) and e.get("id") == change.ref
               and all(e.get(k) == v for k, v in (target or {}).items()) for e in held)
