"""What ``entragit diff`` compares, and how it is read: :func:`make_report`, the command's one core call.

Between two refs (``--to REF``) the trees are read straight from git (:class:`GitStore`): ``git diff-tree``
names the files that differ, and only those blobs are loaded (one ``git cat-file --batch``); display names
of referenced objects are loaded later, only for the ids that appear in changes, from the ``to`` tree first,
then the ``from`` tree.

Against the live tenant (``--to live``, the default) the tenant is exported first into a temporary tree by
the exporter (:func:`entragit.export.export_tree_async`: the same reads, normalization and canonical YAML as
a backup, so unchanged objects have exactly the backup's bytes). Each live file's git blob id is computed
and compared with the ``from`` tree's listing, so only differing files are parsed. The deleted items of the
exported types are listed too (``ResourceType.delete_path``; the conditional access containers from beta)
to tell a deleted object restorable, restorable only in the portal, or gone.

Restored objects are recognised from git history (a file deleted in a commit between the two states, or
before the backup, and present again) and from ``createdDateTime`` (an object absent from the backup but
created before it was taken was in deleted items then): see :mod:`entragit.report.build`.
"""

from __future__ import annotations

import difflib
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Any

from entragit import resources
from entragit.errors import EntragitError, GraphError, UsageError
from entragit.graph.runner import run
from entragit.report.build import Facts, ObjectDelta, build_report, format_time
from entragit.report.gitstore import STATE_DIR, FileChange, GitStore
from entragit.report.model import Endpoint, Report
from entragit.report.resolve import DirSource, GitSource, SourceResolver, TreeSource
from entragit.resources.base import DeleteKind, ResourceType

LIVE = "live"
# Pathspecs passed to one `git log` (beyond that, the type folders are searched and the result filtered).
MAX_PATHSPECS = 2000

Progress = Callable[[str, str], None]
Tree = dict[str, dict[str, dict[str, Any]]]


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


def _object_deltas(rows: list[tuple[str, ResourceType, str, bytes | None, bytes | None]], old_ref: str,
                   new_ref: str, ids: set[str] | None) -> tuple[list[ObjectDelta], list[str], Tree, Tree]:
    """Parse the two sides of each changed file (``(path, type, stem, old bytes, new bytes)``) into object
    deltas, keeping those ``ids`` selects (None: all); also the paths of created objects and both trees."""
    deltas: list[ObjectDelta] = []
    created: list[str] = []
    before_tree: Tree = {}
    after_tree: Tree = {}
    for path, rt, stem, old_data, new_data in rows:
        before = _parse(old_data, f"{old_ref}:{path}")
        after = _parse(new_data, f"{new_ref}:{path}")
        obj_id = str((after or before or {}).get("id") or stem)
        if not _matches(rt, obj_id, (before, after), ids):
            continue
        if before is not None:
            before_tree.setdefault(rt.key, {})[obj_id] = before
        if after is not None:
            after_tree.setdefault(rt.key, {})[obj_id] = after
        if before is None:
            created.append(path)
        deltas.append(ObjectDelta(rt.key, obj_id, before, after, _text(old_data), _text(new_data)))
    return deltas, created, before_tree, after_tree


def referenced_types(rts: Iterable[ResourceType]) -> list[ResourceType]:
    """``rts`` and every type their references and links can point at (registry order)."""
    return resources.REGISTRY.referenced(rt.key for rt in rts)


def _matches(rt: ResourceType, obj_id: str, objs: Iterable[Mapping[str, Any] | None], ids: set[str] | None) -> bool:
    if ids is None or obj_id in ids:
        return True
    return rt.alt_key is not None and any(o is not None and o.get(rt.alt_key) in ids for o in objs)


def _object_of(path: str) -> tuple[ResourceType, str] | None:
    """``tenant-state/<type>/<name>.yaml`` -> ``(declaration, file stem)``; None for other files."""
    parts = PurePosixPath(path).parts
    if len(parts) != 3 or parts[0] != STATE_DIR or not parts[2].endswith(".yaml") or parts[1] not in resources.REGISTRY:
        return None
    return resources.get(parts[1]), parts[2][: -len(".yaml")]


