"""entragit.jobs: states, the one-job lock (contention, stale takeover), cancellation, the remote lock."""

from __future__ import annotations

import io
import json
import os
import re
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from entragit.errors import Canceled, LockedError
from entragit.jobs import (
    LOCK_FILE,
    REMOTE_LOCK_REF,
    JobState,
    LockInfo,
    RepoLock,
    acquire_remote_lock,
    read_lock,
    read_remote_lock,
    release_remote_lock,
    remote_lock,
    run_job,
    shield,
)
from tests.backups.helpers import git, tags

ROOT = Path(__file__).resolve().parents[2]


def _wait_for(path: Path, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        if time.monotonic() > deadline:
            raise AssertionError(f"{path} did not appear")
        time.sleep(0.02)


def _script(tmp_path: Path, body: str) -> Path:
    script = tmp_path / "job_script.py"
    script.write_text(textwrap.dedent(body))
    return script


def _spawn(script: Path, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, str(script), *args], cwd=ROOT, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def test_job_goes_through_its_states_and_prints_json(git_repo: Path) -> None:
    out, err = io.StringIO(), io.StringIO()
    seen = []
    with run_job(git_repo, "report", json_output=True, out=out, err=err) as job:
        seen.append(job.state)
        assert read_lock(git_repo).job == "report"
        job.update(JobState.IN_PROGRESS, "comparing")
        seen.append(job.state)
        job.detail = {"objects": 3}
    assert seen == [JobState.LOADING, JobState.IN_PROGRESS]
    final = json.loads(out.getvalue())
    assert final["job"] == "report" and final["state"] == "Completed" and final["detail"] == {"objects": 3}
    assert final["started"] <= final["finished"] and final["error"] is None
    lines = err.getvalue().splitlines()                                   # not a terminal: a line per change
    assert [ln.split(": ")[1].split(" [")[0] for ln in lines] == ["Loading data", "In progress", "Completed"]
    assert "In progress: comparing" in lines[1]
    assert read_lock(git_repo) is None


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_on_a_terminal_the_state_is_one_line_updated_in_place(git_repo: Path) -> None:
    err = _Terminal()
    with run_job(git_repo, "diff", err=err) as job:
        job.update(JobState.IN_PROGRESS, "comparing")
        job.update(JobState.IN_PROGRESS, "comparing")                     # unchanged: not redrawn
        job.break_line()                                                  # someone else prints a line
        err.write("note: something\n")
        job.update(message="rendering")
    shown = err.getvalue()
    assert shown.count("\r\x1b[K") == 4 and shown.endswith("\n")
    frames = [f.split(" [")[0] for f in shown.split("\r\x1b[K")[1:]]
    assert frames == ["diff: Loading data", "diff: In progress: comparing", "diff: In progress: rendering",
                      "diff: Completed: rendering"]
    assert re.search(r"comparing \[\d\d:\d\d\]\nnote: something\n", shown)  # the live line ended first


def test_a_failing_job_is_failed_and_releases_the_lock(git_repo: Path) -> None:
    out = io.StringIO()
    with pytest.raises(ValueError, match="bad file"):
        with run_job(git_repo, "plan", json_output=True, out=out, err=io.StringIO()):
            raise ValueError("bad file")
    final = json.loads(out.getvalue())
    assert final["state"] == "Failed" and final["error"] == "ValueError: bad file"
    assert not (git_repo / ".git" / LOCK_FILE).exists()


def test_a_second_job_is_refused_naming_the_running_one(git_repo: Path) -> None:
    holding, release = threading.Event(), threading.Event()

    def first() -> None:
        with run_job(git_repo, "recover", err=io.StringIO()):
            holding.set()
            release.wait(10)

    thread = threading.Thread(target=first)
    thread.start()
    try:
        assert holding.wait(10)
        with pytest.raises(LockedError) as refused:
            with run_job(git_repo, "backup", err=io.StringIO()):
                pytest.fail("the second job must not run")
        info = read_lock(git_repo)
        assert "job 'recover'" in str(refused.value) and f"since {info.started}" in str(refused.value)
        assert refused.value.exit_code == 6
    finally:
        release.set()
        thread.join(10)
    with run_job(git_repo, "backup", err=io.StringIO()):           # free again
        pass


def test_a_job_in_another_process_holds_the_lock(git_repo: Path, tmp_path: Path) -> None:
    ready, stop = tmp_path / "ready", tmp_path / "stop"
    script = _script(tmp_path, f"""
        import time
        from pathlib import Path
        from entragit.jobs import run_job
        with run_job({str(git_repo)!r}, "nightly-export"):
            Path({str(ready)!r}).write_text("held")
            while not Path({str(stop)!r}).exists():
                time.sleep(0.02)
    """)
    proc = _spawn(script)
    try:
        _wait_for(ready)
        with pytest.raises(LockedError, match=rf"job 'nightly-export' \(pid {proc.pid} on "):
            RepoLock(git_repo, "backup").acquire()
    finally:
        stop.write_text("go")
        _, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err
    assert read_lock(git_repo) is None


def _write_lock(repo: Path, **fields: object) -> None:
    info = {"job": "backup", "pid": os.getpid(), "host": socket.gethostname(),
            "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "token": "old", **fields}
    (repo / ".git" / LOCK_FILE).write_text(json.dumps(info))


def test_a_stale_lock_of_a_dead_process_is_taken_over(git_repo: Path) -> None:
    dead = subprocess.Popen(["true"])
    dead.wait()
    _write_lock(git_repo, pid=dead.pid, job="crashed-backup")
    notices: list[str] = []
    lock = RepoLock(git_repo, "backup", notice=notices.append)
    info = lock.acquire()
    assert read_lock(git_repo).token == info.token
    assert len(notices) == 1 and "crashed-backup" in notices[0] and f"pid {dead.pid} is not running" in notices[0]
    lock.release()
    assert read_lock(git_repo) is None


def test_a_lock_older_than_the_max_age_is_taken_over(git_repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _write_lock(git_repo, started="2020-01-01T00:00:00Z")                 # our own live pid, but ancient
    notices: list[str] = []
    with RepoLock(git_repo, "backup", notice=notices.append):
        assert "older than" in notices[0]
    _write_lock(git_repo)                                                 # live and fresh: refused
    with pytest.raises(LockedError):
        RepoLock(git_repo, "backup").acquire()
    monkeypatch.setenv("ENTRAGIT_LOCK_MAX_AGE", "0")
    with RepoLock(git_repo, "backup", notice=notices.append):
        assert len(notices) == 2


def test_a_lock_on_another_host_is_not_judged_by_its_pid(git_repo: Path) -> None:
    _write_lock(git_repo, host="runner-elsewhere", pid=999999)
    with pytest.raises(LockedError, match="on runner-elsewhere"):
        RepoLock(git_repo, "backup").acquire()


def test_release_leaves_a_lock_taken_over_by_someone_else(git_repo: Path) -> None:
    lock = RepoLock(git_repo, "backup")
    lock.acquire()
    _write_lock(git_repo, token="someone-else")
    lock.release()
    assert read_lock(git_repo).token == "someone-else"


def test_shield_defers_ctrl_c_to_the_end_of_the_block() -> None:
    done = []
    with pytest.raises(KeyboardInterrupt):
        with shield():
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(0.05)
            done.append("commit and tag")
    assert done == ["commit and tag"]


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_ctrl_c_cancels_a_backup_cleanly(git_repo: Path, tmp_path: Path, sig: signal.Signals) -> None:
    ready = tmp_path / "exporting"
    script = _script(tmp_path, f"""
        import shutil, sys, tempfile, time
        from pathlib import Path
        from entragit.backups import backup
        from entragit.errors import Canceled
        from entragit.jobs import run_job
        from tests.backups.helpers import demo_tenant

        def slow_export(out_dir):
            # like entragit.export: write a temporary tree, move it in only when complete
            tmp = Path(tempfile.mkdtemp(dir=out_dir.parent, prefix=".export-"))
            try:
                demo_tenant().export(tmp / "tenant-state")
                Path({str(ready)!r}).write_text("half way")
                time.sleep(30)
                shutil.move(tmp / "tenant-state", out_dir)
            finally:
                shutil.rmtree(tmp, ignore_errors=True)

        repo = Path({str(git_repo)!r})
        try:
            with run_job(repo, "backup", json_output=True) as job:
                backup(repo, export_step=slow_export, progress=job.update)
        except Canceled:
            sys.exit(130)
    """)
    head = git(git_repo, "rev-parse", "HEAD")
    proc = _spawn(script)
    try:
        _wait_for(ready)
    except AssertionError:
        proc.kill()
        raise AssertionError(proc.communicate()[1]) from None
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=20)
    assert proc.returncode == 130, err
    final = json.loads(out)
    assert final["state"] == "Canceled" and final["job"] == "backup" and final["finished"]
    assert "Loading data: exporting the tenant" in err and "Canceled" in err
    assert read_lock(git_repo) is None
    assert git(git_repo, "rev-parse", "HEAD") == head and tags(git_repo) == []
    assert git(git_repo, "status", "--porcelain", "--ignored") == ""      # no partial file anywhere
    assert sorted(p.name for p in (git_repo / ".git").iterdir() if "lock" in p.name or "entragit" in p.name) == []


# -- the remote lock -----------------------------------------------------------------------------------------
def _clone(tmp_path: Path, origin: Path, name: str) -> Path:
    path = tmp_path / name
    git(tmp_path, "clone", "-q", str(origin), str(path))
    return path


def test_remote_lock_is_exclusive_and_released(git_repo: Path, bare_origin: Path, tmp_path: Path) -> None:
    other = _clone(tmp_path, bare_origin, "runner2")
    with remote_lock(git_repo, "recover") as held:
        assert git(bare_origin, "rev-parse", REMOTE_LOCK_REF).strip() == held.sha
        seen = read_remote_lock(other)
        assert seen is not None and seen.info.job == "recover" and seen.info.token == held.info.token
        with pytest.raises(LockedError, match=r"job 'recover' \(pid \d+ on .*, since "):
            acquire_remote_lock(other, "backup")
    assert git(bare_origin, "rev-parse", "--verify", "-q", REMOTE_LOCK_REF, check=False) == ""
    with remote_lock(other, "backup") as mine:
        assert read_remote_lock(git_repo).sha == mine.sha
    assert read_remote_lock(git_repo) is None


def test_remote_lock_waits_for_the_holder(git_repo: Path, bare_origin: Path, tmp_path: Path) -> None:
    other = _clone(tmp_path, bare_origin, "runner2")
    held = acquire_remote_lock(git_repo, "recover")
    timer = threading.Timer(0.5, release_remote_lock, args=(git_repo, held))
    timer.start()
    try:
        started = time.monotonic()
        with remote_lock(other, "backup", wait=20, poll=0.1) as mine:
            assert time.monotonic() - started >= 0.4
            assert read_remote_lock(git_repo).sha == mine.sha
    finally:
        timer.cancel()


def test_a_stale_remote_lock_is_taken_over_and_not_deleted_by_its_old_holder(
        git_repo: Path, bare_origin: Path, tmp_path: Path) -> None:
    other = _clone(tmp_path, bare_origin, "runner2")
    crashed = acquire_remote_lock(git_repo, "recover")
    notices: list[str] = []
    taken = acquire_remote_lock(other, "backup", max_age=0, notice=notices.append)
    assert "stale remote lock" in notices[0] and "recover" in notices[0]
    assert not release_remote_lock(git_repo, crashed, notice=notices.append)   # lease on its old sha fails
    assert read_remote_lock(other).sha == taken.sha
    assert release_remote_lock(other, taken)
    assert read_remote_lock(other) is None


def test_backup_push_takes_the_remote_lock(git_repo: Path, bare_origin: Path, tmp_path: Path) -> None:
    """What backup.yml runs: `entragit backup --push` refuses while a recovery holds the remote lock."""
    from click.testing import CliRunner

    import entragit.commands.backup as command
    from entragit.cli import cli
    from tests.backups.helpers import demo_tenant

    tenant = demo_tenant()
    runner = CliRunner()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(command, "EXPORT_STEP", lambda ctx, types: tenant.export)
        mp.setenv("ENTRAGIT_NOW", "2026-06-01T23:00:00Z")
        with remote_lock(_clone(tmp_path, bare_origin, "recovery-runner"), "recover"):
            refused = runner.invoke(cli, ["--repo", str(git_repo), "backup", "--push"])
            assert isinstance(refused.exception, LockedError) and "recover" in str(refused.exception)
            assert tags(git_repo) == []
        done = runner.invoke(cli, ["--repo", str(git_repo), "backup", "--push"])
        assert done.exit_code == 0, done.output
    assert read_remote_lock(git_repo) is None
    assert "refs/tags/backup/20260601T230000Z" in git(git_repo, "ls-remote", "--tags", "origin")


def test_lock_info_round_trip() -> None:
    info = LockInfo.new("backup")
    assert LockInfo.from_json(info.to_json()) == info
    assert LockInfo.from_json("{not json") is None
    assert info.age() < 60
    assert Canceled("x").exit_code == 130


def test_an_unreadable_lock_is_judged_by_its_age(git_repo: Path) -> None:
    path = git_repo / ".git" / LOCK_FILE
    path.write_text("")                                                   # e.g. a crash mid-write elsewhere
    with pytest.raises(LockedError, match="unreadable lock"):
        RepoLock(git_repo, "backup").acquire()
    os.utime(path, (time.time() - 3 * 86400, time.time() - 3 * 86400))
    notices: list[str] = []
    with RepoLock(git_repo, "backup", notice=notices.append) as info:
        assert read_lock(git_repo).token == info.token and "unreadable lock" in notices[0]
    assert sorted(p.name for p in (git_repo / ".git").iterdir() if "lock" in p.name) == []
