"""Issue 5's rules on the planner alone, one by one: new identities only with --recreate (whether the file is new
in the merged range or not), every reference to a recreated object remapped (also from objects outside the scope),
the safe kinds recreated by default, read-only differences of restored and recreated objects not listed, secrets
never written, on-premises properties skipped one by one."""

from __future__ import annotations

import copy

from entragit.plan import Kind, placeholder, tokens
from entragit.plan.scope import Scope
from tests.plan.helpers import (
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
from tests.plan.test_planner import CA, LOC, kinds, only, plan

APP_ID = "11111111-2222-4333-8444-555555555555"


def _added(*objects: tuple[str, str]) -> Scope:
    """The scope of a merged range whose files of ``objects`` were added (as a pull request adding them)."""
    return Scope(objects=frozenset(objects), added=frozenset(objects), range="a..b")


# ---------------------------------------------------------------------------------------------- new identities
def test_a_user_or_application_new_in_the_range_is_created_only_with_recreate() -> None:
    """A file added in the merged range (a new user in a pull request, or one re-added by `entragit recover`) is a
    new identity like any other: skipped with the reason and the exact option until --recreate names it."""
    desired = tree(("users", user(1)), ("applications", application(10, APP_ID)),
                   ("servicePrincipals", service_principal(11, APP_ID)))
    scope = _added(("users", gid(1)), ("applications", gid(10)), ("servicePrincipals", gid(11)))
    p = plan(desired, {}, scope=scope)
    assert [c.kind for c in p.changes] == [Kind.SKIP] * 3 and p.writes == []
    reasons = {c.type: c.reason for c in p.changes}
    assert reasons["users"].startswith("a recreated user is a new identity")
    assert reasons["users"].endswith(f"; pass --recreate {gid(1)} to create it")
    assert reasons["applications"].endswith(f"; pass --recreate {gid(10)} (or its appId {APP_ID}) to create it")
    assert reasons["servicePrincipals"].endswith(f"; pass --recreate {gid(11)} (or its appId {APP_ID}) to create it")

    asked = plan(desired, {}, scope=scope, recreate=frozenset({gid(1), APP_ID}))
    assert [(c.kind, c.type) for c in asked.changes] == [
        (Kind.CREATE, "users"), (Kind.CREATE, "applications"), (Kind.UPDATE, "applications"),
        (Kind.CREATE, "servicePrincipals")]
    assert asked.changes[0].generate == ("passwordProfile",)
    # the same objects outside a range (hard-deleted since the backup): the same rule, worded as a recreate
    outside = plan(desired, {})
    assert [c.reason for c in outside.changes if c.type == "users"] == [
        f"{reasons['users'].removesuffix('to create it')}to recreate it"]


def test_the_safe_kinds_are_recreated_by_default() -> None:
    """Named locations, authentication strengths, CA policies, cloud security and Microsoft 365 groups, app role
    assignments and OAuth2 grants come back without being asked; users, applications and service principals not."""
    api = service_principal(11, APP_ID, "API", assigned=[assignment("a1", gid(20), gid(11), gid(70), "Group")])
    client = service_principal(12, gid(120), "Client", grants=[grant("g1", gid(12), gid(11), principal=gid(1))])
    desired = tree((LOC, location(3)), ("authenticationStrengthPolicies", strength(5)),
                   (CA, ca_policy(4, include_locations=["All"], exclude_locations=[gid(3)], strength_id=gid(5))),
                   ("groups", group(20, "Security")), ("groups", group(21, "Team", kind="m365")),
                   ("users", user(1)), ("applications", application(10, APP_ID)), ("servicePrincipals", api),
                   ("servicePrincipals", client))
    live = tree(("users", user(1)), ("applications", application(10, APP_ID)),
                ("servicePrincipals", {**api, "appRoleAssignedTo": []}),
                ("servicePrincipals", {**client, "oauth2PermissionGrants": []}))
    p = plan(desired, live)
    created = {(c.type, c.id) for c in p.changes if c.kind is Kind.RECREATE}
    assert created == {(LOC, gid(3)), ("authenticationStrengthPolicies", gid(5)), (CA, gid(4)),
                       ("groups", gid(20)), ("groups", gid(21))}
    [assigned] = [c for c in p.changes if c.link == "appRoleAssignedTo"]
    assert assigned.kind is Kind.LINK_ADD and assigned.target["principalId"] == placeholder("groups", gid(20))
    [granted] = [c for c in p.changes if c.link == "oauth2PermissionGrants"]
    assert granted.kind is Kind.LINK_ADD and granted.target["principalId"] == gid(1)
    # hard-deleted new identities are skipped (not recreated) by default
    gone = plan(desired, without(without(live, "users", gid(1)), "applications", gid(10)))
    assert {(c.type, c.id) for c in gone.skips if c.properties == ()} >= {("users", gid(1)), ("applications", gid(10))}


# ---------------------------------------------------------------------------------------------- remapping
def test_every_reference_to_a_recreated_group_and_user_is_remapped() -> None:
    """CA users and groups, members (a nested group too), owners, manager, app role assignments (user and group
    principals), OAuth2 grants: each holds the placeholder of the new id and runs after the create."""
    u, g = gid(1), gid(20)
    policy = ca_policy(4, include_groups=[g], exclude_users=[u], include_users=["All"])
    parent = group(21, "Parent", members=[u, g], owners=[u])
    colleague = user(2, "Bob", manager=u)
    api = service_principal(11, APP_ID, "API", assigned=[assignment("a1", u, gid(11), gid(70)),
                                                         assignment("a2", g, gid(11), gid(71), "Group")])
    client = service_principal(12, gid(120), "Client", grants=[grant("g1", gid(12), gid(11), principal=u)])
    desired = tree(("users", user(1)), ("users", colleague), ("groups", group(20, "Security")), ("groups", parent),
                   (CA, policy), ("servicePrincipals", api), ("servicePrincipals", client))
    live = copy.deepcopy(desired)
    del live["users"][u], live["groups"][g]
    live["users"][gid(2)]["manager"] = None
    live["groups"][gid(21)].update(members=[], owners=[])
    live[CA][gid(4)]["conditions"]["users"].update(includeGroups=[], excludeUsers=[])
    live["servicePrincipals"][gid(11)]["appRoleAssignedTo"] = []
    live["servicePrincipals"][gid(12)]["oauth2PermissionGrants"] = []
    p = plan(desired, live, recreate=frozenset({u}))
    assert p.warnings == []
    new_u, new_g = placeholder("users", u), placeholder("groups", g)
    keys = [c.key for c in p.changes]
    by_key = {c.key: c for c in p.changes}
    create_u, create_g = f"recreate:users/{u}", f"recreate:groups/{g}"
    users = by_key[f"update:{CA}/{gid(4)}"].body["conditions"]["users"]
    assert users["includeGroups"] == [new_g] and users["excludeUsers"] == [new_u]
    members = [c.target for c in p.changes if c.kind is Kind.LINK_ADD and c.link == "members"]
    assert sorted(map(str, members)) == sorted(map(str, [new_u, new_g]))
    assert [c.target for c in p.changes if c.link == "owners"] == [new_u]
    assert [c.target for c in p.changes if c.link == "manager"] == [new_u]
    principals = [c.target["principalId"] for c in p.changes if c.link == "appRoleAssignedTo"]
    assert sorted(map(str, principals)) == sorted(map(str, [new_u, new_g]))
    [granted] = [c for c in p.changes if c.link == "oauth2PermissionGrants"]
    assert granted.target["principalId"] == new_u
    # each change using a new id runs after the create that makes it
    providers = {f"users/{u}": create_u, f"groups/{g}": create_g}
    for change in p.changes:
        for token in tokens((change.body, change.target, change.address)):
            assert providers[token] in change.after and keys.index(providers[token]) < keys.index(change.key)


def test_references_from_outside_the_scope_are_remapped_and_nothing_else() -> None:
    """A recreate remaps every reference to its object: a policy outside the scope (`--type namedLocations`)
    gets only the reference written, not its other differences."""
    policy = ca_policy(4, include_locations=["All"], exclude_locations=[gid(3)])
    desired = tree((LOC, location(3)), (LOC, location(6, "Branch")), (CA, policy))
    live = without(desired, LOC, gid(3))
    live[LOC][gid(6)]["displayName"] = "renamed live"           # in the scope: restored
    live[CA][gid(4)]["state"] = "disabled"                       # outside the scope: left as it is
    live[CA][gid(4)]["conditions"]["locations"]["excludeLocations"] = []
    p = plan(desired, live, scope=Scope.of(types=[LOC]))
    assert kinds(p) == [("recreate", LOC, gid(3)), ("update", LOC, gid(6)), ("update", CA, gid(4)),
                        ("update", LOC, gid(3))]  # the recreated location's real name, last
    update = p.changes[-2]
    assert set(update.body) == {"conditions"}
    assert update.body["conditions"]["locations"]["excludeLocations"] == [placeholder(LOC, gid(3))]
    assert update.after == (p.changes[0].key,)
    # by id, and once an earlier apply recorded the new id (known_ids): the same reference, as the new id
    later = copy.deepcopy(live)
    later[LOC]["NEW"] = {**location(3), "id": "NEW"}
    later_plan = plan(desired, later, scope=Scope.of(ids=[gid(6)]), known_ids={f"{LOC}/{gid(3)}": {"id": "NEW"}})
    assert kinds(later_plan) == [("update", LOC, gid(6)), ("update", CA, gid(4))]
    assert later_plan.changes[1].body["conditions"]["locations"]["excludeLocations"] == ["NEW"]
    # a policy that already points at the new id: nothing to do outside the scope
    later[CA][gid(4)]["conditions"]["locations"]["excludeLocations"] = ["NEW"]
    done = plan(desired, later, scope=Scope.of(ids=[gid(6)]), known_ids={f"{LOC}/{gid(3)}": {"id": "NEW"}})
    assert kinds(done) == [("update", LOC, gid(6))]


def test_an_app_id_reference_from_outside_the_scope_is_remapped() -> None:
    """`recover --id <appId>` re-adds the application and its service principal: another application's
    requiredResourceAccess (unchanged in the range) follows the new appId."""
    api, sp = application(10, APP_ID), service_principal(11, APP_ID)
    client = application(12, gid(120), "Client", requiredResourceAccess=[
        {"resourceAccess": [{"id": gid(1), "type": "Scope"}], "resourceAppId": APP_ID}], notes="desired")
    desired = tree(("applications", api), ("servicePrincipals", sp), ("applications", client))
    live = without(without(desired, "applications", gid(10)), "servicePrincipals", gid(11))
    live["applications"][gid(12)]["notes"] = "live"
    scope = Scope(objects=frozenset({("applications", gid(10)), ("servicePrincipals", gid(11))}),
                  added=frozenset({("applications", gid(10)), ("servicePrincipals", gid(11))}))
    p = plan(desired, live, scope=scope, recreate=frozenset({APP_ID}))
    [outside] = [c for c in p.changes if c.id == gid(12)]
    assert outside.kind is Kind.UPDATE and set(outside.body) == {"requiredResourceAccess"}
    assert outside.body["requiredResourceAccess"][0]["resourceAppId"] == placeholder("applications", gid(10), "appId")
    assert f"create:applications/{gid(10)}" in outside.after


# ---------------------------------------------------------------------------------------------- what is listed
def test_read_only_differences_of_restored_and_recreated_objects_are_not_listed() -> None:
    """deletedDateTime, createdDateTime, a new appId, proxyAddresses...: the server's own facts about a restored
    or recreated object are expected to differ; real skips (create-only, mastered on-premises) stay."""
    g = group(2, "Finance", isAssignableToRole=True)
    deleted = {"groups": {gid(2): {**g, "deletedDateTime": "2026-07-02T10:00:00Z", "isAssignableToRole": False,
                                   "createdDateTime": "2026-07-02T10:00:00Z", "securityIdentifier": "S-1-12-1"}}}
    restored = plan(tree(("groups", g)), {}, deleted)
    assert [c.kind for c in restored.changes] == [Kind.RESTORE, Kind.SKIP]
    assert restored.skips[0].properties[0].path == "isAssignableToRole" and "create" in restored.skips[0].reason

    api = application(10, APP_ID, notes="backed up")
    recreated = {**api, "id": "NEW", "appId": "NEW-APP", "createdDateTime": "2030-01-01T00:00:00Z",
                 "identifierUris": ["api://NEW-APP"], "publisherDomain": "contoso.onmicrosoft.com", "notes": None}
    p = plan(tree(("applications", api)), tree(("applications", recreated)),
             known_ids={f"applications/{gid(10)}": {"id": "NEW", "appId": "NEW-APP"}})
    assert p.skips == [] and p.warnings == []
    [update] = p.changes
    assert update.body == {"notes": "backed up"} and update.address == "NEW"
    # the same differences on an object that was never recreated are shown (nothing explains them)
    same_id = plan(tree(("applications", api)), tree(("applications", {**recreated, "id": gid(10)})))
    assert {s.properties[0].path for s in same_id.skips} >= {"appId", "createdDateTime"}


def test_secrets_are_never_written_nor_listed() -> None:
    desired = tree(("users", user(1, passwordProfile={"password": "from a file", "forceChangePasswordNextSignIn": True})))
    live = tree(("users", user(1)))
    p = plan(desired, live)
    assert p.changes == [] and "from a file" not in str(p.to_json())


def test_on_premises_properties_of_a_synced_user_are_skipped_one_by_one() -> None:
    synced = user(1, "Kenji Sato", synced=True, jobTitle="Technician", department="Operations", city="Berlin",
                  otherMails=["kenji@example.com"])
    live = tree(("users", {**synced, "jobTitle": "x", "department": "y", "city": "z", "otherMails": []}))
    p = plan(tree(("users", synced)), live)
    assert sorted((s.properties[0].path, s.reason) for s in p.skips) == [
        ("city", "mastered on-premises"), ("department", "mastered on-premises"), ("jobTitle", "mastered on-premises")]
    [update] = only(p, Kind.UPDATE)
    assert update.body == {"otherMails": ["kenji@example.com"]}  # a cloud property of a synced user: written
