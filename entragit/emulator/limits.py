"""Time, throttling, faults and counters for the tenant emulator (no HTTP framework here).

The ASGI app calls these for every Graph request:

    decision = faults.decide(method, path)              # injected latency / status / dropped connection
    admission = limiter.admit(method, path, query, app_id, tenant_id)
    if admission.denied: answer admission.denied.status/.headers/.body (a 429 in Graph's envelope)
    else: run the backend; add admission.headers (x-ms-resource-unit, x-ms-throttle-limit-percentage)
    counters.record(method, path, status, ru=admission.ru, write=admission.write)

Graph behaviour reproduced (https://learn.microsoft.com/en-us/graph/throttling-limits, "Identity and access
service limits"; https://learn.microsoft.com/en-us/graph/throttling):

- token buckets over request costs: per application+tenant a resource-unit (RU) quota sized by tenant size
  (S < 50 users 3,500 RU / 10 s, M 50-500 users 5,000, L > 500 users 8,000) and a write quota
  (3,000 writes / 150 s); per application across tenants 150,000 RU / 20 s and 35,000 writes / 5 min;
  per tenant across applications 18,000 writes / 5 min;
- the base cost table (GET users 2, GET groups/{id}/members 3, ...; anything else 1 RU, writes 1 RU + 1 write)
  and the modifiers ($select -1, $expand +1, $top < 20 -1, never below 1);
- "Identity protection and conditional access service limits": 1 request per second per tenant for all apps on
  CA policies and named locations, whose 429s carry no Retry-After;
- 429 body {"error": {"code": "TooManyRequests", ...}}, Retry-After in whole seconds (the SDK's RetryHandler
  parses an integer), x-ms-throttle-scope ``<Scope>/<Limit>/<ApplicationId>/<TenantId>``,
  x-ms-throttle-information; x-ms-resource-unit on every admitted response and x-ms-throttle-limit-percentage
  (0.8-1.8) once a bucket is more than 80% used;
- throttled requests still count against the quota ("Throttled requests count towards usage limits").

Emulator choices (not documented by Microsoft): buckets refill continuously (quota / period per second) and
start full; a throttled request's debt is capped at one bucket capacity, so the longest Retry-After is about
two periods; the CA limit's 429 carries x-ms-throttle-scope ``Tenant/ReadWrite/...`` but no
x-ms-throttle-information; a ``$batch`` envelope costs nothing (each inner request is admitted on its own).
"""

from __future__ import annotations

import math
import random
import re
import time as _time
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any, Literal

from entragit.errors import UsageError

__all__ = [
    "Admission", "Clock", "Counters", "Denial", "FaultDecision", "Faults", "KnobError", "Limiter", "Quota",
    "path_pattern", "request_cost", "tenant_size",
]


class KnobError(UsageError, ValueError):
    """An unknown or invalid knob for the clock, the quotas or the faults (control plane answers 400)."""


