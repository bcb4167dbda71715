"""Validation of a tenant-state tree: every problem names its file, object and property.

Checks, per file: YAML that parses into one mapping, the type's JSON Schema, canonical form (the text
is exactly what the dumper writes for the normalized object), id/file-name agreement, duplicate ids;
per tree: folders that are not type keys, files that are not ``.yaml``, a singleton's file name. Entries
whose name starts with ``.`` (``.gitkeep``, ``.gitattributes``) are ignored.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError as SchemaError

from entragit.errors import UsageError, ValidationError, one_line
from entragit.resources.base import ResourceType, path_values
from entragit.state.normalization import WHOLE_TYPE, Exclusions, first_data_difference, normalize
from entragit.state.schema import build_schema
from entragit.state.tree import GRAPH_ID, SUFFIX, resolve_types
from entragit.state.yamlio import dump_yaml, first_text_difference, parse_yaml, read_plain_file


@dataclass(frozen=True)
class Problem:
    """One problem found in a tree."""

    file: str
    obj: str | None
    prop: str | None
    message: str

    def __str__(self) -> str:
        where = [one_line(self.file)]
        if self.obj is not None:
            where.append(f"object {one_line(self.obj)}")
        if self.prop is not None:
            where.append(f"property {one_line(self.prop)}")
        return f"{': '.join(where)}: {self.message}"


@dataclass
class TreeReport:
    """The outcome of validating a tree: its problems and what it holds."""

    root: Path
    problems: list[Problem] = field(default_factory=list)
    files: int = 0
    objects: dict[str, int] = field(default_factory=dict)  # type key -> objects read

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        total = sum(self.objects.values())
        if self.ok:
            return f"{self.root}: valid, {total} objects in {len(self.objects)} types"
        bad = len({p.file for p in self.problems})
        return f"{self.root}: {len(self.problems)} problems in {bad} of {self.files} files"


def validate_tree(root: str | Path, types: Iterable[ResourceType] | None = None,
                  exclude: Exclusions | None = None) -> list[Problem]:
    """Every problem of the tree at ``root`` (empty when valid)."""
    return check_tree(root, types, exclude).problems


def check_tree(root: str | Path, types: Iterable[ResourceType] | None = None,
               exclude: Exclusions | None = None) -> TreeReport:
    """Validate the tree at ``root`` against the declarations (all registered types by default).

    ``exclude`` (the export exclusions of ``entragit.yaml``, see :func:`entragit.export.exclusions`) adds
    one check: a property excluded as personal data must not be in a file.
    """
    root = Path(root)
    if root.is_symlink():
        raise ValidationError("a symbolic link: refused, never followed (tenant-state/ holds plain files and "
                              "folders only)", file=str(root))
    if not root.is_dir():
        raise UsageError(f"{root}: not a directory (no tenant-state tree to validate)")
    known = {rt.key: rt for rt in resolve_types(types)}
    report = TreeReport(root)
    for entry in _entries(root):
        shown = str(root / entry.name)
        if entry.is_symlink():
            report.problems.append(Problem(shown, None, None, LINK_REFUSED))
            continue
        if entry.is_dir():
            rt = known.get(entry.name)
            if rt is None:
                report.problems.append(Problem(shown, None, None, "unknown folder: not a resource type "
                                               f"(known: {', '.join(sorted(known))})"))
                continue
            excluded = [p for p in (exclude or {}).get(rt.key, ()) if p != WHOLE_TYPE]
            _check_folder(root, rt, Path(entry.path), report, excluded)
        else:
            report.problems.append(Problem(shown, None, None,
                                           "unknown file: the tree holds only resource type folders"))
    return report


LINK_REFUSED = "a symbolic link: refused, never followed (tenant-state/ holds plain files and folders only)"


def _entries(folder: Path) -> list[os.DirEntry[str]]:
    with os.scandir(folder) as it:
        return sorted((e for e in it if not e.name.startswith(".")), key=lambda e: e.name)


def _check_folder(root: Path, rt: ResourceType, folder: Path, report: TreeReport, excluded: list[str]) -> None:
    validator = _validator(rt)
    seen: dict[str, str] = {}
    count = 0
    for entry in _entries(folder):
        shown = str(root / rt.key / entry.name)
        if entry.is_symlink():
            report.problems.append(Problem(shown, None, None, LINK_REFUSED))
            continue
        if entry.is_dir():
            report.problems.append(Problem(shown, None, None, "unknown folder inside a type folder"))
            continue
        if not entry.name.endswith(SUFFIX):
            report.problems.append(Problem(shown, None, None, f"unknown file: not a {SUFFIX} object file"))
            continue
        report.files += 1
        readable = _check_file(rt, Path(entry.path), shown, validator, seen, report.problems, excluded)
        count += readable
    if rt.singleton and count > 1:
        report.problems.append(Problem(str(root / rt.key), None, None,
                                       f"{count} files for a singleton type: only {rt.key}{SUFFIX} belongs here"))
    report.objects[rt.key] = count


def _check_file(rt: ResourceType, path: Path, shown: str, validator: Draft202012Validator,
                seen: dict[str, str], problems: list[Problem], excluded: list[str]) -> bool:
    """Append the problems of one file; False when it cannot be read as an object at all."""
    if rt.singleton and path.name != rt.key + SUFFIX:
        problems.append(Problem(shown, None, None,
                                f"a singleton type's file must be named {rt.key}{SUFFIX}"))
    try:
        text = read_plain_file(path).decode("utf-8")
        obj = parse_yaml(text, shown)
    except UnicodeDecodeError as exc:
        problems.append(Problem(shown, None, None, f"not UTF-8 text: {exc.reason} at byte {exc.start}"))
        return False
    except ValidationError as exc:
        problems.append(Problem(shown, None, None, str(exc).removeprefix(f"file {shown}: ")))
        return False
    obj_id = obj.get("id") if isinstance(obj.get("id"), str) else None

    for err in sorted(validator.iter_errors(obj), key=lambda e: list(map(str, e.absolute_path))):
        problems.append(Problem(shown, obj_id, _error_path(err), _error_message(err)))

    for excluded_path in excluded:
        if path_values(obj, excluded_path):
            problems.append(Problem(shown, obj_id, excluded_path,
                                    "excluded by entragit.yaml (excludeProperties: personal data) but present"))

    if obj_id is not None and not GRAPH_ID.match(obj_id):
        problems.append(Problem(shown, obj_id, "id", "not a Graph id (letters, digits, '.', '_' and '-' only, "
                                                     "not first '.' or '-')"))
    if obj_id is not None:
        if not rt.singleton and path.name != obj_id + SUFFIX:
            problems.append(Problem(shown, obj_id, "id",
                                    f"id does not match the file name (expected the file {obj_id}{SUFFIX})"))
        if obj_id in seen:
            problems.append(Problem(shown, obj_id, "id", f"duplicate id: also in {seen[obj_id]}"))
        else:
            seen[obj_id] = shown

    try:
        normalized = normalize(rt, obj)
        expected = dump_yaml(rt, normalized)
    except Exception as exc:  # a malformed object can break a hook: report it, with the file
        problems.append(Problem(shown, obj_id, None, f"cannot be normalized: {type(exc).__name__}: {exc}"))
        return True
    if text != expected:
        line, want, got = first_text_difference(expected, text)
        prop = first_data_difference(obj, normalized)
        what = "not in canonical form" + (f" ({_canonical_hint(obj, normalized, prop)})" if prop else "")
        problems.append(Problem(shown, obj_id, prop,
                                f"{what}: line {line} should be {want!r}, found {got!r}"))
    return True


def _canonical_hint(found: dict[str, Any], expected: dict[str, Any], prop: str) -> str:
    from entragit.state.normalization import canonical_json

    def lookup(obj: Any) -> tuple[bool, Any]:
        node = obj
        for part in prop.replace("[", ".[").split("."):
            if part.startswith("["):
                i = int(part[1:-1])
                if not isinstance(node, list) or i >= len(node):
                    return False, None
                node = node[i]
            elif isinstance(node, dict) and part in node:
                node = node[part]
            else:
                return False, None
        return True, node

    has_found, value_found = lookup(found)
    has_expected, value_expected = lookup(expected)
    if has_found and not has_expected:
        return "a property the export drops: volatile, secret or an annotation"
    if has_expected and not has_found:
        return "a property the export would add"
    if (isinstance(value_found, list) and isinstance(value_expected, list)
            and sorted(map(canonical_json, value_found)) == sorted(map(canonical_json, value_expected))):
        return "an unordered list out of order"
    return "a value the export writes differently"


def _error_path(err: SchemaError) -> str | None:
    parts = list(err.absolute_path)
    if err.validator == "required" and isinstance(err.instance, dict):
        missing = [r for r in err.validator_value if r not in err.instance]
        if missing:
            parts.append(missing[0])
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or None


def _error_message(err: SchemaError) -> str:
    if err.validator == "not" and err.validator_value == {}:
        return str(err.schema.get("description") or "not allowed")
    return f"schema: {err.message}"


_VALIDATORS: dict[int, tuple[ResourceType, Draft202012Validator]] = {}


def _validator(rt: ResourceType) -> Draft202012Validator:
    """One compiled validator per declaration (declarations are immutable; not all are hashable)."""
    cached = _VALIDATORS.get(id(rt))
    if cached is None or cached[0] is not rt:
        cached = _VALIDATORS[id(rt)] = (rt, Draft202012Validator(_lean(build_schema(rt))))
    return cached[1]


def _lean(schema: Any) -> Any:
    """The same constraints without annotations: the many description-only property schemas cost
    jsonschema a visit each and constrain nothing. The descriptions of "not: {}" schemas stay: they
    are the messages of forbidden properties."""
    if not isinstance(schema, dict):
        return schema
    out = {}
    for key, value in schema.items():
        if key in ("title", "$comment") or (key == "description" and "not" not in schema):
            continue
        if key in ("properties", "$defs"):
            value = {name: _lean(sub) for name, sub in value.items()}
            value = {name: sub for name, sub in value.items() if sub != {}}
        elif isinstance(value, dict):
            value = _lean(value)
        out[key] = value
    return out
