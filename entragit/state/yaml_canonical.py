"""The libyaml-backed dumper and loader that define canonical YAML (:mod:`entragit.state.yamlio`).

The dumper writes no anchors or aliases and multi-line strings as literal blocks where YAML can carry them
exactly; the loader keeps timestamps as strings and refuses a mapping with a duplicate key.
"""

from __future__ import annotations

from typing import Any

import yaml

# libyaml's C emitter/parser is 5-8x faster than pure PyYAML (../shared/reference/performance.md B5).
HAVE_LIBYAML: bool = bool(getattr(yaml, "__with_libyaml__", False))
_BaseDumper: type = yaml.CSafeDumper if HAVE_LIBYAML else yaml.SafeDumper
_BaseLoader: type = yaml.CSafeLoader if HAVE_LIBYAML else yaml.SafeLoader

_STR = "tag:yaml.org,2002:str"
_TIMESTAMP = "tag:yaml.org,2002:timestamp"
# A line width nobody reaches: long strings (certificates, rules, URLs) stay on one line. Both emitters
# take an int (libyaml's is a C int).
_WIDE = 2**31 - 1
# Characters YAML treats as line breaks. A literal block normalizes every one of them to "\n" on load,
# so a string holding any but "\n" cannot use one.
_OTHER_BREAKS = ("\r", "\x85", "\u2028", "\u2029")


class CanonicalDumper(_BaseDumper):  # type: ignore[misc,valid-type]
    """Safe dumper for canonical files: no aliases; multi-line strings as literal blocks."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _represent_str(dumper: yaml.BaseDumper, data: str) -> yaml.ScalarNode:
    style = None
    if "\n" in data and not any(ch in data for ch in _OTHER_BREAKS):
        # the emitter falls back to a quoted style when a block cannot hold the string exactly
        # (trailing spaces before a break, special characters)
        style = "|"
    return dumper.represent_scalar(_STR, data, style=style)


CanonicalDumper.add_representer(str, _represent_str)


class CanonicalLoader(_BaseLoader):  # type: ignore[misc,valid-type]
    """Safe loader that keeps timestamps as strings and refuses duplicate keys."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            if isinstance(key_node, yaml.ScalarNode):
                key = key_node.value
                if key in seen:
                    raise yaml.constructor.ConstructorError(
                        "while constructing a mapping", node.start_mark,
                        f"found duplicate key {key!r}", key_node.start_mark)
                seen.add(key)
        return super().construct_mapping(node, deep=deep)


CanonicalLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != _TIMESTAMP]
    for first, resolvers in _BaseLoader.yaml_implicit_resolvers.items()
}


def dump_body(obj: Any) -> str:
    """The YAML of ``obj`` from :class:`CanonicalDumper`: the definition of the canonical text."""
    return yaml.dump(
        obj,
        Dumper=CanonicalDumper,
        sort_keys=True,
        default_flow_style=False,
        allow_unicode=True,
        width=_WIDE,
        indent=2,
        explicit_start=False,
    )
