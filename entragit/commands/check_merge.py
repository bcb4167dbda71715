"""``entragit check-merge``: the approval and the published plan of a merged change, checked through GitHub's
API before the writer signs in (entragit.gitops.gate)."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import click

from entragit.commands import Ctx, cli
from entragit.errors import EntragitError


def _output(path: str | None, values: dict[str, str]) -> None:
    if not path:
        return
    with Path(path).open("a", encoding="utf-8") as fh:
        for key, value in values.items():
            fh.write(f"{key}={' '.join(str(value).split())}\n")   # one line each: $GITHUB_OUTPUT's format


@cli.command("check-merge")
@click.option("--before", required=True, metavar="SHA", help="The default branch before the push (github.event.before).")
@click.option("--after", required=True, metavar="SHA", help="The pushed commit (github.sha).")
@click.option("--repository", metavar="OWNER/REPO", default=None, help="Default: GITHUB_REPOSITORY.")
@click.option("--approvers", metavar="IDS", default=None,
              help="Only these numeric user ids may approve (comma separated), of those the base branch lists: the "
                   "administrators' workflow pins them.")
@click.option("--min-approvals", type=click.IntRange(min=1), default=1, show_default=True, metavar="N",
              help="At least this many approvals, whatever the base branch's recovery.approvals says (it may ask "
                   "for more): the administrators' workflow pins it.")
@click.option("--lock-sha256", metavar="HEX", default=None,
              help="The install lock's sha256 the administrators pin: a plan counts only if the publisher's run "
                   "installed entragit from that lock.")
@click.option("--github-output", type=click.Path(dir_okay=False), envvar="GITHUB_OUTPUT", default=None,
              help="Append checksum=, pr=, force_reason= (or reason=) here [env GITHUB_OUTPUT].")
@click.option("--json", "json_output", is_flag=True, help="Print the verdict as JSON.")
@click.pass_context
def check_merge_command(ctx: click.Context, before: str, after: str, repository: str | None, approvers: str | None,
                        min_approvals: int, lock_sha256: str | None, github_output: str | None,
                        json_output: bool) -> None:
    """Refuse (exit 3) unless BEFORE..AFTER is one pull request's merge, approved by a listed person who wrote
    none of it on its final head, whose plan entragit's publisher workflow published before the approval.

    Prints the reviewed plan's checksum (for `entragit apply --checksum`)."""
    from entragit.backups import open_repo
    from entragit.gitops.doctor import repository_slug
    from entragit.gitops.gate import check_merge
    from entragit.gitops.github import GitHub
    from entragit.init import render_workflow
    from entragit.settings import user_ids

    obj = ctx.find_root().obj
    root = obj.repo if isinstance(obj, Ctx) else Path.cwd()
    slug = repository_slug(root, repository, dict(os.environ))
    pinned = None
    if approvers is not None:
        try:
            pinned = user_ids(approvers)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--approvers") from None
    if lock_sha256 is not None and not re.fullmatch(r"[0-9a-f]{64}", lock_sha256):
        raise click.BadParameter("expected 64 lowercase hex digits", param_hint="--lock-sha256")
    try:
        verdict = check_merge(open_repo(root), GitHub(), slug, before=before, after=after, pinned_approvers=pinned,
                              publisher=render_workflow("publish-plan.yml"), lock_sha256=lock_sha256,
                              min_approvals=min_approvals)
    except EntragitError as exc:
        _output(github_output, {"reason": str(exc)})
        raise
    _output(github_output, {"checksum": verdict.checksum, "pr": str(verdict.pr), "force_reason": verdict.force_reason})
    if json_output:
        click.echo(json.dumps(verdict.to_dict(), indent=2))
        return
    who = ", ".join(f"{a.login} (id {a.user_id})" for a in verdict.approvals)
    click.echo(f"pull request #{verdict.pr}: approved by {who} on {verdict.approvals[0].commit_id[:12]}")
    plan = verdict.plan
    assert plan is not None
    click.echo(f"plan {verdict.checksum} published by run {plan.run_id} (artifact {plan.artifact_id}, {plan.created_at})"
               + (f"; forced: {verdict.force_reason}" if verdict.force_reason else ""))
