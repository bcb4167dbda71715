"""A tenant repository on a small GitHub, for the tests of the approval check, the plan's provenance and the
recovery workflows: a bare `origin` scaffolded by `entragit init` (approvers listed, an install lock), the
administrators' workflow (`entragit init-admin`) as the reusable workflow recover.yml calls, people with GitHub
accounts, pull requests, reviews and merges, and the runner (tests/workflows/runner.py) with the `gh` stand-in.

GitHub Free, private repository: no environment, no ruleset, no branch protection exists in this world; anyone
with write access can push anything to any branch, main included. Whatever protects the writer has to be
entragit's own checks.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from entragit.init import DEFAULT_ADMIN, admin_files, scaffold
from tests.workflows.helpers import PROJECT_WORKFLOWS, make_wheel
from tests.workflows.runner import Runner, git

TENANT_ID = "7f3c9a51-2b8e-4d6f-9a0c-5e1b2d3c4f60"
WRITER = "22222222-2222-2222-2222-222222222222"
ADMIN_REPO = "org/entragit-admin"
APPLY_USES = f"{ADMIN_REPO}/.github/workflows/entragit-apply.yml@main"
PUBLISH, RECOVER, REPORT = (PROJECT_WORKFLOWS / n for n in ("publish-plan.yml", "recover.yml",
                                                            "difference-report.yml"))


@dataclass(frozen=True)
class Person:
    login: str
    id: int

    @property
    def email(self) -> str:
        return f"{self.login}@example.com"


ADA = Person("ada", 2001)          # an administrator: writes changes, is listed as an approver
BOB = Person("bob", 2002)          # another administrator, listed
MALLORY = Person("mallory", 2003)  # a write collaborator, not listed
APPROVERS = (ADA.id, BOB.id)

# entragit's plan, as `entragit plan --format markdown --output FILE` writes it (entragit.plan.render), reduced
# to what the publisher reads: the Checksum line. The stand-in below writes it for FAKE_PLAN_CHECKSUM.
FAKE_ENTRAGIT = r"""#!/usr/bin/env bash
printf '%s\n' "$*" >> "$FAKE_ENTRAGIT_CALLS"
if [ "$1" = "plan" ]; then
  out=""
  prev=""
  for arg in "$@"; do
    if [ "$prev" = "--output" ]; then out="$arg"; fi
    prev="$arg"
  done
  if [ -n "${FAKE_PLAN_ERROR:-}" ]; then echo "entragit: error: $FAKE_PLAN_ERROR" >&2; exit 3; fi
  printf '## entragit plan\n\n1 update\n\nChecksum: `%s`\n' "$FAKE_PLAN_CHECKSUM" > "$out"
  echo "plan written to $out (checksum $FAKE_PLAN_CHECKSUM)" >&2
  exit 0
fi
if [ "$1" = "apply" ]; then
  echo "entragit apply: stand-in exiting ${FAKE_APPLY_EXIT:-0}"
  exit "${FAKE_APPLY_EXIT:-0}"
fi
exec "$FAKE_ENTRAGIT_PYTHON" -m entragit "$@"
"""


def tiny_wheel(folder: Path) -> Path:
    """A stand-in for entragit's built wheel (the lock pins whatever it is given; pip is a stand-in here)."""
    folder.mkdir(parents=True, exist_ok=True)
    return make_wheel(folder, "entragit", "0.1.0")


