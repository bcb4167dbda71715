"""The planner on its own: small hand-made desired/live trees, each kind of change on its own."""

from __future__ import annotations

import copy
from typing import Any

from entragit.plan import Kind, Plan, placeholder, substitute
from entragit.plan.planner import PlanOptions, compute_plan
from entragit.plan.scope import Scope
from tests.plan.helpers import (
    Tree,
    application,
    assignment,
    ca_policy,
    gid,
    grant,
    group,
    location,
    service_principal,
    strength,
    tree,
    user,
    without,
)

CA = "conditionalAccessPolicies"
LOC = "namedLocations"
ALL_TYPES = ("namedLocations", "authenticationStrengthPolicies", "users", "groups", "applications",
             "servicePrincipals", CA)


def plan(desired: Tree, live: Tree, deleted: Tree | None = None, scope: Scope | None = None,
         **options: Any) -> Plan:
    """compute_plan with every type loaded (a type absent from live is 'not loaded': refs unchecked)."""
    live = copy.deepcopy(live)
    for key in ALL_TYPES:
        live.setdefault(key, {})
    options.setdefault("safety", False)
    return compute_plan(copy.deepcopy(desired), live, deleted or {}, scope, PlanOptions(**options))


def kinds(p: Plan) -> list[tuple[str, str, str]]:
    return [(c.kind.value, c.type, c.id) for c in p.changes]


def only(p: Plan, kind: Kind) -> list[Any]:
    return [c for c in p.changes if c.kind is kind]


# ---------------------------------------------------------------------------------------------- nothing to do
def test_unchanged_tenant_plans_nothing() -> None:
    desired = tree(("users", user(1)), ("groups", group(2, members=[gid(1)])), (LOC, location(3)),
                   (CA, ca_policy(4, exclude_locations=[gid(3)], include_locations=["All"])))
    p = plan(desired, desired)
    assert p.changes == [] and p.warnings == []
    assert p.to_json()["changes"] == []
    assert p.empty


# ---------------------------------------------------------------------------------------------- updates
def test_update_patches_only_differing_writable_properties_in_one_change() -> None:
    desired = tree(("users", user(1, jobTitle="Lead", department="Sales")))
    live = copy.deepcopy(desired)
    live["users"][gid(1)].update(jobTitle="Seller", department="Marketing", createdDateTime="2030-01-01T00:00:00Z")
    p = plan(desired, live)
    updates = only(p, Kind.UPDATE)
    assert len(updates) == 1
    change = updates[0]
    assert change.channel == "patch"
    assert change.body == {"department": "Sales", "jobTitle": "Lead"}
    assert [(pc.path, pc.old, pc.new) for pc in change.properties] == [
        ("department", "Marketing", "Sales"), ("jobTitle", "Seller", "Lead")]
    # the read-only difference is shown as a skip, never written
    skips = only(p, Kind.SKIP)
    assert [(s.properties[0].path, s.reason) for s in skips] == [("createdDateTime", "read-only")]


def test_unknown_properties_are_never_written() -> None:
    desired = tree(("users", user(1, someFutureProperty="x")))
    live = tree(("users", user(1, someFutureProperty="y")))
    p = plan(desired, live)
    assert only(p, Kind.UPDATE) == []
    [skip] = only(p, Kind.SKIP)
    assert skip.properties[0].path == "someFutureProperty"
    assert "never written" in (skip.reason or "")


def test_an_unknown_property_is_written_once_declared_writable(monkeypatch: Any) -> None:
    """Kept in the file while unknown (never written); the same file restores it once the declaration says
    how it is written."""
    import dataclasses

    from entragit.resources import REGISTRY, Prop

    users = REGISTRY.types["users"]
    monkeypatch.setitem(REGISTRY.types, "users", dataclasses.replace(
        users, props=(*users.props, Prop("someFutureProperty", json_type="string"))))
    p = plan(tree(("users", user(1, someFutureProperty="x"))), tree(("users", user(1, someFutureProperty="y"))))
    [update] = only(p, Kind.UPDATE)
    assert update.channel == "patch" and [(pc.path, pc.old, pc.new) for pc in update.properties] == [
        ("someFutureProperty", "y", "x")]
    assert only(p, Kind.SKIP) == []


