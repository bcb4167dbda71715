"""Which backups can be trusted, and which one is the newest: by position in the default branch's first-parent
history, never by tag name or date.

A tag's name and date are chosen by whoever creates the tag, and any write collaborator can create one: a
``backup/99991231T235959Z`` tag would be "the newest" by name, become the default recovery source and, counted
by retention, push real backups out. So a backup is *trusted* only when

- its tag verifies (:func:`entragit.backups.verify.verify_record`: annotated, the manifest names the tag and
  the commit it points at, that commit's ``tenant-state/`` tree and digest are the recorded ones);
- its commit is on the first-parent history of the default branch (a backup is a commit *of* that branch:
  a tag on a side branch or on rewritten history is not one of its states);
- its name's time is the manifest's ``created`` time and is not in the future (beyond a small clock skew);
- when a signature is required (``backup.requireSignature``, ``--require-signature``) or an allowed-signers
  file is given (``backup.allowedSigners``, ``--allowed-signers``), its signature is good.

Trusted backups are ordered by the position of their commit on that first-parent history (the tip first), then
by the time in their name (several backups of an unchanged tenant tag one commit). That order is what
``entragit recover``'s default source, ``entragit verify``'s default, the listing and retention use: retention
counts and prunes trusted backups only and never deletes an untrusted tag (it stays, reported, as evidence).

What this does not stop (docs/setup.md, "Backups you can trust"): without signatures, anyone who can push to
the default branch can push a commit of their own with a well-formed tag; a required signature stops that as
long as the signing key stays out of their reach.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from git import Repo

from entragit.backups.tags import TAG_PREFIX, _read_tags, _TagRecord, parse_backup_tag
from entragit.backups.verify import VerifyResult, verify_record
from entragit.errors import UsageError
from entragit.gitutil import RepoLike, _rev, git_result, open_repo, resolve_now

# how far in the future a backup's time may be (runners' clocks are NTP-synchronized; this is generous)
CLOCK_SKEW = timedelta(minutes=10)


@dataclass
class Assessed:
    """One backup tag with its verdict: where its commit sits on the branch, and why it is not trusted."""

    record: _TagRecord
    when: datetime                        # the time in the tag's name
    position: int | None                  # 0 = the branch's tip, 1 = its first parent...; None = not on it
    result: VerifyResult
    problems: list[str] = field(default_factory=list)

    @property
    def tag(self) -> str:
        return self.record.name

    @property
    def commit(self) -> str:
        return self.record.target

    @property
    def trusted(self) -> bool:
        return not self.problems


def default_branch(repo: Repo) -> str | None:
    """The branch whose first-parent history holds the backups: the checked-out branch, else the remote's
    default (``origin/HEAD``), else ``main`` or ``master`` when one exists."""
    status, out, _ = git_result(repo, "symbolic-ref", "-q", "--short", "HEAD")
    if status == 0 and out.strip():
        return out.strip()
    status, out, _ = git_result(repo, "symbolic-ref", "-q", "--short", "refs/remotes/origin/HEAD")
    if status == 0 and out.strip():
        return out.strip().removeprefix("origin/")
    for name in ("main", "master"):
        if _rev(repo, f"refs/heads/{name}") is not None:
            return name
    return None


def _branch_ref(repo: Repo, branch: str) -> str | None:
    for ref in (f"refs/heads/{branch}", f"refs/remotes/origin/{branch}"):
        if _rev(repo, ref) is not None:
            return ref
    return None


def first_parent_positions(repo: Repo, branch: str | None) -> dict[str, int]:
    """Commit id -> its position on ``branch``'s first-parent history (0 = the tip)."""
    ref = _branch_ref(repo, branch) if branch else None
    if ref is None:
        return {}
    status, out, _ = git_result(repo, "rev-list", "--first-parent", ref)
    return {sha: i for i, sha in enumerate(out.split())} if status == 0 else {}


