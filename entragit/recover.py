"""The revert branch: ``entragit recover --from REF`` puts ``tenant-state/`` back to a backup, on a new branch.

Starting from the tip of the default branch, the files of the chosen scope (everything, whole types, or object
ids; ``--id`` also takes the ``appId`` of an application or service principal) are set to what they were at
``REF``: changed files get their old content back, files of objects deleted since are added again, and files of
objects created since are removed only with ``--include-new``. The result is committed on a new branch
(default ``recover/<backup>-<scope>``) without touching the working tree, the index or the current branch:
the tree is built in a private index from git's own objects.

The pull request that goes with the branch is written to files (title, Markdown body): the difference report
(what the merge changes in ``tenant-state/``, per type and object) and the plan the merge will apply, computed
against the live tenant exactly as ``entragit apply --scope-from <base>..<branch>`` will compute it after the
merge, with its checksum. The checksum also travels in the commit message as the trailer
``Entragit-Plan-Checksum: <sum>`` so that recover.yml finds it in the merged range.

A plain ``git revert`` of a backup commit, pushed as a branch, works as well: the applier does not depend on
how the branch was made.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from entragit import resources
from entragit.errors import EntragitError, RefusedError, UsageError
from entragit.plan.scope import check_ids

STATE_DIR = "tenant-state"
CHECKSUM_TRAILER = "Entragit-Plan-Checksum"
BRANCH_PREFIX = "recover/"
EMPTY_SHA = "0" * 40
# A pull request body holds at most 65,536 characters: the report and the plan share it.
REPORT_LIMIT = 30_000
PLAN_LIMIT = 30_000


@dataclass(frozen=True)
class FileChange:
    """One ``tenant-state/`` file the revert branch changes."""

    path: str
    type: str
    id: str
    action: str  # "modified" (back to REF), "re-added" (deleted since REF), "removed" (created since REF)
    name: str = ""  # the object's display name (from the file)

    def to_json(self) -> dict[str, Any]:
        return {"path": self.path, "type": self.type, "id": self.id, "action": self.action, "displayName": self.name}


@dataclass
class RecoverResult:
    """The revert branch and its pull request."""

    branch: str
    commit: str
    base: str  # the default branch's commit the branch starts from
    ref: str  # what REF resolved to (a commit)
    source: str  # REF as given (a backup tag, usually)
    files: list[FileChange]
    left_new: list[FileChange] = field(default_factory=list)  # created since REF, kept (no --include-new)
    title: str = ""
    body: str = ""
    plan: Any = None  # entragit.plan.Plan (None: not computed)
    plan_note: str = ""  # why there is no plan, or that the safety rails refuse it
    report: str = ""  # the difference report (Markdown), when entragit.report made one
    scope: str = ""  # the scope in words ("the whole tenant", "types groups", ...)

    @property
    def checksum(self) -> str | None:
        return self.plan.checksum if self.plan is not None else None

    def to_json(self) -> dict[str, Any]:
        return {"branch": self.branch, "commit": self.commit, "base": self.base, "from": self.source,
                "fromCommit": self.ref, "files": [f.to_json() for f in self.files],
                "keptNew": [f.to_json() for f in self.left_new], "title": self.title,
                "checksum": self.checksum, "planNote": self.plan_note or None,
                "counts": self.plan.counts() if self.plan is not None else None}

    def summary(self) -> str:
        counts: dict[str, int] = {}
        for f in self.files:
            counts[f.action] = counts.get(f.action, 0) + 1
        what = ", ".join(f"{n} {a}" for a, n in sorted(counts.items())) or "no files"
        text = f"branch {self.branch} at {self.commit[:12]} (from {self.base[:12]}): {what}"
        if self.plan is not None:
            text += f"; plan: {len(self.plan.writes)} change(s), checksum {self.plan.checksum}"
        elif self.plan_note:
            text += f"; {self.plan_note}"
        return text


# ---------------------------------------------------------------------------------------------- git helpers
def _git(repo: Any, *args: str, stdin: bytes | None = None, env: Mapping[str, str] | None = None) -> str:
    from entragit.backups import git_run

    return git_run(repo, *args, stdin=stdin, env=env)


def _rev(repo: Any, rev: str) -> str | None:
    from entragit.backups import git_result

    status, out, _ = git_result(repo, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}")
    return out.strip() if status == 0 and out.strip() else None


def _state_files(repo: Any, rev: str) -> dict[str, str]:
    """``{path: blob id}`` of ``tenant-state/<type>/<file>.yaml`` in ``rev``."""
    out = _git(repo, "ls-tree", "-r", "-z", "--full-tree", rev, "--", STATE_DIR)
    files = {}
    for record in out.split("\0"):
        if not record:
            continue
        meta, _, path = record.partition("\t")
        parts = meta.split()
        if len(parts) == 3 and parts[1] == "blob":
            files[path] = parts[2]
    return files


def _blobs(repo: Any, ids: Iterable[str]) -> dict[str, bytes]:
    """The contents of many blobs in one ``git cat-file --batch``."""
    import subprocess

    ids = list(dict.fromkeys(ids))
    if not ids:
        return {}
    done = subprocess.run(["git", "cat-file", "--batch"], cwd=repo.working_tree_dir,
                          input="\n".join(ids).encode() + b"\n", capture_output=True, check=False)
    if done.returncode != 0:
        raise UsageError(f"git cat-file failed: {done.stderr.decode(errors='replace').strip()}")
    data, found, pos = done.stdout, {}, 0
    for blob in ids:
        end = data.index(b"\n", pos)
        header = data[pos:end].decode().split()
        pos = end + 1
        if len(header) < 3 or header[1] == "missing":
            continue
        size = int(header[2])
        found[blob] = data[pos:pos + size]
        pos += size + 1
    return found


def _load(data: bytes | None) -> dict[str, Any]:
    if not data:
        return {}
    try:
        obj = yaml.safe_load(data.decode("utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError):
        return {}
    return obj if isinstance(obj, dict) else {}


def default_branch(repo: Any, remote: str = "origin") -> str:
    """The default branch: the remote's HEAD when known (``refs/remotes/origin/HEAD``), else the current
    branch, else ``main``."""
    from entragit.backups import git_result

    status, out, _ = git_result(repo, "symbolic-ref", "--quiet", "--short", f"refs/remotes/{remote}/HEAD")
    if status == 0 and out.strip():
        return out.strip().split("/", 1)[1]
    status, out, _ = git_result(repo, "symbolic-ref", "--quiet", "--short", "HEAD")
    if status == 0 and out.strip():
        return out.strip()
    return "main"


def _object_of(path: str) -> tuple[str, str] | None:
    parts = PurePosixPath(path).parts
    if len(parts) != 3 or parts[0] != STATE_DIR or not parts[2].endswith(".yaml"):
        return None
    if parts[1] not in resources.REGISTRY:
        return None
    return parts[1], parts[2][: -len(".yaml")]


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-.") or "x"


def branch_name(source: str, types: Iterable[str], ids: Iterable[str]) -> str:
    """``recover/<backup>-<scope>``: ``recover/20260101T230000Z-all``, ``...-groups-users``, ``...-3-objects``."""
    backup = _slug(source.removeprefix("refs/tags/").removeprefix("backup/"))
    types, ids = sorted(set(types)), sorted(set(ids))
    if ids:
        scope = _slug(ids[0][:8]) if len(ids) == 1 else f"{len(ids)}-objects"
        if types:
            scope = "-".join(types) + "-" + scope
    elif types:
        scope = "-".join(types)
    else:
        scope = "all"
    return f"{BRANCH_PREFIX}{backup}-{scope}"


# ---------------------------------------------------------------------------------------------- the branch
def _select(repo: Any, base_files: Mapping[str, str], ref_files: Mapping[str, str], types: set[str],
            ids: set[str]) -> tuple[list[tuple[str, str, str]], dict[str, bytes]]:
    """The files of the scope: ``[(path, type, id)]`` over both trees, and the blobs read to tell (appIds)."""
    paths = sorted(set(base_files) | set(ref_files))
    picked: list[tuple[str, str, str]] = []
    to_read: list[str] = []
    for path in paths:
        ident = _object_of(path)
        if ident is None:
            continue
        type_key, obj_id = ident
        if types and type_key not in types:
            continue
        picked.append((path, type_key, obj_id))
        rt = resources.get(type_key)
        if ids and rt.alt_key and obj_id not in ids:
            to_read += [b for b in (base_files.get(path), ref_files.get(path)) if b]
    blobs = _blobs(repo, to_read)
    if not ids:
        return picked, blobs
    chosen = []
    for path, type_key, obj_id in picked:
        rt = resources.get(type_key)
        if obj_id in ids:
            chosen.append((path, type_key, obj_id))
            continue
        if rt.alt_key:
            alts = {str(_load(blobs.get(b or "")).get(rt.alt_key)) for b in (base_files.get(path), ref_files.get(path))}
            if alts & ids:
                chosen.append((path, type_key, obj_id))
    return chosen, blobs


def _commit_env(repo: Any) -> dict[str, str]:
    from entragit.backups import _config, identity_env

    if _config(repo, "user.name") and _config(repo, "user.email"):
        return {}
    return identity_env(repo)


def _write_tree(repo: Any, base: str, updates: Mapping[str, str], removals: Iterable[str]) -> str:
    """The root tree of ``base`` with ``updates`` (path -> blob) and ``removals`` applied (a private index)."""
    with tempfile.TemporaryDirectory(prefix="entragit-recover-") as tmp:
        env = {"GIT_INDEX_FILE": os.path.join(tmp, "index")}
        _git(repo, "read-tree", base, env=env)
        lines = [f"100644 {blob}\t{path}" for path, blob in sorted(updates.items())]
        lines += [f"0 {EMPTY_SHA}\t{path}" for path in sorted(removals)]
        if lines:
            _git(repo, "update-index", "--index-info", stdin=("\n".join(lines) + "\n").encode(), env=env)
        return _git(repo, "write-tree", env=env).strip()


def _message(source: str, scope_text: str, files: list[FileChange], checksum: str | None) -> str:
    counts: dict[str, int] = {}
    for f in files:
        counts[f.action] = counts.get(f.action, 0) + 1
    lines = [f"entragit recover: {scope_text} back to {source}", ""]
    lines += [f"- {n} file(s) {action}" for action, n in sorted(counts.items())]
    if checksum:
        lines += ["", f"{CHECKSUM_TRAILER}: {checksum}"]
    return "\n".join(lines) + "\n"


def scope_text(types: Iterable[str], ids: Iterable[str]) -> str:
    types, ids = sorted(set(types)), sorted(set(ids))
    parts = []
    if types:
        parts.append("types " + ", ".join(types))
    if ids:
        parts.append("objects " + ", ".join(ids))
    return " and ".join(parts) or "the whole tenant"


def build_branch(repo: Any, *, source: str, types: Iterable[str] = (), ids: Iterable[str] = (),
                 branch: str | None = None, include_new: bool = False, base: str | None = None
                 ) -> RecoverResult:
    """Commit the revert of the scope on a new branch (no plan yet; see :func:`recover`)."""
    from entragit.backups import open_repo

    r = open_repo(repo)
    types = set(types)
    ids = set(ids)
    for key in types:
        resources.get(key)  # unknown type: exit 2 naming the known ones
    ref = _rev(r, source)
    if ref is None:
        raise UsageError(f"--from {source!r}: no such commit or tag")
    base_name = base or default_branch(r)
    base_sha = _rev(r, f"refs/heads/{base_name}") or _rev(r, base_name) or _rev(r, "HEAD")
    if base_sha is None:
        raise UsageError(f"no commit on the default branch {base_name!r} to start the revert branch from")
    base_files, ref_files = _state_files(r, base_sha), _state_files(r, ref)
    if not ref_files:
        raise UsageError(f"--from {source!r}: {ref[:12]} holds no {STATE_DIR}/ (not a backup)")
    # a singleton is named by its type (--type), never by --id (its file is named after the type key)
    check_ids(ids, [{rt.key: {rt.key: {}} for rt in resources.all_types() if rt.singleton}], known=False)
    picked, blobs = _select(r, base_files, ref_files, types, ids)
    if ids:
        found = {i for _, _, i in picked}
        for path, type_key, _ in picked:
            rt = resources.get(type_key)
            if rt.alt_key:
                for b in (base_files.get(path), ref_files.get(path)):
                    found.add(str(_load(blobs.get(b or "")).get(rt.alt_key)))
        missing = sorted(ids - found)
        if missing:
            raise UsageError(f"--id {missing[0]}: no such object (id or appId) in {STATE_DIR}/ at {source} or on "
                             f"{base_name}")
    updates: dict[str, str] = {}
    removals: list[str] = []
    files: list[FileChange] = []
    kept: list[FileChange] = []
    for path, type_key, obj_id in picked:
        old, now = ref_files.get(path), base_files.get(path)
        if old == now:
            continue
        if old is not None:
            updates[path] = old
            files.append(FileChange(path, type_key, obj_id, "re-added" if now is None else "modified"))
        elif include_new:
            removals.append(path)
            files.append(FileChange(path, type_key, obj_id, "removed"))
        else:
            kept.append(FileChange(path, type_key, obj_id, "kept"))
    if not files:
        raise UsageError(f"nothing to recover: {STATE_DIR}/ of {scope_text(types, ids)} on {base_name} already "
                         f"equals {source}" + (f" ({len(kept)} object(s) created since kept: --include-new "
                                               "removes them)" if kept else ""))
    names = _blobs(r, [b for f in files + kept for b in (ref_files.get(f.path), base_files.get(f.path)) if b])
    files = [_named(f, names, ref_files, base_files) for f in files]
    kept = [_named(f, names, ref_files, base_files) for f in kept]
    name = branch or branch_name(source, types, ids)
    name = _free_branch(r, name, explicit=branch is not None)
    tree = _write_tree(r, base_sha, updates, removals)
    commit = _git(r, "commit-tree", tree, "-p", base_sha, "-F", "-",
                  stdin=_message(source, scope_text(types, ids), files, None).encode(), env=_commit_env(r)).strip()
    return RecoverResult(branch=name, commit=commit, base=base_sha, ref=ref, source=source, files=files,
                         left_new=kept, scope=scope_text(types, ids))


def _named(f: FileChange, blobs: Mapping[str, bytes], ref_files: Mapping[str, str],
           base_files: Mapping[str, str]) -> FileChange:
    rt = resources.get(f.type)
    for b in (ref_files.get(f.path), base_files.get(f.path)):
        obj = _load(blobs.get(b or ""))
        if obj:
            return FileChange(f.path, f.type, f.id, f.action, rt.display_name(obj))
    return f


def _free_branch(repo: Any, name: str, *, explicit: bool) -> str:
    from entragit.backups import git_result

    if git_result(repo, "check-ref-format", f"refs/heads/{name}")[0] != 0:
        raise UsageError(f"--branch {name!r}: not a valid branch name")
    if _rev(repo, f"refs/heads/{name}") is None:
        return name
    if explicit:
        raise UsageError(f"--branch {name!r}: the branch exists already")
    n = 2
    while _rev(repo, f"refs/heads/{name}-{n}") is not None:
        n += 1
    return f"{name}-{n}"


def finish_branch(repo: Any, result: RecoverResult) -> RecoverResult:
    """Create the branch at a commit holding the checksum trailer (same tree as the draft commit)."""
    from entragit.backups import open_repo

    r = open_repo(repo)
    tree = _git(r, "rev-parse", f"{result.commit}^{{tree}}").strip()
    message = _message(result.source, result.scope, result.files, result.checksum)
    commit = _git(r, "commit-tree", tree, "-p", result.base, "-F", "-", stdin=message.encode(),
                  env=_commit_env(r)).strip()
    _git(r, "update-ref", "-m", f"entragit recover: {result.source}", f"refs/heads/{result.branch}", commit,
         EMPTY_SHA)
    result.commit = commit
    return result


# ---------------------------------------------------------------------------------------------- the pull request
def difference_report(result: RecoverResult) -> str:
    """Markdown: the difference report (:mod:`entragit.report`, set by :func:`recover` on ``result.report``)
    or, when it could not be made, what merging the branch changes in tenant-state/, per type and object."""
    if result.report:
        return result.report
    lines = ["### What the merge changes in `tenant-state/`", ""]
    by_type: dict[str, list[FileChange]] = {}
    for f in result.files:
        by_type.setdefault(f.type, []).append(f)
    words = {"modified": "back to the backup", "re-added": "deleted since the backup: added again",
             "removed": "created since the backup: removed"}
    for type_key in sorted(by_type, key=lambda k: (resources.get(k).order, k)):
        changes = by_type[type_key]
        lines += [f"**{type_key}** ({len(changes)})", ""]
        for f in sorted(changes, key=lambda f: (f.action, f.name.lower(), f.id)):
            name = f"{f.name} " if f.name and f.name != f.id else ""
            lines.append(f"- {name}`{f.id}`: {words.get(f.action, f.action)}")
        lines.append("")
    if result.left_new:
        lines += [f"_{len(result.left_new)} object(s) created since the backup are kept (pass `--include-new` "
                  "to remove them):_ " + ", ".join(f"`{f.type}/{f.id}`" for f in result.left_new[:20])
                  + (" ..." if len(result.left_new) > 20 else ""), ""]
    return "\n".join(lines)


async def report_for(repo: Path, result: RecoverResult, types: Iterable[str], ids: Iterable[str], client: Any,
                     settings: Any) -> str:
    """The difference report in Markdown (:func:`entragit.report.make_report_async`): from the backup to the
    live tenant (``client``), or without one to the default branch's state; "" when it cannot be made."""
    try:
        from entragit.report import LIVE, make_report_async, render
    except ImportError:
        return ""
    to_ref = LIVE if client is not None else result.base
    try:
        report = await make_report_async(repo, result.source, to_ref, types=list(types) or None,
                                         ids=list(ids) or None, client=client, settings=settings)
    except (EntragitError, OSError):
        return ""
    return str(render(report, "markdown", limit=REPORT_LIMIT))


