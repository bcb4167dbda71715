"""Any merged change to tenant-state/ goes through the recovery path: an edit of existing objects in a pull request
(configuration as code) is planned and applied like a recovery, each property through its declared channel, only
the objects of the merged range, the repository untouched; a failed apply stays reported until it is re-run."""

from __future__ import annotations

import copy
import uuid
from pathlib import Path
from typing import Any

import pytest

from entragit import resources
from entragit.backups import read_apply_outcome, unapplied_changes
from entragit.emulator.seeds import DEMO_FACTS as F
from entragit.graph import run
from entragit.state import dump_yaml, load_yaml
from tests.apply.helpers import Lab

USER = F.user_ids[F.cloud_user_upn]
OTHER = F.user_ids[F.break_glass_upn]
GROUP = F.group_ids["Finance"]
STRENGTH = F.strength_ids[F.custom_strengths[0]]
STRENGTHS = "authenticationStrengthPolicies"


def pull_request(lab: Lab, branch: str, edits: dict[tuple[str, str], Any]) -> tuple[str, str]:
    """A pull request: on ``branch``, each ``(type, id)`` file edited by ``edits[...](obj)`` (or written from a
    dict), committed, merged into main with a merge commit. Returns ``(before, after)`` of the merge."""
    lab.git("checkout", "-q", "-b", branch)
    for (type_key, obj_id), edit in edits.items():
        path = lab.repo / "tenant-state" / type_key / f"{obj_id}.yaml"
        if callable(edit):
            obj = load_yaml(path)
            edit(obj)
        else:
            obj = edit
        path.write_text(dump_yaml(resources.get(type_key), obj), encoding="utf-8")
    lab.git("add", "-A", "tenant-state")
    lab.git("commit", "-q", "-m", f"change {branch}")
    lab.git("checkout", "-q", "main")
    before = lab.git("rev-parse", "HEAD")
    lab.git("merge", "-q", "--no-ff", "-m", f"Merge pull request from {branch}", branch)
    return before, lab.git("rev-parse", "HEAD")


def test_an_edit_in_a_pull_request_is_applied_like_a_recovery(lab: Lab, capsys: pytest.CaptureFixture[str]) -> None:
    lab.backup()
    strengths = resources.get(STRENGTHS)
    backed_up = load_yaml(lab.repo / "tenant-state" / STRENGTHS / f"{STRENGTH}.yaml")["allowedCombinations"]
    combos = [c for c in backed_up if c != "x509CertificateMultiFactor"]
    assert combos != backed_up

    def strength(obj: dict[str, Any]) -> None:
        obj.update(displayName="Phishing-resistant (reviewed)", allowedCombinations=combos)

    before, after = pull_request(lab, "change/config", {
        ("users", USER): lambda u: u.update(jobTitle="Head of Sales"),
        ("groups", GROUP): lambda g: g.update(description="Finance and controlling."),
        (STRENGTHS, STRENGTH): strength,
    })
    run(lab.client.patch(f"users/{OTHER}", {"officeLocation": "changed live, outside the pull request"}))
    head, status = lab.git("rev-parse", "HEAD"), lab.git("status", "--porcelain")

    # the group's PATCH fails (503 every time): the rest is applied, the failure reported and recorded
    lab.control("faults", {"errorEvery": 1, "retryAfter": 0, "methods": ["PATCH"], "paths": "^groups/"})
    lab.mark()
    first = lab.cli(capsys, "apply", "--scope-from", f"{before}..{after}", "--yes")
    assert first.code == 4, first.out + first.err
    assert any(line.startswith("failed") and f"groups/{GROUP}" in line and "503" in line
               for line in first.out.splitlines()), first.out
    writes = {(w["method"], w["path"]) for w in lab.writes() if w["status"] < 400}
    assert writes == {("PATCH", f"users/{USER}"), ("PATCH", strengths.item_path(STRENGTH)),
                      ("POST", f"{strengths.item_path(STRENGTH)}/updateAllowedCombinations")}
    [unapplied] = unapplied_changes(lab.repo)
    assert unapplied.commit == after and unapplied.reason.startswith("apply failed")
    lab.control("faults", {"errorEvery": 0, "reset": True})

    # re-run: only what failed is left to do
    lab.mark()
    second = lab.cli(capsys, "apply", "--scope-from", f"{before}..{after}", "--yes")
    assert second.code == 0, second.out + second.err
    assert [(w["method"], w["path"]) for w in lab.writes()] == [("PATCH", f"groups/{GROUP}")]
    assert read_apply_outcome(lab.repo, after)["status"] == "applied"  # type: ignore[index]
    assert unapplied_changes(lab.repo) == []

    live = lab.live(["users", "groups", STRENGTHS])
    assert live["users"][USER]["jobTitle"] == "Head of Sales"
    assert live["groups"][GROUP]["description"] == "Finance and controlling."
    assert live[STRENGTHS][STRENGTH]["displayName"] == "Phishing-resistant (reviewed)"
    assert live[STRENGTHS][STRENGTH]["allowedCombinations"] == combos
    # outside the merged range: untouched; the repository: never edited by the applier
    assert live["users"][OTHER]["officeLocation"] == "changed live, outside the pull request"
    assert (lab.git("rev-parse", "HEAD"), lab.git("status", "--porcelain")) == (head, status)
    # the next backup records only what the pull request did not say
    backup = lab.backup()
    assert backup.unapplied == [] and set(backup.committed_changes) == {"users"}


