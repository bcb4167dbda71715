"""``tenant-state/`` files of a commit, read from git's own objects (the working tree is never touched)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path, PurePosixPath
from typing import Any

from entragit import resources
from entragit.errors import UsageError
from entragit.gitutil import git_result, git_run, open_repo
from entragit.recover.result import STATE_DIR


def _git(repo: Any, *args: str, stdin: bytes | None = None, env: Mapping[str, str] | None = None) -> str:
    return git_run(repo, *args, stdin=stdin, env=env)


def _rev(repo: Any, rev: str) -> str | None:
    status, out, _ = git_result(repo, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}")
    return out.strip() if status == 0 and out.strip() else None


def _state_files(repo: Any, rev: str) -> dict[str, str]:
    """``{path: blob id}`` of ``tenant-state/<type>/<file>.yaml`` in ``rev``."""
    out = _git(repo, "ls-tree", "-r", "-z", "--full-tree", "--end-of-options", rev, "--", STATE_DIR)
    files = {}
    for record in out.split("\0"):
        if not record:
            continue
        meta, _, path = record.partition("\t")
        parts = meta.split()
        if len(parts) == 3 and parts[1] == "blob":
            files[path] = parts[2]
    return files


def _blobs(repo: Any, ids: Iterable[str]) -> dict[str, bytes]:
    """The contents of many blobs in one ``git cat-file --batch``."""
    import subprocess

    ids = list(dict.fromkeys(ids))
    if not ids:
        return {}
    done = subprocess.run(["git", "cat-file", "--batch"], cwd=repo.working_tree_dir,
                          input="\n".join(ids).encode() + b"\n", capture_output=True, check=False)
    if done.returncode != 0:
        raise UsageError(f"git cat-file failed: {done.stderr.decode(errors='replace').strip()}")
    data, found, pos = done.stdout, {}, 0
    for blob in ids:
        end = data.index(b"\n", pos)
        header = data[pos:end].decode().split()
        pos = end + 1
        if len(header) < 3 or header[1] == "missing":
            continue
        size = int(header[2])
        found[blob] = data[pos:pos + size]
        pos += size + 1
    return found


def _load(data: bytes | None, name: str) -> dict[str, Any]:
    """The object of a tenant-state blob (``name``: its path), {} when it holds none; anchors, aliases, tags and
    limits are refused as for any tenant-state file (entragit.yamlsafe: exit 2 naming the file)."""
    from entragit.errors import ValidationError
    from entragit.state import parse_yaml
    from entragit.yamlsafe import UnsafeYaml

    if not data:
        return {}
    try:
        return parse_yaml(data.decode("utf-8"), name)
    except UnicodeDecodeError:
        return {}
    except UnsafeYaml:
        raise
    except ValidationError:
        return {}


def default_branch(repo: Any, remote: str = "origin") -> str:
    """The default branch: the remote's HEAD when known (``refs/remotes/origin/HEAD``), else the current
    branch, else ``main``."""
    status, out, _ = git_result(repo, "symbolic-ref", "--quiet", "--short", f"refs/remotes/{remote}/HEAD")
    if status == 0 and out.strip():
        return out.strip().split("/", 1)[1]
    status, out, _ = git_result(repo, "symbolic-ref", "--quiet", "--short", "HEAD")
    if status == 0 and out.strip():
        return out.strip()
    return "main"


def _object_of(path: str) -> tuple[str, str] | None:
    parts = PurePosixPath(path).parts
    if len(parts) != 3 or parts[0] != STATE_DIR or not parts[2].endswith(".yaml"):
        return None
    if parts[1] not in resources.REGISTRY:
        return None
    return parts[1], parts[2][: -len(".yaml")]


def _git_archive_state(repo: Path, commit: str, out: Path) -> None:
    """Write ``tenant-state/`` of ``commit`` into ``out`` (from git's objects, the working tree untouched)."""
    r = open_repo(repo)
    files = _state_files(r, commit)
    blobs = _blobs(r, files.values())
    for path, blob in files.items():
        target = out / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(blobs.get(blob, b""))
