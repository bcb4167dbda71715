"""Group kinds, the v1.0 members known issue, soft delete and restore, purge after 30 days.

Sources: group-list-members (v1.0 omits service-principal members), group-post-members / group-delete-members
(403 for mail-enabled / distribution, Microsoft 365 groups accept users only), group-delete (kinds),
directory-deleteditems-list / -restore / -delete (cast mandatory; restore keeps the id; restoring an
application does not restore its service principal), graph-entra.md "Corrections".
"""

from __future__ import annotations

from entragit.emulator.seeds import DEMO_FACTS as F
from tests.plugins.emulator import GraphSdk

BASE = "https://graph.microsoft.com/v1.0"


def ref(obj_id: str) -> dict[str, str]:
    return {"@odata.id": f"{BASE}/directoryObjects/{obj_id}"}


def member_ids(sdk: GraphSdk, group: str, version: str = "v1.0") -> set[str]:
    return {m["id"] for m in sdk.items(f"groups/{group}/members?$select=id", version=version)}


def test_v1_members_omit_service_principals_beta_and_expand_show_them(dual_sdk: GraphSdk) -> None:
    sdk = dual_sdk
    group = F.group_ids[F.sp_member_group]
    sps = {F.service_principal_ids[a] for a in F.sp_member_apps}
    v1 = member_ids(sdk, group)
    beta = member_ids(sdk, group, "beta")
    assert sps <= beta and not (sps & v1)
    assert v1 < beta
    expanded = sdk.call("GET", f"groups/{group}?$expand=members").json["members"]
    assert sps <= {m["id"] for m in expanded}
    types = {m["id"]: m["@odata.type"] for m in expanded}
    assert all(types[s] == "#microsoft.graph.servicePrincipal" for s in sps)


def test_expand_members_caps_at_20(sdk: GraphSdk) -> None:
    group = F.group_ids["All Company"]
    assert len(member_ids(sdk, group)) > 20
    assert len(sdk.call("GET", f"groups/{group}?$expand=members").json["members"]) == 20


def test_membership_rules_by_group_kind(dual_sdk: GraphSdk) -> None:
    sdk = dual_sdk
    user = F.user_ids[F.break_glass_upn]
    sp = F.service_principal_ids[F.applications[0]]
    dynamic = sdk.call("POST", f"groups/{F.group_ids[F.dynamic_group]}/members/$ref", ref(user))
    assert dynamic.status == 400
    synced = sdk.call("POST", f"groups/{F.group_ids[F.synced_group]}/members/$ref", ref(user))
    assert synced.status == 400
    for name in (F.mail_enabled_security_group, F.distribution_group):
        resp = sdk.call("POST", f"groups/{F.group_ids[name]}/members/$ref", ref(user))
        assert resp.status == 403, name
        assert resp.error["code"] == "Authorization_RequestDenied"
    m365 = F.group_ids[F.m365_groups[1]]
    assert sdk.call("POST", f"groups/{m365}/members/$ref", ref(sp)).status == 400
    assert sdk.call("POST", f"groups/{m365}/members/$ref", ref(F.group_ids[F.security_groups[0]])).status == 400
    assert sdk.call("POST", f"groups/{m365}/members/$ref", ref(user)).status == 204
    security = F.group_ids[F.security_groups[0]]
    assert sdk.call("POST", f"groups/{security}/members/$ref", ref(sp)).status == 204
    # removing from a dynamic group is refused too
    dyn_member = next(iter(member_ids(sdk, F.group_ids[F.dynamic_group])))
    assert sdk.call("DELETE", f"groups/{F.group_ids[F.dynamic_group]}/members/{dyn_member}/$ref").status == 400


def test_graph_cannot_create_mail_enabled_security_or_distribution_groups(sdk: GraphSdk) -> None:
    resp = sdk.call("POST", "groups", {"displayName": "DL", "mailEnabled": True, "mailNickname": "dl",
                                       "securityEnabled": False})
    assert resp.status == 400
    m365 = sdk.call("POST", "groups", {"displayName": "Team", "mailEnabled": True, "mailNickname": "team",
                                       "securityEnabled": False, "groupTypes": ["Unified"]})
    assert m365.status == 201
    assert m365.json["mail"] == f"team@{F.domain}" and m365.json["visibility"] == "Public"


