"""`entragit diff`: the click surface, the job (states, --json, the lock), --output written whole or not at all,
and Ctrl-C against a served emulator."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

import entragit.commands.diff as command
from entragit.cli import cli, main
from entragit.emulator import Emulator
from entragit.emulator.seeds import DEMO_FACTS
from entragit.errors import UsageError
from entragit.export import export_tree
from entragit.graph import GraphClient, run
from entragit.jobs import RepoLock
from tests.report.conftest import init_repo
from tests.report.helpers import GSA, Demo

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def demo(changed_demo: Demo, monkeypatch: pytest.MonkeyPatch) -> Iterator[Demo]:
    """`entragit diff` pointed at the changed demo's in-process emulator (the seam CLIENT_FACTORY)."""
    monkeypatch.setattr(command, "CLIENT_FACTORY", lambda settings: changed_demo.client)
    monkeypatch.setenv("ENTRAGIT_NOW", changed_demo.emu.clock.now().isoformat())
    yield changed_demo


def _invoke(demo: Demo, *args: str) -> object:
    return CliRunner().invoke(cli, ["--repo", str(demo.repo), "diff", "--from", demo.first.tag, *args],
                              catch_exceptions=False)


def test_text_on_stdout_and_the_job_on_stderr(demo: Demo) -> None:
    result = _invoke(demo)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"entragit diff: {demo.first.tag} (")
    assert "state: enabled → disabled" in result.stdout
    states = [line.split(": ")[1].split(" [")[0] for line in result.stderr.splitlines() if line.startswith("diff: ")]
    assert states[0] == "Loading data" and "In progress" in states and states[-1] == "Completed"
    assert not (demo.repo / ".git" / "entragit.lock").exists()


def test_markdown_to_a_file(demo: Demo, tmp_path: Path) -> None:
    out = tmp_path / "report.md"
    result = _invoke(demo, "--format", "markdown", "--output", str(out), "--type", "conditionalAccessPolicies")
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    assert text.startswith(f"## entragit diff: `{demo.first.tag}` → live")
    assert "| `state` | `enabled` | `disabled` | ✅ |" in text and "### groups" not in text
    assert result.stdout == "" and "report written to" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.md"]


def test_json_job_carries_the_report(demo: Demo) -> None:
    result = _invoke(demo, "--format", "json", "--json", "--id", GSA)
    assert result.exit_code == 0, result.output
    job = json.loads(result.stdout)
    assert job["job"] == "diff" and job["state"] == "Completed" and job["error"] is None
    assert job["detail"]["from"]["ref"] == demo.first.tag and job["detail"]["to"]["ref"] == "live"
    report = job["detail"]["report"]
    assert report["scope"] == {"types": None, "ids": [GSA]}
    assert [o["id"] for t in report["types"] for o in t["objects"]] == [GSA]
    assert job["detail"]["summary"] == report["summary"] and job["message"].startswith("1 object differs")


def test_id_refuses_a_singleton_naming_its_type(demo: Demo) -> None:
    """--id takes an object id or appId; a singleton has none to give: --type names it."""
    from entragit.state import load_yaml

    tenant = load_yaml(demo.repo / "tenant-state" / "organization" / "organization.yaml")["id"]
    for value, key in (("authorizationPolicy", "authorizationPolicy"), (tenant, "organization")):
        with pytest.raises(UsageError, match=f"^--id {value}: {key} is a singleton \\(one object per tenant\\): "
                                             f"select it with --type {key}, not --id$") as err:
            _invoke(demo, "--id", value)
        assert err.value.exit_code == 2


