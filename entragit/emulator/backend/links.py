"""Id links between directory objects (members, owners, manager): reads, ``$ref`` writes, ``@odata.bind``."""

from __future__ import annotations

import copy
from typing import Any

from entragit.emulator import facts
from entragit.emulator.backend.common import ListQuery, Page, ref_id
from entragit.emulator.backend.core import TenantCore
from entragit.emulator.errors import (
    BadRequest,
    Forbidden,
    InvalidProperty,
    NotFound,
    OnPremisesMastered,
    UnsupportedQuery,
)
from entragit.emulator.facts import EntitySet, Link, LinkKind
from entragit.emulator.models import dumps
from entragit.emulator.query import decode_token, encode_token


class LinksMixin(TenantCore):
    """Members, owners, manager."""

    # ------------------------------------------------------------------ links (ids)
    def list_link(self, type_key: str, obj_id: str, link_name: str, q: ListQuery | None = None, *,
                  version: str = "v1.0", raw: bool = False, cast: str | None = None) -> Page:
        """``GET /{collection}/{id}/{link}`` (members, owners): the linked directory objects."""
        rt = self.rt(type_key)
        link = self._link(rt, link_name)
        self.require(type_key, obj_id)
        q = q or ListQuery()
        if q.top is not None and not 1 <= q.top <= rt.page_max:
            raise BadRequest(f"Invalid page size specified: '{q.top}'. Must be between 1 and {rt.page_max} "
                             "inclusive.")
        if (q.filter or q.search or q.orderby) and not (q.eventual and (q.count or q.search)):
            # "query parameters other than $expand require advanced queries" on member listings:
            # https://learn.microsoft.com/en-us/graph/api/group-list-members?view=graph-rest-1.0
            raise UnsupportedQuery("Request with $filter/$search/$orderby on a directory-object relationship needs "
                                   "the advanced query parameters: add $count=true and the ConsistencyLevel: "
                                   "eventual header. Refer to https://aka.ms/graph-docs/advanced-queries")
        hidden = link.v1_hidden_targets if version == "v1.0" else frozenset()
        objs: list[tuple[EntitySet, dict[str, Any]]] = []
        for ref in self.links.refs(type_key, link_name, obj_id):
            found = self.directory_object(ref)
            if found is None or found[0].key in hidden or (
                    cast is not None and found[0].type_name.lower() != cast.lower()):
                continue
            if q.filter is not None and not q.filter.predicate(found[1]):
                continue
            objs.append(found)
        top = q.top or rt.page_default
        offset = int(decode_token(q.skiptoken).get("o", 0)) if q.skiptoken else 0
        chunk = objs[offset:offset + top]
        next_token = encode_token({"o": offset + top}) if offset + top < len(objs) else None
        count = len(objs) if (q.count and q.eventual and not q.skiptoken) else None
        views = []
        for trt, tobj in chunk:
            if q.select:
                self.check_select(trt, q.select, collection=True)
            views.append(self.typed(trt, self.view(trt, tobj, q.select)))
        if raw:
            return Page([dumps(v) for v in views], next_token, count, raw=True)
        return Page(copy.deepcopy(views), next_token, count)

    def get_link_single(self, type_key: str, obj_id: str, link_name: str,
                        select: tuple[str, ...] | None = None) -> dict[str, Any]:
        """``GET /users/{id}/manager``: the linked object, or 404 when there is none."""
        rt = self.rt(type_key)
        self._link(rt, link_name)
        self.require(type_key, obj_id)
        refs = self.links.refs(type_key, link_name, obj_id)
        for ref in refs:
            found = self.directory_object(ref)
            if found is not None:
                return self.typed(found[0], self.view(found[0], found[1], select))
        raise NotFound.resource(link_name)

    def _link(self, rt: EntitySet, name: str) -> Link:
        link = rt.link(name)
        if link is None:
            raise BadRequest(f"Could not find a property named '{name}' on type '{rt.odata_type.lstrip('#')}'.")
        return link

    def _check_link_write(self, rt: EntitySet, obj: dict[str, Any], link: Link) -> None:
        if getattr(link, "on_premises", False) and rt.is_synced(obj):
            raise OnPremisesMastered([link.name])
        reason = rt.link_refused(obj, link)
        if reason:
            if rt.update_refused(obj):
                # mail-enabled security and distribution groups: managed in Exchange (403)
                raise Forbidden(f"Insufficient privileges to complete the operation: {reason}.")
            raise BadRequest(f"Unable to update the specified properties: {reason}.")

    def add_link(self, type_key: str, obj_id: str, link_name: str, ref: str) -> None:
        """``POST .../{link}/$ref`` (members, owners) and ``PUT .../manager/$ref``: 204."""
        rt = self.rt(type_key)
        link = self._link(rt, link_name)
        obj = self.require(type_key, obj_id)
        self._check_link_write(rt, obj, link)
        target = self.directory_object(ref)
        if target is None:
            raise NotFound.resource(ref)
        allowed = rt.link_targets(obj, link)
        if target[0].key not in allowed:
            if link.name == "members" and allowed != link.targets:  # narrowed by the group kind
                raise BadRequest("Only users can be members of a Microsoft 365 group.")
            raise BadRequest(f"An object of type '{target[0].odata_type.lstrip('#')}' cannot be added to "
                             f"'{link.name}' of a {rt.title}.")
        if link.kind is LinkKind.ID:
            if ref == obj_id:
                raise BadRequest(f"A {rt.title} cannot be its own {link.name}.")
            previous = next(iter(self.links.refs(type_key, link_name, obj_id)), None)
            if previous == ref:
                return
            self.links.set_single(type_key, link_name, obj_id, ref)
            if previous:
                self._link_event(type_key, link_name, obj_id, previous, added=False)
            self._link_event(type_key, link_name, obj_id, ref, added=True)
            return
        if not self.links.add(type_key, link_name, obj_id, ref):
            raise BadRequest("One or more added object references already exist for the following modified "
                             f"properties: '{link_name}'.")
        self._link_event(type_key, link_name, obj_id, ref, added=True)

    def remove_link(self, type_key: str, obj_id: str, link_name: str, ref: str | None = None) -> None:
        """``DELETE .../{link}/{ref}/$ref`` and ``DELETE .../manager/$ref``: 204."""
        rt = self.rt(type_key)
        link = self._link(rt, link_name)
        obj = self.require(type_key, obj_id)
        self._check_link_write(rt, obj, link)
        if link.kind is LinkKind.ID:
            current = next(iter(self.links.refs(type_key, link_name, obj_id)), None)
            if current is None:
                raise NotFound.resource(link_name)
            ref = current
        if ref is None or not self.links.remove(type_key, link_name, obj_id, ref):
            raise NotFound.resource(str(ref))
        self._link_event(type_key, link_name, obj_id, ref, added=False)

    def _link_event(self, type_key: str, link_name: str, owner: str, ref: str, added: bool) -> None:
        log = self.deltas.get(type_key)
        if log is not None:
            self.seq += 1
            log.member_event(link_name, owner, ref, added, self.seq)
            log.touch(owner, self.seq)

    def _bind(self, rt: EntitySet, obj: dict[str, Any], binds: dict[str, Any]) -> None:
        for name, value in binds.items():
            link = self._link(rt, name)
            refs = [value] if link.kind is LinkKind.ID else value
            if not isinstance(refs, list):
                raise BadRequest(f"'{name}@odata.bind' must be an array of URLs.")
            for url in refs:
                self.add_link(rt.key, obj["id"], name, ref_id(url))

    def _check_binds(self, rt: EntitySet, obj: dict[str, Any] | None, binds: dict[str, Any],
                     body: dict[str, Any] | None = None) -> None:
        """Validate every ``@odata.bind`` before anything is written (a create or update is all or nothing)."""
        total = 0
        subject = obj if obj is not None else (body or {})
        for name, value in binds.items():
            link = rt.link(name)
            if link is None or link.kind is LinkKind.OBJECTS:
                raise InvalidProperty(f"{name}@odata.bind")
            refs = [value] if link.kind is LinkKind.ID else value
            if not isinstance(refs, list):
                raise BadRequest(f"'{name}@odata.bind' must be an array of URLs.")
            total += len(refs)
            self._check_link_write(rt, subject, link)
            allowed = rt.link_targets(subject, link)
            for url in refs:
                ident = ref_id(url)
                found = self.directory_object(ident)
                if found is None:
                    raise NotFound.resource(ident)
                if found[0].key not in allowed:
                    raise BadRequest(f"An object of type '{found[0].odata_type.lstrip('#')}' cannot be added to "
                                     f"'{link.name}' of this {rt.title}.")
                if obj is not None and link.kind is LinkKind.IDS and self.links.has(rt.key, name, obj["id"], ident):
                    raise BadRequest("One or more added object references already exist for the following "
                                     f"modified properties: '{name}'.")
        if total > facts.MAX_BIND:
            raise BadRequest(f"The request has {total} relationships to add; at most {facts.MAX_BIND} "
                             "are allowed in one request.")

