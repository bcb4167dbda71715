"""``entragit init [DIR]``: scaffold a tenant repository (workflows, settings, CODEOWNERS, schemas, install lock);
``entragit init-admin DIR``: the administrators' repository holding the writer's workflow."""

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
@click.option("--admin-repo", metavar="OWNER/REPO", default=None,
              help="The administrators' repository whose entragit-apply.yml recover.yml calls (default: a "
                   "placeholder to replace; see `entragit init-admin`).")
@click.option("--wheel", type=click.Path(dir_okay=False, path_type=Path), default=None, metavar="FILE",
              help="entragit's built wheel, pinned in the install lock .entragit/requirements.txt.")
@click.option("--wheelhouse", type=click.Path(file_okay=False, path_type=Path), default=None, metavar="DIR",
              help="The dependencies' wheels for the lock (pip download; docs/setup.md).")
@click.pass_context
def init(ctx: click.Context, directory: Path | None, force: bool, tenant_id: str | None,
         init_cloud: str | None, owners: str | None, admin_repo: str | None, wheel: Path | None,
         wheelhouse: Path | None) -> None:
    """Scaffold a tenant repository in DIR (default: the repository, i.e. the current directory).

    Writes the GitHub Actions workflows (backup, difference report, plan, publish plan, recover), a commented
    entragit.yaml, .github/CODEOWNERS, .github/dependabot.yml, .gitattributes, a README, an empty tenant-state/
    and the JSON Schemas of its files; with --wheel and --wheelhouse, the install lock. Runs `git init` when DIR
    is not a repository. Refuses to overwrite existing files unless --force; a README.md already there (GitHub
    writes one into a new repository) is kept and entragit's guide is written as ENTRAGIT.md. Next: the app
    registrations and repository settings of docs/setup.md, and `entragit doctor`.
    """
    from entragit.init import DEFAULT_ADMIN, DEFAULT_OWNERS, scaffold

    obj: Ctx = ctx.obj
    root = (directory if directory is not None else obj.repo).resolve()
    result = scaffold(root, tenant_id=tenant_id, cloud=init_cloud or obj.cloud, owners=owners, force=force,
                      admin_repo=admin_repo, wheel=wheel, wheelhouse=wheelhouse)
    if result.git_initialized:
        click.echo(f"Initialized a git repository in {root}")
    for path in result.written:
        click.echo(f"wrote {path.relative_to(root)}")
    for path in result.kept:
        click.echo(f"kept {path.relative_to(root)} (entragit's guide is ENTRAGIT.md)")
    if result.unignored:
        click.echo(f".gitignore ignored some of these files: added {' '.join(result.unignored)} at its end, so "
                   "that git adds them")
    click.echo(f"{len(result.written)} files written in {root}.")
    if owners is None:
        click.echo(f"Replace {DEFAULT_OWNERS} in .github/CODEOWNERS with the team that administers the tenant.")
    if admin_repo is None:
        click.echo(f"Replace {DEFAULT_ADMIN} in .github/workflows/recover.yml with the administrators' repository "
                   "(entragit init-admin), or run again with --admin-repo OWNER/REPO --force.")
    if result.lock_sha256:
        click.echo(f"Install lock .entragit/requirements.txt: sha256 {result.lock_sha256} (pin it with "
                   "entragit init-admin --lock-sha256).")
    else:
        click.echo("No install lock yet: the workflows install from .entragit/requirements.txt; make it with "
                   "`entragit lock --wheel FILE --wheelhouse DIR` (docs/setup.md).")
    click.echo("Next: list the approvers' GitHub user ids in entragit.yaml (recovery.approvers), create the two app "
               "registrations and the repository variables ENTRAGIT_TENANT_ID and ENTRAGIT_READER_CLIENT_ID, then "
               "`entragit doctor` for the federated credentials (entragit's docs/setup.md).")


@cli.command("init-admin")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--tenant-repo", required=True, metavar="OWNER/REPO", help="The tenant repository that calls it.")
@click.option("--tenant-id", required=True, metavar="GUID", help="The tenant (directory) id.")
@click.option("--writer-client-id", required=True, metavar="GUID", help="The writer's application (client) id.")
@click.option("--approver", "approvers", multiple=True, required=True, metavar="ID",
              help="Numeric GitHub user id of a person who may approve a recovery (repeatable).")
@click.option("--approvals", type=int, default=1, show_default=True, metavar="N",
              help="Approvals a recovery change needs at least (the tenant repository's recovery.approvals may ask "
                   "for more, never for fewer).")
@click.option("--lock-sha256", default=None, metavar="HEX",
              help="sha256 of the tenant repository's .entragit/requirements.txt (default: read it from --lock).")
@click.option("--lock", "lock_file", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="The tenant repository's .entragit/requirements.txt (default: the one of --repo).")
@click.option("--force", is_flag=True, help="Overwrite files that already exist.")
@click.pass_context
def init_admin(ctx: click.Context, directory: Path, tenant_repo: str, tenant_id: str, writer_client_id: str,
               approvers: tuple[str, ...], approvals: int, lock_sha256: str | None, lock_file: Path | None,
               force: bool) -> None:
    """Scaffold the administrators' repository in DIR: the only workflow that may sign in as the writer.

    Pins the tenant repository, the tenant and writer ids, the approvers and the install lock's digest. Keep
    DIR's GitHub repository changeable by the tenant's administrators only (docs/setup.md)."""
    import hashlib

    from entragit.errors import UsageError
    from entragit.init import scaffold_admin
    from entragit.settings import user_ids

    obj: Ctx = ctx.obj
    if lock_sha256 is None:
        lock = lock_file or (obj.repo / ".entragit" / "requirements.txt")
        if not lock.is_file():
            raise UsageError(f"no install lock at {lock}: give --lock FILE or --lock-sha256 HEX")
        lock_sha256 = hashlib.sha256(lock.read_bytes()).hexdigest()
    try:
        ids = user_ids(list(approvers))
    except ValueError as exc:
        raise UsageError(f"--approver: expected {exc}") from None
    root = directory.resolve()
    result = scaffold_admin(root, tenant_repo=tenant_repo, tenant_id=tenant_id, writer_client_id=writer_client_id,
                            approvers=ids, approvals=approvals, lock_sha256=lock_sha256, force=force)
    if result.git_initialized:
        click.echo(f"Initialized a git repository in {root}")
    for path in result.written:
        click.echo(f"wrote {path.relative_to(root)}")
    click.echo(f"Push it to a repository only the tenant's administrators can change, allow its workflows to be used "
               f"by {tenant_repo} (Settings > Actions > General > Access), and run `entragit doctor` in the tenant "
               "repository for the writer's federated credential.")