class World:
    def __init__(self, base: Path, *, approvers: tuple[int, ...] = APPROVERS, variables: dict[str, str] | None = None,
                 env: dict[str, str] | None = None, fake_entragit: bool = True, tenant_id: str = TENANT_ID) -> None:
        self.base = base
        self.origin, self.work = base / "origin.git", base / "work"
        git(base, "init", "-q", "--bare", "-b", "main", str(self.origin))
        house = base / "wheelhouse"
        house.mkdir()
        scaffold(self.work, tenant_id=tenant_id, admin_repo=ADMIN_REPO, wheel=tiny_wheel(base / "dist"),
                 wheelhouse=house)
        config = self.work / "entragit.yaml"
        config.write_text(config.read_text(encoding="utf-8").replace(
            "  approvers: []", "  approvers: [" + ", ".join(str(i) for i in approvers) + "]"), encoding="utf-8")
        self.lock_sha256 = hashlib.sha256((self.work / ".entragit/requirements.txt").read_bytes()).hexdigest()
        self.as_person(ADA)
        git(self.work, "add", "-A")
        git(self.work, "commit", "-q", "-m", "entragit init")
        git(self.work, "remote", "add", "origin", str(self.origin))
        git(self.work, "push", "-q", "origin", "main")
        self.runner = Runner(base / "runner", self.origin, variables=variables or {
            "ENTRAGIT_TENANT_ID": tenant_id, "ENTRAGIT_READER_CLIENT_ID": "11111111-1111-1111-1111-111111111111"},
            env=env)
        admin = base / "admin-copy" / "entragit-apply.yml"
        admin.parent.mkdir()
        admin.write_text(admin_files(tenant_repo="org/tenant", tenant_id=tenant_id, writer_client_id=WRITER,
                                     approvers=approvers, lock_sha256=self.lock_sha256)[
            ".github/workflows/entragit-apply.yml"], encoding="utf-8")
        self.admin_workflow = admin
        self.runner.reusable[APPLY_USES] = admin
        # entragit's own copies of the workflows (PROJECT_WORKFLOWS) name the placeholder administrators' repository
        self.runner.reusable[f"{DEFAULT_ADMIN}/.github/workflows/entragit-apply.yml@main"] = admin
        self.runner.edit_github(lambda s: s.update(
            users={p.login: {"id": p.id, "type": "User"} for p in (ADA, BOB, MALLORY)},
            emails={p.email: p.login for p in (ADA, BOB, MALLORY)}))
        self.calls = base / "entragit-calls.txt"
        self.runner.env.update(FAKE_ENTRAGIT_CALLS=str(self.calls), FAKE_PLAN_CHECKSUM="c0ffee" * 10 + "c0ff")
        if fake_entragit:
            import sys

            tool = self.runner.tools / "entragit"
            tool.write_text(FAKE_ENTRAGIT, encoding="utf-8")
            tool.chmod(0o755)
            self.runner.env["FAKE_ENTRAGIT_PYTHON"] = sys.executable

    # ------------------------------------------------------------------------------------------ people and git
    def as_person(self, person: Person, repo: Path | None = None) -> None:
        for key, value in (("user.name", person.login.title()), ("user.email", person.email),
                           ("commit.gpgsign", "false")):
            git(repo or self.work, "config", key, value)

    def entragit_calls(self) -> list[str]:
        return self.calls.read_text(encoding="utf-8").splitlines() if self.calls.exists() else []

    def branch(self, name: str, author: Person, files: dict[str, str], message: str = "change") -> str:
        """A branch off origin/main with ``files`` written by ``author``, pushed; returns its head."""
        self.as_person(author)
        git(self.work, "fetch", "-q", "origin")
        git(self.work, "checkout", "-q", "-B", name, "origin/main")
        for rel, text in files.items():
            path = self.work / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        git(self.work, "add", "-A")
        git(self.work, "commit", "-q", "-m", message)
        git(self.work, "push", "-q", "-f", "origin", name)
        return git(self.work, "rev-parse", "HEAD")

    def open_pull(self, branch: str, opener: Person, *, title: str = "Change", body: str = "",
                  labels: tuple[str, ...] = ()) -> int:
        base_sha = git(self.origin, "rev-parse", "main")
        head_sha = git(self.origin, "rev-parse", branch)

        def change(state: dict[str, Any]) -> int:
            number = state["next_number"]
            state["next_number"] += 1
            state["labels"].update({name: {} for name in labels})
            state["pulls"].append({"number": number, "base": "main", "head": branch, "title": title, "body": body,
                                   "labels": list(labels), "comments": [], "reviews": [], "state": "open",
                                   "merge_commit_sha": None, "user": opener.login, "base_sha": base_sha,
                                   "head_sha": head_sha})
            return number
        number = self.runner.edit_github(change)
        self.merge_ref(number)
        return number

    def merge_ref(self, number: int) -> str:
        """GitHub's refs/pull/<n>/merge: the pull request's head merged into the base as it is now."""
        pr = self.pull(number)
        git(self.work, "fetch", "-q", "origin")
        git(self.work, "checkout", "-q", "--detach", "origin/main")
        git(self.work, "merge", "-q", "--no-ff", "-m", f"Merge {pr['head_sha']} into main", pr["head_sha"])
        merge = git(self.work, "rev-parse", "HEAD")
        git(self.work, "push", "-q", "-f", "origin", f"{merge}:refs/pull/{number}/merge")
        git(self.work, "checkout", "-q", "main")
        return merge

    def pull(self, number: int) -> dict[str, Any]:
        return next(p for p in self.runner.github_state()["pulls"] if p["number"] == number)

    def push_to_pull(self, number: int, author: Person, files: dict[str, str]) -> str:
        pr = self.pull(number)
        self.as_person(author)
        git(self.work, "fetch", "-q", "origin")
        git(self.work, "checkout", "-q", "-B", pr["head"], f"origin/{pr['head']}")
        for rel, text in files.items():
            (self.work / rel).parent.mkdir(parents=True, exist_ok=True)
            (self.work / rel).write_text(text, encoding="utf-8")
        git(self.work, "add", "-A")
        git(self.work, "commit", "-q", "-m", "more")
        git(self.work, "push", "-q", "origin", pr["head"])
        head = git(self.work, "rev-parse", "HEAD")
        self.runner.edit_github(lambda s: next(p for p in s["pulls"] if p["number"] == number).update(head_sha=head))
        self.merge_ref(number)
        return head

    def review(self, number: int, person: Person | str, state: str = "APPROVED", commit: str | None = None) -> None:
        login = person.login if isinstance(person, Person) else person

        def change(s: dict[str, Any]) -> None:
            from tests.workflows import fake_gh

            pr = next(p for p in s["pulls"] if p["number"] == number)
            pr.setdefault("reviews", []).append({"user": login, "state": state, "commit_id": commit or pr["head_sha"],
                                                 "submitted_at": fake_gh.tick(s)})
        self.runner.edit_github(change)

    def merge(self, number: int, merger: Person = BOB, *, squash: bool = False) -> tuple[str, str]:
        """Merge with a merge commit (or squash) on main and push, as GitHub's merge button does."""
        pr = self.pull(number)
        self.as_person(merger)
        git(self.work, "fetch", "-q", "origin")
        git(self.work, "checkout", "-q", "-B", "main", "origin/main")
        before = git(self.work, "rev-parse", "HEAD")
        if squash:
            git(self.work, "merge", "-q", "--squash", pr["head_sha"])
            git(self.work, "commit", "-q", "-m", f"{pr['title']} (#{number})")
        else:
            git(self.work, "merge", "-q", "--no-ff", "-m", f"Merge pull request #{number} from org/{pr['head']}",
                pr["head_sha"])
        git(self.work, "push", "-q", "origin", "main")
        after = git(self.work, "rev-parse", "HEAD")
        self.runner.edit_github(lambda s: next(p for p in s["pulls"] if p["number"] == number).update(
            state="merged", merge_commit_sha=after, merged_by=merger.login))
        return before, after

    # ------------------------------------------------------------------------------------------------ workflows
    def publish(self, number: int, *, via: str = "workflow_dispatch") -> Any:
        """Run publish-plan.yml for pull request ``number``, as GitHub runs it: from main's definition."""
        sha = git(self.origin, "rev-parse", "main")
        pr = self.pull(number)
        if via == "workflow_dispatch":
            ctx = self.runner.github_context("workflow_dispatch", ref="refs/heads/main", sha=sha, event={
                "repository": {"default_branch": "main"}, "inputs": {"pr": str(number)}})
            return self.runner.run_job(PUBLISH, "publish", ctx, inputs={"pr": str(number)})
        ctx = self.runner.github_context("workflow_run", ref="refs/heads/main", sha=sha, event={
            "repository": {"default_branch": "main"}, "workflow_run": {
                "event": "pull_request", "conclusion": "success", "head_sha": pr["head_sha"],
                "head_repository": {"full_name": "org/tenant"}}})
        return self.runner.run_job(PUBLISH, "publish", ctx, inputs={})

    def push_event(self, before: str, after: str) -> dict[str, Any]:
        message = git(self.origin, "log", "-1", "--format=%B", after)
        return self.runner.github_context("push", ref="refs/heads/main", sha=after, event={
            "before": before, "after": after, "repository": {"default_branch": "main"},
            "head_commit": {"id": after, "message": message}})
