"""Backup tags: ``backup/YYYYMMDDTHHMMSSZ[-N]`` names, their order, and reading them with their manifests."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from typing import Any

import yaml
from git import Repo

from entragit.gitutil import git_run
from entragit.yamlsafe import MAX_SETTINGS_BYTES, UnsafeYaml, check_yaml

TAG_PREFIX = "backup/"
TAG_RE = re.compile(r"^backup/(\d{8}T\d{6}Z)(?:-([1-9]\d*))?$")
MANIFEST_FORMAT = "entragit-backup/1"


# -- tag names ---------------------------------------------------------------------------------------------
def parse_backup_tag(name: str) -> tuple[datetime, int] | None:
    """(time, collision number) of a ``backup/YYYYMMDDTHHMMSSZ[-N]`` tag name, None for other names."""
    name = name.removeprefix("refs/tags/")
    match = TAG_RE.match(name)
    if not match:
        return None
    try:
        when = datetime.strptime(match.group(1), "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    except ValueError:
        return None
    return when, int(match.group(2) or 1)


def backup_tag_name(when: datetime, taken: Iterable[str] = ()) -> str:
    """The tag name for a backup at ``when``, with ``-2``, ``-3``... when the name is ``taken``."""
    base = f"{TAG_PREFIX}{when.astimezone(UTC):%Y%m%dT%H%M%SZ}"
    taken = set(taken)
    name, n = base, 1
    while name in taken:
        n += 1
        name = f"{base}-{n}"
    return name


def _sort_key(name: str) -> tuple[datetime, int]:
    parsed = parse_backup_tag(name)
    assert parsed is not None
    return parsed


# -- reading backup tags -------------------------------------------------------------------------------------
@dataclass
class _TagRecord:
    name: str
    object: str         # the tag object's id (the commit's for a lightweight tag)
    kind: str           # "tag" for annotated tags
    target: str         # the commit it points at (peeled)
    body: str
    signature: str

    @cached_property
    def manifest(self) -> dict[str, Any] | None:
        """The tag message's manifest (checked and parsed once per record; read, never changed, by callers)."""
        if self.kind != "tag":
            return None
        try:
            check_yaml(self.body, f"tag {self.name}", limit=MAX_SETTINGS_BYTES)  # no aliases, tags; bounded
            data = yaml.safe_load(self.body)
        except (yaml.YAMLError, UnsafeYaml):
            return None
        return data if isinstance(data, dict) and data.get("format") == MANIFEST_FORMAT else None


def _read_tags(repo: Repo) -> list[_TagRecord]:
    """The ``backup/*`` tags with a backup-shaped name, newest first."""
    fmt = "%(refname)%1f%(objectname)%1f%(objecttype)%1f%(*objectname)%1f%(contents:body)%1f%(contents:signature)%1e"
    out = git_run(repo, "for-each-ref", f"--format={fmt}", f"refs/tags/{TAG_PREFIX}")
    records = []
    for chunk in out.split("\x1e"):
        chunk = chunk.lstrip("\n")
        if not chunk:
            continue
        ref, obj, kind, peeled, body, signature = (chunk.split("\x1f") + [""] * 6)[:6]
        name = ref.removeprefix("refs/tags/")
        if parse_backup_tag(name) is None:
            continue
        records.append(_TagRecord(name, obj, kind, peeled or obj, body, signature))
    records.sort(key=lambda t: _sort_key(t.name), reverse=True)
    return records
