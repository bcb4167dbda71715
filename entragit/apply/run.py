"""The whole ``entragit apply``: validate, plan against the live tenant, compare the reviewed checksum, apply,
follow restores up, re-read (residual drift); and the outcome recorded on the applied commit (git notes)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from entragit.apply.applier import apply_plan
from entragit.apply.outcome import ApplyResult, EventHandler
from entragit.backups import STATE_DIR, TRAILER, is_backup_commit, record_apply_outcome
from entragit.errors import Declined, EntragitError, RefusedError, UsageError
from entragit.gitutil import git_result, open_repo
from entragit.markdown import plural
from entragit.plan.live import prepare
from entragit.plan.model import Kind, Plan
from entragit.plan.scope import Scope, parse_range, scope_from_range
from entragit.settings import load_settings


@dataclass
class ApplyRequest:
    """What ``entragit apply`` was asked (the command's options)."""

    scope_from: str | None = None
    types: tuple[str, ...] = ()
    ids: tuple[str, ...] = ()
    checksum: str | None = None
    recreate: tuple[str, ...] = ()
    password_file: Path | None = None
    force: str | None = None
    dry_run: bool = False
    allow_delete: bool = False


def check_checksum(plan: Plan, expected: str | None) -> None:
    """Refuse (exit 3) when the plan's checksum is not the reviewed one. A prefix of at least 12 hex digits
    is accepted (as a pull request may show it shortened)."""
    if not expected:
        return
    given = expected.strip().lower()
    if len(given) < 12 or any(c not in "0123456789abcdef" for c in given):
        raise UsageError(f"--checksum {expected!r}: expected the plan's sha256 checksum (at least 12 hex digits)")
    if not plan.checksum.startswith(given):
        raise RefusedError(f"the plan changed since it was reviewed: checksum {plan.checksum} differs from the "
                           f"reviewed {given} (the tenant or tenant-state/ changed); review the new plan "
                           "(entragit plan) and apply with its checksum")


def check_range_head(repo: str | Path, rev_range: str) -> str:
    """The head commit of ``A..B`` (sha); refuses when it is a backup commit (its ``Entragit-Backup``
    trailer): a backup records the tenant, there is nothing to apply, and applying it would undo a recovery."""
    r = open_repo(repo)
    _, head = parse_range(rev_range)
    status, out, err = git_result(r, "rev-parse", "--verify", "--quiet", f"{head}^{{commit}}")
    if status != 0 or not out.strip():
        raise UsageError(f"--scope-from {rev_range!r}: no such commit {head!r}")
    sha = out.strip()
    if is_backup_commit(r, sha):
        raise RefusedError(f"{head} ({sha[:12]}) is a backup commit ({TRAILER} trailer): it records the tenant, "
                           "there is nothing to apply")
    return sha


def resolve_range(repo: str | Path, rev_range: str) -> str:
    """``A..B`` with both ends as commit shas (an outcome's range must not move with HEAD or a branch)."""
    r = open_repo(repo)
    ends = []
    for rev in parse_range(rev_range):
        status, out, _ = git_result(r, "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}")
        if status != 0 or not out.strip():
            raise UsageError(f"--scope-from {rev_range!r}: no such commit {rev!r}")
        ends.append(out.strip())
    return f"{ends[0]}..{ends[1]}"


def check_worktree_matches(repo: str | Path, rev: str) -> None:
    """The desired state is read from the working tree: it must be what ``rev`` holds in tenant-state/."""
    r = open_repo(repo)
    status, out, err = git_result(r, "status", "--porcelain", "--untracked-files=all", "--", STATE_DIR)
    diff_status, _, _ = git_result(r, "diff", "--quiet", rev, "--", STATE_DIR)
    if out.strip() or diff_status != 0:
        raise UsageError(f"tenant-state/ in the working tree is not what {rev} holds: check out {rev} (with no "
                         "local changes under tenant-state/) before applying its range")


async def run_apply(repo: str | Path, client: Any, request: ApplyRequest, *, settings: Any = None,
                    on_event: EventHandler | None = None,
                    confirm: Callable[[Plan], bool] | None = None,
                    on_plan: Callable[[Plan], None] | None = None) -> ApplyResult:
    """``entragit apply``: validate ``tenant-state/`` (exit 2, no Graph write), compute the plan over the scope
    (``--scope-from``, types, ids) against the live tenant, refuse a checksum that differs (exit 3) or a
    tripped safety rail (exit 3, unless forced), ask ``confirm(plan)`` (False: nothing is written, the
    result is a dry run), apply, follow restores up, re-read and recompute (residual drift)."""
    repo = Path(repo)
    settings = settings or load_settings(None, repo=repo)
    if request.force is not None and not request.force.strip():
        raise UsageError("--force needs a reason")
    if request.scope_from:
        head = check_range_head(repo, request.scope_from)
        check_worktree_matches(repo, head)
        scope = scope_from_range(repo, request.scope_from, types=request.types, ids=request.ids)
    else:
        scope = Scope.of(request.types, request.ids)
    # the same preparation and computation as `entragit plan` (same plan, same checksum): the whole tree
    # validated, ids checked, the new ids of earlier applies (the notes) known, before any Graph request
    planning = prepare(settings, scope=scope, recreate=request.recreate, allow_delete=request.allow_delete,
                       force=request.force, state_dir=repo / "tenant-state")
    plan = await planning.plan(client)
    check_checksum(plan, request.checksum)
    if on_plan is not None:
        on_plan(plan)
    # no write before a generated password has somewhere to go (users are created only with --recreate)
    needs_secret = [c for c in plan.writes if c.generate]
    if needs_secret and request.password_file is None and not request.dry_run:
        names = ", ".join(f"{c.type}/{c.id}" for c in needs_secret[:5])
        raise UsageError(f"the plan creates {plural(len(needs_secret), 'object')} with a generated password ({names}): "
                         "pass --password-file F (the only place the password is written)")
    dry_run = request.dry_run
    if not dry_run and plan.writes and confirm is not None and not confirm(plan):
        raise Declined("not applied (answered no): nothing was written")

    async def replan(new_ids: dict[str, dict[str, Any]]) -> Plan:
        return await planning.plan(client, new_ids=new_ids, safety=False)

    restored_ids = {c.id for c in plan.changes if c.kind is Kind.RESTORE}

    async def follow_up(new_ids: dict[str, dict[str, Any]]) -> Plan:
        again = await replan(new_ids)
        wanted = [c for c in again.writes if c.link is not None and
                  (c.id in restored_ids or _mentions((c.target, c.ref), restored_ids))]
        return Plan(changes=wanted, scope=again.scope)

    result = await apply_plan(client, plan, dry_run=dry_run, password_file=request.password_file,
                              on_event=on_event, recheck=None if dry_run else replan,
                              follow_up=follow_up, new_ids={})
    return result


def _mentions(value: Any, ids: set[str]) -> bool:
    """Whether ``value`` holds one of ``ids`` (as a string anywhere inside)."""
    if isinstance(value, str):
        return value in ids
    if isinstance(value, dict):
        return any(_mentions(v, ids) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(_mentions(v, ids) for v in value)
    return False


def record_outcome(repo: str | Path, commit: str, result: ApplyResult | None, *, rev_range: str | None = None,
                   error: EntragitError | None = None, scope: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Record the apply's outcome on ``commit`` (a git note, :func:`entragit.backups.record_apply_outcome`):
    ``applied`` / ``failed`` / ``drift`` (or ``refused``, ``partial`` for an apply narrowed by type or id), the
    counts, the plan checksum and the new ids of recreated objects. An apply that leaves new identities of the
    change uncreated (they wait for ``--recreate``) is ``partial`` too, naming them: the merged change stays
    listed by ``entragit backup`` until an apply creates them. Never a password."""
    outcome: dict[str, Any] = {}
    if result is not None:
        status = result.status
        error_text = str(result.error()) if result.error() is not None else ""
        if status == "applied" and scope and (scope.get("types") or scope.get("ids")):
            status = "partial"       # done for what was asked, not for the whole commit
        if status == "applied" and result.waiting:
            status = "partial"       # new identities of the change wait for --recreate: not all in the tenant
            error_text = (f"{len(result.waiting)} new identit{'y' if len(result.waiting) == 1 else 'ies'} not "
                          "created: " + ", ".join(f"{c.type}/{c.id} ({c.option})" for c in result.waiting[:5])
                          + (" ..." if len(result.waiting) > 5 else ""))
        outcome = {"status": status, "checksum": result.plan.checksum, "counts": result.counts(),
                   "changes": len(result.plan.writes), "drift": len(result.drift)}
        if result.new_ids:
            outcome["newIds"] = result.new_ids
        if error_text:
            outcome["error"] = error_text
    elif error is not None:
        outcome = {"status": "refused" if isinstance(error, RefusedError) else "failed", "error": str(error)}
    if rev_range:
        outcome["range"] = rev_range
    if scope:
        outcome["scope"] = dict(scope)
    return record_apply_outcome(repo, commit, outcome)
