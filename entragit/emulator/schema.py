"""Write bodies checked against Graph's v1.0 metadata, and enum values read back as Graph sends them.

- :func:`check_value`: a value against its declared property type: primitives (``accountEnabled: "yes"``),
  enum members (``state: "enabeld"``; flags enums as comma-separated members), complex values (their own
  properties, recursively; ``@odata.type`` naming the declared type or a derived one, required where the
  declared type is abstract), collections, nullability. Evolvable members (after ``unknownFutureValue``) are
  accepted only from a request that sends ``Prefer: include-unknown-enum-members``.
- :func:`mask_evolvable`: what a read answers without that header: every evolvable member replaced by
  ``unknownFutureValue`` (https://learn.microsoft.com/en-us/graph/best-practices-concept#handling-future-members-in-evolvable-enumerations).

Error texts follow the OData library Graph runs on; they are not evidenced on Learn for these cases (listed in
docs/emulator.md).
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable
from datetime import datetime
from functools import cache
from typing import Any

from entragit.emulator.errors import BadRequest
from entragit.emulator.metadata import UNKNOWN_FUTURE_VALUE, Model, Property, StructuredType, model

PREFER_UNKNOWN_ENUM_MEMBERS = "include-unknown-enum-members"

_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TIME = re.compile(r"^\d{2}:\d{2}(:\d{2}(\.\d+)?)?$")
_DURATION = re.compile(r"^-?P(?!$)(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$")
_INTEGERS = frozenset({"Edm.Int16", "Edm.Int32", "Edm.Int64", "Edm.Byte", "Edm.SByte"})
_NUMBERS = frozenset({"Edm.Double", "Edm.Single", "Edm.Decimal"})


def _datetime_ok(text: str) -> bool:
    try:
        datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def _binary_ok(text: str) -> bool:
    try:
        base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return False
    return True


_PRIMITIVE: dict[str, Callable[[Any], bool]] = {
    "Edm.String": lambda v: isinstance(v, str),
    "Edm.Boolean": lambda v: isinstance(v, bool),
    "Edm.Guid": lambda v: isinstance(v, str) and bool(_GUID.match(v)),
    "Edm.DateTimeOffset": lambda v: isinstance(v, str) and _datetime_ok(v),
    "Edm.Date": lambda v: isinstance(v, str) and bool(_DATE.match(v)),
    "Edm.TimeOfDay": lambda v: isinstance(v, str) and bool(_TIME.match(v)),
    "Edm.Duration": lambda v: isinstance(v, str) and bool(_DURATION.match(v)),
    "Edm.Binary": lambda v: isinstance(v, str) and _binary_ok(v),
    **{name: (lambda v: isinstance(v, int) and not isinstance(v, bool)) for name in _INTEGERS},
    **{name: (lambda v: isinstance(v, int | float) and not isinstance(v, bool)) for name in _NUMBERS},
}


def literal(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value) if not isinstance(value, dict | list) else type(value).__name__


def conversion_error(value: Any, type_name: str) -> BadRequest:
    return BadRequest(f"Cannot convert the literal '{literal(value)}' to the expected type '{type_name}'.",
                      code="BadRequest")


class Checker:
    """Checks values of one request: the metadata, and whether the caller asked for evolvable members."""

    def __init__(self, m: Model | None = None, *, unknown_enum_members: bool = False) -> None:
        self.m = m or model()
        self.unknown_enum_members = unknown_enum_members

    def check_property(self, owner: StructuredType, prop: Property, value: Any) -> None:
        self._check(prop.type, prop.collection, prop.nullable, value, prop.name)

    def _check(self, type_name: str, collection: bool, nullable: bool, value: Any, name: str) -> None:
        if value is None:
            if not nullable and not collection:
                raise BadRequest(f"A null value was found for the property named '{name}', which has the expected "
                                 f"type '{type_name}[Nullable=False]'. The expected type '{type_name}[Nullable=False]' "
                                 "does not allow null values.", code="BadRequest")
            return
        if collection:
            if not isinstance(value, list):
                raise BadRequest(f"The property '{name}' is a collection of '{type_name}': a JSON array is expected.",
                                 code="BadRequest")
            for element in value:
                if element is None:
                    raise BadRequest(f"A null value was found in the collection '{name}' of '{type_name}', which "
                                     "does not allow null values.", code="BadRequest")
                self._check(type_name, False, False, element, name)
            return
        check = _PRIMITIVE.get(type_name)
        if check is not None:
            if not check(value):
                raise conversion_error(value, type_name)
            return
        enum = self.m.enums.get(type_name)
        if enum is not None:
            self._check_enum(enum.name, value)
            return
        structured = self.m.types.get(type_name)
        if structured is not None:
            self.check_complex(structured, value, name)
        # types outside the metadata (Edm.Stream, Edm.Untyped, geography) are not checked

    def _check_enum(self, type_name: str, value: Any) -> None:
        enum = self.m.enums[type_name]
        if not isinstance(value, str):
            raise conversion_error(value, type_name)
        members = [p.strip() for p in value.split(",")] if enum.flags else [value]
        for member in members:
            if member not in enum.members or member == UNKNOWN_FUTURE_VALUE:
                raise conversion_error(value, type_name)
            if member in enum.evolvable and not self.unknown_enum_members:
                raise BadRequest(f"The value '{member}' of '{type_name}' is an evolvable enumeration member: send "
                                 f"the header 'Prefer: {PREFER_UNKNOWN_ENUM_MEMBERS}' to write it.", code="BadRequest")

    def resolve_type(self, declared: StructuredType, value: dict[str, Any], name: str) -> StructuredType:
        """The type a complex or entity value has: its ``@odata.type`` (the declared type or one derived from
        it), else the declared type, which must not be abstract."""
        given = value.get("@odata.type")
        if given is None:
            if declared.abstract:
                options = ", ".join("#" + d for d in self.m.descendants(declared.name)
                                    if not self.m.types[d].abstract)
                raise BadRequest(f"The '@odata.type' annotation is required on '{name}': its type "
                                 f"'{declared.name}' is abstract (one of {options}).", code="BadRequest")
            return declared
        if not isinstance(given, str):
            raise BadRequest(f"Invalid '@odata.type' on '{name}': a type name string is expected.", code="BadRequest")
        actual = self.m.type(given)
        if actual is None or not self.m.is_a(actual.name, declared.name):
            raise BadRequest(f"A type named '{given.lstrip('#')}' could not be resolved by the model for "
                             f"'{name}' (expected '{declared.name}' or a type derived from it).", code="BadRequest")
        if actual.abstract:
            raise BadRequest(f"The type '{actual.name}' of '{name}' is abstract: name a type derived from it.",
                             code="BadRequest")
        return actual

    def check_complex(self, declared: StructuredType, value: Any, name: str) -> None:
        if not isinstance(value, dict):
            raise BadRequest(f"The property '{name}' of type '{declared.name}' must be a JSON object.",
                             code="BadRequest")
        actual = self.resolve_type(declared, value, name)
        for key, sub in value.items():
            if "@" in key:
                continue
            prop = actual.properties.get(key)
            if prop is None:
                if actual.open:
                    continue
                raise BadRequest(f"The property '{key}' does not exist on type '{actual.name}'. Make sure to only use "
                                 "property names that are defined by the type or mark the type as open type.",
                                 code="BadRequest")
            if prop.navigation:
                continue
            self._check(prop.type, prop.collection, prop.nullable, sub, f"{name}.{key}")


# ---------------------------------------------------------------------------------------------- reads


@cache
def evolvable_types() -> frozenset[str]:
    """Structured types that hold, at any depth, an enum with evolvable members (reads of others are
    answered as stored)."""
    m = model()
    evolvable_enums = {name for name, e in m.enums.items() if e.evolvable}
    holds: dict[str, bool] = {}

    def visit(name: str, trail: frozenset[str]) -> bool:
        if name in holds:
            return holds[name]
        t = m.types.get(name)
        if t is None or name in trail:
            return False
        found = False
        candidates = [name, *m.descendants(name)]
        for candidate in candidates:
            for prop in m.types[candidate].properties.values():
                if prop.navigation and not prop.contains_target:
                    continue
                if prop.type in evolvable_enums or visit(prop.type, trail | {name}):
                    found = True
                    break
            if found:
                break
        holds[name] = found
        return found

    return frozenset(name for name in m.types if visit(name, frozenset()))


def mask_evolvable(type_name: str, value: Any) -> Any:
    """``value`` (of the structured type ``type_name``) with every evolvable enum member read back as
    ``unknownFutureValue``; the same object when nothing needs masking, else a masked copy."""
    if type_name not in evolvable_types():
        return value
    return _mask(model(), type_name, value)


def _mask(m: Model, type_name: str, value: Any) -> Any:
    if isinstance(value, list):
        return [_mask(m, type_name, v) for v in value]
    enum = m.enums.get(type_name)
    if enum is not None:
        if not enum.evolvable or not isinstance(value, str):
            return value
        parts = [p.strip() for p in value.split(",")] if enum.flags else [value]
        if not any(p in enum.evolvable for p in parts):
            return value
        masked = [UNKNOWN_FUTURE_VALUE if p in enum.evolvable else p for p in parts]
        if enum.flags:
            masked = list(dict.fromkeys(masked))
        return ",".join(masked) if enum.flags else masked[0]
    t = m.types.get(type_name)
    if t is None or not isinstance(value, dict):
        return value
    given = value.get("@odata.type")
    if isinstance(given, str):
        t = m.type(given) or t
    out = {}
    for key, sub in value.items():
        prop = t.properties.get(key)
        if prop is None or sub is None or (prop.navigation and not prop.contains_target):
            out[key] = sub
        elif prop.type in m.enums or prop.type in evolvable_types():
            out[key] = _mask(m, prop.type, sub)
        else:
            out[key] = sub
    return out
