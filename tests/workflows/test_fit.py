"""Reviewable at scale (issue 13): plan and report comments fit GitHub's 65,536 characters *with* the workflow's
wrapper, cut where Markdown stays well formed (checked by parsing with markdown-it-py, GitHub's CommonMark
family), and link the artifact with the whole text; titles fit 256 characters; job summaries stay well under
1 MiB per step."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from markdown_it import MarkdownIt

from entragit.commands import cli, load_commands
from entragit.gitops.fit import COMMENT_LIMIT, fit_log, fit_markdown, fit_title, gh_len

load_commands()  # every command registered, as `entragit` does when it starts

MARKER = "<!-- entragit-plan -->\n"
TAIL = "\nEntragit-Plan-Checksum: " + "ab" * 32 + "\n"
URL = "https://github.com/org/tenant/actions/runs/9001/artifacts/7000"


def big_plan(rows: int) -> str:
    """A plan shaped like entragit's Markdown: a heading, a table, a <details> block with a code fence."""
    head = "## entragit plan\n\n| Change | Type | Object |\n|---|---|---|\n"
    table = "".join(f"| update | groups | Group {i} ✅ with a rather long display name |\n" for i in range(rows))
    detail = "\n<details><summary>Bodies</summary>\n\n```json\n" + "".join(
        f'{{"id": "{i:08d}-0000-0000-0000-000000000000", "description": "x{i}"}}\n' for i in range(rows)) + \
        "```\n\n</details>\n"
    return head + table + detail


def _tokens(text: str) -> list:
    return MarkdownIt("commonmark").enable("table").parse(text)


def test_a_plan_that_fits_is_posted_whole() -> None:
    plan = big_plan(10)
    assert fit_markdown(plan, head=MARKER, tail=TAIL, full_url=URL) == MARKER + plan + TAIL


def test_a_plan_too_long_is_cut_to_the_limit_with_its_wrapper_and_stays_well_formed() -> None:
    for rows in (800, 3000):                      # the cut lands in the table, then in the code fence
        plan = big_plan(rows)
        assert gh_len(MARKER + plan + TAIL) > COMMENT_LIMIT
        body = fit_markdown(plan, head=MARKER, tail=TAIL, full_url=URL, what="plan")
        assert gh_len(body) <= COMMENT_LIMIT
        assert body.startswith(MARKER) and body.endswith(TAIL)
        assert URL in body and "lines shown" in body
        tokens = _tokens(body)
        # the checksum line and the notice are paragraphs of their own, not swallowed by an open fence or block
        paragraphs = [t.content for t in tokens if t.type == "inline"]
        assert any(p.startswith("Entragit-Plan-Checksum: ") for p in paragraphs)
        assert any("Cut to fit GitHub" in p for p in paragraphs)
        assert not any(t.type == "fence" and "Checksum" in t.content for t in tokens)
        assert body.count("<details>") == body.count("</details>")


def test_characters_beyond_the_bmp_count_twice() -> None:
    text = "🙂" * 40_000                                  # 40,000 code points, 80,000 UTF-16 units
    fitted = fit_markdown("\n".join([text[:100]] * 400), limit=COMMENT_LIMIT)
    assert gh_len(fitted) <= COMMENT_LIMIT


def test_titles_with_many_ids_fit_256() -> None:
    ids = " ".join(f"{n:08x}-1111-2222-3333-444455556666" for n in range(6))
    title = f"entragit recover: groups {ids} back to backup/20260101T230000Z"
    assert len(title) > 256
    fitted = fit_title(title)
    assert len(fitted) <= 256 and fitted.endswith("…") and fitted.startswith("entragit recover: groups ")
    assert fit_title("Recover   groups\nto a backup") == "Recover groups to a backup"


def test_a_log_keeps_its_end_within_the_summary_budget() -> None:
    log = "".join(f"line {i}: é\n" for i in range(200_000))
    out = fit_log(log, limit=100_000)
    assert len(out.encode()) <= 100_000 and out.endswith("line 199999: é\n")
    assert out.startswith("(the first ") and "\nline " in out


def test_the_fit_commands(tmp_path: Path) -> None:
    plan, tail, title = tmp_path / "plan.md", tmp_path / "tail.md", tmp_path / "title"
    plan.write_text(big_plan(3000), encoding="utf-8")
    tail.write_text(TAIL, encoding="utf-8")
    title.write_text("x " * 300, encoding="utf-8")
    runner = CliRunner()
    out = runner.invoke(cli, ["fit", "comment", str(plan), "--head", "<!-- entragit-plan -->\\n",
                              "--tail-file", str(tail), "--full-url", URL, "--what", "plan"])
    assert out.exit_code == 0, out.output
    assert gh_len(out.stdout) <= COMMENT_LIMIT and out.stdout.startswith(MARKER) and out.stdout.endswith(TAIL)
    out = runner.invoke(cli, ["fit", "title", str(title)])
    assert out.exit_code == 0 and len(out.stdout.rstrip("\n")) <= 256
