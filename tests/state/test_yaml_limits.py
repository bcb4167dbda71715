"""YAML entragit reads never expands (entragit.yamlsafe): the class of every YAML entry point.

The 0.6 KB alias bomb and a 990-deep value go through each command that reads YAML (validate, plan, apply,
diff, recover, entragit.yaml for any command, a backup tag's manifest, an emulator seed file) in a subprocess
whose address space is capped (resource.setrlimit): each ends with exit 2 and one line naming the file, within
the cap, with zero Graph requests (the served emulator's counters) and the repository unchanged. Without the
checks the bomb needs gigabytes and the deep value ends in a RecursionError. A structural test finds every
YAML loader call in the code base and insists it is one of the checked entry points.
"""

from __future__ import annotations

import ast
import subprocess
import sys
import textwrap
from pathlib import Path

import httpx
import pytest

from entragit import resources, yamlsafe
from entragit.errors import ValidationError
from entragit.state import dump_yaml, load_yaml, normalize, parse_yaml
from entragit.yamlsafe import MAX_DEPTH, UnsafeYaml
from tests.plan.helpers import gid, group, user

ROOT = Path(__file__).resolve().parents[2]
USER_ID = gid(1)
CAP_MB = 512

_LEVELS = "abcdefghi"
BOMB = "".join(
    f"{name}: &{name} [" + ", ".join([f"*{_LEVELS[i - 1]}"] * 9 if i else ['"lol"'] * 9) + "]\n"
    for i, name in enumerate(_LEVELS)) + "j: [" + ", ".join(["*i"] * 9) + "]\n"
DEEP_FLOW = "deep: " + "[" * 990 + "]" * 990 + "\n"
DEEP_BLOCK = "".join(f"{'  ' * i}k{i}:\n" for i in range(990)) + f"{'  ' * 990}leaf: 1\n"


def _file(bad: str) -> str:
    return f"# yaml-language-server: $schema=../../schemas/users.schema.json\nid: {USER_ID}\n{bad}"


BAD = {"bomb": _file(BOMB), "deep flow": _file(DEEP_FLOW), "deep block": _file(DEEP_BLOCK),
       "tag": _file("x: !!python/object/apply:os.system [touch pwned]\n")}


def test_the_bomb_is_small_and_expands_beyond_any_budget() -> None:
    assert len(BOMB.encode()) <= 615, len(BOMB)  # 0.6 KB
    assert 9 ** 10 > 3_000_000_000  # "lol" strings it stands for


# -- the limits are derived, and legitimate files stay within them ---------------------------------------------
def test_size_limit_holds_the_largest_legitimate_file() -> None:
    """A group's member list is the largest file: measured bytes per member (canonical dump) times the members
    the limit allows stay within MAX_BYTES; a real group of 2,000 members loads."""
    rt = resources.get("groups")
    small, big = (dump_yaml(rt, normalize(rt, group(5, members=[gid(10_000 + i) for i in range(n)])))
                  for n in (1000, 2000))
    per_member = (len(big) - len(small)) / 1000
    assert per_member <= yamlsafe.BYTES_PER_MEMBER
    assert yamlsafe.MAX_MEMBERS * per_member + len(small) <= yamlsafe.MAX_BYTES
    assert len(parse_yaml(big)["members"]) == 2000


def test_depth_limit_is_twice_the_deepest_structure_graph_declares() -> None:
    """The deepest structure Graph's v1.0 metadata gives a declared type (its declared properties, complex and
    derived types followed, contained entities too, each recursion cut once; links as entragit stores them:
    ids, or OBJECTS elements) is at most half of MAX_DEPTH; and so is the deepest committed file."""
    from entragit.emulator.metadata import model
    from entragit.resources.base import LinkKind

    m = model()

    def props(name: str) -> dict:
        found: dict = {}
        for n in (name, *m.descendants(name)):
            t = m.type(n)
            if t is not None:
                found.update(t.properties)
        return found

    def depth(name: str, seen: frozenset[str], contained: bool = True) -> int:
        if m.type(name) is None or name in seen:
            return 0
        return max((p.collection + 1 + depth(p.type, seen | {name}) for p in props(name).values()
                    if not p.navigation or (contained and p.contains_target)), default=0)

    deepest = 0
    for rt in resources.all_types():
        own = props(m.require(rt.odata_type).name)
        top = frozenset({m.require(rt.odata_type).name})
        for prop in rt.props:
            p = own.get(prop.name)
            if p is not None and (not p.navigation or p.contains_target):
                deepest = max(deepest, 1 + p.collection + 1 + depth(p.type, top))
        for link in rt.links:
            p = own.get(link.name)
            if link.kind is LinkKind.OBJECTS and p is not None:
                deepest = max(deepest, 1 + 2 + depth(p.type, top, contained=False))
            else:
                deepest = max(deepest, 1 + (link.kind is LinkKind.IDS) + 1)
    assert 4 <= deepest <= MAX_DEPTH // 2, deepest

    def nested(value: object) -> int:
        if isinstance(value, dict):
            return 1 + max((nested(v) for v in value.values()), default=0)
        if isinstance(value, list):
            return 1 + max((nested(v) for v in value), default=0)
        return 0

    files = list((ROOT / "tenant-state").glob("*/*.yaml"))
    assert files and max(nested(load_yaml(f)) for f in files) <= deepest


