"""Links of kinds entragit does not manage (devices, organizational contacts) and of types a plan did not load
(excluded in entragit.yaml, outside the scope) are never a reason to remove a link (issue 10.1). The planner on
hand-made trees; tests/apply/test_unmanaged_links.py runs the same through the CLI against the emulator."""

from __future__ import annotations

import copy
from typing import Any

from entragit.plan import Kind
from entragit.plan.planner import PlanOptions, compute_plan
from tests.plan.helpers import Tree, assignment, gid, group, service_principal, tree, user
from tests.plan.test_planner import kinds, only, plan

DEVICE, CONTACT = gid(901), gid(902)


def with_kinds(obj: dict[str, Any], link: str, **by_kind: list[str]) -> dict[str, Any]:
    obj = copy.deepcopy(obj)
    obj.setdefault("_entragit", {}).setdefault("linkKinds", {})[link] = {k: sorted(v) for k, v in by_kind.items()}
    return obj


def security_group(members: list[str], **by_kind: list[str]) -> dict[str, Any]:
    return with_kinds(group(2, members=members), "members", **by_kind) if by_kind else group(2, members=members)


def test_desired_equal_to_live_with_a_device_member_plans_nothing() -> None:
    desired = tree(("users", user(1)), ("groups", security_group([gid(1), DEVICE], device=[DEVICE])))
    p = plan(desired, desired)
    assert p.changes == [] and p.warnings == []


def test_a_device_or_contact_member_missing_live_is_put_back() -> None:
    desired = tree(("users", user(1)),
                   ("groups", security_group([gid(1), DEVICE, CONTACT], device=[DEVICE], orgContact=[CONTACT])))
    live = tree(("users", user(1)), ("groups", security_group([gid(1)])))
    p = plan(desired, live)
    adds = only(p, Kind.LINK_ADD)
    assert sorted(c.target for c in adds) == sorted([DEVICE, CONTACT]) and p.warnings == []
    assert not only(p, Kind.LINK_REMOVE)


def test_a_device_member_only_live_is_never_removed() -> None:
    desired = tree(("users", user(1)), ("groups", security_group([gid(1)])))
    live = tree(("users", user(1)), ("groups", security_group([gid(1), DEVICE], device=[DEVICE])))
    assert plan(desired, live).changes == []
    # also when the live read could not tell its kind: an id of no loaded object is never removed
    live_unknown = tree(("users", user(1)), ("groups", security_group([gid(1), DEVICE])))
    assert plan(desired, live_unknown).changes == []
    # a user of the tenant is: the kinds entragit manages follow the backup
    live_user = tree(("users", user(1)), ("users", user(3)), ("groups", security_group([gid(1), gid(3)])))
    p = plan(tree(("users", user(1)), ("users", user(3)), ("groups", security_group([gid(1)]))), live_user)
    assert [(c.kind, c.target) for c in p.changes] == [(Kind.LINK_REMOVE, gid(3))]


def test_older_backups_without_kinds_keep_live_devices_without_warnings() -> None:
    """Files written before kinds were recorded hold the device's id alone: it is live, so it stays."""
    desired = tree(("users", user(1)), ("groups", security_group([gid(1), DEVICE])))
    live = tree(("users", user(1)), ("groups", security_group([gid(1), DEVICE], device=[DEVICE])))
    p = plan(desired, live)
    assert p.changes == [] and p.warnings == []
    # gone from the tenant: no kind to tell a device from a deleted user, so a warning and nothing written
    gone = plan(desired, tree(("users", user(1)), ("groups", security_group([gid(1)]))))
    assert gone.changes == [] and [w.value for w in gone.warnings] == [DEVICE]


def test_microsoft_365_groups_take_no_device() -> None:
    m365 = with_kinds(group(2, kind="m365", members=[gid(1), DEVICE]), "members", device=[DEVICE])
    live = group(2, kind="m365", members=[gid(1)])
    p = plan(tree(("users", user(1)), ("groups", m365)), tree(("users", user(1)), ("groups", live)))
    assert kinds(p) == [("skip", "groups", gid(2))]
    assert "device" in p.changes[0].reason and not only(p, Kind.LINK_ADD)


