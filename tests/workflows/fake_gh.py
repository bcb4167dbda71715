"""A recording stand-in for GitHub's `gh` CLI, put on PATH by the workflow tests.

It keeps a small GitHub in a JSON file (``FAKE_GH_STATE``) and answers exactly the commands the workflows and
entragit use; anything else exits 1 naming the command, so a caller that starts using another is noticed.
``--jq`` filters go through the real ``jq`` (gh prints strings raw, as ``jq -r`` does). ``--paginate`` prints
the answer as one page (gh prints one JSON document per page).

The answers have the shapes GitHub Docs documents for each REST endpoint (only the fields entragit reads, plus
the identifying ones):

- repository: GET /repos/{o}/{r} (https://docs.github.com/rest/repos/repos#get-a-repository): id, name,
  full_name, owner {login, id, type}, private, visibility, default_branch;
- OIDC subject template: GET /repos/{o}/{r}/actions/oidc/customization/sub
  (https://docs.github.com/rest/actions/oidc): use_default, include_claim_keys, and where GitHub gives them
  use_immutable_subject, sub_claim_prefix;
- pull requests: GET /repos/{o}/{r}/pulls/{n} and GET /repos/{o}/{r}/commits/{sha}/pulls
  (https://docs.github.com/rest/pulls/pulls, https://docs.github.com/rest/commits/commits#list-pull-requests-
  associated-with-a-commit): number, state ("open"/"closed"), merged, merged_at, merge_commit_sha, user,
  head {ref, sha, repo}, base {ref, sha}, labels, title, body;
- reviews: GET /repos/{o}/{r}/pulls/{n}/reviews (https://docs.github.com/rest/pulls/reviews): id, user {login,
  id, type}, state (APPROVED, CHANGES_REQUESTED, COMMENTED, DISMISSED), commit_id, submitted_at, in
  chronological order;
- a pull request's commits: GET /repos/{o}/{r}/pulls/{n}/commits (https://docs.github.com/rest/pulls/pulls#list-
  commits-on-a-pull-request, at most 250): sha, commit {author, committer}, author and committer as GitHub users
  or null. GitHub links a commit to a user by its email (a user's verified address or their noreply address
  ``ID+login@users.noreply.github.com``); the stand-in reads the commits from the real bare repository
  (``FAKE_GH_ORIGIN``) and links them the same way through its ``emails`` table;
- workflow runs: GET /repos/{o}/{r}/actions/runs/{id} (https://docs.github.com/rest/actions/workflow-runs):
  id, name, path, event, status, conclusion, head_sha, head_branch, created_at, repository, head_repository;
- artifacts: GET /repos/{o}/{r}/actions/artifacts?name= (https://docs.github.com/rest/actions/artifacts):
  {total_count, artifacts: [{id, name, size_in_bytes, expired, created_at, digest, workflow_run {id,
  head_branch, head_sha}}]}; GET .../artifacts/{id}/zip answers the archive's bytes (gh follows the redirect);
- `gh workflow run FILE -f key=value` records a workflow_dispatch
  (https://docs.github.com/rest/actions/workflows#create-a-workflow-dispatch-event);
- `gh pr create` with the workflow token is refused, as GitHub refuses it, unless the repository allows
  GitHub Actions to create pull requests (``settings.actions_can_create_pull_requests``; off by default:
  https://docs.github.com/repositories/managing-your-repositorys-settings-and-features/enabling-features-for-your-repository/managing-github-actions-settings-for-a-repository).

The workflow tests copy this file next to a ``gh`` launcher; it needs nothing but the standard library and git.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

BOT = "github-actions[bot]"
EPOCH = datetime(2026, 1, 1, tzinfo=UTC)
DEFAULT_USERS = {BOT: {"id": 41898282, "type": "Bot"}, "web-flow": {"id": 19864447, "type": "User"}}


def _state_path() -> Path:
    return Path(os.environ["FAKE_GH_STATE"])


def empty_state() -> dict[str, Any]:
    return {"calls": [], "labels": {}, "pulls": [], "issues": [], "next_number": 1, "next_comment": 1000,
            "clock": 0, "users": {}, "emails": {}, "runs": {}, "artifacts": [], "dispatches": [],
            "settings": {}, "next_artifact": 7000}


def load() -> dict[str, Any]:
    path = _state_path()
    state = empty_state()
    if path.exists():
        state.update(json.loads(path.read_text(encoding="utf-8")))
    return state


def save(state: dict[str, Any]) -> None:
    tmp = _state_path().with_suffix(".tmp")
    tmp.write_text(json.dumps(state, indent=2, sort_keys=True), encoding="utf-8")
    tmp.replace(_state_path())


def stamp(seconds: int) -> str:
    return (EPOCH + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")


def tick(state: dict[str, Any]) -> str:
    """The fake GitHub's clock: every event that GitHub time-stamps moves it on by one second."""
    state["clock"] = int(state.get("clock", 0)) + 1
    return stamp(state["clock"])


