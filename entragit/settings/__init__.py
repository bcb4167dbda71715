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
    extensionAttributes:     # directory extension attributes to back up beyond those Graph lists, per type key
      users: [extension_b7d8e6f0a1c94a0e9f3a2b1c0d9e8f7a_costCenter]   # (other tenants' apps in tenants over
                             # 1,000 service principals: getAvailableExtensionProperties answers empty there)
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
    emergencyAccess: []      # user ids / UPNs of break-glass accounts: no plan leaves one deleted, disabled,
                             # renamed or inside an active CA policy (entragit.plan.lockout)

Rails, emergency-access accounts, connection and approval settings (:data:`BASE_KEYS`) are read from the base of
what is applied when ``load_settings(base=COMMIT)`` is given: a change never sets its own (``Settings.proposed``
lists what the working tree's file would change). Every YAML text goes through :mod:`entragit.yamlsafe` first.

A key set to ``null`` counts as not set. Unknown keys and wrong values are a
:class:`~entragit.errors.ConfigError` naming the file and the key.
The file is read and written with ruamel.yaml round-trip (:func:`load_config` / :func:`save_config`), so
``entragit init`` and later edits keep the user's comments.

This package holds :class:`Settings` and :func:`load_settings`; beside them ``files`` (reading and writing
``entragit.yaml``), ``checks`` (the keys, :data:`SCHEMA` and the value checks) and ``base`` (:data:`BASE_KEYS`
read from the base commit, what the change proposes of them). Import the names from ``entragit.settings``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from entragit.errors import ConfigError
from entragit.settings.base import BASE_KEYS, base_config, proposed_changes
from entragit.settings.checks import (
    CLOUD_NAMES,
    CREDENTIALS,
    PRIORITIES,
    SCHEMA,
    _int_min1,
    _split,
    _str_list,
    check_keys,
    user_ids,
)
from entragit.settings.files import CONFIG_FILE, file_value, load_config, parse_config, save_config

__all__ = [
    "BASE_KEYS", "CLOUD_NAMES", "CONFIG_FILE", "CREDENTIALS", "PRIORITIES", "SCHEMA", "Settings", "_int_min1",
    "base_config", "load_config", "load_settings", "parse_config", "save_config", "user_ids",
]


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
    extension_attributes: dict[str, tuple[str, ...]] = field(default_factory=dict)
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
    # the commit whose entragit.yaml gave the BASE_KEYS (None: the working tree's file), and what the working
    # tree's file would change of them: [{"key", "base", "proposed"}] (not used: a change never sets its own rails)
    base: str | None = None
    proposed: list[dict[str, Any]] = field(default_factory=list)
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


def _check_type_keys(settings: Settings, where: dict[str, str]) -> None:
    from entragit.resources import REGISTRY

    known = [rt.key for rt in REGISTRY]
    if not known:
        return
    lists = {"types_include": settings.types_include, "types_exclude": settings.types_exclude,
             "exclude_properties": tuple(settings.exclude_properties),
             "extension_attributes": tuple(settings.extension_attributes)}
    for name, keys in lists.items():
        for key in keys:
            if key not in known:
                raise ConfigError(f"{where[name]}: unknown type {key!r} (types: {', '.join(known)})")
    extended = [rt.key for rt in REGISTRY if rt.extension_attributes]
    for key in settings.extension_attributes:
        if key not in extended:
            raise ConfigError(f"{where['extension_attributes']}: directory extension attributes do not apply to "
                              f"{key} (they do to: {', '.join(extended)})")


# -- resolution ------------------------------------------------------------------------------------------------
def load_settings(ctx: Any = None, *, repo: Path | str | None = None, env: Mapping[str, str] | None = None,
                  base: str | None = None, **cli_values: Any) -> Settings:
    """Resolve every setting: command line (``cli_values``, None = not given) > environment > file > default.

    ``ctx`` is the CLI's global context (``entragit.cli.Ctx``, or a click.Context holding it), a repository
    path, or None. ``cli_values`` use the field names of :class:`Settings` (``tenant_id=``, ``cloud=``...).
    ``base``: a commit whose ``entragit.yaml`` gives the :data:`BASE_KEYS` instead of the working tree's file
    (whose differing values are listed in ``Settings.proposed``, not used).
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
    check_keys(data, path)
    based = None
    if base is not None:
        based = base_config(root, base)
        check_keys(based, path)

    settings = Settings(repo=root, config=data)
    if base is not None:
        from entragit.gitutil import open_repo, verify_commit

        settings.base = verify_commit(open_repo(root), base, "base revision")
        settings.proposed = proposed_changes(based, data)  # what the change would set of the base's settings
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
                present, raw = file_value(data, key)
                present = present and raw is not None  # `tenantId: null` (the init template) = not set
                origin = str(path)
                if based is not None and key in BASE_KEYS:
                    present, raw = file_value(based, key)
                    present = present and raw is not None
                    origin = f"{CONFIG_FILE} at {settings.base}"
                if present:
                    source, where[name] = "file", f"{origin}: {key}"
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
                raise ConfigError(f"expected {exc}, got {raw!r}", file=where[name].rpartition(": ")[0],
                                  prop=key) from None
            raise ConfigError(f"{where[name]}: expected {exc}, got {raw!r}") from None
        setattr(settings, name, value)
        settings.sources[name] = source
    if "verbose" in cli:
        settings.verbose = int(cli["verbose"])
    _check_type_keys(settings, where)
    return settings
