"""OData query options the emulator understands: ``$filter``, ``$select``, ``$expand``, ``$top``, ``$orderby``.

``$filter`` supports the forms entragit and common tools use: comparisons (``eq ne gt ge lt le``) on
properties and sub-properties (``a/b``), ``in (...)``, ``startswith``/``endswith``, ``not``, ``and``/``or``,
parentheses, lambda ``any`` over lists (``groupTypes/any(c:c eq 'Unified')``) and ``isof('type')``.
String comparisons are case-insensitive like the directory's. Operators that Graph serves only as
*advanced queries* on directory objects (``ne``, ``not``, ``endswith``; see
https://learn.microsoft.com/en-us/graph/aad-advanced-queries) are reported in :attr:`Filter.advanced` so
the caller can refuse them without ``ConsistencyLevel: eventual`` and ``$count=true``.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from entragit.emulator.errors import BadRequest

Predicate = Callable[[dict[str, Any]], bool]

ADVANCED_OPERATORS = frozenset({"ne", "not", "endswith"})

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<str>'(?:[^']|'')*')
      | (?P<punct>[(),:])
      | (?P<word>[A-Za-z_$@][\w.$@/-]*(?:/[\w.$@]+)*)
      | (?P<num>-?\d[\w.:+-]*)
    )""",
    re.VERBOSE,
)

_MISSING = object()


