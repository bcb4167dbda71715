"""Routes of actions (addPassword, removePassword, updateAllowedCombinations), ``directoryObjects`` and the
other paths of a singleton."""

from __future__ import annotations

from entragit.emulator.backend import Tenant
from entragit.emulator.errors import GraphError, MethodNotAllowed
from entragit.emulator.facts import EntitySet
from entragit.emulator.routes.http import Call, Reply, Router, context, entity_reply, value_reply


def directory_routes(r: Router, t: Tenant) -> None:
    # ---- actions
    # addPassword / removePassword on applications and service principals (their bound_actions):
    # https://learn.microsoft.com/en-us/graph/api/application-addpassword?view=graph-rest-1.0
    for type_key in [rt.key for rt in t.registry if "addPassword" in rt.bound_actions]:

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
        for _, action_name in rt.actions:
            def action(call: Call, tk: str = rt.key, name: str = action_name) -> Reply:
                if name != "updateAllowedCombinations":
                    raise MethodNotAllowed()
                result = t.update_allowed_combinations(tk, call.params["id"], call.json())
                return Reply.json({"@odata.context": context(call, "microsoft.graph.updateAllowedCombinationsResult"),
                                   **result})

            r.add("POST", f"{rt.collection}/{{id}}/{action_name}", action)

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
        def owner_extension_properties(call: Call, owner: EntitySet = definitions) -> Reply:
            obj_id = t.resolve_id(owner.key, call.params["id"])
            return value_reply(call, f"{owner.collection}('{call.params['id']}')/{owner.extension_definitions}",
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


