"""Install from something that exists and cannot be swapped (issue 13): `entragit lock` pins entragit's built wheel
and every dependency with their sha256; pip installs the lock with --require-hashes, offline, and refuses a
tampered wheel or an incomplete lock. The workflows install exactly that lock.

Offline, what can be checked is checked: the real wheel of this source tree is built; its dependencies are the
versions this virtual environment resolved (importlib.metadata), each stood in for by a small wheel carrying
the same name, version and Requires-Dist (their real files are not on this machine without an index). pip
installs from that wheelhouse with --no-index: the lock is complete, every hash is enforced.
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
import zipfile
from importlib import metadata
from pathlib import Path

import pytest
from click.testing import CliRunner
from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from entragit.commands import cli, load_commands
from entragit.errors import UsageError
from entragit.gitops.lock import LOCK_FILE, resolve, write_lock
from entragit.init import WORKFLOWS, render_workflow
from tests.workflows.helpers import ROOT, make_wheel

load_commands()  # every command registered, as `entragit` does when it starts

CLEAN_PIP = {"PIP_CONFIG_FILE": os.devnull, "PIP_NO_INPUT": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1"}


# ------------------------------------------------------------------------------------------------ the resolver
def test_the_lock_holds_the_whole_closure_for_the_target_and_nothing_else(tmp_path: Path) -> None:
    house = tmp_path / "house"
    house.mkdir()
    tool = make_wheel(tmp_path, "tool", "1.0", ["dep>=2", "winonly; sys_platform == 'win32'",
                                                 "old; python_version < '3.10'", "extraful[fast]"])
    make_wheel(house, "dep", "2.1", ["leaf==1.*"])
    make_wheel(house, "leaf", "1.4")
    make_wheel(house, "extraful", "3.0", ["speedup; extra == 'fast'", "docs-thing; extra == 'docs'"])
    make_wheel(house, "speedup", "0.9")
    make_wheel(house, "leaf", "1.4", tag="cp311-cp311-win_amd64")        # another platform: ignored
    entries = resolve(tool, sorted(house.glob("*.whl")))
    assert [(e[0].name, str(e[0].version)) for e in entries] == [
        ("tool", "1.0"), ("dep", "2.1"), ("extraful", "3.0"), ("leaf", "1.4"), ("speedup", "0.9")]

    make_wheel(house, "dep", "2.2", ["leaf==1.*"])
    with pytest.raises(UsageError, match=r"several versions of dep for dep>=2 \(2.1, 2.2\)"):
        resolve(tool, sorted(house.glob("*.whl")))
    (house / "dep-2.2-py3-none-any.whl").unlink()
    (house / "speedup-0.9-py3-none-any.whl").unlink()
    with pytest.raises(UsageError, match=r"no wheel of speedup for speedup; extra == \"fast\""):
        resolve(tool, sorted(house.glob("*.whl")))


def _venv_closure(root: str = "entragit") -> dict[str, tuple[str, list[str]]]:
    """name -> (version, Requires-Dist) of ``root``'s dependencies as this environment resolved them."""
    env = dict(default_environment())
    found: dict[str, tuple[str, list[str]]] = {}
    extras_of: dict[str, set[str]] = {}
    queue: list[tuple[str, set[str]]] = [(root, set())]
    while queue:
        name, extras = queue.pop()
        dist = metadata.distribution(name)
        for line in dist.requires or []:
            req = Requirement(line)
            if req.marker is not None and not any(req.marker.evaluate({**env, "extra": e}) for e in extras or {""}):
                continue
            key = str(canonicalize_name(req.name))
            if key not in found:
                dep = metadata.distribution(req.name)
                found[key] = (dep.version, list(dep.requires or []))
                extras_of[key] = set(req.extras)
                queue.append((req.name, set(req.extras)))
            elif set(req.extras) - extras_of[key]:
                extras_of[key] |= set(req.extras)
                queue.append((req.name, set(extras_of[key])))
    return found


