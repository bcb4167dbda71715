"""What a backup keeps and a recovery writes back, through the CLI against the strict emulator (issue 10.3-10.5,
and issue 11's enum and secret items): custom security attributes with their write annotations, a policy scoped to
external tenants with its abstract type named, a certificate's public key, enum values a file introduces refused,
``unknownFutureValue`` never written, and no secret material in a backup."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote

import httpx
import pytest

import entragit.graph
from entragit.emulator.seeds import DEMO_FACTS as F
from entragit.emulator.seeds.demo_facts import BACKUP_APP  # the application holding a certificate
from entragit.graph import GraphClient, run
from tests.apply.helpers import Lab
from tests.plugins.graph import FAST_RETRY, AsgiRecorder

USER = F.user_ids[F.cloud_user_upn]
POLICIES = "identity/conditionalAccess/policies"
POLICY = "2280e3e0-a689-5bff-b31b-96dc403dfee5"      # CA008: Require MFA for guests
SET_TYPE = "#Microsoft.DirectoryServices.CustomSecurityAttributeValue"
ATTRIBUTES = {"Engineering": {"@odata.type": SET_TYPE, "Project@odata.type": "#Collection(String)",
                              "Project": ["Baker", "Cascade"], "NumVendors@odata.type": "#Int32", "NumVendors": 4,
                              "ProjectDate": "2022-10-01"}}


@pytest.fixture
def wire(lab: Lab, monkeypatch: pytest.MonkeyPatch) -> AsgiRecorder:
    """What the CLI's Graph client sends, as the emulator receives it (bodies included)."""
    recorder = AsgiRecorder(lab.emu.app)
    monkeypatch.setattr(entragit.graph, "CLIENT_FACTORY", lambda settings: GraphClient(
        "http://testserver", transport=httpx.ASGITransport(app=recorder), retry=FAST_RETRY))
    return recorder


def writes(lab: Lab) -> list[tuple[str, str]]:
    return [(w["method"], w["path"]) for w in lab.writes()]


def bodies(wire: AsgiRecorder, method: str, path: str) -> list[Any]:
    """The JSON bodies the CLI sent for ``method path`` (path below the version root)."""
    return [json.loads(e["body"]) for e in wire.seen
            if e["method"] == method and e["path"] == f"/v1.0/{path}" and e["body"]]


def converged(lab: Lab, capsys: pytest.CaptureFixture[str]) -> None:
    lab.mark()
    again = lab.cli(capsys, "apply", "--yes")
    assert again.code == 0 and writes(lab) == [], again.out + again.err


# ---------------------------------------------------------------------------------------------- 10.3
def test_custom_security_attributes_keep_their_annotations_and_are_written_back(
        lab: Lab, capsys: pytest.CaptureFixture[str]) -> None:
    run(lab.client.patch(f"users/{USER}", {"customSecurityAttributes": ATTRIBUTES}))
    lab.backup()
    assert lab.state()["users"][USER]["customSecurityAttributes"] == ATTRIBUTES

    # live drift: a value changed, an attribute added, an attribute removed
    drifted = {"Engineering": {"@odata.type": SET_TYPE, "Project@odata.type": "#Collection(String)",
                               "Project": ["Alpine"], "NumVendors": None, "Certification": True}}
    run(lab.client.patch(f"users/{USER}", {"customSecurityAttributes": drifted}))
    lab.mark()
    done = lab.cli(capsys, "apply", "--yes")
    assert done.code == 0, done.out + done.err
    assert writes(lab) == [("PATCH", f"users/{USER}")]
    live = lab.live(["users"])["users"][USER]["customSecurityAttributes"]
    assert live == ATTRIBUTES
    converged(lab, capsys)


def test_custom_security_attributes_withheld_from_the_reader_are_never_cleared(
        lab: Lab, capsys: pytest.CaptureFixture[str]) -> None:
    """Without CustomSecAttributeAssignment.Read.All Graph answers null: the backup says so, and a plan from that
    backup never mistakes the null for "none" (no write clearing them)."""
    run(lab.client.patch(f"users/{USER}", {"customSecurityAttributes": ATTRIBUTES}))
    lab.backup()
    from tests.apply.test_least_privilege import READER

    # the reader loses the permission: Graph answers null, the backup says so (the emulator's static token does
    # not tell the permissions, so the evidence is the earlier backup's values)
    lab.control("permissions", {"granted": [p for p in READER if not p.startswith("CustomSecAttribute")]})
    result = lab.backup()
    lab.control("permissions", {"granted": "all"})
    assert lab.state()["users"][USER]["customSecurityAttributes"] is None
    assert any("customSecurityAttributes" in w and "CustomSecAttributeAssignment.Read.All" in w
               for w in result.manifest.get("export", {}).get("warnings", [])), result.manifest
    lab.mark()
    done = lab.cli(capsys, "apply", "--yes")
    assert done.code == 0 and writes(lab) == [], done.out + done.err
    assert lab.live(["users"])["users"][USER]["customSecurityAttributes"] == ATTRIBUTES


