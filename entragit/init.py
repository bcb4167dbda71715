"""``entragit init``: scaffold a tenant repository.

Writes the GitHub Actions workflows (``entragit/templates/workflows``), a commented ``entragit.yaml``,
``.github/CODEOWNERS``, ``.github/dependabot.yml``, ``.gitattributes``, a README, an empty ``tenant-state/``
and the JSON Schemas the YAML files point at (``schemas/<type>.schema.json``, generated from the declarations);
with a built wheel and a wheelhouse, the install lock (``.entragit/``, :mod:`entragit.gitops.lock`). Existing
files are never overwritten unless ``force``; nothing is written when one would be, except that a README.md
already there (GitHub writes one into a new repository) is kept and entragit's guide goes to ENTRAGIT.md. A
directory that is not the top of a git work tree gets ``git init``.

:func:`scaffold_admin` writes the administrators' repository: the reusable workflow that alone may sign in as
the writer (``entragit/templates/admin``), with what it pins.

The same templates make the copies in entragit's own ``.github/workflows/`` (a test asserts they are
identical): regenerate them with ``python -m entragit.init --project``.
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from entragit import __version__
from entragit.errors import UsageError

WORKFLOWS = ("backup.yml", "difference-report.yml", "plan.yml", "publish-plan.yml", "recover.yml")
VERSION_TOKEN = "@ENTRAGIT_VERSION@"
OWNERS_TOKEN = "@OWNERS@"
ADMIN_TOKEN = "@ADMIN_REPO@"
DEFAULT_OWNERS = "@your-org/entra-admins"
DEFAULT_ADMIN = "your-org/entragit-admin"
SLUG = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{0,38}/[A-Za-z0-9._-]{1,100}")
GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
# kept when present (GitHub writes a README.md into a new repository): entragit's goes beside it
SOFT_FILES = {"README.md": "ENTRAGIT.md"}
DEFAULT_BRANCH = "main"
TENANT_ID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
                       r"|(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z]{2,}")

# template under entragit/templates/repo -> path in the tenant repository
REPO_FILES = {
    "entragit.yaml": "entragit.yaml",
    "CODEOWNERS": ".github/CODEOWNERS",
    "dependabot.yml": ".github/dependabot.yml",
    "gitattributes": ".gitattributes",
    "README.md": "README.md",
}


@dataclass
class InitResult:
    root: Path
    written: list[Path] = field(default_factory=list)
    git_initialized: bool = False
    kept: list[Path] = field(default_factory=list)        # files already there, left as they were
    lock_sha256: str | None = None                        # the install lock's digest, when one was written
    unignored: list[str] = field(default_factory=list)    # .gitignore lines added so git keeps what init wrote


UNIGNORE_HEADER = "# entragit: the files `entragit init` and `entragit lock` write are part of the repository"


def unignore(root: Path, paths: list[Path]) -> list[str]:
    """Make sure git will add ``paths``: a .gitignore GitHub wrote from a template may ignore some (Python's
    ignores ``wheels/``, so ``.entragit/wheels/`` would silently stay out of every commit and every workflow's
    install would fail). For each top-level folder (or file) holding an ignored path, re-include it at the end
    of the repository's .gitignore (the last matching pattern wins); returns the lines added."""
    import subprocess

    rels = [p.relative_to(root).as_posix() for p in paths if p.is_relative_to(root)]
    if not rels:
        return []
    proc = subprocess.run(["git", "-C", str(root), "check-ignore", "--no-index", "--stdin", "-z"],
                          input="\0".join(rels).encode() + b"\0", capture_output=True)
    ignored = [r for r in proc.stdout.decode("utf-8", "replace").split("\0") if r]
    if not ignored:
        return []
    lines = []
    for top in dict.fromkeys(r.split("/", 1)[0] for r in ignored):
        lines += [f"!/{top}/", f"!/{top}/**"] if (root / top).is_dir() else [f"!/{top}"]
    gitignore = root / ".gitignore"
    text = gitignore.read_text(encoding="utf-8") if gitignore.is_file() else ""
    block = ("" if not text or text.endswith("\n") else "\n") + "\n".join([UNIGNORE_HEADER, *lines]) + "\n"
    if gitignore.is_symlink():
        gitignore.unlink()
    gitignore.write_text(text + block, encoding="utf-8", newline="\n")
    return lines


def _template(*parts: str) -> str:
    return resources.files("entragit").joinpath("templates", *parts).read_text(encoding="utf-8")


