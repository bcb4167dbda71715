"""The install lock: entragit as a built wheel with its sha256, and every dependency pinned with its hashes, for
the Python version and platform the workflows run on; installed with ``pip install --require-hashes``.

Why a wheel and hashes (docs/setup.md, "Install from something that cannot be swapped"): no package index
carries entragit yet, so ``pip install entragit==X`` installs nothing or, once anyone registers the name, their
code; and a job that can mint the writer's token must not install unpinned dependencies. pip's hash-checking
mode refuses any file whose sha256 is not in the lock, and any requirement not pinned with ``==`` and hashes
(https://pip.pypa.io/en/stable/topics/secure-installs/). A ``git+https://...@<commit>`` requirement cannot be
hash-checked by pip (a VCS checkout has no archive to hash), so it is not offered.

What can be checked offline, and is: the lock is *complete* (every ``Requires-Dist`` of every wheel in it,
markers evaluated for the target Python and platform, is satisfied by a wheel in it: nothing is left for pip to
resolve from an index) and each hash is the sha256 of the file it names. The wheel files come from a folder the
administrator fills once, online, with pip itself (``pip download``, README/setup.md give the command): the
files' hashes are what gets pinned, so the folder's origin does not need to be trusted after the lock is
reviewed.

The lock::

    # written by `entragit lock` ...
    --find-links .entragit/wheels
    entragit==0.1.0 \\
        --hash=sha256:...
    azure-core==1.35.0 \\
        --hash=sha256:...
"""

from __future__ import annotations

import email.parser
import hashlib
import re
import shutil
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from packaging.markers import default_environment
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name, parse_wheel_filename
from packaging.version import Version

from entragit.errors import UsageError

LOCK_DIR = ".entragit"
LOCK_FILE = f"{LOCK_DIR}/requirements.txt"
WHEELS_DIR = f"{LOCK_DIR}/wheels"
PYTHON = "3.11"          # what the workflows' actions/setup-python step installs
PLATFORM = ("linux", "Linux", "x86_64")   # ubuntu-latest


@dataclass
class Wheel:
    path: Path
    name: str               # canonical
    version: Version
    requires: list[Requirement] = field(default_factory=list)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.path.read_bytes()).hexdigest()


def read_wheel(path: Path) -> Wheel:
    try:
        name, version, _, _ = parse_wheel_filename(path.name)
    except Exception as exc:
        raise UsageError(f"not a wheel file name: {exc}", file=str(path)) from None
    try:
        with zipfile.ZipFile(path) as archive:
            metas = [n for n in archive.namelist() if re.fullmatch(r"[^/]+\.dist-info/METADATA", n)]
            if len(metas) != 1:
                raise UsageError("no single .dist-info/METADATA in the wheel", file=str(path))
            meta = email.parser.BytesParser().parsebytes(archive.read(metas[0]))
    except zipfile.BadZipFile:
        raise UsageError("not a zip archive (a wheel is one)", file=str(path)) from None
    requires = []
    for line in meta.get_all("Requires-Dist") or []:
        try:
            requires.append(Requirement(line))
        except InvalidRequirement as exc:
            raise UsageError(f"unreadable Requires-Dist {line!r}: {exc}", file=str(path)) from None
    return Wheel(path, str(name), version, requires)


def target_environment(python: str = PYTHON) -> dict[str, str]:
    """Marker values of the workflows' runner: CPython ``python`` on ubuntu-latest (x86_64)."""
    env = dict(default_environment())
    env.update(python_version=python, python_full_version=f"{python}.0", implementation_name="cpython",
               platform_python_implementation="CPython", sys_platform=PLATFORM[0], platform_system=PLATFORM[1],
               platform_machine=PLATFORM[2], os_name="posix")
    return env


def _supported(path: Path, python: str) -> bool:
    """Whether a wheel installs on the target: pure Python, or CPython ``python`` / abi3 on manylinux x86_64."""
    _, _, _, tags = parse_wheel_filename(path.name)
    short = python.replace(".", "")
    for tag in tags:
        if tag.platform != "any" and not (tag.platform.startswith(("manylinux", "linux")) and
                                          tag.platform.endswith("x86_64")):
            continue
        if tag.interpreter in ("py3", f"py{short}", f"cp{short}") or (
                tag.abi == "abi3" and tag.interpreter.startswith("cp3") and int(tag.interpreter[3:] or 0) <= int(short[1:])):
            return True
    return False


