"""Graph paths -> backend calls (moto's ``urls.py`` + ``responses.py``): one small handler per operation.

Routes for the resource types are generated from their declarations (collection, item, delta, singleton,
and the link templates ``read``/``add``/``remove``/``update`` of each link); the rest of Graph's surface the
emulator serves (deleted items, actions, assignments, grants, ``directoryObjects``) is listed by hand.
Handlers get a :class:`Call` and return a :class:`Reply`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from entragit.emulator import facts
from entragit.emulator.backend import DeltaPage, ListQuery, Page, ref_id
from entragit.emulator.errors import BadRequest, GraphError, MethodNotAllowed
from entragit.emulator.models import dumps
from entragit.emulator.query import parse_expand, parse_filter, parse_orderby, parse_select
from entragit.resources import Link, LinkKind, ResourceType

if TYPE_CHECKING:
    from entragit.emulator.backend import Tenant


@dataclass
class Call:
    """One Graph request as the handlers see it."""

    method: str
    version: str  # "v1.0" | "beta"
    path: str  # below the version root, no leading slash
    query: dict[str, str]  # lower-cased "$" options and other parameters (last value wins)
    raw_query: str
    headers: dict[str, str]  # lower-cased names
    body: bytes
    root: str  # "http://host:port" the client called
    params: dict[str, str] = field(default_factory=dict)

    @property
    def base(self) -> str:
        return f"{self.root}/{self.version}"

    def json(self) -> Any:
        if not self.body or not self.body.strip():
            return None
        import json

        try:
            return json.loads(self.body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise BadRequest(f"Invalid JSON in the request body: {exc}.", code="BadRequest") from None

    @property
    def eventual(self) -> bool:
        return self.headers.get("consistencylevel", "").lower() == "eventual"

    def list_query(self) -> ListQuery:
        q = self.query
        top = q.get("$top")
        try:
            top_value = int(top) if top is not None else None
        except ValueError:
            raise BadRequest(f"Invalid page size specified: '{top}'.") from None
        skip = q.get("$skip")
        return ListQuery(
            filter=parse_filter(q["$filter"]) if q.get("$filter") else None,
            select=parse_select(q.get("$select")),
            expand=parse_expand(q.get("$expand")),
            top=top_value,
            skiptoken=q.get("$skiptoken"),
            skip=int(skip) if skip and skip.isdigit() else None,
            count=q.get("$count", "").lower() == "true",
            orderby=parse_orderby(q.get("$orderby")),
            search=q.get("$search"),
            eventual=self.eventual,
        )

    def next_link(self, token: str, name: str = "$skiptoken") -> str:
        kept = [p for p in self.raw_query.split("&") if p and not p.lower().startswith(("$skiptoken=", "%24skiptoken="))]
        kept.append(f"{name}={token}")
        return f"{self.base}/{self.path}?{'&'.join(kept)}"


@dataclass
class Reply:
    status: int = 200
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, data: Any, status: int = 200, **headers: str) -> Reply:
        return cls(status, dumps(data), dict(headers))

    @classmethod
    def empty(cls, status: int = 204) -> Reply:
        return cls(status, None)


Handler = Callable[[Call], Reply]


@dataclass
class Route:
    methods: dict[str, Handler]
    pattern: re.Pattern[str]
    template: str


def _compile(template: str) -> re.Pattern[str]:
    parts = []
    for seg in template.split("/"):
        m = re.fullmatch(r"\{(\w+)\}", seg)
        parts.append(f"(?P<{m.group(1)}>[^/]+)" if m else re.escape(seg))
    return re.compile("^" + "/".join(parts) + "$", re.IGNORECASE)


class Router:
    def __init__(self) -> None:
        self.routes: list[Route] = []
        self._by_template: dict[str, Route] = {}
        self._by_head: dict[str, list[Route]] = {}  # first path segment (lower) -> routes, in order

    def add(self, method: str, template: str, handler: Handler) -> None:
        template = template.strip("/")
        route = self._by_template.get(template.lower())
        if route is None:
            route = Route({}, _compile(template), template)
            self._by_template[template.lower()] = route
            self.routes.append(route)
            self._by_head.setdefault(template.split("/", 1)[0].lower(), []).append(route)
        route.methods.setdefault(method.upper(), handler)

    def match(self, method: str, path: str) -> tuple[Handler, dict[str, str], str]:
        static = self._by_template.get(path.lower())
        if static is not None and "{" not in static.template and method in static.methods:
            return static.methods[method], {}, static.template
        allowed = False
        for route in self._by_head.get(path.split("/", 1)[0].lower(), ()):
            m = route.pattern.match(path)
            if m is None:
                continue
            handler = route.methods.get(method)
            if handler is None:
                allowed = True
                continue
            return handler, m.groupdict(), route.template
        if allowed:
            raise MethodNotAllowed()
        segment = path.split("/")[-1] if path else ""
        raise GraphError(f"Resource not found for the segment '{segment}'.", code="BadRequest", status=404)


# ---------------------------------------------------------------------------------------------- replies


def page_reply(call: Call, page: Page, context: str) -> Reply:
    head: dict[str, Any] = {"@odata.context": context}
    if page.count is not None:
        head["@odata.count"] = page.count
    if page.next_token:
        head["@odata.nextLink"] = call.next_link(page.next_token)
    items = page.items if page.raw else [dumps(i) for i in page.items]
    prefix = dumps(head)[:-1] + b',"value":['
    return Reply(200, prefix + b",".join(items) + b"]}")


def delta_reply(call: Call, page: DeltaPage, context: str) -> Reply:
    head: dict[str, Any] = {"@odata.context": context}
    path = call.path
    if page.next_token:
        head["@odata.nextLink"] = f"{call.base}/{path}?$skiptoken={page.next_token}"
    else:
        head["@odata.deltaLink"] = f"{call.base}/{path}?$deltatoken={page.delta_token}"
    head["value"] = page.items
    return Reply.json(head)


def context(call: Call, collection: str, select: tuple[str, ...] | None = None, entity: bool = False) -> str:
    sel = f"({','.join(select)})" if select else ""
    return f"{call.base}/$metadata#{collection}{sel}{'/$entity' if entity else ''}"


def entity_reply(call: Call, collection: str, obj: dict[str, Any], status: int = 200,
                 select: tuple[str, ...] | None = None) -> Reply:
    return Reply.json({"@odata.context": context(call, collection, select, entity=True), **obj}, status)


# ---------------------------------------------------------------------------------------------- building


def build_router(tenant: Tenant) -> Router:
    """Every Graph route the emulator serves, for the tenant's registry."""
    r = Router()
    _fixed_routes(r, tenant)
    for rt in tenant.registry:
        _type_routes(r, tenant, rt)
    return r


