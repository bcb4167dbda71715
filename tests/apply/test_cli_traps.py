"""Small traps of the command line, through the CLI: an unreachable Graph fails fast and says what to check,
global options after the command, "n" at the apply prompt, a malformed --checksum, a mistyped --type, notices
on a line of their own."""

from __future__ import annotations

import io
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from entragit.emulator.seeds import DEMO_FACTS as F
from entragit.graph import run
from tests.apply.helpers import Lab

GSA = F.ca_policy_ids[F.gsa_policy]


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_an_unreachable_graph_fails_fast_naming_the_url(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{_closed_port()}"
    started = time.monotonic()
    # the global option after the command: accepted there too
    done = subprocess.run([sys.executable, "-m", "entragit", "export", "--out", str(tmp_path / "out"),
                           "--graph-url", url], capture_output=True, text=True, timeout=60)
    seconds = time.monotonic() - started
    assert done.returncode == 2, done.stderr
    [line] = [x for x in done.stderr.splitlines() if x.startswith("entragit: error:")]
    assert line.startswith(f"entragit: error: cannot reach {url} (")
    assert "is the emulator running" in line and "--graph-url" in line and "Traceback" not in done.stderr
    assert seconds < 10, seconds     # no minute of retries (was 19-25 s)
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").rglob("*.yaml"))


def test_global_options_after_the_command(lab: Lab, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    lab.backup()
    from entragit.cli import main

    capsys.readouterr()
    with pytest.raises(SystemExit) as exited:
        main(["backups", "--repo", str(lab.repo)])
    assert exited.value.code == 0 and "backup/" in capsys.readouterr().out


def test_no_at_the_apply_prompt_writes_nothing_with_its_own_exit_code(lab: Lab, capsys: pytest.CaptureFixture[str],
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    lab.backup()
    run(lab.client.patch(f"identity/conditionalAccess/policies/{GSA}", {"state": "disabled"}))

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr(sys, "stdin", Terminal("n\n"))
    lab.mark()
    done = lab.cli(capsys, "apply")
    assert done.code == 7, done.err
    assert "Apply this change to the tenant? [y/N]" in done.err
    assert "not applied (answered no): nothing was written" in done.err
    assert lab.writes() == []
    assert lab.git("notes", "--ref", "entragit", "list") == ""


def test_a_malformed_checksum_is_refused_before_reading_the_tenant(lab: Lab,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    lab.backup()
    before = len(lab.emu.counters.requests())
    for bad in ("xyz", "1234", "g" * 64, "a" * 65):
        done = lab.cli(capsys, "apply", "--checksum", bad, "--yes")
        assert done.code == 2 and f"--checksum {bad!r}: not a plan checksum" in done.err
    assert len(lab.emu.counters.requests()) == before       # not one Graph request


def test_a_mistyped_type_gets_a_did_you_mean(lab: Lab, capsys: pytest.CaptureFixture[str]) -> None:
    lab.backup()
    for command in (("plan",), ("diff", "--from", "HEAD", "--to", "HEAD"), ("export", "--out", "x")):
        done = lab.cli(capsys, *command, "--type", "Groups")
        assert done.code == 2 and "unknown resource type 'Groups': did you mean 'groups'?" in done.err, command


def test_a_notice_ends_the_live_status_line_first(tmp_path: Path, git_repo: Path) -> None:
    from entragit.graph.auth import auth_provider
    from entragit.jobs import run_job
    from entragit.settings import load_settings

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    err = Terminal()
    with run_job(git_repo, "diff", err=err) as job:
        job.update(message="exporting the live tenant")
        auth_provider("http://127.0.0.1:9", load_settings(None, repo=git_repo), stderr=err)
        job.update(message="reading deleted items")
    lines = err.getvalue().split("\n")
    starts = [line.split("\r")[-1] for line in lines]
    assert any(s.startswith("entragit: notice: http://127.0.0.1:9 is not the Graph host") for s in starts)
    for line in lines:
        if "entragit: notice" in line:
            assert line.split("\x1b[K")[-1].startswith("entragit: notice"), repr(line)   # nothing drawn before it
