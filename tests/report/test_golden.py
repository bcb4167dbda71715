"""Golden report of the demo tenant against its backup: the facts the issue asks for, and the three renderings
compared with tests/report/golden/ (regenerate with ENTRAGIT_UPDATE_GOLDEN=1, then read the diff)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from entragit.report import Report, make_report, render
from entragit.report.build import parse_time
from entragit.report.render import MARKDOWN_LIMIT
from tests.report.helpers import (
    ALEX,
    ENGINEERING,
    FINANCE,
    GSA,
    GSA_EGRESS,
    HR_PORTAL_USERS,
    OPERATIONS,
    TOM,
    TRAVEL,
    Demo,
    golden,
    normalized,
)

CA = "conditionalAccessPolicies"


@pytest.fixture(scope="module")
def report(changed_demo: Demo) -> Report:
    demo = changed_demo
    return make_report(demo.repo, demo.first.tag, client=demo.client, now=demo.emu.clock.now(), raw_diff=True)


def test_the_switched_off_gsa_policy_is_one_modified_object_with_its_state(report: Report) -> None:
    policies = report.objects_of(CA)
    assert [(o.id, o.status) for o in policies] == [(GSA, "modified")]
    (change,) = policies[0].changes
    assert (change.path, change.kind, change.old, change.new) == ("state", "changed", "enabled", "disabled")
    assert change.recoverable is True and not change.link
    assert "state: enabled → disabled" in render(report, "text")


def test_a_removed_member_is_shown_by_display_name(report: Report) -> None:
    group = report.get("groups", ENGINEERING)
    (change,) = group.changes
    assert (change.path, change.link, change.removed, change.added) == ("members", True, [ALEX], [])
    assert change.refs[ALEX].display_name == "Alex Wilber" and change.refs[ALEX].state == "present"
    assert change.recoverable is True
    assert "members: − Alex Wilber" in render(report, "text")
    assert "| `members` | − Alex Wilber |" in render(report, "markdown")


def test_a_soft_deleted_group_and_a_purged_named_location_are_told_apart(report: Report,
                                                                         changed_demo: Demo) -> None:
    finance = report.get("groups", FINANCE)
    assert finance.status == "deleted" and finance.deletion is not None
    assert finance.deletion.state == "restorable" and finance.recoverable is True
    deleted_at = parse_time(finance.deletion.deleted)
    assert deleted_at is not None and parse_time(finance.deletion.restorable_until) == deleted_at + timedelta(days=30)
    # deleted a day after the backup, read a day later: 29 whole days left
    assert finance.deletion.days_left == 29 == (deleted_at + timedelta(days=30) - changed_demo.emu.clock.now()).days

    egress = report.get("namedLocations", GSA_EGRESS)
    assert egress.status == "deleted" and egress.deletion is not None and egress.deletion.state == "gone"
    assert egress.deletion.days_left is None and "new id" in (egress.reason or "")
    travel = report.get("namedLocations", TRAVEL)
    assert travel.deletion is not None and travel.deletion.state == "portal" and travel.deletion.days_left == 29
    assert "only in the Entra admin center" in (travel.reason or "")
    assert report.summary["deletions"] == {"restorable": 1, "portal": 1, "gone": 1}


def test_a_synced_users_on_premises_property_is_not_recoverable_but_his_cloud_membership_is(report: Report) -> None:
    tom = report.get("users", TOM)
    assert tom.synced is True
    (title,) = tom.changes
    assert (title.path, title.old, title.new) == ("jobTitle", "Plant Manager", "Plant Director")
    assert title.recoverable is False and (title.reason or "").startswith("mastered on-premises")
    assert tom.recoverable is False

    (membership,) = report.get("groups", OPERATIONS).changes
    assert membership.removed == [TOM] and membership.refs[TOM].display_name == "Tom Hoffmann"
    assert membership.recoverable is True and membership.reason is None


def test_references_to_a_deleted_group_are_named_with_where_it_is(report: Report) -> None:
    (change,) = report.get("groups", HR_PORTAL_USERS).changes
    assert change.removed == [FINANCE] and change.refs[FINANCE].state == "deleted"
    assert change.recoverable is True and change.reason == "once Finance is restored from deleted items"
    assert "members: − Finance (in deleted items)" in render(report, "text")


def test_the_new_group_is_created_and_the_summary_counts_everything(report: Report) -> None:
    created = [o for o in report.objects if o.status == "created"]
    assert [(o.type, o.display_name) for o in created] == [("groups", "Project Falcon")]
    summary = report.summary
    assert {k: summary[k] for k in ("created", "modified", "deleted", "restored", "recreated")} == {
        "created": 1, "modified": 6, "deleted": 3, "restored": 0, "recreated": 0}
    assert summary["notRecoverable"] == 1       # Tom's job title, nothing else
    assert report.summary_line().startswith("10 objects differ: 1 created, 6 modified, 3 deleted (1 restorable")


def test_golden_json(report: Report) -> None:
    text = normalized(render(report, "json"), report.source.commit or "")
    assert json.loads(text) == json.loads(golden("demo.json", text))


def test_golden_markdown(report: Report) -> None:
    text = render(report, "markdown")
    assert len(text) <= MARKDOWN_LIMIT and "Truncated" not in text
    assert "<details><summary>git diff (10 files)</summary>" in text and "+state: disabled" in text
    assert normalized(text, report.source.commit or "") == golden("demo.md", normalized(text, report.source.commit or ""))


def test_golden_text(report: Report) -> None:
    text = normalized(render(report, "text"), report.source.commit or "")
    assert text == golden("demo.txt", text)