def test_mail_enabled_and_distribution_group_properties_are_exchange_mastered(sdk: GraphSdk) -> None:
    resp = sdk.call("PATCH", f"groups/{F.group_ids[F.distribution_group]}", {"description": "x"})
    assert resp.status == 400
    assert resp.error["message"].startswith("Unable to update the specified properties for objects that have "
                                            "originated within an external service")


def test_soft_delete_and_restore_keep_id_memberships_and_ownerships_not_manager(dual_sdk: GraphSdk) -> None:
    """Learn documents memberships and ownerships coming back with a restored user; it is silent on its manager
    and its direct reports, so the emulator takes the strict reading: neither comes back (docs/emulator.md)."""
    sdk = dual_sdk
    # a user who is a member of groups, owns a group, has a manager and direct reports
    manager_of = {u: m for u, m in ((u, sdk.call("GET", f"users/{u}/manager")) for u in F.user_ids.values())
                  if m.status == 200}
    target = next(m.json["id"] for m in manager_of.values())
    reports = {u for u, m in manager_of.items() if m.json["id"] == target}
    groups = {g for g in F.group_ids.values() if target in member_ids(sdk, g, "beta")}
    owned = {g for g in F.group_ids.values()
             if target in {o["id"] for o in sdk.items(f"groups/{g}/owners")}}
    own_manager = manager_of.get(target)
    assert reports and groups

    assert sdk.call("DELETE", f"users/{target}").status == 204
    assert sdk.call("GET", f"users/{target}").status == 404
    assert all(target not in member_ids(sdk, g, "beta") for g in groups)
    assert all(sdk.call("GET", f"users/{r}/manager").status == 404 for r in reports)
    deleted = sdk.items("directory/deletedItems/microsoft.graph.user")
    entry = next(d for d in deleted if d["id"] == target)
    assert entry["@odata.type"] == "#microsoft.graph.user" and entry["deletedDateTime"]
    assert sdk.call("GET", f"directory/deletedItems/{target}").json["id"] == target

    restored = sdk.call("POST", f"directory/deletedItems/{target}/restore")
    assert restored.status == 200 and restored.json["id"] == target
    assert sdk.call("GET", f"users/{target}").status == 200
    assert all(target in member_ids(sdk, g, "beta") for g in groups)
    assert all(target in {o["id"] for o in sdk.items(f"groups/{g}/owners")} for g in owned)
    assert all(sdk.call("GET", f"users/{r}/manager").status == 404 for r in reports)
    if own_manager is not None:
        assert sdk.call("GET", f"users/{target}/manager").status == 404
    assert all(d["id"] != target for d in sdk.items("directory/deletedItems/microsoft.graph.user"))


def test_deleted_items_need_the_cast_and_permanent_delete_is_final(dual_sdk: GraphSdk) -> None:
    sdk = dual_sdk
    assert sdk.call("GET", "directory/deletedItems").status == 400
    group = F.group_ids[F.security_groups[2]]
    assert sdk.call("DELETE", f"groups/{group}").status == 204
    assert group in {g["id"] for g in sdk.items("directory/deletedItems/microsoft.graph.group")}
    assert sdk.call("DELETE", f"directory/deletedItems/{group}").status == 204
    assert sdk.call("POST", f"directory/deletedItems/{group}/restore").status == 404
    assert sdk.call("GET", f"groups/{group}").status == 404


def test_delete_kinds_of_groups(dual_sdk: GraphSdk) -> None:
    sdk = dual_sdk
    soft = [F.group_ids[F.m365_groups[0]], F.group_ids[F.security_groups[1]]]
    hard = [F.group_ids[F.synced_group], F.group_ids[F.mail_enabled_security_group],
            F.group_ids[F.distribution_group]]
    for gid in soft + hard:
        assert sdk.call("DELETE", f"groups/{gid}").status == 204
    deleted = {g["id"] for g in sdk.items("directory/deletedItems/microsoft.graph.group")}
    assert set(soft) <= deleted
    assert not (set(hard) & deleted)


