"""The installed package carries what it reads at run time: a wheel holds every template `entragit init` writes
and the emulator's copy of Graph's metadata."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel_names(tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    # built from a copy without build/ and *.egg-info: a stale build directory would hide a missing file
    source = tmp_path_factory.mktemp("source") / "entragit"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(
        ".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", ".pytest_cache", ".ruff_cache", "node_modules"))
    out = tmp_path_factory.mktemp("wheel")
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(out),
                           str(source)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    wheel = next(out.glob("entragit-*.whl"))
    return set(zipfile.ZipFile(wheel).namelist())


def test_the_wheel_holds_every_template(wheel_names: set[str]) -> None:
    templates = {f"entragit/{p.relative_to(ROOT / 'entragit').as_posix()}"
                 for p in (ROOT / "entragit" / "templates").rglob("*") if p.is_file()}
    assert templates and templates <= wheel_names
    assert "entragit/cli.py" in wheel_names and any(n.endswith("entry_points.txt") for n in wheel_names)


def test_the_wheel_holds_the_emulator_metadata_with_its_licence(wheel_names: set[str]) -> None:
    # the emulator's schema (Graph's v1.0 CSDL) is read from the package, never from outside the repository
    folder = "entragit/emulator/metadata/"
    assert {folder + "v1.0.csdl.xml.gz", folder + "LICENSE", folder + "README.md", folder + "__init__.py"} <= wheel_names
