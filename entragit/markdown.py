"""GitHub-flavoured Markdown from data: the one place that escapes what the tenant, a pull request or git hands us.

Everything entragit renders into Markdown (pull request bodies, plan and report comments, job summaries) from
data it does not control (display names, values, ids, file names, commit subjects, error messages) goes
through one of these functions; the literal markup around it is entragit's own.

- :func:`text`: inline text (a paragraph, a heading, a list item). The ASCII punctuation Markdown reads as
  inline syntax is backslash-escaped (``*``, ``_``, ``[x](y)``, ``<img onerror>``, ``</details>``, ``&amp;``),
  and so is a block marker at the start (``#``, ``>``, ``-``, ``+``, ``=``, ``1.``); newlines become spaces.
- :func:`cell`: the same for a table cell (``|`` escaped, newlines as ``<br>``).
- :func:`code` / :func:`code_cell`: a code span, fenced with more backticks than the value holds (and a
  table-safe ``|`` in cells).
- :func:`html`: text inside entragit's own HTML (``<summary>``): HTML-escaped.
- :func:`fence`: a fenced code block for multi-line text (a raw diff, an error log).
- :func:`details`: a collapsible block around Markdown that entragit rendered.

Bidirectional controls (U+202A-U+202E, U+2066-U+2069: "Trojan Source", CVE-2021-42574) reorder what a reader
sees around them (``Allow\u202e kcolB`` reads "Allow Block"): every function here shows them as the escape
``\u202e`` instead. For a terminal, :func:`printable` does the same with control characters (an ``ESC`` from
a display name would otherwise drive the terminal: retitle it, clear the screen, recolour what follows), newline
and tab kept: the text renderers (plans, reports, apply's lines, ``show``/``log``, errors) pass what they print
through it.

The workflows read lines of what entragit renders: publish-plan.yml the plan's ``Checksum: `<sha256>` `` line
and a pull request's ``Entragit-Force-Reason:`` line (``^...`` in sed), and it finds its comment by the marker
``<!-- entragit-plan -->``. Data never forges them: inline functions escape ``<`` and never start a line, and
:func:`code` and :func:`fence` (verbatim otherwise) break an ``<!-- entragit-`` marker, and :func:`fence` a line
starting ``Checksum:`` or ``Entragit-...:``, with a :data:`BREAK` (:func:`defuse`).

GitHub also rewrites the rendered text after any Markdown parser has run: ``@user`` and ``@org/team`` become
mentions (notifying people), ``#123``, ``owner/repo#123`` and ``GH-123`` become issue links, and bare
``https://...`` and ``www.`` become links. A backslash does not stop that (it is gone once parsed), so every
function above except the code ones (GitHub leaves code alone) breaks these with a zero-width space
(:data:`BREAK`, U+200B): ``@\u200borg/team`` reads the same and notifies nobody. See GitHub's "Autolinked
references and URLs" and "Basic writing and formatting syntax" (docs.github.com, Get started > Writing on
GitHub) and the GFM spec (github.github.com/gfm), sections "Backslash escapes", "Tables", "Autolinks
(extension)".
"""

from __future__ import annotations

import html as _html
import re
from typing import Any

BREAK = "\u200b"  # ZERO WIDTH SPACE: breaks GitHub's mentions, references and bare links, invisible when read

# ASCII punctuation Markdown reads as inline syntax wherever it stands (CommonMark lets any ASCII punctuation be
# escaped); ( and ) only follow a ] (escaped), so they stay as they are, for readability
_ESCAPED = frozenset("\\`*_[]<>!|~&")
# what makes a block when it starts a line (headings, quotes, lists, thematic breaks, setext underlines): data
# never starts a line with it unescaped (it may, in a list item or a cell, stand at the start of one)
_BLOCK_START = re.compile(r"^(\s*)([#>+=-]|\d{1,9}[.)])")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# the bidirectional embeddings, overrides and isolates (Unicode UAX #9): invisible, they reorder the text around
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")
# what a terminal must not receive from data: control characters but newline and tab, and the bidi controls
_UNPRINTABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_NEWLINE = re.compile(r"\r\n|\r|\n|\u2028|\u2029")
# what GitHub turns into mentions, references and links after rendering (on text, not on code)
_MENTION = re.compile(r"(?:(?<=[^A-Za-z0-9_])|^)@(?=[A-Za-z0-9])")
_ISSUE = re.compile(r"#(?=\d)")
_GH_REF = re.compile(r"(?i)\b(GH)-(?=\d)")
_SCHEME = re.compile(r"(?i)(?<=[a-z])://")
_WWW = re.compile(r"(?i)\b(www)\.")
# entragit's own markers and the lines the workflows read (see the module docstring)
_MARKER = re.compile(r"<!--(?=\s*entragit-)", re.IGNORECASE)
_WORKFLOW_LINE = re.compile(r"^(?=(?:Checksum|Entragit-[A-Za-z-]+)\s*:)", re.MULTILINE | re.IGNORECASE)


