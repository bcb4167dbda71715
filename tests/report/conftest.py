"""Fixtures of the report tests: the demo tenant backed up into a git repository and changed (module scope:
building it exports the tenant twice, and every test only reads it)."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from entragit.graph import run
from tests.report.helpers import Demo, change_demo, demo_backup


def init_repo(path: Path) -> Path:
    path.mkdir(parents=True)
    for args in (("init", "-q", "-b", "main"), ("config", "user.name", "Test Operator"),
                 ("config", "user.email", "operator@example.com"), ("config", "commit.gpgsign", "false"),
                 ("config", "tag.gpgsign", "false")):
        subprocess.run(["git", *args], cwd=path, check=True, capture_output=True)
    (path / "README.md").write_text("# tenant repository\n", encoding="utf-8")
    subprocess.run(["git", "add", "README.md"], cwd=path, check=True, capture_output=True)
    subprocess.run(["git", "commit", "-q", "-m", "init"], cwd=path, check=True, capture_output=True)
    return path


@pytest.fixture(scope="module")
def isolated_git() -> Iterator[None]:
    """git without the machine's global/system configuration, and no injected backup clock."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GIT_CONFIG_GLOBAL", "/dev/null")
        mp.setenv("GIT_CONFIG_NOSYSTEM", "1")
        for name in ("ENTRAGIT_NOW", "ENTRAGIT_GIT_NAME", "ENTRAGIT_GIT_EMAIL", "GIT_AUTHOR_DATE",
                     "GIT_COMMITTER_DATE", "ENTRAGIT_LOCK_MAX_AGE", "ENTRAGIT_GRAPH_URL"):
            mp.delenv(name, raising=False)
        yield


@pytest.fixture(scope="module")
def changed_demo(tmp_path_factory: pytest.TempPathFactory, isolated_git: None) -> Iterator[Demo]:
    """The demo tenant backed up at T0, then changed by :func:`change_demo` (not backed up again)."""
    demo = demo_backup(init_repo(tmp_path_factory.mktemp("report") / "tenant"))
    change_demo(demo)
    yield demo
    run(demo.client.aclose())
