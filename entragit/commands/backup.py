"""``entragit backup``, ``entragit backups``, ``entragit verify``: thin wrappers over entragit.backups."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import click

from entragit import backups as core
from entragit import jobs
from entragit.commands import Ctx, cli, complete_types, notice
from entragit.errors import ConfigError, UsageError
from entragit.markdown import printable


def _ctx(ctx: click.Context) -> Ctx:
    obj = ctx.find_root().obj
    return obj if isinstance(obj, Ctx) else Ctx()


def _graph_export_step(ctx: click.Context, types: tuple[str, ...]) -> core.ExportStep:
    """The real exporter (:func:`entragit.export.run_nightly`): Graph, or the emulator at --graph-url;
    incremental from the delta state of the newest backup when there is a usable one
    (:mod:`entragit.backups.deltastate`), else a full export that says why."""
    from entragit.commands.export import graph_configured
    from entragit.export import Progress, run_nightly
    from entragit.resources import get
    from entragit.settings import load_settings

    settings = load_settings(ctx, repo=_root(ctx))
    if not graph_configured(settings):
        raise ConfigError("no Graph endpoint configured: pass --graph-url URL (or set ENTRAGIT_GRAPH_URL, e.g. "
                          "http://127.0.0.1:8080 for `entragit emulator serve`), or set tenantId/cloud in "
                          "entragit.yaml for Microsoft Graph")
    for key in types:
        get(key)    # an unknown type fails before the job starts, naming the known ones

    def step(out_dir: Path) -> core.ExportSummary:
        usable = core.deltastate.usable(out_dir.parent)
        result = run_nightly(settings, out_dir, types=list(types) or None,
                             previous=usable.state.export if usable.ok and usable.state else None,
                             unusable=usable.reason, progress=Progress.for_terminal(sys.stderr))
        for note in result.notes:
            click.echo(f"note: {note}", err=True)
        for warning in result.warnings:
            click.echo(f"warning: {warning}", err=True)
        if result.fallback and settings.backup_incremental:
            click.echo(f"note: full export: {result.fallback}", err=True)
        summary = core.ExportSummary.coerce(result)
        summary.tenant_id = summary.tenant_id or settings.tenant_id
        summary.graph_url = settings.graph_root
        return summary

    return step


# The one line that chooses the export step of `entragit backup`.
EXPORT_STEP = _graph_export_step


def _root(ctx: click.Context) -> Path:
    """The working tree of the tenant repository (``--repo`` may name a folder inside it)."""
    return Path(core.open_repo(_ctx(ctx).repo).working_tree_dir or ".")


def _backup_settings(ctx: click.Context) -> Any:
    from entragit.settings import load_settings

    return load_settings(ctx, repo=_root(ctx))


def _trust(ctx: click.Context, allowed_signers: Path | None = None, require_signature: bool = False) -> dict[str, Any]:
    """Which backups are trusted: the options, else ``backup.allowedSigners`` / ``backup.requireSignature``."""
    from entragit.settings import load_settings

    settings = load_settings(ctx, repo=_root(ctx))
    signers = allowed_signers or settings.signers_file()
    if signers is not None and not Path(signers).is_file():
        raise UsageError(f"allowed-signers file not found: {signers}")
    # an allowed-signers file says backups are signed: an unsigned one is then not trusted
    return {"allowed_signers": signers,
            "require_signature": require_signature or settings.require_signature or signers is not None}


SIGNERS_OPTION = click.option(
    "--allowed-signers", "allowed_signers", type=click.Path(dir_okay=False, path_type=Path), default=None,
    metavar="FILE", help="ssh allowed-signers file checking tag signatures; unsigned backups are then not trusted "
                         "(default: backup.allowedSigners of entragit.yaml).")


@cli.command("backup")
@click.option("--keep", type=click.IntRange(min=1), default=None,
              help="Backup tags kept, oldest pruned (default: entragit.yaml backup.keep, else 5).")
@click.option("--push", is_flag=True, help="Push the commit and tag to the remote, delete pruned tags there.")
@click.option("--remote", default="origin", show_default=True, help="Remote for --push.")
@click.option("-m", "--message", default=None, help="A note recorded in the commit and the manifest.")
@click.option("--sign", is_flag=True, help="Sign the tag with git's signing configuration (git tag -s).")
@click.option("--type", "types", multiple=True, metavar="T", shell_complete=complete_types, help="Export only this type (repeatable).")
@click.option("--json", "json_output", is_flag=True, help="Print the job as one JSON object at the end.")
@click.option("--summary", "summary_file", type=click.Path(dir_okay=False), envvar="GITHUB_STEP_SUMMARY",
              default=None,
              help="Append a Markdown summary to this file [env GITHUB_STEP_SUMMARY].")
@click.option("--remote-lock/--no-remote-lock", default=True, show_default=True,
              help="With --push, hold refs/entragit/lock in the remote while backing up.")
@click.option("--lock-wait", type=click.FloatRange(min=0), default=0.0, show_default=True, metavar="SECONDS",
              help="How long to wait for a remote lock held by another job.")
@SIGNERS_OPTION
@click.pass_context
def backup_command(ctx: click.Context, keep: int | None, push: bool, remote: str, message: str | None,
                   sign: bool, types: tuple[str, ...], json_output: bool, summary_file: str | None,
                   remote_lock: bool, lock_wait: float, allowed_signers: Path | None) -> None:
    """Export the tenant into tenant-state/, commit what changed and tag the backup.

    Retention (--keep) counts trusted backups only, newest by position in the branch's first-parent history;
    tags that are not trusted (see `entragit backups`) are reported, never counted nor deleted."""
    repo = core.open_repo(_ctx(ctx).repo)
    settings = _backup_settings(ctx)
    keep = keep or settings.backup_keep
    trust = _trust(ctx, allowed_signers)
    step = EXPORT_STEP(ctx, types)

    def warn(text: str) -> None:
        job.break_line()
        click.echo(printable(text), err=True)
        if os.environ.get("GITHUB_ACTIONS") == "true":
            # an annotation on the run (GitHub's workflow command), so a merge that never reached the tenant (a
            # merge with the workflow token starts no recovery) is seen without opening the log
            first = " ".join(text.split("\n", 1)[0].split()).removeprefix("warning: ")
            click.echo(f"::warning title=entragit backup::{first}")

    def export_step(out_dir: Path) -> object:
        job.break_line()         # the exporter draws its own progress below the job's line
        return step(out_dir)

    with jobs.run_job(repo, "backup", json_output=json_output) as job:
        if push and remote_lock:
            with _remote_lock(repo, remote, lock_wait):
                result = core.backup(repo, export_step=export_step, keep=keep, push=push, message=message,
                                     sign=sign, remote=remote, progress=job.update, warn=warn,
                                     upkeep=settings.backup_upkeep, **trust)
        else:
            result = core.backup(repo, export_step=export_step, keep=keep, push=push, message=message,
                                 sign=sign, remote=remote, progress=job.update, warn=warn,
                                 upkeep=settings.backup_upkeep, **trust)
        job.detail = result.to_dict()
        job.message = f"{result.tag} on {result.commit[:12]}"
    if summary_file:            # "" (an unset $GITHUB_STEP_SUMMARY expanded) means none
        with Path(summary_file).open("a", encoding="utf-8") as fh:
            fh.write(core.render_backup(result, "markdown"))
    if not json_output:
        click.echo(core.render_backup(result), nl=False)
    elif result.unapplied:
        click.echo(core.render_unapplied_warning(result.unapplied), err=True)


def _remote_lock(repo: Any, remote: str, wait: float) -> Any:
    return jobs.remote_lock(repo, "backup", remote=remote, wait=wait,
                       notice=notice)


@cli.command("backups")
@click.option("--json", "json_output", is_flag=True, help="A JSON list instead of text.")
@click.option("--newest", is_flag=True,
              help="Print only the newest trusted backup's tag (a recovery's default source); exit 2 if none.")
@SIGNERS_OPTION
@click.option("--require-signature", is_flag=True, help="Unsigned backups are not trusted.")
@click.pass_context
def backups_command(ctx: click.Context, json_output: bool, newest: bool, allowed_signers: Path | None,
                    require_signature: bool) -> None:
    """The tagged backups, newest first: time, commit, object counts, changes since the previous one.

    Newest means by position in the default branch's first-parent history, never by tag name or date (anyone
    who can push can name a tag); tags that do not verify, lie off that history or are dated in the future
    come last, marked NOT TRUSTED with the reason."""
    trust = _trust(ctx, allowed_signers, require_signature)
    if newest:
        from entragit.backups.trust import newest_trusted

        found = newest_trusted(_ctx(ctx).repo, **trust)
        if found is None:
            raise UsageError("no trusted backup (see `entragit backups`): run the backup workflow first")
        click.echo(found.tag)
        return
    infos = core.list_backups(_ctx(ctx).repo, **trust)
    if json_output:
        click.echo(json.dumps([i.to_dict() for i in infos], indent=2, sort_keys=True))
    else:
        click.echo(core.render_backups(infos), nl=False)


@cli.command("verify")
@click.argument("tag", required=False)
@click.option("--all", "all_tags", is_flag=True, help="Verify every backup tag.")
@click.option("--deep", is_flag=True, help="Also re-hash every object of the backup (slower).")
@click.option("--require-signature", is_flag=True, help="Fail backups whose tag is not signed.")
@SIGNERS_OPTION
@click.option("--json", "json_output", is_flag=True, help="A JSON list of results instead of text.")
@click.pass_context
def verify_command(ctx: click.Context, tag: str | None, all_tags: bool, deep: bool, require_signature: bool,
                   allowed_signers: Path | None, json_output: bool) -> None:
    """Prove a backup intact (default: the newest trusted one): tag -> commit -> tree, digest, signature."""
    if tag and all_tags:
        raise UsageError("give a TAG or --all, not both")
    repo = _ctx(ctx).repo
    trust = _trust(ctx, allowed_signers, require_signature)
    if all_tags:
        results = core.verify_all(repo, deep=deep, **trust)
    else:
        results = [core.verify(repo, tag, deep=deep, **trust)]
    if json_output:
        click.echo(json.dumps([r.to_dict() for r in results], indent=2, sort_keys=True))
    else:
        click.echo(core.render_verify(results), nl=False)
    failed = [r.tag for r in results if not r.ok]
    if failed:
        raise core.IntegrityError(f"{len(failed)} of {len(results)} backup(s) failed verification: "
                                  f"{', '.join(failed)}")
