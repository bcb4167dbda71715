"""`entragit backup --push` as CI runs it, night after night, each night from a fresh clone: the first backup is a
full export, the next ones continue from the delta state the previous push left in refs/entragit/delta, and a
fallback (a forced resync) is a full export the backup says so about (manifest, summary)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
import yaml

from entragit.backups import deltastate
from entragit.emulator.seeds import DEMO_FACTS
from tests.backups.helpers import git

ROOT = Path(__file__).resolve().parents[2]


def _ci_backup(origin: Path, workdir: Path, night: int, graph: str) -> tuple[dict, dict, str]:
    """A fresh clone (branches and tags, as actions/checkout), `entragit backup --push`: (job detail, manifest,
    step summary)."""
    clone = workdir / f"night-{night}"
    git(workdir, "clone", "-q", str(origin), str(clone))
    env = {**os.environ, "ENTRAGIT_NOW": f"2026-07-{night:02d}T23:00:00Z", "ENTRAGIT_GRAPH_URL": graph, "CI": "true"}
    summary = workdir / f"summary-{night}.md"
    done = subprocess.run([sys.executable, "-m", "entragit", "--repo", str(clone), "backup", "--push", "--json",
                           "--summary", str(summary)], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=180)
    assert done.returncode == 0, done.stderr
    detail = json.loads(done.stdout)["detail"]
    body = git(origin, "for-each-ref", "--format=%(contents:body)", f"refs/tags/{detail['tag']}")
    return detail, yaml.safe_load(body), summary.read_text()


def test_nightly_ci_backups_continue_from_the_pushed_delta_state(served_emulator: str, git_repo: Path,
                                                                 bare_origin: Path, tmp_path: Path) -> None:
    first, manifest, _ = _ci_backup(bare_origin, tmp_path, 1, served_emulator)
    assert manifest["export"]["mode"] == "full"
    assert "no delta state" in manifest["export"]["fallback"]
    pushed = git(bare_origin, "cat-file", "blob", f"{deltastate.DELTA_REF}:{deltastate.DELTA_FILE}")
    assert first["commit"] in pushed

    user = DEMO_FACTS.user_ids[DEMO_FACTS.cloud_user_upn]
    with httpx.Client(base_url=f"{served_emulator}/v1.0", timeout=30) as graph:
        graph.patch(f"/users/{user}", json={"jobTitle": "Nightly CI"}).raise_for_status()
    second, manifest, summary = _ci_backup(bare_origin, tmp_path, 2, served_emulator)
    assert manifest["export"]["mode"] == "incremental" and "fallback" not in manifest["export"]
    assert second["committed"] and second["committedChanges"] == {
        "users": {"added": 0, "modified": 1, "deleted": 0}}
    assert manifest["export"]["requests"] < first["export"]["requests"]
    assert "Incremental export" in summary

    httpx.post(f"{served_emulator}/_emulator/delta", json={"resync": "all"}, timeout=10).raise_for_status()
    third, manifest, summary = _ci_backup(bare_origin, tmp_path, 3, served_emulator)
    assert manifest["export"]["mode"] == "full"
    assert manifest["export"]["fallback"].endswith("Graph asked for a full resync (410 Gone)")
    assert "Full export" in summary and "410 Gone" in summary
    assert not third["committed"]                 # the full export found nothing the incremental ones missed
    pushed = git(bare_origin, "cat-file", "blob", f"{deltastate.DELTA_REF}:{deltastate.DELTA_FILE}")
    assert third["commit"] in pushed and '"tag": "backup/20260703T230000Z"' in pushed
