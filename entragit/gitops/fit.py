"""Fitting what the workflows post into GitHub's limits, with the text around it (the workflows' wrapper).

- Issue and pull request comments and bodies: at most 65,536 characters, or GitHub refuses them ("Body is too
  long (maximum is 65536 characters)"). A plan or report that does not fit is cut at a line, with any open code
  fence and ``<details>`` closed, and a notice saying how much is shown and linking the workflow artifact that
  holds the whole text. Characters are counted as UTF-16 code units (one per character, two for characters
  beyond the Basic Multilingual Plane such as emoji): never fewer than GitHub counts.
- Pull request titles: at most 256 characters (``gh pr create`` fails after the branch was pushed otherwise);
  cut at a word, with an ellipsis.
- Job summaries: at most 1 MiB per step ("$GITHUB_STEP_SUMMARY upload aborted, supports content up to a size of
  1024k"): logs are cut to their end, which says how a job ended.

GitHub Docs: https://docs.github.com/actions/reference/workflows-and-actions/workflow-commands#adding-a-job-summary
(job summaries); the comment and title limits are the API's validation messages.
"""

from __future__ import annotations

import re

COMMENT_LIMIT = 65_536
TITLE_LIMIT = 256
SUMMARY_LIMIT = 1024 * 1024
ELLIPSIS = "…"


def gh_len(text: str) -> int:
    """Length as GitHub may count it: UTF-16 code units (>= code points)."""
    return len(text.encode("utf-16-le")) // 2


_FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")
_OPEN = re.compile(r"^<details[\s>]")
_CLOSE = re.compile(r"^</details>\s*$")


def _step(state: tuple[str | None, int], line: str) -> tuple[str | None, int]:
    """The open code fence and ``<details>`` depth after ``line``."""
    fence, details = state
    m = _FENCE.match(line)
    if m:
        mark = m.group(1)
        if fence is None:
            return mark[0] * len(mark), details
        if mark.startswith(fence):
            return None, details
        return state
    if fence is None:
        # only the blocks entragit opens and closes itself: a line starting <details>, a line that is
        # </details>. Data may hold the same tags escaped or in a code span, on a line of its own markup
        # (a table row, a list item), which must not be counted (a stray closer, or a block left open)
        details += 1 if _OPEN.match(line) else -1 if _CLOSE.match(line) else 0
    return fence, details


def _closers(state: tuple[str | None, int]) -> str:
    """What closes the code fence and ``<details>`` blocks left open."""
    fence, details = state
    return (f"{fence}\n" if fence else "") + "</details>\n" * max(details, 0)


def _notice(limit: int, shown: int, total: int, where: str) -> str:
    return f"\n> [!NOTE]\n> Cut to fit GitHub's {limit:,}-character limit: {shown:,} of {total:,} lines shown; {where}\n\n"


def fit_markdown(body: str, *, head: str = "", tail: str = "", limit: int = COMMENT_LIMIT,
                 full_url: str | None = None, what: str = "text") -> str:
    """``head + body + tail`` within ``limit`` characters: ``body`` whole when it fits, else cut (see module)."""
    whole = head + body + tail
    if gh_len(whole) <= limit:
        return whole
    lines = body.splitlines(keepends=True)
    where = f"the whole {what} is in this run's workflow artifact: {full_url}" if full_url else \
        f"the whole {what} is in the workflow run's artifact"
    budget = limit - gh_len(head) - gh_len(tail) - gh_len(_notice(limit, len(lines), len(lines), where))
    kept: list[str] = []
    state: tuple[str | None, int] = (None, 0)
    used = 0
    for line in lines:
        line = line if line.endswith("\n") else line + "\n"
        after = _step(state, line)
        if used + gh_len(line) + gh_len(_closers(after)) > budget:
            break
        kept.append(line)
        used += gh_len(line)
        state = after
    out = head + "".join(kept) + _closers(state) + _notice(limit, len(kept), len(lines), where) + tail
    if gh_len(out) > limit:         # a head and tail that leave no room for any of the body
        out = head + _notice(limit, 0, len(lines), where) + tail
    return out


def fit_title(title: str, *, limit: int = TITLE_LIMIT) -> str:
    """One line of at most ``limit`` characters: cut at a word, with an ellipsis, when longer."""
    title = " ".join(title.split())
    if gh_len(title) <= limit:
        return title
    cut = title[:limit - 1]
    while gh_len(cut) > limit - 1:
        cut = cut[:-1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:-") + ELLIPSIS


def fit_log(text: str, *, limit: int = SUMMARY_LIMIT // 4) -> str:
    """The end of ``text`` within ``limit`` bytes (UTF-8), starting at a line, with a note of what was left out."""
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    note = f"(the first {len(data) - limit:,} bytes are left out here; the job's log has everything)\n"
    tail = data[-(limit - len(note.encode())):].decode("utf-8", "ignore")
    newline = tail.find("\n")
    if 0 <= newline < len(tail) - 1:
        tail = tail[newline + 1:]
    return note + tail
