"""Issue 12.7: restoring values after an attacker changed many objects (5 of 9 conditional access policies
disabled) is the main recovery. The share rail does not count a change that sets an object back to its value in
the revert's source backup, when that source is a trusted backup and the merged range is a revert to it (checked
by `entragit apply --scope-from`, as the recover workflow runs it); anything else in the range, an untrusted
source, deletions and the emergency-access rail still refuse."""

from __future__ import annotations

import json

import pytest

from entragit.emulator.seeds import DEMO_FACTS as F
from entragit.graph import run
from tests.apply.helpers import Lab

CA = "conditionalAccessPolicies"


def _attack(lab: Lab) -> list[str]:
    """Disable 5 of the 9 policies in the live tenant, then record the damage in a backup."""
    live = lab.live([CA])[CA]
    victims = sorted(i for i, p in live.items() if p["state"] == "enabled")[:5]
    assert len(victims) == 5 and len(live) == 9

    async def disable() -> None:
        for policy in victims:
            await lab.client.patch(f"identity/conditionalAccess/policies/{policy}", {"state": "disabled"})

    run(disable())
    lab.backup()
    return victims


def _recover(lab: Lab, capsys: pytest.CaptureFixture[str], source: str) -> tuple[str, str]:
    done = lab.cli(capsys, "recover", "--from", source, "--type", CA, "--branch", "recover/undo", "--json")
    assert done.code == 0, done.err
    return lab.merge("recover/undo")


def test_a_revert_to_a_trusted_backup_is_not_refused_by_the_share_rail(lab: Lab,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    first = lab.backup()
    victims = _attack(lab)
    before, after = _recover(lab, capsys, first.tag)
    lab.mark()
    plan = lab.cli(capsys, "plan", "--scope-from", f"{before}..{after}", "--format", "json")
    assert plan.code == 0, plan.err
    assert json.loads(plan.out)["scope"]["revertOf"] == first.tag
    done = lab.cli(capsys, "apply", "--yes", "--scope-from", f"{before}..{after}")
    assert done.code == 0, done.err
    assert sorted(w["path"].rsplit("/", 1)[1] for w in lab.writes()) == victims
    assert all(lab.live([CA])[CA][p]["state"] == "enabled" for p in victims)


def test_anything_but_the_revert_in_the_range_counts_again(lab: Lab, capsys: pytest.CaptureFixture[str]) -> None:
    first = lab.backup()
    _attack(lab)
    lab.git("checkout", "-q", "main")
    done = lab.cli(capsys, "recover", "--from", first.tag, "--type", CA, "--branch", "recover/undo", "--json")
    assert done.code == 0, done.err
    lab.git("checkout", "-q", "recover/undo")
    policy = F.ca_policy_ids[F.gsa_policy]
    lab.commit_edit(CA, policy, lambda p: p.update(displayName="Allow GSA Traffic only (edited)"), "and one more")
    lab.git("checkout", "-q", "main")
    before, after = lab.merge("recover/undo")
    lab.mark()
    done = lab.cli(capsys, "apply", "--yes", "--scope-from", f"{before}..{after}")
    assert done.code == 3 and "maxChangeShare" in done.err and f"{CA}: 5 of 9" in done.err, done.err
    assert lab.writes() == []


def test_an_untrusted_source_gives_no_exemption(lab: Lab, capsys: pytest.CaptureFixture[str]) -> None:
    first = lab.backup()
    _attack(lab)
    before, after = _recover(lab, capsys, first.tag)
    lab.git("tag", "-d", first.tag)      # the backup it reverts to is no longer a trusted backup
    lab.mark()
    done = lab.cli(capsys, "apply", "--yes", "--scope-from", f"{before}..{after}")
    assert done.code == 3 and f"{CA}: 5 of 9" in done.err, done.err
    assert lab.writes() == []