def _snake(name: str) -> str:
    """Control-plane JSON may use camelCase (``caLimit``); knobs are snake_case (``ca_limit``)."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


# --------------------------------------------------------------------------------------------------- clock


class Clock:
    """The emulator's settable UTC clock.

    It follows real time plus an offset, or stands still (``frozen``) until moved. Token buckets, the 30-day
    purge of deleted items and the 7-day expiry of delta tokens all read it.
    """

    def __init__(self, start: datetime | None = None, *, frozen: bool = False) -> None:
        self._offset = 0.0
        self._frozen_at: float | None = _time.time() if frozen else None
        if start is not None:
            self.set(start)

    def time(self) -> float:
        """Seconds since the epoch, emulator time."""
        if self._frozen_at is not None:
            return self._frozen_at
        return _time.time() + self._offset

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.time(), UTC)

    @property
    def frozen(self) -> bool:
        return self._frozen_at is not None

    def freeze(self) -> None:
        if self._frozen_at is None:
            self._frozen_at = self.time()

    def unfreeze(self) -> None:
        """Follow real time again from the current emulator time."""
        if self._frozen_at is not None:
            self._offset = self._frozen_at - _time.time()
            self._frozen_at = None

    def advance(self, days: float = 0, seconds: float = 0) -> datetime:
        delta = timedelta(days=days, seconds=seconds).total_seconds()
        if self._frozen_at is not None:
            self._frozen_at += delta
        else:
            self._offset += delta
        return self.now()

    def set(self, dt: datetime | str) -> datetime:
        if isinstance(dt, str):
            dt = datetime.fromisoformat(dt.replace("Z", "+00:00"))
        if dt.tzinfo is None:
            dt = dt.replace(tzinfo=UTC)
        target = dt.timestamp()
        if self._frozen_at is not None:
            self._frozen_at = target
        else:
            self._offset = target - _time.time()
        return self.now()

    def reset(self) -> None:
        """Back to real time, not frozen."""
        self._offset, self._frozen_at = 0.0, None

    def configure(self, **knobs: Any) -> dict[str, Any]:
        """Control-plane knobs: ``now``/``set`` (ISO time), ``days``/``seconds`` (advance), ``frozen``,
        ``reset``. Applied in that order: reset, set, frozen, advance."""
        knobs = {_snake(k): v for k, v in knobs.items()}
        unknown = set(knobs) - {"now", "set", "days", "seconds", "frozen", "reset", "advance"}
        if unknown:
            raise KnobError(f"unknown clock knob(s): {', '.join(sorted(unknown))}")
        try:
            if knobs.get("reset"):
                self.reset()
            target = knobs.get("set", knobs.get("now"))
            if target is not None:
                self.set(target)
            if "frozen" in knobs:
                self.freeze() if knobs["frozen"] else self.unfreeze()
            advance = dict(knobs.get("advance") or {})
            days = float(knobs.get("days", 0)) + float(advance.pop("days", 0))
            seconds = float(knobs.get("seconds", 0)) + float(advance.pop("seconds", 0))
            if advance:
                raise KnobError(f"unknown clock advance key(s): {', '.join(sorted(advance))}")
        except (TypeError, ValueError) as exc:
            if isinstance(exc, KnobError):
                raise
            raise KnobError(f"invalid clock knob value: {exc}") from exc
        if days or seconds:
            self.advance(days=days, seconds=seconds)
        return self.snapshot()

    def snapshot(self) -> dict[str, Any]:
        return {"now": _iso(self.now()), "frozen": self.frozen,
                "offsetSeconds": round(self.time() - _time.time(), 3)}


def _iso(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _inner_error(clock: Clock | None, status: int, request_id: str | None) -> dict[str, str]:
    now = clock.now() if clock is not None else datetime.now(UTC)
    return {"code": str(status), "date": now.strftime("%Y-%m-%dT%H:%M:%S"),
            "request-id": request_id or str(uuid.uuid4()), "status": str(status)}


def too_many_requests_body(clock: Clock | None = None, request_id: str | None = None) -> dict[str, Any]:
    """Graph's 429 body (https://learn.microsoft.com/en-us/graph/throttling, "Sample response")."""
    inner = _inner_error(clock, 429, request_id)
    inner["message"] = "Please retry after"
    return {"error": {"code": "TooManyRequests", "message": "Please retry again later.", "innerError": inner}}


def service_unavailable_body(clock: Clock | None = None, request_id: str | None = None) -> dict[str, Any]:
    """503 in Graph's error envelope (code from https://learn.microsoft.com/en-us/graph/errors)."""
    return {"error": {"code": "serviceNotAvailable",
                      "message": "The service is temporarily unavailable. Please retry after the delay.",
                      "innerError": _inner_error(clock, 503, request_id)}}


# ---------------------------------------------------------------------------------------------- cost model

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
def _base_cost(method: str, path: str) -> tuple[int, int, str]:
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


def _with_modifiers(ru: int, query: Mapping[str, Any] | None) -> int:
    if not query:
        return ru
    select, expand, top = _query_flags(query)
    ru += (-1 if select else 0) + (1 if expand else 0) + (-1 if top is not None and top < 20 else 0)
    return max(1, ru)


def request_cost(method: str, path: str, query: Mapping[str, Any] | None = None) -> tuple[int, bool]:
    """(resource units, is_write) of one request, per Graph's base cost table and modifiers."""
    ru, writes, _ = _base_cost(method.upper(), path)
    if ru == 0:
        return 0, False
    return _with_modifiers(ru, query), writes > 0


def tenant_size(users: int) -> str:
    """S under 50 users, M 50 to 500, L above 500 (throttling-limits page, note under the limits table)."""
    return "S" if users < 50 else "M" if users <= 500 else "L"


