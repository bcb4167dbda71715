"""``entragit break-glass --reason R -- <entragit apply arguments>``: a recovery from a workstation with an
administrator's own credentials, when no second approver is available (docs/setup.md, "Break-glass").

Recorded loudly, *before* anything is written: an outcome note ``break-glass`` (who, why, when) on the commit
being applied, pushed to ``origin`` (every later backup lists the change with that reason until an apply
records ``applied``), an issue in the tenant repository when the GitHub CLI can open one, and a banner on
stderr. Then ``entragit apply`` runs with the arguments given, and records its own outcome. Entra's audit log
names the administrator's account for every change.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import click

from entragit.commands import Ctx, cli
from entragit.errors import UsageError


def _target(repo: Path, apply_args: tuple[str, ...]) -> tuple[str, str | None]:
    """The commit the apply concerns (the end of ``--scope-from A..B``, else HEAD) and the range, if any."""
    from entragit.backups import open_repo
    from entragit.gitutil import git_run

    scope = None
    for i, arg in enumerate(apply_args):
        if arg == "--scope-from" and i + 1 < len(apply_args):
            scope = apply_args[i + 1]
        elif arg.startswith("--scope-from="):
            scope = arg.split("=", 1)[1]
    end = scope.split("..", 1)[1] if scope and ".." in scope else "HEAD"
    r = open_repo(repo)
    return git_run(r, "rev-parse", "--verify", "--end-of-options", f"{end}^{{commit}}").strip(), scope


@cli.command("break-glass", context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False})
@click.option("--reason", required=True, metavar="TEXT", help="Why the two-person rule is set aside (recorded).")
@click.option("--issue/--no-issue", default=True, show_default=True,
              help="Open an issue in the tenant repository (GitHub CLI, `gh auth login`).")
@click.argument("apply_args", nargs=-1, type=click.UNPROCESSED)
@click.pass_context
def break_glass(ctx: click.Context, reason: str, issue: bool, apply_args: tuple[str, ...]) -> None:
    """Apply without the approval check, recorded loudly first; APPLY_ARGS go to `entragit apply`."""
    from entragit.backups import open_repo, push_notes, record_apply_outcome
    from entragit.gitutil import _config

    if not reason.strip():
        raise UsageError("--reason: say why the two-person rule is set aside")
    obj = ctx.find_root().obj
    root = obj.repo if isinstance(obj, Ctx) else Path.cwd()
    commit, scope = _target(root, apply_args)
    r = open_repo(root)
    who = f"{_config(r, 'user.name') or '?'} <{_config(r, 'user.email') or '?'}>"
    outcome = {"status": "break-glass", "message": f"{reason.strip()} (by {who})", "by": who}
    if scope:
        outcome["range"] = scope
    record_apply_outcome(r, commit, outcome)
    click.echo(f"entragit: BREAK-GLASS recovery of {commit[:12]} by {who}: {reason.strip()}", err=True)
    try:
        push_notes(r)
        click.echo("entragit: the break-glass note is pushed to origin (every backup lists it until applied)",
                   err=True)
    except Exception as exc:  # noqa: BLE001 - loud, but the recovery itself must not depend on GitHub
        click.echo(f"entragit: WARNING: the break-glass note could not be pushed ({exc}); push it: git push "
                   "origin refs/notes/entragit", err=True)
    if issue:
        from entragit import markdown as md

        # the reason and the name are the operator's text, yet rendered on GitHub: escaped like tenant data
        body = (f"A break-glass recovery of {md.code(commit)} was started by {md.text(who)}, without the two-person "
                f"approval check.\n\nReason: {md.text(reason.strip())}\n\nArguments: "
                f"{md.code('entragit apply ' + ' '.join(apply_args))}\n")
        try:
            proc = subprocess.run(["gh", "issue", "create", "--title",
                                   f"entragit: break-glass recovery of {commit[:12]}", "--body", body],
                                  capture_output=True, text=True, cwd=root, timeout=120)
            opened, said = proc.returncode == 0, (proc.stdout if proc.returncode == 0 else proc.stderr or proc.stdout)
        except (OSError, subprocess.TimeoutExpired) as exc:
            opened, said = False, str(exc)
        if opened:
            click.echo(f"entragit: issue opened: {said.strip()}", err=True)
        else:
            click.echo(f"entragit: WARNING: no issue opened ({said.strip()}): open one yourself", err=True)
    code = subprocess.run([sys.executable, "-m", "entragit", "--repo", str(root), "apply", *apply_args],
                          env=dict(os.environ)).returncode
    ctx.exit(code)
