"""The plan as Markdown: the pull request comment a reviewer approves (what ``entragit apply`` will write).

Layout: the safety rails' refusal first when there is one (with how to override it in pull request terms), the
summary line, the scope in words, the checksum (``Checksum: `<sha256>` `` on a line of its own: the workflows
read it there), forced rails, warnings, skipped items, then a section per type: a table of changes, the link
changes of one object and link gathered on one row (``members += Joni Sherman, Adele Vance (2)``), and the
full old and new values of long changes in a collapsible block below (never cut with "…").

Every value from the tenant or the pull request goes through :mod:`entragit.markdown`. The text stays within
:data:`MARKDOWN_LIMIT` characters (GitHub's limit for a comment body): when it would not, whole rows and blocks
are left out and a note says how many and how to see them.
"""

from __future__ import annotations

import json
from typing import Any

from entragit import markdown as md
from entragit.plan.model import Change, Kind, Plan, is_placeholder
from entragit.plan.render_common import (
    MARKERS,
    Names,
    describe,
    display,
    full_text,
    leaf_differences,
    link_target,
    name_of,
    refusal_lines,
    rows,
    scope_words,
    settings_lines,
    summary_line,
)

MARKDOWN_LIMIT = 65_536
SHORT = 80  # values up to this long are shown in the table; longer ones in the collapsible block
FORCE_LABEL = "recovery-force"
FORCE_LINE = "Entragit-Force-Reason"


def refusal_block(plan: Plan) -> str:
    """The safety rails' refusal as a Markdown callout (empty when the plan is not refused)."""
    refused = refusal_lines(plan)
    if not refused:
        return ""
    body = ("[!CAUTION]\n**The safety rails refuse this plan.** Merging applies it only if this pull request has "
            f"the {md.code(FORCE_LABEL)} label and its description a line {md.code(FORCE_LINE + ': <why>')} "
            "(the reason is recorded with the outcome); otherwise the apply stops (exit 3) and writes nothing. "
            f"On the command line: {md.code('entragit apply --force <why>')}.\n\n"
            + "\n".join(f"- {md.text(m)}" for m in refused))
    return md.quote(body)


_LOOKALIKES = {"", "null", "true", "false"}


def _value(value: Any, names: Names) -> str:
    """A value in a table cell: a name for an id, a bare string in a code span (JSON-quoted when it could be
    taken for something else), JSON for the rest."""
    if is_placeholder(value) or (isinstance(value, str) and value in names):
        return md.cell(name_of(value, names))
    if isinstance(value, str):
        plain = value.strip() == value and value.lower() not in _LOOKALIKES and not _number(value)
        return md.code_cell(value if plain else json.dumps(value, ensure_ascii=False))
    return md.code_cell(full_text(value, names))


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _long(value: Any, names: Names) -> bool:
    return len(full_text(value, names)) > SHORT


def _pretty(value: Any, names: Names) -> str:
    return json.dumps(display(value, names), indent=2, sort_keys=True, ensure_ascii=False, default=str)


def _props_cell(change: Change, names: Names, full: list[tuple[str, str, Any, Any]], title: str) -> str:
    parts = []
    for p in change.properties:
        for path, old, new in leaf_differences(p.old, p.new, p.path):
            if _long(old, names) or _long(new, names):
                full.append((title, path, old, new))
                parts.append(f"{md.code_cell(path)} changed (full values below)")
            else:
                parts.append(f"{md.code_cell(path)}: {_value(old, names)} → {_value(new, names)}")
    return "<br>".join(parts)


def _change_cell(changes: list[Change], names: Names, full: list[tuple[str, str, Any, Any]]) -> str:
    """What one row does: a property update, a create, or several link changes of one object and link."""
    first = changes[0]
    title = f"{first.display_name or first.id}"
    if first.link and first.kind in (Kind.LINK_ADD, Kind.LINK_REMOVE):
        sign = "+=" if first.kind is Kind.LINK_ADD else "-="
        targets = ", ".join(md.cell(link_target(c, names)) for c in changes)
        text = f"{md.code_cell(first.link)} {sign} {targets}"
        if len(changes) > 1:
            text += f" ({len(changes)})"
        if first.recompute:
            text += "<br>checked after the restore: only what it did not bring back is written"
        return text
    if first.kind is Kind.UPDATE or first.kind is Kind.LINK_UPDATE:
        lead = (f"{md.code_cell(first.link)} ~ {md.cell(link_target(first, names))}: " if first.link else
                f"update ({md.cell(first.action if first.channel == 'action' else first.channel)}):<br>")
        return lead + _props_cell(first, names, full, title)
    if first.kind in (Kind.CREATE, Kind.RECREATE) and first.body:
        full.append((title, "the new object", None, first.body))
        return md.cell(describe(first, 200, names)) + " (full object below)"
    return md.cell(describe(first, 200, names))


