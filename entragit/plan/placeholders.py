"""Placeholders for ids known only at apply time (see :mod:`entragit.plan.model`).

The planner writes ``{"$new": "<type>/<old id>", "key"?: "appId", "format"?: "api://{}"}`` where a
recreated object's new id (or appId) goes; the applier records each recreate's new values and calls
:func:`substitute` on a change's body, properties, target and address before sending it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from entragit.plan.model import NEW, is_placeholder


class Unresolved(KeyError):
    """A placeholder whose recreate has not run (or failed): the change cannot be sent."""


def substitute(value: Any, new_values: Mapping[str, Mapping[str, Any]]) -> Any:
    """A copy of ``value`` with every placeholder replaced.

    ``new_values`` maps a token ``"<type>/<old id>"`` to the recreated object's new values, e.g.
    ``{"applications/1a2b...": {"id": "9f8e...", "appId": "c0d1..."}}``. Raises :class:`Unresolved`
    for a token it does not know.
    """
    if is_placeholder(value):
        token = value[NEW]
        try:
            found = new_values[token][value.get("key", "id")]
        except KeyError:
            raise Unresolved(token) from None
        return str(value.get("format", "{}")).format(found)
    if isinstance(value, dict):
        return {k: substitute(v, new_values) for k, v in value.items()}
    if isinstance(value, list):
        return [substitute(v, new_values) for v in value]
    return value


def tokens(value: Any) -> set[str]:
    """Every placeholder token ``value`` holds."""
    found: set[str] = set()

    def walk(node: Any) -> None:
        if is_placeholder(node):
            found.add(node[NEW])
        elif isinstance(node, dict):
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(value)
    return found
