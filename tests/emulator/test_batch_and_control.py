"""JSON batching (https://learn.microsoft.com/en-us/graph/json-batching), the control plane, and the routes
generated from the declarations."""

from __future__ import annotations

import re

import pytest

from entragit.emulator import Emulator
from entragit.emulator.seeds import DEMO_FACTS as F
from entragit.resources import LinkKind, all_types
from tests.plugins.emulator import GraphSdk


def test_batch_per_item_status_and_depends_on(sdk: GraphSdk) -> None:
    uid = F.user_ids[F.cloud_user_upn]
    resp = sdk.call("POST", "$batch", {"requests": [
        {"id": "1", "method": "GET", "url": f"/users/{uid}?$select=id,displayName"},
        {"id": "2", "method": "GET", "url": "/users/0d0d0d0d-0000-4000-8000-000000000000"},
        {"id": "3", "method": "POST", "url": "/applications", "headers": {"Content-Type": "application/json"},
         "body": {"displayName": "Batched"}},
        {"id": "4", "method": "PATCH", "url": f"/users/{uid}", "dependsOn": ["3"],
         "headers": {"Content-Type": "application/json"}, "body": {"jobTitle": "Batched"}},
        {"id": "5", "method": "DELETE", "url": "/users/0d0d0d0d-0000-4000-8000-000000000000", "dependsOn": ["2"]},
        {"id": "6", "method": "GET", "url": "users?$count=true&$top=1&$select=id",
         "headers": {"ConsistencyLevel": "eventual"}},
    ]})
    assert resp.status == 200
    by_id = {r["id"]: r for r in resp.json["responses"]}
    assert {k: v["status"] for k, v in by_id.items()} == {"1": 200, "2": 404, "3": 201, "4": 204, "5": 424, "6": 200}
    assert by_id["1"]["body"]["id"] == uid
    assert by_id["2"]["body"]["error"]["code"] == "Request_ResourceNotFound"
    assert by_id["3"]["body"]["displayName"] == "Batched"
    assert by_id["4"]["body"] is None
    assert by_id["6"]["body"]["@odata.count"] > 1
    assert sdk.call("GET", f"users/{uid}?$select=jobTitle").json["jobTitle"] == "Batched"


def test_batch_limits(sdk: GraphSdk) -> None:
    too_many = {"requests": [{"id": str(i), "method": "GET", "url": "/organization"} for i in range(21)]}
    assert sdk.call("POST", "$batch", too_many).status == 400
    duplicate = {"requests": [{"id": "1", "method": "GET", "url": "/organization"}] * 2}
    assert sdk.call("POST", "$batch", duplicate).status == 400


def test_batch_items_are_throttled_one_by_one() -> None:
    emu = Emulator(seed="empty", quotas=True)
    emu.limiter.configure(write_limit=2, write_period=100)
    sdk = GraphSdk(emu.url, emu.transport())
    try:
        body = {"requests": [{"id": str(i), "method": "POST", "url": "/applications",
                              "headers": {"Content-Type": "application/json"}, "body": {"displayName": f"A{i}"}}
                             for i in range(3)]}
        resp = sdk.call("POST", "$batch", body)
        assert resp.status == 200
        statuses = [r["status"] for r in resp.json["responses"]]
        assert statuses == [201, 201, 429]
        assert "Retry-After" in resp.json["responses"][2]["headers"]
    finally:
        sdk.close()


