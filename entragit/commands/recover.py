"""``entragit recover``: the revert branch and its pull request (a thin wrapper over :func:`entragit.recover.recover`)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from entragit.commands import Ctx, cli


@cli.command("recover")
@click.option("--from", "source", required=True, metavar="REF",
              help="The backup to go back to: a backup tag (backup/YYYYMMDDTHHMMSSZ) or any commit.")
@click.option("--type", "types", multiple=True, metavar="T", help="Only this type (repeatable).")
@click.option("--id", "ids", multiple=True, metavar="ID",
              help="Only this object (id, or appId for applications and service principals; repeatable).")
@click.option("--branch", metavar="NAME", help="Name of the new branch (default: recover/<backup>-<scope>).")
@click.option("--include-new", is_flag=True, help="Also remove the files of objects created since the backup.")
@click.option("--title-file", type=click.Path(dir_okay=False, path_type=Path), metavar="F",
              help="Write the pull request title here.")
@click.option("--body-file", type=click.Path(dir_okay=False, path_type=Path), metavar="F",
              help="Write the pull request body (Markdown) here.")
@click.option("--pr-dir", type=click.Path(file_okay=False, path_type=Path), metavar="DIR",
              help="Write branch, title, body.md and checksum into this folder (for the workflow).")
@click.option("--base", metavar="BRANCH", help="Start from this branch (default: the default branch).")
@click.option("--no-plan", is_flag=True, help="Do not read the tenant: no plan, no checksum trailer.")
@click.option("--json", "json_output", is_flag=True, help="Print the result as one JSON object.")
@click.pass_context
def recover_command(ctx: click.Context, source: str, types: tuple[str, ...], ids: tuple[str, ...], branch: str | None,
                    include_new: bool, title_file: Path | None, body_file: Path | None, pr_dir: Path | None,
                    base: str | None, no_plan: bool, json_output: bool) -> None:
    """Put tenant-state/ of the scope back to REF on a new branch, and write the pull request.

    Files changed since REF get their old content back, files of deleted objects are added again, files of
    objects created since are removed only with --include-new. The working tree and the current branch are
    left alone. The pull request body holds the difference report and the plan (computed against the live
    tenant) with its checksum, which the commit also carries as an Entragit-Plan-Checksum trailer.
    """
    from entragit import graph
    from entragit import recover as core
    from entragit.backups import open_repo
    from entragit.commands.export import graph_configured
    from entragit.graph import run
    from entragit.jobs import run_job
    from entragit.settings import load_settings

    obj = ctx.find_root().obj
    repo = open_repo(obj.repo if isinstance(obj, Ctx) else Path.cwd())
    root = Path(repo.working_tree_dir or ".")
    from entragit.plan.scope import range_base

    settings = load_settings(ctx, repo=root, base=range_base(root, None))
    with run_job(repo, "recover", live=not json_output) as job:
        client = None
        if not no_plan and graph_configured(settings):
            client = graph.CLIENT_FACTORY(settings)
        try:
            result = core.recover(root, source=source, types=types, ids=ids, branch=branch, include_new=include_new,
                                  client=client, settings=settings, base=base)
        finally:
            if client is not None:
                run(client.aclose())
        written = core.write_pull_request(result, title_file=title_file, body_file=body_file, pr_dir=pr_dir)
        job.detail = result.to_json()
        job.update(message=result.summary())
    if json_output:
        click.echo(json.dumps({**result.to_json(), "written": [str(p) for p in written]}, indent=2, sort_keys=True))
        return
    for f in result.files:
        click.echo(f"{f.action:<9} {f.type}/{f.id}" + (f" {f.name!r}" if f.name and f.name != f.id else ""))
    click.echo(result.summary())
    for path in written:
        click.echo(f"wrote {path}")
