"""The tenant as it will be once a plan ran: the live objects with the plan's writes played over them.

The safety rails judge this tenant, never the files a change proposes: what a plan skips (a new identity not
asked for, a refused link), the references it leaves out (stale ids dropped from a list), its deletes, restores
and recreates are all in the plan's changes, so playing the changes over the live tenant gives exactly the
objects the apply leaves behind (:func:`tenant_after`).

Ids: an object the plan recreates gets a new id only at apply time; here it keeps its old id, and every
placeholder naming it (``{"$new": "<type>/<old id>"}``) reads as that old id, so references to it still meet
it. A restored object comes back with its deleted item's properties; the links the applier recomputes after a
restore (``recompute``) are played as planned: the applier executes what is still needed of them.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from entragit import resources
from entragit.plan.model import NEW, Change, Kind, Plan, is_placeholder
from entragit.resources.base import LinkKind

Tree = Mapping[str, Mapping[str, Mapping[str, Any]]]


def plain_id(value: Any) -> Any:
    """An id as the simulated tenant knows it: a placeholder of a recreated object's id reads as its old id."""
    if is_placeholder(value) and value.get("key", "id") == "id" and "format" not in value:
        return str(value[NEW]).partition("/")[2]
    return value


def plain(value: Any) -> Any:
    """``value`` with every id placeholder read as the old id (:func:`plain_id`), deeply."""
    if is_placeholder(value):
        return plain_id(value)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def tenant_after(plan: Plan, live: Tree, deleted: Tree | None = None) -> dict[str, dict[str, dict[str, Any]]]:
    """``{type key: {id: object}}``: ``live`` (not modified) with every write of ``plan`` played in order.
    Skips write nothing; a change whose object is missing (a dependency the simulation cannot see) is
    played as far as it goes."""
    after: dict[str, dict[str, dict[str, Any]]] = {k: {i: copy.deepcopy(dict(o)) for i, o in v.items()}
                                                   for k, v in live.items()}
    deleted = deleted or {}
    for change in plan.changes:
        if change.kind is Kind.SKIP:
            continue
        objects = after.setdefault(change.type, {})
        obj_id = str(plain_id(change.target_address))
        if change.kind is Kind.DELETE:
            objects.pop(obj_id, None)
        elif change.kind is Kind.RESTORE:
            item = (deleted.get(change.type) or {}).get(change.id)
            objects[change.id] = copy.deepcopy(dict(item)) if item is not None else {"id": change.id}
        elif change.kind in (Kind.CREATE, Kind.RECREATE):
            body = plain(copy.deepcopy(change.body or {}))
            body["id"] = change.id
            objects[change.id] = body
        elif change.kind is Kind.UPDATE:
            obj = objects.setdefault(obj_id, {"id": obj_id})
            for prop in change.properties:
                obj[prop.path] = plain(copy.deepcopy(prop.new))
        else:
            _play_link(change, objects.setdefault(obj_id, {"id": obj_id}))
    return after


def _play_link(change: Change, obj: dict[str, Any]) -> None:
    rt = resources.get(change.type)
    link = rt.link(change.link or "")
    if link is None:
        return
    target = plain(copy.deepcopy(change.target))
    if link.kind is LinkKind.ID:
        obj[link.name] = target if change.kind is Kind.LINK_ADD else None
        return
    current = list(obj.get(link.name) or [])
    if link.kind is LinkKind.IDS:
        if change.kind is Kind.LINK_ADD and target not in current:
            current.append(target)
        elif change.kind is Kind.LINK_REMOVE:
            current = [v for v in current if v != target]
    elif change.kind is Kind.LINK_ADD:
        current.append(target)
    else:  # OBJECTS: the element is the one whose id is ``ref`` (remove, update), else equal to the target
        ref = plain(change.ref)
        for i, element in enumerate(current):
            found = isinstance(element, dict) and ((ref is not None and element.get("id") == ref) or element == target)
            if not found:
                continue
            if change.kind is Kind.LINK_REMOVE:
                del current[i]
            else:
                current[i] = {**element, **(target if isinstance(target, dict) else {})}
            break
    obj[link.name] = current
