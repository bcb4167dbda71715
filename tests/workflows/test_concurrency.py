"""Why a backup and a recovery never run at the same time, and why no queued recovery is dropped (the argument
is written out in docs/setup.md, "Concurrency: why it holds"); each claim that our code or workflows carry is
tested here, against the workflow files and a real bare `origin`.

1. The lock excludes: of several jobs racing for `refs/entragit/lock` through one bare origin (each in its own
   clone, as each runner is its own machine), at most one holds it at any moment, and every one gets it.
2. Every job that writes the tenant or entragit's commits holds the lock, and waits for it.
3. A lock is taken over only from a job GitHub has already killed: every job that holds it has a
   `timeout-minutes` (lock wait included) below the age at which a lock counts as stale.
4. The concurrency groups: no run can cancel a pending recovery (tests/workflows/test_hardening.py,
   test_concurrency_design); a backup's group is shared only with backups.
"""

from __future__ import annotations

import re
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from entragit.init import WORKFLOWS
from entragit.jobs import DEFAULT_REMOTE_MAX_AGE, REMOTE_LOCK_REF, acquire_remote_lock, release_remote_lock
from tests.workflows.helpers import PROJECT_WORKFLOWS, admin_workflow, load_workflow, run_steps
from tests.workflows.runner import git

SETUP = (Path(__file__).resolve().parents[2] / "docs" / "setup.md").read_text(encoding="utf-8")
# the commands that write to the tenant or push entragit's commits, and so must hold the lock
# runners' clocks (NTP) and GitHub's kill of a job past its timeout: far less than this
CLOCK_MARGIN = 600.0
WRITERS = re.compile(r"\bentragit (backup --push|apply)\b|\bentragit (apply|backup) \"\$\{args\[@\]\}\"")


def _lock_jobs() -> list[tuple[str, str, dict[str, Any], str]]:
    """(workflow, job id, job, the shell that runs the writing command) for every job that writes."""
    found = []
    workflows = {name: load_workflow(PROJECT_WORKFLOWS / name) for name in WORKFLOWS}
    workflows["entragit-apply.yml"] = admin_workflow()   # the administrators' reusable workflow: the apply
    for name, data in sorted(workflows.items()):
        for job_id, job in data["jobs"].items():
            runs = "\n".join(step["run"] for _, _, step in run_steps({"jobs": {job_id: job}}))
            if WRITERS.search(runs):
                found.append((name, job_id, job, runs))
    return found


def test_the_jobs_that_write_are_the_backups_and_the_apply() -> None:
    assert [(name, job_id) for name, job_id, _, _ in _lock_jobs()] == [
        ("backup.yml", "backup"), ("entragit-apply.yml", "apply"), ("recover.yml", "backup")]


@pytest.mark.parametrize(("name", "job_id", "job", "runs"), _lock_jobs(),
                         ids=[f"{name}:{job_id}" for name, job_id, _, _ in _lock_jobs()])
def test_every_writing_job_waits_for_the_lock_and_cannot_outlive_it(name: str, job_id: str, job: dict[str, Any],
                                                                    runs: str) -> None:
    assert "--no-remote-lock" not in runs, f"{name}: {job_id} writes without the lock"
    waits = [float(w) for w in re.findall(r"--lock-wait (\d+)", runs)]
    assert waits, f"{name}: {job_id} fails at once when another job holds the lock, instead of waiting"
    timeout = float(job["timeout-minutes"]) * 60
    # waiting is bounded by the job (a job that waited in vain fails visibly, before GitHub kills it) ...
    assert max(waits) < timeout, f"{name}: {job_id} may wait {max(waits):g} s in a job of {timeout:g} s"
    # ... and GitHub kills the job long before its lock would count as stale and be taken over
    assert timeout + CLOCK_MARGIN < DEFAULT_REMOTE_MAX_AGE, (
        f"{name}: {job_id} may run {timeout:g} s, its lock is taken over after {DEFAULT_REMOTE_MAX_AGE:g} s")


def test_the_argument_is_written_down() -> None:
    section = SETUP.split("### Concurrency: why it holds", 1)[1].split("\n## ", 1)[0]
    for fact in (REMOTE_LOCK_REF, "--force-with-lease", "timeout-minutes", f"{DEFAULT_REMOTE_MAX_AGE / 3600:g} h",
                 "github.run_id", "entragit-backup", "--lock-wait"):
        assert fact in section, fact


def test_concurrent_holders_through_a_bare_origin_never_overlap(git_repo: Path, bare_origin: Path,
                                                                tmp_path: Path) -> None:
    """Three runners race for the lock four times each: the critical sections never overlap, none starves."""
    runners = []
    for i in range(3):
        clone = tmp_path / f"runner{i}"
        git(tmp_path, "clone", "-q", str(bare_origin), str(clone))
        runners.append(clone)
    guard = threading.Lock()
    inside: list[str] = []
    overlaps: list[tuple[str, ...]] = []
    held: list[str] = []
    errors: list[BaseException] = []
    start = threading.Barrier(len(runners))

    def contend(clone: Path, name: str) -> None:
        try:
            start.wait()
            for round_ in range(4):
                lock = acquire_remote_lock(clone, f"{name}-{round_}", wait=60, poll=0.02)
                with guard:
                    inside.append(name)
                    if len(inside) > 1:
                        overlaps.append(tuple(inside))
                    held.append(lock.sha)
                time.sleep(0.05)  # the work done under the lock; a second holder would show up here
                # the remote still names this holder while it works
                assert git(bare_origin, "rev-parse", REMOTE_LOCK_REF) == lock.sha
                with guard:
                    inside.remove(name)
                assert release_remote_lock(clone, lock)
        except BaseException as exc:  # noqa: BLE001 - reported by the test below
            errors.append(exc)

    threads = [threading.Thread(target=contend, args=(clone, clone.name)) for clone in runners]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    assert not any(t.is_alive() for t in threads)
    assert overlaps == []
    assert len(held) == len(set(held)) == 12
    assert git(bare_origin, "for-each-ref", "refs/entragit/") == ""  # released: no lock left behind
