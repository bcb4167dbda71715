"""Markdown as GitHub reads it, for tests: parse with a real GFM parser (markdown-it-py, "gfm-like": tables,
strikethrough, raw HTML, autolinks) and check structure, never strings.

- :func:`parse`: the token stream; :func:`texts`: the rendered text of every inline (what a reader sees);
- :func:`html_tags`: every raw HTML tag the document holds (blocks and inline);
- :func:`links`: every link target;
- :func:`tables`: each table as rows of cell texts (header first);
- :func:`assert_inert`: nothing in the document came alive from data: no HTML but entragit's own tags, no
  link but entragit's own, no GitHub mention or issue reference in any rendered text, every <details> closed
  (:func:`contains` then shows a value came through whole, e.g. in one table cell).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.token import Token

# GitHub's own autolinks are http(s)://, www. and e-mail addresses only (no bare "example.com")
_MD = MarkdownIt("gfm-like")
_MD.linkify.set({"fuzzy_link": False})

# the HTML entragit writes itself
OWN_TAGS = re.compile(r"^(?:<details(?: open)?>|<summary>|</summary>|</details>|<br>|<!-- entragit-[a-z-]+ -->)$")
MENTION = re.compile(r"(?:^|[^A-Za-z0-9_])@[A-Za-z0-9]")
REFERENCE = re.compile(r"#\d|(?i:\bgh-\d)")
ZWSP = "\u200b"


def parse(markdown: str) -> list[Token]:
    return _MD.parse(markdown)


def _walk(tokens: Iterable[Token]) -> Iterable[Token]:
    for t in tokens:
        yield t
        if t.children:
            yield from _walk(t.children)


def texts(markdown: str) -> list[str]:
    """The rendered text of each inline (text and code nodes joined; zero-width spaces kept)."""
    out = []
    for t in parse(markdown):
        if t.type == "inline":
            out.append("".join(c.content for c in t.children or [] if c.type in ("text", "code_inline")))
    return out


def prose(markdown: str) -> list[str]:
    """The rendered text of each inline without its code spans (where GitHub finds mentions and references)."""
    out = []
    for t in parse(markdown):
        if t.type == "inline":
            out.append("".join(c.content if c.type == "text" else " " for c in t.children or []))
    return out


def html_tags(markdown: str) -> list[str]:
    found = []
    for t in _walk(parse(markdown)):
        if t.type == "html_inline":
            found.append(t.content)
        elif t.type == "html_block":
            found += re.findall(r"<!--.*?-->|<[^>]*>", t.content, re.S) or [t.content]
    return found


def links(markdown: str) -> list[str]:
    return [str(t.attrGet("href")) for t in _walk(parse(markdown)) if t.type == "link_open"]


def tables(markdown: str) -> list[list[list[str]]]:
    """Each table: rows of cell texts (inline text and code joined, ``<br>`` as a newline)."""
    found: list[list[list[str]]] = []
    rows: list[list[str]] | None = None
    row: list[str] = []
    for t in parse(markdown):
        if t.type == "table_open":
            rows = []
        elif t.type == "table_close" and rows is not None:
            found.append(rows)
            rows = None
        elif t.type == "tr_open":
            row = []
        elif t.type == "tr_close" and rows is not None:
            rows.append(row)
        elif t.type == "inline" and rows is not None:
            row.append("".join(c.content if c.type in ("text", "code_inline") else
                               ("\n" if c.type == "html_inline" and c.content == "<br>" else "")
                               for c in t.children or []))
    return found


def headings(markdown: str) -> list[tuple[int, str]]:
    tokens = parse(markdown)
    return [(int(t.tag[1]), "".join(c.content for c in tokens[i + 1].children or []))
            for i, t in enumerate(tokens) if t.type == "heading_open"]


def assert_inert(markdown: str, *, own_links: Iterable[str] = ()) -> None:
    """Nothing in ``markdown`` came alive from data (see the module docstring)."""
    tags = [t for t in html_tags(markdown) if not OWN_TAGS.match(t.strip())]
    assert not tags, f"raw HTML from data: {tags}"
    allowed = set(own_links)
    stray = [href for href in links(markdown) if href not in allowed]
    assert not stray, f"links from data: {stray}"
    for line in prose(markdown):
        assert not MENTION.search(line), f"a GitHub mention in rendered text: {line!r}"
        assert not REFERENCE.search(line), f"a GitHub reference in rendered text: {line!r}"
    opened = sum(1 for t in html_tags(markdown) if t.startswith("<details"))
    closed = sum(1 for t in html_tags(markdown) if t == "</details>")
    assert opened == closed, f"{opened} <details> opened, {closed} closed"


def shown(text: str) -> str:
    """What a reader sees of ``text``: the zero-width spaces gone."""
    return text.replace(ZWSP, "")


def contains(markdown: str, value: Any) -> bool:
    """Whether some rendered text (an inline or a table cell) shows ``value`` whole."""
    wanted = str(value)
    cells = [c for table in tables(markdown) for row in table for c in row]
    return any(wanted in shown(t) for t in texts(markdown) + cells)
