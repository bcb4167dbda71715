"""Reading what the plan compares with: the live tenant and its soft-deleted items, and the desired tree.

:func:`load_live` reuses the exporter (``entragit.export.export_tree_async``) into a temporary tree and
reads it back with :func:`entragit.state.read_tree`: the live objects go through exactly the reads,
normalization, exclusions and YAML round trip of a backup, so they compare with ``tenant-state/``
byte for byte (apples to apples), and no Graph listing is reimplemented here.

Soft-deleted items are listed from ``rt.delete_path`` (``directory/deletedItems/microsoft.graph.<type>``)
for the types a plan can restore from (``rt.delete`` SOFT with a ``restore_path``) and normalized like
the export. The conditional access deleted items (``SOFT_PORTAL``: beta; app-only callers cannot restore
from them, graph-entra.md corrections) are read too when Graph lets the reader list them: never restored by
the plan (such objects are recreated), but a policy naming one is not writing a stale reference.

:func:`make_plan` is the one core call of ``entragit plan`` (and of the applier's re-plan): validate the
desired tree, read the live state of the scope and of the types it references, compute the plan.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from entragit import resources
from entragit.errors import EntragitError, GraphError, RefusedError, UsageError, ValidationError
from entragit.graph.runner import run
from entragit.markdown import plural
from entragit.plan.lockout import rail_types, user_types
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
                          exclude: Mapping[str, Iterable[str]] | None = None,
                          extensions: Mapping[str, Sequence[str]] | None = None,
                          earlier: Mapping[str, Sequence[str]] | None = None) -> tuple[Tree, Tree]:
    """``(live, deleted)``: ``{type key: {id: canonical object}}`` of the live tenant and of its soft-deleted
    items, for ``types`` (default: all). ``ids`` narrows the result (object ids or appIds); the reads are
    per type anyway. ``exclude``: the export exclusions (``entragit.export.exclusions(settings)``);
    ``extensions`` / ``earlier``: extension attributes read beyond Graph's discovery (entragit.yaml's, and the
    desired tree's: the live objects hold the same ones, so that they compare)."""
    from entragit.export import export_tree_async, selected_types
    from entragit.state import normalize, read_tree

    excl = {k: tuple(v) for k, v in (exclude or {}).items()}
    rts = selected_types(list(types) if types is not None else None, excl)
    with tempfile.TemporaryDirectory(prefix="entragit-live-") as tmp:
        root = Path(tmp) / "tenant-state"
        if rts:
            await export_tree_async(client, root, types=rts, exclude=excl, durable=False, extensions=extensions,
                                    earlier=earlier or {})
        live = read_tree(root, rts)
    deleted: Tree = {}
    for rt in rts:
        if rt.delete is DeleteKind.SOFT_PORTAL and rt.delete_path:
            # never restored by the plan (app-only callers cannot), but what a policy names there is
            # restorable: neither stale nor dropped (documented in beta, graph-entra.md corrections)
            try:
                deleted[rt.key] = {str(o.get(rt.key_prop)): o for o in [
                    normalize(rt, item, excl) async for item in
                    client.list(rt.delete_path, version="beta", serialize=rt.serialized or None)]}
            except GraphError:
                pass  # not readable: such references stay unjudged (a policy's write naming one stops)
            continue
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
    # the types the safety rails read beyond the scope's (emergency-access accounts named: users, groups,
    # policies), their live objects and soft-deleted items as :meth:`read` found them (never planned)
    rail_types: list[str] = field(default_factory=list)
    rail_live: Tree = field(default_factory=dict)
    rail_deleted: Tree = field(default_factory=dict)
    # Plan.settings: the base commit the rails came from and the settings the change proposes
    settings_note: dict[str, Any] = field(default_factory=dict)
    extensions: Mapping[str, Sequence[str]] = field(default_factory=dict)  # entragit.yaml extensionAttributes

    async def read(self, client: Any, *, new_ids: Mapping[str, Mapping[str, Any]] | None = None,
                   rails: bool = True) -> tuple[Tree, Tree]:
        """``(live, deleted)`` of the types the scope reads; and, when the plan gives objects new ids (a
        recreate, or an earlier apply's), of the types that can reference them, so that every reference to a
        recreated object is remapped, from outside the scope too."""
        from entragit.state import type_excluded

        live, deleted = await load_live_async(client, self.types, exclude=self.exclude, extensions=self.extensions,
                                              earlier=self.desired_extensions())
        if rails:
            await self._read_rails(client, live)
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
            more_live, more_deleted = await load_live_async(client, extra, exclude=self.exclude,
                                                            extensions=self.extensions,
                                                            earlier=self.desired_extensions())
            live.update(more_live)
            deleted.update(more_deleted)
        return live, deleted

    async def _read_rails(self, client: Any, live: Tree) -> None:
        """The live objects the rails read beyond the scope's types, type exclusions of entragit.yaml lifted
        (a rail judges the whole tenant; nothing read here is planned or stored)."""
        from entragit.state import WHOLE_TYPE

        missing = [k for k in self.rail_types if k not in live]
        props_only = {k: tuple(p for p in v if p != WHOLE_TYPE) for k, v in self.exclude.items()}
        self.rail_live, self.rail_deleted = (await load_live_async(client, missing, exclude=props_only)
                                             if missing else ({}, {}))

    def desired_extensions(self) -> dict[str, tuple[str, ...]]:
        """``{type key: extension attribute names}`` the desired objects hold."""
        found: dict[str, set[str]] = {}
        for rt in resources.all_types():
            if rt.extension_attributes:
                for obj in (self.desired.get(rt.key) or {}).values():
                    found.setdefault(rt.key, set()).update(k for k in obj if k.startswith("extension_"))
        return {k: tuple(sorted(v)) for k, v in found.items() if v}

    def _options(self, new_ids: Mapping[str, Mapping[str, Any]] | None, safety: bool) -> PlanOptions:
        if not new_ids and safety == self.options.safety:
            return self.options
        return replace(self.options, known_ids={**self.options.known_ids, **(new_ids or {})}, safety=safety)

    async def plan(self, client: Any, *, new_ids: Mapping[str, Mapping[str, Any]] | None = None,
                   safety: bool = True) -> Plan:
        """Read the live tenant and compute the plan (:meth:`compute`)."""
        live, deleted = await self.read(client, new_ids=new_ids, rails=safety)
        return self.compute(live, deleted, new_ids=new_ids, safety=safety)

    def compute(self, live: Tree, deleted: Tree, *, new_ids: Mapping[str, Mapping[str, Any]] | None = None,
                safety: bool = True) -> Plan:
        """The plan from the live tenant read by :meth:`read`. ``new_ids``: ids created since :func:`prepare`
        (an apply's re-plan), added to the recorded ones; ``safety=False`` skips the rails."""
        check_ids(self.scope.ids or (), [self.desired, live, deleted])
        desired = {k: v for k, v in self.desired.items() if k in live}  # types kept out of backups: never planned
        rail_deleted = {**self.rail_deleted, **deleted}
        try:
            plan = compute_plan(desired, live, rail_deleted if safety else deleted, self.scope,
                                self._options(new_ids, safety), rail_live=self.rail_live)
        except RefusedError as exc:
            if isinstance(exc.plan, Plan):
                self._describe(exc.plan, live, deleted)
            raise
        return self._describe(plan, live, deleted)

    def _describe(self, plan: Plan, live: Tree, deleted: Tree) -> Plan:
        """What the renderers show beside the changes: names, the settings the change proposes, a revert's source."""
        plan.names = display_names(plan, deleted, live, self.desired)
        plan.settings = dict(self.settings_note)
        if self.options.revert is not None:  # the share rail's exemption applies (entragit.plan.revert)
            plan.scope = {**plan.scope, "revertOf": self.options.revert.source}
        return plan

    def compute_shown(self, live: Tree, deleted: Tree) -> Plan:
        """The plan to show a reviewer: as :meth:`compute`; when the safety rails refuse it, the refused plan
        itself (the rails record what they refuse in ``plan.refused``; RefusedError carries the plan)."""
        try:
            return self.compute(live, deleted)
        except RefusedError as exc:
            if isinstance(exc.plan, Plan):
                return exc.plan
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
            state_dir: str | Path | None = None, revert: Any = None) -> Planning:
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
    interrupted: frozenset[str] = frozenset()
    if known_ids is None:
        known_ids, interrupted = recorded_new_ids(settings.repo), recorded_interrupted(settings.repo)
    accounts = tuple(settings.emergency_access)
    base = getattr(settings, "base", None)
    options = PlanOptions(recreate=frozenset(recreate), allow_delete=allow_delete, known_ids=dict(known_ids),
                          interrupted=interrupted,
                          max_change_share=settings.max_change_share, emergency_access=accounts,
                          emergency_known=base_accounts(settings.repo, base, accounts) if base else {},
                          revert=revert, force=force)
    note = {"base": base, "changed": list(settings.proposed)} if base and getattr(settings, "proposed", None) else {}
    return Planning(scope=scope, types=types_to_read(scope), exclude=exclude, desired=desired, options=options,
                    rail_types=rail_types() if accounts else [], settings_note=note,
                    extensions=dict(getattr(settings, "extension_attributes", {}) or {}))


