"""The incident path through the CLI: recover right after the damage (the live tenant recorded first, through the
backup's path, lock and push), a refused plan shown with its refusal on top (recover's pull request, `entragit
plan`), outputs checked before any side effect."""

from __future__ import annotations

from pathlib import Path

import pytest

from entragit.emulator.seeds import DEMO_FACTS as F
from entragit.graph import run
from tests import gfm
from tests.apply.helpers import Lab, git

GSA = F.ca_policy_ids[F.gsa_policy]
SALES = F.group_ids["Sales Team"]
POLICIES = "identity/conditionalAccess/policies"


def _damage_after_the_backup(lab: Lab) -> None:
    run(lab.client.patch(f"{POLICIES}/{GSA}", {"state": "disabled"}))
    run(lab.client.delete(f"groups/{SALES}"))


def test_recover_right_after_the_damage_records_the_live_tenant_first(lab: Lab, capsys: pytest.CaptureFixture[str],
                                                                       tmp_path: Path) -> None:
    first = lab.backup()
    _damage_after_the_backup(lab)            # newer than the last backup: the usual incident
    tags = lab.git("tag", "--list", "backup/*").split()
    done = lab.cli(capsys, "recover", "--from", first.tag, "--pr-dir", str(tmp_path / "pr"))
    assert done.code == 0, done.err
    [recorded] = sorted(set(lab.git("tag", "--list", "backup/*").split()) - set(tags))
    assert f"recorded the live tenant first: {recorded}" in done.err
    message = lab.git("log", "-1", "--format=%B", recorded)
    assert f"entragit recover: the live tenant before recovering to {first.tag}" in message
    # the branch starts from the record, so its diff is exactly the damage being undone
    branch = (tmp_path / "pr" / "branch").read_text().strip()
    assert lab.git("rev-parse", f"{branch}^") == lab.git("rev-parse", f"{recorded}^{{commit}}")
    assert sorted(lab.git("diff", "--name-status", f"{recorded}..{branch}").splitlines()) == [
        f"A\ttenant-state/groups/{SALES}.yaml", f"M\ttenant-state/conditionalAccessPolicies/{GSA}.yaml"]
    body = (tmp_path / "pr" / "body.md").read_text()
    gfm.assert_inert(body)
    rows = [row for table in gfm.tables(body) for row in table]
    assert ["↺", f"Sales Team\n{SALES}", "restore from deleted items (same id)"] in rows
    # merged and applied with the reviewed checksum, the tenant is back
    before, after = lab.merge(branch)
    checksum = (tmp_path / "pr" / "checksum").read_text().strip()
    applied = lab.cli(capsys, "apply", "--scope-from", f"{before}..{after}", "--checksum", checksum, "--yes")
    assert applied.code == 0, applied.err
    assert lab.live(["groups"])["groups"][SALES]["displayName"] == "Sales Team"


def test_the_record_is_pushed_under_the_remote_lock_like_a_nightly(lab: Lab, bare_origin: Path,
                                                                   capsys: pytest.CaptureFixture[str],
                                                                   tmp_path: Path) -> None:
    first = lab.backup()
    lab.git("push", "-q", "origin", "main", first.tag)
    _damage_after_the_backup(lab)
    done = lab.cli(capsys, "recover", "--from", first.tag, "--push", "--pr-dir", str(tmp_path / "pr"))
    assert done.code == 0, done.err
    recorded = [t for t in lab.git("tag", "--list", "backup/*").split() if t != first.tag]
    assert recorded and git(bare_origin, "tag", "--list", recorded[0]) == recorded[0]
    assert git(bare_origin, "rev-parse", "main") == lab.git("rev-parse", f"{recorded[0]}^{{commit}}")
    assert git(bare_origin, "for-each-ref", "refs/entragit/lock") == ""      # the lock was released