class Fail(Exception):
    pass


def _options(args: list[str], flags: set[str], valued: set[str]) -> tuple[dict[str, Any], list[str]]:
    opts: dict[str, Any] = {}
    rest: list[str] = []
    i = 0
    while i < len(args):
        a = args[i]
        name, eq, inline = a.partition("=")
        if a in flags:
            opts[a] = True
        elif name in valued:
            value = inline if eq else args[i + 1]
            i += 0 if eq else 1
            opts.setdefault(name, []).append(value)
        elif a.startswith("-"):
            raise Fail(f"unsupported option {a}")
        else:
            rest.append(a)
        i += 1
    return opts, rest


def _one(opts: dict[str, Any], name: str, default: str | None = None) -> str | None:
    values = opts.get(name)
    return values[-1] if values else default


def _read(value: str) -> str:
    if value.startswith("@"):
        return Path(value[1:]).read_text(encoding="utf-8")
    return value


def _pull(state: dict[str, Any], number: int | str) -> dict[str, Any]:
    for pr in state["pulls"]:
        if pr["number"] == int(number):
            return pr
    raise Fail(f"gh: Not Found (HTTP 404): no pull request #{number}")


def _repo() -> str:
    return os.environ.get("GITHUB_REPOSITORY", "org/tenant")


def _git(*args: str) -> str:
    origin = os.environ.get("FAKE_GH_ORIGIN")
    if not origin:
        raise Fail("gh stand-in: FAKE_GH_ORIGIN is not set (the origin repository GitHub would hold)")
    env = {**os.environ, "GIT_AUTHOR_NAME": "GitHub", "GIT_AUTHOR_EMAIL": "noreply@github.com",
           "GIT_COMMITTER_NAME": "GitHub", "GIT_COMMITTER_EMAIL": "noreply@github.com"}
    proc = subprocess.run(["git", "-C", origin, *args], capture_output=True, text=True, env=env)
    if proc.returncode:
        raise Fail(f"gh stand-in: git {' '.join(args)}: {proc.stderr.strip()}")
    return proc.stdout


def user(state: dict[str, Any], login: str | None) -> dict[str, Any] | None:
    if login is None:
        return None
    known = {**DEFAULT_USERS, **state.get("users", {})}
    info = known.get(login, {"id": 1000 + sum(map(ord, login)), "type": "User"})
    return {"login": login, "id": info["id"], "type": info["type"]}


def user_of_email(state: dict[str, Any], email: str) -> str | None:
    """The login GitHub links a commit email to: a known address, or a noreply address."""
    if email in state.get("emails", {}):
        return state["emails"][email]
    match = re.fullmatch(r"(?:\d+\+)?([^@]+)@users\.noreply\.github\.com", email)
    return match.group(1) if match else None


def repository(state: dict[str, Any]) -> dict[str, Any]:
    owner, name = _repo().split("/", 1)
    repo = {"id": 456789, "name": name, "full_name": _repo(), "private": True, "visibility": "private",
            "default_branch": "main", "owner": {"login": owner, "id": 123456, "type": "Organization"}}
    repo.update(state.get("repository", {}))
    return repo


# ---------------------------------------------------------------------------------------------------- commands
def label_create(state: dict[str, Any], args: list[str]) -> str:
    opts, rest = _options(args, {"--force"}, {"--color", "-c", "--description", "-d"})
    [name] = rest
    if name in state["labels"] and not opts.get("--force"):
        raise Fail(f'label with name "{name}" already exists; use `--force` to update its color and description')
    state["labels"][name] = {"color": _one(opts, "--color"), "description": _one(opts, "--description")}
    return ""


