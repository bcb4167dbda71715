"""shellcheck on every `run:` script of the workflows, extracted as the runner runs it (bash -eo pipefail)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from entragit.init import admin_files
from tests.workflows.helpers import (
    PROJECT_WORKFLOWS,
    load_workflow,
    project_workflow_files,
    run_steps,
    tool_missing,
)

ADMIN_WORKFLOW = admin_files(tenant_repo="contoso/entra-tenant", tenant_id="7f3c9a51-2b8e-4d6f-9a0c-5e1b2d3c4f60",
                             writer_client_id="22222222-2222-2222-2222-222222222222", approvers=(101,),
                             lock_sha256="ab" * 32)[".github/workflows/entragit-apply.yml"]
SCRIPTS = [(path.name, job_id, index, step["run"])
           for path in project_workflow_files() for job_id, index, step in run_steps(load_workflow(path))]
SCRIPTS += [("entragit-apply.yml", job_id, index, step["run"])
            for job_id, index, step in run_steps(yaml.safe_load(ADMIN_WORKFLOW))]


def test_there_are_scripts_to_check() -> None:
    assert len(SCRIPTS) >= 15
    assert {s[0] for s in SCRIPTS} == {p.name for p in project_workflow_files()} | {"entragit-apply.yml"}


@pytest.fixture(scope="module")
def shellcheck() -> str:
    found = shutil.which("shellcheck")
    if found is None:
        tool_missing("shellcheck is not installed")
    return found


@pytest.mark.parametrize(("name", "job_id", "index", "script"), SCRIPTS,
                         ids=[f"{s[0]}:{s[1]}:{s[2]}" for s in SCRIPTS])
def test_run_script_passes_shellcheck(shellcheck: str, tmp_path: Path, name: str, job_id: str, index: int,
                                      script: str) -> None:
    path = tmp_path / "step.sh"
    # GitHub runs `shell: bash` as `bash --noprofile --norc -eo pipefail {0}`.
    path.write_text("#!/usr/bin/env bash\nset -eo pipefail\n" + script, encoding="utf-8")
    proc = subprocess.run([shellcheck, "--shell=bash", "--severity=style", str(path)],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, f"{PROJECT_WORKFLOWS / name}, job {job_id}, step {index}:\n{proc.stdout}"
