"""Who signs the requests: real azure-identity credentials for the named cloud's Graph host, a static test
token for every other host (the emulator, in-process or served).

The rule is enforced here, once: :func:`auth_provider` returns a kiota ``AzureIdentityAuthenticationProvider``
only when the Graph root *is* the Graph host of the configured national cloud (over https). Its scopes are
pinned to that cloud (``https://graph.microsoft.com/.default``...) and ``allowed_hosts`` names that one host, so
kiota never attaches the token anywhere else (the client also refuses to send to another host, see
``GraphClient._check_host``: kiota would otherwise silently send the request *without* a token).
Pitfalls avoided (graph-sdk-notes §2): ``msgraph_core.authentication.AzureIdentityAuthenticationProvider`` is
broken (its default ``allowed_hosts`` carry ``https://``), and scopes derived per request would be
``http://127.0.0.1/.default``.

Credential chain (``credential: auto``, the default; the first that is configured wins):

1. environment: ``AZURE_CLIENT_SECRET`` or ``AZURE_CLIENT_CERTIFICATE_PATH`` (+ ``AZURE_CLIENT_CERTIFICATE_PASSWORD``,
   ``AZURE_CLIENT_SEND_CERTIFICATE_CHAIN``), what ``EnvironmentCredential`` reads, built explicitly so that the
   tenant and client ids may also come from ``entragit.yaml``;
2. workload identity: ``AZURE_FEDERATED_TOKEN_FILE`` (``WorkloadIdentityCredential``);
3. GitHub Actions OIDC: ``ACTIONS_ID_TOKEN_REQUEST_URL`` + ``ACTIONS_ID_TOKEN_REQUEST_TOKEN`` (a job with
   ``permissions: id-token: write``), fed into ``ClientAssertionCredential`` by :func:`github_oidc_assertion`;
4. managed identity, when the host announces one (``IDENTITY_ENDPOINT`` / ``MSI_ENDPOINT``); on an Azure VM
   (IMDS, no variable) say ``credential: managedidentity``;
5. Azure CLI, when ``az`` is on ``PATH`` (``az login``).

Nothing configured, or a credential that fails, is a :class:`~entragit.errors.ConfigError` of one line naming
what to set. When Entra refuses GitHub's token (no federated credential matches it), the error names the
presented token's ``sub``, ``aud`` and ``iss`` (decoded without verification; never the token itself), the
AADSTS code and what to change (:func:`diagnose_exchange`): the subject GitHub sends depends on the
repository's OIDC settings, which ``entragit doctor`` reads. Credentials are synchronous azure-identity classes: a token is fetched about once an hour and
cached, so the short block of the event loop is harmless and nothing needs an aiohttp session closed.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import sys
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TextIO
from urllib.parse import quote, urlsplit

from kiota_abstractions.authentication import (
    AccessTokenProvider,
    AllowedHostsValidator,
    AuthenticationProvider,
    BaseBearerTokenAuthenticationProvider,
)

from entragit.errors import ConfigError
from entragit.graph.clouds import Cloud, cloud_of_host, get_cloud

if TYPE_CHECKING:
    from azure.core.credentials import TokenCredential

STATIC_TOKEN = "entragit-test-token"  # what the emulator (any non-cloud host) receives; it means nothing
GITHUB_AUDIENCE = "api://AzureADTokenExchange"
CREDENTIAL_MODES = ("auto", "environment", "workload", "github", "managedidentity", "azurecli")

WHAT_TO_SET = (
    "set AZURE_TENANT_ID and AZURE_CLIENT_ID (or tenantId/clientId in entragit.yaml) plus one of "
    "AZURE_CLIENT_SECRET, AZURE_CLIENT_CERTIFICATE_PATH or AZURE_FEDERATED_TOKEN_FILE; or run in GitHub "
    "Actions with `permissions: id-token: write` (ACTIONS_ID_TOKEN_REQUEST_URL/_TOKEN); or use a managed "
    "identity (credential: managedidentity) or `az login`"
)


class StaticTokenProvider(AccessTokenProvider):
    """Hands out one fixed token for any host (kiota's Azure provider refuses plain http off localhost)."""

    def __init__(self, token: str = STATIC_TOKEN) -> None:
        self._token = token

    async def get_authorization_token(self, uri: str,
                                      additional_authentication_context: dict[str, Any] | None = None) -> str:
        return self._token

    def get_allowed_hosts_validator(self) -> AllowedHostsValidator:
        return AllowedHostsValidator([])


def static_auth(token: str = STATIC_TOKEN) -> AuthenticationProvider:
    return BaseBearerTokenAuthenticationProvider(StaticTokenProvider(token))


@dataclass
class Auth:
    """The authentication decided for one Graph root."""

    provider: AuthenticationProvider
    real: bool                           # True: real credentials for ``cloud``
    cloud: Cloud
    credential: TokenCredential | None = None
    description: str = "static test token"

    def close(self) -> None:
        close = getattr(self.credential, "close", None)
        if callable(close):
            close()


class GitHubAssertion:
    """``ClientAssertionCredential``'s assertion callable: fetches a GitHub Actions OIDC token for ``audience``.

    GET ``$ACTIONS_ID_TOKEN_REQUEST_URL&audience=...`` with ``Authorization: bearer
    $ACTIONS_ID_TOKEN_REQUEST_TOKEN``; the JWT is the ``value`` of the JSON answer
    (https://docs.github.com/actions/security-for-github-actions/security-hardening-your-deployments/about-security-hardening-with-openid-connect).
    The variables are read when it runs: the credential calls it each time it needs a new token. The claims of
    the last token fetched (:attr:`claims`, decoded without verification) serve the sign-in diagnostics.
    """

    def __init__(self, env: Mapping[str, str] | None = None, *, audience: str = GITHUB_AUDIENCE,
                 timeout: float = 30.0) -> None:
        self.source = os.environ if env is None else env
        self.audience, self.timeout = audience, timeout
        self.claims: dict[str, Any] = {}

    def __call__(self) -> str:
        url, token = self.source.get("ACTIONS_ID_TOKEN_REQUEST_URL"), self.source.get("ACTIONS_ID_TOKEN_REQUEST_TOKEN")
        if not url or not token:
            raise ConfigError("GitHub OIDC: ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN are "
                              "not set (give the job `permissions: id-token: write`)")
        full = f"{url}{'&' if '?' in url else '?'}audience={quote(self.audience, safe='')}"
        request = urllib.request.Request(full, headers={"Authorization": f"bearer {token}",
                                                        "Accept": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as answer:  # noqa: S310 (https on runners)
                value = json.load(answer).get("value")
        except (urllib.error.URLError, OSError, ValueError) as exc:
            raise ConfigError(f"GitHub OIDC: could not get an ID token from {urlsplit(url).netloc}: {exc}") from exc
        if not isinstance(value, str) or not value:
            raise ConfigError("GitHub OIDC: the token endpoint answered without a `value`")
        self.claims = unverified_claims(value)
        return value


def github_oidc_assertion(env: Mapping[str, str] | None = None, *, audience: str = GITHUB_AUDIENCE,
                          timeout: float = 30.0) -> GitHubAssertion:
    """A :class:`GitHubAssertion` (kept for callers of the earlier function)."""
    return GitHubAssertion(env, audience=audience, timeout=timeout)


def unverified_claims(jwt: str) -> dict[str, Any]:
    """The payload of a JWT, decoded *without* checking its signature (for diagnostics only); {} if unreadable."""
    parts = jwt.split(".")
    if len(parts) != 3:
        return {}
    try:
        payload = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except (ValueError, TypeError):
        return {}
    return payload if isinstance(payload, dict) else {}


# What each AADSTS code of a refused token exchange means for a GitHub Actions sign-in, and what to change.
# Codes: https://learn.microsoft.com/entra/identity-platform/reference-error-codes; AADSTS7002138 as Entra words
# it: https://github.com/Azure/login/issues/573; federated credentials (subject, issuer, audience compared
# exactly): https://learn.microsoft.com/entra/workload-id/workload-identity-federation-considerations
AADSTS_FIXES = {
    "700213": "no federated credential of app {client} has this subject: add one whose subject is exactly "
              "{sub!r} (`entragit doctor` prints the subject of every job; it depends on the repository's OIDC "
              "subject template and on immutable subjects)",
    "7002138": "a federated credential matches {sub!r} only when case is ignored: Entra compares subjects "
               "case-sensitively; register the subject exactly as GitHub sends it (owner and repository names as "
               "GitHub spells them; `entragit doctor` reads them from the API)",
    "700211": "no federated credential of app {client} trusts the issuer {iss!r}: set the credential's issuer to "
              "exactly this value",
    "700212": "no federated credential of app {client} accepts the audience {aud!r}: set the credential's "
              "audience to exactly this value (entragit requests " + GITHUB_AUDIENCE + ")",
    "70021": "no federated credential of app {client} matches this token's issuer, subject and audience: compare "
             "them with the app's federated credentials",
    "700016": "there is no application {client} in tenant {tenant}: check the client id (repository variable) "
              "and the tenant id",
    "90002": "tenant {tenant} does not exist in this cloud: check the tenant id and `cloud`",
    "700024": "the GitHub token is not within its valid time range: check the runner's clock, and that the job "
              "does not reuse an expired token",
    "7000112": "the app {client} is disabled in tenant {tenant}",
    "7000222": "the app's credentials have expired",
}


def diagnose_exchange(message: str, claims: Mapping[str, Any], *, client: str, tenant: str) -> str:
    """One line: Entra's AADSTS code, the presented token's sub/aud/iss (never the token) and what to fix."""
    codes = re.findall(r"AADSTS(\d+)", message)
    code = codes[0] if codes else ""
    sub, aud, iss = (claims.get(k) for k in ("sub", "aud", "iss"))
    aud_text = ", ".join(aud) if isinstance(aud, list) else aud
    first = message.split("\n", 1)[0].strip()
    description = re.sub(r"^.*?(AADSTS\d+:)", r"\1", first) if code else first
    description = description.split(" Trace ID:", 1)[0].strip()
    fix = AADSTS_FIXES.get(code, "compare the presented claims with the app's federated credentials")
    fix = fix.format(client=client, tenant=tenant, sub=sub or "", aud=aud_text or "", iss=iss or "")
    presented = (f"sub={sub!r}, aud={aud_text!r}, iss={iss!r}" if claims
                 else "(the GitHub token could not be decoded)")
    return (f"Entra refused the GitHub OIDC token for app {client} in tenant {tenant}: {description[:600]}. "
            f"Presented token (decoded, not verified): {presented}. Fix: {fix}.")


def _github_credential(tenant: str, client: str, assertion: GitHubAssertion, **kw: Any) -> Any:
    """``ClientAssertionCredential`` whose refused exchanges become a :func:`diagnose_exchange` ConfigError."""
    from azure.core.exceptions import ClientAuthenticationError
    from azure.identity import ClientAssertionCredential

    class GitHubOIDCCredential(ClientAssertionCredential):
        def _diagnosed(self, call: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
            try:
                return call(*args, **kwargs)
            except ClientAuthenticationError as exc:
                raise ConfigError(diagnose_exchange(str(exc.message or exc), assertion.claims, client=client,
                                                    tenant=tenant)) from exc

        def get_token(self, *scopes: str, **kwargs: Any) -> Any:
            return self._diagnosed(super().get_token, *scopes, **kwargs)

        def get_token_info(self, *scopes: str, **kwargs: Any) -> Any:
            return self._diagnosed(super().get_token_info, *scopes, **kwargs)

    return GitHubOIDCCredential(tenant, client, assertion, **kw)


def _need_ids(settings: Any, what: str) -> tuple[str, str]:
    missing = [name for name, value in (("AZURE_TENANT_ID (or tenantId in entragit.yaml)", settings.tenant_id),
                                        ("AZURE_CLIENT_ID (or clientId in entragit.yaml)", settings.client_id))
               if not value]
    if missing:
        raise ConfigError(f"{what} needs {' and '.join(missing)}")
    return settings.tenant_id, settings.client_id


def build_credential(settings: Any, env: Mapping[str, str] | None = None,
                     **credential_kwargs: Any) -> tuple[TokenCredential, str]:
    """The azure-identity credential for ``settings`` (tenant_id, client_id, cloud, credential) and its name.

    ``credential_kwargs`` go to the azure-identity constructor (e.g. ``transport``, ``connection_timeout``).
    """
    import azure.identity as ai

    env = os.environ if env is None else env
    mode = (getattr(settings, "credential", None) or "auto").lower()
    if mode not in CREDENTIAL_MODES:
        raise ConfigError(f"unknown credential {mode!r}: use one of {', '.join(CREDENTIAL_MODES)}")
    cloud = get_cloud(settings.cloud)
    kw = {"authority": cloud.authority_host, **credential_kwargs}
    auto = mode == "auto"

    if mode == "environment" or (auto and (env.get("AZURE_CLIENT_SECRET") or env.get("AZURE_CLIENT_CERTIFICATE_PATH"))):
        tenant, client = _need_ids(settings, "a client secret or certificate")
        if env.get("AZURE_CLIENT_SECRET"):
            return ai.ClientSecretCredential(tenant, client, env["AZURE_CLIENT_SECRET"], **kw), "client secret"
        if env.get("AZURE_CLIENT_CERTIFICATE_PATH"):
            chain = env.get("AZURE_CLIENT_SEND_CERTIFICATE_CHAIN", "").lower() in ("1", "true")
            return ai.CertificateCredential(tenant, client, certificate_path=env["AZURE_CLIENT_CERTIFICATE_PATH"],
                                            password=env.get("AZURE_CLIENT_CERTIFICATE_PASSWORD") or None,
                                            send_certificate_chain=chain, **kw), "client certificate"
        raise ConfigError("credential: environment needs AZURE_CLIENT_SECRET or AZURE_CLIENT_CERTIFICATE_PATH")
    if mode == "workload" or (auto and env.get("AZURE_FEDERATED_TOKEN_FILE")):
        tenant, client = _need_ids(settings, "workload identity")
        if not env.get("AZURE_FEDERATED_TOKEN_FILE"):
            raise ConfigError("credential: workload needs AZURE_FEDERATED_TOKEN_FILE")
        return ai.WorkloadIdentityCredential(tenant_id=tenant, client_id=client,
                                             token_file_path=env["AZURE_FEDERATED_TOKEN_FILE"], **kw), \
            "workload identity"
    if mode == "github" or (auto and env.get("ACTIONS_ID_TOKEN_REQUEST_URL") and env.get("ACTIONS_ID_TOKEN_REQUEST_TOKEN")):
        tenant, client = _need_ids(settings, "GitHub Actions OIDC")
        return _github_credential(tenant, client, GitHubAssertion(env), **kw), "GitHub Actions OIDC"
    if mode == "managedidentity" or (auto and (env.get("IDENTITY_ENDPOINT") or env.get("MSI_ENDPOINT"))):
        client_id = settings.client_id or None
        return ai.ManagedIdentityCredential(client_id=client_id, **credential_kwargs), "managed identity"
    if mode == "azurecli" or (auto and shutil.which("az", path=env.get("PATH"))):
        return ai.AzureCliCredential(tenant_id=settings.tenant_id or ""), "Azure CLI"
    raise ConfigError(f"no credentials for Microsoft Graph (cloud {cloud.name}): {WHAT_TO_SET}")


def auth_provider(root: str, settings: Any, env: Mapping[str, str] | None = None,
                  stderr: TextIO | None = None, **credential_kwargs: Any) -> Auth:
    """Authentication for requests to ``root`` (normalized Graph root, no version).

    The named cloud's Graph host over https → real credentials; another cloud's Graph host → ConfigError
    (a wrong ``--cloud`` must not send a token to the wrong sovereign cloud, nor silently nothing); any other
    host → the static test token and a one-line notice on ``stderr``.
    """
    cloud = get_cloud(settings.cloud)
    parts = urlsplit(root)
    host = (parts.hostname or "").lower()
    owner = cloud_of_host(host)
    if owner is None:
        from entragit.jobs import end_live_line

        end_live_line()     # a job's live line on the terminal: the notice starts a line of its own
        print(f"entragit: notice: {parts.scheme}://{parts.netloc} is not the Graph host of cloud {cloud.name} "
              f"({cloud.graph_host}); sending a static test token, no real credentials",
              file=stderr if stderr is not None else sys.stderr)
        return Auth(static_auth(), real=False, cloud=cloud)
    if owner.name != cloud.name:
        raise ConfigError(f"Graph URL {root} belongs to cloud {owner.name}, not {cloud.name}: "
                          f"pass --cloud {owner.name} (or cloud: {owner.name} in entragit.yaml)")
    if parts.scheme != "https" or parts.port not in (None, 443):
        raise ConfigError(f"Graph URL {root}: real credentials are only sent to {cloud.graph_url}")
    from kiota_authentication_azure.azure_identity_authentication_provider import (
        AzureIdentityAuthenticationProvider,
    )

    credential, description = build_credential(settings, env, **credential_kwargs)
    provider = AzureIdentityAuthenticationProvider(credential, scopes=[cloud.scope], allowed_hosts=[cloud.graph_host])
    return Auth(provider, real=True, cloud=cloud, credential=credential, description=description)
