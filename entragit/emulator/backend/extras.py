"""The rest of the directory around the main sets: restricted-management administrative units, objects added
through the control plane (organizational contacts), Entra Agent ID objects (created only through their
type casts, ``facts/agents.py``), and the 1,000-service-principal cut-off of
``getAvailableExtensionProperties``.

- Members of an administrative unit with ``isMemberManagementRestricted: true`` are restricted-management
  objects: Graph reports ``isManagementRestricted: true`` on them (user, group and device resource pages) and
  refuses their app-only writes (``permissions.py``;
  https://learn.microsoft.com/en-us/entra/identity/role-based-access-control/admin-units-restricted-management).
- ``POST directoryObjects/getAvailableExtensionProperties`` "has a known issue and only processes results for
  tenants with up to 1,000 service principals; otherwise, it returns an empty response"
  (https://learn.microsoft.com/en-us/graph/api/directoryobject-getavailableextensionproperties?view=graph-rest-1.0).
"""

from __future__ import annotations

from typing import Any

from entragit.emulator.backend.actions import ActionsMixin
from entragit.emulator.backend.common import ref_id
from entragit.emulator.backend.core import TenantCore
from entragit.emulator.errors import BadRequest, NotFound, SeedError
from entragit.emulator.facts.agents import AGENT_KINDS, AgentKind

_AGENT_TYPES = {k.odata_type.lower(): k for k in AGENT_KINDS.values()}

# the known issue's threshold
EXTENSION_PROPERTIES_SP_LIMIT = 1000


