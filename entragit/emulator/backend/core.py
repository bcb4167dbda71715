"""The tenant's stores and the helpers every Graph operation uses: lookups, ids, the clock, seeding, the state dump."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from random import Random
from typing import Any

from entragit.emulator import facts
from entragit.emulator.backend.common import RequestContext, TypeInfo, owning_ref, resource_name
from entragit.emulator.errors import GraphError, NotFound
from entragit.emulator.facts import REGISTRY, EntitySet, Link, LinkKind, Registry
from entragit.emulator.limits import Clock
from entragit.emulator.models import (
    Collection,
    DeletedItem,
    DeltaLog,
    LinkStore,
    iso,
    new_guid,
    new_opaque_id,
)


class TenantCore:
    """One tenant's stores and shared helpers; :class:`~entragit.emulator.backend.Tenant` adds the Graph verbs."""

    def __init__(self, clock: Clock | None = None, random_seed: int = 0, registry: Registry = REGISTRY) -> None:
        self.clock = clock or Clock()
        self.random_seed = random_seed
        self.rng = Random(random_seed)
        self.registry = registry
        self.types: dict[str, EntitySet] = {rt.key: rt for rt in registry}
        self.by_odata: dict[str, EntitySet] = {rt.odata_type.lower(): rt for rt in registry}
        self.collections = {key: Collection(rt) for key, rt in self.types.items()}
        self.info = {key: TypeInfo(rt) for key, rt in self.types.items()}
        self.links = LinkStore()
        self.shared: dict[str, dict[str, dict[str, Any]]] = {seed: {} for seed, _ in facts.SHARED_SETS.values()}
        self.nested: dict[tuple[str, str], dict[str, dict[str, dict[str, Any]]]] = {}
        self.deleted: dict[str, DeletedItem] = {}
        self.policy_deleted: dict[str, DeletedItem] = {}
        self.extensions: list[dict[str, Any]] = []
        self.deltas = {key: DeltaLog() for key, rt in self.types.items() if rt.delta}
        self.type_of: dict[str, str] = {}  # every directory object id ever seen -> type key
        self.external_app_ids: set[str] = set()  # appIds of service principals whose app lives elsewhere
        self.seq = 0
        self.tenant_id = ""
        self.force_resync: set[str] = set()
        self.allow_policy_restore = False  # app-only callers cannot restore CA policies / named locations
        self._known: dict[tuple[str, str], frozenset[str]] = {}
        self._schema: dict[str, frozenset[str]] = {}
        self.ctx = RequestContext()  # the request being served (version, Prefer); the default for Python callers

    @contextmanager
    def request_context(self, version: str = "v1.0", *, unknown_enum_members: bool = False) -> Iterator[None]:
        """Serve one request in its context (the HTTP layer wraps every dispatched call)."""
        previous = self.ctx
        self.ctx = RequestContext(version, unknown_enum_members)
        try:
            yield
        finally:
            self.ctx = previous

    # ================================================================== setup
    def reset(self) -> None:
        self.rng = Random(self.random_seed)
        for coll in self.collections.values():
            coll.clear()
        self.links.clear()
        for items in self.shared.values():
            items.clear()
        self.nested.clear()
        self.deleted.clear()
        self.policy_deleted.clear()
        self.extensions.clear()
        for log in self.deltas.values():
            log.clear()
        self.type_of.clear()
        self.external_app_ids.clear()
        self.seq = 0
        self.tenant_id = ""
        self.force_resync.clear()
        self._known.clear()

    def load_seed(self, seed: dict[str, Any]) -> None:
        """Ingest a seed dict (format: the brief's "Seeds" section) into an empty tenant.

        The tenant takes ownership of the dicts (seed functions return fresh ones); pass a copy to keep yours.
        """
        # the organization (the one singleton served as a one-item collection) has the tenant id as its id
        org = next((rt.key for rt in self.registry if rt.singleton_in_collection), "")
        self.tenant_id = str(seed.get("tenantId") or (seed.get(org) or {}).get("id") or new_guid(self.rng))
        self.extensions = list(seed.get("directoryExtensions") or [])
        pending_links: list[tuple[EntitySet, str, Link, Any]] = []
        for rt in self.registry:
            value = seed.get(rt.key)
            if value is None:
                continue
            items = [value] if isinstance(value, dict) else list(value)
            coll = self.collections[rt.key]
            info = self.info[rt.key]
            keep_type = rt.requires_odata_type or rt.polymorphic
            link_names = [ln for ln in rt.links if ln.name not in facts.SHARED_SETS
                          and not (ln.kind is LinkKind.OBJECTS and ln.inline)]
            for obj in items:
                if rt.singleton and not obj.get("id"):
                    obj["id"] = self.tenant_id if rt.singleton_in_collection else rt.key
                obj_id = obj["id"]
                for link in link_names:
                    if link.name in obj:
                        pending_links.append((rt, obj_id, link, obj.pop(link.name)))
                for secret in info.secrets:
                    obj.pop(secret, None)
                if not keep_type:
                    obj.pop("@odata.type", None)
                coll.put(obj)
                if rt.delta:
                    self.type_of[obj_id] = rt.key
        for rt, owner, link, value in pending_links:
            if link.kind is LinkKind.OBJECTS:
                store = self.nested.setdefault((rt.key, link.name), {}).setdefault(owner, {})
                for element in value or []:
                    element.setdefault("id", new_guid(self.rng))
                    store[element["id"]] = element
            elif link.kind is LinkKind.ID:
                if value:
                    self.links.set_single(rt.key, link.name, owner, str(value))
            else:
                for ref in value or []:
                    self.links.add(rt.key, link.name, owner, str(ref))
        for seed_key, _ in facts.SHARED_SETS.values():
            for element in seed.get(seed_key) or []:
                element.setdefault("id", new_opaque_id(self.rng))
                self.shared[seed_key][element["id"]] = element
        # objects that belong to an object of another type by their alternate key (a service principal's appId
        # names its application): a key no seeded object holds is another tenant's app (Microsoft's own)
        for rt in self.registry:
            owner_ref = owning_ref(rt)
            if owner_ref is None or rt.key not in self.collections:
                continue
            for obj in self.collections[rt.key].items.values():
                value = str(obj.get(owner_ref.path) or "")
                if value and self._by_alt(owner_ref.targets, value) is None:
                    self.external_app_ids.add(value.lower())
        # the initial state is one change per object, in a stable order
        for key, log in self.deltas.items():
            for obj_id in self.collections[key].sorted_ids():
                self.seq += 1
                log.touch(obj_id, self.seq)
        self._known.clear()

    @staticmethod
    def read_seed_file(path: Path) -> dict[str, Any]:
        text = path.read_text(encoding="utf-8")
        if path.suffix.lower() in (".yaml", ".yml"):
            import yaml

            data = yaml.safe_load(text)
        else:
            data = json.loads(text)
        if not isinstance(data, dict):
            raise ValueError(f"{path}: a seed file holds one JSON/YAML object")
        return data

    # ================================================================== helpers
    def rt(self, type_key: str) -> EntitySet:
        try:
            return self.types[type_key]
        except KeyError:
            raise NotFound(f"Unknown resource type '{type_key}'.") from None

    def now(self) -> datetime:
        return self.clock.now()

    def _now(self) -> str:
        return iso(self.clock.now())

    def _guid(self) -> str:
        return new_guid(self.rng)

    def _touch(self, type_key: str, obj_id: str) -> None:
        log = self.deltas.get(type_key)
        if log is not None:
            self.seq += 1
            log.touch(obj_id, self.seq)

    def _not_found(self, rt: EntitySet, obj_id: str) -> GraphError:
        if rt.directory_object:
            return NotFound.resource(obj_id)
        return NotFound(f"{resource_name(rt)} with id {obj_id} does not exist in the directory.",
                        code="ResourceNotFound")

    def require(self, type_key: str, obj_id: str) -> dict[str, Any]:
        """The live object, by id (or alternate key value), else Graph's 404."""
        rt = self.rt(type_key)
        coll = self.collections[type_key]
        obj = coll.get(obj_id)
        if obj is None and rt.singleton and not rt.singleton_in_collection:
            obj = next(iter(coll.items.values()), None)
        if obj is None:
            raise self._not_found(rt, obj_id)
        return obj

    def resolve_alt(self, type_key: str, key: str, value: str) -> str:
        """The id of the object whose alternate key ``key`` is ``value`` (``applications(appId='...')``)."""
        rt = self.rt(type_key)
        coll = self.collections[type_key]
        if rt.alt_key and key.lower() == rt.alt_key.lower():
            obj = coll.by_alt(value)
        else:
            obj = next((o for o in coll.items.values() if str(o.get(key, "")).lower() == value.lower()), None)
        if obj is None:
            raise NotFound.resource(f"{key}='{value}'")
        return str(obj["id"])

    def resolve_id(self, type_key: str, ident: str) -> str:
        """An id from a path segment: the id itself or, for users, a userPrincipalName."""
        coll = self.collections[type_key]
        if ident in coll:
            return ident
        if "@" in ident and "userPrincipalName" in self._known_props(self.rt(type_key)):
            low = ident.lower()
            for obj in coll.items.values():
                if str(obj.get("userPrincipalName", "")).lower() == low:
                    return str(obj["id"])
        return ident

    def directory_object(self, obj_id: str) -> tuple[EntitySet, dict[str, Any]] | None:
        key = self.type_of.get(obj_id)
        if key is None:
            return None
        obj = self.collections[key].get(obj_id)
        return (self.types[key], obj) if obj is not None else None

    def _by_alt(self, keys: Iterable[str], value: str) -> dict[str, Any] | None:
        """The live object of one of the types ``keys`` whose alternate key (appId) is ``value``."""
        for key in keys:
            coll = self.collections.get(key)
            found = coll.by_alt(value) if coll is not None else None
            if found is not None:
                return found
        return None

    def organization(self) -> dict[str, Any] | None:
        """The organization: the one singleton Graph serves as a one-item collection."""
        key = next((rt.key for rt in self.registry if rt.singleton_in_collection), None)
        coll = self.collections.get(key) if key is not None else None
        return next(iter(coll.items.values()), None) if coll else None

    def verified_domains(self) -> list[str]:
        org = self.organization() or {}
        return [str(d.get("name", "")).lower() for d in org.get("verifiedDomains") or [] if d.get("name")]

    def default_domain(self) -> str:
        org = self.organization() or {}
        domains = org.get("verifiedDomains") or []
        for d in domains:
            if d.get("isDefault"):
                return str(d.get("name"))
        return str(domains[0].get("name")) if domains else "contoso.onmicrosoft.com"


    # ================================================================== state dump (control plane)
    def state(self) -> dict[str, Any]:
        """Everything the tenant holds, in the seed format plus deleted items and counters."""
        out: dict[str, Any] = {"tenantId": self.tenant_id}
        for rt in self.registry:
            objs = []
            for obj in self.collections[rt.key].items.values():
                item = copy.deepcopy(obj)
                for link in rt.links:
                    if link.kind is LinkKind.IDS:
                        item[link.name] = list(self.links.refs(rt.key, link.name, obj["id"]))
                    elif link.kind is LinkKind.ID:
                        item[link.name] = next(iter(self.links.refs(rt.key, link.name, obj["id"])), None)
                    elif link.name not in facts.SHARED_SETS and not link.inline:
                        item[link.name] = list(self.nested.get((rt.key, link.name), {}).get(obj["id"], {}).values())
                objs.append(item)
            out[rt.key] = objs[0] if rt.singleton and len(objs) == 1 else objs
        for seed_key, store in self.shared.items():
            out[seed_key] = [copy.deepcopy(e) for e in store.values()]
        out["directoryExtensions"] = copy.deepcopy(self.extensions)
        out["deletedItems"] = [{"type": i.type_key, "deletedAt": iso(i.deleted_at), "object": copy.deepcopy(i.obj)}
                               for i in self.deleted.values()]
        out["policyDeletedItems"] = [{"type": i.type_key, "deletedAt": iso(i.deleted_at),
                                      "object": copy.deepcopy(i.obj)} for i in self.policy_deleted.values()]
        return out

    def counts(self) -> dict[str, int]:
        return {key: len(coll) for key, coll in self.collections.items()}

