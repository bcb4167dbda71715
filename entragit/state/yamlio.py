"""Canonical YAML text: one dumper and one loader, both on libyaml when it is there.

The canonical text of an object is fixed by :func:`dump_yaml` alone: the schema line, then block-style
YAML with sorted keys, no anchors or aliases, unlimited line width (no folding), unicode as is, strings
that would read back as another type (``"true"``, ``"123"``, ``"null"``, ``"2024-01-01T00:00:00Z"``)
quoted, multi-line strings as literal blocks where YAML can carry them exactly, and a trailing newline.

The loader (:func:`load_yaml`, :func:`parse_yaml`) keeps timestamps as strings (YAML 1.1's implicit
timestamp type is removed: Graph's ``createdDateTime`` must never become a ``datetime``) and refuses a
mapping with a duplicate key, which PyYAML would otherwise resolve silently to the last value.

Canonical form is a contract both ways (octodns): :func:`check_canonical` rejects a file whose text is
not exactly what the dumper writes for the object it holds.

Speed: libyaml's emitter and parser sit behind PyYAML's Python representer and constructor, which cost
more than the export's budget per object. So canonical text of ordinary Graph objects is written and
read by two small fast paths, which produce and accept exactly libyaml's bytes; everything else goes
through the libyaml-backed :class:`CanonicalDumper` / :class:`CanonicalLoader`.

Where the pieces live: :mod:`entragit.state.yaml_canonical` (CanonicalDumper, CanonicalLoader, dump_body,
HAVE_LIBYAML), :mod:`entragit.state.yaml_fast` (the fast paths), this module (the entry points).
"""

from __future__ import annotations

import errno
import os
import re
import stat
from pathlib import Path
from typing import Any

import yaml

from entragit.errors import ValidationError
from entragit.resources.base import ResourceType
from entragit.state.normalization import first_data_difference, normalize
from entragit.state.yaml_canonical import HAVE_LIBYAML, CanonicalDumper, CanonicalLoader, dump_body
from entragit.state.yaml_fast import _fast_body, _fast_load
from entragit.yamlsafe import MAX_BYTES, MAX_DEPTH, check_size, check_yaml

__all__ = [
    "HAVE_LIBYAML", "CanonicalDumper", "CanonicalLoader", "canonical_text", "check_canonical", "dump_body",
    "dump_yaml", "first_text_difference", "load_yaml", "parse_yaml", "read_plain_file", "schema_line",
]


def schema_line(rt: ResourceType) -> str:
    """The first line of every file of ``rt``: editors (yaml-language-server) validate hand edits with it."""
    return f"# yaml-language-server: $schema=../../schemas/{rt.key}.schema.json\n"


def dump_yaml(rt: ResourceType, obj: dict[str, Any]) -> str:
    """The canonical text of one (normalized) object of type ``rt``, schema line included."""
    body = _fast_body(obj)
    if body is None:
        body = dump_body(obj)
    return schema_line(rt) + body


# A canonical line whose content starts this far right (spaces and "- " of nested lists) may sit deeper than
# entragit.yamlsafe.MAX_DEPTH allows (each level moves it two columns at most): such a text skips the fast path
# and meets the exact depth check.
_TOO_DEEP = re.compile(f"^[ -]{{{2 * MAX_DEPTH}}}", re.M)


def parse_yaml(text: str, file: str | Path = "<text>") -> dict[str, Any]:
    """Parse one tenant-state file's text; the result must be a mapping. Anchors, aliases, tags, a nesting
    deeper than the canonical files' or a size above the largest legitimate file's are refused first
    (:mod:`entragit.yamlsafe`), by :class:`ValidationError` naming the file."""
    check_size(len(text), file)
    fast = _fast_load(text) if _TOO_DEEP.search(text) is None else None
    if fast is not None:
        return fast  # exactly the fast dumper's text: plain and single-quoted scalars, no anchor or tag
    check_yaml(text, file)
    try:
        data = yaml.load(text, Loader=CanonicalLoader)  # noqa: S506 (a safe loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ValidationError(f"invalid YAML{where}: {problem}", file=str(file)) from None
    if not isinstance(data, dict):
        raise ValidationError(f"expected a mapping (one object), found {type(data).__name__}", file=str(file))
    return data


def load_yaml(path: str | Path) -> dict[str, Any]:
    """Load one tenant-state file (timestamps stay strings)."""
    path = Path(path)
    try:
        text = read_plain_file(path).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValidationError(f"not UTF-8 text: {exc.reason} at byte {exc.start}", file=str(path)) from None
    return parse_yaml(text, path)


def read_plain_file(path: str | Path, limit: int = MAX_BYTES) -> bytes:
    """The bytes of a regular file, never through a symbolic link (refused, and what it points at never read or
    shown) and never above ``limit`` bytes (checked before reading): :class:`ValidationError` naming the file."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError as exc:
        if exc.errno == errno.ELOOP or os.path.islink(path):
            raise ValidationError("a symbolic link: refused, never followed (tenant-state/ holds plain files "
                                  "only)", file=str(path)) from None
        raise ValidationError(f"cannot read: {exc.strerror or exc}", file=str(path)) from None
    with os.fdopen(fd, "rb") as fh:
        info = os.fstat(fh.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise ValidationError("not a regular file", file=str(path))
        check_size(info.st_size, path, limit)
        return fh.read(limit + 1)


def canonical_text(rt: ResourceType, obj: dict[str, Any]) -> str:
    """The text a file holding ``obj`` must have: the object normalized, then dumped."""
    return dump_yaml(rt, normalize(rt, obj))


def first_text_difference(expected: str, found: str) -> tuple[int, str, str]:
    """``(line number, expected line, found line)`` of the first differing line (1-based)."""
    exp, got = expected.split("\n"), found.split("\n")  # only "\n": a "\r" shows in the message
    for i in range(max(len(exp), len(got))):
        a = exp[i] if i < len(exp) else "<end of file>"
        b = got[i] if i < len(got) else "<end of file>"
        if a != b:
            return i + 1, a, b
    return 0, "", ""


def check_canonical(rt: ResourceType, path: str | Path, text: str) -> dict[str, Any]:
    """Parse ``text`` (the content of ``path``) and insist it is canonical; return the object.

    Canonical means: exactly ``dump_yaml(rt, normalize(rt, obj))`` for the object it holds, so a file
    with unsorted keys or lists, a missing schema line, a volatile or secret property, an annotation
    or a different quoting style is rejected with the first differing line.
    """
    obj = parse_yaml(text, path)
    expected = canonical_text(rt, obj)
    if text != expected:
        line, want, got = first_text_difference(expected, text)
        prop = first_data_difference(obj, normalize(rt, obj))
        obj_id = obj.get("id") if isinstance(obj.get("id"), str) else None
        raise ValidationError(
            f"not in canonical form at line {line}: expected {want!r}, found {got!r} "
            f"(rewrite it with the canonical dumper)",
            file=str(path), obj=obj_id, prop=prop)
    return obj
