"""A lab for recovery tests: the in-process demo emulator, a GraphClient on it, a real tenant repository.

``Lab.backup()`` is a real backup (entragit.backups with the exporter); ``Lab.cli(...)`` runs the real command
line (``entragit.cli.main``) with the Graph client seam pointed at the same emulator; the emulator's request
log (``Lab.writes()``) tells what reached the tenant.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from entragit import resources
from entragit.apply import ApplyRequest, ApplyResult, run_apply
from entragit.backups import BackupResult, backup
from entragit.emulator import Emulator
from entragit.export import export_tree
from entragit.graph import GraphClient, run
from entragit.plan.live import load_live_async
from entragit.state import dump_yaml, load_yaml, read_tree

WRITE_METHODS = frozenset({"POST", "PATCH", "PUT", "DELETE"})
# POSTs that only read (the exporter discovers directory extensions with one)
# POSTs that write nothing: read actions, and $batch envelopes (the emulator logs each request a batch carries
# with its own method: a write inside a batch is still counted, the envelope itself is not)
READ_POSTS = ("directoryObjects/getAvailableExtensionProperties", "directoryObjects/getByIds", "$batch")


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True)
    if done.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed: {done.stderr}")
    return done.stdout.strip()


@dataclass
class Cli:
    code: int
    out: str
    err: str


class Lab:
    def __init__(self, emu: Emulator, client: GraphClient, repo: Path) -> None:
        self.emu, self.client, self.repo = emu, client, repo
        self.day = 0

    # -- git and backups ------------------------------------------------------------------------------------
    def git(self, *args: str) -> str:
        return git(self.repo, *args)

    def backup(self) -> BackupResult:
        self.day += 1
        return backup(self.repo, export_step=lambda out: export_tree(self.client, out, durable=False),
                      now=f"2026-07-{self.day:02d}T23:00:00Z")

    def merge(self, branch: str) -> tuple[str, str]:
        """Merge ``branch`` into main with a merge commit, as a pull request does: ``(before, after)``."""
        before = self.git("rev-parse", "HEAD")
        self.git("merge", "-q", "--no-ff", "-m", f"Merge pull request from {branch}", branch)
        return before, self.git("rev-parse", "HEAD")

    def commit_edit(self, type_key: str, obj_id: str, change: Any, message: str = "edit") -> tuple[str, str]:
        """Edit one tenant-state file (``change(obj)`` mutates it), keep it canonical, commit: ``(before, after)``."""
        rt = resources.get(type_key)
        path = self.repo / "tenant-state" / type_key / f"{obj_id}.yaml"
        obj = load_yaml(path)
        change(obj)
        path.write_text(dump_yaml(rt, obj), encoding="utf-8")
        before = self.git("rev-parse", "HEAD")
        self.git("commit", "-q", "-am", message)
        return before, self.git("rev-parse", "HEAD")

    def state(self) -> dict[str, dict[str, dict[str, Any]]]:
        """tenant-state/ of the working tree as objects."""
        return read_tree(self.repo / "tenant-state")

    # -- the tenant -----------------------------------------------------------------------------------------
    def live(self, types: Iterable[str] | None = None) -> dict[str, dict[str, dict[str, Any]]]:
        return run(load_live_async(self.client, list(types) if types is not None else None))[0]

    def purge(self, *ids: str) -> None:
        """Delete ``ids`` for good: each deleted, then purged from deleted items (tried again while the
        deletion replicates: the fixtures run with replication lag); an id already gone is skipped."""
        from entragit.errors import GraphError

        async def go() -> None:
            for obj_id in ids:
                obj = self.emu.backend.directory_object(obj_id)
                if obj is not None:
                    await self.client.delete(f"{obj[0].collection}/{obj_id}")
                for _ in range(10):
                    try:
                        await self.client.delete(f"directory/deletedItems/{obj_id}")
                        break
                    except GraphError as exc:
                        if exc.status != 404 or obj_id not in self.emu.backend.deleted:
                            break
        run(go())

    def restore(self, obj_id: str) -> None:
        """Restore ``obj_id`` from deleted items and wait until the restore replicated (the fixtures run with
        replication lag: a request naming it answers 404 for a while), as a person would before editing it."""
        from entragit.errors import GraphError

        async def go() -> None:
            await self.client.post(f"directory/deletedItems/{obj_id}/restore", {})
            for _ in range(10):
                try:
                    await self.client.get(f"directoryObjects/{obj_id}", {"$select": "id"})
                    return
                except GraphError as exc:
                    if exc.status != 404:
                        raise
            raise AssertionError(f"{obj_id} restored but still not found")
        run(go())

    def exclude_group(self, policy: str, group: str, excluded: bool) -> None:
        """Add ``group`` to (or take it from) the excluded groups of conditional access policy ``policy``."""
        path = f"identity/conditionalAccess/policies/{policy}"

        async def go() -> None:
            conditions = (await self.client.get(path))["conditions"]
            kept = [g for g in conditions["users"]["excludeGroups"] if g != group]
            conditions["users"]["excludeGroups"] = sorted([*kept, group] if excluded else kept)
            await self.client.patch(path, {"conditions": conditions})
        run(go())

    def writes(self) -> list[dict[str, Any]]:
        """Write requests the emulator answered since the last :meth:`mark` (reads and dropped ones left out)."""
        return [r for r in self.emu.counters.requests()
                if r["method"] in WRITE_METHODS and not r["path"].endswith(READ_POSTS) and r["status"] != 0]

    def mark(self) -> None:
        self.emu.counters.reset()

    def control(self, name: str, body: Any) -> Any:
        """POST to the emulator's control plane (``/_emulator/<name>``) over HTTP, as a test harness would."""
        async def go() -> Any:
            async with httpx.AsyncClient(transport=self.emu.transport(), base_url=self.emu.url) as http:
                answer = await http.post(f"/_emulator/{name}", json=body)
                answer.raise_for_status()
                return answer.json()
        return run(go())

    # -- entragit ---------------------------------------------------------------------------------------------
    def apply(self, **kwargs: Any) -> ApplyResult:
        return run(run_apply(self.repo, self.client, ApplyRequest(**kwargs)))

    def cli(self, capsys: pytest.CaptureFixture[str], *args: str) -> Cli:
        from entragit.cli import main

        capsys.readouterr()
        try:
            main(["--repo", str(self.repo), "--graph-url", "http://testserver", *args])
            code = 0
        except SystemExit as exc:
            code = int(exc.code or 0)
        out, err = capsys.readouterr()
        return Cli(code, out, err)


