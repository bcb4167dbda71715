"""What the plan renderers share: names for ids, values on one line, what a change does, the summary line, the
scope in words, the refusal (:mod:`entragit.plan.render` and :mod:`entragit.plan.render_markdown` use them)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from entragit.markdown import plural
from entragit.plan.model import NEW, Change, Kind, Plan, is_placeholder

MARKERS = {
    Kind.CREATE: "+",
    Kind.RECREATE: "+",
    Kind.LINK_ADD: "+",
    Kind.UPDATE: "~",
    Kind.LINK_UPDATE: "~",
    Kind.DELETE: "-",
    Kind.LINK_REMOVE: "-",
    Kind.RESTORE: "↺",
    Kind.SKIP: "·",
}
# how each kind is counted in words: (one, many)
KIND_WORDS = {
    Kind.UPDATE: ("update", "updates"),
    Kind.CREATE: ("create", "creates"),
    Kind.RECREATE: ("recreate", "recreates"),
    Kind.RESTORE: ("restore", "restores"),
    Kind.DELETE: ("delete", "deletes"),
    Kind.LINK_ADD: ("link added", "links added"),
    Kind.LINK_REMOVE: ("link removed", "links removed"),
    Kind.LINK_UPDATE: ("link updated", "links updated"),
    Kind.SKIP: ("skipped", "skipped"),
}
Names = Mapping[str, str]


# ---------------------------------------------------------------------------------------------- values
def name_of(value: Any, names: Names | None = None) -> str:
    """How an id reads: its display name when the plan knows it (``Joni Sherman``), a placeholder as ``new id of
    <name>``, anything else as itself."""
    names = names or {}
    if is_placeholder(value):
        token = str(value[NEW])
        old = token.partition("/")[2]
        what = names.get(old) or token
        key = value.get("key", "id")
        return f"new {key} of {what}"
    if isinstance(value, str):
        return names.get(value, value)
    return value_text(value, 10_000)


def value_text(value: Any, limit: int = 60, names: Names | None = None) -> str:
    """A compact one-line form of a value, cut at ``limit`` with "…" (the terminal's form)."""
    text = full_text(value, names)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def full_text(value: Any, names: Names | None = None) -> str:
    """The whole value on one line: strings quoted, the rest compact JSON; a placeholder as ``$new:<token>``, or
    with ``names`` as ``<new id of NAME>``."""
    text = json.dumps(display(value, names), ensure_ascii=False, separators=(",", ":"), sort_keys=True,
                      default=str)
    if isinstance(value, str) and not is_placeholder(value):
        text = repr(value) if "'" not in value else text
    return text


def display(value: Any, names: Names | None = None) -> Any:
    """``value`` with each placeholder as text: ``$new:<token>`` (``<new id of NAME>`` when ``names`` know it)."""
    if is_placeholder(value):
        old = str(value[NEW]).partition("/")[2]
        if names is not None and old in names:
            text = f"<new {value.get('key', 'id')} of {names[old]}>"
        else:
            text = f"$new:{value[NEW]}" + (f".{value['key']}" if value.get("key") else "")
        return value.get("format", "{}").replace("{}", "{" + text + "}") if value.get("format") else text
    if isinstance(value, dict):
        return {k: display(v, names) for k, v in value.items()}
    if isinstance(value, list):
        return [display(v, names) for v in value]
    return value


def link_target(change: Change, names: Names | None = None) -> str:
    """What a link change is about, by name: the linked object (``Joni Sherman``) or the element's key."""
    target = change.target
    if is_placeholder(target) or isinstance(target, str):
        return name_of(target, names)
    if target is None and change.item is not None:
        return name_of(change.item, names)
    if change.item and names:
        parts = []
        for part in change.item.split(","):
            key, sep, val = part.partition("=")
            parts.append(f"{key}={names.get(val, val)}" if sep else part)
        return ", ".join(parts)
    return change.item or value_text(change.target, 10_000)


def describe(change: Change, limit: int = 60, names: Names | None = None) -> str:
    """What a change does, in one line (without marker and object); values cut at ``limit``."""
    kind = change.kind
    if change.link:
        what = link_target(change, names)
        if kind is Kind.LINK_ADD:
            text = f"{change.link} += {what}"
        elif kind is Kind.LINK_REMOVE:
            text = f"{change.link} -= {what}"
        elif kind is Kind.LINK_UPDATE:
            text = f"{change.link} ~ {what}: " + props_text(change, limit, names)
        else:
            text = f"{change.link} {what}"
        if change.recompute:
            text += " (checked after the restore)"
    elif kind is Kind.UPDATE:
        via = change.action if change.channel == "action" else change.channel
        text = f"update ({via}): " + props_text(change, limit, names)
    elif kind in (Kind.CREATE, Kind.RECREATE):
        text = kind.value + (" with a new id" if kind is Kind.RECREATE else "")
        if change.generate:
            text += f"; generates {', '.join(change.generate)} (written only to the file you name)"
    elif kind is Kind.RESTORE:
        text = "restore from deleted items (same id)"
    elif kind is Kind.DELETE:
        text = "delete"
    else:
        text = props_text(change, limit, names) if change.properties else "skip"
    if kind is Kind.SKIP:
        text += f": {change.reason}"
    elif change.reason and kind in (Kind.CREATE, Kind.RECREATE):
        text += f"; {change.reason}"
    elif change.reason and kind is Kind.UPDATE and change.seq == 3:
        text += f" ({change.reason})"  # the first of two steps (an app role disabled before its removal)
    if change.needs:
        text += f" [needs {change.needs}]"
    return text


def same_row(first: Change, change: Change) -> bool:
    """Whether ``change`` is shown on the row (or line) of ``first``: additions (or removals) of one object's
    link, as the plan groups them (``members += Joni Sherman, Adele Vance (2)``)."""
    return (bool(change.link) and change.kind in (Kind.LINK_ADD, Kind.LINK_REMOVE)
            and (first.type, first.id, first.kind, first.link, first.recompute)
            == (change.type, change.id, change.kind, change.link, change.recompute))


def rows(changes: list[Change]) -> list[list[Change]]:
    """Changes grouped per row: consecutive link additions (or removals) of one object and link share one."""
    out: list[list[Change]] = []
    for c in changes:
        if out and same_row(out[-1][0], c):
            out[-1].append(c)
        else:
            out.append([c])
    return out


def row_text(changes: list[Change], limit: int = 60, names: Names | None = None) -> str:
    """What one row does, in one line: :func:`describe` of a single change, or the link targets of a row of
    several (``members += Joni Sherman, Adele Vance (2)``)."""
    first = changes[0]
    if len(changes) == 1:
        return describe(first, limit, names)
    sign = "+=" if first.kind is Kind.LINK_ADD else "-="
    text = f"{first.link} {sign} {', '.join(link_target(c, names) for c in changes)} ({len(changes)})"
    return text + (" (checked after the restore)" if first.recompute else "")


def props_text(change: Change, limit: int, names: Names | None = None) -> str:
    parts = []
    for p in change.properties:
        for path, old, new in leaf_differences(p.old, p.new, p.path):
            parts.append(f"{path}: {value_text(old, limit // 2, names)} → {value_text(new, limit, names)}")
    return "; ".join(parts)


def leaf_differences(old: Any, new: Any, path: str, depth: int = 3, most: int = 4) -> list[tuple[str, Any, Any]]:
    """Where two values differ, as ``(dotted path, old, new)``: objects are walked (up to ``depth``
    levels) so that a change deep inside ``conditions`` reads ``conditions.locations: null → {...}``;
    at most ``most`` entries (the last one then names the parent)."""
    if not (isinstance(old, dict) and isinstance(new, dict)) or is_placeholder(new) or depth == 0:
        return [(path, old, new)]
    found: list[tuple[str, Any, Any]] = []
    for key in sorted(set(old) | set(new)):
        a, b = old.get(key), new.get(key)
        if json.dumps(a, sort_keys=True, default=str) != json.dumps(b, sort_keys=True, default=str):
            found += leaf_differences(a, b, f"{path}.{key}", depth - 1, most)
    if len(found) > most:
        return [(path, old, new)]
    return found or [(path, old, new)]


def object_text(change: Change) -> str:
    name = f" {change.display_name!r}" if change.display_name and change.display_name != change.id else ""
    return f"{change.type}/{change.id}{name}"


def counts_text(plan: Plan) -> str:
    """``1 update, 1 restore, 7 links added`` (kinds without changes left out; skips not included)."""
    counts = plan.counts()
    parts = []
    for kind in Kind:
        n = counts[kind.value]
        if n and kind is not Kind.SKIP:
            one, many = KIND_WORDS[kind]
            parts.append(f"{n} {one if n == 1 else many}")
    return ", ".join(parts)


def summary_line(plan: Plan) -> str:
    """``Plan: 9 changes (1 update, 1 restore, 7 links added); 2 skipped; 1 warning.``: the total is what the
    changes listed add up to, and what ``entragit apply`` reports."""
    writes = len(plan.writes)
    text = f"Plan: {plural(writes, 'change')}" + (f" ({counts_text(plan)})" if writes else "")
    extras = []
    if plan.skips:
        extras.append(f"{len(plan.skips)} skipped")
    if plan.warnings:
        extras.append(plural(len(plan.warnings), "warning"))
    return text + "".join(f"; {e}" for e in extras) + "."


def scope_words(plan: Plan) -> str:
    """The plan's scope in words: ``types groups, users; objects Sales Team (0eae91c9-…); the tenant-state/
    changes of b23e95ac04a9..34c59d58f796 (branch recover/…), 2 objects`` or ``the whole tenant``."""
    scope = plan.scope or {}
    names = plan.names
    parts = []
    if scope.get("types"):
        parts.append("types " + ", ".join(scope["types"]))
    if scope.get("ids"):
        parts.append("objects " + ", ".join(f"{names[i]} ({i})" if i in names else i for i in scope["ids"]))
    if scope.get("range"):
        a, _, b = str(scope["range"]).partition("..")
        text = f"the tenant-state/ changes of commits {a[:12]}..{b[:12]}"
        if scope.get("branch"):
            text += f" (branch {scope['branch']})"
        if scope.get("objects") is not None:
            text += f", {plural(int(scope['objects']), 'object')}"
        parts.append(text)
    return "; ".join(parts) or "the whole tenant"


def settings_lines(plan: Plan) -> list[str]:
    """One line per setting the applied change edits but the plan did not use (rails, emergency-access accounts,
    connection and approvals come from the base of what is applied: entragit.settings.BASE_KEYS)."""
    base = str((getattr(plan, "settings", None) or {}).get("base") or "")[:12]
    return [f"entragit.yaml {c['key']}: the change sets {json.dumps(c['proposed'])}, the plan used "
            f"{json.dumps(c['base'])} from {base} (a change never sets its own rails; they take effect once merged)"
            for c in (getattr(plan, "settings", None) or {}).get("changed") or ()]


def refusal_lines(plan: Plan) -> list[str]:
    """The safety rails' refusal of this plan, one message per rail tripped (empty: not refused)."""
    return [str(r.get("message", r)) for r in getattr(plan, "refused", None) or []]
