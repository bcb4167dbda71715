"""What `entragit apply` touches (scoping by type, id, git range) and what it refuses before writing anything."""

from __future__ import annotations

import json

import pytest

from entragit.backups import read_apply_outcome
from entragit.emulator.seeds import DEMO_FACTS as F
from entragit.graph import run
from tests.apply.helpers import Lab

GSA = F.ca_policy_ids[F.gsa_policy]
USER = F.user_ids[F.cloud_user_upn]
GROUP = F.group_ids["Finance"]
POLICIES = "identity/conditionalAccess/policies"
STALE = "0badc0de-0000-4000-8000-00000000dead"


def drift(lab: Lab) -> str:
    """A policy, a user and a group changed in the tenant; tenant-state/ holds the backup. Returns the member."""
    lab.backup()

    async def change() -> str:
        await lab.client.patch(f"{POLICIES}/{GSA}", {"state": "disabled"})
        await lab.client.patch(f"users/{USER}", {"jobTitle": "Changed"})
        member = sorted(m["id"] for m in await lab.client.list_all(f"groups/{GROUP}/members"))[0]
        await lab.client.delete(f"groups/{GROUP}/members/{member}/$ref")
        return member

    return run(change())


def paths(lab: Lab) -> list[str]:
    return sorted({f"{w['method']} {w['path']}" for w in lab.writes()})


def test_scope_by_type_then_by_id_touches_nothing_else(lab: Lab, capsys: pytest.CaptureFixture[str]) -> None:
    member = drift(lab)
    lab.mark()
    by_type = lab.cli(capsys, "apply", "--type", "users", "--yes")
    assert by_type.code == 0, by_type.out + by_type.err
    assert paths(lab) == [f"PATCH users/{USER}"]
    live = lab.live(["users", "groups", "conditionalAccessPolicies"])
    assert live["users"][USER]["jobTitle"] == lab.state()["users"][USER]["jobTitle"]
    assert live["conditionalAccessPolicies"][GSA]["state"] == "disabled"          # untouched
    assert member not in live["groups"][GROUP]["members"]

    lab.mark()
    by_id = lab.cli(capsys, "apply", "--id", GROUP, "--yes")
    assert by_id.code == 0, by_id.out + by_id.err
    assert paths(lab) == [f"POST groups/{GROUP}/members/$ref"]
    live = lab.live(["groups", "users", "conditionalAccessPolicies"])
    assert member in live["groups"][GROUP]["members"]
    assert live["conditionalAccessPolicies"][GSA]["state"] == "disabled"

    lab.mark()
    rest = lab.cli(capsys, "apply", "--yes")
    assert rest.code == 0 and paths(lab) == [f"PATCH {POLICIES}/{GSA}"]


def test_id_accepts_an_app_id(lab: Lab, capsys: pytest.CaptureFixture[str]) -> None:
    app_name = F.api_application
    app_id, obj_id = F.app_ids[app_name], F.application_object_ids[app_name]
    lab.backup()
    run(lab.client.patch(f"applications/{obj_id}", {"notes": "changed by hand"}))
    run(lab.client.patch(f"users/{USER}", {"jobTitle": "Changed"}))
    lab.mark()
    done = lab.cli(capsys, "apply", "--id", app_id, "--yes")
    assert done.code == 0, done.out + done.err
    assert paths(lab) == [f"PATCH applications/{obj_id}"]


def test_a_stale_reference_stops_its_property_not_the_policy(lab: Lab, capsys: pytest.CaptureFixture[str]) -> None:
    """A policy is never written without a reference its file holds (issue 12.3): the conditions naming a user
    that exists nowhere are not written (Graph refuses them; without the id the policy would widen), with the
    reason; the rest of the change is."""
    lab.backup()

    def edit(policy: dict) -> None:
        policy["displayName"] = "Allow GSA Traffic only (reviewed)"
        policy["conditions"]["users"]["excludeUsers"] = sorted([*policy["conditions"]["users"]["excludeUsers"],
                                                                STALE])

    before, after = lab.commit_edit("conditionalAccessPolicies", GSA, edit, "exclude a leaver, rename")
    done = lab.cli(capsys, "apply", "--scope-from", f"{before}..{after}", "--yes", "--format", "json")
    assert done.code == 0, done.err
    report = json.loads(done.out)
    [skip] = [c for c in report["changes"] if c["kind"] == "skip"]
    assert skip["properties"] == ["conditions"] and STALE in skip["message"] and "exists nowhere" in skip["message"]
    policy = lab.live(["conditionalAccessPolicies"])["conditionalAccessPolicies"][GSA]
    assert policy["displayName"] == "Allow GSA Traffic only (reviewed)"
    assert policy["conditions"]["users"]["excludeUsers"] == [F.break_glass_id]
    assert read_apply_outcome(lab.repo, after)["status"] == "applied"  # type: ignore[index]


