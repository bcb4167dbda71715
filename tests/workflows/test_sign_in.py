"""The workflows' sign-in reaches entragit's credential chain: each job that signs in gives it the tenant and
the client id from repository variables, GitHub adds the OIDC request variables (`id-token: write`), and the
chain picks GitHub Actions OIDC (`ClientAssertionCredential`) as that job's app registration, with no secret.
The OIDC exchange itself (loopback token endpoint, assertion, Entra request) is tested in tests/graph."""

from __future__ import annotations

from pathlib import Path

import pytest
from azure.identity import ClientAssertionCredential

from entragit.graph.auth import build_credential
from entragit.init import WORKFLOWS
from entragit.settings import load_settings
from tests.workflows.gha import interpolate
from tests.workflows.helpers import PROJECT_WORKFLOWS, load_workflow

VARS = {"ENTRAGIT_TENANT_ID": "7f3c9a51-2b8e-4d6f-9a0c-5e1b2d3c4f60",
        "ENTRAGIT_READER_CLIENT_ID": "11111111-1111-1111-1111-111111111111",
        "ENTRAGIT_WRITER_CLIENT_ID": "22222222-2222-2222-2222-222222222222"}
GITHUB = {"ACTIONS_ID_TOKEN_REQUEST_URL": "https://pipelines.actions.githubusercontent.com/x/_apis/token?api-version=2",
          "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "request-token", "PATH": "/nonexistent"}
SIGN_IN_JOBS = [(name, job_id) for name in WORKFLOWS
                for job_id, job in load_workflow(PROJECT_WORKFLOWS / name)["jobs"].items()
                if job.get("permissions", {}).get("id-token") == "write"]


def test_the_jobs_that_sign_in() -> None:
    assert SIGN_IN_JOBS == [("backup.yml", "backup"), ("difference-report.yml", "report"), ("plan.yml", "plan"),
                            ("recover.yml", "apply"), ("recover.yml", "backup")]


@pytest.mark.parametrize(("name", "job_id"), SIGN_IN_JOBS)
def test_job_signs_in_with_github_oidc_as_its_app(tmp_path: Path, name: str, job_id: str) -> None:
    job = load_workflow(PROJECT_WORKFLOWS / name)["jobs"][job_id]
    context = {"vars": VARS, "github": {"token": "ghs_x", "event": {}, "sha": "a" * 40}}
    env = {key: interpolate(value, context) for key, value in job["env"].items()}
    settings = load_settings(repo=tmp_path, env={**env, **GITHUB})
    credential, how = build_credential(settings, {**env, **GITHUB})
    try:
        assert how == "GitHub Actions OIDC" and isinstance(credential, ClientAssertionCredential)
        expected = VARS["ENTRAGIT_WRITER_CLIENT_ID" if job_id == "apply" else "ENTRAGIT_READER_CLIENT_ID"]
        assert (settings.tenant_id, settings.client_id) == (VARS["ENTRAGIT_TENANT_ID"], expected)
        assert not any("SECRET" in key or "CERTIFICATE" in key for key in env)
    finally:
        credential.close()