def test_limits_refuse_in_process_naming_the_file() -> None:
    for name, text in BAD.items():
        with pytest.raises(UnsafeYaml) as err:
            parse_yaml(text, "tenant-state/users/x.yaml")
        assert "tenant-state/users/x.yaml" in str(err.value) and "\n" not in str(err.value), name
    ok = _file("".join(f"{'  ' * i}k{i}:\n" for i in range(MAX_DEPTH - 1)) + f"{'  ' * (MAX_DEPTH - 1)}v: 1\n")
    assert parse_yaml(ok)["k0"]
    with pytest.raises(UnsafeYaml, match="nested more than 32"):
        parse_yaml(_file("".join(f"{'  ' * i}k{i}:\n" for i in range(MAX_DEPTH)) + f"{'  ' * MAX_DEPTH}v: 1\n"))
    with pytest.raises(ValidationError, match="above the"):
        yamlsafe.check_size(yamlsafe.MAX_BYTES + 1, "big.yaml")


def test_a_file_above_the_size_limit_is_refused_before_it_is_read(tmp_path: Path) -> None:
    path = tmp_path / "users" / f"{USER_ID}.yaml"
    path.parent.mkdir()
    with path.open("wb") as fh:  # sparse: the size is there, the bytes never are
        fh.truncate(yamlsafe.MAX_BYTES + 1)
    with pytest.raises(ValidationError) as err:
        load_yaml(path)
    assert str(path) in str(err.value) and "above the" in str(err.value)


# -- every entry point, under a memory cap, through the CLI ----------------------------------------------------
_CAPPED = textwrap.dedent("""
    import resource, sys
    cap = int(sys.argv[1]) << 20
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    sys.setrecursionlimit(100_000)  # as deep as the memory cap lets a recursive loader go
    if sys.argv[2] == "seed":
        from entragit.emulator.seeds.loading import load_seed_file
        from entragit.emulator.errors import EmulatorInputError
        try:
            load_seed_file(sys.argv[3])
        except EmulatorInputError as exc:
            print(exc, file=sys.stderr)
            sys.exit(2)
        sys.exit(0)
    from entragit.cli import main
    main(sys.argv[2:])
""")


def capped(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", _CAPPED, str(CAP_MB), *args], cwd=repo, capture_output=True,
                          text=True, timeout=240)


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True).stdout


def _snapshot(repo: Path) -> tuple[str, str]:
    return _git(repo, "status", "--porcelain", "--untracked-files=all"), _git(repo, "show-ref")


def _counters(url: str) -> dict:
    with httpx.Client(base_url=url, timeout=30) as control:
        return control.get("/_emulator/counters").raise_for_status().json()


def _reset(url: str) -> None:
    with httpx.Client(base_url=url, timeout=30) as control:
        control.post("/_emulator/counters/reset").raise_for_status()


def _good_user() -> str:
    rt = resources.get("users")
    return dump_yaml(rt, normalize(rt, user(1)))


@pytest.fixture
def tenant_repo(git_repo: Path) -> tuple[Path, str]:
    """The repository with one valid user committed (the backup to come back to): (repo, that commit)."""
    path = git_repo / "tenant-state" / "users" / f"{USER_ID}.yaml"
    path.parent.mkdir(parents=True)
    path.write_text(_good_user(), encoding="utf-8")
    _git(git_repo, "add", "-A")
    _git(git_repo, "commit", "-q", "-m", "a good state")
    return git_repo, _git(git_repo, "rev-parse", "HEAD").strip()


ENTRY_POINTS = ["validate", "plan", "apply", "diff", "recover", "entragit.yaml", "tag manifest", "seed"]


