"""Microsoft Graph's v1.0 schema, read from its published metadata (CSDL) copied beside this module.

    from entragit.emulator.metadata import model
    m = model()                                   # parsed once per process, lazily (~0.3 s), then cached
    user = m.type("#microsoft.graph.user")        # also "microsoft.graph.user", "graph.user"
    user.properties["accountEnabled"].type        # "Edm.Boolean"
    m.enum("microsoft.graph.conditionalAccessGrantControl").evolvable   # frozenset({"riskRemediation"})
    m.descendants("microsoft.graph.namedLocation")   # ("microsoft.graph.countryNamedLocation", ...)

The emulator's schema comes from here, never from the client's declarations: which properties a type has in
v1.0 (absent here means beta-only or unknown), their types, nullability and collections, enum members and the
evolvable boundary (members after ``unknownFutureValue``), abstract and derived types, open types, navigation
properties, entity sets and singletons. Source and licence: README.md and LICENSE beside this file.
"""

from __future__ import annotations

import gzip
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

__all__ = ["EnumType", "Model", "Property", "StructuredType", "model"]

_EDM = "{http://docs.oasis-open.org/odata/ns/edm}"
CSDL_FILE = "v1.0.csdl.xml.gz"
GRAPH = "microsoft.graph"
# The member after which Graph's enums are "evolvable": later members are sent only to callers that ask
# (https://learn.microsoft.com/en-us/graph/best-practices-concept#handling-future-members-in-evolvable-enumerations)
UNKNOWN_FUTURE_VALUE = "unknownFutureValue"


@dataclass(frozen=True, slots=True)
class Property:
    """A structural or navigation property of an entity or complex type."""

    name: str
    type: str  # qualified element type: "Edm.String", "microsoft.graph.keyCredential"
    collection: bool = False
    nullable: bool = True
    navigation: bool = False
    contains_target: bool = False  # navigation: the targets live inside the owner (contained entities)


@dataclass(slots=True)
class StructuredType:
    """An entity or complex type with its own properties; ``properties`` adds those of its base types."""

    name: str
    kind: str  # "entity" | "complex"
    base: str | None = None
    abstract: bool = False
    open: bool = False  # an open type accepts dynamic properties (extension attributes of users, groups)
    own: dict[str, Property] = field(default_factory=dict)
    properties: dict[str, Property] = field(default_factory=dict)  # filled by Model (base first)
    derived: list[str] = field(default_factory=list)  # direct subtypes, filled by Model

    @property
    def short_name(self) -> str:
        return self.name.rsplit(".", 1)[-1]

    @property
    def odata_type(self) -> str:
        return "#" + self.name


@dataclass(frozen=True, slots=True)
class EnumType:
    name: str
    members: tuple[str, ...]  # in value order
    flags: bool = False  # several members may be combined, comma-separated
    evolvable: frozenset[str] = frozenset()  # members after unknownFutureValue


