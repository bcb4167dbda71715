"""The backup run: export, commit, tag, prune old tags, push (:func:`backup`).

A backup run exports the tenant into ``tenant-state/``, commits when anything there changed (only
``tenant-state/`` paths, never other working-tree or staged changes) and tags the resulting commit
``backup/YYYYMMDDTHHMMSSZ`` (UTC; ``-2``, ``-3``... on a collision). Every run is a backup point: with
nothing changed, the current commit is tagged. The *trusted* ``backup/*`` tags beyond the newest ``keep`` are
deleted, newest meaning by position in the branch's first-parent history (:mod:`entragit.backups.trust`: a tag's
name and date prove nothing); untrusted tags are never counted nor deleted, only reported. Commits are never
deleted.

The tag's annotation is the backup's **manifest** (YAML after a one-line subject)::

    format: entragit-backup/1
    tag: backup/20260101T230000Z       # the tag's own name
    created: '2026-01-01T23:00:00Z'
    commit: <sha>                      # the commit the tag must point at
    branch: main
    stateTree: <sha>                   # git tree id of tenant-state/ in that commit (null: no state)
    digest: sha256:<hex>               # sha256 over sorted "<path>\\0<blob id>\\n" lines, paths in tenant-state/
    objects: {groups: 3, users: 10}    # *.yaml files per type folder
    total: 13
    previous: backup/20251231T230000Z  # the newest backup before this one, if any
    changes: {users: {added: 1, modified: 0, deleted: 0}}   # since ``previous``
    tenantId: ...                      # from the export
    graphEndpoint: https://graph.microsoft.com
    tool: entragit 0.1.0
    export: {requests: 42, resourceUnits: 120.0}
    unapplied: [<sha>, ...]            # merged changes to tenant-state never applied, seen before this backup
    message: ...                       # --message

The backup commit carries the trailer ``Entragit-Backup: <tag>``: that is how a backup commit is told apart
from a merged change (:func:`is_backup_commit`).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml
from git import Repo

from entragit import __version__
from entragit.backups import deltastate
from entragit.backups.notes import (
    TRAILER,
    UnappliedChange,
    fetch_notes,
    render_unapplied_warning,
    unapplied_changes,
)
from entragit.backups.state import (
    STATE_DIR,
    Changes,
    StateSnapshot,
    _state_tree,
    _sum_changes,
    diff_states,
    snapshot,
)
from entragit.backups.tags import (
    MANIFEST_FORMAT,
    TAG_PREFIX,
    _read_tags,
    backup_tag_name,
    parse_backup_tag,
)
from entragit.backups.trust import assess
from entragit.backups.upkeep import UpkeepResult, run_upkeep
from entragit.errors import LockedError, UsageError
from entragit.gitutil import (
    BackupError,
    RepoLike,
    _rev,
    git_result,
    git_run,
    identity_env,
    open_repo,
    resolve_now,
)
from entragit.jobs import JobState, shield

DEFAULT_KEEP = 5
ZERO = "0" * 40

Progress = Callable[[JobState, str], None]


# -- export summary ------------------------------------------------------------------------------------------
@dataclass
class ExportSummary:
    """What the export step reports (the exporter's result is read through :meth:`coerce`)."""

    tenant_id: str | None = None
    graph_url: str | None = None
    counts: dict[str, int] = field(default_factory=dict)
    files_changed: int | None = None
    requests: int | None = None
    resource_units: float | None = None
    mode: str | None = None               # "full" | "incremental" (None: the step does not say)
    fallback: str | None = None           # why a full export ran where an incremental one was possible
    delta: dict[str, Any] | None = None   # what the next incremental export continues from (deltastate.py)

    @classmethod
    def coerce(cls, value: Any) -> ExportSummary:
        if value is None:
            return cls()
        if isinstance(value, ExportSummary):
            return value

        def pick(*names: str) -> Any:
            for name in names:
                got = value.get(name) if isinstance(value, Mapping) else getattr(value, name, None)
                if got is not None:
                    return got
            return None

        counts = pick("counts", "objects", "object_counts")
        stats = pick("stats")
        return cls(tenant_id=pick("tenant_id", "tenantId"),
                   graph_url=pick("graph_url", "graph_root", "graphUrl", "endpoint"),
                   counts=dict(counts) if isinstance(counts, Mapping) else {},
                   files_changed=pick("files_changed", "changed_files", "filesChanged"),
                   requests=pick("graph_requests", "graphRequests", "requests") or getattr(stats, "requests", None),
                   resource_units=pick("resource_units", "ru", "resourceUnits")
                   or getattr(stats, "resource_units", None),
                   mode=pick("mode"), fallback=pick("fallback"), delta=pick("delta_state", "deltaState"))

    def to_dict(self) -> dict[str, Any]:
        return {"tenantId": self.tenant_id, "graphEndpoint": self.graph_url, "objects": self.counts,
                "filesChanged": self.files_changed, "requests": self.requests,
                "resourceUnits": self.resource_units, "mode": self.mode, "fallback": self.fallback}


ExportStep = Callable[[Path], Any]


def _remote_state(repo: Repo, remote: str, branch: str) -> tuple[str | None, dict[str, str]]:
    """(``branch`` in ``remote``, ``{backup tag name: tag object id}`` in ``remote``)."""
    status, out, err = git_result(repo, "ls-remote", "--refs", remote, f"refs/heads/{branch}",
                                  f"refs/tags/{TAG_PREFIX}*")
    if status != 0:
        raise BackupError(f"git ls-remote {remote}: {(err or out).strip()}")
    head, tags = None, {}
    for line in out.splitlines():
        sha, _, ref = line.partition("\t")
        if ref == f"refs/heads/{branch}":
            head = sha
        elif parse_backup_tag(ref.removeprefix("refs/tags/")) is not None:
            tags[ref.removeprefix("refs/tags/")] = sha
    return head, tags


# -- backup --------------------------------------------------------------------------------------------------
@dataclass
class BackupResult:
    tag: str
    commit: str
    committed: bool                       # False: nothing changed, the existing commit was tagged
    branch: str | None
    previous: str | None                  # the newest backup tag before this one
    snapshot: StateSnapshot
    changes: Changes                      # since ``previous`` (or since nothing, for the first backup)
    committed_changes: Changes            # what the backup commit changed (empty when not committed)
    pruned: list[str]
    unapplied: list[UnappliedChange]
    export: ExportSummary
    manifest: dict[str, Any]
    pushed: bool = False
    remote: str | None = None
    signed: bool = False
    untrusted: list[tuple[str, str]] = field(default_factory=list)   # (tag, why): neither kept nor pruned
    upkeep: UpkeepResult | None = None     # git's own housekeeping after the backup (None: not run)

    @property
    def counts(self) -> dict[str, int]:
        return self.snapshot.counts

    def to_dict(self) -> dict[str, Any]:
        return {"tag": self.tag, "commit": self.commit, "committed": self.committed, "branch": self.branch,
                "previous": self.previous, "objects": self.snapshot.counts, "total": self.snapshot.total,
                "stateTree": self.snapshot.tree, "digest": self.snapshot.digest,
                "changes": {k: v.to_dict() for k, v in self.changes.items()},
                "committedChanges": {k: v.to_dict() for k, v in self.committed_changes.items()},
                "pruned": self.pruned, "pushed": self.pushed, "remote": self.remote, "signed": self.signed,
                "unapplied": [u.to_dict() for u in self.unapplied], "export": self.export.to_dict(),
                "untrusted": [{"tag": t, "problem": why} for t, why in self.untrusted],
                "upkeep": self.upkeep.to_dict() if self.upkeep else None}


def _commit_message(tag: str, when: datetime, changes: Changes, message: str | None) -> str:
    total = _sum_changes(changes)
    lines = [f"entragit backup {when:%Y-%m-%dT%H:%M:%SZ}: {total.added} added, {total.modified} modified, "
             f"{total.deleted} deleted", ""]
    lines += [f"- {key}: {c.added} added, {c.modified} modified, {c.deleted} deleted"
              for key, c in changes.items()]
    if message and message.strip():
        lines += ["", message.strip()]
    lines += ["", f"{TRAILER}: {tag}", ""]
    return "\n".join(lines)


def _manifest(*, tag: str, when: datetime, commit: str, branch: str | None, snap: StateSnapshot,
              previous: str | None, changes: Changes, export: ExportSummary,
              unapplied: list[UnappliedChange], message: str | None) -> dict[str, Any]:
    extra = {k: v for k, v in (("requests", export.requests), ("resourceUnits", export.resource_units),
                               ("filesChanged", export.files_changed), ("mode", export.mode),
                               ("fallback", export.fallback)) if v is not None}
    manifest: dict[str, Any] = {
        "format": MANIFEST_FORMAT, "tag": tag, "created": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "commit": commit, "branch": branch, "stateTree": snap.tree, "digest": snap.digest,
        "objects": snap.counts, "total": snap.total, "previous": previous,
        "changes": {k: v.to_dict() for k, v in changes.items()},
        "tenantId": export.tenant_id, "graphEndpoint": export.graph_url, "tool": f"entragit {__version__}",
    }
    if extra:
        manifest["export"] = extra
    if unapplied:
        manifest["unapplied"] = [u.commit for u in unapplied]
    if message and message.strip():
        manifest["message"] = message.strip()
    return manifest


def _tag_message(manifest: dict[str, Any]) -> str:
    subject = f"entragit backup {manifest['created']}: {manifest['total']} objects"
    body = yaml.safe_dump(manifest, sort_keys=False, default_flow_style=None, allow_unicode=True, width=100)
    return f"{subject}\n\n{body}"


class _StagedState:
    """Stage ``tenant-state/`` in a private copy of the index (other staged changes stay out of the commit).

    Holds ``index.lock`` like git does; :meth:`install` makes the copy the real index (same entries for
    everything else, tenant-state as committed); leaving without it discards the copy.
    """

    def __init__(self, repo: Repo) -> None:
        self.repo = repo
        git_dir = Path(repo.git_dir)
        self.index, self.lock = git_dir / "index", git_dir / "index.lock"
        self.tmp = git_dir / f"entragit-index.{os.getpid()}"

    def __enter__(self) -> _StagedState:
        try:
            os.close(os.open(self.lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644))
        except FileExistsError:
            raise LockedError(f"{self.lock} exists: another git process is running in this repository "
                              "(if it crashed, remove the file)") from None
        try:
            if self.index.exists():
                shutil.copy2(self.index, self.tmp)
        except BaseException:
            self.__exit__()
            raise
        return self

    @property
    def env(self) -> dict[str, str]:
        return {"GIT_INDEX_FILE": str(self.tmp)}

    def stage(self) -> str | None:
        """Stage the working tree's tenant-state/; its tree id (None when it holds no file)."""
        state = Path(self.repo.working_tree_dir or ".") / STATE_DIR
        if state.is_dir():
            git_run(self.repo, "add", "-A", "--", STATE_DIR, env=self.env)
        else:
            git_run(self.repo, "rm", "-r", "-q", "--cached", "--ignore-unmatch", "--", STATE_DIR, env=self.env)
        status, out, err = git_result(self.repo, "write-tree", f"--prefix={STATE_DIR}/", env=self.env)
        if status == 0:
            return out.strip()
        if "not found" in err:
            return None
        raise BackupError(f"git write-tree failed: {err.strip()}")

    def install(self) -> None:
        if self.tmp.exists():
            os.replace(self.tmp, self.index)

    def __exit__(self, *exc: object) -> None:
        self.tmp.unlink(missing_ok=True)
        self.lock.unlink(missing_ok=True)


def _root_tree(repo: Repo, head: str | None, state_tree: str | None) -> str:
    """HEAD's root tree with its ``tenant-state`` entry replaced by ``state_tree``."""
    entries: list[bytes] = []
    if head is not None:
        for record in git_run(repo, "ls-tree", "-z", head).split("\0"):
            if record and record.split("\t", 1)[1] != STATE_DIR:
                entries.append(record.encode())
    if state_tree is not None:
        entries.append(f"040000 tree {state_tree}\t{STATE_DIR}".encode())
    return git_run(repo, "mktree", "-z", stdin=b"".join(e + b"\0" for e in entries)).strip()


def _current_branch(repo: Repo) -> str | None:
    status, out, _ = git_result(repo, "symbolic-ref", "-q", "--short", "HEAD")
    return out.strip() or None if status == 0 else None


def _push(repo: Repo, remote: str, branch: str, new_tags: list[str], deleted: list[str],
          extra: tuple[str, ...] = ()) -> None:
    refspecs = [f"HEAD:refs/heads/{branch}"] + [f"refs/tags/{t}:refs/tags/{t}" for t in new_tags]
    refspecs += [f":refs/tags/{t}" for t in deleted] + list(extra)
    status, out, err = git_result(repo, "push", "--atomic", "--porcelain", "--no-verify", remote, *refspecs)
    if status != 0:
        raise BackupError(f"git push --atomic {remote} failed, nothing was pushed (the backup is kept "
                          f"locally; the next --push sends it): {(err or out).strip()}")


def backup(repo: RepoLike, *, export_step: ExportStep, keep: int = DEFAULT_KEEP, push: bool = False,
           message: str | None = None, sign: bool = False, now: datetime | str | None = None,
           remote: str = "origin", progress: Progress | None = None,
           warn: Callable[[str], None] | None = None, upkeep: bool = True,
           allowed_signers: Path | str | None = None, require_signature: bool = False) -> BackupResult:
    """Export into ``tenant-state/``, commit what changed, tag the backup, prune old tags, push if asked.

    ``export_step(out_dir)`` writes the tenant into ``out_dir`` (``<repo>/tenant-state``) and returns its
    summary (:class:`ExportSummary`, the exporter's result, a mapping or None). If it raises, nothing is
    committed or tagged and the exception propagates. ``warn`` receives the unapplied-changes warning as
    soon as it is known (before the export); ``progress(state, message)`` follows the steps. ``upkeep``
    runs git's own housekeeping once the backup is recorded and pushed (:mod:`entragit.backups.upkeep`).
    ``allowed_signers`` / ``require_signature`` decide which earlier backups are trusted (the previous backup
    the manifest names, and the ones retention counts): :func:`entragit.backups.trust.assess`.
    """
    if keep < 1:
        raise UsageError(f"--keep must be at least 1 (the new backup), got {keep}")
    r = open_repo(repo)
    report = progress or (lambda state, text: None)
    when = resolve_now(now)
    branch = _current_branch(r)
    if push and branch is None:
        raise UsageError("cannot --push from a detached HEAD: check out the default branch")
    remote_tags: dict[str, str] = {}
    if push:
        assert branch is not None
        report(JobState.LOADING, f"reading {remote}")
        remote_head, remote_tags = _remote_state(r, remote, branch)
        if remote_head is not None and (_rev(r, f"{remote_head}^{{commit}}") is None or git_result(
                r, "merge-base", "--is-ancestor", remote_head, "HEAD")[0] != 0):
            raise BackupError(f"{remote}/{branch} has commits this clone lacks: pull before backing up "
                              "(nothing was exported)")
        fetch_notes(r, remote)
        remote_delta = deltastate.fetch(r, remote)   # under the lock: the state of the remote's newest backup
    local_tags = _read_tags(r)
    trust = {"branch": branch, "now": when, "allowed_signers": allowed_signers,
             "require_signature": require_signature}
    ranked = assess(r, records=local_tags, **trust)
    previous = next((a.record for a in ranked if a.trusted), None)
    unapplied = unapplied_changes(r)                 # before the backup commit hides them
    if unapplied and warn is not None:
        warn(render_unapplied_warning(unapplied))

    report(JobState.LOADING, "exporting the tenant")
    root = Path(r.working_tree_dir or ".")
    export = ExportSummary.coerce(export_step(root / STATE_DIR))

    report(JobState.IN_PROGRESS, "committing")
    head = _rev(r, "HEAD^{commit}")
    head_state = _state_tree(r, head)
    tag = backup_tag_name(when, {t.name for t in local_tags} | set(remote_tags))
    env = identity_env(r, when)
    with shield(), _StagedState(r) as staged:
        state_tree = staged.stage()
        committed = head is None or state_tree != head_state
        committed_changes = diff_states(r, head_state, state_tree) if committed else {}
        commit = head
        if committed:
            text = _commit_message(tag, when, committed_changes, message)
            args = ["commit-tree", _root_tree(r, head, state_tree)] + (["-p", head] if head else [])
            commit = git_run(r, *args, "-F", "-", stdin=text.encode(), env=env).strip()
        assert commit is not None
        snap = snapshot(r, state_tree)
        previous_tree = _state_tree(r, previous.target) if previous else None
        if previous_tree == head_state and previous is not None:
            changes = committed_changes
        else:
            changes = diff_states(r, previous_tree, state_tree)
        manifest = _manifest(tag=tag, when=when, commit=commit, branch=branch, snap=snap,
                             previous=previous.name if previous else None, changes=changes, export=export,
                             unapplied=unapplied, message=message)
        status, out, err = git_result(r, "tag", "-s" if sign else "-a", "--cleanup=verbatim", "-F", "-", tag,
                                      commit, stdin=_tag_message(manifest).encode(), env=env)
        if status != 0:
            hint = " (configure git signing: user.signingkey, gpg.format=ssh for SSH keys)" if sign else ""
            raise BackupError(f"git tag {tag} failed{hint}: {(err or out).strip()}")
        if committed:
            status, out, err = git_result(r, "update-ref", "-m", f"entragit backup: {tag}", "HEAD", commit,
                                          head or ZERO)
            if status != 0:
                git_result(r, "tag", "-d", tag)
                raise BackupError(f"the branch moved during the backup, nothing recorded: {(err or out).strip()}")
        staged.install()
        if export.delta is not None:    # where the next incremental export continues from
            deltastate.write(r, commit=commit, tag=tag, export=export.delta)
        else:
            deltastate.drop(r)

    report(JobState.IN_PROGRESS, "pruning old backup tags")
    # the new backup is kept whatever its signature; the others by trust and first-parent position
    ranked = [a for a in assess(r, **trust) if a.tag != tag]
    trusted = [a.tag for a in ranked if a.trusted]
    kept, dropped = [tag] + trusted[:keep - 1], trusted[keep - 1:]
    untrusted = [(a.tag, "; ".join(a.problems)) for a in ranked if not a.trusted]
    for name in dropped:
        git_run(r, "tag", "-d", name)
    pruned = list(dropped)
    local_names = {t.name for t in local_tags}

    pushed = False
    if push:
        report(JobState.IN_PROGRESS, f"pushing to {remote}")
        assert branch is not None
        missing = [n for n in kept if n not in remote_tags and n in local_names | {tag}]
        delta_ref = deltastate.push_refspec(r) or (f":{deltastate.DELTA_REF}" if remote_delta else None)
        _push(r, remote, branch, missing, [n for n in dropped if n in remote_tags],
              (delta_ref,) if delta_ref else ())
        pushed = True
    housekeeping = None
    if upkeep:
        report(JobState.IN_PROGRESS, "git upkeep")
        housekeeping = run_upkeep(r)
        if housekeeping.error and warn is not None:
            warn(f"warning: git maintenance failed (the backup stands): {housekeeping.error}")
    return BackupResult(tag=tag, commit=commit, committed=committed, branch=branch,
                        previous=previous.name if previous else None, snapshot=snap, changes=changes,
                        committed_changes=committed_changes, pruned=pruned, unapplied=unapplied, export=export,
                        manifest=manifest, pushed=pushed, remote=remote if push else None, signed=sign,
                        untrusted=untrusted, upkeep=housekeeping)
