"""Who wrote a pull request, as GitHub knows it: the people whose approval of it cannot count.

Git's author and committer fields are text anyone can set: a commit can claim any address, and GitHub links it
to whichever account has that address. So the accounts that wrote a pull request are gathered from four
sources, and the check refuses whenever one of them cannot say:

- the opener (``user`` of the pull request): a person. A pull request opened by a bot or an app (a workflow
  with the workflow token, where the repository lets GitHub Actions open pull requests) is refused: which person
  asked for it cannot be told, so nobody would be kept from approving their own change;
- every commit's author and committer as GitHub links them (GET /repos/{o}/{r}/pulls/{n}/commits,
  https://docs.github.com/rest/pulls/pulls#list-commits-on-a-pull-request: ``author`` and ``committer`` are the
  accounts, or null when GitHub links none; it lists at most 250 commits);
- every commit's co-authors: GitHub links each ``Co-authored-by:`` trailer to an account by its address, as it
  links authors (https://docs.github.com/pull-requests/committing-changes-to-your-project/creating-and-editing-commits/creating-a-commit-with-multiple-authors);
  the REST API does not expose that link, GraphQL's ``Commit.authors`` does ("the git author and the
  Co-authored-by message trailer", https://docs.github.com/graphql/reference/objects#commit);
- every account that pushed to the pull request's branch: GitHub's repository activity
  (GET /repos/{o}/{r}/activity?ref=refs/heads/<branch>, https://docs.github.com/rest/repos/repos#list-repository-activities)
  names the ``actor`` of each push, force push and branch creation. Unlike the commits' text, nobody chooses
  it: an approver who pushed a commit claiming someone else's address is still its writer. The push of the
  final head must be in it (else who pushed it cannot be told).

Bots that pushed (the difference report pushes its branch with the workflow token) are not people and never
approve; the person who opens such a pull request answers for it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from entragit.errors import RefusedError
from entragit.gitops.github import GitHub

MAX_COMMITS = 250
MAX_COAUTHORS = 50
COAUTHORS_QUERY = """
query($owner: String!, $name: String!, $number: Int!, $endCursor: String) {
  repository(owner: $owner, name: $name) {
    pullRequest(number: $number) {
      commits(first: 100, after: $endCursor) {
        pageInfo { hasNextPage endCursor }
        nodes { commit { oid authors(first: MAX_COAUTHORS) { totalCount nodes { email user { databaseId login } } } } }
      }
    }
  }
}""".replace("MAX_COAUTHORS", str(MAX_COAUTHORS))


def _person(who: Any) -> bool:
    return isinstance(who, Mapping) and who.get("type") == "User"


def _commits(api: GitHub, slug: str, number: int, authors: dict[int, str]) -> list[str]:
    commits = api.paginate(f"repos/{slug}/pulls/{number}/commits")
    if not commits:
        raise RefusedError(f"GitHub lists no commit of pull request #{number}: who wrote it cannot be told")
    if len(commits) >= MAX_COMMITS:
        raise RefusedError(f"pull request #{number} has {MAX_COMMITS} or more commits: GitHub lists at most "
                           f"{MAX_COMMITS}, so who wrote the others cannot be checked; split it")
    for commit in commits:
        sha = str(commit.get("sha", "?"))
        author = commit.get("author")
        if not isinstance(author, Mapping) or author.get("id") is None:
            email = ((commit.get("commit") or {}).get("author") or {}).get("email", "?")
            raise RefusedError(f"commit {sha[:12]} of pull request #{number} has an author ({email}) GitHub "
                               "does not link to an account: who wrote it cannot be told apart from an approver")
        authors.setdefault(int(author["id"]), f"wrote {sha[:12]}")
        committer = commit.get("committer")
        if isinstance(committer, Mapping) and committer.get("id") is not None:
            authors.setdefault(int(committer["id"]), f"committed {sha[:12]}")
    return [str(c.get("sha")) for c in commits]


def _coauthors(api: GitHub, slug: str, number: int, shas: list[str], authors: dict[int, str]) -> None:
    owner, name = slug.split("/", 1)
    pages = api.graphql(COAUTHORS_QUERY, {"owner": owner, "name": name, "number": number}, paginate=True)
    seen = set()
    for page in pages:
        pull = ((page.get("repository") or {}).get("pullRequest") or {})
        for node in ((pull.get("commits") or {}).get("nodes") or []):
            commit = (node or {}).get("commit") or {}
            sha = str(commit.get("oid"))
            seen.add(sha)
            people = commit.get("authors") or {}
            nodes = people.get("nodes") or []
            if int(people.get("totalCount") or 0) > len(nodes):
                raise RefusedError(f"commit {sha[:12]} of pull request #{number} names more than {MAX_COAUTHORS} "
                                   "authors: who wrote it cannot be checked")
            for person in nodes:
                user = (person or {}).get("user")
                if not isinstance(user, Mapping) or user.get("databaseId") is None:
                    raise RefusedError(f"commit {sha[:12]} of pull request #{number} has a co-author "
                                       f"({(person or {}).get('email', '?')}) GitHub does not link to an account: "
                                       "who wrote it cannot be told apart from an approver (use the co-author's "
                                       "GitHub address in the Co-authored-by trailer, or drop it)")
                authors.setdefault(int(user["databaseId"]), f"co-authored {sha[:12]}")
    missing = [s for s in shas if s not in seen]
    if missing:
        raise RefusedError(f"GitHub's GraphQL API does not list commit {missing[0][:12]} of pull request #{number}: "
                           "its co-authors cannot be checked")


def _pushers(api: GitHub, slug: str, pr: Mapping[str, Any], authors: dict[int, str]) -> None:
    number, head = int(pr["number"]), str(pr["head"]["sha"])
    head_repo = str(((pr.get("head") or {}).get("repo") or {}).get("full_name") or "")
    if head_repo.lower() != slug.lower():
        raise RefusedError(f"pull request #{number} comes from {head_repo or 'a deleted repository'}, not {slug}: "
                           "who pushed to it cannot be read (recoveries come from branches of this repository)")
    ref = f"refs/heads/{pr['head']['ref']}"
    pushed_head = False
    for activity in api.paginate(f"repos/{slug}/activity", {"ref": ref}):
        actor = activity.get("actor")
        if not isinstance(actor, Mapping) or actor.get("id") is None:
            raise RefusedError(f"GitHub's activity log holds a {activity.get('activity_type', 'push')} to {ref} "
                               "it attributes to no account: who pushed to pull request "
                               f"#{number} cannot be told")
        if _person(actor):
            authors.setdefault(int(actor["id"]), f"pushed to {ref.removeprefix('refs/heads/')}")
        pushed_head = pushed_head or activity.get("after") == head
    if not pushed_head:
        raise RefusedError(f"GitHub's activity log shows no push of {head[:12]} to {ref}: who pushed pull request "
                           f"#{number}'s final head cannot be told")


def pull_request_authors(api: GitHub, slug: str, pr: Mapping[str, Any]) -> dict[int, str]:
    """Account id -> how it took part (opened, wrote, committed, co-authored, pushed), for every person who
    wrote any of ``pr``; RefusedError when GitHub cannot tell (see the module)."""
    number = int(pr["number"])
    opener = pr.get("user")
    if not _person(opener):
        who = (opener or {}).get("login", "nobody") if isinstance(opener, Mapping) else "nobody"
        raise RefusedError(f"pull request #{number} was opened by {who}, not by a person: which person asked for "
                           "the change cannot be told; close it and open the same branch as a person (the "
                           "difference report links the pull request to open)")
    authors: dict[int, str] = {int(opener["id"]): "opened it"}
    shas = _commits(api, slug, number, authors)
    _coauthors(api, slug, number, shas, authors)
    _pushers(api, slug, pr, authors)
    return authors