def _full_values(full: list[tuple[str, str, Any, Any]], names: Names) -> str:
    blocks = []
    for title, path, old, new in full:
        lines = [f"**{md.text(title)}**, {md.code(path)}", ""]
        if old is not None:
            lines += ["before:", "", md.fence(_pretty(old, names), "json"), "after:", ""]
        lines.append(md.fence(_pretty(new, names), "json"))
        blocks.append("\n".join(lines))
    return md.details(f"Full values ({len(full)})", "\n".join(blocks))


def _type_section(type_key: str, changes: list[Change], names: Names) -> list[str]:
    units = [f"### {md.text(type_key)} ({md.plural(len(changes), 'change')})\n\n| | object | change |\n|---|---|---|"]
    full: list[tuple[str, str, Any, Any]] = []
    for row in rows(changes):
        c = row[0]
        name = c.display_name or c.id
        units.append(f"| {MARKERS[c.kind]} | {md.cell(name)}<br>{md.code_cell(c.id)} | "
                     f"{_change_cell(row, names, full)} |")
    units[-1] += "\n"
    if full:
        units.append(_full_values(full, names))
    return units


def render_markdown(plan: Plan, limit: int = MARKDOWN_LIMIT, *, refusal_on_top: bool = True) -> str:
    """The plan as Markdown of at most ``limit`` characters; ``refusal_on_top=False`` when the caller shows the
    refusal itself (at the top of a pull request body)."""
    names = plan.names
    head = ["## entragit plan", ""]
    refusal = refusal_block(plan) if refusal_on_top else ""
    if refusal:
        head += [refusal]
    head += [md.quote(f"[!WARNING]\n{md.text(line)}") + "\n" for line in settings_lines(plan)]
    head += [f"**{md.text(summary_line(plan))}**", "", f"Scope: {md.text(scope_words(plan))}.", "",
             f"Checksum: `{plan.checksum}`", ""]
    if plan.forced:
        head += ["### Forced past the safety rails", ""]
        head += [f"- **{md.text(f['rail'])}**: {md.text(f['message'])} (reason: {md.text(f['reason'])})"
                 for f in plan.forced]
        head += [""]
    units: list[str] = []
    if plan.warnings:
        units.append("### Warnings\n")
        units += [f"- {md.code(f'{w.type}/{w.id}')} {md.code(w.path)}: {md.text(w.message)}" for w in plan.warnings]
        units[-1] += "\n"
    if plan.skips:
        units.append("### Skipped\n\n| object | what | reason |\n|---|---|---|")
        for c in plan.skips:
            what = (", ".join(p.path for p in c.properties) or
                    (f"{c.link} {link_target(c, names)}" if c.link else "the object"))
            units.append(f"| {md.cell(c.display_name or c.id)}<br>{md.code_cell(f'{c.type}/{c.id}')} | "
                         f"{md.cell(what)} | {md.cell(c.reason or '')} |")
        units[-1] += "\n"
    by_type: dict[str, list[Change]] = {}
    for c in plan.writes:
        by_type.setdefault(c.type, []).append(c)
    for type_key, changes in by_type.items():
        units += _type_section(type_key, changes, names)
    text = "\n".join(head)
    note_room = 300
    left_out = 0
    for unit in units:
        if left_out or len(text) + len(unit) + 1 + note_room > limit:
            left_out += 1
            continue
        text += "\n" + unit
    if left_out:
        text += (f"\n\n_Cut to fit a comment: {md.plural(left_out, 'more row or block', 'more rows or blocks')} "
                 "(changes, skips, warnings, full values) not shown. Run `entragit plan --format text` for the "
                 "whole plan._\n")
    assert len(text) <= limit, (len(text), limit)
    return text if text.endswith("\n") else text + "\n"
