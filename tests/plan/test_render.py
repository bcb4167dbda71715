"""Renderers: text markers, the markdown a reviewer reads (parsed with a GFM parser), the comment limit, json."""

from __future__ import annotations

import json

from entragit.plan import Change, Kind, Plan, PropertyChange, Warning, placeholder
from entragit.plan.render import MARKDOWN_LIMIT, render, summary_line
from tests import gfm


def _plan() -> Plan:
    plan = Plan(changes=[
        Change(Kind.RECREATE, "namedLocations", "loc1", "GSA egress", body={"displayName": "GSA egress"},
               provides="namedLocations/loc1"),
        Change(Kind.RESTORE, "groups", "g1", "Finance"),
        Change(Kind.LINK_ADD, "groups", "g1", "Finance", link="members", item="u1", target="u1", recompute=True),
        Change(Kind.LINK_ADD, "groups", "g1", "Finance", link="members", item="u4", target="u4", recompute=True),
        Change(Kind.UPDATE, "conditionalAccessPolicies", "ca1", "Allow GSA only", channel="patch",
               properties=(PropertyChange("state", "disabled", "enabled"),
                           PropertyChange("conditions", None, {"x": [placeholder("namedLocations", "loc1")]}))),
        Change(Kind.SKIP, "users", "u2", "Kenji Sato", properties=(PropertyChange("jobTitle", "a", "b"),),
               reason="mastered on-premises"),
        Change(Kind.DELETE, "groups", "g9", "Old"),
        Change(Kind.LINK_REMOVE, "groups", "g2", "HR", link="members", item="u3", target="u3", ref="u3"),
    ], warnings=[Warning("conditionalAccessPolicies", "ca1", "conditions.users.excludeUsers[]", "u99",
                         "stale reference: u99 exists nowhere")])
    plan.names = {"u1": "Joni Sherman", "u4": "Adele Vance", "u3": "Alex Wilber", "loc1": "GSA egress"}
    return plan


def test_text_has_a_line_per_row_with_markers_and_names() -> None:
    """A line per change, the link additions of one object and link on one line (as the Markdown rows)."""
    text = render(_plan(), "text")
    lines = text.splitlines()
    assert [line[0] for line in lines[:7]] == ["+", "↺", "+", "~", "·", "-", "-"]
    assert "state: 'disabled' → 'enabled'" in lines[3]
    assert '"<new id of GSA egress>"' in lines[3]
    assert lines[2].endswith("members += Joni Sherman, Adele Vance (2) (checked after the restore)")
    assert "members -= Alex Wilber" in lines[6]
    assert "jobTitle" in lines[4] and "mastered on-premises" in lines[4]
    assert lines[7].startswith("! conditionalAccessPolicies/ca1")
    assert _plan().checksum in text


def test_summary_counts_add_up_to_the_changes_listed() -> None:
    plan = _plan()
    assert summary_line(plan) == ("Plan: 7 changes (1 update, 1 recreate, 1 restore, 1 delete, 2 links added, "
                                  "1 link removed); 1 skipped; 1 warning.")
    one = Plan(changes=[plan.changes[1]])
    assert summary_line(one) == "Plan: 1 change (1 restore)."
    assert summary_line(Plan()) == "Plan: 0 changes."


def test_markdown_reads_by_name_with_one_row_per_object_and_link() -> None:
    md = render(_plan(), "markdown")
    gfm.assert_inert(md)
    assert f"Checksum: `{_plan().checksum}`" in md.splitlines()   # the workflows read this line
    headings = [text for _, text in gfm.headings(md)]
    assert headings[:3] == ["entragit plan", "Warnings", "Skipped"]
    assert "conditionalAccessPolicies (1 change)" in headings and "groups (5 changes)" in headings
    rows = [row for table in gfm.tables(md) for row in table]
    assert ["+", "Finance\ng1", "members += Joni Sherman, Adele Vance (2)\nchecked after the restore: only what it "
            "did not bring back is written"] in rows
    assert ["-", "HR\ng2", "members -= Alex Wilber"] in rows
    [policy] = [r for r in rows if r[1].startswith("Allow GSA only")]
    assert policy[2].startswith("update (patch):\nstate: disabled → enabled\nconditions: null → ")
    assert '"<new id of GSA egress>"' in policy[2]
    assert gfm.contains(md, "Plan: 7 changes (1 update, 1 recreate, 1 restore, 1 delete, 2 links added, "
                            "1 link removed); 1 skipped; 1 warning.")


def test_long_values_are_whole_in_a_collapsible_block() -> None:
    old = {"includeUsers": [f"user-{i:03d}" for i in range(30)]}
    new = {"includeUsers": [f"user-{i:03d}" for i in range(31)]}
    plan = Plan(changes=[Change(Kind.UPDATE, "conditionalAccessPolicies", "ca1", "P", channel="patch",
                                properties=(PropertyChange("conditions", {"users": old}, {"users": new}),))])
    md = render(plan, "markdown")
    gfm.assert_inert(md)
    assert "…" not in md and "…" not in render(plan, "text") and '"user-030"' in render(plan, "text")
    fences = [t for t in gfm.parse(md) if t.type == "fence"]
    assert [json.loads(f.content) for f in fences] == [old["includeUsers"], new["includeUsers"]]
    blocks = [t.content for t in gfm.parse(md) if t.type == "html_block"]
    assert blocks == ["<details><summary>Full values (1)</summary>\n", "</details>\n"]


def test_markdown_is_cut_within_the_comment_limit_never_mid_block() -> None:
    changes = [Change(Kind.UPDATE, "users", f"user-{i:05d}", f"User {i}", channel="patch",
                      properties=(PropertyChange("jobTitle", "old " * 5, "new " * 5),)) for i in range(3000)]
    plan = Plan(changes=changes)
    md = render(plan, "markdown")
    assert len(md) <= MARKDOWN_LIMIT
    gfm.assert_inert(md)
    assert "Cut to fit a comment" in md and plan.checksum in md
    assert gfm.contains(md, "Plan: 3000 changes (3000 updates).")


def test_a_refused_plan_is_shown_with_the_refusal_on_top() -> None:
    plan = _plan()
    plan.refused = [{"rail": "maxChangeShare", "message": "groups: 3 of 4 objects (75%) <why> overwritten"}]
    md = render(plan, "markdown")
    gfm.assert_inert(md)
    tokens = gfm.parse(md)
    kinds = [t.type for t in tokens]
    first_quote = kinds.index("blockquote_open")
    assert first_quote < kinds.index("table_open")
    quote = tokens[first_quote:kinds.index("blockquote_close")]
    inside = "".join(c.content for t in quote if t.type == "inline" for c in t.children or [])
    assert "The safety rails refuse this plan." in inside and "recovery-force" in inside
    assert "Entragit-Force-Reason: <why>" in inside and "<why> overwritten" in inside
    assert [t.type for t in quote].count("bullet_list_open") == 1
    strong = [c.type for t in quote for c in t.children or [] if c.type in ("strong_open", "strong_close")]
    assert strong == ["strong_open", "strong_close"]
    assert render(plan, "text").startswith("REFUSED by the safety rails")


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