def test_a_contact_manager_is_put_back_and_never_removed() -> None:
    boss = with_kinds(user(1, manager=CONTACT), "manager", orgContact=[CONTACT])
    p = plan(tree(("users", boss)), tree(("users", user(1, manager=None))))
    assert [(c.kind, c.target) for c in p.changes] == [(Kind.LINK_ADD, CONTACT)]
    live = with_kinds(user(1, manager=CONTACT), "manager", orgContact=[CONTACT])
    assert plan(tree(("users", user(1, manager=None))), tree(("users", live))).changes == []


def _not_loaded(desired: Tree, live: Tree) -> list[Any]:
    """compute_plan with users not loaded (excluded in entragit.yaml): the users type is absent from ``live``."""
    live = {k: v for k, v in copy.deepcopy(live).items() if k != "users"}
    for key in ("groups", "servicePrincipals", "applications"):
        live.setdefault(key, {})
    return compute_plan(copy.deepcopy(desired), live, {}, None, PlanOptions(safety=False)).changes


def test_links_to_a_type_not_loaded_plan_nothing() -> None:
    # members, owners and assignments naming users, with users not read: no add, no remove
    sp = service_principal(5, gid(50), assigned=[assignment("a1", gid(1), gid(5), gid(60))], owners=[gid(1)])
    live_sp = service_principal(5, gid(50), assigned=[assignment("a3", gid(3), gid(5), gid(60))], owners=[gid(3)])
    desired = tree(("groups", security_group([gid(1), gid(4)], user=[gid(1)])), ("groups", group(4)),
                   ("servicePrincipals", sp))
    live = tree(("groups", security_group([gid(3), gid(4)], user=[gid(3)])), ("groups", group(4)),
                ("servicePrincipals", live_sp))
    assert _not_loaded(desired, live) == []
    # files without kinds (older backups) plan nothing either
    bare = tree(("groups", group(2, members=[gid(1), gid(4)])), ("groups", group(4)), ("servicePrincipals", sp))
    assert _not_loaded(bare, tree(("groups", group(2, members=[gid(3), gid(4)])), ("groups", group(4)),
                                  ("servicePrincipals", live_sp))) == []
    # while links to loaded types still follow the backup
    changes = _not_loaded(bare, tree(("groups", group(2, members=[gid(3)])), ("groups", group(4)),
                                     ("servicePrincipals", live_sp)))
    assert [(c.kind, c.target) for c in changes] == [(Kind.LINK_ADD, gid(4))]


def test_agent_objects_are_never_recreated_through_the_plain_collections() -> None:
    """Entra Agent ID objects sit among service principals, users and applications with their own @odata.type
    (issue 10.11): gone from the tenant, they are reported as not recoverable by these types, never POSTed as a
    plain object; a soft-deleted one comes back from deleted items (restore keeps its kind)."""
    agent = dict(service_principal(7, gid(70), name="Invoice agent"), **{"@odata.type": "#microsoft.graph.agentIdentity"})
    agent_user = dict(user(8, "Agent Smith"), **{"@odata.type": "#microsoft.graph.agentUser"})
    desired = tree(("servicePrincipals", agent), ("users", agent_user))
    p = plan(desired, {}, recreate=frozenset({gid(7), gid(8)}))
    assert not [c for c in p.changes if c.kind in (Kind.CREATE, Kind.RECREATE)]
    skips = {c.id: c.reason for c in p.changes if c.kind is Kind.SKIP}
    assert "agentIdentity" in skips[gid(7)] and "servicePrincipals/microsoft.graph.agentIdentity" in skips[gid(7)]
    assert "agentUser" in skips[gid(8)]
    restored = plan(desired, {}, deleted=tree(("servicePrincipals", agent)), recreate=frozenset({gid(7)}))
    assert [(c.kind, c.id) for c in restored.changes if c.kind is Kind.RESTORE] == [(Kind.RESTORE, gid(7))]
