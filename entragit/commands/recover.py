"""``entragit recover``: the revert branch and its pull request (a thin wrapper over :func:`entragit.recover.recover`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from entragit.commands import Ctx, cli, complete_types, notice
from entragit.errors import UsageError
from entragit.markdown import printable


@cli.command("recover")
@click.option("--from", "source", required=True, metavar="REF",
              help="The backup to go back to: a backup tag (backup/YYYYMMDDTHHMMSSZ) or any commit.")
@click.option("--type", "types", multiple=True, metavar="T", shell_complete=complete_types, help="Only this type (repeatable).")
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
@click.option("--no-plan", is_flag=True, help="Do not read the tenant: no record, no plan, no checksum trailer.")
@click.option("--record/--no-record", default=True, show_default=True,
              help="First record the live tenant as a backup (as `entragit backup` does), so that the revert "
                   "starts from the damage.")
@click.option("--push", is_flag=True, help="Push that backup (commit and tag) as `entragit backup --push` does.")
@click.option("--remote", default="origin", show_default=True, help="Remote for --push.")
@click.option("--remote-lock/--no-remote-lock", default=True, show_default=True,
              help="With --push, hold refs/entragit/lock in the remote while recording.")
@click.option("--lock-wait", type=click.FloatRange(min=0), default=0.0, show_default=True, metavar="SECONDS",
              help="How long to wait for a remote lock held by another job.")
@click.option("--json", "json_output", is_flag=True, help="Print the result as one JSON object.")
@click.pass_context
def recover_command(ctx: click.Context, source: str, types: tuple[str, ...], ids: tuple[str, ...], branch: str | None,
                    include_new: bool, title_file: Path | None, body_file: Path | None, pr_dir: Path | None,
                    base: str | None, no_plan: bool, record: bool, push: bool, remote: str, remote_lock: bool,
                    lock_wait: float, json_output: bool) -> None:
    """Put tenant-state/ of the scope back to REF on a new branch, and write the pull request.

    First the live tenant is recorded as a backup on the current branch (the nightly backup's path, lock and
    push rules; --no-record skips it), so that the branch starts from the damage and the pull request's diff
    is the damage being undone. Files changed since REF get their old content back, files of deleted objects
    are added again, files of objects created since are removed only with --include-new. The working tree
    and the current branch are otherwise left alone. The pull request body holds the difference report and
    the plan (computed against the live tenant) with its checksum, which the commit also carries as an
    Entragit-Plan-Checksum trailer.
    """
    from entragit import graph
    from entragit import recover as core
    from entragit.backups import open_repo
    from entragit.commands.export import graph_configured
    from entragit.commands.plan import check_output
    from entragit.graph import run
    from entragit.jobs import run_job
    from entragit.settings import load_settings

    check_output(title_file, "--title-file")   # before the branch is made: outputs are checked first
    check_output(body_file, "--body-file")
    if pr_dir is not None and pr_dir.exists() and not pr_dir.is_dir():
        raise UsageError(f"--pr-dir {pr_dir}: not a folder")
    obj = ctx.find_root().obj
    repo = open_repo(obj.repo if isinstance(obj, Ctx) else Path.cwd())
    root = Path(repo.working_tree_dir or ".")
    from entragit.plan.scope import range_base

    settings = load_settings(ctx, repo=root, base=range_base(root, None))
    recorded = None
    with run_job(repo, "recover", live=not json_output) as job:
        if record and not no_plan and graph_configured(settings):
            recorded = _record(ctx, repo, source, push=push, remote=remote, remote_lock=remote_lock,
                               lock_wait=lock_wait, job=job)
            if not json_output:
                job.break_line()
                click.echo(f"recorded the live tenant first: {recorded.tag} on {recorded.commit[:12]} "
                           f"({'new commit' if recorded.committed else 'no change since the last backup'})",
                           err=True)
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
    refused = result.plan is not None and result.plan.refused
    if refused:
        click.echo(printable("entragit: warning: the safety rails refuse this plan: "
                   + "; ".join(r["message"] for r in result.plan.refused)
                   + ". The pull request shows it with the refusal on top; merging applies it only with the "
                     "recovery-force label and an 'Entragit-Force-Reason: <why>' line in its description."), err=True)
    if json_output:
        click.echo(json.dumps({**result.to_json(), "written": [str(p) for p in written],
                               "recorded": recorded.to_dict() if recorded is not None else None},
                              indent=2, sort_keys=True))
        return
    for f in result.files:
        click.echo(f"{f.action:<9} {f.type}/{f.id}" + (f" {f.name!r}" if f.name and f.name != f.id else ""))
    click.echo(result.summary())
    for path in written:
        click.echo(f"wrote {path}")


def _record(ctx: click.Context, repo: Any, source: str, *, push: bool, remote: str, remote_lock: bool,
            lock_wait: float, job: Any) -> Any:
    """The live tenant recorded as a backup before the revert is built: the very path of ``entragit backup``
    (its export step, its remote lock when pushing, its push), with a message naming the recovery."""
    from entragit import backups, jobs
    from entragit.commands.backup import EXPORT_STEP, _backup_settings, _trust

    settings = _backup_settings(ctx)
    trust = _trust(ctx)  # retention counts trusted backups only, as `entragit backup`'s does
    step = EXPORT_STEP(ctx, ())

    def export_step(out_dir: Path) -> object:
        job.break_line()
        return step(out_dir)

    def go() -> Any:
        return backups.backup(repo, export_step=export_step, keep=settings.backup_keep, push=push, remote=remote,
                              message=f"entragit recover: the live tenant before recovering to {source}",
                              progress=job.update, warn=lambda text: click.echo(printable(text), err=True),
                              upkeep=settings.backup_upkeep, **trust)

    if push and remote_lock:
        with jobs.remote_lock(repo, "recover", remote=remote, wait=lock_wait,
                              notice=notice):
            return go()
    return go()
