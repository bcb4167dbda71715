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


def test_control_plane_state_counters_requests_reset(sdk: GraphSdk, emulator: Emulator) -> None:
    control = "http://testserver/_emulator"
    assert sdk.call("GET", f"{control}/health").json == {"ok": True, "tenantId": emulator.backend.tenant_id}
    sdk.call("GET", "users?$top=1")
    sdk.call("POST", "applications", {"displayName": "Counted"})
    counters = sdk.call("GET", f"{control}/counters").json
    assert counters["routes"]["GET users"]["requests"] == 1
    assert counters["routes"]["POST applications"]["writes"] == 1
    assert counters["totals"]["resourceUnits"] >= 2
    log = sdk.call("GET", f"{control}/requests?limit=1").json["value"]
    assert log[0]["method"] == "POST" and log[0]["status"] == 201
    state = sdk.call("GET", f"{control}/state").json
    assert any(a["displayName"] == "Counted" for a in state["applications"])
    assert isinstance(state["groups"][0]["members"], list)
    assert sdk.call("POST", f"{control}/reset").status == 200
    after = sdk.call("GET", f"{control}/state").json
    assert all(a["displayName"] != "Counted" for a in after["applications"])
    assert sdk.call("GET", f"{control}/counters").json["totals"]["requests"] == 0


def test_control_plane_seed_clock_faults_quotas(sdk: GraphSdk, emulator: Emulator) -> None:
    control = "http://testserver/_emulator"
    seeded = sdk.call("POST", f"{control}/seed", "empty")
    assert seeded.status == 200 and seeded.json["counts"]["users"] == 0
    custom = {"users": [{"id": "7b0e6a8e-0000-4000-8000-000000000001", "displayName": "Only One",
                         "userPrincipalName": "only@contoso.onmicrosoft.com", "accountEnabled": True,
                         "mailNickname": "only", "manager": None}]}
    assert sdk.call("POST", f"{control}/seed", {"seed": custom}).json["counts"]["users"] == 1
    assert [u["displayName"] for u in sdk.items("users")] == ["Only One"]
    bad = sdk.call("POST", f"{control}/seed", {"seed": {"nonsense": []}})
    assert bad.status == 400
    before = emulator.clock.now()
    clock = sdk.call("POST", f"{control}/clock", {"days": 2})
    assert clock.status == 200 and (emulator.clock.now() - before).days == 2
    faults = sdk.call("POST", f"{control}/faults", {"throttleEvery": 5})
    assert faults.json["throttleEvery"] == 5
    assert sdk.call("POST", f"{control}/faults", {"nope": 1}).status == 400
    quotas = sdk.call("POST", f"{control}/quotas", {"enabled": True, "scale": 0.5})
    assert quotas.json["enabled"] is True and quotas.json["scale"] == 0.5
    assert sdk.call("GET", f"{control}/nothing").status == 404


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