def _type_routes(r: Router, t: Tenant, rt: ResourceType) -> None:
    coll = rt.collection
    key = rt.key

    if rt.singleton and not rt.singleton_in_collection:
        def get_singleton(call: Call) -> Reply:
            if call.query.get("$select") and not rt.select_query and rt.odata_type in facts.PATCH_RETURNS_OBJECT:
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


def _id_link_routes(r: Router, t: Tenant, rt: ResourceType, link: Link) -> None:
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
    if link.add:
        method, path = _template(link.add)
        r.add(method, path, add)
    if link.remove:
        method, path = _template(link.remove)
        r.add(method, path, remove)
        if "{ref}" in path and path.endswith("/$ref"):
            r.add("DELETE", path[: -len("/$ref")], delete_member_object)


def _object_link_routes(r: Router, t: Tenant, rt: ResourceType, link: Link) -> None:
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


def _fixed_routes(r: Router, t: Tenant) -> None:
    # ---- deleted items (directory): https://learn.microsoft.com/en-us/graph/api/resources/directory
    def deleted_list(call: Call) -> Reply:
        q = call.list_query()
        cast = call.params["cast"].split(".")[-1]
        page = t.list_deleted(cast, q, raw=True)
        return page_reply(call, page, context(call, f"directory/deletedItems/microsoft.graph.{cast}", q.select))

    def deleted_without_cast(call: Call) -> Reply:
        raise BadRequest("Listing directory/deletedItems needs a type cast, e.g. "
                         "directory/deletedItems/microsoft.graph.user.")

    def deleted_get(call: Call) -> Reply:
        ident = call.params["id"]
        if ident.lower().startswith("microsoft.graph."):
            return deleted_list(Call(**{**call.__dict__, "params": {"cast": ident}}))
        return Reply.json({"@odata.context": context(call, "directory/deletedItems", entity=True),
                           **t.get_deleted(ident)})

    def deleted_delete(call: Call) -> Reply:
        t.purge_deleted(call.params["id"])
        return Reply.empty()

    def deleted_restore(call: Call) -> Reply:
        obj = t.restore(call.params["id"], call.json())
        return Reply.json({"@odata.context": context(call, "directoryObjects", entity=True), **obj})

    r.add("GET", "directory/deletedItems", deleted_without_cast)
    r.add("GET", "directory/deletedItems/{id}", deleted_get)
    r.add("DELETE", "directory/deletedItems/{id}", deleted_delete)
    r.add("POST", "directory/deletedItems/{id}/restore", deleted_restore)
    r.add("POST", "directory/deletedItems/{id}/microsoft.graph.restore", deleted_restore)

    # ---- deleted items (Conditional Access, beta; the v1.0 SDK builders have them too)
    def ca_deleted_list(call: Call) -> Reply:
        items = t.list_policy_deleted(call.params["container"])
        return Reply.json({"@odata.context": context(call, f"identity/conditionalAccess/deletedItems/"
                                                           f"{call.params['container']}"), "value": items})

    def ca_deleted_get(call: Call) -> Reply:
        obj = t.get_policy_deleted(call.params["container"], call.params["id"])
        return Reply.json({"@odata.context": context(call, "identity/conditionalAccess/deletedItems", entity=True),
                           **obj})

    def ca_deleted_delete(call: Call) -> Reply:
        t.purge_policy_deleted(call.params["container"], call.params["id"])
        return Reply.empty()

    def ca_deleted_restore(call: Call) -> Reply:
        obj = t.restore_policy(call.params["container"], call.params["id"])
        return Reply.json({"@odata.context": context(call, "identity/conditionalAccess", entity=True), **obj})

    base = "identity/conditionalAccess/deletedItems/{container}"
    r.add("GET", base, ca_deleted_list)
    r.add("GET", base + "/{id}", ca_deleted_get)
    r.add("DELETE", base + "/{id}", ca_deleted_delete)
    r.add("POST", base + "/{id}/restore", ca_deleted_restore)

    # ---- app role assignments: servicePrincipal-post-approleassignedto, -approleassignments
    resources_rt, assigned_to = t.shared_link(_ASSIGNMENTS)  # servicePrincipals.appRoleAssignedTo
    assigned_path = f"{resources_rt.collection}/{{id}}/{assigned_to.name}"

    def assigned_to_list(call: Call) -> Reply:
        items = t.list_assignments(resource=_owner(t, call, _ASSIGNMENTS))
        return _value(call, f"{resources_rt.collection}('{call.params['id']}')/{assigned_to.name}", items,
                      filter_items=True)

    def assigned_to_post(call: Call) -> Reply:
        obj = t.create_assignment(call.json(), resource=_owner(t, call, _ASSIGNMENTS))
        return Reply.json({"@odata.context": context(call, "appRoleAssignments", entity=True), **obj}, 201)

    def assigned_to_delete(call: Call) -> Reply:
        t.delete_assignment(call.params["ref"], resource=_owner(t, call, _ASSIGNMENTS))
        return Reply.empty()

    r.add("GET", assigned_path, assigned_to_list)
    r.add("POST", assigned_path, assigned_to_post)
    r.add("DELETE", assigned_path + "/{ref}", assigned_to_delete)

    def assigned_to_get(call: Call) -> Reply:
        obj = t.get_assignment(call.params["ref"], resource=_owner(t, call, _ASSIGNMENTS))
        return Reply.json({"@odata.context": context(call, "appRoleAssignments", entity=True), **obj})

    r.add("GET", assigned_path + "/{ref}", assigned_to_get)

    for principal_key in t.ref_targets(_ASSIGNMENTS, "principalId"):  # users, groups, service principals
        if principal_key not in t.types:
            continue

        def assignments_list(call: Call, pk: str = principal_key) -> Reply:
            t.require(pk, t.resolve_id(pk, call.params["id"]))
            items = t.list_assignments(principal=t.resolve_id(pk, call.params["id"]))
            return _value(call, "appRoleAssignments", items, filter_items=True)

        def assignments_post(call: Call, pk: str = principal_key) -> Reply:
            principal = t.resolve_id(pk, call.params["id"])
            t.require(pk, principal)
            obj = t.create_assignment(call.json(), principal=principal)
            return Reply.json({"@odata.context": context(call, "appRoleAssignments", entity=True), **obj}, 201)

        def assignments_delete(call: Call, pk: str = principal_key) -> Reply:
            t.delete_assignment(call.params["ref"], principal=t.resolve_id(pk, call.params["id"]))
            return Reply.empty()

        def assignment_get(call: Call, pk: str = principal_key) -> Reply:
            obj = t.get_assignment(call.params["ref"], principal=t.resolve_id(pk, call.params["id"]))
            return Reply.json({"@odata.context": context(call, "appRoleAssignments", entity=True), **obj})

        def member_of(call: Call, pk: str = principal_key) -> Reply:
            obj_id = t.resolve_id(pk, call.params["id"])
            t.require(pk, obj_id)
            return Reply.json({"@odata.context": context(call, "directoryObjects"), "value": t.member_of(obj_id)})

        coll = t.types[principal_key].collection
        r.add("GET", f"{coll}/{{id}}/appRoleAssignments", assignments_list)
        r.add("POST", f"{coll}/{{id}}/appRoleAssignments", assignments_post)
        r.add("DELETE", f"{coll}/{{id}}/appRoleAssignments/{{ref}}", assignments_delete)
        r.add("GET", f"{coll}/{{id}}/appRoleAssignments/{{ref}}", assignment_get)
        r.add("GET", f"{coll}/{{id}}/memberOf", member_of)

    # ---- delegated permission grants: https://learn.microsoft.com/en-us/graph/api/resources/oauth2permissiongrant
    def grants_list(call: Call) -> Reply:
        q = call.list_query()
        page = t.list_grants(q)
        return page_reply(call, page, context(call, "oauth2PermissionGrants"))

    def grants_post(call: Call) -> Reply:
        return Reply.json({"@odata.context": context(call, "oauth2PermissionGrants", entity=True),
                           **t.create_grant(call.json())}, 201)

    def grant_get(call: Call) -> Reply:
        return Reply.json({"@odata.context": context(call, "oauth2PermissionGrants", entity=True),
                           **t.get_grant(call.params["id"])})

    def grant_patch(call: Call) -> Reply:
        t.update_grant(call.params["id"], call.json())
        return Reply.empty()

    def grant_delete(call: Call) -> Reply:
        t.delete_grant(call.params["id"])
        return Reply.empty()

    clients_rt, grants = t.shared_link(_GRANTS)  # servicePrincipals.oauth2PermissionGrants, by clientId

    def client_grants(call: Call) -> Reply:
        client = _owner(t, call, _GRANTS)
        items = [g for g in t.list_grants(ListQuery(top=10**9)).items if g.get(grants.owner_field) == client]
        return _value(call, "oauth2PermissionGrants", items, filter_items=True)

    r.add("GET", "oauth2PermissionGrants", grants_list)
    r.add("POST", "oauth2PermissionGrants", grants_post)
    r.add("GET", "oauth2PermissionGrants/{id}", grant_get)
    r.add("PATCH", "oauth2PermissionGrants/{id}", grant_patch)
    r.add("DELETE", "oauth2PermissionGrants/{id}", grant_delete)
    r.add("GET", f"{clients_rt.collection}/{{id}}/{grants.name}", client_grants)
    for principal_key in t.ref_targets(_GRANTS, "principalId"):  # the users a grant is for
        if principal_key not in t.types:
            continue

        def principal_grants(call: Call, pk: str = principal_key) -> Reply:
            principal = t.resolve_id(pk, call.params["id"])
            t.require(pk, principal)
            items = [g for g in t.list_grants(ListQuery(top=10**9)).items if g.get("principalId") == principal]
            return _value(call, "oauth2PermissionGrants", items, filter_items=True)

        r.add("GET", f"{t.types[principal_key].collection}/{{id}}/{grants.name}", principal_grants)

    # ---- actions
    # addPassword / removePassword exist on the types holding passwordCredentials (applications, service
    # principals): https://learn.microsoft.com/en-us/graph/api/application-addpassword?view=graph-rest-1.0
    for type_key in [rt.key for rt in t.registry if rt.prop("passwordCredentials") is not None]:

        def add_password(call: Call, tk: str = type_key) -> Reply:
            result = t.add_password(tk, call.params["id"], call.json())
            return Reply.json({"@odata.context": context(call, "microsoft.graph.passwordCredential"), **result})

        def remove_password(call: Call, tk: str = type_key) -> Reply:
            t.remove_password(tk, call.params["id"], call.json())
            return Reply.empty()

        coll = t.types[type_key].collection
        r.add("POST", f"{coll}/{{id}}/addPassword", add_password)
        r.add("POST", f"{coll}/{{id}}/removePassword", remove_password)

    for rt in t.registry:
        for prop in rt.props:
            if prop.action:
                def action(call: Call, tk: str = rt.key, name: str = prop.action) -> Reply:
                    if name != "updateAllowedCombinations":
                        raise MethodNotAllowed()
                    result = t.update_allowed_combinations(tk, call.params["id"], call.json())
                    return Reply.json({"@odata.context": context(call, "microsoft.graph.updateAllowedCombinationsResult"),
                                       **result})

                r.add("POST", f"{rt.collection}/{{id}}/{prop.action}", action)

    # ---- directory objects
    def directory_object_get(call: Call) -> Reply:
        found = t.directory_object(call.params["id"])
        if found is None:
            raise GraphError(f"Resource '{call.params['id']}' does not exist or one of its queried reference-property "
                             "objects are not present.", code="Request_ResourceNotFound", status=404)
        return Reply.json({"@odata.context": context(call, "directoryObjects", entity=True),
                           **t.typed(found[0], t.view(found[0], found[1]))})

    def directory_object_delete(call: Call) -> Reply:
        found = t.directory_object(call.params["id"])
        if found is None:
            raise GraphError(f"Resource '{call.params['id']}' does not exist or one of its queried reference-property "
                             "objects are not present.", code="Request_ResourceNotFound", status=404)
        t.delete(found[0].key, call.params["id"])
        return Reply.empty()

    def get_by_ids(call: Call) -> Reply:
        return Reply.json({"@odata.context": context(call, "directoryObjects"), "value": t.get_by_ids(call.json())})

    def extension_properties(call: Call) -> Reply:
        return Reply.json({"@odata.context": context(call, "Collection(microsoft.graph.extensionProperty)"),
                           "value": t.available_extension_properties(call.json())})

    definitions = t.extension_definitions_type()  # applications: extensionProperties
    if definitions is not None:
        def owner_extension_properties(call: Call, owner: ResourceType = definitions) -> Reply:
            obj_id = t.resolve_id(owner.key, call.params["id"])
            return _value(call, f"{owner.collection}('{call.params['id']}')/{owner.extension_definitions}",
                          t.extension_properties(obj_id), filter_items=True)

        r.add("GET", f"{definitions.collection}/{{id}}/{definitions.extension_definitions}",
              owner_extension_properties)
    r.add("POST", "directoryObjects/getByIds", get_by_ids)
    r.add("POST", "directoryObjects/microsoft.graph.getByIds", get_by_ids)
    r.add("POST", "directoryObjects/getAvailableExtensionProperties", extension_properties)
    r.add("POST", "directoryObjects/microsoft.graph.getAvailableExtensionProperties", extension_properties)
    r.add("GET", "directoryObjects/{id}", directory_object_get)
    r.add("DELETE", "directoryObjects/{id}", directory_object_delete)

    # ---- other paths of a singleton (beta: policies/authorizationPolicy/authorizationPolicy)
    for rt in t.registry:
        for alias in rt.aliases:
            def alias_get(call: Call, tk: str = rt.key, coll: str = rt.collection) -> Reply:
                return entity_reply(call, coll, t.get(tk, ""))

            def alias_patch(call: Call, tk: str = rt.key) -> Reply:
                t.update(tk, "", call.json())
                return Reply.empty()

            r.add("GET", alias, alias_get)
            r.add("PATCH", alias, alias_patch)


# the shared sets (facts.SHARED_SETS) by their link names
_ASSIGNMENTS = "appRoleAssignedTo"
_GRANTS = "oauth2PermissionGrants"


def _owner(t: Tenant, call: Call, link_name: str) -> str:
    """The id of the owner in ``{owner collection}/{id}/...`` (a service principal) of a shared set's path."""
    owner, _ = t.shared_link(link_name)
    obj_id = t.resolve_id(owner.key, call.params["id"])
    t.require(owner.key, obj_id)
    return obj_id


def _value(call: Call, collection: str, items: list[dict[str, Any]], *, filter_items: bool = False) -> Reply:
    q = call.list_query()
    if filter_items and q.filter is not None:
        items = [i for i in items if q.filter.predicate(i)]
    if q.select:
        items = [{"id": i.get("id"), **{k: i.get(k) for k in q.select if k != "id"}} for i in items]
    return Reply.json({"@odata.context": context(call, collection, q.select), "value": items})
