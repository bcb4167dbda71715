"""``entragit demo``: backup, damage, report, revert pull request, apply, on the embedded emulator."""

from __future__ import annotations

from pathlib import Path

import click

from entragit.cli import cli


@cli.command()
@click.option("--keep", type=click.Path(file_okay=False, path_type=Path), default=None, metavar="DIR",
              help="Run in DIR (new or empty) and keep the tenant repository to look around afterwards.")
def demo(keep: Path | None) -> None:
    """Run the whole story on the embedded tenant emulator, in a temporary directory."""
    from entragit.demo import run_demo

    run_demo(keep=keep)
