"""`entragit recover`: the revert branch (scope by type, by id or appId, --include-new), its pull request files,
and the plain `git revert` alternative."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from entragit.emulator.seeds import DEMO_FACTS as F
from entragit.graph import run
from entragit.recover import CHECKSUM_TRAILER
from tests import gfm
from tests.apply.helpers import Lab

GSA = F.ca_policy_ids[F.gsa_policy]
USER = F.user_ids[F.cloud_user_upn]
APP = F.api_application
POLICIES = "identity/conditionalAccess/policies"


def changed_files(lab: Lab, branch: str) -> list[str]:
    return sorted(lab.git("diff", "--name-status", f"main..{branch}", "--", "tenant-state").splitlines())


def test_recover_by_type_by_app_id_and_include_new(lab: Lab, capsys: pytest.CaptureFixture[str]) -> None:
    first = lab.backup()
    app_id, app_obj = F.app_ids[APP], F.application_object_ids[APP]
    sp_obj = F.service_principal_ids[APP]

    async def change() -> str:
        await lab.client.patch(f"{POLICIES}/{GSA}", {"state": "disabled"})
        await lab.client.patch(f"users/{USER}", {"jobTitle": "Changed"})
        await lab.client.patch(f"applications/{app_obj}", {"notes": "changed"})
        await lab.client.patch(f"servicePrincipals/{sp_obj}", {"notes": "changed"})
        made = await lab.client.post("groups", {"displayName": "Shadow IT", "mailNickname": "shadowit",
                                                "mailEnabled": False, "securityEnabled": True})
        return made["id"]

    new_group = run(change())
    lab.backup()
    head = lab.git("rev-parse", "HEAD")

    by_type = lab.cli(capsys, "recover", "--from", first.tag, "--type", "users", "--no-plan", "--json")
    assert by_type.code == 0, by_type.err
    made = json.loads(by_type.out)
    assert made["branch"] == f"recover/{first.tag.removeprefix('backup/')}-users"
    assert changed_files(lab, made["branch"]) == [f"M\ttenant-state/users/{USER}.yaml"]
    assert lab.git("rev-parse", "HEAD") == head and lab.git("status", "--porcelain") == ""

    by_app_id = lab.cli(capsys, "recover", "--from", first.tag, "--id", app_id, "--no-plan", "--json")
    assert by_app_id.code == 0, by_app_id.err
    assert changed_files(lab, json.loads(by_app_id.out)["branch"]) == [
        f"M\ttenant-state/applications/{app_obj}.yaml", f"M\ttenant-state/servicePrincipals/{sp_obj}.yaml"]

    groups = lab.cli(capsys, "recover", "--from", first.tag, "--type", "groups", "--no-plan", "--json")
    assert groups.code == 2 and "nothing to recover" in groups.err and "--include-new" in groups.err
    with_new = lab.cli(capsys, "recover", "--from", first.tag, "--type", "groups", "--include-new",
                       "--branch", "recover/drop-shadow-it", "--json")
    assert with_new.code == 0, with_new.err
    made = json.loads(with_new.out)
    assert made["branch"] == "recover/drop-shadow-it"
    assert changed_files(lab, "recover/drop-shadow-it") == [f"D\ttenant-state/groups/{new_group}.yaml"]
    again = lab.cli(capsys, "recover", "--from", first.tag, "--type", "groups", "--include-new",
                    "--branch", "recover/drop-shadow-it")
    assert again.code == 2 and "exists already" in again.err

    # merged, the removal of the file deletes the group created since the backup (and nothing else)
    before, after = lab.merge("recover/drop-shadow-it")
    lab.mark()
    applied = lab.cli(capsys, "apply", "--scope-from", f"{before}..{after}", "--checksum", made["checksum"], "--yes")
    assert applied.code == 0, applied.out + applied.err
    assert [(w["method"], w["path"]) for w in lab.writes()] == [("DELETE", f"groups/{new_group}")]


def test_pull_request_files(lab: Lab, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    first = lab.backup()
    run(lab.client.patch(f"{POLICIES}/{GSA}", {"state": "disabled"}))
    lab.backup()
    title, body = tmp_path / "title.txt", tmp_path / "body.md"
    done = lab.cli(capsys, "recover", "--from", first.tag, "--type", "conditionalAccessPolicies",
                   "--title-file", str(title), "--body-file", str(body))
    assert done.code == 0, done.err
    text = body.read_text()
    assert title.read_text().strip() == f"entragit recover: types conditionalAccessPolicies back to {first.tag}"
    assert "## entragit diff" in text and "Allow GSA Traffic only" in text and "`disabled`" in text
    rows = [row for table in gfm.tables(text) for row in table]
    assert ["~", f"Allow GSA Traffic only\n{GSA}", "update (patch):\nstate: disabled → enabled"] in rows
    gfm.assert_inert(text)
    checksum = text.split(f"{CHECKSUM_TRAILER}: ")[1].split()[0]
    branch = f"recover/{first.tag.removeprefix('backup/')}-conditionalAccessPolicies"
    assert lab.git("log", "-1", f"--format=%(trailers:key={CHECKSUM_TRAILER},valueonly)", branch) == checksum
    before, after = lab.merge(branch)
    applied = lab.cli(capsys, "apply", "--scope-from", f"{before}..{after}", "--checksum", checksum, "--yes")
    assert applied.code == 0, applied.err


def test_a_plain_git_revert_works_as_well(lab: Lab, capsys: pytest.CaptureFixture[str]) -> None:
    lab.backup()
    run(lab.client.patch(f"{POLICIES}/{GSA}", {"state": "disabled"}))
    run(lab.client.patch(f"users/{USER}", {"jobTitle": "Changed"}))
    second = lab.backup()
    before = lab.git("rev-parse", "HEAD")
    lab.git("revert", "--no-edit", second.commit)
    after = lab.git("rev-parse", "HEAD")
    applied = lab.cli(capsys, "apply", "--scope-from", f"{before}..{after}", "--yes")
    assert applied.code == 0, applied.out + applied.err
    live = lab.live(["conditionalAccessPolicies", "users"])
    assert live["conditionalAccessPolicies"][GSA]["state"] == "enabled"
    assert live["users"][USER]["jobTitle"] == lab.state()["users"][USER]["jobTitle"]


def test_recover_bad_input(lab: Lab, capsys: pytest.CaptureFixture[str]) -> None:
    first = lab.backup()
    assert lab.cli(capsys, "recover", "--from", "backup/nope", "--no-plan").code == 2
    assert lab.cli(capsys, "recover", "--from", first.tag, "--type", "printers", "--no-plan").code == 2
    unknown = lab.cli(capsys, "recover", "--from", first.tag, "--id", "0badc0de", "--no-plan")
    assert unknown.code == 2 and "0badc0de" in unknown.err
    singleton = lab.cli(capsys, "recover", "--from", first.tag, "--id", "authorizationPolicy", "--no-plan")
    assert singleton.code == 2 and "singleton" in singleton.err and "--type authorizationPolicy" in singleton.err
    same = lab.cli(capsys, "recover", "--from", first.tag, "--no-plan")
    assert same.code == 2 and "nothing to recover" in same.err
