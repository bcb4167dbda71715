"""Sub-resources with ids of their own kept inside or beside their owner (federated identity credentials,
authentication method configurations, combination configurations)."""

from __future__ import annotations

import copy
from typing import Any

from entragit.emulator import facts
from entragit.emulator.backend.common import merge_patch
from entragit.emulator.backend.core import TenantCore
from entragit.emulator.errors import BadRequest, Conflict, MethodNotAllowed, NotFound, ReadOnlyProperty
from entragit.emulator.facts import EntitySet, Link, LinkKind


class NestedMixin(TenantCore):
    """Elements of OBJECTS links: list, get, add, update, remove."""

    # ================================================================== nested / inline object links
    def _object_link(self, type_key: str, owner: str, link_name: str) -> tuple[EntitySet, Link, list | dict]:
        """The elements of an OBJECTS link: a copy of the owner's inline list (written back by
        :meth:`_store_inline`) or the nested store of the owner."""
        rt = self.rt(type_key)
        link = self._link(rt, link_name)
        if link.kind is not LinkKind.OBJECTS or link.name in facts.SHARED_SETS:
            raise MethodNotAllowed()
        obj = self.require(type_key, owner)
        if link.inline:
            return rt, link, [dict(e) for e in obj.get(link.name) or []]
        return rt, link, self.nested.setdefault((type_key, link.name), {}).setdefault(obj["id"], {})

    def _store_inline(self, type_key: str, owner: str, link: Link, elements: list | dict) -> None:
        if not link.inline or not isinstance(elements, list):
            return
        obj = self.require(type_key, owner)
        new = dict(obj)
        new[link.name] = elements
        for name in ("lastModifiedDateTime", "modifiedDateTime"):
            if name in new:
                new[name] = self._now()
        self.collections[type_key].put(new)

    def _elements(self, store: list | dict) -> list[dict[str, Any]]:
        return list(store.values()) if isinstance(store, dict) else list(store)

    def _find_element(self, store: list | dict, link: Link, ident: str) -> dict[str, Any]:
        low = ident.lower()
        for element in self._elements(store):
            if str(element.get("id", "")).lower() == low or (link.key != ("id",) and any(
                    element.get(k) == ident for k in link.key if isinstance(element.get(k), str))):
                return element
        raise NotFound.resource(ident)

    def _new_element(self, link: Link, body: dict[str, Any]) -> dict[str, Any]:
        if not isinstance(body, dict):
            raise BadRequest("Invalid request body: a JSON object is expected.")
        if link.requires_odata_type and "@odata.type" not in body:
            raise BadRequest(f"The '@odata.type' property is required to create an element of '{link.name}'.")
        element = {k: copy.deepcopy(v) for k, v in body.items() if not k.endswith("@odata.context")}
        element["id"] = self._guid()
        if "@odata.type" in element:
            element = {"@odata.type": element.pop("@odata.type"), **element}
        return element

    def list_objects(self, type_key: str, owner: str, link_name: str) -> list[dict[str, Any]]:
        _, _, store = self._object_link(type_key, owner, link_name)
        return [copy.deepcopy(e) for e in self._elements(store)]

    def get_object(self, type_key: str, owner: str, link_name: str, ident: str) -> dict[str, Any]:
        _, link, store = self._object_link(type_key, owner, link_name)
        return copy.deepcopy(self._find_element(store, link, ident))

    def add_object(self, type_key: str, owner: str, link_name: str, body: Any) -> dict[str, Any]:
        rt, link, store = self._object_link(type_key, owner, link_name)
        if isinstance(body, dict):
            for key in body:
                if key in link.read_only and key != "@odata.type":
                    raise ReadOnlyProperty(key)
        element = self._new_element(link, body)
        elements = self._elements(store)
        if link.name == "federatedIdentityCredentials" and len(elements) >= facts.MAX_FEDERATED_CREDENTIALS:
            raise BadRequest(f"An application can have at most {facts.MAX_FEDERATED_CREDENTIALS} federated "
                             "identity credentials.")
        if link.key != ("id",) and all(k in element for k in link.key):
            for other in elements:
                if all(other.get(k) == element.get(k) for k in link.key):
                    raise Conflict(f"An element of '{link.name}' with the same {', '.join(link.key)} already "
                                   "exists.", code="Request_MultipleObjectsWithSameKeyValue")
        if isinstance(store, dict):
            store[element["id"]] = element
        else:
            store.append(element)
            self._store_inline(type_key, owner, link, store)
        return copy.deepcopy(element)

    def update_object(self, type_key: str, owner: str, link_name: str, ident: str, body: Any) -> None:
        rt, link, store = self._object_link(type_key, owner, link_name)
        found = self._find_element(store, link, ident)
        element = dict(found)  # copy on write: stored elements are never changed in place
        if not isinstance(body, dict):
            raise BadRequest("Invalid request body: a JSON object is expected.")
        if link.requires_odata_type:
            given = body.get("@odata.type")
            if given is None:
                raise BadRequest(f"The '@odata.type' property is required to update an element of '{link.name}'.")
            if element.get("@odata.type") and str(given).lstrip("#").lower() != str(
                    element["@odata.type"]).lstrip("#").lower():
                raise BadRequest(f"The '@odata.type' {given} does not match the element's type "
                                 f"{element['@odata.type']}.")
        for key, value in body.items():
            if "@" in key:
                continue
            if key in link.read_only:
                if value != element.get(key):
                    raise ReadOnlyProperty(key)
                continue
            if key in link.create_only and value != element.get(key):
                raise ReadOnlyProperty(key)
            element[key] = merge_patch(element.get(key), value)
        if isinstance(store, dict):
            store[element["id"]] = element
        else:
            store[store.index(found)] = element
        self._store_inline(type_key, owner, link, store)

    def remove_object(self, type_key: str, owner: str, link_name: str, ident: str) -> None:
        rt, link, store = self._object_link(type_key, owner, link_name)
        element = self._find_element(store, link, ident)
        if isinstance(store, dict):
            del store[element["id"]]
        else:
            store.remove(element)
            self._store_inline(type_key, owner, link, store)

