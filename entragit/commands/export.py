"""``entragit export``: Graph → tenant-state/ (a thin wrapper over :func:`entragit.export.run_export`)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from entragit.commands import cli, complete_types
from entragit.errors import ConfigError


def graph_configured(settings: object) -> bool:
    """Whether any Graph endpoint was configured: a Graph URL, a cloud or a tenant (from the command line,
    the environment or entragit.yaml). Without one, export refuses rather than guess an endpoint."""
    sources = getattr(settings, "sources", {})
    return any(sources.get(name, "default") != "default" for name in ("graph_url", "cloud", "tenant_id"))


@cli.command("export")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Tree to write (default: tenant-state/ in the repository).")
@click.option("--type", "types", multiple=True, metavar="T", shell_complete=complete_types,
              help="Export only this type (repeatable; default: every type entragit.yaml selects).")
@click.pass_context
def export(ctx: click.Context, out_dir: Path | None, types: tuple[str, ...]) -> None:
    """Export the tenant into canonical YAML, one file per object.

    Only changed files are written and files of objects gone from the tenant are removed; the tree is
    replaced only when the whole export succeeded. A progress display per type runs on a terminal
    (not in CI); a closing summary gives objects and files per type, Graph requests, resource units, time.
    """
    from entragit.export import Progress, run_export
    from entragit.settings import load_settings

    settings = load_settings(ctx)
    if not graph_configured(settings):
        raise ConfigError("no Graph endpoint configured: pass --graph-url URL (or set ENTRAGIT_GRAPH_URL, e.g. "
                          "http://127.0.0.1:8080 for `entragit emulator serve`), or set tenantId/cloud in "
                          "entragit.yaml for Microsoft Graph")
    result = run_export(settings, out_dir, types=list(types) or None,
                        progress=Progress.for_terminal(sys.stderr))
    for note in result.notes:
        click.echo(f"note: {note}", err=True)
    click.echo(result.summary())
