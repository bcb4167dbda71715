"""``entragit doctor``: the exact OIDC subjects to register per job, read from GitHub, and setup problems."""

from __future__ import annotations

import json
import os
from pathlib import Path

import click

from entragit.commands import Ctx, cli
from entragit.errors import EntragitError


class DoctorFound(EntragitError):
    """`entragit doctor` found problems (printed above)."""


@cli.command("doctor")
@click.option("--repository", metavar="OWNER/REPO", default=None,
              help="The tenant repository on GitHub (default: GITHUB_REPOSITORY, else the origin remote).")
@click.option("--admin-workflow", type=click.Path(dir_okay=False, path_type=Path), default=None, metavar="FILE",
              help="A local copy of the administrators' entragit-apply.yml (its environment changes the subject).")
@click.option("--json", "json_output", is_flag=True, help="One JSON object instead of text.")
@click.pass_context
def doctor(ctx: click.Context, repository: str | None, admin_workflow: Path | None, json_output: bool) -> None:
    """Print the federated credentials each job needs, read from GitHub, and what keeps the setup from holding.

    Reads the repository (ids, default branch) and its OIDC subject template
    (GET /repos/{owner}/{repo}, GET /repos/{owner}/{repo}/actions/oidc/customization/sub) through the GitHub CLI
    (`gh auth login`), and the workflows in .github/workflows. Exits 1 when it finds a problem."""
    from entragit.gitops.doctor import diagnose, render, repository_slug
    from entragit.gitops.github import GitHub

    obj = ctx.find_root().obj
    root = obj.repo if isinstance(obj, Ctx) else Path.cwd()
    slug = repository_slug(root, repository, dict(os.environ))
    found = diagnose(root, GitHub(), slug, admin_workflow=admin_workflow)
    if json_output:
        click.echo(json.dumps(found.to_dict(), indent=2))
    else:
        click.echo(render(found), nl=False)
    if found.problems:
        raise DoctorFound(f"{len(found.problems)} problem(s) in the setup of {slug} (listed above)")
