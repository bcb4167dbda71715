"""One module per CLI command (or command group); each registers itself on :func:`cli`, the root group.

The root group and its global options (:class:`Ctx`) live here, below every command module, so that a
command imports nothing above it; :mod:`entragit.cli` loads every module of this package
(:func:`load_commands`) and runs the group with entragit's error handling.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass, field
from pathlib import Path

import click

from entragit import __version__


@dataclass
class Ctx:
    """Global options, resolved later against environment and entragit.yaml (entragit.settings)."""

    repo: Path = field(default_factory=Path.cwd)
    graph_url: str | None = None
    cloud: str | None = None
    verbose: int = 0


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="entragit")
@click.option("--repo", "repo", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Tenant repository (default: the current directory).")
@click.option("--graph-url", envvar="ENTRAGIT_GRAPH_URL", default=None, metavar="URL",
              help="Graph root without version, e.g. https://graph.microsoft.com or http://127.0.0.1:8080 "
                   "[env ENTRAGIT_GRAPH_URL].")
@click.option("--cloud", type=click.Choice(["global", "usgov", "usgovdod", "china"]), default=None,
              help="National cloud whose Graph host receives real credentials.")
@click.option("-v", "--verbose", count=True, help="More detail on stderr.")
@click.pass_context
def cli(ctx: click.Context, repo: Path | None, graph_url: str | None, cloud: str | None, verbose: int) -> None:
    """Back up and recover a Microsoft Entra ID tenant as code, in git."""
    ctx.obj = Ctx(repo=(repo or Path.cwd()).resolve(), graph_url=graph_url, cloud=cloud, verbose=verbose)


def complete_types(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[str]:
    """Shell completion of ``--type``: the resource types' keys."""
    from entragit import resources

    return [rt.key for rt in resources.all_types() if rt.key.lower().startswith(incomplete.lower())]


def notice(line: str) -> None:
    """A notice on stderr, on a line of its own (a job's live line ended first)."""
    from entragit.jobs import end_live_line

    end_live_line()
    click.echo(line, err=True)


def load_commands() -> None:
    """Import every command module of this package (each registers its command on :func:`cli`)."""
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if not info.name.startswith("_"):
            importlib.import_module(f"{__name__}.{info.name}")
