"""Routes of each resource type: collection, item, ``$count``, delta, singleton, and its links (members, owners,
manager, credentials, method and combination configurations), generated from the type's facts."""

from __future__ import annotations

from entragit.emulator import facts
from entragit.emulator.backend import Tenant, ref_id
from entragit.emulator.errors import BadRequest, GraphError, ResourceNotFound
from entragit.emulator.facts import EntitySet, Link, LinkKind
from entragit.emulator.models import dumps
from entragit.emulator.query import parse_expand, parse_select
from entragit.emulator.routes.http import (
    Call,
    Reply,
    Router,
    cast_name,
    context,
    delta_reply,
    entity_reply,
    page_reply,
)


def type_routes(r: Router, t: Tenant, rt: EntitySet) -> None:
    coll = rt.collection
    key = rt.key

    if rt.singleton and not rt.singleton_in_collection:
        def get_singleton(call: Call) -> Reply:
            if call.query.get("$select") and not rt.query_options:
                raise BadRequest("This method doesn't support any optional query parameters.")
            return entity_reply(call, coll, t._get(key, "", select=parse_select(call.query.get("$select")),
                                                   root=call.base))

        def patch_singleton(call: Call) -> Reply:
            result = t.update(key, "", call.json())
            return entity_reply(call, coll, result) if result is not None else Reply.empty()

        r.add("GET", coll, get_singleton)
        r.add("PATCH", coll, patch_singleton)
    else:
        def list_items(call: Call) -> Reply:
            q = call.list_query()
            page = t.list(key, q, raw=True, root=call.base)
            return page_reply(call, page, context(call, coll, q.select))

        def create_item(call: Call) -> Reply:
            return entity_reply(call, coll, t.create(key, call.json(), version=call.version), status=201)

        def get_item(call: Call) -> Reply:
            obj_id = t.resolve_id(key, call.params["id"])
            if not call.query:
                cached = t.get_json(key, obj_id)
                if cached is not None:
                    head = dumps({"@odata.context": context(call, coll, entity=True)})
                    return Reply(200, head[:-1] + (b"," + cached[1:] if cached != b"{}" else b"}"))
            select = parse_select(call.query.get("$select"))
            obj = t._get(key, obj_id, select=select, expand=parse_expand(call.query.get("$expand")), root=call.base)
            return entity_reply(call, coll, obj, select=select)

        def patch_item(call: Call) -> Reply:
            result = t.update(key, t.resolve_id(key, call.params["id"]), call.json())
            return entity_reply(call, coll, result) if result is not None else Reply.empty()

        def delete_item(call: Call) -> Reply:
            t.delete(key, t.resolve_id(key, call.params["id"]))
            return Reply.empty()

        def count_items(call: Call) -> Reply:
            if rt.delta and not call.eventual:
                raise BadRequest("$count is not currently supported.")
            q = call.list_query()
            q.count, q.eventual = True, True
            q.top = rt.page_max
            n = t.list(key, q).count or 0
            return Reply(200, str(n).encode(), {"Content-Type": "text/plain"})

        r.add("GET", coll, list_items)
        if not rt.read_only_set:
            r.add("POST", coll, create_item)
        r.add("GET", f"{coll}/$count", count_items)
        if rt.delta:
            def delta(call: Call) -> Reply:
                q = call.query
                select = parse_select(q.get("$select"))
                page = t.delta(key, select=select, deltatoken=q.get("$deltatoken"), skiptoken=q.get("$skiptoken"),
                               restart_url=f"{call.base}/{coll}/delta")
                return delta_reply(call, page, context(call, coll, select))

            r.add("GET", f"{coll}/delta", delta)
            r.add("GET", f"{coll}/delta()", delta)
        r.add("GET", f"{coll}/{{id}}", get_item)
        if not rt.read_only_set:
            r.add("PATCH", f"{coll}/{{id}}", patch_item)
            r.add("DELETE", f"{coll}/{{id}}", delete_item)

    for link in rt.links:
        if link.kind in (LinkKind.IDS, LinkKind.ID):
            _id_link_routes(r, t, rt, link)
        elif link.name not in facts.SHARED_SETS:
            _object_link_routes(r, t, rt, link)


def _template(spec: str) -> tuple[str, str]:
    """``"POST groups/{id}/members/$ref"`` -> ("POST", "groups/{id}/members/$ref")."""
    method, _, path = spec.partition(" ")
    return method.upper(), path.split("?", 1)[0]


