"""kill -9 at every step of the backup's commit window, then the next backup: it repairs by itself.

``ENTRAGIT_FAULT_KILL_AT=<step>`` makes ``entragit backup`` SIGKILL itself right after that step
(entragit.backups.staging.STEPS), so every kill point is hit deterministically. Two cases per step: the next
backup in the same clone (a self-hosted runner, an operator's machine), and with ``--push`` the next backup from
a fresh clone of the remote (what a CI re-run does). Either way the next run exits 0 and leaves: no
``index.lock`` or private index copy, a clean ``git status``, every backup tag's commit on the branch
(``entragit verify --all`` passes, no false "history rewritten"), and a third run finds nothing to change.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from entragit.backups.staging import STEPS
from entragit.jobs.lock import LockInfo

NIGHTS = ["2026-07-01T23:00:00Z", "2026-07-02T23:00:00Z", "2026-07-03T23:00:00Z", "2026-07-04T23:00:00Z"]


def entragit(repo: Path, url: str, *args: str, now: str, kill: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ENTRAGIT_NOW": now}
    env.pop("ENTRAGIT_FAULT_KILL_AT", None)
    if kill:
        env["ENTRAGIT_FAULT_KILL_AT"] = kill
    return subprocess.run([sys.executable, "-m", "entragit", "--graph-url", url, *args], cwd=repo, env=env,
                          capture_output=True, text=True, timeout=300)


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True).stdout


def assert_converged(repo: Path, url: str, now: str) -> None:
    git_dir = repo / ".git"
    assert not (git_dir / "index.lock").exists()
    assert not list(git_dir.glob("entragit-index.*"))
    assert git(repo, "status", "--porcelain", "--untracked-files=all") == ""
    head = git(repo, "rev-parse", "HEAD").strip()
    for tag in git(repo, "tag", "--list", "backup/*").split():
        target = git(repo, "rev-parse", f"{tag}^{{commit}}").strip()
        assert subprocess.run(["git", "merge-base", "--is-ancestor", target, head], cwd=repo).returncode == 0, tag
    verify = entragit(repo, url, "verify", "--all", now=now)
    assert verify.returncode == 0, verify.stdout + verify.stderr
    again = entragit(repo, url, "backup", "--json", now=now)
    assert again.returncode == 0, again.stderr
    out = again.stdout
    job = json.loads(out[out.index("{") if out.startswith("{") else out.index("\n{") + 1:])
    assert job["detail"]["committed"] is False, out


def _edit_tenant(url: str) -> None:
    """A change in the tenant, so the killed backup has something to commit."""
    import httpx

    with httpx.Client(base_url=url, timeout=30) as client:
        users = client.get("/v1.0/users", params={"$top": "1", "$select": "id"}).raise_for_status().json()["value"]
        client.patch(f"/v1.0/users/{users[0]['id']}", json={"jobTitle": "Changed before the kill"}).raise_for_status()


@pytest.mark.parametrize("step", STEPS)
def test_the_next_backup_in_the_same_clone_repairs(step: str, git_repo: Path, served_emulator: str) -> None:
    first = entragit(git_repo, served_emulator, "backup", now=NIGHTS[0])
    assert first.returncode == 0, first.stderr
    _edit_tenant(served_emulator)
    killed = entragit(git_repo, served_emulator, "backup", now=NIGHTS[1], kill=step)
    assert killed.returncode == -signal.SIGKILL, (killed.returncode, killed.stderr[-2000:])
    if step == "tagged":  # before the repair, verify says what happened, not "history rewritten"
        said = entragit(git_repo, served_emulator, "verify", "--all", now=NIGHTS[2])
        assert said.returncode != 0 and "an interrupted backup" in said.stdout, said.stdout
        assert "history rewritten" not in said.stdout
    after = entragit(git_repo, served_emulator, "backup", now=NIGHTS[2])
    assert after.returncode == 0, after.stdout + after.stderr
    if step in ("locked", "staged", "committed", "tagged", "moved", "installed", "delta"):
        assert "removed" in after.stderr and "index.lock" in after.stderr, after.stderr
    if step == "tagged":
        assert "of an interrupted backup" in after.stderr, after.stderr
    assert_converged(git_repo, served_emulator, NIGHTS[3])
    assert "Changed before the kill" in git(git_repo, "grep", "-h", "jobTitle", "HEAD", "--", "tenant-state/users")


@pytest.mark.parametrize("step", STEPS)
def test_a_ci_rerun_from_a_fresh_clone_converges(step: str, git_repo: Path, bare_origin: Path, served_emulator: str,
                                                 tmp_path: Path) -> None:
    first = entragit(git_repo, served_emulator, "backup", "--push", now=NIGHTS[0])
    assert first.returncode == 0, first.stderr
    _edit_tenant(served_emulator)
    killed = entragit(git_repo, served_emulator, "backup", "--push", now=NIGHTS[1], kill=step)
    assert killed.returncode == -signal.SIGKILL, (killed.returncode, killed.stderr[-2000:])
    fresh = tmp_path / "rerun"
    subprocess.run(["git", "clone", "-q", str(bare_origin), str(fresh)], check=True, capture_output=True)
    for key, value in (("user.name", "CI"), ("user.email", "ci@example.com")):
        git(fresh, "config", key, value)
    rerun = entragit(fresh, served_emulator, "backup", "--push", now=NIGHTS[2])
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert "took over the stale remote lock" in rerun.stderr, rerun.stderr
    assert_converged(fresh, served_emulator, NIGHTS[3])
    tags = git(bare_origin, "tag", "--list", "backup/*").split()
    assert len(tags) == len(set(tags)) >= 2 and git(bare_origin, "rev-parse", "main") == git(fresh, "rev-parse", "HEAD")


def test_a_lock_of_an_earlier_attempt_of_the_same_run_is_over(monkeypatch: pytest.MonkeyPatch) -> None:
    """GitHub starts a re-run only once every job of the earlier attempt ended: its lock is stale; a lock of the
    same attempt (a parallel job) or of another run is not."""
    for key, value in (("GITHUB_SERVER_URL", "https://github.com"), ("GITHUB_REPOSITORY", "contoso/tenant"),
                       ("GITHUB_RUN_ID", "42"), ("GITHUB_RUN_ATTEMPT", "1")):
        monkeypatch.setenv(key, value)
    earlier = LockInfo.from_json(LockInfo.new("backup").to_json())
    assert earlier is not None and earlier.attempt == 1
    earlier = LockInfo(job="backup", pid=1, host="another-runner", started=earlier.started, run=earlier.run,
                       attempt=1)
    assert earlier.gone() is None  # the same attempt: maybe a parallel job, still running
    monkeypatch.setenv("GITHUB_RUN_ATTEMPT", "2")
    assert "attempt 1 of this run" in (earlier.gone() or "")
    monkeypatch.setenv("GITHUB_RUN_ID", "43")
    assert earlier.gone() is None
