"""``entragit fit comment|title|log``: fit a file into GitHub's limits (entragit.gitops.fit); prints the result."""

from __future__ import annotations

from pathlib import Path

import click

from entragit.commands import cli

FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


@cli.group("fit")
def fit() -> None:
    """Fit text into GitHub's limits: comments and bodies, titles, job summaries."""


@fit.command("comment")
@click.argument("file", type=FILE)
@click.option("--head", "head", default="", help="Text before FILE's (e.g. the marker the workflow looks for).")
@click.option("--tail-file", type=FILE, default=None, help="Text after FILE's (e.g. the checksum line).")
@click.option("--full-url", default=None, metavar="URL", help="Where the whole text is (the workflow artifact).")
@click.option("--what", default="text", show_default=True, help="What FILE holds, for the notice.")
@click.option("--limit", type=click.IntRange(min=1000), default=65_536, show_default=True)
def fit_comment(file: Path, head: str, tail_file: Path | None, full_url: str | None, what: str, limit: int) -> None:
    """A comment or body of at most --limit characters, head and tail included: FILE cut at a line with a
    notice linking --full-url when it does not fit."""
    from entragit.gitops.fit import fit_markdown

    head = head.replace("\\n", "\n")
    tail = tail_file.read_text(encoding="utf-8") if tail_file else ""
    click.echo(fit_markdown(file.read_text(encoding="utf-8"), head=head, tail=tail, limit=limit,
                            full_url=full_url, what=what), nl=False)


@fit.command("title")
@click.argument("file", type=FILE)
@click.option("--limit", type=click.IntRange(min=10), default=256, show_default=True)
def fit_title(file: Path, limit: int) -> None:
    """A title of at most --limit characters (one line; cut at a word with an ellipsis)."""
    from entragit.gitops.fit import fit_title as fit

    click.echo(fit(file.read_text(encoding="utf-8"), limit=limit))


@fit.command("log")
@click.argument("file", type=FILE)
@click.option("--bytes", "limit", type=click.IntRange(min=1000), default=256 * 1024, show_default=True)
def fit_log(file: Path, limit: int) -> None:
    """The end of a log within --bytes (for a job summary: GitHub takes at most 1 MiB per step)."""
    from entragit.gitops.fit import fit_log as fit

    click.echo(fit(file.read_text(encoding="utf-8", errors="replace"), limit=limit), nl=False)
