"""A small evaluator of GitHub Actions expressions, for the tests that reason about or run the workflows.

Covers what the workflows use (docs.github.com, "Evaluate expressions in workflows and actions"): literals,
contexts with `.name` and `[index]`, `!`, comparisons (strings compared ignoring case, loose equality),
`&&` / `||` returning an operand's value, the functions contains, startsWith, endsWith, format, join,
toJSON, fromJSON and the status functions success, always, failure, cancelled. A job or step `if:` without a
status function is evaluated as `success() && (...)`, as GitHub does.
"""

from __future__ import annotations

import json
import re
from typing import Any

_TOKEN = re.compile(r"""
    \s*(?:
      (?P<num>-?(?:0x[0-9a-fA-F]+|\d+(?:\.\d+)?(?:e[+-]?\d+)?))
    | (?P<str>'(?:[^']|'')*')
    | (?P<op>==|!=|<=|>=|&&|\|\||[!<>().,\[\]*])
    | (?P<name>[A-Za-z_][A-Za-z0-9_-]*)
    )""", re.VERBOSE)


class ExpressionError(ValueError):
    pass


def _tokens(text: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    text = text.strip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise ExpressionError(f"cannot read {text[pos:]!r} in {text!r}")
        kind = m.lastgroup or ""
        out.append((kind, m.group(kind)))
        pos = m.end()
        while pos < len(text) and text[pos].isspace():
            pos += 1
    return out


def truthy(value: Any) -> bool:
    return value not in (None, False, 0, "") and not (isinstance(value, float) and value != value)


def _to_number(value: Any) -> float:
    if value is None:
        return 0.0
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        if not value.strip():
            return 0.0
        try:
            return float(int(value, 0)) if value.strip().lower().startswith("0x") else float(value)
        except ValueError:
            return float("nan")
    return float("nan")


def _equal(a: Any, b: Any) -> bool:
    if isinstance(a, str) and isinstance(b, str):
        return a.lower() == b.lower()
    if type(a) is type(b) or (isinstance(a, (int, float)) and isinstance(b, (int, float))
                              and not isinstance(a, bool) and not isinstance(b, bool)):
        return a == b
    if isinstance(a, (dict, list)) or isinstance(b, (dict, list)):
        return a is b
    return _to_number(a) == _to_number(b)


def _to_string(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dict, list)):
        return json.dumps(value, indent=2)
    return str(value)


