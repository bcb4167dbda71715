"""Git's own upkeep after a backup: ``git maintenance run --auto``.

A backup writes its commit with ``commit-tree`` and its tag with ``git tag``; neither runs git's automatic
housekeeping (only porcelain commands such as ``git commit`` call ``gc --auto``), so every nightly's blobs and
trees stay loose. At the L tenant of ../shared/reference/performance.md (140,000 files) a nightly with 1%
churn writes about 12 MiB of loose objects, mostly the rewritten ``users/`` tree (100,000 entries); after 30
nightlies a persistent clone holds hundreds of MiB that one ``git gc`` packs into a few MiB.

:func:`run_upkeep` runs ``git maintenance run --auto`` once the backup is recorded (and pushed, so the pushed
tag never waits for it). With maintenance not registered for the repository, its one task is ``gc``, run only
when git's own thresholds say so (``gc.auto``: more than 6,700 loose objects; ``gc.autoPackLimit``: more than
50 packs), and never detached into the background (a detached ``gc --auto`` would outlive the CI job or the
test that started it). ``maintenance.auto=false`` in the repository's git config turns it off, as does
``backup.upkeep: false`` in ``entragit.yaml``. https://git-scm.com/docs/git-maintenance,
https://git-scm.com/docs/git-gc (``--auto``).

A failure of the upkeep never fails the backup: it is reported in the result and the next backup tries again.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from git import Repo

from entragit.gitutil import _config, git_result


@dataclass
class UpkeepResult:
    """What :func:`run_upkeep` did: ``ran`` (git was called), seconds, loose objects before and after, and
    git's message when it failed (the backup stands)."""

    ran: bool
    seconds: float = 0.0
    loose_before: int = 0
    loose_after: int = 0
    packs_after: int = 0
    error: str | None = None

    def to_dict(self) -> dict[str, object]:
        return {"ran": self.ran, "seconds": round(self.seconds, 3), "looseBefore": self.loose_before,
                "looseAfter": self.loose_after, "packsAfter": self.packs_after, "error": self.error}


def object_counts(repo: Repo) -> tuple[int, int]:
    """(loose objects, packs) of the repository, from ``git count-objects -v``."""
    status, out, _ = git_result(repo, "count-objects", "-v")
    values = dict(line.split(": ", 1) for line in out.splitlines() if ": " in line) if status == 0 else {}
    return int(values.get("count", 0)), int(values.get("packs", 0))


def run_upkeep(repo: Repo) -> UpkeepResult:
    """``git maintenance run --auto --quiet`` in ``repo`` (foreground); never raises for git's failures.
    Skipped (``ran`` False) when the repository's git config says ``maintenance.auto=false``: git's own
    commands then skip their automatic maintenance too."""
    loose_before, packs = object_counts(repo)
    if (_config(repo, "maintenance.auto") or "").lower() in ("false", "no", "off", "0"):
        return UpkeepResult(ran=False, loose_before=loose_before, loose_after=loose_before, packs_after=packs)
    start = time.monotonic()
    status, out, err = git_result(repo, "-c", "gc.autoDetach=false", "maintenance", "run", "--auto", "--quiet")
    seconds = time.monotonic() - start
    loose_after, packs_after = object_counts(repo)
    error = None if status == 0 else ((err or out).strip() or f"git maintenance exited with {status}")
    return UpkeepResult(ran=True, seconds=seconds, loose_before=loose_before, loose_after=loose_after,
                        packs_after=packs_after, error=error)


def git_dir_size(repo: Repo) -> int:
    """Bytes under the repository's objects directory (loose objects and packs)."""
    root = Path(repo.git_dir) / "objects"
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file())
