"""Settings a change never sets for itself (:data:`BASE_KEYS`), read from the base of what is applied
(``load_settings(base=COMMIT)``): that commit's ``entragit.yaml`` (:func:`base_config`), and what the working
tree's file would change of them (:func:`proposed_changes`, reported as ``Settings.proposed``, never used).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from entragit.settings.checks import SCHEMA
from entragit.settings.files import CONFIG_FILE, file_value, parse_config

# Settings a change never sets for itself: the safety rails, the emergency-access accounts, where and as whom
# entragit connects, who approves a recovery and whose signatures a backup needs. With
# ``load_settings(base=COMMIT)`` they come from that commit's entragit.yaml (the base of the applied range: the
# default branch before the merge), whatever the working tree's file says.
BASE_KEYS = frozenset({"tenantId", "clientId", "cloud", "graphUrl", "credential", "safety.maxChangeShare",
                       "emergencyAccess", "recovery.approvers", "recovery.approvals", "backup.allowedSigners",
                       "backup.requireSignature"})


def base_config(repo: Path | str, base: str) -> Any:
    """``entragit.yaml`` as the commit ``base`` holds it (verified first: exit 2 when no such commit), as a
    CommentedMap (empty when the commit has none)."""
    from ruamel.yaml.comments import CommentedMap

    from entragit.gitutil import open_repo, read_blob, verify_commit

    r = open_repo(repo)
    sha = verify_commit(r, base, "base revision")
    top = Path(r.working_tree_dir or ".").resolve()
    inside = (Path(repo).resolve() / CONFIG_FILE).relative_to(top).as_posix()
    blob = read_blob(r, sha, inside)
    if blob is None:
        return CommentedMap()
    return parse_config(blob.decode("utf-8", errors="replace"), f"{CONFIG_FILE} at {sha[:12]}")


def proposed_changes(based: Mapping[str, Any] | None, data: Mapping[str, Any]) -> list[dict[str, Any]]:
    """What the working tree's file (``data``) would set of the base's settings (``based``: the base commit's
    file), whatever wins over both: ``[{"key", "base", "proposed"}]`` in :data:`SCHEMA` order."""
    proposed: list[dict[str, Any]] = []
    for _, key, _, _ in SCHEMA:
        if key in BASE_KEYS:
            old, new = (plain(v) if p and v is not None else None
                        for p, v in (file_value(based or {}, key), file_value(data, key)))
            if old != new:
                proposed.append({"key": key, "base": old, "proposed": new})
    return proposed


def plain(value: Any) -> Any:
    """A value of the ruamel round-trip loader as plain JSON-like data (to compare and to report)."""
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    return str(value)