# ------------------------------------------------------------------------------------------------ limiter

# Paths under the "Identity protection and conditional access service limits" (1 request/s per tenant, all apps,
# no Retry-After). The deleted-items container holds the same objects (INFERENCE); risk resources per the page.
_CA_PREFIXES = (
    "identity/conditionalaccess/policies", "identity/conditionalaccess/namedlocations",
    "identity/conditionalaccess/deleteditems", "identityprotection/", "riskyusers", "riskdetections",
)


def is_ca_limited(path: str) -> bool:
    return path_pattern(path).lower().startswith(_CA_PREFIXES)


@dataclass(frozen=True)
class Quota:
    limit: float
    period: float  # seconds


DEFAULT_QUOTAS: dict[str, Quota] = {
    "ru_small": Quota(3_500, 10), "ru_medium": Quota(5_000, 10), "ru_large": Quota(8_000, 10),
    "write": Quota(3_000, 150),
    "app_ru": Quota(150_000, 20),
    "app_write": Quota(35_000, 300),  # the page says 70,000 in places, 35,000 in newer summaries: plan for less
    "tenant_write": Quota(18_000, 300),
    "ca": Quota(1, 1),
}


class _Bucket:
    __slots__ = ("capacity", "rate", "level", "stamp")

    def __init__(self, capacity: float, period: float, now: float) -> None:
        self.capacity, self.rate, self.level, self.stamp = capacity, capacity / period, capacity, now

    def resize(self, capacity: float, period: float) -> None:
        if capacity != self.capacity or capacity / period != self.rate:
            self.capacity, self.rate = capacity, capacity / period
            self.level = min(self.level, capacity)

    def refill(self, now: float) -> None:
        if now > self.stamp:
            self.level = min(self.capacity, self.level + (now - self.stamp) * self.rate)
        self.stamp = now  # a clock set backwards just restarts the refill

    def take(self, cost: float) -> None:
        self.level = max(-self.capacity, self.level - cost)

    def wait(self, cost: float) -> float:
        """Seconds until ``cost`` tokens are available again."""
        return max(0.0, (cost - self.level) / self.rate)

    def used(self) -> float:
        return (self.capacity - self.level) / self.capacity


@dataclass
class Denial:
    status: int
    headers: dict[str, str]
    body: dict[str, Any]
    reason: str  # which limit: "ru", "write", "tenant_write", "app_ru", "app_write", "ca"


@dataclass
class Admission:
    ru: int
    write: bool
    headers: dict[str, str] = field(default_factory=dict)
    denied: Denial | None = None
    pattern: str = ""

    @property
    def admitted(self) -> bool:
        return self.denied is None


# bucket kind -> (x-ms-throttle-scope Scope, its Limit, x-ms-throttle-information)
_BUCKET_INFO = {
    "ru": ("Tenant_Application", "ReadWrite", "ResourceUnitLimitExceeded"),
    "write": ("Tenant_Application", "Write", "WriteLimitExceeded"),
    "tenant_write": ("Tenant", "Write", "WriteLimitExceeded"),
    "app_ru": ("Application", "ReadWrite", "ResourceUnitLimitExceeded"),
    "app_write": ("Application", "Write", "WriteLimitExceeded"),
    "ca": ("Tenant", "ReadWrite", None),
}
_LIMITER_KNOBS = frozenset({"enabled", "scale", "ca_limit", "ru_limit", "ru_period", "write_limit",
                            "write_period", "tenant_write_limit", "tenant_write_period", "app_ru_limit",
                            "app_ru_period", "app_write_limit", "app_write_period", "ca_rate", "reset"})


