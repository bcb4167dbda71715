"""``entragit validate [DIR]``: check a tenant-state tree (schema, canonical form, ids, layout)."""

from __future__ import annotations

from pathlib import Path

import click

from entragit.commands import Ctx, cli
from entragit.state.validate import check_tree


@cli.command()
@click.argument("directory", required=False, metavar="[DIR]",
                type=click.Path(file_okay=False, path_type=Path))
@click.pass_context
def validate(ctx: click.Context, directory: Path | None) -> None:
    """Check a tenant-state tree (default: tenant-state/ in the repository).

    Every file must match its type's JSON Schema, be in canonical form, be named from its object's id
    (no duplicates), sit in a known type folder, and hold no property entragit.yaml excludes as
    personal data (excludeProperties). Exits 2 with one line per problem naming the
    file, object and property; exits 0 with a one-line summary when the tree is valid.
    """
    obj: Ctx = ctx.obj
    root = directory if directory is not None else obj.repo / "tenant-state"
    if not root.is_dir():
        raise click.BadParameter(f"{root} is not a directory", param_hint="DIR")
    from entragit.export import exclusions
    from entragit.settings import load_settings

    report = check_tree(root, exclude=exclusions(load_settings(ctx, repo=obj.repo)))
    for problem in report.problems:
        click.echo(str(problem))
    if not report.ok:
        click.echo(report.summary(), err=True)
        ctx.exit(2)
    click.echo(report.summary())
