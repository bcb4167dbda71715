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
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from entragit import resources
from entragit.errors import GraphError, RefusedError, UsageError, ValidationError
from entragit.graph.runner import run
from entragit.markdown import plural
from entragit.plan.model import Plan
from entragit.plan.planner import PlanOptions, compute_plan
from entragit.plan.scope import Scope, check_ids
from entragit.resources.base import DeleteKind, ResourceType

Tree = dict[str, dict[str, dict[str, Any]]]


def restorable(rt: ResourceType) -> bool:
    """Whether objects of ``rt`` can come back from deleted items (with their id)."""
    return rt.delete is DeleteKind.SOFT and bool(rt.delete_path) and bool(rt.restore_path)


def referenced_types(keys: Iterable[str]) -> set[str]:
    """``keys`` and every type their references and links can point at."""
    return {rt.key for rt in resources.REGISTRY.referenced(keys)}


def referencing_types(keys: Iterable[str]) -> list[str]:
    """The types whose references or links can point at an object of ``keys`` (registry order): where a
    recreated object's old id (or appId) can appear."""
    wanted = set(keys)
    found = []
    for rt in resources.all_types():
        targets = {t for ref in rt.refs for t in ref.targets}
        for link in rt.links:
            targets.update(link.targets)
            targets.update(t for ref in link.refs for t in ref.targets)
        if targets & wanted:
            found.append(rt.key)
    return found


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
        raise ValidationError(f"the desired state is invalid ({plural(len(problems), 'problem')}):\n{shown}{more}",
                              file=first.file, obj=first.obj, prop=first.prop)
    return read_tree(root, rts)


@dataclass
class Planning:
    """Everything a plan over a scope needs but the tenant: the validated desired tree (every type), the scope
    and the types it reads, the export exclusions, the options. :meth:`plan` reads the live tenant and
    computes; ``entragit plan``, ``entragit apply`` (and its re-plans) and ``entragit recover`` all go through
    it, so the same repository and tenant give the same plan and checksum whichever command computes it."""

    scope: Scope
    types: list[str]
    exclude: dict[str, tuple[str, ...]]
    desired: Tree
    options: PlanOptions

    async def read(self, client: Any, *, new_ids: Mapping[str, Mapping[str, Any]] | None = None
                   ) -> tuple[Tree, Tree]:
        """``(live, deleted)`` of the types the scope reads; and, when the plan gives objects new ids (a
        recreate, or an earlier apply's), of the types that can reference them, so that every reference to a
        recreated object is remapped, from outside the scope too."""
        from entragit.state import type_excluded

        live, deleted = await load_live_async(client, self.types, exclude=self.exclude)
        if all(rt.key in live or type_excluded(self.exclude, rt.key) for rt in resources.all_types()):
            return live, deleted  # every type is read already
        options = self._options(new_ids, safety=False)
        quick = compute_plan({k: v for k, v in self.desired.items() if k in live}, live, deleted, self.scope, options)
        renewed = {c.type for c in quick.changes if c.provides}
        for token, values in options.known_ids.items():
            key, _, old = token.partition("/")
            if old in (self.desired.get(key) or {}) and values.get("id") in (live.get(key) or {}):
                renewed.add(key)
        extra = [k for k in referencing_types(renewed) if k not in live and not type_excluded(self.exclude, k)]
        if extra:
            more_live, more_deleted = await load_live_async(client, extra, exclude=self.exclude)
            live.update(more_live)
            deleted.update(more_deleted)
        return live, deleted

    def _options(self, new_ids: Mapping[str, Mapping[str, Any]] | None, safety: bool) -> PlanOptions:
        if not new_ids and safety == self.options.safety:
            return self.options
        return replace(self.options, known_ids={**self.options.known_ids, **(new_ids or {})}, safety=safety)

    async def plan(self, client: Any, *, new_ids: Mapping[str, Mapping[str, Any]] | None = None,
                   safety: bool = True) -> Plan:
        """Read the live tenant and compute the plan (:meth:`compute`)."""
        live, deleted = await self.read(client, new_ids=new_ids)
        return self.compute(live, deleted, new_ids=new_ids, safety=safety)

    def compute(self, live: Tree, deleted: Tree, *, new_ids: Mapping[str, Mapping[str, Any]] | None = None,
                safety: bool = True) -> Plan:
        """The plan from the live tenant read by :meth:`read`. ``new_ids``: ids created since :func:`prepare`
        (an apply's re-plan), added to the recorded ones; ``safety=False`` skips the rails."""
        check_ids(self.scope.ids or (), [self.desired, live, deleted])
        desired = {k: v for k, v in self.desired.items() if k in live}  # types kept out of backups: never planned
        plan = compute_plan(desired, live, deleted, self.scope, self._options(new_ids, safety))
        plan.names = display_names(plan, deleted, live, self.desired)
        return plan

    def compute_shown(self, live: Tree, deleted: Tree) -> Plan:
        """The plan to show a reviewer: as :meth:`compute`, and when the safety rails refuse it, the plan
        computed without them carrying the refusal (``plan.refused``) rather than no plan at all."""
        try:
            return self.compute(live, deleted)
        except RefusedError as exc:
            plan = self.compute(live, deleted, safety=False)
            plan.refused = [{"rail": str(rail), "message": str(message)}
                            for rail, message in getattr(exc, "problems", None) or [("safety", str(exc))]]
            return plan


