"""The emergency-access rail: no plan leaves the tenant without a way in.

Microsoft's guidance is to keep two or more emergency-access ("break-glass") accounts and to exclude them
from the Conditional Access policies, so that a misconfigured policy can be undone
(https://learn.microsoft.com/en-us/entra/identity/role-based-access-control/security-emergency-access,
https://learn.microsoft.com/en-us/entra/identity/conditional-access/concept-conditional-access-users-groups
"Exclude users": "Exclusions are commonly used for emergency access or break-glass accounts"). The rail judges
the tenant as it will be once the plan ran (:func:`entragit.plan.after.tenant_after`) and refuses the plan when,
for any emergency-access account named in ``entragit.yaml`` (``emergencyAccess``, read from the base of the
applied range, never from the change):

- the account is gone (deleted, or never found), disabled (``accountEnabled: false``), or renamed (its
  ``userPrincipalName``, the name it signs in with, differs from the live one);
- an active policy (a declaration's :meth:`~entragit.resources.ResourceType.user_scope`: for Conditional
  Access, on or report-only) that could apply to it does not exclude it, whatever its conditions and grant
  controls. An exclusion counts when it names the account's object id, or a group whose membership after the
  plan holds it, directly or through nested groups (Conditional Access applies to nested groups:
  https://learn.microsoft.com/en-us/entra/identity/users/directory-service-limits-restrictions), every group on
  the way having assigned membership: the members of a dynamic group follow a rule whose outcome cannot be
  predicted, so they never count.

The accounts are resolved to object ids from the live tenant (users, soft-deleted users) and from the base
configuration (the accounts' object ids there, and the users of the base's tenant-state/ by
``userPrincipalName``, :attr:`Accounts.known`), never from the desired files: a file claiming a break-glass
UPN under a new id is not the account.

With no account named, the rail still refuses a plan after which a policy it writes (or whose excluded groups'
members it changes) blocks every user from everything with no narrowing condition (``blocks_everyone``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from entragit import resources
from entragit.plan.after import plain_id
from entragit.plan.model import Kind, Plan
from entragit.resources.base import ResourceType, UserScope

Tree = Mapping[str, Mapping[str, Mapping[str, Any]]]
GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
RAIL = "emergencyAccess"


@dataclass(frozen=True)
class Accounts:
    """The emergency-access accounts as configured (``entries``: object ids or UPNs, from the base's
    ``entragit.yaml``) and ``known``: ``{lower-case UPN: object id}`` of the base's own tenant-state/ users
    matching an entry (filled by the caller that can read git; empty otherwise)."""

    entries: tuple[str, ...] = ()
    known: Mapping[str, str] = field(default_factory=dict)


def user_types() -> list[ResourceType]:
    """Types whose objects sign in (they have a userPrincipalName)."""
    return [rt for rt in resources.all_types() if rt.prop("userPrincipalName") is not None]


def member_types() -> list[ResourceType]:
    """Types with a ``members`` link (groups)."""
    return [rt for rt in resources.all_types() if rt.link("members") is not None]


def scope_types() -> list[ResourceType]:
    """Types whose objects decide users' sign-ins (they declare :meth:`ResourceType.user_scope`)."""
    return [rt for rt in resources.all_types() if type(rt).user_scope is not ResourceType.user_scope]


def rail_types() -> list[str]:
    """Every type the rail reads (registry order)."""
    keys = {rt.key for rt in (*user_types(), *member_types(), *scope_types())}
    return [rt.key for rt in resources.all_types() if rt.key in keys]


def resolve(accounts: Accounts, live: Tree, deleted: Tree) -> tuple[dict[str, str], list[str]]:
    """``({object id: entry}, [entries found nowhere])``: each entry as an object id, from the live users, the
    soft-deleted users (Graph renames a deleted user's UPN to ``<id without dashes><UPN>``) and the base's
    users (:attr:`Accounts.known`). An id-shaped entry is the id."""
    found: dict[str, str] = {}
    missing = []
    by_upn: dict[str, str] = {}
    for tree in (live, deleted):
        for rt in user_types():
            for obj_id, user in (tree.get(rt.key) or {}).items():
                upn = str(user.get("userPrincipalName") or "").lower()
                if upn:
                    by_upn.setdefault(upn, obj_id)
                    by_upn.setdefault(upn.removeprefix(obj_id.replace("-", "").lower()), obj_id)
    for entry in accounts.entries:
        text = entry.strip()
        if GUID.match(text):
            found[text.lower()] = entry
            continue
        obj_id = by_upn.get(text.lower()) or accounts.known.get(text.lower())
        if obj_id is None:
            missing.append(entry)
        else:
            found[obj_id.lower()] = entry
    return found, missing


def _users(tree: Tree) -> dict[str, tuple[str, Mapping[str, Any]]]:
    return {i.lower(): (rt.key, u) for rt in user_types() for i, u in (tree.get(rt.key) or {}).items()}


def _groups(tree: Tree) -> dict[str, tuple[ResourceType, Mapping[str, Any]]]:
    return {i.lower(): (rt, g) for rt in member_types() for i, g in (tree.get(rt.key) or {}).items()}