class Limiter:
    """Graph's identity-and-access throttling: token buckets per (app, tenant), per app, per tenant.

    ``user_count`` gives the tenant's user count (tenant size tier). ``scale`` multiplies every quota (not the
    periods). Explicit overrides (``ru_limit``, ``write_limit``, ``write_period``, ...) replace a quota;
    ``ru_limit`` replaces the tier. ``enabled=False`` admits everything but still prices requests.
    """

    def __init__(self, clock: Clock, user_count: Callable[[], int] = lambda: 0, *, enabled: bool = True,
                 scale: float = 1.0, ca_limit: bool = True, **overrides: Any) -> None:
        self.clock = clock
        self.user_count = user_count
        self.enabled = enabled
        self.scale = scale
        self.ca_limit = ca_limit
        self._overrides: dict[str, float | None] = {}
        self._buckets: dict[tuple[str, ...], _Bucket] = {}
        self._quota_cache: dict[str, Quota] = {}
        if overrides:
            self.configure(**overrides)

    # ---- configuration

    def configure(self, **knobs: Any) -> dict[str, Any]:
        """Change knobs (snake_case or camelCase); buckets start full again. Returns ``snapshot()``.

        ``reset`` (applied first) drops every override and goes back to Graph's quotas: scale 1, the CA limit
        on; ``enabled`` is left as it is unless given too.
        """
        knobs = {_snake(k): v for k, v in knobs.items()}
        unknown = set(knobs) - _LIMITER_KNOBS
        if unknown:
            raise KnobError(f"unknown quota knob(s): {', '.join(sorted(unknown))}")
        if knobs.get("reset"):
            self._overrides.clear()
            self.scale, self.ca_limit = 1.0, True
        try:
            if "enabled" in knobs:
                self.enabled = bool(knobs["enabled"])
            if "ca_limit" in knobs:
                self.ca_limit = bool(knobs["ca_limit"])
            if "scale" in knobs:
                scale = float(knobs["scale"])
                if not scale > 0:
                    raise KnobError(f"quota scale must be > 0, got {knobs['scale']!r}")
                self.scale = scale
            for name in _LIMITER_KNOBS - {"enabled", "ca_limit", "scale", "reset"}:
                if name in knobs:
                    value = knobs[name]
                    if value is not None:
                        value = float(value)
                        if not value > 0:
                            raise KnobError(f"quota {name} must be > 0, got {knobs[name]!r}")
                    self._overrides[name] = value
        except (TypeError, ValueError) as exc:
            if isinstance(exc, KnobError):
                raise
            raise KnobError(f"invalid quota knob value: {exc}") from exc
        self._buckets.clear()
        self._quota_cache.clear()
        return self.snapshot()

    def reset(self) -> None:
        """All buckets full again (knobs unchanged)."""
        self._buckets.clear()

    def _quota(self, kind: str, users: int | None = None) -> Quota:
        key = f"ru_{tenant_size(users or 0)}" if kind == "ru" else kind
        quota = self._quota_cache.get(key)
        if quota is None:
            quota = self._quota_cache[key] = self._compute_quota(kind, users)
        return quota

    def _compute_quota(self, kind: str, users: int | None) -> Quota:
        if kind == "ru":
            base = DEFAULT_QUOTAS[{"S": "ru_small", "M": "ru_medium", "L": "ru_large"}[tenant_size(users or 0)]]
        else:
            base = DEFAULT_QUOTAS[kind]
        if kind == "ca":  # ca_rate: requests per second, over a 1 s period; not scaled
            return Quota(self._overrides.get("ca_rate") or base.limit, base.period)
        limit = self._overrides.get(f"{kind}_limit") or base.limit
        period = self._overrides.get(f"{kind}_period") or base.period
        return Quota(max(1.0, limit * self.scale), period)

    def _bucket(self, key: tuple[str, ...], quota: Quota, now: float) -> _Bucket:
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = _Bucket(quota.limit, quota.period, now)
        else:
            bucket.resize(quota.limit, quota.period)
            bucket.refill(now)
        return bucket

    # ---- the per-request call

    def admit(self, method: str, path: str, query: Mapping[str, Any] | None = None, app_id: str = "",
              tenant_id: str = "", request_id: str | None = None) -> Admission:
        """Price one request and charge it against every bucket it falls under.

        Denied requests are charged too (Graph: throttled requests count towards usage).
        """
        method = method.upper()
        ru, writes, pattern = _base_cost(method, path)
        if ru == 0:  # $batch envelope, control plane
            return Admission(ru=0, write=False, pattern=pattern)
        ru, write = _with_modifiers(ru, query), writes > 0
        if not self.enabled:
            return Admission(ru=ru, write=write, headers={"x-ms-resource-unit": str(ru)}, pattern=pattern)

        now = self.clock.time()
        users = self.user_count()
        charges: list[tuple[str, _Bucket, int]] = [
            ("ru", self._bucket(("ru", app_id, tenant_id), self._quota("ru", users), now), ru),
            ("app_ru", self._bucket(("app_ru", app_id), self._quota("app_ru"), now), ru),
        ]
        if write:
            charges += [
                ("write", self._bucket(("write", app_id, tenant_id), self._quota("write"), now), 1),
                ("tenant_write", self._bucket(("tenant_write", tenant_id), self._quota("tenant_write"), now), 1),
                ("app_write", self._bucket(("app_write", app_id), self._quota("app_write"), now), 1),
            ]
        ca_path = pattern.lower().startswith(_CA_PREFIXES)
        if ca_path and self.ca_limit:
            charges.append(("ca", self._bucket(("ca", tenant_id), self._quota("ca"), now), 1))

        failing = [(kind, bucket, cost) for kind, bucket, cost in charges if bucket.level < cost]
        for _, bucket, cost in charges:
            bucket.take(cost)
        usage = max(bucket.used() for _, bucket, _ in charges)

        if not failing:
            headers = {"x-ms-resource-unit": str(ru)}
            if usage > 0.8:
                headers["x-ms-throttle-limit-percentage"] = _percentage(usage)
            return Admission(ru=ru, write=write, headers=headers, pattern=pattern)

        kind, bucket, cost = next((f for f in failing if f[0] == "ca"), None) or max(
            failing, key=lambda f: f[1].wait(f[2]))
        scope, limit, information = _BUCKET_INFO[kind]
        headers = {
            "x-ms-throttle-scope": f"{scope}/{limit}/{app_id}/{tenant_id}",
            "x-ms-throttle-limit-percentage": _percentage(max(usage, 1.0)),
        }
        if information:
            headers["x-ms-throttle-information"] = information
        if not ca_path:  # CA policies and named locations answer 429 without Retry-After, whatever the limit
            headers["Retry-After"] = str(max(1, math.ceil(bucket.wait(cost) - 1e-9)))
        body = too_many_requests_body(self.clock, request_id)
        return Admission(ru=ru, write=write, pattern=pattern,
                         denied=Denial(status=429, headers=headers, body=body, reason=kind))

    def snapshot(self) -> dict[str, Any]:
        users = self.user_count()
        now = self.clock.time()
        buckets = []
        for key, bucket in sorted(self._buckets.items()):
            bucket.refill(now)
            buckets.append({"kind": key[0], "appId": key[1] if key[0] not in ("tenant_write", "ca") else None,
                            "tenantId": key[-1] if key[0] not in ("app_ru", "app_write") else None,
                            "capacity": bucket.capacity, "level": round(bucket.level, 3),
                            "perSecond": round(bucket.rate, 6), "used": round(bucket.used(), 4)})
        quotas = {kind: {"limit": q.limit, "periodSeconds": q.period}
                  for kind in ("ru", "write", "tenant_write", "app_ru", "app_write", "ca")
                  for q in [self._quota(kind, users)]}
        return {"enabled": self.enabled, "scale": self.scale, "caLimit": self.ca_limit,
                "userCount": users, "tenantSize": tenant_size(users), "quotas": quotas,
                "overrides": {k: v for k, v in sorted(self._overrides.items()) if v is not None},
                "buckets": buckets}


