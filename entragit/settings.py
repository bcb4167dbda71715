"""Settings: command line > environment > ``entragit.yaml`` in the repository > default.

``entragit.yaml`` (at the root of the tenant repository; every key optional)::

    tenantId: 00000000-0000-0000-0000-000000000000   # env AZURE_TENANT_ID (ENTRAGIT_TENANT_ID wins over it)
    clientId: 11111111-1111-1111-1111-111111111111   # env AZURE_CLIENT_ID (ENTRAGIT_CLIENT_ID wins over it)
    cloud: global            # global | usgov | usgovdod | china; --cloud, ENTRAGIT_CLOUD
    graphUrl: https://graph.microsoft.com   # Graph root without version; --graph-url, ENTRAGIT_GRAPH_URL.
                             # Default: the cloud's Graph host. Any other host (the emulator) gets a static
                             # test token, never real credentials.
    credential: auto         # auto | environment | workload | github | managedidentity | azurecli
                             # (ENTRAGIT_CREDENTIAL); see entragit.graph.auth for the chain
    concurrency: 8           # Graph requests in flight at first (ENTRAGIT_CONCURRENCY); the limit then follows
                             # Graph's quota headers (x-ms-throttle-limit-percentage, 429) up to maxConcurrency
    maxConcurrency: 64       # the most requests in flight (ENTRAGIT_MAX_CONCURRENCY); = concurrency: fixed
    throttlePriority: low    # x-ms-throttle-priority sent on reads: low | normal | high | none
    types:
      include: []            # type keys to back up; empty = all (ENTRAGIT_TYPES, comma separated)
      exclude: []            # type keys never backed up
    excludeProperties:       # personal data kept out of git, per type key: property names (dotted paths)
      users: [mobilePhone, businessPhones]
    backup:
      keep: 5                # backups kept (ENTRAGIT_BACKUP_KEEP)
      upkeep: true           # git maintenance run --auto after each backup (ENTRAGIT_BACKUP_UPKEEP)
      incremental: true      # continue from the previous backup through delta links and the audit log
                             # (ENTRAGIT_BACKUP_INCREMENTAL); false: every backup a full export
      fullReconcileDays: 7   # a full export at least this often (ENTRAGIT_BACKUP_FULL_RECONCILE_DAYS)
      auditRetentionDays: 7  # what the tenant's audit log keeps: 7 (Microsoft Entra ID Free), 30 (P1/P2); a
                             # longer gap since the last backup means a full export
      auditOverlapMinutes: 120  # each audit read starts this long before the previous one (delivery delay)
      allowedSigners: null   # ssh allowed-signers file checking backup tags' signatures (ENTRAGIT_ALLOWED_SIGNERS);
                             # set: unsigned or badly signed backups are not trusted (entragit.backups.trust)
      requireSignature: false  # unsigned backups are not trusted (ENTRAGIT_REQUIRE_SIGNATURE)
    recovery:
      approvers: []          # numeric GitHub user ids whose approval of a pull request lets it recover the
                             # tenant; read from the *base* branch by `entragit check-merge` (entragit.gitops)
      approvals: 1           # approvals needed, from distinct listed people who wrote none of its commits
    safety:
      maxChangeShare: 0.3    # refuse a plan updating/deleting more than this share of objects unless forced
                             # (ENTRAGIT_MAX_CHANGE_SHARE)
    emergencyAccess: []      # user ids / UPNs of break-glass accounts (never excluded from CA by a restore)

A key set to ``null`` counts as not set. Unknown keys and wrong values are a
:class:`~entragit.errors.ConfigError` naming the file and the key.
The file is read and written with ruamel.yaml round-trip (:func:`load_config` / :func:`save_config`), so
``entragit init`` and later edits keep the user's comments.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from entragit.errors import ConfigError

CONFIG_FILE = "entragit.yaml"
CLOUD_NAMES = ("global", "usgov", "usgovdod", "china")
CREDENTIALS = ("auto", "environment", "workload", "github", "managedidentity", "azurecli")
PRIORITIES = {"low": "Low", "normal": "Normal", "high": "High", "none": None}


@dataclass
class Settings:
    repo: Path = field(default_factory=Path.cwd)
    tenant_id: str | None = None
    client_id: str | None = None
    cloud: str = "global"
    graph_url: str | None = None
    credential: str = "auto"
    concurrency: int = 8
    max_concurrency: int = 64
    throttle_priority: str | None = "Low"
    types_include: tuple[str, ...] = ()
    types_exclude: tuple[str, ...] = ()
    exclude_properties: dict[str, tuple[str, ...]] = field(default_factory=dict)
    backup_keep: int = 5
    backup_upkeep: bool = True
    backup_incremental: bool = True
    full_reconcile_days: float = 7.0
    audit_retention_days: float = 7.0
    audit_overlap_minutes: float = 120.0
    allowed_signers: str | None = None
    require_signature: bool = False
    approvers: tuple[int, ...] = ()
    approvals: int = 1
    max_change_share: float = 0.3
    emergency_access: tuple[str, ...] = ()
    verbose: int = 0
    sources: dict[str, str] = field(default_factory=dict)  # field -> "cli" | "env:NAME" | "file" | "default"
    config: Any = None                                      # the file as loaded (ruamel CommentedMap)

    @property
    def config_path(self) -> Path:
        return self.repo / CONFIG_FILE

    @property
    def graph_root(self) -> str:
        """The Graph root to talk to: ``graph_url`` normalized, else the cloud's Graph host."""
        from entragit.graph.clouds import get_cloud, normalize_root

        return normalize_root(self.graph_url) if self.graph_url else get_cloud(self.cloud).graph_url

    def signers_file(self) -> Path | None:
        """``backup.allowedSigners`` as a path (relative ones from the repository's root)."""
        if not self.allowed_signers:
            return None
        path = Path(self.allowed_signers).expanduser()
        return path if path.is_absolute() else self.repo / path

    def selected_types(self, keys: list[str] | tuple[str, ...]) -> list[str]:
        """``keys`` (all type keys, in order) filtered by ``types.include`` / ``types.exclude``."""
        include = set(self.types_include)
        return [k for k in keys if (not include or k in include) and k not in self.types_exclude]