def test_patch_alone_properties_each_get_their_own_change() -> None:
    desired = tree(("users", user(1, aboutMe="Hi", jobTitle="Lead", skills=["python"])))
    live = tree(("users", user(1, aboutMe=None, jobTitle="Seller", skills=[])))
    p = plan(desired, live)
    updates = only(p, Kind.UPDATE)
    by_channel = sorted((u.channel, tuple(pc.path for pc in u.properties)) for u in updates)
    assert by_channel == [("patch", ("jobTitle",)), ("patch-alone", ("aboutMe",)), ("patch-alone", ("skills",))]
    assert len({u.key for u in updates}) == 3


def test_action_channel_update_allowed_combinations() -> None:
    desired = tree(("authenticationStrengthPolicies", strength(5, combos=["fido2", "windowsHelloForBusiness"])))
    live = tree(("authenticationStrengthPolicies", strength(5, combos=["fido2"])))
    live["authenticationStrengthPolicies"][gid(5)]["displayName"] = "Old name"
    p = plan(desired, live)
    updates = {u.channel: u for u in only(p, Kind.UPDATE)}
    assert set(updates) == {"patch", "action"}
    action = updates["action"]
    assert action.action == "updateAllowedCombinations"
    assert action.body == {"allowedCombinations": ["fido2", "windowsHelloForBusiness"]}
    assert updates["patch"].body == {"displayName": "FIDO2 only"}


def test_create_only_difference_on_existing_object_is_a_skip() -> None:
    desired = tree(("groups", group(2, isAssignableToRole=True)))
    live = tree(("groups", group(2, isAssignableToRole=False)))
    p = plan(desired, live)
    assert only(p, Kind.UPDATE) == []
    [skip] = only(p, Kind.SKIP)
    assert skip.properties[0].path == "isAssignableToRole" and "create" in (skip.reason or "")


def test_synced_user_on_premises_property_skipped_while_cloud_membership_is_added() -> None:
    synced = user(1, "Kenji Sato", synced=True, jobTitle="Technician", usageLocation="DE")
    desired = tree(("users", synced), ("groups", group(2, "Operations Team", members=[gid(1)])))
    live = copy.deepcopy(desired)
    live["users"][gid(1)]["jobTitle"] = "Changed on-premises"
    live["users"][gid(1)]["otherMails"] = ["x@example.com"]  # a cloud property of a synced user: writable
    live["groups"][gid(2)]["members"] = []
    p = plan(desired, live)
    [skip] = only(p, Kind.SKIP)
    assert (skip.type, skip.id, skip.properties[0].path, skip.reason) == ("users", gid(1), "jobTitle",
                                                                        "mastered on-premises")
    [update] = only(p, Kind.UPDATE)
    assert update.body == {"otherMails": []}
    [add] = only(p, Kind.LINK_ADD)
    assert (add.type, add.id, add.link, add.target) == ("groups", gid(2), "members", gid(1))


def test_synced_user_manager_is_mastered_on_premises() -> None:
    desired = tree(("users", user(1, synced=True, manager=gid(9))), ("users", user(9, "Boss")))
    live = copy.deepcopy(desired)
    live["users"][gid(1)]["manager"] = None
    p = plan(desired, live)
    assert only(p, Kind.LINK_ADD) == []
    [skip] = only(p, Kind.SKIP)
    assert skip.link == "manager" and "mastered on-premises" in (skip.reason or "")


def test_first_party_service_principal_own_props_skipped_but_assignments_planned() -> None:
    graph = service_principal(7, "00000003-0000-0000-c000-000000000000", "Microsoft Graph", first_party=True,
                              assigned=[assignment("a1", gid(8), gid(7), gid(70), "ServicePrincipal")])
    client = service_principal(8, gid(80), "Backup tool")
    desired = tree(("servicePrincipals", graph), ("servicePrincipals", client))
    live = copy.deepcopy(desired)
    live["servicePrincipals"][gid(7)]["appRoleAssignedTo"] = []
    live["servicePrincipals"][gid(7)]["notes"] = "changed"
    p = plan(desired, live)
    assert only(p, Kind.UPDATE) == []
    [skip] = only(p, Kind.SKIP)
    assert skip.properties[0].path == "notes" and skip.reason == "Microsoft first-party service principal"
    [add] = only(p, Kind.LINK_ADD)
    assert add.link == "appRoleAssignedTo" and add.id == gid(7)
    # the element body: read-only properties (id, createdDateTime, principalType, deletedDateTime) stripped
    assert add.target == {"appRoleId": gid(70), "principalId": gid(8), "resourceId": gid(7)}
    assert add.item == f"principalId={gid(8)},appRoleId={gid(70)}"