def test_checksum_mismatch_refuses_and_is_recorded(lab: Lab, capsys: pytest.CaptureFixture[str]) -> None:
    lab.backup()
    before, after = lab.commit_edit("users", USER, lambda u: u.update(jobTitle="Head of Sales"))
    planned = lab.cli(capsys, "apply", "--scope-from", f"{before}..{after}", "--dry-run", "--format", "json")
    checksum = json.loads(planned.out)["checksum"]
    other = F.user_ids[F.break_glass_upn]
    run(lab.client.patch(f"users/{other}", {"officeLocation": "moved since the review"}))  # out of the range
    lab.mark()
    same = lab.cli(capsys, "apply", "--scope-from", f"{before}..{after}", "--checksum", checksum, "--dry-run")
    assert same.code == 0, same.err
    run(lab.client.patch(f"users/{USER}", {"jobTitle": "Interim Head of Sales"}))          # the plan changes
    refused = lab.cli(capsys, "apply", "--scope-from", f"{before}..{after}", "--checksum", checksum, "--yes")
    assert refused.code == 3 and "differs from the reviewed" in refused.err
    assert paths(lab) == [f"PATCH users/{USER}"]           # the test's own PATCH only
    outcome = read_apply_outcome(lab.repo, after)
    assert outcome is not None and outcome["status"] == "refused" and "differs" in outcome["error"]


def test_apply_refuses_a_backup_commit(lab: Lab, capsys: pytest.CaptureFixture[str]) -> None:
    first = lab.backup()
    run(lab.client.patch(f"users/{USER}", {"jobTitle": "Changed"}))
    second = lab.backup()
    lab.mark()
    done = lab.cli(capsys, "apply", "--scope-from", f"{first.commit}..{second.commit}", "--yes")
    assert done.code == 3 and "is a backup commit" in done.err
    assert lab.emu.counters.requests() == [] and read_apply_outcome(lab.repo, second.commit) is None


def test_invalid_tenant_state_exits_2_before_any_graph_request(lab: Lab, capsys: pytest.CaptureFixture[str]) -> None:
    lab.backup()
    path = lab.repo / "tenant-state" / "users" / f"{USER}.yaml"
    path.write_text(path.read_text().replace(f"id: {USER}", f"id: {STALE}"), encoding="utf-8")
    lab.mark()
    done = lab.cli(capsys, "apply", "--yes")
    assert done.code == 2 and f"{USER}.yaml" in done.err and STALE in done.err, done.err
    assert lab.emu.counters.requests() == []


def test_dry_run_writes_nothing_and_a_tty_less_apply_needs_yes(lab: Lab, capsys: pytest.CaptureFixture[str]) -> None:
    drift(lab)
    lab.mark()
    dry = lab.cli(capsys, "apply", "--dry-run")
    assert dry.code == 0 and "dry-run" in dry.out and lab.writes() == []
    unasked = lab.cli(capsys, "apply")
    assert unasked.code == 2 and "--yes" in unasked.err and lab.writes() == []


def test_bad_ids_and_types_exit_2(lab: Lab, capsys: pytest.CaptureFixture[str]) -> None:
    lab.backup()
    lab.mark()
    assert lab.cli(capsys, "apply", "--id", STALE, "--yes").code == 2
    assert lab.cli(capsys, "apply", "--type", "printers", "--yes").code == 2
    assert lab.cli(capsys, "apply", "--checksum", "abc", "--yes").code == 2
    assert lab.writes() == []


def test_apply_holds_the_remote_lock_and_pushes_its_outcome(lab: Lab, bare_origin: object,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    from entragit.jobs import acquire_remote_lock, release_remote_lock
    from tests.apply.helpers import git

    lab.backup()
    before, after = lab.commit_edit("users", USER, lambda u: u.update(jobTitle="Head of Sales"))
    held = acquire_remote_lock(lab.repo, "backup")
    lab.mark()
    locked = lab.cli(capsys, "apply", "--scope-from", f"{before}..{after}", "--yes")
    assert locked.code == 6 and "backup" in locked.err and lab.writes() == []
    release_remote_lock(lab.repo, held)
    done = lab.cli(capsys, "apply", "--scope-from", f"{before}..{after}", "--yes")
    assert done.code == 0, done.err
    origin = str(bare_origin)
    notes = git(lab.repo, f"--git-dir={origin}", "notes", "--ref=entragit", "show", after)
    assert '"status":"applied"' in notes
    assert git(lab.repo, f"--git-dir={origin}", "for-each-ref", "refs/entragit/") == ""
