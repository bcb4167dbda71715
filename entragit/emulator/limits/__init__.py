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

from entragit.emulator.limits.clock import Clock, KnobError, service_unavailable_body, too_many_requests_body
from entragit.emulator.limits.costs import path_pattern, request_cost, tenant_size
from entragit.emulator.limits.counters import Counters
from entragit.emulator.limits.faults import FaultDecision, Faults
from entragit.emulator.limits.limiter import Admission, Denial, Limiter, Quota, is_ca_limited

__all__ = [
    "Admission", "Clock", "Counters", "Denial", "FaultDecision", "Faults", "KnobError", "Limiter", "Quota",
    "is_ca_limited", "path_pattern", "request_cost", "service_unavailable_body", "tenant_size",
    "too_many_requests_body",
]