@pytest.mark.parametrize("kind", ["bomb", "deep flow", "deep block"])
@pytest.mark.parametrize("entry", ENTRY_POINTS)
def test_every_yaml_entry_point_refuses_under_a_memory_cap(entry: str, kind: str, tenant_repo: tuple[Path, str],
                                                           served_emulator: str, tmp_path: Path) -> None:
    repo, good = tenant_repo
    text = BAD[kind]
    bad_file = repo / "tenant-state" / "users" / f"{USER_ID}.yaml"
    graph = ["--graph-url", served_emulator]
    expect_code, named = 2, f"{USER_ID}.yaml"
    if entry in ("validate", "plan", "apply"):
        bad_file.write_text(text, encoding="utf-8")
        args = {"validate": ["validate"], "plan": [*graph, "plan"], "apply": [*graph, "apply", "--yes"]}[entry]
    elif entry in ("diff", "recover"):
        bad_file.write_text(text, encoding="utf-8")
        _git(repo, "commit", "-q", "-am", "a hostile change merged")
        bad = _git(repo, "rev-parse", "HEAD").strip()
        _git(repo, "revert", "--no-edit", "HEAD")  # and taken back: recovering to it would bring it back
        args = (["diff", "--from", bad, "--to", good] if entry == "diff"
                else ["recover", "--from", bad, "--no-plan", "--branch", "recover/test"])
    elif entry == "entragit.yaml":
        (repo / "entragit.yaml").write_text(text.split("\n", 1)[1], encoding="utf-8")
        args, named = ["validate"], "entragit.yaml"
    elif entry == "tag manifest":
        subprocess.run(["git", "tag", "-a", "backup/20260701T230000Z", "-F", "-"], cwd=repo, check=True,
                       input="entragit backup\n\n" + text.split("\n", 1)[1], text=True, capture_output=True)
        args, expect_code, named = ["backups"], None, ""
    else:
        seed = tmp_path / "seed.yaml"
        seed.write_text(text.split("\n", 1)[1], encoding="utf-8")
        args, named = ["seed", str(seed)], "seed.yaml"
    before = _snapshot(repo)
    _reset(served_emulator)
    done = capped(repo, *args)
    assert "MemoryError" not in done.stderr and "RecursionError" not in done.stderr, done.stderr[-2000:]
    if expect_code is None:
        assert done.returncode in (0, 2), done.stderr[-2000:]
    else:
        assert done.returncode == expect_code, (done.returncode, done.stdout[-500:], done.stderr[-2000:])
        errors = [line for line in (done.stdout + done.stderr).splitlines() if named in line]
        assert errors and any(w in errors[0] for w in ("anchor", "alias", "nested more than")), done.stderr
    assert _counters(served_emulator)["totals"]["requests"] == 0
    assert _snapshot(repo) == before


# -- structure: no YAML loader call outside the checked entry points -------------------------------------------
# (module, function) pairs that call a YAML loader, each after entragit.yamlsafe's check (or the emulator's own)
_CHECKED = {
    ("state/yamlio.py", "parse_yaml"),            # tenant-state/ files, from disk or git
    ("settings/files.py", "parse_config"),        # entragit.yaml
    ("backups/tags.py", "manifest"),              # a backup tag's message
    ("emulator/seeds/loading.py", "parse_seed_yaml"),  # the emulator's own check (it imports no client module)
    ("gitops/approval.py", "approvers_in"),        # the base branch's recovery approvers
    ("gitops/subjects.py", "_load"),               # GitHub workflow files (aliases allowed, expansion bounded)
}
_LOADERS = {"load", "safe_load", "full_load", "unsafe_load", "load_all", "safe_load_all", "compose", "parse"}


def test_every_yaml_loader_call_is_a_checked_entry_point() -> None:
    found = []
    for path in sorted((ROOT / "entragit").rglob("*.py")):
        rel = path.relative_to(ROOT / "entragit").as_posix()
        if rel == "yamlsafe.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for func in ast.walk(tree):
            if not isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            for node in ast.walk(func):
                if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                        and node.func.attr in _LOADERS):
                    continue
                owner = ast.unparse(node.func.value)
                if "yaml" in owner.lower() or owner.startswith("YAML("):
                    found.append((rel, func.name, node.lineno))
    unchecked = [f for f in found if (f[0], f[1]) not in _CHECKED]
    assert found and not unchecked, unchecked
    for rel, name in _CHECKED:  # and each of them checks first
        source = ast.get_source_segment((ROOT / "entragit" / rel).read_text(encoding="utf-8"), next(
            n for n in ast.walk(ast.parse((ROOT / "entragit" / rel).read_text(encoding="utf-8")))
            if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name == name)) or ""
        assert "check_yaml" in source or "AliasEvent" in source, (rel, name)


def test_workflow_files_may_hold_anchors_but_never_a_bomb() -> None:
    """GitHub Actions accepts YAML anchors in workflows, so gitops' workflow reader allows them, bounded: following
    every alias may give at most MAX_EXPANDED nodes (the bomb stands for billions)."""
    anchored = "defaults: &d {shell: bash}\njobs:\n  a: {defaults: *d}\n  b: {defaults: *d}\n"
    yamlsafe.check_yaml(anchored, "ci.yml", expand=yamlsafe.MAX_EXPANDED)
    with pytest.raises(UnsafeYaml, match="anchor"):
        yamlsafe.check_yaml(anchored, "ci.yml")
    with pytest.raises(UnsafeYaml, match="expand it beyond"):
        yamlsafe.check_yaml(BOMB, "ci.yml", expand=yamlsafe.MAX_EXPANDED)