def _parse(data: bytes | None, name: str) -> dict[str, Any] | None:
    from entragit.state import parse_yaml

    return None if data is None else parse_yaml(data.decode("utf-8"), name)


def _text(data: bytes | None) -> str | None:
    return None if data is None else data.decode("utf-8")


# ---------------------------------------------------------------------------------------------- history
def _restorable(paths: Iterable[str]) -> set[str]:
    """The paths of objects whose type can come back with the same id (``restore_path`` declared)."""
    return {p for p in paths if (found := _object_of(p)) is not None and found[0].restore_path}


def _deleted_earlier(store: GitStore, rev: str, created: Iterable[str], specs: Sequence[str]) -> set[str]:
    """Among ``created`` (absent from ``rev``, present now), the paths the history of ``rev`` deleted: their
    objects existed before and are back with the same id."""
    paths = sorted(_restorable(created))
    if not paths:
        return set()
    searched = paths if len(paths) <= MAX_PATHSPECS else list(specs)
    return store.deleted_paths([rev], searched) & set(paths)


# ---------------------------------------------------------------------------------------------- two refs
def compare_refs(store: GitStore, source: Endpoint, target: Endpoint, rts: Sequence[ResourceType],
                 ids: set[str] | None) -> tuple[list[ObjectDelta], SourceResolver, set[tuple[str, str]], list[str]]:
    """``(deltas, resolver, restored, notes)`` between commits ``source.commit`` and ``target.commit``."""
    a, b = source.commit, target.commit
    assert a is not None and b is not None
    rts, notes = _present_types(store, rts, a, source.ref, b, target.ref)
    specs = [f"{STATE_DIR}/{rt.key}/" for rt in rts]
    rows: list[tuple[FileChange, ResourceType, str]] = []
    for change in store.diff(a, b, specs) if specs else []:
        found = _object_of(change.path)
        if found is None:
            continue
        rt, stem = found
        if ids is not None and rt.alt_key is None and not rt.singleton and stem not in ids:
            continue  # decided by the file name alone: its blobs are never read
        rows.append((change, rt, stem))
    both_paths = {c.path for c, _, _ in rows if c.old and c.new}
    # unchanged files deleted and back in between are not in the diff: ask history about every path
    in_between = _restorable(store.deleted_paths([f"{a}..{b}"], specs)) if specs else set()
    extra = sorted(p for p in in_between if p not in {c.path for c, _, _ in rows} and _object_of(p) is not None)
    if extra:
        present = store.read([f"{a}:{p}" for p in extra] + [f"{b}:{p}" for p in extra])
        for p in extra:
            old, new = present.get(f"{a}:{p}"), present.get(f"{b}:{p}")
            if old is not None and new is not None:
                found = _object_of(p)
                assert found is not None
                if ids is None or found[0].alt_key is not None or found[1] in ids:
                    rows.append((FileChange("=", p, f"{a}:{p}", f"{b}:{p}"), *found))
                    both_paths.add(p)
    if ids:
        every = [f"{STATE_DIR}/"]     # an id of a type outside --type is still an id: AND gives nothing
        _refuse_unknown_ids(ids, {**store.ls(a, every), **store.ls(b, every)}, store, {},
                            f"{source.ref} or {target.ref}")
    blobs = store.read([n for c, _, _ in rows for n in (c.old, c.new) if n])
    deltas, created, before_tree, after_tree = _object_deltas(
        [(c.path, rt, stem, blobs.get(c.old) if c.old else None, blobs.get(c.new) if c.new else None)
         for c, rt, stem in rows], source.ref, target.ref, ids)
    restored = {_key(p) for p in (in_between & both_paths) | _deleted_earlier(store, a, created, specs)}
    resolver = SourceResolver(present=GitSource(store, b, preload=after_tree),
                              backup=GitSource(store, a, preload=before_tree))
    return deltas, resolver, restored, notes


def _key(path: str) -> tuple[str, str]:
    found = _object_of(path)
    assert found is not None
    rt, stem = found
    return rt.key, (rt.key if rt.singleton else stem)