class Model:
    """The parsed metadata: structured types, enums, entity sets and singletons, by qualified name."""

    def __init__(self, root: ET.Element) -> None:
        self.types: dict[str, StructuredType] = {}
        self.enums: dict[str, EnumType] = {}
        self.entity_sets: dict[str, str] = {}  # name -> entity type
        self.singletons: dict[str, str] = {}
        self.aliases: dict[str, str] = {}  # alias -> namespace ("graph" -> "microsoft.graph")
        self.load_seconds = 0.0
        schemas = root.iter(f"{_EDM}Schema")
        raw: list[tuple[str, ET.Element]] = []
        for schema in schemas:
            ns = schema.get("Namespace", "")
            alias = schema.get("Alias")
            if alias:
                self.aliases[alias] = ns
            raw.append((ns, schema))
        for ns, schema in raw:
            for el in schema:
                tag = el.tag[len(_EDM):]
                if tag in ("EntityType", "ComplexType"):
                    self._structured(ns, el, "entity" if tag == "EntityType" else "complex")
                elif tag == "EnumType":
                    self._enum(ns, el)
                elif tag == "EntityContainer":
                    for item in el:
                        itag = item.tag[len(_EDM):]
                        if itag == "EntitySet":
                            self.entity_sets[item.get("Name", "")] = self.qualify(item.get("EntityType", ""))
                        elif itag == "Singleton":
                            self.singletons[item.get("Name", "")] = self.qualify(item.get("Type", ""))
        for t in self.types.values():
            if t.base and t.base in self.types:
                self.types[t.base].derived.append(t.name)
        for t in self.types.values():
            self._inherit(t)
        self._descendants: dict[str, tuple[str, ...]] = {}

    # ------------------------------------------------------------------ parsing
    def qualify(self, name: str) -> str:
        """``#graph.user`` / ``graph.user`` / ``microsoft.graph.user`` -> ``microsoft.graph.user``."""
        name = name.lstrip("#")
        head, _, rest = name.partition(".")
        if rest and head in self.aliases:
            return f"{self.aliases[head]}.{rest}"
        return name

    def _type_ref(self, text: str) -> tuple[str, bool]:
        if text.startswith("Collection(") and text.endswith(")"):
            return self.qualify(text[len("Collection("):-1]), True
        return self.qualify(text), False

    def _structured(self, ns: str, el: ET.Element, kind: str) -> None:
        name = f"{ns}.{el.get('Name')}"
        base = el.get("BaseType")
        t = StructuredType(name, kind, self.qualify(base) if base else None, el.get("Abstract") == "true",
                           el.get("OpenType") == "true")
        for p in el:
            ptag = p.tag[len(_EDM):]
            if ptag not in ("Property", "NavigationProperty"):
                continue
            ptype, coll = self._type_ref(p.get("Type", ""))
            t.own[p.get("Name", "")] = Property(p.get("Name", ""), ptype, coll, p.get("Nullable") != "false",
                                                ptag == "NavigationProperty", p.get("ContainsTarget") == "true")
        self.types[name] = t

    def _enum(self, ns: str, el: ET.Element) -> None:
        members = sorted((int(m.get("Value", "0")), m.get("Name", "")) for m in el.findall(f"{_EDM}Member"))
        names = tuple(n for _, n in members)
        boundary = next((v for v, n in members if n == UNKNOWN_FUTURE_VALUE), None)
        evolvable = frozenset(n for v, n in members if boundary is not None and v > boundary)
        name = f"{ns}.{el.get('Name')}"
        self.enums[name] = EnumType(name, names, el.get("IsFlags") == "true", evolvable)

    def _inherit(self, t: StructuredType) -> dict[str, Property]:
        if t.properties:
            return t.properties
        base = self.types.get(t.base) if t.base else None
        merged = dict(self._inherit(base)) if base is not None else {}
        merged.update(t.own)
        t.properties = merged
        t.open = t.open or (base.open if base is not None else False)
        return merged

    # ------------------------------------------------------------------ queries
    def type(self, name: str) -> StructuredType | None:
        return self.types.get(self.qualify(name))

    def enum(self, name: str) -> EnumType | None:
        return self.enums.get(self.qualify(name))

    def require(self, name: str) -> StructuredType:
        t = self.type(name)
        if t is None:
            raise KeyError(f"{name!r} is not a type of Graph's v1.0 metadata")
        return t

    def descendants(self, name: str) -> tuple[str, ...]:
        """Every type deriving from ``name`` (all levels), in a stable order."""
        name = self.qualify(name)
        found = self._descendants.get(name)
        if found is None:
            out: list[str] = []
            for child in sorted(self.types[name].derived) if name in self.types else ():
                out.append(child)
                out.extend(self.descendants(child))
            found = self._descendants[name] = tuple(out)
        return found

    def is_a(self, name: str, base: str) -> bool:
        """Whether ``name`` is ``base`` or derives from it."""
        current: str | None = self.qualify(name)
        target = self.qualify(base)
        while current is not None:
            if current == target:
                return True
            t = self.types.get(current)
            current = t.base if t is not None else None
        return False

    def resolve_path(self, path: str) -> StructuredType | None:
        """The entity type a path below the version root addresses (``identity/conditionalAccess/policies``):
        an entity set or singleton, then navigation properties; None when a segment is unknown."""
        head, *rest = path.strip("/").split("/")
        current = self.entity_sets.get(head) or self.singletons.get(head)
        for segment in rest:
            t = self.types.get(current or "")
            prop = t.properties.get(segment) if t is not None else None
            if prop is None or not prop.navigation:
                return None
            current = prop.type
        return self.types.get(current or "")


def _read() -> ET.Element:
    data = resources.files(__package__).joinpath(CSDL_FILE).read_bytes()
    return ET.fromstring(gzip.decompress(data))


@cache
def model() -> Model:
    """Graph's v1.0 metadata, parsed on first use and cached for the process."""
    start = time.perf_counter()
    m = Model(_read())
    m.load_seconds = time.perf_counter() - start
    return m


def json_kind(edm: str) -> Any:
    """The Python type(s) a JSON value of an ``Edm`` primitive type has (for messages and checks)."""
    return _EDM_JSON.get(edm, str)


_EDM_JSON: dict[str, Any] = {
    "Edm.Boolean": bool, "Edm.Int16": int, "Edm.Int32": int, "Edm.Int64": int, "Edm.Byte": int,
    "Edm.SByte": int, "Edm.Double": (int, float), "Edm.Single": (int, float), "Edm.Decimal": (int, float),
}
