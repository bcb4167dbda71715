"""`entragit init`: scaffolds a tenant repository, refuses to overwrite, keeps comments in entragit.yaml."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from git import Repo

from entragit.cli import main
from entragit.init import WORKFLOWS, render_workflow
from entragit.resources import all_types
from entragit.settings import load_config, load_settings, save_config

TENANT = "7f3c9a51-2b8e-4d6f-9a0c-5e1b2d3c4f60"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(list(args))
    out, err = capsys.readouterr()
    return int(exc.value.code or 0), out, err


def test_init_scaffolds_a_tenant_repository(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "contoso-tenant"
    code, out, err = run(capsys, "init", str(root), "--tenant-id", TENANT, "--cloud", "usgov",
                         "--owners", "@contoso/entra-admins")
    assert code == 0, err
    assert "Initialized a git repository" in out
    repo = Repo(root)
    assert Path(repo.working_tree_dir) == root and repo.active_branch.name == "main"

    files = {p.relative_to(root).as_posix() for p in root.rglob("*")
             if p.is_file() and p.relative_to(root).parts[0] != ".git"}
    expected = {f".github/workflows/{n}" for n in WORKFLOWS} | {
        "entragit.yaml", ".github/CODEOWNERS", ".gitattributes", "README.md", "tenant-state/.gitkeep"} | {
        f"schemas/{rt.key}.schema.json" for rt in all_types()}
    assert files == expected
    for name in WORKFLOWS:
        assert (root / ".github/workflows" / name).read_text(encoding="utf-8") == render_workflow(name)

    # the settings entragit reads back are the ones given
    settings = load_settings(root, env={})
    assert (settings.tenant_id, settings.cloud, settings.backup_keep, settings.max_change_share) == (
        TENANT, "usgov", 5, 0.3)
    assert settings.types_include == () and settings.emergency_access == ()
    config = (root / "entragit.yaml").read_text(encoding="utf-8")
    assert "# Break-glass accounts" in config and "maxChangeShare: 0.3" in config

    owners = (root / ".github/CODEOWNERS").read_text(encoding="utf-8")
    for pattern in ("/tenant-state/", "/.github/"):
        assert any(line.split() == [pattern, "@contoso/entra-admins"] for line in owners.splitlines())
    attributes = (root / ".gitattributes").read_text(encoding="utf-8")
    assert "tenant-state/** text eol=lf diff linguist-generated=false" in attributes
    assert "@ENTRAGIT_VERSION@" not in (root / "README.md").read_text(encoding="utf-8")

    # every schema the YAML files point at (../../schemas/<type>.schema.json) is there and is JSON Schema
    for rt in all_types():
        schema = json.loads((root / "schemas" / f"{rt.key}.schema.json").read_text(encoding="utf-8"))
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"

    # the empty tenant-state/ validates
    assert run(capsys, "--repo", str(root), "validate")[0] == 0


def test_init_refuses_to_overwrite_without_force(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "t"
    assert run(capsys, "init", str(root))[0] == 0
    readme = root / "README.md"
    readme.write_text("# our own notes\n", encoding="utf-8")
    (root / "entragit.yaml").unlink()

    code, out, err = run(capsys, "init", str(root), "--tenant-id", TENANT)
    assert code == 2
    assert "README.md" in err and "--force" in err and ".github/workflows/backup.yml" in err
    assert readme.read_text(encoding="utf-8") == "# our own notes\n"
    assert not (root / "entragit.yaml").exists(), "a refused init wrote a file"

    code, out, err = run(capsys, "init", str(root), "--force", "--tenant-id", TENANT)
    assert code == 0, err
    assert readme.read_text(encoding="utf-8") != "# our own notes\n"
    assert load_settings(root, env={}).tenant_id == TENANT


def test_init_in_an_existing_repository_keeps_its_history(tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    repo = Repo.init(tmp_path / "existing", initial_branch="trunk")
    (tmp_path / "existing" / "notes.txt").write_text("x\n", encoding="utf-8")
    repo.index.add(["notes.txt"])
    first = repo.index.commit("first", author_date="2026-01-01T00:00:00", commit_date="2026-01-01T00:00:00").hexsha
    code, out, err = run(capsys, "--repo", str(tmp_path / "existing"), "init")
    assert code == 0, err
    assert "Initialized" not in out
    assert Repo(tmp_path / "existing").head.commit.hexsha == first
    assert (tmp_path / "existing" / ".github/workflows/recover.yml").is_file()


def test_init_rejects_a_bad_tenant_id_and_writes_nothing(tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "init", str(tmp_path / "t"), "--tenant-id", "not a tenant")
    assert code == 2 and "not a tenant" in err
    assert not (tmp_path / "t").exists()


def test_entragit_edits_keep_the_comments_of_entragit_yaml(tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "t"
    assert run(capsys, "init", str(root), "--tenant-id", TENANT)[0] == 0
    path = root / "entragit.yaml"
    # the administrator adds a comment of their own
    before = path.read_text(encoding="utf-8").replace(
        "emergencyAccess: []", "# reviewed by the security team, 2026-01\nemergencyAccess: []")
    path.write_text(before, encoding="utf-8")

    config = load_config(root)
    config["backup"]["keep"] = 7
    config["emergencyAccess"].append("breakglass1@contoso.onmicrosoft.com")
    save_config(root, config)

    after = path.read_text(encoding="utf-8")
    comments = [line for line in before.splitlines() if line.lstrip().startswith("#")]
    assert comments and all(line in after.splitlines() for line in comments)
    assert "  keep: 5 " not in after and "keep: 7" in after
    changed = [(a, b) for a, b in zip(before.splitlines(), after.splitlines(), strict=False) if a != b]
    assert changed == [("  keep: 5", "  keep: 7"), ("emergencyAccess: []", "emergencyAccess:")]
    settings = load_settings(root, env={})
    assert settings.backup_keep == 7 and settings.emergency_access == ("breakglass1@contoso.onmicrosoft.com",)
