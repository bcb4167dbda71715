"""Option injection: no value from a user or a change reaches git where git would read it as an option.

Structural (every git invocation in the code base): each argument of a git call is a literal, an option with its
value attached (``f"--format={fmt}"``), a text that cannot start with "-" (``f"refs/heads/{name}"``), a value
passed through a verifier (:func:`entragit.gitutil.verify_commit`, :func:`~entragit.gitutil.plain_arg`,
:func:`~entragit.gitutil.oid`), or it follows a literal ``--end-of-options`` or ``--``. Behavioural
(tests/apply/test_git_injection.py): each entry point driven with option-like values creates and truncates nothing.
"""

from __future__ import annotations

import ast
import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "entragit"

# Functions that run git with the arguments they are given (their callers are checked, not their bodies).
WRAPPERS = {"git_result", "git_run", "_git", "git", "run"}  # "run": GitStore.run; "git": the demo's run.git
VERIFIERS = {"verify_commit", "plain_arg", "oid", "_rev_oid"}
ENDS = {"--", "--end-of-options"}
VALUE_OPTIONS = {"-m", "-F", "-p", "-C", "-c", "-n"}  # each takes the next argument as its value


def _calls() -> list[tuple[str, int, ast.Call, list[ast.expr]]]:
    """``(file, line, call, git arguments)`` of every git invocation under entragit/ (the emulator has none)."""
    found = []
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        if rel.startswith("emulator/"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        wrapper_bodies = {id(n) for f in ast.walk(tree) if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))
                          and f.name in WRAPPERS for n in ast.walk(f)}
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or id(node) in wrapper_bodies:
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            receiver = ast.unparse(node.func.value) if isinstance(node.func, ast.Attribute) else ""
            args: list[ast.expr] | None = None
            first = node.args[0].elts[:1] if node.args and isinstance(node.args[0], (ast.List, ast.Tuple)) else []
            if first and (isinstance(first[0], ast.Constant) and first[0].value == "git"
                          or "GIT_PYTHON_GIT_EXECUTABLE" in ast.unparse(first[0])):
                args = list(node.args[0].elts[1:])  # subprocess.run(["git", ...]) / repo.git.execute([git, ...])
            elif rel == "report/gitstore.py" and name == "run" and receiver == "self":
                args = list(node.args)  # GitStore.run(*git arguments)
            elif name in ("git_result", "git_run", "_git"):
                args = list(node.args[1:])  # (repo, *git arguments)
            elif name == "git" and receiver == "run":
                args = list(node.args)  # the demo's run.git(*git arguments)
            elif name != "execute" and isinstance(node.func, ast.Attribute) \
                    and isinstance(node.func.value, ast.Attribute) and node.func.value.attr == "git":
                args = [node]  # GitPython's dynamic repo.git.<command>(...): never allowed
            if args is not None:
                found.append((rel, node.lineno, node, args))
    return found


def _safe(arg: ast.expr) -> bool:
    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
        return True
    if isinstance(arg, ast.Name) and arg.id.isupper():
        return True  # a module constant (a ref name such as NOTES_REF)
    if isinstance(arg, ast.IfExp):
        return _safe(arg.body) and _safe(arg.orelse)
    if isinstance(arg, ast.BoolOp):
        return all(_safe(v) for v in arg.values)
    if isinstance(arg, ast.JoinedStr) and arg.values:
        first = arg.values[0]
        # "--opt={x}" is one option with its value; "refs/{x}", "backup/{x}" cannot start with "-"
        return isinstance(first, ast.Constant) or (isinstance(first, ast.FormattedValue) and _safe(first.value))
    if isinstance(arg, ast.Call):
        name = arg.func.attr if isinstance(arg.func, ast.Attribute) else getattr(arg.func, "id", "")
        return name in VERIFIERS
    return False


def _safe_list(value: ast.expr) -> bool:
    """``*[...]`` / ``*(... if c else [])`` of safe elements (an optional option and its value)."""
    if isinstance(value, ast.IfExp):
        return _safe_list(value.body) and _safe_list(value.orelse)
    return isinstance(value, (ast.List, ast.Tuple)) and all(_safe(e) for e in value.elts)


def test_every_git_argument_is_safe() -> None:
    calls = _calls()
    assert len(calls) > 60  # the whole code base, not a sample
    unsafe = []
    for rel, line, call, args in calls:
        if len(args) == 1 and args[0] is call:
            unsafe.append(f"{rel}:{line}: GitPython's repo.git.<command>(): use gitutil.git_result")
            continue
        after_end = False
        previous: ast.expr | None = None
        for arg in args:
            if isinstance(previous, ast.Constant) and previous.value in VALUE_OPTIONS:
                previous = arg
                continue  # the value of -m / -F / -p / -e: git takes the next argument as it is
            previous = arg
            if isinstance(arg, ast.Constant) and arg.value in ENDS:
                after_end = True
                continue
            if isinstance(arg, ast.Starred):
                if not after_end and not _safe_list(arg.value):
                    unsafe.append(f"{rel}:{line}: *{ast.unparse(arg.value)} before --end-of-options")
                continue
            if not after_end and not _safe(arg):
                unsafe.append(f"{rel}:{line}: {ast.unparse(arg)}")
    assert not unsafe, "git arguments that could be read as options:\n" + "\n".join(unsafe)


def test_read_blob_gives_the_files_exact_bytes(tmp_path: Path) -> None:
    """A blob is read as stored: its last newline too (GitPython strips it unless told not to)."""
    from entragit.gitutil import open_repo, read_blob

    env = {**os.environ, "GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1"}
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True, env=env)
    (tmp_path / "a.yaml").write_bytes(b"x: 1\n\n")
    subprocess.run(["git", "-C", str(tmp_path), "add", "."], check=True, env=env)
    subprocess.run(["git", "-C", str(tmp_path), "-c", "user.name=a", "-c", "user.email=a@example.com", "commit",
                    "-qm", "m"], check=True, env=env)
    sha = subprocess.run(["git", "-C", str(tmp_path), "rev-parse", "HEAD"], capture_output=True, text=True,
                         check=True, env=env).stdout.strip()
    assert read_blob(open_repo(tmp_path), sha, "a.yaml") == b"x: 1\n\n"
    assert read_blob(open_repo(tmp_path), sha, "missing.yaml") is None
