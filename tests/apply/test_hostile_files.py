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


# -- an object's read-only id "renamed" by a change ------------------------------------------------------------
NEW_ID = "0badc0de-0000-4000-8000-000000000001"


def _rename_id(lab: Lab, type_key: str, obj_id: str, edit: dict | None = None) -> tuple[str, str]:
    """A change that moves ``obj_id``'s file to NEW_ID (id inside too, ``edit`` applied), merged: its range."""
    from entragit import resources
    from entragit.state import dump_yaml, load_yaml

    lab.git("checkout", "-q", "-b", f"rename-{type_key}")
    old = lab.repo / "tenant-state" / type_key / f"{obj_id}.yaml"
    obj = {**load_yaml(old), "id": NEW_ID, **(edit or {})}
    old.unlink()
    (old.parent / f"{NEW_ID}.yaml").write_text(dump_yaml(resources.get(type_key), obj), encoding="utf-8")
    lab.git("add", "-A")
    lab.git("commit", "-q", "-m", "give it a nicer id")
    lab.git("checkout", "-q", "main")
    return lab.merge(f"rename-{type_key}")


@pytest.mark.parametrize("type_key", ["users", "groups", "namedLocations"])
def test_a_change_of_an_objects_id_is_refused_naming_both_files(lab: Lab, capsys: pytest.CaptureFixture[str],
                                                                type_key: str) -> None:
    lab.backup()
    obj_id = {"users": USER, "groups": F.group_ids["Finance"],
              "namedLocations": next(iter(lab.state()["namedLocations"]))}[type_key]
    before, after = _rename_id(lab, type_key, obj_id)
    tenant, refs = lab.live(), lab.git("show-ref")
    lab.mark()
    for args in (("plan",), ("apply", "--yes")):
        done = lab.cli(capsys, *args, "--scope-from", f"{before}..{after}")
        assert done.code == 2, (args, done.out, done.err)
        line = done.err.strip().splitlines()[-1]
        assert f"tenant-state/{type_key}/{NEW_ID}.yaml is tenant-state/{type_key}/{obj_id}.yaml under another id" \
            in line and "property id" in line, line
    assert lab.emu.counters.requests() == [] and lab.live() == tenant and lab.git("show-ref") == refs


def test_a_delete_next_to_a_skipped_look_alike_is_never_applied(lab: Lab, capsys: pytest.CaptureFixture[str]) -> None:
    """The id changed and a property too: not the same file under another id, but the same user (its
    userPrincipalName): the plan would delete it and skip the "new" one (a new identity): refused."""
    lab.backup()
    before, after = _rename_id(lab, "users", USER, {"jobTitle": "Renamed and promoted"})
    tenant = lab.live()
    lab.mark()
    done = lab.cli(capsys, "apply", "--yes", "--scope-from", f"{before}..{after}")
    assert done.code == 2 and "under another id (the same userPrincipalName" in done.err, done.err
    assert f"would delete {USER} and skip creating {NEW_ID}" in done.err
    assert lab.writes() == [] and lab.live() == tenant


def test_a_replacement_asked_for_never_leaves_neither_user(lab: Lab, capsys: pytest.CaptureFixture[str],
                                                           tmp_path: Path) -> None:
    """The operator asks for the replacement (--recreate the new id, --allow-delete): Graph refuses the second user
    with the same userPrincipalName while the first exists, so the create fails, and the delete that waited for it
    is skipped: the old user stays, exit 4, nothing silently lost."""
    lab.backup()
    before, after = _rename_id(lab, "users", USER, {"jobTitle": "Renamed and promoted"})
    lab.mark()
    done = lab.cli(capsys, "apply", "--yes", "--scope-from", f"{before}..{after}", "--recreate", NEW_ID,
                   "--allow-delete", "--password-file", str(tmp_path / "passwords"))
    assert done.code == 4, done.out + done.err
    assert "dependency failed" in done.out, done.out
    assert USER in lab.live()["users"] and NEW_ID not in lab.live()["users"]
    assert not [w for w in lab.writes() if w["method"] == "DELETE"]
