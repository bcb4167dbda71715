"""The command line as a user meets it (``python -m entragit ...`` in a subprocess): ``--help`` lists every
command, and each user mistake ends with ONE line on stderr, a non-zero exit and no traceback (issue 2,
"The package")."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import click
import pytest

from entragit.cli import _load_commands, cli, main


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ENTRAGIT_")}
    env["PYTHONUNBUFFERED"] = "1"
    return env


def _start(args: list[str], cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "entragit", *args], cwd=cwd, env=_env(), text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


@pytest.fixture
def busy_port() -> Iterator[int]:
    """A port another program listens on."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(1)
    try:
        yield sock.getsockname()[1]
    finally:
        sock.close()


def test_help_lists_every_command(tmp_path: Path) -> None:
    _load_commands()
    proc = _start(["--help"], tmp_path)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0 and err == ""
    listed = set(re.findall(r"^  ([a-z][a-z-]*)\s", out.split("Commands:", 1)[1], flags=re.MULTILINE))
    assert listed == set(cli.commands)
    assert {"demo", "emulator", "export", "validate"} <= listed


def test_user_mistakes_are_one_line_and_a_non_zero_exit(tmp_path: Path, busy_port: int) -> None:
    bad_json = tmp_path / "broken.json"
    bad_json.write_text('{"users": [', encoding="utf-8")
    # (argv, expected exit code, words the one line must hold)
    mistakes: list[tuple[list[str], int, tuple[str, ...]]] = [
        (["--bogus"], 2, ("No such option '--bogus'", "entragit --help")),
        (["nosuchcommand"], 2, ("No such command 'nosuchcommand'",)),
        (["emulator", "serve", "--port", "0", "--seed", str(tmp_path / "missing.json")], 2,
         ("missing.json", "not found")),
        (["emulator", "serve", "--port", "0", "--seed", "nosuchseed"], 2, ("unknown seed 'nosuchseed'",)),
        (["emulator", "serve", "--port", "0", "--seed", str(bad_json)], 2, ("broken.json", "not valid JSON")),
        (["emulator", "serve", "--port", str(busy_port)], 2, (f"127.0.0.1:{busy_port}", "cannot listen")),
        (["emulator", "serve", "--fault-rate", "2"], 2, ("--fault-rate", "entragit emulator serve --help")),
        (["--repo", str(tmp_path), "export"], 2, ("no Graph endpoint configured", "--graph-url")),
        (["--repo", str(tmp_path), "--graph-url", "http://127.0.0.1:9", "export", "--type", "bogus"], 2,
         ("unknown resource type 'bogus'",)),
        (["validate", str(tmp_path / "no-such-dir")], 2, ("no-such-dir",)),
    ]
    procs = [(args, code, words, _start(args, tmp_path)) for args, code, words in mistakes]
    for args, code, words, proc in procs:
        try:
            out, err = proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
            pytest.fail(f"entragit {' '.join(args)} did not end")
        assert "Traceback" not in err, (args, err)
        assert proc.returncode == code, (args, proc.returncode, err)
        assert out == "", (args, out)
        assert err.endswith("\n") and err.count("\n") == 1, (args, err)
        assert err.startswith("entragit: error: "), (args, err)
        for word in words:
            assert word in err, (args, word, err)


@pytest.fixture
def broken_command() -> Iterator[str]:
    """A command with a bug (an unexpected exception), registered for one test."""

    @cli.command("crash-for-test", hidden=True)
    def crash() -> None:
        raise KeyError("no such thing")

    try:
        yield "crash-for-test"
    finally:
        cli.commands.pop("crash-for-test", None)


def test_an_unexpected_exception_is_one_line_unless_verbose(broken_command: str,
                                                           capsys: pytest.CaptureFixture[str],
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ENTRAGIT_TRACEBACK", raising=False)
    with pytest.raises(SystemExit) as done:
        main([broken_command])
    err = capsys.readouterr().err
    assert done.value.code == 1
    assert err == "entragit: error: unexpected KeyError: 'no such thing' (run with -v for the traceback)\n"
    with pytest.raises(KeyError):
        main(["-v", broken_command])


def test_a_click_exception_from_a_command_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    @cli.command("file-error-for-test", hidden=True)
    def failing() -> None:
        raise click.FileError("x.yaml", hint="permission denied\nsecond line")

    try:
        with pytest.raises(SystemExit) as done:
            main(["file-error-for-test"])
    finally:
        cli.commands.pop("file-error-for-test", None)
    err = capsys.readouterr().err
    assert done.value.code == 1
    assert err.count("\n") == 1 and err.startswith("entragit: error: ") and "x.yaml" in err