def base_accounts(repo: str | Path, base: str, entries: Iterable[str]) -> dict[str, str]:
    """``{lower-case UPN: object id}`` of the users of ``base``'s own tenant-state/ whose userPrincipalName is one
    of ``entries`` (the emergency-access accounts; entragit.plan.lockout): found by ``git grep`` in the base
    commit, each match read back and compared exactly. Never the working tree's (desired) files."""
    from entragit.gitutil import git_result, oid, open_repo, read_blob
    from entragit.state import parse_yaml

    upns = [e.strip().lower() for e in entries if "@" in e]
    if not upns:
        return {}
    r = open_repo(repo)
    top = Path(r.working_tree_dir or ".").resolve()
    state = (Path(repo).resolve() / "tenant-state").relative_to(top).as_posix()
    found: dict[str, str] = {}
    for rt in user_types():
        status, out, _ = git_result(r, "grep", "-l", "-i", "-F", "-f", "-", "--end-of-options", oid(base), "--",
                                    f"{state}/{rt.key}/", stdin=("\n".join(upns) + "\n").encode())
        for line in out.splitlines() if status == 0 else ():
            path = line.partition(":")[2]
            blob = read_blob(r, base, path)
            try:
                obj = parse_yaml((blob or b"").decode("utf-8", errors="replace"), path)
            except ValidationError:
                continue
            upn = str(obj.get("userPrincipalName") or "").lower() if isinstance(obj, dict) else ""
            if upn in upns and isinstance(obj.get("id"), str):
                found[upn] = obj["id"]
    return found


