"""A seed's objects against Graph's v1.0 metadata: what a tenant can hold is what Graph can return.

Every property of every seeded object must exist on its entity type in v1.0 (or be one Graph serves on /beta only,
``facts.BETA_PROPERTIES``, or a directory extension attribute), with a value of its type (enum members, complex
values, ``@odata.type`` of abstract types), and stored key credentials carry key material. Links (``members``,
``owners``, ``manager``) are id lists in the seed format and are not values of their navigation type.

Values are checked for the first ``FULL_CHECKS`` objects of each set and property names for all of them: the scale
generator's 100k users are one template (full checks cost ~70 µs an object, names ~1 µs).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from functools import cache
from typing import Any

from entragit.emulator.errors import GraphError
from entragit.emulator.facts import BETA_PROPERTIES, REGISTRY, SHARED_SETS, EntitySet, LinkKind
from entragit.emulator.metadata import Model, StructuredType, model
from entragit.emulator.schema import Checker
from entragit.emulator.value_rules import check_custom_security_attributes, check_key_credentials

# the entity types of the tenant-wide sets (seed key -> type)
FULL_CHECKS = 2000
_SHARED_TYPES = {"appRoleAssignments": "microsoft.graph.appRoleAssignment",
                 "oauth2PermissionGrants": "microsoft.graph.oAuth2PermissionGrant"}


def schema_problems(seed: Mapping[str, Any]) -> list[str]:
    """Readable lines, one per property that Graph's v1.0 metadata does not allow (empty when none)."""
    m = model()
    checker = Checker(m, unknown_enum_members=True)  # a tenant holds evolvable members; reads mask them
    problems: list[str] = []
    for s in REGISTRY:
        value = seed.get(s.key)
        for index, obj in enumerate([value] if isinstance(value, dict) else value or []):
            if not isinstance(obj, dict):
                continue
            if index < FULL_CHECKS or s.polymorphic or "@odata.type" in obj:  # derived types (agent IDs)
                problems.extend(_object_problems(m, checker, s, obj))
            else:
                problems.extend(_name_problems(m, s, obj))
    for seed_key in {key for key, _ in SHARED_SETS.values()}:
        declared = m.require(_SHARED_TYPES[seed_key])
        for obj in seed.get(seed_key) or []:
            problems.extend(f"{seed_key} {obj.get('id')}: {p}" for p in _values(checker, declared, obj, ()))
    return problems


def _object_problems(m: Model, checker: Checker, s: EntitySet, obj: dict[str, Any]) -> Iterator[str]:
    where = f"{s.key} {obj.get('id') or s.key}"
    try:
        entity = checker.resolve_type(m.require(s.entity), obj, s.key) if (
            s.polymorphic or "@odata.type" in obj) else m.require(s.entity)
    except GraphError as error:
        yield f"{where}: {error.message}"
        return
    id_links = {ln.name for ln in s.links if ln.kind is not LinkKind.OBJECTS}
    extra = set(BETA_PROPERTIES.get(s.entity, {}))
    yield from (f"{where}: {p}" for p in _values(checker, entity, obj, id_links | extra, extension=s.extension_attributes))


def _name_problems(m: Model, s: EntitySet, obj: dict[str, Any]) -> list[str]:
    known = _names(s.key)
    return [f"{s.key} {obj.get('id')}: property '{key}' is not in Graph's v1.0 metadata of {s.entity}"
            for key in obj.keys() - known if "@" not in key and not key.startswith("extension_")]


@cache
def _names(key: str) -> frozenset[str]:
    s = REGISTRY[key]
    return frozenset(model().require(s.entity).properties) | {ln.name for ln in s.links} | set(
        BETA_PROPERTIES.get(s.entity, {}))


def _values(checker: Checker, entity: StructuredType, obj: dict[str, Any], skip: set[str] | tuple[()],
            *, extension: bool = False) -> Iterator[str]:
    for key, value in obj.items():
        if "@" in key or key in skip or (extension and key.startswith("extension_")):
            continue
        prop = entity.properties.get(key)
        if prop is None:
            yield f"property '{key}' is not in Graph's v1.0 metadata of {entity.name}"
            continue
        try:
            checker.check_property(entity, prop, value)
            if key == "keyCredentials":  # a stored certificate credential holds its public key
                check_key_credentials(value)
            elif key == "customSecurityAttributes":
                check_custom_security_attributes(value)
        except GraphError as error:
            yield f"property '{key}': {error.message}"
