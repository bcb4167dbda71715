"""``entragit init [DIR]``: scaffold a tenant repository (workflows, settings, CODEOWNERS, schemas)."""

from __future__ import annotations

from pathlib import Path

import click

from entragit.commands import Ctx, cli
from entragit.settings import CLOUD_NAMES


@cli.command("init")
@click.argument("directory", required=False, metavar="[DIR]",
                type=click.Path(file_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite files that already exist.")
@click.option("--tenant-id", metavar="ID", default=None,
              help="The tenant (directory) id or a verified domain, written to entragit.yaml.")
@click.option("--cloud", "init_cloud", type=click.Choice(CLOUD_NAMES), default=None,
              help="National cloud written to entragit.yaml (default: the global --cloud, else global).")
@click.option("--owners", metavar="OWNERS", default=None,
              help="Code owners of tenant-state/ and .github/, e.g. '@contoso/entra-admins' "
                   "(default: a placeholder to replace).")
@click.pass_context
def init(ctx: click.Context, directory: Path | None, force: bool, tenant_id: str | None,
         init_cloud: str | None, owners: str | None) -> None:
    """Scaffold a tenant repository in DIR (default: the repository, i.e. the current directory).

    Writes the GitHub Actions workflows (backup, difference report, plan, recover), a commented
    entragit.yaml, .github/CODEOWNERS, .gitattributes, a README, an empty tenant-state/ and the JSON
    Schemas of its files; runs `git init` when DIR is not a repository. Refuses to overwrite existing files
    unless --force. Next: the app registrations and repository settings of docs/setup.md.
    """
    from entragit.init import DEFAULT_OWNERS, scaffold

    obj: Ctx = ctx.obj
    root = (directory if directory is not None else obj.repo).resolve()
    result = scaffold(root, tenant_id=tenant_id, cloud=init_cloud or obj.cloud, owners=owners, force=force)
    if result.git_initialized:
        click.echo(f"Initialized a git repository in {root}")
    for path in result.written:
        click.echo(f"wrote {path.relative_to(root)}")
    click.echo(f"{len(result.written)} files written in {root}.")
    if owners is None:
        click.echo(f"Replace {DEFAULT_OWNERS} in .github/CODEOWNERS with the team that administers the tenant.")
    click.echo("Next: create the two app registrations, the federated credentials, the entra-recovery "
               "environment and the repository variables ENTRAGIT_TENANT_ID, ENTRAGIT_READER_CLIENT_ID and "
               "ENTRAGIT_WRITER_CLIENT_ID (entragit's docs/setup.md).")
