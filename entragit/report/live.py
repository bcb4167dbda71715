"""``entragit diff`` against the live tenant (``--to live``, the default): the tenant is exported first into a
temporary tree by the exporter (:func:`entragit.export.export_tree_async`: the same reads, normalization and
canonical YAML as a backup, so unchanged objects have exactly the backup's bytes). Each live file's git blob id is
computed and compared with the ``from`` tree's listing, so only differing files are parsed. The deleted items of
the exported types are listed too (``ResourceType.delete_path``; the conditional access containers from beta) to
tell a deleted object restorable, restorable only in the portal, or gone. The command's entry point:
:mod:`entragit.report.compare`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from entragit import resources
from entragit.errors import GraphError
from entragit.report.build import ObjectDelta
from entragit.report.filediff import (
    Tree,
    deleted_earlier,
    object_deltas,
    object_key,
    object_of,
    present_types,
    refuse_unknown_ids,
    restorable,
)
from entragit.report.gitstore import STATE_DIR, GitStore
from entragit.report.model import Endpoint
from entragit.report.resolve import DirSource, GitSource, SourceResolver, TreeSource
from entragit.resources.base import DeleteKind, ResourceType

LIVE = "live"

Progress = Callable[[str, str], None]


def referenced_types(rts: Iterable[ResourceType]) -> list[ResourceType]:
    """``rts`` and every type their references and links can point at (registry order)."""
    return resources.REGISTRY.referenced(rt.key for rt in rts)


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
    from entragit.export.result import EXTENSIONS_TOPIC

    a = source.commit
    assert a is not None
    rts, notes = present_types(store, rts, a, source.ref, None, LIVE)
    exported = referenced_types(rts)
    from entragit.state import type_excluded

    exported = [rt for rt in exported if not type_excluded(exclude, rt.key)]
    root = workdir / STATE_DIR
    progress("Loading data", f"exporting the live tenant ({len(exported)} types)")
    excl = {k: tuple(v) for k, v in (exclude or {}).items()}
    exported_result = await export_tree_async(client, root, types=exported, exclude=excl, durable=False)
    # extension attributes discovery could not list (issue 10.9): the live side may lack them too
    notes.extend(exported_result.warnings_about(EXTENSIONS_TOPIC))
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
        refuse_unknown_ids(ids, store.ls(a, [f"{STATE_DIR}/"]), store, deleted,
                           f"{source.ref}, the live tenant or its deleted items", live_data)
    changed = sorted(p for p in set(backup_files) | set(live_ids)
                     if backup_files.get(p) != live_ids.get(p) and object_of(p) is not None)
    head = store.head()
    between: set[str] = set()
    if head is not None and head != a:
        between = restorable(store.deleted_paths([f"{a}..{head}"], specs)) & set(backup_files) & set(live_ids)
    wanted = sorted(set(changed) | between)
    rows = []
    for path in wanted:
        found = object_of(path)
        assert found is not None
        rt, stem = found
        if ids is not None and rt.alt_key is None and not rt.singleton and stem not in ids:
            continue
        rows.append((path, rt, stem))
    blobs = store.read([backup_files[p] for p, _, _ in rows if p in backup_files])
    deltas, created, before_tree, after_tree = object_deltas(
        [(p, rt, stem, blobs.get(backup_files[p]) if p in backup_files else None, live_data.get(p))
         for p, rt, stem in rows], source.ref, LIVE, ids)
    restored = {object_key(p) for p in between | deleted_earlier(store, a, created, specs)}
    for key, reason in unread.items():
        notes.append(f"{key}: deleted items not read ({reason})")
    resolver = SourceResolver(present=DirSource(root, [rt.key for rt in exported], preload=after_tree),
                              deleted=TreeSource(deleted),
                              backup=GitSource(store, a, preload=before_tree))
    return deltas, resolver, restored, notes, deleted, unread