def pr_create(state: dict[str, Any], args: list[str]) -> str:
    opts, rest = _options(args, set(), {"--base", "-B", "--head", "-H", "--title", "-t", "--body-file", "-F",
                                        "--label", "-l", "--body", "-b"})
    if rest:
        raise Fail(f"unexpected arguments {rest}")
    if os.environ.get("GH_TOKEN", "").startswith("ghs_") and not state["settings"].get(
            "actions_can_create_pull_requests"):
        raise Fail("pull request create failed: GraphQL: GitHub Actions is not permitted to create or approve "
                   "pull requests (createPullRequest)")
    for label in opts.get("--label", []):
        if label not in state["labels"]:
            raise Fail(f"could not add label: '{label}' not found")
    title = _one(opts, "--title") or ""
    if len(title) > 256:
        raise Fail("pull request create failed: GraphQL: Title is too long (maximum is 256 characters) "
                   "(createPullRequest)")
    body = _read("@" + _one(opts, "--body-file")) if "--body-file" in opts else _one(opts, "--body", "")
    if len(body) > 65536:
        raise Fail("pull request create failed: GraphQL: Body is too long (maximum is 65536 characters) "
                   "(createPullRequest)")
    base, head = _one(opts, "--base"), _one(opts, "--head")
    number = state["next_number"]
    state["next_number"] += 1
    if os.environ.get("FAKE_GH_ORIGIN"):
        merge_refs(number, _git("rev-parse", f"refs/heads/{base}").strip(),
                   _git("rev-parse", f"refs/heads/{head}").strip())
    state["pulls"].append({
        "number": number, "base": base, "head": head, "title": title, "body": body,
        "labels": opts.get("--label", []), "comments": [], "reviews": [], "state": "open",
        "merge_commit_sha": None, "user": os.environ.get("FAKE_GH_ACTOR", BOT),
        "base_sha": _git("rev-parse", f"refs/heads/{base}").strip() if os.environ.get("FAKE_GH_ORIGIN") else None,
        "head_sha": _git("rev-parse", f"refs/heads/{head}").strip() if os.environ.get("FAKE_GH_ORIGIN") else None,
        "created_at": tick(state)})
    return f"https://github.com/{_repo()}/pull/{number}\n"


def merge_refs(number: int, base_sha: str, head_sha: str) -> None:
    """refs/pull/<n>/head and refs/pull/<n>/merge, as GitHub keeps them for an open pull request (the test merge
    of the head into the base; git merge-tree --write-tree, git 2.38+)."""
    _git("update-ref", f"refs/pull/{number}/head", head_sha)
    tree = _git("merge-tree", "--write-tree", base_sha, head_sha).split()[0]
    merge = _git("commit-tree", tree, "-p", base_sha, "-p", head_sha, "-m", f"Merge {head_sha} into {base_sha}").strip()
    _git("update-ref", f"refs/pull/{number}/merge", merge)


def _check_body(body: str) -> None:
    if len(body) > 65536:
        raise Fail("gh: Body is too long (maximum is 65536 characters) (HTTP 422)")


def pr_comment(state: dict[str, Any], args: list[str]) -> str:
    opts, rest = _options(args, set(), {"--body-file", "-F", "--body", "-b"})
    [number] = rest
    body = _read("@" + _one(opts, "--body-file")) if "--body-file" in opts else _one(opts, "--body", "")
    _check_body(body)
    return _add_comment(state, _pull(state, number), body)


def _add_comment(state: dict[str, Any], pr: dict[str, Any], body: str, login: str = BOT) -> str:
    cid = state["next_comment"]
    state["next_comment"] += 1
    pr["comments"].append({"id": cid, "user": {"login": login}, "body": body, "created_at": tick(state)})
    return f"https://github.com/{_repo()}/pull/{pr['number']}#issuecomment-{cid}\n"


def issue_create(state: dict[str, Any], args: list[str]) -> str:
    opts, rest = _options(args, set(), {"--title", "-t", "--body-file", "-F", "--body", "-b", "--label", "-l"})
    if rest:
        raise Fail(f"unexpected arguments {rest}")
    for label in opts.get("--label", []):
        if label not in state["labels"]:
            raise Fail(f"could not add label: '{label}' not found")
    body = _read("@" + _one(opts, "--body-file")) if "--body-file" in opts else _one(opts, "--body", "")
    _check_body(body)
    title = _one(opts, "--title") or ""
    if len(title) > 256:
        raise Fail("gh: Title is too long (maximum is 256 characters) (HTTP 422)")
    number = state["next_number"]
    state["next_number"] += 1
    state["issues"].append({"number": number, "title": title, "body": body, "labels": opts.get("--label", [])})
    return f"https://github.com/{_repo()}/issues/{number}\n"


