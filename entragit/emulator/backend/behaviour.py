"""Graph's server behaviour per type: what a create, update, delete or restore of one kind of object checks
or fills in (UPNs, group kinds, service principals from their application, CA references, ...).

Hooks are found by name: ``_on_create_<type>``, ``_on_update_<type>``, ``_on_delete_<type>``, ``_on_restore_<type>``."""

from __future__ import annotations

import copy
from typing import Any

from entragit.emulator import facts
from entragit.emulator.backend.common import merge_patch, owning_ref
from entragit.emulator.backend.core import TenantCore
from entragit.emulator.errors import BadRequest, ConditionalAccessError, Conflict
from entragit.emulator.facts import EntitySet, iter_path, path_values


class BehaviourMixin(TenantCore):
    """Per-type hooks of create, update, delete and restore."""

    # ================================================================== server behaviour per type
    def _on_create_user(self, rt: EntitySet, obj: dict[str, Any], body: dict[str, Any]) -> None:
        profile = body.get("passwordProfile")
        if not isinstance(profile, dict) or not profile.get("password"):
            raise BadRequest("Invalid value specified for property 'passwordProfile' of resource 'User'.")
        self._check_upn(rt, str(obj.get("userPrincipalName", "")), None)

    def _on_update_user(self, rt: EntitySet, obj: dict[str, Any], body: dict[str, Any]) -> None:
        if "userPrincipalName" in body:
            self._check_upn(rt, str(body["userPrincipalName"]), obj["id"])
        if "mail" in body and body["mail"] is None:
            raise BadRequest("Invalid value specified for property 'mail' of resource 'User'.")

    def _on_restore_user(self, rt: EntitySet, obj: dict[str, Any]) -> None:
        upn = str(obj.get("userPrincipalName", "")).lower()
        for other in self.collections[rt.key].items.values():
            if str(other.get("userPrincipalName", "")).lower() == upn:
                raise BadRequest("Another object with the same value for property userPrincipalName already "
                                 "exists.")

    def _check_upn(self, rt: EntitySet, upn: str, self_id: str | None) -> None:
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

    def _on_create_group(self, rt: EntitySet, obj: dict[str, Any], body: dict[str, Any]) -> None:
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

    def _on_create_application(self, rt: EntitySet, obj: dict[str, Any], body: dict[str, Any]) -> None:
        obj["publisherDomain"] = self.default_domain()

    def _on_delete_application(self, rt: EntitySet, obj: dict[str, Any]) -> None:
        # Deleting an app registration also deletes its service principal in the home tenant; restoring the
        # application does not restore it (https://learn.microsoft.com/en-us/graph/api/directory-deleteditems-restore).
        # The service principals: the objects whose owning reference (appId) points at this type.
        for other in self.registry:
            owner_ref = owning_ref(other)
            if owner_ref is None or rt.key not in owner_ref.targets or not obj.get(owner_ref.by):
                continue
            found = self._by_alt((other.key,), str(obj[owner_ref.by]))
            if found is not None:
                self._soft_delete(other, found)

    def _on_create_servicePrincipal(self, rt: EntitySet, obj: dict[str, Any], body: dict[str, Any]) -> None:
        app_id = str(obj.get("appId") or "")
        sps = self.collections[rt.key]
        if sps.by_alt(app_id) is not None:
            raise Conflict("The service principal cannot be created, updated, or restored because the service "
                           f"principal name {app_id} is already in use.",
                           code="Request_MultipleObjectsWithSameKeyValue")
        owner_ref = owning_ref(rt)
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

    def _on_create_authenticationStrengthPolicy(self, rt: EntitySet, obj: dict[str, Any],
                                                body: dict[str, Any]) -> None:
        combos = obj.get("allowedCombinations") or []
        if not isinstance(combos, list) or not combos:
            raise BadRequest("Invalid value specified for property 'allowedCombinations'.")
        obj["policyType"] = "custom"
        obj["requirementsSatisfied"] = "none" if combos == ["password"] else "mfa"

    def _on_delete_authenticationStrengthPolicy(self, rt: EntitySet, obj: dict[str, Any]) -> None:
        users = self._policy_references(rt, obj["id"])
        if users:
            raise BadRequest(f"The authentication strength policy is referenced by Conditional Access policies "
                             f"({', '.join(users)}) and cannot be deleted.")

    def _policy_references(self, target: EntitySet, target_id: str) -> list[str]:
        """Ids of objects of other types (CA policies) whose declared references point at ``target_id``."""
        found = []
        for rt in self.registry:
            if rt.key == target.key:
                continue
            refs = [r for r in rt.refs if target.key in r.targets]
            if not refs:
                continue
            for obj in self.collections[rt.key].items.values():
                if any(target_id == v for r in refs for v in path_values(obj, r.path)):
                    found.append(str(obj["id"]))
        return sorted(found)

    def _on_create_conditionalAccessPolicy(self, rt: EntitySet, obj: dict[str, Any], body: dict[str, Any]) -> None:
        self._check_policy_refs(rt, obj)
        obj["modifiedDateTime"] = None
        self._reduce_expanded(rt, obj)

    def _on_update_conditionalAccessPolicy(self, rt: EntitySet, obj: dict[str, Any], body: dict[str, Any]) -> None:
        merged = {**obj, **{k: merge_patch(obj.get(k), v) for k, v in body.items() if "@" not in k}}
        self._check_policy_refs(rt, merged)
        grant = body.get("grantControls")
        if isinstance(grant, dict):
            self._reduce_expanded(rt, body)

    def _reduce_expanded(self, rt: EntitySet, obj: dict[str, Any]) -> None:
        for path in rt.expanded:
            for container, key in list(iter_path(obj, path)):
                value = container[key]
                if isinstance(value, dict):
                    container[key] = {"id": value.get("id")}
                container.pop(f"{key}@odata.context", None)

    def _check_policy_refs(self, rt: EntitySet, obj: dict[str, Any]) -> None:
        """Validate the ids a CA policy references (users, groups, locations, strengths, service principals).

        Observed errors: ``1040: NamedLocation with id ... does not exist in the directory.`` and
        ``1054: Invalid group value: ...`` (graph-entra.md corrections; CIPP issues 4194 and 3614).
        """
        for ref in rt.refs:
            if ref.by != "id":
                continue  # applications are named by appId, including Microsoft's own: not validated
            for value in path_values(obj, ref.path):
                if not isinstance(value, str) or value in ref.specials:
                    continue
                if any(self.collections[t].get(value) is not None for t in ref.targets):
                    continue
                target = self.types[ref.targets[0]]
                template = facts.MISSING_REFERENCE_ERRORS.get(target.odata_type,
                                                              f"Invalid {target.title} value: {{value}}.")
                raise ConditionalAccessError(template.format(value=value))

    def _on_create_namedLocation(self, rt: EntitySet, obj: dict[str, Any], body: dict[str, Any]) -> None:
        sub = str(obj.get("@odata.type", "")).rsplit(".", 1)[-1]
        if sub == "ipNamedLocation" and not body.get("ipRanges"):
            raise BadRequest("Invalid value specified for property 'ipRanges' of resource 'IpNamedLocation'.")
        if sub == "countryNamedLocation" and not body.get("countriesAndRegions"):
            raise BadRequest("Invalid value specified for property 'countriesAndRegions' of resource "
                             "'CountryNamedLocation'.")

