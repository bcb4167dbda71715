"""Hostile display names and values against every output an administrator or a reviewer reads, through the CLI:

- the terminal (plan and report text, apply's lines, show, log, backups, errors): no control character nor
  bidirectional control from data reaches it (an ESC retitles or clears the terminal, U+202E reorders a line);
- the workflows' own lines: no data forges the plan's ``Checksum:`` line or a pull request's
  ``Entragit-Force-Reason:`` line (the very sed expressions of publish-plan.yml are run on the outputs), nor the
  comment marker ``<!-- entragit-plan -->``; `entragit fit comment` keeps the cut Markdown balanced whatever
  tags the data holds;
- the pull request title: at most 256 characters as GitHub counts them, no live reference or mention;
- apply's lines read like the plan: one line per object's link, not one per member.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from entragit.emulator.seeds import DEMO_FACTS as F
from entragit.gitops.fit import fit_markdown
from entragit.graph import run
from tests import gfm
from tests.apply.helpers import Lab

ROOT = Path(__file__).resolve().parents[2]
POLICIES = "identity/conditionalAccess/policies"
SALES = F.group_ids["Sales Team"]          # Diego is a member and its owner
DIEGO = F.user_ids["DiegoS@contoso.com"]
ADELE = F.user_ids["AdeleV@contoso.com"]
GSA = F.ca_policy_ids[F.gsa_policy]

# what a terminal must never receive from data (newline and tab are the renderers' own)
UNPRINTABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
TERMINAL = "Evil\x1b]0;pwned\x07\x1b[2J\x1b[31mRED\u202egnp.exe"

HEX = "a" * 64
FORGED = f"Checksum: `{HEX}`"
LINES = f"line one\n{FORGED}\nEntragit-Force-Reason: merged by the attacker\n<!-- entragit-plan -->\n</details>"


def _sed(name: str) -> str:
    """The sed expression publish-plan.yml runs to read ``name`` (``Checksum`` or ``Entragit-Force-Reason``)."""
    text = (ROOT / "entragit" / "templates" / "workflows" / "publish-plan.yml").read_text(encoding="utf-8")
    [expr] = re.findall(rf"sed -n '(s/\^{name}:[^']*)'", text)
    return expr


def _read_like_the_workflow(name: str, doc: Path) -> list[str]:
    text = doc.read_text(encoding="utf-8").replace("\r", "")      # as `tr -d '\r'` does
    done = subprocess.run(["sed", "-n", _sed(name)], input=text, capture_output=True, text=True, check=True)
    return done.stdout.splitlines()


def test_no_control_or_bidi_character_from_data_reaches_the_terminal(lab: Lab, capsys: pytest.CaptureFixture[str],
                                                                      tmp_path: Path) -> None:
    run(lab.client.patch(f"users/{DIEGO}", {"displayName": TERMINAL}))            # a link target of Sales Team
    run(lab.client.patch(f"groups/{SALES}", {"displayName": TERMINAL + " team"}))
    first = lab.backup()
    run(lab.client.delete(f"groups/{SALES}"))
    run(lab.client.patch(f"users/{ADELE}", {"jobTitle": TERMINAL}))
    lab.commit_edit("groups", F.group_ids["Marketing Team"], lambda o: o.update(description="tidy"),
                    f"Tidy {TERMINAL}")                               # merged, never applied: backups list it
    done = {}
    for args in (("diff", "--from", first.tag), ("plan",), ("show", DIEGO), ("log", DIEGO), ("log", TERMINAL),
                 ("backups",), ("recover", "--from", first.tag, "--pr-dir", str(tmp_path / "pr")),
                 ("show", TERMINAL + "?")):
        done[" ".join(args[:2])] = lab.cli(capsys, *args)
    before, after = lab.merge((tmp_path / "pr" / "branch").read_text().strip())
    done["apply"] = lab.cli(capsys, "apply", "--scope-from", f"{before}..{after}", "--yes")
    done["backup"] = lab.cli(capsys, "backup")
    assert "Tidy Evil\\x1b]0;pwned" in done["backup"].err                 # the unapplied merge, listed
    for what, out in done.items():
        assert not UNPRINTABLE.search(out.out + out.err), (what, out.out, out.err)
    assert done["show " + TERMINAL + "?"].code == 2
    assert done["apply"].code == 0, done["apply"].err
    # shown, as escapes: nothing is dropped from what the reviewer must see
    assert "Evil\\x1b]0;pwned\\x07\\x1b[2J\\x1b[31mRED\\u202egnp.exe" in done["plan"].out
    assert "Evil\\x1b]0;pwned\\x07" in done["diff --from"].out and "Evil\\x1b]0;pwned\\x07" in done["apply"].out
    assert f"users/{DIEGO}" in done[f"log {TERMINAL}"].out             # found by its name


def test_no_data_forges_a_line_the_workflows_read(lab: Lab, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    run(lab.client.patch(f"{POLICIES}/{GSA}", {"displayName": FORGED}))
    run(lab.client.patch(f"groups/{SALES}", {"description": LINES, "displayName": "<details> Sales"}))
    run(lab.client.patch(f"users/{DIEGO}", {"displayName": "<!-- entragit-plan --> Entragit-Force-Reason: x"}))
    first = lab.backup()
    run(lab.client.delete(f"groups/{SALES}"))
    run(lab.client.patch(f"{POLICIES}/{GSA}", {"state": "disabled"}))
    run(lab.client.patch(f"users/{ADELE}", {"jobTitle": LINES}))

    report = tmp_path / "report.md"
    assert lab.cli(capsys, "diff", "--from", first.tag, "--format", "markdown", "--output", str(report)).code == 0
    pr = tmp_path / "pr"
    done = lab.cli(capsys, "recover", "--from", first.tag, "--pr-dir", str(pr))
    assert done.code == 0, done.err
    before, after = lab.merge((pr / "branch").read_text().strip())
    plan = tmp_path / "plan.md"
    done = lab.cli(capsys, "plan", "--scope-from", f"{before}..{after}", "--format", "markdown", "--output", str(plan))
    assert done.code == 0, done.err
    checksum = (pr / "checksum").read_text().strip()

    assert _read_like_the_workflow("Checksum", plan) == [checksum]          # the plan's own, and only it
    assert _read_like_the_workflow("Checksum", pr / "body.md") == [checksum]
    assert _read_like_the_workflow("Checksum", report) == []
    for doc in (plan, pr / "body.md", report):
        text = doc.read_text(encoding="utf-8")
        assert _read_like_the_workflow("Entragit-Force-Reason", doc) == [], doc.name
        assert "<!-- entragit-plan -->" not in text, doc.name         # the marker is the workflow's alone
        gfm.assert_inert(text)
    assert gfm.contains(plan.read_text(encoding="utf-8"), FORGED)      # shown all the same

    # fitted into a comment at any size, the plan stays balanced and the marker is the head's alone
    text = plan.read_text(encoding="utf-8")
    head = "<!-- entragit-plan -->\n"
    for limit in range(1000, len(text) + 200, 150):
        fitted = fit_markdown(text, head=head, tail="\nEntragit-Plan-Checksum: x\n", limit=limit)
        gfm.assert_inert(fitted)
        assert fitted.count("<!-- entragit-plan -->") == 1 and fitted.endswith("Entragit-Plan-Checksum: x\n")
    out = tmp_path / "comment.md"
    done = lab.cli(capsys, "fit", "comment", str(plan), "--head", head, "--limit", "1500")
    assert done.code == 0, done.err
    out.write_text(done.out, encoding="utf-8")
    gfm.assert_inert(done.out)
    assert _read_like_the_workflow("Checksum", out) == [checksum]


def test_the_title_stays_within_githubs_limit_with_nothing_live(lab: Lab, capsys: pytest.CaptureFixture[str],
                                                                tmp_path: Path) -> None:
    name = "😀" * 200 + " fixes #1 for @org/team GH-2 \u202e gnp.exe\n second line"
    run(lab.client.patch(f"groups/{SALES}", {"displayName": name}))
    first = lab.backup()
    run(lab.client.delete(f"groups/{SALES}"))
    done = lab.cli(capsys, "recover", "--from", first.tag, "--id", SALES, "--title-file", str(tmp_path / "title"))
    assert done.code == 0, done.err
    [title] = (tmp_path / "title").read_text(encoding="utf-8").splitlines()
    assert len(title.encode("utf-16-le")) // 2 <= 256           # GitHub counts UTF-16 code units
    assert title.startswith("entragit recover: 😀😀") and title.endswith(f"… back to {first.tag}")
    short = "Sales #1 @org/team GH-2 \u202e gnp.exe"
    lab.restore(SALES)                                          # restored, replicated, then renamed
    run(lab.client.patch(f"groups/{SALES}", {"displayName": short}))
    second = lab.backup()
    run(lab.client.delete(f"groups/{SALES}"))
    done = lab.cli(capsys, "recover", "--from", second.tag, "--id", SALES, "--title-file", str(tmp_path / "t2"))
    assert done.code == 0, done.err
    [title] = (tmp_path / "t2").read_text(encoding="utf-8").splitlines()
    assert not re.search(r"#\d|@\w|GH-\d|[\u202a-\u202e]", title), title     # links, mentions, reordering: none
    assert gfm.shown(title) == f"entragit recover: Sales #1 @org/team GH-2 \\u202e gnp.exe back to {second.tag}"


def test_apply_reads_like_the_plan_one_line_per_objects_link(lab: Lab, capsys: pytest.CaptureFixture[str],
                                                             tmp_path: Path) -> None:
    first = lab.backup()
    members = len(lab.state()["groups"][SALES]["members"])
    run(lab.client.delete(f"groups/{SALES}"))
    done = lab.cli(capsys, "recover", "--from", first.tag, "--pr-dir", str(tmp_path / "pr"))
    assert done.code == 0, done.err
    before, after = lab.merge((tmp_path / "pr" / "branch").read_text().strip())
    planned = lab.cli(capsys, "plan", "--scope-from", f"{before}..{after}")
    rows = [line for line in planned.out.splitlines() if line[:2] in ("+ ", "~ ", "- ", "↺ ", "· ")]
    applied = lab.cli(capsys, "apply", "--scope-from", f"{before}..{after}", "--yes")
    assert applied.code == 0, applied.err
    lines = [line for line in applied.out.splitlines() if line.startswith(("ok ", "failed", "skipped"))]
    assert len(lines) == len(rows), (rows, lines)                # a line per row of the plan
    [joined] = [line for line in lines if "members +=" in line]
    assert f"({members}) (checked after the restore): already present: the restore brought it back" in joined
    assert [line.split(":", 1)[0].split("'")[0].split()[-1] for line in rows] == \
        [line.split("'")[0].split()[-1] for line in lines]       # the same objects, in the same order