def test_grant_scope_updated_in_place_and_assignment_change_is_remove_plus_add() -> None:
    api = service_principal(7, gid(70), "API")
    client = service_principal(8, gid(80), "Client", grants=[grant("g1", gid(8), gid(7), "Read Write")])
    desired = tree(("servicePrincipals", api), ("servicePrincipals", client))
    live = copy.deepcopy(desired)
    live["servicePrincipals"][gid(8)]["oauth2PermissionGrants"][0]["scope"] = "Read"
    p = plan(desired, live)
    [upd] = only(p, Kind.LINK_UPDATE)
    assert (upd.link, upd.ref, upd.target) == ("oauth2PermissionGrants", "g1", {"scope": "Read Write"})


def test_dynamic_synced_and_mail_enabled_group_members_skipped_with_reasons() -> None:
    u = user(1)
    groups = [group(2, "Dynamic", kind="dynamic", members=[gid(1)]),
              group(3, "Synced", synced=True, members=[gid(1)]),
              group(4, "Alerts", kind="mail-security", members=[gid(1)]),
              group(5, "Announcements", kind="distribution", members=[gid(1)])]
    desired = tree(("users", u), *(("groups", g) for g in groups))
    live = copy.deepcopy(desired)
    for g in groups:
        live["groups"][g["id"]]["members"] = []
    p = plan(desired, live)
    assert only(p, Kind.LINK_ADD) == []
    reasons = {s.id: s.reason for s in only(p, Kind.SKIP)}
    assert "dynamic membership" in reasons[gid(2)]
    assert "mastered on-premises" in reasons[gid(3)]
    assert "Exchange" in reasons[gid(4)] and "Exchange" in reasons[gid(5)]


def test_microsoft_365_group_accepts_users_only() -> None:
    desired = tree(("users", user(1)), ("groups", group(2, "Nested")),
                   ("groups", group(3, "All Company", kind="m365", members=[gid(1), gid(2)])))
    live = copy.deepcopy(desired)
    live["groups"][gid(3)]["members"] = []
    p = plan(desired, live)
    assert [a.target for a in only(p, Kind.LINK_ADD)] == [gid(1)]
    [skip] = only(p, Kind.SKIP)
    assert skip.target == gid(2) and "users" in (skip.reason or "")


def test_link_removes_come_before_adds() -> None:
    desired = tree(("users", user(1)), ("users", user(2, "Bob")), ("groups", group(3, members=[gid(2)])))
    live = copy.deepcopy(desired)
    live["groups"][gid(3)]["members"] = [gid(1)]
    p = plan(desired, live)
    assert [(c.kind.value, c.target) for c in p.changes] == [("link-remove", gid(1)), ("link-add", gid(2))]
    assert p.changes[0].ref == gid(1)


# ---------------------------------------------------------------------------------------------- restore / recreate
def test_restore_when_in_deleted_items_recreate_when_not() -> None:
    g = group(2, "Finance", members=[gid(1)])
    desired = tree(("users", user(1)), ("groups", g))
    live = without(desired, "groups", gid(2))
    deleted = {"groups": {gid(2): {k: v for k, v in g.items() if k not in ("members", "owners")}}}
    restored = plan(desired, live, deleted)
    assert kinds(restored)[0] == ("restore", "groups", gid(2))
    [add] = only(restored, Kind.LINK_ADD)
    assert add.recompute and add.after == (f"restore:groups/{gid(2)}",)
    assert add.address is None  # a restore keeps the id
    recreated = plan(desired, live, {})
    assert kinds(recreated)[0] == ("recreate", "groups", gid(2))
    [add] = only(recreated, Kind.LINK_ADD)
    assert add.address == placeholder("groups", gid(2)) and not add.recompute
    assert add.after == (f"recreate:groups/{gid(2)}",)