def json_of(text: str) -> Any:
    return json.loads(text)


def remap(value: Any, ids: dict[str, str]) -> Any:
    """``value`` with old ids replaced by new ones (recreated objects)."""
    text = json.dumps(value, sort_keys=True)
    for old, new in ids.items():
        text = text.replace(old, new)
    return json.loads(text)


def writable_differences(desired: dict[str, dict[str, dict[str, Any]]], live: dict[str, dict[str, dict[str, Any]]],
                         ids: dict[str, str]) -> list[str]:
    """Every writable property (and link) of every desired object that the live tenant does not hold.

    Left out, as Graph leaves them out of any write: read-only and unknown properties, secrets, properties
    mastered on-premises on synced objects, objects entragit never writes (first-party service principals).
    """
    from entragit.resources.base import META_KEY, LinkKind

    found = []
    for type_key, objects in desired.items():
        rt = resources.get(type_key)
        for obj_id, obj in objects.items():
            live_obj = (live.get(type_key) or {}).get(ids.get(obj_id, obj_id))
            if live_obj is None:
                found.append(f"{type_key}/{obj_id}: missing")
                continue
            synced = rt.is_synced(obj)
            never = rt.never_written(obj)
            want = remap(obj, ids)
            for name, value in want.items():
                link = rt.link(name)
                if link is not None:
                    have = live_obj.get(name)
                    if link.on_premises and synced or rt.link_refused(obj, link):
                        continue
                    if link.kind is LinkKind.OBJECTS:
                        drop = set(link.read_only) | set(link.volatile)
                        value = sorted(json.dumps({k: v for k, v in e.items() if k not in drop}, sort_keys=True)
                                       for e in value or [])
                        have = sorted(json.dumps({k: v for k, v in e.items() if k not in drop}, sort_keys=True)
                                      for e in have or [])
                    elif link.kind is LinkKind.IDS:
                        value, have = sorted(value or []), sorted(have or [])
                    if value != have:
                        found.append(f"{type_key}/{obj_id} {name}: {value} != {have}")
                    continue
                prop = rt.prop(name)
                if name == META_KEY or prop is None or not prop.writable or never:
                    continue
                if synced and prop.on_premises:
                    continue
                if live_obj.get(name) != value:
                    found.append(f"{type_key}/{obj_id} {name}: {value!r} != {live_obj.get(name)!r}")
    return found
