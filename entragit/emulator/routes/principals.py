"""Routes of app role assignments (appRoleAssignedTo, appRoleAssignments) and delegated permission grants."""

from __future__ import annotations

from entragit.emulator.backend import ListQuery, Tenant
from entragit.emulator.backend.common import ASSIGNMENTS, GRANTS
from entragit.emulator.routes.http import Call, Reply, Router, context, page_reply, value_reply


def principal_routes(r: Router, t: Tenant) -> None:
    # ---- app role assignments: servicePrincipal-post-approleassignedto, -approleassignments
    resources_rt, assigned_to = t.shared_link(ASSIGNMENTS)  # servicePrincipals.appRoleAssignedTo
    assigned_path = f"{resources_rt.collection}/{{id}}/{assigned_to.name}"

    def assigned_to_list(call: Call) -> Reply:
        items = t.list_assignments(resource=_owner(t, call, ASSIGNMENTS))
        return value_reply(call, f"{resources_rt.collection}('{call.params['id']}')/{assigned_to.name}", items,
                      filter_items=True)

    def assigned_to_post(call: Call) -> Reply:
        obj = t.create_assignment(call.json(), resource=_owner(t, call, ASSIGNMENTS))
        return Reply.json({"@odata.context": context(call, "appRoleAssignments", entity=True), **obj}, 201)

    def assigned_to_delete(call: Call) -> Reply:
        t.delete_assignment(call.params["ref"], resource=_owner(t, call, ASSIGNMENTS))
        return Reply.empty()

    r.add("GET", assigned_path, assigned_to_list)
    r.add("POST", assigned_path, assigned_to_post)
    r.add("DELETE", assigned_path + "/{ref}", assigned_to_delete)

    def assigned_to_get(call: Call) -> Reply:
        obj = t.get_assignment(call.params["ref"], resource=_owner(t, call, ASSIGNMENTS))
        return Reply.json({"@odata.context": context(call, "appRoleAssignments", entity=True), **obj})

    r.add("GET", assigned_path + "/{ref}", assigned_to_get)

    for principal_key in t.ref_targets(ASSIGNMENTS, "principalId"):  # users, groups, service principals
        if principal_key not in t.types:
            continue

        def assignments_list(call: Call, pk: str = principal_key) -> Reply:
            t.require(pk, t.resolve_id(pk, call.params["id"]))
            items = t.list_assignments(principal=t.resolve_id(pk, call.params["id"]))
            return value_reply(call, "appRoleAssignments", items, filter_items=True)

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
        if pk_owns(t, principal_key):
            def owned_objects(call: Call, pk: str = principal_key) -> Reply:
                obj_id = t.resolve_id(pk, call.params["id"])
                t.require(pk, obj_id)
                return Reply.json({"@odata.context": context(call, "directoryObjects"),
                                   "value": t.owned_objects(obj_id)})

            r.add("GET", f"{coll}/{{id}}/ownedObjects", owned_objects)

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

    clients_rt, grants = t.shared_link(GRANTS)  # servicePrincipals.oauth2PermissionGrants, by clientId

    def client_grants(call: Call) -> Reply:
        client = _owner(t, call, GRANTS)
        items = [g for g in t.list_grants(ListQuery(top=10**9)).items if g.get(grants.owner_field) == client]
        return value_reply(call, "oauth2PermissionGrants", items, filter_items=True)

    r.add("GET", "oauth2PermissionGrants", grants_list)
    r.add("POST", "oauth2PermissionGrants", grants_post)
    r.add("GET", "oauth2PermissionGrants/{id}", grant_get)
    r.add("PATCH", "oauth2PermissionGrants/{id}", grant_patch)
    r.add("DELETE", "oauth2PermissionGrants/{id}", grant_delete)
    r.add("GET", f"{clients_rt.collection}/{{id}}/{grants.name}", client_grants)
    for principal_key in t.ref_targets(GRANTS, "principalId"):  # the users a grant is for
        if principal_key not in t.types:
            continue

        def principal_grants(call: Call, pk: str = principal_key) -> Reply:
            principal = t.resolve_id(pk, call.params["id"])
            t.require(pk, principal)
            items = [g for g in t.list_grants(ListQuery(top=10**9)).items if g.get("principalId") == principal]
            return value_reply(call, "oauth2PermissionGrants", items, filter_items=True)

        r.add("GET", f"{t.types[principal_key].collection}/{{id}}/{grants.name}", principal_grants)



def _owner(t: Tenant, call: Call, link_name: str) -> str:
    """The id of the owner in ``{owner collection}/{id}/...`` (a service principal) of a shared set's path."""
    owner, _ = t.shared_link(link_name)
    obj_id = t.resolve_id(owner.key, call.params["id"])
    t.require(owner.key, obj_id)
    return obj_id


def pk_owns(t: Tenant, principal_key: str) -> bool:
    """Whether objects of this principal type can own others (users and service principals: an owners link of
    some type names them)."""
    return any(link.name == "owners" and principal_key in link.targets
               for rt in t.types.values() for link in rt.links)
