"""A merged pull request's approval, checked through GitHub's REST API, so that it holds where GitHub's own
protections do not exist (GitHub Free private repositories have no rulesets, no branch protection and no
environments; environment reviewers in private repositories need GitHub Enterprise).

An approval counts when

- it is the reviewer's latest review that approves or requests changes (a later "changes requested" or a
  dismissal withdraws it), with ``state`` ``APPROVED``;
- its ``commit_id`` is the pull request's final head: an approval of an earlier push says nothing of what was
  pushed after it (GitHub's "dismiss stale approvals" exists only with branch protection);
- the reviewer is a person (``user.type`` ``User``): bots and GitHub Apps never count, ``github-actions[bot]``
  included (a workflow can approve pull requests when the repository allows it);
- the reviewer is listed, by numeric user id (a login can be renamed and reused), in ``recovery.approvers`` of
  ``entragit.yaml`` on the **base** branch, before the merge: a pull request cannot name its own approvers;
- the reviewer neither opened the pull request nor authored or committed any of its commits, as GitHub links
  commits to accounts (a commit whose author GitHub cannot link to an account refuses the check: who wrote it
  cannot be told apart from the approver).

Team membership (and so CODEOWNERS teams) is not resolved: the workflow's ``GITHUB_TOKEN`` has no organization
permissions (https://docs.github.com/actions/security-for-github-actions/security-guides/automatic-token-authentication#permissions-for-the-github_token),
and a stored token able to read teams would be one more secret for every workflow of the repository. Approvers
are listed people.

Endpoints: GET /repos/{o}/{r}/pulls/{n}/reviews (https://docs.github.com/rest/pulls/reviews: chronological,
``user``, ``state``, ``commit_id``, ``submitted_at``), GET /repos/{o}/{r}/pulls/{n}/commits
(https://docs.github.com/rest/pulls/pulls#list-commits-on-a-pull-request: at most 250 commits).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import yaml

from entragit.errors import RefusedError
from entragit.gitops.github import GitHub

DECISIVE = ("APPROVED", "CHANGES_REQUESTED", "DISMISSED")
MAX_COMMITS = 250


@dataclass
class Approval:
    login: str
    user_id: int
    review_id: int
    commit_id: str
    submitted_at: str

    def to_dict(self) -> dict[str, Any]:
        return {"login": self.login, "id": self.user_id, "review": self.review_id, "commit": self.commit_id,
                "submittedAt": self.submitted_at}


def approvers_in(config_text: str | None) -> tuple[tuple[int, ...], int]:
    """``recovery.approvers`` and ``recovery.approvals`` of an ``entragit.yaml`` text (() and 1 when absent)."""
    from entragit.settings import _int_min1, user_ids

    if not config_text:
        return (), 1
    try:
        data = yaml.safe_load(config_text)
    except yaml.YAMLError as exc:
        raise RefusedError(f"the base branch's entragit.yaml is not valid YAML: {exc}") from None
    recovery = data.get("recovery") if isinstance(data, Mapping) else None
    if not isinstance(recovery, Mapping):
        return (), 1
    try:
        ids = user_ids(recovery.get("approvers"))
        needed = _int_min1(recovery.get("approvals", 1) if recovery.get("approvals") is not None else 1)
    except ValueError as exc:
        raise RefusedError(f"the base branch's entragit.yaml: recovery: expected {exc}") from None
    return ids, needed


def _authors(api: GitHub, slug: str, pr: Mapping[str, Any]) -> set[int]:
    number = pr["number"]
    commits = api.paginate(f"repos/{slug}/pulls/{number}/commits")
    if len(commits) >= MAX_COMMITS:
        raise RefusedError(f"pull request #{number} has {MAX_COMMITS} or more commits: GitHub lists at most "
                           f"{MAX_COMMITS}, so who wrote the others cannot be checked; split it")
    authors = {int(pr["user"]["id"])} if pr.get("user") else set()
    for commit in commits:
        author = commit.get("author")
        if author is None:
            email = ((commit.get("commit") or {}).get("author") or {}).get("email", "?")
            raise RefusedError(f"commit {commit['sha'][:12]} of pull request #{number} has an author ({email}) GitHub "
                               "does not link to an account: who wrote it cannot be told apart from an approver")
        authors.add(int(author["id"]))
        if commit.get("committer"):
            authors.add(int(commit["committer"]["id"]))
    return authors


def check_approvals(api: GitHub, slug: str, pr: Mapping[str, Any], approvers: Iterable[int],
                    needed: int = 1) -> list[Approval]:
    """The approvals of ``pr`` that count (see the module); RefusedError when fewer than ``needed``."""
    listed = set(approvers)
    number, head = pr["number"], pr["head"]["sha"]
    if not listed:
        raise RefusedError(f"no approver is listed (recovery.approvers of the base branch's entragit.yaml): pull "
                           f"request #{number} cannot be approved")
    authors = _authors(api, slug, pr)
    latest: dict[int, Mapping[str, Any]] = {}
    for review in api.paginate(f"repos/{slug}/pulls/{number}/reviews"):
        user = review.get("user")
        if user and review.get("state") in DECISIVE:
            latest[int(user["id"])] = review
    counted, why = [], []
    for user_id, review in latest.items():
        login = review["user"].get("login", str(user_id))
        if review["state"] != "APPROVED":
            why.append(f"{login}: {review['state'].lower().replace('_', ' ')}")
        elif review["user"].get("type") != "User":
            why.append(f"{login} is a {review['user'].get('type', 'non-person')} account: only people approve")
        elif user_id not in listed:
            why.append(f"{login} (id {user_id}) is not a listed approver")
        elif user_id in authors:
            why.append(f"{login} opened the pull request or wrote or committed part of it")
        elif review.get("commit_id") != head:
            why.append(f"{login} approved {str(review.get('commit_id'))[:12]}, not the final head {head[:12]}")
        else:
            counted.append(Approval(login, user_id, int(review["id"]), head, str(review.get("submitted_at") or "")))
    if len(counted) < needed:
        reasons = "; ".join(why) or "no review"
        raise RefusedError(f"pull request #{number} has {len(counted)} approval(s) that count, {needed} needed "
                           f"({reasons})")
    return counted