def workflow_run(state: dict[str, Any], args: list[str]) -> str:
    opts, rest = _options(args, set(), {"-f", "--raw-field", "-F", "--field", "--ref", "-r"})
    [workflow] = rest
    fields = {}
    for raw in opts.get("-f", []) + opts.get("--raw-field", []) + opts.get("-F", []) + opts.get("--field", []):
        key, _, value = raw.partition("=")
        fields[key] = value
    state["dispatches"].append({"workflow": workflow, "ref": _one(opts, "--ref") or _one(opts, "-r"),
                                "inputs": fields, "at": tick(state)})
    return ""


# ---------------------------------------------------------------------------------------------------- the API
def pull_json(state: dict[str, Any], pr: dict[str, Any]) -> dict[str, Any]:
    merged = pr["state"] == "merged"
    return {"number": pr["number"], "body": pr["body"], "title": pr["title"],
            "labels": [{"name": n} for n in pr["labels"]], "merge_commit_sha": pr["merge_commit_sha"],
            "state": "closed" if merged else pr["state"], "merged": merged,
            "merged_at": pr.get("merged_at") or (stamp(0) if merged else None),
            "merged_by": user(state, pr.get("merged_by")) if merged else None,
            "user": user(state, pr.get("user")),
            "head": {"ref": pr["head"], "sha": pr.get("head_sha"), "repo": {"full_name": _repo()}},
            "base": {"ref": pr["base"], "sha": pr.get("base_sha")}}


def review_json(state: dict[str, Any], pr: dict[str, Any], review: dict[str, Any], index: int) -> dict[str, Any]:
    return {"id": 80 + 1000 * pr["number"] + index, "user": user(state, review["user"]), "body": review.get("body", ""),
            "state": review["state"], "commit_id": review["commit_id"], "submitted_at": review["submitted_at"],
            "author_association": review.get("author_association", "MEMBER"),
            "html_url": f"https://github.com/{_repo()}/pull/{pr['number']}#pullrequestreview-{index}"}


def pull_commits(state: dict[str, Any], pr: dict[str, Any]) -> list[dict[str, Any]]:
    out = _git("log", "--reverse", "--format=%H%x1f%an%x1f%ae%x1f%cn%x1f%ce", f"{pr['base_sha']}..{pr['head_sha']}")
    commits = []
    for line in out.splitlines():
        sha, an, ae, cn, ce = line.split("\x1f")
        commits.append({"sha": sha, "commit": {"author": {"name": an, "email": ae},
                                               "committer": {"name": cn, "email": ce}},
                        "author": user(state, user_of_email(state, ae)),
                        "committer": user(state, user_of_email(state, ce))})
    return commits[:250]


def artifact_json(state: dict[str, Any], art: dict[str, Any]) -> dict[str, Any]:
    run = state["runs"][str(art["run_id"])]
    return {"id": art["id"], "name": art["name"], "size_in_bytes": art["size"], "expired": art.get("expired", False),
            "created_at": art["created_at"], "updated_at": art["created_at"], "digest": art["digest"],
            "archive_download_url": f"https://api.github.com/repos/{_repo()}/actions/artifacts/{art['id']}/zip",
            "workflow_run": {"id": art["run_id"], "repository_id": 456789, "head_repository_id": 456789,
                             "head_branch": run["head_branch"], "head_sha": run["head_sha"]}}


def run_json(state: dict[str, Any], run: dict[str, Any]) -> dict[str, Any]:
    return {**run, "repository": {"full_name": _repo()}, "head_repository": {"full_name": _repo()},
            "html_url": f"https://github.com/{_repo()}/actions/runs/{run['id']}"}


