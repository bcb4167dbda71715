"""Paths inside an object.

A *path* names a place inside an object, dotted, with ``[]`` standing for "every element of this
list": ``conditions.users.includeUsers[]``, ``requiredResourceAccess[].resourceAppId``,
``grantControls.authenticationStrength.id``. :func:`iter_path` walks one.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


def iter_path(obj: Any, path: str) -> Iterator[tuple[Any, Any]]:
    """Yield ``(container, key)`` pairs for every place ``path`` names in ``obj``.

    For ``a.b[]`` the pairs are ``(list_b, index)`` per element; for ``a.b`` it is ``(dict_a, "b")``
    when present. Missing or null intermediate values yield nothing.
    """
    parts = path.split(".")

    def walk(node: Any, i: int) -> Iterator[tuple[Any, Any]]:
        if i == len(parts):
            return
        part = parts[i]
        is_list = part.endswith("[]")
        name = part[:-2] if is_list else part
        if not isinstance(node, dict) or name not in node:
            return
        if not is_list:
            if i == len(parts) - 1:
                yield node, name
            else:
                yield from walk(node[name], i + 1)
            return
        seq = node[name]
        if not isinstance(seq, list):
            return
        for idx, item in enumerate(seq):
            if i == len(parts) - 1:
                yield seq, idx
            else:
                yield from walk(item, i + 1)

    yield from walk(obj, 0)


def strings_in(value: Any) -> Iterator[str]:
    """Every string anywhere inside ``value`` (nested dicts and lists)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from strings_in(v)
    elif isinstance(value, list):
        for v in value:
            yield from strings_in(v)


def path_values(obj: Any, path: str) -> list[Any]:
    """The values at every place ``path`` names in ``obj``."""
    return [container[key] for container, key in iter_path(obj, path)]
