"""Graph rules a recovery meets on a real tenant (issue 10.10, 10.11), through the CLI against the strict emulator:
restricted-management units, role-assignable groups, B2B guests, a purged application's service principal, an
application and its service principal restored together, an answer that is not JSON, Conditional Access's error
detail."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from entragit.emulator.seeds import DEMO_FACTS as F
from entragit.graph import GraphClient, run
from tests.apply.helpers import Lab
from tests.apply.test_least_privilege import WRITER
from tests.plugins.graph import FAST_RETRY

UNIT = "a0a0a0a0-0000-4000-8000-00000000a0a0"
ROLE_GROUP = F.group_ids[F.role_assignable_group]


def changes(out: str) -> list[dict[str, Any]]:
    return json.loads(out)["changes"]


def test_members_of_a_restricted_management_unit_are_marked_and_not_written(
        lab: Lab, capsys: pytest.CaptureFixture[str]) -> None:
    user, group = F.user_ids[F.cloud_user_upn], F.group_ids["Finance"]
    lab.control("objects", {"type": "administrativeUnits", "objects": [
        {"id": UNIT, "displayName": "Restricted", "isMemberManagementRestricted": True, "members": [user, group]}]})
    lab.backup()
    # changed in the admin center by someone holding a role scoped to the unit (Graph refuses the app)
    users = lab.emu.backend.collections["users"]
    users.put({**users.get(user), "jobTitle": "Changed in the portal"})
    member = sorted(lab.emu.backend.links.refs("groups", "members", group))[0]
    lab.emu.backend.links.remove("groups", "members", group, member)
    planned = lab.cli(capsys, "plan", "--format", "json")
    assert planned.code == 0, planned.err
    marked = {(c["type"], c["id"]): c for c in changes(planned.out) if c["id"] in (user, group)}
    assert {c["kind"] for c in marked.values()} == {"skip"}, marked
    assert all("restricted-management administrative unit" in c["reason"] for c in marked.values())
    lab.mark()
    done = lab.cli(capsys, "apply", "--yes")
    assert done.code == 0, done.out + done.err
    assert [w for w in lab.writes() if user in w["path"] or group in w["path"]] == []


def test_a_role_assignable_group_is_marked_and_a_403_is_a_permission_gap(
        lab: Lab, capsys: pytest.CaptureFixture[str]) -> None:
    lab.backup()
    member = sorted(lab.emu.backend.links.refs("groups", "members", ROLE_GROUP))[0]
    run(lab.client.delete(f"groups/{ROLE_GROUP}/members/{member}/$ref"))
    planned = lab.cli(capsys, "plan", "--format", "json")
    [add] = [c for c in changes(planned.out) if c["id"] == ROLE_GROUP]
    assert add["kind"] == "link-add" and add["needs"].startswith("RoleManagement.ReadWrite.Directory")
    text = lab.cli(capsys, "plan")
    assert "[needs RoleManagement.ReadWrite.Directory" in text.out
    lab.control("permissions", {"granted": WRITER})           # the documented writer: without that permission
    lab.mark()
    done = lab.cli(capsys, "apply", "--yes", "--format", "json")
    assert done.code == 4
    [failed] = [c for c in changes(done.out) if c["status"] == "failed"]
    assert failed["message"].startswith("permission gap: this write needs RoleManagement.ReadWrite.Directory")
    assert "403" in failed["message"]
    assert len([w for w in lab.writes() if ROLE_GROUP in w["path"]]) == 1      # refused once, never retried


def test_a_hard_deleted_guest_is_not_recreated_as_a_member(lab: Lab, capsys: pytest.CaptureFixture[str],
                                                           tmp_path: Path) -> None:
    guest = F.user_ids[F.guest_upn]
    lab.backup()
    lab.purge(guest)
    lab.mark()
    done = lab.cli(capsys, "apply", "--yes", "--recreate", guest, "--password-file", str(tmp_path / "pw.tsv"),
                   "--format", "json")
    assert done.code == 0, done.err
    [skip] = [c for c in changes(done.out) if c["id"] == guest and c["kind"] == "skip"]
    assert "invitation" in skip["message"] and "--recreate" not in skip["message"]
    assert [w for w in lab.writes() if w["method"] == "POST" and w["path"] == "users"] == []


def test_a_purged_applications_service_principal_is_created_from_the_new_app_id(
        lab: Lab, capsys: pytest.CaptureFixture[str]) -> None:
    api = F.api_application
    app, app_id, sp = F.application_object_ids[api], F.app_ids[api], F.service_principal_ids[api]
    lab.backup()
    backed_up = lab.state()["servicePrincipals"][sp]
    lab.purge(app)                                            # its service principal waits in deleted items
    assert sp in lab.emu.backend.deleted
    planned = lab.cli(capsys, "plan", "--format", "json", "--recreate", app_id)
    kinds = {(c["kind"], c["type"]) for c in changes(planned.out) if c["id"] in (app, sp)}
    assert ("recreate", "servicePrincipals") in kinds and ("restore", "servicePrincipals") not in kinds
    done = lab.cli(capsys, "apply", "--yes", "--recreate", app_id)
    assert done.code == 0, done.out + done.err
    live = lab.live()
    [new_app] = [a for a in live["applications"].values() if a["displayName"] == api]
    [new_sp] = [s for s in live["servicePrincipals"].values() if s["appId"] == new_app["appId"]]
    assert new_sp["id"] != sp and sp not in live["servicePrincipals"]        # not the old one re-pointed
    # its assignments and grants follow the new service principal
    assert len(new_sp["appRoleAssignedTo"]) == len(backed_up["appRoleAssignedTo"])
    granted = [g for s in live["servicePrincipals"].values() for g in s["oauth2PermissionGrants"]
               if g["resourceId"] == new_sp["id"]]
    assert len(granted) == len([g for s in lab.state()["servicePrincipals"].values()
                                for g in s["oauth2PermissionGrants"] if g["resourceId"] == sp])


def test_an_application_is_restored_before_its_service_principal(lab: Lab,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    api = F.api_application
    app, sp = F.application_object_ids[api], F.service_principal_ids[api]
    lab.backup()
    run(lab.client.delete(f"applications/{app}"))             # its service principal goes with it
    planned = lab.cli(capsys, "plan", "--format", "json")
    restores = {c["type"]: c for c in changes(planned.out) if c["kind"] == "restore"}
    assert restores["servicePrincipals"].get("after") == [restores["applications"]["key"]], restores
    assert restores["servicePrincipals"]["after"] == [restores["applications"]["key"]]
    done = lab.cli(capsys, "apply", "--yes")
    assert done.code == 0, done.out + done.err               # under replication lag: waited, never failed
    live = lab.live(["applications", "servicePrincipals"])
    assert app in live["applications"] and sp in live["servicePrincipals"]


class Garble:
    """ASGI middleware: the answer to matching requests is cut to bytes that are not JSON (a 200 all the same)."""

    def __init__(self, app: Any, method: str, path_end: str) -> None:
        self.app, self.method, self.path_end, self.garbled = app, method, path_end, 0

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        hit = scope["type"] == "http" and scope["method"] == self.method and scope["path"].endswith(self.path_end)

        async def garble(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [(k, v) for k, v in message["headers"] if k != b"content-length"]}
            elif message["type"] == "http.response.body":
                message = {**message, "body": message.get("body", b"")[:7]}
                self.garbled += 1
            await send(message)

        await self.app(scope, receive, garble if hit else send)


def test_an_answer_that_is_not_json_is_a_clean_error(lab: Lab, capsys: pytest.CaptureFixture[str],
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    import entragit.graph

    lab.backup()
    lab.purge(F.group_ids["HR Portal Users"])
    garbled = Garble(lab.emu.app, "GET", "/v1.0/organization")
    monkeypatch.setattr(entragit.graph, "CLIENT_FACTORY", lambda settings: GraphClient(
        lab.emu.url, transport=httpx.ASGITransport(app=garbled), retry=FAST_RETRY))
    planned = lab.cli(capsys, "plan")
    assert planned.code != 0 and garbled.garbled
    [line] = planned.err.strip().splitlines()
    assert "not valid JSON" in line and "Traceback" not in planned.err
    # a create whose answer cannot be read: found again by its key, never made twice
    garbled = Garble(lab.emu.app, "PATCH", "')")
    monkeypatch.setattr(entragit.graph, "CLIENT_FACTORY", lambda settings: GraphClient(
        lab.emu.url, transport=httpx.ASGITransport(app=garbled), retry=FAST_RETRY))
    done = lab.cli(capsys, "apply", "--yes")
    assert done.code == 0 and garbled.garbled, done.out + done.err
    live = lab.live(["groups"])["groups"]
    assert [g["displayName"] for g in live.values()].count("HR Portal Users") == 1


def test_conditional_access_errors_report_graphs_detail(lab: Lab) -> None:
    """A policy write naming a group that vanished between the plan and the write: Graph's top-level text is
    generic, the detail ("1054: Invalid group value ...") is in innerError.message, and the line says it."""
    from entragit.apply import ApplyRequest, run_apply

    policy = F.ca_policy_ids["CA001: Require MFA for all users"]
    victim = F.group_ids["Operations Team"]

    lab.exclude_group(policy, victim, True)
    lab.backup()                                      # the policy excludes the group
    lab.exclude_group(policy, victim, False)          # someone removes the exclusion; the plan puts it back...

    def purge_the_group(plan: Any) -> None:           # ... but the group is purged before the write
        lab.emu.backend.collections["groups"].remove(victim)

    result = run(run_apply(lab.repo, lab.client, ApplyRequest(types=("conditionalAccessPolicies",)),
                           on_plan=purge_the_group))
    [failed] = result.failed
    assert failed.change.id == policy
    assert "1054" in failed.message and "Invalid group" in failed.message, failed.message