def test_control_plane_state_counters_requests_reset(dual_sdk: GraphSdk) -> None:
    sdk = dual_sdk
    assert sdk.control("health") == {"ok": True, "tenantId": F.tenant_id}
    sdk.control("counters/reset", {})
    uid = F.user_ids[F.cloud_user_upn]
    group = F.group_ids[F.security_groups[0]]
    answers = [
        sdk.call("GET", "users?$top=1"),  # users: 2 RU, $top < 20: -1
        sdk.call("GET", "users?$top=50"),  # 2 RU
        sdk.call("GET", f"groups/{group}/members"),  # 3 RU
        sdk.call("POST", "applications", {"displayName": "Counted"}),  # 1 RU, 1 write
        sdk.call("PATCH", f"users/{uid}", {"jobTitle": "Counted"}),  # 1 RU, 1 write
        sdk.call("GET", "users/0d0d0d0d-0000-4000-8000-000000000000"),  # an error
    ]
    assert [a.status for a in answers] == [200, 200, 200, 201, 204, 404]
    counters = sdk.control("counters")
    routes = counters["routes"]
    assert routes["GET users"] == {"requests": 2, "resourceUnits": 3, "writes": 0, "throttled": 0, "errors": 0}
    assert routes["GET groups/{id}/members"]["resourceUnits"] == 3
    assert routes["POST applications"] == {"requests": 1, "resourceUnits": 1, "writes": 1, "throttled": 0,
                                           "errors": 0}
    assert routes["PATCH users/{id}"]["writes"] == 1
    assert routes["GET users/{id}"]["errors"] == 1
    assert counters["totals"] == {"requests": 6, "resourceUnits": 9, "writes": 2, "throttled": 0, "errors": 1}
    assert counters["objects"]["applications"] == len(F.applications) + 2  # + the agent blueprint, + one created
    log = sdk.control("requests?limit=3")["value"]
    assert [(r["method"], r["pattern"], r["status"], r["ru"], r["write"]) for r in log] == [
        ("POST", "applications", 201, 1, True), ("PATCH", "users/{id}", 204, 1, True),
        ("GET", "users/{id}", 404, 1, False)]
    assert [r["requestId"] for r in log] == [a.headers["request-id"] for a in answers[3:]]
    assert log[0]["time"].endswith("Z")

    assert sdk.call("DELETE", f"users/{uid}").status == 204
    state = sdk.control("state")
    assert any(a["displayName"] == "Counted" for a in state["applications"])
    assert uid not in {u["id"] for u in state["users"]}
    assert [d["object"]["id"] for d in state["deletedItems"]] == [uid]
    assert isinstance(state["groups"][0]["members"], list) and state["clock"]["now"].endswith("Z")

    assert sdk.control("reset", {})["counts"]["users"] == F.user_count
    after = sdk.control("state")
    assert all(a["displayName"] != "Counted" for a in after["applications"]) and after["deletedItems"] == []
    assert uid in {u["id"] for u in after["users"]}
    assert sdk.control("counters")["totals"]["requests"] == 0


def test_control_plane_seed(dual_sdk: GraphSdk) -> None:
    sdk = dual_sdk
    assert sdk.control("seed", "empty")["counts"]["users"] == 0
    assert sdk.items("users") == []
    custom = {"users": [{"id": "7b0e6a8e-0000-4000-8000-000000000001", "displayName": "Only One",
                         "userPrincipalName": "only@contoso.onmicrosoft.com", "accountEnabled": True,
                         "mailNickname": "only", "manager": None}]}
    assert sdk.control("seed", {"seed": custom})["counts"]["users"] == 1
    assert [u["displayName"] for u in sdk.items("users")] == ["Only One"]
    assert sdk.control("reset", {})["counts"]["users"] == 1  # reset reloads the current seed
    bad = sdk.call("POST", f"{sdk.root}/_emulator/seed", {"seed": {"nonsense": []}})
    assert bad.status == 400 and "nonsense" in bad.json["error"]["message"]
    assert sdk.call("GET", f"{sdk.root}/_emulator/nothing").status == 404


