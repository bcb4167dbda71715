"""Facts about Graph's v1.0 types, derived once from msgraph-sdk's generated models (the one place for them).

msgraph-sdk (a dependency) ships a kiota-generated Python class per type of Graph's v1.0 metadata. Its source
text says everything entragit needs to know about a type's shape, without importing the ~1,700 model modules
(importing them costs over a second, graph-sdk-notes.md §1):

- the base type (``class AgentIdentity(ServicePrincipal, Parsable)``) and the derived types a value of this type
  may be (``create_from_discriminator_value`` maps each ``@odata.type`` to a class): a type with derived types is
  *polymorphic*, and Graph cannot infer which one a write body means unless it names ``@odata.type``
  (abstract ``conditionalAccessExternalTenants``, ``namedLocation``, ``ipRange``, ...);
- each property's JSON name, kind (scalar, enum, structured, entity/relationship) and whether it is a collection
  (``get_field_deserializers``); an enum read with ``get_collection_of_enum_values`` into a non-list attribute is a
  *flags* enum (one comma-separated string on the wire);
- each enum's members in metadata order; the members after ``unknownFutureValue`` are *evolvable*: Graph sends
  them only to callers that ask with ``Prefer: include-unknown-enum-members``
  (https://learn.microsoft.com/en-us/graph/best-practices-concept#handling-future-members-in-evolvable-enumerations).

Users of these facts: normalization keeps ``@odata.type`` at polymorphic places (:func:`polymorphic_paths`), the
planner checks enum values a pull request introduces (:func:`enum_paths`), declarations recognize derived object
kinds (:func:`derived_types`: Entra Agent ID objects among users, applications and service principals).
tests/test_resources.py checks the declarations against the same facts.

Paths use the declarations' syntax: dotted, ``[]`` after a collection (``conditions.users.includeGuestsOrExternalUsers
.externalTenants``, ``ipRanges[]``).
"""

from __future__ import annotations

import importlib.util
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

NAMESPACE = "microsoft.graph."
UNKNOWN_FUTURE_VALUE = "unknownFutureValue"
_BASES_IGNORED = {"AdditionalDataHolder", "BackedModel", "Parsable", "Enum", "str"}
_CLASS = re.compile(r"^class (\w+)\(([^)]*)\):", re.M)
_IMPORT = re.compile(r"^\s*from \.(\w+) import (\w+)$", re.M)
_FIELD = re.compile(r'"([A-Za-z0-9@._]+)": lambda n : setattr\(self, \'(\w+)\', n\.(\w+)\(([\w.]+)?\)\)')
_DERIVED = re.compile(r'mapping_value\.casefold\(\) == "#microsoft\.graph\.(\w+)"\.casefold\(\)')
_MEMBER = re.compile(r'^\s+\w+ = "([^"]*)",?\s*$', re.M)
# A structured type nested deeper than this is not walked (Graph's complex types nest a few levels; the guard only
# stops recursive types such as a condition set holding itself).
MAX_DEPTH = 8


@dataclass(frozen=True)
class Field:
    """One property of a model: JSON name, what it holds, whether it is a collection."""

    name: str
    kind: str  # "scalar" | "enum" | "object" (structured: complex type or entity)
    type: str | None  # class name of an enum or structured type
    collection: bool  # a JSON array of ``kind``
    flags: bool = False  # enum: a flags enum (one comma-separated string)


@dataclass(frozen=True)
class Model:
    """One generated model: its Graph name (``conditionalAccessPolicy``), base, own and inherited fields, the
    derived types a value may be (Graph names), and whether it is an entity (a relationship when a property)."""

    name: str
    base: str | None
    fields: dict[str, Field]
    derived: tuple[str, ...]
    entity: bool

    @property
    def odata_type(self) -> str:
        return f"#{NAMESPACE}{self.name}"

    @property
    def polymorphic(self) -> bool:
        return bool(self.derived)


