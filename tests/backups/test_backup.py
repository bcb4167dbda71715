"""entragit.backups.backup on real git repositories: commits, tags, retention, push, identity, manifest."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
import yaml

from entragit import __version__
from entragit.backups import (
    BOT_EMAIL,
    BOT_NAME,
    MANIFEST_FORMAT,
    BackupError,
    backup,
    backup_tag_name,
    is_backup_commit,
    list_backups,
    parse_backup_tag,
    resolve_now,
)
from entragit.errors import UsageError
from tests.backups.helpers import GRAPH, TENANT_ID, backup_commits, demo_tenant, git, tags


def _manifest(repo: Path, tag: str) -> dict:
    body = git(repo, "for-each-ref", "--format=%(contents:body)", f"refs/tags/{tag}")
    return yaml.safe_load(body)


def _independent_digest(repo: Path, rev: str) -> str:
    """The manifest digest recomputed here from `git ls-tree` (the definition, not the implementation)."""
    lines = git(repo, "ls-tree", "-r", f"{rev}:tenant-state").splitlines()
    pairs = sorted((line.split("\t", 1)[1], line.split()[2]) for line in lines)
    return "sha256:" + hashlib.sha256("".join(f"{p}\0{s}\n" for p, s in pairs).encode()).hexdigest()


def test_first_backup_commits_state_and_tags_it(git_repo: Path) -> None:
    tenant = demo_tenant()
    before = git(git_repo, "rev-parse", "HEAD").strip()

    result = backup(git_repo, export_step=tenant.export, now="2026-01-01T23:00:00Z")

    assert result.tag == "backup/20260101T230000Z" and result.committed
    head = git(git_repo, "rev-parse", "HEAD").strip()
    assert result.commit == head != before
    assert git(git_repo, "rev-parse", "HEAD^").strip() == before
    assert git(git_repo, "rev-parse", f"{result.tag}^{{commit}}").strip() == head
    assert git(git_repo, "cat-file", "-t", result.tag).strip() == "tag"          # annotated
    # bot identity and dates from the injected clock
    assert git(git_repo, "log", "-1", "--format=%an <%ae>|%cn <%ce>|%cI").strip() == (
        f"{BOT_NAME} <{BOT_EMAIL}>|{BOT_NAME} <{BOT_EMAIL}>|2026-01-01T23:00:00+00:00")
    message = git(git_repo, "log", "-1", "--format=%B")
    assert message.startswith("entragit backup 2026-01-01T23:00:00Z: 5 added, 0 modified, 0 deleted")
    assert "- users: 3 added, 0 modified, 0 deleted" in message
    assert git(git_repo, "log", "-1", "--format=%(trailers:key=Entragit-Backup,valueonly)").strip() == result.tag
    assert is_backup_commit(git_repo, "HEAD") and not is_backup_commit(git_repo, "HEAD^")
    # only tenant-state changed, and the working tree is clean afterwards
    assert sorted(git(git_repo, "diff", "--name-only", "HEAD^", "HEAD").split()) == sorted(
        ["tenant-state/groups/g0.yaml", "tenant-state/organization/organization.yaml",
         "tenant-state/users/u0.yaml", "tenant-state/users/u1.yaml", "tenant-state/users/u2.yaml"])
    assert git(git_repo, "status", "--porcelain") == ""

    manifest = _manifest(git_repo, result.tag)
    assert manifest["format"] == MANIFEST_FORMAT and manifest["tag"] == result.tag
    assert manifest["commit"] == head and manifest["branch"] == "main"
    assert manifest["stateTree"] == git(git_repo, "rev-parse", "HEAD:tenant-state").strip()
    assert manifest["digest"] == _independent_digest(git_repo, "HEAD")
    assert manifest["objects"] == {"groups": 1, "organization": 1, "users": 3} and manifest["total"] == 5
    assert manifest["tenantId"] == TENANT_ID and manifest["graphEndpoint"] == GRAPH
    assert manifest["tool"] == f"entragit {__version__}" and manifest["created"] == "2026-01-01T23:00:00Z"
    assert manifest["previous"] is None and manifest["changes"]["users"] == {"added": 3, "modified": 0,
                                                                             "deleted": 0}
    assert git(git_repo, "for-each-ref", "--format=%(taggername) %(taggeremail)", f"refs/tags/{result.tag}"
               ).strip() == f"{BOT_NAME} <{BOT_EMAIL}>"


def test_seven_backups_keep_five_tags_all_commits_and_prune_the_remote(git_repo: Path, bare_origin: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    tenant = demo_tenant()
    made = []
    for night in range(1, 8):
        tenant.put("users", f"new{night}", displayName=f"Hired on night {night}")
        tenant.objects["groups"]["g0"]["members"].append(f"new{night}")
        monkeypatch.setenv("ENTRAGIT_NOW", f"2026-03-{night:02d}T23:00:00Z")
        made.append(backup(git_repo, export_step=tenant.export, push=True))

    names = [r.tag for r in made]
    assert names == [f"backup/202603{d:02d}T230000Z" for d in range(1, 8)]
    assert all(r.committed for r in made)
    assert tags(git_repo) == names[2:]                                   # five newest kept
    assert made[5].pruned == [names[0]] and made[6].pruned == [names[1]]
    commits = backup_commits(git_repo)
    assert len(commits) == 7 and set(commits) == {r.commit for r in made}   # every commit kept
    for r in made[:2]:                                                     # pruned backups stay reachable
        assert git(git_repo, "merge-base", "--is-ancestor", r.commit, "HEAD", check=False) == ""
    remote = git(git_repo, "ls-remote", "--tags", "--refs", "origin").split()
    assert sorted(remote[1::2]) == [f"refs/tags/{n}" for n in names[2:]]
    assert git(bare_origin, "rev-parse", "main").strip() == made[-1].commit
    assert git(bare_origin, "rev-list", "--count", "main").strip() == "8"   # init + 7 backups
    assert made[-1].changes["users"].added == 1 and made[-1].changes["groups"].modified == 1


def test_push_sends_tags_a_failed_push_left_behind(git_repo: Path, bare_origin: Path) -> None:
    tenant = demo_tenant()
    first = backup(git_repo, export_step=tenant.export, now="2026-01-01T00:00:00Z")   # not pushed
    tenant.put("users", "u9", displayName="Late")
    second = backup(git_repo, export_step=tenant.export, now="2026-01-02T00:00:00Z", push=True)
    remote = git(git_repo, "ls-remote", "--tags", "--refs", "origin").split()[1::2]
    assert sorted(remote) == [f"refs/tags/{first.tag}", f"refs/tags/{second.tag}"]


def test_rejected_push_pushes_nothing_and_keeps_the_local_backup(git_repo: Path, bare_origin: Path,
                                                                 tmp_path: Path) -> None:
    other = tmp_path / "other"
    git(tmp_path, "clone", "-q", str(bare_origin), str(other))
    (other / "NOTES.md").write_text("someone else\n")
    git(other, "add", "NOTES.md")
    git(other, "-c", "user.name=x", "-c", "user.email=x@x", "commit", "-q", "-m", "concurrent")
    git(other, "push", "-q", "origin", "main")

    tenant = demo_tenant()
    with pytest.raises(BackupError, match="has commits this clone lacks"):
        backup(git_repo, export_step=tenant.export, now="2026-01-01T00:00:00Z", push=True)
    assert tenant.calls == 0 and tags(git_repo) == []                      # refused before the export

    git(git_repo, "pull", "-q", "--no-rebase", "origin", "main")
    git(other, "-c", "user.name=x", "-c", "user.email=x@x", "commit", "-q", "--amend", "-m", "rewritten")

    def racing_export(out_dir: Path) -> object:
        git(other, "push", "-q", "-f", "origin", "main")                   # origin moves while we export
        return tenant.export(out_dir)

    with pytest.raises(BackupError, match="nothing was pushed"):
        backup(git_repo, export_step=racing_export, now="2026-01-01T00:00:00Z", push=True)
    assert tags(git_repo) == ["backup/20260101T000000Z"]                   # kept locally
    assert git(git_repo, "ls-remote", "--tags", "origin").strip() == ""      # atomic: the tag did not go


def test_same_second_collision_gets_a_suffix(git_repo: Path) -> None:
    tenant = demo_tenant()
    when = "2026-05-05T05:05:05Z"
    first = backup(git_repo, export_step=tenant.export, now=when)
    tenant.put("users", "u7", displayName="Seven")
    second = backup(git_repo, export_step=tenant.export, now=when)
    third = backup(git_repo, export_step=tenant.export, now=when)
    assert [first.tag, second.tag, third.tag] == [
        "backup/20260505T050505Z", "backup/20260505T050505Z-2", "backup/20260505T050505Z-3"]
    assert [b.tag for b in list_backups(git_repo)] == [third.tag, second.tag, first.tag]
    assert second.committed and not third.committed


def test_a_name_taken_only_in_the_remote_gets_a_suffix_too(git_repo: Path, bare_origin: Path,
                                                           tmp_path: Path) -> None:
    other = tmp_path / "runner"
    git(tmp_path, "clone", "-q", str(bare_origin), str(other))
    tenant = demo_tenant()
    theirs = backup(other, export_step=tenant.export, now="2026-05-05T05:05:05Z", push=True)
    git(git_repo, "pull", "-q", "--no-tags", "--no-rebase", "origin", "main")
    assert tags(git_repo) == []                                            # not fetched here
    ours = backup(git_repo, export_step=tenant.export, now="2026-05-05T05:05:05Z", push=True)
    assert (theirs.tag, ours.tag) == ("backup/20260505T050505Z", "backup/20260505T050505Z-2")
    assert not ours.committed and ours.previous is None                    # the same state, tagged again
    remote = git(git_repo, "ls-remote", "--tags", "--refs", "origin").split()[1::2]
    assert sorted(remote) == [f"refs/tags/{theirs.tag}", f"refs/tags/{ours.tag}"]


def test_nothing_changed_tags_the_same_commit(git_repo: Path) -> None:
    tenant = demo_tenant()
    first = backup(git_repo, export_step=tenant.export, now="2026-01-01T23:00:00Z")
    count = git(git_repo, "rev-list", "--count", "HEAD").strip()
    second = backup(git_repo, export_step=tenant.export, now="2026-01-02T23:00:00Z")
    assert not second.committed and second.commit == first.commit
    assert git(git_repo, "rev-list", "--count", "HEAD").strip() == count
    assert tags(git_repo) == [first.tag, second.tag]
    assert second.changes == {} and second.committed_changes == {}
    assert _manifest(git_repo, second.tag)["commit"] == first.commit


@pytest.mark.parametrize("wrote_files", [False, True])
def test_failed_export_commits_and_tags_nothing(git_repo: Path, wrote_files: bool) -> None:
    tenant = demo_tenant()
    backup(git_repo, export_step=tenant.export, now="2026-01-01T00:00:00Z")
    head, before_tags = git(git_repo, "rev-parse", "HEAD").strip(), tags(git_repo)

    def broken(out_dir: Path) -> None:
        if wrote_files:
            (out_dir / "users" / "u0.yaml").write_text("half written\n")
        raise RuntimeError("Graph 503 serviceNotAvailable")

    with pytest.raises(RuntimeError, match="serviceNotAvailable"):
        backup(git_repo, export_step=broken, now="2026-01-02T00:00:00Z")
    assert git(git_repo, "rev-parse", "HEAD").strip() == head
    assert tags(git_repo) == before_tags
    assert not (git_repo / ".git" / "index.lock").exists()
    assert not list((git_repo / ".git").glob("entragit-index*"))
    status = git(git_repo, "status", "--porcelain")
    assert status == (" M tenant-state/users/u0.yaml\n" if wrote_files else "")


def test_only_tenant_state_is_committed(git_repo: Path) -> None:
    (git_repo / "README.md").write_text("# staged edit\n")
    git(git_repo, "add", "README.md")
    (git_repo / "scratch.txt").write_text("untracked\n")
    (git_repo / "entragit.yaml").write_text("backup: {keep: 5}\n")
    git(git_repo, "add", "entragit.yaml")
    (git_repo / "entragit.yaml").write_text("backup: {keep: 7}\n")       # staged and then modified again

    result = backup(git_repo, export_step=demo_tenant().export, now="2026-01-01T00:00:00Z")

    changed = git(git_repo, "diff-tree", "-r", "--name-only", "--no-commit-id", result.commit).split()
    assert changed and all(p.startswith("tenant-state/") for p in changed)
    status = sorted(git(git_repo, "status", "--porcelain").splitlines())
    assert status == sorted(["AM entragit.yaml", "M  README.md", "?? scratch.txt"])    # the user's staging intact
    assert git(git_repo, "show", ":README.md") == "# staged edit\n"


def test_deleted_objects_and_message_counts(git_repo: Path) -> None:
    tenant = demo_tenant()
    backup(git_repo, export_step=tenant.export, now="2026-01-01T00:00:00Z")
    tenant.drop("users", "u2")
    tenant.put("users", "u3", displayName="Three")
    tenant.objects["users"]["u0"]["jobTitle"] = "Manager"
    tenant.objects.pop("groups")
    result = backup(git_repo, export_step=tenant.export, now="2026-01-02T00:00:00Z", message="after reorg")

    assert {k: v.to_dict() for k, v in result.committed_changes.items()} == {
        "groups": {"added": 0, "modified": 0, "deleted": 1},
        "users": {"added": 1, "modified": 1, "deleted": 1}}
    body = git(git_repo, "log", "-1", "--format=%B")
    assert "- users: 1 added, 1 modified, 1 deleted" in body and "- groups: 0 added, 0 modified, 1 deleted" in body
    assert "after reorg" in body and _manifest(git_repo, result.tag)["message"] == "after reorg"
    assert result.counts == {"organization": 1, "users": 3}


def test_empty_repository_and_everything_deleted(tmp_path: Path, git_repo: Path) -> None:
    fresh = tmp_path / "fresh"
    git(tmp_path, "init", "-q", "-b", "main", str(fresh))
    tenant = demo_tenant()
    first = backup(fresh, export_step=tenant.export, now="2026-01-01T00:00:00Z")
    assert git(fresh, "rev-list", "--count", "HEAD").strip() == "1" and first.committed
    tenant.objects.clear()
    second = backup(fresh, export_step=tenant.export, now="2026-01-02T00:00:00Z")
    assert second.committed and second.snapshot.tree is None and second.counts == {}
    assert git(fresh, "ls-tree", "HEAD").strip() == ""
    assert second.changes["users"].deleted == 3


def test_identity_can_be_overridden(git_repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tenant = demo_tenant()
    git(git_repo, "config", "entragit.name", "Contoso Backup Bot")
    git(git_repo, "config", "entragit.email", "backup@contoso.example")
    backup(git_repo, export_step=tenant.export, now="2026-01-01T00:00:00Z")
    assert git(git_repo, "log", "-1", "--format=%an <%ae>").strip() == "Contoso Backup Bot <backup@contoso.example>"
    monkeypatch.setenv("ENTRAGIT_GIT_NAME", "ci")
    tenant.put("users", "u8", displayName="Eight")
    backup(git_repo, export_step=tenant.export, now="2026-01-02T00:00:00Z")
    assert git(git_repo, "log", "-1", "--format=%an <%ae>").strip() == "ci <backup@contoso.example>"


def test_bad_arguments(git_repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(UsageError, match="--keep"):
        backup(git_repo, export_step=demo_tenant().export, keep=0)
    with pytest.raises(UsageError, match="not a git repository"):
        backup(_plain_dir(tmp_path), export_step=demo_tenant().export)
    monkeypatch.setenv("ENTRAGIT_NOW", "yesterday")
    with pytest.raises(UsageError, match="ENTRAGIT_NOW"):
        backup(git_repo, export_step=demo_tenant().export)
    git(git_repo, "checkout", "-q", "--detach")
    monkeypatch.delenv("ENTRAGIT_NOW")
    with pytest.raises(UsageError, match="detached"):
        backup(git_repo, export_step=demo_tenant().export, push=True)


def _plain_dir(tmp_path: Path) -> Path:
    plain = tmp_path / "plain"
    plain.mkdir()
    return plain


def test_tag_names_and_clock() -> None:
    assert resolve_now("2026-01-01T23:00:00.123+01:00").isoformat() == "2026-01-01T22:00:00+00:00"
    assert resolve_now("2026-01-01T23:00:00").isoformat() == "2026-01-01T23:00:00+00:00"
    when = resolve_now("2026-01-01T23:00:00Z")
    assert backup_tag_name(when) == "backup/20260101T230000Z"
    assert backup_tag_name(when, {"backup/20260101T230000Z", "backup/20260101T230000Z-2"}) == (
        "backup/20260101T230000Z-3")
    assert parse_backup_tag("backup/20260101T230000Z-2") == (when, 2)
    assert parse_backup_tag("backup/2026-01-01T23:00:00Z") is None       # ':' is not allowed in tag names
    assert parse_backup_tag("backup/manual") is None


def test_files_that_are_not_tenant_objects_are_not_counted_as_changes(git_repo: Path) -> None:
    """`entragit init` leaves tenant-state/.gitkeep: it is not an object and no type changed because of it."""
    tenant = demo_tenant()

    def step(out_dir: Path) -> object:
        out_dir.mkdir(parents=True, exist_ok=True)
        (out_dir / ".gitkeep").write_text("")
        return tenant.export(out_dir)

    result = backup(git_repo, export_step=step, now="2026-07-01T23:00:00Z")
    assert git(git_repo, "ls-files", "tenant-state/.gitkeep").strip() == "tenant-state/.gitkeep"
    assert set(result.changes) == {"users", "groups", "organization"}
    assert result.snapshot.counts == {"groups": 1, "organization": 1, "users": 3}
