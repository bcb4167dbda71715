"""directoryObjects, memberOf, directory extension attributes, the backend verbs without HTTP."""

from __future__ import annotations

from entragit.emulator import Emulator
from entragit.emulator.seeds import DEMO_FACTS as F
from tests.plugins.emulator import GraphSdk


def test_get_by_ids_and_directory_object(sdk: GraphSdk) -> None:
    uid = F.user_ids[F.cloud_user_upn]
    gid = F.group_ids[F.security_groups[0]]
    resp = sdk.call("POST", "directoryObjects/getByIds", {"ids": [uid, gid, "0e0e0e0e-0000-4000-8000-000000000000"]})
    assert resp.status == 200
    assert {(o["id"], o["@odata.type"]) for o in resp.json["value"]} == {
        (uid, "#microsoft.graph.user"), (gid, "#microsoft.graph.group")}
    only_groups = sdk.call("POST", "directoryObjects/getByIds", {"ids": [uid, gid], "types": ["group"]}).json
    assert [o["id"] for o in only_groups["value"]] == [gid]
    one = sdk.call("GET", f"directoryObjects/{gid}")
    assert one.json["@odata.type"] == "#microsoft.graph.group"
    assert sdk.call("GET", "directoryObjects/0e0e0e0e-0000-4000-8000-000000000000").status == 404


def test_member_of(sdk: GraphSdk) -> None:
    gid = F.group_ids[F.security_groups[0]]
    member = next(m["id"] for m in sdk.items(f"groups/{gid}/members"))
    groups = {g["id"] for g in sdk.call("GET", f"users/{member}/memberOf").json["value"]}
    assert gid in groups


def test_extension_attributes_are_selectable_and_writable_when_registered(sdk: GraphSdk) -> None:
    ext = F.extension_attribute
    uid = F.user_ids[F.cloud_user_upn]
    assert ext not in sdk.call("GET", f"users/{uid}").json  # only returned on $select
    assert sdk.call("PATCH", f"users/{uid}", {ext: "CC-42"}).status == 204
    assert sdk.call("GET", f"users/{uid}?$select=id,{ext}").json[ext] == "CC-42"
    unknown = "extension_0123456789abcdef0123456789abcdef_nope"
    resp = sdk.call("PATCH", f"users/{uid}", {unknown: "x"})
    assert resp.status == 400
    assert resp.error["message"] == f"The following extension properties are not available: {unknown}."
    available = sdk.call("POST", "directoryObjects/getAvailableExtensionProperties", {}).json["value"]
    assert ext in {e["name"] for e in available}


def test_backend_verbs_work_without_http(emulator: Emulator) -> None:
    backend = emulator.backend
    app = backend.create("applications", {"displayName": "In process"})
    assert backend.get("applications", app["id"])["appId"] == app["appId"]
    backend.update("applications", app["id"], {"notes": "changed"})
    assert backend.get("applications", app["id"], select=("notes",))["notes"] == "changed"
    backend.delete("applications", app["id"])
    assert backend.list_deleted("application").items[0]["id"] == app["id"]
    assert backend.restore(app["id"])["id"] == app["id"]
    assert any(a["id"] == app["id"] for a in backend.list_all("applications"))
