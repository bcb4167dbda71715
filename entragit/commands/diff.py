"""``entragit diff``: a difference report between a backup and the live tenant (or another backup)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from entragit.commands import Ctx, cli, complete_types
from entragit.errors import ConfigError

FORMATS = ("text", "markdown", "json")

# The seam tests use to point `entragit diff` at an in-process emulator: settings -> GraphClient.
# None: open a client from the settings (--graph-url, environment, entragit.yaml).
CLIENT_FACTORY: Callable[[Any], Any] | None = None


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same folder: never a partial file."""
    path = path.absolute()
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


@cli.command("diff")
@click.option("--from", "from_ref", required=True, metavar="REF",
              help="The backup to compare: a tag (backup/...), a branch or a commit.")
@click.option("--to", "to_ref", default="live", show_default=True, metavar="REF|live",
              help="What to compare it with: another ref, or the live tenant (exported first).")
@click.option("--type", "types", multiple=True, metavar="T", shell_complete=complete_types, help="Only this type (repeatable).")
@click.option("--id", "ids", multiple=True, metavar="ID", help="Only this object id or appId (repeatable).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True,
              help="text for a terminal, markdown for a pull request body, json for machines.")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the report to this file (complete or not at all).")
@click.option("--full-report", metavar="TEXT", default=None,
              help="Where the full report can be found (a link), named when the markdown is cut to fit "
                   "GitHub's 65,536 characters.")
@click.option("--json", "json_output", is_flag=True, help="Print the job as one JSON object at the end.")
@click.option("--exit-code", is_flag=True,
              help="Exit 8 when there are differences, 0 when there are none (for scripts, as git diff --exit-code).")
@click.pass_context
def diff_command(ctx: click.Context, from_ref: str, to_ref: str, types: tuple[str, ...], ids: tuple[str, ...],
                 fmt: str, output: Path | None, full_report: str | None, json_output: bool, exit_code: bool) -> None:
    """What changed since a backup, per type and object: created, modified (each property old -> new,
    list and link items added/removed, ids shown by name), deleted (restorable from deleted items, only in
    the portal, or gone) and restored; each change marked recoverable or not, with the reason.

    Runs as a job holding the repository's lock; Ctrl-C cancels it and leaves no partial --output file.
    With --exit-code: exit 8 when there are differences (drift), 0 when there are none."""
    from entragit import jobs, resources
    from entragit.backups import open_repo
    from entragit.commands.export import graph_configured
    from entragit.commands.plan import check_output
    from entragit.report import LIVE, make_report, render
    from entragit.settings import load_settings

    check_output(output, "--output")
    obj = ctx.find_root().obj
    repo = open_repo(obj.repo if isinstance(obj, Ctx) else Path.cwd())
    root = Path(repo.working_tree_dir or ".")
    settings = load_settings(ctx, repo=root)
    for key in types:
        resources.get(key)  # an unknown type fails before the job starts, naming the known ones
    client = None
    if to_ref == LIVE:
        if CLIENT_FACTORY is not None:
            client = CLIENT_FACTORY(settings)
        elif not graph_configured(settings):
            raise ConfigError("comparing with the live tenant needs a Graph endpoint: pass --graph-url URL (or set "
                              "ENTRAGIT_GRAPH_URL), or set tenantId/cloud in entragit.yaml; or compare two "
                              "backups with --to REF")
    with jobs.run_job(repo, "diff", json_output=json_output) as job:
        report = make_report(repo, from_ref, to_ref, types=types or None, ids=ids or None, client=client,
                             settings=settings, progress=job.update, raw_diff=fmt == "markdown")
        job.update(jobs.JobState.IN_PROGRESS, f"rendering {fmt}")
        text = render(report, fmt, full_report=full_report)
        if output is not None:
            write_atomic(output, text)
        job.detail = {"from": report.source.to_json(), "to": report.target.to_json(), "summary": report.summary,
                      "output": str(output) if output is not None else None}
        if json_output and output is None:
            job.detail["report"] = report.to_json() if fmt == "json" else text
        job.message = report.summary_line()
    if output is not None:
        if not json_output:
            click.echo(f"report written to {output}: {report.summary_line()}", err=True)
    elif not json_output:
        click.echo(text, nl=False)
    if exit_code and report.objects:
        from entragit.errors import DriftFound

        raise DriftFound(f"differences found: {report.summary_line()}")
