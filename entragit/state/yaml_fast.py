"""The fast paths of canonical YAML, both ways: byte for byte what libyaml writes, several times faster.

Speed: libyaml's emitter and parser sit behind PyYAML's Python representer and constructor, which cost
more than the export's budget per object. So canonical text of ordinary Graph objects is written
(:func:`_fast_body`) and read (:func:`_fast_load`) here; anything else returns None and goes through the
libyaml-backed :class:`~entragit.state.yaml_canonical.CanonicalDumper` / ``CanonicalLoader``.
"""

from __future__ import annotations

import re
from typing import Any

from entragit.state.yaml_canonical import CanonicalDumper, CanonicalLoader


# ---------------------------------------------------------------------------------------------- fast path
# The representer/serializer half of PyYAML is Python and costs more than the 250 µs per object the
# export may spend (../shared/reference/performance.md B5). Objects made only of mappings with string
# keys, lists, and "simple" scalars (str without line breaks, tabs or exotic characters; int; bool;
# null) are written here directly, byte for byte as libyaml's emitter writes them through
# CanonicalDumper: a string is plain when libyaml's scalar analysis allows a plain block scalar and
# no implicit resolver would read it as another type, otherwise single-quoted. Anything else (floats,
# multi-line or exotic strings, long keys) falls back to CanonicalDumper for the whole object. Tests
# compare both paths on Graph examples and on a generated corpus of awkward strings and shapes.
class _Fallback(Exception):
    pass


# Characters libyaml prints as they are in a plain or single-quoted scalar (printable, no line break
# including U+2028/U+2029, no BOM, no tab, no surrogate, nothing outside the BMP).
_CHARS = "\\x20-\\x7e\\u00a0-\\u2027\\u202a-\\ud7ff\\ue000-\\ufefe\\uff00-\\ufffd"
_SIMPLE = re.compile(f"[{_CHARS}]*")
# A string libyaml writes as a plain block scalar (yaml_emitter_analyze_scalar): no indicator or space
# first, no "- ", "? ", ": " start, no document marker, no ": " or " #" inside, no ":" or space last.
_PLAIN = re.compile(
    "(?![#,\\[\\]{}&*!|>'\"%@` ])"
    "(?![?:-](?: |\\Z))"
    "(?!---|\\.\\.\\.)"
    "(?!.*(?:: | #))"
    "(?!.*[: ]\\Z)"
    f"[{_CHARS}]+\\Z"
)
_RESOLVERS = CanonicalDumper.yaml_implicit_resolvers
_KEYS: dict[str, str] = {}


def _str(s: str) -> str:
    if _PLAIN.match(s) is not None:
        for _tag, regexp in _RESOLVERS.get(s[0], ()):
            if regexp.match(s):  # would read back as another type: quote it
                return "'" + s.replace("'", "''") + "'"
        return s
    if s and _SIMPLE.fullmatch(s) is None:
        raise _Fallback
    return "'" + s.replace("'", "''") + "'"


def _key(key: Any) -> str:
    text = _KEYS.get(key) if type(key) is str else None
    if text is None:
        if type(key) is not str or len(key.encode("utf-8")) > 128:  # libyaml: a "? " complex key
            raise _Fallback
        text = _str(key)
        if len(_KEYS) > 4096:
            _KEYS.clear()
        _KEYS[key] = text
    return text


def _scalar(value: Any) -> str:
    kind = type(value)
    if kind is str:
        return _str(value)
    if kind is bool:
        return "true" if value else "false"
    if value is None:
        return "null"
    if kind is int:
        return str(value)
    raise _Fallback


def _map(data: dict[str, Any], indent: int, prefix: str, out: list[str]) -> None:
    pad = " " * indent
    for key in sorted(data):
        value = data[key]
        kind = type(value)
        if kind is dict:
            if value:
                out.append(f"{prefix}{_key(key)}:\n")
                _map(value, indent + 2, pad + "  ", out)
            else:
                out.append(f"{prefix}{_key(key)}: {{}}\n")
        elif kind is list:
            if value:
                out.append(f"{prefix}{_key(key)}:\n")
                _seq(value, indent, pad, out)  # block sequences in a mapping are not indented
            else:
                out.append(f"{prefix}{_key(key)}: []\n")
        else:
            out.append(f"{prefix}{_key(key)}: {_scalar(value)}\n")
        prefix = pad


def _seq(data: list[Any], indent: int, prefix: str, out: list[str]) -> None:
    pad = " " * indent
    for item in data:
        kind = type(item)
        if kind is dict:
            if item:
                _map(item, indent + 2, prefix + "- ", out)
            else:
                out.append(f"{prefix}- {{}}\n")
        elif kind is list:
            if item:
                _seq(item, indent + 2, prefix + "- ", out)
            else:
                out.append(f"{prefix}- []\n")
        else:
            out.append(f"{prefix}- {_scalar(item)}\n")
        prefix = pad


def _fast_body(obj: Any) -> str | None:
    """The canonical YAML of ``obj`` when the fast path can write it, else None."""
    if type(obj) is not dict:
        return None
    if not obj:
        return "{}\n"
    out: list[str] = []
    try:
        _map(obj, 0, "", out)
    except _Fallback:
        return None
    return "".join(out)


