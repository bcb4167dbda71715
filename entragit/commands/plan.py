"""``entragit plan``: the changes that bring the live tenant to ``tenant-state/`` (nothing is written)."""

from __future__ import annotations

from pathlib import Path

import click

from entragit.commands import Ctx, cli, complete_types
from entragit.errors import UsageError


@cli.command()
@click.option("--scope-from", "scope_from", metavar="REV_RANGE",
              help="Only objects whose files changed in this git range (A..B), as a merge gives.")
@click.option("--type", "types", multiple=True, metavar="T", shell_complete=complete_types, help="Only this type (repeatable).")
@click.option("--id", "ids", multiple=True, metavar="ID", help="Only this object id or appId (repeatable).")
@click.option("--recreate", multiple=True, metavar="ID",
              help="Recreate this hard-deleted user, application or service principal as a new identity "
                   "(repeatable).")
@click.option("--allow-delete", is_flag=True,
              help="Delete live objects of the scope that are absent from tenant-state/.")
@click.option("--format", "fmt", type=click.Choice(("text", "markdown", "json")), default="text",
              show_default=True)
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), help="Write the plan to this file.")
@click.option("--force", metavar="REASON", help="Pass the safety rails, recording this reason.")
@click.option("--exit-code", is_flag=True,
              help="Exit 8 when the plan writes something (drift), 0 when it is empty (for scripts).")
@click.pass_context
def plan(ctx: click.Context, scope_from: str | None, types: tuple[str, ...], ids: tuple[str, ...],
         recreate: tuple[str, ...], allow_delete: bool, fmt: str, output: Path | None, force: str | None,
         exit_code: bool) -> None:
    """Show what `entragit apply` would change: updates through each property's channel, restores from
    deleted items, recreates with remapped references, link changes, deletes and skips with reasons.

    Exits 2 when tenant-state/ is invalid, 3 when a safety rail refuses the plan (without --force; the plan is
    shown all the same, the refusal on top); with --exit-code, 8 when the plan writes something."""
    from entragit import graph
    from entragit.errors import RefusedError
    from entragit.graph import run
    from entragit.plan.live import prepare
    from entragit.plan.render import render
    from entragit.plan.scope import Scope, scope_from_range
    from entragit.settings import load_settings

    obj = ctx.find_root().obj
    repo = obj.repo if isinstance(obj, Ctx) else Path.cwd()
    if force is not None and not force.strip():
        raise UsageError("--force needs a reason")
    check_output(output, "--output")
    settings = load_settings(ctx, repo=repo)
    scope = scope_from_range(repo, scope_from, types=types, ids=ids) if scope_from else Scope.of(types, ids)
    planning = prepare(settings, scope=scope, recreate=recreate, allow_delete=allow_delete, force=force)

    async def read() -> tuple[dict, dict]:
        async with graph.CLIENT_FACTORY(settings) as client:
            return await planning.read(client)

    live, deleted = run(read())
    result = planning.compute_shown(live, deleted)  # a refused plan is shown too, the refusal on top
    text = render(result, fmt)
    if output is not None:
        output.write_text(text, encoding="utf-8")
        click.echo(f"plan written to {output} (checksum {result.checksum})", err=True)
    else:
        click.echo(text, nl=False)
    if result.refused:
        where = f" (written to {output})" if output is not None else " (shown above)"
        raise RefusedError("the safety rails refuse this plan" + where + ": "
                           + "; ".join(r["message"] for r in result.refused)
                           + ". Override with --force \"<why>\" (in a pull request: the recovery-force label and an "
                             "'Entragit-Force-Reason: <why>' line in its description)")
    if exit_code and result.writes:
        from entragit.errors import DriftFound
        from entragit.plan.render import summary_line

        raise DriftFound(f"the tenant differs from tenant-state/: {summary_line(result)}")


def check_output(path: Path | None, option: str) -> None:
    """An output file's folder must exist: refused (exit 2) before anything is read or written."""
    if path is not None and not path.expanduser().absolute().parent.is_dir():
        raise UsageError(f"{option} {path}: the folder {path.expanduser().absolute().parent} does not exist")
