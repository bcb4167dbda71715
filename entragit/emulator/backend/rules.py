"""Graph's write rules on property values that the metadata cannot express, checked on every POST and PATCH of
every entity set whose type has the property (each rule keys on a property of the metadata, not on a set; the
first two live in ``entragit.emulator.value_rules``, which the seed check shares):

- ``keyCredentials`` elements carry key material: ``key: null`` or empty answers 400
  ``KeyCredentialsInvalidValue`` (graph-entra.md "Real-Graph rules"; ansible-collections/azure#2127);
- ``customSecurityAttributes``: each attribute set names ``#Microsoft.DirectoryServices.CustomSecurityAttributeValue``
  and multi-valued and integer values carry ``Name@odata.type`` (``#Collection(String)``, ``#Collection(Int32)``,
  ``#Int32``): https://learn.microsoft.com/en-us/graph/custom-security-attributes-examples; a set without its
  annotation answers "Invalid property '<set>'." (microsoft-graph-docs-contrib#9232, msgraph-sdk-dotnet#2352);
- ``appRoles[].origin`` "must not be included in any POST or PATCH requests"
  (https://learn.microsoft.com/en-us/graph/api/resources/approle?view=graph-rest-1.0): refused (strict reading);
- an app role or permission scope that is still ``isEnabled: true`` cannot be removed: "To delete an appRole,
  it must first be set to disabled" (approle, permissionscope); Graph answers 400
  ``CannotDeleteOrUpdateEnabledEntitlement`` "Permission (scope or role) cannot be deleted or updated unless
  disabled first." (OfficeDev/microsoft-365-agents-toolkit#9420, msgraph-sdk-powershell#1054).
"""

from __future__ import annotations

import copy
from typing import Any

from entragit.emulator.errors import BadRequest, ReadOnlyProperty
from entragit.emulator.value_rules import check_custom_security_attributes, check_key_credentials


def check_no_origin(roles: Any) -> None:
    for role in roles or []:
        if isinstance(role, dict) and "origin" in role:
            raise ReadOnlyProperty("origin")


def check_enabled_removal(current: Any, new: Any) -> None:
    """Refuse a list of app roles or permission scopes that drops an element still enabled."""
    if not isinstance(new, list):
        return
    kept = {str(e.get("id")).lower() for e in new if isinstance(e, dict)}
    for element in current or []:
        if isinstance(element, dict) and element.get("isEnabled") is not False and \
                str(element.get("id")).lower() not in kept:
            raise BadRequest("Permission (scope or role) cannot be deleted or updated unless disabled first.",
                             code="CannotDeleteOrUpdateEnabledEntitlement")


def check_values(body: dict[str, Any], current: dict[str, Any] | None, schema: frozenset[str]) -> None:
    """Every rule above on a POST (``current`` None) or PATCH body of a type with the properties ``schema``."""
    if "keyCredentials" in body and "keyCredentials" in schema:
        check_key_credentials(body["keyCredentials"])
    if "customSecurityAttributes" in body and "customSecurityAttributes" in schema:
        check_custom_security_attributes(body["customSecurityAttributes"])
    if "appRoles" in body and "appRoles" in schema:
        check_no_origin(body["appRoles"])
        if current is not None:
            check_enabled_removal(current.get("appRoles"), body["appRoles"])
    scopes_owner = "api" if "api" in schema else None
    if current is None:
        return
    if scopes_owner and isinstance(body.get("api"), dict) and "oauth2PermissionScopes" in body["api"]:
        check_enabled_removal((current.get("api") or {}).get("oauth2PermissionScopes"),
                              body["api"]["oauth2PermissionScopes"])
    if "oauth2PermissionScopes" in body and "oauth2PermissionScopes" in schema:
        check_enabled_removal(current.get("oauth2PermissionScopes"), body["oauth2PermissionScopes"])


def merge_custom_security_attributes(current: Any, value: Any) -> Any:
    """A PATCH of ``customSecurityAttributes`` merges attribute by attribute into what the object holds; an attribute
    set to ``null`` (single-valued) or ``[]`` (multi-valued) is removed with its ``Name@odata.type`` annotation, an
    attribute set left without attributes disappears, and none left reads ``null`` (as for an object that never had
    one): https://learn.microsoft.com/en-us/graph/custom-security-attributes-examples ("Remove custom security
    attribute assignments"; the list examples read objects without attributes as ``null``)."""
    if not isinstance(value, dict):
        return copy.deepcopy(value)
    out = copy.deepcopy(current) if isinstance(current, dict) else {}
    for group, attributes in value.items():
        if "@" in group:
            continue
        if not isinstance(attributes, dict):
            out[group] = copy.deepcopy(attributes)
            continue
        held = dict(out.get(group) or {})
        for name, item in attributes.items():
            if "@" in name:
                continue
            if item is None or item == []:
                held.pop(name, None)
                held.pop(f"{name}@odata.type", None)
            else:
                held[name] = copy.deepcopy(item)
                if f"{name}@odata.type" in attributes:
                    held[f"{name}@odata.type"] = attributes[f"{name}@odata.type"]
        if "@odata.type" in attributes:
            held["@odata.type"] = attributes["@odata.type"]
        if any("@" not in k for k in held):
            out[group] = held
        else:
            out.pop(group, None)
    return out or None


# PATCH semantics that differ from merge_patch, by property (values a write merges its own way)
MERGES = {"customSecurityAttributes": merge_custom_security_attributes}