def render_workflow(name: str, version: str = __version__, admin_repo: str = DEFAULT_ADMIN) -> str:
    """The text of workflow ``name`` (one of :data:`WORKFLOWS`) as ``entragit init`` writes it."""
    if name not in WORKFLOWS:
        raise UsageError(f"unknown workflow {name!r} (workflows: {', '.join(WORKFLOWS)})")
    return _template("workflows", name).replace(VERSION_TOKEN, version).replace(ADMIN_TOKEN, admin_repo)


def _planned_files(owners: str, admin_repo: str = DEFAULT_ADMIN) -> dict[str, str]:
    """Relative path -> text of every file init writes (the schemas come separately, generated)."""
    files = {f".github/workflows/{name}": render_workflow(name, admin_repo=admin_repo) for name in WORKFLOWS}
    for template, dest in REPO_FILES.items():
        text = _template("repo", template)
        files[dest] = text.replace(VERSION_TOKEN, __version__).replace(OWNERS_TOKEN, owners)
    files["tenant-state/.gitkeep"] = ""
    return files


def _schema_files() -> dict[str, str]:
    from entragit.resources import all_types
    from entragit.state.schema import schema_file_name, schema_text

    return {f"schemas/{schema_file_name(rt)}": schema_text(rt) for rt in all_types()}


def _is_repo_root(root: Path) -> bool:
    from git import InvalidGitRepositoryError, NoSuchPathError, Repo

    try:
        repo = Repo(root)
    except (InvalidGitRepositoryError, NoSuchPathError):
        return False
    return repo.working_tree_dir is not None and Path(repo.working_tree_dir).resolve() == root.resolve()


def _keep_soft_files(root: Path, files: dict[str, str], force: bool) -> list[Path]:
    """A README.md already there (GitHub writes one into a new repository) is kept: entragit's goes beside it."""
    kept = []
    for soft, instead in SOFT_FILES.items():
        if soft in files and not force and ((root / soft).exists() or (root / soft).is_symlink()):
            files[instead] = files.pop(soft)
            kept.append(root / soft)
    return kept


def _write_files(root: Path, files: dict[str, str], kept: list[Path]) -> InitResult:
    """``git init`` when ``root`` is not a repository's top, then every file (never through a symlink)."""
    result = InitResult(root=root, kept=kept)
    root.mkdir(parents=True, exist_ok=True)
    if not _is_repo_root(root):
        from git import Repo

        Repo.init(root, initial_branch=DEFAULT_BRANCH)
        result.git_initialized = True
    for rel, text in sorted(files.items()):
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.is_symlink():
            path.unlink()  # never write through a link placed in the repository
        path.write_text(text, encoding="utf-8", newline="\n")
        result.written.append(path)
    return result


def scaffold(root: Path | str, *, tenant_id: str | None = None, cloud: str | None = None,
             owners: str | None = None, force: bool = False, admin_repo: str | None = None,
             wheel: Path | None = None, wheelhouse: Path | None = None) -> InitResult:
    """Write a tenant repository's files into ``root`` (created if missing); see the module docstring.

    ``admin_repo`` (``OWNER/REPO``) is where recover.yml calls the writer's workflow; ``wheel`` and
    ``wheelhouse`` (both or neither) make the install lock. Raises :class:`UsageError` naming the existing
    files when ``force`` is not set and any would be overwritten; then nothing is written.
    """
    root = Path(root)
    if root.exists() and not root.is_dir():
        raise UsageError("not a directory", file=str(root))
    if tenant_id is not None and not TENANT_ID.fullmatch(tenant_id):
        raise UsageError(f"tenant id {tenant_id!r} is neither a GUID nor a domain name such as "
                         "contoso.onmicrosoft.com")
    if cloud is not None:
        from entragit.settings import CLOUD_NAMES

        if cloud not in CLOUD_NAMES:
            raise UsageError(f"unknown cloud {cloud!r} (clouds: {', '.join(CLOUD_NAMES)})")
    if admin_repo is not None and not SLUG.fullmatch(admin_repo):
        raise UsageError(f"--admin-repo {admin_repo!r}: expected OWNER/REPO")
    if (wheel is None) != (wheelhouse is None):
        raise UsageError("--wheel and --wheelhouse go together (the lock pins the wheel and its dependencies)")
    files = _planned_files(owners or DEFAULT_OWNERS, admin_repo or DEFAULT_ADMIN)
    files.update(_schema_files())

    kept = _keep_soft_files(root, files, force)
    existing = sorted(rel for rel in files if (root / rel).exists() or (root / rel).is_symlink())
    if existing and not force:
        schemas = [rel for rel in existing if rel.startswith("schemas/")]
        named = [rel for rel in existing if rel not in schemas]
        if schemas:
            named.append(schemas[0] if len(schemas) == 1 else f"schemas/ ({len(schemas)} schema files)")
        shown = ", ".join(named)
        raise UsageError(f"would overwrite {shown}: use --force to overwrite", file=str(root / existing[0]))

    result = _write_files(root, files, kept)
    if tenant_id or cloud:
        # The same round-trip edit every later change of entragit.yaml goes through: comments stay.
        from entragit.settings import load_config, save_config

        config = load_config(root)
        if tenant_id:
            config["tenantId"] = tenant_id
        if cloud:
            config["cloud"] = cloud
        save_config(root, config)
    if wheel is not None and wheelhouse is not None:
        from entragit.gitops.lock import write_lock

        lock, result.lock_sha256 = write_lock(root, Path(wheel), Path(wheelhouse))
        result.written.append(lock)
        result.written += sorted((root / ".entragit" / "wheels").glob("*.whl"))
    result.unignored = unignore(root, result.written)
    return result