# ---------------------------------------------------------------------------------------------- fast load
# Reading back is the mirror image: a small parser for exactly the shapes the fast path writes. Its
# result is trusted only when writing it again gives the very same text: then, since loading the fast
# path's text gives back what was written (tested against libyaml), the result is what CanonicalLoader
# would have read. Any other text (hand edits, other quoting, comments, anything unusual) is parsed by
# CanonicalLoader. So canonical files load several times faster, and nothing else changes.
_INT = re.compile(r"-?(?:0|[1-9][0-9]*)\Z")
_LOAD_RESOLVERS = CanonicalLoader.yaml_implicit_resolvers
_RESOLVED_FIRST = frozenset(k for k in _LOAD_RESOLVERS if k)  # first characters of implicit types
_SCALARS: dict[str, Any] = {"true": True, "false": False, "null": None}
_NOT_SCALAR = object()
_PLAIN_KEYS: dict[str, str] = {}


def _plain(text: str) -> Any:
    if text[:1] in _RESOLVED_FIRST:
        value = _SCALARS.get(text, _NOT_SCALAR)
        if value is not _NOT_SCALAR:
            return value
        if _INT.match(text):
            return int(text)
        for _tag, regexp in _LOAD_RESOLVERS[text[0]]:
            if regexp.match(text):
                raise _Fallback  # another implicit type (float, a YAML 1.1 bool or int form): not fast-path text
    elif not text:
        raise _Fallback
    return text


def _plain_key(text: str) -> str:
    key = _PLAIN_KEYS.get(text)
    if key is None:
        value = _plain(text)
        if type(value) is not str:
            raise _Fallback
        if len(_PLAIN_KEYS) > 4096:
            _PLAIN_KEYS.clear()
        key = _PLAIN_KEYS[text] = value
    return key


def _quoted(text: str, start: int) -> tuple[str, int]:
    """A single-quoted scalar starting at ``text[start]``: its value and the index after its closing quote."""
    i = start + 1
    while True:
        j = text.find("'", i)
        if j < 0:
            raise _Fallback
        if text.startswith("'", j + 1):
            i = j + 2
            continue
        return text[start + 1:j].replace("''", "'"), j + 1


def _entry(content: str) -> tuple[str, str | None] | None:
    """``(key, rest)`` of a mapping entry (``rest`` None for ``key:`` + block), or None for a scalar."""
    if content[:1] == "'":
        key, end = _quoted(content, 0)
        after = content[end:]
        if after == ":":
            return key, None
        if after[:2] == ": ":
            return key, after[2:]
        return None
    pos = content.find(": ")
    if pos >= 0:
        return _plain_key(content[:pos]), content[pos + 2:]
    if content[-1:] == ":":
        return _plain_key(content[:-1]), None
    return None


def _value(text: str) -> Any:
    first = text[:1]
    if first == "'":
        value, end = _quoted(text, 0)
        if end != len(text):
            raise _Fallback
        return value
    if first == "{" or first == "[":
        if text == "{}":
            return {}
        if text == "[]":
            return []
        raise _Fallback
    return _plain(text)


def _load_map(lines: list[str], i: int, indent: int, inline: bool) -> tuple[dict[str, Any], int]:
    out: dict[str, Any] = {}
    count = len(lines)
    while i < count:
        line = lines[i]
        content = line[indent:]
        if not inline:
            if len(line) - len(line.lstrip(" ")) != indent or content[:2] == "- ":
                break
        inline = False
        entry = _entry(content)
        if entry is None:
            raise _Fallback
        key, rest = entry
        if rest is not None:
            out[key] = _value(rest)
            i += 1
            continue
        if i + 1 >= count:
            raise _Fallback
        nxt = lines[i + 1]
        depth = len(nxt) - len(nxt.lstrip(" "))
        if depth == indent and nxt[indent:indent + 2] == "- ":
            out[key], i = _load_seq(lines, i + 1, indent, False)
        elif depth == indent + 2:
            out[key], i = _load_map(lines, i + 1, indent + 2, False)
        else:
            raise _Fallback
    return out, i


def _load_seq(lines: list[str], i: int, indent: int, inline: bool) -> tuple[list[Any], int]:
    lead = " " * indent + "- "
    out: list[Any] = []
    count = len(lines)
    while i < count:
        line = lines[i]
        if not inline and not line.startswith(lead):
            break
        inline = False
        content = line[indent + 2:]
        if content[:2] == "- ":
            item, i = _load_seq(lines, i, indent + 2, True)
        elif content[:1] not in ("'", "{", "[") and (": " in content or content[-1:] == ":") \
                or content[:1] == "'" and _entry(content) is not None:
            item, i = _load_map(lines, i, indent + 2, True)
        else:
            item, i = _value(content), i + 1
        out.append(item)
    return out, i


def _fast_load(text: str) -> dict[str, Any] | None:
    """The object of a text the fast path wrote (schema line allowed), else None."""
    body = text
    if body.startswith("#"):
        body = body[body.find("\n") + 1:] if "\n" in body else ""
    if not body.endswith("\n"):
        return None
    lines = body[:-1].split("\n")
    try:
        if lines == ["{}"]:
            obj: dict[str, Any] = {}
        else:
            obj, end = _load_map(lines, 0, 0, False)
            if end != len(lines):
                return None
        if _fast_body(obj) != body:
            return None
    except (_Fallback, IndexError):
        return None
    return obj