def test_without_a_record_nothing_newer_than_the_backup_is_seen(lab: Lab, capsys: pytest.CaptureFixture[str]) -> None:
    first = lab.backup()
    _damage_after_the_backup(lab)
    done = lab.cli(capsys, "recover", "--from", first.tag, "--no-record")
    assert done.code == 2 and "nothing to recover" in done.err


def test_a_refused_plan_is_shown_with_its_refusal_and_the_cli_says_so(lab: Lab, capsys: pytest.CaptureFixture[str],
                                                                      tmp_path: Path) -> None:
    first = lab.backup()
    for name in F.ca_policies[:5]:           # an attacker switched off 5 of 9 policies
        run(lab.client.patch(f"{POLICIES}/{F.ca_policy_ids[name]}", {"state": "disabled"}))
    for n in range(5):                       # and added 5 of their own: undoing that deletes 5 of 14
        run(lab.client.post(POLICIES, {
            "displayName": f"Attacker {n}", "state": "enabledForReportingButNotEnforced",
            "conditions": {"users": {"includeUsers": ["None"]}, "applications": {"includeApplications": ["None"]}},
            "grantControls": {"operator": "OR", "builtInControls": ["block"]}}))
    done = lab.cli(capsys, "recover", "--from", first.tag, "--include-new", "--pr-dir", str(tmp_path / "pr"))
    assert done.code == 0, done.err
    assert "the safety rails refuse this plan" in done.err and "recovery-force" in done.err
    body = (tmp_path / "pr" / "body.md").read_text()
    gfm.assert_inert(body)
    tokens = gfm.parse(body)
    assert tokens[0].type == "blockquote_open"                              # the refusal, on top
    quote = tokens[:[t.type for t in tokens].index("blockquote_close")]
    said = " ".join(c.content for t in quote if t.type == "inline" for c in t.children or [])
    assert "The safety rails refuse this plan." in said and "Entragit-Force-Reason: <why>" in said
    # deletions always count; the 5 policies set back to the verified backup do not (the revert exemption)
    assert "conditionalAccessPolicies: 5 of 14 objects" in said
    assert f"5 more set back to their values in the verified backup {first.tag} are not counted" in said
    rows = [row for table in gfm.tables(body) for row in table]
    assert sum(1 for r in rows if r[2] == "update (patch):\nstate: disabled → enabled") == 5   # the plan, whole
    assert sum(1 for r in rows if r[0] == "-") == 5

    before, after = lab.merge((tmp_path / "pr" / "branch").read_text().strip())
    out = tmp_path / "plan.md"
    planned = lab.cli(capsys, "plan", "--scope-from", f"{before}..{after}", "--format", "markdown",
                      "--output", str(out))
    assert planned.code == 3 and "the safety rails refuse this plan (written to" in planned.err
    text = out.read_text()
    assert gfm.parse(text)[0].type == "heading_open" and gfm.parse(text)[3].type == "blockquote_open"
    assert sum(1 for t in gfm.tables(text) for r in t if r[0] == "~") == 5
    lab.mark()
    refused = lab.cli(capsys, "apply", "--scope-from", f"{before}..{after}", "--yes")
    assert refused.code == 3 and lab.writes() == []


def test_outputs_into_a_missing_folder_are_refused_before_any_side_effect(lab: Lab, tmp_path: Path,
                                                                          capsys: pytest.CaptureFixture[str]) -> None:
    first = lab.backup()
    _damage_after_the_backup(lab)
    tags, branches = lab.git("tag", "--list"), lab.git("branch", "--list")
    for option in ("--title-file", "--body-file"):
        done = lab.cli(capsys, "recover", "--from", first.tag, option, str(tmp_path / "missing" / "x.md"))
        assert done.code == 2 and f"{option} " in done.err and "does not exist" in done.err
    done = lab.cli(capsys, "plan", "--output", str(tmp_path / "missing" / "plan.md"))
    assert done.code == 2 and "--output" in done.err
    assert (lab.git("tag", "--list"), lab.git("branch", "--list")) == (tags, branches)


