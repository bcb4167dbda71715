"""`apply --dry-run` predicts exactly what `apply` does (issue 12.4): on the same plans, every change the real
apply writes is "dry-run" in the prediction (never "skipped (dependency failed)" because a create it depends on
was not run), every skip is the same skip, and the counts add up to the planned changes and match."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from entragit.emulator.seeds import DEMO_FACTS as F
from tests.apply.helpers import Lab
from tests.apply.test_faults import damage as links_and_creates
from tests.apply.test_large_recovery import RECREATED_APPS, wipe


def predicted_then_applied(lab: Lab, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[Any, Any]:
    dry = lab.cli(capsys, "apply", "--dry-run", "--format", "json", *args)
    assert dry.code == 0, dry.err
    lab.mark()
    real = lab.cli(capsys, "apply", "--yes", "--format", "json", *args)
    assert real.code == 0, real.out[-2000:] + real.err
    return json.loads(dry.out), json.loads(real.out)


def assert_predicted(dry: Any, real: Any) -> None:
    assert dry["checksum"] == real["checksum"]                     # the same plan
    planned = [c for c in real["changes"] if not c.get("followUp")]
    predicted = {c["key"]: c for c in dry["changes"]}
    assert [c["key"] for c in dry["changes"]] == [c["key"] for c in planned]
    for change in planned:
        guess = predicted[change["key"]]
        if change["status"] == "ok":
            assert guess["status"] == "dry-run", (change, guess)
        else:
            assert (guess["status"], guess["message"]) == (change["status"], change["message"]), (change, guess)
    assert dry["counts"]["dry-run"] == real["counts"]["ok"]
    assert dry["counts"]["skipped"] == real["counts"]["skipped"] and dry["counts"]["failed"] == 0
    assert sum(dry["counts"].values()) == sum(real["counts"].values()) == len(planned)


Scenario = Callable[[Lab], Any]


@pytest.mark.parametrize("incident", [links_and_creates, wipe], ids=["creates-and-links", "sixty-objects"])
def test_a_dry_run_predicts_the_apply(lab: Lab, capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                      incident: Scenario) -> None:
    lab.backup()
    incident(lab)
    recreate = [a for app in RECREATED_APPS for a in ("--recreate", F.app_ids[app])]
    dry, real = predicted_then_applied(lab, capsys, "--force", "recovery", *recreate,
                                       "--password-file", str(tmp_path / "pw.tsv"))
    # the case of the report: a policy update that uses a recreated named location's new id is predicted, not
    # "skipped (dependency failed)" because the dry run made no location
    assert not [c for c in dry["changes"] if c["message"].startswith("dependency failed")]
    assert any(c["type"] == "conditionalAccessPolicies" and c["kind"] == "update" and c["status"] == "dry-run"
               for c in dry["changes"])
    assert_predicted(dry, real)
