"""Recreating a user (a new identity: only with --recreate, its password only in the named file) and the two
safety rails (share of a type, emergency-access accounts), which refuse without --force."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from entragit.backups import read_apply_outcome
from entragit.emulator.seeds import DEMO_FACTS as F
from entragit.graph import run
from tests.apply.helpers import Lab

USER = F.user_ids[F.cloud_user_upn]
UPN = F.cloud_user_upn


def test_a_user_is_recreated_only_with_recreate(lab: Lab, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    lab.backup()
    backed_up = lab.state()
    groups_with_user = sorted(g for g, o in backed_up["groups"].items() if USER in o.get("members", []))
    assert groups_with_user
    lab.purge(USER)                                                           # hard-deleted

    plain = lab.cli(capsys, "apply", "--yes")
    assert plain.code == 0, plain.err
    assert any(line.startswith("skipped") and USER in line and f"--recreate {USER}" in line
               for line in plain.out.splitlines()), plain.out
    assert run(lab.client.list_all("users", {"$filter": f"userPrincipalName eq '{UPN}'"})) == []

    no_file = lab.cli(capsys, "apply", "--recreate", USER, "--yes")
    assert no_file.code == 2 and "--password-file" in no_file.err
    inside = lab.cli(capsys, "apply", "--recreate", USER, "--yes", "--password-file", str(lab.repo / "pw.txt"))
    assert inside.code == 2 and "inside the repository" in inside.err

    secrets = tmp_path / "secrets" / "passwords.tsv"
    secrets.parent.mkdir()
    done = lab.cli(capsys, "apply", "--recreate", USER, "--yes", "--password-file", str(secrets))
    assert done.code == 0, done.out + done.err
    found = run(lab.client.list_all("users", {"$filter": f"userPrincipalName eq '{UPN}'"}))
    assert len(found) == 1 and found[0]["id"] != USER
    new_id = found[0]["id"]
    # the password: only in the file, mode 0600, never in the output, the note or the repository
    assert stat.S_IMODE(secrets.stat().st_mode) == 0o600
    # a line before the create is sent (the password the user may have if the answer never comes), one after
    pending, fields = [line.split("\t") for line in secrets.read_text().strip().splitlines()]
    assert pending[:3] == [f"pending:users/{USER}", UPN, "passwordProfile"]
    assert fields[:3] == [f"users/{new_id}", UPN, "passwordProfile"] and len(fields[3]) >= 16
    password = fields[3]
    assert pending[3] == password
    assert password not in done.out + done.err + plain.out
    assert password not in lab.git("log", "--all", "-p", "--notes=refs/notes/entragit")
    head = lab.git("rev-parse", "HEAD")
    outcome = read_apply_outcome(lab.repo, head)
    assert outcome is not None and password not in str(outcome)
    assert outcome["newIds"] == {f"users/{USER}": {"id": new_id}}
    # its memberships and its manager point at the new identity
    live = lab.live(["users", "groups"])
    assert sorted(g for g, o in live["groups"].items() if new_id in o["members"]) == groups_with_user
    assert live["users"][new_id]["manager"] == backed_up["users"][USER]["manager"]

    lab.mark()
    again = lab.cli(capsys, "apply", "--recreate", USER, "--yes", "--password-file", str(secrets))
    assert again.code == 0 and lab.writes() == [] and len(secrets.read_text().splitlines()) == 2


def test_the_share_rail_refuses_without_force(lab: Lab, capsys: pytest.CaptureFixture[str]) -> None:
    lab.backup()
    users = sorted(lab.state()["users"])[:20]

    async def bulk_edit() -> None:
        for user in users:
            await lab.client.patch(f"users/{user}", {"jobTitle": "Bulk edited"})

    run(bulk_edit())
    lab.mark()
    refused = lab.cli(capsys, "apply", "--yes")
    assert refused.code == 3 and "maxChangeShare" in refused.err and "users: 20 of" in refused.err
    assert lab.writes() == []
    # entragit.yaml sets the share (safety.maxChangeShare) once committed: a lower one refuses a change of 4 users
    # of the 20, a higher one lets the 20 through; an edit not committed is a proposal, shown and not used
    assert not (lab.repo / "entragit.yaml").exists()
    four = [x for u in users[:4] for x in ("--id", u)]
    (lab.repo / "entragit.yaml").write_text("safety:\n  maxChangeShare: 0.05\n", encoding="utf-8")
    proposed = lab.cli(capsys, "plan", "--format", "json", *four)
    assert proposed.code == 0, proposed.err
    assert json.loads(proposed.out)["settings"]["changed"] == [
        {"key": "safety.maxChangeShare", "base": None, "proposed": 0.05}]
    lab.git("add", "entragit.yaml")
    lab.git("commit", "-q", "-m", "lower share")
    lower = lab.cli(capsys, "apply", "--yes", "--dry-run", *four)
    assert lower.code == 3 and "above safety.maxChangeShare 5%" in lower.err, lower.err
    (lab.repo / "entragit.yaml").write_text("safety:\n  maxChangeShare: 0.9\n", encoding="utf-8")
    lab.git("commit", "-q", "-am", "higher share")
    higher = lab.cli(capsys, "apply", "--yes", "--dry-run", "--format", "json")
    assert higher.code == 0 and json.loads(higher.out)["counts"]["dry-run"] == 20, higher.err
    lab.git("rm", "-q", "entragit.yaml")
    lab.git("commit", "-q", "-m", "default share")
    assert lab.writes() == []
    forced = lab.cli(capsys, "apply", "--yes", "--force", "undo the bulk edit of 2026-07-02")
    assert forced.code == 0, forced.err
    assert len(lab.writes()) == 20
    live = lab.live(["users"])["users"]
    assert all(live[u]["jobTitle"] == lab.state()["users"][u]["jobTitle"] for u in users)


def test_the_emergency_access_rail_refuses_without_force(lab: Lab, capsys: pytest.CaptureFixture[str]) -> None:
    (lab.repo / "entragit.yaml").write_text(f"emergencyAccess: [{F.break_glass_upn}]\n", encoding="utf-8")
    lab.git("add", "entragit.yaml")
    lab.git("commit", "-q", "-m", "name the emergency-access account")
    lab.backup()
    policy_id = F.ca_policy_ids[F.gsa_policy]

    def lock_everyone_out(policy: dict) -> None:
        cond = policy["conditions"]
        cond["users"].update(includeUsers=["All"], includeGroups=[], excludeUsers=[])
        cond["locations"].update(includeLocations=["All"], excludeLocations=[])

    before, after = lab.commit_edit("conditionalAccessPolicies", policy_id, lock_everyone_out, "block everyone")
    lab.mark()
    refused = lab.cli(capsys, "apply", "--scope-from", f"{before}..{after}", "--yes")
    assert refused.code == 3 and f"would apply to emergency-access account {F.break_glass_upn}" in refused.err, \
        refused.err
    assert lab.writes() == []
    assert read_apply_outcome(lab.repo, after)["status"] == "refused"  # type: ignore[index]
    forced = lab.cli(capsys, "apply", "--scope-from", f"{before}..{after}", "--yes", "--force", "drill")
    assert forced.code == 0, forced.err
    assert [w["path"] for w in lab.writes()] == [f"identity/conditionalAccess/policies/{policy_id}"]


def test_a_deleted_policy_is_recreated_report_only_then_switched(lab: Lab) -> None:
    lab.backup()
    policy = F.ca_policy_ids[F.gsa_policy]
    run(lab.client.delete(f"identity/conditionalAccess/policies/{policy}"))
    lab.mark()
    result = lab.apply()
    assert result.failed == [] and result.drift == []
    recreate = next(o for o in result.outcomes if o.change.kind.value == "recreate")
    switch = next(o for o in result.outcomes if o.change.kind.value == "update" and o.change.id == policy)
    assert recreate.change.body["state"] == "enabledForReportingButNotEnforced"      # type: ignore[index]
    # one PATCH, last: its state, and its real name (created under a marked one, found again by it until then)
    assert [(p.path, p.new) for p in switch.change.properties] == [("displayName", F.gsa_policy), ("state", "enabled")]
    new_id = recreate.new_id
    assert new_id and new_id != policy
    assert [(w["method"], w["path"]) for w in lab.writes()] == [
        ("POST", "identity/conditionalAccess/policies"), ("PATCH", f"identity/conditionalAccess/policies/{new_id}")]
    live = lab.live(["conditionalAccessPolicies"])["conditionalAccessPolicies"]
    assert live[new_id]["state"] == "enabled" and live[new_id]["displayName"] == F.gsa_policy


def test_an_application_is_recreated_with_every_reference_to_its_ids_and_app_id(
        lab: Lab, capsys: pytest.CaptureFixture[str]) -> None:
    api = F.api_application
    app_obj, app_id, sp_obj = F.application_object_ids[api], F.app_ids[api], F.service_principal_ids[api]
    lab.backup()
    backed_up = lab.state()

    lab.purge(app_obj, sp_obj)
    asked = lab.cli(capsys, "apply", "--recreate", app_id, "--yes", "--format", "json")
    assert asked.code == 0, asked.out + asked.err
    live = lab.live()
    apps = [o for o in live["applications"].values() if o["displayName"] == api]
    assert len(apps) == 1 and apps[0]["id"] != app_obj and apps[0]["appId"] != app_id
    new_app_id = apps[0]["appId"]
    assert apps[0]["identifierUris"] == [f"api://{new_app_id}"]
    sps = [o for o in live["servicePrincipals"].values() if o.get("appId") == new_app_id]
    assert len(sps) == 1
    new_sp = sps[0]["id"]
    # references by appId (another app's requiredResourceAccess) and by object id (grants, assignments)
    mobile = live["applications"][F.application_object_ids["Contoso Expenses Mobile"]]
    assert new_app_id in [r["resourceAppId"] for r in mobile["requiredResourceAccess"]]
    assert app_id not in json_text(live)
    old_grants = [g for sp in backed_up["servicePrincipals"].values() for g in sp["oauth2PermissionGrants"]
                  if g["resourceId"] == sp_obj]
    new_grants = [g for sp in live["servicePrincipals"].values() for g in sp["oauth2PermissionGrants"]
                  if g["resourceId"] == new_sp]
    assert old_grants and len(new_grants) == len(old_grants)
    assert sorted(a["principalId"] for a in sps[0]["appRoleAssignedTo"]) == \
        sorted(a["principalId"] for a in backed_up["servicePrincipals"][sp_obj]["appRoleAssignedTo"])
    assert sorted(apps[0]["owners"]) == sorted(backed_up["applications"][app_obj]["owners"])
    lab.mark()
    again = lab.cli(capsys, "apply", "--recreate", app_id, "--yes")
    assert again.code == 0 and lab.writes() == []


def json_text(value: object) -> str:
    import json

    return json.dumps(value)
