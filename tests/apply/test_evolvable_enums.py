"""Evolvable enum members (after unknownFutureValue in Graph's metadata) survive backups and restores (issue 10.2):
entragit sends ``Prefer: include-unknown-enum-members`` on every request, so Graph (and the strict emulator)
reads back CA ``riskRemediation``, platform ``linux`` and the ``qrCodePin`` strength mode as themselves, never as
``unknownFutureValue``, and a restore writes them back."""

from __future__ import annotations

import pytest

from entragit.graph import run
from tests.apply.helpers import Lab

POLICIES = "identity/conditionalAccess/policies"
STRENGTHS = "policies/authenticationStrengthPolicies"
POLICY = "2280e3e0-a689-5bff-b31b-96dc403dfee5"      # CA008: Require MFA for guests (no strength)
STRENGTH = "104f1517-459f-542a-9133-80885590326f"    # Contoso Phishing-resistant (FIDO2 keys)


def evolve(lab: Lab) -> None:
    """Give the tenant a policy and a strength using evolvable members (as an administrator would in the portal)."""
    async def go() -> None:
        policy = await lab.client.get(f"{POLICIES}/{POLICY}")
        conditions = dict(policy["conditions"], platforms={"includePlatforms": ["linux", "android"],
                                                           "excludePlatforms": []},
                          userRiskLevels=["high"])
        grant = {"operator": "AND", "builtInControls": ["mfa", "riskRemediation"],
                 "customAuthenticationFactors": [], "termsOfUse": []}
        await lab.client.patch(f"{POLICIES}/{POLICY}", {"conditions": conditions, "grantControls": grant})
        await lab.client.post(f"{STRENGTHS}/{STRENGTH}/updateAllowedCombinations",
                              {"allowedCombinations": ["fido2", "qrCodePin"]})
    run(go())


def test_evolvable_members_are_backed_up_and_restored_as_themselves(lab: Lab,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    evolve(lab)
    lab.backup()
    state = lab.state()
    policy = state["conditionalAccessPolicies"][POLICY]
    assert policy["grantControls"]["builtInControls"] == ["mfa", "riskRemediation"]
    assert policy["conditions"]["platforms"]["includePlatforms"] == ["android", "linux"]
    assert state["authenticationStrengthPolicies"][STRENGTH]["allowedCombinations"] == ["fido2", "qrCodePin"]
    files = (lab.repo / "tenant-state").rglob("*.yaml")
    assert not [p for p in files if "unknownFutureValue" in p.read_text(encoding="utf-8")]

    # the tenant drifts: the strength loses qrCodePin, the policy is deleted (recreated from the backup)
    async def drift() -> None:
        await lab.client.post(f"{STRENGTHS}/{STRENGTH}/updateAllowedCombinations",
                              {"allowedCombinations": ["fido2"]})
        await lab.client.delete(f"{POLICIES}/{POLICY}")
    run(drift())
    lab.mark()
    done = lab.cli(capsys, "apply", "--yes")
    assert done.code == 0, done.out + done.err
    written = {(w["method"], w["path"]) for w in lab.writes()}
    assert ("POST", f"{STRENGTHS}/{STRENGTH}/updateAllowedCombinations") in written
    assert ("POST", POLICIES) in written
    live = lab.live(["conditionalAccessPolicies", "authenticationStrengthPolicies"])
    assert live["authenticationStrengthPolicies"][STRENGTH]["allowedCombinations"] == ["fido2", "qrCodePin"]
    (recreated,) = [p for p in live["conditionalAccessPolicies"].values() if p["displayName"] == policy["displayName"]]
    assert recreated["grantControls"]["builtInControls"] == ["mfa", "riskRemediation"]
    assert recreated["conditions"]["platforms"]["includePlatforms"] == ["android", "linux"]
    assert lab.cli(capsys, "plan", "--format", "json").code == 0  # converged: nothing left to write
