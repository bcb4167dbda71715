"""The OIDC subject each signing-in job presents to Entra, read from the repository's settings, never assumed.

A federated credential matches a token's ``sub`` exactly and case-sensitively (AADSTS700213, AADSTS7002138:
entragit.graph.auth). What GitHub puts in ``sub`` depends on

- the repository's subject template, ``GET /repos/{owner}/{repo}/actions/oidc/customization/sub``
  (https://docs.github.com/rest/actions/oidc): ``use_default`` (``repo:OWNER/REPO:<context>``), or
  ``include_claim_keys``, each key giving ``key:value`` in order, ``repo`` and ``context`` giving their own
  ``repo:...`` and context forms (https://docs.github.com/actions/reference/security/oidc, "Customizing the
  subject claims": e.g. ``repo:octo-org/octo-repo:environment:prod:job_workflow_ref:octo-org/octo-automation/
  .github/workflows/oidc.yml@refs/heads/main``);
- immutable subjects: repositories created, renamed or transferred after GitHub's cut-over, or opted in, carry
  owner and repository ids in the ``repo`` part. GitHub announced two dates and two formats (changelog
  2026-04-23: ``repo:octocat-123456/my-repo-456789``; the OIDC reference: ``repo:octo-org@123456/octo-repo@456789``),
  so the prefix is read from the same endpoint's ``sub_claim_prefix`` (with ``use_immutable_subject``; the fields
  go-github models: https://github.com/integrations/terraform-provider-github/pull/3582). Only when GitHub gives
  no prefix is one built, from ``owner.id`` and ``id`` of ``GET /repos/{owner}/{repo}`` in the OIDC reference's
  format, and said to be built;
- the job: ``context`` is ``environment:NAME`` for a job naming an environment, ``pull_request`` for
  ``pull_request`` runs, else ``ref:<the run's ref>`` (the default branch for every entragit job);
  ``job_workflow_ref`` is the reusable workflow a job calls (``owner/repo/path@ref``), else the job's own
  workflow at the run's ref (Entra's own example of a refused token lists it: https://github.com/Azure/login/issues/573).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

WRITER_WORKFLOW = "entragit-apply.yml"  # the reusable workflow of the administrators' repository
SHA = re.compile(r"^[0-9a-f]{40}$")


@dataclass
class SignIn:
    """One job that signs in to Entra, and what its token carries."""

    workflow: str            # file name under .github/workflows
    job: str
    app: str                 # reader | writer
    context: str             # ref:refs/heads/main | environment:NAME | pull_request
    job_workflow_ref: str
    event_names: tuple[str, ...]
    environment: str | None = None
    subject: str = ""
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"workflow": self.workflow, "job": self.job, "app": self.app, "subject": self.subject,
                "context": self.context, "jobWorkflowRef": self.job_workflow_ref, "notes": self.notes}


@dataclass
class Template:
    """The repository's subject template, as the API answers it."""

    use_default: bool
    claim_keys: tuple[str, ...]
    repo_claim: str                  # "repo:..." as the subject carries it
    repo_claim_source: str           # where repo_claim comes from
    immutable: bool | None

    @classmethod
    def from_api(cls, repository: Mapping[str, Any], custom: Mapping[str, Any]) -> Template:
        owner, name = repository["owner"]["login"], repository["name"]
        prefix = custom.get("sub_claim_prefix")
        immutable = custom.get("use_immutable_subject")
        if isinstance(prefix, str) and prefix.startswith("repo:"):
            claim, source = prefix, "sub_claim_prefix of the OIDC customization API"
        elif immutable:
            claim = f"repo:{owner}@{repository['owner']['id']}/{name}@{repository['id']}"
            source = ("built from owner.id and id (the API gave no sub_claim_prefix): confirm it against the "
                      "`sub` of a refused sign-in, which entragit logs")
        else:
            claim, source = f"repo:{owner}/{name}", "owner and repository names (immutable subjects are off)"
        keys = tuple(str(k) for k in custom.get("include_claim_keys") or ())
        use_default = bool(custom.get("use_default", True)) or not keys
        return cls(use_default, keys, claim, source, immutable if isinstance(immutable, bool) else None)


def _env_app(env: Mapping[str, Any]) -> str | None:
    client = str(env.get("AZURE_CLIENT_ID", ""))
    if "WRITER" in client:
        return "writer"
    if "READER" in client:
        return "reader"
    return None