def _id_link_routes(r: Router, t: Tenant, rt: EntitySet, link: Link) -> None:
    key, name = rt.key, link.name

    def owner(call: Call) -> str:
        return t.resolve_id(key, call.params["id"])

    def read(call: Call) -> Reply:
        if link.kind is LinkKind.ID:
            select = parse_select(call.query.get("$select"))
            obj = t.get_link_single(key, owner(call), name, select)
            return Reply.json({"@odata.context": context(call, "directoryObjects", entity=True), **obj})
        q = call.list_query()
        page = t.list_link(key, owner(call), name, q, version=call.version, raw=True)
        return page_reply(call, page, context(call, "directoryObjects", q.select))

    def read_cast(call: Call) -> Reply:
        # groups/{id}/members/graph.user (or microsoft.graph.user): the linked objects of that type
        cast = cast_name(call.params["cast"])
        if cast is None:
            raise ResourceNotFound(call.params["cast"])
        q = call.list_query()
        page = t.list_link(key, owner(call), name, q, version=call.version, raw=True, cast=cast)
        return page_reply(call, page, context(call, f"microsoft.graph.{cast}", q.select))

    def add(call: Call) -> Reply:
        body = call.json()
        if not isinstance(body, dict) or "@odata.id" not in body:
            raise BadRequest("Invalid request body: expected {\"@odata.id\": \"<url of the directory object>\"}.")
        t.add_link(key, owner(call), name, ref_id(body["@odata.id"]))
        return Reply.empty()

    def remove(call: Call) -> Reply:
        t.remove_link(key, owner(call), name, call.params.get("ref"))
        return Reply.empty()

    def delete_member_object(call: Call) -> Reply:
        # Without /$ref Graph deletes the member object itself when the caller may manage it
        # (https://learn.microsoft.com/en-us/graph/api/group-delete-members?view=graph-rest-1.0): every
        # emulator caller may.
        ref = call.params["ref"]
        t.require(key, owner(call))
        if ref not in t.links.refs(key, name, owner(call)):
            raise GraphError(f"Resource '{ref}' does not exist or one of its queried reference-property objects "
                             "are not present.", code="Request_ResourceNotFound", status=404)
        found = t.directory_object(ref)
        if found is not None:
            t.delete(found[0].key, ref)
        return Reply.empty()

    if link.read:
        r.add("GET", link.read.split("?", 1)[0], read)
        if link.kind is LinkKind.IDS:
            r.add("GET", link.read.split("?", 1)[0] + "/{cast}", read_cast)
    if link.add:
        method, path = _template(link.add)
        r.add(method, path, add)
    if link.remove:
        method, path = _template(link.remove)
        r.add(method, path, remove)
        if "{ref}" in path and path.endswith("/$ref"):
            r.add("DELETE", path[: -len("/$ref")], delete_member_object)


def _object_link_routes(r: Router, t: Tenant, rt: EntitySet, link: Link) -> None:
    key, name = rt.key, link.name

    def owner(call: Call) -> str:
        return call.params.get("id") or ""

    def read(call: Call) -> Reply:
        items = t.list_objects(key, owner(call), name)
        return Reply.json({"@odata.context": context(call, name), "value": items})

    def get_one(call: Call) -> Reply:
        return Reply.json({"@odata.context": context(call, name, entity=True),
                           **t.get_object(key, owner(call), name, call.params["ref"])})

    def add(call: Call) -> Reply:
        return Reply.json({"@odata.context": context(call, name, entity=True),
                           **t.add_object(key, owner(call), name, call.json())}, 201)

    def update(call: Call) -> Reply:
        t.update_object(key, owner(call), name, call.params["ref"], call.json())
        return Reply.empty()

    def remove(call: Call) -> Reply:
        t.remove_object(key, owner(call), name, call.params["ref"])
        return Reply.empty()

    if link.read:
        r.add("GET", link.read.split("?", 1)[0], read)
    if link.add:
        r.add(*_template(link.add), add)
    if link.update:
        method, path = _template(link.update)
        r.add(method, path, update)
        r.add("GET", path, get_one)
    if link.remove:
        method, path = _template(link.remove)
        r.add(method, path, remove)
        r.add("GET", path, get_one)


