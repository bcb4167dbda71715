"""`entragit demo`, the README's first command: the whole story runs and the tenant comes back."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

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
    assert len(tags) == 3
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


def test_demo_refuses_a_keep_directory_that_is_not_empty(tmp_path: Path) -> None:
    (tmp_path / "x").write_text("mine")
    done = subprocess.run([sys.executable, "-m", "entragit", "demo", "--keep", str(tmp_path)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert "not empty" in done.stderr and "Traceback" not in done.stderr
    assert (tmp_path / "x").read_text() == "mine"
