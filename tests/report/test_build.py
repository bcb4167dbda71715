"""build_report, the pure semantic diff, over the demo tree: each declared fact (channels, on-premises mastery,
unordered lists, references, links and their refusals, delete kinds) turned into what the report says."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from entragit.emulator import Emulator
from entragit.emulator.seeds import DEMO_FACTS as F
from entragit.export import export_tree
from entragit.graph import GraphClient, run
from entragit.report import (
    Endpoint,
    Facts,
    ObjectDelta,
    Report,
    SourceResolver,
    TreeSource,
    build_report,
    render,
)
from entragit.state import read_tree
from tests import gfm

Tree = dict[str, dict[str, dict[str, Any]]]
BACKUP_TIME = datetime(2026, 7, 1, 23, 0, tzinfo=UTC)
NOW = datetime(2026, 7, 3, 23, 0, tzinfo=UTC)
ALEX = F.user_ids["AlexW@contoso.com"]
ADELE = F.user_ids[F.cloud_user_upn]
TOM = F.user_ids[F.synced_user_upns[0]]
SARA = F.user_ids[F.synced_user_upns[1]]
GSA = F.ca_policy_ids[F.gsa_policy]
HR_APP = F.application_object_ids["Contoso HR Portal"]
HR_APP_ID = F.app_ids["Contoso HR Portal"]
STALE = "0badc0de-0000-4000-8000-000000000000"


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Tree:
    """The demo tenant as stored in tenant-state/ (exported once)."""
    root = tmp_path_factory.mktemp("demo") / "tenant-state"
    client = GraphClient.for_emulator(Emulator(seed="demo"))
    export_tree(client, root, durable=False)
    run(client.aclose())
    return read_tree(root)


def report_of(tree: Tree, edits: dict[tuple[str, str], Callable[[dict[str, Any]], Any] | None], *,
              live: bool = True, deleted: Tree | None = None, created: dict[str, dict[str, Any]] | None = None,
              restored: frozenset[tuple[str, str]] = frozenset()) -> Report:
    """A report of ``tree`` (the backup) against a copy changed by ``edits``: ``{(type, id): edit}``, an edit
    changing the object in place, or None for "deleted"; ``created``: new objects by type."""
    after: Tree = {k: dict(v) for k, v in tree.items()}
    deltas = []
    for (type_key, obj_id), edit in edits.items():
        before = tree[type_key][obj_id]
        if edit is None:
            del after[type_key][obj_id]
            deltas.append(ObjectDelta(type_key, obj_id, before, None))
            continue
        changed = copy.deepcopy(before)
        edit(changed)
        after[type_key][obj_id] = changed
        deltas.append(ObjectDelta(type_key, obj_id, before, changed))
    for type_key, obj in (created or {}).items():
        after[type_key][obj["id"]] = obj
        deltas.append(ObjectDelta(type_key, obj["id"], None, obj))
    resolver = SourceResolver(present=TreeSource(after), backup=TreeSource(tree),
                              deleted=TreeSource(deleted or {}) if live else None)
    facts = Facts(source=Endpoint("backup/1", "a" * 40, "2026-07-01T23:00:00Z"),
                  target=Endpoint("live" if live else "backup/2", None if live else "b" * 40, "2026-07-03T23:00:00Z"),
                  live=live, now=NOW, deleted=deleted or {}, source_time=BACKUP_TIME, restored=restored)
    return build_report(deltas, resolver, facts)


def only_change(report: Report, type_key: str, obj_id: str) -> Any:
    (change,) = report.get(type_key, obj_id).changes
    return change


def test_unordered_list_items_are_added_and_removed_and_named(tree: Tree) -> None:
    def edit(p: dict[str, Any]) -> None:
        users = p["conditions"]["users"]
        users["excludeUsers"] = sorted([*users["excludeUsers"], ALEX])
        users["excludeGroups"] = [STALE]

    report = report_of(tree, {("conditionalAccessPolicies", GSA): edit})
    changes = {c.path: c for c in report.get("conditionalAccessPolicies", GSA).changes}
    excluded = changes["conditions.users.excludeUsers"]
    assert (excluded.kind, excluded.added, excluded.removed) == ("items", [ALEX], [])
    assert excluded.refs[ALEX].display_name == "Alex Wilber" and excluded.recoverable is True
    groups = changes["conditions.users.excludeGroups"]
    assert groups.added == [STALE] and groups.refs[STALE].state == "nowhere"
    assert "conditions.users.excludeGroups: + 0badc0de-0000-4000-8000-000000000000 (exists nowhere)" in \
        render(report, "text")


def test_a_reference_that_exists_nowhere_cannot_be_written_back(tree: Tree) -> None:
    backup = copy.deepcopy(tree)
    policy = backup["conditionalAccessPolicies"][GSA]
    policy["conditions"]["users"]["excludeUsers"] = sorted([*policy["conditions"]["users"]["excludeUsers"], STALE,
                                                            ALEX])

    def edit(p: dict[str, Any]) -> None:
        p["conditions"]["users"]["excludeUsers"] = [u for u in p["conditions"]["users"]["excludeUsers"]
                                                    if u not in (STALE, ALEX)]

    report = report_of(backup, {("conditionalAccessPolicies", GSA): edit})
    fine, stale = report.get("conditionalAccessPolicies", GSA).changes
    assert fine.removed == [ALEX] and fine.recoverable is True
    assert stale.removed == [STALE] and stale.recoverable is False
    assert stale.reason == f"refers to {STALE}, which exists nowhere (a stale reference)"
    assert stale.refs == {STALE: stale.refs[STALE]} and ALEX not in stale.refs


def test_app_ids_resolve_to_applications_and_foreign_ones_are_external(tree: Tree) -> None:
    foreign = "a0000000-1111-4222-8333-444444444444"  # another tenant's multi-tenant app: no object here

    def edit(p: dict[str, Any]) -> None:
        p["conditions"]["applications"]["excludeApplications"] = sorted([HR_APP_ID, foreign])

    change = only_change(report_of(tree, {("conditionalAccessPolicies", GSA): edit}), "conditionalAccessPolicies", GSA)
    assert change.refs[HR_APP_ID].type == "applications" and change.refs[HR_APP_ID].id == HR_APP
    assert change.refs[HR_APP_ID].display_name == "Contoso HR Portal"
    assert change.refs[foreign].state == "external"


def test_elements_with_an_id_are_matched_and_their_properties_diffed(tree: Tree) -> None:
    role_id = tree["applications"][HR_APP]["appRoles"][0]["id"]

    def edit(app: dict[str, Any]) -> None:
        app["appRoles"][0]["isEnabled"] = False

    change = only_change(report_of(tree, {("applications", HR_APP): edit}), "applications", HR_APP)
    assert (change.path, change.old, change.new) == (f"appRoles[id={role_id}].isEnabled", True, False)
    assert change.recoverable is True


@pytest.mark.parametrize(("type_key", "obj_id", "prop", "value", "reason"), [
    ("groups", F.group_ids["Engineering"], "isAssignableToRole", True, "set at create only"),
    ("groups", F.group_ids["Engineering"], "securityIdentifier", "S-1-12-1-1", "read-only"),
    ("groups", F.group_ids["Engineering"], "brandNewGraphProperty", 1, "not a declared property"),
    ("namedLocations", F.named_location_ids["Contoso HQ"], "@odata.type", "#microsoft.graph.countryNamedLocation",
     "the object's type cannot change"),
    ("servicePrincipals", F.graph_sp_id, "notes", "ours", "Microsoft"),
    ("users", TOM, F.extension_attribute, "CC-9", "mastered on-premises"),
])
def test_properties_entragit_cannot_write_back_say_why(tree: Tree, type_key: str, obj_id: str, prop: str,
                                                       value: Any, reason: str) -> None:
    def edit(obj: dict[str, Any]) -> None:
        obj[prop] = value

    change = only_change(report_of(tree, {(type_key, obj_id): edit}), type_key, obj_id)
    assert change.path == prop and change.recoverable is False
    assert reason.lower() in (change.reason or "").lower()


def test_a_cloud_users_extension_attribute_and_manager_are_recoverable_and_named(tree: Tree) -> None:
    old_manager = tree["users"][ALEX]["manager"]

    def edit(user: dict[str, Any]) -> None:
        user[F.extension_attribute] = "CC-9"
        user["manager"] = ADELE

    report = report_of(tree, {("users", ALEX): edit})
    changes = {c.path: c for c in report.get("users", ALEX).changes}
    assert changes[F.extension_attribute].recoverable is True
    manager = changes["manager"]
    assert manager.link and (manager.old, manager.new) == (old_manager, ADELE) and manager.recoverable is True
    assert manager.refs[ADELE].display_name == "Adele Vance"
    assert manager.refs[old_manager].display_name == tree["users"][old_manager]["displayName"]


def test_link_refusals_come_from_the_declaration(tree: Tree) -> None:
    dynamic = F.group_ids[F.dynamic_group]

    def drop_first(group: dict[str, Any]) -> None:
        group["members"] = group["members"][1:]

    def new_manager(user: dict[str, Any]) -> None:
        user["manager"] = ADELE

    report = report_of(tree, {("groups", dynamic): drop_first, ("users", SARA): new_manager})
    members = only_change(report, "groups", dynamic)
    assert members.recoverable is False and members.reason == "dynamic membership: members follow membershipRule"
    manager = only_change(report, "users", SARA)
    assert manager.recoverable is False and (manager.reason or "").startswith("mastered on-premises")


def test_an_element_of_an_object_link_changed_in_place(tree: Tree) -> None:
    sp_id = F.service_principal_ids["Contoso HR Portal"]
    grant = tree["servicePrincipals"][sp_id]["oauth2PermissionGrants"][0]

    def edit(sp: dict[str, Any]) -> None:
        sp["oauth2PermissionGrants"][0]["scope"] = "openid"

    change = only_change(report_of(tree, {("servicePrincipals", sp_id): edit}), "servicePrincipals", sp_id)
    assert change.path == "oauth2PermissionGrants" and change.link and not change.added and not change.removed
    ((key, inner),) = [(m["key"], m["changes"]) for m in change.modified]
    assert key == f"resourceId={grant['resourceId']},consentType=AllPrincipals,principalId=None"
    assert [(c.path, c.old, c.new, c.recoverable) for c in inner] == [("scope", grant["scope"], "openid", True)]
    assert change.refs[grant["resourceId"]].display_name == "Microsoft Graph"


def test_deletions_between_refs_are_not_judged(tree: Tree) -> None:
    report = report_of(tree, {("users", ALEX): None}, live=False)
    alex = report.get("users", ALEX)
    assert alex.status == "deleted" and alex.recoverable is None
    assert alex.deletion is not None and alex.deletion.state == "unknown"
    assert "goes to deleted items for 30 days" in (alex.reason or "")


def test_gone_objects_say_whether_a_recreate_brings_them_back(tree: Tree) -> None:
    strength = F.strength_ids[F.custom_strengths[0]]
    report = report_of(tree, {("users", ALEX): None, ("users", TOM): None, ("servicePrincipals", F.graph_sp_id): None,
                              ("authenticationStrengthPolicies", strength): None, ("applications", HR_APP): None},
                       deleted={"users": {}, "servicePrincipals": {}, "applications": {}})
    app = report.get("applications", HR_APP)
    assert app.deletion is not None and app.deletion.state == "gone" and app.recoverable is False
    assert "a recreated application is a new identity" in (app.reason or "")
    alex, tom = report.get("users", ALEX), report.get("users", TOM)
    assert alex.deletion is not None and alex.deletion.state == "gone" and alex.recoverable is False
    assert "a recreated user is a new identity" in (alex.reason or "")
    assert tom.recoverable is False and "synchronization" in (tom.reason or "")
    graph = report.get("servicePrincipals", F.graph_sp_id)
    assert graph.recoverable is False and "Microsoft" in (graph.reason or "")
    custom = report.get("authenticationStrengthPolicies", strength)   # no deleted-items container: permanent
    assert custom.deletion is not None and custom.deletion.state == "gone" and custom.recoverable is True
    assert custom.deletion.note == "deleted permanently (a authentication strength policy does not go to deleted items)"


def test_a_removed_member_who_was_hard_deleted_comes_back_only_as_a_new_identity(tree: Tree) -> None:
    engineering = F.group_ids["Engineering"]

    def edit(group: dict[str, Any]) -> None:
        group["members"].remove(ALEX)

    report = report_of(tree, {("groups", engineering): edit, ("users", ALEX): None}, deleted={"users": {}})
    change = only_change(report, "groups", engineering)
    assert change.removed == [ALEX] and change.refs[ALEX].state == "absent" and change.recoverable is False
    assert change.reason == "refers to Alex Wilber, hard-deleted: a recreated user is a new identity (new object " \
                            "id; no MFA methods, licences, mailbox or sign-in history; a generated password)"


def test_created_or_back_from_deleted_items(tree: Tree) -> None:
    new_group = {**copy.deepcopy(tree["groups"][F.group_ids["Finance"]]), "id": "11111111-2222-4333-8444-555555555555",
                 "displayName": "Created after the backup", "createdDateTime": "2026-07-02T08:00:00Z"}
    old_group = {**copy.deepcopy(new_group), "id": "99999999-2222-4333-8444-555555555555",
                 "displayName": "Created long ago", "createdDateTime": "2025-01-01T08:00:00Z"}
    report = report_of({**tree, "groups": {**tree["groups"]}}, {}, created={"groups": new_group})
    assert report.get("groups", new_group["id"]).status == "created"
    report = report_of(tree, {}, created={"groups": old_group})
    back = report.get("groups", old_group["id"])
    assert back.status == "restored" and back.changes == [] and back.recoverable is True
    # in both, unchanged, but git history shows it deleted in between: restored too
    finance = F.group_ids["Finance"]
    report = report_of(tree, {("groups", finance): lambda g: None}, restored=frozenset({("groups", finance)}))
    assert [(o.id, o.status) for o in report.objects] == [(finance, "restored")]


def test_objects_equal_on_both_sides_are_left_out(tree: Tree) -> None:
    report = report_of(tree, {("groups", F.group_ids["Finance"]): lambda g: None})
    assert report.objects == [] and report.summary_line() == "no differences"


def test_locations_and_authentication_strengths_are_named(tree: Tree) -> None:
    admins = F.ca_policy_ids[F.strength_policy[0]]
    custom = tree["conditionalAccessPolicies"][admins]["grantControls"]["authenticationStrength"]["id"]
    built_in = "00000000-0000-0000-0000-000000000004"
    hq = F.named_location_ids[F.trusted_ip_location]

    def edit(p: dict[str, Any]) -> None:
        p["grantControls"]["authenticationStrength"]["id"] = built_in
        p["conditions"]["locations"] = {"includeLocations": ["All"], "excludeLocations": ["AllTrusted", hq]}

    report = report_of(tree, {("conditionalAccessPolicies", admins): edit})
    changes = {c.path: c for c in report.get("conditionalAccessPolicies", admins).changes}
    strength = changes["grantControls.authenticationStrength.id"]
    assert (strength.old, strength.new) == (custom, built_in)
    assert strength.refs[custom].display_name == tree["authenticationStrengthPolicies"][custom]["displayName"]
    assert strength.refs[built_in].display_name == tree["authenticationStrengthPolicies"][built_in]["displayName"]
    locations = changes["conditions.locations"]       # was null: the whole condition appeared
    assert locations.kind == "changed" and locations.old is None
    assert set(locations.refs) == {hq} and locations.refs[hq].display_name == "Contoso HQ"  # "All" is no reference
    text = render(report, "text")
    names = [strength.refs[v].display_name for v in (custom, built_in)]
    assert f"grantControls.authenticationStrength.id: {names[0]} → {names[1]}" in text
    assert "excludeLocations: [\"AllTrusted\", \"Contoso HQ\"]" in text


def test_owners_are_named(tree: Tree) -> None:
    engineering = F.group_ids["Engineering"]
    old_owners = tree["groups"][engineering]["owners"]

    def edit(group: dict[str, Any]) -> None:
        group["owners"] = [ADELE]

    change = only_change(report_of(tree, {("groups", engineering): edit}), "groups", engineering)
    assert (change.path, change.link, change.added, sorted(change.removed)) == ("owners", True, [ADELE],
                                                                                 sorted(old_owners))
    assert change.refs[ADELE].display_name == "Adele Vance"
    assert {change.refs[o].display_name for o in old_owners} == {tree["users"][o]["displayName"] for o in old_owners}
    assert change.recoverable is True


def test_a_secret_property_is_never_written_back(tree: Tree) -> None:
    """passwordProfile is never exported; a file that gains one (a hand edit) is told it is not written."""
    def edit(user: dict[str, Any]) -> None:
        user["passwordProfile"] = {"forceChangePasswordNextSignIn": True, "password": "hunter2"}

    change = only_change(report_of(tree, {("users", ALEX): edit}), "users", ALEX)
    assert change.path == "passwordProfile" and change.kind == "added"
    assert change.recoverable is False and (change.reason or "").startswith("secret")


@pytest.mark.parametrize(("group", "reason"), [
    (F.synced_group, "membership is mastered on-premises"),
    (F.mail_enabled_security_group, "members of a mail-enabled security group are managed in Exchange"),
    (F.distribution_group, "members of a distribution group are managed in Exchange"),
])
def test_membership_of_group_kinds_that_refuse_changes(tree: Tree, group: str, reason: str) -> None:
    group_id = F.group_ids[group]
    assert tree["groups"][group_id]["members"], "the test needs a member to remove"

    def drop_first(g: dict[str, Any]) -> None:
        g["members"] = g["members"][1:]

    change = only_change(report_of(tree, {("groups", group_id): drop_first}), "groups", group_id)
    assert change.path == "members" and len(change.removed) == 1
    assert change.recoverable is False and (change.reason or "").startswith(reason)
    assert f"✗ not recoverable: {reason}" in render(report_of(tree, {("groups", group_id): drop_first}), "text")


def test_object_link_elements_read_without_service_set_properties(tree: Tree) -> None:
    """An app role assignment reads as who, what and which role; the JSON keeps the element whole. The key of
    an element changed in place names its ids."""
    sp_id = F.service_principal_ids["Contoso HR Portal"]
    sp = tree["servicePrincipals"][sp_id]
    assignment = sp["appRoleAssignedTo"][0]
    grant = sp["oauth2PermissionGrants"][0]

    def edit(obj: dict[str, Any]) -> None:
        obj["appRoleAssignedTo"] = obj["appRoleAssignedTo"][1:]
        obj["oauth2PermissionGrants"][0]["scope"] = "openid"

    report = report_of(tree, {("servicePrincipals", sp_id): edit})
    changes = {c.path: c for c in report.get("servicePrincipals", sp_id).changes}
    assert changes["appRoleAssignedTo"].removed == [assignment]                  # whole in the model and JSON
    principal = changes["appRoleAssignedTo"].refs[assignment["principalId"]].display_name
    text, markdown = render(report, "text"), render(report, "markdown")
    element = f"− {{principalId: {principal}, resourceId: {sp['displayName']}, appRoleId: {assignment['appRoleId']}}}"
    assert element in text and gfm.contains(markdown, element)
    for shown in (text, markdown):
        assert assignment["id"] not in shown.split("<details>")[0] and "createdDateTime" not in shown
    assert assignment["id"] in render(report, "json")
    named_key = "resourceId=Microsoft Graph, consentType=AllPrincipals, principalId=None"
    assert f"      oauth2PermissionGrants: ~ 1 element changed\n        {named_key}:\n" \
           f"          scope: {grant['scope']} → openid\n" in text
    assert f"`oauth2PermissionGrants[{named_key}].scope`" in markdown
    assert grant["resourceId"] not in text
