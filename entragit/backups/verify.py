"""``entragit verify``: prove a backup intact, tag -> commit -> tree -> digest (+ signature, + deep re-hash)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from git import Repo

from entragit.backups.state import _state_tree, snapshot
from entragit.backups.tags import MANIFEST_FORMAT, _TagRecord
from entragit.errors import EntragitError
from entragit.gitutil import _rev, git_result, git_run


class IntegrityError(EntragitError):
    """``entragit verify`` found a backup that is not intact."""


@dataclass
class VerifyResult:
    tag: str
    commit: str | None                 # what the tag points at
    checks: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    signature: str = "none"            # good | bad | unverifiable | none
    signature_detail: str = ""

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict[str, Any]:
        return {"tag": self.tag, "ok": self.ok, "commit": self.commit, "checks": self.checks,
                "problems": self.problems, "signature": self.signature,
                "signatureDetail": self.signature_detail or None}


def _object_hash_ok(repo: Repo, algo: str, sha: str) -> bool:
    stream = repo.odb.stream(bytes.fromhex(sha))
    data = stream.read()
    kind = stream.type.decode() if isinstance(stream.type, bytes) else str(stream.type)
    h = hashlib.new(algo)
    h.update(f"{kind} {len(data)}\0".encode())
    h.update(data)
    return h.hexdigest() == sha


def _deep_check(repo: Repo, record: _TagRecord, tree: str | None) -> tuple[int, list[str]]:
    """Re-hash every object from the tag down to the tenant-state blobs (git does not on reads)."""
    algo = {"sha1": "sha1", "sha256": "sha256"}.get(
        git_result(repo, "rev-parse", "--show-object-format")[1].strip() or "sha1", "sha1")
    ids = [record.object, record.target, _rev(repo, f"{record.target}^{{tree}}") or ""]
    if tree is not None:
        ids.append(tree)
        for rec in git_run(repo, "ls-tree", "-r", "-t", "-z", tree).split("\0"):
            if rec:
                _mode, kind, sha = rec.split("\t", 1)[0].split()
                if kind in ("blob", "tree"):
                    ids.append(sha)
    bad = []
    for sha in dict.fromkeys(i for i in ids if i):
        try:
            if not _object_hash_ok(repo, algo, sha):
                bad.append(sha)
        except Exception as exc:     # a missing or unreadable object is a failed check, named
            bad.append(f"{sha} ({type(exc).__name__})")
    return len(ids), bad


def verify_record(r: Repo, record: _TagRecord, *, deep: bool = False, require_signature: bool = False,
                  allowed_signers: Path | str | None = None) -> VerifyResult:
    """Prove one backup tag intact: tag → commit → tree → digest (+ signature).

    Checks that the tag is annotated and carries a manifest naming itself; that it points at the commit the
    manifest records (a tag moved to another commit fails); that this commit's ``tenant-state/`` tree is
    the manifest's ``stateTree`` and hashes to its ``digest`` with the recorded object counts (a tampered
    tree fails); that the commit is still in the history of the branch it was made on (history rewritten
    fails); the signature when the tag is signed (``git verify-tag``: SSH needs an allowed-signers file,
    ``allowed_signers`` or git's ``gpg.ssh.allowedSignersFile``), and its presence with ``require_signature``.
    ``deep`` re-hashes every object involved, catching an object store edited in place.
    """
    result = VerifyResult(tag=record.name, commit=record.target)
    ok, bad = result.checks.append, result.problems.append
    if record.kind != "tag":
        bad(f"{record.name} is a lightweight tag, not an annotated backup tag with a manifest")
        return result
    manifest = record.manifest
    if manifest is None:
        bad(f"{record.name} has no readable manifest (format {MANIFEST_FORMAT})")
        return result
    ok("manifest readable")
    if manifest.get("tag") != record.name:
        bad(f"manifest names tag {manifest.get('tag')!r}, not {record.name}")
    if manifest.get("commit") != record.target:
        bad(f"tag points at commit {record.target[:12]} but its manifest records {str(manifest.get('commit'))[:12]}"
            " (tag moved)")
    else:
        ok(f"tag points at the recorded commit {record.target[:12]}")
    tree = _state_tree(r, record.target)
    if tree != manifest.get("stateTree"):
        bad(f"tenant-state tree of {record.target[:12]} is {tree} but the manifest records "
            f"{manifest.get('stateTree')} (tree tampered)")
    else:
        ok(f"tenant-state tree {str(tree)[:12]} as recorded")
    snap = snapshot(r, tree)
    if snap.digest != manifest.get("digest"):
        bad(f"digest of tenant-state is {snap.digest} but the manifest records {manifest.get('digest')}")
    else:
        ok("digest matches")
    if snap.counts != (manifest.get("objects") or {}):
        bad(f"object counts {snap.counts} differ from the manifest's {manifest.get('objects')}")
    else:
        ok(f"{snap.total} tenant objects as recorded")
    branch = manifest.get("branch")
    if isinstance(branch, str) and _rev(r, f"refs/heads/{branch}") is not None:
        status, _, _ = git_result(r, "merge-base", "--is-ancestor", record.target, f"refs/heads/{branch}")
        if status == 0:
            ok(f"commit in the history of {branch}")
        else:
            bad(f"commit {record.target[:12]} is not in the history of {branch} (history rewritten)")
    if record.signature.strip():
        signers = ("-c", f"gpg.ssh.allowedSignersFile={Path(allowed_signers).resolve()}") if allowed_signers else ()
        status, out, err = git_result(r, *signers, "verify-tag", record.name)
        result.signature_detail = (err or out).strip()
        if status == 0:
            result.signature = "good"
            ok("signature good")
        elif "allowedSignersFile" in result.signature_detail:
            result.signature = "unverifiable"
            bad("the tag is signed with SSH but no allowed-signers file is configured (--allowed-signers, "
                "backup.allowedSigners or gpg.ssh.allowedSignersFile): cannot check it")
        else:
            result.signature = "bad"
            bad(f"signature does not verify: {result.signature_detail or 'git verify-tag failed'}")
    elif require_signature:
        bad(f"{record.name} is not signed")
    if deep:
        count, corrupt = _deep_check(r, record, tree)
        if corrupt:
            bad(f"{len(corrupt)} git object(s) do not hash to their id: {', '.join(corrupt[:5])}")
        else:
            ok(f"{count} git objects re-hashed")
    return result
