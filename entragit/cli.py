"""The command line: a thin click surface over the core.

Each command lives in its own module of ``entragit.commands`` and registers itself on ``cli``;
every module there is imported when the CLI starts. Commands parse options and call one function of
the core. Errors are typed (``entragit.errors``) and become one line on stderr plus their exit code.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

import click

from entragit import __version__
from entragit.errors import EntragitError


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


def _load_commands() -> None:
    import entragit.commands as pkg

    for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda m: m.name):
        if not info.name.startswith("_"):
            importlib.import_module(f"{pkg.__name__}.{info.name}")


def main(argv: list[str] | None = None) -> None:
    """Console entry point: user mistakes become one line and a non-zero exit, never a traceback."""
    _load_commands()
    try:
        # without standalone mode click *returns* the code of ctx.exit(n) instead of raising Exit
        code = cli.main(args=argv, prog_name="entragit", standalone_mode=False)
    except EntragitError as exc:
        click.echo(f"entragit: error: {exc}", err=True)
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        click.echo("entragit: canceled", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        click.echo("entragit: canceled", err=True)
        sys.exit(130)
    sys.exit(code if isinstance(code, int) and not isinstance(code, bool) else 0)


_load_commands()
