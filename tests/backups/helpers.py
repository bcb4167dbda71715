"""Test helpers for the git mechanics: a stand-in tenant whose export step writes canonical files.

The export step is the *input* of the unit under test (entragit.backups): it writes one canonical YAML
file per object into tenant-state/<type>/<id>.yaml, only files whose bytes change, removing files of
objects that are gone (the contract of entragit.export), and reports counts.
"""

from __future__ import annotations

import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from entragit.backups import ExportSummary

TENANT_ID = "8a3f1c2e-0000-4000-8000-000000000001"
GRAPH = "http://127.0.0.1:9/emulated"


def git(repo: Path, *args: str, check: bool = True, input: str | None = None) -> str:
    done = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, input=input)
    if check and done.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed: {done.stderr}")
    return done.stdout


def canonical(type_key: str, obj: dict[str, Any]) -> str:
    return (f"# yaml-language-server: $schema=../../schemas/{type_key}.schema.json\n"
            + yaml.safe_dump(obj, sort_keys=True, default_flow_style=False, allow_unicode=True))


@dataclass
class FakeTenant:
    """A tenant as a dict ``type -> id -> object``; :meth:`export` is the backup's export step."""

    objects: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    delay: float = 0.0
    calls: int = 0

    def put(self, type_key: str, obj_id: str, **props: Any) -> None:
        self.objects.setdefault(type_key, {})[obj_id] = {"id": obj_id, **props}

    def drop(self, type_key: str, obj_id: str) -> None:
        del self.objects[type_key][obj_id]

    def export(self, out_dir: Path) -> ExportSummary:
        self.calls += 1
        if self.delay:
            time.sleep(self.delay)
        wanted = {out_dir / t / f"{i}.yaml": canonical(t, o)
                  for t, objs in self.objects.items() for i, o in objs.items()}
        for path, text in wanted.items():
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                path.parent.mkdir(parents=True, exist_ok=True)
                tmp = path.with_name(f".{path.name}.tmp")
                tmp.write_text(text, encoding="utf-8")
                tmp.replace(path)
        if out_dir.exists():
            for path in out_dir.glob("*/*.yaml"):
                if path not in wanted:
                    path.unlink()
        return ExportSummary(tenant_id=TENANT_ID, graph_url=GRAPH,
                             counts={t: len(o) for t, o in self.objects.items()}, requests=len(self.objects))


def demo_tenant() -> FakeTenant:
    tenant = FakeTenant()
    for n in range(3):
        tenant.put("users", f"u{n}", displayName=f"User {n}", jobTitle="Engineer")
    tenant.put("groups", "g0", displayName="Sales", members=["u0", "u1"])
    tenant.put("organization", "organization", displayName="Contoso")
    return tenant


def tags(repo: Path, pattern: str = "backup/*") -> list[str]:
    return git(repo, "tag", "-l", pattern).split()


def backup_commits(repo: Path) -> list[str]:
    out = git(repo, "log", "--format=%H %(trailers:key=Entragit-Backup,valueonly,separator=%x2C)")
    return [line.split()[0] for line in out.splitlines() if len(line.split()) > 1]