def test_restore_then_update_of_what_differs_from_the_deleted_item() -> None:
    g = group(2, "Finance", description="Finance staff.")
    desired = tree(("groups", g))
    deleted = {"groups": {gid(2): {**g, "description": "old"}}}
    p = plan(desired, {}, deleted)
    assert [c.kind for c in p.changes] == [Kind.RESTORE, Kind.UPDATE]
    assert p.changes[1].body == {"description": "Finance staff."}
    assert p.changes[1].after == (f"restore:groups/{gid(2)}",)


def test_mail_enabled_group_never_restored_and_hard_deleted_kinds_are_recreated() -> None:
    # a distribution group is deleted permanently and Graph cannot create one: a skip
    desired = tree(("groups", group(5, "Announcements", kind="distribution")))
    p = plan(desired, {})
    [skip] = p.changes
    assert skip.kind is Kind.SKIP and "Exchange" in (skip.reason or "")


def test_recreated_named_location_remaps_ca_reference_and_comes_first() -> None:
    loc = location(3, "GSA egress")
    policy = ca_policy(4, "Allow GSA only", include_locations=["All"], exclude_locations=[gid(3), "AllTrusted"])
    desired = tree((LOC, loc), (CA, policy))
    live = without(desired, LOC, gid(3))
    live[CA][gid(4)]["conditions"]["locations"] = None  # detached before the delete
    p = plan(desired, live)
    assert [c.kind for c in p.changes] == [Kind.RECREATE, Kind.UPDATE, Kind.UPDATE]
    create, update, unmark = p.changes
    # created under a marked name (found again by it after a lost answer or a killed run), named last,
    # once the new ids are recorded
    assert create.body["displayName"] == f"GSA egress [entragit {gid(3)}]"
    assert unmark.after_record and unmark.body["displayName"] == "GSA egress" and unmark.after == (create.key,)
    assert create.provides == f"{LOC}/{gid(3)}" and create.remap == {"id": gid(3)}
    assert create.body is not None and "id" not in create.body and "createdDateTime" not in create.body
    assert create.body["@odata.type"] == "#microsoft.graph.ipNamedLocation"
    locations = update.body["conditions"]["locations"]
    assert locations["excludeLocations"] == [placeholder(LOC, gid(3)), "AllTrusted"]
    assert update.after == (create.key,)
    # the applier substitutes the new id
    new = substitute(update.body, {f"{LOC}/{gid(3)}": {"id": "NEW-ID"}})
    assert new["conditions"]["locations"]["excludeLocations"] == ["NEW-ID", "AllTrusted"]


def test_recreated_ca_policy_is_created_report_only_then_switched() -> None:
    strength_obj = strength(5)
    policy = ca_policy(4, strength_id=gid(5))
    desired = tree(("authenticationStrengthPolicies", strength_obj), (CA, policy))
    live: Tree = {"authenticationStrengthPolicies": {}, CA: {}}
    p = plan(desired, live)
    assert [(c.kind, c.type) for c in p.changes] == [
        (Kind.RECREATE, "authenticationStrengthPolicies"), (Kind.RECREATE, CA),
        (Kind.UPDATE, "authenticationStrengthPolicies"), (Kind.UPDATE, CA)]
    # the real names (and the policy's state) last, once the new ids are recorded
    assert [c.after_record for c in p.changes] == [False, False, True, True]
    _, create, _, switch = p.changes
    assert create.body["state"] == "enabledForReportingButNotEnforced"
    assert create.body["grantControls"]["authenticationStrength"] == {"id": placeholder(
        "authenticationStrengthPolicies", gid(5))}
    assert create.after == (p.changes[0].key,)
    assert switch.body == {"state": "enabled", "displayName": policy["displayName"]}
    assert switch.address == placeholder(CA, gid(4))
    assert [(pc.path, pc.old) for pc in switch.properties] == [
        ("displayName", f"{policy['displayName']} [entragit {gid(4)}]"), ("state", "enabledForReportingButNotEnforced")]
    assert create.key in switch.after
    assert create.key != switch.key