def _triggers(data: Mapping[str, Any]) -> tuple[str, ...]:
    on = data.get("on", data.get(True))
    if isinstance(on, str):
        return (on,)
    if isinstance(on, list):
        return tuple(str(o) for o in on)
    return tuple(str(k) for k in (on or {}))


def _load(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return data if isinstance(data, dict) else {}


def _full_ref(ref: str) -> str:
    if SHA.match(ref) or ref.startswith("refs/"):
        return ref
    return f"refs/heads/{ref}"


def _environment(job: Mapping[str, Any]) -> str | None:
    env = job.get("environment")
    if isinstance(env, Mapping):
        env = env.get("name")
    return str(env) if env else None


def sign_in_jobs(workflows: Path, *, repository: str, default_branch: str,
                 admin_workflow: Path | None = None) -> list[SignIn]:
    """Every job of ``workflows/*.yml`` that signs in: jobs with ``AZURE_CLIENT_ID`` in their ``env``, and jobs
    calling the administrators' reusable workflow (the writer; ``admin_workflow`` is its text, when at hand)."""
    found = []
    admin = _load(admin_workflow) if admin_workflow is not None and admin_workflow.is_file() else None
    for path in sorted(workflows.glob("*.yml")):
        data = _load(path)
        events = _triggers(data)
        for job_id, job in (data.get("jobs") or {}).items():
            if not isinstance(job, Mapping):
                continue
            uses = job.get("uses")
            environment = _environment(job)
            if isinstance(uses, str) and "@" in uses and not uses.startswith("./"):
                target, _, ref = uses.partition("@")
                app = "writer" if target.endswith("/" + WRITER_WORKFLOW) else None
                if admin is not None:
                    for called in (admin.get("jobs") or {}).values():
                        app = _env_app(called.get("env") or {}) or app
                        environment = _environment(called) or environment
                if app is None:
                    continue
                jwr = f"{target}@{_full_ref(ref)}"
            else:
                app = _env_app(job.get("env") or {})
                if app is None:
                    continue
                jwr = f"{repository}/.github/workflows/{path.name}@refs/heads/{default_branch}"
            contexts = ["pull_request"] if events == ("pull_request",) else [f"ref:refs/heads/{default_branch}"]
            if environment:
                contexts = [f"environment:{environment}"]
            for context in contexts:
                found.append(SignIn(path.name, str(job_id), app, context, jwr, events, environment))
    return found


def subjects(jobs: list[SignIn], repository: Mapping[str, Any], template: Template) -> list[SignIn]:
    """Fill in each job's ``subject`` (and ``notes`` where a claim cannot be known in advance)."""
    owner, name = repository["owner"]["login"], repository["name"]
    for job in jobs:
        if template.use_default:
            job.subject = f"{template.repo_claim}:{job.context}"
            continue
        values: dict[str, str | None] = {
            "repository": f"{owner}/{name}", "repository_owner": owner,
            "repository_id": str(repository["id"]), "repository_owner_id": str(repository["owner"]["id"]),
            "repository_visibility": str(repository.get("visibility") or ("private" if repository.get("private")
                                                                          else "public")),
            "job_workflow_ref": job.job_workflow_ref, "environment": job.environment,
            "ref": None if job.context == "pull_request" else job.context.removeprefix("ref:"),
            "ref_type": None if job.context == "pull_request" else "branch",
            "event_name": job.event_names[0] if len(job.event_names) == 1 else None,
        }
        if job.context.startswith("environment:"):
            values["ref"] = f"refs/heads/{job.job_workflow_ref.rsplit('@refs/heads/', 1)[-1]}"
        if job.context == "pull_request" and "job_workflow_ref" in template.claim_keys:
            values["job_workflow_ref"] = None  # refs/pull/<number>/merge: one per pull request
        parts = []
        for key in template.claim_keys:
            if key == "repo":
                parts.append(template.repo_claim)
            elif key == "context":
                parts.append(job.context)
            elif values.get(key) is not None:
                parts.append(f"{key}:{values[key]}")
            else:
                parts.append(f"{key}:<varies>")
                job.notes.append(f"claim {key} varies from run to run: no fixed subject can match it (drop it "
                                 "from the template, or use a flexible federated credential)")
        job.subject = ":".join(parts)
    return jobs
