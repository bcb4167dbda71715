"""The keys of ``entragit.yaml`` and their value checks: :data:`SCHEMA` (field, key, check, environment
variables), the sections, and :func:`check_keys` refusing unknown keys. Each check returns the clean value or
raises ValueError(expected); :func:`entragit.settings.load_settings` turns that into a ConfigError.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from entragit.errors import ConfigError

CLOUD_NAMES = ("global", "usgov", "usgovdod", "china")
CREDENTIALS = ("auto", "environment", "workload", "github", "managedidentity", "azurecli")
PRIORITIES = {"low": "Low", "normal": "Normal", "high": "High", "none": None}


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


def _extension_map(value: Any) -> dict[str, tuple[str, ...]]:
    """Directory extension attribute names per type key: ``extension_<appId without dashes>_<name>``
    (https://learn.microsoft.com/en-us/graph/extensibility-overview#directory-microsoft-entra-id-extensions)."""
    import re

    out = _prop_map(value)
    for key, names in out.items():
        for name in names:
            if not re.fullmatch(r"extension_[0-9a-fA-F]{32}_\w+", name):
                raise ValueError(f"extension attribute names like extension_<appId without dashes>_<name> under "
                                 f"{key} (not {name!r})")
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
    ("extension_attributes", "extensionAttributes", _extension_map, ()),
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


def check_keys(data: Mapping[str, Any], path: Path) -> None:
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
