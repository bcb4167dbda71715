"""Report renderers: ``text`` (a terminal), ``markdown`` (a pull request body), ``json`` (machines).

Ids are shown with the display names they resolve to (``Alex Wilber``; ``Finance (in deleted items)``;
``<id> (exists nowhere)``); the JSON keeps the ids and gives the resolutions under ``refs``.

Markdown stays within :data:`MARKDOWN_LIMIT` characters, GitHub's limit for a pull request body: the header,
summary and counts come first, then a heading per type with a table per object, then the raw diff folded
in ``<details>``. When the limit would be passed, objects (then the raw diff) are cut and a note says how
much is missing and where the full report is.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from entragit import markdown as md
from entragit.report.model import (
    ABSENT,
    ADDED,
    CHANGED,
    CREATED,
    DELETED,
    EXTERNAL,
    GONE,
    IN_DELETED_ITEMS,
    ITEMS,
    MODIFIED,
    NOWHERE,
    PORTAL,
    RECREATED,
    REMOVED,
    RESTORABLE,
    RESTORED,
    STATUSES,
    UNKNOWN,
    ItemChange,
    ObjectReport,
    Report,
    Resolution,
)

MARKDOWN_LIMIT = 65_536  # characters of a GitHub pull request or comment body
FORMATS = ("text", "markdown", "json")
MARKS = {CREATED: "+", MODIFIED: "~", DELETED: "-", RESTORED: "↺", RECREATED: "↻"}
COUNT_ORDER = STATUSES
DELETION_WORDS = {
    RESTORABLE: "restorable from deleted items",
    PORTAL: "restorable only in the portal",
    GONE: "gone",
    UNKNOWN: "fate unknown",
}
LEGEND = ("Unmarked changes come back when the backup is restored; ✗ marks those that do not, "
          "? those that cannot be told.")
_STATE_SUFFIX = {
    IN_DELETED_ITEMS: "in deleted items",
    ABSENT: "deleted",
    NOWHERE: "exists nowhere",
    EXTERNAL: "not in this tenant",
}


def render(report: Report, fmt: str = "text", *, full_report: str | None = None,
           limit: int = MARKDOWN_LIMIT) -> str:
    renderers: dict[str, Callable[[], str]] = {
        "text": lambda: render_text(report),
        "markdown": lambda: render_markdown(report, limit=limit, full_report=full_report),
        "json": lambda: render_json(report),
    }
    return renderers[fmt]()


def render_json(report: Report) -> str:
    return json.dumps(report.to_json(), indent=2, sort_keys=True, ensure_ascii=False, default=str) + "\n"


# ---------------------------------------------------------------------------------------------- values
def name_of(res: Resolution) -> str:
    """How a resolved reference reads: the display name, with where it is when it is not simply there."""
    if res.state in (NOWHERE, EXTERNAL) or not res.display_name:
        return f"{res.value} ({_STATE_SUFFIX.get(res.state, res.state)})"
    suffix = _STATE_SUFFIX.get(res.state)
    return f"{res.display_name} ({suffix})" if suffix else res.display_name


def _named(value: Any, refs: dict[str, Resolution]) -> Any:
    """``value`` with every resolved id replaced by its name."""
    if isinstance(value, str):
        return name_of(refs[value]) if value in refs else value
    if isinstance(value, list):
        return [_named(v, refs) for v in value]
    if isinstance(value, dict):
        return {k: _named(v, refs) for k, v in value.items()}
    return value


_LOOKALIKES = {"", "null", "true", "false", "yes", "no", "on", "off", "~"}


def _plain(text: str) -> str:
    """A string as it reads best: bare, unless it could be taken for something else (then JSON-quoted)."""
    risky = (text.strip() != text or text.lower() in _LOOKALIKES or "→" in text or "\n" in text
             or text.replace(".", "", 1).lstrip("-").isdigit())
    return json.dumps(text, ensure_ascii=False) if risky else text


def _dict_text(value: dict[str, Any], refs: dict[str, Resolution]) -> str:
    """``key: value, ...`` with the keys holding resolved ids first (who and what an element is about)."""
    keys = sorted(value, key=lambda k: (not (isinstance(value[k], str) and value[k] in refs), k))
    return ", ".join(f"{k}: {value_text(value[k], refs, 10_000)}" for k in keys)


def value_text(value: Any, refs: dict[str, Resolution] | None = None, limit: int = 100) -> str:
    """A one-line form of a value: names for ids, bare strings, ``key: value`` pairs for objects, JSON for
    the rest; cut at ``limit`` characters."""
    refs = refs or {}
    if isinstance(value, str) and value in refs:
        text = name_of(refs[value])
    elif isinstance(value, str):
        text = _plain(value)
    elif isinstance(value, dict) and value:
        text = "{" + _dict_text(value, refs) + "}"
    else:
        text = json.dumps(_named(value, refs), ensure_ascii=False, separators=(", ", ": "), sort_keys=True,
                          default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _items_text(items: list[Any], refs: dict[str, Resolution], limit: int) -> str:
    return ", ".join(value_text(v, refs, limit) for v in items)


def key_text(key: str, refs: dict[str, Resolution]) -> str:
    """An object-link element's key (``resourceId=<id>,consentType=AllPrincipals``) with ids named."""
    parts = []
    for part in key.split(","):
        name, sep, value = part.partition("=")
        parts.append(f"{name}={name_of(refs[value])}" if sep and value in refs else part)
    return ", ".join(parts)