@dataclass(frozen=True)
class EnumType:
    name: str
    members: tuple[str, ...]

    @property
    def evolvable(self) -> frozenset[str]:
        """Members after ``unknownFutureValue``: read back as ``unknownFutureValue`` unless asked for."""
        if UNKNOWN_FUTURE_VALUE not in self.members:
            return frozenset()
        return frozenset(self.members[self.members.index(UNKNOWN_FUTURE_VALUE) + 1:])

    def unlisted(self, value: str) -> list[str]:
        """The parts of ``value`` (a member, or a flags combination ``"password,sms"``) that are not members."""
        return [part for part in value.split(",") if part.strip() not in self.members]


# ---------------------------------------------------------------------------------------------- reading the models
@cache
def _models_dir() -> Path:
    spec = importlib.util.find_spec("msgraph")  # the top-level package only: nothing is imported
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("msgraph-sdk is not installed (entragit reads Graph's type facts from its models)")
    return Path(next(iter(spec.submodule_search_locations))) / "generated" / "models"


def class_name(graph_name: str) -> str:
    """``conditionalAccessPolicy`` / ``#microsoft.graph.conditionalAccessPolicy`` → ``ConditionalAccessPolicy``."""
    name = graph_name.removeprefix("#").removeprefix(NAMESPACE)
    return name[:1].upper() + name[1:]


def graph_name(cls: str) -> str:
    """``ConditionalAccessPolicy`` → ``conditionalAccessPolicy`` (``IPv4CidrRange`` → ``iPv4CidrRange``)."""
    return cls[:1].lower() + cls[1:]


