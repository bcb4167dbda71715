"""New ids: once an apply recreated an object, `entragit plan`, `entragit recover` (its checksum trailer) and
`entragit apply` all know the new id from the apply notes, so they compute the same plan and checksum; a recreate
remaps references from objects outside the merged range too; throttled writes wait for Graph's Retry-After."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from entragit.emulator.seeds import DEMO_FACTS as F
from entragit.graph import run
from entragit.recover import CHECKSUM_TRAILER
from tests.apply.helpers import Lab

GSA = F.ca_policy_ids[F.gsa_policy]
LOCATION = F.named_location_ids[F.detachable_ip_location]
POLICIES = "identity/conditionalAccess/policies"
LOCATIONS = "identity/conditionalAccess/namedLocations"


def recover(lab: Lab, capsys: pytest.CaptureFixture[str], tag: str, *args: str) -> tuple[str, str]:
    """`entragit recover --from tag args`: ``(branch, checksum)`` as written for the workflow."""
    made = lab.cli(capsys, "recover", "--from", tag, *args, "--json")
    assert made.code == 0, made.err
    data = json.loads(made.out)
    trailer = lab.git("log", "-1", f"--format=%(trailers:key={CHECKSUM_TRAILER},valueonly)", data["branch"])
    assert trailer == data["checksum"]
    return data["branch"], data["checksum"]


def checksum(lab: Lab, capsys: pytest.CaptureFixture[str], *args: str) -> str:
    done = lab.cli(capsys, *args, "--format", "json")
    assert done.code == 0, done.out + done.err
    return json.loads(done.out)["checksum"]


def test_plan_recover_and_apply_agree_after_a_recreate(lab: Lab, capsys: pytest.CaptureFixture[str]) -> None:
    first = lab.backup()

    run(incident_detach_and_delete(lab))
    lab.backup()

    # 1. the named location first: recreated with a new id, recorded in the apply note
    branch, trailer = recover(lab, capsys, first.tag, "--type", "namedLocations")
    before, after = lab.merge(branch)
    assert checksum(lab, capsys, "plan", "--scope-from", f"{before}..{after}") == trailer
    applied = lab.cli(capsys, "apply", "--scope-from", f"{before}..{after}", "--checksum", trailer, "--yes")
    assert applied.code == 0, applied.out + applied.err
    [new_location] = [i for i, o in lab.live(["namedLocations"])["namedLocations"].items()
                      if o["displayName"] == F.detachable_ip_location]
    assert new_location != LOCATION

    # 2. then the policy, whose backed-up file names the old location id: every command maps it to the new one
    branch, trailer = recover(lab, capsys, first.tag, "--type", "conditionalAccessPolicies")
    lab.git("checkout", "-q", branch)
    assert checksum(lab, capsys, "plan", "--scope-from", f"main..{branch}") == trailer
    lab.git("checkout", "-q", "main")
    before, after = lab.merge(branch)
    assert checksum(lab, capsys, "plan", "--scope-from", f"{before}..{after}") == trailer
    assert checksum(lab, capsys, "apply", "--scope-from", f"{before}..{after}", "--dry-run") == trailer
    planned = json.loads(lab.cli(capsys, "plan", "--scope-from", f"{before}..{after}", "--format", "json").out)
    [update] = planned["changes"]
    # recover recorded the live tenant first: the record holds the location under its new id only, and the
    # policy's old reference still maps to it (the ids the apply recorded)
    assert update["body"]["conditions"]["locations"]["excludeLocations"] == [new_location]
    applied = lab.cli(capsys, "apply", "--scope-from", f"{before}..{after}", "--checksum", trailer, "--yes")
    assert applied.code == 0, applied.out + applied.err
    policy = lab.live(["conditionalAccessPolicies"])["conditionalAccessPolicies"][GSA]
    assert policy["state"] == "enabled" and policy["conditions"]["locations"]["excludeLocations"] == [new_location]

    # 3. the whole tenant now matches: the recreated location's own server-set facts are no difference
    whole = json.loads(lab.cli(capsys, "plan", "--format", "json").out)
    assert whole["changes"] == [] and whole["warnings"] == []
    assert checksum(lab, capsys, "apply", "--dry-run") == whole["checksum"]


def test_an_application_recovered_by_app_id_is_remapped_from_outside_the_range(
        lab: Lab, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """`recover --id <appId>` re-adds the application and its service principal only; another application's
    requiredResourceAccess (its file unchanged, outside the range) follows the new appId all the same."""
    api = F.api_application
    app_obj, app_id, sp_obj = F.application_object_ids[api], F.app_ids[api], F.service_principal_ids[api]
    mobile = F.application_object_ids["Contoso Expenses Mobile"]
    first = lab.backup()

    async def delete_for_good() -> None:
        await lab.client.delete(f"applications/{app_obj}")
        for gone in (app_obj, sp_obj):
            try:
                await lab.client.delete(f"directory/deletedItems/{gone}")
            except Exception:  # noqa: BLE001 - the service principal may have gone for good already
                pass

    run(delete_for_good())
    lab.backup()
    assert app_id in json.dumps(lab.state()["applications"][mobile]["requiredResourceAccess"])
    branch, _ = recover(lab, capsys, first.tag, "--id", app_id)
    before, after = lab.merge(branch)
    changed = lab.git("diff", "--name-only", f"{before}..{after}").splitlines()
    assert f"tenant-state/applications/{mobile}.yaml" not in changed
    done = lab.cli(capsys, "apply", "--scope-from", f"{before}..{after}", "--recreate", app_id, "--yes",
                   "--password-file", str(tmp_path / "pw.tsv"))
    assert done.code == 0, done.out + done.err
    live = lab.live(["applications", "servicePrincipals"])
    [new_app] = [o for o in live["applications"].values() if o["displayName"] == api]
    assert new_app["appId"] != app_id
    apps = {r["resourceAppId"] for r in live["applications"][mobile]["requiredResourceAccess"]}
    assert new_app["appId"] in apps and app_id not in apps
    lab.mark()
    whole = lab.cli(capsys, "apply", "--yes", "--format", "json")
    assert whole.code == 0 and lab.writes() == [], whole.out


def test_a_throttled_write_waits_for_retry_after(lab: Lab) -> None:
    lab.backup()
    users = sorted(lab.state()["users"])[:2]
    for user in users:
        run(lab.client.patch(f"users/{user}", {"jobTitle": "Changed"}))
    lab.control("faults", {"throttleEvery": 2, "retryAfter": 1, "methods": ["PATCH"], "paths": "^users/"})
    result = lab.apply()
    lab.control("faults", {"throttleEvery": 0, "reset": True})
    assert result.failed == [] and result.drift == []
    # one of the two PATCHes met a 429 with Retry-After: 1 and was sent again after exactly that
    assert (result.stats["throttled"], result.stats["retries"], result.stats["waited"]) == (1, 1, 1.0)
    assert [(r["method"], r["status"]) for r in lab.writes() if r["path"].startswith("users/")].count(
        ("PATCH", 429)) == 1


def test_a_type_scoped_recreate_reads_and_remaps_the_types_referencing_it(lab: Lab) -> None:
    """`apply --type namedLocations` reads only locations and what they reference, until the plan recreates one:
    then the types that can reference a location (conditional access) are read too, and the policy's reference
    follows the new id while the rest of the policy, outside the scope, is left as it is."""
    from entragit.apply import ApplyRequest, run_apply

    lab.backup()
    run(incident_detach_and_delete(lab))
    result = run(run_apply(lab.repo, lab.client, ApplyRequest(types=("namedLocations",))))
    assert result.failed == [] and result.drift == []
    assert [(c.kind.value, c.type) for c in result.plan.writes] == [
        ("recreate", "namedLocations"), ("update", "conditionalAccessPolicies")]
    update = result.plan.writes[1]
    assert update.id == GSA and set(update.body) == {"conditions"}
    new_location = result.new_ids[f"namedLocations/{LOCATION}"]["id"]
    policy = lab.live(["conditionalAccessPolicies"])["conditionalAccessPolicies"][GSA]
    assert policy["conditions"]["locations"]["excludeLocations"] == [new_location]
    assert policy["state"] == "disabled"                                        # outside the scope: untouched


async def incident_detach_and_delete(lab: Lab) -> None:
    policy = await lab.client.get(f"{POLICIES}/{GSA}")
    conditions = policy["conditions"]
    conditions["locations"]["excludeLocations"] = []
    await lab.client.patch(f"{POLICIES}/{GSA}", {"conditions": conditions, "state": "disabled"})
    await lab.client.delete(f"{LOCATIONS}/{LOCATION}")


def test_the_check_after_a_recovery_pairs_recreated_objects_with_their_originals(
        lab: Lab, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """`entragit diff --from TAG` after an apply that recreated an object: the ids the apply recorded pair the
    new object with its original ("recreated as <new id>"); references to it read as before; no advice to
    delete it."""
    from tests import gfm

    first = lab.backup()
    run(incident_detach_and_delete(lab))
    branch, trailer = recover(lab, capsys, first.tag)
    before, after = lab.merge(branch)
    applied = lab.cli(capsys, "apply", "--scope-from", f"{before}..{after}", "--checksum", trailer, "--yes")
    assert applied.code == 0, applied.out + applied.err
    [new_location] = [i for i, o in lab.live(["namedLocations"])["namedLocations"].items()
                      if o["displayName"] == F.detachable_ip_location]

    report = json.loads(lab.cli(capsys, "diff", "--from", first.tag, "--format", "json").out)
    objects = {(o["type"], o["id"]): o for t in report["types"] for o in t["objects"]}
    assert set(objects) == {("namedLocations", LOCATION)}                     # the policy reads as before
    paired = objects[("namedLocations", LOCATION)]
    assert paired["status"] == "recreated" and paired["newId"] == new_location
    assert paired["recoverable"] is True and paired["reason"].startswith(f"recreated as {new_location}")
    assert report["summary"]["recreated"] == 1 and report["summary"]["created"] == report["summary"]["deleted"] == 0
    text = lab.cli(capsys, "diff", "--from", first.tag).out
    assert f"recreated as {new_location}" in text and "--allow-delete" not in text
    out = tmp_path / "check.md"
    assert lab.cli(capsys, "diff", "--from", first.tag, "--format", "markdown", "--output", str(out)).code == 0
    md = out.read_text()
    gfm.assert_inert(md)
    assert (4, f"↻ {F.detachable_ip_location} — recreated as {new_location}") in gfm.headings(md)
