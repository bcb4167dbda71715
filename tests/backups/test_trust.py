"""Backups you can trust (issue 13): the default recovery source is the newest backup whose manifest verifies, by
position in the default branch's first-parent history, never by tag name or date; forged tags neither become the
default source nor push real backups out of retention; SSH-signed tags, checked against an allowed-signers file
the administrator chooses, end to end through the commands.

Every forgery below is what a write collaborator can push without any secret: tags are free-form, manifests are
YAML anyone can write.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

import entragit.commands.backup as command
from entragit.backups import backup, list_backups, verify
from entragit.backups.trust import assess, newest_trusted
from entragit.commands import cli, load_commands
from entragit.errors import UsageError
from tests.backups.helpers import FakeTenant, demo_tenant, git, tags
from tests.backups.test_verify import _ssh_key

load_commands()  # every command registered, as `entragit` does when it starts

DAYS = [f"2026-05-0{d}T23:00:00Z" for d in range(1, 5)]


def _nightly(repo: Path, tenant: FakeTenant, days: list[str], keep: int = 5, **kw: object) -> list[str]:
    made = []
    for n, now in enumerate(days):
        tenant.put("users", f"hire{now[8:10]}", displayName=f"Hired {now[:10]}")
        made.append(backup(repo, export_step=tenant.export, now=now, keep=keep, **kw).tag)  # type: ignore[arg-type]
        assert n == len(made) - 1
    return made


def _forge(repo: Path, name: str, commit: str, *, created: str | None = None, copy_from: str) -> None:
    """An annotated tag whose manifest is a real backup's, edited to name ``name`` and ``commit``: digest,
    tree and counts are recomputed from that commit, so every content check passes."""
    real = yaml.safe_load(git(repo, "tag", "-l", "--format=%(contents:body)", copy_from))
    tree = git(repo, "rev-parse", f"{commit}:tenant-state").strip()
    from entragit.backups.state import snapshot
    from entragit.gitutil import open_repo

    snap = snapshot(open_repo(repo), tree)
    real.update(tag=name, commit=commit, stateTree=snap.tree, digest=snap.digest, objects=snap.counts,
                total=snap.total, created=created or f"{name[7:11]}-{name[11:13]}-{name[13:15]}T{name[16:18]}:"
                                                      f"{name[18:20]}:{name[20:22]}Z")
    message = "entragit backup (forged)\n\n" + yaml.safe_dump(real, sort_keys=False)
    git(repo, "tag", "-a", "--cleanup=verbatim", "-F", "-", name, commit, input=message)


def test_a_far_future_tag_is_neither_the_default_source_nor_counted_by_retention(git_repo: Path) -> None:
    tenant = demo_tenant()
    made = _nightly(git_repo, tenant, DAYS[:3], keep=3)
    # the forger points a year-9999 tag at the oldest backup's commit, with a well-formed manifest
    oldest_commit = git(git_repo, "rev-parse", f"{made[0]}^{{commit}}").strip()
    _forge(git_repo, "backup/99991231T235959Z", oldest_commit, copy_from=made[0])
    assert verify(git_repo, "backup/99991231T235959Z").ok        # its content checks pass ...

    newest = newest_trusted(git_repo)                              # ... yet it is not the default source
    assert newest is not None and newest.tag == made[-1]
    assert verify(git_repo).tag == made[-1]
    [forged] = [a for a in assess(git_repo) if not a.trusted]
    assert forged.tag == "backup/99991231T235959Z"
    assert any("in the future" in p for p in forged.problems)

    # two more nights with keep 3: the real backups rotate as if the forged tag were not there ...
    later = _nightly(git_repo, tenant, DAYS[3:4], keep=3)
    result = backup(git_repo, export_step=tenant.export, now="2026-05-05T23:00:00Z", keep=3)
    assert set(tags(git_repo)) == {*made[2:], *later, result.tag, "backup/99991231T235959Z"}
    assert result.pruned == [made[1]]                              # only real ones are pruned, oldest first
    # ... and the forged tag is left in place, reported, never deleted
    assert result.untrusted == [("backup/99991231T235959Z", forged.problems[0] if len(forged.problems) == 1
                                 else "; ".join(forged.problems))]
    listing = list_backups(git_repo)
    assert [i.tag for i in listing] == [result.tag, *later, made[2], "backup/99991231T235959Z"]
    assert [i.trusted for i in listing] == [True, True, True, False]
    assert listing[2].previous == made[1]          # its pruned predecessor, named by its manifest


def test_a_plausible_tag_off_the_first_parent_history_is_not_trusted(git_repo: Path) -> None:
    """A tag on a commit of a side branch (a pull request's, merged or not) is no state of the default branch,
    however well formed and however recent its name."""
    tenant = demo_tenant()
    made = _nightly(git_repo, tenant, DAYS[:2])
    git(git_repo, "checkout", "-q", "-b", "side")
    path = git_repo / "tenant-state" / "users" / "u0.yaml"
    path.write_text(path.read_text().replace("User 0", "Mallory"))
    git(git_repo, "-c", "user.name=m", "-c", "user.email=m@x", "commit", "-q", "-am", "side change")
    side = git(git_repo, "rev-parse", "HEAD").strip()
    git(git_repo, "checkout", "-q", "main")
    git(git_repo, "-c", "user.name=m", "-c", "user.email=m@x", "merge", "-q", "--no-ff", "-m", "merge side", "side")
    _forge(git_repo, "backup/20260503T010000Z", side, copy_from=made[-1])

    assessed = {a.tag: a for a in assess(git_repo, now="2026-05-03T02:00:00Z")}
    assert not assessed["backup/20260503T010000Z"].trusted
    assert any("not on the first-parent history of main" in p for p in assessed["backup/20260503T010000Z"].problems)
    assert newest_trusted(git_repo, now="2026-05-03T02:00:00Z").tag == made[-1]   # type: ignore[union-attr]


def test_backups_of_an_unchanged_tenant_share_a_commit_and_order_by_time(git_repo: Path) -> None:
    tenant = demo_tenant()
    first = backup(git_repo, export_step=tenant.export, now=DAYS[0]).tag
    second = backup(git_repo, export_step=tenant.export, now=DAYS[1]).tag           # nothing changed
    assert git(git_repo, "rev-parse", f"{first}^{{commit}}") == git(git_repo, "rev-parse", f"{second}^{{commit}}")
    assert [a.tag for a in assess(git_repo)] == [second, first]


def test_ssh_signed_backups_end_to_end_and_a_forged_unsigned_tag(git_repo: Path, tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """What the shipped backup workflow does when the signing key secret is set (`entragit backup --sign` with
    git's SSH signing), and what `backups --newest` / `verify` then trust given the administrator's
    allowed-signers file: signed backups; not a well-formed unsigned tag pushed on top of main, nor one signed
    with another key."""
    tenant = demo_tenant()
    monkeypatch.setattr(command, "EXPORT_STEP", lambda ctx, types: tenant.export)
    key, public = _ssh_key(tmp_path, "backup_key")
    other, _ = _ssh_key(tmp_path, "mallory_key")
    signers = tmp_path / "allowed_signers"
    signers.write_text(f'entragit@users.noreply.github.com namespaces="git" {public}\n')
    git(git_repo, "config", "gpg.format", "ssh")
    git(git_repo, "config", "user.signingkey", str(key))

    def run(*args: str, now: str | None = None) -> object:
        env = {"ENTRAGIT_NOW": now} if now else {}
        return CliRunner().invoke(cli, ["--repo", str(git_repo), *args], env=env, catch_exceptions=True)

    for now in DAYS[:2]:
        tenant.put("users", f"n{now[8:10]}", displayName=now)
        done = run("backup", "--sign", "--allowed-signers", str(signers), now=now)
        assert done.exit_code == 0, done.output  # type: ignore[attr-defined]
    signed = tags(git_repo)[-1]

    # a collaborator commits a state of their own on main and tags it, unsigned, plausibly dated
    path = git_repo / "tenant-state" / "users" / "u0.yaml"
    path.write_text(path.read_text().replace("User 0", "Mallory"))
    git(git_repo, "-c", "user.name=m", "-c", "user.email=m@x", "commit", "-q", "-am", "tweak")
    _forge(git_repo, "backup/20260503T010000Z", git(git_repo, "rev-parse", "HEAD").strip(), copy_from=signed)
    # ... and another one signed with their own key
    git(git_repo, "-c", f"user.signingkey={other}", "tag", "-s", "-m", "x", "backup/20260503T020000Z-2",
        "HEAD")

    unchecked = run("backups", "--newest", now="2026-05-03T03:00:00Z")
    assert unchecked.stdout.strip() == "backup/20260503T010000Z"   # type: ignore[attr-defined]
    # without signatures required, position wins: the limit docs/setup.md states
    checked = run("backups", "--newest", "--allowed-signers", str(signers), now="2026-05-03T03:00:00Z")
    assert checked.exit_code == 0 and checked.stdout.strip() == signed   # type: ignore[attr-defined]
    listing = run("backups", "--allowed-signers", str(signers), now="2026-05-03T03:00:00Z")
    text = listing.stdout  # type: ignore[attr-defined]
    assert text.splitlines()[0].startswith(f"{signed} ") and ", signed" in text.splitlines()[0]
    assert "backup/20260503T010000Z" in text and "NOT TRUSTED" in text and "is not signed" in text
    good = run("verify", "--allowed-signers", str(signers), now="2026-05-03T03:00:00Z")
    assert good.exit_code == 0 and good.stdout.startswith(f"{signed}: OK (signature good)")  # type: ignore
    bad = run("verify", "--allowed-signers", str(signers), "backup/20260503T010000Z")
    assert bad.exit_code == 1 and "is not signed" in bad.stdout  # type: ignore[attr-defined]

    # the allowed-signers file can also come from entragit.yaml (backup.allowedSigners), relative to the repo
    shutil.copy(signers, git_repo / "allowed_signers")
    (git_repo / "entragit.yaml").write_text("backup:\n  allowedSigners: allowed_signers\n")
    configured = run("backups", "--newest", now="2026-05-03T03:00:00Z")
    assert configured.stdout.strip() == signed  # type: ignore[attr-defined]
    missing = run("backups", "--newest", "--allowed-signers", str(tmp_path / "nope"))
    assert isinstance(missing.exception, UsageError)  # type: ignore[attr-defined]
    assert "allowed-signers file not found" in str(missing.exception)  # type: ignore[attr-defined]