def test_report_only_policy_is_not_switched() -> None:
    p = plan(tree((CA, ca_policy(4, state="enabledForReportingButNotEnforced"))), {})
    assert [(c.kind, c.after_record) for c in p.changes] == [(Kind.RECREATE, False), (Kind.UPDATE, True)]
    assert set(p.changes[1].body) == {"displayName"}  # its real name only


def test_user_not_recreated_without_recreate_option() -> None:
    desired = tree(("users", user(1)), ("groups", group(2, members=[gid(1)])))
    live = without(desired, "users", gid(1))
    live["groups"][gid(2)]["members"] = []
    p = plan(desired, live)
    [skip] = [c for c in p.changes if c.type == "users"]
    assert skip.kind is Kind.SKIP and f"--recreate {gid(1)}" in (skip.reason or "")
    assert "new identity" in (skip.reason or "")
    # the membership of the user that is not recreated: its reference is left out with a warning
    assert only(p, Kind.LINK_ADD) == []
    assert [w.value for w in p.warnings] == [gid(1)]
    asked = plan(desired, live, recreate=frozenset({gid(1)}))
    create = asked.changes[0]
    assert (create.kind, create.generate) == (Kind.RECREATE, ("passwordProfile",))
    assert "passwordProfile" not in (create.body or {})
    [add] = only(asked, Kind.LINK_ADD)
    assert add.target == placeholder("users", gid(1)) and add.after == (create.key,)


def test_recreated_application_remaps_app_id_references() -> None:
    app_id = "11111111-2222-4333-8444-555555555555"
    app = application(10, app_id, requiredResourceAccess=[
        {"resourceAccess": [], "resourceAppId": "00000003-0000-0000-c000-000000000000"}])
    sp = service_principal(11, app_id)
    client = application(12, "99999999-2222-4333-8444-555555555555", "Client", requiredResourceAccess=[
        {"resourceAccess": [{"id": gid(1), "type": "Scope"}], "resourceAppId": app_id}])
    policy = ca_policy(4, include_apps=[app_id])
    desired = tree(("applications", app), ("servicePrincipals", sp), ("applications", client), (CA, policy))
    live = without(without(desired, "applications", gid(10)), "servicePrincipals", gid(11))
    live[CA][gid(4)]["conditions"]["applications"]["includeApplications"] = ["All"]
    live["applications"][gid(12)]["requiredResourceAccess"] = []
    p = plan(desired, live, recreate=frozenset({app_id}))  # by appId: the application and its SP
    by_key = {c.key: c for c in p.changes}
    app_create = by_key[f"recreate:applications/{gid(10)}"]
    assert app_create.remap == {"id": gid(10), "appId": app_id}
    assert "identifierUris" not in app_create.body  # needs its own new appId: written after the create
    own = by_key[f"update:applications/{gid(10)}"]
    assert own.body["identifierUris"] == [{**placeholder("applications", gid(10), "appId"), "format": "api://{}"}]
    assert own.address == placeholder("applications", gid(10))
    sp_create = by_key[f"recreate:servicePrincipals/{gid(11)}"]
    assert sp_create.body["appId"] == placeholder("applications", gid(10), "appId")
    assert app_create.key in sp_create.after
    client_update = by_key[f"update:applications/{gid(12)}"]
    assert client_update.body["requiredResourceAccess"][0]["resourceAppId"] == placeholder(
        "applications", gid(10), "appId")
    ca_update = by_key[f"update:{CA}/{gid(4)}"]
    assert ca_update.body["conditions"]["applications"]["includeApplications"] == [
        placeholder("applications", gid(10), "appId")]
    values = {f"applications/{gid(10)}": {"id": "new-object", "appId": "new-app"}}
    assert substitute(own.body, values)["identifierUris"] == ["api://new-app"]
    order = [c.key for c in p.changes]
    assert order.index(app_create.key) < order.index(sp_create.key) < order.index(ca_update.key)


