"""entragit.backups.verify and list_backups on real repositories: intact, moved, tampered, signed backups."""

from __future__ import annotations

import shutil
import subprocess
import zlib
from pathlib import Path

import pytest

from entragit.backups import backup, list_backups, verify, verify_all
from entragit.errors import UsageError
from tests.backups.helpers import demo_tenant, git


def _three_backups(repo: Path) -> list:
    tenant = demo_tenant()
    results = [backup(repo, export_step=tenant.export, now="2026-02-01T23:00:00Z")]
    tenant.put("users", "u3", displayName="Three")
    tenant.objects["users"]["u0"]["jobTitle"] = "Director"
    results.append(backup(repo, export_step=tenant.export, now="2026-02-02T23:00:00Z"))
    tenant.drop("users", "u1")
    tenant.put("groups", "g1", displayName="Support", members=[])
    results.append(backup(repo, export_step=tenant.export, now="2026-02-03T23:00:00Z"))
    return results


def _tag_message(repo: Path, tag: str) -> str:
    return git(repo, "for-each-ref", "--format=%(contents)", f"refs/tags/{tag}")


def test_listing_newest_first_with_counts_and_changes(git_repo: Path) -> None:
    made = _three_backups(git_repo)
    infos = list_backups(git_repo)
    assert [i.tag for i in infos] == [r.tag for r in reversed(made)]
    assert [i.commit for i in infos] == [r.commit for r in reversed(made)]
    assert [i.total for i in infos] == [6, 6, 5]
    assert infos[0].counts == {"groups": 2, "organization": 1, "users": 3}
    assert {k: v.to_dict() for k, v in infos[0].changes.items()} == {
        "groups": {"added": 1, "modified": 0, "deleted": 0}, "users": {"added": 0, "modified": 0, "deleted": 1}}
    assert {k: v.to_dict() for k, v in infos[1].changes.items()} == {
        "users": {"added": 1, "modified": 1, "deleted": 0}}
    assert infos[2].changes is None and infos[2].previous is None
    assert infos[0].time.isoformat() == "2026-02-03T23:00:00+00:00"
    assert not any(i.signed for i in infos)


def test_listing_ignores_other_tags(git_repo: Path) -> None:
    made = _three_backups(git_repo)
    git(git_repo, "tag", "-a", "-m", "by hand", "backup/manual")
    git(git_repo, "tag", "v1.0")
    assert [i.tag for i in list_backups(git_repo)] == [r.tag for r in reversed(made)]


def test_verify_passes_for_intact_backups(git_repo: Path) -> None:
    made = _three_backups(git_repo)
    newest = verify(git_repo)
    assert newest.tag == made[-1].tag and newest.ok, newest.problems
    assert newest.signature == "none"
    assert any("digest matches" in c for c in newest.checks)
    deep = verify(git_repo, made[0].tag, deep=True)
    assert deep.ok and any("re-hashed" in c for c in deep.checks)
    assert [r.ok for r in verify_all(git_repo)] == [True, True, True]
    with pytest.raises(UsageError, match="no backup tag"):
        verify(git_repo, "backup/19990101T000000Z")


def test_verify_fails_for_a_tag_moved_to_another_commit(git_repo: Path) -> None:
    made = _three_backups(git_repo)
    tag = made[1].tag
    message = _tag_message(git_repo, tag)
    git(git_repo, "tag", "-f", "-a", "--cleanup=verbatim", "-F", "-", tag, made[0].commit, input=message)
    result = verify(git_repo, tag)
    assert not result.ok
    assert any("tag moved" in p for p in result.problems)
    assert any("tree tampered" in p for p in result.problems)
    assert [r.ok for r in verify_all(git_repo)] == [True, False, True]


def test_verify_fails_for_a_tampered_tree(git_repo: Path) -> None:
    """Someone amends the backup commit's tenant-state and re-points the tag at the amended commit.

    Copying the manifest as is fails on the commit; forging the manifest's commit id still fails on the
    tree and the digest; and the original backup commit has left the branch's history.
    """
    made = _three_backups(git_repo)
    tag = made[-1].tag
    message = _tag_message(git_repo, tag)
    (git_repo / "tenant-state" / "users" / "u0.yaml").write_text("id: u0\njobTitle: Intruder\n")
    git(git_repo, "commit", "-q", "-a", "--amend", "--no-edit")
    amended = git(git_repo, "rev-parse", "HEAD").strip()

    git(git_repo, "tag", "-f", "-a", "--cleanup=verbatim", "-F", "-", tag, amended, input=message)
    copied = verify(git_repo, tag)
    assert any("tag moved" in p for p in copied.problems) and any("digest" in p for p in copied.problems)

    forged = message.replace(made[-1].commit, amended)
    git(git_repo, "tag", "-f", "-a", "--cleanup=verbatim", "-F", "-", tag, amended, input=forged)
    result = verify(git_repo, tag)
    assert not any("tag moved" in p for p in result.problems)
    assert any("tree tampered" in p for p in result.problems)
    assert any(p.startswith("digest of tenant-state") for p in result.problems)


