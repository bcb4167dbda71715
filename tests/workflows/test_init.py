"""`entragit init`: scaffolds a tenant repository, refuses to overwrite, keeps comments in entragit.yaml."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
import yaml
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
        "entragit.yaml", ".github/CODEOWNERS", ".github/dependabot.yml", ".gitattributes", "README.md",
        "tenant-state/.gitkeep"} | {f"schemas/{rt.key}.schema.json" for rt in all_types()}
    assert files == expected
    for name in WORKFLOWS:
        assert (root / ".github/workflows" / name).read_text(encoding="utf-8") == render_workflow(name)

    # the settings entragit reads back are the ones given
    settings = load_settings(root, env={})
    assert (settings.tenant_id, settings.cloud, settings.backup_keep, settings.max_change_share) == (
        TENANT, "usgov", 5, 0.3)
    assert settings.types_include == () and settings.emergency_access == ()
    assert settings.approvers == () and settings.approvals == 1 and settings.allowed_signers is None
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
    assert "--force" in err and ".github/workflows/backup.yml" in err
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


def test_init_in_a_repository_github_created_keeps_its_readme(tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    """A repository created on GitHub comes with a README.md (and often a LICENSE and .gitignore): init keeps
    them and writes its guide as ENTRAGIT.md instead of refusing."""
    root = tmp_path / "from-github"
    repo = Repo.init(root, initial_branch="main")
    for name, text in (("README.md", "# entra-tenant\n"), ("LICENSE", "MIT\n"), (".gitignore", "*.pyc\n")):
        (root / name).write_text(text, encoding="utf-8")
    repo.index.add(["README.md", "LICENSE", ".gitignore"])
    repo.index.commit("Initial commit")
    code, out, err = run(capsys, "--repo", str(root), "init", "--tenant-id", TENANT, "--admin-repo", "org/admins")
    assert code == 0, err
    assert (root / "README.md").read_text(encoding="utf-8") == "# entra-tenant\n"
    assert "kept README.md" in out and "Microsoft Entra ID tenant, as code" in (root / "ENTRAGIT.md").read_text()
    assert "uses: org/admins/.github/workflows/entragit-apply.yml@main" in (
        root / ".github/workflows/recover.yml").read_text(encoding="utf-8")
    # --force overwrites it, as it overwrites everything
    assert run(capsys, "--repo", str(root), "init", "--force")[0] == 0
    assert "as code" in (root / "README.md").read_text(encoding="utf-8")


def test_init_writes_the_install_lock_and_init_admin_pins_it(tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    from tests.workflows.helpers import make_wheel

    (tmp_path / "house").mkdir()
    make_wheel(tmp_path / "house", "dep", "1.0")
    wheel = make_wheel(tmp_path, "entragit", "0.1.0", ["dep==1.0"])
    root = tmp_path / "tenant"
    code, out, err = run(capsys, "init", str(root), "--wheel", str(wheel), "--wheelhouse", str(tmp_path / "house"))
    assert code == 0, err
    lock = (root / ".entragit/requirements.txt").read_text(encoding="utf-8")
    assert "entragit==0.1.0 \\\n    --hash=sha256:" in lock and "dep==1.0 \\\n" in lock
    digest = hashlib.sha256(lock.encode()).hexdigest()
    assert f"sha256 {digest}" in out
    dependabot = yaml.safe_load((root / ".github/dependabot.yml").read_text(encoding="utf-8"))
    assert {(u["package-ecosystem"], u["directory"]) for u in dependabot["updates"]} == {
        ("github-actions", "/"), ("pip", "/.entragit")}
    assert {"dependency-name": "entragit"} in next(u for u in dependabot["updates"] if u["package-ecosystem"] == "pip")[
        "ignore"]

    admin = tmp_path / "admin"
    code, out, err = run(capsys, "--repo", str(root), "init-admin", str(admin), "--tenant-repo", "org/tenant",
                         "--tenant-id", TENANT, "--writer-client-id", "22222222-2222-2222-2222-222222222222",
                         "--approver", "2001", "--approver", "2002", "--approvals", "2")
    assert code == 0, err
    workflow = (admin / ".github/workflows/entragit-apply.yml").read_text(encoding="utf-8")
    assert 'ENTRAGIT_MIN_APPROVALS: "2"' in workflow
    assert f'ENTRAGIT_LOCK_SHA256: "{digest}"' in workflow and 'ENTRAGIT_APPROVER_IDS: "2001,2002"' in workflow
    assert "github.repository == 'org/tenant'" in workflow and "@" + "TENANT" not in workflow
    assert (admin / "README.md").is_file() and (admin / ".github/dependabot.yml").is_file()
    for bad, message in ((["--approver", "octocat"], "numeric GitHub user ids"),
                         (["--approver", "1", "--tenant-id", "contoso.com"], "expected the tenant's GUID"),
                         (["--approver", "1", "--approvals", "2"], "expected 1 to 1 (the number of --approver ids)")):
        args = ["init-admin", str(tmp_path / "admin2"), "--tenant-repo", "org/tenant", "--tenant-id", TENANT,
                "--writer-client-id", "22222222-2222-2222-2222-222222222222", "--lock-sha256", "ab" * 32]
        code, _, err = run(capsys, *args, *bad)
        assert code == 2 and message in err
        assert not (tmp_path / "admin2").exists()


# GitHub's Python template for a new repository's .gitignore (github/gitignore, Python.gitignore), the part that
# matters: `wheels/` and `dist/` would keep .entragit/wheels/ out of every commit, and every workflow's install
# would then fail.
GITHUB_PYTHON_GITIGNORE = """# Distribution / packaging
.Python
env/
build/
develop-eggs/
dist/
downloads/
eggs/
.eggs/
lib/
lib64/
parts/
sdist/
var/
wheels/
*.egg-info/
.installed.cfg
*.egg
.env
.venv
venv/
"""


def test_init_in_a_repository_github_created_with_a_python_gitignore_commits_the_lock(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from tests.workflows.helpers import make_wheel

    root = tmp_path / "from-github"
    repo = Repo.init(root, initial_branch="main")
    for name, text in (("README.md", "# entra-tenant\n"), ("LICENSE", "MIT License\n"),
                       (".gitignore", GITHUB_PYTHON_GITIGNORE)):
        (root / name).write_text(text, encoding="utf-8")
    repo.index.add(["README.md", "LICENSE", ".gitignore"])
    repo.index.commit("Initial commit")
    (tmp_path / "house").mkdir()
    make_wheel(tmp_path / "house", "dep", "1.0")
    (tmp_path / "dist").mkdir()
    wheel = make_wheel(tmp_path / "dist", "entragit", "0.1.0", ["dep==1.0"])
    code, out, err = run(capsys, "--repo", str(root), "init", "--tenant-id", TENANT, "--admin-repo", "org/admins",
                         "--wheel", str(wheel), "--wheelhouse", str(tmp_path / "house"))
    assert code == 0, err
    assert "added !/.entragit/ !/.entragit/** at its end" in out
    assert (root / "LICENSE").read_text(encoding="utf-8") == "MIT License\n"
    assert (root / ".gitignore").read_text(encoding="utf-8").startswith(GITHUB_PYTHON_GITIGNORE)
    repo.git.add("-A")
    tracked = set(repo.git.ls_files().splitlines())
    assert {".entragit/requirements.txt", ".entragit/wheels/entragit-0.1.0-py3-none-any.whl",
            ".github/workflows/recover.yml", ".github/dependabot.yml", "ENTRAGIT.md", "entragit.yaml"} <= tracked
    # what the template keeps out stays out
    (root / "wheels").mkdir()
    (root / "wheels" / "x.whl").write_text("x", encoding="utf-8")
    repo.git.add("-A")
    assert "wheels/x.whl" not in repo.git.ls_files()

    # `entragit lock` again, with a .gitignore that ignores every wheel: the same re-inclusion, said once
    (root / ".gitignore").write_text("*.whl\n", encoding="utf-8")
    code, out, err = run(capsys, "--repo", str(root), "lock", "--wheel", str(wheel), "--wheelhouse",
                         str(tmp_path / "house"))
    assert code == 0, err
    assert "added !/.entragit/ !/.entragit/** at its end" in out
    assert not Repo(root).ignored(".entragit/wheels/entragit-0.1.0-py3-none-any.whl")


def test_init_adds_nothing_to_a_gitignore_that_ignores_none_of_its_files(tmp_path: Path,
                                                                        capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "t"
    root.mkdir()
    (root / ".gitignore").write_text("*.pyc\n", encoding="utf-8")
    code, out, err = run(capsys, "init", str(root))
    assert code == 0, err
    assert (root / ".gitignore").read_text(encoding="utf-8") == "*.pyc\n" and ".gitignore ignored" not in out