def display_names(plan: Plan, *trees: Tree) -> dict[str, str]:
    """``{id: display name}`` of every object of ``trees`` a change of ``plan`` names (as itself, a link target,
    a placeholder or a value), for the renderers."""
    from entragit.plan.placeholders import tokens

    wanted: set[str] = set()
    for c in plan.changes:
        wanted.add(c.id)
        for value in (c.target, c.item):
            if isinstance(value, str):
                wanted.add(value)
        for token in tokens([c.target, c.body, [p.new for p in c.properties]]):
            wanted.add(token.partition("/")[2])
        if isinstance(c.item, str):
            wanted.update(part.partition("=")[2] for part in c.item.split(","))
    names: dict[str, str] = {}
    for tree in trees:
        for key, objects in tree.items():
            rt = resources.get(key)
            for obj_id, obj in objects.items():
                if obj_id in wanted and obj_id not in names:
                    name = rt.display_name(dict(obj))
                    if name and name != obj_id:
                        names[obj_id] = name
    return names


def prepare(settings: Any, *, scope: Scope | None = None, recreate: Iterable[str] = (), allow_delete: bool = False,
            force: str | None = None, known_ids: Mapping[str, Mapping[str, Any]] | None = None,
            state_dir: str | Path | None = None) -> Planning:
    """Check the command line against ``<repo>/tenant-state`` (or ``state_dir``) before any Graph request:
    known types not kept out of backups, the whole tree valid (:class:`ValidationError`, exit 2, naming file,
    object and property), ``--id`` not a singleton, every ``--recreate`` id in the tree. ``known_ids``
    defaults to the new ids recorded by earlier applies (:func:`recorded_new_ids`)."""
    from entragit.export import exclusions
    from entragit.state import type_excluded

    scope = scope or Scope()
    recreate = tuple(dict.fromkeys(recreate))
    for key in scope.types or ():
        resources.get(key)  # unknown type: UsageError naming the known ones
    root = Path(state_dir) if state_dir is not None else Path(settings.repo) / "tenant-state"
    exclude = {k: tuple(v) for k, v in exclusions(settings).items()}
    for key in scope.types or ():
        if type_excluded(exclude, key):
            raise UsageError(f"type {key!r} is kept out of backups by entragit.yaml (types.include / types.exclude)")
    desired = read_desired(root)  # the whole tree: plan and apply refuse the same invalid trees
    check_ids(scope.ids or (), [desired], known=False)  # a singleton's id: refused before any Graph read
    check_ids(recreate, [desired], "--recreate")
    if known_ids is None:
        known_ids = recorded_new_ids(settings.repo)
    options = PlanOptions(recreate=frozenset(recreate), allow_delete=allow_delete, known_ids=dict(known_ids),
                          max_change_share=settings.max_change_share,
                          emergency_access=tuple(settings.emergency_access), force=force)
    return Planning(scope=scope, types=types_to_read(scope), exclude=exclude, desired=desired, options=options)


async def make_plan_async(settings: Any, *, scope: Scope | None = None, recreate: Iterable[str] = (),
                          allow_delete: bool = False, force: str | None = None,
                          known_ids: Mapping[str, Mapping[str, Any]] | None = None, client: Any = None,
                          state_dir: str | Path | None = None) -> Plan:
    """``entragit plan``: :func:`prepare`, then read the live tenant (``client``, or one from
    ``entragit.graph.CLIENT_FACTORY``, the client seam apply and recover use) and compute the plan (safety
    rails included)."""
    planning = prepare(settings, scope=scope, recreate=recreate, allow_delete=allow_delete, force=force,
                       known_ids=known_ids, state_dir=state_dir)
    if client is not None:
        return await planning.plan(client)
    from entragit import graph

    async with graph.CLIENT_FACTORY(settings) as opened:
        return await planning.plan(opened)


def recorded_new_ids(repo: str | Path) -> dict[str, dict[str, Any]]:
    """The new ids earlier applies gave recreated objects, from the repository's apply notes
    (``entragit.backups.known_ids``); empty outside a git repository. ``entragit plan`` and ``entragit
    apply`` use the same ones, so the same tenant gives the same plan and checksum."""
    if not (Path(repo) / ".git").exists():
        return {}
    from entragit.backups import known_ids

    return known_ids(repo)


def make_plan(settings: Any, **kwargs: Any) -> Plan:
    """Synchronous :func:`make_plan_async`."""
    return run(make_plan_async(settings, **kwargs))
