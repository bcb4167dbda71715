"""Writes of links: adds, removes and updates of references (members, owners, manager) and of elements
(assignments, grants, credentials); a link re-read after a restore or a lost answer writes only what is
still missing."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from typing import Any

from entragit.apply.common import CREATE_ATTEMPTS, _ambiguous, _fill, _short_error
from entragit.apply.outcome import FAILED, OK, Outcome
from entragit.errors import GraphError
from entragit.plan.model import Change, Kind
from entragit.resources.base import Link, LinkKind, ResourceType
from entragit.writes import link_element_body, reference_body


class _LinkWrites:
    """Mixed into :class:`entragit.apply.applier._Applier`, whose state (client, new values, link cache...) it uses."""

    # -- links --------------------------------------------------------------------------------------------
    async def _read_link(self, rt: ResourceType, owner: str, link: Link) -> Any:
        """The link's current value: a set of ids (IDS/ID) or ``{element key: element}`` (OBJECTS)."""
        path = link.read.replace("{id}", owner)
        version = link.read_version or rt.api_version
        if link.kind is LinkKind.ID:
            try:
                found = await self.client.get(path, {"$select": "id"}, version, serialize=rt.serialized)
            except GraphError as exc:
                if exc.status == 404:
                    return set()
                raise
            return {found["id"]} if found.get("id") else set()
        params = {"$select": link.read_select} if link.read_select else None
        items = await self.client.list_all(path, params, version=version, serialize=rt.serialized)
        if link.kind is LinkKind.IDS:
            return {str(i.get("id")) for i in items}
        return {self._element_key(link, i): i for i in items}

    @staticmethod
    def _element_key(link: Link, element: Mapping[str, Any]) -> str:
        return json.dumps([element.get(k) for k in link.key], sort_keys=True, default=str)

    async def _current(self, rt: ResourceType, owner: str, link: Link, refresh: bool = False) -> Any:
        cache_key = (rt.key, owner, link.name)
        if refresh or cache_key not in self.links:
            self.links[cache_key] = await self._read_link(rt, owner, link)
        return self.links[cache_key]

    async def _link(self, change: Change, rt: ResourceType, owner: str, target: Any, ref: Any) -> Outcome:
        link = rt.link(change.link or "")
        if link is None:
            return Outcome(change, FAILED, f"{rt.key} declares no link {change.link!r}")
        lock = self.link_locks.setdefault((rt.key, owner, link.name), asyncio.Lock())
        async with lock:
            return await self._link_locked(change, rt, owner, link, target, ref)

    async def _link_locked(self, change: Change, rt: ResourceType, owner: str, link: Link, target: Any,
                           ref: Any) -> Outcome:
        kind = change.kind
        objects = link.kind is LinkKind.OBJECTS
        if change.recompute:
            current = await self._current(rt, owner, link)
            if kind is Kind.LINK_ADD:
                present = (self._element_key(link, target) in current) if objects else (str(target) in current)
                if present:
                    return Outcome(change, OK, "already present: the restore brought it back")
            elif kind is Kind.LINK_REMOVE:
                absent = (ref not in {e.get("id") for e in current.values()}) if objects else (str(ref) not in current)
                if absent:
                    return Outcome(change, OK, "already absent")
        if kind is Kind.LINK_ADD:
            message = await self._link_add(change.key, rt, owner, link, target)
        elif kind is Kind.LINK_REMOVE:
            message = await self._link_remove(rt, owner, link, ref)
        else:
            if not link.update:
                return Outcome(change, FAILED, f"{link.name} elements cannot be updated (no update template)")
            method, path = _fill(link.update, id=owner, ref=str(ref))
            body = link_element_body(link, target, update=True) if isinstance(target, dict) else target
            await self.client.request(method, path, body=body, version=rt.api_version, serialize=rt.serialized)
            message = ""
        self._note_write(rt, owner, link, kind, target, ref)
        return Outcome(change, OK, message)

    def _note_write(self, rt: ResourceType, owner: str, link: Link, kind: Kind, target: Any, ref: Any) -> None:
        """Keep a re-read link current after a write (ids: exactly; elements: read again when next needed)."""
        cache_key = (rt.key, owner, link.name)
        current = self.links.get(cache_key)
        if current is None:
            return
        if link.kind is LinkKind.OBJECTS:
            del self.links[cache_key]
        elif kind is Kind.LINK_ADD:
            if link.kind is LinkKind.ID:
                current.clear()
            current.add(str(target))
        elif kind is Kind.LINK_REMOVE:
            current.discard(str(ref))

    async def _link_add(self, change_key: str, rt: ResourceType, owner: str, link: Link, target: Any) -> str:
        if not link.add:
            raise GraphError(0, "notWritable", f"{link.name} cannot be added to (no add template)")
        method, path = _fill(link.add, id=owner, ref=str(target) if not isinstance(target, dict) else "")
        if link.kind is LinkKind.OBJECTS:
            body = link_element_body(link, target)
            key = self._element_key(link, target)
            if change_key in self.unsure and key in await self._current(rt, owner, link, refresh=True):
                return "found after an unanswered create"
            for attempt in range(1, CREATE_ATTEMPTS + 1):
                try:
                    await self.client.request(method, path, body=body, version=rt.api_version,
                                              serialize=rt.serialized)
                    return ""
                except GraphError as exc:
                    if not _ambiguous(exc):
                        raise
                    self.unsure.add(change_key)
                    if key in await self._current(rt, owner, link, refresh=True):
                        return f"found after an unanswered create ({_short_error(exc)})"
                    if attempt == CREATE_ATTEMPTS:
                        raise
            return ""
        base = f"{self.client.root}/{rt.api_version}"
        try:
            await self.client.request(method, path, body=reference_body(base, str(target)), version=rt.api_version,
                                      serialize=rt.serialized)
        except GraphError as exc:
            if exc.status == 400 and "already exist" in exc.graph_message:
                return "already present"
            if not _ambiguous(exc):
                raise
            current = await self._current(rt, owner, link, refresh=True)
            if str(target) in current:
                return f"found after an unanswered add ({_short_error(exc)})"
            await self.client.request(method, path, body=reference_body(base, str(target)),
                                      version=rt.api_version, serialize=rt.serialized)
        return ""

    async def _link_remove(self, rt: ResourceType, owner: str, link: Link, ref: Any) -> str:
        if not link.remove:
            raise GraphError(0, "notWritable", f"{link.name} cannot be removed from (no remove template)")
        method, path = _fill(link.remove, id=owner, ref=str(ref))
        try:
            await self.client.request(method, path, version=rt.api_version, serialize=rt.serialized)
        except GraphError as exc:
            if exc.status == 404:
                return "already absent"
            raise
        return ""
