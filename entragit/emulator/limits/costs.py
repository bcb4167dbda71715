"""What a Graph request costs: its path pattern, resource units and writes, and the tenant-size class
(https://learn.microsoft.com/en-us/graph/throttling-limits, "Identity and access service limits")."""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
# Collections whose keys are not GUIDs: grant and assignment ids are base64-like strings, method
# configurations are named ("Fido2"), domains are DNS names.
_NON_GUID_KEYED = frozenset({
    "oauth2permissiongrants", "approleassignments", "approleassignedto", "authenticationmethodconfigurations",
    "domains",
})
_NOT_KEYS = frozenset({"delta", "getbyids", "getavailableextensionproperties", "validateproperties"})
_VERSION_PREFIXES = ("v1.0/", "beta/")


@lru_cache(maxsize=4096)
def path_pattern(path: str) -> str:
    """``groups/7d4a.../members/$ref`` -> ``groups/{id}/members/$ref``: ids replaced, case kept.

    A segment is an id when it is a GUID, a user principal name (``@``), an alternate key
    (``applications(appId='...')``) or follows a collection keyed by non-GUID ids.
    """
    path = path.split("?", 1)[0].strip("/")
    low = path.lower()
    for prefix in _VERSION_PREFIXES:
        if low.startswith(prefix):
            path = path[len(prefix):]
            break
    out: list[str] = []
    prev = ""
    for seg in path.split("/"):
        if not seg:
            continue
        low = seg.lower()
        if (_GUID.match(seg) or "@" in seg or "(" in seg
                or (prev in _NON_GUID_KEYED and not low.startswith(("$", "microsoft.graph."))
                    and low not in _NOT_KEYS)):
            out.append("{id}")
        else:
            out.append(seg)
        prev = low
    return "/".join(out)


# Base request costs, "Identity and access service limits" (throttling-limits page): (RU, write cost).
# Anything not listed: GET 1 RU / 0 writes; POST, PATCH, PUT, DELETE 1 RU / 1 write.
_ME_COSTS: dict[tuple[str, str], tuple[int, int]] = {
    ("POST", "checkmembergroups"): (4, 0),
    ("POST", "checkmemberobjects"): (4, 0),
    ("POST", "getmembergroups"): (2, 0),
    ("POST", "getmemberobjects"): (2, 0),
    ("GET", "licensedetails"): (2, 0),
    ("GET", "memberof"): (2, 0),
    ("GET", "ownedobjects"): (2, 0),
    ("GET", "transitivememberof"): (2, 0),
}
BASE_COSTS: dict[tuple[str, str], tuple[int, int]] = {
    ("GET", "applications"): (2, 0),
    ("GET", "applications/{id}/extensionproperties"): (2, 0),
    ("GET", "contracts"): (3, 0),
    ("POST", "directoryobjects/getbyids"): (3, 0),
    ("GET", "domains/{id}/domainnamereferences"): (4, 0),
    ("POST", "getobjectsbyid"): (3, 0),
    ("GET", "groups/{id}/members"): (3, 0),
    ("GET", "groups/{id}/transitivemembers"): (5, 0),
    ("POST", "ismemberof"): (4, 0),
    ("GET", "oauth2permissiongrants"): (2, 0),
    ("GET", "oauth2permissiongrants/{id}"): (2, 0),
    ("GET", "serviceprincipals/{id}/approleassignments"): (2, 0),
    ("GET", "subscribedskus"): (3, 0),
    ("GET", "users"): (2, 0),
    # "Any request cost that applies to a request path starting with me/ also applies to equivalent requests
    # starting with users/{id | userPrincipalName}/."
    **{(m, f"me/{p}"): c for (m, p), c in _ME_COSTS.items()},
    **{(m, f"users/{{id}}/{p}"): c for (m, p), c in _ME_COSTS.items()},
}
_WRITE_METHODS = frozenset({"POST", "PATCH", "PUT", "DELETE"})
_FREE = frozenset({"$batch"})  # the envelope; each inner request is admitted by itself


def _query_flags(query: Mapping[str, Any] | None) -> tuple[bool, bool, int | None]:
    select = expand = False
    top: int | None = None
    if query:
        for key, value in query.items():
            k = key.lower().lstrip("$")
            if k == "select":
                select = True
            elif k == "expand":
                expand = True
            elif k == "top":
                if isinstance(value, list | tuple):
                    value = value[0] if value else None
                try:
                    top = int(str(value))
                except (TypeError, ValueError):
                    top = None
    return select, expand, top


@lru_cache(maxsize=8192)
def base_cost(method: str, path: str) -> tuple[int, int, str]:
    """(base RU, write cost, path pattern) of an upper-cased method and a path."""
    pattern = path_pattern(path)
    key = pattern.lower()
    if key in _FREE or key.startswith("_emulator"):
        return 0, 0, pattern
    if method == "GET":
        # Listing a collection as $ref or through a type cast reads the same collection (INFERENCE).
        while key.endswith("/$ref") or key.rsplit("/", 1)[-1].startswith("microsoft.graph."):
            key = key.rsplit("/", 1)[0]
    base = BASE_COSTS.get((method, key))
    if base is None:
        base = (1, 1) if method in _WRITE_METHODS else (1, 0)
    return base[0], base[1], pattern


def with_modifiers(ru: int, query: Mapping[str, Any] | None) -> int:
    if not query:
        return ru
    select, expand, top = _query_flags(query)
    ru += (-1 if select else 0) + (1 if expand else 0) + (-1 if top is not None and top < 20 else 0)
    return max(1, ru)


def request_cost(method: str, path: str, query: Mapping[str, Any] | None = None) -> tuple[int, bool]:
    """(resource units, is_write) of one request, per Graph's base cost table and modifiers."""
    ru, writes, _ = base_cost(method.upper(), path)
    if ru == 0:
        return 0, False
    return with_modifiers(ru, query), writes > 0


def tenant_size(users: int) -> str:
    """S under 50 users, M 50 to 500, L above 500 (throttling-limits page, note under the limits table)."""
    return "S" if users < 50 else "M" if users <= 500 else "L"

