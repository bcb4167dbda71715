"""What the applier's parts share: limits, values it generates (passwords), how a Graph error is read."""

from __future__ import annotations

import os
import secrets
import string
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from entragit.errors import GraphError
from entragit.graph.errors import GraphTransportError, MalformedAnswer

# Properties Graph keeps unique within a collection, tried in this order to find an object a create may have
# made before its answer was lost (a type's alternate key, e.g. appId, comes first when the body holds it).
NATURAL_KEYS = ("userPrincipalName", "uniqueName")

# How to send a value the applier generates (Change.generate). A user's passwordProfile:
# https://learn.microsoft.com/en-us/graph/api/resources/passwordprofile?view=graph-rest-1.0
GENERATED: dict[str, Callable[[str], Any]] = {
    "passwordProfile": lambda password: {"password": password, "forceChangePasswordNextSignIn": True},
}

# A change still throttled after the client's retries runs again after the Retry-After, at most this many times.
THROTTLED_ROUNDS = 8

# At most this many POSTs of one create when each answer is lost and the lookup finds nothing.
CREATE_ATTEMPTS = 3

# Lookups of an object that should exist (a restore that answered 404): at most this many, with the client's
# eventual-consistency waits between them (the change itself is tried again within the whole budget).
SETTLE_LOOKUPS = 3


def _ambiguous(exc: GraphError) -> bool:
    """A failure after which a write may have been executed: no answer at all, an answer that cannot be read,
    or a server error."""
    return isinstance(exc, (GraphTransportError, MalformedAnswer)) or exc.status >= 500


def _fill(template: str, **values: str) -> tuple[str, str]:
    """``"POST groups/{id}/members/$ref"`` → ``("POST", "groups/<id>/members/$ref")``."""
    method, _, path = template.partition(" ")
    for key, value in values.items():
        path = path.replace("{" + key + "}", value)
    return method.upper(), path


def _short_error(exc: GraphError) -> str:
    if exc.status == 0 and not isinstance(exc, GraphTransportError):
        return exc.graph_message  # the applier's own conclusion (a create it will not repeat, ...)
    if isinstance(exc, GraphTransportError):
        return f"no answer from Graph ({exc.code}: {exc.graph_message})"
    return f"Graph {exc.status} {exc.code}: {exc.graph_message}"


def generate_password(length: int = 24) -> str:
    """A strong random password: letters, digits and symbols, at least one of each class (Entra ID's
    complexity rules: https://learn.microsoft.com/en-us/entra/identity/authentication/concept-password-ban-bad-combined-policy)."""
    symbols = "!#$%&()*+,-./:;<=>?@[]^_{|}~"
    alphabet = string.ascii_letters + string.digits + symbols
    while True:
        text = "".join(secrets.choice(alphabet) for _ in range(length))
        if (any(c.islower() for c in text) and any(c.isupper() for c in text)
                and any(c.isdigit() for c in text) and any(c in symbols for c in text)):
            return text


def write_secret(path: str | Path, line: str) -> None:
    """Append ``line`` to ``path``, created with mode 0600 (and kept at 0600 if it existed)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, (line.rstrip("\n") + "\n").encode())
    finally:
        os.close(fd)


def _scalar_matches(body: Mapping[str, Any], found: Mapping[str, Any]) -> bool:
    """Whether ``found`` agrees with every top-level scalar of ``body`` it holds (a create's natural match)."""
    for key, value in body.items():
        if "@" in key or isinstance(value, (dict, list)) or value is None or key not in found:
            continue
        a, b = found[key], value
        if isinstance(a, str) and isinstance(b, str):
            if a.lower() != b.lower():
                return False
        elif a != b:
            return False
    return True