def test_verdicts_follow_what_microsoft_documents_for_a_restore(lab: Lab, capsys: pytest.CaptureFixture[str],
                                                               tmp_path: Path) -> None:
    """A soft-deleted user's group memberships come back with its restore (recover-from-deletions, "Properties
    maintained with soft delete"), mail-enabled and distribution groups included, although entragit cannot
    write those: the report says so (✓), and the emulator does it; links Microsoft does not document are
    "unconfirmed" (?), never ✗."""
    import json

    patti = F.user_ids["PattiF@contoso.com"]
    first = lab.backup()
    run(lab.client.delete(f"users/{patti}"))
    report = json.loads(lab.cli(capsys, "diff", "--from", first.tag, "--format", "json").out)
    verdicts = {}
    for entry in report["types"]:
        for obj in entry["objects"]:
            for change in obj["changes"]:
                if patti in change["removed"]:
                    verdicts[(obj["displayName"], change["path"])] = (change["recoverable"], change["reason"])
    for group in (F.mail_enabled_security_group, F.distribution_group):
        recoverable, reason = verdicts[(group, "members")]
        assert recoverable is True and reason.startswith("comes back when Patti Fernandez is restored"), reason
    assert not [k for k, (v, _) in verdicts.items() if v is False], verdicts
    # the emulator does what the report says: restored, she is a member again
    run(lab.client.post(f"directory/deletedItems/{patti}/restore", {}))
    for group in (F.mail_enabled_security_group, F.distribution_group):
        members = run(lab.client.list_all(f"groups/{F.group_ids[group]}/members", {"$select": "id"}))
        assert patti in {m["id"] for m in members}


def test_the_title_names_the_objects_within_githubs_limit(lab: Lab, capsys: pytest.CaptureFixture[str],
                                                          tmp_path: Path) -> None:
    first = lab.backup()
    _damage_after_the_backup(lab)
    done = lab.cli(capsys, "recover", "--from", first.tag, "--id", SALES, "--id", GSA, "--pr-dir", str(tmp_path / "a"))
    assert done.code == 0, done.err
    title = (tmp_path / "a" / "title").read_text().strip()
    assert title in (f"entragit recover: {F.gsa_policy}, Sales Team back to {first.tag}",
                     f"entragit recover: Sales Team, {F.gsa_policy} back to {first.tag}")
    long_name = "Sales " + "x" * 300
    run(lab.client.patch(f"groups/{F.group_ids['Marketing Team']}", {"displayName": long_name}))
    second = lab.backup()
    run(lab.client.delete(f"groups/{F.group_ids['Marketing Team']}"))
    done = lab.cli(capsys, "recover", "--from", second.tag, "--id", F.group_ids["Marketing Team"],
                   "--pr-dir", str(tmp_path / "b"))
    assert done.code == 0, done.err
    title = (tmp_path / "b" / "title").read_text().strip()
    assert len(title) <= 256 and title.startswith("entragit recover: Sales xxx") and "…" in title


def test_the_record_prunes_as_the_nightly_does_trusted_backups_only(lab: Lab, capsys: pytest.CaptureFixture[str],
                                                                    tmp_path: Path) -> None:
    """Where backups must be signed, an unsigned tag is not trusted: `entragit backup` neither counts nor prunes it,
    and nor does the record `recover` makes first (the same retention, the same trust settings)."""
    first = lab.backup()
    lab.backup()
    (lab.repo / "entragit.yaml").write_text("backup:\n  keep: 1\n  requireSignature: true\n", encoding="utf-8")
    lab.git("add", "entragit.yaml")
    lab.git("commit", "-q", "-m", "backups are signed")
    tags = set(lab.git("tag", "--list", "backup/*").split())
    _damage_after_the_backup(lab)
    done = lab.cli(capsys, "recover", "--from", first.tag, "--pr-dir", str(tmp_path / "pr"))
    assert done.code == 0, done.err
    after = set(lab.git("tag", "--list", "backup/*").split())
    assert tags < after and len(after) == len(tags) + 1     # none pruned: unsigned tags are not trusted