def test_verify_fails_when_history_was_rewritten(git_repo: Path) -> None:
    made = _three_backups(git_repo)
    git(git_repo, "commit", "-q", "--amend", "-m", "rewritten")           # the branch drops the backup commit
    result = verify(git_repo, made[-1].tag)
    assert not result.ok and any("history rewritten" in p for p in result.problems)
    assert verify(git_repo, made[-2].tag).ok


def test_deep_verify_catches_an_object_edited_in_the_store(git_repo: Path) -> None:
    made = _three_backups(git_repo)
    blob = git(git_repo, "rev-parse", f"{made[-1].commit}:tenant-state/groups/g1.yaml").strip()
    path = git_repo / ".git" / "objects" / blob[:2] / blob[2:]
    assert path.exists(), "the blob is expected loose in a fresh repository"
    content = b"id: g1\ndisplayName: Tampered\n"
    path.chmod(0o644)
    path.write_bytes(zlib.compress(b"blob %d\0" % len(content) + content))
    assert git(git_repo, "cat-file", "blob", blob).encode() == content        # git reads it without complaint
    assert verify(git_repo, made[-1].tag).ok                                  # ids all still match
    result = verify(git_repo, made[-1].tag, deep=True)
    assert not result.ok and any(blob in p for p in result.problems)


def test_verify_rejects_lightweight_and_manifestless_tags(git_repo: Path) -> None:
    _three_backups(git_repo)
    git(git_repo, "tag", "backup/20300101T000000Z")
    assert any("lightweight" in p for p in verify(git_repo, "backup/20300101T000000Z").problems)
    git(git_repo, "tag", "-f", "-a", "-m", "no manifest here", "backup/20300101T000000Z")
    assert any("no readable manifest" in p for p in verify(git_repo, "backup/20300101T000000Z").problems)
    assert verify(git_repo).ok  # the default is the newest *trusted* backup, never a tag's name


def _ssh_keygen() -> str:
    path = shutil.which("ssh-keygen")
    if path is None:
        pytest.skip("ssh-keygen is not installed (Debian package openssh-client): SSH signing cannot be tested")
    return path


def _ssh_key(tmp_path: Path, name: str) -> tuple[Path, str]:
    key = tmp_path / name
    subprocess.run([_ssh_keygen(), "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", str(key)], check=True)
    return key, (tmp_path / f"{name}.pub").read_text().strip()


def test_signed_backup_verified_with_an_ssh_key(git_repo: Path, tmp_path: Path) -> None:
    key, public = _ssh_key(tmp_path, "backup_key")
    _, other_public = _ssh_key(tmp_path, "other_key")
    allowed = tmp_path / "allowed_signers"
    allowed.write_text(f'entragit@users.noreply.github.com namespaces="git" {public}\n')
    git(git_repo, "config", "gpg.format", "ssh")
    git(git_repo, "config", "user.signingkey", str(key))
    git(git_repo, "config", "gpg.ssh.allowedSignersFile", str(allowed))

    tenant = demo_tenant()
    unsigned = backup(git_repo, export_step=tenant.export, now="2026-04-01T00:00:00Z")
    tenant.put("users", "u5", displayName="Five")
    signed = backup(git_repo, export_step=tenant.export, now="2026-04-02T00:00:00Z", sign=True)

    result = verify(git_repo, signed.tag, require_signature=True)
    assert result.ok, result.problems
    assert result.signature == "good" and "Good \"git\" signature" in result.signature_detail
    assert list_backups(git_repo)[0].signed and not list_backups(git_repo)[1].signed
    assert any("is not signed" in p for p in verify(git_repo, unsigned.tag, require_signature=True).problems)
    assert verify(git_repo, unsigned.tag).ok

    allowed.write_text(f'entragit@users.noreply.github.com namespaces="git" {other_public}\n')
    bad = verify(git_repo, signed.tag)
    assert not bad.ok and bad.signature == "bad"
    git(git_repo, "config", "--unset", "gpg.ssh.allowedSignersFile")
    unchecked = verify(git_repo, signed.tag)
    assert not unchecked.ok and unchecked.signature == "unverifiable"


def test_signing_without_a_key_records_nothing(git_repo: Path) -> None:
    _ssh_keygen()
    git(git_repo, "config", "gpg.format", "ssh")
    head = git(git_repo, "rev-parse", "HEAD").strip()
    with pytest.raises(Exception, match="signing"):
        backup(git_repo, export_step=demo_tenant().export, now="2026-04-01T00:00:00Z", sign=True)
    assert git(git_repo, "rev-parse", "HEAD").strip() == head
    assert git(git_repo, "tag", "-l").strip() == ""