def test_control_plane_faults_knob(dual_sdk: GraphSdk) -> None:
    sdk = dual_sdk
    assert sdk.control("faults", {"throttleEvery": 2, "errorEvery": 3, "reset": True})["throttleEvery"] == 2
    statuses = [sdk.call("GET", "organization", max_retries=0).status for _ in range(6)]
    assert statuses == [200, 429, 503, 429, 200, 429]  # 429 wins over 503 on the 6th
    assert sdk.control("faults")["injected"] == {"latency": 0, "throttled": 3, "errors": 1, "dropped": 0}
    sdk.control("faults", {"throttleEvery": 0, "errorEvery": 0, "faultRate": 1, "methods": "POST"})
    assert sdk.call("GET", "organization", max_retries=0).status == 200  # only POSTs are hit
    assert sdk.call("POST", "applications", {"displayName": "x"}, max_retries=0).status == 503
    bad = sdk.call("POST", f"{sdk.root}/_emulator/faults", {"nope": 1})
    assert bad.status == 400 and "nope" in bad.json["error"]["message"]


def test_control_plane_quotas_knob(dual_sdk: GraphSdk) -> None:
    sdk = dual_sdk
    app = {"displayName": "Quota"}
    sdk.control("quotas", {"reset": True, "enabled": True, "scale": 0.001})  # 3,000 writes / 150 s -> 3
    assert sdk.control("quotas")["quotas"]["write"] == {"limit": 3.0, "periodSeconds": 150.0}
    writes = [sdk.call("POST", "applications", app, max_retries=0) for _ in range(4)]
    assert [w.status for w in writes] == [201, 201, 201, 429]
    assert writes[3].headers["x-ms-throttle-information"] == "WriteLimitExceeded"
    assert int(writes[3].headers["Retry-After"]) >= 1
    sdk.control("quotas", {"enabled": False})  # switched off: nothing is throttled
    assert [sdk.call("POST", "applications", app, max_retries=0).status for _ in range(3)] == [201] * 3
    sdk.control("quotas", {"enabled": True, "reset": True, "writeLimit": 1, "writePeriod": 100})
    assert [sdk.call("POST", "applications", app, max_retries=0).status for _ in range(2)] == [201, 429]
    assert sdk.call("POST", f"{sdk.root}/_emulator/quotas", {"scale": 0}).status == 400


def test_control_plane_clock_knob(dual_sdk: GraphSdk) -> None:
    sdk = dual_sdk
    clock = sdk.control("clock", {"now": "2030-01-02T03:04:05Z", "frozen": True})
    assert clock["now"] == "2030-01-02T03:04:05.000Z" and clock["frozen"] is True
    assert sdk.control("clock")["now"] == "2030-01-02T03:04:05.000Z"  # frozen: stands still
    created = sdk.call("POST", "applications", {"displayName": "Dated"}).json
    assert created["createdDateTime"].startswith("2030-01-02T03:04:05")
    assert sdk.control("clock", {"days": 2, "seconds": 60})["now"] == "2030-01-04T03:05:05.000Z"
    running = sdk.control("clock", {"reset": True})
    assert running["frozen"] is False and abs(running["offsetSeconds"]) < 5
    assert sdk.call("POST", f"{sdk.root}/_emulator/clock", {"weeks": 1}).status == 400


def _fill(template: str, ids: dict[str, str]) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: ids.get(m.group(1), "x"), template)


@pytest.mark.parametrize("rt", all_types(), ids=lambda rt: rt.key)
def test_every_declared_collection_and_link_template_is_served(rt, emulator: Emulator) -> None:
    """The routes come from the declarations: each declared path resolves to an operation (no 404/405)."""
    router = emulator.app.router
    ids = {"id": "a", "ref": "b"}
    paths = [("GET", rt.collection)]
    for link in rt.links:
        paths.append(("GET", link.read.split("?", 1)[0]))
        for spec in (link.add, link.remove, link.update):
            if spec:
                method, _, path = spec.partition(" ")
                paths.append((method, path))
        if link.kind is LinkKind.IDS:
            assert link.add and link.remove, (rt.key, link.name)
    if rt.restore_path:
        method, _, path = rt.restore_path.partition(" ")
        paths.append((method, path))
    if rt.delete_path:
        paths.append(("GET", rt.delete_path))
    for method, template in paths:
        handler, _, _ = router.match(method, _fill(template, ids))
        assert handler is not None, (rt.key, method, template)
