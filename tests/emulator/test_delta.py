"""Delta rounds through the real SDK adapter: deltaLink, @removed reasons, members@delta, $deltatoken=latest,
token expiry (syncStateNotFound after 7 days) and the forced resync (410 Gone + Location).

https://learn.microsoft.com/en-us/graph/delta-query-overview,
https://learn.microsoft.com/en-us/graph/api/group-delta?view=graph-rest-1.0
"""

from __future__ import annotations

from entragit.emulator import Emulator
from entragit.emulator.seeds import DEMO_FACTS as F
from tests.plugins.emulator import GraphSdk


def delta_round(sdk: GraphSdk, url: str) -> tuple[list[dict], str, int]:
    """(items, deltaLink, pages) of one complete round."""
    items: list[dict] = []
    pages = 0
    next_url: str | None = url
    while True:
        resp = sdk.call("GET", next_url)
        assert resp.status == 200, resp.json
        page = resp.json
        pages += 1
        assert not ("@odata.nextLink" in page and "@odata.deltaLink" in page)
        items.extend(page["value"])
        if "@odata.deltaLink" in page:
            return items, page["@odata.deltaLink"], pages
        next_url = page["@odata.nextLink"]


def new_user(alias: str) -> dict:
    return {"accountEnabled": True, "displayName": alias, "mailNickname": alias,
            "userPrincipalName": f"{alias}@{F.domain}", "passwordProfile": {"password": "Pa55w.rd!Pa55w.rd!"}}


def test_initial_round_pages_of_200_and_a_delta_link() -> None:
    emu = Emulator(seed="scale:users=450,groups=2,applications=1")
    sdk = GraphSdk(emu.url, emu.transport())
    try:
        items, link, pages = delta_round(sdk, "users/delta?$select=displayName")
        assert len(items) == len(emu.backend.collections["users"]) and pages == 3
        assert link.startswith("http://testserver/v1.0/users/delta?$deltatoken=")
        again, _, _ = delta_round(sdk, link)
        assert again == []
    finally:
        sdk.close()


def test_changes_show_up_once_with_their_removed_reason(dual_sdk: GraphSdk) -> None:
    sdk = dual_sdk
    _, link, _ = delta_round(sdk, "users/delta?$select=displayName,jobTitle")
    changed = F.user_ids[F.cloud_user_upn]
    soft = F.user_ids[F.disabled_user_upn]
    created = sdk.call("POST", "users", new_user("Newbie")).json["id"]
    gone = sdk.call("POST", "users", new_user("Shortlived")).json["id"]
    sdk.call("PATCH", f"users/{changed}", {"jobTitle": "Delta Tester"})
    sdk.call("DELETE", f"users/{soft}")
    sdk.call("DELETE", f"users/{gone}")
    sdk.call("DELETE", f"directory/deletedItems/{gone}")
    items, link2, _ = delta_round(sdk, link)
    by_id = {i["id"]: i for i in items}
    assert set(by_id) == {changed, soft, created, gone}
    assert by_id[changed] == {"id": changed, "displayName": by_id[changed]["displayName"], "jobTitle": "Delta Tester"}
    assert by_id[soft]["@removed"] == {"reason": "changed"}
    assert by_id[gone]["@removed"] == {"reason": "deleted"}
    assert "@removed" not in by_id[created] and set(by_id[created]) == {"id", "displayName", "jobTitle"}
    # a restore shows the object again; the next round from the new link has only that
    sdk.call("POST", f"directory/deletedItems/{soft}/restore")
    items3, _, _ = delta_round(sdk, link2)
    assert [i["id"] for i in items3] == [soft] and "@removed" not in items3[0]


def test_purge_after_30_days_turns_changed_into_deleted(dual_sdk: GraphSdk) -> None:
    sdk = dual_sdk
    _, link, _ = delta_round(sdk, "users/delta?$select=displayName")
    uid = F.user_ids[F.cloud_user_upn]
    sdk.call("DELETE", f"users/{uid}")
    items, link, _ = delta_round(sdk, link)
    assert items == [{"id": uid, "@removed": {"reason": "changed"}}]
    for _ in range(4):  # each token is renewed within its 7 days
        sdk.control("clock", {"days": 6})
        _, link, _ = delta_round(sdk, link)
    sdk.control("clock", {"days": 6.5})
    items, _, _ = delta_round(sdk, link)
    assert items == [{"id": uid, "@removed": {"reason": "deleted"}}]


