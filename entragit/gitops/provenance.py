"""Which plan was reviewed: the one entragit's own publisher workflow published, proven through the API.

A comment, a check run or a commit status proves nothing: any workflow of the repository can write one with the
workflow token, under the same ``github-actions[bot]`` name. What no other workflow can forge is a **workflow
run's artifact**: artifacts are uploaded by the run that owns them. So the publisher (``publish-plan.yml``,
triggered by ``workflow_run`` or a dispatch, so that its definition comes from the default branch and the pull
request is only data) uploads ``entragit-plan-<pr>-<head sha>`` holding ``record.json`` (pull request, head, the
merge it planned, checksum, forced reason) and the plan. The apply side then

1. lists the artifacts of that name (GET /repos/{o}/{r}/actions/artifacts?name=,
   https://docs.github.com/rest/actions/artifacts), newest first;
2. reads each one's run (GET /repos/{o}/{r}/actions/runs/{id}, https://docs.github.com/rest/actions/workflow-runs)
   and keeps it only if the run is of ``.github/workflows/publish-plan.yml``, triggered by ``workflow_run`` or
   ``workflow_dispatch``, on the default branch, of this repository, completed, and the workflow file
   at the run's ``head_sha`` (the commit its definition was read from) is on the default branch's history and is
   byte for byte the publisher this (hash-pinned) entragit renders: a publisher changed on the default branch
   by anyone would be a different file; and the install lock at that commit (``.entragit/requirements.txt``,
   which the publisher installs entragit from) is the one the administrators pin: an unchanged publisher
   running a swapped entragit could write any record;
3. downloads the archive (GET .../artifacts/{id}/zip) and takes its ``record.json`` only if it names this pull
   request and its final head.

The approval must come after the plan was published (the approver saw it): only records created before the
approval counting are considered. ``entragit apply --checksum`` then refuses unless the tenant still gives that
plan.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import subprocess
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from git import Repo

from entragit.errors import RefusedError
from entragit.gitops.github import GitHub, GitHubError

PUBLISHER = ".github/workflows/publish-plan.yml"
PUBLISHER_EVENTS = ("workflow_run", "workflow_dispatch")
ARTIFACT = "entragit-plan-{pr}-{head}"
RECORD = "record.json"
LOCK = ".entragit/requirements.txt"
CHECKSUM = re.compile(r"^[0-9a-f]{64}$")


@dataclass
class PublishedPlan:
    checksum: str
    pr: int
    head: str
    merge: str
    base: str
    force_reason: str
    run_id: int
    artifact_id: int
    created_at: str

    def to_dict(self) -> dict[str, Any]:
        return {"checksum": self.checksum, "pr": self.pr, "head": self.head, "merge": self.merge, "base": self.base,
                "forceReason": self.force_reason or None, "run": self.run_id, "artifact": self.artifact_id,
                "createdAt": self.created_at}


def _git(repo: Repo, *args: str) -> tuple[int, str]:
    status, out, _ = repo.git.execute(["git", *args], with_extended_output=True, with_exceptions=False)
    return int(status or 0), str(out)


def workflow_path(run: Mapping[str, Any], slug: str) -> str:
    """A run's workflow file path: GitHub answers ``.github/workflows/x.yml``, its schema's example
    ``owner/repo/.github/workflows/x.yml@ref``: both read the same."""
    path = str(run.get("path") or "")
    if path.lower().startswith(slug.lower() + "/"):
        path = path[len(slug) + 1:]
    return path.split("@", 1)[0]


def run_problems(repo: Repo, run: Mapping[str, Any], *, slug: str, default_branch: str, branch_ref: str,
                 definition: str, lock_sha256: str | None = None) -> list[str]:
    """Why ``run`` is not a run of entragit's publisher from the default branch ([] when it is)."""
    problems = []
    path = workflow_path(run, slug)
    if path != PUBLISHER:
        problems.append(f"run {run.get('id')} is of {path or 'an unknown workflow'}, not {PUBLISHER}")
    if run.get("event") not in PUBLISHER_EVENTS:
        problems.append(f"run {run.get('id')} was triggered by {run.get('event')}, not {' or '.join(PUBLISHER_EVENTS)}")
    if run.get("head_branch") != default_branch:
        problems.append(f"run {run.get('id')} ran on {run.get('head_branch')}, not {default_branch}")
    for key in ("repository", "head_repository"):
        name = (run.get(key) or {}).get("full_name")
        if name is not None and name.lower() != slug.lower():
            problems.append(f"run {run.get('id')}'s {key.replace('_', ' ')} is {name}")
    if run.get("status") != "completed":
        problems.append(f"run {run.get('id')} has not completed ({run.get('status')})")
    sha = str(run.get("head_sha") or "")
    if problems or not re.fullmatch(r"[0-9a-f]{40}", sha):
        return problems or [f"run {run.get('id')} names no definition commit"]
    if _git(repo, "merge-base", "--is-ancestor", "--end-of-options", sha, branch_ref)[0] != 0:
        return [f"run {run.get('id')}'s definition commit {sha[:12]} is not on {default_branch}"]
    status, text = _git(repo, "show", "--end-of-options", f"{sha}:{PUBLISHER}")
    if status != 0:
        return [f"{PUBLISHER} does not exist at {sha[:12]}"]
    if text.rstrip("\n") != definition.rstrip("\n"):
        return [f"run {run.get('id')}'s {PUBLISHER} at {sha[:12]} is not entragit's publisher (it was changed)"]
    if lock_sha256 is not None:
        # the file's exact bytes (GitPython's execute would strip the last newline): a subprocess of its own
        proc = subprocess.run(["git", "-C", str(repo.working_tree_dir or repo.git_dir), "show", "--end-of-options",
                               f"{sha}:{LOCK}"], capture_output=True)
        digest = hashlib.sha256(proc.stdout).hexdigest() if proc.returncode == 0 else "none"
        if digest != lock_sha256:
            return [f"run {run.get('id')} installed entragit from the {LOCK} of {sha[:12]} (sha256 {digest}), not "
                    f"the lock the administrators pin ({lock_sha256})"]
    return []


