"""``entragit doctor``: the federated credentials to register, per job, read from GitHub; and what would keep the
protection model of docs/setup.md from holding (a default subject template, a writer workflow inside the tenant
repository, no approvers, no install lock)."""

from __future__ import annotations

import json
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from entragit.errors import UsageError
from entragit.gitops.github import GitHub
from entragit.gitops.subjects import WRITER_WORKFLOW, SignIn, Template, sign_in_jobs, subjects

ISSUER = "https://token.actions.githubusercontent.com"
ADMIN_PLACEHOLDER = "your-org/entragit-admin"
TEMPLATE = {"use_default": False, "include_claim_keys": ["repo", "context", "job_workflow_ref"]}
LOCK_FILE = ".entragit/requirements.txt"


@dataclass
class Diagnosis:
    repository: dict[str, Any]
    customization: dict[str, Any]
    template: Template
    jobs: list[SignIn]
    problems: list[str] = field(default_factory=list)

    @property
    def slug(self) -> str:
        return str(self.repository["full_name"])

    def to_dict(self) -> dict[str, Any]:
        return {"repository": self.slug, "repositoryId": self.repository["id"],
                "ownerId": self.repository["owner"]["id"], "defaultBranch": self.repository["default_branch"],
                "template": {"useDefault": self.template.use_default, "includeClaimKeys": list(self.template.claim_keys),
                             "repoClaim": self.template.repo_claim, "repoClaimSource": self.template.repo_claim_source,
                             "immutable": self.template.immutable},
                "issuer": ISSUER, "jobs": [j.to_dict() for j in self.jobs], "problems": self.problems}


def repository_slug(root: Path, given: str | None, env: dict[str, str]) -> str:
    """``owner/repo``: ``--repository``, else ``GITHUB_REPOSITORY``, else the ``origin`` remote's GitHub URL."""
    if given:
        slug = given
    elif env.get("GITHUB_REPOSITORY"):
        slug = env["GITHUB_REPOSITORY"]
    else:
        proc = subprocess.run(["git", "-C", str(root), "remote", "get-url", "origin"], capture_output=True,
                              text=True)
        match = re.search(r"github\.com[:/]([^/]+/[^/]+?)(?:\.git)?/?$", proc.stdout.strip())
        if not match:
            raise UsageError("cannot tell the GitHub repository: pass --repository OWNER/REPO")
        slug = match.group(1)
    if not re.fullmatch(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+", slug):
        raise UsageError(f"--repository {slug!r}: expected OWNER/REPO")
    return slug


def diagnose(root: Path, api: GitHub, slug: str, *, admin_workflow: Path | None = None) -> Diagnosis:
    repository = api.get(f"repos/{slug}")
    custom = api.get(f"repos/{slug}/actions/oidc/customization/sub") or {}
    template = Template.from_api(repository, custom)
    default = str(repository["default_branch"])
    jobs = subjects(sign_in_jobs(root / ".github" / "workflows", repository=str(repository["full_name"]),
                                 default_branch=default, admin_workflow=admin_workflow), repository, template)
    found = Diagnosis(repository, custom, template, jobs)
    problem = found.problems.append
    if template.use_default or "job_workflow_ref" not in template.claim_keys:
        problem("the subject template does not include job_workflow_ref: every job of this repository on "
                f"{default} presents the same subject, so the writer's federated credential would accept any "
                "workflow any write collaborator pushes. Set it (repository admin): gh api --method PUT "
                f"repos/{found.slug}/actions/oidc/customization/sub --input - <<< '{json.dumps(TEMPLATE)}'")
    writers = [j for j in jobs if j.app == "writer"]
    if not writers:
        problem(f"no job signs in as the writer: recover.yml's apply job must call OWNER/ADMIN-REPO/.github/"
                f"workflows/{WRITER_WORKFLOW}@main (`entragit init --admin-repo`)")
    for job in writers:
        target = job.job_workflow_ref.split("/.github/", 1)[0]
        if target.lower() == found.slug.lower():
            problem(f"{job.workflow}:{job.job} runs a writer workflow kept in this repository: any write "
                    "collaborator can change it; keep it in a repository only the tenant's administrators can "
                    "change (docs/setup.md)")
        if target.lower() == ADMIN_PLACEHOLDER:
            problem(f"{job.workflow}:{job.job} still calls the placeholder {ADMIN_PLACEHOLDER}: run `entragit init "
                    "--admin-repo OWNER/REPO --force` or edit the `uses:` line")
    reader_subjects = {j.subject for j in jobs if j.app == "reader"}
    for job in writers:
        if job.subject in reader_subjects:
            problem(f"the writer's subject {job.subject!r} is also a reader job's: the two apps cannot be told apart")
    lock = root / LOCK_FILE
    if not lock.is_file():
        problem(f"no {LOCK_FILE}: the workflows install entragit from it (`entragit lock`, docs/setup.md)")
    elif "--hash=sha256:" not in lock.read_text(encoding="utf-8"):
        problem(f"{LOCK_FILE} pins no hashes: pip's --require-hashes refuses it")
    from entragit.settings import load_settings

    if not load_settings(repo=root, env={}).approvers:
        problem("entragit.yaml lists no recovery.approvers: no merged change can be applied (the approval check "
                "refuses every one); list the numeric GitHub user ids of the tenant's administrators")
    return found


def _credential_name(job: SignIn) -> str:
    name = f"github-{Path(job.workflow).stem}-{job.job}"
    return re.sub(r"[^A-Za-z0-9_-]", "-", name)[:120]


def render(found: Diagnosis) -> str:
    repo = found.repository
    t = found.template
    lines = [f"{found.slug}: repository id {repo['id']}, owner {repo['owner']['login']} id {repo['owner']['id']}, "
             f"default branch {repo['default_branch']}, {repo.get('visibility') or ('private' if repo.get('private') else 'public')}",
             "OIDC subject template: " + ("GitHub's default" if t.use_default else f"custom {list(t.claim_keys)}"),
             f"repo claim: {t.repo_claim} ({t.repo_claim_source})", "",
             f"Federated credentials to register (issuer {ISSUER}, audience api://AzureADTokenExchange; subjects "
             "are compared exactly, case included):"]
    width = max((len(f"{j.workflow}:{j.job}") for j in found.jobs), default=10)
    for job in found.jobs:
        lines.append(f"  {job.app:<6}  {job.workflow + ':' + job.job:<{width}}  {job.subject}")
        lines += [f"          note: {n}" for n in job.notes]
    lines += ["", "With the Azure CLI (APP: each app's application (client) id):"]
    seen = set()
    for job in found.jobs:
        if (job.app, job.subject) in seen:
            continue
        seen.add((job.app, job.subject))
        body = json.dumps({"name": _credential_name(job), "issuer": ISSUER, "subject": job.subject,
                           "audiences": ["api://AzureADTokenExchange"]})
        lines.append(f"  az ad app federated-credential create --id <{job.app.upper()} APP> --parameters '{body}'")
    if found.problems:
        lines += ["", f"{len(found.problems)} problem(s):"] + [f"  - {p}" for p in found.problems]
    else:
        lines += ["", "No problem found."]
    return "\n".join(lines) + "\n"
