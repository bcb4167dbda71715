"""What ``entragit diff`` compares, and how it is read: :func:`make_report`, the command's one core call.

Between two refs (``--to REF``) the trees are read straight from git (:class:`GitStore`): ``git diff-tree``
names the files that differ, and only those blobs are loaded (one ``git cat-file --batch``); display names
of referenced objects are loaded later, only for the ids that appear in changes, from the ``to`` tree first,
then the ``from`` tree. Against the live tenant (``--to live``, the default): :mod:`entragit.report.live`;
what both share (changed files to object deltas): :mod:`entragit.report.filediff`.

Restored objects are recognised from git history (a file deleted in a commit between the two states, or
before the backup, and present again) and from ``createdDateTime`` (an object absent from the backup but
created before it was taken was in deleted items then): see :mod:`entragit.report.build`.
"""

from __future__ import annotations

import difflib
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from entragit import resources
from entragit.errors import EntragitError, UsageError
from entragit.graph.runner import run
from entragit.report.build import Facts, ObjectDelta, build_report, format_time
from entragit.report.filediff import (
    Tree,
    deleted_earlier,
    object_deltas,
    object_key,
    object_of,
    parse_blob,
    present_types,
    refuse_unknown_ids,
    restorable,
)
from entragit.report.gitstore import STATE_DIR, FileChange, GitStore
from entragit.report.live import LIVE, Progress, compare_live
from entragit.report.model import Endpoint, Report
from entragit.report.resolve import GitSource, SourceResolver
from entragit.resources.base import ResourceType


# ---------------------------------------------------------------------------------------------- scope
def scoped_types(types: Iterable[str] | None, exclude: Mapping[str, Iterable[str]] | None = None
                 ) -> list[ResourceType]:
    """The declarations a report covers, in registry order: ``types`` (validated), else every type not
    left out of backups by ``entragit.yaml``."""
    from entragit.state import type_excluded

    wanted = list(dict.fromkeys(types or ()))
    for key in wanted:
        resources.get(key)  # unknown type: UsageError naming the known ones
        if type_excluded(exclude, key):
            raise UsageError(f"type {key!r} is kept out of backups by entragit.yaml (types.include / types.exclude)")
    return [rt for rt in resources.all_types()
            if (rt.key in wanted if wanted else not type_excluded(exclude, rt.key))]


# ---------------------------------------------------------------------------------------------- two refs
def compare_refs(store: GitStore, source: Endpoint, target: Endpoint, rts: Sequence[ResourceType],
                 ids: set[str] | None) -> tuple[list[ObjectDelta], SourceResolver, set[tuple[str, str]], list[str]]:
    """``(deltas, resolver, restored, notes)`` between commits ``source.commit`` and ``target.commit``."""
    a, b = source.commit, target.commit
    assert a is not None and b is not None
    rts, notes = present_types(store, rts, a, source.ref, b, target.ref)
    specs = [f"{STATE_DIR}/{rt.key}/" for rt in rts]
    rows: list[tuple[FileChange, ResourceType, str]] = []
    for change in store.diff(a, b, specs) if specs else []:
        found = object_of(change.path)
        if found is None:
            continue
        rt, stem = found
        if ids is not None and rt.alt_key is None and not rt.singleton and stem not in ids:
            continue  # decided by the file name alone: its blobs are never read
        rows.append((change, rt, stem))
    both_paths = {c.path for c, _, _ in rows if c.old and c.new}
    # unchanged files deleted and back in between are not in the diff: ask history about every path
    in_between = restorable(store.deleted_paths([f"{a}..{b}"], specs)) if specs else set()
    extra = sorted(p for p in in_between if p not in {c.path for c, _, _ in rows} and object_of(p) is not None)
    if extra:
        present = store.read([f"{a}:{p}" for p in extra] + [f"{b}:{p}" for p in extra])
        for p in extra:
            old, new = present.get(f"{a}:{p}"), present.get(f"{b}:{p}")
            if old is not None and new is not None:
                found = object_of(p)
                assert found is not None
                if ids is None or found[0].alt_key is not None or found[1] in ids:
                    rows.append((FileChange("=", p, f"{a}:{p}", f"{b}:{p}"), *found))
                    both_paths.add(p)
    if ids:
        every = [f"{STATE_DIR}/"]     # an id of a type outside --type is still an id: AND gives nothing
        refuse_unknown_ids(ids, {**store.ls(a, every), **store.ls(b, every)}, store, {},
                           f"{source.ref} or {target.ref}")
    blobs = store.read([n for c, _, _ in rows for n in (c.old, c.new) if n])
    deltas, created, before_tree, after_tree = object_deltas(
        [(c.path, rt, stem, blobs.get(c.old) if c.old else None, blobs.get(c.new) if c.new else None)
         for c, rt, stem in rows], source.ref, target.ref, ids)
    restored = {object_key(p) for p in (in_between & both_paths) | deleted_earlier(store, a, created, specs)}
    resolver = SourceResolver(present=GitSource(store, b, preload=after_tree),
                              backup=GitSource(store, a, preload=before_tree))
    return deltas, resolver, restored, notes


# ---------------------------------------------------------------------------------------------- the report
def unified_diff(deltas: Iterable[ObjectDelta]) -> str:
    """The changed files as ``git diff`` shows them (unified, three lines of context)."""
    from entragit.state import file_name

    out: list[str] = []
    for d in sorted(deltas, key=lambda d: (d.type, d.id)):
        if d.before_text == d.after_text:
            continue
        path = f"{STATE_DIR}/{d.type}/{file_name(resources.get(d.type), d.id)}"
        out.append(f"diff --git a/{path} b/{path}\n")
        if d.before_text is None:
            out.append("new file mode 100644\n")
        elif d.after_text is None:
            out.append("deleted file mode 100644\n")
        lines = difflib.unified_diff((d.before_text or "").splitlines(keepends=True),
                                     (d.after_text or "").splitlines(keepends=True),
                                     fromfile=f"a/{path}" if d.before_text is not None else "/dev/null",
                                     tofile=f"b/{path}" if d.after_text is not None else "/dev/null")
        for line in lines:
            out.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
    return "".join(out)