def _present_types(store: GitStore, rts: Sequence[ResourceType], a: str, a_ref: str, b: str | None,
                   b_ref: str) -> tuple[list[ResourceType], list[str]]:
    """The types both sides hold (a side without a type's folder did not back it up: not compared)."""
    notes: list[str] = []
    have_a = store.folders(a)
    if have_a is None:
        raise UsageError(f"{a_ref} has no {STATE_DIR}/: not a backup of a tenant")
    have_b = store.folders(b) if b is not None else None
    if b is not None and have_b is None:
        raise UsageError(f"{b_ref} has no {STATE_DIR}/: not a backup of a tenant")
    kept = []
    for rt in rts:
        missing = [ref for ref, have in ((a_ref, have_a), (b_ref, have_b)) if have is not None and rt.key not in have]
        if missing:
            notes.append(f"{rt.key}: not compared, {' and '.join(missing)} holds no {STATE_DIR}/{rt.key}/")
        else:
            kept.append(rt)
    return kept, notes


# ---------------------------------------------------------------------------------------------- live
async def read_deleted_items(client: Any, rts: Iterable[ResourceType], exclude: Mapping[str, Iterable[str]] | None
                             ) -> tuple[Tree, dict[str, str]]:
    """``(deleted, unread)``: the soft-deleted objects of every type with a deleted-items container,
    normalized like an export, and why a container could not be read (e.g. 403 for app-only callers)."""
    from entragit.state import normalize

    excl = {k: tuple(v) for k, v in (exclude or {}).items()}
    deleted: Tree = {}
    unread: dict[str, str] = {}
    for rt in rts:
        if rt.delete not in (DeleteKind.SOFT, DeleteKind.SOFT_PORTAL) or not rt.delete_path:
            continue
        # the conditional access containers are documented in beta only (graph-entra.md corrections)
        version = rt.api_version if rt.delete is DeleteKind.SOFT else "beta"
        try:
            # serialized types (1 request/s per tenant) are paced like their export, not retried after 429s
            items = [normalize(rt, item, excl)
                     async for item in client.list(rt.delete_path, version=version, serialize=rt.serialized or None)]
        except GraphError as exc:
            unread[rt.key] = f"Graph {exc.status} {exc.code} listing {version}/{rt.delete_path}: {exc.graph_message}"
            continue
        deleted[rt.key] = {str(o.get(rt.key_prop)): o for o in items}
    return deleted, unread


async def compare_live(store: GitStore, source: Endpoint, client: Any, rts: Sequence[ResourceType],
                       ids: set[str] | None, exclude: Mapping[str, Iterable[str]] | None, workdir: Path,
                       progress: Progress) -> tuple[list[ObjectDelta], SourceResolver, set[tuple[str, str]],
                                                    list[str], Tree, dict[str, str]]:
    """``(deltas, resolver, restored, notes, deleted items, unread)`` between ``source.commit`` and the
    tenant behind ``client`` (exported into ``workdir``)."""
    from entragit.export import export_tree_async

    a = source.commit
    assert a is not None
    rts, notes = _present_types(store, rts, a, source.ref, None, LIVE)
    exported = referenced_types(rts)
    from entragit.state import type_excluded

    exported = [rt for rt in exported if not type_excluded(exclude, rt.key)]
    root = workdir / STATE_DIR
    progress("Loading data", f"exporting the live tenant ({len(exported)} types)")
    excl = {k: tuple(v) for k, v in (exclude or {}).items()}
    await export_tree_async(client, root, types=exported, exclude=excl, durable=False)
    progress("Loading data", "reading deleted items")
    deleted, unread = await read_deleted_items(client, exported, exclude)

    progress("Loading data", f"comparing with {source.ref}")
    specs = [f"{STATE_DIR}/{rt.key}/" for rt in rts]
    backup_files = store.ls(a, specs) if specs else {}
    live_data: dict[str, bytes] = {}
    for rt in rts:
        folder = root / rt.key
        if folder.is_dir():
            for path in folder.glob("*.yaml"):
                live_data[f"{STATE_DIR}/{rt.key}/{path.name}"] = path.read_bytes()
    live_ids = {path: store.blob_id(data) for path, data in live_data.items()}
    if ids:
        _refuse_unknown_ids(ids, store.ls(a, [f"{STATE_DIR}/"]), store, deleted,
                            f"{source.ref}, the live tenant or its deleted items", live_data)
    changed = sorted(p for p in set(backup_files) | set(live_ids)
                     if backup_files.get(p) != live_ids.get(p) and _object_of(p) is not None)
    head = store.head()
    between: set[str] = set()
    if head is not None and head != a:
        between = _restorable(store.deleted_paths([f"{a}..{head}"], specs)) & set(backup_files) & set(live_ids)
    wanted = sorted(set(changed) | between)
    rows = []
    for path in wanted:
        found = _object_of(path)
        assert found is not None
        rt, stem = found
        if ids is not None and rt.alt_key is None and not rt.singleton and stem not in ids:
            continue
        rows.append((path, rt, stem))
    blobs = store.read([backup_files[p] for p, _, _ in rows if p in backup_files])
    deltas, created, before_tree, after_tree = _object_deltas(
        [(p, rt, stem, blobs.get(backup_files[p]) if p in backup_files else None, live_data.get(p))
         for p, rt, stem in rows], source.ref, LIVE, ids)
    restored = {_key(p) for p in between | _deleted_earlier(store, a, created, specs)}
    for key, reason in unread.items():
        notes.append(f"{key}: deleted items not read ({reason})")
    resolver = SourceResolver(present=DirSource(root, [rt.key for rt in exported], preload=after_tree),
                              deleted=TreeSource(deleted),
                              backup=GitSource(store, a, preload=before_tree))
    return deltas, resolver, restored, notes, deleted, unread


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


