"""The project's own tenant-state/ is the demo tenant exported: this fails when it is stale.

Refresh it with ``.venv/bin/python -m entragit.demo export tenant-state`` (see ``entragit/demo.py``), the
entry point this test exports with."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from entragit.cli import cli
from entragit.demo import export_demo

ROOT = Path(__file__).resolve().parents[2]
COMMITTED = ROOT / "tenant-state"


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_committed_tenant_state_is_the_demo_tenant_exported(tmp_path: Path) -> None:
    export_demo(tmp_path / "tenant-state", durable=False)
    fresh, committed = _files(tmp_path / "tenant-state"), _files(COMMITTED)
    stale = sorted(set(fresh) ^ set(committed)) + sorted(k for k in fresh.keys() & committed.keys()
                                                          if fresh[k] != committed[k])
    assert not stale, (f"tenant-state/ is stale ({len(stale)} files differ, e.g. {stale[:3]}): refresh it with "
                       "`.venv/bin/python -m entragit.demo export tenant-state`")


def test_committed_tenant_state_validates() -> None:
    result = CliRunner().invoke(cli, ["--repo", str(ROOT), "validate", str(COMMITTED)])
    assert result.exit_code == 0, result.output
    assert "valid" in result.output