# ---------------------------------------------------------------------------------------------- 10.4
def test_a_policy_scoped_to_external_tenants_keeps_its_abstract_type(
        lab: Lab, wire: AsgiRecorder, capsys: pytest.CaptureFixture[str]) -> None:
    tenants = {"@odata.type": "#microsoft.graph.conditionalAccessEnumeratedExternalTenants",
               "membershipKind": "enumerated",
               "members": ["3b6a1a6e-6b38-4a2b-9f1a-0d6c7f3e1a01", "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0"]}

    async def scope_to_tenants() -> None:
        policy = await lab.client.get(f"{POLICIES}/{POLICY}")
        conditions = policy["conditions"]
        conditions["users"]["includeGuestsOrExternalUsers"] = {
            "guestOrExternalUserTypes": "b2bCollaborationGuest,b2bCollaborationMember", "externalTenants": tenants}
        await lab.client.patch(f"{POLICIES}/{POLICY}", {"conditions": conditions})
    run(scope_to_tenants())
    lab.backup()
    stored = lab.state()["conditionalAccessPolicies"][POLICY]["conditions"]["users"]["includeGuestsOrExternalUsers"]
    assert stored["externalTenants"]["@odata.type"] == tenants["@odata.type"]

    run(lab.client.delete(f"{POLICIES}/{POLICY}"))
    lab.mark()
    done = lab.cli(capsys, "apply", "--yes")
    assert done.code == 0, done.out + done.err
    (posted,) = bodies(wire, "POST", POLICIES)
    assert posted["conditions"]["users"]["includeGuestsOrExternalUsers"]["externalTenants"]["@odata.type"] == \
        tenants["@odata.type"]
    converged(lab, capsys)


# ---------------------------------------------------------------------------------------------- 10.5
def test_an_application_hard_deleted_comes_back_with_its_certificate(
        lab: Lab, wire: AsgiRecorder, capsys: pytest.CaptureFixture[str]) -> None:
    app_id = F.application_object_ids[BACKUP_APP]
    lab.backup()
    (cert,) = lab.state()["applications"][app_id]["keyCredentials"]
    assert cert["type"] == "AsymmetricX509Cert" and cert["key"]  # the public certificate, read per object

    lab.purge(app_id)  # deleted, then purged once the deletion has replicated (the lab runs with lag)
    lab.mark()
    done = lab.cli(capsys, "apply", "--yes", "--recreate", F.app_ids[BACKUP_APP])
    assert done.code == 0, done.out + done.err
    # the create: an upsert by uniqueName (apply's idempotent create; a POST where no key is held)
    (posted,) = [json.loads(e["body"]) for e in wire.seen if e["body"] and (
        (e["method"], e["path"]) == ("POST", "/v1.0/applications")
        or e["method"] == "PATCH" and unquote(e["path"]).startswith("/v1.0/applications(uniqueName="))]
    assert [(c["keyId"], c["key"]) for c in posted["keyCredentials"]] == [(cert["keyId"], cert["key"])]
    live = lab.live(["applications"])["applications"]
    (new,) = [a for a in live.values() if a["displayName"] == BACKUP_APP]
    assert [(c["keyId"], c["key"]) for c in new["keyCredentials"]] == [(cert["keyId"], cert["key"])]
    converged(lab, capsys)


def test_a_certificate_removed_live_is_put_back_with_its_key_and_live_ones_kept(
        lab: Lab, wire: AsgiRecorder, capsys: pytest.CaptureFixture[str]) -> None:
    app_id = F.application_object_ids[BACKUP_APP]
    lab.backup()
    (cert,) = lab.state()["applications"][app_id]["keyCredentials"]
    other = {"customKeyIdentifier": "1D2C3B4A", "displayName": "CN=added-later", "endDateTime": "2027-01-01T00:00:00Z",
             "key": "TUlJQWRkZWRMYXRlcg==", "keyId": "6f1c2b3a-0000-4000-8000-00000000c0de",
             "startDateTime": "2026-01-01T00:00:00Z", "type": "AsymmetricX509Cert", "usage": "Verify"}
    run(lab.client.patch(f"applications/{app_id}", {"keyCredentials": [other]}))   # the backed-up one removed
    lab.mark()
    done = lab.cli(capsys, "apply", "--yes")
    assert done.code == 0, done.out + done.err
    (patched,) = bodies(wire, "PATCH", f"applications/{app_id}")
    assert all(c.get("key") for c in patched["keyCredentials"])  # never a credential without key material
    assert {c["keyId"] for c in patched["keyCredentials"]} == {cert["keyId"]}
    converged(lab, capsys)


