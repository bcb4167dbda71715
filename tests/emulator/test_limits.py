"""Throttling, faults, clock and counters of the emulator (entragit/emulator/limits.py).

Quotas and costs: https://learn.microsoft.com/en-us/graph/throttling-limits ("Identity and access service
limits", "Identity protection and conditional access service limits"); 429 shape:
https://learn.microsoft.com/en-us/graph/throttling.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from entragit.emulator.limits import (
    Clock,
    Counters,
    Faults,
    KnobError,
    Limiter,
    path_pattern,
    request_cost,
    tenant_size,
)

APP = "9a3d526c-b3c1-4479-ba74-197b5c5751ae"
APP2 = "11111111-2222-3333-4444-555555555555"
TENANT = "0785ef7c-2d7a-4542-b048-95bcab406e0b"
GUID = "b320ee12-b1cd-4cca-b648-a437be61c5cd"
T0 = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> Clock:
    return Clock(T0, frozen=True)


def limiter(clock: Clock, users: int = 1000, **knobs) -> Limiter:
    return Limiter(clock, lambda: users, **knobs)


def admit(lim: Limiter, method: str = "GET", path: str = "users", query: dict | None = None,
          app: str = APP, tenant: str = TENANT):
    return lim.admit(method, path, query or {}, app, tenant)


# ------------------------------------------------------------------------------------------------ clock


def test_frozen_clock_stands_still_until_advanced(clock: Clock) -> None:
    assert clock.now() == T0
    assert clock.now() == T0
    clock.advance(days=30, seconds=1)
    assert clock.now() == T0 + timedelta(days=30, seconds=1)
    assert clock.time() == (T0 + timedelta(days=30, seconds=1)).timestamp()


def test_running_clock_follows_real_time_with_offset() -> None:
    clock = Clock()
    real = datetime.now(UTC)
    assert abs((clock.now() - real).total_seconds()) < 1
    clock.advance(days=8)
    assert abs((clock.now() - real - timedelta(days=8)).total_seconds()) < 1
    clock.set(T0)
    assert abs((clock.now() - T0).total_seconds()) < 1
    assert not clock.frozen


def test_clock_freeze_unfreeze_keeps_emulator_time(clock: Clock) -> None:
    clock.unfreeze()
    assert abs((clock.now() - T0).total_seconds()) < 1
    clock.freeze()
    frozen_at = clock.now()
    assert clock.now() == frozen_at


def test_clock_configure_from_control_plane(clock: Clock) -> None:
    snap = clock.configure(now="2027-01-01T00:00:00Z", advance={"days": 7, "seconds": 5})
    assert clock.now() == datetime(2027, 1, 8, 0, 0, 5, tzinfo=UTC)
    assert snap["now"] == "2027-01-08T00:00:05.000Z" and snap["frozen"] is True
    clock.configure(days=1)
    assert clock.now() == datetime(2027, 1, 9, 0, 0, 5, tzinfo=UTC)
    naive = clock.set(datetime(2027, 2, 1))  # naive datetimes are UTC
    assert naive == datetime(2027, 2, 1, tzinfo=UTC)
    with pytest.raises(KnobError, match="unknown clock knob"):
        clock.configure(hours=1)
    with pytest.raises(KnobError, match="invalid clock knob value"):
        clock.configure(now="yesterday")


# ------------------------------------------------------------------------------------------- cost model


@pytest.mark.parametrize(("path", "pattern"), [
    ("users", "users"),
    (f"users/{GUID}", "users/{id}"),
    ("users/adele@contoso.com/manager/$ref", "users/{id}/manager/$ref"),
    (f"groups/{GUID}/members/{GUID}/$ref", "groups/{id}/members/{id}/$ref"),
    (f"/v1.0/groups/{GUID}/members?$select=id", "groups/{id}/members"),
    ("beta/identity/conditionalAccess/policies", "identity/conditionalAccess/policies"),
    ("oauth2PermissionGrants/l5eW7x0ga0-WDOntXzHateQDNpSH5-lPk9HjD3Sarjk", "oauth2PermissionGrants/{id}"),
    ("oauth2PermissionGrants/delta", "oauth2PermissionGrants/delta"),
    (f"servicePrincipals/{GUID}/appRoleAssignedTo/41W1zT6z1U-kJxf2S5PNLhKyYV5I7NBFp",
     "servicePrincipals/{id}/appRoleAssignedTo/{id}"),
    ("policies/authenticationMethodsPolicy/authenticationMethodConfigurations/Fido2",
     "policies/authenticationMethodsPolicy/authenticationMethodConfigurations/{id}"),
    ("policies/authorizationPolicy", "policies/authorizationPolicy"),
    (f"directory/deletedItems/microsoft.graph.user/{GUID}/restore",
     "directory/deletedItems/microsoft.graph.user/{id}/restore"),
    ("applications(appId='00000003-0000-0000-c000-000000000000')", "{id}"),
])
def test_path_pattern_replaces_ids(path: str, pattern: str) -> None:
    assert path_pattern(path) == pattern


@pytest.mark.parametrize(("method", "path", "query", "ru", "write"), [
    # base costs from the table
    ("GET", "users", {}, 2, False),
    ("GET", "applications", {}, 2, False),
    ("GET", f"applications/{GUID}/extensionProperties", {}, 2, False),
    ("GET", f"groups/{GUID}/members", {}, 3, False),
    ("GET", f"groups/{GUID}/members/$ref", {}, 3, False),
    ("GET", f"groups/{GUID}/transitiveMembers", {}, 5, False),
    ("GET", f"servicePrincipals/{GUID}/appRoleAssignments", {}, 2, False),
    ("GET", "oauth2PermissionGrants", {}, 2, False),
    ("GET", "oauth2PermissionGrants/l5eW7x0ga0-WDOntXzHateQDNpSH5-lPk9HjD3Sarjk", {}, 2, False),
    ("GET", "subscribedSkus", {}, 3, False),
    ("POST", "directoryObjects/getByIds", {}, 3, False),
    ("GET", f"users/{GUID}/memberOf", {}, 2, False),  # me/ costs apply to users/{id}/
    ("POST", "users/adele@contoso.com/checkMemberGroups", {}, 4, False),
    # anything else: GET 1 RU; writes 1 RU + 1 write
    ("GET", f"users/{GUID}", {}, 1, False),
    ("GET", "users/delta", {}, 1, False),
    ("GET", "groups", {}, 1, False),
    ("GET", "identity/conditionalAccess/policies", {}, 1, False),
    ("POST", "users", {}, 1, True),
    ("PATCH", f"groups/{GUID}", {}, 1, True),
    ("PUT", f"applications/{GUID}/logo", {}, 1, True),
    ("DELETE", f"groups/{GUID}/members/{GUID}/$ref", {}, 1, True),
    # modifiers: $select -1, $expand +1, $top < 20 -1, never below 1
    ("GET", "users", {"$select": "id,displayName"}, 1, False),
    ("GET", "users", {"$select": "id", "$top": "999"}, 1, False),
    ("GET", "users", {"$top": "19"}, 1, False),
    ("GET", "users", {"$top": "20"}, 2, False),
    ("GET", f"groups/{GUID}/transitiveMembers", {"$select": "id", "$top": "5"}, 3, False),
    ("GET", f"groups/{GUID}/members", {"$expand": "x"}, 4, False),
    ("GET", "groups", {"$expand": "members"}, 2, False),
    ("GET", "groups", {"$select": "id", "$top": "1"}, 1, False),
    ("GET", "users", {"select": ["id"], "top": ["5"]}, 1, False),  # dollar-less options, multi-dict values
    ("GET", "users", {"$top": "lots"}, 2, False),
    # the $batch envelope is free: its inner requests are priced one by one
    ("POST", "$batch", {}, 0, False),
])
def test_request_cost(method: str, path: str, query: dict, ru: int, write: bool) -> None:
    assert request_cost(method, path, query) == (ru, write)


@pytest.mark.parametrize(("users", "size"), [(0, "S"), (49, "S"), (50, "M"), (500, "M"), (501, "L")])
def test_tenant_size_tiers(users: int, size: str) -> None:
    assert tenant_size(users) == size


# ---------------------------------------------------------------------------------------------- limiter


def test_admitted_request_carries_resource_unit(clock: Clock) -> None:
    lim = limiter(clock)
    a = admit(lim, query={"$select": "id"})
    assert a.admitted and a.ru == 1 and not a.write
    assert a.headers == {"x-ms-resource-unit": "1"}
    w = admit(lim, "PATCH", f"users/{GUID}")
    assert w.admitted and w.write and w.headers["x-ms-resource-unit"] == "1"


@pytest.mark.parametrize(("users", "capacity"), [(10, 3_500), (50, 5_000), (500, 5_000), (501, 8_000)])
def test_ru_bucket_sized_by_tenant_tier(clock: Clock, users: int, capacity: int) -> None:
    lim = limiter(clock, users=users)
    # GET users/{id} costs 1 RU: exactly `capacity` fit into one frozen instant
    for _ in range(capacity):
        assert admit(lim, path=f"users/{GUID}").admitted
    denied = admit(lim, path=f"users/{GUID}").denied
    assert denied is not None and denied.reason == "ru"
    assert denied.headers["x-ms-throttle-information"] == "ResourceUnitLimitExceeded"
    assert denied.headers["x-ms-throttle-scope"] == f"Tenant_Application/ReadWrite/{APP}/{TENANT}"


def test_tier_follows_the_user_count(clock: Clock) -> None:
    users = [10]
    lim = Limiter(clock, lambda: users[0])
    assert lim.snapshot()["quotas"]["ru"]["limit"] == 3_500
    users[0] = 600
    snap = lim.snapshot()
    assert snap["tenantSize"] == "L" and snap["quotas"]["ru"]["limit"] == 8_000


def test_the_3001st_write_in_150_seconds_is_refused(clock: Clock) -> None:
    lim = limiter(clock, users=10_000)
    for i in range(3_000):
        a = admit(lim, "POST", "groups")
        assert a.admitted, f"write {i + 1} refused"
    refused = admit(lim, "POST", "groups")
    assert refused.denied is not None
    d = refused.denied
    assert d.status == 429 and d.reason == "write"
    assert d.headers["x-ms-throttle-information"] == "WriteLimitExceeded"
    assert d.headers["x-ms-throttle-scope"] == f"Tenant_Application/Write/{APP}/{TENANT}"
    # refill is 3,000 / 150 s = 20 writes/s; the refused write counted too (level -1), so the next one
    # needs 2 tokens = 0.1 s, announced as whole seconds
    assert d.headers["Retry-After"] == "1"
    assert d.body["error"]["code"] == "TooManyRequests"
    assert d.body["error"]["innerError"]["status"] == "429"
    assert d.body["error"]["innerError"]["date"] == "2026-11-26T12:00:00"
    assert "request-id" in d.body["error"]["innerError"]
    # reads are still admitted: the RU bucket (8,000 at L) is not exhausted by 3,001 RU
    assert admit(lim, "GET", f"groups/{GUID}").admitted
    clock.advance(seconds=0.05)  # one token back: level 0, still short of 1
    assert not admit(lim, "DELETE", f"groups/{GUID}").admitted
    clock.advance(seconds=1)  # level -1 + 20
    assert admit(lim, "DELETE", f"groups/{GUID}").admitted


def test_retry_after_reflects_the_refill_time(clock: Clock) -> None:
    # 6 writes per 60 s = 0.1 write/s: after the burst, the next write needs (1 - (-1)) / 0.1 = 20 s
    lim = limiter(clock, write_limit=6, write_period=60)
    for _ in range(6):
        assert admit(lim, "POST", "users").admitted
    d = admit(lim, "POST", "users").denied
    assert d is not None and d.headers["Retry-After"] == "20"
    clock.advance(seconds=19)
    assert not admit(lim, "POST", "users").admitted  # too early: and it counted again
    clock.advance(seconds=30)  # level: -2 + 3.0 = 1
    assert admit(lim, "POST", "users").admitted


def test_throttled_requests_count_but_debt_is_capped(clock: Clock) -> None:
    lim = limiter(clock, write_limit=10, write_period=10)  # 1 write/s
    for _ in range(10):
        admit(lim, "POST", "users")
    retry = [int(admit(lim, "POST", "users").denied.headers["Retry-After"]) for _ in range(50)]
    assert retry[:3] == [2, 3, 4]
    assert retry[-1] == 11 == max(retry)  # the debt never exceeds one capacity: (1 - (-10)) / (1 write/s)


def test_limit_percentage_above_80_percent(clock: Clock) -> None:
    lim = limiter(clock, users=10, ru_limit=100)
    seen = [admit(lim, path=f"users/{GUID}").headers.get("x-ms-throttle-limit-percentage") for _ in range(100)]
    assert seen[:80] == [None] * 80
    assert seen[80] == "0.81" and seen[99] == "1.00"
    d = admit(lim, path=f"users/{GUID}").denied
    assert d is not None and float(d.headers["x-ms-throttle-limit-percentage"]) >= 1.0


def test_buckets_are_per_app_and_tenant(clock: Clock) -> None:
    lim = limiter(clock, write_limit=2)
    for _ in range(2):
        assert admit(lim, "POST", "users").admitted
    assert not admit(lim, "POST", "users").admitted
    assert admit(lim, "POST", "users", app=APP2).admitted
    assert admit(lim, "POST", "users", tenant=GUID).admitted


def test_tenant_write_quota_spans_applications(clock: Clock) -> None:
    lim = limiter(clock, tenant_write_limit=5)
    for i in range(5):
        assert admit(lim, "POST", "users", app=f"00000000-0000-0000-0000-00000000000{i}").admitted
    d = admit(lim, "POST", "users", app=APP2).denied
    assert d is not None and d.reason == "tenant_write"
    assert d.headers["x-ms-throttle-scope"] == f"Tenant/Write/{APP2}/{TENANT}"
    assert "Retry-After" in d.headers


def test_ca_paths_one_request_per_second_without_retry_after(clock: Clock) -> None:
    lim = limiter(clock)
    ca = "identity/conditionalAccess/policies"
    assert admit(lim, path=ca).admitted
    d = admit(lim, path="identity/conditionalAccess/namedLocations", app=APP2).denied  # all apps share it
    assert d is not None and d.status == 429 and d.reason == "ca"
    assert "Retry-After" not in d.headers and "retry-after" not in {k.lower() for k in d.headers}
    assert d.body["error"]["code"] == "TooManyRequests"
    assert d.headers["x-ms-throttle-scope"] == f"Tenant/ReadWrite/{APP2}/{TENANT}"
    # other paths are not under this limit
    assert admit(lim, path="policies/authorizationPolicy").admitted
    clock.advance(seconds=2)  # the refused request counted: one second buys back its token only
    assert admit(lim, "PATCH", f"{ca}/{GUID}").admitted
    assert not admit(lim, path=ca).admitted
    # another tenant has its own second
    assert admit(lim, path=ca, tenant=GUID).admitted


def test_ca_paths_never_carry_retry_after(clock: Clock) -> None:
    # even when the resource-unit bucket is what refuses them
    lim = limiter(clock, users=10, ru_limit=1, ca_limit=False)
    assert admit(lim, path="identity/conditionalAccess/namedLocations").admitted
    d = admit(lim, path="identity/conditionalAccess/namedLocations").denied
    assert d is not None and d.reason == "ru" and "Retry-After" not in d.headers
    d = admit(lim, path="users").denied
    assert d is not None and "Retry-After" in d.headers


def test_ca_limit_switch(clock: Clock) -> None:
    lim = limiter(clock, ca_limit=False)
    for _ in range(5):
        assert admit(lim, path="identity/conditionalAccess/policies").admitted
    lim.configure(caLimit=True, caRate=3)
    for _ in range(3):
        assert admit(lim, path="identity/conditionalAccess/policies").admitted
    assert not admit(lim, path="identity/conditionalAccess/policies").admitted


def test_disabled_quotas_admit_everything_but_still_price(clock: Clock) -> None:
    lim = limiter(clock, enabled=False, write_limit=1)
    for _ in range(5_000):
        a = admit(lim, "POST", "users")
        assert a.admitted
    for _ in range(10):
        assert admit(lim, path="identity/conditionalAccess/policies").admitted
    a = admit(lim, query={"$top": "5"})
    assert a.admitted and a.ru == 1 and a.headers == {"x-ms-resource-unit": "1"}
    lim.configure(enabled=True)
    assert admit(lim, "POST", "users").admitted
    assert not admit(lim, "POST", "users").admitted


def test_scale_multiplies_quotas(clock: Clock) -> None:
    lim = limiter(clock, scale=0.001)  # 3 writes per 150 s
    assert lim.snapshot()["quotas"]["write"] == {"limit": 3.0, "periodSeconds": 150}
    for _ in range(3):
        assert admit(lim, "POST", "users").admitted
    d = admit(lim, "POST", "users").denied
    assert d is not None and d.headers["Retry-After"] == "100"  # 2 tokens at 0.02/s


def test_configure_validates_knobs(clock: Clock) -> None:
    lim = limiter(clock)
    with pytest.raises(KnobError, match="unknown quota knob"):
        lim.configure(writes=3)
    with pytest.raises(KnobError, match="scale must be > 0"):
        lim.configure(scale=0)
    with pytest.raises(KnobError, match="invalid quota knob value"):
        lim.configure(write_limit="many")
    snap = lim.configure(writeLimit=7, writePeriod=7)
    assert snap["quotas"]["write"] == {"limit": 7.0, "periodSeconds": 7.0}
    assert snap["overrides"] == {"write_limit": 7.0, "write_period": 7.0}


def test_reset_knob_goes_back_to_graphs_quotas(clock: Clock) -> None:
    lim = limiter(clock, users=10)
    lim.configure(writeLimit=7, caRate=5, scale=2, caLimit=False)
    snap = lim.configure(reset=True)
    assert snap["overrides"] == {} and snap["scale"] == 1.0 and snap["caLimit"] is True
    assert snap["quotas"]["write"] == {"limit": 3000.0, "periodSeconds": 150.0}
    assert snap["quotas"]["ca"] == {"limit": 1.0, "periodSeconds": 1.0}
    assert lim.configure(reset=True, writeLimit=9)["quotas"]["write"]["limit"] == 9.0  # reset first


def test_snapshot_shows_bucket_levels(clock: Clock) -> None:
    lim = limiter(clock, users=10)
    admit(lim, query={})  # 2 RU
    admit(lim, "POST", "users")
    snap = lim.snapshot()
    ru = next(b for b in snap["buckets"] if b["kind"] == "ru")
    assert ru["capacity"] == 3_500 and ru["level"] == 3_497 and ru["appId"] == APP and ru["tenantId"] == TENANT
    tenant_write = next(b for b in snap["buckets"] if b["kind"] == "tenant_write")
    assert tenant_write["level"] == 17_999 and tenant_write["appId"] is None
    lim.reset()
    assert lim.snapshot()["buckets"] == []


def test_clock_set_backwards_does_not_break_buckets(clock: Clock) -> None:
    lim = limiter(clock, write_limit=1, write_period=1)
    assert admit(lim, "POST", "users").admitted
    clock.advance(seconds=-3600)
    assert not admit(lim, "POST", "users").admitted
    clock.advance(seconds=3)
    assert admit(lim, "POST", "users").admitted


# ----------------------------------------------------------------------------------------------- faults


def run(faults: Faults, n: int, method: str = "GET", path: str = "users") -> list[tuple]:
    return [(d.kind, d.status, round(d.latency, 6)) for d in (faults.decide(method, path) for _ in range(n))]


def test_no_faults_by_default() -> None:
    faults = Faults(0)
    assert not faults.active
    assert {(d.kind, d.latency) for d in (faults.decide("GET", "users") for _ in range(100))} == {("none", 0.0)}


def test_faults_reproducible_from_seed() -> None:
    knobs = {"latency_ms": 5, "latency_jitter_ms": 10, "fault_rate": 0.2, "drop_rate": 0.05}
    a, b, c = Faults(42, **knobs), Faults(42, **knobs), Faults(43, **knobs)
    seq = run(a, 300)
    assert seq == run(b, 300)
    assert seq != run(c, 300)
    kinds = [k for k, _, _ in seq]
    assert 30 < kinds.count("status") < 90 and 3 <= kinds.count("drop") < 40  # the rates, roughly
    assert all(0.005 <= lat <= 0.015 for _, _, lat in seq)
    a.reset()
    assert run(a, 300) == seq
    a.configure(random_seed=42)
    assert run(a, 300) == seq


def test_every_nth_request_throttled_with_retry_after() -> None:
    faults = Faults(0, throttle_every=3, retry_after=2)
    decisions = [faults.decide("GET", "users") for _ in range(9)]
    assert [d.status for d in decisions] == [None, None, 429] * 3
    d = decisions[2]
    assert d.kind == "status" and d.headers == {"Retry-After": "2"}
    assert d.body["error"]["code"] == "TooManyRequests"
    assert faults.snapshot()["injected"]["throttled"] == 3


def test_every_nth_503_and_drops() -> None:
    faults = Faults(0, error_every=2, drop_every=5)
    seq = run(faults, 10)
    assert [k for k, _, _ in seq] == ["none", "status", "none", "status", "drop",
                                      "status", "none", "status", "none", "drop"]
    assert {s for k, s, _ in seq if k == "status"} == {503}
    d = Faults(0, error_every=1).decide("POST", "users")
    assert d.headers == {"Retry-After": "1"} and d.body["error"]["code"] == "serviceNotAvailable"
    assert Faults(0, error_every=1, retry_after=0).decide("GET", "users").headers == {}


def test_fault_rate_status_choice() -> None:
    faults = Faults(1, fault_rate=1.0, fault_status=429)
    assert {d.status for d in (faults.decide("GET", "users") for _ in range(20))} == {429}


def test_fault_path_and_method_filter() -> None:
    faults = Faults(0, throttle_every=1, paths=r"^groups", methods=["patch"])
    assert faults.decide("PATCH", f"groups/{GUID}").status == 429
    assert faults.decide("GET", f"groups/{GUID}").kind == "none"
    assert faults.decide("PATCH", f"users/{GUID}").kind == "none"
    assert faults.decide("POST", "_emulator/reset").kind == "none"
    # non-matching requests do not advance the sequence
    f1, f2 = Faults(7, fault_rate=0.5, paths="users"), Faults(7, fault_rate=0.5, paths="users")
    for i in range(50):
        f1.decide("GET", "groups")
        assert f1.decide("GET", "users").status == f2.decide("GET", "users").status, i


def test_fault_knobs_validated() -> None:
    faults = Faults(0)
    with pytest.raises(KnobError, match="between 0 and 1"):
        faults.configure(fault_rate=1.5)
    with pytest.raises(KnobError, match="unknown fault knob"):
        faults.configure(latency=3)
    with pytest.raises(KnobError, match="not a regular expression"):
        faults.configure(paths="(")
    with pytest.raises(KnobError, match="fault_status"):
        faults.configure(faultStatus=404)
    snap = faults.configure(latencyMs=3, throttleEvery=4, methods="get,post")
    assert snap["latencyMs"] == 3 and snap["throttleEvery"] == 4 and snap["methods"] == ["GET", "POST"]
    assert faults.decide("GET", "users").latency == pytest.approx(0.003)


# --------------------------------------------------------------------------------------------- counters


def test_counters_per_route_and_totals(clock: Clock) -> None:
    counters = Counters(clock, log_size=3)
    counters.record("GET", "users", 200, ru=1)
    counters.record("get", f"users/{GUID}", 200, ru=1)
    counters.record("GET", "users", 429, ru=2)
    counters.record("PATCH", f"groups/{GUID}", 204, ru=1, write=True, query="$select=id", request_id="r1")
    snap = counters.snapshot()
    assert snap["totals"] == {"requests": 4, "resourceUnits": 5, "writes": 1, "throttled": 1, "errors": 1}
    assert snap["routes"]["GET users"] == {"requests": 2, "resourceUnits": 3, "writes": 0, "throttled": 1,
                                           "errors": 1}
    assert snap["routes"]["GET users/{id}"]["requests"] == 1
    assert snap["routes"]["PATCH groups/{id}"]["writes"] == 1
    log = counters.requests()
    assert len(log) == 3 and log[0]["path"] == f"users/{GUID}"  # bounded: the oldest fell off
    assert log[-1] == {"time": "2026-11-26T12:00:00.000Z", "method": "PATCH", "path": f"groups/{GUID}",
                       "query": "$select=id", "pattern": "groups/{id}", "status": 204, "ru": 1, "write": True,
                       "requestId": "r1"}
    assert [r["status"] for r in counters.requests(limit=2)] == [429, 204]
    counters.reset()
    assert counters.snapshot() == {"totals": {"requests": 0, "resourceUnits": 0, "writes": 0, "throttled": 0,
                                              "errors": 0}, "routes": {}}


def test_limiter_and_counters_together(clock: Clock) -> None:
    lim, counters = limiter(clock, write_limit=2), Counters(clock)
    for _ in range(3):
        a = admit(lim, "POST", "groups")
        counters.record("POST", "groups", a.denied.status if a.denied else 201, ru=a.ru, write=a.write)
    totals = counters.snapshot()["totals"]
    assert totals["requests"] == 3 and totals["throttled"] == 1 and totals["writes"] == 3
