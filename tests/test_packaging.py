"""The installed package carries what `entragit init` writes: a wheel holds every template."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_wheel_holds_every_template(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(tmp_path),
                           str(ROOT)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    wheel = next(tmp_path.glob("entragit-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    templates = {f"entragit/{p.relative_to(ROOT / 'entragit').as_posix()}"
                 for p in (ROOT / "entragit" / "templates").rglob("*") if p.is_file()}
    assert templates and templates <= names
    assert "entragit/cli.py" in names and any(n.endswith("entry_points.txt") for n in names)
