"""Safety rails: plans refused unless forced (``--force "reason"``, :class:`RefusedError`, exit 3).

1. **Share of a type** (``safety.maxChangeShare`` in ``entragit.yaml``, 30% by default): a plan that
   deletes or overwrites (updates, changes the links of) more than that share of a type's live objects.
   Objects the plan restores or recreates, link changes that only follow a restore (``recompute``) and
   link changes to an object the plan recreates (a recreated user's memberships) are not counted: they
   bring back, they do not overwrite. Like octodns' ``TooMuchChange`` but with a
   floor of two objects instead of a minimum type size, so that a singleton (one object, 100%) can be
   changed while three of nine conditional access policies cannot.
2. **Emergency access**: a plan whose resulting policies would block every user (the declaration's
   ``blocks_all_users`` hook: for conditional access an enabled policy blocking all users from all
   applications with no narrowing condition) without excluding the emergency-access accounts named in
   ``entragit.yaml`` ``emergencyAccess`` (user ids or UPNs; at least one of them excluded, directly or
   through a group in
   ``excludeGroups``, nested groups followed). Only policies the plan writes, or whose excluded groups'
   memberships it changes, are checked.

When forced, the rails record what they would have refused in ``plan.forced`` (shown by the renderers).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from entragit import resources
from entragit.errors import RefusedError
from entragit.plan.model import Change, Kind, Plan
from entragit.plan.placeholders import tokens

Tree = Mapping[str, Mapping[str, Mapping[str, Any]]]

_OVERWRITES = frozenset({Kind.UPDATE, Kind.DELETE, Kind.LINK_ADD, Kind.LINK_REMOVE, Kind.LINK_UPDATE})
_WRITES_OBJECT = frozenset({Kind.CREATE, Kind.RECREATE, Kind.UPDATE})
MIN_OBJECTS = 2


def check_safety(plan: Plan, desired: Tree, live: Tree, options: Any) -> None:
    """Raise :class:`RefusedError` naming every rail the plan trips, unless ``options.force``."""
    problems = [*share_problems(plan, live, options.max_change_share),
                *lockout_problems(plan, desired, live, options.emergency_access)]
    if not problems:
        return
    if options.force:
        plan.forced.extend({"rail": rail, "message": message, "reason": options.force} for rail, message in problems)
        return
    lines = "\n".join(f"  - {message}" for _, message in problems)
    refused = RefusedError(f"the plan is refused by the safety rails (pass --force \"reason\" to override):\n{lines}")
    refused.problems = problems  # type: ignore[attr-defined]  # (rail, message) pairs: the plan shown anyway
    raise refused


def share_problems(plan: Plan, live: Tree, max_share: float) -> list[tuple[str, str]]:
    restored_or_new = {(c.type, c.id) for c in plan.changes if c.kind in (Kind.RESTORE, Kind.RECREATE, Kind.CREATE)}
    touched: dict[str, set[str]] = {}
    for c in plan.changes:
        if c.kind not in _OVERWRITES or c.recompute or (c.type, c.id) in restored_or_new:
            continue
        if c.link is not None and tokens(c.target):
            continue  # a link to an object the plan recreates (its memberships, assignments): brought back
        touched.setdefault(c.type, set()).add(c.id)
    problems = []
    for type_key, ids in sorted(touched.items()):
        existing = len(live.get(type_key) or {})
        if existing and len(ids) >= MIN_OBJECTS and len(ids) > max_share * existing:
            problems.append(("maxChangeShare",
                             f"{type_key}: {len(ids)} of {existing} objects ({len(ids) / existing:.0%}) deleted or "
                             f"overwritten, above safety.maxChangeShare {max_share:.0%}"))
    return problems


def lockout_problems(plan: Plan, desired: Tree, live: Tree, emergency: tuple[str, ...] | list[str]
                     ) -> list[tuple[str, str]]:
    emergency_ids = _emergency_ids(emergency, desired, live)
    changed_links = {c.id for c in plan.changes if c.link is not None and c.kind is not Kind.SKIP}
    problems = []
    for rt in resources.all_types():
        written = {c.id: c for c in plan.changes if c.type == rt.key and c.kind in _WRITES_OBJECT}
        candidates = set(written)
        for obj_id, obj in (live.get(rt.key) or {}).items():
            if obj_id not in candidates:
                found = rt.blocks_all_users(dict(obj))
                if found and any(g in changed_links for g in found[1]):
                    candidates.add(obj_id)
        for obj_id in sorted(candidates):
            obj = _resulting(rt.key, obj_id, written.get(obj_id), desired, live)
            if obj is None:
                continue
            found = rt.blocks_all_users(obj)
            if found is None:
                continue
            users, groups = found
            if emergency_ids and _excluded(emergency_ids, users, groups, desired, live):
                continue
            name = rt.display_name(obj)
            if not emergency:
                why = "no emergency-access accounts are named in entragit.yaml (emergencyAccess)"
            elif not emergency_ids:
                why = "none of the emergency-access accounts in entragit.yaml is a known user"
            else:
                why = "it excludes none of the emergency-access accounts"
            problems.append(("emergencyAccess", f"{rt.key}/{obj_id} {name!r} would block every user and {why}"))
    return problems


def _resulting(type_key: str, obj_id: str, change: Change | None, desired: Tree, live: Tree) -> dict[str, Any] | None:
    """The object as it will be once the plan ran: desired when the plan writes it, else live."""
    if change is not None and obj_id in (desired.get(type_key) or {}):
        return dict(desired[type_key][obj_id])
    found = (live.get(type_key) or {}).get(obj_id)
    return dict(found) if found is not None else None


def _user_types() -> list[str]:
    """Types whose objects can sign in (they have a userPrincipalName)."""
    return [rt.key for rt in resources.all_types() if rt.prop("userPrincipalName") is not None]


def _member_types() -> list[str]:
    """Types with a ``members`` link (groups)."""
    return [rt.key for rt in resources.all_types() if rt.link("members") is not None]


def _emergency_ids(entries: tuple[str, ...] | list[str], desired: Tree, live: Tree) -> set[str]:
    wanted = {e.lower() for e in entries}
    found = set()
    for tree in (desired, live):
        for obj_id, user in ((i, u) for t in _user_types() for i, u in (tree.get(t) or {}).items()):
            upn = str(user.get("userPrincipalName") or "").lower()
            if obj_id.lower() in wanted or (upn and upn in wanted):
                found.add(obj_id)
    return found


def _excluded(emergency_ids: set[str], users: tuple[str, ...], groups: tuple[str, ...], desired: Tree,
              live: Tree) -> bool:
    """At least one emergency-access account is excluded (directly or through excluded groups' members)."""
    reached = set(users)
    seen: set[str] = set()
    todo = list(groups)
    while todo:
        group_id = todo.pop()
        if group_id in seen:
            continue
        seen.add(group_id)
        group: Mapping[str, Any] = {}
        for t in _member_types():
            group = (desired.get(t) or {}).get(group_id) or (live.get(t) or {}).get(group_id) or group
        for member in group.get("members") or ():
            if isinstance(member, str):
                reached.add(member)
                todo.append(member)
    return bool(emergency_ids & reached)
