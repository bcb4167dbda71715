"""Objects an apply recreated, paired with their originals: the backup holds the old id, the tenant the new one.

``entragit apply`` records, in its outcome note, the new id (and ``appId``) it gave each recreated object
(:func:`entragit.backups.known_ids`: ``{"<type>/<old id>": {"id": new id, "appId": ...}}``); plan, apply and
recover match desired objects to live ones through them. The report does the same: an object deleted since the
backup whose recorded new id is an object created since is one object, ``recreated``, compared property by
property with its original, and every reference to the new id (or appId) reads as a reference to the old one
(the plan's remapping) — never a "created: restoring the backup deletes it" beside a "deleted".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from entragit.report.build import ObjectDelta

Known = Mapping[str, Mapping[str, Any]]


def _renamed(value: Any, names: Mapping[str, str]) -> Any:
    if isinstance(value, str):
        return names.get(value, value)
    if isinstance(value, list):
        return [_renamed(v, names) for v in value]
    if isinstance(value, dict):
        return {k: _renamed(v, names) for k, v in value.items()}
    return value


def pair_recreated(deltas: list[ObjectDelta], known: Known) -> tuple[list[ObjectDelta], dict[tuple[str, str], str]]:
    """``(deltas, recreated)``: each pair (deleted original, created copy with its recorded new id) made one
    delta under the old id, references to new ids (and appIds) read as the old ones; ``recreated`` maps
    ``(type, old id)`` to the new id."""
    if not known:
        return deltas, {}
    created = {(d.type, d.id): d for d in deltas if d.before is None and d.after is not None}
    names: dict[str, str] = {}
    pairs: dict[tuple[str, str], ObjectDelta] = {}
    for d in deltas:
        if d.after is not None or d.before is None:
            continue
        values = known.get(f"{d.type}/{d.id}") or {}
        new_id = str(values.get("id") or "")
        copy = created.get((d.type, new_id))
        if copy is None:
            continue
        pairs[(d.type, d.id)] = copy
        names[new_id] = d.id
        for key, new_value in values.items():
            old_value = d.before.get(key)
            if key != "id" and isinstance(new_value, str) and isinstance(old_value, str):
                names[new_value] = old_value
    if not pairs:
        return deltas, {}
    paired_copies = {(c.type, c.id) for c in pairs.values()}
    out = []
    for d in deltas:
        if (d.type, d.id) in paired_copies:
            continue
        copy = pairs.get((d.type, d.id))
        after = copy.after if copy is not None else d.after
        out.append(replace(d, after=_renamed(dict(after), names) if after is not None else None,
                           after_text=copy.after_text if copy is not None else d.after_text))
    return out, {key: copy.id for key, copy in pairs.items()}