def admin_files(*, tenant_repo: str, tenant_id: str, writer_client_id: str, approvers: tuple[int, ...],
                lock_sha256: str, approvals: int = 1) -> dict[str, str]:
    """Relative path -> text of the administrators' repository files (checked values filled in)."""
    if not SLUG.fullmatch(tenant_repo):
        raise UsageError(f"--tenant-repo {tenant_repo!r}: expected OWNER/REPO")
    if not GUID.fullmatch(tenant_id):
        raise UsageError(f"--tenant-id {tenant_id!r}: expected the tenant's GUID (the writer's token is requested "
                         "for it)")
    if not GUID.fullmatch(writer_client_id):
        raise UsageError(f"--writer-client-id {writer_client_id!r}: expected the writer's application (client) id")
    if not approvers:
        raise UsageError("--approver: give the numeric GitHub user id of at least one administrator")
    if not 1 <= approvals <= len(approvers):
        raise UsageError(f"--approvals {approvals}: expected 1 to {len(approvers)} (the number of --approver ids)")
    if not re.fullmatch(r"[0-9a-f]{64}", lock_sha256):
        raise UsageError(f"lock sha256 {lock_sha256!r}: expected 64 hex digits (sha256sum .entragit/requirements.txt)")
    values = {"@TENANT_REPO@": tenant_repo, "@TENANT_ID@": tenant_id, "@WRITER_CLIENT_ID@": writer_client_id,
              "@APPROVER_IDS@": ",".join(str(i) for i in approvers), "@LOCK_SHA256@": lock_sha256,
              "@MIN_APPROVALS@": str(approvals),
              "@ADMIN_REPO@": "this repository", VERSION_TOKEN: __version__}

    def render(name: str) -> str:
        text = _template("admin", name)
        for token, value in values.items():
            text = text.replace(token, value)
        return text

    return {".github/workflows/entragit-apply.yml": render("entragit-apply.yml"),
            ".github/dependabot.yml": render("dependabot.yml"), "README.md": render("README.md")}


def scaffold_admin(root: Path | str, *, force: bool = False, **values: Any) -> InitResult:
    """Write the administrators' repository (``root``): the writer's reusable workflow with what it pins
    (:func:`admin_files`'s ``values``), its Dependabot configuration and a README. Refuses to overwrite without
    ``force`` (a README.md already there is kept; entragit's goes to ENTRAGIT.md)."""
    root = Path(root)
    files = admin_files(**values)
    kept = _keep_soft_files(root, files, force)
    existing = sorted(rel for rel in files if (root / rel).exists() or (root / rel).is_symlink())
    if existing and not force:
        raise UsageError(f"would overwrite {', '.join(existing)}: use --force to overwrite", file=str(root / existing[0]))
    return _write_files(root, files, kept)


def project_root() -> Path:
    """entragit's own source tree (where ``.github/workflows/`` holds the generated copies)."""
    return Path(__file__).resolve().parents[1]


def sync_project_workflows(root: Path | None = None) -> list[Path]:
    """Rewrite the copies of the templates in entragit's own ``.github/workflows/``; returns those changed."""
    folder = (root or project_root()) / ".github" / "workflows"
    folder.mkdir(parents=True, exist_ok=True)
    changed = []
    for name in WORKFLOWS:
        path, text = folder / name, render_workflow(name)
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8", newline="\n")
            changed.append(path)
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m entragit.init",
                                     description="Regenerate entragit's own copies of the workflow templates.")
    parser.add_argument("--project", action="store_true", required=True,
                        help=f"rewrite .github/workflows/{{{','.join(WORKFLOWS)}}} of this source tree")
    parser.parse_args(argv)
    for path in sync_project_workflows():
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