def test_two_refs_need_no_graph(demo: Demo, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(command, "CLIENT_FACTORY", None)
    result = _invoke(demo, "--to", "HEAD")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[1] == "no differences"


def test_errors_exit_with_their_codes(demo: Demo, monkeypatch: pytest.MonkeyPatch,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    base = ["--repo", str(demo.repo), "diff"]
    cases = [
        ([*base, "--from", "nope"], 2, "unknown revision 'nope'"),
        ([*base, "--from", demo.first.tag, "--type", "nope"], 2, "unknown resource type 'nope'"),
        (["--repo", str(demo.repo.parent), "diff", "--from", "x"], 2, "not a git repository"),
    ]
    for argv, code, message in cases:
        with pytest.raises(SystemExit) as exited:
            main(argv)
        assert exited.value.code == code and message in capsys.readouterr().err
    monkeypatch.setattr(command, "CLIENT_FACTORY", None)
    with pytest.raises(SystemExit) as exited:
        main([*base, "--from", demo.first.tag])
    assert exited.value.code == 2 and "needs a Graph endpoint" in capsys.readouterr().err


def test_a_second_job_is_refused_while_the_lock_is_held(demo: Demo, tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    lock = RepoLock(demo.repo, "backup")
    lock.acquire()
    try:
        out = tmp_path / "report.txt"
        with pytest.raises(SystemExit) as exited:
            main(["--repo", str(demo.repo), "diff", "--from", demo.first.tag, "--output", str(out)])
        err = capsys.readouterr().err
        assert exited.value.code == 6
        assert "another job holds the lock" in err and "job 'backup'" in err and "since" in err
        assert not out.exists()
    finally:
        lock.release()
    assert _invoke(demo).exit_code == 0                       # free again


@pytest.mark.served
def test_ctrl_c_cancels_and_leaves_no_partial_output(served_emulator: str, tmp_path: Path,
                                                     isolated_git: None) -> None:
    """SIGINT while `entragit diff` exports a slow live tenant: Canceled, exit 130, no --output file, no temporary
    tree, the lock released."""
    import httpx

    repo = init_repo(tmp_path / "tenant")
    client = GraphClient.for_emulator(Emulator(seed="demo"))  # the same demo tenant as the served one
    export_tree(client, repo / "tenant-state", durable=False)
    run(client.aclose())
    subprocess.run(["git", "add", "tenant-state"], cwd=repo, check=True)
    subprocess.run(["git", "commit", "-q", "-m", "backup"], cwd=repo, check=True)
    httpx.post(f"{served_emulator}/_emulator/faults", json={"latencyMs": 150}, timeout=10).raise_for_status()
    out = tmp_path / "report.md"
    temp = tmp_path / "tmp"           # the diff's own TMPDIR: its live export tree must be gone afterwards
    temp.mkdir()
    env = {**os.environ, "ENTRAGIT_GRAPH_URL": served_emulator, "CI": "true", "TMPDIR": str(temp)}
    proc = subprocess.Popen([sys.executable, "-m", "entragit", "--repo", str(repo), "diff", "--from", "HEAD",
                             "--format", "markdown", "--output", str(out), "--json"],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stderr is not None
        seen: list[str] = []
        while not any("exporting the live tenant" in line for line in seen):
            line = proc.stderr.readline()
            assert line, f"diff ended early: {''.join(seen)}"
            seen.append(line)
        time.sleep(1.0)                                       # inside the export (150 ms per request)
        proc.send_signal(signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 130, stderr
    job = json.loads(stdout)
    assert job["state"] == "Canceled" and job["error"] == "canceled by the user"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tenant", "tmp"]   # no report, no temporary file
    assert list(temp.iterdir()) == []
    assert not (repo / ".git" / "entragit.lock").exists()


def test_an_unknown_id_is_refused_as_plan_refuses_it(demo: Demo, monkeypatch: pytest.MonkeyPatch) -> None:
    """`--id` of no object, on either side or in the deleted items, is exit 2 naming it, not "no differences"."""
    from tests.report.helpers import FINANCE

    unknown = "00000000-0000-0000-0000-00000000dead"
    for extra in ((), ("--to", "HEAD")):
        with pytest.raises(UsageError, match=f"^--id {unknown}: no object with this id \\(or appId\\)") as err:
            _invoke(demo, "--id", unknown, *extra)
        assert err.value.exit_code == 2
    # known ids pass: a deleted object, an appId, an unchanged object
    app_id = DEMO_FACTS.app_ids[DEMO_FACTS.api_application]
    unchanged = DEMO_FACTS.user_ids["AdeleV@contoso.com"]
    for known in (FINANCE, app_id, unchanged):
        assert _invoke(demo, "--id", known).exit_code == 0
    assert _invoke(demo, "--id", unchanged, "--to", "HEAD").stdout.splitlines()[1] == "no differences"
