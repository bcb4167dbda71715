"""Values the difference report compares and walks (schema paths, canonical JSON, list identities)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

_IDENTITY_KEYS = ("id", "keyId")  # identify an element of an unordered list of objects (Graph convention)


def _tokens(path: str) -> tuple[str, ...]:
    """``"a.b[].c"`` -> ``("a", "b", "[]", "c")``."""
    out: list[str] = []
    for part in path.split(".") if path else ():
        if part.endswith("[]"):
            if part[:-2]:
                out.append(part[:-2])
            out.append("[]")
        else:
            out.append(part)
    return tuple(out)


def _join(schema: str, key: str) -> str:
    return f"{schema}.{key}" if schema else key


def _canon(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def _same(a: Any, b: Any) -> bool:
    return type(a) is type(b) and (a == b if not isinstance(a, (dict, list)) else _canon(a) == _canon(b))


def _identity(items: Sequence[Any]) -> str | None:
    """The key identifying every element of a list of objects (``id`` or ``keyId``), if all have one."""
    for key in _IDENTITY_KEYS:
        if items and all(isinstance(x, dict) and isinstance(x.get(key), str) for x in items):
            return key
    return None


class _Missing:
    def __repr__(self) -> str:
        return "<absent>"


_MISSING: Any = _Missing()
