"""Who gets which token: static test token off the cloud's Graph host, azure-identity credentials on it.

The GitHub Actions OIDC path is driven for real as far as a machine without GitHub or Entra allows: a loopback
stand-in for GitHub's ID-token endpoint (a tiny http.server) answers the credential's assertion function, and
an azure-core transport stand-in for login.microsoftonline.com records the token request the credential makes
with that assertion (azure-identity refuses non-https authorities, so no loopback server can play Entra).
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from azure.identity import ClientAssertionCredential, ClientSecretCredential

from entragit.emulator import Emulator
from entragit.errors import ConfigError
from entragit.graph import GraphClient, RetryPolicy, auth_provider, build_credential, open_client, run
from entragit.graph.auth import GITHUB_AUDIENCE
from entragit.settings import Settings, load_settings
from tests.plugins.graph import (
    GITHUB_JWT,
    AsgiRecorder,
    GitHubTokenEndpoint,
    LoginStandIn,
    github_token_endpoint,
)

NO_CREDENTIALS = {"PATH": "/nonexistent"}  # not even `az` on PATH


@pytest.fixture
def github_endpoint() -> Iterator[str]:
    with github_token_endpoint("/_apis/distributedtask/token?api-version=2.0") as url:
        yield url


def settings(tmp_path: Path, **values: Any) -> Settings:
    return load_settings(tmp_path, env={}, **values)


def test_emulator_hosts_get_the_static_token_and_a_notice(tmp_path: Path) -> None:
    for url in ("http://127.0.0.1:8080", "http://emulator:8080/v1.0", "https://graph.example.test"):
        err = io.StringIO()
        client = open_client(settings(tmp_path, graph_url=url), env={}, stderr=err)
        run(client.aclose())
        assert not client.real_credentials
        lines = err.getvalue().splitlines()
        assert len(lines) == 1 and "static test token" in lines[0] and "graph.microsoft.com" in lines[0]
        assert lines[0].startswith("entragit: notice:")


def test_cloud_host_without_credentials_names_what_to_set(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as err:
        open_client(settings(tmp_path), env=NO_CREDENTIALS)
    text = str(err.value)
    assert "\n" not in text
    for name in ("AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET", "AZURE_CLIENT_CERTIFICATE_PATH",
                 "AZURE_FEDERATED_TOKEN_FILE", "id-token: write", "az login"):
        assert name in text


def test_secret_without_ids_names_the_missing_ids(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="AZURE_TENANT_ID .*and AZURE_CLIENT_ID"):
        open_client(settings(tmp_path), env={"AZURE_CLIENT_SECRET": "s"})


def test_another_clouds_graph_host_or_plain_http_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="belongs to cloud usgov.*--cloud usgov"):
        open_client(settings(tmp_path, graph_url="https://graph.microsoft.us"), env=NO_CREDENTIALS)
    with pytest.raises(ConfigError, match="only sent to https://graph.microsoft.com"):
        open_client(settings(tmp_path, graph_url="http://graph.microsoft.com"), env=NO_CREDENTIALS)


@pytest.mark.parametrize(("cloud", "host", "authority"), [
    ("global", "graph.microsoft.com", "login.microsoftonline.com"),
    ("usgov", "graph.microsoft.us", "login.microsoftonline.us"),
    ("usgovdod", "dod-graph.microsoft.us", "login.microsoftonline.us"),
    ("china", "microsoftgraph.chinacloudapi.cn", "login.chinacloudapi.cn"),
])
def test_cloud_host_gets_real_credentials_with_pinned_scope(tmp_path: Path, cloud: str, host: str,
                                                            authority: str) -> None:
    s = settings(tmp_path, cloud=cloud, tenant_id="t", client_id="c")
    auth = auth_provider(s.graph_root, s, {"AZURE_CLIENT_SECRET": "s"})
    assert auth.real and auth.description == "client secret"
    assert isinstance(auth.credential, ClientSecretCredential)
    assert auth.credential._authority == f"https://{authority}"  # type: ignore[attr-defined]
    token_provider = auth.provider.access_token_provider  # type: ignore[attr-defined]
    assert token_provider._scopes == [f"https://{host}/.default"]
    validator = token_provider.get_allowed_hosts_validator()
    assert validator.is_url_host_valid(f"https://{host}/v1.0/users")
    assert not validator.is_url_host_valid("http://127.0.0.1:8080/v1.0/users")
    auth.close()


def test_failing_credential_is_one_config_line(tmp_path: Path) -> None:
    """The credential fails before anything leaves the machine (Azure CLI not installed)."""
    s = settings(tmp_path, credential="azurecli")

    async def call() -> None:
        async with open_client(s, env=NO_CREDENTIALS, retry=RetryPolicy(max_attempts=1)) as client:
            await client.get("organization")

    with pytest.raises(ConfigError) as err:
        run(call())
    text = str(err.value)
    assert "\n" not in text and "from Azure CLI" in text and "https://graph.microsoft.com/.default" in text
    assert "AZURE_CLIENT_SECRET" in text


def test_client_refuses_other_hosts_than_its_own(tmp_path: Path) -> None:
    client = GraphClient("https://graph.microsoft.com")
    with pytest.raises(ConfigError, match="refusing to send a request to https://evil.example"):
        client.url("https://evil.example/v1.0/users?$skiptoken=x")
    run(client.aclose())


def test_github_oidc_assertion_reaches_the_credential(tmp_path: Path, github_endpoint: str) -> None:
    env = {"ACTIONS_ID_TOKEN_REQUEST_URL": github_endpoint, "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "gh-request-token"}
    s = settings(tmp_path, tenant_id="tenant-1", client_id="reader-app")
    login = LoginStandIn()
    credential, description = build_credential(s, env, transport=login)
    assert isinstance(credential, ClientAssertionCredential) and description == "GitHub Actions OIDC"

    # the assertion function asks GitHub's endpoint with the request token and the Entra audience
    assert credential._func() == GITHUB_JWT  # type: ignore[attr-defined]
    seen = GitHubTokenEndpoint.seen[-1]
    assert seen["authorization"] == "bearer gh-request-token"
    query = parse_qs(urlsplit(seen["path"]).query)
    assert query["audience"] == [GITHUB_AUDIENCE] and query["api-version"] == ["2.0"]

    # and get_token posts exactly that assertion to the tenant's token endpoint for the pinned Graph scope
    token = credential.get_token("https://graph.microsoft.com/.default")
    assert token.token == "entra-access-token"
    request = login.requests[-1]
    assert request.url == "https://login.microsoftonline.com/tenant-1/oauth2/v2.0/token"
    form = request.body if isinstance(request.body, dict) else {k: v[0] for k, v in parse_qs(request.body).items()}
    assert form["client_assertion"] == GITHUB_JWT and form["client_id"] == "reader-app"
    assert form["client_assertion_type"] == "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
    assert form["scope"] == "https://graph.microsoft.com/.default"
    assert len(GitHubTokenEndpoint.seen) == 2
    credential.close()


def test_real_chain_signs_every_request_to_the_cloud_host(tmp_path: Path, github_endpoint: str,
                                                          emulator: Emulator) -> None:
    """GitHub OIDC → ClientAssertionCredential → kiota's Azure provider → the requests to graph.microsoft.com
    (played by the emulator app over an ASGI transport, no network) carry the Entra access token."""
    env = {"ACTIONS_ID_TOKEN_REQUEST_URL": github_endpoint, "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "gh-request-token"}
    login = LoginStandIn()
    auth = auth_provider("https://graph.microsoft.com", settings(tmp_path, tenant_id="t1", client_id="c1"), env,
                         transport=login)
    recorder = AsgiRecorder(emulator.app)
    client = GraphClient("https://graph.microsoft.com", auth, transport=httpx.ASGITransport(app=recorder))

    async def go() -> list[dict[str, Any]]:
        async with client:
            return [p async for p in client.pages("users", {"$top": 30})]

    pages = run(go())
    assert client.real_credentials and [len(p["value"]) for p in pages] == [30, 20]
    assert pages[0]["@odata.nextLink"].startswith("https://graph.microsoft.com/v1.0/users?")
    assert [s["headers"]["authorization"] for s in recorder.seen] == ["Bearer entra-access-token"] * 2
    assert len(login.requests) == 1 and len(GitHubTokenEndpoint.seen) == 1  # token cached for page 2


def test_github_oidc_is_chosen_before_managed_identity_and_cli(tmp_path: Path, github_endpoint: str) -> None:
    env = {"ACTIONS_ID_TOKEN_REQUEST_URL": github_endpoint, "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "x",
           "IDENTITY_ENDPOINT": "http://169.254.169.254"}
    _, description = build_credential(settings(tmp_path, tenant_id="t", client_id="c"), env)
    assert description == "GitHub Actions OIDC"
    with pytest.raises(ConfigError, match="GitHub Actions OIDC needs AZURE_TENANT_ID"):
        build_credential(settings(tmp_path), env)


def test_workload_identity_and_certificate_are_recognised(tmp_path: Path) -> None:
    s = settings(tmp_path, tenant_id="t", client_id="c")
    token_file = tmp_path / "token"
    token_file.write_text("jwt")
    assert build_credential(s, {"AZURE_FEDERATED_TOKEN_FILE": str(token_file)})[1] == "workload identity"
    assert build_credential(s, {"IDENTITY_ENDPOINT": "http://localhost:42356/msi/token",
                                "IDENTITY_HEADER": "h"})[1] == "managed identity"