def new_user(lab: Lab, obj_id: str, alias: str) -> dict[str, Any]:
    """A user file for a new hire, shaped like the backed-up ones (a copy of a cloud user with a new identity)."""
    obj = copy.deepcopy(lab.state()["users"][USER])
    upn = f"{alias}@{F.domain}"
    obj.update(id=obj_id, userPrincipalName=upn, mail=upn, mailNickname=alias, displayName=alias.title(),
               givenName=alias.title(), surname="New")
    return obj


def test_a_new_user_in_a_pull_request_is_created_only_with_recreate(lab: Lab, capsys: pytest.CaptureFixture[str],
                                                                    tmp_path: Path) -> None:
    """A user file added in the merged range is a new identity (new id, a generated password): skipped with the
    exact option until the operator names it, then created with its password in the named file only."""
    lab.backup()
    new_id = str(uuid.uuid4())
    before, after = pull_request(lab, "hire/new", {("users", new_id): new_user(lab, new_id, "newhire")})
    lab.mark()
    plain = lab.cli(capsys, "apply", "--scope-from", f"{before}..{after}", "--yes")
    assert plain.code == 0, plain.out + plain.err
    [skip] = [line for line in plain.out.splitlines() if line.startswith("skipped")]
    assert f"users/{new_id}" in skip and f"pass --recreate {new_id} to create it" in skip
    assert lab.writes() == []
    assert f"1 new identity not created until named (--recreate {new_id})" in plain.out
    planned = lab.cli(capsys, "plan", "--scope-from", f"{before}..{after}")
    assert planned.code == 0 and f"pass --recreate {new_id} to create it" in planned.out
    # the merged change is not all in the tenant: recorded as partial, so the next backup keeps listing it
    [waiting] = unapplied_changes(lab.repo)
    assert waiting.commit == after and waiting.reason == (
        f"apply partial: 1 new identity not created: users/{new_id} (--recreate {new_id})")

    secrets = tmp_path / "secrets"
    secrets.mkdir()
    asked = lab.cli(capsys, "apply", "--scope-from", f"{before}..{after}", "--yes", "--recreate", new_id,
                    "--password-file", str(secrets / "pw.tsv"))
    assert asked.code == 0, asked.out + asked.err
    [made] = run(lab.client.list_all("users", {"$filter": f"userPrincipalName eq 'newhire@{F.domain}'"}))
    assert made["id"] != new_id and (secrets / "pw.tsv").read_text().splitlines()[-1].startswith(f"users/{made['id']}\t")
    outcome = read_apply_outcome(lab.repo, after)
    assert outcome is not None and outcome["status"] == "applied"
    assert outcome["newIds"] == {f"users/{new_id}": {"id": made["id"]}}
    assert unapplied_changes(lab.repo) == []
    lab.mark()
    again = lab.cli(capsys, "apply", "--scope-from", f"{before}..{after}", "--yes", "--recreate", new_id,
                    "--password-file", str(secrets / "pw.tsv"))
    assert again.code == 0 and lab.writes() == []


def test_a_user_file_re_added_by_recover_needs_recreate_as_well(lab: Lab, capsys: pytest.CaptureFixture[str],
                                                                tmp_path: Path) -> None:
    """`entragit recover` re-adds the file of a user deleted for good: in the merged range it is an added file,
    still a new identity."""
    first = lab.backup()

    lab.purge(USER)
    lab.backup()
    made = lab.cli(capsys, "recover", "--from", first.tag, "--id", USER, "--no-plan", "--json")
    assert made.code == 0, made.err
    import json

    before, after = lab.merge(json.loads(made.out)["branch"])
    assert lab.git("diff", "--name-status", f"{before}..{after}") == f"A\ttenant-state/users/{USER}.yaml"
    lab.mark()
    plain = lab.cli(capsys, "apply", "--scope-from", f"{before}..{after}", "--yes")
    assert plain.code == 0 and lab.writes() == []
    assert any(line.startswith("skipped") and f"pass --recreate {USER} to create it" in line
               for line in plain.out.splitlines()), plain.out
    asked = lab.cli(capsys, "apply", "--scope-from", f"{before}..{after}", "--yes", "--recreate", USER,
                    "--password-file", str(tmp_path / "pw.tsv"))
    assert asked.code == 0, asked.out + asked.err
    assert len(run(lab.client.list_all("users", {"$filter": f"userPrincipalName eq '{F.cloud_user_upn}'"}))) == 1