def _module_of(cls: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", cls).lower()


@cache
def _source(cls: str) -> tuple[str, dict[str, str]] | None:
    """The source text of a model's module and its ``{class: module}`` imports; None when there is none."""
    path = _models_dir() / f"{_module_of(cls)}.py"
    if not path.is_file():
        for module, name in _all_imports().items():
            if name == cls:
                path = _models_dir() / f"{module}.py"
                break
        else:
            return None
    text = path.read_text(encoding="utf-8")
    return text, {name: module for module, name in _IMPORT.findall(text)}


@cache
def _all_imports() -> dict[str, str]:
    """``{module: class}`` of the models package's own import lines (for names snake case cannot spell)."""
    init = _models_dir() / "__init__.py"
    if not init.is_file():
        return {}
    return {module: name for module, name in _IMPORT.findall(init.read_text(encoding="utf-8"))}


@cache
def model(name: str) -> Model | None:
    """The model of a Graph structured type (``conditionalAccessPolicy``, ``#microsoft.graph.user`` or a class
    name), with its inherited fields; None when msgraph-sdk has no such type (or it is an enum)."""
    cls = class_name(name)
    found = _source(cls)
    if found is None:
        return None
    text, _imports = found
    header = next((m for m in _CLASS.finditer(text) if m.group(1) == cls), None)
    if header is None:
        return None
    bases = [b.strip() for b in header.group(2).split(",") if b.strip() not in _BASES_IGNORED]
    if "Enum" in header.group(2):
        return None
    base = bases[0] if bases else None
    fields: dict[str, Field] = {}
    entity = cls == "Entity"
    if base is not None:
        parent = model(base)
        if parent is not None:
            fields.update(parent.fields)
            entity = entity or parent.entity
    for json_name, attr, getter, arg in _FIELD.findall(text):
        if json_name.startswith("@"):
            continue
        fields[json_name] = _field(text, json_name, attr, getter, arg)
    derived = tuple(dict.fromkeys(d for d in _DERIVED.findall(text) if class_name(d) != cls))
    return Model(graph_name(cls), graph_name(base) if base else None, fields, derived, entity)


def _field(text: str, json_name: str, attr: str, getter: str, arg: str) -> Field:
    annotation = re.search(rf"^\s+{attr}: (.+?) = ", text, re.M)
    is_list = bool(annotation) and annotation.group(1).startswith("Optional[list[")  # type: ignore[union-attr]
    arg = arg.split(".")[0] if arg else arg
    if getter == "get_enum_value":
        return Field(json_name, "enum", arg, False)
    if getter == "get_collection_of_enum_values":
        return Field(json_name, "enum", arg, is_list, flags=not is_list)
    if getter == "get_object_value":
        return Field(json_name, "object", arg, False)
    if getter == "get_collection_of_object_values":
        return Field(json_name, "object", arg, True)
    if getter == "get_collection_of_primitive_values":
        return Field(json_name, "scalar", None, True)
    return Field(json_name, "scalar", None, False)


@cache
def enum(name: str) -> EnumType | None:
    """The members of an enum (class name or Graph name), in metadata order; None when there is none."""
    cls = class_name(name)
    found = _source(cls)
    if found is None:
        return None
    text, _ = found
    header = next((m for m in _CLASS.finditer(text) if m.group(1) == cls), None)
    if header is None or "Enum" not in header.group(2):
        return None
    return EnumType(graph_name(cls), tuple(_MEMBER.findall(text)))


# ---------------------------------------------------------------------------------------------- derived facts
@cache
def derived_types(odata_type: str) -> tuple[str, ...]:
    """The ``@odata.type`` of every type derived from ``odata_type`` (``#microsoft.graph.servicePrincipal`` →
    ``#microsoft.graph.agentIdentity``, ...), transitively."""
    found: list[str] = []
    m = model(odata_type)
    for name in m.derived if m else ():
        odata = f"#{NAMESPACE}{name}"
        if odata not in found:
            found.append(odata)
        found.extend(d for d in derived_types(odata) if d not in found)
    return tuple(found)


def _is_entity(name: str) -> bool:
    m = model(name)
    return bool(m and m.entity)


def _walk(odata_type: str, prefix: str, depth: int, seen: frozenset[str]):  # type: ignore[no-untyped-def]
    """``(path, field, models)`` of every structural property below ``odata_type`` (and its derived types),
    relationships (entity-typed properties) left out: a declaration's properties and what they hold."""
    root = model(odata_type)
    if root is None or depth > MAX_DEPTH:
        return
    variants = [root, *(m for m in (model(d) for d in derived_types(odata_type)) if m is not None)]
    done: set[str] = set()
    for variant in variants:
        for f in variant.fields.values():
            if f.name in done:
                continue
            done.add(f.name)
            if f.kind == "object" and _is_entity(f.type or ""):
                continue  # a relationship (owners, members, an expanded entity): not a property value
            path = f"{prefix}{f.name}" + ("[]" if f.collection else "")
            yield path, f
            if f.kind == "object" and f.type and f.type not in seen:
                yield from _walk(f.type, path + ".", depth + 1, seen | {f.type})


@cache
def polymorphic_paths(odata_type: str) -> frozenset[str]:
    """Paths (below an object of ``odata_type``) of structured values whose declared type has derived types:
    Graph needs their ``@odata.type`` on write (``conditions.users.includeGuestsOrExternalUsers.externalTenants``,
    ``ipRanges[]``, ...)."""
    found = set()
    for path, f in _walk(odata_type, "", 0, frozenset({class_name(odata_type)})):
        if f.kind == "object" and f.type:
            m = model(f.type)
            if m is not None and m.polymorphic:
                found.add(path)
    return frozenset(found)


@cache
def enum_paths(odata_type: str) -> dict[str, EnumType]:
    """``{path: enum}`` of every enum-typed property below an object of ``odata_type`` (its derived types
    included); a collection's path ends with ``[]`` (each element is one value)."""
    found: dict[str, EnumType] = {}
    for path, f in _walk(odata_type, "", 0, frozenset({class_name(odata_type)})):
        if f.kind == "enum" and f.type:
            e = enum(f.type)
            if e is not None:
                found.setdefault(path, e)
    return found


def kind_of(odata_type: str | None) -> str | None:
    """``#microsoft.graph.device`` → ``device`` (the short name stored as a link member's kind)."""
    if not isinstance(odata_type, str) or not odata_type.startswith(f"#{NAMESPACE}"):
        return None
    return odata_type[len(NAMESPACE) + 1:] or None