def pull_request(result: RecoverResult, scope: str) -> tuple[str, str]:
    """``(title, Markdown body)`` of the pull request."""
    from entragit.plan.render import render_markdown

    title = f"entragit recover: {scope} back to {result.source}"
    parts = [f"Merging this pull request recovers {scope} to the backup `{result.source}` "
             f"(`{result.ref[:12]}`): `entragit apply` writes the plan below to the tenant (recover.yml, after the "
             "approval of the `entra-recovery` environment). Closing it cancels the recovery.",
             difference_report(result)]
    if result.plan is not None:
        if result.plan_note:
            parts.append(f"> **{result.plan_note}**")
        parts.append(render_markdown(result.plan, limit=PLAN_LIMIT))
        parts.append(f"{CHECKSUM_TRAILER}: {result.plan.checksum}")
    else:
        parts.append(f"_No plan: {result.plan_note}_")
    return title, "\n\n".join(part.strip("\n") for part in parts if part.strip()) + "\n"


async def plan_for(repo: Path, result: RecoverResult, client: Any, settings: Any) -> tuple[Any, str]:
    """The plan ``entragit apply --scope-from <base>..<branch>`` computes after the merge (the same
    :func:`entragit.plan.live.prepare` and :meth:`~entragit.plan.live.Planning.plan`, over the branch's
    ``tenant-state/``), and a note: the safety rails' refusal, which the pull request must show rather than
    hide, or why there is no plan (the branch's tree is invalid)."""
    from entragit.errors import ValidationError
    from entragit.plan.live import prepare
    from entragit.plan.scope import scope_from_range

    scope = scope_from_range(repo, f"{result.base}..{result.commit}")
    with tempfile.TemporaryDirectory(prefix="entragit-recover-") as tmp:
        _git_archive_state(repo, result.commit, Path(tmp))
        try:
            planning = prepare(settings, scope=scope, state_dir=Path(tmp) / STATE_DIR)
        except ValidationError as exc:
            return None, f"tenant-state/ on the branch is invalid, entragit apply will refuse it: {exc}"
    live, deleted = await planning.read(client)
    try:
        return planning.compute(live, deleted), ""
    except RefusedError as exc:
        note = (f"The safety rails refuse this plan; merging applies it only with the recovery-force label and "
                f"an 'Entragit-Force-Reason: <why>' line in this body. {exc}")
        return planning.compute(live, deleted, safety=False), note


