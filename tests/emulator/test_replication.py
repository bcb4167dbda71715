"""Replication lag (eventual consistency), counted in requests or emulator-clock seconds, through the real
msgraph-sdk request adapter: new and restored objects 404 by id and miss from $filter listings, $ref writes
naming them answer 400, a service principal for a new application answers NoBackingApplicationObject,
deletions reach deleted items late."""

from __future__ import annotations

from typing import Any

from tests.plugins.emulator import GraphSdk

REF = "https://graph.microsoft.com/v1.0/directoryObjects/{}"
MISSING = ("Request_BadRequest", "The source resource object or one of the objects being referenced don't exist.")


def new_group(sdk: GraphSdk, name: str) -> dict[str, Any]:
    resp = sdk.call("POST", "groups", {"displayName": name, "mailEnabled": False, "mailNickname": name.lower(),
                                       "securityEnabled": True})
    assert resp.status == 201, resp.json
    return resp.json


def test_off_by_default_and_knob_round_trip(dual_sdk: GraphSdk) -> None:
    assert dual_sdk.control("replication") == {"requests": 0, "seconds": 0.0, "pending": 0}
    group = new_group(dual_sdk, "Immediate")
    assert dual_sdk.call("GET", f"groups/{group['id']}").status == 200
    assert dual_sdk.control("replication", {"requests": 3})["requests"] == 3
    assert dual_sdk.control("replication", {"off": True}) == {"requests": 0, "seconds": 0.0, "pending": 0}


def test_a_new_object_is_not_found_for_n_requests(dual_sdk: GraphSdk) -> None:
    dual_sdk.control("replication", {"requests": 3})
    group = new_group(dual_sdk, "Lagging")
    gid = group["id"]
    first = dual_sdk.call("GET", f"groups/{gid}", max_retries=0)
    assert first.status == 404 and first.error["code"] == "Request_ResourceNotFound"
    assert dual_sdk.call("PATCH", f"groups/{gid}", {"description": "x"}, max_retries=0).status == 404
    listed = dual_sdk.call("GET", "groups?$filter=displayName eq 'Lagging'").json["value"]
    assert listed == []
    assert dual_sdk.control("replication")["pending"] == 1
    assert dual_sdk.call("GET", f"groups/{gid}").status == 200  # the 4th request after the create
    assert [g["id"] for g in dual_sdk.call("GET", "groups?$filter=displayName eq 'Lagging'").json["value"]] == [gid]


def test_ref_writes_naming_a_new_object_answer_400(sdk: GraphSdk) -> None:
    user = sdk.call("GET", "users?$top=1&$select=id").json["value"][0]["id"]
    sdk.control("replication", {"requests": 2})
    group = new_group(sdk, "Fresh")["id"]
    added = sdk.call("POST", f"groups/{group}/members/$ref", {"@odata.id": REF.format(user)}, max_retries=0)
    assert added.status == 400 and (added.error["code"], added.error["message"]) == MISSING
    other = new_group(sdk, "Other")["id"]  # "Fresh" has replicated by now, "Other" has not
    as_member = sdk.call("POST", f"groups/{group}/members/$ref", {"@odata.id": REF.format(other)}, max_retries=0)
    assert as_member.status == 400 and (as_member.error["code"], as_member.error["message"]) == MISSING
    assert sdk.call("GET", "groups?$top=1").status == 200
    assert sdk.call("POST", f"groups/{group}/members/$ref", {"@odata.id": REF.format(other)}).status == 204


def test_service_principal_right_after_its_application(sdk: GraphSdk) -> None:
    sdk.control("replication", {"requests": 1})
    app = sdk.call("POST", "applications", {"displayName": "Fresh app"}).json
    early = sdk.call("POST", "servicePrincipals", {"appId": app["appId"]}, max_retries=0)
    assert early.status == 400 and early.error["code"] == "Request_BadRequest"
    assert early.error["details"][0]["code"] == "NoBackingApplicationObject"
    assert app["appId"] in early.error["message"]
    assert sdk.call("POST", "servicePrincipals", {"appId": app["appId"]}).status == 201


def test_seconds_of_emulator_time_and_deleted_items(sdk: GraphSdk) -> None:
    sdk.control("clock", {"frozen": True})
    sdk.control("replication", {"seconds": 30})
    user = sdk.call("GET", "users?$top=1&$select=id").json["value"][0]["id"]
    assert sdk.call("DELETE", f"users/{user}").status == 204
    assert sdk.call("GET", f"users/{user}").status == 404
    assert sdk.call("GET", f"directory/deletedItems/{user}").status == 404
    listed = sdk.items("directory/deletedItems/microsoft.graph.user?$select=id")
    assert user not in {u["id"] for u in listed}
    assert sdk.call("POST", f"directory/deletedItems/{user}/restore").status == 404
    sdk.control("clock", {"seconds": 31})
    assert user in {u["id"] for u in sdk.items("directory/deletedItems/microsoft.graph.user?$select=id")}
    assert sdk.call("POST", f"directory/deletedItems/{user}/restore").status == 200
    restored = sdk.call("GET", f"users/{user}")  # restored: not replicated yet either
    assert restored.status == 404
    sdk.control("clock", {"seconds": 31})
    assert sdk.call("GET", f"users/{user}").status == 200


def test_batch_items_count_and_see_the_lag(sdk: GraphSdk) -> None:
    sdk.control("replication", {"requests": 2})
    group = new_group(sdk, "Batched")["id"]
    resp = sdk.call("POST", "$batch", {"requests": [
        {"id": "1", "method": "GET", "url": f"/groups/{group}"},
        {"id": "2", "method": "GET", "url": "/groups?$top=1"},
        {"id": "3", "method": "GET", "url": f"/groups/{group}"}]})
    statuses = {r["id"]: r["status"] for r in resp.json["responses"]}
    assert statuses == {"1": 404, "2": 200, "3": 200}


def test_bad_knobs_are_refused(sdk: GraphSdk) -> None:
    for body in ({"requests": -1}, {"lag": 3}):
        resp = sdk.call("POST", f"{sdk.root}/_emulator/replication", body)
        assert resp.status == 400, body