def shown_items(type_key: str, change: ItemChange) -> tuple[list[Any], list[Any]]:
    """``(removed, added)`` as people read them: elements of an object link (app role assignments, grants,
    credentials) without the properties the service sets (``Link.read_only``: ids, timestamps), which say
    nothing about who or what the element is; the JSON keeps them whole."""
    from entragit import resources

    link = resources.get(type_key).link(change.path) if change.link and type_key in resources.REGISTRY else None
    hidden = (link.read_only | link.volatile) - set(link.key) if link is not None else frozenset()
    if not hidden:
        return change.removed, change.added

    def view(item: Any) -> Any:
        return {k: v for k, v in item.items() if k not in hidden} if isinstance(item, dict) else item

    return [view(i) for i in change.removed], [view(i) for i in change.added]


def _verdict(recoverable: bool | None, reason: str | None) -> str:
    if recoverable is False:
        return f"not recoverable: {reason}" if reason else "not recoverable"
    if recoverable is None:
        return f"unknown: {reason}" if reason else "unknown"
    return reason or ""


def _object_verdict(obj: ObjectReport) -> str:
    """What became of a created, deleted or restored object, and whether restoring the backup undoes it."""
    verdict = _verdict(obj.recoverable, obj.reason)
    note = obj.deletion.note if obj.deletion is not None else None
    return f"{note}; {verdict}" if note and note != obj.reason else verdict


def _object_line(obj: ObjectReport) -> str:
    text = obj.display_name
    if obj.display_name != obj.id:
        text += f"  [{obj.id}]"
    tags = []
    if obj.synced:
        tags.append("synced")
    if obj.never_written:
        tags.append("never written")
    if tags:
        text += f"  ({', '.join(tags)})"
    status = obj.status
    if obj.deletion is not None:
        status += f": {DELETION_WORDS[obj.deletion.state]}"
    if obj.new_id:
        status += f" as {obj.new_id}"
    return f"{MARKS[obj.status]} {text}  {status}"


# ---------------------------------------------------------------------------------------------- text
def _change_lines(change: ItemChange, indent: str, limit: int = 100, type_key: str = "") -> list[str]:
    refs = change.refs
    mark = {False: "✗ ", None: "? "}.get(change.recoverable, "")  # type: ignore[arg-type]
    verdict = _verdict(change.recoverable, change.reason)
    tail = f"   {mark}{verdict}" if verdict else ""
    if change.kind == CHANGED:
        body = f"{value_text(change.old, refs, limit)} → {value_text(change.new, refs, limit)}"
    elif change.kind == ADDED:
        body = f"(absent) → {value_text(change.new, refs, limit)}"
    elif change.kind == REMOVED:
        body = f"{value_text(change.old, refs, limit)} → (absent)"
    else:
        parts = []
        removed, added = shown_items(type_key, change)
        if removed:
            parts.append("− " + _items_text(removed, refs, max(limit, 160)))
        if added:
            parts.append("+ " + _items_text(added, refs, max(limit, 160)))
        if change.modified:
            parts.append(f"~ {len(change.modified)} element{'s' if len(change.modified) != 1 else ''} changed")
        body = "; ".join(parts)
    lines = [f"{indent}{change.path}: {body}{tail}"]
    for element in change.modified:
        lines.append(f"{indent}  {key_text(element['key'], refs)}:")
        for inner in element["changes"]:
            lines.extend(_change_lines(inner, indent + "    ", limit))
    return lines


