"""Links to objects entragit does not manage or did not load are never a reason to remove a link (issue 10.1):
types excluded in entragit.yaml, members of kinds entragit manages no type of (devices, organizational
contacts), and backups in the format before member kinds were recorded."""

from __future__ import annotations

import json

import pytest

from entragit import resources
from entragit.backups import backup
from entragit.emulator.seeds import DEMO_DIRECTORY as D
from entragit.emulator.seeds import DEMO_FACTS as F
from entragit.errors import GraphError
from entragit.export import export_tree
from entragit.graph import GraphClient, run
from entragit.state import dump_yaml, load_yaml
from tests.apply.helpers import Lab

GROUP = F.group_ids["Finance"]


def backup_with(lab: Lab, exclude: dict[str, tuple[str, ...]]) -> None:
    """A real backup with the export exclusions entragit.yaml gives (as `entragit backup` computes them)."""
    lab.day += 1
    backup(lab.repo, export_step=lambda out: export_tree(lab.client, out, exclude=exclude, durable=False),
           now=f"2026-07-{lab.day:02d}T23:00:00Z")


def exclude_users(lab: Lab) -> None:
    (lab.repo / "entragit.yaml").write_text("types:\n  exclude: [users]\n", encoding="utf-8")
    lab.git("add", "entragit.yaml")
    lab.git("commit", "-q", "-m", "keep users out of backups")
    backup_with(lab, {"users": ("*",)})


def plan_json(lab: Lab, capsys: pytest.CaptureFixture[str], *args: str) -> dict:
    done = lab.cli(capsys, "plan", "--format", "json", *args)
    assert done.code in (0, 4), done.out + done.err
    return json.loads(done.out)


def test_excluding_users_plans_nothing_for_links_to_them(lab: Lab, capsys: pytest.CaptureFixture[str]) -> None:
    exclude_users(lab)
    state = lab.state()
    assert not state.get("users")
    members = state["groups"][GROUP]["members"]
    kinds = state["groups"][GROUP]["_entragit"]["linkKinds"]["members"]
    assert set(kinds) == {"user"} and set(kinds["user"]) <= set(members) and kinds["user"]
    plan = plan_json(lab, capsys)
    assert plan["changes"] == [], plan["changes"][:5]


def strip_kinds(lab: Lab) -> int:
    """Rewrite tenant-state/ as entragit wrote it before member kinds were recorded; commit. Files changed."""
    changed = 0
    for path in sorted((lab.repo / "tenant-state").glob("*/*.yaml")):
        obj = load_yaml(path)
        facts = obj.get("_entragit") or {}
        if "linkKinds" not in facts:
            continue
        facts.pop("linkKinds")
        if facts:
            obj["_entragit"] = facts
        else:
            obj.pop("_entragit")
        path.write_text(dump_yaml(resources.get(path.parent.name), obj), encoding="utf-8")
        changed += 1
    if changed:
        lab.git("commit", "-q", "-am", "tenant-state as older entragit wrote it")
    return changed