# ---------------------------------------------------------------------------------------------- issue 11
def test_an_enum_value_a_file_introduces_is_refused_before_any_write(
        lab: Lab, capsys: pytest.CaptureFixture[str]) -> None:
    lab.backup()
    lab.commit_edit("conditionalAccessPolicies", POLICY, lambda p: p.update(state="enabledd"), "typo")
    lab.mark()
    for command in (("plan",), ("apply", "--yes")):
        done = lab.cli(capsys, *command)
        assert done.code == 2, done.out + done.err
        line = done.err.strip().splitlines()[-1]
        assert f"tenant-state/conditionalAccessPolicies/{POLICY}.yaml" in line and "property state" in line
        assert "'enabledd'" in line and "conditionalAccessPolicyState" in line
    assert writes(lab) == []


def test_unknown_future_value_stands_for_graphs_member_and_is_never_written(
        lab: Lab, capsys: pytest.CaptureFixture[str]) -> None:
    """A backup taken without Prefer: include-unknown-enum-members holds unknownFutureValue where Graph has
    riskRemediation: it plans nothing while Graph holds the real member, and is refused where it would be written."""
    async def remediate() -> None:
        policy = await lab.client.get(f"{POLICIES}/{POLICY}")
        grant = dict(policy["grantControls"], builtInControls=["mfa", "riskRemediation"], operator="AND")
        grant.pop("authenticationStrength", None)
        await lab.client.patch(f"{POLICIES}/{POLICY}", {"grantControls": grant})
    run(remediate())
    lab.backup()

    def as_masked(policy: dict[str, Any]) -> None:
        policy["grantControls"]["builtInControls"] = ["mfa", "unknownFutureValue"]
    lab.commit_edit("conditionalAccessPolicies", POLICY, as_masked, "as an older entragit wrote it")
    plan = lab.cli(capsys, "plan", "--format", "json")
    assert plan.code == 0 and json.loads(plan.out)["changes"] == [], plan.out + plan.err

    run(lab.client.delete(f"{POLICIES}/{POLICY}"))
    lab.mark()
    done = lab.cli(capsys, "apply", "--yes")
    assert done.code == 2 and writes(lab) == [], done.out + done.err
    assert "unknownFutureValue" in done.err and "grantControls.builtInControls" in done.err


def test_no_secret_material_reaches_a_backup(lab: Lab, capsys: pytest.CaptureFixture[str]) -> None:
    """A symmetric key a read returns, and a client secret's hint, are never committed (issue 11); a
    certificate's public key is."""
    app_id = F.application_object_ids[BACKUP_APP]
    symmetric = {"keyId": "0c0c0c0c-0000-4000-8000-000000005eed", "type": "Symmetric", "usage": "Verify",
                 "key": "c3ltbWV0cmljLXNlY3JldA==", "displayName": "legacy",
                 "startDateTime": "2026-01-01T00:00:00Z", "endDateTime": "2027-01-01T00:00:00Z"}

    async def add() -> None:
        app = await lab.client.get(f"applications/{app_id}", {"$select": "keyCredentials"})
        await lab.client.patch(f"applications/{app_id}", {"keyCredentials": [*app["keyCredentials"], symmetric]})
        await lab.client.post(f"applications/{app_id}/addPassword", {"passwordCredential": {"displayName": "ci"}})
    run(add())
    lab.backup()
    text = (lab.repo / "tenant-state" / "applications" / f"{app_id}.yaml").read_text(encoding="utf-8")
    app = lab.state()["applications"][app_id]
    assert symmetric["key"] not in text and "hint" not in text
    assert {c["type"]: bool(c.get("key")) for c in app["keyCredentials"]} == {"AsymmetricX509Cert": True,
                                                                              "Symmetric": False}
    assert app["passwordCredentials"] and all("hint" not in c for c in app["passwordCredentials"])
    # nothing differs: the live symmetric key is left as it is
    plan = lab.cli(capsys, "plan", "--format", "json")
    assert plan.code == 0 and json.loads(plan.out)["changes"] == [], plan.out