def render_text(report: Report) -> str:
    src, dst = report.source, report.target
    lines = [f"entragit diff: {src.ref} ({(src.commit or '')[:12]}, {src.time}) → "
             + (f"live (read {dst.time})" if report.live else f"{dst.ref} ({(dst.commit or '')[:12]}, {dst.time})"),
             report.summary_line()]
    for note in report.notes:
        lines.append(f"note: {note}")
    for key in report.types:
        counts = report.counts(key)
        lines.append("")
        lines.append(f"{key} (" + ", ".join(f"{counts[s]} {s}" for s in COUNT_ORDER if counts[s]) + ")")
        for obj in report.objects_of(key):
            lines.append("  " + _object_line(obj))
            if obj.status in (CREATED, DELETED) or (obj.status in (RESTORED, RECREATED) and not obj.changes):
                mark = {False: "✗ ", None: "? "}.get(obj.recoverable, "")  # type: ignore[arg-type]
                lines.append(f"      {mark}{_object_verdict(obj)}")
            for change in obj.changes:
                lines.extend(_change_lines(change, "      ", type_key=key))
    if report.objects:
        lines += ["", LEGEND]
    return md.printable("\n".join(lines) + "\n")   # data never drives the terminal


# ---------------------------------------------------------------------------------------------- markdown
def _md_value(value: Any, refs: dict[str, Resolution]) -> str:
    if isinstance(value, str) and value in refs:
        return md.cell(name_of(refs[value]))
    if isinstance(value, dict) and value:
        return md.cell(value_text(value, refs, 300))
    return md.code_cell(value_text(value, refs, 200))


def _md_items(items: list[Any], refs: dict[str, Resolution], sign: str) -> str:
    return "<br>".join(f"{sign} {_md_value(v, refs)}" for v in items)


def _md_verdict(recoverable: bool | None, reason: str | None) -> str:
    icon = {True: "✅", False: "❌", None: "❔"}[recoverable]
    return f"{icon} {md.cell(reason)}" if reason else icon


def _md_rows(change: ItemChange, prefix: str = "", type_key: str = "") -> list[str]:
    refs = change.refs
    path = md.code_cell(prefix + change.path)
    if change.kind == CHANGED:
        old, new = _md_value(change.old, refs), _md_value(change.new, refs)
    elif change.kind == ADDED:
        old, new = "*(absent)*", _md_value(change.new, refs)
    elif change.kind == REMOVED:
        old, new = _md_value(change.old, refs), "*(absent)*"
    else:
        removed, added = shown_items(type_key, change)
        old, new = _md_items(removed, refs, "−"), _md_items(added, refs, "+")
    rows = []
    if change.kind != ITEMS or change.added or change.removed:
        rows.append(f"| {path} | {old} | {new} | {_md_verdict(change.recoverable, change.reason)} |")
    for element in change.modified:
        for inner in element["changes"]:
            rows.extend(_md_rows(inner, f"{prefix}{change.path}[{key_text(element['key'], refs)}]."))
    return rows


