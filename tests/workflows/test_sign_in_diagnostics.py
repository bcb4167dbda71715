"""When Entra refuses the GitHub token (the federated credential does not match), entragit says why: the presented
token's sub, aud and iss (decoded, not verified; the token itself never), the AADSTS code and what to change.

Entra's refusals are the token endpoint's documented error answers (an OAuth error JSON whose
`error_description` starts with the AADSTS code: https://learn.microsoft.com/entra/identity-platform/reference-error-codes;
the AADSTS7002138 wording as users met it: https://github.com/Azure/login/issues/573), served by an azure-core
transport stand-in, as tests/plugins/graph.py's LoginStandIn serves a successful answer.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
import requests
from azure.core.pipeline.transport import RequestsTransportResponse

from entragit.errors import ConfigError
from entragit.graph.auth import GITHUB_AUDIENCE, build_credential, diagnose_exchange, unverified_claims
from entragit.settings import load_settings
from tests.plugins.graph import LoginStandIn, github_token_endpoint

TENANT, CLIENT = "7f3c9a51-2b8e-4d6f-9a0c-5e1b2d3c4f60", "22222222-2222-2222-2222-222222222222"
SUBJECT = ("repo:Contoso/Entra-Tenant:ref:refs/heads/main:job_workflow_ref:Contoso/entragit-admin/.github/"
           "workflows/entragit-apply.yml@refs/heads/main")


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


# A GitHub Actions OIDC token's shape (claims as GitHub Docs' OIDC reference lists them); the signature is junk:
# entragit never verifies it, it only reads the claims to say what was presented.
TOKEN = ".".join([_b64({"alg": "RS256", "kid": "k"}), _b64({
    "iss": "https://token.actions.githubusercontent.com", "aud": GITHUB_AUDIENCE, "sub": SUBJECT,
    "repository": "Contoso/Entra-Tenant", "ref": "refs/heads/main",
    "job_workflow_ref": "Contoso/entragit-admin/.github/workflows/entragit-apply.yml@refs/heads/main"}),
    "c2lnbmF0dXJlLXRoYXQtbXVzdC1uZXZlci1iZS1sb2dnZWQ"])


class RefusingLogin(LoginStandIn):
    """Entra's token endpoint refusing the client assertion with ``description`` (HTTP 400, OAuth error JSON)."""

    def __init__(self, description: str, code: int) -> None:
        super().__init__()
        self.description, self.code = description, code

    def send(self, request: Any, **kwargs: Any) -> Any:
        self.requests.append(request)
        answer = requests.Response()
        answer.status_code = 400
        answer.headers["Content-Type"] = "application/json"
        answer._content = json.dumps({
            "error": "invalid_client", "error_description": self.description, "error_codes": [self.code],
            "timestamp": "2026-07-01 10:00:00Z", "trace_id": "0000aaaa-11bb-cccc-dd22-eeeeee333333",
            "correlation_id": "aaaa0000-bb11-2222-33cc-444444dddddd"}).encode()
        answer.url = request.url
        return RequestsTransportResponse(request, answer)


def _sign_in(tmp_path: Path, entra: LoginStandIn) -> None:
    with github_token_endpoint("/idtoken?api-version=2.0", token=TOKEN) as url:
        env = {"AZURE_TENANT_ID": TENANT, "AZURE_CLIENT_ID": CLIENT, "ACTIONS_ID_TOKEN_REQUEST_URL": url,
               "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "job-request-token", "PATH": "/nonexistent"}
        credential, how = build_credential(load_settings(repo=tmp_path, env=env), env, transport=entra)
        assert how == "GitHub Actions OIDC"
        try:
            credential.get_token("https://graph.microsoft.com/.default")
        finally:
            credential.close()


@pytest.mark.parametrize(("code", "description", "fix"), [
    (700213, f"AADSTS700213: No matching federated identity record found for presented assertion subject "
             f"'{SUBJECT}'. Please check your federated identity credential Subject, Audience and Issuer against "
             "the presented assertion.", f"add one whose subject is exactly '{SUBJECT}'"),
    (7002138, f"AADSTS7002138: No matching federated identity record found for presented assertion subject "
              f"'{SUBJECT}'. The subject matches with case-insensitive comparison, but not with case-sensitive "
              "comparison.", "Entra compares subjects case-sensitively"),
    (700212, "AADSTS700212: No matching federated identity record found for presented assertion audience "
             f"'{GITHUB_AUDIENCE}'.", f"accepts the audience '{GITHUB_AUDIENCE}'"),
    (700016, f"AADSTS700016: Application with identifier '{CLIENT}' was not found in the directory.",
     f"there is no application {CLIENT} in tenant {TENANT}"),
])
def test_a_refused_exchange_names_the_presented_claims_and_the_fix(tmp_path: Path, code: int, description: str,
                                                                   fix: str) -> None:
    entra = RefusingLogin(description + "\r\nTrace ID: 0000aaaa-11bb\r\nCorrelation ID: aaaa0000\r\n", code)
    with pytest.raises(ConfigError) as caught:
        _sign_in(tmp_path, entra)
    message = str(caught.value)
    assert f"AADSTS{code}:" in message and fix in message
    assert f"sub='{SUBJECT}'" in message and f"aud='{GITHUB_AUDIENCE}'" in message
    assert "iss='https://token.actions.githubusercontent.com'" in message
    assert f"app {CLIENT} in tenant {TENANT}" in message
    assert "\n" not in message and "Trace ID" not in message
    # the token itself, or any part of its signature, is never in the message
    assert TOKEN not in message and TOKEN.split(".")[2] not in message and TOKEN.split(".")[1] not in message
    assert len(entra.requests) >= 1   # Entra was asked, with GitHub's token as the assertion


def test_claims_are_decoded_without_verification_and_junk_is_tolerated() -> None:
    assert unverified_claims(TOKEN)["sub"] == SUBJECT
    assert unverified_claims("not-a-jwt") == {} and unverified_claims("a.!!!.c") == {}
    line = diagnose_exchange("AADSTS999999: something new", {}, client=CLIENT, tenant=TENANT)
    assert "could not be decoded" in line and "compare the presented claims" in line