def api(state: dict[str, Any], args: list[str]) -> str | bytes:
    opts, rest = _options(args, {"--paginate"}, {"--method", "-X", "--jq", "-q", "-F", "--field", "-f", "-H",
                                                 "--header"})
    [path] = rest
    method = (_one(opts, "--method") or _one(opts, "-X") or ("POST" if opts.get("-F") or opts.get("-f") else "GET"))
    fields = {}
    for raw in opts.get("-F", []) + opts.get("--field", []) + opts.get("-f", []):
        key, _, value = raw.partition("=")
        fields[key] = _read(value)
    parts = urlsplit(path)
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    prefix = f"repos/{_repo()}"
    route = parts.path.removeprefix("/")
    if not (route == prefix or route.startswith(prefix + "/")):
        raise Fail(f"gh: Not Found (HTTP 404): gh api: unexpected path {path}")
    route = route[len(prefix):].removeprefix("/")
    result: Any
    if method == "GET" and route == "":
        result = repository(state)
    elif method == "GET" and route == "actions/oidc/customization/sub":
        result = state.get("oidc", {"use_default": True})
    elif method == "GET" and (m := re.fullmatch(r"commits/([0-9a-f]{40})/pulls", route)):
        result = [pull_json(state, pr) for pr in state["pulls"]
                  if pr["merge_commit_sha"] == m.group(1) or (pr["state"] == "open" and pr.get("head_sha") == m.group(1))]
    elif method == "GET" and (m := re.fullmatch(r"issues/(\d+)/comments", route)):
        result = _pull(state, m.group(1))["comments"]
    elif method == "PATCH" and (m := re.fullmatch(r"issues/comments/(\d+)", route)):
        comment = next((c for pr in state["pulls"] for c in pr["comments"] if c["id"] == int(m.group(1))), None)
        if comment is None or set(fields) != {"body"}:
            raise Fail(f"gh api: cannot PATCH {route} with {sorted(fields)}")
        _check_body(fields["body"])
        comment["body"] = fields["body"]
        result = comment
    elif method == "GET" and (m := re.fullmatch(r"pulls/(\d+)", route)):
        result = pull_json(state, _pull(state, m.group(1)))
    elif method == "GET" and (m := re.fullmatch(r"pulls/(\d+)/reviews", route)):
        pr = _pull(state, m.group(1))
        result = [review_json(state, pr, r, i) for i, r in enumerate(pr.get("reviews", []))]
    elif method == "GET" and (m := re.fullmatch(r"pulls/(\d+)/commits", route)):
        result = pull_commits(state, _pull(state, m.group(1)))
    elif method == "GET" and (m := re.fullmatch(r"issues/(\d+)/labels", route)):
        result = [{"name": name} for name in _pull(state, m.group(1))["labels"]]
    elif method == "GET" and (m := re.fullmatch(r"actions/runs/(\d+)", route)):
        run = state["runs"].get(m.group(1))
        if run is None:
            raise Fail(f"gh: Not Found (HTTP 404): no run {m.group(1)}")
        result = run_json(state, run)
    elif method == "GET" and route == "actions/artifacts":
        arts = [artifact_json(state, a) for a in state["artifacts"]
                if "name" not in query or a["name"] == query["name"]]
        result = {"total_count": len(arts), "artifacts": list(reversed(arts))}   # newest first
    elif method == "GET" and (m := re.fullmatch(r"actions/artifacts/(\d+)/zip", route)):
        art = next((a for a in state["artifacts"] if a["id"] == int(m.group(1))), None)
        if art is None or art.get("expired"):
            raise Fail("gh: Gone (HTTP 410)" if art else "gh: Not Found (HTTP 404)")
        return Path(art["file"]).read_bytes()
    else:
        raise Fail(f"gh: Not Found (HTTP 404): gh api: no stand-in for {method} {path}")
    jq = _one(opts, "--jq") or _one(opts, "-q")
    if jq is None:
        return json.dumps(result) + "\n"
    proc = subprocess.run(["jq", "-r", jq], input=json.dumps(result), capture_output=True, text=True)
    if proc.returncode:
        raise Fail(f"jq: {proc.stderr.strip()}")
    return proc.stdout


COMMANDS = {("label", "create"): label_create, ("pr", "create"): pr_create, ("pr", "comment"): pr_comment,
            ("issue", "create"): issue_create, ("workflow", "run"): workflow_run}


def main(argv: list[str]) -> int:
    state = load()
    state["calls"].append(argv)
    try:
        if not os.environ.get("GH_TOKEN"):
            raise Fail("gh: GH_TOKEN is not set (the workflow step must pass github.token)")
        if argv[:1] == ["api"]:
            out = api(state, argv[1:])
        elif tuple(argv[:2]) in COMMANDS:
            out = COMMANDS[tuple(argv[:2])](state, argv[2:])
        else:
            raise Fail(f"gh stand-in: unsupported command {' '.join(argv[:2])}")
    except (Fail, ValueError, IndexError, KeyError) as exc:
        save(state)
        print(str(exc) or type(exc).__name__, file=sys.stderr)
        return 1
    save(state)
    if isinstance(out, bytes):
        sys.stdout.buffer.write(out)
    else:
        sys.stdout.write(out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
