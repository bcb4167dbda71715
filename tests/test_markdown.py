"""entragit.markdown: data rendered into GitHub-flavoured Markdown stays data (parsed with markdown-it-py)."""

from __future__ import annotations

import pytest

from entragit import markdown as md
from tests import gfm

HOSTILE = [  # (leading and trailing spaces are not shown by Markdown, nor compared)
    "</details>",
    "<img src=x onerror=alert(1)>",
    "<!-- hidden -->",
    "@org/team please approve",
    "fixes #1 and owner/repo#2 and GH-3",
    "[click](https://evil.example/x)",
    "![pixel](https://evil.example/p.png)",
    "see https://evil.example and www.evil.example",
    "a | b | c",
    "back`tick``s",
    "`",
    "line one\nline two\r\nthree",
    "**bold _open",
    "# heading",
    "1. list",
    "12) list",
    "+ plus",
    "===",
    "  - indented item",
    "(parenthesised) [bracketed](x)",
    "- item",
    "> quote",
    "---",
    "&lt;tag&gt; &amp;",
    "trailing \\",
    "a \\| b",
    "~~strike~~",
    "<details><summary>x</summary>",
]


@pytest.mark.parametrize("value", HOSTILE)
def test_text_renders_as_itself_and_nothing_else(value: str) -> None:
    doc = f"Name: {md.text(value)}\n"
    gfm.assert_inert(doc)
    assert [gfm.shown(t) for t in gfm.texts(doc)] == ["Name: " + md.one_line(value)]


@pytest.mark.parametrize("value", HOSTILE)
def test_cell_and_code_cell_stay_in_their_cell(value: str) -> None:
    doc = "| a | b | c |\n|---|---|---|\n" + f"| {md.cell(value)} | {md.code_cell(value)} | end |\n"
    gfm.assert_inert(doc)
    [table] = gfm.tables(doc)
    assert len(table) == 2, table
    text_cell, code_cell, end = table[1]
    assert gfm.shown(text_cell) == value.replace("\r\n", "\n").strip()
    assert gfm.shown(code_cell) == md.one_line(value)
    assert end == "end"


@pytest.mark.parametrize("value", HOSTILE)
def test_code_span_is_verbatim(value: str) -> None:
    doc = f"Value: {md.code(value)}\n"
    gfm.assert_inert(doc)
    tokens = [c for t in gfm.parse(doc) if t.type == "inline" for c in t.children or []]
    assert [t.content for t in tokens if t.type == "code_inline"] == [md.one_line(value)]


@pytest.mark.parametrize("value", HOSTILE)
def test_headings_lists_quotes_and_details_keep_their_shape(value: str) -> None:
    body = f"- {md.text(value)}\n- second\n"
    doc = (f"### {md.text(value)}\n\n" + md.quote(f"**Refused:** {md.text(value)}\n\n{body}")
           + "\n" + md.details(value, body))
    gfm.assert_inert(doc)
    assert [(level, gfm.shown(t)) for level, t in gfm.headings(doc)] == [(3, md.one_line(value).strip())]
    kinds = [t.type for t in gfm.parse(doc)]
    assert kinds.count("blockquote_open") == 1 and kinds.count("bullet_list_open") == 2
    quote = kinds[kinds.index("blockquote_open"):kinds.index("blockquote_close")]
    assert "bullet_list_open" in quote and "strong_open" not in kinds[kinds.index("blockquote_close"):]


def test_mentions_and_references_are_broken_only_where_github_makes_them() -> None:
    assert md.text("adele@contoso.com") == "adele@contoso.com"     # an address, not a mention
    assert md.text("@team") == "@\u200bteam"
    assert md.text("#12") == "\\#\u200b12" and md.text("# x") == "\\# x"
    assert md.code("@team #1") == "`@team #1`"                         # GitHub leaves code alone


def test_fence_outlasts_the_backticks_inside() -> None:
    doc = md.fence("```\n<img onerror=x>\n````", "diff")
    [block] = [t for t in gfm.parse(doc) if t.type == "fence"]
    assert block.content == "```\n<img onerror=x>\n````\n" and block.info == "diff"