def _md_object(obj: ObjectReport, columns: tuple[str, str]) -> str:
    title = f"#### {MARKS[obj.status]} {md.text(obj.display_name)} — {obj.status}"
    if obj.new_id:
        title += f" as {md.text(obj.new_id)}"
    if obj.deletion is not None:
        title += f": {DELETION_WORDS[obj.deletion.state]}"
    tags = [md.code(obj.id)] + (["synced"] if obj.synced else []) + (
        [f"never written: {md.text(obj.never_written)}"] if obj.never_written else [])
    lines = [title, "", " · ".join(tags), ""]
    if obj.status in (CREATED, DELETED) or (obj.status in (RESTORED, RECREATED) and not obj.changes):
        note = obj.deletion.note if obj.deletion is not None and obj.deletion.note != obj.reason else None
        if note:
            lines += [md.text(note[0].upper() + note[1:]) + ".", ""]
        lines += [_md_verdict(obj.recoverable, obj.reason), ""]
    if obj.changes:
        lines.append(f"| Property | {columns[0]} | {columns[1]} | Recoverable |")
        lines.append("|---|---|---|---|")
        for change in obj.changes:
            lines.extend(_md_rows(change, type_key=obj.type))
        lines.append("")
    return "\n".join(lines) + "\n"


def render_markdown(report: Report, *, limit: int = MARKDOWN_LIMIT, full_report: str | None = None) -> str:
    """The report as a pull request body of at most ``limit`` characters (see the module docstring).
    ``full_report`` says where the whole report is (a link or a file) when this one is cut."""
    src, dst = report.source, report.target
    target = "live" if report.live else md.code(dst.ref)
    columns = (f"Backup {md.code_cell(src.ref)}", "Live" if report.live else md.code_cell(dst.ref))
    head = [f"## entragit diff: {md.code(src.ref)} → {target}", "",
            f"From {md.code(src.ref)} ({md.text((src.commit or '')[:12])}, {md.text(src.time)}) to "
            + (f"the live tenant (read {md.text(dst.time)})." if report.live else
               f"{md.code(dst.ref)} ({md.text((dst.commit or '')[:12])}, {md.text(dst.time)})."),
            "", f"**{md.text(report.summary_line())}**", ""]
    if report.objects:
        head += ["| Type | " + " | ".join(s.capitalize() for s in COUNT_ORDER) + " |",
                 "|---|" + "---:|" * len(COUNT_ORDER)]
        for key in report.types:
            counts = report.counts(key)
            head.append(f"| {md.cell(key)} | " + " | ".join(str(counts[s]) for s in COUNT_ORDER) + " |")
        head.append("")
    for note in report.notes:
        head.append(f"> {md.text(note)}")
    if report.notes:
        head.append("")
    text = "\n".join(head) + "\n"
    if full_report and re.fullmatch(r"https://[^\s<>()\[\]]+", full_report):
        pointer = f"[{md.text(full_report)}]({full_report})"   # the operator's link (a workflow's artifact)
    elif full_report:
        pointer = md.text(full_report)
    else:
        pointer = md.code(f"entragit diff --from {src.ref}" + ("" if report.live else f" --to {dst.ref}")
                          + " --format markdown --output report.md")
    reserve = 400 + len(pointer)
    shown = 0
    cut = False
    for key in report.types:
        section = f"### {md.text(key)}\n\n"
        objects = report.objects_of(key)
        if len(text) + len(section) + reserve > limit:
            cut = True
            break
        text += section
        for obj in objects:
            block = _md_object(obj, columns)
            if len(text) + len(block) + reserve > limit:
                cut = True
                break
            text += block
            shown += 1
        if cut:
            break
    diff = md.defuse(md.visible(report.raw_diff)) if report.raw_diff else report.raw_diff
    diff_note = ", raw diff left out" if diff else ""
    if diff and not cut:
        fence = "`" * max(3, 1 + max((len(run) for run in re.findall(r"`+", diff)), default=0))
        opening = f"<details><summary>git diff ({diff.count('diff --git ')} files)</summary>\n\n{fence}diff\n"
        closing = f"{fence}\n\n</details>\n"
        room = limit - len(text) - len(opening) - len(closing) - reserve
        if len(diff) <= room:
            text += opening + diff + closing
        elif room > 1000:
            kept = diff[:room - 100].rsplit("\n", 1)[0] + "\n"
            text += opening + kept + "… (diff truncated)\n" + closing
            cut, diff_note = True, ", raw diff truncated"
        else:
            cut = True
    if cut:
        total = len(report.objects)
        text += (f"\n---\n**Truncated** to GitHub's {limit:,}-character limit: {shown} of {total} objects shown"
                 + diff_note + f". Full report: {pointer}\n")
    assert len(text) <= limit, (len(text), limit)
    return text
