"""National clouds: the one table saying which Graph host may receive real credentials.

Sources: https://learn.microsoft.com/graph/deployments (Graph hosts per national cloud) and
https://learn.microsoft.com/entra/identity-platform/authentication-national-cloud (login authority hosts).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from entragit.errors import ConfigError


@dataclass(frozen=True)
class Cloud:
    name: str
    graph_url: str       # root without version, https
    authority_host: str  # Microsoft Entra login host for azure-identity

    @property
    def graph_host(self) -> str:
        return urlsplit(self.graph_url).hostname or ""

    @property
    def scope(self) -> str:
        """The app-only scope every token is requested for (pinned: never derived from a request's host)."""
        return f"{self.graph_url}/.default"


CLOUDS: dict[str, Cloud] = {
    c.name: c
    for c in (
        Cloud("global", "https://graph.microsoft.com", "login.microsoftonline.com"),
        Cloud("usgov", "https://graph.microsoft.us", "login.microsoftonline.us"),
        Cloud("usgovdod", "https://dod-graph.microsoft.us", "login.microsoftonline.us"),
        Cloud("china", "https://microsoftgraph.chinacloudapi.cn", "login.chinacloudapi.cn"),
    )
}


def get_cloud(name: str | None) -> Cloud:
    try:
        return CLOUDS[name or "global"]
    except KeyError:
        raise ConfigError(f"unknown cloud {name!r}: use one of {', '.join(CLOUDS)}") from None


def cloud_of_host(host: str) -> Cloud | None:
    """The national cloud whose Graph host is ``host``, if any."""
    host = host.lower()
    return next((c for c in CLOUDS.values() if c.graph_host == host), None)


def normalize_root(url: str) -> str:
    """``url`` as a Graph root: scheme and host (and port), no version segment, no trailing slash.

    ``https://graph.microsoft.com/v1.0/`` and ``https://graph.microsoft.com`` give the same root.
    """
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"Graph URL {url!r} is not an http(s) URL such as https://graph.microsoft.com")
    path = parts.path.rstrip("/")
    for version in ("/v1.0", "/beta"):
        if path.endswith(version):
            path = path[: -len(version)]
    return f"{parts.scheme}://{parts.netloc}{path}".rstrip("/")
