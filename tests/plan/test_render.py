"""Renderers: text markers, markdown summary and limit, json."""

from __future__ import annotations

import json

from entragit.plan import Change, Kind, Plan, PropertyChange, Warning, placeholder
from entragit.plan.render import MARKDOWN_LIMIT, render


def _plan() -> Plan:
    return Plan(changes=[
        Change(Kind.RECREATE, "namedLocations", "loc1", "GSA egress", body={"displayName": "GSA egress"},
               provides="namedLocations/loc1"),
        Change(Kind.RESTORE, "groups", "g1", "Finance"),
        Change(Kind.LINK_ADD, "groups", "g1", "Finance", link="members", item="u1", target="u1", recompute=True),
        Change(Kind.UPDATE, "conditionalAccessPolicies", "ca1", "Allow GSA only", channel="patch",
               properties=(PropertyChange("state", "disabled", "enabled"),
                           PropertyChange("conditions", None, {"x": [placeholder("namedLocations", "loc1")]}))),
        Change(Kind.SKIP, "users", "u2", "Kenji Sato", properties=(PropertyChange("jobTitle", "a", "b"),),
               reason="mastered on-premises"),
        Change(Kind.DELETE, "groups", "g9", "Old"),
        Change(Kind.LINK_REMOVE, "groups", "g2", "HR", link="members", item="u3", target="u3", ref="u3"),
    ], warnings=[Warning("conditionalAccessPolicies", "ca1", "conditions.users.excludeUsers[]", "u99",
                         "stale reference: u99 exists nowhere")])


def test_text_has_a_line_per_change_with_markers() -> None:
    text = render(_plan(), "text")
    lines = text.splitlines()
    assert [line[0] for line in lines[:7]] == ["+", "↺", "+", "~", "·", "-", "-"]
    assert "state: 'disabled' → 'enabled'" in lines[3]
    assert "$new:namedLocations/loc1" in lines[3]
    assert "jobTitle" in lines[4] and "mastered on-premises" in lines[4]
    assert "after restore" in lines[2]
    assert lines[7].startswith("! conditionalAccessPolicies/ca1")
    assert _plan().checksum in text


def test_markdown_summary_tables_skips_warnings_and_checksum() -> None:
    md = render(_plan(), "markdown")
    assert "| ~ update | 1 |" in md and "| ↺ restore | 1 |" in md
    assert f"Checksum: `{_plan().checksum}`" in md
    assert "### Skipped" in md and "mastered on-premises" in md
    assert "### Warnings" in md and "u99" in md
    assert "### conditionalAccessPolicies" in md and "### groups" in md
    assert "| ~ | Allow GSA only (`ca1`) |" in md


def test_markdown_is_truncated_within_the_comment_limit() -> None:
    changes = [Change(Kind.UPDATE, "users", f"user-{i:05d}", f"User {i}", channel="patch",
                      properties=(PropertyChange("jobTitle", "old " * 5, "new " * 5),)) for i in range(3000)]
    plan = Plan(changes=changes)
    md = render(plan, "markdown")
    assert len(md) <= MARKDOWN_LIMIT
    assert "Truncated" in md and plan.checksum in md
    assert "| ~ update | 3000 |" in md


def test_json_renderer_is_the_plan_json() -> None:
    data = json.loads(render(_plan(), "json"))
    assert data == json.loads(json.dumps(_plan().to_json()))
    assert json.loads(render(Plan(), "json"))["changes"] == []


def test_nested_differences_name_their_path() -> None:
    change = Change(Kind.UPDATE, "conditionalAccessPolicies", "ca1", "P", channel="patch", properties=(
        PropertyChange("conditions", {"locations": None, "users": {"a": 1}},
                       {"locations": {"excludeLocations": ["x"]}, "users": {"a": 1}}),))
    text = render(Plan(changes=[change]), "text")
    assert "conditions.locations: null → " in text and "conditions.users" not in text