def test_groups_members_delta(dual_sdk: GraphSdk) -> None:
    sdk = dual_sdk
    items, link, _ = delta_round(sdk, "groups/delta?$select=displayName,members")
    group = F.group_ids[F.security_groups[0]]
    initial = next(i for i in items if i["id"] == group)
    current = {m["id"] for m in sdk.items(f"groups/{group}/members", version="beta")}
    assert {m["id"] for m in initial["members@delta"]} == current
    assert all(m["@odata.type"].startswith("#microsoft.graph.") for m in initial["members@delta"])
    newcomer = F.user_ids[F.break_glass_upn]
    leaver = sorted(current)[0]
    sdk.call("POST", f"groups/{group}/members/$ref", {"@odata.id": f"http://testserver/v1.0/users/{newcomer}"})
    sdk.call("DELETE", f"groups/{group}/members/{leaver}/$ref")
    items, _, _ = delta_round(sdk, link)
    changed = next(i for i in items if i["id"] == group)
    entries = {m["id"]: m for m in changed["members@delta"]}
    assert entries[newcomer] == {"@odata.type": "#microsoft.graph.user", "id": newcomer}
    assert entries[leaver]["@removed"] == {"reason": "deleted"}
    assert set(entries) == {newcomer, leaver}


def test_members_delta_by_default_but_not_when_not_selected(sdk: GraphSdk) -> None:
    items, _, _ = delta_round(sdk, "groups/delta")
    assert all("members@delta" in i for i in items)
    items, _, _ = delta_round(sdk, "groups/delta?$select=displayName")
    assert all("members@delta" not in i for i in items)


def test_deleting_a_member_user_shows_in_the_groups_members_delta(sdk: GraphSdk) -> None:
    group = F.group_ids[F.security_groups[0]]
    member = sorted(m["id"] for m in sdk.items(f"groups/{group}/members", version="beta"))[0]
    _, link, _ = delta_round(sdk, "groups/delta?$select=members")
    sdk.call("DELETE", f"users/{member}")
    items, _, _ = delta_round(sdk, link)
    changed = next(i for i in items if i["id"] == group)
    assert {"@odata.type": "#microsoft.graph.user", "id": member, "@removed": {"reason": "deleted"}} in \
        changed["members@delta"]


def test_deltatoken_latest_syncs_from_now(dual_sdk: GraphSdk) -> None:
    sdk = dual_sdk
    resp = sdk.call("GET", "applications/delta?$deltatoken=latest")
    assert resp.json["value"] == [] and "@odata.deltaLink" in resp.json
    app = sdk.call("POST", "applications", {"displayName": "Fresh"}).json["id"]
    items, _, _ = delta_round(sdk, resp.json["@odata.deltaLink"])
    assert [i["id"] for i in items] == [app]


def test_service_principals_delta(sdk: GraphSdk) -> None:
    _, link, _ = delta_round(sdk, "servicePrincipals/delta?$select=displayName,accountEnabled")
    sp = F.service_principal_ids[F.applications[0]]
    sdk.call("PATCH", f"servicePrincipals/{sp}", {"accountEnabled": False})
    items, _, _ = delta_round(sdk, link)
    assert items == [{"id": sp, "displayName": items[0]["displayName"], "accountEnabled": False}]


def test_token_older_than_7_days_answers_sync_state_not_found(dual_sdk: GraphSdk) -> None:
    sdk = dual_sdk
    _, link, _ = delta_round(sdk, "users/delta?$select=displayName")
    sdk.control("clock", {"days": 6})
    _, fresh, _ = delta_round(sdk, link)  # still valid, and yields a new token
    sdk.control("clock", {"days": 2})
    assert sdk.call("GET", fresh).status == 200  # the new token is 2 days old
    resp = sdk.call("GET", link)  # the first one is 8 days old
    assert resp.status == 400
    assert resp.error["code"] == "syncStateNotFound"
    assert set(resp.error["innerError"]) >= {"request-id", "date"}


def test_forced_resync_answers_410_with_location(dual_sdk: GraphSdk) -> None:
    sdk = dual_sdk
    _, link, _ = delta_round(sdk, "users/delta?$select=displayName")
    assert sdk.control("delta", {"resync": ["users"]}) == {"resync": ["users"]}
    resp = sdk.call("GET", link)
    assert resp.status == 410
    location = resp.headers["location"]
    assert location == f"{sdk.root}/v1.0/users/delta?$select=displayName"
    items, _, _ = delta_round(sdk, location)
    assert len(items) == F.user_count
    assert sdk.call("GET", link).status == 200  # one resync per knob


def test_delta_is_only_for_directory_types(sdk: GraphSdk) -> None:
    assert sdk.call("GET", "identity/conditionalAccess/policies/delta").status in (400, 404)
