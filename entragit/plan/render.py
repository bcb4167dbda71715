"""Plan renderers: ``text`` (terminal), ``markdown`` (pull request comment, :mod:`entragit.plan.render_markdown`),
``json``.

Markers: ``+`` create, recreate, link-add; ``~`` update, link-update; ``-`` delete, link-remove;
``↺`` restore; ``·`` skip. Objects and link targets read by name (``members += Joni Sherman``; the plan's
:attr:`~entragit.plan.model.Plan.names`), a placeholder as ``new id of <name>``. Secrets never reach a plan,
so nothing here can print one.

The summary line counts what the plan lists and what ``entragit apply`` reports: ``9 changes (1 update, 1
restore, 7 links added)``, skips and warnings beside.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from entragit.markdown import printable
from entragit.plan.model import Plan
from entragit.plan.render_common import (
    KIND_WORDS,
    MARKERS,
    counts_text,
    describe,
    full_text,
    leaf_differences,
    link_target,
    name_of,
    object_text,
    refusal_lines,
    row_text,
    rows,
    scope_words,
    settings_lines,
    summary_line,
    value_text,
)
from entragit.plan.render_markdown import MARKDOWN_LIMIT, render_markdown

FORMATS = ("text", "markdown", "json")
__all__ = ["FORMATS", "KIND_WORDS", "MARKDOWN_LIMIT", "MARKERS", "counts_text", "describe", "full_text",
           "leaf_differences", "link_target", "name_of", "object_text", "render", "render_json", "render_markdown",
           "render_text", "row_text", "rows", "scope_words", "summary_line", "value_text"]


def render(plan: Plan, fmt: str = "text", **kwargs: Any) -> str:
    renderers: dict[str, Callable[..., str]] = {"text": render_text, "markdown": render_markdown,
                                                "json": render_json}
    return renderers[fmt](plan, **kwargs)


def render_json(plan: Plan) -> str:
    return json.dumps(plan.to_json(), indent=2, sort_keys=True, ensure_ascii=False, default=str) + "\n"


# ---------------------------------------------------------------------------------------------- text
def render_text(plan: Plan) -> str:
    lines = []
    refused = refusal_lines(plan)
    if refused:
        lines.append("REFUSED by the safety rails (apply writes nothing unless forced: --force \"<why>\"; in a pull "
                     "request, the recovery-force label and an 'Entragit-Force-Reason: <why>' line in its body):")
        lines += [f"  - {m}" for m in refused]
    lines += [f"! {line}" for line in settings_lines(plan)]
    # whole values: the plan is what is reviewed (apply's progress lines, not this, keep them short)
    # one line per change, the link additions (or removals) of one object and link on one, as in Markdown
    lines += [f"{MARKERS[row[0].kind]} {object_text(row[0])}: {row_text(row, 1_000_000, plan.names)}"
              for row in rows(plan.changes)]
    for w in plan.warnings:
        lines.append(f"! {w}")
    for forced in plan.forced:
        lines.append(f"! forced past a safety rail ({forced['reason']}): {forced['message']}")
    lines.append(f"scope: {scope_words(plan)}")
    lines.append(summary_line(plan))
    lines.append(f"checksum: {plan.checksum}")
    return printable("\n".join(lines) + "\n")   # data never drives the terminal


# kept for the callers of the old names
_object = object_text
