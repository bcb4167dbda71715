"""The planner's fidelity rules on hand-made trees (entragit.plan.fidelity): key material kept by keyId and never
sent without a key, custom security attributes removed explicitly, withheld nulls never written, enum values
checked against Graph's v1.0 model. The CLI tests are in tests/apply/test_fidelity.py."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from entragit.errors import ValidationError
from entragit.plan import Kind
from tests.plan.helpers import application, ca_policy, gid, tree, user
from tests.plan.test_planner import only, plan

CERT = {"customKeyIdentifier": "9A3E55C7", "displayName": "CN=app", "endDateTime": "2027-01-01T00:00:00Z",
        "key": "TUlJQ2VydA==", "keyId": "k-cert", "startDateTime": "2026-01-01T00:00:00Z",
        "type": "AsymmetricX509Cert", "usage": "Verify"}
SYMMETRIC = {"customKeyIdentifier": None, "displayName": "legacy", "endDateTime": "2027-01-01T00:00:00Z",
             "keyId": "k-sym", "startDateTime": "2026-01-01T00:00:00Z", "type": "Symmetric", "usage": "Verify"}


def app(*credentials: dict[str, Any]) -> dict[str, Any]:
    return application(1, gid(10), keyCredentials=[copy.deepcopy(c) for c in credentials])


def test_a_certificate_without_its_key_takes_the_one_graph_holds() -> None:
    """A backup written before keys were read holds key: null; the live certificate (same keyId) keeps its key."""
    keyless = dict(CERT, key=None)
    p = plan(tree(("applications", app(keyless))), tree(("applications", app(CERT))))
    assert p.changes == [] and p.warnings == []


def test_a_credential_graph_never_returns_is_reported_and_never_sent() -> None:
    """A deleted application's symmetric key is not in the backup: the recreate leaves it out and says so, with
    its thumbprint and dates; the certificate goes back with its key."""
    desired = tree(("applications", app(CERT, SYMMETRIC)))
    p = plan(desired, {}, recreate=frozenset({gid(1)}))
    (created,) = only(p, Kind.RECREATE)
    assert created.body["keyCredentials"] == [CERT]
    (warning,) = [w for w in p.warnings if w.path == "keyCredentials"]
    assert "not recoverable" in warning.message and "Symmetric" in warning.message
    assert "keyId k-sym" in warning.message and "2027-01-01" in warning.message


def test_a_list_holding_a_live_keyless_credential_is_not_written() -> None:
    """Graph replaces the whole list: with a live symmetric key (never stored) in it, putting a removed certificate
    back would send a credential without key material (refused): the property is left as it is, with the reason."""
    desired = tree(("applications", app(CERT, SYMMETRIC)))
    live = tree(("applications", app(SYMMETRIC)))
    p = plan(desired, live)
    assert not [c for c in p.changes if c.kind is Kind.UPDATE]
    (warning,) = [w for w in p.warnings if w.path == "keyCredentials"]
    assert "not written" in warning.message and "k-sym" in warning.message


CSA = {"Engineering": {"@odata.type": "#Microsoft.DirectoryServices.CustomSecurityAttributeValue",
                       "Project@odata.type": "#Collection(String)", "Project": ["Baker"], "Level": "3"}}


def test_custom_security_attributes_the_file_lacks_are_removed_explicitly() -> None:
    live_csa = copy.deepcopy(CSA)
    live_csa["Engineering"]["Extra@odata.type"] = "#Collection(String)"
    live_csa["Engineering"]["Extra"] = ["x"]
    live_csa["Marketing"] = {"@odata.type": CSA["Engineering"]["@odata.type"], "Region": "EU"}
    p = plan(tree(("users", user(1, customSecurityAttributes=CSA))),
             tree(("users", user(1, customSecurityAttributes=live_csa))))
    (update,) = only(p, Kind.UPDATE)
    sent = update.body["customSecurityAttributes"]
    assert sent["Engineering"]["Extra"] == [] and sent["Marketing"] == {
        "@odata.type": CSA["Engineering"]["@odata.type"], "Region": None}
    assert sent["Engineering"]["Project@odata.type"] == "#Collection(String)"  # annotations written back


def test_withheld_nulls_are_never_written() -> None:
    """Graph answers null without the read permission: a backup's null is not "none"."""
    live = tree(("users", user(1, customSecurityAttributes=CSA, employeeLeaveDateTime="2031-06-30T00:00:00Z")))
    desired = tree(("users", user(1, customSecurityAttributes=None, employeeLeaveDateTime=None)))
    assert plan(desired, live).changes == []


@pytest.mark.parametrize(("change", "prop"), [
    (lambda p: p.update(state="enabledd"), "state"),
    (lambda p: p["grantControls"]["builtInControls"].append("mfaa"), "grantControls.builtInControls"),
    (lambda p: p["grantControls"]["builtInControls"].append("unknownFutureValue"), "grantControls.builtInControls"),
])
def test_enum_values_a_file_introduces_are_refused(change: Any, prop: str) -> None:
    live = tree(("conditionalAccessPolicies", ca_policy(4)))
    desired = copy.deepcopy(live)
    change(desired["conditionalAccessPolicies"][gid(4)])
    with pytest.raises(ValidationError) as err:
        plan(desired, live)
    assert err.value.prop == prop and err.value.obj == gid(4)
    assert err.value.file == f"tenant-state/conditionalAccessPolicies/{gid(4)}.yaml"


def test_enum_values_graph_holds_are_never_refused() -> None:
    """A member Graph gained after the installed model was generated is what Graph holds: planned around."""
    policy = ca_policy(4, controls=["mfa", "passwordChangeV2"])
    p = plan(tree(("conditionalAccessPolicies", dict(policy, displayName="Renamed"))),
             tree(("conditionalAccessPolicies", policy)))
    assert [c.kind for c in p.changes] == [Kind.UPDATE]