def resolve(tool: Path, wheelhouse: Iterable[Path], *, python: str = PYTHON) -> list[list[Wheel]]:
    """The lock's content: ``tool`` first, then every distribution it needs on the target, each as the list of
    its wheel files for one version (several files: one per platform tag, all hashed). Raises UsageError naming
    what is missing or ambiguous."""
    main = read_wheel(tool)
    house: dict[str, dict[Version, list[Wheel]]] = {}
    for path in wheelhouse:
        if path.resolve() == tool.resolve() or not _supported(path, python):
            continue
        wheel = read_wheel(path)
        house.setdefault(wheel.name, {}).setdefault(wheel.version, []).append(wheel)
    env = target_environment(python)
    chosen: dict[str, list[Wheel]] = {main.name: [main]}
    extras: dict[str, set[str]] = {main.name: set()}
    queue: list[tuple[Wheel, set[str]]] = [(main, set())]
    while queue:
        wheel, wanted = queue.pop(0)
        for req in wheel.requires:
            marker_envs = [dict(env, extra=e) for e in (wanted or {""})]
            if req.marker is not None and not any(req.marker.evaluate(e) for e in marker_envs):
                continue
            name = str(canonicalize_name(req.name))
            if name in chosen:
                version = chosen[name][0].version
                if not req.specifier.contains(version, prereleases=True):
                    raise UsageError(f"{wheel.name} {wheel.version} needs {req}, but the lock has {name} {version}")
                new = set(req.extras) - extras[name]
                if new:
                    extras[name] |= new
                    queue.append((chosen[name][0], extras[name]))
                continue
            versions = [v for v in house.get(name, {}) if req.specifier.contains(v, prereleases=True)]
            if not versions:
                have = ", ".join(str(v) for v in sorted(house.get(name, {}))) or "none"
                raise UsageError(f"the wheelhouse has no wheel of {name} for {req} (python {python}, linux x86_64; "
                                 f"versions there: {have}): download it (docs/setup.md) and run again")
            if len(versions) > 1:
                raise UsageError(f"the wheelhouse has several versions of {name} for {req} "
                                 f"({', '.join(str(v) for v in sorted(versions))}): keep one")
            chosen[name] = house[name][versions[0]]
            extras[name] = set(req.extras)
            queue.append((chosen[name][0], set(req.extras)))
    return [chosen[main.name]] + [chosen[n] for n in sorted(chosen) if n != main.name]


def render(entries: list[list[Wheel]], *, python: str = PYTHON, find_links: str = WHEELS_DIR) -> str:
    lines = [f"# The install lock of entragit's workflows (Python {python}, linux x86_64), written by `entragit lock`.",
             "# Installed with: pip install --require-hashes --only-binary=:all: -r .entragit/requirements.txt",
             "# pip refuses any file whose sha256 is not listed here. Regenerate it, never edit it by hand:",
             "# docs/setup.md, \"Install from something that cannot be swapped\".",
             f"--find-links {find_links}"]
    for wheels in entries:
        first = wheels[0]
        hashes = sorted({w.sha256 for w in wheels})
        lines.append(f"{first.name}=={first.version} \\")
        lines += [f"    --hash=sha256:{h}" + (" \\" if i < len(hashes) - 1 else "") for i, h in enumerate(hashes)]
    return "\n".join(lines) + "\n"


def write_lock(root: Path, tool: Path, wheelhouse: Path, *, python: str = PYTHON) -> tuple[Path, str]:
    """Copy ``tool`` into ``root/.entragit/wheels/`` and write ``root/.entragit/requirements.txt``; returns the
    lock's path and its sha256 (what the administrators' workflow pins)."""
    if not tool.is_file():
        raise UsageError("no such wheel file", file=str(tool))
    if not wheelhouse.is_dir():
        raise UsageError("no such folder", file=str(wheelhouse))
    entries = resolve(tool, sorted(wheelhouse.glob("*.whl")), python=python)
    wheels = root / WHEELS_DIR
    wheels.mkdir(parents=True, exist_ok=True)
    for old in wheels.glob(f"{entries[0][0].name.replace('-', '_')}-*.whl"):
        if old.name != tool.name:
            old.unlink()
    if (wheels / tool.name).resolve() != tool.resolve():
        shutil.copyfile(tool, wheels / tool.name)
    text = render(entries, python=python)
    lock = root / LOCK_FILE
    lock.write_text(text, encoding="utf-8", newline="\n")
    return lock, hashlib.sha256(text.encode()).hexdigest()


def lock_digest(root: Path) -> str | None:
    lock = root / LOCK_FILE
    return hashlib.sha256(lock.read_bytes()).hexdigest() if lock.is_file() else None
