"""``entragit recover``: the revert branch, its plan against the live tenant, its pull request."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from entragit.gitutil import open_repo
from entragit.graph.runner import run
from entragit.recover.branch import build_branch, finish_branch
from entragit.recover.pull_request import plan_for, pull_request, report_for
from entragit.recover.result import RecoverResult
from entragit.settings import load_settings


def recover(repo: str | Path, *, source: str, types: Iterable[str] = (), ids: Iterable[str] = (),
            branch: str | None = None, include_new: bool = False, client: Any = None, settings: Any = None,
            base: str | None = None) -> RecoverResult:
    """``entragit recover``: build the revert branch, plan it against the live tenant (``client``; None: no
    plan), and make the pull request's title and body. The branch's commit carries the checksum trailer."""
    r = open_repo(repo)
    root = Path(r.working_tree_dir or ".")
    types, ids = tuple(types), tuple(ids)
    result = build_branch(r, source=source, types=types, ids=ids, branch=branch, include_new=include_new, base=base)
    scope = result.scope
    if settings is None:
        settings = load_settings(None, repo=root)

    async def read() -> None:
        if client is not None:
            result.plan, result.plan_note = await plan_for(root, result, client, settings)
        else:
            result.plan_note = "not computed (no Graph endpoint configured): run `entragit plan` on the branch"
        result.report = await report_for(root, result, types, ids, client, settings)

    run(read())
    finish_branch(r, result)
    if result.plan is not None and result.plan.scope.get("range"):
        # the plan was computed over the draft commit: name the branch's own commit, which the pull request shows
        result.plan.scope["range"] = f"{result.base}..{result.commit}"
        result.plan.scope["branch"] = result.branch
    result.title, result.body = pull_request(result, scope)
    return result
