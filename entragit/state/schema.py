"""JSON Schemas (2020-12) for tenant-state files, generated from the declarations.

``build_schema(rt)`` says what the declaration knows: ``id`` (required string), ``@odata.type`` where
Graph needs it on write, ``_entragit`` facts, the links' structures (IDS: unique strings; ID: string or
null; OBJECTS: objects with their key fields), references (strings), unordered lists (arrays), expanded
objects (only ``id``), and the properties a stored file must never hold (volatile, secret). Declared
properties get their JSON type (``Prop.json_type``: ``accountEnabled: maybe`` is refused; null is always
allowed, as Graph returns it for unset values) and a description (write channel, notes) for editors;
unknown properties are allowed with any value.

Regenerate the committed files with ``python -m entragit.state.schema --write``; ``--check`` exits 1
when they are stale (a test does the same).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from entragit.resources.base import JSON_TYPES, META_KEY, Channel, Link, LinkKind, Prop, ResourceType
from entragit.state.normalization import LINK_KINDS, MASTERED, NEVER_WRITTEN, ODATA_TYPE

DRAFT = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_DIR = Path(__file__).resolve().parents[2] / "schemas"

# entragit's facts under META_KEY. Another fact needs an entry here (the schema refuses unknown ones).
META_FACTS: dict[str, dict[str, Any]] = {
    MASTERED: {"const": True,
               "description": "mastered on-premises (directory synchronization): on-premises properties are "
                              "restored through the on-premises directory, not Graph"},
    NEVER_WRITTEN: {"type": "string", "minLength": 1,
                    "description": "why entragit never writes this object's own properties"},
    LINK_KINDS: {"type": "object",
                 "description": "per link (members, owners, manager): the kind (Graph type name, e.g. device, "
                                "orgContact) of each linked id whose kind is not a type this backup holds; such "
                                "links are never removed by a plan, and put back where Graph allows",
                 "additionalProperties": {
                     "type": "object",
                     "propertyNames": {"pattern": "^[a-z][A-Za-z0-9]*$"},
                     "additionalProperties": {"type": "array", "items": {"type": "string", "minLength": 1},
                                              "uniqueItems": True}}},
}

_ODATA_TYPE_SCHEMA = {"type": "string", "pattern": r"^#microsoft\.graph\.[A-Za-z0-9_.]+$",
                      "description": "the Graph type; sent on create and update"}
_CHANNEL_TEXT = {
    Channel.PATCH: "written with the object's PATCH",
    Channel.PATCH_ALONE: "written in a PATCH of its own",
    Channel.ACTION: "written through an action",
    Channel.CREATE_ONLY: "set on create only, immutable afterwards",
    Channel.READ_ONLY: "read-only: exported, never written",
}


def schema_file_name(rt: ResourceType) -> str:
    return f"{rt.key}.schema.json"


def build_schema(rt: ResourceType) -> dict[str, Any]:
    """The JSON Schema of one file of type ``rt``."""
    where = f"{rt.api_version} {rt.collection}" + (" (singleton)" if rt.singleton else "")
    schema: dict[str, Any] = {
        "$schema": DRAFT,
        "$id": f"urn:entragit:schema:{rt.key}",
        "title": f"entragit {rt.title}",
        "description": f"One {rt.title} ({rt.odata_type}, Graph {where}) as stored in tenant-state/{rt.key}/ "
                       "by entragit: canonical YAML, volatile and secret properties dropped.",
        "type": "object",
        "required": ["id"] + ([ODATA_TYPE] if rt.requires_odata_type else []),
        "properties": {},
        "additionalProperties": True,
    }
    props: dict[str, Any] = schema["properties"]
    for p in rt.props:
        props[p.name] = {"description": _describe(p), **json_type_schema(p)}
    props["id"] = {"type": "string", "minLength": 1,
                   "description": "the immutable object id" + ("" if rt.singleton else "; names the file")}
    props[ODATA_TYPE] = dict(_ODATA_TYPE_SCHEMA)
    props[META_KEY] = {
        "type": "object",
        "description": "entragit's own facts about the object; never sent to Graph",
        "properties": {k: dict(v) for k, v in META_FACTS.items()},
        "additionalProperties": False,
    }
    for path in rt.unordered:
        _merge(_at(schema, path.removesuffix("[]")), {"type": ["array", "null"]})
    for ref in rt.refs:
        target = "; ".join(ref.targets)
        text = f"reference to {target} by {ref.by}" + (
            f" (special values: {', '.join(sorted(ref.specials))})" if ref.specials else "")
        kind = "string" if ref.path.endswith("[]") else ["string", "null"]
        _merge(_at(schema, ref.path), {"type": kind, "description": text})
    for path in rt.expanded:
        _set(schema, path, {
            "type": ["object", "null"],
            "description": "related object expanded by Graph on GET: only its id is stored",
            "properties": {"id": {"type": ["string", "null"]}},
            "additionalProperties": False,
        })
    for path in sorted(rt.odata_type_paths):  # declared types with derived types: Graph needs the value's type
        node = _at(schema, path)
        node.setdefault("properties", {})[ODATA_TYPE] = dict(_ODATA_TYPE_SCHEMA)
        _merge(node, {"required": [ODATA_TYPE]})
    for link in rt.links:
        props[link.name] = _link_schema(link)
    for path in sorted(rt.volatile):
        _set(schema, path, _forbidden("volatile: dropped on export"))
    for name in sorted(rt.secrets):
        _set(schema, name, _forbidden("secret: never exported"))
    for path in sorted(rt.secret_paths):
        _set(schema, path, _forbidden("secret: never exported"))
    return schema


def json_type_schema(p: Prop) -> dict[str, Any]:
    """The JSON type constraint of a declared property (``Prop.json_type``): its type or null; an array's
    items of the declared item type. Untyped properties (and unknown ones) take any value."""
    kind = p.json_type
    if kind is None:
        return {}
    if kind not in JSON_TYPES:
        raise ValueError(f"property {p.name}: json_type {kind!r} is not one of {', '.join(sorted(JSON_TYPES))}")
    if kind.endswith("[]"):
        return {"type": ["array", "null"], "items": {"type": kind[:-2]}}
    return {"type": [kind, "null"]}


def _describe(p: Prop) -> str:
    bits = [_CHANNEL_TEXT.get(p.channel, p.channel.value)]
    if p.action:
        bits[0] += f" ({p.action})"
    if p.required_on_create:
        bits.append("required on create")
    if p.on_premises:
        bits.append("mastered on-premises when the object is synced")
    if p.note:
        bits.append(p.note)
    return "; ".join(bits)


def _link_schema(link: Link) -> dict[str, Any]:
    text = f"link {link.kind.value}: {link.read}" + (f"; {link.note}" if link.note else "")
    if link.kind is LinkKind.IDS:
        return {"type": "array", "items": {"type": "string", "minLength": 1}, "uniqueItems": True,
                "description": text + ("; sorted" if link.sorted else "")}
    if link.kind is LinkKind.ID:
        return {"type": ["string", "null"], "description": text}
    element: dict[str, Any] = {
        "type": "object",
        "required": list(dict.fromkeys(link.key + ((ODATA_TYPE,) if link.requires_odata_type else ()))),
        "properties": {k: {"description": "part of the element's key"} for k in link.key},
        "additionalProperties": True,
    }
    if link.requires_odata_type or ODATA_TYPE in link.key:
        element["properties"][ODATA_TYPE] = dict(_ODATA_TYPE_SCHEMA)
    wrapper = {"properties": {"e": {"items": element}}}
    for ref in link.refs:
        kind = "string" if ref.path.endswith("[]") else ["string", "null"]
        _merge(_at(wrapper, f"e[].{ref.path}"), {"type": kind, "description": f"reference to {'; '.join(ref.targets)}"})
    for path in link.unordered:
        _merge(_at(wrapper, f"e[].{path.removesuffix('[]')}"), {"type": ["array", "null"]})
    for path in sorted(link.volatile):
        _set(wrapper, f"e[].{path}", _forbidden("volatile: dropped on export"))
    return {"type": "array", "items": wrapper["properties"]["e"]["items"],
            "description": text + f"; sorted by {', '.join(link.sort_by)}"}


def _forbidden(reason: str) -> dict[str, Any]:
    # "not: {}" rather than the false schema: the description is what validate reports
    return {"not": {}, "description": f"not allowed in a stored file ({reason})"}


def _at(schema: dict[str, Any], path: str) -> dict[str, Any]:
    """The (created on demand) sub-schema for a declaration path (``a.b[].c``)."""
    node = schema
    for part in path.split("."):
        is_list = part.endswith("[]")
        node = node.setdefault("properties", {}).setdefault(part.removesuffix("[]"), {})
        if is_list:
            node = node.setdefault("items", {})
    return node


def _set(schema: dict[str, Any], path: str, sub: dict[str, Any]) -> None:
    parent, _, last = path.rpartition(".")
    node = _at(schema, parent) if parent else schema
    if last.endswith("[]"):
        node.setdefault("properties", {}).setdefault(last[:-2], {})["items"] = sub
    else:
        node.setdefault("properties", {})[last] = sub


def _merge(node: dict[str, Any], extra: dict[str, Any]) -> None:
    for key, value in extra.items():
        if key == "required":
            node[key] = list(dict.fromkeys(node.get(key, []) + value))
        elif key == "description" and node.get(key):
            if value not in node[key]:
                node[key] = f"{node[key]}; {value}"
        else:
            node[key] = value


# ---------------------------------------------------------------------------------------------- files
def schema_text(rt: ResourceType) -> str:
    return json.dumps(build_schema(rt), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def write_schemas(directory: Path = SCHEMA_DIR, types: list[ResourceType] | None = None) -> list[Path]:
    """(Re)write ``<directory>/<typeKey>.schema.json`` for every type; returns the files rewritten."""
    from entragit import resources

    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for rt in types if types is not None else resources.all_types():
        path = directory / schema_file_name(rt)
        text = schema_text(rt)
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            written.append(path)
    return written


def stale_schemas(directory: Path = SCHEMA_DIR, types: list[ResourceType] | None = None) -> list[str]:
    """Names of schema files that are missing, different from the declarations, or of no type."""
    from entragit import resources

    rts = types if types is not None else resources.all_types()
    expected = {schema_file_name(rt): schema_text(rt) for rt in rts}
    stale = [name for name, text in expected.items()
             if not (directory / name).is_file() or (directory / name).read_text(encoding="utf-8") != text]
    if directory.is_dir():
        stale += [p.name for p in directory.glob("*.schema.json") if p.name not in expected]
    return sorted(stale)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m entragit.state.schema", description=__doc__.split("\n")[0])
    parser.add_argument("--dir", type=Path, default=SCHEMA_DIR, help="schema folder (default: %(default)s)")
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--write", action="store_true", help="regenerate the schema files")
    mode.add_argument("--check", action="store_true", help="exit 1 when a schema file is stale")
    args = parser.parse_args(argv)
    if args.write:
        for path in write_schemas(args.dir):
            print(f"wrote {path}")
        return 0
    stale = stale_schemas(args.dir)
    for name in stale:
        print(f"stale: {args.dir / name}", file=sys.stderr)
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
