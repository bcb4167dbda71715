"""Issue 11's lockout attacks as a hostile pull-request author runs them, through `entragit apply --scope-from`
on the demo tenant with the break-glass account named in the base's entragit.yaml. Each turns the
"Allow GSA Traffic only" policy into "block all users, all apps" and tries to keep it from locking the account
out on paper only: (a) excluding a fake user file carrying the break-glass UPN under a new id (the fake is not
created, so the policy's write stops and nothing is written; created with --recreate, it is refused); (b) excluding
the real account while deleting it; (c) listing all six platforms instead of "all"; (d) excluding a dynamic group
the change "adds" the account to. Each plan that would lock it out is refused (exit 3) naming the policy and the
account; every variant ends with zero Graph writes and the tenant unchanged. The rail's class tests are tests/plan/test_lockout.py."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from entragit import resources
from entragit.emulator.seeds import DEMO_FACTS as F
from entragit.state import dump_yaml, load_yaml
from tests.apply.helpers import Lab

CA = "conditionalAccessPolicies"
POLICY = F.ca_policy_ids[F.gsa_policy]
BG = F.break_glass_id
FAKE = "0badc0de-0000-4000-8000-0000000000b9"
DYNAMIC = "e8ad2282-bd9d-5fb4-8480-1c3009d1e6d9"  # Sales Department (Dynamic)


def _file(lab: Lab, type_key: str, obj_id: str) -> Any:
    return lab.repo / "tenant-state" / type_key / f"{obj_id}.yaml"


def _edit(lab: Lab, type_key: str, obj_id: str, change: Callable[[dict], None]) -> None:
    obj = load_yaml(_file(lab, type_key, obj_id))
    change(obj)
    _file(lab, type_key, obj_id).write_text(dump_yaml(resources.get(type_key), obj), encoding="utf-8")


def _block_all(exclude_users: list[str], exclude_groups: list[str] | None = None,
               platforms: list[str] | None = None) -> Callable[[dict], None]:
    def change(policy: dict) -> None:
        cond = policy["conditions"]
        cond["users"].update(includeUsers=["All"], includeGroups=[], excludeUsers=sorted(exclude_users),
                             excludeGroups=sorted(exclude_groups or []))
        cond["applications"]["includeApplications"] = ["All"]
        cond["locations"] = {"includeLocations": ["All"], "excludeLocations": []}
        if platforms:
            cond["platforms"] = {"includePlatforms": sorted(platforms), "excludePlatforms": []}
        policy["grantControls"]["builtInControls"] = ["block"]
    return change


def attack_a(lab: Lab) -> None:
    fake = {**load_yaml(_file(lab, "users", BG)), "id": FAKE}
    _file(lab, "users", FAKE).write_text(dump_yaml(resources.get("users"), fake), encoding="utf-8")
    _edit(lab, CA, POLICY, _block_all([FAKE]))


def attack_b(lab: Lab) -> None:
    _edit(lab, CA, POLICY, _block_all([BG]))
    _file(lab, "users", BG).unlink()


def attack_c(lab: Lab) -> None:
    _edit(lab, CA, POLICY, _block_all([], platforms=["android", "iOS", "windows", "windowsPhone", "macOS", "linux"]))


def attack_d(lab: Lab) -> None:
    _edit(lab, CA, POLICY, _block_all([], [DYNAMIC]))
    _edit(lab, "groups", DYNAMIC, lambda g: g.update(members=sorted({*g.get("members", []), BG})))


@pytest.mark.parametrize("attack", [attack_a, attack_b, attack_c, attack_d], ids=["a", "b", "c", "d"])
def test_each_lockout_attack_is_refused(lab: Lab, capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                        attack: Callable[[Lab], None]) -> None:
    (lab.repo / "entragit.yaml").write_text(f"emergencyAccess: [{F.break_glass_upn}]\n", encoding="utf-8")
    lab.git("add", "entragit.yaml")
    lab.git("commit", "-q", "-m", "name the emergency-access account")
    lab.backup()
    lab.git("checkout", "-q", "-b", "attack")
    attack(lab)
    lab.git("add", "-A")
    lab.git("commit", "-q", "-m", "harden the GSA policy")
    lab.git("checkout", "-q", "main")
    before, after = lab.merge("attack")
    tenant = lab.live()
    lab.mark()
    variants: list[tuple[str, ...]] = [("plan",), ("apply", "--yes")]
    if attack is attack_a:  # even creating the fake user does not make it the account
        variants.append(("apply", "--yes", "--recreate", FAKE, "--password-file", str(tmp_path / "pw")))
    if attack is attack_b:
        variants.append(("apply", "--yes", "--allow-delete"))
    for args in variants:
        done = lab.cli(capsys, *args, "--scope-from", f"{before}..{after}")
        if attack is attack_a and "--recreate" not in args:
            # the fake is skipped (a new identity) and a policy is never written without an id its file names
            # (apply's keep_references): the policy's write stops, the live policy keeps excluding the account
            assert done.code == 0, (args, done.out, done.err)
            stopped = next(line for line in done.out.splitlines() if f"{CA}/{POLICY}" in line)
            assert "skip" in stopped and f"skipped by this plan (see users/{FAKE})" in stopped, done.out
            continue
        assert done.code == 3, (args, done.out, done.err)
        assert f"emergency-access account {F.break_glass_upn}" in done.out + done.err, done.err
        assert POLICY in done.out + done.err or "would not exist" in done.err, done.err
    assert lab.writes() == [] and lab.live() == tenant
