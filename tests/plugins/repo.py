"""Fixtures for real git repositories: ``git_repo`` (a tenant repository in tmp_path) and ``bare_origin``.

Both run with git's global and system configuration switched off (``GIT_CONFIG_GLOBAL=/dev/null``,
``GIT_CONFIG_NOSYSTEM=1``), so the machine's settings never leak into a test; ``ENTRAGIT_NOW`` is unset.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest


def _git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


@pytest.fixture
def git_repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A tenant repository: ``git init -b main``, a user configured, one commit (README.md), no tenant-state."""
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", "/dev/null")
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for name in ("ENTRAGIT_NOW", "ENTRAGIT_GIT_NAME", "ENTRAGIT_GIT_EMAIL", "GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL",
                 "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL", "GIT_AUTHOR_DATE", "GIT_COMMITTER_DATE",
                 "GITHUB_STEP_SUMMARY", "ENTRAGIT_LOCK_MAX_AGE", "ENTRAGIT_REMOTE_LOCK_MAX_AGE"):
        monkeypatch.delenv(name, raising=False)
    repo = tmp_path / "tenant"
    repo.mkdir()
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "config", "user.name", "Test Operator")
    _git(repo, "config", "user.email", "operator@example.com")
    _git(repo, "config", "commit.gpgsign", "false")
    _git(repo, "config", "tag.gpgsign", "false")
    (repo / "README.md").write_text("# tenant repository\n", encoding="utf-8")
    _git(repo, "add", "README.md")
    _git(repo, "commit", "-q", "-m", "init")
    yield repo


@pytest.fixture
def bare_origin(tmp_path: Path, git_repo: Path) -> Path:
    """A bare repository registered as ``origin`` of ``git_repo``, with ``main`` pushed."""
    origin = tmp_path / "origin.git"
    _git(tmp_path, "init", "-q", "--bare", "-b", "main", str(origin))
    _git(git_repo, "remote", "add", "origin", str(origin))
    _git(git_repo, "push", "-q", "origin", "main")
    return origin