class _Parser:
    def __init__(self, text: str, context: dict[str, Any], status: dict[str, bool]) -> None:
        self.text, self.toks, self.i = text, _tokens(text), 0
        self.ctx, self.status = context, status

    def peek(self) -> tuple[str, str] | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self, value: str | None = None) -> tuple[str, str]:
        tok = self.peek()
        if tok is None or (value is not None and tok[1] != value):
            raise ExpressionError(f"expected {value or 'more'} in {self.text!r}")
        self.i += 1
        return tok

    def parse(self) -> Any:
        value = self.or_()
        if self.peek() is not None:
            raise ExpressionError(f"unexpected {self.peek()[1]!r} in {self.text!r}")
        return value

    def or_(self) -> Any:
        value = self.and_()
        while self.peek() == ("op", "||"):
            self.take()
            right = self.and_()
            value = value if truthy(value) else right
        return value

    def and_(self) -> Any:
        value = self.cmp()
        while self.peek() == ("op", "&&"):
            self.take()
            right = self.cmp()
            value = right if truthy(value) else value
        return value

    def cmp(self) -> Any:
        value = self.unary()
        while self.peek() and self.peek()[1] in ("==", "!=", "<", "<=", ">", ">="):
            op = self.take()[1]
            right = self.unary()
            if op == "==":
                value = _equal(value, right)
            elif op == "!=":
                value = not _equal(value, right)
            else:
                a, b = ((value.lower(), right.lower()) if isinstance(value, str) and isinstance(right, str)
                        else (_to_number(value), _to_number(right)))
                value = {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op]
        return value

    def unary(self) -> Any:
        if self.peek() == ("op", "!"):
            self.take()
            return not truthy(self.unary())
        return self.postfix(self.primary())

    def primary(self) -> Any:
        kind, value = self.take()
        if kind == "num":
            return float(int(value, 16)) if "x" in value.lower() else float(value)
        if kind == "str":
            return value[1:-1].replace("''", "'")
        if (kind, value) == ("op", "("):
            inner = self.or_()
            self.take(")")
            return inner
        if kind == "name":
            if value in ("true", "false"):
                return value == "true"
            if value == "null":
                return None
            if self.peek() == ("op", "("):
                return self.call(value)
            if value not in self.ctx:
                raise ExpressionError(f"unknown context {value!r} in {self.text!r}")
            return self.ctx[value]
        raise ExpressionError(f"unexpected {value!r} in {self.text!r}")

    def postfix(self, value: Any) -> Any:
        while self.peek() in (("op", "."), ("op", "[")):
            if self.take()[1] == ".":
                name = self.take()[1]
                value = _member(value, name)
            else:
                index = self.or_()
                self.take("]")
                value = _member(value, index)
        return value

    def call(self, name: str) -> Any:
        self.take("(")
        args: list[Any] = []
        while self.peek() != ("op", ")"):
            args.append(self.or_())
            if self.peek() == ("op", ","):
                self.take()
        self.take(")")
        fn = name.lower()
        if fn in ("success", "always", "failure", "cancelled"):
            return {"always": True, **self.status}.get(fn, False)
        if fn == "contains":
            hay, needle = args
            if isinstance(hay, list):
                return any(_equal(item, needle) for item in hay)
            return _to_string(needle).lower() in _to_string(hay).lower()
        if fn == "startswith":
            return _to_string(args[0]).lower().startswith(_to_string(args[1]).lower())
        if fn == "endswith":
            return _to_string(args[0]).lower().endswith(_to_string(args[1]).lower())
        if fn == "format":
            return re.sub(r"\{(\d+)\}", lambda m: _to_string(args[1 + int(m.group(1))]), args[0])
        if fn == "join":
            sep = args[1] if len(args) > 1 else ","
            return sep.join(_to_string(v) for v in args[0]) if isinstance(args[0], list) else _to_string(args[0])
        if fn == "tojson":
            return json.dumps(args[0], indent=2)
        if fn == "fromjson":
            return json.loads(args[0])
        raise ExpressionError(f"function {name}() is not supported by this evaluator")


def _member(value: Any, key: Any) -> Any:
    if isinstance(value, dict):
        if isinstance(key, str):
            for k, v in value.items():
                if k.lower() == key.lower():
                    return v
        return None
    if isinstance(value, list) and isinstance(key, (int, float)) and not isinstance(key, bool):
        return value[int(key)] if 0 <= int(key) < len(value) else None
    return None


STATUS_FUNCTIONS = re.compile(r"\b(success|always|failure|cancelled)\s*\(", re.IGNORECASE)


def evaluate(expression: str, context: dict[str, Any], status: dict[str, bool] | None = None) -> Any:
    """The value of one expression (without the `${{ }}`)."""
    return _Parser(expression, context, status or {"success": True}).parse()


def evaluate_if(condition: Any, context: dict[str, Any], status: dict[str, bool] | None = None) -> bool:
    """A job's or step's `if:`: absent means success(); no status function means success() && (...)."""
    status = status or {"success": True, "failure": False, "cancelled": False}
    if condition is None:
        return bool(status.get("success"))
    if isinstance(condition, bool):
        return condition
    text = condition.strip()
    if text.startswith("${{") and text.endswith("}}"):
        text = text[3:-2]
    if not STATUS_FUNCTIONS.search(text):
        text = f"success() && ({text})"
    return truthy(evaluate(text, context, status))


_INTERP = re.compile(r"\$\{\{(.*?)\}\}", re.DOTALL)


def interpolate(value: Any, context: dict[str, Any]) -> str:
    """A `${{ }}`-templated value (env:, with:) as the runner renders it: a string."""
    if not isinstance(value, str):
        return _to_string(value)
    return _INTERP.sub(lambda m: _to_string(evaluate(m.group(1), context)), value)
