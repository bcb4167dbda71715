"""The Graph client: HTTP, paging, delta, retries, concurrency, batching and credentials. No resource knowledge.

```python
from entragit.graph import GraphClient, open_client
async with GraphClient.for_emulator(emu) as client:      # in-process emulator, same adapter and middleware
    users = [u async for u in client.list("users", {"$select": "id,displayName"})]
async with open_client(settings) as client:              # settings.graph_root, cloud, credentials
    ...
```

Modules: ``client`` (GraphClient: the one request path, retries, throttling gate, Graph's clock), ``limiter``
(the in-flight limit following the quota headers), ``verbs`` (get/post/patch/put/delete, paging, delta, $batch
over that path), ``batch`` (the JSON $batch protocol), ``batcher`` (single GETs coalesced into $batch),
``wire`` (counters, answers, query encoding), ``runner`` (``run``: a coroutine from synchronous code),
``retry``, ``errors``, ``auth``, ``clouds``.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping
from typing import Any, TextIO

from entragit.graph.auth import STATIC_TOKEN, auth_provider, build_credential, github_oidc_assertion
from entragit.graph.batch import batch_error
from entragit.graph.client import GraphClient
from entragit.graph.clouds import CLOUDS, Cloud, get_cloud, normalize_root
from entragit.graph.errors import DeltaExpired, GraphTransportError, error_from_response
from entragit.graph.retry import RetryPolicy
from entragit.graph.runner import run
from entragit.graph.wire import DEFAULT_VERSION, DeltaResult, GraphResponse, GraphStats, encode_params

# CA policies and named locations: 1 request/s per tenant for all apps (graph-entra.md §12.2). Against the
# serialized requests are paced to that on every host: the served emulator enforces the same limit, and a
# 429 without Retry-After costs a backoff far longer than the pacing.
REAL_SERIALIZED_INTERVAL = 1.0


def open_client(settings: Any, *, env: Mapping[str, str] | None = None, stderr: TextIO | None = None,
                retry: RetryPolicy | None = None, **client_kwargs: Any) -> GraphClient:
    """A client for ``settings`` (an :class:`entragit.settings.Settings`): its Graph root, cloud, credential,
    concurrency and read priority. Real credentials only for the cloud's Graph host (see ``auth``)."""
    root = settings.graph_root
    auth = auth_provider(root, settings, os.environ if env is None else env, stderr or sys.stderr)
    client_kwargs.setdefault("concurrency", settings.concurrency)
    client_kwargs.setdefault("max_concurrency", max(settings.concurrency,
                                                    getattr(settings, "max_concurrency", settings.concurrency)))
    client_kwargs.setdefault("priority", settings.throttle_priority)
    client_kwargs.setdefault("serialized_interval", REAL_SERIALIZED_INTERVAL)
    return GraphClient(root, auth, retry=retry, **client_kwargs)


def _open_client(settings: Any) -> Any:
    return open_client(settings)


# The one place `entragit plan`, `apply` and `recover` get their Graph client from (tests point it at an
# in-process emulator). Read it as ``entragit.graph.CLIENT_FACTORY`` at call time, so that a patch applies.
CLIENT_FACTORY: Callable[[Any], Any] = _open_client


__all__ = [
    "CLIENT_FACTORY", "CLOUDS", "DEFAULT_VERSION", "STATIC_TOKEN", "Cloud", "DeltaExpired", "DeltaResult",
    "GraphClient", "GraphResponse", "GraphStats", "GraphTransportError", "RetryPolicy", "auth_provider",
    "batch_error", "build_credential", "encode_params", "error_from_response", "get_cloud",
    "github_oidc_assertion", "normalize_root", "open_client", "run",
]
