"""Values the planner compares, copies and walks; the per-object context of a resolution."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from entragit.plan.model import short
from entragit.resources.base import Channel, Link, ResourceType

_MISSING: Any = object()
_DROP: Any = object()
ODATA_TYPE = "@odata.type"

MASTERED = "mastered on-premises"


def _canon(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def _same(a: Any, b: Any) -> bool:
    if a is _MISSING:
        a = None
    if b is _MISSING:
        b = None
    return a == b and _canon(a) == _canon(b)


def _copy(value: Any) -> Any:
    return json.loads(json.dumps(value)) if value is not None else None


def _places(obj: Any, path: str) -> Iterator[tuple[Any, Any, tuple[tuple[list[Any], int], ...]]]:
    """``(container, key, enclosing list elements)`` of every place ``path`` names (see ``iter_path``);
    the third item lists ``(list, index)`` of each ``[]`` passed on the way (outermost first)."""
    parts = path.split(".")

    def walk(node: Any, i: int, lists: tuple[tuple[list[Any], int], ...]) -> Iterator[Any]:
        part = parts[i]
        is_list = part.endswith("[]")
        name = part[:-2] if is_list else part
        if not isinstance(node, dict) or name not in node:
            return
        last = i == len(parts) - 1
        if not is_list:
            if last:
                yield node, name, lists
            else:
                yield from walk(node[name], i + 1, lists)
            return
        seq = node[name]
        if not isinstance(seq, list):
            return
        for idx in range(len(seq)):
            if last:
                yield seq, idx, lists
            else:
                yield from walk(seq[idx], i + 1, (*lists, (seq, idx)))

    yield from walk(obj, 0, ())


def _is_extension(rt: ResourceType, name: str) -> bool:
    return rt.extension_attributes and name.startswith("extension_")


def _write_channel(rt: ResourceType, name: str) -> Channel | None:
    """The channel of a top-level property; None for unknown properties (never written)."""
    prop = rt.prop(name)
    if prop is not None:
        return Channel.READ_ONLY if prop.secret else prop.channel
    if _is_extension(rt, name):
        return Channel.PATCH  # directory extension attributes: PATCHed like any property
    return None


def _minted_alt(rt: ResourceType) -> str | None:
    """The alternate key Graph mints on create (appId of applications), else None."""
    if rt.alt_key and rt.channel(rt.alt_key) is Channel.READ_ONLY:
        return rt.alt_key
    return None


def _element_key(link: Link, element: Mapping[str, Any]) -> str:
    return ",".join(f"{k}={short(element.get(k)) if not isinstance(element.get(k), list) else _canon(element.get(k))}"
                    for k in link.key)


def _strip(element: Mapping[str, Any], drop: Iterable[str]) -> dict[str, Any]:
    skip = set(drop)
    return {k: v for k, v in element.items() if k not in skip}


class _Ctx:
    """What the resolution of one object collected: warnings, dependencies, properties left out."""

    def __init__(self) -> None:
        self.excluded: set[str] = set()
        self.dropped_links: set[str] = set()
        self.keep = False  # the type never leaves a reference out of a write (ResourceType.keep_references)
        self.blocked: dict[str, str] = {}  # top-level property -> why it cannot be written (a reference)
