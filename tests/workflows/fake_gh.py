"""A recording stand-in for GitHub's `gh` CLI, put on PATH by the workflow tests.

It keeps a small GitHub in a JSON file (``FAKE_GH_STATE``): labels, pull requests (with their body, labels,
comments and the commit that merged them), issues, and every call made. It answers exactly the commands the
workflows use; anything else exits 1 naming the command, so a workflow that starts using another is noticed.
``--jq`` filters go through the real ``jq`` (gh prints strings raw, as ``jq -r`` does).

The workflow tests copy this file next to a ``gh`` launcher; it needs nothing but the standard library.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

BOT = "github-actions[bot]"


def _state_path() -> Path:
    return Path(os.environ["FAKE_GH_STATE"])


def load() -> dict[str, Any]:
    path = _state_path()
    if path.exists():
        return json.loads(path.read_text(encoding="utf-8"))
    return {"calls": [], "labels": {}, "pulls": [], "issues": [], "next_number": 1, "next_comment": 1000}


def save(state: dict[str, Any]) -> None:
    tmp = _state_path().with_suffix(".tmp")
    tmp.write_text(json.dumps(state, indent=2, sort_keys=True), encoding="utf-8")
    tmp.replace(_state_path())


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
    raise Fail(f"no pull request #{number}")


def _repo() -> str:
    return os.environ.get("GITHUB_REPOSITORY", "org/tenant")


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
    for label in opts.get("--label", []):
        if label not in state["labels"]:
            raise Fail(f"could not add label: '{label}' not found")
    body = _read("@" + _one(opts, "--body-file")) if "--body-file" in opts else _one(opts, "--body", "")
    number = state["next_number"]
    state["next_number"] += 1
    state["pulls"].append({
        "number": number, "base": _one(opts, "--base"), "head": _one(opts, "--head"),
        "title": _one(opts, "--title"), "body": body, "labels": opts.get("--label", []), "comments": [],
        "state": "open", "merge_commit_sha": None, "user": BOT})
    return f"https://github.com/{_repo()}/pull/{number}\n"


def pr_comment(state: dict[str, Any], args: list[str]) -> str:
    opts, rest = _options(args, set(), {"--body-file", "-F", "--body", "-b"})
    [number] = rest
    body = _read("@" + _one(opts, "--body-file")) if "--body-file" in opts else _one(opts, "--body", "")
    return _add_comment(state, _pull(state, number), body)


def _add_comment(state: dict[str, Any], pr: dict[str, Any], body: str, user: str = BOT) -> str:
    cid = state["next_comment"]
    state["next_comment"] += 1
    pr["comments"].append({"id": cid, "user": {"login": user}, "body": body})
    return f"https://github.com/{_repo()}/pull/{pr['number']}#issuecomment-{cid}\n"


def issue_create(state: dict[str, Any], args: list[str]) -> str:
    opts, rest = _options(args, set(), {"--title", "-t", "--body-file", "-F", "--body", "-b", "--label", "-l"})
    if rest:
        raise Fail(f"unexpected arguments {rest}")
    for label in opts.get("--label", []):
        if label not in state["labels"]:
            raise Fail(f"could not add label: '{label}' not found")
    body = _read("@" + _one(opts, "--body-file")) if "--body-file" in opts else _one(opts, "--body", "")
    number = state["next_number"]
    state["next_number"] += 1
    state["issues"].append({"number": number, "title": _one(opts, "--title"), "body": body,
                            "labels": opts.get("--label", [])})
    return f"https://github.com/{_repo()}/issues/{number}\n"


def api(state: dict[str, Any], args: list[str]) -> str:
    opts, rest = _options(args, {"--paginate"}, {"--method", "-X", "--jq", "-q", "-F", "--field", "-f"})
    [path] = rest
    method = (_one(opts, "--method") or _one(opts, "-X") or ("POST" if opts.get("-F") or opts.get("-f") else "GET"))
    fields = {}
    for raw in opts.get("-F", []) + opts.get("--field", []) + opts.get("-f", []):
        key, _, value = raw.partition("=")
        fields[key] = _read(value)
    prefix = f"repos/{_repo()}/"
    if not path.startswith(prefix):
        raise Fail(f"gh api: unexpected path {path}")
    route = path[len(prefix):]
    result: Any
    if method == "GET" and (m := re.fullmatch(r"commits/([0-9a-f]{40})/pulls", route)):
        result = [_pull_json(pr) for pr in state["pulls"] if pr["merge_commit_sha"] == m.group(1)]
    elif method == "GET" and (m := re.fullmatch(r"issues/(\d+)/comments", route)):
        result = _pull(state, m.group(1))["comments"]
    elif method == "PATCH" and (m := re.fullmatch(r"issues/comments/(\d+)", route)):
        comment = next((c for pr in state["pulls"] for c in pr["comments"] if c["id"] == int(m.group(1))), None)
        if comment is None or set(fields) != {"body"}:
            raise Fail(f"gh api: cannot PATCH {route} with {sorted(fields)}")
        comment["body"] = fields["body"]
        result = comment
    elif method == "GET" and (m := re.fullmatch(r"pulls/(\d+)", route)):
        result = _pull_json(_pull(state, m.group(1)))
    elif method == "GET" and (m := re.fullmatch(r"issues/(\d+)/labels", route)):
        result = [{"name": name} for name in _pull(state, m.group(1))["labels"]]
    else:
        raise Fail(f"gh api: no stand-in for {method} {path}")
    jq = _one(opts, "--jq") or _one(opts, "-q")
    if jq is None:
        return json.dumps(result) + "\n"
    proc = subprocess.run(["jq", "-r", jq], input=json.dumps(result), capture_output=True, text=True)
    if proc.returncode:
        raise Fail(f"jq: {proc.stderr.strip()}")
    return proc.stdout


def _pull_json(pr: dict[str, Any]) -> dict[str, Any]:
    return {"number": pr["number"], "body": pr["body"], "title": pr["title"],
            "labels": [{"name": n} for n in pr["labels"]], "merge_commit_sha": pr["merge_commit_sha"],
            "state": pr["state"], "head": {"ref": pr["head"]}, "base": {"ref": pr["base"]}}


COMMANDS = {("label", "create"): label_create, ("pr", "create"): pr_create, ("pr", "comment"): pr_comment,
            ("issue", "create"): issue_create}


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
    sys.stdout.write(out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