def _str(value: Any) -> str:
    return value if isinstance(value, str) else str(value)


def _escaped_char(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(value: Any) -> str:
    """``value`` with its bidirectional controls shown as escapes (``\\u202e``): they reorder nothing."""
    return _BIDI.sub(_escaped_char, _str(value))


def printable(value: Any) -> str:
    """``value`` safe for a terminal: control characters (newline and tab kept) and bidirectional controls
    shown as escapes (``\\x1b``, ``\\u202e``), so data never drives the terminal nor reorders a line."""
    return _UNPRINTABLE.sub(_escaped_char, _str(value))


def defuse(value: Any) -> str:
    """``value`` (verbatim text: a code span's, a fence's) unable to pass for entragit's own marker comment or
    for a line a workflow reads: :data:`BREAK` after ``<!--`` of ``<!-- entragit-...`` and before a line's
    ``Checksum:`` / ``Entragit-...:``."""
    return _WORKFLOW_LINE.sub(BREAK, _MARKER.sub("<!--" + BREAK, _str(value)))


def unlink(value: Any) -> str:
    """``value`` with GitHub's post-rendering mentions, references and bare links broken (:data:`BREAK`)."""
    s = _str(value)
    s = _MENTION.sub("@" + BREAK, s)
    s = _ISSUE.sub("#" + BREAK, s)
    s = _GH_REF.sub(lambda m: m.group(1) + BREAK + "-", s)
    s = _SCHEME.sub(":" + BREAK + "//", s)
    return _WWW.sub(lambda m: m.group(1) + BREAK + ".", s)


def _escape(s: str) -> str:
    escaped = "".join("\\" + ch if ch in _ESCAPED else ch for ch in s)
    return _BLOCK_START.sub(lambda m: m.group(1) + m.group(2)[:-1] + "\\" + m.group(2)[-1], escaped)


def one_line(value: Any, newline: str = " ") -> str:
    """``value`` as one line: line breaks become ``newline``, other control characters spaces."""
    return visible(_CONTROL.sub(" ", _NEWLINE.sub(newline, _str(value)).replace("\t", " ")))


def text(value: Any) -> str:
    """Inline Markdown text that renders exactly as ``value`` (on one line), with no markup of its own."""
    return _escape(unlink(one_line(value)))


def cell(value: Any) -> str:
    """A table cell's text: as :func:`text`, line breaks kept as ``<br>``."""
    parts = _NEWLINE.split(visible(value))
    return "<br>".join(text(part) for part in parts)


def code(value: Any) -> str:
    """A code span showing ``value`` verbatim (on one line): GitHub renders nothing inside it."""
    s = _MARKER.sub("<!--" + BREAK, one_line(value))   # on one line: only the marker to break
    if not s:
        return "` `"
    longest = max((len(run) for run in re.findall(r"`+", s)), default=0)
    ticks = "`" * (longest + 1)
    pad = " " if s[0] in "` " or s[-1] in "` " else ""
    return f"{ticks}{pad}{s}{pad}{ticks}"


def code_cell(value: Any) -> str:
    """A code span inside a table cell: ``|`` escaped as GFM tables require (GitHub drops the backslash), a
    backslash before it kept apart so the escape is never taken for an escaped backslash."""
    return code(one_line(value).replace("\\|", "\\" + BREAK + "|")).replace("|", "\\|")


def html(value: Any) -> str:
    """Text inside entragit's own HTML elements (``<summary>``): HTML-escaped, on one line."""
    return _html.escape(unlink(one_line(value)), quote=True)


def fence(value: Any, info: str = "") -> str:
    """A fenced code block holding ``value`` verbatim (its fence longer than any backtick run inside; only
    bidirectional controls shown as escapes)."""
    s = defuse(visible(value)).rstrip("\n")
    longest = max((len(run) for run in re.findall(r"`{3,}", s)), default=0)
    ticks = "`" * max(3, longest + 1)
    return f"{ticks}{info}\n{s}\n{ticks}\n"


def details(summary: Any, body: str, *, open_: bool = False) -> str:
    """A collapsible block: ``summary`` is data (escaped), ``body`` Markdown entragit rendered."""
    attr = " open" if open_ else ""
    return f"<details{attr}><summary>{html(summary)}</summary>\n\n{body.rstrip()}\n\n</details>\n"


def quote(markdown: str) -> str:
    """Markdown entragit rendered, as a block quote (every line, blank ones included, stays inside)."""
    return "\n".join(f"> {line}" if line else ">" for line in markdown.rstrip("\n").split("\n")) + "\n"


def plural(n: int, word: str, words: str | None = None) -> str:
    """``1 problem``, ``2 problems`` (``words`` for irregular plurals)."""
    return f"{n} {word if n == 1 else (words or word + 's')}"
