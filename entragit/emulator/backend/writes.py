"""Writes: body validation (unknown, read-only, create-only properties, ``@odata.type``), POST, PATCH, DELETE."""

from __future__ import annotations

import copy
from typing import Any

from entragit.emulator import facts
from entragit.emulator.backend import rules
from entragit.emulator.backend.common import EXTENSION_NAME, merge_patch, resource_name, type_name
from entragit.emulator.backend.core import TenantCore
from entragit.emulator.errors import (
    BadRequest,
    InvalidProperty,
    MethodNotAllowed,
    OnPremisesMastered,
    ReadOnlyProperty,
)
from entragit.emulator.facts import DeleteKind, EntitySet, LinkKind
from entragit.emulator.metadata import model
from entragit.emulator.models import DeletedItem
from entragit.emulator.schema import Checker


class WritesMixin(TenantCore):
    """POST, PATCH and DELETE of objects."""

    # ================================================================== writes
    def _check_body(self, rt: EntitySet, body: Any, current: dict[str, Any] | None) -> dict[str, Any]:
        """Validate a POST (current None) or PATCH body the way Graph does; returns the ``@odata.bind``s."""
        if not isinstance(body, dict):
            raise BadRequest("Empty Payload, JSON content expected." if body is None else
                             "Invalid request body: a JSON object is expected.")
        known = self._known_props(rt)
        binds: dict[str, Any] = {}
        subtype = self._subtype(rt, body, current)
        foreign = {n for t, own in rt.subtypes if t.lower() != (subtype or "").lower() for n in own}
        for key, value in body.items():
            if key == "@odata.type":
                continue
            if key.endswith("@odata.bind"):
                binds[key[: -len("@odata.bind")]] = value
                continue
            if "@" in key:
                continue  # instance annotations (…@odata.context) are ignored on write
            link = rt.link(key)
            if link is not None:
                if link.kind is LinkKind.OBJECTS and link.inline and current is None:
                    continue
                raise BadRequest(f"Navigation property '{key}' cannot be written inline; use the "
                                 f"'{key}' relationship.")
            if key in foreign:
                raise InvalidProperty(key)
            if key not in known:
                if EXTENSION_NAME.match(key) and rt.extension_attributes:
                    if not self._extension_ok(rt, key):
                        raise BadRequest(f"The following extension properties are not available: {key}.")
                    continue
                raise InvalidProperty(key)
            if key in rt.read_only:
                raise ReadOnlyProperty(key)
            if current is not None:
                if key in rt.create_only and value != current.get(key):
                    raise ReadOnlyProperty(key)
                action = rt.action_map.get(key)
                if action is not None:
                    raise BadRequest(f"Property '{key}' cannot be updated with PATCH; use the '{action}' action.")
        props = [k for k in body if "@" not in k]
        alone = [k for k in props if k in rt.patch_alone]
        if alone and len(props) > 1:
            raise BadRequest(f"Property '{alone[0]}' must be updated in a request of its own.")
        if current is None:
            for name in sorted(rt.required):
                if body.get(name) in (None, ""):
                    raise BadRequest(f"Invalid value specified for property '{name}' of resource "
                                     f"'{resource_name(rt)}'.")
        self._check_values(rt, body, current, subtype)
        return binds

    def _check_values(self, rt: EntitySet, body: dict[str, Any], current: dict[str, Any] | None,
                      subtype: str | None) -> None:
        """Each value against its type in Graph's metadata (the posted derived type's where the set is
        polymorphic), then Graph's value rules (backend/rules.py)."""
        m = model()
        entity = m.require(subtype or rt.entity)
        given = body.get("@odata.type")
        if given is not None and subtype is None and not (isinstance(given, str) and m.type(given) is not None
                                                         and m.is_a(m.qualify(given), entity.name)):
            raise BadRequest(f"A type named '{str(given).lstrip('#')}' could not be resolved by the model for a "
                             f"{rt.title} (expected '{entity.name}').", code="BadRequest")
        checker = Checker(m, unknown_enum_members=self.ctx.unknown_enum_members)
        for key, value in body.items():
            prop = entity.properties.get(key)
            if "@" in key or prop is None or (prop.navigation and rt.link(key) is not None):
                continue  # annotations, beta-only and extension properties, inline links (checked as elements)
            checker.check_property(entity, prop, value)
        rules.check_values(body, current, frozenset(entity.properties))

    def _subtype(self, rt: EntitySet, body: dict[str, Any], current: dict[str, Any] | None) -> str | None:
        if not rt.requires_odata_type and not rt.subtypes:
            return None
        given = body.get("@odata.type")
        if given is None:
            if rt.requires_odata_type:
                raise BadRequest(f"The '@odata.type' property is required in a request to write a "
                                 f"{rt.title}: name its derived type.")
            return None
        given = "#" + str(given).lstrip("#")
        names = [t for t, _ in rt.subtypes] or [rt.odata_type]
        match = next((t for t in names if t.lower() == given.lower()), None)
        if match is None:
            raise BadRequest(f"A type named '{given.lstrip('#')}' could not be resolved by the model for a "
                             f"{rt.title}.")
        if current is not None and str(current.get("@odata.type", match)).lower() != match.lower():
            raise BadRequest(f"The '@odata.type' of a {rt.title} cannot change ({current.get('@odata.type')}).")
        return match

    def create(self, type_key: str, body: Any, *, version: str = "v1.0") -> dict[str, Any]:
        """``POST /{collection}``: 201 with the created object."""
        rt = self.rt(type_key)
        if rt.singleton:
            raise MethodNotAllowed()
        binds = self._check_body(rt, body, None)
        self._check_binds(rt, None, binds, body)
        subtype = self._subtype(rt, body, None)
        obj: dict[str, Any] = {}
        if subtype:
            obj["@odata.type"] = subtype
        obj["id"] = self._guid()
        own_props = {p for t, ps in rt.subtypes if t != subtype for p in ps}
        defaults = {k: v for k, v in rt.create_defaults_for(body).items() if k not in own_props}
        known = self._known_props(rt)
        for name in ("deletedDateTime",):
            if name in known:
                obj[name] = None
        obj.update(defaults)
        for key, value in body.items():
            if "@" in key or key in self.info[rt.key].secrets:
                continue
            link = rt.link(key)
            if link is not None and link.kind is LinkKind.OBJECTS and link.inline:
                obj[key] = [self._new_element(link, e) for e in value or []]
                continue
            obj[key] = copy.deepcopy(value)
        now = self._now()
        schema = self._schema_props(rt)
        for name in ("createdDateTime", "modifiedDateTime", "lastModifiedDateTime"):
            if name in schema:
                obj[name] = now
        if rt.alt_key and not body.get(rt.alt_key) and rt.alt_key in rt.read_only:
            obj[rt.alt_key] = self._guid()
        hook = getattr(self, f"_on_create_{type_name(rt)}", None)
        if hook is not None:
            hook(rt, obj, body)
        self.collections[type_key].put(obj)
        if rt.delta:
            self.type_of[obj["id"]] = type_key
        self._touch(type_key, obj["id"])
        if binds:
            self._bind(rt, obj, binds)
        return self.get(type_key, obj["id"])

    def update(self, type_key: str, obj_id: str, body: Any) -> dict[str, Any] | None:
        """``PATCH``: 204 (None), or 200 with the object for types whose PATCH answers the object."""
        rt = self.rt(type_key)
        obj = self.require(type_key, obj_id)
        binds = self._check_body(rt, body, obj)
        reason = rt.update_refused(obj)
        changes = [k for k in body if "@" not in k]
        if reason and changes:
            if self._is_directory(rt):
                raise BadRequest("Unable to update the specified properties for objects that have originated "
                                 f"within an external service ({reason}).")
            raise BadRequest(f"The {rt.title} '{obj_id}' cannot be updated: {reason}.")
        if rt.is_synced(obj):
            mastered = [k for k in changes if k in self.info[rt.key].on_premises]
            if mastered:
                raise OnPremisesMastered(mastered)
        self._check_binds(rt, obj, binds)
        hook = getattr(self, f"_on_update_{type_name(rt)}", None)
        if hook is not None:
            hook(rt, obj, body)
        new = dict(obj)
        for key, value in body.items():
            if "@" in key or key in self.info[rt.key].secrets:
                continue
            new[key] = rules.MERGES.get(key, merge_patch)(obj.get(key), value)
        schema = self._schema_props(rt)
        for name in ("modifiedDateTime", "lastModifiedDateTime"):
            if name in schema and changes:
                new[name] = self._now()
        self.collections[type_key].put(new)
        if changes:
            self._touch(type_key, obj["id"])
        if binds:
            self._bind(rt, new, binds)
        if rt.patch_returns_object:
            return self.get(type_key, obj["id"])
        return None

    def delete(self, type_key: str, obj_id: str) -> None:
        """``DELETE /{collection}/{id}``: 204. Soft or permanent by the object's delete kind."""
        rt = self.rt(type_key)
        if rt.singleton:
            raise MethodNotAllowed()
        obj = self.require(type_key, obj_id)
        kind = rt.delete_kind(obj)
        if kind is DeleteKind.NONE:
            reason = rt.undeletable(obj) or f"a {rt.title} of this kind cannot be deleted"
            raise BadRequest(f"The {rt.title} '{obj_id}' cannot be deleted: {reason}.")
        reason = rt.delete_refused(obj)
        if reason:
            raise BadRequest(f"The {rt.title} '{obj_id}' cannot be deleted: {reason}.")
        hook = getattr(self, f"_on_delete_{type_name(rt)}", None)
        if hook is not None:
            hook(rt, obj)
        if kind is DeleteKind.SOFT:
            self._soft_delete(rt, obj)
        elif kind is DeleteKind.SOFT_POLICY:
            self.collections[type_key].remove(obj_id)
            gone = dict(obj)
            gone["deletedDateTime"] = self._now()
            self.policy_deleted[obj_id] = DeletedItem(type_key, gone, self.now())
        else:
            self._hard_delete(rt, obj)

    def _soft_delete(self, rt: EntitySet, obj: dict[str, Any]) -> None:
        item = self._detach(rt, obj)
        item.obj["deletedDateTime"] = self._now()
        self.deleted[obj["id"]] = item
        self._touch(rt.key, obj["id"])

    def _hard_delete(self, rt: EntitySet, obj: dict[str, Any]) -> None:
        self._detach(rt, obj)
        self._touch(rt.key, obj["id"])

    def _detach(self, rt: EntitySet, obj: dict[str, Any]) -> DeletedItem:
        """Remove an object and every link it takes part in; return what a restore brings back."""
        obj_id = obj["id"]
        self.collections[rt.key].remove(obj_id)
        item = DeletedItem(rt.key, dict(obj), self.now())
        for link in rt.links:
            if link.kind in (LinkKind.IDS, LinkKind.ID):
                refs = self.links.drop_owner(rt.key, link.name, obj_id)
                if refs:
                    item.own_links[(rt.key, link.name)] = refs
            elif link.name not in facts.SHARED_SETS and not link.inline:
                nested = self.nested.get((rt.key, link.name), {}).pop(obj_id, None)
                if nested:
                    item.extra[link.name] = nested
        for owner_type, link_name, owner in self.links.pointing_at(obj_id):
            self.links.remove(owner_type, link_name, owner, obj_id)
            item.back_links.append((owner_type, link_name, owner))
            self._link_event(owner_type, link_name, owner, obj_id, added=False)
        for seed_key in ("appRoleAssignments", "oauth2PermissionGrants"):
            store = self.shared.get(seed_key, {})
            for eid, element in list(store.items()):
                if obj_id in (element.get("principalId"), element.get("resourceId"), element.get("clientId")):
                    del store[eid]
                    (item.assignments if seed_key == "appRoleAssignments" else item.grants).append(element)
        return item

