"""Real backups of the demo tenant: the exporter (entragit.export) against the emulator, into a git repository."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from entragit.backups import backup, list_backups, verify
from entragit.emulator import Emulator
from entragit.emulator.seeds import DEMO_FACTS
from entragit.export import ExportError, export_tree
from entragit.graph import GraphClient, RetryPolicy, run
from tests.backups.helpers import git, tags

ROOT = Path(__file__).resolve().parents[2]


def test_backup_of_the_demo_tenant_records_a_disabled_policy(emulator: Emulator, graph: GraphClient,
                                                              git_repo: Path) -> None:
    def step(out_dir: Path) -> object:
        return export_tree(graph, out_dir, durable=False)

    first = backup(git_repo, export_step=step, now="2026-07-01T23:00:00Z")
    assert first.committed and first.snapshot.total > 20
    assert first.export.tenant_id == DEMO_FACTS.tenant_id == first.manifest["tenantId"]
    assert first.export.requests and first.export.requests > 0
    # what the tree holds is what the exporter read, type by type
    assert first.counts == {key: n for key, n in first.export.counts.items() if n}
    assert first.snapshot.total == len(git(git_repo, "ls-files", "tenant-state/*/*.yaml").split())
    assert git(git_repo, "status", "--porcelain", "--ignored") == ""      # no staging left beside the tree

    policy = DEMO_FACTS.ca_policy_ids[DEMO_FACTS.gsa_policy]
    run(graph.patch(f"identity/conditionalAccess/policies/{policy}", {"state": "disabled"}))
    second = backup(git_repo, export_step=step, now="2026-07-02T23:00:00Z")

    assert second.committed
    assert {k: v.to_dict() for k, v in second.changes.items()} == {
        "conditionalAccessPolicies": {"added": 0, "modified": 1, "deleted": 0}}
    diff = git(git_repo, "diff", "-U0", first.tag, second.tag, "--", "tenant-state")
    assert f"tenant-state/conditionalAccessPolicies/{policy}.yaml" in diff
    assert "-state: enabled" in diff and "+state: disabled" in diff

    emulator.clock.advance(days=3)                                        # nothing volatile in tenant-state/:
    third = backup(git_repo, export_step=step, now="2026-07-03T23:00:00Z")  # days later, an unchanged tenant
    assert not third.committed and third.commit == second.commit          # exports the same bytes: tag only
    assert [b.tag for b in list_backups(git_repo)] == [third.tag, second.tag, first.tag]
    assert all(verify(git_repo, t, deep=True).ok for t in tags(git_repo))


def test_a_failed_real_export_touches_nothing(emulator: Emulator, git_repo: Path) -> None:
    """Graph fails half-way through the export of a changed tenant: tenant-state/ keeps the last backup's bytes,
    no commit, no tag, no staging left beside the tree."""
    client = GraphClient.for_emulator(emulator, retry=RetryPolicy(max_attempts=1))

    def step(out_dir: Path) -> object:
        return export_tree(client, out_dir, durable=False)

    first = backup(git_repo, export_step=step, now="2026-07-01T23:00:00Z")
    before = {p: p.read_bytes() for p in (git_repo / "tenant-state").rglob("*") if p.is_file()}
    policy = DEMO_FACTS.ca_policy_ids[DEMO_FACTS.gsa_policy]
    run(client.patch(f"identity/conditionalAccess/policies/{policy}", {"state": "disabled"}))
    run(client.delete(f"groups/{DEMO_FACTS.group_ids['Finance']}"))
    # a late failure: group members are read group by group, after the listings of every type were staged
    emulator.faults.configure(fault_rate=1.0, fault_status=503, retry_after=0, paths=r"^groups/[^/]+/members",
                              methods=["GET"])
    try:
        with pytest.raises(ExportError, match="groups"):
            backup(git_repo, export_step=step, now="2026-07-02T23:00:00Z")
    finally:
        emulator.faults.configure(fault_rate=0.0)
        run(client.aclose())
    after = {p: p.read_bytes() for p in (git_repo / "tenant-state").rglob("*") if p.is_file()}
    assert after == before
    assert git(git_repo, "status", "--porcelain", "--ignored") == ""
    assert sorted(p.name for p in git_repo.iterdir()) == [".git", "README.md", "tenant-state"]
    assert git(git_repo, "rev-parse", "HEAD").strip() == first.commit and tags(git_repo) == [first.tag]


def test_entragit_backup_against_the_served_emulator(served_emulator: str, git_repo: Path, bare_origin: Path,
                                                     tmp_path: Path) -> None:
    """The command as backup.yml runs it: `entragit backup --push`, real exporter, Graph over HTTP."""
    env = {"ENTRAGIT_NOW": "2026-07-01T23:00:00Z", "ENTRAGIT_GRAPH_URL": served_emulator, "CI": "true"}
    done = subprocess.run([sys.executable, "-m", "entragit", "--repo", str(git_repo), "backup", "--push",
                           "--json", "--summary", str(tmp_path / "summary.md")],
                          cwd=ROOT, env={**os.environ, **env}, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    job = json.loads(done.stdout)
    assert job["state"] == "Completed"
    detail = job["detail"]
    assert detail["tag"] == "backup/20260701T230000Z" and detail["pushed"]
    assert detail["export"]["tenantId"] == DEMO_FACTS.tenant_id
    assert detail["export"]["graphEndpoint"].startswith(served_emulator.rstrip("/"))
    assert detail["objects"]["users"] == DEMO_FACTS.user_count
    assert git(bare_origin, "rev-parse", "backup/20260701T230000Z^{commit}").strip() == detail["commit"]
    assert git(bare_origin, "rev-parse", "--verify", "-q", "refs/entragit/lock", check=False) == ""
    assert "## Backup `backup/20260701T230000Z`" in (tmp_path / "summary.md").read_text()
    verified = subprocess.run([sys.executable, "-m", "entragit", "--repo", str(git_repo), "verify"],
                              cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert verified.returncode == 0 and "OK" in verified.stdout


def test_ctrl_c_during_a_real_export_cancels_cleanly(served_emulator: str, git_repo: Path) -> None:
    """SIGINT while `entragit backup` reads a slow Graph: Canceled, lock released, no staging left, no commit."""
    import signal
    import time

    import httpx

    httpx.post(f"{served_emulator}/_emulator/faults", json={"latencyMs": 150}, timeout=10).raise_for_status()
    head = git(git_repo, "rev-parse", "HEAD")
    env = {**os.environ, "ENTRAGIT_GRAPH_URL": served_emulator, "CI": "true"}
    proc = subprocess.Popen([sys.executable, "-m", "entragit", "--repo", str(git_repo), "backup", "--json"],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stderr is not None
        seen = []
        while not any("exporting the tenant" in line for line in seen):
            line = proc.stderr.readline()
            assert line, f"backup ended early: {''.join(seen)}"
            seen.append(line)
        time.sleep(1.0)                                       # well inside the export (150 ms per request)
        staging = [p.name for p in git_repo.iterdir() if p.name.startswith(".tenant-state")]
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 130, err
    assert json.loads(out)["state"] == "Canceled"
    assert staging, "the export had not started staging: the test would prove nothing"
    assert sorted(p.name for p in git_repo.iterdir()) == [".git", "README.md"]   # no staging, no tenant-state
    assert git(git_repo, "rev-parse", "HEAD") == head and tags(git_repo) == []
    assert not (git_repo / ".git" / "entragit.lock").exists()
