"""Upsert by ``uniqueName``: create an application or a group if it does not exist, else update it.

``PATCH /applications(uniqueName='{uniqueName}')`` and ``PATCH /groups(uniqueName='{uniqueName}')`` with
``Prefer: create-if-missing`` (application-upsert, group-upsert; ``uniqueName`` is an alternate key of both
entity types in Graph's v1.0 metadata, ``Org.OData.Core.V1.AlternateKeys``):

- no object has that ``uniqueName``: the object is created with it, ``201 Created`` and the new object (the
  write is a create in every respect here: permissions, replication lag, audit log, as a POST);
- an object has it: the object is updated, ``204 No Content`` (the ordinary PATCH by alternate key);
- no object has it and no ``Prefer: create-if-missing``: ``404`` (the request "is treated as an update").

``uniqueName`` "can be updated only if null and is immutable once set" (application-update, group-update)
and identifies one object: a create naming a ``uniqueName`` an object already holds (live or in deleted
items, the strict reading: Learn does not say whether a deleted object frees it) answers 400, like a taken
``userPrincipalName``.

Sources: https://learn.microsoft.com/en-us/graph/api/application-upsert?view=graph-rest-1.0,
https://learn.microsoft.com/en-us/graph/api/group-upsert?view=graph-rest-1.0
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from entragit.emulator.errors import BadRequest

if TYPE_CHECKING:
    from entragit.emulator.backend import Tenant
    from entragit.emulator.routes import Call

KEY = "uniqueName"
# collection -> the Learn page of its upsert
UPSERT_SETS = {
    "applications": "https://learn.microsoft.com/en-us/graph/api/application-upsert?view=graph-rest-1.0",
    "groups": "https://learn.microsoft.com/en-us/graph/api/group-upsert?view=graph-rest-1.0",
}
_BY_KEY = re.compile(r"^(?P<coll>[A-Za-z]+)\(uniqueName=(?P<q>'?)(?P<value>[^')]*)(?P=q)\)$", re.IGNORECASE)
TAKEN = "Another object with the same value for property uniqueName already exists."


def _collection(path: str) -> str | None:
    low = path.lower()
    return next((c for c in UPSERT_SETS if c == low), None)


def _holder(tenant: Tenant, coll: str, value: str) -> str | None:
    """Who holds ``uniqueName`` ``value`` in ``coll`` (case-insensitive): "live", "deleted" or None."""
    rt = next(t for t in tenant.registry if t.collection.lower() == coll)
    low = value.lower()
    if any(str(o.get(KEY) or "").lower() == low for o in tenant.collections[rt.key].items.values()):
        return "live"
    if any(i.type_key == rt.key and str(i.obj.get(KEY) or "").lower() == low for i in tenant.deleted.values()):
        return "deleted"
    return None


def create_call(tenant: Tenant, call: Call) -> Call | None:
    """For ``PATCH {set}(uniqueName='x')`` with ``Prefer: create-if-missing`` and no object holding ``x``:
    the ``POST {set}`` that creates it (the caller dispatches it); None otherwise (the request goes on)."""
    if call.method != "PATCH":
        return None
    m = _BY_KEY.match(call.path)
    if m is None or _collection(m.group("coll")) is None:
        return None
    prefer = {p.strip().lower() for p in call.headers.get("prefer", "").split(",")}
    coll = _collection(m.group("coll"))
    assert coll is not None
    holder = _holder(tenant, coll, m.group("value"))
    if "create-if-missing" not in prefer or holder == "live":
        return None
    if holder == "deleted":
        raise BadRequest(TAKEN)
    body = call.json()
    if not isinstance(body, dict):
        raise BadRequest("The request body must be a JSON object.")
    if body.get(KEY) not in (None, m.group("value")):
        raise BadRequest(f"The uniqueName in the body ({body[KEY]!r}) differs from the one addressed.")
    import json

    from entragit.emulator.routes import Call as CallType

    created = {**body, KEY: m.group("value")}
    coll_path = next(t.collection for t in tenant.registry if t.collection.lower() == coll)
    return CallType("POST", call.version, coll_path, dict(call.query), call.raw_query, dict(call.headers),
                    json.dumps(created).encode(), call.root)


def check_unique(tenant: Tenant, call: Call) -> None:
    """A create (``POST {set}``) naming a ``uniqueName`` an object holds already: 400."""
    if call.method != "POST":
        return
    coll = _collection(call.path)
    if coll is None:
        return
    body = call.json()
    value = body.get(KEY) if isinstance(body, dict) else None
    if isinstance(value, str) and value and _holder(tenant, coll, value) is not None:
        raise BadRequest(TAKEN)
