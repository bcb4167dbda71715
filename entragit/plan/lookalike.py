"""An object's id is read-only: a change that "renames" an object's id deletes the object.

Graph assigns an object's id; entragit names its file after it. A pull request that removes an object's file
and adds one holding the same object under another id (and file name) asks for a delete and a create. For a new
identity (users, applications, service principals) the create is skipped until ``--recreate`` names it, so the
merge would only delete; for other types it replaces the object by a copy with a new id, dropping every
reference to the old one. Neither is what the author meant. Two checks refuse it, each with exit 2 naming both
files, before anything is written:

- :func:`check_renamed_ids` on a ``--scope-from`` range: a file removed and a file added in the range, of one
  type, that hold the same object but for its id (read-only and server-set properties aside);
- :func:`check_plan` on any plan: a delete next to a skipped create of a look-alike (the same content but for
  the id, or the same value of a property no two objects of the type share: ``ResourceType.unique_props``,
  ``alt_key``) is never applied.

When the operator asks for both (``--recreate`` the new one, ``--allow-delete`` the old one), :func:`check_plan`
makes the delete wait for the create of its look-alike (``Change.after``): Graph refuses a second object with the
same unique value while the first exists, and a failed create then skips the delete ("dependency failed")
instead of leaving neither.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

from entragit import resources
from entragit.errors import ValidationError
from entragit.plan.model import Kind, Plan
from entragit.resources.base import META_KEY, ResourceType

STATE_DIR = "tenant-state"


def _path(rt: ResourceType, obj_id: str) -> str:
    return f"{STATE_DIR}/{rt.key}/{obj_id}.yaml"


def _content(rt: ResourceType, obj: Mapping[str, Any]) -> dict[str, Any]:
    """What an object says but for its id and the properties the server sets."""
    return {k: v for k, v in obj.items() if k not in (rt.key_prop, META_KEY) and k not in rt.read_only}


def look_alike(rt: ResourceType, a: Mapping[str, Any], b: Mapping[str, Any]) -> str | None:
    """Why ``a`` and ``b`` are one object under two ids (None: they are not)."""
    if _content(rt, a) == _content(rt, b):
        return "the same object but for its id"
    for name in (*rt.unique_props, *((rt.alt_key,) if rt.alt_key else ())):
        value = a.get(name)
        if value not in (None, "", []) and value == b.get(name):
            return f"the same {name} {value!r} (no two {rt.title}s share one)"
    return None


def _refuse(rt: ResourceType, old: str, new: str, why: str, what: str) -> ValidationError:
    return ValidationError(
        f"{_path(rt, new)} is {_path(rt, old)} under another id ({why}): {what}. An object's id is read-only "
        f"(Graph assigns it): keep {old}.yaml and change the object's properties instead",
        file=_path(rt, new), obj=new, prop=rt.key_prop)


def check_renamed_ids(removed: Iterable[tuple[str, str]], added: Iterable[tuple[str, str]],
                      read: Any) -> None:
    """Refuse a range that removes a file and adds one holding the same object but for its id.
    ``read(type key, id, side)`` gives the object of a file on the range's base ("old") or head ("new")."""
    added_by_type: dict[str, list[str]] = {}
    for type_key, obj_id in added:
        added_by_type.setdefault(type_key, []).append(obj_id)
    for type_key, old_id in sorted(removed):
        candidates = added_by_type.get(type_key) or []
        if not candidates or type_key not in resources.REGISTRY:
            continue
        rt = resources.get(type_key)
        old = read(type_key, old_id, "old")
        if not isinstance(old, Mapping):
            continue
        for new_id in sorted(candidates):
            new = read(type_key, new_id, "new")
            if isinstance(new, Mapping) and _content(rt, old) == _content(rt, new):
                raise _refuse(rt, old_id, new_id, "the same object but for its id",
                              "the change removes the one and adds the other, which would delete the object")


def check_plan(plan: Plan, desired: Mapping[str, Mapping[str, Mapping[str, Any]]],
               live: Mapping[str, Mapping[str, Mapping[str, Any]]]) -> Plan:
    """Refuse a plan that deletes an object next to a skipped create of its look-alike; a delete next to a
    planned create of its look-alike runs only once that create succeeded (returns the plan so ordered)."""
    skipped = [c for c in plan.changes if c.kind is Kind.SKIP and not c.properties and c.link is None]
    for delete in (c for c in plan.changes if c.kind is Kind.DELETE):
        rt = resources.get(delete.type)
        gone = (live.get(delete.type) or {}).get(delete.id)
        for skip in (s for s in skipped if s.type == delete.type):
            wanted = (desired.get(skip.type) or {}).get(skip.id)
            why = look_alike(rt, gone, wanted) if gone is not None and wanted is not None else None
            if why is not None:
                raise _refuse(rt, delete.id, skip.id, why, f"the plan would delete {delete.id} and skip creating "
                                                           f"{skip.id} ({skip.reason})")
    return _deletes_after_creates(plan, desired, live)


def _deletes_after_creates(plan: Plan, desired: Mapping[str, Mapping[str, Mapping[str, Any]]],
                           live: Mapping[str, Mapping[str, Mapping[str, Any]]]) -> Plan:
    creates = [c for c in plan.changes if c.kind in (Kind.CREATE, Kind.RECREATE)]
    if not creates:
        return plan
    changes = list(plan.changes)
    for i, delete in enumerate(changes):
        if delete.kind is not Kind.DELETE:
            continue
        rt = resources.get(delete.type)
        gone = (live.get(delete.type) or {}).get(delete.id)
        needs = [c.key for c in creates if c.type == delete.type and gone is not None
                 and look_alike(rt, gone, (desired.get(c.type) or {}).get(c.id) or {}) is not None]
        if needs:
            changes[i] = replace(delete, after=tuple(sorted({*delete.after, *needs})))
    if changes == plan.changes:
        return plan
    from entragit.plan.ordering import _ordered

    plan.changes = _ordered([((n,), c) for n, c in enumerate(changes)])
    return plan