def _tokens(text: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    pos = 0
    text = text.strip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise BadRequest(f"Invalid filter clause: syntax error at position {pos} in '{text}'.")
        kind = m.lastgroup or ""
        out.append((kind, m.group(kind)))
        pos = m.end()
        while pos < len(text) and text[pos].isspace():
            pos += 1
    return out


def _literal(kind: str, raw: str) -> Any:
    if kind == "str":
        return raw[1:-1].replace("''", "'")
    low = raw.lower()
    if low == "true":
        return True
    if low == "false":
        return False
    if low == "null":
        return None
    if kind == "num":
        try:
            return int(raw)
        except ValueError:
            try:
                return float(raw)
            except ValueError:
                return raw  # a GUID or a date-time literal, compared as text
    return raw


def _norm(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


def get_path(obj: Any, path: str) -> Any:
    """The value at ``a/b/c`` in ``obj`` (``_MISSING`` when absent)."""
    node = obj
    for part in path.split("/"):
        if not isinstance(node, dict) or part not in node:
            return _MISSING
        node = node[part]
    return node


@dataclass
class Filter:
    text: str
    predicate: Predicate
    advanced: set[str] = field(default_factory=set)
    props: set[str] = field(default_factory=set)  # top-level properties the filter reads
    ids: tuple[str, ...] | None = None  # set when the filter is exactly "id eq 'x'" or "id in (...)"
    eq: dict[str, Any] = field(default_factory=dict)  # top-level "prop eq value" terms joined by "and"


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.toks = _tokens(text)
        self.i = 0
        self.advanced: set[str] = set()
        self.props: set[str] = set()

    # -- token helpers
    def peek(self, offset: int = 0) -> tuple[str, str] | None:
        j = self.i + offset
        return self.toks[j] if j < len(self.toks) else None

    def take(self) -> tuple[str, str]:
        tok = self.peek()
        if tok is None:
            raise self.error("unexpected end of expression")
        self.i += 1
        return tok

    def expect(self, value: str) -> None:
        kind, raw = self.take()
        if raw.lower() != value:
            raise self.error(f"expected '{value}' but found '{raw}'")

    def word_is(self, value: str, offset: int = 0) -> bool:
        tok = self.peek(offset)
        return tok is not None and tok[0] == "word" and tok[1].lower() == value

    def error(self, why: str) -> BadRequest:
        return BadRequest(f"Invalid filter clause: {why} in '{self.text}'.")

    # -- grammar
    def parse(self) -> Predicate:
        pred = self.parse_or()
        if self.peek() is not None:
            raise self.error(f"unexpected '{self.peek()[1]}'")  # type: ignore[index]
        return pred

    def parse_or(self) -> Predicate:
        left = self.parse_and()
        while self.word_is("or"):
            self.take()
            right = self.parse_and()
            left = (lambda a, b: lambda o: a(o) or b(o))(left, right)
        return left

    def parse_and(self) -> Predicate:
        left = self.parse_unary()
        while self.word_is("and"):
            self.take()
            right = self.parse_unary()
            left = (lambda a, b: lambda o: a(o) and b(o))(left, right)
        return left

    def parse_unary(self) -> Predicate:
        if self.word_is("not"):
            self.take()
            self.advanced.add("not")
            inner = self.parse_unary()
            return lambda o: not inner(o)
        tok = self.peek()
        if tok and tok[1] == "(":
            self.take()
            inner = self.parse_or()
            self.expect(")")
            return inner
        return self.parse_primary()

    def parse_value(self) -> Any:
        kind, raw = self.take()
        if kind in ("str", "num", "word"):
            return _literal(kind, raw)
        raise self.error(f"expected a value but found '{raw}'")

    def parse_primary(self) -> Predicate:
        kind, raw = self.take()
        if kind != "word":
            raise self.error(f"unexpected '{raw}'")
        name = raw
        low = name.lower()
        if low in ("startswith", "endswith") and self.peek() and self.peek()[1] == "(":  # type: ignore[index]
            self.take()
            prop = self.take()[1]
            self.expect(",")
            value = self.parse_value()
            self.expect(")")
            if low == "endswith":
                self.advanced.add("endswith")
            self.props.add(prop.split("/")[0])
            needle = _norm(value)
            if low == "startswith":
                return lambda o: _str_test(get_path(o, prop), lambda s: s.startswith(needle))
            return lambda o: _str_test(get_path(o, prop), lambda s: s.endswith(needle))
        if low == "isof" and self.peek() and self.peek()[1] == "(":  # type: ignore[index]
            self.take()
            value = self.parse_value()
            self.expect(")")
            want = "#" + str(value).lstrip("#")
            return lambda o: str(o.get("@odata.type", "")).lower() == want.lower()
        if "/any" in low or "/all" in low:
            return self.parse_lambda(name)
        # comparison or "in"
        self.props.add(name.split("/")[0])
        op_kind, op = self.take()
        op = op.lower()
        if op == "in":
            self.expect("(")
            values: list[Any] = []
            while True:
                values.append(_norm(self.parse_value()))
                sep = self.take()[1]
                if sep == ")":
                    break
                if sep != ",":
                    raise self.error(f"expected ',' or ')' but found '{sep}'")
            allowed = set(values)
            return lambda o: _in_test(get_path(o, name), allowed)
        if op not in ("eq", "ne", "gt", "ge", "lt", "le"):
            raise self.error(f"unknown operator '{op}'")
        if op == "ne":
            self.advanced.add("ne")
        value = self.parse_value()
        return _compare(name, op, value)

    def parse_lambda(self, head: str) -> Predicate:
        prop, _, fn = head.rpartition("/")
        fn = fn.lower()
        self.props.add(prop.split("/")[0])
        self.expect("(")
        tok = self.peek()
        if tok and tok[1] == ")":
            self.take()
            return lambda o: bool(_as_list(get_path(o, prop)))
        var = self.take()[1]
        self.expect(":")
        # the body refers to the range variable: "c eq 'x'" or "c/prop eq 'x'" or startswith(c, 'x')
        body_start = self.i
        depth = 0
        while True:
            t = self.take()
            if t[1] == "(":
                depth += 1
            elif t[1] == ")":
                if depth == 0:
                    break
                depth -= 1
        body_toks = self.toks[body_start:self.i - 1]
        sub = _Parser.__new__(_Parser)
        sub.text, sub.i, sub.advanced, sub.props = self.text, 0, self.advanced, set()
        sub.toks = [(k, _rebase(v, var) if k == "word" else v) for k, v in body_toks]
        inner = sub.parse_or()

        def test(o: dict[str, Any]) -> bool:
            items = _as_list(get_path(o, prop))
            results = (inner({"$it": item}) for item in items)
            return any(results) if fn == "any" else all(results)

        return test


def _rebase(word: str, var: str) -> str:
    if word == var:
        return "$it"
    if word.startswith(var + "/"):
        return "$it/" + word[len(var) + 1:]
    return word


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _str_test(value: Any, test: Callable[[str], bool]) -> bool:
    return isinstance(value, str) and test(value.lower())


def _in_test(value: Any, allowed: set[Any]) -> bool:
    if value is _MISSING:
        return None in allowed
    try:
        return _norm(value) in allowed
    except TypeError:
        return False


def _compare(path: str, op: str, value: Any) -> Predicate:
    want = _norm(value)

    def test(o: dict[str, Any]) -> bool:
        have = get_path(o, path)
        if have is _MISSING:
            have = None
        have = _norm(have)
        if op == "eq":
            return have == want
        if op == "ne":
            return have != want
        if have is None or want is None:
            return False
        try:
            if op == "gt":
                return have > want
            if op == "ge":
                return have >= want
            if op == "lt":
                return have < want
            return have <= want
        except TypeError:
            return False

    return test


def parse_filter(text: str) -> Filter:
    parser = _Parser(text)
    pred = parser.parse()
    flt = Filter(text=text, predicate=pred, advanced=parser.advanced, props=parser.props)
    toks = parser.toks
    # fast paths: "id eq 'x'", "id in ('a','b')", and plain "p eq v [and q eq w]" for index use
    if len(toks) == 3 and toks[0] == ("word", "id") and toks[1][1].lower() == "eq":
        flt.ids = (str(_literal(*toks[2])),)
    elif len(toks) >= 5 and toks[0] == ("word", "id") and toks[1][1].lower() == "in":
        flt.ids = tuple(str(_literal(k, v)) for k, v in toks[3:-1:2])
    i = 0
    eq: dict[str, Any] = {}
    while i + 2 < len(toks) and toks[i][0] == "word" and toks[i + 1][1].lower() == "eq":
        eq[toks[i][1]] = _literal(*toks[i + 2])
        i += 3
        if i < len(toks) and toks[i][1].lower() == "and":
            i += 1
            continue
        break
    if i == len(toks) and "/" not in "".join(eq):
        flt.eq = eq
    return flt


def parse_select(text: str | None) -> tuple[str, ...] | None:
    if text is None:
        return None
    names = tuple(dict.fromkeys(n.strip() for n in text.split(",") if n.strip()))
    return names or None


@dataclass
class Expand:
    name: str
    select: tuple[str, ...] | None = None


def parse_expand(text: str | None) -> list[Expand]:
    """``members``, ``members($select=id,displayName)``, ``owners,manager``."""
    if not text:
        return []
    out: list[Expand] = []
    depth, start = 0, 0
    parts: list[str] = []
    for i, ch in enumerate(text):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    for part in parts:
        part = part.strip()
        if not part:
            continue
        if "(" in part and part.endswith(")"):
            name, _, opts = part[:-1].partition("(")
            select = None
            for opt in opts.split(";"):
                key, _, val = opt.partition("=")
                if key.strip().lower() == "$select":
                    select = parse_select(val)
            out.append(Expand(name.strip(), select))
        else:
            out.append(Expand(part))
    return out


def parse_orderby(text: str | None) -> list[tuple[str, bool]]:
    """``displayName desc, id`` -> ``[("displayName", True), ("id", False)]`` (True = descending)."""
    if not text:
        return []
    out: list[tuple[str, bool]] = []
    for part in text.split(","):
        bits = part.split()
        if not bits:
            continue
        desc = len(bits) > 1 and bits[1].lower() == "desc"
        out.append((bits[0], desc))
    return out


def encode_token(data: dict[str, Any]) -> str:
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_token(token: str, what: str = "$skiptoken") -> dict[str, Any]:
    try:
        pad = "=" * (-len(token) % 4)
        data = json.loads(base64.urlsafe_b64decode(token + pad))
        if not isinstance(data, dict):
            raise ValueError
        return data
    except (ValueError, TypeError):
        raise BadRequest(f"Invalid {what} value specified: '{token}'.") from None
