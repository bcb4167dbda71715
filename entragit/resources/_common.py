"""Facts shared by several declarations (kept here once) and small helpers to write them."""

from __future__ import annotations

from typing import Any

from entragit.resources.base import Channel, Prop

# The all-zeros GUID: "no object" in several places (the legacy MFA trusted-IPs location in CA
# conditions, "no target" in Authenticator feature settings, the default app role). Never a reference.
ZERO_ID = "00000000-0000-0000-0000-000000000000"

# Tenants that own Microsoft's first-party applications (servicePrincipal.appOwnerOrganizationId).
# f8cdef31-... is the "Microsoft Services" tenant, 72f988bf-... the Microsoft corporate tenant (both
# widely used by tooling that tells first-party service principals apart; Learn lists no table).
MICROSOFT_TENANT_IDS = frozenset({
    "f8cdef31-a31e-4b4a-93e4-5f571e91255a",
    "72f988bf-86f1-41af-91ab-2d7cd011db47",
})

# Prop.json_type values (base.JSON_TYPES), short: dates, GUIDs and enums (flags enums too) are strings in JSON.
STR, BOOL, INT, NUM, OBJ = "string", "boolean", "integer", "number", "object"
STRS, OBJS = "string[]", "object[]"

RO = Channel.READ_ONLY
CREATE_ONLY = Channel.CREATE_ONLY
PATCH_ALONE = Channel.PATCH_ALONE

# Soft-deleted directory objects: list with the mandatory cast, restore by id
# https://learn.microsoft.com/en-us/graph/api/directory-deleteditems-list?view=graph-rest-1.0
# https://learn.microsoft.com/en-us/graph/api/directory-deleteditems-restore?view=graph-rest-1.0
DIRECTORY_RESTORE = "POST directory/deletedItems/{id}/restore"


def deleted_items(cast: str) -> str:
    return f"directory/deletedItems/microsoft.graph.{cast}"


def props(names: str, **kwargs: Any) -> tuple[Prop, ...]:
    """Several properties declared alike: ``props("city state", on_premises=True)``."""
    return tuple(Prop(name, **kwargs) for name in names.split())
