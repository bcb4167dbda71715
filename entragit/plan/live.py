"""Reading what the plan compares with: the live tenant and its soft-deleted items, and the desired tree.

:func:`load_live` reuses the exporter (``entragit.export.export_tree_async``) into a temporary tree and
reads it back with :func:`entragit.state.read_tree`: the live objects go through exactly the reads,
normalization, exclusions and YAML round trip of a backup, so they compare with ``tenant-state/``
byte for byte (apples to apples), and no Graph listing is reimplemented here.

Soft-deleted items are listed from ``rt.delete_path`` (``directory/deletedItems/microsoft.graph.<type>``)
for the types a plan can restore from (``rt.delete`` SOFT with a ``restore_path``) and normalized like
the export. The conditional access deleted items (``SOFT_PORTAL``: beta, no application permission to
list or restore, graph-entra.md §6) are not read: such objects are recreated.

:func:`make_plan` is the one core call of ``entragit plan`` (and of the applier's re-plan): validate the
desired tree, read the live state of the scope and of the types it references, compute the plan.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from entragit import resources
from entragit.errors import GraphError, UsageError, ValidationError
from entragit.graph.client import run
from entragit.plan.model import Plan
from entragit.plan.planner import PlanOptions, compute_plan
from entragit.plan.scope import Scope
from entragit.resources.base import DeleteKind, ResourceType

Tree = dict[str, dict[str, dict[str, Any]]]


def restorable(rt: ResourceType) -> bool:
    """Whether objects of ``rt`` can come back from deleted items (with their id)."""
    return rt.delete is DeleteKind.SOFT and bool(rt.delete_path) and bool(rt.restore_path)


def referenced_types(keys: Iterable[str]) -> set[str]:
    """``keys`` and every type their references and links can point at."""
    return {rt.key for rt in resources.REGISTRY.referenced(keys)}


def types_to_read(scope: Scope) -> list[str]:
    """The types a plan over ``scope`` must read (registry order)."""
    keys = scope.type_keys()
    if keys is None:
        return [rt.key for rt in resources.all_types()]
    wanted = referenced_types(keys)
    return [rt.key for rt in resources.all_types() if rt.key in wanted]


async def load_live_async(client: Any, types: Iterable[str] | None = None, *, ids: Iterable[str] | None = None,
                          exclude: Mapping[str, Iterable[str]] | None = None) -> tuple[Tree, Tree]:
    """``(live, deleted)``: ``{type key: {id: canonical object}}`` of the live tenant and of its soft-deleted
    items, for ``types`` (default: all). ``ids`` narrows the result (object ids or appIds); the reads are
    per type anyway. ``exclude``: the export exclusions (``entragit.export.exclusions(settings)``)."""
    from entragit.export import export_tree_async, selected_types
    from entragit.state import normalize, read_tree

    excl = {k: tuple(v) for k, v in (exclude or {}).items()}
    rts = selected_types(list(types) if types is not None else None, excl)
    with tempfile.TemporaryDirectory(prefix="entragit-live-") as tmp:
        root = Path(tmp) / "tenant-state"
        if rts:
            await export_tree_async(client, root, types=rts, exclude=excl, durable=False)
        live = read_tree(root, rts)
    deleted: Tree = {}
    for rt in rts:
        if not restorable(rt):
            continue
        assert rt.delete_path is not None
        items: dict[str, dict[str, Any]] = {}
        try:
            async for item in client.list(rt.delete_path, version=rt.api_version):
                obj = normalize(rt, item, excl)
                items[str(obj.get(rt.key_prop))] = obj
        except GraphError as exc:
            raise GraphError(exc.status, exc.code, f"listing deleted {rt.key} ({rt.delete_path}): "
                             f"{exc.graph_message}", method=exc.method, url=exc.url,
                             request_id=exc.request_id, headers=exc.headers) from exc
        deleted[rt.key] = items
    if ids is not None:
        wanted = set(ids)
        live = {k: _only(resources.get(k), v, wanted) for k, v in live.items()}
        deleted = {k: _only(resources.get(k), v, wanted) for k, v in deleted.items()}
    return live, deleted


def _only(rt: ResourceType, objects: dict[str, dict[str, Any]], wanted: set[str]) -> dict[str, dict[str, Any]]:
    return {i: o for i, o in objects.items()
            if i in wanted or (rt.alt_key is not None and o.get(rt.alt_key) in wanted)}


def load_live(client: Any, types: Iterable[str] | None = None, ids: Iterable[str] | None = None,
              exclude: Mapping[str, Iterable[str]] | None = None) -> tuple[Tree, Tree]:
    """Synchronous :func:`load_live_async` (runs its own event loop)."""
    return run(load_live_async(client, types, ids=ids, exclude=exclude))


def read_desired(root: str | Path, types: Iterable[str] | None = None) -> Tree:
    """The desired tree, validated first: any problem raises :class:`ValidationError` (exit 2) naming the
    file, object and property (no Graph request is made before the tree is valid)."""
    from entragit.state import check_tree, read_tree

    root = Path(root)
    if not root.is_dir():
        raise ValidationError(f"{root} is not a directory (the desired tenant-state/ tree)", file=str(root))
    rts = [resources.get(k) for k in types] if types is not None else None
    report = check_tree(root, rts)
    # validating a subset of the types: the folders of the other registered types are not "unknown"
    problems = [p for p in report.problems
                if rts is None or not (Path(p.file).parent == root and Path(p.file).name in resources.REGISTRY)]
    if problems:
        shown = "\n".join(f"  {p}" for p in problems[:20])
        more = f"\n  ... and {len(problems) - 20} more" if len(problems) > 20 else ""
        first = problems[0]
        raise ValidationError(f"the desired state is invalid ({len(problems)} problems):\n{shown}{more}",
                              file=first.file, obj=first.obj, prop=first.prop)
    return read_tree(root, rts)


async def make_plan_async(settings: Any, *, scope: Scope | None = None, recreate: Iterable[str] = (),
                          allow_delete: bool = False, force: str | None = None,
                          known_ids: Mapping[str, Mapping[str, Any]] | None = None, client: Any = None,
                          state_dir: str | Path | None = None) -> Plan:
    """Validate ``<repo>/tenant-state``, read the live tenant (``client``, or one opened from ``settings``)
    for the scope and the types it references, and compute the plan (safety rails included).
    ``known_ids`` defaults to the new ids recorded by earlier applies (:func:`recorded_new_ids`)."""
    from entragit.export import exclusions
    from entragit.graph import open_client
    from entragit.state import type_excluded

    scope = scope or Scope()
    for key in scope.types or ():
        resources.get(key)  # unknown type: UsageError naming the known ones
    root = Path(state_dir) if state_dir is not None else Path(settings.repo) / "tenant-state"
    exclude = exclusions(settings)
    for key in scope.types or ():
        if type_excluded(exclude, key):
            raise UsageError(f"type {key!r} is kept out of backups by entragit.yaml (types.include / types.exclude)")
    types = types_to_read(scope)
    desired = read_desired(root, types)
    if client is not None:
        live, deleted = await load_live_async(client, types, exclude=exclude)
    else:
        async with open_client(settings) as opened:
            live, deleted = await load_live_async(opened, types, exclude=exclude)
    desired = {k: v for k, v in desired.items() if k in live}  # types kept out of backups are never planned
    if known_ids is None:
        known_ids = recorded_new_ids(settings.repo)
    options = PlanOptions(recreate=frozenset(recreate), allow_delete=allow_delete, known_ids=dict(known_ids or {}),
                          max_change_share=settings.max_change_share,
                          emergency_access=tuple(settings.emergency_access), force=force)
    return compute_plan(desired, live, deleted, scope, options)


def recorded_new_ids(repo: str | Path) -> dict[str, dict[str, Any]]:
    """The new ids earlier applies gave recreated objects, from the repository's apply notes
    (``entragit.apply.known_ids``); empty outside a git repository. ``entragit plan`` and ``entragit
    apply`` use the same ones, so the same tenant gives the same plan and checksum."""
    if not (Path(repo) / ".git").exists():
        return {}
    from entragit.apply import known_ids

    return known_ids(repo)


def make_plan(settings: Any, **kwargs: Any) -> Plan:
    """Synchronous :func:`make_plan_async`."""
    return run(make_plan_async(settings, **kwargs))