def _refuse_unknown_ids(ids: set[str], files: Mapping[str, str], store: GitStore, deleted: Tree, where: str,
                        data: Mapping[str, bytes] | None = None) -> None:
    """``--id`` names objects that exist on one side or the other (by id, or appId for the types with that
    alternate key): an id of no object is refused (UsageError, exit 2) as ``entragit plan`` refuses it, rather
    than answered with "no differences"."""
    known: set[str] = set()
    alt_blobs: list[tuple[str, str]] = []          # (alternate key, blob id)
    alt_data: list[tuple[str, bytes | None]] = []  # (alternate key, content)
    for path in list(files) + list(data or {}):
        found = _object_of(path)
        if found is None:
            continue
        rt, stem = found
        known.add(stem)
        if rt.alt_key and path in files:
            alt_blobs.append((rt.alt_key, files[path]))
        if rt.alt_key and data and path in data:
            alt_data.append((rt.alt_key, data[path]))
    texts = store.read([b for _, b in alt_blobs])
    for alt, blob in [(k, texts.get(b)) for k, b in alt_blobs] + alt_data:
        value = (_parse(blob, "") or {}).get(alt)
        if value:
            known.add(str(value))
    for key, objects in deleted.items():
        alt = resources.get(key).alt_key
        for obj_id, obj in objects.items():
            known.add(str(obj_id))
            if alt and obj.get(alt):
                known.add(str(obj[alt]))
    missing = sorted(ids - known)
    if missing:
        raise UsageError(f"--id {missing[0]}: no object with this id (or appId) in {where}"
                         + (f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""))


def _refuse_singleton_ids(store: GitStore, commit: str, ids: set[str]) -> None:
    """``--id`` names no singleton (its type key does, with ``--type``): its type key and the id its file holds
    in the backup are refused (UsageError), as ``entragit plan`` refuses them."""
    from entragit.plan.scope import check_ids

    singles = [rt for rt in resources.all_types() if rt.singleton]
    blobs = store.read([f"{commit}:{STATE_DIR}/{rt.key}/{rt.key}.yaml" for rt in singles])
    tree: Tree = {}
    for rt in singles:
        obj = _parse(blobs.get(f"{commit}:{STATE_DIR}/{rt.key}/{rt.key}.yaml"), f"{rt.key}/{rt.key}.yaml")
        if obj is not None and obj.get("id") is not None:
            tree[rt.key] = {str(obj["id"]): obj}
    check_ids(ids, [tree], known=False)


def make_report(repo: Any, from_ref: str, to_ref: str = LIVE, **kwargs: Any) -> Report:
    """Synchronous :func:`make_report_async`."""
    return run(make_report_async(repo, from_ref, to_ref, **kwargs))
