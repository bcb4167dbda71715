"""The rest of the directory around the main sets: restricted-management administrative units, objects added
through the control plane (organizational contacts), and the 1,000-service-principal cut-off of
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
from entragit.emulator.backend.core import TenantCore
from entragit.emulator.errors import SeedError

# the known issue's threshold
EXTENSION_PROPERTIES_SP_LIMIT = 1000


class ExtrasMixin(ActionsMixin, TenantCore):
    """Placed first among ``Tenant``'s bases: it wraps seeding and one action of the other mixins."""

    def load_seed(self, seed: dict[str, Any]) -> None:
        super().load_seed(seed)
        self.mark_restricted()

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
