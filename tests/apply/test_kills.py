"""`entragit apply` killed at every write boundary of a create-heavy recovery (issue 10.7, issue 11's interrupted
applies), against a served emulator with replication lag: a re-run from a fresh clone never duplicates an object
and leaves an empty plan; before it, the next plan lists every object the interrupted run made.

The scenario (:mod:`tests.apply.kills`): three groups and a user purged, a named location deleted; the apply
recreates them (an upsert by uniqueName, a POST Graph refuses to repeat, a POST under a marked name) with their
links and every reference to them: 27 writes, one at a time. The emulator holds write N before Graph executes it
or after (executed, the answer never read), the test sends SIGKILL or SIGTERM to the apply there.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.apply.kills import APPLY, KillLab, plan_json, served

WRITES = 27  # the scenario's apply, one write at a time (test_the_scenario_writes_one_at_a_time checks it)
ONE_EACH = {"groups": {"HR Portal Users": 1, "Human Resources": 1, "Automation Service Accounts": 1},
            "users": 1, "namedLocations": 1}


@pytest.fixture(scope="module")
def kill_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KillLab]:
    with served("--replication-lag", "2") as url:
        lab = KillLab(url, tmp_path_factory.mktemp("kills"))
        lab.make_origin()
        yield lab


def assert_one_each(lab: KillLab) -> None:
    census = lab.census()
    assert dict(census["groups"]) == ONE_EACH["groups"], census
    assert sum(census["users"].values()) == 1 and sum(census["namedLocations"].values()) == 1, census


def test_the_scenario_writes_one_at_a_time(kill_lab: KillLab, tmp_path: Path) -> None:
    lab = kill_lab
    lab.damage()
    remote, clone = lab.fresh("whole")
    lab.control("counters/reset", {})
    code, out, err = lab.cli(clone, *APPLY, "--password-file", str(tmp_path / "pw.tsv"))
    assert code == 0, out + err
    writes = lab.writes()
    assert len(writes) == WRITES and all(status < 300 for _, _, status in writes), writes
    kinds = [(method, path.split("(")[0].split("/")[0]) for method, path, _ in writes[:5]]
    assert kinds == [("POST", "identity"), ("POST", "users"), ("PATCH", "groups"), ("PATCH", "groups"),
                     ("PATCH", "groups")]  # the creates first: marked name, unique UPN, upserts by uniqueName
    assert writes[-1][0] == "PATCH" and "namedLocations" in writes[-1][1]  # the real name, last
    assert_one_each(lab)
    assert plan_json(lab, lab.clone(remote, "whole-check"))["changes"] == []


@pytest.mark.parametrize("write", range(1, WRITES + 1))
def test_killed_at_a_write_boundary_a_fresh_clone_converges(kill_lab: KillLab, write: int, tmp_path: Path) -> None:
    lab = kill_lab
    # SIGKILL while Graph has executed the write and its answer is on the way (never read); SIGTERM while the
    # write waits before Graph (the apply unwinds and records what it made)
    for when, sig in (("after", signal.SIGKILL), ("before", signal.SIGTERM)):
        lab.damage()
        name = f"w{write}-{when}"
        remote, first = lab.fresh(name)
        password_file = tmp_path / f"{name}.tsv"
        assert lab.kill_at(first, write, when, sig, password_file) == "killed", (write, when)
        made = lab.made()
        # the next plan lists every object the killed run made: from a fresh clone (after SIGKILL: nothing was
        # recorded), and on the killed run's own clone (after SIGTERM: what it recorded before it ended)
        look = lab.clone(remote, f"{name}-look") if sig is signal.SIGKILL else first
        listed = {w["value"] for w in plan_json(lab, look)["warnings"] if "created by an earlier apply" in w["message"]}
        assert {i for ids in made.values() for i in ids} <= listed, (write, when, made, listed)
        # a re-run from a fresh clone (as CI's next runner): no duplicate, and then nothing left to do
        rerun = lab.clone(remote, f"{name}-rerun")
        code, out, err = lab.inproc(rerun, *APPLY, "--password-file", str(password_file))
        assert code == 0, (write, when, out, err)
        assert_one_each(lab)
        assert "residual drift: none" in out, out[-500:]             # the plan after it, on the same clone
        if sig is signal.SIGKILL:                                      # and on another fresh one (pushed notes)
            assert plan_json(lab, lab.clone(remote, f"{name}-check"))["changes"] == [], (write, when)
