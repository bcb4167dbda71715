"""The incident path's traps, through the CLI: show/log of an appId two objects share, of a deleted object's id;
the exit codes against the README's table (each code one meaning, --exit-code's drift never taken for a
refusal); Ctrl-C at the apply prompt; an unreachable Graph for every command that reads Graph, the global option
after the command; recover while another job holds the lock (local or remote); acknowledge of a commit that
is not a merged change."""

from __future__ import annotations

import io
import re
import socket
import sys
from pathlib import Path

import pytest

import entragit.errors as errors
from entragit.emulator.seeds import DEMO_FACTS as F
from entragit.graph import run
from tests.apply.helpers import Lab, git

ROOT = Path(__file__).resolve().parents[2]
GSA = F.ca_policy_ids[F.gsa_policy]
SALES = F.group_ids["Sales Team"]
POLICIES = "identity/conditionalAccess/policies"


def test_show_and_log_refuse_an_appid_two_objects_share_and_type_picks_one(lab: Lab,
                                                                           capsys: pytest.CaptureFixture[str]) -> None:
    lab.backup()
    state = lab.state()
    [(app_id, app, sp)] = [(a["appId"], a_id, s_id) for a_id, a in state["applications"].items()
                           for s_id, s in state["servicePrincipals"].items() if s["appId"] == a["appId"]][:1]
    for command in ("show", "log"):
        shared = lab.cli(capsys, command, app_id)
        assert shared.code == 2, shared.out
        assert "names 2 objects" in shared.err and app in shared.err and sp in shared.err and "--type" in shared.err
        picked = lab.cli(capsys, command, app_id, "--type", "servicePrincipals")
        assert picked.code == 0, picked.err
        assert sp in picked.out + picked.err and app not in picked.out
    mistyped = lab.cli(capsys, "show", app_id, "--type", "ServicePrincipal")
    assert mistyped.code == 2 and "did you mean 'servicePrincipals'" in mistyped.err


def test_show_of_a_deleted_objects_id_names_the_last_backup_holding_it(lab: Lab,
                                                                       capsys: pytest.CaptureFixture[str]) -> None:
    first = lab.backup()
    run(lab.client.delete(f"groups/{SALES}"))
    newest = lab.backup()
    done = lab.cli(capsys, "show", SALES)
    assert done.code == 2 and f"is not in tenant-state/ at {newest.tag}" in done.err
    assert f"last recorded by {first.tag}: `entragit show {SALES} --at {first.tag}`" in done.err
    shown = lab.cli(capsys, "show", SALES, "--at", first.tag)
    assert shown.code == 0 and "displayName: Sales Team" in shown.out