async def make_report_async(repo: Any, from_ref: str, to_ref: str = LIVE, *, types: Iterable[str] | None = None,
                            ids: Iterable[str] | None = None, client: Any = None, settings: Any = None,
                            now: datetime | None = None, progress: Progress | None = None,
                            raw_diff: bool = False) -> Report:
    """The difference report between backup ``from_ref`` and ``to_ref`` (a ref, or ``"live"``: the tenant
    behind ``client``, or a client opened from ``settings``). ``types``/``ids`` narrow it (an id may be an
    appId). ``now``: the time for "days left" (default ``ENTRAGIT_NOW`` or the clock). ``raw_diff``: keep
    the unified diff of the changed files on the report (markdown folds it in)."""
    from entragit.backups import resolve_now

    report = progress or (lambda state, message: None)
    store = GitStore.open(repo)
    exclude = None
    if settings is not None:
        from entragit.export import exclusions

        exclude = exclusions(settings)
    rts = scoped_types(types, exclude)
    wanted_ids = set(ids) if ids else None
    report("Loading data", f"reading {from_ref}")
    commit, when = store.commit(from_ref)
    source = Endpoint(from_ref, commit, when)
    if wanted_ids:
        _refuse_singleton_ids(store, commit, wanted_ids)
    moment = resolve_now(now)
    scope = {"types": sorted(types) if types else None, "ids": sorted(wanted_ids) if wanted_ids else None}
    deleted: Tree = {}
    unread: dict[str, str] = {}
    if to_ref == LIVE:
        target = Endpoint(LIVE, None, format_time(moment))
        with tempfile.TemporaryDirectory(prefix="entragit-diff-") as tmp:
            if client is not None:
                deltas, resolver, restored, notes, deleted, unread = await compare_live(
                    store, source, client, rts, wanted_ids, exclude, Path(tmp), report)
            else:
                if settings is None:
                    raise UsageError("comparing with the live tenant needs Graph settings")
                from entragit import graph

                async with graph.CLIENT_FACTORY(settings) as opened:  # the seam plan, apply and recover use
                    deltas, resolver, restored, notes, deleted, unread = await compare_live(
                        store, source, opened, rts, wanted_ids, exclude, Path(tmp), report)
            return _finish(deltas, resolver, restored, notes, source, target, deleted, unread, moment, scope,
                           store, report, raw_diff, live=True)
    commit_b, when_b = store.commit(to_ref)
    target = Endpoint(to_ref, commit_b, when_b)
    report("Loading data", f"comparing {from_ref} with {to_ref}")
    deltas, resolver, restored, notes = compare_refs(store, source, target, rts, wanted_ids)
    return _finish(deltas, resolver, restored, notes, source, target, deleted, unread, moment, scope, store, report,
                   raw_diff, live=False)


def _finish(deltas: list[ObjectDelta], resolver: SourceResolver, restored: set[tuple[str, str]], notes: list[str],
            source: Endpoint, target: Endpoint, deleted: Tree, unread: dict[str, str], now: datetime,
            scope: dict[str, Any], store: GitStore, progress: Progress, raw_diff: bool, *, live: bool) -> Report:
    from entragit.report.build import parse_time
    from entragit.report.recreated import pair_recreated

    progress("In progress", f"comparing {len(deltas)} changed objects")
    deltas, recreated = pair_recreated(deltas, _known_ids(store))
    facts = Facts(source=source, target=target, live=live, now=now, deleted=deleted, unread=unread,
                  restored=frozenset(restored), source_time=parse_time(source.time), scope=scope, notes=notes,
                  recreated=recreated)
    result = build_report(deltas, resolver, facts)
    if raw_diff:
        result.raw_diff = unified_diff(deltas)
    result.stats = {**store.stats, "objects": len(deltas)}
    return result


def _known_ids(store: GitStore) -> dict[str, dict[str, Any]]:
    """The new ids applies gave recreated objects (their outcome notes), as plan and apply read them."""
    from entragit.backups import known_ids

    try:
        return known_ids(store.root)
    except (EntragitError, OSError):  # no notes, or none readable: nothing to pair
        return {}


def _refuse_singleton_ids(store: GitStore, commit: str, ids: set[str]) -> None:
    """``--id`` names no singleton (its type key does, with ``--type``): its type key and the id its file holds
    in the backup are refused (UsageError), as ``entragit plan`` refuses them."""
    from entragit.plan.scope import check_ids

    singles = [rt for rt in resources.all_types() if rt.singleton]
    blobs = store.read([f"{commit}:{STATE_DIR}/{rt.key}/{rt.key}.yaml" for rt in singles])
    tree: Tree = {}
    for rt in singles:
        obj = parse_blob(blobs.get(f"{commit}:{STATE_DIR}/{rt.key}/{rt.key}.yaml"), f"{rt.key}/{rt.key}.yaml")
        if obj is not None and obj.get("id") is not None:
            tree[rt.key] = {str(obj["id"]): obj}
    check_ids(ids, [tree], known=False)


def make_report(repo: Any, from_ref: str, to_ref: str = LIVE, **kwargs: Any) -> Report:
    """Synchronous :func:`make_report_async`."""
    return run(make_report_async(repo, from_ref, to_ref, **kwargs))