async def make_plan_async(settings: Any, *, scope: Scope | None = None, recreate: Iterable[str] = (),
                          allow_delete: bool = False, force: str | None = None,
                          known_ids: Mapping[str, Mapping[str, Any]] | None = None, client: Any = None,
                          state_dir: str | Path | None = None, revert: Any = None) -> Plan:
    """``entragit plan``: :func:`prepare`, then read the live tenant (``client``, or one from
    ``entragit.graph.CLIENT_FACTORY``, the client seam apply and recover use) and compute the plan (safety
    rails included)."""
    planning = prepare(settings, scope=scope, recreate=recreate, allow_delete=allow_delete, force=force,
                       known_ids=known_ids, state_dir=state_dir, revert=revert)
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


def fetch_recorded(repo: str | Path, remote: str = "origin") -> bool:
    """Fetch the apply notes ``remote`` holds (the new ids applies recorded and pushed), when the repository
    has that remote: a fresh clone then plans as the clone that applied. False when nothing was fetched."""
    if not (Path(repo) / ".git").exists():
        return False
    from entragit.backups import fetch_notes, git_result, open_repo

    r = open_repo(repo)
    if git_result(r, "remote", "get-url", "--end-of-options", remote)[0] != 0:
        return False
    try:
        return fetch_notes(r, remote)
    except EntragitError:
        return False  # unreachable remote: the tenant still shows what earlier applies made (create keys)


def recorded_interrupted(repo: str | Path) -> frozenset[str]:
    """The tokens of :func:`recorded_new_ids` only an interrupted apply recorded (the plan lists them)."""
    if not (Path(repo) / ".git").exists():
        return frozenset()
    from entragit.backups import interrupted_ids

    return interrupted_ids(repo)


def make_plan(settings: Any, **kwargs: Any) -> Plan:
    """Synchronous :func:`make_plan_async`."""
    return run(make_plan_async(settings, **kwargs))
