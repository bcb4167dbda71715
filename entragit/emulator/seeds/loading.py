"""Seeds by name (``demo``, ``empty``, ``scale:...``) and from JSON/YAML files or mappings, validated."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from entragit.emulator.errors import SeedError
from entragit.emulator.seeds.checks import check_seed
from entragit.emulator.seeds.common import DICT_KEYS, LIST_KEYS, SEED_KEYS, Seed
from entragit.emulator.seeds.demo import demo_seed
from entragit.emulator.seeds.empty import empty_seed
from entragit.emulator.seeds.scale import scale_seed

SEED_NAMES = ("demo", "empty", "scale")
_SCALE_ARGS = ("users", "groups", "members_per_group", "applications", "random_seed", "big_group_members",
               "sp_members_in_big_group", "service_principals")


def load_seed_file(path: str | Path) -> Seed:
    """A seed from a JSON (``.json``) or YAML (``.yaml``/``.yml``) file in the seed format.

    Top-level keys the file leaves out are taken from :func:`empty_seed` (so a file may hold just some
    users and groups); the result must pass :func:`check_seed`. Bad input raises
    :class:`~entragit.emulator.errors.SeedError` naming the file (and the key or problem).
    """
    path = Path(path)
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SeedError(f"cannot read seed file: {exc.strerror or exc}", file=name) from exc
    suffix = path.suffix.lower()
    try:
        if suffix == ".json":
            data = json.loads(text)
        elif suffix in (".yaml", ".yml"):
            data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        else:
            raise SeedError("unknown seed file type (use .json, .yaml or .yml)", file=name)
    except json.JSONDecodeError as exc:
        raise SeedError(f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}", file=name) from exc
    except yaml.YAMLError as exc:
        raise SeedError(f"not valid YAML: {str(exc).splitlines()[0]}", file=name) from exc
    return seed_from_mapping(data, source=name)


def seed_from_mapping(data: Any, *, source: str = "<seed>") -> Seed:
    """Validate a seed given as a mapping (from a file, or posted to the control plane), filling the
    top-level keys it leaves out from :func:`empty_seed`."""
    if not isinstance(data, dict):
        raise SeedError(f"a seed must be a mapping of {', '.join(SEED_KEYS)}; got {type(data).__name__}",
                         file=source)
    for key in data:
        if key not in SEED_KEYS:
            raise SeedError(f"unknown seed key (expected one of {', '.join(SEED_KEYS)})", file=source, prop=key)
    for key in DICT_KEYS:
        if key in data and not isinstance(data[key], dict):
            raise SeedError(f"must be an object, got {type(data[key]).__name__}", file=source, prop=key)
    for key in LIST_KEYS:
        if key in data:
            value = data[key]
            if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
                raise SeedError("must be a list of objects", file=source, prop=key)
    base = empty_seed()
    seed: Seed = {**base, **data}
    if "tenantId" not in data and "organization" in data and data["organization"].get("id"):
        seed["tenantId"] = data["organization"]["id"]
    if "organization" not in data:
        seed["organization"]["id"] = seed["tenantId"]
    problems = check_seed(seed)
    if problems:
        more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
        raise SeedError(f"inconsistent seed: {'; '.join(problems[:5])}{more}", file=source)
    return seed


def get_seed(name_or_path: str | Path | Mapping[str, Any]) -> Seed:
    """Resolve ``"demo"``, ``"empty"``, ``"scale"`` or ``"scale:users=1000,groups=100,..."`` (keyword
    arguments of :func:`scale_seed`), a path to a JSON/YAML seed file, or a seed mapping (validated)."""
    if isinstance(name_or_path, Mapping):
        return seed_from_mapping(json.loads(json.dumps(name_or_path)))
    text = str(name_or_path)
    if not isinstance(name_or_path, Path):
        if text == "demo":
            return demo_seed()
        if text == "empty":
            return empty_seed()
        if text == "scale" or text.startswith("scale:"):
            return scale_seed(**_scale_args(text))
    path = Path(text)
    if path.exists():
        return load_seed_file(path)
    if isinstance(name_or_path, Path) or "/" in text or "\\" in text or path.suffix.lower() in (
            ".json", ".yaml", ".yml"):
        raise SeedError("seed file not found (a seed is demo, empty, scale[:...] or a JSON/YAML file)",
                         file=text)
    raise SeedError(f"unknown seed {text!r}: use demo, empty, scale[:users=N,groups=N,...] or the path of a "
                     "JSON/YAML seed file")


def _scale_args(text: str) -> dict[str, int]:
    args: dict[str, int] = {}
    spec = text.partition(":")[2]
    for part in filter(None, (p.strip() for p in spec.split(","))):
        key, _, value = part.partition("=")
        key = key.strip()
        if key not in _SCALE_ARGS:
            raise SeedError(f"unknown scale seed argument {key!r} (use {', '.join(_SCALE_ARGS)})")
        try:
            args[key] = int(value.replace("_", ""))
        except ValueError:
            raise SeedError(f"scale seed argument {key} needs an integer, got {value!r}") from None
    return args