def _readme_exit_codes() -> dict[int, str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    table = text.split("## Exit codes", 1)[1].split("\n## ", 1)[0]
    return {int(m.group(1)): m.group(2) for m in re.finditer(r"^\| (\d+) \| (.+?) \|$", table, re.M)}


def test_each_exit_code_has_one_meaning_the_readme_documents() -> None:
    documented = _readme_exit_codes()
    codes: dict[int, list[str]] = {}
    for name in dir(errors):
        cls = getattr(errors, name)
        if isinstance(cls, type) and issubclass(cls, errors.EntragitError) and "exit_code" in vars(cls):
            codes.setdefault(cls.exit_code, []).append(name)
    assert set(codes) <= set(documented), (codes, documented)
    assert {2, 3, 4, 5, 6, 7, 8, 130} <= set(codes)
    assert [c for c, names in codes.items() if len(names) > 1] == []      # one class, one meaning per code
    assert "drift" in documented[8] and "canceled" in documented[130].lower() and "declined" in documented[7]
    for code in codes:                                                    # errors.py says the same as the README
        assert re.search(rf"\b{code} ", errors.__doc__ or ""), code


def test_exit_code_flags_never_hide_an_error_or_a_refusal(lab: Lab, capsys: pytest.CaptureFixture[str]) -> None:
    first = lab.backup()
    for name in F.ca_policies[:5]:                # a refused plan (share rail) that is also drift
        run(lab.client.patch(f"{POLICIES}/{F.ca_policy_ids[name]}", {"state": "disabled"}))
    assert lab.cli(capsys, "plan", "--exit-code").code == 3              # refused, not "drift"
    assert lab.cli(capsys, "plan", "--exit-code", "--force", "incident 42").code == 8
    assert lab.cli(capsys, "diff", "--from", first.tag, "--exit-code").code == 8
    assert lab.cli(capsys, "diff", "--from", "no-such-ref", "--exit-code").code == 2
    assert lab.cli(capsys, "plan", "--exit-code", "--type", "Groups").code == 2


def test_ctrl_c_at_the_apply_prompt_writes_nothing_and_exits_130(lab: Lab, capsys: pytest.CaptureFixture[str],
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    lab.backup()
    run(lab.client.patch(f"{POLICIES}/{GSA}", {"state": "disabled"}))

    class CtrlC(io.StringIO):
        def isatty(self) -> bool:
            return True

        def readline(self, *args: object) -> str:
            raise KeyboardInterrupt

    monkeypatch.setattr(sys, "stdin", CtrlC())
    lab.mark()
    done = lab.cli(capsys, "apply")
    assert done.code == 130 and "canceled" in done.err
    assert lab.writes() == [] and lab.git("notes", "--ref", "entragit", "list") == ""
    assert run(lab.client.get(f"{POLICIES}/{GSA}"))["state"] == "disabled"


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_an_unreachable_graph_fails_every_reading_command_fast_with_the_option_after_it(
        lab: Lab, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import entragit.graph
    from entragit.cli import main

    first = lab.backup()
    monkeypatch.setattr(entragit.graph, "CLIENT_FACTORY", entragit.graph._open_client)   # a real client again
    url = f"http://127.0.0.1:{_closed_port()}"
    refs = lab.git("for-each-ref")
    for command in (["export", "--out", str(tmp_path / "out")], ["backup"], ["diff", "--from", first.tag],
                    ["plan"], ["apply", "--yes"], ["recover", "--from", first.tag]):
        capsys.readouterr()
        with pytest.raises(SystemExit) as exited:
            main(["--repo", str(lab.repo), *command, "--graph-url", url])     # the global option after the command
        err = capsys.readouterr().err
        assert exited.value.code == 2, (command, err)
        assert f"entragit: error: cannot reach {url}" in err and "Traceback" not in err, (command, err)
    assert lab.git("for-each-ref") == refs and lab.git("status", "--porcelain") == ""   # nothing recorded


def test_recover_waits_for_no_one_while_another_job_holds_the_lock(lab: Lab, bare_origin: Path, tmp_path: Path,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    from entragit.jobs import remote_lock, run_job

    first = lab.backup()
    lab.git("push", "-q", "origin", "main", first.tag)
    run(lab.client.delete(f"groups/{SALES}"))
    refs, remote_refs = lab.git("for-each-ref", "refs/heads", "refs/tags"), git(bare_origin, "for-each-ref")
    runner = tmp_path / "nightly"
    git(tmp_path, "clone", "-q", str(bare_origin), str(runner))
    with remote_lock(runner, "backup"):           # the nightly backup, on another runner, holds the remote lock
        held = lab.cli(capsys, "recover", "--from", first.tag, "--push")
    assert held.code == 6 and "job 'backup'" in held.err, held.err
    with run_job(lab.repo, "recover", live=False):  # a second recover racing on the same checkout
        racing = lab.cli(capsys, "recover", "--from", first.tag)
    assert racing.code == 6, racing.err
    assert lab.git("for-each-ref", "refs/heads", "refs/tags") == refs                 # neither wrote
    assert git(bare_origin, "for-each-ref") == remote_refs
    done = lab.cli(capsys, "recover", "--from", first.tag, "--push")   # once free, it goes through
    assert done.code == 0, done.err
    assert git(bare_origin, "for-each-ref", "refs/entragit/lock") == ""


def test_acknowledge_refuses_what_is_not_a_merged_change(lab: Lab, capsys: pytest.CaptureFixture[str]) -> None:
    lab.backup()
    lab.git("checkout", "-q", "-b", "side")
    _, side = lab.commit_edit("groups", SALES, lambda o: o.update(description="unmerged"), "An unmerged edit")
    lab.git("checkout", "-q", "main")
    for commit, said in ((side, "not a merged change waiting to be applied"), ("0" * 40, "no such commit"),
                         ("--output=/tmp/x", "no such commit")):
        done = lab.cli(capsys, "acknowledge", "--reason", "never meant", "--", commit)
        assert done.code == 2 and said in done.err, (commit, done.err)
    assert lab.git("notes", "--ref", "entragit", "list") == ""
