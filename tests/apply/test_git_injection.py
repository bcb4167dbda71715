"""Option injection through every entry point that hands a user's ref, branch, remote or tag to git: each
option-like value is refused (exit 2, or git's own "no such remote") and no file is created or truncated
(``--output=FILE`` made ``git diff`` truncate FILE before). The structural check of every git invocation is
tests/test_git_safety.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.apply.helpers import Lab

BAIT = "bait.txt"


def _values(target: Path) -> list[str]:
    """Option-like values naming ``target``: what git would read as an option if handed one."""
    return [f"--output={target}", f"--output={target}..HEAD", f"HEAD..--output={target}",
            f"--upload-pack=touch {target}", f"--exec=touch {target}", f"-o{target}"]


CASES = [
    ("plan --scope-from", lambda v: ["plan", "--scope-from", v]),
    ("apply --scope-from", lambda v: ["apply", "--yes", "--scope-from", v]),
    ("apply --remote", lambda v: ["apply", "--yes", "--dry-run", "--remote", v]),
    ("diff --from", lambda v: ["diff", "--from", v]),
    ("diff --to", lambda v: ["diff", "--from", "HEAD", "--to", v]),
    ("recover --from", lambda v: ["recover", "--from", v, "--no-plan"]),
    ("recover --base", lambda v: ["recover", "--from", "HEAD~1", "--no-plan", "--base", v]),
    ("recover --branch", lambda v: ["recover", "--from", "HEAD~1", "--no-plan", "--branch", v]),
    ("verify TAG", lambda v: ["verify", v]),
    ("backup --remote", lambda v: ["backup", "--push", "--remote", v]),
]


@pytest.mark.parametrize("case", [c[0] for c in CASES])
def test_option_like_values_reach_git_as_nothing(case: str, lab: Lab, capsys: pytest.CaptureFixture[str],
                                                 tmp_path: Path) -> None:
    lab.backup()
    lab.commit_edit("users", sorted(lab.state()["users"])[0], lambda u: u.update(jobTitle="Buyer"))
    make = dict(CASES)[case]
    kept = tmp_path / "kept.txt"
    kept.write_text("precious\n", encoding="utf-8")
    refs = lab.git("show-ref")
    for value in _values(kept) + _values(tmp_path / BAIT) + _values(lab.repo / BAIT):
        lab.mark()
        done = lab.cli(capsys, *make(value))
        if value.startswith("-"):
            assert done.code in (1, 2, 3, 6), (case, value, done.out)  # refused, or no such remote
        assert "Traceback" not in done.err, (case, value, done.err)
        assert kept.read_text(encoding="utf-8") == "precious\n", (case, value)
        assert not (tmp_path / BAIT).exists() and not (lab.repo / BAIT).exists(), (case, value)
        assert lab.writes() == []
    assert lab.git("show-ref") == refs


def test_recover_branch_dash_x_is_refused_as_git_refuses_it(lab: Lab, capsys: pytest.CaptureFixture[str]) -> None:
    lab.backup()
    lab.commit_edit("users", sorted(lab.state()["users"])[0], lambda u: u.update(jobTitle="Buyer"))
    refs = lab.git("show-ref")
    done = lab.cli(capsys, "recover", "--from", "HEAD~1", "--no-plan", "--branch", "-x")
    assert done.code == 2 and "--branch '-x': not a valid branch name" in done.err, done.err
    assert lab.git("show-ref") == refs
    ok = lab.cli(capsys, "recover", "--from", "HEAD~1", "--no-plan", "--branch", "recover/x-1")
    assert ok.code == 0, ok.err
