"""Renderers: markdown within GitHub's body limit (cut with a pointer to the full report), a readable text,
and the JSON shape pinned key by key (docs/report.md)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from entragit.report import (
    Endpoint,
    Facts,
    ObjectDelta,
    Report,
    SourceResolver,
    TreeSource,
    build_report,
    render,
)
from entragit.report.compare import unified_diff
from entragit.report.render import MARKDOWN_LIMIT
from tests import gfm
from tests.report.helpers import GOLDEN

MANAGER = "00000000-1111-4000-8000-000000000000"


def _user(n: int, title: str, manager: str | None = MANAGER) -> dict[str, Any]:
    return {"id": f"00000000-0000-4000-8000-{n:012d}", "displayName": f"User {n:05d}", "jobTitle": title,
            "department": "Sales", "accountEnabled": True, "manager": manager, "onPremisesSyncEnabled": None,
            "createdDateTime": "2024-01-01T00:00:00Z"}


def big_report(users: int, *, diff_only: bool = False) -> Report:
    """``users`` users whose job title and manager changed (``diff_only``: one small change, long texts)."""
    boss = {"id": MANAGER, "displayName": "The Boss", "manager": None}
    before = {u["id"]: u for u in (_user(n, "Seller") for n in range(users))}
    after = {u["id"]: u for u in (_user(n, "Senior seller", None if not diff_only else MANAGER)
                                  for n in range(users))}
    if diff_only:
        after = {i: {**u, "jobTitle": "Seller", "department": "Sales " + "x" * 5000} for i, u in after.items()}
    deltas = [ObjectDelta("users", i, before[i], after[i], json.dumps(before[i], indent=1),
                          json.dumps(after[i], indent=1)) for i in before]
    tree_a = {"users": {**before, MANAGER: boss}}
    tree_b = {"users": {**after, MANAGER: boss}}
    facts = Facts(source=Endpoint("backup/A", "a" * 40, "2026-07-01T23:00:00Z"),
                  target=Endpoint("backup/B", "b" * 40, "2026-07-02T23:00:00Z"))
    report = build_report(deltas, SourceResolver(TreeSource(tree_b), TreeSource(tree_a)), facts)
    report.raw_diff = unified_diff(deltas)
    return report


def test_markdown_of_a_big_diff_is_cut_to_the_limit_with_a_pointer() -> None:
    report = big_report(3000)
    assert len(report.objects) == 3000 and len(report.raw_diff or "") > MARKDOWN_LIMIT
    text = render(report, "markdown")
    assert len(text) <= MARKDOWN_LIMIT
    shown = text.count("#### ~ User ")
    assert 0 < shown < 3000
    gfm.assert_inert(text)
    assert gfm.texts(text)[-1] == (f"Truncated to GitHub's 65,536-character limit: {shown} of 3000 objects shown, "
                                   "raw diff left out. Full report: entragit diff --from backup/A --to backup/B "
                                   "--format markdown --output report.md")
    assert gfm.contains(text, "3000 objects differ: 3000 modified; 6000 property/link changes")  # the summary, whole
    rows = [row for table in gfm.tables(text) for row in table]
    assert ["users", "0", "3000", "0", "0", "0"] in rows
    assert any(row[:2] == ["manager", "The Boss"] for row in rows)                      # names, not ids
    url = "https://github.com/o/r/actions/runs/1#artifacts"
    linked = render(report, "markdown", full_report=url)
    assert len(linked) <= MARKDOWN_LIMIT
    assert gfm.links(linked) == [url] and gfm.shown(gfm.texts(linked)[-1]).endswith("Full report: " + url)


def test_markdown_cuts_the_raw_diff_when_the_objects_fit() -> None:
    report = big_report(20, diff_only=True)
    text = render(report, "markdown")
    assert len(text) <= MARKDOWN_LIMIT and text.count("#### ~ User ") == 20
    assert "<details><summary>git diff (20 files)</summary>" in text and "… (diff truncated)\n```\n\n</details>" in text
    assert "20 of 20 objects shown, raw diff truncated" in text


def test_small_markdown_is_whole() -> None:
    text = render(big_report(3), "markdown")
    assert "Truncated" not in text and text.count("#### ~ User ") == 3 and "git diff (3 files)" in text


def test_text_reads_as_sentences_with_names() -> None:
    text = render(big_report(2), "text")
    assert text.splitlines()[:2] == [
        "entragit diff: backup/A (aaaaaaaaaaaa, 2026-07-01T23:00:00Z) → backup/B (bbbbbbbbbbbb, 2026-07-02T23:00:00Z)",
        "2 objects differ: 2 modified; 4 property/link changes"]
    assert "  ~ User 00000  [00000000-0000-4000-8000-000000000000]  modified" in text
    assert "      jobTitle: Seller → Senior seller" in text
    assert "      manager: The Boss → null" in text
    assert MANAGER not in text                                   # the manager is named, never shown as an id
    assert max(len(line) for line in text.splitlines()) < 160


# -- the JSON shape (docs/report.md): every key, at every level, pinned ---------------------------------------
TOP = {"format", "from", "to", "scope", "summary", "notes", "types"}
ENDPOINT = {"ref", "commit", "time"}
SUMMARY = {"created", "modified", "deleted", "restored", "recreated", "objects", "changes", "notRecoverable",
           "deletions"}
TYPE = {"type", "counts", "objects"}
COUNTS = {"created", "modified", "deleted", "restored", "recreated"}
OBJECT = {"type", "id", "displayName", "status", "newId", "recoverable", "reason", "synced", "neverWritten",
          "deletion", "changes"}
DELETION = {"state", "deletedDateTime", "restorableUntil", "daysLeft", "note"}
CHANGE = {"path", "kind", "link", "old", "new", "added", "removed", "modified", "recoverable", "reason", "refs"}
REF = {"state", "type", "displayName", "id"}


def _check_change(change: dict[str, Any]) -> None:
    assert set(change) == CHANGE
    assert change["kind"] in ("changed", "added", "removed", "items")
    assert isinstance(change["link"], bool) and change["recoverable"] in (True, False, None)
    assert isinstance(change["added"], list) and isinstance(change["removed"], list)
    for ref in change["refs"].values():
        assert set(ref) == REF and ref["state"] in ("present", "deleted", "absent", "nowhere", "external")
    for element in change["modified"]:
        assert set(element) == {"key", "changes"}
        for inner in element["changes"]:
            _check_change(inner)


@pytest.mark.parametrize("document", ["golden", "big"])
def test_json_shape_is_stable(document: str) -> None:
    data = json.loads((GOLDEN / "demo.json").read_text()) if document == "golden" else \
        json.loads(render(big_report(2), "json"))
    assert set(data) == TOP and data["format"] == "entragit-report/1"
    assert set(data["from"]) == ENDPOINT == set(data["to"])
    assert set(data["scope"]) == {"types", "ids"}
    assert set(data["summary"]) == SUMMARY
    assert set(data["summary"]["deletions"]) <= {"restorable", "portal", "gone", "unknown"}
    assert isinstance(data["notes"], list)
    for entry in data["types"]:
        assert set(entry) == TYPE and set(entry["counts"]) == COUNTS
        assert sum(entry["counts"].values()) == len(entry["objects"])
        for obj in entry["objects"]:
            assert set(obj) == OBJECT and obj["type"] == entry["type"]
            assert obj["status"] in ("created", "modified", "deleted", "restored", "recreated")
            assert (obj["deletion"] is not None) == (obj["status"] == "deleted")
            if obj["deletion"] is not None:
                assert set(obj["deletion"]) == DELETION
                assert obj["deletion"]["state"] in ("restorable", "portal", "gone", "unknown")
            for change in obj["changes"]:
                _check_change(change)
    assert data["summary"]["objects"] == sum(len(t["objects"]) for t in data["types"])


def test_the_raw_diff_fence_outlasts_backticks_in_the_files() -> None:
    report = big_report(1)
    report.raw_diff = (report.raw_diff or "") + "+notes: '```yaml'\n"
    text = render(report, "markdown")
    assert "\n````diff\n" in text and text.endswith("+notes: '```yaml'\n````\n\n</details>\n")