def test_known_ids_from_a_previous_apply_make_a_second_run_plan_nothing() -> None:
    loc = location(3)
    policy = ca_policy(4, include_locations=["All"], exclude_locations=[gid(3)])
    desired = tree((LOC, loc), (CA, policy))
    live = tree((LOC, {**loc, "id": "NEW", "createdDateTime": "2030-01-01T00:00:00Z"}),
                (CA, ca_policy(4, include_locations=["All"], exclude_locations=["NEW"])))
    p = plan(desired, live, known_ids={f"{LOC}/{gid(3)}": {"id": "NEW"}})
    # only the read-only createdDateTime differs: the recreated object's own (server-set), not even a skip
    assert p.changes == [] and p.warnings == []
    # without the recorded new id, the same tenant means: recreate the location (another one)
    assert [c.kind for c in plan(desired, live).changes][:1] == [Kind.RECREATE]


# ---------------------------------------------------------------------------------------------- stale references
def test_a_policy_never_drops_a_stale_reference_the_rest_of_it_is_updated() -> None:
    """A policy is never written without a reference its file holds (leaving out an exclusion widens it, and
    Graph refuses a write naming an object that does not exist): the property holding a stale id is not
    written, with the reason; the rest of the policy is."""
    policy = ca_policy(4, "Require MFA", exclude_users=[gid(1), gid(99)], include_groups=[gid(98)],
                       include_users=["All"])
    desired = tree(("users", user(1)), (CA, policy))
    live = copy.deepcopy(desired)
    live[CA][gid(4)]["state"] = "disabled"
    live[CA][gid(4)]["conditions"]["users"]["excludeUsers"] = [gid(1)]
    live[CA][gid(4)]["conditions"]["users"]["includeGroups"] = []
    p = plan(desired, live)
    [update] = only(p, Kind.UPDATE)
    assert update.body == {"state": "enabled"}
    [skip] = only(p, Kind.SKIP)
    assert [pc.path for pc in skip.properties] == ["conditions"] and "exists nowhere" in (skip.reason or "")
    assert gid(99) in (skip.reason or "") and gid(98) in (skip.reason or "")   # both blockers named
    assert p.warnings == []


def test_a_stale_single_value_stops_its_property_not_the_object() -> None:
    desired = tree((CA, ca_policy(4, strength_id=gid(55))), ("authenticationStrengthPolicies", strength(5)))
    live = copy.deepcopy(desired)
    live[CA][gid(4)]["grantControls"]["authenticationStrength"] = {"id": gid(5)}
    live[CA][gid(4)]["displayName"] = "renamed"
    p = plan(desired, live)
    [update] = only(p, Kind.UPDATE)
    assert update.body == {"displayName": "Require MFA"}
    [skip] = only(p, Kind.SKIP)
    assert [pc.path for pc in skip.properties] == ["grantControls"] and gid(55) in (skip.reason or "")


def test_a_stale_group_member_is_still_left_out_with_a_warning() -> None:
    """Types that are not policies keep the old rule: one stale id never blocks the rest of the object."""
    desired = tree(("users", user(1)), ("groups", group(2, members=[gid(1), gid(97)])))
    live = copy.deepcopy(desired)
    live["groups"][gid(2)]["members"] = []
    p = plan(desired, live)
    assert [(c.kind, c.target) for c in p.changes] == [(Kind.LINK_ADD, gid(1))]
    assert [(w.path, w.value) for w in p.warnings] == [("members", gid(97))]


def test_special_values_are_never_remapped_or_checked() -> None:
    zeros = "00000000-0000-0000-0000-000000000000"
    policy = ca_policy(4, include_users=["All"], exclude_users=["GuestsOrExternalUsers"],
                       include_apps=["Office365"], include_locations=["All"], exclude_locations=["AllTrusted", zeros])
    desired = tree((CA, policy))
    live = copy.deepcopy(desired)
    live[CA][gid(4)]["state"] = "disabled"
    p = plan(desired, live)
    assert p.warnings == []
    [update] = only(p, Kind.UPDATE)
    assert update.body == {"state": "enabled"}


