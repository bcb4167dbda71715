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


# Key credentials (applications, service principals): "key" is "returned only on $select for a single object ...
# otherwise, it's always null"; type Symmetric | AsymmetricX509Cert | X509CertAndPassword (a signing certificate's
# private key) https://learn.microsoft.com/en-us/graph/api/resources/keycredential?view=graph-rest-1.0 . Only an
# AsymmetricX509Cert's key is public (the certificate): it is backed up and written back; the others are secret.
KEY_CREDENTIALS = Prop(
    "keyCredentials", json_type="object[]", material="key", public_material=frozenset({"AsymmetricX509Cert"}),
    note="certificates: the public certificate (key) is read per object (a list nulls it) and kept in the backup; "
         "symmetric keys and private keys never are; an element without key material is never sent (Graph "
         "refuses KeyValue null); PATCH replaces the list, existing credentials kept by keyId")

# Custom security attributes (users, service principals): null without CustomSecAttributeAssignment.Read.All, and
# for objects without any; a PATCH merges per attribute (removal: null, [] for multi-valued), each attribute set
# names "#Microsoft.DirectoryServices.CustomSecurityAttributeValue" and multi-valued and integer values their type
# https://learn.microsoft.com/en-us/graph/custom-security-attributes-examples
CSA_READ = "CustomSecAttributeAssignment.Read.All"
CUSTOM_SECURITY_ATTRIBUTES = Prop(
    "customSecurityAttributes", json_type="object", withheld=CSA_READ, merges=True,
    note=f"read needs {CSA_READ}, write CustomSecAttributeAssignment.ReadWrite.All; null is 'not read or none' "
         "(never written); write annotations kept; attributes the file lacks are removed explicitly")


def deleted_items(cast: str) -> str:
    return f"directory/deletedItems/microsoft.graph.{cast}"


def props(names: str, **kwargs: Any) -> tuple[Prop, ...]:
    """Several properties declared alike: ``props("city state", on_premises=True)``."""
    return tuple(Prop(name, **kwargs) for name in names.split())
