"""``entragit apply``: write tenant-state/ back to the tenant (a thin wrapper over :func:`entragit.apply.run_apply`)."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

import click

from entragit.commands import Ctx, cli, complete_types, notice
from entragit.errors import ConfigError, DriftError, EntragitError, PartialFailure, RefusedError, UsageError


def _has_remote(repo: Any, remote: str) -> bool:
    from entragit.backups import git_result
    from entragit.gitutil import plain_arg

    return git_result(repo, "remote", "get-url", plain_arg(remote, "--remote"))[0] == 0


def _check_password_file(path: Path | None, root: Path) -> Path | None:
    """The password file must not be inside the repository (the password never reaches git)."""
    if path is None:
        return None
    path = path.expanduser().absolute()
    if not path.parent.is_dir():
        raise UsageError(f"--password-file {path}: the folder {path.parent} does not exist")
    if path.resolve().is_relative_to(root.resolve()):
        raise UsageError(f"--password-file {path}: inside the repository; name a file outside it (a generated "
                         "password never goes into git)")
    return path


@cli.command("apply")
@click.option("--scope-from", "scope_from", metavar="REV_RANGE",
              help="Only objects whose files changed in this git range (A..B), as a merge gives.")
@click.option("--type", "types", multiple=True, metavar="T", shell_complete=complete_types, help="Only this type (repeatable).")
@click.option("--id", "ids", multiple=True, metavar="ID", help="Only this object id or appId (repeatable).")
@click.option("--checksum", metavar="SUM", help="Refuse (exit 3) unless the plan has this checksum (as reviewed).")
@click.option("--recreate", multiple=True, metavar="ID",
              help="Recreate this hard-deleted user, application or service principal as a new identity "
                   "(repeatable).")
@click.option("--password-file", type=click.Path(dir_okay=False, path_type=Path), metavar="F",
              help="Where generated passwords of recreated users go (mode 0600; outside the repository).")
@click.option("--allow-delete", is_flag=True, help="Delete live objects of the scope absent from tenant-state/.")
@click.option("--yes", "-y", is_flag=True, help="Apply without asking (needed when stdin is not a terminal).")
@click.option("--dry-run", is_flag=True, help="Compute and show the plan; write nothing.")
@click.option("--force", metavar="REASON", help="Pass the safety rails, recording this reason.")
@click.option("--format", "fmt", type=click.Choice(("text", "json")), default="text", show_default=True)
@click.option("--remote", default="origin", show_default=True,
              help="When the repository has this remote: hold its lock ref while applying, push the outcome note.")
@click.option("--remote-lock/--no-remote-lock", default=True, show_default=True,
              help="Hold refs/entragit/lock in the remote (when it exists) while applying.")
@click.option("--lock-wait", type=click.FloatRange(min=0), default=0.0, show_default=True, metavar="SECONDS",
              help="How long to wait for a remote lock held by another job.")
@click.pass_context
def apply_command(ctx: click.Context, scope_from: str | None, types: tuple[str, ...], ids: tuple[str, ...],
                  checksum: str | None, recreate: tuple[str, ...], password_file: Path | None, allow_delete: bool,
                  yes: bool, dry_run: bool, force: str | None, fmt: str, remote: str, remote_lock: bool,
                  lock_wait: float) -> None:
    """Write tenant-state/ to the tenant: recompute the plan, refuse if --checksum differs, then a line per
    change (ok, failed: reason, skipped), and the residual drift found by reading the scope again.

    Exit codes: 0 done, 2 bad input, 3 refused (safety rail, checksum, a backup commit), 4 some changes
    failed, 5 residual drift. The outcome is recorded on the applied commit (git notes, refs/notes/entragit);
    the repository itself is never edited.
    """
    from entragit import apply as core
    from entragit import graph
    from entragit.apply.outcome import LinePrinter
    from entragit.backups import fetch_notes, open_repo, push_notes
    from entragit.commands.export import graph_configured
    from entragit.graph import run
    from entragit.jobs import JobState, run_job
    from entragit.jobs import remote_lock as hold_remote_lock
    from entragit.settings import load_settings

    obj = ctx.find_root().obj
    repo = open_repo(obj.repo if isinstance(obj, Ctx) else Path.cwd())
    root = Path(repo.working_tree_dir or ".")
    if force is not None and not force.strip():
        raise UsageError("--force needs a reason")
    if checksum is not None and not re.fullmatch(r"[0-9a-fA-F]{12,64}", checksum.strip()):
        raise UsageError(f"--checksum {checksum!r}: not a plan checksum (12 to 64 hex digits of the sha256 a "
                         "plan shows)")
    password_file = _check_password_file(password_file, root)
    from entragit.plan.scope import range_base

    settings = load_settings(ctx, repo=root, base=range_base(root, scope_from))
    if not graph_configured(settings):
        raise ConfigError("no Graph endpoint configured: pass --graph-url URL (or set ENTRAGIT_GRAPH_URL), or set "
                          "tenantId/cloud in entragit.yaml for Microsoft Graph")
    if not (yes or dry_run or sys.stdin.isatty()):
        raise UsageError("stdin is not a terminal: pass --yes to apply without confirmation (or --dry-run)")
    head = rev_range = None
    if scope_from:
        head = core.check_range_head(root, scope_from)      # a backup commit is refused before anything
        rev_range = core.resolve_range(root, scope_from)
    else:
        head = repo.head.commit.hexsha if repo.head.is_valid() else None
        try:
            if head is not None:
                core.check_worktree_matches(root, head)
        except UsageError:
            head = None                                      # local edits: the outcome belongs to no commit
    request = core.ApplyRequest(scope_from=scope_from, types=types, ids=ids, checksum=checksum, recreate=recreate,
                                password_file=password_file, force=force, dry_run=dry_run,
                                allow_delete=allow_delete)
    text = fmt == "text"
    use_remote = _has_remote(repo, remote)
    if use_remote:
        # the new ids earlier applies recorded and pushed (a fresh clone has none of its own)
        try:
            fetch_notes(repo, remote)
        except EntragitError as exc:
            click.echo(f"entragit: warning: could not fetch the apply notes from {remote}: {exc}", err=True)

    names: dict[str, str] = {}

    def emit(line: str) -> None:
        job.break_line()
        click.echo(line)

    # a line per row, as the plan reads (the link changes of one object and link that ended alike share one)
    printer = LinePrinter(emit, names)

    def show(outcome: core.Outcome) -> None:
        if text:
            printer.add(outcome)

    def confirm(plan: Any) -> bool:
        if yes:
            return True
        from entragit.plan.render import render_text

        job.break_line()
        click.echo(render_text(plan), err=True, nl=False)
        n = len(plan.writes)
        question = "Apply this change to the tenant?" if n == 1 else f"Apply these {n} changes to the tenant?"
        return click.confirm(question, default=False, err=True)

    def planned(plan: Any) -> None:
        names.update(plan.names)
        verb = "checking" if dry_run else "applying"
        job.update(JobState.IN_PROGRESS, f"{verb} {len(plan.writes)} change(s), checksum {plan.checksum[:12]}")

    scope = {k: list(v) for k, v in (("types", types), ("ids", ids)) if v}
    made: dict[str, dict[str, Any]] = {}  # the new ids as they are made (what a stopped run records)

    async def checkpoint(new_ids: dict[str, dict[str, Any]]) -> None:
        """Record the new ids before the plan's last steps (the unmarking of created objects), pushed: a
        re-run on any clone matches them even after those steps (entragit.apply.creates)."""
        if head is None or dry_run:
            return
        try:
            core.record_interrupted(root, head, new_ids, rev_range=rev_range, scope=scope,
                                    reason="stopped before its last steps")
            if use_remote:
                push_notes(repo, remote)
        except EntragitError as exc:
            click.echo(f"entragit: warning: could not record the new ids on {head[:12]}: {exc}", err=True)
            raise

    async def go() -> core.ApplyResult:
        async with graph.CLIENT_FACTORY(settings) as client:
            return await core.run_apply(root, client, request, settings=settings, on_event=show, confirm=confirm,
                                        on_plan=planned, checkpoint=checkpoint, new_ids=made)

    result: core.ApplyResult | None = None
    error: EntragitError | None = None
    recorded = False

    def record(outcome: core.ApplyResult | None, failure: EntragitError | None) -> None:
        """The outcome as a git note on the head commit, pushed while the remote lock is still held (a
        backup taking the lock right after must see it, or it would list the merge as never applied)."""
        nonlocal recorded
        if recorded or head is None or dry_run or not (outcome is not None or isinstance(failure, RefusedError)):
            return
        recorded = True
        try:
            core.record_outcome(root, head, outcome, rev_range=rev_range, error=failure, scope=scope)
            if use_remote:
                push_notes(repo, remote)
        except EntragitError as exc:
            click.echo(f"entragit: warning: could not record the apply outcome on {head[:12]}: {exc}", err=True)

    def apply_and_record() -> core.ApplyResult:
        try:
            outcome = run(go())
        except RefusedError as exc:
            record(None, exc)
            raise
        except KeyboardInterrupt as exc:
            # stopped (SIGTERM, Ctrl-C): what it made is recorded, so that the next plan lists and matches it
            if made and head is not None and not dry_run:
                try:
                    core.record_interrupted(root, head, made, rev_range=rev_range, scope=scope,
                                            reason=f"stopped ({exc.args[0] if exc.args else 'interrupted'})")
                    if use_remote:
                        push_notes(repo, remote)
                except EntragitError:
                    pass  # the tenant keeps the create keys: the next plan finds what was made anyway
            raise
        finally:
            printer.flush()
        failure = outcome.error()
        if failure is None or isinstance(failure, (RefusedError, PartialFailure, DriftError)):
            record(outcome, failure)
        return outcome

    try:
        with run_job(repo, "apply", live=text) as job:
            if use_remote and remote_lock and not dry_run:
                with hold_remote_lock(repo, "apply", remote=remote, wait=lock_wait,
                                      notice=notice):
                    result = apply_and_record()
            else:
                result = apply_and_record()
            job.detail = result.to_json()
            job.update(message=result.summary())
            failure = result.error()
            if failure is not None:
                raise failure
    except (RefusedError, PartialFailure, DriftError) as exc:
        error = exc
    record(result, error)  # when nothing above could (e.g. refused before the lock was taken)
    if result is not None:
        click.echo(result.render(fmt, lines=False), nl=False)
    if error is not None:
        raise error