def _record(api: GitHub, slug: str, artifact_id: int) -> dict[str, Any]:
    data = api.raw(f"repos/{slug}/actions/artifacts/{artifact_id}/zip")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            record = json.loads(archive.read(RECORD).decode("utf-8"))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise RefusedError(f"artifact {artifact_id} holds no readable {RECORD}: {exc}") from None
    if not isinstance(record, dict):
        raise RefusedError(f"artifact {artifact_id}: {RECORD} is not an object")
    return record


def find_published_plan(api: GitHub, repo: Repo, slug: str, *, pr: int, head: str, default_branch: str,
                        branch_ref: str, definition: str, published_before: str | None = None,
                        lock_sha256: str | None = None) -> PublishedPlan:
    """The newest plan of ``pr`` at ``head`` that entragit's publisher (``definition``: the workflow file as
    this entragit renders it) published before ``published_before`` (an ISO time: the approval's);
    RefusedError naming why each candidate was set aside."""
    name = ARTIFACT.format(pr=pr, head=head)
    artifacts = [a for a in api.paginate(f"repos/{slug}/actions/artifacts", {"name": name}, key="artifacts")
                 if a.get("name") == name]
    artifacts.sort(key=lambda a: (str(a.get("created_at") or ""), int(a.get("id") or 0)), reverse=True)
    set_aside: list[str] = []
    for art in artifacts:
        created = str(art.get("created_at") or "")
        if art.get("expired"):
            set_aside.append(f"artifact {art['id']} has expired (re-run the publisher)")
            continue
        if published_before and created > published_before:
            set_aside.append(f"artifact {art['id']} was published at {created}, after the approval at "
                             f"{published_before} (approve again)")
            continue
        run_id = int((art.get("workflow_run") or {}).get("id") or 0)
        try:
            run = api.get(f"repos/{slug}/actions/runs/{run_id}")
        except GitHubError as exc:
            set_aside.append(f"artifact {art['id']}: its run {run_id} cannot be read: {exc}")
            continue
        problems = run_problems(repo, run, slug=slug, default_branch=default_branch, branch_ref=branch_ref,
                                definition=definition, lock_sha256=lock_sha256)
        if problems:
            set_aside.append(f"artifact {art['id']}: " + "; ".join(problems))
            continue
        record = _record(api, slug, int(art["id"]))
        if record.get("pr") != pr or record.get("head") != head or str(record.get("repository", "")).lower() != slug.lower():
            set_aside.append(f"artifact {art['id']} records pull request {record.get('pr')} at "
                             f"{str(record.get('head'))[:12]} of {record.get('repository')}")
            continue
        checksum = str(record.get("checksum") or "")
        if not CHECKSUM.match(checksum):
            reason = record.get("error") or "no checksum"
            raise RefusedError(f"the plan published for pull request #{pr} at {head[:12]} (run {run_id}) has no "
                               f"checksum: {reason}")
        return PublishedPlan(checksum, pr, head, str(record.get("merge") or ""), str(record.get("base") or ""),
                             str(record.get("forceReason") or ""), run_id, int(art["id"]), created)
    detail = "; ".join(set_aside) if set_aside else f"no artifact named {name}"
    raise RefusedError(f"no plan of pull request #{pr} at {head[:12]} was published by entragit's publisher "
                       f"({PUBLISHER} on {default_branch}) before its approval: {detail}")
