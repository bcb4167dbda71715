"""Routes of deleted items: ``directory/deletedItems`` (https://learn.microsoft.com/en-us/graph/api/resources/directory)
and the Conditional Access deleted-items containers."""

from __future__ import annotations

from entragit.emulator.backend import Tenant
from entragit.emulator.errors import BadRequest, NotFound, ResourceNotFound
from entragit.emulator.routes.http import Call, Reply, Router, cast_name, context, page_reply


def deleted_routes(r: Router, t: Tenant) -> None:
    # ---- deleted items (directory): https://learn.microsoft.com/en-us/graph/api/resources/directory
    # Casts name the type in either namespace form: microsoft.graph.group or its alias graph.group (the schema's
    # Alias="graph"; msgraph-sdk's deleted_items.graph_group requests directory/deletedItems/graph.group).
    def deleted_list(call: Call, cast: str | None = None) -> Reply:
        q = call.list_query()
        name = cast or cast_name(call.params["cast"])
        if name is None:
            raise ResourceNotFound(call.params["cast"])
        page = t.list_deleted(name, q, raw=True)
        return page_reply(call, page, context(call, f"directory/deletedItems/microsoft.graph.{name}", q.select))

    def deleted_count(call: Call) -> Reply:
        name = cast_name(call.params["cast"])
        if name is None:
            raise ResourceNotFound(call.params["cast"])
        if not call.eventual:
            raise BadRequest("$count is not currently supported.")
        q = call.list_query()
        q.count, q.eventual, q.top = True, True, 999
        n = t.list_deleted(name, q).count or 0
        return Reply(200, str(n).encode(), {"Content-Type": "text/plain"})

    def deleted_without_cast(call: Call) -> Reply:
        raise BadRequest("Listing directory/deletedItems needs a type cast, e.g. "
                         "directory/deletedItems/microsoft.graph.user.")

    def deleted_get(call: Call) -> Reply:
        ident = call.params["id"]
        name = cast_name(ident)
        if name is not None:
            return deleted_list(call, name)
        return Reply.json({"@odata.context": context(call, "directory/deletedItems", entity=True),
                           **t.get_deleted(ident)})

    def deleted_get_cast(call: Call) -> Reply:
        # directory/deletedItems/{id}/graph.group: the item, if it is of that type
        name = cast_name(call.params["cast"])
        if name is None:
            raise ResourceNotFound(call.params["cast"])
        obj = t.get_deleted(call.params["id"])
        if str(obj.get("@odata.type", "")).lower() != f"#microsoft.graph.{name}".lower():
            raise NotFound.resource(call.params["id"])
        return Reply.json({"@odata.context": context(call, f"directory/deletedItems/microsoft.graph.{name}",
                                                      entity=True), **obj})

    def deleted_delete(call: Call) -> Reply:
        t.purge_deleted(call.params["id"])
        return Reply.empty()

    def deleted_restore(call: Call) -> Reply:
        obj = t.restore(call.params["id"], call.json())
        return Reply.json({"@odata.context": context(call, "directoryObjects", entity=True), **obj})

    r.add("GET", "directory/deletedItems", deleted_without_cast)
    r.add("GET", "directory/deletedItems/{id}", deleted_get)
    r.add("GET", "directory/deletedItems/{cast}/$count", deleted_count)
    r.add("GET", "directory/deletedItems/{id}/{cast}", deleted_get_cast)
    r.add("DELETE", "directory/deletedItems/{id}", deleted_delete)
    r.add("POST", "directory/deletedItems/{id}/restore", deleted_restore)
    r.add("POST", "directory/deletedItems/{id}/microsoft.graph.restore", deleted_restore)
    r.add("POST", "directory/deletedItems/{id}/graph.restore", deleted_restore)

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