def _git_archive_state(repo: Path, commit: str, out: Path) -> None:
    """Write ``tenant-state/`` of ``commit`` into ``out`` (from git's objects, the working tree untouched)."""
    from entragit.backups import open_repo

    r = open_repo(repo)
    files = _state_files(r, commit)
    blobs = _blobs(r, files.values())
    for path, blob in files.items():
        target = out / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(blobs.get(blob, b""))


def recover(repo: str | Path, *, source: str, types: Iterable[str] = (), ids: Iterable[str] = (),
            branch: str | None = None, include_new: bool = False, client: Any = None, settings: Any = None,
            base: str | None = None) -> RecoverResult:
    """``entragit recover``: build the revert branch, plan it against the live tenant (``client``; None: no
    plan), and make the pull request's title and body. The branch's commit carries the checksum trailer."""
    from entragit.backups import open_repo
    from entragit.graph import run

    r = open_repo(repo)
    root = Path(r.working_tree_dir or ".")
    types, ids = tuple(types), tuple(ids)
    result = build_branch(r, source=source, types=types, ids=ids, branch=branch, include_new=include_new, base=base)
    scope = result.scope
    if settings is None:
        from entragit.settings import load_settings

        settings = load_settings(None, repo=root)

    async def read() -> None:
        if client is not None:
            result.plan, result.plan_note = await plan_for(root, result, client, settings)
        else:
            result.plan_note = "not computed (no Graph endpoint configured): run `entragit plan` on the branch"
        result.report = await report_for(root, result, types, ids, client, settings)

    run(read())
    finish_branch(r, result)
    result.title, result.body = pull_request(result, scope)
    return result


def write_pull_request(result: RecoverResult, *, title_file: Path | None = None, body_file: Path | None = None,
                       pr_dir: Path | None = None) -> list[Path]:
    """Write the pull request's title and body to the named files, and/or ``pr_dir/{branch,title,body.md}``."""
    written = []
    targets: list[tuple[Path, str]] = []
    if title_file is not None:
        targets.append((title_file, result.title + "\n"))
    if body_file is not None:
        targets.append((body_file, result.body))
    if pr_dir is not None:
        pr_dir.mkdir(parents=True, exist_ok=True)
        targets += [(pr_dir / "branch", result.branch + "\n"), (pr_dir / "title", result.title + "\n"),
                    (pr_dir / "body.md", result.body)]
        if result.checksum:
            targets.append((pr_dir / "checksum", result.checksum + "\n"))
    for path, text in targets:
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