def test_restoring_an_application_does_not_restore_its_service_principal(dual_sdk: GraphSdk) -> None:
    sdk = dual_sdk
    name = F.applications[0]
    app, sp = F.application_object_ids[name], F.service_principal_ids[name]
    owners = {o["id"] for o in sdk.items(f"applications/{app}/owners")}
    assert sdk.call("DELETE", f"applications/{app}").status == 204
    # deleting the app registration deletes its service principal too
    assert sdk.call("GET", f"servicePrincipals/{sp}").status == 404
    assert sp in {s["id"] for s in sdk.items("directory/deletedItems/microsoft.graph.servicePrincipal")}
    restored = sdk.call("POST", f"directory/deletedItems/{app}/restore")
    assert restored.status == 200 and restored.json["appId"] == F.app_ids[name]
    assert {o["id"] for o in sdk.items(f"applications/{app}/owners")} == owners
    assert sdk.call("GET", f"servicePrincipals/{sp}").status == 404
    assert sdk.call("POST", f"directory/deletedItems/{sp}/restore").status == 200
    assert sdk.call("GET", f"servicePrincipals/{sp}").status == 200


def test_restore_brings_back_app_role_assignments(dual_sdk: GraphSdk) -> None:
    sdk = dual_sdk
    held = {F.service_principal_ids[a]: {x["id"] for x in sdk.items(
        f"servicePrincipals/{F.service_principal_ids[a]}/appRoleAssignments")} for a in F.applications}
    sp, before = max(held.items(), key=lambda kv: len(kv[1]))
    assert before
    assert sdk.call("DELETE", f"servicePrincipals/{sp}").status == 204
    assert sdk.call("POST", f"directory/deletedItems/{sp}/restore").status == 200
    assert {a["id"] for a in sdk.items(f"servicePrincipals/{sp}/appRoleAssignments")} == before


def test_deleted_items_are_purged_after_30_days_of_emulator_time(dual_sdk: GraphSdk) -> None:
    sdk = dual_sdk
    uid = F.user_ids[F.cloud_user_upn]
    sdk.call("DELETE", f"users/{uid}")
    sdk.control("clock", {"days": 29})
    assert sdk.call("GET", f"directory/deletedItems/{uid}").status == 200
    sdk.control("clock", {"days": 1, "seconds": 1})
    assert sdk.call("GET", f"directory/deletedItems/{uid}").status == 404
    assert sdk.call("POST", f"directory/deletedItems/{uid}/restore").status == 404


def test_first_party_service_principals_and_built_ins_cannot_be_deleted(sdk: GraphSdk) -> None:
    assert sdk.call("DELETE", f"servicePrincipals/{F.graph_sp_id}").status == 400
    assert sdk.call("DELETE", "policies/authorizationPolicy").status == 405


def test_restore_refuses_a_user_principal_name_taken_meanwhile(sdk: GraphSdk) -> None:
    uid = F.user_ids[F.cloud_user_upn]
    sdk.call("DELETE", f"users/{uid}")
    sdk.call("POST", "users", {"accountEnabled": True, "displayName": "Taker", "mailNickname": "taker",
                               "userPrincipalName": F.cloud_user_upn,
                               "passwordProfile": {"password": "Pa55w.rd!Pa55w.rd!"}})
    assert sdk.call("POST", f"directory/deletedItems/{uid}/restore").status == 400
    alt = sdk.call("POST", f"directory/deletedItems/{uid}/restore",
                   {"newUserPrincipalName": f"restored@{F.domain}"})
    assert alt.status == 200 and alt.json["userPrincipalName"] == f"restored@{F.domain}"


def test_a_refused_bind_creates_nothing(sdk: GraphSdk) -> None:
    sp = F.service_principal_ids[F.applications[0]]
    before = len(sdk.items("groups?$select=id"))
    resp = sdk.call("POST", "groups", {
        "displayName": "Team with a robot", "mailEnabled": True, "mailNickname": "robots",
        "securityEnabled": False, "groupTypes": ["Unified"],
        "members@odata.bind": [f"{BASE}/directoryObjects/{sp}"]})
    assert resp.status == 400
    assert len(sdk.items("groups?$select=id")) == before
    group = F.group_ids[F.m365_groups[0]]
    patch = sdk.call("PATCH", f"groups/{group}", {"description": "changed",
                                                  "members@odata.bind": [f"{BASE}/directoryObjects/{sp}"]})
    assert patch.status == 400
    assert sdk.call("GET", f"groups/{group}?$select=description").json["description"] != "changed"