# -- value checks: each returns the clean value or raises ValueError(expected) ---------------------------
def _str(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError("a non-empty string")
    return value.strip()


def _choice(options: tuple[str, ...]) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        if not isinstance(value, str) or value.lower() not in options:
            raise ValueError(f"one of {', '.join(options)}")
        return value.lower()
    return check


def _priority(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or value.lower() not in PRIORITIES:
        raise ValueError(f"one of {', '.join(PRIORITIES)}")
    return PRIORITIES[value.lower()]


def _int_min1(value: Any) -> int:
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError("an integer of at least 1")
    return value


def _bool(value: Any) -> bool:
    if isinstance(value, str) and value.strip().lower() in ("true", "false", "1", "0", "yes", "no"):
        return value.strip().lower() in ("true", "1", "yes")
    if not isinstance(value, bool):
        raise ValueError("true or false")
    return value


def _positive(value: Any) -> float:
    try:
        number = float(value) if not isinstance(value, bool) else None
    except (TypeError, ValueError):
        number = None
    if number is None or not number > 0:
        raise ValueError("a number greater than 0")
    return number


def _share(value: Any) -> float:
    try:
        number = float(value) if not isinstance(value, bool) else None
    except (TypeError, ValueError):
        number = None
    if number is None or not 0 <= number <= 1:
        raise ValueError("a number from 0 to 1")
    return number


def user_ids(value: Any) -> tuple[int, ...]:
    """GitHub user ids: numbers (``12345`` or ``"12345"``), never logins (a login can be renamed and reused)."""
    if value is None:
        return ()
    if isinstance(value, str):
        value = _split(value)
    if not isinstance(value, (list, tuple)):
        raise ValueError("a list of numeric GitHub user ids")
    out = []
    for item in value:
        if isinstance(item, str) and item.strip().isdigit():
            item = int(item.strip())
        if isinstance(item, bool) or not isinstance(item, int) or item < 1:
            raise ValueError(f"a list of numeric GitHub user ids (not {item!r}: logins can be renamed and reused)")
        out.append(item)
    return tuple(dict.fromkeys(out))


def _split(value: str) -> list[str]:
    return [v for v in (p.strip() for p in value.split(",")) if v]


def _str_list(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ValueError("a list of strings")
    return tuple(v.strip() for v in value)


def _prop_map(value: Any) -> dict[str, tuple[str, ...]]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ValueError("a mapping of type key to a list of property names")
    out = {}
    for key, props in value.items():
        try:
            out[str(key)] = _str_list(props)
        except ValueError:
            raise ValueError(f"a list of property names under {key}") from None
    return out


def _url(value: Any) -> str:
    from entragit.graph.clouds import normalize_root

    text = _str(value)
    try:
        normalize_root(text)
    except ConfigError:
        raise ValueError("an http(s) URL such as https://graph.microsoft.com") from None
    return text


# field, key in entragit.yaml (dotted = nested), check, environment variables (first set wins)
SCHEMA: tuple[tuple[str, str, Callable[[Any], Any], tuple[str, ...]], ...] = (
    ("tenant_id", "tenantId", _str, ("ENTRAGIT_TENANT_ID", "AZURE_TENANT_ID")),
    ("client_id", "clientId", _str, ("ENTRAGIT_CLIENT_ID", "AZURE_CLIENT_ID")),
    ("cloud", "cloud", _choice(CLOUD_NAMES), ("ENTRAGIT_CLOUD",)),
    ("graph_url", "graphUrl", _url, ("ENTRAGIT_GRAPH_URL",)),
    ("credential", "credential", _choice(CREDENTIALS), ("ENTRAGIT_CREDENTIAL",)),
    ("concurrency", "concurrency", _int_min1, ("ENTRAGIT_CONCURRENCY",)),
    ("max_concurrency", "maxConcurrency", _int_min1, ("ENTRAGIT_MAX_CONCURRENCY",)),
    ("throttle_priority", "throttlePriority", _priority, ("ENTRAGIT_THROTTLE_PRIORITY",)),
    ("types_include", "types.include", _str_list, ("ENTRAGIT_TYPES",)),
    ("types_exclude", "types.exclude", _str_list, ()),
    ("exclude_properties", "excludeProperties", _prop_map, ()),
    ("backup_keep", "backup.keep", _int_min1, ("ENTRAGIT_BACKUP_KEEP",)),
    ("backup_upkeep", "backup.upkeep", _bool, ("ENTRAGIT_BACKUP_UPKEEP",)),
    ("backup_incremental", "backup.incremental", _bool, ("ENTRAGIT_BACKUP_INCREMENTAL",)),
    ("full_reconcile_days", "backup.fullReconcileDays", _positive, ("ENTRAGIT_BACKUP_FULL_RECONCILE_DAYS",)),
    ("audit_retention_days", "backup.auditRetentionDays", _positive, ()),
    ("audit_overlap_minutes", "backup.auditOverlapMinutes", _positive, ()),
    ("allowed_signers", "backup.allowedSigners", _str, ("ENTRAGIT_ALLOWED_SIGNERS",)),
    ("require_signature", "backup.requireSignature", _bool, ("ENTRAGIT_REQUIRE_SIGNATURE",)),
    ("approvers", "recovery.approvers", user_ids, ()),
    ("approvals", "recovery.approvals", _int_min1, ()),
    ("max_change_share", "safety.maxChangeShare", _share, ("ENTRAGIT_MAX_CHANGE_SHARE",)),
    ("emergency_access", "emergencyAccess", _str_list, ()),
)
_SECTIONS = {"types": {"include", "exclude"},
             "backup": {"keep", "upkeep", "incremental", "fullReconcileDays", "auditRetentionDays",
                        "auditOverlapMinutes", "allowedSigners", "requireSignature"},
             "safety": {"maxChangeShare"}, "recovery": {"approvers", "approvals"}}
_TOP_KEYS = {k.split(".")[0] for _, k, _, _ in SCHEMA}


# -- the file ----------------------------------------------------------------------------------------------
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
    from ruamel.yaml.error import YAMLError

    path = Path(repo) / CONFIG_FILE
    if not path.exists():
        return CommentedMap()
    try:
        data = _yaml().load(path.read_text(encoding="utf-8"))
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


def _file_value(data: Mapping[str, Any], dotted: str) -> tuple[bool, Any]:
    node: Any = data
    for part in dotted.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return False, None
        node = node[part]
    return True, node


def _check_keys(data: Mapping[str, Any], path: Path) -> None:
    for key, value in data.items():
        if key not in _TOP_KEYS:
            raise ConfigError(f"unknown key (known: {', '.join(sorted(_TOP_KEYS))})", file=str(path), prop=str(key))
        if key in _SECTIONS:
            if not isinstance(value, Mapping):
                raise ConfigError(f"expected a mapping with {', '.join(sorted(_SECTIONS[key]))}",
                                  file=str(path), prop=str(key))
            for sub in value:
                if sub not in _SECTIONS[key]:
                    raise ConfigError(f"unknown key (known: {', '.join(sorted(_SECTIONS[key]))})",
                                      file=str(path), prop=f"{key}.{sub}")


def _check_type_keys(settings: Settings, where: dict[str, str]) -> None:
    from entragit.resources import REGISTRY

    known = [rt.key for rt in REGISTRY]
    if not known:
        return
    lists = {"types_include": settings.types_include, "types_exclude": settings.types_exclude,
             "exclude_properties": tuple(settings.exclude_properties)}
    for name, keys in lists.items():
        for key in keys:
            if key not in known:
                raise ConfigError(f"{where[name]}: unknown type {key!r} (types: {', '.join(known)})")


# -- resolution ------------------------------------------------------------------------------------------------
def load_settings(ctx: Any = None, *, repo: Path | str | None = None, env: Mapping[str, str] | None = None,
                  **cli_values: Any) -> Settings:
    """Resolve every setting: command line (``cli_values``, None = not given) > environment > file > default.

    ``ctx`` is the CLI's global context (``entragit.cli.Ctx``, or a click.Context holding it), a repository
    path, or None. ``cli_values`` use the field names of :class:`Settings` (``tenant_id=``, ``cloud=``...).
    """
    if hasattr(ctx, "find_root"):  # a click.Context
        ctx = ctx.find_root().obj
    cli: dict[str, Any] = {}
    if isinstance(ctx, (str, Path)):
        repo = repo or ctx
    elif ctx is not None:
        repo = repo or getattr(ctx, "repo", None)
        for name in ("graph_url", "cloud", "verbose"):
            if getattr(ctx, name, None) is not None:
                cli[name] = getattr(ctx, name)
    cli.update({k: v for k, v in cli_values.items() if v is not None})
    env = os.environ if env is None else env
    root = Path(repo) if repo is not None else Path.cwd()
    path = root / CONFIG_FILE
    data = load_config(root)
    _check_keys(data, path)

    settings = Settings(repo=root, config=data)
    known = {name for name, *_ in SCHEMA} | {"verbose"}
    unknown = set(cli) - known
    if unknown:
        raise TypeError(f"load_settings: unknown setting(s) {', '.join(sorted(unknown))}")
    where: dict[str, str] = {}
    for name, key, check, env_names in SCHEMA:
        present, raw, source = False, None, "default"
        if name in cli:
            present, raw, source, where[name] = True, cli[name], "cli", f"option --{name.replace('_', '-')}"
        else:
            for var in env_names:
                if env.get(var, "").strip():
                    present, raw, source, where[name] = True, env[var], f"env:{var}", f"environment variable {var}"
                    break
            else:
                present, raw = _file_value(data, key)
                present = present and raw is not None  # `tenantId: null` (the init template) = not set
                if present:
                    source, where[name] = "file", f"{path}: {key}"
        if not present:
            where.setdefault(name, f"default {name}")
            settings.sources[name] = "default"
            continue
        if source != "file" and check is _str_list and isinstance(raw, str):
            raw = _split(raw)  # environment / command line: comma separated
        try:
            value = check(raw)
        except ValueError as exc:
            if source == "file":
                raise ConfigError(f"expected {exc}, got {raw!r}", file=str(path), prop=key) from None
            raise ConfigError(f"{where[name]}: expected {exc}, got {raw!r}") from None
        setattr(settings, name, value)
        settings.sources[name] = source
    if "verbose" in cli:
        settings.verbose = int(cli["verbose"])
    _check_type_keys(settings, where)
    return settings
