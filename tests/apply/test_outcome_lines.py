"""Apply's lines read like the plan's rows, also when some writes of a row waited for replication: the retry
note is counted on the row ("1 of 3 tried again"), not a reason to split it (the joined row hid behind a
``tried N times`` message before)."""

from __future__ import annotations

from entragit.apply.outcome import FAILED, OK, LinePrinter, Outcome, outcome_lines
from entragit.plan.model import Change, Kind

GROUP = "0eae91c9-d47f-5cc7-ac8e-d7d8a1e1d144"
MEMBERS = ["11111111-1111-4111-8111-111111111111", "22222222-2222-4222-8222-222222222222",
           "33333333-3333-4333-8333-333333333333"]


def _add(member: str) -> Change:
    return Change(Kind.LINK_ADD, "groups", GROUP, "Sales Team", link="members", item=member, target=member)


def test_a_row_keeps_one_line_when_one_of_its_writes_was_tried_again() -> None:
    names = {m: f"User {n}" for n, m in enumerate(MEMBERS)}
    outcomes = [Outcome(_add(MEMBERS[0]), OK, "added", tries=3), Outcome(_add(MEMBERS[1]), OK, "added"),
                Outcome(_add(MEMBERS[2]), OK, "added")]
    [line] = outcome_lines(outcomes, names)
    assert "members += User 0, User 1, User 2 (3): added, 1 of 3 tried again (not replicated yet)" in line
    printed: list[str] = []
    printer = LinePrinter(printed.append, names)
    for o in outcomes:
        printer.add(o)
    printer.flush()
    assert printed == [line]


def test_a_write_alone_says_how_many_tries_it_took_and_a_failure_keeps_its_line() -> None:
    alone = Outcome(_add(MEMBERS[0]), OK, "added", tries=2)
    assert alone.line().endswith(": added, tried 2 times: not replicated yet")
    assert alone.to_json()["message"] == "added, tried 2 times: not replicated yet" and alone.to_json()["tries"] == 2
    failed = [Outcome(_add(MEMBERS[0]), FAILED, "Graph 400", tries=3), Outcome(_add(MEMBERS[1]), FAILED, "Graph 400")]
    lines = outcome_lines(failed)
    assert len(lines) == 2 and lines[0].startswith("failed: Graph 400, tried 3 times: not replicated yet")