def _percentage(usage: float) -> str:
    return f"{min(usage, 1.8):.2f}"


# ------------------------------------------------------------------------------------------------- faults


@dataclass
class FaultDecision:
    latency: float = 0.0  # seconds to sleep before answering
    kind: Literal["none", "status", "drop"] = "none"
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: dict[str, Any] | None = None


_NO_FAULT = FaultDecision()
_FAULT_KNOBS = frozenset({"random_seed", "latency_ms", "latency_jitter_ms", "fault_rate", "fault_status",
                          "throttle_every", "error_every", "drop_rate", "drop_every", "retry_after", "paths",
                          "methods", "reset"})


class Faults:
    """Injected latency, 429/503 answers and dropped connections, reproducible from ``random_seed``.

    - ``latency_ms`` (+ uniform ``latency_jitter_ms``) before every matching request;
    - ``throttle_every=N``: every Nth matching request answers 429 (+ Retry-After);
    - ``error_every=N``: every Nth matching request answers 503 (+ Retry-After);
    - ``fault_rate=P``: with probability P a matching request answers ``fault_status`` (503 or 429);
    - ``drop_every=N`` / ``drop_rate=P``: the connection is closed without an answer;
    - ``retry_after`` seconds on injected 429/503 (0: no header);
    - ``paths`` (regex searched in the version-less path) and ``methods`` restrict which requests match.

    Precedence: drop, throttle_every, error_every, fault_rate. The random generator draws the same numbers for
    every matching request whatever the outcome, so a seed gives one sequence of decisions.
    """

    def __init__(self, random_seed: int = 0, latency_ms: float = 0, fault_rate: float = 0.0,
                 throttle_every: int = 0, drop_rate: float = 0.0, *, latency_jitter_ms: float = 0,
                 fault_status: int = 503, error_every: int = 0, drop_every: int = 0, retry_after: int = 1,
                 paths: str | None = None, methods: Iterable[str] | None = None,
                 clock: Clock | None = None) -> None:
        self.clock = clock
        self.random_seed = int(random_seed)
        self.latency_ms = self.latency_jitter_ms = self.fault_rate = self.drop_rate = 0.0
        self.throttle_every = self.error_every = self.drop_every = 0
        self.fault_status, self.retry_after = 503, 1
        self.paths: re.Pattern[str] | None = None
        self.methods: frozenset[str] | None = None
        self.reset()
        self.configure(latency_ms=latency_ms, latency_jitter_ms=latency_jitter_ms, fault_rate=fault_rate,
                       fault_status=fault_status, throttle_every=throttle_every, error_every=error_every,
                       drop_rate=drop_rate, drop_every=drop_every, retry_after=retry_after, paths=paths,
                       methods=methods)

    def reset(self) -> None:
        """Restart the random sequence and the Nth-request counters."""
        self._rng = random.Random(self.random_seed)
        self.seen = 0
        self.injected = {"latency": 0, "throttled": 0, "errors": 0, "dropped": 0}

    @property
    def active(self) -> bool:
        return bool(self.latency_ms or self.latency_jitter_ms or self.fault_rate or self.throttle_every
                    or self.error_every or self.drop_rate or self.drop_every)

    def configure(self, **knobs: Any) -> dict[str, Any]:
        """Change knobs (snake_case or camelCase). Changing ``random_seed`` (or ``reset``) restarts the sequence."""
        knobs = {_snake(k): v for k, v in knobs.items()}
        unknown = set(knobs) - _FAULT_KNOBS
        if unknown:
            raise KnobError(f"unknown fault knob(s): {', '.join(sorted(unknown))}")
        try:
            for name in ("latency_ms", "latency_jitter_ms"):
                if name in knobs:
                    setattr(self, name, _non_negative(name, float(knobs[name] or 0)))
            for name in ("fault_rate", "drop_rate"):
                if name in knobs:
                    value = float(knobs[name] or 0)
                    if not 0 <= value <= 1:
                        raise KnobError(f"fault knob {name} must be between 0 and 1, got {knobs[name]!r}")
                    setattr(self, name, value)
            for name in ("throttle_every", "error_every", "drop_every", "retry_after"):
                if name in knobs:
                    setattr(self, name, int(_non_negative(name, int(knobs[name] or 0))))
            if "fault_status" in knobs:
                status = int(knobs["fault_status"])
                if status not in (429, 500, 502, 503, 504):
                    raise KnobError(f"fault_status must be 429, 500, 502, 503 or 504, got {status}")
                self.fault_status = status
            if "paths" in knobs:
                try:
                    self.paths = re.compile(knobs["paths"], re.IGNORECASE) if knobs["paths"] else None
                except re.error as exc:
                    raise KnobError(f"fault knob paths is not a regular expression: {exc}") from exc
            if "methods" in knobs:
                methods = knobs["methods"]
                if isinstance(methods, str):
                    methods = methods.replace(",", " ").split()
                self.methods = frozenset(m.upper() for m in methods) if methods else None
        except (TypeError, ValueError) as exc:
            if isinstance(exc, KnobError):
                raise
            raise KnobError(f"invalid fault knob value: {exc}") from exc
        if "random_seed" in knobs:
            self.random_seed = int(knobs["random_seed"])
        if "random_seed" in knobs or knobs.get("reset"):
            self.reset()
        return self.snapshot()

    def decide(self, method: str, path: str, request_id: str | None = None) -> FaultDecision:
        if not self.active:
            return _NO_FAULT
        if self.methods is not None and method.upper() not in self.methods:
            return _NO_FAULT
        if path.startswith(("_emulator", "/_emulator")) or (self.paths is not None and not self.paths.search(path)):
            return _NO_FAULT
        self.seen += 1
        n, rng = self.seen, self._rng
        jitter, fault_roll, drop_roll = rng.random(), rng.random(), rng.random()
        latency = (self.latency_ms + jitter * self.latency_jitter_ms) / 1000.0
        if latency:
            self.injected["latency"] += 1
        if (self.drop_every and n % self.drop_every == 0) or drop_roll < self.drop_rate:
            self.injected["dropped"] += 1
            return FaultDecision(latency=latency, kind="drop")
        status = None
        if self.throttle_every and n % self.throttle_every == 0:
            status = 429
        elif self.error_every and n % self.error_every == 0:
            status = 503
        elif fault_roll < self.fault_rate:
            status = self.fault_status
        if status is None:
            return FaultDecision(latency=latency)
        self.injected["throttled" if status == 429 else "errors"] += 1
        headers = {"Retry-After": str(self.retry_after)} if self.retry_after else {}
        body = (too_many_requests_body(self.clock, request_id) if status == 429
                else service_unavailable_body(self.clock, request_id))
        return FaultDecision(latency=latency, kind="status", status=status, headers=headers, body=body)

    def snapshot(self) -> dict[str, Any]:
        return {"randomSeed": self.random_seed, "latencyMs": self.latency_ms,
                "latencyJitterMs": self.latency_jitter_ms, "faultRate": self.fault_rate,
                "faultStatus": self.fault_status, "throttleEvery": self.throttle_every,
                "errorEvery": self.error_every, "dropRate": self.drop_rate, "dropEvery": self.drop_every,
                "retryAfter": self.retry_after, "paths": self.paths.pattern if self.paths else None,
                "methods": sorted(self.methods) if self.methods else None,
                "seen": self.seen, "injected": dict(self.injected)}


