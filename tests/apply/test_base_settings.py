"""A change never sets its own rails: safety.*, emergencyAccess and the connection settings come from the base of
the applied range (issue 11: a PR set maxChangeShare: 1 and deleted 8 of 16 groups). The change's values are
listed at the top of the plan, not used."""

from __future__ import annotations

import json

import pytest

from entragit.emulator.seeds import DEMO_FACTS as F
from tests.apply.helpers import Lab


def _pr(lab: Lab, config: str, edit: object) -> tuple[str, str]:
    lab.git("checkout", "-q", "-b", "pr")
    (lab.repo / "entragit.yaml").write_text(config, encoding="utf-8")
    edit()  # type: ignore[operator]
    lab.git("add", "-A")
    lab.git("commit", "-q", "-m", "a change")
    lab.git("checkout", "-q", "main")
    return lab.merge("pr")


def test_a_change_cannot_raise_its_own_share_rail(lab: Lab, capsys: pytest.CaptureFixture[str]) -> None:
    lab.backup()
    groups = sorted(lab.state()["groups"])
    doomed = groups[: len(groups) // 2]

    def delete_half() -> None:
        for group in doomed:
            (lab.repo / "tenant-state" / "groups" / f"{group}.yaml").unlink()

    before, after = _pr(lab, "safety:\n  maxChangeShare: 1\n", delete_half)
    tenant = lab.live(["groups"])
    lab.mark()
    plan = lab.cli(capsys, "plan", "--scope-from", f"{before}..{after}", "--format", "json")
    assert plan.code == 3, plan.err
    data = json.loads(plan.out)
    assert data["settings"]["changed"] == [{"key": "safety.maxChangeShare", "base": None, "proposed": 1}]
    assert data["settings"]["base"] == before and data["refused"][0]["rail"] == "maxChangeShare"
    text = lab.cli(capsys, "plan", "--scope-from", f"{before}..{after}")
    assert text.out.splitlines()[0].startswith("REFUSED by the safety rails")
    assert "entragit.yaml safety.maxChangeShare: the change sets 1, the plan used null" in text.out
    done = lab.cli(capsys, "apply", "--yes", "--allow-delete", "--scope-from", f"{before}..{after}")
    assert done.code == 3 and f"of {len(groups)} objects" in done.err, done.err
    assert "above safety.maxChangeShare 30%" in done.err  # the base's share, not the change's 100%
    assert lab.writes() == [] and lab.live(["groups"]) == tenant


def test_a_change_cannot_swap_the_emergency_access_accounts(lab: Lab, capsys: pytest.CaptureFixture[str]) -> None:
    """The base names the break-glass account; the change names another one (excluded by its policy edit) and
    connects elsewhere: the base's account is judged, the change's values are listed and not used."""
    (lab.repo / "entragit.yaml").write_text(f"emergencyAccess: [{F.break_glass_upn}]\n", encoding="utf-8")
    lab.git("add", "entragit.yaml")
    lab.git("commit", "-q", "-m", "name the emergency-access account")
    lab.backup()
    policy = F.ca_policy_ids[F.gsa_policy]
    other = F.user_ids[F.cloud_user_upn]

    def swap() -> None:
        from entragit import resources
        from entragit.state import dump_yaml, load_yaml

        path = lab.repo / "tenant-state" / "conditionalAccessPolicies" / f"{policy}.yaml"
        obj = load_yaml(path)
        obj["conditions"]["users"]["excludeUsers"] = [other]
        path.write_text(dump_yaml(resources.get("conditionalAccessPolicies"), obj), encoding="utf-8")

    before, after = _pr(lab, f"emergencyAccess: [{F.cloud_user_upn}]\ngraphUrl: https://attacker.example\n", swap)
    lab.mark()
    done = lab.cli(capsys, "plan", "--scope-from", f"{before}..{after}", "--format", "json")
    assert done.code == 3, done.err
    data = json.loads(done.out)
    assert {c["key"] for c in data["settings"]["changed"]} == {"emergencyAccess", "graphUrl"}
    assert f"emergency-access account {F.break_glass_upn}" in data["refused"][0]["message"]
    assert lab.writes() == []