def test_foreign_app_ids_are_left_as_they_are() -> None:
    graph_app = "00000003-0000-0000-c000-000000000000"
    app = application(10, gid(100), requiredResourceAccess=[{"resourceAccess": [], "resourceAppId": graph_app}])
    live = tree(("applications", {**app, "requiredResourceAccess": []}))
    p = plan(tree(("applications", app)), live)
    assert p.warnings == []
    assert only(p, Kind.UPDATE)[0].body["requiredResourceAccess"][0]["resourceAppId"] == graph_app


def test_stale_assignment_principal_drops_the_element_only() -> None:
    api = service_principal(7, gid(70), "API", assigned=[assignment("a1", gid(1), gid(7), gid(71)),
                                                          assignment("a2", gid(99), gid(7), gid(71))])
    desired = tree(("users", user(1)), ("servicePrincipals", api))
    live = copy.deepcopy(desired)
    live["servicePrincipals"][gid(7)]["appRoleAssignedTo"] = []
    p = plan(desired, live)
    [add] = only(p, Kind.LINK_ADD)
    assert add.target["principalId"] == gid(1)
    assert [w.path for w in p.warnings] == ["appRoleAssignedTo[].principalId"]


# ---------------------------------------------------------------------------------------------- deletes
def test_deletes_only_when_allowed_and_in_reverse_order() -> None:
    loc = location(3)
    policy = ca_policy(4, include_locations=["All"], exclude_locations=[gid(3)])
    live = tree(("users", user(1)), (LOC, loc), (CA, policy))
    desired = tree(("users", user(1)))
    p = plan(desired, live)
    assert [c for c in p.changes] == []
    assert {w.type for w in p.warnings} == {LOC, CA} and all("left alone" in w.message for w in p.warnings)
    allowed = plan(desired, live, allow_delete=True)
    assert kinds(allowed) == [("delete", CA, gid(4)), ("delete", LOC, gid(3))]


def test_delete_follows_the_update_that_stops_referencing_it() -> None:
    loc = location(3)
    desired = tree((CA, ca_policy(4, include_locations=["All"], exclude_locations=[])))
    live = tree((LOC, loc), (CA, ca_policy(4, include_locations=["All"], exclude_locations=[gid(3)])))
    p = plan(desired, live, allow_delete=True)
    assert [c.kind for c in p.changes] == [Kind.UPDATE, Kind.DELETE]
    assert p.changes[1].after == (p.changes[0].key,)


def test_delete_refused_for_synced_and_trusted_objects() -> None:
    live = tree(("users", user(1, synced=True)), (LOC, location(3, trusted=True)))
    p = plan({}, live, allow_delete=True)
    reasons = {c.type: c.reason for c in p.changes}
    assert all(c.kind is Kind.SKIP for c in p.changes)
    assert "mastered on-premises" in reasons["users"] and "isTrusted" in reasons[LOC]


# ---------------------------------------------------------------------------------------------- scope
def test_scope_by_type_and_id_touches_nothing_else() -> None:
    desired = tree(("users", user(1, jobTitle="A")), ("users", user(2, "Bob", jobTitle="B")),
                   ("groups", group(3, description="x")))
    live = tree(("users", user(1, jobTitle="old")), ("users", user(2, "Bob", jobTitle="old")),
                ("groups", group(3, description="old")))
    by_type = plan(desired, live, scope=Scope.of(types=["groups"]))
    assert {c.type for c in by_type.changes} == {"groups"}
    by_id = plan(desired, live, scope=Scope.of(ids=[gid(2)]))
    assert kinds(by_id) == [("update", "users", gid(2))]
    assert plan(desired, live).counts()["update"] == 3


def test_scope_by_app_id_covers_application_and_service_principal() -> None:
    app_id = gid(100)
    desired = tree(("applications", application(10, app_id, notes="x")),
                   ("servicePrincipals", service_principal(11, app_id, notes="y")),
                   ("applications", application(12, gid(120), "Other", notes="z")))
    live = copy.deepcopy(desired)
    for t, i in (("applications", gid(10)), ("servicePrincipals", gid(11)), ("applications", gid(12))):
        live[t][i]["notes"] = None
    p = plan(desired, live, scope=Scope.of(ids=[app_id]))
    assert sorted((c.type, c.id) for c in p.changes) == [("applications", gid(10)), ("servicePrincipals", gid(11))]
