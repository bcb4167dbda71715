"""Plan renderers: ``text`` (terminal), ``markdown`` (pull request comment), ``json``.

Markers: ``+`` create, recreate, link-add; ``~`` update, link-update; ``-`` delete, link-remove;
``↺`` restore; ``·`` skip. Values are shown compactly (placeholders as ``$new:<type>/<old id>``); secrets
never reach a plan, so nothing here can print one.

The markdown stays within :data:`MARKDOWN_LIMIT` characters (GitHub's limit for a comment body): the
summary, the checksum, the warnings and the skipped items come first; the per-type tables are cut with a
note when the limit would be passed.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from entragit.plan.model import NEW, Change, Kind, Plan, is_placeholder

MARKDOWN_LIMIT = 65_536
FORMATS = ("text", "markdown", "json")

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


def render(plan: Plan, fmt: str = "text") -> str:
    renderers: dict[str, Callable[[Plan], str]] = {"text": render_text, "markdown": render_markdown,
                                                   "json": render_json}
    return renderers[fmt](plan)


def render_json(plan: Plan) -> str:
    return json.dumps(plan.to_json(), indent=2, sort_keys=True, ensure_ascii=False, default=str) + "\n"


# ---------------------------------------------------------------------------------------------- values
def value_text(value: Any, limit: int = 60) -> str:
    """A compact one-line form of a value (placeholders as ``$new:<token>``)."""
    text = json.dumps(_display(value), ensure_ascii=False, separators=(",", ":"), sort_keys=True, default=str)
    if isinstance(value, str) and not is_placeholder(value):
        text = repr(value) if "'" not in value else text
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _display(value: Any) -> Any:
    if is_placeholder(value):
        text = f"$new:{value[NEW]}" + (f".{value['key']}" if value.get("key") else "")
        return value.get("format", "{}").replace("{}", "{" + text + "}") if value.get("format") else text
    if isinstance(value, dict):
        return {k: _display(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_display(v) for v in value]
    return value


def describe(change: Change, limit: int = 60) -> str:
    """What a change does, in one line (without marker and object)."""
    kind = change.kind
    if change.link:
        what = change.item or value_text(change.target, limit)
        if kind is Kind.LINK_ADD:
            text = f"{change.link} += {what}"
        elif kind is Kind.LINK_REMOVE:
            text = f"{change.link} -= {what}"
        elif kind is Kind.LINK_UPDATE:
            text = f"{change.link} ~ {what}: " + _props(change, limit)
        else:
            text = f"{change.link} {what}"
        if change.recompute:
            text += " (after restore: re-read first)"
    elif kind is Kind.UPDATE:
        via = change.action if change.channel == "action" else change.channel
        text = f"update ({via}): " + _props(change, limit)
    elif kind in (Kind.CREATE, Kind.RECREATE):
        text = kind.value + (" (new id)" if kind is Kind.RECREATE else "")
        if change.generate:
            text += f"; generates {', '.join(change.generate)} (written only to the file you name)"
    elif kind is Kind.RESTORE:
        text = "restore from deleted items (same id)"
    elif kind is Kind.DELETE:
        text = "delete"
    else:
        text = _props(change, limit) if change.properties else "skip"
    if kind is Kind.SKIP:
        text += f": {change.reason}"
    elif change.reason and kind in (Kind.CREATE, Kind.RECREATE):
        text += f"; {change.reason}"
    elif change.reason and kind is Kind.UPDATE and change.seq == 3:
        text += f" ({change.reason})"  # the first of two steps (an app role disabled before its removal)
    if change.needs:
        text += f" [needs {change.needs}]"
    return text


def _props(change: Change, limit: int) -> str:
    parts = []
    for p in change.properties:
        for path, old, new in leaf_differences(p.old, p.new, p.path):
            parts.append(f"{path}: {value_text(old, limit // 2)} → {value_text(new, limit)}")
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


def _object(change: Change) -> str:
    name = f" {change.display_name!r}" if change.display_name and change.display_name != change.id else ""
    return f"{change.type}/{change.id}{name}"


def summary_line(plan: Plan) -> str:
    counts = plan.counts()
    parts = [f"{n} {kind}" for kind, n in counts.items() if n and kind != Kind.SKIP.value]
    text = ", ".join(parts) if parts else "no changes"
    extras = []
    if counts[Kind.SKIP.value]:
        extras.append(f"{counts[Kind.SKIP.value]} skipped")
    if plan.warnings:
        extras.append(f"{len(plan.warnings)} warning{'s' if len(plan.warnings) != 1 else ''}")
    return f"Plan: {text}" + (f" ({', '.join(extras)})" if extras else "") + "."


# ---------------------------------------------------------------------------------------------- text
def render_text(plan: Plan) -> str:
    lines = [f"{MARKERS[c.kind]} {_object(c)}: {describe(c, 80)}" for c in plan.changes]
    for w in plan.warnings:
        lines.append(f"! {w}")
    for forced in plan.forced:
        lines.append(f"! forced ({forced['reason']}): {forced['message']}")
    lines.append(summary_line(plan))
    lines.append(f"checksum: {plan.checksum}")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------------- markdown
def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(plan: Plan, limit: int = MARKDOWN_LIMIT) -> str:
    counts = plan.counts()
    head = ["## entragit plan", "", summary_line(plan), "", "| change | count |", "|---|---:|"]
    head += [f"| {MARKERS[Kind(kind)]} {kind} | {n} |" for kind, n in counts.items() if n]
    if not plan.changes:
        head += ["| (none) | 0 |"]
    head += ["", f"Checksum: `{plan.checksum}`", ""]
    if plan.scope:
        head += [f"Scope: `{json.dumps(plan.scope, sort_keys=True)}`", ""]
    if plan.forced:
        head += ["### Forced past the safety rails", ""]
        head += [f"- **{_cell(f['rail'])}**: {_cell(f['message'])} (reason: {_cell(f['reason'])})" for f in plan.forced]
        head += [""]
    rest: list[str] = []
    if plan.warnings:
        rest += ["### Warnings", ""]
        rest += [f"- `{w.type}/{w.id}` `{w.path}`: {_cell(w.message)}" for w in plan.warnings]
        rest += [""]
    skips = plan.skips
    if skips:
        rest += ["### Skipped", "", "| object | what | reason |", "|---|---|---|"]
        for c in skips:
            what = (", ".join(p.path for p in c.properties) or
                    (f"{c.link} {c.item}" if c.link else "the object"))
            rest += [f"| {_cell(_object(c))} | {_cell(what)} | {_cell(c.reason or '')} |"]
        rest += [""]
    by_type: dict[str, list[Change]] = {}
    for c in plan.writes:
        by_type.setdefault(c.type, []).append(c)
    for type_key, changes in by_type.items():
        rest += [f"### {type_key}", "", "| | object | change |", "|---|---|---|"]
        for c in changes:
            name = c.display_name or c.id
            rest += [f"| {MARKERS[c.kind]} | {_cell(name)} (`{c.id}`) | {_cell(describe(c, 60))} |"]
        rest += [""]
    text = "\n".join(head)
    note_room = 240
    for i, line in enumerate(rest):
        if len(text) + len(line) + 1 + note_room > limit:
            left = sum(1 for other in rest[i:] if other.startswith(("| ", "- ")) and not other.startswith("| object"))
            text += (f"\n\n_Truncated to fit a comment: {left} more line{'s' if left != 1 else ''} (changes, skips, "
                     "warnings) not shown. Run `entragit plan --format text` for the whole plan._\n")
            return text[:limit]
        text += "\n" + line
    return text + "\n"