class ExtrasMixin(ActionsMixin, TenantCore):
    """Placed first among ``Tenant``'s bases: it wraps seeding and one action of the other mixins."""

    def load_seed(self, seed: dict[str, Any]) -> None:
        # agent objects keep their @odata.type (their base sets are not polymorphic otherwise)
        agents = {obj["id"]: obj["@odata.type"] for kind in {k.set_key for k in AGENT_KINDS.values()}
                  for obj in seed.get(kind) or [] if str(obj.get("@odata.type", "")).lower() in _AGENT_TYPES}
        super().load_seed(seed)
        for obj_id, odata_type in agents.items():
            found = self.directory_object(obj_id)
            if found is not None:
                self.collections[found[0].key].put({"@odata.type": odata_type, **found[1]})
        self.mark_restricted()

    # ------------------------------------------------------------------ Entra Agent ID
    def create(self, type_key: str, body: Any, *, version: str = "v1.0") -> dict[str, Any]:
        """A plain POST cannot create an agent object: only its type cast can (strict: the text is ours)."""
        kind = _AGENT_TYPES.get(str((body or {}).get("@odata.type", "") if isinstance(body, dict) else "").lower()
                                .replace("#graph.", "#microsoft.graph."))
        if kind is not None:
            raise BadRequest(f"A {kind.type_name} is created with POST {self.types[kind.set_key].collection}/"
                             f"microsoft.graph.{kind.type_name}, not with a plain POST.")
        return super().create(type_key, body, version=version)

    def agents(self, type_name: str) -> list[dict[str, Any]]:
        """``GET /{set}/microsoft.graph.{agent type}``: the set's objects of that derived type."""
        kind = AGENT_KINDS[type_name]
        rt = self.types[kind.set_key]
        return [self.typed(rt, self.view(rt, obj)) for obj in self.collections[kind.set_key].items.values()
                if str(obj.get("@odata.type", "")).lower() == kind.odata_type.lower()]

    def create_agent(self, type_name: str, body: Any) -> dict[str, Any]:
        """``POST /{set}/microsoft.graph.{agent type}``: 201 with the new agent object."""
        kind = AGENT_KINDS[type_name]
        if not isinstance(body, dict):
            raise BadRequest("The request body must be a JSON object.")
        for name in kind.required:
            if body.get(name) in (None, "", []):
                raise BadRequest(f"Invalid value specified for property '{name}' of resource '{kind.type_name}'.")
        rt = self.types[kind.set_key]
        obj: dict[str, Any] = {"@odata.type": kind.odata_type, "id": self._guid(), "deletedDateTime": None,
                               **rt.create_defaults_for(body)}
        for key, value in body.items():
            if "@" not in key and key != "@odata.type":
                obj[key] = value
        self._agent_references(kind, body, obj)
        obj["createdDateTime"] = self._now()
        self.collections[kind.set_key].put(obj)
        self.type_of[obj["id"]] = kind.set_key
        self._touch(kind.set_key, obj["id"])
        return self.typed(rt, self.view(rt, obj))

    def _agent_references(self, kind: AgentKind, body: dict[str, Any], obj: dict[str, Any]) -> None:
        """What each create page says the body must name: the blueprint, the sponsors, the parent identity."""
        if kind.type_name in ("agentIdentityBlueprint", "agentIdentity"):
            obj.setdefault("appId", self._guid())
        if kind.type_name == "agentIdentityBlueprintPrincipal":
            blueprint = self._agent_of("applications", "agentIdentityBlueprint", str(body["appId"]), "appId")
            obj.setdefault("displayName", blueprint.get("displayName"))
        if kind.type_name == "agentIdentity":
            self._agent_of("applications", "agentIdentityBlueprint", str(body["agentIdentityBlueprintId"]), "appId")
            sponsors = body.get("sponsors@odata.bind")
            for ref in sponsors if isinstance(sponsors, list) else [sponsors]:
                if self.directory_object(ref_id(ref)) is None:
                    raise NotFound.resource(ref_id(ref))
        if kind.type_name == "agentUser":
            self._agent_of("servicePrincipals", "agentIdentity", str(body["identityParentId"]), "id")
        if kind.set_key == "servicePrincipals":
            obj.setdefault("servicePrincipalType", "ServiceIdentity")

    def _agent_of(self, set_key: str, type_name: str, value: str, by: str) -> dict[str, Any]:
        want = f"#microsoft.graph.{type_name}".lower()
        for obj in self.collections[set_key].items.values():
            if str(obj.get("@odata.type", "")).lower() == want and value.lower() in (
                    str(obj.get(by, "")).lower(), str(obj.get("id", "")).lower()):
                return obj
        raise BadRequest(f"'{value}' names no {type_name} of the tenant.")

    def mark_restricted(self) -> None:
        """``isManagementRestricted: true`` on the members of restricted-management administrative units."""
        units = self.collections.get("administrativeUnits")
        if units is None:
            return
        for unit in units.items.values():
            if not unit.get("isMemberManagementRestricted"):
                continue
            for member in self.links.refs("administrativeUnits", "members", unit["id"]):
                found = self.directory_object(member)
                if found is not None:
                    rt, obj = found
                    self.collections[rt.key].put({**obj, "isManagementRestricted": True})

    def add_objects(self, type_key: str, objects: list[dict[str, Any]]) -> list[str]:
        """Control plane: add seed-format objects of one set (its links by id, as in a seed) to the live tenant;
        each is a change the set's delta reports. For sets Graph does not write (organizational contacts)."""
        if type_key not in self.types:
            raise SeedError(f"unknown set {type_key!r} (known: {', '.join(self.types)})")
        rt = self.types[type_key]
        if rt.singleton:
            raise SeedError(f"{type_key} is a singleton; load a seed to replace it")
        added = []
        for obj in objects:
            if not isinstance(obj, dict) or not isinstance(obj.get("id"), str) or not obj["id"]:
                raise SeedError(f"{type_key}: every object needs an id")
            if self.directory_object(obj["id"]) is not None or obj["id"] in self.collections[type_key]:
                raise SeedError(f"{type_key}: id {obj['id']} exists already")
            obj = dict(obj)
            for link in rt.links:
                refs = obj.pop(link.name, None)
                for ref in ([refs] if isinstance(refs, str) else refs or []):
                    self.links.add(type_key, link.name, obj["id"], str(ref))
            obj.pop("@odata.type", None) if not (rt.polymorphic or rt.requires_odata_type) else None
            self.collections[type_key].put(obj)
            if rt.delta:
                self.type_of[obj["id"]] = type_key
            self._touch(type_key, obj["id"])
            added.append(obj["id"])
        self.mark_restricted()
        return added

    def available_extension_properties(self, body: Any = None) -> list[dict[str, Any]]:
        sps = self.collections.get("servicePrincipals")
        if sps is not None and len(sps) > EXTENSION_PROPERTIES_SP_LIMIT:
            return []
        return super().available_extension_properties(body)
