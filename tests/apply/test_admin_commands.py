"""The commands an administrator reaches for, through the CLI: `entragit show` and `entragit log` (one object
across backups, by name or id), `entragit acknowledge` (a merged change never meant to be applied), `entragit
backups` with sizes, the drift exit code of `diff` and `plan` (--exit-code), shell completion."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
import yaml

from entragit.emulator.seeds import DEMO_FACTS as F
from entragit.graph import run
from tests.apply.helpers import Lab

GSA = F.ca_policy_ids[F.gsa_policy]
SALES = F.group_ids["Sales Team"]
POLICIES = "identity/conditionalAccess/policies"


def _three_backups(lab: Lab) -> list[str]:
    tags = [lab.backup().tag]
    run(lab.client.patch(f"{POLICIES}/{GSA}", {"state": "disabled"}))
    run(lab.client.delete(f"groups/{SALES}"))
    tags.append(lab.backup().tag)
    run(lab.client.post(f"directory/deletedItems/{SALES}/restore", {}))
    tags.append(lab.backup().tag)
    return tags


def test_show_and_log_find_an_object_by_name_or_id(lab: Lab, capsys: pytest.CaptureFixture[str]) -> None:
    tags = _three_backups(lab)
    # by name (any case), in the backup where the group was deleted: log still finds it
    logged = lab.cli(capsys, "log", "sales team")
    assert logged.code == 0, logged.err
    assert logged.out.splitlines()[0] == f"groups/{SALES} 'Sales Team'"
    assert [line.split("  ")[-1] for line in logged.out.splitlines()[1:]] == ["present", "deleted",
                                                                             "back (same id)"]
    data = json.loads(lab.cli(capsys, "log", GSA, "--json").out)
    assert [(b["tag"], b["status"], b["properties"]) for b in data["backups"]] == [
        (tags[0], "present", []), (tags[1], "modified", ["state"]), (tags[2], "unchanged", [])]
    # show: the file as a backup recorded it, by id or name
    shown = lab.cli(capsys, "show", GSA, "--at", tags[1])
    assert shown.code == 0 and yaml.safe_load(shown.out)["state"] == "disabled"
    assert f"at {tags[1]}" in shown.err
    assert yaml.safe_load(lab.cli(capsys, "show", F.gsa_policy).out)["state"] == "disabled"  # the newest
    assert yaml.safe_load(lab.cli(capsys, "show", F.gsa_policy, "--at", tags[0]).out)["state"] == "enabled"
    gone = lab.cli(capsys, "show", SALES, "--at", tags[1])
    assert gone.code == 2 and f"groups/{SALES} is not in tenant-state/ at {tags[1]}" in gone.err
    for query in ("No Such Object", "00000000-0000-0000-0000-000000000000"):
        missing = lab.cli(capsys, "log", query)
        assert missing.code == 2 and "no object with this id, appId or display name" in missing.err


def test_a_name_two_objects_share_is_refused_with_their_ids(lab: Lab, capsys: pytest.CaptureFixture[str]) -> None:
    made = run(lab.client.post("groups", {"displayName": "Sales Team", "mailNickname": "sales2",
                                          "mailEnabled": False, "securityEnabled": True}))
    lab.backup()
    done = lab.cli(capsys, "show", "Sales Team")
    assert done.code == 2 and "names 2 objects" in done.err and SALES in done.err and made["id"] in done.err


def test_acknowledge_dismisses_a_merged_change_for_good(lab: Lab, capsys: pytest.CaptureFixture[str]) -> None:
    lab.backup()
    _, edit = lab.commit_edit("groups", SALES, lambda o: o.update(description="never meant for the tenant"),
                              "Document the sales team")
    listed = lab.cli(capsys, "backup")
    assert listed.code == 0 and edit[:12] in listed.err        # "never applied"
    wrong = lab.cli(capsys, "acknowledge", "HEAD", "--reason", "x")   # the backup commit: nothing to apply
    assert wrong.code == 2 and "not a merged change waiting to be applied" in wrong.err
    done = lab.cli(capsys, "acknowledge", edit, "--reason", "documentation only")
    assert done.code == 0 and f"acknowledged {edit[:12]} Document the sales team" in done.out
    again = lab.cli(capsys, "backup")
    assert again.code == 0 and edit[:12] not in again.err + again.out
    note = lab.git("notes", "--ref", "entragit", "show", edit)
    assert json.loads(note.splitlines()[-1])["status"] == "acknowledged"


def test_the_drift_exit_code_for_scripts(lab: Lab, capsys: pytest.CaptureFixture[str]) -> None:
    first = lab.backup()
    assert lab.cli(capsys, "diff", "--from", first.tag, "--exit-code").code == 0
    assert lab.cli(capsys, "plan", "--exit-code").code == 0
    run(lab.client.patch(f"{POLICIES}/{GSA}", {"state": "disabled"}))
    drift = lab.cli(capsys, "diff", "--from", first.tag, "--exit-code")
    assert drift.code == 8 and "differences found: 1 object differs" in drift.err
    planned = lab.cli(capsys, "plan", "--exit-code")
    assert planned.code == 8 and "the tenant differs from tenant-state/: Plan: 1 change (1 update)." in planned.err
    assert lab.cli(capsys, "diff", "--from", first.tag).code == 0       # without the flag: 0


def test_shell_completion_offers_commands_and_types() -> None:
    def complete(words: str, cword: int) -> list[str]:
        env = {**os.environ, "COMP_WORDS": words, "COMP_CWORD": str(cword), "_ENTRAGIT_COMPLETE": "bash_complete"}
        done = subprocess.run([sys.executable, "-m", "entragit"], env=env, capture_output=True, text=True, timeout=60)
        return [line.split(",", 1)[1] for line in done.stdout.splitlines()]

    assert {"recover", "acknowledge"} <= set(complete("entragit re", 1) + complete("entragit ac", 1))
    assert complete("entragit diff --type cond", 3) == ["conditionalAccessPolicies"]
