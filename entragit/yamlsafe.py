"""YAML entragit reads never expands: no anchors, aliases or tags, and a bounded size and nesting depth.

Every YAML text entragit parses (tenant-state/ files from the working tree or from git, ``entragit.yaml``, the
manifest a backup tag carries) is checked here first, by libyaml's event parser (a state machine: no Python
recursion, no object built), before any loader composes it:

- **no anchors, aliases or tags**: the canonical dumper never writes them (``CanonicalDumper.ignore_aliases``,
  plain and single-quoted scalars only), so a file holding one was not written by entragit. Refusing them at
  parse time stops the "billion laughs" alias bomb (0.6 KB of text that expands to gigabytes once a loader
  or a later walk follows the aliases) and every ``!!python/...``-style tag;
- **depth** at most :data:`MAX_DEPTH` collections: the deepest canonical file (the authentication methods
  policy's ``registrationEnforcement...includeTargets[]`` elements) nests 6, and Graph's v1.0 metadata gives
  the declared types no deeper structure (tests/state/test_yaml_limits.py derives the bound from it); a
  990-deep value would otherwise end in a RecursionError inside the loader;
- **size** at most :data:`MAX_BYTES`: the largest legitimate file is a group's member list, about
  :data:`BYTES_PER_MEMBER` bytes per member; Entra puts no limit on members but the tenant's object quota
  (300,000 by default, more on request: https://learn.microsoft.com/en-us/entra/identity/users/directory-service-limits-restrictions),
  so :data:`MAX_MEMBERS` members (over three times the default quota) set the bound. ``entragit.yaml`` and
  tag messages are settings, held to :data:`MAX_SETTINGS_BYTES`.

A refusal is an :class:`UnsafeYaml`, a :class:`entragit.errors.ValidationError` (exit 2) naming the file
(and the line).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from entragit.errors import ValidationError

MAX_DEPTH = 32
BYTES_PER_MEMBER = len("  - 00000000-0000-0000-0000-000000000000\n")
MAX_MEMBERS = 1_000_000
MAX_BYTES = MAX_MEMBERS * BYTES_PER_MEMBER + (1 << 20)
MAX_SETTINGS_BYTES = 1 << 20
MAX_EXPANDED = 1_000_000  # nodes a GitHub workflow may expand to through its aliases

_Parser: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class UnsafeYaml(ValidationError):
    """A YAML text refused before any loader saw it (an anchor, alias or tag; too deep; too large)."""


def check_size(size: int, file: str | Path, limit: int = MAX_BYTES) -> None:
    """Refuse a file of ``size`` bytes above ``limit`` before it is read."""
    if size > limit:
        raise UnsafeYaml(f"{size:,} bytes, above the {limit:,} a YAML file may hold (see entragit.yamlsafe)",
                              file=str(file))


def check_yaml(text: str | bytes, file: str | Path, *, limit: int = MAX_BYTES, depth: int = MAX_DEPTH,
               expand: int = 0) -> None:
    """Refuse (:class:`ValidationError`) a YAML text that holds an anchor, an alias or a tag, nests deeper than
    ``depth`` or is larger than ``limit``; a text that is not YAML at all is left to the loader to report.
    ``expand`` > 0 (files entragit does not write, GitHub workflows: GitHub Actions accepts anchors) allows
    anchors and aliases as long as following every alias gives at most that many nodes."""
    check_size(len(text), file, limit)
    level = 0
    sizes: dict[str, int] = {}      # anchor -> the nodes it stands for, aliases followed
    counts: list[list[Any]] = [[0, None]]   # [nodes so far, anchor] of each open collection
    total = 0
    try:
        for event in yaml.parse(text, Loader=_Parser):
            line = event.start_mark.line + 1 if event.start_mark is not None else 0
            if expand and isinstance(event, (yaml.AliasEvent, yaml.ScalarEvent, yaml.CollectionStartEvent,
                                             yaml.CollectionEndEvent)):
                total += _count(event, sizes, counts)
                if total > expand:
                    raise UnsafeYaml(f"YAML aliases at line {line} expand it beyond {expand:,} nodes",
                                     file=str(file))
            elif isinstance(event, yaml.AliasEvent):
                raise UnsafeYaml(f"YAML alias *{event.anchor} at line {line}: entragit's files hold no "
                                      "anchors, aliases or tags", file=str(file))
            if getattr(event, "anchor", None) is not None and not expand:
                raise UnsafeYaml(f"YAML anchor &{event.anchor} at line {line}: entragit's files hold no "
                                      "anchors, aliases or tags", file=str(file))
            if getattr(event, "tag", None) is not None:
                raise UnsafeYaml(f"YAML tag {event.tag} at line {line}: entragit's files hold no anchors, "
                                      "aliases or tags", file=str(file))
            if isinstance(event, yaml.CollectionStartEvent):
                level += 1
                if level > depth:
                    raise UnsafeYaml(f"nested more than {depth} levels deep at line {line} (see "
                                          "entragit.yamlsafe)", file=str(file))
            elif isinstance(event, yaml.CollectionEndEvent):
                level -= 1
    except yaml.YAMLError:
        return  # not YAML: the loader names the problem and its line


def _count(event: yaml.Event, sizes: dict[str, int], counts: list[list[Any]]) -> int:
    """The nodes ``event`` adds once every alias is followed (anchored sizes recorded in ``sizes``)."""
    if isinstance(event, yaml.CollectionStartEvent):
        counts.append([1, event.anchor])
        return 1
    if isinstance(event, yaml.CollectionEndEvent):
        size, anchor = counts.pop()
        if anchor is not None:
            sizes[anchor] = size
        counts[-1][0] += size
        return 0
    size = sizes.get(event.anchor, 1) if isinstance(event, yaml.AliasEvent) else 1
    if isinstance(event, yaml.ScalarEvent) and event.anchor is not None:
        sizes[event.anchor] = 1
    counts[-1][0] += size
    return size

