"""Graph's rules on values a stored object must hold, shared by the writes (backend/rules.py, on every POST and
PATCH) and the seed conformance check (seeds/conformance.py), which may not import the backend:

- ``keyCredentials`` elements carry key material: ``key: null`` or empty answers 400 ``KeyCredentialsInvalidValue``
  (graph-entra.md "Real-Graph rules"; ansible-collections/azure#2127);
- ``customSecurityAttributes``: each attribute set names ``#Microsoft.DirectoryServices.CustomSecurityAttributeValue``
  and multi-valued and integer values carry ``Name@odata.type``:
  https://learn.microsoft.com/en-us/graph/custom-security-attributes-examples (microsoft-graph-docs-contrib#9232).
"""

from __future__ import annotations

from typing import Any

from entragit.emulator.errors import BadRequest, InvalidProperty

CSA_VALUE_TYPE = "#microsoft.directoryservices.customsecurityattributevalue"
CSA_ANNOTATIONS = {list: ("#collection(string)", "#collection(int32)"), int: ("#int32",)}


def check_key_credentials(value: Any) -> None:
    for credential in value or []:
        if isinstance(credential, dict) and not credential.get("key"):
            raise BadRequest("KeyValue cannot be null or empty", code="KeyCredentialsInvalidValue")


def check_custom_security_attributes(value: Any) -> None:
    if not isinstance(value, dict):
        return
    for set_name, attributes in value.items():
        if "@" in set_name:
            continue
        if not isinstance(attributes, dict) or str(attributes.get("@odata.type", "")).lower() != CSA_VALUE_TYPE:
            raise InvalidProperty(set_name)
        for name, item in attributes.items():
            if "@" in name or item is None or isinstance(item, bool | str):
                continue
            kind = list if isinstance(item, list) else int if isinstance(item, int) else None
            annotation = str(attributes.get(f"{name}@odata.type", "")).lower()
            if kind is None or annotation not in CSA_ANNOTATIONS[kind]:
                raise InvalidProperty(name)
            if kind is list:
                element = int if annotation == "#collection(int32)" else str
                if not all(isinstance(e, element) and not isinstance(e, bool) for e in item):
                    raise InvalidProperty(name)