def _non_negative(name: str, value: float) -> float:
    if value < 0:
        raise KnobError(f"fault knob {name} must be >= 0, got {value!r}")
    return value


# ----------------------------------------------------------------------------------------------- counters


class Counters:
    """Per method + path pattern counts and a bounded log of the last ``log_size`` requests."""

    def __init__(self, clock: Clock | None = None, log_size: int = 1000) -> None:
        self.clock = clock or Clock()
        self.log: deque[dict[str, Any]] = deque(maxlen=log_size)
        self.routes: dict[str, dict[str, int]] = {}
        self.totals = self._zero()

    @staticmethod
    def _zero() -> dict[str, int]:
        return {"requests": 0, "resourceUnits": 0, "writes": 0, "throttled": 0, "errors": 0}

    def reset(self) -> None:
        self.log.clear()
        self.routes.clear()
        self.totals = self._zero()

    def record(self, method: str, path: str, status: int, *, ru: int = 0, write: bool = False,
               query: str | None = None, request_id: str | None = None, pattern: str | None = None) -> None:
        """Count one answered request. ``status`` 0 means the connection was dropped without an answer."""
        method = method.upper()
        pattern = pattern if pattern is not None else path_pattern(path)
        key = f"{method} {pattern}"
        route = self.routes.get(key)
        if route is None:
            route = self.routes[key] = self._zero()
        throttled = status == 429
        error = status >= 400 or status == 0
        for counts in (route, self.totals):
            counts["requests"] += 1
            counts["resourceUnits"] += ru
            counts["writes"] += write
            counts["throttled"] += throttled
            counts["errors"] += error
        self.log.append({"time": self.clock.time(), "method": method, "path": path, "query": query or "",
                         "pattern": pattern, "status": status, "ru": ru, "write": write,
                         "requestId": request_id})

    def requests(self, limit: int | None = None) -> list[dict[str, Any]]:
        """The logged requests, oldest first (the last ``limit`` ones if given)."""
        items = list(self.log)[-limit:] if limit else list(self.log)
        return [{**item, "time": _iso(datetime.fromtimestamp(item["time"], UTC))} for item in items]

    def snapshot(self) -> dict[str, Any]:
        return {"totals": dict(self.totals),
                "routes": {key: dict(counts) for key, counts in sorted(self.routes.items())}}