def test_older_backups_without_member_kinds_plan_nothing_and_restore(lab: Lab,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    exclude_users(lab)
    assert strip_kinds(lab) > 0
    check = lab.cli(capsys, "validate")
    assert check.code == 0, check.out + check.err
    assert plan_json(lab, capsys)["changes"] == []

    # users back in the backups: the older files still plan nothing, and a removed member is put back
    (lab.repo / "entragit.yaml").unlink()
    lab.git("commit", "-q", "-am", "users back in backups")
    lab.backup()
    strip_kinds(lab)
    assert plan_json(lab, capsys)["changes"] == []
    member = sorted(lab.state()["groups"][GROUP]["members"])[0]
    run(lab.client.delete(f"groups/{GROUP}/members/{member}/$ref"))
    lab.mark()
    done = lab.cli(capsys, "apply", "--yes")
    assert done.code == 0, done.out + done.err
    assert [(w["method"], w["path"]) for w in lab.writes()] == [("POST", f"groups/{GROUP}/members/$ref")]
    assert member in lab.live(["groups"])["groups"][GROUP]["members"]


DEVICE_BODY = {"accountEnabled": True, "displayName": "KIOSK-08", "operatingSystem": "Windows",
               "operatingSystemVersion": "10.0.22631", "deviceId": "7d4a2f3b-8c9e-4f6a-8b1c-2d3e4f5a6b7c",
               "alternativeSecurityIds": [{"type": 2, "key": "WDUwOQ=="}]}
USER = F.user_ids[F.cloud_user_upn]
# the demo tenant's device and organizational contact, members of this security group (dir's seed)
MEMBERS_GROUP = F.group_ids[D.member_group]


def contact_as_manager(lab: Lab) -> tuple[str, str]:
    """The demo tenant's device and contact (members of MEMBERS_GROUP); the contact made a user's manager."""
    run(lab.client.put(f"users/{USER}/manager/$ref",
                       {"@odata.id": f"https://graph.microsoft.com/v1.0/directoryObjects/{D.contact_id}"}))
    return D.device_id, D.contact_id


async def add_member_once_replicated(c: GraphClient, group: str, member: str) -> None:
    """Add a just-created ``member`` to ``group``: Graph answers 400 "...objects being referenced don't exist"
    until the new object has replicated (the lab runs with replication lag), so the add is tried again."""
    ref = {"@odata.id": f"https://graph.microsoft.com/v1.0/directoryObjects/{member}"}
    for _ in range(10):
        try:
            await c.post(f"groups/{group}/members/$ref", ref)
            return
        except GraphError as exc:
            if exc.status != 400 or "don't exist" not in exc.graph_message:
                raise
    raise AssertionError(f"{member} never replicated")


def test_device_and_contact_members_are_kept_put_back_and_never_removed(
        lab: Lab, capsys: pytest.CaptureFixture[str]) -> None:
    device, contact = contact_as_manager(lab)
    lab.backup()
    group = lab.state()["groups"][MEMBERS_GROUP]
    assert {device, contact} <= set(group["members"])
    assert group["_entragit"]["linkKinds"]["members"] == {"device": [device], "orgContact": [contact]}
    user = lab.state()["users"][USER]
    assert user["manager"] == contact and user["_entragit"]["linkKinds"]["manager"] == {"orgContact": [contact]}
    # desired == live plus the device and the contact: nothing to do
    assert plan_json(lab, capsys)["changes"] == []

    # removed from the group (and the manager cleared): the plan puts them back
    async def remove() -> None:
        for member in (device, contact):
            await lab.client.delete(f"groups/{MEMBERS_GROUP}/members/{member}/$ref")
        await lab.client.delete(f"users/{USER}/manager/$ref")
    run(remove())
    lab.mark()
    done = lab.cli(capsys, "apply", "--yes")
    assert done.code == 0, done.out + done.err
    assert sorted((w["method"], w["path"]) for w in lab.writes()) == sorted([
        ("POST", f"groups/{MEMBERS_GROUP}/members/$ref"), ("POST", f"groups/{MEMBERS_GROUP}/members/$ref"),
        ("PUT", f"users/{USER}/manager/$ref")])
    live = lab.live(["groups", "users"])
    assert {device, contact} <= set(live["groups"][MEMBERS_GROUP]["members"])
    assert live["users"][USER]["manager"] == contact

    # a device added live after the backup is never removed by a plan
    async def another() -> str:
        new = await lab.client.post("devices", DEVICE_BODY)
        await add_member_once_replicated(lab.client, MEMBERS_GROUP, str(new["id"]))
        return str(new["id"])
    extra = run(another())
    assert plan_json(lab, capsys)["changes"] == []
    assert extra in lab.live(["groups"])["groups"][MEMBERS_GROUP]["members"]
