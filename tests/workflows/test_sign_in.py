"""The workflows' sign-in reaches entragit's credential chain: each job that signs in gives it the tenant and
the client id (from repository variables for the reader; pinned in the administrators' workflow for the
writer), GitHub adds the OIDC request variables (`id-token: write`), and the chain picks GitHub Actions OIDC
(`ClientAssertionCredential`) as that job's app registration, with no secret.
Here each job's own `env:` drives the whole exchange: a loopback stand-in for GitHub's token endpoint gets the
request token and the audience `api://AzureADTokenExchange`, and the GitHub token it answers reaches Entra's
token endpoint (an azure-core transport stand-in: azure-identity accepts only https authorities) as the client
assertion of that job's app in the tenant of the repository variable. More of the chain in tests/graph."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from azure.identity import ClientAssertionCredential

from entragit.graph.auth import GITHUB_AUDIENCE, build_credential
from entragit.init import WORKFLOWS
from entragit.settings import load_settings
from tests.plugins.graph import GITHUB_JWT, GitHubTokenEndpoint, LoginStandIn, github_token_endpoint
from tests.workflows.gha import interpolate
from tests.workflows.helpers import ADMIN_VALUES, PROJECT_WORKFLOWS, admin_workflow, load_workflow

VARS = {"ENTRAGIT_TENANT_ID": ADMIN_VALUES["tenant_id"],
        "ENTRAGIT_READER_CLIENT_ID": "11111111-1111-1111-1111-111111111111"}
WORKFLOW_DATA = {**{name: load_workflow(PROJECT_WORKFLOWS / name) for name in WORKFLOWS},
                 "entragit-apply.yml": admin_workflow()}
SIGN_IN_JOBS = [(name, job_id) for name, data in WORKFLOW_DATA.items() for job_id, job in data["jobs"].items()
                if job.get("permissions", {}).get("id-token") == "write" and "steps" in job]


def test_the_jobs_that_sign_in() -> None:
    assert SIGN_IN_JOBS == [("backup.yml", "backup"), ("difference-report.yml", "report"),
                            ("publish-plan.yml", "publish"), ("recover.yml", "backup"),
                            ("entragit-apply.yml", "apply")]


@pytest.fixture
def github_oidc() -> Iterator[dict[str, str]]:
    """What GitHub adds to a job with `id-token: write`, pointing at the loopback stand-in."""
    with github_token_endpoint("/_apis/distributedtask/hubs/build/plans/p/jobs/j/idtoken?api-version=2.0") as url:
        yield {"ACTIONS_ID_TOKEN_REQUEST_URL": url, "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "job-request-token",
               "PATH": "/nonexistent"}


@pytest.mark.parametrize(("name", "job_id"), SIGN_IN_JOBS)
def test_job_signs_in_with_github_oidc_as_its_app(tmp_path: Path, github_oidc: dict[str, str], name: str,
                                                  job_id: str) -> None:
    job = WORKFLOW_DATA[name]["jobs"][job_id]
    context = {"vars": VARS, "github": {"token": "ghs_x", "event": {}, "sha": "a" * 40}}
    env = {key: interpolate(value, context) for key, value in job["env"].items()}
    assert not any("SECRET" in key or "CERTIFICATE" in key or "PASSWORD" in key for key in env)
    settings = load_settings(repo=tmp_path, env={**env, **github_oidc})
    entra = LoginStandIn()
    credential, how = build_credential(settings, {**env, **github_oidc}, transport=entra)
    try:
        assert how == "GitHub Actions OIDC" and isinstance(credential, ClientAssertionCredential)
        expected = ADMIN_VALUES["writer_client_id"] if job_id == "apply" else VARS["ENTRAGIT_READER_CLIENT_ID"]
        assert (settings.tenant_id, settings.client_id) == (VARS["ENTRAGIT_TENANT_ID"], expected)

        assert credential.get_token("https://graph.microsoft.com/.default").token == "entra-access-token"
    finally:
        credential.close()
    # GitHub's endpoint: asked with the job's request token, for Entra's audience
    [asked] = GitHubTokenEndpoint.seen
    assert asked["authorization"] == "bearer job-request-token"
    assert parse_qs(urlsplit(asked["path"]).query)["audience"] == [GITHUB_AUDIENCE]
    # Entra's: GitHub's token as the assertion of this job's app, in the tenant of the repository variable
    [request] = entra.requests
    assert request.url == f"https://login.microsoftonline.com/{VARS['ENTRAGIT_TENANT_ID']}/oauth2/v2.0/token"
    form = request.body if isinstance(request.body, dict) else {k: v[0] for k, v in parse_qs(request.body).items()}
    assert (form["client_id"], form["client_assertion"]) == (expected, GITHUB_JWT)
    assert form["client_assertion_type"] == "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
    assert "client_secret" not in form
