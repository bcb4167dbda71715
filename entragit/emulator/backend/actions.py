"""Actions and functions: updateAllowedCombinations, addPassword/removePassword, getByIds, extension
properties, memberOf."""

from __future__ import annotations

from typing import Any

from entragit.emulator.backend.common import type_name
from entragit.emulator.backend.core import TenantCore
from entragit.emulator.errors import BadRequest, InvalidProperty, NotFound
from entragit.emulator.facts import EntitySet
from entragit.emulator.models import iso, new_opaque_id


class ActionsMixin(TenantCore):
    """POST actions and directory-object functions."""

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
            if want and type_name(rt).lower() not in want:
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

    def extension_definitions_type(self) -> EntitySet | None:
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

    def owned_objects(self, obj_id: str) -> list[dict[str, Any]]:
        """GET {user|servicePrincipal}/ownedObjects: the directory objects it is an owner of
        (https://learn.microsoft.com/en-us/graph/api/user-list-ownedobjects?view=graph-rest-1.0)."""
        out = []
        for _, link_name, owner in self.links.pointing_at(obj_id):
            if link_name != "owners":
                continue
            found = self.directory_object(owner)
            if found is not None:
                out.append(self.typed(found[0], self.view(found[0], found[1])))
        return out

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

