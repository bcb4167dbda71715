"""Reads: known properties, ``$select``, the representation Graph returns, listings and pages, GET, ``$expand``."""

from __future__ import annotations

import copy
from collections.abc import Iterable, Iterator
from typing import Any

from entragit.emulator import facts
from entragit.emulator.backend.common import DEFAULT_ROOT, EXTENSION_NAME, ListQuery, Page
from entragit.emulator.backend.core import TenantCore
from entragit.emulator.errors import BadRequest, GraphError, MethodNotAllowed, UnsupportedQuery
from entragit.emulator.facts import EntitySet, LinkKind, iter_path
from entragit.emulator.metadata import model
from entragit.emulator.models import Collection, dumps
from entragit.emulator.query import ADVANCED_OPERATORS, Expand, decode_token, encode_token
from entragit.emulator.schema import mask_evolvable


class ReadsMixin(TenantCore):
    """GET of collections and objects."""

    # ------------------------------------------------------------------ schema
    def _known_props(self, rt: EntitySet) -> frozenset[str]:
        """The properties a request may name: the structural properties of the set's entity type in Graph's
        v1.0 metadata (and of its derived types where the set is polymorphic); on /beta also the properties
        Graph serves there only (facts.BETA_PROPERTIES)."""
        version = self.ctx.version
        known = self._known.get((rt.key, version))
        if known is None:
            names = set(self._schema_props(rt))
            for _, own in rt.subtypes:
                names.update(own)
            if version != "v1.0":
                names.update(facts.BETA_PROPERTIES.get(rt.entity, {}))
            known = self._known[(rt.key, version)] = frozenset(names)
        return known

    def _schema_props(self, rt: EntitySet) -> frozenset[str]:
        """The structural properties of the set's entity type in Graph's v1.0 metadata."""
        found = self._schema.get(rt.key)
        if found is None:
            entity = model().require(rt.entity)
            found = self._schema[rt.key] = frozenset(n for n, p in entity.properties.items() if not p.navigation)
        return found

    def _extension_ok(self, rt: EntitySet, name: str) -> bool:
        target = facts.EXTENSION_TARGETS.get(rt.odata_type)
        if not rt.extension_attributes or target is None:
            return False
        for ext in self.extensions:
            if str(ext.get("name", "")).lower() == name.lower() and target in (ext.get("targetObjects") or []):
                return True
        return False

    def check_select(self, rt: EntitySet, select: Iterable[str], *, collection: bool,
                     allow_links: bool = False) -> None:
        known = self._known_props(rt)
        for name in select:
            if name in known or name == "id" or name == "*":
                if collection and name in rt.not_in_lists:
                    raise GraphError("This operation target is not yet supported.", code="NotImplemented",
                                     status=501)
                continue
            if allow_links and name in self.info[rt.key].link_names:
                continue
            if EXTENSION_NAME.match(name) and rt.extension_attributes:
                continue
            raise BadRequest(f"Could not find a property named '{name}' on type '{rt.odata_type.lstrip('#')}'.")

    # ------------------------------------------------------------------ representation
    def view(self, rt: EntitySet, obj: dict[str, Any], select: tuple[str, ...] | None = None,
             root: str = DEFAULT_ROOT, *, single: bool = False) -> dict[str, Any]:
        """The object as Graph returns it in the current request's context: the default property set or the
        ``$select`` projection, without the properties the version does not have, key material only on a
        single-object ``$select`` (``single``), evolvable enum members masked unless asked for."""
        out = self._projection(rt, obj, select, root)
        if rt.key_material and out.get(rt.key_material[0]) and not (
                single and select is not None and rt.key_material[0] in select):
            name, field = rt.key_material
            out[name] = [{**c, field: None} if isinstance(c, dict) else c for c in out[name]]
        if not self.ctx.unknown_enum_members:
            out = mask_evolvable(rt.entity, out)
        if rt.reordered:
            out = _reordered(rt, out)
        return out

    def _projection(self, rt: EntitySet, obj: dict[str, Any], select: tuple[str, ...] | None,
                    root: str) -> dict[str, Any]:
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
            hidden = info.hidden if self.ctx.version != "v1.0" else info.hidden_v1
            if default is not None and select is None:
                out = {name: obj.get(name) for name in default}
                if "@odata.type" in obj:  # a derived type in a base set (agentUser among users)
                    out = {"@odata.type": obj["@odata.type"], **out}
            else:
                out = {k: v for k, v in obj.items() if k not in hidden and not k.startswith("extension_")}
        if rt.expanded:
            out = self._expand_refs(rt, out, root)
        return out

    def _expand_refs(self, rt: EntitySet, out: dict[str, Any], root: str) -> dict[str, Any]:
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

    def typed(self, rt: EntitySet, obj: dict[str, Any]) -> dict[str, Any]:
        """A directory object with its ``@odata.type`` first (polymorphic listings)."""
        return {"@odata.type": obj.get("@odata.type", rt.odata_type), **{k: v for k, v in obj.items()
                                                                      if k != "@odata.type"}}

    # ================================================================== reads
    def _is_directory(self, rt: EntitySet) -> bool:
        return rt.delta

    def _check_query(self, rt: EntitySet, q: ListQuery, *, page_max: int, collection: bool = True) -> int:
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
                if name not in known and not (EXTENSION_NAME.match(name) and rt.extension_attributes):
                    raise BadRequest(f"Could not find a property named '{name}' on type "
                                     f"'{rt.odata_type.lstrip('#')}'.")
        top = q.top or rt.page_default
        if q.expand:
            top = min(top, facts.EXPAND_PAGE_MAX)
        return top

    def _count_visible(self, rt: EntitySet, q: ListQuery) -> bool:
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
        if raw and not expand and not rt.expanded and self.ctx.default:
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

    def _cached_json(self, coll: Collection, rt: EntitySet, obj: dict[str, Any]) -> bytes:
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
        out = self.view(rt, obj, select, root, single=True)
        if expand:
            self._apply_expand(rt, obj, out, expand, cap=facts.EXPAND_LIMIT)
        for link in rt.links:
            if link.kind is LinkKind.OBJECTS and link.inline and (select is None or link.name in select):
                elements = [copy.deepcopy(e) for e in obj.get(link.name) or []]
                out[link.name] = elements if self.ctx.unknown_enum_members else mask_evolvable(rt.entity, {
                    link.name: elements})[link.name]
        return out

    def get_json(self, type_key: str, obj_id: str) -> bytes | None:
        """The default representation of an object as cached JSON bytes (None when it cannot be cached:
        types with expanded references or inline sub-resources)."""
        rt = self.rt(type_key)
        if rt.expanded or any(ln.inline for ln in rt.links) or not self.ctx.default:
            return None
        coll = self.collections[type_key]
        obj = self.require(type_key, obj_id)
        return coll._json.get(obj["id"]) or self._cached_json(coll, rt, obj)

    def _apply_expand(self, rt: EntitySet, obj: dict[str, Any], out: dict[str, Any], expand: list[Expand],
                      cap: int) -> None:
        for ex in expand:
            if ex.name and ex.name == rt.extension_definitions:
                out[ex.name] = self._project(self.extension_properties(obj["id"]), ex.select)[:cap]
                continue
            link = rt.link(ex.name)
            if link is not None and link.kind is LinkKind.OBJECTS and link.expand and not link.inline:
                # relationships to entities that Graph documents as "Supports $expand" (the facts'
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


def _reordered(rt: EntitySet, out: dict[str, Any]) -> dict[str, Any]:
    """``out`` with the lists of ``rt.reordered`` answered in the reverse of their stored order (a copy of what
    changes: the store is left as written)."""
    tops = {path.split(".")[0].removesuffix("[]") for path in rt.reordered}
    out = {k: copy.deepcopy(v) if k in tops else v for k, v in out.items()}
    for path in rt.reordered:
        for container, key in list(iter_path(out, path)):
            value = container[key]
            if isinstance(value, list) and len(value) > 1:
                container[key] = value[::-1]
    return out
