"""``entragit lock``: the hash-locked requirements file the workflows install entragit from."""

from __future__ import annotations

from pathlib import Path

import click

from entragit.commands import Ctx, cli


@cli.command("lock")
@click.option("--wheel", "wheel", type=click.Path(dir_okay=False, path_type=Path), required=True, metavar="FILE",
              help="entragit's built wheel (pip wheel --no-deps -w dist <entragit source>).")
@click.option("--wheelhouse", type=click.Path(file_okay=False, path_type=Path), required=True, metavar="DIR",
              help="The dependencies' wheels for the workflows' Python and platform (pip download, docs/setup.md).")
@click.option("--python", "python", default="3.11", show_default=True, metavar="X.Y",
              help="The Python version the workflows set up.")
@click.pass_context
def lock(ctx: click.Context, wheel: Path, wheelhouse: Path, python: str) -> None:
    """Pin entragit's wheel and every dependency with their sha256 in .entragit/requirements.txt.

    Copies the wheel into .entragit/wheels/; checks offline that the lock is complete (every requirement of
    every wheel, for Python X.Y on linux x86_64, is in it). Prints the lock's sha256: the administrators'
    workflow pins it (entragit init-admin --lock)."""
    from entragit.gitops.lock import write_lock

    obj = ctx.find_root().obj
    root = obj.repo if isinstance(obj, Ctx) else Path.cwd()
    path, digest = write_lock(root, wheel, wheelhouse, python=python)
    click.echo(f"wrote {path.relative_to(root)} (sha256 {digest})")
