"""The file ``entragit.yaml``: read and written with ruamel.yaml round-trip (:func:`load_config` /
:func:`save_config`), so ``entragit init`` and later edits keep the user's comments; every text goes through
:mod:`entragit.yamlsafe` first (:func:`parse_config`).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from entragit.errors import ConfigError

CONFIG_FILE = "entragit.yaml"


def _yaml() -> Any:
    from ruamel.yaml import YAML

    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 110
    return yaml


def load_config(repo: Path | str) -> Any:
    """``entragit.yaml`` of ``repo`` as a ruamel CommentedMap (empty when the file does not exist)."""
    from ruamel.yaml.comments import CommentedMap

    from entragit.yamlsafe import MAX_SETTINGS_BYTES, check_size

    path = Path(repo) / CONFIG_FILE
    if not path.exists():
        return CommentedMap()
    check_size(path.stat().st_size, path, MAX_SETTINGS_BYTES)
    return parse_config(path.read_text(encoding="utf-8"), str(path))


def parse_config(text: str, where: str) -> Any:
    """The text of an ``entragit.yaml`` (``where``: its file, for errors) as a ruamel CommentedMap."""
    from ruamel.yaml.comments import CommentedMap
    from ruamel.yaml.error import YAMLError

    from entragit.yamlsafe import MAX_SETTINGS_BYTES, check_yaml

    path = where
    check_yaml(text, where, limit=MAX_SETTINGS_BYTES)  # no anchors, aliases, tags; bounded size and depth
    try:
        data = _yaml().load(text)
    except YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        raise ConfigError(f"not valid YAML{where}: {getattr(exc, 'problem', None) or exc}", file=str(path)) from exc
    if data is None:
        return CommentedMap()
    if not isinstance(data, Mapping):
        raise ConfigError("expected a mapping of settings at the top", file=str(path))
    return data


def save_config(repo: Path | str, data: Any) -> Path:
    """Write ``data`` (best: what :func:`load_config` returned, edited) to ``entragit.yaml``, comments kept."""
    path = Path(repo) / CONFIG_FILE
    tmp = path.with_name(f".{CONFIG_FILE}.tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        _yaml().dump(data, fh)
    tmp.replace(path)
    return path


def file_value(data: Mapping[str, Any], dotted: str) -> tuple[bool, Any]:
    node: Any = data
    for part in dotted.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return False, None
        node = node[part]
    return True, node