def reaches(user_id: str, group_ids: Iterable[Any], groups: Mapping[str, tuple[ResourceType, Mapping[str, Any]]]
            ) -> bool:
    """Whether ``user_id`` is a member of one of ``group_ids`` (nested groups followed), through assigned
    membership only: a dynamic group on the way ends that path."""
    todo = [str(plain_id(g)).lower() for g in group_ids]
    seen: set[str] = set()
    while todo:
        group_id = todo.pop()
        if group_id in seen or group_id not in groups:
            continue
        seen.add(group_id)
        rt, group = groups[group_id]
        if rt.dynamic_members(dict(group)):
            continue
        for member in group.get("members") or ():
            member_id = str(plain_id(member)).lower()
            if member_id == user_id:
                return True
            todo.append(member_id)
    return False


def excluded(user_id: str, scope: UserScope, groups: Mapping[str, tuple[ResourceType, Mapping[str, Any]]]) -> bool:
    return (user_id in {str(plain_id(u)).lower() for u in scope.exclude_users}
            or reaches(user_id, scope.exclude_groups, groups))


def account_problems(ids: Mapping[str, str], tenant: Tree, before: Tree) -> list[tuple[str, str, str, str]]:
    """``[(type, id, what, message)]``: each problem the rail sees in ``tenant`` for the accounts ``ids``."""
    users = _users(tenant)
    was = _users(before)
    groups = _groups(tenant)
    found = []
    for user_id, entry in sorted(ids.items()):
        kind, user = users.get(user_id) or was.get(user_id) or (user_types()[0].key, None)
        name = f"emergency-access account {entry}" + ("" if entry.lower() == user_id else f" ({user_id})")
        if user_id not in users:
            found.append((kind, user_id, f"{user_id}:deleted", f"{name} would not exist (deleted or never created)"))
            continue
        assert user is not None
        if user.get("accountEnabled") is False:
            found.append((kind, user_id, f"{user_id}:disabled", f"{name} would be disabled (accountEnabled false)"))
        old = was[user_id][1] if user_id in was else None
        if old is not None and old.get("userPrincipalName") != user.get("userPrincipalName"):
            found.append((kind, user_id, f"{user_id}:renamed",
                          f"{name} would be renamed from {old.get('userPrincipalName')!r} to "
                          f"{user.get('userPrincipalName')!r} (the name it signs in with)"))
        for rt in scope_types():
            for obj_id, obj in sorted((tenant.get(rt.key) or {}).items()):
                scope = rt.user_scope(dict(obj))
                if scope is None or not scope.active or not scope.could_include(user_id):
                    continue
                if not excluded(user_id, scope, groups):
                    found.append((rt.key, obj_id, f"{user_id}:{rt.key}/{obj_id}",
                                  f"{rt.key}/{obj_id} {rt.display_name(dict(obj))!r} ({obj.get('state')}) would "
                                  f"apply to {name}: exclude it by object id or through an assigned group"))
    return found


def lockout_problems(plan: Plan, tenant: Tree, before: Tree, deleted: Tree, accounts: Accounts
                     ) -> list[dict[str, Any]]:
    """The refusals of the rail: ``[{"rail", "message", "type", "id"}]`` (see the module docstring).
    ``tenant``: the tenant after the plan; ``before``: the live tenant; ``deleted``: its soft-deleted items."""
    if not accounts.entries:
        return _blocks_everyone(plan, tenant)
    ids, missing = resolve(accounts, before, deleted)
    problems = [{"rail": RAIL, "message": f"emergency-access account {entry} is not a user of the tenant (live, "
                                          "deleted items or the base backup): check entragit.yaml emergencyAccess"}
                for entry in missing]
    already = {what for _, _, what, _ in account_problems(ids, before, before)}
    for type_key, obj_id, what, message in account_problems(ids, tenant, before):
        if what in already:
            message += " (already so in the live tenant: a plan that fixes it passes)"
        problems.append({"rail": RAIL, "message": message, "type": type_key, "id": obj_id})
    return problems


def _blocks_everyone(plan: Plan, tenant: Tree) -> list[dict[str, Any]]:
    """No account named: the policies the plan writes, or whose excluded groups' members it changes, that
    would block every user from everything."""
    written = {(c.type, str(plain_id(c.target_address))) for c in plan.changes
               if c.kind in (Kind.CREATE, Kind.RECREATE, Kind.UPDATE, Kind.RESTORE)}
    relinked = {str(plain_id(c.target_address)).lower() for c in plan.changes if c.link and c.kind is not Kind.SKIP}
    found = []
    for rt in scope_types():
        for obj_id, obj in sorted((tenant.get(rt.key) or {}).items()):
            scope = rt.user_scope(dict(obj))
            if scope is None or not scope.blocks_everyone:
                continue
            groups = {str(plain_id(g)).lower() for g in scope.exclude_groups}
            if (rt.key, obj_id) in written or groups & relinked:
                found.append({"rail": RAIL, "type": rt.key, "id": obj_id,
                              "message": f"{rt.key}/{obj_id} {rt.display_name(dict(obj))!r} would block every user "
                                         "and no emergency-access accounts are named in entragit.yaml "
                                         "(emergencyAccess)"})
    return found
