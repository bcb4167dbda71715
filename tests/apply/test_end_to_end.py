"""Issue 5's scenario end to end: backup, damage, backup, `entragit recover`, merge, `entragit apply --scope-from`.

Everything runs for real: the exporter and git backups into a repository, the demo tenant on the in-process
emulator changed through Graph (and, for the synced user, in the emulator itself, as directory synchronization
would), the command line of `recover` and `apply`.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from entragit.backups import read_apply_outcome, unapplied_changes
from entragit.emulator.seeds import DEMO_FACTS as F
from entragit.graph import run
from entragit.recover import CHECKSUM_TRAILER
from tests.apply.helpers import Lab, writable_differences

GSA = F.ca_policy_ids[F.gsa_policy]
LOCATION = F.named_location_ids[F.detachable_ip_location]
DELETED_GROUP = F.group_ids["Engineering"]
SHRUNK_GROUP = F.group_ids["Finance"]
CLOUD_USER = F.user_ids[F.cloud_user_upn]
SYNCED_USER = F.user_ids[F.synced_user_upns[0]]
SYNCED_USERS_GROUP = F.group_ids[F.synced_user_cloud_group]
POLICIES = "identity/conditionalAccess/policies"
LOCATIONS = "identity/conditionalAccess/namedLocations"


def damage(lab: Lab) -> dict[str, object]:
    """What an administrator (and directory synchronization) did after the first backup; returns what was lost."""
    c = lab.client

    async def through_graph() -> dict[str, object]:
        await c.patch(f"{POLICIES}/{GSA}", {"state": "disabled"})
        await c.patch(f"users/{CLOUD_USER}", {"jobTitle": "Former Sales Lead"})
        member = sorted(m["id"] for m in await c.list_all(f"groups/{SHRUNK_GROUP}/members"))[0]
        await c.delete(f"groups/{SHRUNK_GROUP}/members/{member}/$ref")
        await c.delete(f"groups/{DELETED_GROUP}")
        policy = await c.get(f"{POLICIES}/{GSA}")
        conditions = policy["conditions"]
        assert conditions["locations"]["excludeLocations"] == [LOCATION]
        conditions["locations"]["excludeLocations"] = []
        await c.patch(f"{POLICIES}/{GSA}", {"conditions": conditions})
        await c.delete(f"{LOCATIONS}/{LOCATION}")
        resource, assignment = None, None
        for sp in F.service_principal_ids.values():
            found = await c.list_all(f"servicePrincipals/{sp}/appRoleAssignedTo")
            if found:
                resource, assignment = sp, found[0]
                break
        assert assignment is not None
        await c.delete(f"servicePrincipals/{resource}/appRoleAssignedTo/{assignment['id']}")
        grant = next(g for g in await c.list_all("oauth2PermissionGrants") if g["consentType"] == "Principal")
        await c.delete(f"oauth2PermissionGrants/{grant['id']}")
        await c.delete(f"groups/{SYNCED_USERS_GROUP}/members/{SYNCED_USER}/$ref")
        return {"member": member, "assignment": assignment, "resource": resource, "grant": grant}

    lost = run(through_graph())
    # directory synchronization changes the synced user's department (Graph itself refuses that write)
    users = lab.emu.backend.collections["users"]
    users.put({**users.get(SYNCED_USER), "department": "Night Shift"})
    return lost


def test_recover_merge_apply_restores_the_backup(lab: Lab, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    first = lab.backup()
    backed_up = lab.state()
    lost = damage(lab)
    second = lab.backup()
    assert second.committed and set(second.changes) >= {"conditionalAccessPolicies", "namedLocations", "groups",
                                                        "users", "servicePrincipals"}

    # the revert branch and its pull request
    pr = tmp_path / "pr"
    made = lab.cli(capsys, "recover", "--from", first.tag, "--pr-dir", str(pr))
    assert made.code == 0, made.err
    branch, checksum = (pr / "branch").read_text().strip(), (pr / "checksum").read_text().strip()
    assert branch == f"recover/{first.tag.removeprefix('backup/')}-all"
    assert lab.git("rev-parse", "--abbrev-ref", "HEAD") == "main"          # the working tree is left alone
    assert lab.git("status", "--porcelain") == ""
    assert lab.git("log", "-1", f"--format=%(trailers:key={CHECKSUM_TRAILER},valueonly)", branch) == checksum
    body = (pr / "body.md").read_text()
    assert f"{CHECKSUM_TRAILER}: {checksum}" in body and "Engineering" in body and "Global Secure Access egress" in body
    assert (pr / "title").read_text().strip() == f"entragit recover: the whole tenant back to {first.tag}"

    before, after = lab.merge(branch)
    assert lab.state() == backed_up
    applied = lab.cli(capsys, "apply", "--scope-from", f"{before}..{after}", "--checksum", checksum, "--yes")
    assert applied.code == 0, applied.out + applied.err
    # the applier never edits the repository (the next backup records the new ids)
    assert lab.git("rev-parse", "HEAD") == after and lab.git("status", "--porcelain") == ""
    # a line per change with its result; the only skip is the synced user's on-premises property (the restored
    # group's and the recreated location's server-set facts are no difference to report)
    lines = applied.out.splitlines()
    assert [line for line in lines if line.startswith("skipped")] == [
        line for line in lines if line.startswith("skipped") and SYNCED_USER in line and "department" in line]
    assert len([line for line in lines if line.startswith(("ok ", "failed", "skipped"))]) >= 10

    live = lab.live()
    # the group came back with its old id (restored, not recreated), members and owners included
    assert DELETED_GROUP in live["groups"]
    assert live["groups"][DELETED_GROUP]["members"] == backed_up["groups"][DELETED_GROUP]["members"]
    # the named location was recreated (new id) and the policy points at the new id
    named = [i for i, o in live["namedLocations"].items() if o["displayName"] == F.detachable_ip_location]
    assert len(named) == 1 and named[0] != LOCATION
    policy = live["conditionalAccessPolicies"][GSA]
    assert policy["state"] == "enabled"
    assert policy["conditions"]["locations"]["excludeLocations"] == [named[0]]
    # the synced user: its on-premises property is skipped with the reason, its cloud membership restored
    assert live["users"][SYNCED_USER]["department"] == "Night Shift"
    assert SYNCED_USER in live["groups"][SYNCED_USERS_GROUP]["members"]
    skipped = [line for line in applied.out.splitlines() if line.startswith("skipped") and SYNCED_USER in line]
    assert any("department" in line and "mastered on-premises" in line for line in skipped), applied.out
    # the rest, property by property
    assert live["users"][CLOUD_USER]["jobTitle"] == backed_up["users"][CLOUD_USER]["jobTitle"]
    assert lost["member"] in live["groups"][SHRUNK_GROUP]["members"]
    key = (lost["assignment"]["principalId"], lost["assignment"]["appRoleId"])  # type: ignore[index]
    assert [(a["principalId"], a["appRoleId"]) for a in live["servicePrincipals"][lost["resource"]]  # type: ignore[index]
            ["appRoleAssignedTo"]].count(key) == 1
    grant = lost["grant"]
    grants = live["servicePrincipals"][grant["clientId"]]["oauth2PermissionGrants"]  # type: ignore[index]
    assert [g["scope"] for g in grants if g["principalId"] == grant["principalId"]  # type: ignore[index]
            and g["resourceId"] == grant["resourceId"]] == [grant["scope"]]  # type: ignore[index]
    # the live tenant equals the backup on every writable property (ids of recreated objects mapped)
    assert writable_differences(backed_up, live, {LOCATION: named[0]}) == []

    # the outcome is on the merge commit; the merge is no longer listed as unapplied
    outcome = read_apply_outcome(lab.repo, after)
    assert outcome is not None and outcome["status"] == "applied" and outcome["checksum"] == checksum
    assert outcome["newIds"] == {f"namedLocations/{LOCATION}": {"id": named[0]}}
    assert outcome["range"] == f"{before}..{after}" and outcome["counts"]["failed"] == 0
    assert unapplied_changes(lab.repo) == []

    # a second apply right after plans nothing, and writes nothing
    lab.mark()
    again = lab.cli(capsys, "apply", "--scope-from", f"{before}..{after}", "--yes", "--format", "json")
    assert again.code == 0, again.err
    report = json.loads(again.out)
    assert [(c["kind"], c["id"], c.get("properties")) for c in report["changes"]] == [
        ("skip", SYNCED_USER, ["department"])]
    assert report["residual"]["changes"] == [] and lab.writes() == []

    # the next backup records the recovered tenant: the policy's new location id, the recreated location
    third = lab.backup()
    assert third.committed
    assert {"namedLocations", "conditionalAccessPolicies"} <= set(third.committed_changes)
    assert lab.state()["conditionalAccessPolicies"][GSA]["conditions"]["locations"]["excludeLocations"] == [named[0]]


def test_a_restore_brings_back_only_the_backed_up_links(lab: Lab, capsys: pytest.CaptureFixture[str]) -> None:
    """Restoring a group brings back the memberships it had when deleted; one added after the backup goes."""
    first = lab.backup()
    extra = F.user_ids[F.break_glass_upn]

    async def change() -> None:
        await lab.client.post(f"groups/{DELETED_GROUP}/members/$ref",
                              {"@odata.id": f"{lab.client.root}/v1.0/directoryObjects/{extra}"})
        await lab.client.delete(f"groups/{DELETED_GROUP}")

    run(change())
    lab.backup()
    made = lab.cli(capsys, "recover", "--from", first.tag, "--type", "groups", "--no-plan")
    assert made.code == 0, made.err
    before, after = lab.merge(made.out.split("branch ")[1].split()[0])
    applied = lab.cli(capsys, "apply", "--scope-from", f"{before}..{after}", "--yes")
    assert applied.code == 0, applied.out + applied.err
    assert "[after restore]" in applied.out and f"members -= {extra}" in applied.out
    members = lab.live(["groups", "users", "servicePrincipals"])["groups"][DELETED_GROUP]["members"]
    assert members == lab.state()["groups"][DELETED_GROUP]["members"] and extra not in members
