"""The import contracts of pyproject.toml ([tool.importlinter]): layers, who may import the emulator, no cycles.

``lint-imports`` (import-linter, installed with the ``test`` extra) checks them; these tests run it as CI does,
and show on a copy of the package that each contract does fail when broken.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _lint(cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    # --no-cache: no .import_linter_cache written, and parallel test workers never share one
    return subprocess.run([str(LINT_IMPORTS), "--no-cache"], cwd=cwd, capture_output=True, text=True, timeout=120,
                          env=env)


def _contracts() -> list[str]:
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    section = text.split("[tool.importlinter]", 1)[1].split("\n[tool.", 1)[0]
    return re.findall(r'^name = "(.+)"$', section, flags=re.MULTILINE)


def test_the_import_contracts_hold() -> None:
    done = _lint(ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    names = _contracts()
    assert names and f"Contracts: {len(names)} kept, 0 broken." in done.stdout


def test_each_contract_fails_when_broken(tmp_path: Path) -> None:
    """A copy of the package with an upward import, an import of the emulator from the core, a cycle and an
    import of the client from the emulator: every contract reports BROKEN (so a green run means something)."""
    shutil.copytree(ROOT / "entragit", tmp_path / "entragit", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    violations = {
        "entragit/resources/paths.py": "import entragit.state  # upward: resources sit below state\n",
        "entragit/export/run.py": "import entragit.emulator  # the core imports the emulator\n",
        "entragit/graph/wire.py": "import entragit.graph.client  # client -> verbs -> wire -> client: a cycle\n",
        "entragit/emulator/errors.py": "import entragit.resources  # the emulator reads a client declaration\n",
    }
    for path, line in violations.items():
        target = tmp_path / path
        target.write_text(target.read_text(encoding="utf-8") + line, encoding="utf-8")
    # the copy, not the installed (editable) entragit: a path entry comes before the editable finder
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    done = _lint(tmp_path, env)
    assert done.returncode != 0
    out = re.sub(r"\s+", " ", done.stdout)
    for name in _contracts():
        assert f"{name} BROKEN" in out, done.stdout
    assert "entragit.resources.paths -> entragit.state" in out
    assert "entragit.export.run -> entragit.emulator" in out
