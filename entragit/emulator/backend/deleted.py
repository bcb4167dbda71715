"""Deleted items: ``directory/deletedItems`` (list by cast, get, restore, purge) and the Conditional Access
deleted-items containers."""

from __future__ import annotations

import copy
from typing import Any

from entragit.emulator import facts
from entragit.emulator.backend.common import ListQuery, Page, type_name
from entragit.emulator.backend.core import TenantCore
from entragit.emulator.errors import BadRequest, Forbidden, NotFound
from entragit.emulator.facts import DeleteKind, EntitySet, LinkKind
from entragit.emulator.metadata import model
from entragit.emulator.models import dumps
from entragit.emulator.query import decode_token, encode_token


class DeletedMixin(TenantCore):
    """Soft-deleted objects: listing, restore, purge."""

    # ------------------------------------------------------------------ deleted items (directory)
    def purge_expired(self) -> None:
        """Deleted items older than 30 days (emulator clock) are purged, like Graph."""
        if not self.deleted and not self.policy_deleted:
            return
        limit = self.now() - facts.DELETED_RETENTION
        for store in (self.deleted, self.policy_deleted):
            for obj_id, item in list(store.items()):
                if item.deleted_at <= limit:
                    del store[obj_id]
                    self._touch(item.type_key, obj_id)

    def _deleted_rt(self, cast: str) -> EntitySet:
        for rt in self.registry:
            if rt.deleted_cast and rt.deleted_cast.lower() == cast.lower():
                return rt
        raise BadRequest(f"'microsoft.graph.{cast}' is not a type of deleted directory objects.")

    def list_deleted(self, cast: str, q: ListQuery | None = None, *, raw: bool = False) -> Page:
        """``GET /directory/deletedItems/microsoft.graph.{type}`` (the cast is mandatory)."""
        self.purge_expired()
        try:
            rt = self._deleted_rt(cast)
        except BadRequest:
            # another directory object type of the metadata (device, administrativeUnit, ...): none is held here
            m = model()
            named = m.type(f"microsoft.graph.{cast}")
            if named is None or not m.is_a(named.name, "microsoft.graph.directoryObject"):
                raise
            return Page([], None, 0 if (q or ListQuery()).count and (q or ListQuery()).eventual else None,
                        raw=raw)
        q = q or ListQuery()
        top = self._check_query(rt, q, page_max=rt.page_max)
        objs = [item.obj for item in self.deleted.values() if item.type_key == rt.key]
        objs.sort(key=lambda o: o["id"])
        if q.filter is not None:
            objs = [o for o in objs if q.filter.predicate(o)]
        offset = int(decode_token(q.skiptoken).get("o", 0)) if q.skiptoken else 0
        chunk = objs[offset:offset + top]
        next_token = encode_token({"o": offset + top}) if offset + top < len(objs) else None
        count = len(objs) if self._count_visible(rt, q) and not q.skiptoken else None
        views = [self._deleted_view(rt, o, q.select) for o in chunk]
        if raw:
            return Page([dumps(v) for v in views], next_token, count, raw=True)
        return Page(copy.deepcopy(views), next_token, count)

    def get_deleted(self, obj_id: str) -> dict[str, Any]:
        self.purge_expired()
        item = self.deleted.get(obj_id)
        if item is None:
            raise NotFound.resource(obj_id)
        rt = self.types[item.type_key]
        return self._deleted_view(rt, item.obj, None)

    def _deleted_view(self, rt: EntitySet, obj: dict[str, Any], select: tuple[str, ...] | None) -> dict[str, Any]:
        out = self.typed(rt, self.view(rt, obj, select))
        out["deletedDateTime"] = obj.get("deletedDateTime")
        return out

    def purge_deleted(self, obj_id: str) -> None:
        """``DELETE /directory/deletedItems/{id}``: permanent delete, 204."""
        self.purge_expired()
        item = self.deleted.pop(obj_id, None)
        if item is None:
            raise NotFound.resource(obj_id)
        self._touch(item.type_key, obj_id)

    def restore(self, obj_id: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        """``POST /directory/deletedItems/{id}/restore``: 200 with the object, same id, links back."""
        self.purge_expired()
        item = self.deleted.get(obj_id)
        if item is None:
            raise NotFound.resource(obj_id)
        rt = self.types[item.type_key]
        obj = dict(item.obj)
        body = body or {}
        new_upn = body.get("newUserPrincipalName")
        if new_upn and "userPrincipalName" in obj:
            obj["userPrincipalName"] = new_upn
        hook = getattr(self, f"_on_restore_{type_name(rt)}", None)
        if hook is not None:
            hook(rt, obj)
        del self.deleted[obj_id]
        obj["deletedDateTime"] = None
        self.collections[rt.key].put(obj)
        self.type_of[obj_id] = rt.key
        self._touch(rt.key, obj_id)
        for (owner_type, link_name), refs in item.own_links.items():
            if not self._restored(owner_type, link_name):
                continue
            for ref in refs:
                if self.directory_object(ref) is not None and self.links.add(owner_type, link_name, obj_id, ref):
                    self._link_event(owner_type, link_name, obj_id, ref, added=True)
        for owner_type, link_name, owner in item.back_links:
            if self.collections[owner_type].get(owner) is None or not self._restored(owner_type, link_name):
                continue
            link = self.types[owner_type].link(link_name)
            if link is not None and link.kind is LinkKind.ID:
                if self.links.refs(owner_type, link_name, owner):
                    continue
            if self.links.add(owner_type, link_name, owner, obj_id):
                self._link_event(owner_type, link_name, owner, obj_id, added=True)
        for link_name, elements in item.extra.items():
            self.nested.setdefault((rt.key, link_name), {})[obj_id] = elements
        for seed_key, elements in (("appRoleAssignments", item.assignments), ("oauth2PermissionGrants", item.grants)):
            for element in elements:
                others = [element.get(f) for f in ("principalId", "resourceId", "clientId") if element.get(f)]
                if all(o == obj_id or self.directory_object(o) is not None for o in others):
                    self.shared[seed_key][element["id"]] = element
        return self.typed(rt, self.view(rt, obj))

    def _restored(self, owner_type: str, link_name: str) -> bool:
        """Whether a restore brings this link back (``facts.Link.restored``; links the facts do not declare: yes)."""
        link = self.types[owner_type].link(link_name)
        return link is None or link.restored

    # ------------------------------------------------------------------ deleted items (CA)
    def _policy_container(self, container: str) -> EntitySet:
        for rt in self.registry:
            if rt.delete is DeleteKind.SOFT_POLICY and rt.deleted_container == container:
                return rt
        raise NotFound(f"Resource not found for the segment '{container}'.", code="BadRequest")

    def list_policy_deleted(self, container: str) -> list[dict[str, Any]]:
        self.purge_expired()
        rt = self._policy_container(container)
        return [{**self.view(rt, item.obj), "deletedDateTime": item.obj.get("deletedDateTime")}
                for item in sorted(self.policy_deleted.values(), key=lambda i: i.obj["id"]) if item.type_key == rt.key]

    def get_policy_deleted(self, container: str, obj_id: str) -> dict[str, Any]:
        self.purge_expired()
        rt = self._policy_container(container)
        item = self.policy_deleted.get(obj_id)
        if item is None or item.type_key != rt.key:
            raise self._not_found(rt, obj_id)
        return {**self.view(rt, item.obj), "deletedDateTime": item.obj.get("deletedDateTime")}

    def purge_policy_deleted(self, container: str, obj_id: str) -> None:
        self.get_policy_deleted(container, obj_id)
        del self.policy_deleted[obj_id]

    def restore_policy(self, container: str, obj_id: str) -> dict[str, Any]:
        """Beta ``POST identity/conditionalAccess/deletedItems/{policies|namedLocations}/{id}/restore``.

        Not supported for app-only callers (every emulator caller is app-only): 403 unless the control plane
        allowed it (https://learn.microsoft.com/en-us/graph/api/conditionalaccesspolicy-restore?view=graph-rest-beta).
        """
        rt = self._policy_container(container)
        self.get_policy_deleted(container, obj_id)
        if not self.allow_policy_restore:
            raise Forbidden("Restoring deleted Conditional Access objects is not supported for application-only "
                            "callers.", code="accessDenied")
        item = self.policy_deleted.pop(obj_id)
        obj = dict(item.obj)
        obj.pop("deletedDateTime", None)
        self.collections[rt.key].put(obj)
        return self.view(rt, obj)