def assess(repo: RepoLike, *, branch: str | None = None, now: datetime | str | None = None,
           allowed_signers: Path | str | None = None, require_signature: bool = False,
           records: Iterable[_TagRecord] | None = None) -> list[Assessed]:
    """Every backup tag (or ``records``) with its verdict, trusted ones first, each group newest first."""
    r = open_repo(repo)
    branch = branch or default_branch(r)
    positions = first_parent_positions(r, branch)
    limit = resolve_now(now) + CLOCK_SKEW
    found = []
    for record in (_read_tags(r) if records is None else records):
        parsed = parse_backup_tag(record.name)
        if parsed is None:
            continue
        when = parsed[0]
        required = require_signature or allowed_signers is not None
        result = verify_record(r, record, require_signature=required, allowed_signers=allowed_signers)
        problems = list(result.problems)
        if result.signature == "unverifiable" and not required:
            # a signature nobody asked for and nothing here can check: as trustworthy as none at all
            problems = [p for p in problems if "allowed-signers" not in p]
        item = Assessed(record, when, positions.get(record.target), result, problems)
        if item.position is None and result.commit:
            item.problems.append(f"commit {record.target[:12]} is not on the first-parent history of "
                                 f"{branch or 'the default branch'} (a backup is a commit of that branch)")
        if when > limit:
            item.problems.append(f"dated {when:%Y-%m-%d %H:%M:%S} UTC, in the future")
        manifest = record.manifest or {}
        created = manifest.get("created")
        if record.manifest is not None and isinstance(created, str):
            try:
                if resolve_now(created) != when:
                    item.problems.append(f"its name says {when:%Y-%m-%dT%H:%M:%SZ} but its manifest was created "
                                         f"{created}")
            except UsageError:
                item.problems.append(f"its manifest's created time {created!r} is not a time")
        found.append(item)
    far = len(positions) + 1
    found.sort(key=lambda a: (not a.trusted, a.position if a.position is not None else far,
                              -a.when.timestamp(), -(parse_backup_tag(a.tag) or (a.when, 1))[1]))
    return found


def newest_trusted(repo: RepoLike, **kwargs: object) -> Assessed | None:
    """The default recovery source: the first trusted backup of :func:`assess` (None when none is)."""
    for item in assess(repo, **kwargs):  # type: ignore[arg-type]
        if item.trusted:
            return item
    return None


def verify(repo: RepoLike, tag: str | None = None, *, deep: bool = False, require_signature: bool = False,
           allowed_signers: Path | str | None = None) -> VerifyResult:
    """Prove a backup intact: ``tag``, or when None the newest trusted backup (:mod:`entragit.backups.trust`:
    by position in the default branch's first-parent history, never by tag name), else the newest by position.

    See :func:`verify_record` for the checks.
    """
    r = open_repo(repo)
    tags = _read_tags(r)
    if tag is None:
        if not tags:
            raise UsageError(f"no backup tags ({TAG_PREFIX}*) in {r.working_tree_dir}")
        ranked = assess(r, records=tags, allowed_signers=allowed_signers, require_signature=require_signature)
        record = ranked[0].record if ranked else tags[0]
    else:
        name = tag.removeprefix("refs/tags/")
        found = next((t for t in tags if t.name == name), None)
        if found is None:
            raise UsageError(f"no backup tag {name!r} (see `entragit backups`)")
        record = found
    return verify_record(r, record, deep=deep, require_signature=require_signature, allowed_signers=allowed_signers)


def verify_all(repo: RepoLike, *, deep: bool = False, require_signature: bool = False,
               allowed_signers: Path | str | None = None) -> list[VerifyResult]:
    """:func:`verify_record` for every backup tag (in tag-name order: this is a listing of every tag, forged
    ones included, not a choice of one)."""
    r = open_repo(repo)
    return [verify_record(r, t, deep=deep, require_signature=require_signature, allowed_signers=allowed_signers)
            for t in _read_tags(r)]
