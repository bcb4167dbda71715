"""`entragit demo`, the README's first command: the whole story runs and the tenant comes back."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click
import pytest

from entragit.commands.demo import run_demo
from entragit.emulator.seeds import DEMO_FACTS


def test_the_demo_tells_the_whole_story_and_the_tenant_comes_back(tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    lines: list[str] = []
    result = run_demo(keep=tmp_path / "demo", echo=lines.append)
    text = "\n".join(lines) + capsys.readouterr().out  # the demo's lines, then what the commands printed
    assert result.back_to_first_backup
    repo = result.directory
    tags = subprocess.run(["git", "tag", "--list", "backup/*"], cwd=repo, capture_output=True, text=True,
                          check=True).stdout.split()
    assert tags == ["backup/20261123T230000Z", "backup/20261124T092500Z", "backup/20261124T230000Z"]
    # the difference report named both changes, the applier restored both, the last backup is the first one
    policy_id = DEMO_FACTS.ca_policy_ids[DEMO_FACTS.gsa_policy]
    assert "state: enabled → disabled" in text
    assert "Sales Team" in text and "restorable from deleted items" in text
    assert f"restore     groups/{DEMO_FACTS.group_ids['Sales Team']}" in text
    assert f"update      conditionalAccessPolicies/{policy_id}" in text
    assert "residual drift: none" in text
    assert "no difference" in text
    policy = (repo / "tenant-state" / "conditionalAccessPolicies" / f"{policy_id}.yaml").read_text()
    assert "\nstate: enabled\n" in policy


def test_the_demo_keeps_one_calendar_and_applies_only_the_reviewed_plan(tmp_path: Path,
                                                                       capsys: pytest.CaptureFixture[str]) -> None:
    """Nothing is dated after the backup that records it; recover records the damage before reverting it; the
    apply carries the checksum of the pull request the reviewers read."""
    import re

    from entragit.commands.demo import MOMENTS

    lines: list[str] = []
    result = run_demo(keep=tmp_path / "demo", echo=lines.append)
    printed = capsys.readouterr()
    text = click.unstyle("\n".join(lines) + printed.out + printed.err)
    stamps = sorted(set(re.findall(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z", text)))
    # every time the story prints is one of its moments, or a deadline after it (the 30-day restore window)
    deadlines = [t for t in stamps if t > MOMENTS["next night"]]
    assert set(stamps) - set(deadlines) <= set(MOMENTS.values()), stamps
    assert deadlines == ["2026-12-24T09:12:00Z"]                                    # deleted at 09:12 + 30 days
    assert "in deleted items since 2026-11-24T09:12:00Z" in text                   # before the 09:25 record
    assert "recorded the live tenant first: backup/20261124T092500Z" in text
    body = (result.directory.parent / "pull-request" / "body.md").read_text(encoding="utf-8")
    reviewed = body.rsplit("Entragit-Plan-Checksum: ", 1)[1].split()[0]
    [apply_line] = [line for line in text.splitlines() if line.startswith("$ entragit apply")]
    assert f"--checksum {reviewed}" in apply_line
    assert "already holds the tenant" in text and "tagged again" not in text


def test_demo_refuses_a_keep_directory_that_is_not_empty(tmp_path: Path) -> None:
    (tmp_path / "x").write_text("mine")
    done = subprocess.run([sys.executable, "-m", "entragit", "demo", "--keep", str(tmp_path)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert "not empty" in done.stderr and "Traceback" not in done.stderr
    assert (tmp_path / "x").read_text() == "mine"
