"""``entragit show``, ``entragit log`` (one object across backups) and ``entragit acknowledge`` (a merged change
never meant to be applied): thin wrappers over :mod:`entragit.report.history` and :mod:`entragit.backups`."""

from __future__ import annotations

import json
from pathlib import Path

import click

from entragit.commands import Ctx, cli, complete_types
from entragit.errors import UsageError
from entragit.markdown import printable


def _repo(ctx: click.Context) -> Path:
    from entragit.backups import open_repo

    obj = ctx.find_root().obj
    return Path(open_repo(obj.repo if isinstance(obj, Ctx) else Path.cwd()).working_tree_dir or ".")


def _types(types: tuple[str, ...]) -> tuple[str, ...]:
    """The --type values, each a known type key (an unknown one: exit 2 with a "did you mean")."""
    from entragit import resources

    return tuple(resources.get(t).key for t in types)


@cli.command("show")
@click.argument("query", metavar="ID|NAME")
@click.option("--at", "at", metavar="REF", help="The backup (tag) or commit to read (default: the newest backup).")
@click.option("--type", "types", multiple=True, metavar="T", shell_complete=complete_types,
              help="Only objects of this type (repeatable): picks one of objects sharing a name or an appId.")
@click.option("--json", "json_output", is_flag=True, help="One JSON object (where it was found, and the object).")
@click.pass_context
def show_command(ctx: click.Context, query: str, at: str | None, types: tuple[str, ...], json_output: bool) -> None:
    """An object as a backup recorded it: its tenant-state/ file, found by id, appId or display name."""
    from entragit.report.history import show_object
    from entragit.state import parse_yaml

    found = show_object(_repo(ctx), query, at, _types(types))
    if json_output:
        click.echo(json.dumps({**found.to_json(), "object": parse_yaml(found.text, found.path)}, indent=2,
                              sort_keys=True, ensure_ascii=False, default=str))
        return
    click.echo(printable(f"# {found.path} at {found.ref} ({found.commit[:12]})"), err=True)
    click.echo(printable(found.text), nl=False)


@cli.command("log")
@click.argument("query", metavar="ID|NAME")
@click.option("--type", "types", multiple=True, metavar="T", shell_complete=complete_types,
              help="Only objects of this type (repeatable): picks one of objects sharing a name or an appId.")
@click.option("--json", "json_output", is_flag=True, help="A JSON object instead of text.")
@click.pass_context
def log_command(ctx: click.Context, query: str, types: tuple[str, ...], json_output: bool) -> None:
    """An object's history across the backups, oldest first: created, modified (which properties), unchanged,
    deleted; found by id, appId or display name (also one deleted since)."""
    from entragit.report.history import object_log

    (key, obj_id, name), entries = object_log(_repo(ctx), query, _types(types))
    if json_output:
        click.echo(json.dumps({"type": key, "id": obj_id, "displayName": name,
                               "backups": [e.to_json() for e in entries]}, indent=2, ensure_ascii=False))
        return
    click.echo(printable(f"{key}/{obj_id} {name!r}"))
    for entry in entries:
        click.echo(printable("  " + entry.line()))


@cli.command("acknowledge")
@click.argument("commits", nargs=-1, required=True, metavar="COMMIT...")
@click.option("--reason", required=True, metavar="TEXT", help="Why it is not to be applied (recorded).")
@click.option("--push", is_flag=True, help="Push the notes (refs/notes/entragit) to the remote.")
@click.option("--remote", default="origin", show_default=True, help="Remote for --push.")
@click.pass_context
def acknowledge_command(ctx: click.Context, commits: tuple[str, ...], reason: str, push: bool, remote: str) -> None:
    """Mark merged changes to tenant-state/ as never meant to be applied: backups stop listing them as
    "never applied". Only commits listed so (by `entragit backup`) are accepted; the reason is recorded in
    their apply-outcome note."""
    from entragit.backups import fetch_notes, open_repo, push_notes, record_apply_outcome, unapplied_changes
    from entragit.gitutil import git_result

    if not reason.strip():
        raise UsageError("--reason needs a text")
    repo = open_repo(_repo(ctx))
    if push:
        fetch_notes(repo, remote)
    waiting = {u.commit: u for u in unapplied_changes(repo)}
    picked = []
    for given in commits:
        status, out, _ = git_result(repo, "rev-parse", "--verify", "--quiet", "--end-of-options",
                                    f"{given}^{{commit}}")
        sha = out.strip() if status == 0 else ""
        if not sha:
            raise UsageError(f"{given!r}: no such commit")
        if sha not in waiting:
            raise UsageError(f"{given}: not a merged change waiting to be applied (see the unapplied changes "
                             "`entragit backup` lists)")
        picked.append(waiting[sha])
    for change in picked:
        record_apply_outcome(repo, change.commit, {"status": "acknowledged", "message": reason.strip()})
        click.echo(printable(f"acknowledged {change.commit[:12]} {change.subject}: {reason.strip()}"))
    if push:
        push_notes(repo, remote)
        click.echo(f"pushed the notes to {remote}")