@pytest.fixture(scope="module")
def built_wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(out), str(ROOT)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return next(out.glob("entragit-*.whl"))


def _pip_install(lock_root: Path, house: Path, target: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pip", "install", "--no-index", "--find-links", str(house),
                           "--require-hashes", "--only-binary=:all:", "--target", str(target), "-r", LOCK_FILE],
                          cwd=lock_root, capture_output=True, text=True, timeout=600, env={**os.environ, **CLEAN_PIP})


@pytest.mark.slow
def test_the_built_wheel_installs_offline_from_its_lock_and_tampering_is_refused(tmp_path: Path,
                                                                                built_wheel: Path) -> None:
    house = tmp_path / "house"
    house.mkdir()
    closure = _venv_closure()
    assert {"msgraph-sdk", "azure-identity", "gitpython", "packaging"} <= set(closure)
    for name, (version, requires) in closure.items():
        make_wheel(house, name, version, requires)

    repo = tmp_path / "tenant"
    repo.mkdir()
    result = CliRunner().invoke(cli, ["--repo", str(repo), "lock", "--wheel", str(built_wheel),
                                      "--wheelhouse", str(house)])
    assert result.exit_code == 0, result.output
    digest = re.search(r"sha256 ([0-9a-f]{64})", result.output).group(1)
    lock = (repo / LOCK_FILE).read_text(encoding="utf-8")
    assert hashlib.sha256(lock.encode()).hexdigest() == digest
    wheel_hash = hashlib.sha256(built_wheel.read_bytes()).hexdigest()
    assert f"entragit==0.1.0 \\\n    --hash=sha256:{wheel_hash}\n" in lock
    assert (repo / ".entragit" / "wheels" / built_wheel.name).read_bytes() == built_wheel.read_bytes()
    assert len(re.findall(r"^[a-z0-9._-]+==", lock, re.MULTILINE)) == 1 + len(closure)

    done = _pip_install(repo, house, tmp_path / "site")
    assert done.returncode == 0, done.stderr + done.stdout
    assert (tmp_path / "site" / "entragit" / "cli.py").is_file()
    assert (tmp_path / "site" / "entragit-0.1.0.dist-info").is_dir()

    # a swapped entragit wheel (same name, other bytes) is refused, nothing installed
    swapped = repo / ".entragit" / "wheels" / built_wheel.name
    with zipfile.ZipFile(swapped, "a") as archive:
        archive.writestr("entragit/_extra.py", "print('not what was reviewed')\n")
    refused = _pip_install(repo, house, tmp_path / "site2")
    assert refused.returncode != 0
    assert "THESE PACKAGES DO NOT MATCH THE HASHES" in refused.stderr and "entragit==0.1.0" in refused.stderr
    assert not (tmp_path / "site2" / "entragit").exists()
    swapped.write_bytes(built_wheel.read_bytes())

    # so is a swapped dependency
    name, (version, requires) = next(iter(sorted(closure.items())))
    make_wheel(house, name, version, requires, payload="import os  # swapped\n")
    refused = _pip_install(repo, house, tmp_path / "site3")
    assert refused.returncode != 0 and "THESE PACKAGES DO NOT MATCH THE HASHES" in refused.stderr


def test_every_workflow_installs_the_lock_with_hashes_and_nothing_else() -> None:
    install = re.compile(r"pip install [^\n]*--require-hashes[^\n]*--only-binary=:all:[^\n]*-r \.entragit/requirements\.txt")
    for name in WORKFLOWS:
        text = render_workflow(name)
        pips = re.findall(r"^.*\bpip install\b.*$", text, re.MULTILINE)
        assert all(install.search(line) for line in pips), (name, pips)
        assert "ENTRAGIT_PIP_SPEC" not in text and "entragit==" not in text


def test_write_lock_refuses_a_missing_wheelhouse(tmp_path: Path) -> None:
    tool = make_wheel(tmp_path, "entragit", "0.1.0")
    with pytest.raises(UsageError, match="no such folder"):
        write_lock(tmp_path, tool, tmp_path / "nowhere")
