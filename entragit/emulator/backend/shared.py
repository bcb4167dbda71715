"""The tenant-wide sets several objects list through their own paths: app role assignments and delegated
permission grants."""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any

from entragit.emulator import facts
from entragit.emulator.backend.common import ASSIGNMENTS, GRANTS, ZERO_ID, ListQuery, Page, resource_name
from entragit.emulator.backend.core import TenantCore
from entragit.emulator.errors import BadRequest, Conflict, InvalidProperty, NotFound, ReadOnlyProperty
from entragit.emulator.facts import EntitySet, Link
from entragit.emulator.models import new_opaque_id
from entragit.emulator.query import decode_token, encode_token


class SharedSetsMixin(TenantCore):
    """appRoleAssignments / appRoleAssignedTo and oauth2PermissionGrants."""

    # ================================================================== shared sets (assignments, grants)
    def _shared(self, link_name: str) -> tuple[dict[str, dict[str, Any]], str]:
        seed_key, owner_field = facts.SHARED_SETS[link_name]
        return self.shared[seed_key], owner_field

    def shared_link(self, link_name: str) -> tuple[EntitySet, Link]:
        """The entity set holding the shared set ``link_name`` (appRoleAssignedTo, oauth2PermissionGrants)."""
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
        if found_principal is None or found_principal[0].key not in self.ref_targets(ASSIGNMENTS, "principalId"):
            raise NotFound.resource(body["principalId"])
        res = self._live_in(self.ref_targets(ASSIGNMENTS, "resourceId"), body["resourceId"])
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
            "principalType": resource_name(prt),
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
            if self._live_in(self.ref_targets(GRANTS, name), body[name]) is None:
                raise NotFound.resource(body[name])
        principal = body.get("principalId")
        if body["consentType"] == "Principal":
            if not principal or self._live_in(self.ref_targets(GRANTS, "principalId"), principal) is None:
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

