"""Graph's identity-and-access throttling buckets and the Conditional Access limit of 1 request/s."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from entragit.emulator.limits.clock import Clock, KnobError, snake, too_many_requests_body
from entragit.emulator.limits.costs import base_cost, path_pattern, tenant_size, with_modifiers

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
        knobs = {snake(k): v for k, v in knobs.items()}
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
        ru, writes, pattern = base_cost(method, path)
        if ru == 0:  # $batch envelope, control plane
            return Admission(ru=0, write=False, pattern=pattern)
        ru, write = with_modifiers(ru, query), writes > 0
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

