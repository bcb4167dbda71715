"""Hostile tenant-state/ content in a change: symbolic links and ids no Graph object can have. Each is refused
through the CLI by validate, plan and apply with exit 2 and one line naming the file, object and property,
with zero Graph requests, the tenant and the repository unchanged, and nothing of a link's target shown."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from entragit.emulator.seeds import DEMO_FACTS as F
from tests.apply.helpers import Lab

USER = F.user_ids[F.cloud_user_upn]
SECRET = "root:SECRET-HASH-DO-NOT-SHOW:19000:0:99999:7:::"


def _snapshot(lab: Lab) -> tuple[str, str]:
    return lab.git("status", "--porcelain", "--untracked-files=all"), lab.git("show-ref")


def _refused_everywhere(lab: Lab, capsys: pytest.CaptureFixture[str], *scope: str) -> list[str]:
    """validate, plan and apply (with ``scope``): each exits 2 before any Graph request; their error lines."""
    lines = []
    tenant = lab.live()
    before = _snapshot(lab)
    lab.mark()
    for args in (("validate",), ("plan", *scope), ("apply", "--yes", *scope)):
        done = lab.cli(capsys, *args)
        assert done.code == 2, (args, done.out, done.err)
        assert SECRET not in done.out + done.err
        lines.append(next(line for line in (done.out + done.err).splitlines()
                          if "refused" in line or "not a Graph id" in line))
    assert lab.emu.counters.requests() == []
    assert _snapshot(lab) == before and lab.live() == tenant
    return lines


@pytest.mark.parametrize("where", ["file", "type folder", "tenant-state"])
def test_a_symbolic_link_is_refused_never_followed(lab: Lab, capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                  where: str) -> None:
    lab.backup()
    secret = tmp_path / "shadow"
    secret.write_text(SECRET + "\n", encoding="utf-8")
    state = lab.repo / "tenant-state"
    if where == "file":
        link = state / "users" / f"{USER}.yaml"
        link.unlink()
        os.symlink(secret, link)
    elif where == "type folder":
        outside = tmp_path / "elsewhere"
        (outside / "users").mkdir(parents=True)
        (state / "namedLocations").rename(outside / "namedLocations")
        os.symlink(outside / "namedLocations", state / "namedLocations")
        link = state / "namedLocations"
    else:
        state.rename(tmp_path / "moved")
        os.symlink(tmp_path / "moved", state)
        link = state
    lab.git("add", "-A")
    lab.git("commit", "-q", "-m", "a link")
    for line in _refused_everywhere(lab, capsys):
        assert str(link) in line and "symbolic link" in line, line


@pytest.mark.parametrize("bad_id", ["00000000-0000-4000-8000-00000000000a\nrm -rf", "a b", "-x"])
def test_an_id_no_graph_object_can_have_is_refused(lab: Lab, capsys: pytest.CaptureFixture[str], bad_id: str) -> None:
    """A file added by a change whose id holds a line break (or another character no Graph id has): refused by
    validate and by the scoped plan and apply, never dropped from the scope silently; the error stays one line."""
    lab.backup()
    before = lab.git("rev-parse", "HEAD")
    source = (lab.repo / "tenant-state" / "users" / f"{USER}.yaml").read_text(encoding="utf-8")
    text = source.replace(f"id: {USER}", "id: " + ('"' + bad_id.replace("\n", "\\n") + '"'))
    (lab.repo / "tenant-state" / "users" / f"{bad_id}.yaml").write_text(text, encoding="utf-8")
    lab.git("add", "-A")
    lab.git("commit", "-q", "-m", "a strange id")
    after = lab.git("rev-parse", "HEAD")
    for line in _refused_everywhere(lab, capsys, "--scope-from", f"{before}..{after}"):
        assert "property id" in line and "not a Graph id" in line, line
        assert repr(bad_id)[1:-1] in line or bad_id in line, line
