"""The tenant backend: Graph's verbs as Python methods, no HTTP (moto's backend in ``models.py``).

``Tenant`` holds one tenant's objects and implements what Graph does with them: listing and paging,
``$select``/``$filter``, creates with server-generated properties, PATCH validation (unknown, read-only and
on-premises-mastered properties), links (members, owners, manager, assignments, grants, credentials),
soft delete and restore, delta rounds from a change log, and Conditional Access reference validation.

Per-type facts come from the declarations in ``entragit.resources`` (collections, page sizes, properties
and their channels, links, delete kinds, group kinds, create defaults, references); Graph's server-side
behaviour that no declaration needs lives in ``facts.py`` and in the few ``_on_create_*`` methods below.
Errors are raised as :mod:`entragit.emulator.errors` classes and rendered by the HTTP layer.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from random import Random
from typing import Any

from entragit.emulator import facts
from entragit.emulator.errors import (
    BadRequest,
    Conflict,
    Forbidden,
    GraphError,
    InvalidProperty,
    MethodNotAllowed,
    NotFound,
    OnPremisesMastered,
    ReadOnlyProperty,
    ResyncRequired,
    SyncStateNotFound,
    UnsupportedQuery,
)
from entragit.emulator.limits import Clock
from entragit.emulator.models import (
    Collection,
    DeletedItem,
    DeltaLog,
    LinkStore,
    dumps,
    iso,
    new_guid,
    new_opaque_id,
)
from entragit.emulator.query import (
    ADVANCED_OPERATORS,
    Expand,
    Filter,
    decode_token,
    encode_token,
)
from entragit.resources import REGISTRY, Channel, DeleteKind, Link, LinkKind, Ref, ResourceType, iter_path
from entragit.resources.base import Registry

_EXTENSION = re.compile(r"^extension_[0-9a-fA-F]{32}_\w+$")
_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_ID_IN_URL = re.compile(r"/([^/()]+)/?$")
ZERO_ID = "00000000-0000-0000-0000-000000000000"
DEFAULT_ROOT = "https://graph.microsoft.com/v1.0"


@dataclass
class ListQuery:
    """The OData options of one list request, already parsed."""

    filter: Filter | None = None
    select: tuple[str, ...] | None = None
    expand: list[Expand] = field(default_factory=list)
    top: int | None = None
    skiptoken: str | None = None
    skip: int | None = None
    count: bool = False
    orderby: list[tuple[str, bool]] = field(default_factory=list)
    search: str | None = None
    eventual: bool = False  # ConsistencyLevel: eventual


@dataclass
class Page:
    """One page of a listing: items (dicts or pre-serialized JSON), the next skiptoken, ``@odata.count``."""

    items: list[Any]
    next_token: str | None = None
    count: int | None = None
    raw: bool = False  # items are JSON bytes


@dataclass
class DeltaPage:
    items: list[dict[str, Any]]
    next_token: str | None = None  # $skiptoken of @odata.nextLink
    delta_token: str | None = None  # $deltatoken of @odata.deltaLink


def _type_name(rt: ResourceType) -> str:
    return rt.odata_type.rsplit(".", 1)[-1]


# the shared sets (facts.SHARED_SETS) by their link names
_ASSIGNMENTS = "appRoleAssignedTo"
_GRANTS = "oauth2PermissionGrants"


def _owning_ref(rt: ResourceType) -> Ref | None:
    """The declared reference by which an object of ``rt`` belongs to an object of another type through its
    own alternate key (a service principal's ``appId`` names its application), or None."""
    if not rt.alt_key:
        return None
    return next((r for r in rt.refs if r.path == rt.alt_key and r.by == rt.alt_key and not r.embedded), None)


def _resource_name(rt: ResourceType) -> str:
    name = _type_name(rt)
    return name[:1].upper() + name[1:]


def ref_id(value: Any) -> str:
    """The object id at the end of an ``@odata.id`` / ``@odata.bind`` URL (or a bare id)."""
    if not isinstance(value, str) or not value:
        raise BadRequest("Invalid object identifier in reference: expected a URL or an id string.")
    text = value.split("?", 1)[0].rstrip("/")
    m = _ID_IN_URL.search(text)
    return m.group(1) if m else text


class TypeInfo:
    """Derived facts of one declaration, computed once (the declaration's properties rebuild them per call)."""

    def __init__(self, rt: ResourceType) -> None:
        self.props = rt.prop_map
        self.secrets = rt.secrets
        self.link_names = rt.link_names
        self.on_premises = rt.on_premises_props
        self.hidden = frozenset(p.name for p in rt.props if not p.select) | self.secrets
        self.default = facts.DEFAULT_PROPERTIES.get(rt.odata_type)
        self.id_links = tuple(ln for ln in rt.links if ln.kind in (LinkKind.IDS, LinkKind.ID))
        self.projections: dict[tuple[str, ...], tuple[str, ...]] = {}


class Tenant:
    """One emulated tenant. Every public method is a Graph operation (or a control-plane helper)."""

    def __init__(self, clock: Clock | None = None, random_seed: int = 0, registry: Registry = REGISTRY) -> None:
        self.clock = clock or Clock()
        self.random_seed = random_seed
        self.rng = Random(random_seed)
        self.registry = registry
        self.types: dict[str, ResourceType] = {rt.key: rt for rt in registry}
        self.by_odata: dict[str, ResourceType] = {rt.odata_type.lower(): rt for rt in registry}
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
        self._known: dict[str, frozenset[str]] = {}

    # ================================================================== setup
    def reset(self) -> None:
        self.rng = Random(self.random_seed)
        for coll in self.collections.values():
            coll.clear()
            coll.seen_props.clear()
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
        pending_links: list[tuple[ResourceType, str, Link, Any]] = []
        for rt in self.registry:
            value = seed.get(rt.key)
            if value is None:
                continue
            items = [value] if isinstance(value, dict) else list(value)
            coll = self.collections[rt.key]
            info = self.info[rt.key]
            seen = coll.seen_props
            keep_type = rt.requires_odata_type or bool(rt.subtypes)
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
                seen.update(obj)
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
            owner_ref = _owning_ref(rt)
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
        for coll in self.collections.values():
            coll.seen_props = {k for k in coll.seen_props if "@" not in k}
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
    def rt(self, type_key: str) -> ResourceType:
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

    def _not_found(self, rt: ResourceType, obj_id: str) -> GraphError:
        if rt.directory_object:
            return NotFound.resource(obj_id)
        return NotFound(f"{_resource_name(rt)} with id {obj_id} does not exist in the directory.",
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

    def directory_object(self, obj_id: str) -> tuple[ResourceType, dict[str, Any]] | None:
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

    # ------------------------------------------------------------------ schema
    def _known_props(self, rt: ResourceType) -> frozenset[str]:
        known = self._known.get(rt.key)
        if known is None:
            names = {p.name for p in rt.props} | set(rt.create_defaults_map) | self.collections[rt.key].seen_props
            for _, own in rt.subtypes:
                names.update(own)
            known = self._known[rt.key] = frozenset(names)
        return known

    def _extension_ok(self, rt: ResourceType, name: str) -> bool:
        target = facts.EXTENSION_TARGETS.get(rt.odata_type)
        if not rt.extension_attributes or target is None:
            return False
        for ext in self.extensions:
            if str(ext.get("name", "")).lower() == name.lower() and target in (ext.get("targetObjects") or []):
                return True
        return False

    def check_select(self, rt: ResourceType, select: Iterable[str], *, collection: bool,
                     allow_links: bool = False) -> None:
        known = self._known_props(rt)
        props = self.info[rt.key].props
        for name in select:
            if name in known or name == "id" or name == "*":
                prop = props.get(name)
                if collection and prop is not None and not prop.select and prop.channel is Channel.PATCH_ALONE:
                    raise GraphError("This operation target is not yet supported.", code="NotImplemented",
                                     status=501)
                continue
            if allow_links and name in self.info[rt.key].link_names:
                continue
            if _EXTENSION.match(name) and rt.extension_attributes:
                continue
            raise BadRequest(f"Could not find a property named '{name}' on type '{rt.odata_type.lstrip('#')}'.")

    # ------------------------------------------------------------------ representation
    def view(self, rt: ResourceType, obj: dict[str, Any], select: tuple[str, ...] | None = None,
             root: str = DEFAULT_ROOT) -> dict[str, Any]:
        """The object as Graph returns it: the default property set, or the ``$select`` projection."""
        info = self.info[rt.key]
        if select is not None and "*" not in select:
            keys = info.projections.get(select)
            if keys is None:
                keys = info.projections[select] = tuple(
                    n for n in select if n != "id" and n not in info.link_names and n not in info.secrets)
            get = obj.get
            out: dict[str, Any] = {"@odata.type": obj["@odata.type"]} if "@odata.type" in obj else {}
            out["id"] = get("id")
            out.update({n: get(n) for n in keys})
            for n in select:
                if n in info.secrets:
                    out[n] = None
        else:
            default = info.default
            hidden = info.hidden
            if default is not None and select is None:
                out = {name: obj.get(name) for name in default}
            else:
                out = {k: v for k, v in obj.items() if k not in hidden and not k.startswith("extension_")}
        if rt.expanded:
            out = self._expand_refs(rt, out, root)
        return out

    def _expand_refs(self, rt: ResourceType, out: dict[str, Any], root: str) -> dict[str, Any]:
        """Expand related objects Graph expands on GET (CA grantControls.authenticationStrength)."""
        out = copy.deepcopy(out)
        for path in rt.expanded:
            ref = next((r for r in rt.refs if r.path == f"{path}.id"), None)
            if ref is None:
                continue
            target_rt = self.types[ref.targets[0]]
            for container, key in list(iter_path(out, path)):
                value = container.get(key) if isinstance(container, dict) else None
                if not isinstance(value, dict):
                    continue
                target = self.collections[target_rt.key].get(str(value.get("id")))
                expanded = None
                if target is not None:
                    expanded = {k: v for k, v in target.items() if k not in self.info[target_rt.key].link_names}
                segments = path.replace(".", "/")
                container[f"{key}@odata.context"] = (
                    f"{root}/$metadata#{rt.collection}('{out.get('id')}')/{segments}/$entity")
                container[key] = expanded
        return out

    def typed(self, rt: ResourceType, obj: dict[str, Any]) -> dict[str, Any]:
        """A directory object with its ``@odata.type`` first (polymorphic listings)."""
        return {"@odata.type": obj.get("@odata.type", rt.odata_type), **{k: v for k, v in obj.items()
                                                                      if k != "@odata.type"}}

    # ================================================================== reads
    def _is_directory(self, rt: ResourceType) -> bool:
        return rt.delta

    def _check_query(self, rt: ResourceType, q: ListQuery, *, page_max: int, collection: bool = True) -> int:
        if q.top is not None and not 1 <= q.top <= page_max:
            raise BadRequest(f"Invalid page size specified: '{q.top}'. Must be between 1 and {page_max} inclusive.")
        if q.select:
            self.check_select(rt, q.select, collection=collection)
        if self._is_directory(rt):
            if q.search is not None and not q.eventual:
                raise UnsupportedQuery("Request with $search query parameter only works through MSGraph with a "
                                       "special request header: 'ConsistencyLevel: eventual'")
            advanced = (q.filter.advanced & ADVANCED_OPERATORS) if q.filter else set()
            if advanced and not (q.eventual and q.count):
                op = sorted(advanced)[0]
                op = {"endswith": "endsWith"}.get(op, op)
                raise UnsupportedQuery(
                    f"Operator '{op}' is not supported because the required parameters might be missing. Try "
                    "adding $count=true query parameter and ConsistencyLevel:eventual header. Refer to "
                    "https://aka.ms/graph-docs/advanced-queries for more information")
        if q.filter:
            known = self._known_props(rt) | {"id", "$it"}
            for name in q.filter.props:
                if name not in known and not (_EXTENSION.match(name) and rt.extension_attributes):
                    raise BadRequest(f"Could not find a property named '{name}' on type "
                                     f"'{rt.odata_type.lstrip('#')}'.")
        top = q.top or rt.page_default
        if q.expand:
            top = min(top, facts.EXPAND_PAGE_MAX)
        return top

    def _count_visible(self, rt: ResourceType, q: ListQuery) -> bool:
        # $count=true on directory objects needs ConsistencyLevel: eventual; without it Graph silently ignores
        # it: https://learn.microsoft.com/en-us/graph/aad-advanced-queries (error handling section)
        return q.count and (q.eventual or not self._is_directory(rt))

    def _candidates(self, coll: Collection, q: ListQuery, cursor: str | None) -> Iterator[dict[str, Any]]:
        flt = q.filter
        if flt is not None and flt.ids is not None:
            for obj_id in sorted(set(flt.ids)):
                if cursor is not None and obj_id <= cursor:
                    continue
                obj = coll.get(obj_id)
                if obj is not None:
                    yield obj
            return
        if flt is not None and coll.rt.alt_key and list(flt.eq) == [coll.rt.alt_key]:
            obj = coll.by_alt(str(flt.eq[coll.rt.alt_key]))
            if obj is not None and (cursor is None or obj["id"] > cursor):
                yield obj
            return
        pred = flt.predicate if flt is not None else None
        items = coll.items
        for obj_id in coll.ids_after(cursor):
            obj = items[obj_id]
            if pred is None or pred(obj):
                yield obj

    def list(self, type_key: str, q: ListQuery | None = None, *, raw: bool = False,
             root: str = DEFAULT_ROOT) -> Page:
        """One page of a collection (``GET /{collection}``)."""
        rt = self.rt(type_key)
        q = q or ListQuery()
        if rt.singleton and not rt.singleton_in_collection:
            raise MethodNotAllowed()
        coll = self.collections[type_key]
        top = self._check_query(rt, q, page_max=rt.page_max)
        select = q.select
        objs: list[dict[str, Any]]
        next_token: str | None = None
        if q.orderby or q.skip is not None:
            everything = list(self._candidates(coll, q, None))
            for name, desc in reversed(q.orderby):
                everything.sort(key=lambda o, n=name: (o.get(n) is None, str(o.get(n) or "").lower()), reverse=desc)
            offset = int(decode_token(q.skiptoken).get("o", 0)) if q.skiptoken else (q.skip or 0)
            objs = everything[offset:offset + top]
            if offset + top < len(everything):
                next_token = encode_token({"o": offset + top})
        elif q.filter is None:
            cursor = str(decode_token(q.skiptoken).get("c")) if q.skiptoken else None
            ids, more = coll.page_ids(cursor, top)
            items_by_id = coll.items
            objs = [items_by_id[i] for i in ids]
            if more and ids:
                next_token = encode_token({"c": ids[-1]})
        else:
            cursor = str(decode_token(q.skiptoken).get("c")) if q.skiptoken else None
            objs = []
            it = self._candidates(coll, q, cursor)
            for obj in it:
                objs.append(obj)
                if len(objs) >= top:
                    break
            if len(objs) >= top and next(it, None) is not None:
                next_token = encode_token({"c": objs[-1]["id"]})
        count = None
        if self._count_visible(rt, q) and not q.skiptoken:
            count = len(coll) if q.filter is None else sum(1 for _ in self._candidates(coll, q, None))
        expand = q.expand
        if raw and not expand and not rt.expanded:
            if select is None:
                cache = coll._json
                items: list[Any] = [cache.get(o["id"]) or self._cached_json(coll, rt, o) for o in objs]
            else:
                cache = coll.select_cache(select)
                items = []
                for o in objs:
                    data = cache.get(o["id"])
                    if data is None:
                        data = cache[o["id"]] = dumps(self.view(rt, o, select, root))
                    items.append(data)
            return Page(items, next_token, count, raw=True)
        views = [self.view(rt, obj, select, root) for obj in objs]
        if expand:
            for v, obj in zip(views, objs, strict=True):
                self._apply_expand(rt, obj, v, expand, cap=facts.EXPAND_LIMIT)
        if raw:
            return Page([dumps(v) for v in views], next_token, count, raw=True)
        return Page(copy.deepcopy(views), next_token, count)

    def _cached_json(self, coll: Collection, rt: ResourceType, obj: dict[str, Any]) -> bytes:
        data = coll._json.get(obj["id"])
        if data is None:
            data = coll._json[obj["id"]] = dumps(self.view(rt, obj))
        return data

    def list_all(self, type_key: str, q: ListQuery | None = None) -> list[dict[str, Any]]:
        """Every item of a collection (all pages), for Python callers."""
        q = q or ListQuery()
        out: list[dict[str, Any]] = []
        while True:
            page = self.list(type_key, q)
            out.extend(page.items)
            if not page.next_token:
                return out
            q = ListQuery(**{**q.__dict__, "skiptoken": page.next_token})

    def get(self, type_key: str, obj_id: str, *, select: tuple[str, ...] | None = None,
            expand: list[Expand] | None = None, root: str = DEFAULT_ROOT) -> dict[str, Any]:
        """``GET /{collection}/{id}`` (or the singleton): a copy the caller may change freely."""
        return copy.deepcopy(self._get(type_key, obj_id, select=select, expand=expand, root=root))

    def _get(self, type_key: str, obj_id: str, *, select: tuple[str, ...] | None = None,
             expand: list[Expand] | None = None, root: str = DEFAULT_ROOT) -> dict[str, Any]:
        rt = self.rt(type_key)
        obj = self.require(type_key, obj_id)
        if select:
            self.check_select(rt, select, collection=False)
        out = self.view(rt, obj, select, root)
        if expand:
            self._apply_expand(rt, obj, out, expand, cap=facts.EXPAND_LIMIT)
        for link in rt.links:
            if link.kind is LinkKind.OBJECTS and link.inline and (select is None or link.name in select):
                out[link.name] = [copy.deepcopy(e) for e in obj.get(link.name) or []]
        return out

    def get_json(self, type_key: str, obj_id: str) -> bytes | None:
        """The default representation of an object as cached JSON bytes (None when it cannot be cached:
        types with expanded references or inline sub-resources)."""
        rt = self.rt(type_key)
        if rt.expanded or any(ln.inline for ln in rt.links):
            return None
        coll = self.collections[type_key]
        obj = self.require(type_key, obj_id)
        return coll._json.get(obj["id"]) or self._cached_json(coll, rt, obj)

    def _apply_expand(self, rt: ResourceType, obj: dict[str, Any], out: dict[str, Any], expand: list[Expand],
                      cap: int) -> None:
        for ex in expand:
            if ex.name and ex.name == rt.extension_definitions:
                out[ex.name] = self._project(self.extension_properties(obj["id"]), ex.select)[:cap]
                continue
            link = rt.link(ex.name)
            if link is not None and link.kind is LinkKind.OBJECTS and link.expand and not link.inline:
                # relationships to entities that Graph documents as "Supports $expand" (the declaration's
                # Link.expand): federatedIdentityCredentials, appRoleAssignedTo
                if link.name in facts.SHARED_SETS:
                    store, owner_field = self._shared(link.name)
                    elements = [copy.deepcopy(e) for e in sorted(store.values(), key=lambda e: e["id"])
                                if e.get(owner_field) == obj["id"]]
                else:
                    elements = self.list_objects(rt.key, obj["id"], link.name)
                out[link.name] = self._project(elements, ex.select)[:cap]
                continue
            if link is None or link.kind is LinkKind.OBJECTS:
                raise BadRequest(f"Could not find a property named '{ex.name}' on type "
                                 f"'{rt.odata_type.lstrip('#')}'.")
            refs = list(self.links.refs(rt.key, link.name, obj["id"]))
            items = []
            for ref in refs:
                found = self.directory_object(ref)
                if found is not None:
                    trt, tobj = found
                    items.append(self.typed(trt, self.view(trt, tobj, ex.select)))
            if link.kind is LinkKind.ID:
                if items:
                    out[link.name] = items[0]
            else:
                out[link.name] = items[:cap]

    # ------------------------------------------------------------------ links (ids)
    def list_link(self, type_key: str, obj_id: str, link_name: str, q: ListQuery | None = None, *,
                  version: str = "v1.0", raw: bool = False) -> Page:
        """``GET /{collection}/{id}/{link}`` (members, owners): the linked directory objects."""
        rt = self.rt(type_key)
        link = self._link(rt, link_name)
        self.require(type_key, obj_id)
        q = q or ListQuery()
        if q.top is not None and not 1 <= q.top <= rt.page_max:
            raise BadRequest(f"Invalid page size specified: '{q.top}'. Must be between 1 and {rt.page_max} "
                             "inclusive.")
        if (q.filter or q.search or q.orderby) and not (q.eventual and (q.count or q.search)):
            # "query parameters other than $expand require advanced queries" on member listings:
            # https://learn.microsoft.com/en-us/graph/api/group-list-members?view=graph-rest-1.0
            raise UnsupportedQuery("Request with $filter/$search/$orderby on a directory-object relationship needs "
                                   "the advanced query parameters: add $count=true and the ConsistencyLevel: "
                                   "eventual header. Refer to https://aka.ms/graph-docs/advanced-queries")
        hidden = link.v1_hidden_targets if version == "v1.0" else frozenset()
        objs: list[tuple[ResourceType, dict[str, Any]]] = []
        for ref in self.links.refs(type_key, link_name, obj_id):
            found = self.directory_object(ref)
            if found is None or found[0].key in hidden:
                continue
            if q.filter is not None and not q.filter.predicate(found[1]):
                continue
            objs.append(found)
        top = q.top or rt.page_default
        offset = int(decode_token(q.skiptoken).get("o", 0)) if q.skiptoken else 0
        chunk = objs[offset:offset + top]
        next_token = encode_token({"o": offset + top}) if offset + top < len(objs) else None
        count = len(objs) if (q.count and q.eventual and not q.skiptoken) else None
        views = []
        for trt, tobj in chunk:
            if q.select:
                self.check_select(trt, q.select, collection=True)
            views.append(self.typed(trt, self.view(trt, tobj, q.select)))
        if raw:
            return Page([dumps(v) for v in views], next_token, count, raw=True)
        return Page(copy.deepcopy(views), next_token, count)

    def get_link_single(self, type_key: str, obj_id: str, link_name: str,
                        select: tuple[str, ...] | None = None) -> dict[str, Any]:
        """``GET /users/{id}/manager``: the linked object, or 404 when there is none."""
        rt = self.rt(type_key)
        self._link(rt, link_name)
        self.require(type_key, obj_id)
        refs = self.links.refs(type_key, link_name, obj_id)
        for ref in refs:
            found = self.directory_object(ref)
            if found is not None:
                return self.typed(found[0], self.view(found[0], found[1], select))
        raise NotFound.resource(link_name)

    def _link(self, rt: ResourceType, name: str) -> Link:
        link = rt.link(name)
        if link is None:
            raise BadRequest(f"Could not find a property named '{name}' on type '{rt.odata_type.lstrip('#')}'.")
        return link

    def _check_link_write(self, rt: ResourceType, obj: dict[str, Any], link: Link) -> None:
        if getattr(link, "on_premises", False) and rt.is_synced(obj):
            raise OnPremisesMastered([link.name])
        reason = rt.link_refused(obj, link)
        if reason:
            if rt.update_refused(obj):
                # mail-enabled security and distribution groups: managed in Exchange (403)
                raise Forbidden(f"Insufficient privileges to complete the operation: {reason}.")
            raise BadRequest(f"Unable to update the specified properties: {reason}.")

    def add_link(self, type_key: str, obj_id: str, link_name: str, ref: str) -> None:
        """``POST .../{link}/$ref`` (members, owners) and ``PUT .../manager/$ref``: 204."""
        rt = self.rt(type_key)
        link = self._link(rt, link_name)
        obj = self.require(type_key, obj_id)
        self._check_link_write(rt, obj, link)
        target = self.directory_object(ref)
        if target is None:
            raise NotFound.resource(ref)
        allowed = rt.link_targets(obj, link)
        if target[0].key not in allowed:
            if link.name == "members" and allowed != link.targets:  # narrowed by the group kind
                raise BadRequest("Only users can be members of a Microsoft 365 group.")
            raise BadRequest(f"An object of type '{target[0].odata_type.lstrip('#')}' cannot be added to "
                             f"'{link.name}' of a {rt.title}.")
        if link.kind is LinkKind.ID:
            if ref == obj_id:
                raise BadRequest(f"A {rt.title} cannot be its own {link.name}.")
            previous = next(iter(self.links.refs(type_key, link_name, obj_id)), None)
            if previous == ref:
                return
            self.links.set_single(type_key, link_name, obj_id, ref)
            if previous:
                self._link_event(type_key, link_name, obj_id, previous, added=False)
            self._link_event(type_key, link_name, obj_id, ref, added=True)
            return
        if not self.links.add(type_key, link_name, obj_id, ref):
            raise BadRequest("One or more added object references already exist for the following modified "
                             f"properties: '{link_name}'.")
        self._link_event(type_key, link_name, obj_id, ref, added=True)

    def remove_link(self, type_key: str, obj_id: str, link_name: str, ref: str | None = None) -> None:
        """``DELETE .../{link}/{ref}/$ref`` and ``DELETE .../manager/$ref``: 204."""
        rt = self.rt(type_key)
        link = self._link(rt, link_name)
        obj = self.require(type_key, obj_id)
        self._check_link_write(rt, obj, link)
        if link.kind is LinkKind.ID:
            current = next(iter(self.links.refs(type_key, link_name, obj_id)), None)
            if current is None:
                raise NotFound.resource(link_name)
            ref = current
        if ref is None or not self.links.remove(type_key, link_name, obj_id, ref):
            raise NotFound.resource(str(ref))
        self._link_event(type_key, link_name, obj_id, ref, added=False)

    def _link_event(self, type_key: str, link_name: str, owner: str, ref: str, added: bool) -> None:
        log = self.deltas.get(type_key)
        if log is not None:
            self.seq += 1
            log.member_event(link_name, owner, ref, added, self.seq)
            log.touch(owner, self.seq)

    def _bind(self, rt: ResourceType, obj: dict[str, Any], binds: dict[str, Any]) -> None:
        for name, value in binds.items():
            link = self._link(rt, name)
            refs = [value] if link.kind is LinkKind.ID else value
            if not isinstance(refs, list):
                raise BadRequest(f"'{name}@odata.bind' must be an array of URLs.")
            for url in refs:
                self.add_link(rt.key, obj["id"], name, ref_id(url))

    def _check_binds(self, rt: ResourceType, obj: dict[str, Any] | None, binds: dict[str, Any],
                     body: dict[str, Any] | None = None) -> None:
        """Validate every ``@odata.bind`` before anything is written (a create or update is all or nothing)."""
        total = 0
        subject = obj if obj is not None else (body or {})
        for name, value in binds.items():
            link = rt.link(name)
            if link is None or link.kind is LinkKind.OBJECTS:
                raise InvalidProperty(f"{name}@odata.bind")
            refs = [value] if link.kind is LinkKind.ID else value
            if not isinstance(refs, list):
                raise BadRequest(f"'{name}@odata.bind' must be an array of URLs.")
            total += len(refs)
            self._check_link_write(rt, subject, link)
            allowed = rt.link_targets(subject, link)
            for url in refs:
                ident = ref_id(url)
                found = self.directory_object(ident)
                if found is None:
                    raise NotFound.resource(ident)
                if found[0].key not in allowed:
                    raise BadRequest(f"An object of type '{found[0].odata_type.lstrip('#')}' cannot be added to "
                                     f"'{link.name}' of this {rt.title}.")
                if obj is not None and link.kind is LinkKind.IDS and self.links.has(rt.key, name, obj["id"], ident):
                    raise BadRequest("One or more added object references already exist for the following "
                                     f"modified properties: '{name}'.")
        if total > facts.MAX_BIND:
            raise BadRequest(f"The request has {total} relationships to add; at most {facts.MAX_BIND} "
                             "are allowed in one request.")

    # ================================================================== writes
    def _check_body(self, rt: ResourceType, body: Any, current: dict[str, Any] | None) -> dict[str, Any]:
        """Validate a POST (current None) or PATCH body the way Graph does; returns the ``@odata.bind``s."""
        if not isinstance(body, dict):
            raise BadRequest("Empty Payload, JSON content expected." if body is None else
                             "Invalid request body: a JSON object is expected.")
        known = self._known_props(rt)
        binds: dict[str, Any] = {}
        subtype = self._subtype(rt, body, current)
        foreign = {n for t, own in rt.subtypes if t.lower() != (subtype or "").lower() for n in own}
        for key, value in body.items():
            if key == "@odata.type":
                continue
            if key.endswith("@odata.bind"):
                binds[key[: -len("@odata.bind")]] = value
                continue
            if "@" in key:
                continue  # instance annotations (…@odata.context) are ignored on write
            link = rt.link(key)
            if link is not None:
                if link.kind is LinkKind.OBJECTS and link.inline and current is None:
                    continue
                raise BadRequest(f"Navigation property '{key}' cannot be written inline; use the "
                                 f"'{key}' relationship.")
            prop = self.info[rt.key].props.get(key)
            if key in foreign:
                raise InvalidProperty(key)
            if prop is None:
                if key in known:
                    continue
                if _EXTENSION.match(key) and rt.extension_attributes:
                    if not self._extension_ok(rt, key):
                        raise BadRequest(f"The following extension properties are not available: {key}.")
                    continue
                raise InvalidProperty(key)
            if prop.channel is Channel.READ_ONLY and not prop.secret:
                raise ReadOnlyProperty(key)
            if current is not None:
                if prop.channel is Channel.CREATE_ONLY and value != current.get(key):
                    raise ReadOnlyProperty(key)
                if prop.channel is Channel.ACTION:
                    raise BadRequest(f"Property '{key}' cannot be updated with PATCH; use the "
                                     f"'{prop.action}' action.")
        props = [k for k in body if "@" not in k]
        alone = [k for k in props if (p := self.info[rt.key].props.get(k)) is not None and p.channel is Channel.PATCH_ALONE]
        if alone and len(props) > 1:
            raise BadRequest(f"Property '{alone[0]}' must be updated in a request of its own.")
        if current is None:
            for prop in rt.props:
                if prop.required_on_create and body.get(prop.name) in (None, ""):
                    raise BadRequest(f"Invalid value specified for property '{prop.name}' of resource "
                                     f"'{_resource_name(rt)}'.")
        if rt.requires_odata_type or rt.keep_odata_type:
            self._check_odata_types(rt, body, current)
        return binds

    def _subtype(self, rt: ResourceType, body: dict[str, Any], current: dict[str, Any] | None) -> str | None:
        if not rt.requires_odata_type and not rt.subtypes:
            return None
        given = body.get("@odata.type")
        if given is None:
            if rt.requires_odata_type:
                raise BadRequest(f"The '@odata.type' property is required in a request to write a "
                                 f"{rt.title}: name its derived type.")
            return None
        given = "#" + str(given).lstrip("#")
        names = [t for t, _ in rt.subtypes] or [rt.odata_type]
        match = next((t for t in names if t.lower() == given.lower()), None)
        if match is None:
            raise BadRequest(f"A type named '{given.lstrip('#')}' could not be resolved by the model for a "
                             f"{rt.title}.")
        if current is not None and str(current.get("@odata.type", match)).lower() != match.lower():
            raise BadRequest(f"The '@odata.type' of a {rt.title} cannot change ({current.get('@odata.type')}).")
        return match

    def _check_odata_types(self, rt: ResourceType, body: dict[str, Any], current: dict[str, Any] | None) -> None:
        for path in sorted(rt.keep_odata_type):
            for container, key in iter_path(body, path):
                element = container[key]
                if isinstance(element, dict) and "@odata.type" not in element:
                    raise BadRequest(f"The '@odata.type' property is required on each element of "
                                     f"'{path.split('[')[0]}'.")

    def create(self, type_key: str, body: Any, *, version: str = "v1.0") -> dict[str, Any]:
        """``POST /{collection}``: 201 with the created object."""
        rt = self.rt(type_key)
        if rt.singleton:
            raise MethodNotAllowed()
        binds = self._check_body(rt, body, None)
        self._check_binds(rt, None, binds, body)
        subtype = self._subtype(rt, body, None)
        obj: dict[str, Any] = {}
        if subtype:
            obj["@odata.type"] = subtype
        obj["id"] = self._guid()
        own_props = {p for t, ps in rt.subtypes if t != subtype for p in ps}
        defaults = {k: v for k, v in rt.create_defaults_for(body).items() if k not in own_props}
        known = self._known_props(rt)
        for name in ("deletedDateTime",):
            if name in known:
                obj[name] = None
        obj.update(defaults)
        for key, value in body.items():
            if "@" in key or key in self.info[rt.key].secrets:
                continue
            link = rt.link(key)
            if link is not None and link.kind is LinkKind.OBJECTS and link.inline:
                obj[key] = [self._new_element(link, e) for e in value or []]
                continue
            obj[key] = copy.deepcopy(value)
        now = self._now()
        for name in ("createdDateTime", "modifiedDateTime", "lastModifiedDateTime"):
            if name in known and self.info[rt.key].props.get(name) is not None:
                obj[name] = now
        if rt.alt_key and not body.get(rt.alt_key) and rt.channel(rt.alt_key) is Channel.READ_ONLY:
            obj[rt.alt_key] = self._guid()
        hook = getattr(self, f"_on_create_{_type_name(rt)}", None)
        if hook is not None:
            hook(rt, obj, body)
        self.collections[type_key].put(obj)
        if rt.delta:
            self.type_of[obj["id"]] = type_key
        self._touch(type_key, obj["id"])
        if binds:
            self._bind(rt, obj, binds)
        return self.get(type_key, obj["id"])

    def update(self, type_key: str, obj_id: str, body: Any) -> dict[str, Any] | None:
        """``PATCH``: 204 (None), or 200 with the object for types whose PATCH answers the object."""
        rt = self.rt(type_key)
        obj = self.require(type_key, obj_id)
        binds = self._check_body(rt, body, obj)
        reason = rt.update_refused(obj)
        changes = [k for k in body if "@" not in k]
        if reason and changes:
            if self._is_directory(rt):
                raise BadRequest("Unable to update the specified properties for objects that have originated "
                                 f"within an external service ({reason}).")
            raise BadRequest(f"The {rt.title} '{obj_id}' cannot be updated: {reason}.")
        if rt.is_synced(obj):
            mastered = [k for k in changes if k in self.info[rt.key].on_premises]
            if mastered:
                raise OnPremisesMastered(mastered)
        self._check_binds(rt, obj, binds)
        hook = getattr(self, f"_on_update_{_type_name(rt)}", None)
        if hook is not None:
            hook(rt, obj, body)
        new = dict(obj)
        for key, value in body.items():
            if "@" in key or key in self.info[rt.key].secrets:
                continue
            new[key] = merge_patch(obj.get(key), value)
        known = self._known_props(rt)
        for name in ("modifiedDateTime", "lastModifiedDateTime"):
            if name in known and self.info[rt.key].props.get(name) is not None and changes:
                new[name] = self._now()
        self.collections[type_key].put(new)
        if changes:
            self._touch(type_key, obj["id"])
        if binds:
            self._bind(rt, new, binds)
        if rt.odata_type in facts.PATCH_RETURNS_OBJECT:
            return self.get(type_key, obj["id"])
        return None

    def delete(self, type_key: str, obj_id: str) -> None:
        """``DELETE /{collection}/{id}``: 204. Soft or permanent by the object's delete kind."""
        rt = self.rt(type_key)
        if rt.singleton:
            raise MethodNotAllowed()
        obj = self.require(type_key, obj_id)
        kind = rt.delete_kind(obj)
        if kind is DeleteKind.NONE:
            reason = rt.never_written(obj) or f"a {rt.title} of this kind cannot be deleted"
            raise BadRequest(f"The {rt.title} '{obj_id}' cannot be deleted: {reason}.")
        reason = rt.delete_refused(obj)
        if reason:
            raise BadRequest(f"The {rt.title} '{obj_id}' cannot be deleted: {reason}.")
        hook = getattr(self, f"_on_delete_{_type_name(rt)}", None)
        if hook is not None:
            hook(rt, obj)
        if kind is DeleteKind.SOFT:
            self._soft_delete(rt, obj)
        elif kind is DeleteKind.SOFT_PORTAL:
            self.collections[type_key].remove(obj_id)
            gone = dict(obj)
            gone["deletedDateTime"] = self._now()
            self.policy_deleted[obj_id] = DeletedItem(type_key, gone, self.now())
        else:
            self._hard_delete(rt, obj)

    def _soft_delete(self, rt: ResourceType, obj: dict[str, Any]) -> None:
        item = self._detach(rt, obj)
        item.obj["deletedDateTime"] = self._now()
        self.deleted[obj["id"]] = item
        self._touch(rt.key, obj["id"])

    def _hard_delete(self, rt: ResourceType, obj: dict[str, Any]) -> None:
        self._detach(rt, obj)
        self._touch(rt.key, obj["id"])

    def _detach(self, rt: ResourceType, obj: dict[str, Any]) -> DeletedItem:
        """Remove an object and every link it takes part in; return what a restore brings back."""
        obj_id = obj["id"]
        self.collections[rt.key].remove(obj_id)
        item = DeletedItem(rt.key, dict(obj), self.now())
        for link in rt.links:
            if link.kind in (LinkKind.IDS, LinkKind.ID):
                refs = self.links.drop_owner(rt.key, link.name, obj_id)
                if refs:
                    item.own_links[(rt.key, link.name)] = refs
            elif link.name not in facts.SHARED_SETS and not link.inline:
                nested = self.nested.get((rt.key, link.name), {}).pop(obj_id, None)
                if nested:
                    item.extra[link.name] = nested
        for owner_type, link_name, owner in self.links.pointing_at(obj_id):
            self.links.remove(owner_type, link_name, owner, obj_id)
            item.back_links.append((owner_type, link_name, owner))
            self._link_event(owner_type, link_name, owner, obj_id, added=False)
        for seed_key in ("appRoleAssignments", "oauth2PermissionGrants"):
            store = self.shared.get(seed_key, {})
            for eid, element in list(store.items()):
                if obj_id in (element.get("principalId"), element.get("resourceId"), element.get("clientId")):
                    del store[eid]
                    (item.assignments if seed_key == "appRoleAssignments" else item.grants).append(element)
        return item

    # ------------------------------------------------------------------ deleted items (directory)
    def purge_expired(self) -> None:
        """Deleted items older than 30 days (emulator clock) are purged, like Graph."""
        if not self.deleted and not self.policy_deleted:
            return
        limit = self.now() - facts.DELETED_RETENTION
        for store in (self.deleted, self.policy_deleted):
            for obj_id, item in list(store.items()):
                if item.deleted_at <= limit:
                    del store[obj_id]
                    self._touch(item.type_key, obj_id)

    def _deleted_rt(self, cast: str) -> ResourceType:
        for rt in self.registry:
            if rt.delete_path and rt.delete_path.lower().endswith(f"microsoft.graph.{cast.lower()}"):
                return rt
        raise BadRequest(f"'microsoft.graph.{cast}' is not a type of deleted directory objects.")

    def list_deleted(self, cast: str, q: ListQuery | None = None, *, raw: bool = False) -> Page:
        """``GET /directory/deletedItems/microsoft.graph.{type}`` (the cast is mandatory)."""
        self.purge_expired()
        rt = self._deleted_rt(cast)
        q = q or ListQuery()
        top = self._check_query(rt, q, page_max=rt.page_max)
        objs = [item.obj for item in self.deleted.values() if item.type_key == rt.key]
        objs.sort(key=lambda o: o["id"])
        if q.filter is not None:
            objs = [o for o in objs if q.filter.predicate(o)]
        offset = int(decode_token(q.skiptoken).get("o", 0)) if q.skiptoken else 0
        chunk = objs[offset:offset + top]
        next_token = encode_token({"o": offset + top}) if offset + top < len(objs) else None
        count = len(objs) if self._count_visible(rt, q) and not q.skiptoken else None
        views = [self._deleted_view(rt, o, q.select) for o in chunk]
        if raw:
            return Page([dumps(v) for v in views], next_token, count, raw=True)
        return Page(copy.deepcopy(views), next_token, count)

    def get_deleted(self, obj_id: str) -> dict[str, Any]:
        self.purge_expired()
        item = self.deleted.get(obj_id)
        if item is None:
            raise NotFound.resource(obj_id)
        rt = self.types[item.type_key]
        return self._deleted_view(rt, item.obj, None)

    def _deleted_view(self, rt: ResourceType, obj: dict[str, Any], select: tuple[str, ...] | None) -> dict[str, Any]:
        out = self.typed(rt, self.view(rt, obj, select))
        out["deletedDateTime"] = obj.get("deletedDateTime")
        return out

    def purge_deleted(self, obj_id: str) -> None:
        """``DELETE /directory/deletedItems/{id}``: permanent delete, 204."""
        self.purge_expired()
        item = self.deleted.pop(obj_id, None)
        if item is None:
            raise NotFound.resource(obj_id)
        self._touch(item.type_key, obj_id)

    def restore(self, obj_id: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        """``POST /directory/deletedItems/{id}/restore``: 200 with the object, same id, links back."""
        self.purge_expired()
        item = self.deleted.get(obj_id)
        if item is None:
            raise NotFound.resource(obj_id)
        rt = self.types[item.type_key]
        obj = dict(item.obj)
        body = body or {}
        new_upn = body.get("newUserPrincipalName")
        if new_upn and "userPrincipalName" in obj:
            obj["userPrincipalName"] = new_upn
        hook = getattr(self, f"_on_restore_{_type_name(rt)}", None)
        if hook is not None:
            hook(rt, obj)
        del self.deleted[obj_id]
        obj["deletedDateTime"] = None
        self.collections[rt.key].put(obj)
        self.type_of[obj_id] = rt.key
        self._touch(rt.key, obj_id)
        for (owner_type, link_name), refs in item.own_links.items():
            for ref in refs:
                if self.directory_object(ref) is not None and self.links.add(owner_type, link_name, obj_id, ref):
                    self._link_event(owner_type, link_name, obj_id, ref, added=True)
        for owner_type, link_name, owner in item.back_links:
            if self.collections[owner_type].get(owner) is None:
                continue
            link = self.types[owner_type].link(link_name)
            if link is not None and link.kind is LinkKind.ID:
                if self.links.refs(owner_type, link_name, owner):
                    continue
            if self.links.add(owner_type, link_name, owner, obj_id):
                self._link_event(owner_type, link_name, owner, obj_id, added=True)
        for link_name, elements in item.extra.items():
            self.nested.setdefault((rt.key, link_name), {})[obj_id] = elements
        for seed_key, elements in (("appRoleAssignments", item.assignments), ("oauth2PermissionGrants", item.grants)):
            for element in elements:
                others = [element.get(f) for f in ("principalId", "resourceId", "clientId") if element.get(f)]
                if all(o == obj_id or self.directory_object(o) is not None for o in others):
                    self.shared[seed_key][element["id"]] = element
        return self.typed(rt, self.view(rt, obj))

    # ------------------------------------------------------------------ deleted items (CA)
    def _policy_container(self, container: str) -> ResourceType:
        for rt in self.registry:
            if rt.delete is DeleteKind.SOFT_PORTAL and rt.delete_path and rt.delete_path.endswith(f"/{container}"):
                return rt
        raise NotFound(f"Resource not found for the segment '{container}'.", code="BadRequest")

    def list_policy_deleted(self, container: str) -> list[dict[str, Any]]:
        self.purge_expired()
        rt = self._policy_container(container)
        return [{**self.view(rt, item.obj), "deletedDateTime": item.obj.get("deletedDateTime")}
                for item in sorted(self.policy_deleted.values(), key=lambda i: i.obj["id"]) if item.type_key == rt.key]

    def get_policy_deleted(self, container: str, obj_id: str) -> dict[str, Any]:
        self.purge_expired()
        rt = self._policy_container(container)
        item = self.policy_deleted.get(obj_id)
        if item is None or item.type_key != rt.key:
            raise self._not_found(rt, obj_id)
        return {**self.view(rt, item.obj), "deletedDateTime": item.obj.get("deletedDateTime")}

    def purge_policy_deleted(self, container: str, obj_id: str) -> None:
        self.get_policy_deleted(container, obj_id)
        del self.policy_deleted[obj_id]

    def restore_policy(self, container: str, obj_id: str) -> dict[str, Any]:
        """Beta ``POST identity/conditionalAccess/deletedItems/{policies|namedLocations}/{id}/restore``.

        Not supported for app-only callers (every emulator caller is app-only): 403 unless the control plane
        allowed it (https://learn.microsoft.com/en-us/graph/api/conditionalaccesspolicy-restore?view=graph-rest-beta).
        """
        rt = self._policy_container(container)
        self.get_policy_deleted(container, obj_id)
        if not self.allow_policy_restore:
            raise Forbidden("Restoring deleted Conditional Access objects is not supported for application-only "
                            "callers.", code="accessDenied")
        item = self.policy_deleted.pop(obj_id)
        obj = dict(item.obj)
        obj.pop("deletedDateTime", None)
        self.collections[rt.key].put(obj)
        return self.view(rt, obj)

    # ================================================================== server behaviour per type
    def _on_create_user(self, rt: ResourceType, obj: dict[str, Any], body: dict[str, Any]) -> None:
        profile = body.get("passwordProfile")
        if not isinstance(profile, dict) or not profile.get("password"):
            raise BadRequest("Invalid value specified for property 'passwordProfile' of resource 'User'.")
        self._check_upn(rt, str(obj.get("userPrincipalName", "")), None)

    def _on_update_user(self, rt: ResourceType, obj: dict[str, Any], body: dict[str, Any]) -> None:
        if "userPrincipalName" in body:
            self._check_upn(rt, str(body["userPrincipalName"]), obj["id"])
        if "mail" in body and body["mail"] is None:
            raise BadRequest("Invalid value specified for property 'mail' of resource 'User'.")

    def _on_restore_user(self, rt: ResourceType, obj: dict[str, Any]) -> None:
        upn = str(obj.get("userPrincipalName", "")).lower()
        for other in self.collections[rt.key].items.values():
            if str(other.get("userPrincipalName", "")).lower() == upn:
                raise BadRequest("Another object with the same value for property userPrincipalName already "
                                 "exists.")

    def _check_upn(self, rt: ResourceType, upn: str, self_id: str | None) -> None:
        if "@" not in upn:
            raise BadRequest("Invalid value specified for property 'userPrincipalName' of resource 'User'.")
        domain = upn.rsplit("@", 1)[1].lower()
        domains = self.verified_domains()
        if domains and domain not in domains:
            raise BadRequest("The domain portion of the userPrincipalName property is invalid. You must use one "
                             "of the verified domain names in your organization.")
        low = upn.lower()
        for other in self.collections[rt.key].items.values():
            if other["id"] != self_id and str(other.get("userPrincipalName", "")).lower() == low:
                raise BadRequest("Another object with the same value for property userPrincipalName already "
                                 "exists.")

    def _on_create_group(self, rt: ResourceType, obj: dict[str, Any], body: dict[str, Any]) -> None:
        types = obj.get("groupTypes") or []
        if obj.get("mailEnabled") and "Unified" not in types:
            # Graph cannot create mail-enabled security groups or distribution lists (observed message:
            # https://github.com/Micke-K/IntuneManagement/issues/148)
            raise BadRequest("Cannot Create a mail-enabled security groups and or distribution list.")
        if "DynamicMembership" in types and not obj.get("membershipRule"):
            raise BadRequest("Invalid value specified for property 'membershipRule' of resource 'Group'.")
        if obj.get("isAssignableToRole") and (not obj.get("securityEnabled") or "DynamicMembership" in types):
            raise BadRequest("Role-assignable groups must be security enabled and cannot have dynamic membership.")
        if "DynamicMembership" in types and obj.get("membershipRuleProcessingState") is None:
            obj["membershipRuleProcessingState"] = "On"
        if "Unified" in types:
            address = f"{obj.get('mailNickname')}@{self.default_domain()}"
            obj["mail"] = address
            obj["proxyAddresses"] = [f"SMTP:{address}"]
        n = int(obj["id"].replace("-", ""), 16)
        parts = [(n >> shift) & 0xFFFFFFFF for shift in (96, 64, 32, 0)]
        obj["securityIdentifier"] = "S-1-12-1-" + "-".join(str(p) for p in parts)

    def _on_create_application(self, rt: ResourceType, obj: dict[str, Any], body: dict[str, Any]) -> None:
        obj["publisherDomain"] = self.default_domain()

    def _on_delete_application(self, rt: ResourceType, obj: dict[str, Any]) -> None:
        # Deleting an app registration also deletes its service principal in the home tenant; restoring the
        # application does not restore it (https://learn.microsoft.com/en-us/graph/api/directory-deleteditems-restore).
        # The service principals: the objects whose owning reference (appId) points at this type.
        for other in self.registry:
            owner_ref = _owning_ref(other)
            if owner_ref is None or rt.key not in owner_ref.targets or not obj.get(owner_ref.by):
                continue
            found = self._by_alt((other.key,), str(obj[owner_ref.by]))
            if found is not None:
                self._soft_delete(other, found)

    def _on_create_servicePrincipal(self, rt: ResourceType, obj: dict[str, Any], body: dict[str, Any]) -> None:
        app_id = str(obj.get("appId") or "")
        sps = self.collections[rt.key]
        if sps.by_alt(app_id) is not None:
            raise Conflict("The service principal cannot be created, updated, or restored because the service "
                           f"principal name {app_id} is already in use.",
                           code="Request_MultipleObjectsWithSameKeyValue")
        owner_ref = _owning_ref(rt)
        app = self._by_alt(owner_ref.targets, app_id) if owner_ref is not None else None
        if app is None:
            if app_id.lower() not in self.external_app_ids:
                raise BadRequest(f"The appId '{app_id}' of the service principal does not reference a valid "
                                 "application object.")
            obj.setdefault("displayName", obj.get("displayName") or app_id)
            return
        obj["appDisplayName"] = app.get("displayName")
        obj["appDescription"] = app.get("description")
        if not body.get("displayName"):
            obj["displayName"] = app.get("displayName")
        obj["appOwnerOrganizationId"] = self.tenant_id
        obj["signInAudience"] = app.get("signInAudience")
        if "appRoles" not in body:
            obj["appRoles"] = copy.deepcopy(app.get("appRoles") or [])
        if "oauth2PermissionScopes" not in body:
            obj["oauth2PermissionScopes"] = copy.deepcopy((app.get("api") or {}).get("oauth2PermissionScopes") or [])
        if "servicePrincipalNames" not in body:
            obj["servicePrincipalNames"] = [app_id, *(app.get("identifierUris") or [])]
        obj["tags"] = sorted(set(obj.get("tags") or []) | set(app.get("tags") or []))
        obj["info"] = copy.deepcopy(app.get("info"))
        web = app.get("web") or {}
        if "replyUrls" not in body:
            obj["replyUrls"] = list(web.get("redirectUris") or [])
        if "homepage" not in body:
            obj["homepage"] = web.get("homePageUrl")

    def _on_create_authenticationStrengthPolicy(self, rt: ResourceType, obj: dict[str, Any],
                                                body: dict[str, Any]) -> None:
        combos = obj.get("allowedCombinations") or []
        if not isinstance(combos, list) or not combos:
            raise BadRequest("Invalid value specified for property 'allowedCombinations'.")
        obj["policyType"] = "custom"
        obj["requirementsSatisfied"] = "none" if combos == ["password"] else "mfa"

    def _on_delete_authenticationStrengthPolicy(self, rt: ResourceType, obj: dict[str, Any]) -> None:
        users = self._policy_references(rt, obj["id"])
        if users:
            raise BadRequest(f"The authentication strength policy is referenced by Conditional Access policies "
                             f"({', '.join(users)}) and cannot be deleted.")

    def _policy_references(self, target: ResourceType, target_id: str) -> list[str]:
        """Ids of objects of other types (CA policies) whose declared references point at ``target_id``."""
        found = []
        for rt in self.registry:
            if rt.key == target.key:
                continue
            refs = [r for r in rt.refs if target.key in r.targets]
            if not refs:
                continue
            for obj in self.collections[rt.key].items.values():
                if any(target_id == v for r in refs for v in _path_values(obj, r.path)):
                    found.append(str(obj["id"]))
        return sorted(found)

    def _on_create_conditionalAccessPolicy(self, rt: ResourceType, obj: dict[str, Any], body: dict[str, Any]) -> None:
        self._check_policy_refs(rt, obj)
        obj["modifiedDateTime"] = None
        self._reduce_expanded(rt, obj)

    def _on_update_conditionalAccessPolicy(self, rt: ResourceType, obj: dict[str, Any], body: dict[str, Any]) -> None:
        merged = {**obj, **{k: merge_patch(obj.get(k), v) for k, v in body.items() if "@" not in k}}
        self._check_policy_refs(rt, merged)
        grant = body.get("grantControls")
        if isinstance(grant, dict):
            self._reduce_expanded(rt, body)

    def _reduce_expanded(self, rt: ResourceType, obj: dict[str, Any]) -> None:
        for path in rt.expanded:
            for container, key in list(iter_path(obj, path)):
                value = container[key]
                if isinstance(value, dict):
                    container[key] = {"id": value.get("id")}
                container.pop(f"{key}@odata.context", None)

    def _check_policy_refs(self, rt: ResourceType, obj: dict[str, Any]) -> None:
        """Validate the ids a CA policy references (users, groups, locations, strengths, service principals).

        Observed errors: ``1040: NamedLocation with id ... does not exist in the directory.`` and
        ``1054: Invalid group value: ...`` (graph-entra.md corrections; CIPP issues 4194 and 3614).
        """
        for ref in rt.refs:
            if ref.by != "id":
                continue  # applications are named by appId, including Microsoft's own: not validated
            for value in _path_values(obj, ref.path):
                if not isinstance(value, str) or value in ref.specials:
                    continue
                if any(self.collections[t].get(value) is not None for t in ref.targets):
                    continue
                target = self.types[ref.targets[0]]
                template = facts.MISSING_REFERENCE_ERRORS.get(target.odata_type,
                                                              f"Invalid {target.title} value: {{value}}.")
                raise BadRequest(template.format(value=value), code="BadRequest")

    def _on_create_namedLocation(self, rt: ResourceType, obj: dict[str, Any], body: dict[str, Any]) -> None:
        sub = str(obj.get("@odata.type", "")).rsplit(".", 1)[-1]
        if sub == "ipNamedLocation" and not body.get("ipRanges"):
            raise BadRequest("Invalid value specified for property 'ipRanges' of resource 'IpNamedLocation'.")
        if sub == "countryNamedLocation" and not body.get("countriesAndRegions"):
            raise BadRequest("Invalid value specified for property 'countriesAndRegions' of resource "
                             "'CountryNamedLocation'.")

    # ================================================================== shared sets (assignments, grants)
    def _shared(self, link_name: str) -> tuple[dict[str, dict[str, Any]], str]:
        seed_key, owner_field = facts.SHARED_SETS[link_name]
        return self.shared[seed_key], owner_field

    def shared_link(self, link_name: str) -> tuple[ResourceType, Link]:
        """The declaration holding the shared set ``link_name`` (appRoleAssignedTo, oauth2PermissionGrants)."""
        for rt in self.registry:
            link = rt.link(link_name)
            if link is not None:
                return rt, link
        raise KeyError(link_name)

    def ref_targets(self, link_name: str, field_name: str) -> tuple[str, ...]:
        """The types an element field of a shared set points at (its declared references): the principal of
        an app role assignment is a user, group or service principal; a grant's client a service principal."""
        _, link = self.shared_link(link_name)
        return next(ref.targets for ref in link.refs if ref.path == field_name)

    def _live_in(self, keys: Iterable[str], obj_id: str) -> dict[str, Any] | None:
        for key in keys:
            coll = self.collections.get(key)
            found = coll.get(obj_id) if coll is not None else None
            if found is not None:
                return found
        return None

    def list_assignments(self, *, principal: str | None = None, resource: str | None = None) -> list[dict[str, Any]]:
        store = self.shared["appRoleAssignments"]
        return [copy.deepcopy(a) for a in store.values()
                if (principal is None or a.get("principalId") == principal)
                and (resource is None or a.get("resourceId") == resource)]

    def create_assignment(self, body: Any, *, principal: str | None = None,
                          resource: str | None = None) -> dict[str, Any]:
        """POST servicePrincipals/{resource}/appRoleAssignedTo or {principals}/{id}/appRoleAssignments: 201."""
        if not isinstance(body, dict):
            raise BadRequest("Empty Payload, JSON content expected.")
        allowed = {"principalId", "resourceId", "appRoleId", "@odata.type"}
        for key in body:
            if key not in allowed:
                raise ReadOnlyProperty(key) if key in ("id", "createdDateTime", "principalType",
                                                       "principalDisplayName", "resourceDisplayName") \
                    else InvalidProperty(key)
        for name in ("principalId", "resourceId", "appRoleId"):
            if not body.get(name):
                raise BadRequest(f"Invalid value specified for property '{name}' of resource 'AppRoleAssignment'.")
        if principal is not None and body["principalId"] != principal:
            raise BadRequest("The principalId in the request body must match the principal in the URL.")
        if resource is not None and body["resourceId"] != resource:
            raise BadRequest("The resourceId in the request body must match the resource in the URL.")
        found_principal = self.directory_object(body["principalId"])
        if found_principal is None or found_principal[0].key not in self.ref_targets(_ASSIGNMENTS, "principalId"):
            raise NotFound.resource(body["principalId"])
        res = self._live_in(self.ref_targets(_ASSIGNMENTS, "resourceId"), body["resourceId"])
        if res is None:
            raise NotFound.resource(body["resourceId"])
        roles = [r.get("id") for r in res.get("appRoles") or []]
        if body["appRoleId"] != ZERO_ID and body["appRoleId"] not in roles:
            raise BadRequest(f"Permission being assigned was not found on application '{res.get('appId')}'.")
        store = self.shared["appRoleAssignments"]
        for a in store.values():
            if (a.get("principalId"), a.get("resourceId"), a.get("appRoleId")) == (
                    body["principalId"], body["resourceId"], body["appRoleId"]):
                raise BadRequest("Permission being assigned already exists on the object.")
        prt, pobj = found_principal
        element = {
            "id": new_opaque_id(self.rng),
            "deletedDateTime": None,
            "appRoleId": body["appRoleId"],
            "createdDateTime": self._now(),
            "principalDisplayName": pobj.get("displayName"),
            "principalId": body["principalId"],
            "principalType": _resource_name(prt),
            "resourceDisplayName": res.get("displayName"),
            "resourceId": body["resourceId"],
        }
        store[element["id"]] = element
        return copy.deepcopy(element)

    def get_assignment(self, assignment_id: str, *, principal: str | None = None,
                       resource: str | None = None) -> dict[str, Any]:
        a = self.shared["appRoleAssignments"].get(assignment_id)
        if a is None or (principal and a.get("principalId") != principal) or (
                resource and a.get("resourceId") != resource):
            raise NotFound.resource(assignment_id)
        return copy.deepcopy(a)

    def delete_assignment(self, assignment_id: str, *, principal: str | None = None,
                          resource: str | None = None) -> None:
        store = self.shared["appRoleAssignments"]
        a = store.get(assignment_id)
        if a is None or (principal and a.get("principalId") != principal) or (
                resource and a.get("resourceId") != resource):
            raise NotFound.resource(assignment_id)
        del store[assignment_id]

    def list_grants(self, q: ListQuery | None = None) -> Page:
        q = q or ListQuery()
        items = [g for g in self.shared["oauth2PermissionGrants"].values()
                 if q.filter is None or q.filter.predicate(g)]
        items.sort(key=lambda g: g["id"])
        top = q.top or 100
        offset = int(decode_token(q.skiptoken).get("o", 0)) if q.skiptoken else 0
        chunk = [copy.deepcopy(g) for g in items[offset:offset + top]]
        nxt = encode_token({"o": offset + top}) if offset + top < len(items) else None
        return Page(chunk, nxt)

    def get_grant(self, grant_id: str) -> dict[str, Any]:
        g = self.shared["oauth2PermissionGrants"].get(grant_id)
        if g is None:
            raise NotFound.resource(grant_id)
        return copy.deepcopy(g)

    def create_grant(self, body: Any) -> dict[str, Any]:
        """POST /oauth2PermissionGrants: 201."""
        if not isinstance(body, dict):
            raise BadRequest("Empty Payload, JSON content expected.")
        allowed = {"clientId", "consentType", "principalId", "resourceId", "scope", "@odata.type"}
        for key in body:
            if key == "id":
                raise ReadOnlyProperty(key)
            if key not in allowed and "@" not in key:
                raise InvalidProperty(key)
        for name in ("clientId", "consentType", "resourceId"):
            if not body.get(name):
                raise BadRequest(f"Invalid value specified for property '{name}' of resource "
                                 "'OAuth2PermissionGrant'.")
        if body["consentType"] not in ("AllPrincipals", "Principal"):
            raise BadRequest("Invalid value specified for property 'consentType' of resource 'OAuth2PermissionGrant'.")
        for name in ("clientId", "resourceId"):
            if self._live_in(self.ref_targets(_GRANTS, name), body[name]) is None:
                raise NotFound.resource(body[name])
        principal = body.get("principalId")
        if body["consentType"] == "Principal":
            if not principal or self._live_in(self.ref_targets(_GRANTS, "principalId"), principal) is None:
                raise NotFound.resource(str(principal))
        elif principal:
            raise BadRequest("principalId must be null when consentType is AllPrincipals.")
        store = self.shared["oauth2PermissionGrants"]
        for g in store.values():
            if (g.get("clientId"), g.get("resourceId"), g.get("consentType"), g.get("principalId")) == (
                    body["clientId"], body["resourceId"], body["consentType"], principal):
                raise Conflict("Permission entry already exists.", code="Request_MultipleObjectsWithSameKeyValue")
        element = {"id": new_opaque_id(self.rng), "clientId": body["clientId"], "consentType": body["consentType"],
                   "principalId": principal, "resourceId": body["resourceId"], "scope": body.get("scope") or ""}
        store[element["id"]] = element
        return copy.deepcopy(element)

    def update_grant(self, grant_id: str, body: Any) -> None:
        g = self.shared["oauth2PermissionGrants"].get(grant_id)
        if g is None:
            raise NotFound.resource(grant_id)
        if not isinstance(body, dict):
            raise BadRequest("Empty Payload, JSON content expected.")
        for key in body:
            if "@" in key:
                continue
            if key != "scope":
                raise ReadOnlyProperty(key) if key in ("id", "clientId", "resourceId", "consentType", "principalId") \
                    else InvalidProperty(key)
        if "scope" in body:
            g["scope"] = body["scope"] or ""

    def delete_grant(self, grant_id: str) -> None:
        if self.shared["oauth2PermissionGrants"].pop(grant_id, None) is None:
            raise NotFound.resource(grant_id)

    # ================================================================== nested / inline object links
    def _object_link(self, type_key: str, owner: str, link_name: str) -> tuple[ResourceType, Link, list | dict]:
        """The elements of an OBJECTS link: a copy of the owner's inline list (written back by
        :meth:`_store_inline`) or the nested store of the owner."""
        rt = self.rt(type_key)
        link = self._link(rt, link_name)
        if link.kind is not LinkKind.OBJECTS or link.name in facts.SHARED_SETS:
            raise MethodNotAllowed()
        obj = self.require(type_key, owner)
        if link.inline:
            return rt, link, [dict(e) for e in obj.get(link.name) or []]
        return rt, link, self.nested.setdefault((type_key, link.name), {}).setdefault(obj["id"], {})

    def _store_inline(self, type_key: str, owner: str, link: Link, elements: list | dict) -> None:
        if not link.inline or not isinstance(elements, list):
            return
        obj = self.require(type_key, owner)
        new = dict(obj)
        new[link.name] = elements
        for name in ("lastModifiedDateTime", "modifiedDateTime"):
            if name in new:
                new[name] = self._now()
        self.collections[type_key].put(new)

    def _elements(self, store: list | dict) -> list[dict[str, Any]]:
        return list(store.values()) if isinstance(store, dict) else list(store)

    def _find_element(self, store: list | dict, link: Link, ident: str) -> dict[str, Any]:
        low = ident.lower()
        for element in self._elements(store):
            if str(element.get("id", "")).lower() == low or (link.key != ("id",) and any(
                    element.get(k) == ident for k in link.key if isinstance(element.get(k), str))):
                return element
        raise NotFound.resource(ident)

    def _new_element(self, link: Link, body: dict[str, Any]) -> dict[str, Any]:
        if not isinstance(body, dict):
            raise BadRequest("Invalid request body: a JSON object is expected.")
        if link.requires_odata_type and "@odata.type" not in body:
            raise BadRequest(f"The '@odata.type' property is required to create an element of '{link.name}'.")
        element = {k: copy.deepcopy(v) for k, v in body.items() if not k.endswith("@odata.context")}
        element["id"] = self._guid()
        if "@odata.type" in element:
            element = {"@odata.type": element.pop("@odata.type"), **element}
        return element

    def list_objects(self, type_key: str, owner: str, link_name: str) -> list[dict[str, Any]]:
        _, _, store = self._object_link(type_key, owner, link_name)
        return [copy.deepcopy(e) for e in self._elements(store)]

    def get_object(self, type_key: str, owner: str, link_name: str, ident: str) -> dict[str, Any]:
        _, link, store = self._object_link(type_key, owner, link_name)
        return copy.deepcopy(self._find_element(store, link, ident))

    def add_object(self, type_key: str, owner: str, link_name: str, body: Any) -> dict[str, Any]:
        rt, link, store = self._object_link(type_key, owner, link_name)
        if isinstance(body, dict):
            for key in body:
                if key in link.read_only and key != "@odata.type":
                    raise ReadOnlyProperty(key)
        element = self._new_element(link, body)
        elements = self._elements(store)
        if link.name == "federatedIdentityCredentials" and len(elements) >= facts.MAX_FEDERATED_CREDENTIALS:
            raise BadRequest(f"An application can have at most {facts.MAX_FEDERATED_CREDENTIALS} federated "
                             "identity credentials.")
        if link.key != ("id",) and all(k in element for k in link.key):
            for other in elements:
                if all(other.get(k) == element.get(k) for k in link.key):
                    raise Conflict(f"An element of '{link.name}' with the same {', '.join(link.key)} already "
                                   "exists.", code="Request_MultipleObjectsWithSameKeyValue")
        if isinstance(store, dict):
            store[element["id"]] = element
        else:
            store.append(element)
            self._store_inline(type_key, owner, link, store)
        return copy.deepcopy(element)

    def update_object(self, type_key: str, owner: str, link_name: str, ident: str, body: Any) -> None:
        rt, link, store = self._object_link(type_key, owner, link_name)
        found = self._find_element(store, link, ident)
        element = dict(found)  # copy on write: stored elements are never changed in place
        if not isinstance(body, dict):
            raise BadRequest("Invalid request body: a JSON object is expected.")
        if link.requires_odata_type:
            given = body.get("@odata.type")
            if given is None:
                raise BadRequest(f"The '@odata.type' property is required to update an element of '{link.name}'.")
            if element.get("@odata.type") and str(given).lstrip("#").lower() != str(
                    element["@odata.type"]).lstrip("#").lower():
                raise BadRequest(f"The '@odata.type' {given} does not match the element's type "
                                 f"{element['@odata.type']}.")
        for key, value in body.items():
            if "@" in key:
                continue
            if key in link.read_only:
                if value != element.get(key):
                    raise ReadOnlyProperty(key)
                continue
            if key in link.create_only and value != element.get(key):
                raise ReadOnlyProperty(key)
            element[key] = merge_patch(element.get(key), value)
        if isinstance(store, dict):
            store[element["id"]] = element
        else:
            store[store.index(found)] = element
        self._store_inline(type_key, owner, link, store)

    def remove_object(self, type_key: str, owner: str, link_name: str, ident: str) -> None:
        rt, link, store = self._object_link(type_key, owner, link_name)
        element = self._find_element(store, link, ident)
        if isinstance(store, dict):
            del store[element["id"]]
        else:
            store.remove(element)
            self._store_inline(type_key, owner, link, store)

    # ================================================================== actions
    def update_allowed_combinations(self, type_key: str, obj_id: str, body: Any) -> dict[str, Any]:
        """POST .../authenticationStrengthPolicies/{id}/updateAllowedCombinations: 200 with the result."""
        rt = self.rt(type_key)
        obj = self.require(type_key, obj_id)
        reason = rt.update_refused(obj)
        if reason:
            raise BadRequest(f"The {rt.title} '{obj_id}' cannot be updated: {reason}.")
        if not isinstance(body, dict) or not isinstance(body.get("allowedCombinations"), list) \
                or not body["allowedCombinations"]:
            raise BadRequest("Invalid value specified for property 'allowedCombinations'.")
        for key in body:
            if key != "allowedCombinations" and "@" not in key:
                raise InvalidProperty(key)
        previous = list(obj.get("allowedCombinations") or [])
        new = dict(obj)
        new["allowedCombinations"] = list(body["allowedCombinations"])
        new["requirementsSatisfied"] = "none" if new["allowedCombinations"] == ["password"] else "mfa"
        if "modifiedDateTime" in new:
            new["modifiedDateTime"] = self._now()
        self.collections[type_key].put(new)
        return {
            "additionalInformation": None,
            "conditionalAccessReferences": self._policy_references(self.rt(type_key), obj_id),
            "currentCombinations": list(new["allowedCombinations"]),
            "previousCombinations": previous,
        }

    def add_password(self, type_key: str, obj_id: str, body: Any) -> dict[str, Any]:
        """POST applications/{id}/addPassword (or servicePrincipals): 200 with the new secret (once)."""
        obj = self.require(type_key, obj_id)
        cred = (body or {}).get("passwordCredential") if isinstance(body, dict) else None
        cred = cred if isinstance(cred, dict) else {}
        secret = new_opaque_id(self.rng)[:40]
        now = self.now()
        end = cred.get("endDateTime") or iso(now.replace(year=now.year + 2))
        element = {
            "customKeyIdentifier": None,
            "displayName": cred.get("displayName"),
            "endDateTime": end,
            "hint": secret[:3],
            "keyId": self._guid(),
            "secretText": None,
            "startDateTime": cred.get("startDateTime") or iso(now),
        }
        new = dict(obj)
        new["passwordCredentials"] = [*(obj.get("passwordCredentials") or []), element]
        self.collections[type_key].put(new)
        self._touch(type_key, obj_id)
        return {**element, "secretText": secret}

    def remove_password(self, type_key: str, obj_id: str, body: Any) -> None:
        obj = self.require(type_key, obj_id)
        key_id = body.get("keyId") if isinstance(body, dict) else None
        creds = list(obj.get("passwordCredentials") or [])
        kept = [c for c in creds if c.get("keyId") != key_id]
        if not key_id or len(kept) == len(creds):
            raise NotFound(f"No password credential found with keyId '{key_id}'.", code="Request_ResourceNotFound")
        new = dict(obj)
        new["passwordCredentials"] = kept
        self.collections[type_key].put(new)
        self._touch(type_key, obj_id)

    def get_by_ids(self, body: Any) -> list[dict[str, Any]]:
        """POST directoryObjects/getByIds: the live directory objects among ``ids`` (optionally ``types``)."""
        if not isinstance(body, dict) or not isinstance(body.get("ids"), list):
            raise BadRequest("Invalid value specified for property 'ids'.")
        if len(body["ids"]) > 1000:
            raise BadRequest("The request can hold at most 1000 ids.")
        want = {str(t).lower() for t in body.get("types") or []}
        out = []
        for ident in body["ids"]:
            found = self.directory_object(str(ident))
            if found is None:
                continue
            rt, obj = found
            if want and _type_name(rt).lower() not in want:
                continue
            out.append(self.typed(rt, self.view(rt, obj)))
        return out

    def available_extension_properties(self, body: Any = None) -> list[dict[str, Any]]:
        """POST directoryObjects/getAvailableExtensionProperties."""
        return [self._extension_view(ext) for ext in self.extensions]

    @staticmethod
    def _extension_view(ext: dict[str, Any]) -> dict[str, Any]:
        return {"@odata.type": "#microsoft.graph.extensionProperty", "id": ext.get("id"),
                "deletedDateTime": None, "appDisplayName": ext.get("appDisplayName"),
                "dataType": ext.get("dataType"), "isMultiValued": bool(ext.get("isMultiValued", False)),
                "isSyncedFromOnPremises": bool(ext.get("isSyncedFromOnPremises", False)),
                "name": ext.get("name"), "targetObjects": list(ext.get("targetObjects") or [])}

    def extension_definitions_type(self) -> ResourceType | None:
        """The type whose objects define directory extensions (applications, ``extension_definitions``)."""
        return next((rt for rt in self.registry if rt.extension_definitions), None)

    def extension_properties(self, app_id: str) -> list[dict[str, Any]]:
        """GET applications/{id}/extensionProperties: the directory extensions the application defines (their
        names embed its appId without dashes: ``extension_{appId}_{name}``)."""
        owner = self.extension_definitions_type()
        if owner is None:
            return []
        app = self.require(owner.key, app_id)
        prefix = f"extension_{str(app.get('appId', '')).replace('-', '').lower()}_"
        return [self._extension_view(ext) for ext in self.extensions
                if str(ext.get("name", "")).lower().startswith(prefix)]

    @staticmethod
    def _project(items: list[dict[str, Any]], select: tuple[str, ...] | None) -> list[dict[str, Any]]:
        if not select or "*" in select:
            return items
        return [{"id": i.get("id"), **{k: i.get(k) for k in select if k != "id"}} for i in items]

    def member_of(self, obj_id: str) -> list[dict[str, Any]]:
        """GET {directoryObject}/memberOf: the groups an object is a direct member of."""
        out = []
        for _, link_name, owner in self.links.pointing_at(obj_id):
            if link_name != "members":
                continue
            found = self.directory_object(owner)
            if found is not None:
                out.append(self.typed(found[0], self.view(found[0], found[1])))
        return out

    # ================================================================== delta
    def delta(self, type_key: str, *, select: tuple[str, ...] | None = None, deltatoken: str | None = None,
              skiptoken: str | None = None, restart_url: str = "") -> DeltaPage:
        """``GET /{collection}/delta``: one page of a delta round.

        Initial round: every live object (with ``members@delta`` for groups); later rounds (``$deltatoken``):
        the objects changed since the token, soft-deleted ones as ``@removed: changed``, gone ones as
        ``@removed: deleted``. ``$deltatoken=latest`` answers only a deltaLink. Tokens older than 7 days
        (emulator clock) answer ``syncStateNotFound``; a control-plane forced resync answers 410 + Location
        (``restart_url``, the collection's delta URL, plus the token's ``$select``).
        """
        rt = self.rt(type_key)
        if not rt.delta:
            raise BadRequest(f"Delta query is not supported for '{rt.collection}'.")
        self.purge_expired()
        log = self.deltas[type_key]
        now = self.clock.time()
        if deltatoken is not None and deltatoken.lower() == "latest":
            if select:
                self.check_select(rt, select, collection=True, allow_links=True)
            return DeltaPage([], None, encode_token({"t": type_key, "c": self.seq, "i": now,
                                                     "s": list(select) if select else None}))
        if skiptoken is not None:
            st = self._delta_token(skiptoken, type_key, "$skiptoken")
            after, upto, base, initial = int(st["a"]), int(st["u"]), int(st["f"]), bool(st["n"])
            select = tuple(st["s"]) if st.get("s") else None
            issued = float(st["i"])
        elif deltatoken is not None:
            dt = self._delta_token(deltatoken, type_key, "$deltatoken")
            if type_key in self.force_resync:
                self.force_resync.discard(type_key)
                restart = restart_url + (f"?$select={','.join(dt['s'])}" if dt.get("s") else "")
                raise ResyncRequired(restart)
            after = base = int(dt["c"])
            upto, initial = self.seq, False
            select = tuple(dt["s"]) if dt.get("s") else None
            issued = float(dt["i"])
        else:
            if select:
                self.check_select(rt, select, collection=True, allow_links=True)
            after = base = 0
            upto, initial, issued = self.seq, True, now
        if now - issued > facts.DELTA_TOKEN_LIFETIME.total_seconds():
            raise SyncStateNotFound()
        tracked = [ln for ln in rt.links if ln.kind in (LinkKind.IDS, LinkKind.ID) and (
            (select is None and ln.delta_default) or (select and ln.name in select))]
        coll = self.collections[type_key]
        items: list[dict[str, Any]] = []
        last = after
        more = False
        for seq, obj_id in log.changes(after, upto):
            if len(items) >= facts.DELTA_PAGE_SIZE:
                more = True
                break
            last = seq
            obj = coll.get(obj_id)
            if obj is None:
                if initial:
                    continue
                reason = "changed" if obj_id in self.deleted else "deleted"
                items.append({"id": obj_id, "@removed": {"reason": reason}})
                continue
            item = self.view(rt, obj, select if select is None else tuple(n for n in select if n not in self.info[rt.key].link_names))
            for ln in tracked:
                item[f"{ln.name}@delta"] = self._link_delta(type_key, ln, obj_id, base, upto, initial)
            items.append(item)
        if more:
            token = encode_token({"t": type_key, "a": last, "u": upto, "f": base, "n": initial, "i": issued,
                                  "s": list(select) if select else None})
            return DeltaPage(items, next_token=token)
        token = encode_token({"t": type_key, "c": upto, "i": now, "s": list(select) if select else None})
        return DeltaPage(items, delta_token=token)

    def _delta_token(self, token: str, type_key: str, what: str) -> dict[str, Any]:
        data = decode_token(token, what)
        if data.get("t") != type_key:
            raise BadRequest(f"Invalid {what} value specified: the token belongs to another resource.")
        return data

    def _link_delta(self, type_key: str, link: Link, owner: str, base: int, upto: int,
                    initial: bool) -> list[dict[str, Any]]:
        def entry(ref: str) -> dict[str, Any]:
            rt = self.types.get(self.type_of.get(ref, ""))
            return {"@odata.type": rt.odata_type if rt else "#microsoft.graph.directoryObject", "id": ref}

        if initial:
            return [entry(ref) for ref in self.links.refs(type_key, link.name, owner)]
        out = []
        for ref, added in self.deltas[type_key].member_changes(link.name, owner, base, upto).items():
            e = entry(ref)
            if not added:
                e["@removed"] = {"reason": "deleted"}
            out.append(e)
        return out

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


def merge_patch(current: Any, value: Any) -> Any:
    """PATCH semantics: complex values merge property by property, everything else is replaced.

    "Existing properties that are not included in the request body will maintain their previous values"
    (conditionalaccesspolicy-update; the authorizationpolicy-update examples patch one property of
    defaultUserRolePermissions). Collections are replaced as a whole (ipnamedlocation-update).
    """
    if isinstance(current, dict) and isinstance(value, dict):
        out = dict(current)
        for key, sub in value.items():
            if "@odata." in key and key != "@odata.type":
                continue
            out[key] = merge_patch(current.get(key), sub)
        return out
    return copy.deepcopy(value)


def _path_values(obj: Any, path: str) -> list[Any]:
    return [container[key] for container, key in iter_path(obj, path)]

