"""``entragit check-merge``: may this push's change be written to the tenant? Run by the administrators'
reusable workflow before it signs in as the writer (docs/setup.md, "The protection model").

Yes only when all of this holds, each read from git and GitHub's API, never from the pushed files:

1. the push brought exactly one commit onto the default branch's first-parent history: ``before`` is
   ``after``'s first parent (a merge commit or a squash; a rebase merge brings several and is refused);
2. ``after`` is the merge commit of a pull request merged into the default branch
   (GET /repos/{o}/{r}/commits/{sha}/pulls, then the pull request itself): a direct push is never applied,
   and an approval can only be used for the merge commit of its own pull request;
3. the merge brings nothing the pull request's final head does not hold: every file ``before..after`` changes
   is, at ``after``, exactly as at that head (a merge commit pushed by hand with more in it than the reviewed
   branch, or a squash of something else, is refused whatever GitHub calls it);
4. that merge was not already applied: no ``applied`` outcome note on it, and GitHub's activity log of the
   default branch (GET /repos/{o}/{r}/activity, https://docs.github.com/rest/repos/repos#list-repository-activities,
   which no collaborator can edit, unlike notes) shows ``after`` pushed onto it exactly once, from ``before``:
   a replay of an old merge, pushed again after history was rewound, is refused (the plan checksum below
   refuses it too unless the tenant is exactly as it was);
5. the pull request is approved (:mod:`entragit.gitops.approval`) by enough people listed in
   ``recovery.approvers`` of the base commit's ``entragit.yaml`` (``before``), narrowed to the ids the
   administrators' workflow pins, who wrote none of it, on its final head;
6. entragit's publisher published its plan before that approval (:mod:`entragit.gitops.provenance`), from a
   default-branch commit whose install lock is the one the administrators pin (``lock_sha256``): the checksum
   ``entragit apply --checksum`` then demands, and the forced reason if the plan was forced.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from git import Repo

from entragit.backups import fetch_notes, read_apply_outcomes
from entragit.errors import RefusedError, UsageError
from entragit.gitops.approval import Approval, approvers_in, check_approvals
from entragit.gitops.github import GitHub
from entragit.gitops.provenance import PublishedPlan, find_published_plan


@dataclass
class MergeVerdict:
    pr: int
    checksum: str
    force_reason: str
    approvals: list[Approval] = field(default_factory=list)
    plan: PublishedPlan | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"pr": self.pr, "checksum": self.checksum, "forceReason": self.force_reason or None,
                "approvals": [a.to_dict() for a in self.approvals], "plan": self.plan.to_dict() if self.plan else None}


def _git(repo: Repo, *args: str) -> tuple[int, str]:
    status, out, _ = repo.git.execute(["git", *args], with_extended_output=True, with_exceptions=False)
    return int(status or 0), str(out)


def _branch_ref(repo: Repo, branch: str) -> str:
    for ref in (f"refs/remotes/origin/{branch}", f"refs/heads/{branch}"):
        if _git(repo, "rev-parse", "--verify", "--quiet", "--end-of-options", ref)[0] == 0:
            return ref
    raise UsageError(f"the checkout has no branch {branch} (check out the tenant repository with its history)")


def _head_commit(repo: Repo, head: str, number: int, remote: str | None) -> None:
    """Make the pull request's final head available in the checkout (a squashed branch may be gone: GitHub keeps
    refs/pull/<n>/head)."""
    if _git(repo, "cat-file", "-e", "--end-of-options", f"{head}^{{commit}}")[0] == 0:
        return
    if remote:
        _git(repo, "fetch", "-q", "--no-tags", "--end-of-options", remote,
             f"+refs/pull/{number}/head:refs/entragit/pull-head")
    if _git(repo, "cat-file", "-e", "--end-of-options", f"{head}^{{commit}}")[0] != 0:
        raise RefusedError(f"the final head {head[:12]} of pull request #{number} cannot be fetched: what was "
                           "approved cannot be compared with what is applied")


def _tree(repo: Repo, rev: str) -> dict[str, str]:
    status, out = _git(repo, "ls-tree", "-r", "-z", "--full-tree", "--end-of-options", rev)
    if status != 0:
        raise RefusedError(f"cannot read the files of {rev[:12]}")
    files = {}
    for entry in out.split("\0"):
        if entry:
            meta, _, path = entry.partition("\t")
            files[path] = meta
    return files


def _brings_only_the_head(repo: Repo, before: str, after: str, head: str, number: int) -> None:
    status, out = _git(repo, "diff", "--no-renames", "--name-only", "-z", "--end-of-options", before, after)
    if status != 0:
        raise RefusedError(f"cannot compare {before[:12]} with {after[:12]}")
    changed = [p for p in out.split("\0") if p]
    applied, approved = _tree(repo, after), _tree(repo, head)
    extra = [p for p in changed if applied.get(p) != approved.get(p)]
    if extra:
        raise RefusedError(f"{after[:12]} changes {len(extra)} file(s) not as pull request #{number}'s approved head "
                           f"{head[:12]} has them (first: {extra[0]}): the merge is not the reviewed change")


def _pushed_once(api: GitHub, slug: str, default: str, before: str, after: str, number: int) -> None:
    pushes = [a for a in api.paginate(f"repos/{slug}/activity", {"ref": f"refs/heads/{default}"})
              if a.get("after") == after]
    if len(pushes) != 1 or pushes[0].get("before") != before:
        seen = ", ".join(f"{a.get('activity_type')} from {str(a.get('before'))[:12]} by "
                         f"{(a.get('actor') or {}).get('login', 'nobody')}" for a in pushes) or "none"
        raise RefusedError(f"GitHub's activity log of {default} does not show {after[:12]} (pull request #{number}) "
                           f"pushed exactly once, from {before[:12]} (pushes of it: {seen}): an approval is used "
                           "once, for the merge GitHub recorded (if the log lags, re-run the job)")


def check_merge(repo: Repo, api: GitHub, slug: str, *, before: str, after: str, publisher: str,
                pinned_approvers: Iterable[int] | None = None, remote: str | None = "origin",
                lock_sha256: str | None = None, min_approvals: int = 1) -> MergeVerdict:
    """The verdict on pushing ``before..after`` to the default branch (see the module); RefusedError if not.
    ``publisher`` is publish-plan.yml as this entragit renders it (``entragit.init.render_workflow``);
    ``lock_sha256`` the install lock's digest the administrators pin (the publisher's run must have used it);
    ``min_approvals`` the count they pin: the base branch's ``recovery.approvals`` may raise it, never lower it."""
    repository = api.get(f"repos/{slug}")
    default = str(repository["default_branch"])
    for rev in (before, after):
        if _git(repo, "cat-file", "-e", "--end-of-options", f"{rev}^{{commit}}")[0] != 0:
            raise RefusedError(f"commit {rev} is not in the checkout: cannot tell what the push changed")
    status, parents = _git(repo, "rev-list", "--parents", "-n", "1", "--end-of-options", after)
    first_parent = parents.split()[1] if status == 0 and len(parents.split()) > 1 else None
    if first_parent != before:
        raise RefusedError(f"the push {before[:12]}..{after[:12]} is not one merge onto {default} (the first parent of "
                           f"{after[:12]} is {str(first_parent)[:12]}): only a pull request merged with a merge commit "
                           "or squashed is applied; a direct push or a rebase merge never is")
    pulls = api.paginate(f"repos/{slug}/commits/{after}/pulls")
    merged = [p for p in pulls if p.get("merged_at") and p.get("merge_commit_sha") == after
              and (p.get("base") or {}).get("ref") == default]
    if len(merged) != 1:
        raise RefusedError(f"{after[:12]} is not the merge commit of a pull request into {default}: a change "
                           "pushed directly is never applied (open a pull request and have it approved)")
    pr = api.get(f"repos/{slug}/pulls/{merged[0]['number']}")
    number = int(pr["number"])
    if not pr.get("merged") or pr.get("merge_commit_sha") != after:
        raise RefusedError(f"pull request #{number} is not merged as {after[:12]}")
    head = str(pr["head"]["sha"])
    _head_commit(repo, head, number, remote)
    _brings_only_the_head(repo, before, after, head, number)
    if remote:
        fetch_notes(repo, remote)
    if any(o.get("status") == "applied" for o in read_apply_outcomes(repo, after)):
        raise RefusedError(f"{after[:12]} (pull request #{number}) was applied already: an approval is used once")
    _pushed_once(api, slug, default, before, after, number)
    status, config = _git(repo, "show", "--end-of-options", f"{before}:entragit.yaml")
    listed, needed = approvers_in(config if status == 0 else None)
    effective = [i for i in listed if pinned_approvers is None or i in set(pinned_approvers)]
    approvals = check_approvals(api, slug, pr, effective, max(needed, min_approvals))
    approved_at = max(a.submitted_at for a in approvals)
    plan = find_published_plan(api, repo, slug, pr=number, head=head, default_branch=default,
                               branch_ref=_branch_ref(repo, default), definition=publisher,
                               published_before=approved_at, lock_sha256=lock_sha256)
    return MergeVerdict(number, plan.checksum, plan.force_reason, approvals, plan)
