"""Every renderer of tenant data into Markdown, driven through the CLI with hostile names and values: the PR body
of `entragit recover`, the plan of `entragit plan --format markdown`, the report of `entragit diff --format
markdown`, and the backup's job summary (`entragit backup --summary`). Each output is parsed with a GFM parser
(markdown-it-py): no HTML but entragit's own, no link, mention or issue reference from data, every hostile
value shown whole where it belongs.

The class guard: every module of entragit that writes Markdown markup imports entragit.markdown, and is one of the
modules this test drives."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from entragit.emulator.seeds import DEMO_FACTS as F
from entragit.graph import run
from tests import gfm
from tests.apply.helpers import Lab

ROOT = Path(__file__).resolve().parents[2]
POLICIES = "identity/conditionalAccess/policies"

# one hostile display name per object: each would break out of its place if rendered raw
GROUP = "</details><img src=x onerror=alert(1)> @org/team"           # soft-deleted, then restored
MEMBER = "Mallory [click](https://evil.example) | #1 `tick`"          # a member of it (a link target)
POLICY = "**Block** <!-- x --> GH-2 www.evil.example ~~off~~"         # a policy switched off
JOB = "Chief | <b>Officer</b>\nsecond line @here"                    # a property value changed
MERGE = "Merge <script>x</script> @org/admins #3"                     # a merged subject never applied
SALES = F.group_ids["Sales Team"]
DIEGO = F.user_ids["DiegoS@contoso.com"]
ADELE = F.user_ids["AdeleV@contoso.com"]
GSA = F.ca_policy_ids[F.gsa_policy]

# the modules that render data into Markdown, each driven below
RENDERERS = {
    "entragit/backups/render.py",          # backup --summary
    "entragit/plan/render_markdown.py",    # plan --format markdown, the plan in recover's body
    "entragit/recover/pull_request.py",    # recover --body-file
    "entragit/report/render.py",           # diff --format markdown, the report in recover's body
}

# modules writing Markdown from entragit's own code, never from tenant or pull request data
NOT_DATA = {
    "entragit/markdown.py",
    "entragit/resources/docs.py",   # docs/resources.md, from the declarations
    "entragit/gitops/fit.py",       # cuts Markdown others rendered; its own notice holds numbers and the run's URL
}


def _hostile_tenant(lab: Lab) -> None:
    run(lab.client.patch(f"groups/{SALES}", {"displayName": GROUP}))
    run(lab.client.patch(f"users/{DIEGO}", {"displayName": MEMBER}))
    run(lab.client.patch(f"{POLICIES}/{GSA}", {"displayName": POLICY}))
    run(lab.client.patch(f"users/{ADELE}", {"jobTitle": "Product Marketing Manager"}))


def _damage(lab: Lab) -> None:
    run(lab.client.delete(f"groups/{SALES}"))
    run(lab.client.patch(f"{POLICIES}/{GSA}", {"state": "disabled"}))
    run(lab.client.patch(f"users/{ADELE}", {"jobTitle": JOB}))


def _check(doc: str, *values: str) -> None:
    gfm.assert_inert(doc)
    for value in values:
        shown = " ".join(value.split("\n"))
        assert gfm.contains(doc, shown) or gfm.contains(doc, value), f"{value!r} not shown whole"


def test_every_renderer_keeps_hostile_data_inert(lab: Lab, capsys: pytest.CaptureFixture[str],
                                                 tmp_path: Path) -> None:
    _hostile_tenant(lab)
    first = lab.backup()
    _damage(lab)

    report = tmp_path / "report.md"
    done = lab.cli(capsys, "diff", "--from", first.tag, "--format", "markdown", "--output", str(report))
    assert done.code == 0, done.err
    _check(report.read_text(encoding="utf-8"), GROUP, POLICY, "Product Marketing Manager")

    body, title = tmp_path / "body.md", tmp_path / "title.txt"
    done = lab.cli(capsys, "recover", "--from", first.tag, "--body-file", str(body), "--title-file", str(title))
    assert done.code == 0, done.err
    _check(body.read_text(encoding="utf-8"), GROUP, POLICY, MEMBER)
    branch = lab.git("for-each-ref", "--format=%(refname:short)", "refs/heads/recover/")

    before = lab.git("rev-parse", "HEAD")
    lab.git("merge", "--no-ff", "-q", "-m", MERGE, branch)
    after = lab.git("rev-parse", "HEAD")
    plan = tmp_path / "plan.md"
    done = lab.cli(capsys, "plan", "--scope-from", f"{before}..{after}", "--format", "markdown", "--output", str(plan))
    assert done.code == 0, done.err
    _check(plan.read_text(encoding="utf-8"), GROUP, POLICY, MEMBER)

    summary = tmp_path / "summary.md"
    done = lab.cli(capsys, "backup", "--summary", str(summary))      # the merge was never applied: listed
    assert done.code == 0, done.err
    _check(summary.read_text(encoding="utf-8"), MERGE)


def _writes_markdown(tree: ast.AST) -> bool:
    """Whether a module holds Markdown markup in its string literals: headings, table rules, callouts."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = node.value
            if text.startswith(("## ", "### ", "#### ", "> [!")) or "|---|" in text or "<details>" in text:
                return True
    return False


def _imports_markdown(tree: ast.AST) -> bool:
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module in ("entragit", "entragit.markdown"):
            if node.module == "entragit.markdown" or any(a.name == "markdown" for a in node.names):
                return True
    return False


def test_every_module_writing_markdown_uses_the_escaper_and_is_driven_here() -> None:
    writers = set()
    for path in sorted((ROOT / "entragit").rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        if rel.startswith(("entragit/emulator/", "entragit/templates/")) or rel in NOT_DATA:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        if _writes_markdown(tree):
            writers.add(rel)
            assert _imports_markdown(tree), f"{rel} writes Markdown without entragit.markdown"
    assert writers <= RENDERERS | {"entragit/plan/render_common.py"}, sorted(writers - RENDERERS)
