"""Reading links object by object, packed into JSON ``$batch``, and re-reading chosen links of chosen objects.

A full export reads most links on listings (``$expand``, tenant-wide ``read_all``); what remains is one read
per object (``groups/{id}/members``: the model's one request per group, ../shared/reference/performance.md
B6). :class:`LinkReader` sends those through a :class:`~entragit.graph.batcher.Batcher`: twenty reads per
round trip, each still one Graph request in every figure. Requests of ``serialized`` types (conditional
access, named locations: 1 request/s per tenant) never go into a batch.

An incremental export re-reads a few links of a few objects (new objects, objects the audit log names,
objects that pointed at a removed one): :meth:`LinkReader.reread` lists them 15 ids at a time with
``$filter=id in (...)`` and the link's ``$expand`` (one ``$expand`` per request; 15 is the most values Graph
takes in an ``in`` clause by default: https://learn.microsoft.com/en-us/graph/filter-query-parameter), and
reads per object (batched) what has no ``$expand`` or was cut at the expand's cap.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
from typing import Any

from entragit.errors import GraphError
from entragit.export.result import ExportError
from entragit.graph.batcher import Batcher
from entragit.resources.base import Link, LinkKind, ResourceType

IN_CLAUSE_MAX = 15


def describe(rt: ResourceType, obj: Mapping[str, Any]) -> str:
    obj_id = obj.get(rt.key_prop)
    name = obj.get(rt.display)
    return f"{rt.title} {name!r} ({obj_id})" if name not in (None, "") else f"{rt.title} {obj_id}"


def graph_failure(rt: ResourceType, what: str, exc: GraphError, obj: str | None = None) -> ExportError:
    return ExportError(f"{what}: {exc}", type_key=rt.key, obj=obj, graph_error=exc)


def read_params(link: Link) -> dict[str, Any]:
    params: dict[str, Any] = {}
    if link.read_select:
        params["$select"] = link.read_select
    if link.page_max:
        params["$top"] = link.page_max
    return params


class LinkReader:
    """Per-object link reads for one export (``stats`` counts them per type key)."""

    def __init__(self, client: Any, stats: Mapping[str, Any] | None = None) -> None:
        self.client = client
        self.batcher = Batcher(client)
        self.stats = stats or {}

    async def aclose(self) -> None:
        await self.batcher.aclose()

    async def read(self, rt: ResourceType, obj: Mapping[str, Any], link: Link) -> Any:
        """The value of ``link`` for ``obj``: an id or None (ID), a list of ids or of objects."""
        obj_id = obj.get(rt.key_prop)
        path = link.read.format(id=obj_id)
        version = link.read_version or rt.api_version
        params = read_params(link)
        if rt.key in self.stats:
            self.stats[rt.key].link_reads += 1
        try:
            if link.kind is LinkKind.ID:
                try:
                    if rt.serialized:
                        return await self.client.get(path, params, version, serialize=True)
                    return await self.batcher.get(path, params, version)
                except GraphError as exc:
                    if exc.status == 404:  # a single-valued link that is not set (no manager)
                        return None
                    raise
            if rt.serialized:
                return await self.client.list_all(path, params, version=version, serialize=True)
            return await self.batcher.list_all(path, params, version)
        except GraphError as exc:
            raise graph_failure(rt, f"reading {link.name} of {describe(rt, obj)}", exc, obj=str(obj_id)) from exc

    async def read_all_links(self, rt: ResourceType, obj: dict[str, Any], links: list[Link]) -> None:
        """Read ``links`` of ``obj`` and attach them under their names."""
        values = await asyncio.gather(*(self.read(rt, obj, link) for link in links))
        for link, value in zip(links, values, strict=True):
            obj[link.name] = value

    # -- incremental re-reads ----------------------------------------------------------------------------
    async def reread(self, rt: ResourceType, link: Link, ids: Iterable[str]) -> dict[str, Any]:
        """``{id: current value of link}`` for objects of ``rt`` (objects Graph no longer has are left out)."""
        wanted = sorted(set(ids))
        if not wanted:
            return {}
        if link.read_all and link.owner_field and not rt.serialized:
            chunks = [wanted[i:i + IN_CLAUSE_MAX] for i in range(0, len(wanted), IN_CLAUSE_MAX)]
            parts = await asyncio.gather(*(self._grouped(rt, link, chunk) for chunk in chunks))
            return {k: v for part in parts for k, v in part.items()}
        if not link.expand or link.inline or rt.serialized:
            return await self._per_object(rt, link, wanted)
        chunks = [wanted[i:i + IN_CLAUSE_MAX] for i in range(0, len(wanted), IN_CLAUSE_MAX)]
        parts = await asyncio.gather(*(self._expanded(rt, link, chunk) for chunk in chunks))
        found: dict[str, Any] = {}
        capped: list[str] = []
        for part in parts:
            for obj_id, value in part.items():
                if (link.expand_cap is not None and isinstance(value, list) and len(value) >= link.expand_cap):
                    capped.append(obj_id)
                else:
                    found[obj_id] = value
        found.update(await self._per_object(rt, link, capped))
        return found

    async def _expanded(self, rt: ResourceType, link: Link, ids: list[str]) -> dict[str, Any]:
        quoted = ",".join(f"'{i}'" for i in ids)
        params = {"$filter": f"{rt.key_prop} in ({quoted})", "$select": rt.key_prop, "$expand": link.expand}
        try:
            items = await self.batcher.list_all(rt.collection, params, rt.api_version)
        except GraphError as exc:
            raise graph_failure(rt, f"reading {link.name} of {len(ids)} {rt.key}", exc) from exc
        out: dict[str, Any] = {}
        for item in items:
            value = item.get(link.name)
            if value is None and link.kind is not LinkKind.ID:
                continue  # never guess an empty collection: left for a read of its own
            out[str(item[rt.key_prop])] = value
        missing = [i for i in ids if i not in out and any(str(item.get(rt.key_prop)) == i for item in items)]
        out.update(await self._per_object(rt, link, missing))
        return out

    async def _grouped(self, rt: ResourceType, link: Link, ids: list[str]) -> dict[str, Any]:
        """A tenant-wide link (``read_all``) for 15 owners: one listing filtered ``<owner_field> in (...)``."""
        quoted = ",".join(f"'{i}'" for i in ids)
        version = link.read_version or rt.api_version
        try:
            items = await self.batcher.list_all(link.read_all, {"$filter": f"{link.owner_field} in ({quoted})"},
                                                version)
        except GraphError as exc:
            raise graph_failure(rt, f"reading {link.name} of {len(ids)} {rt.key}", exc) from exc
        found: dict[str, list[Any]] = {i: [] for i in ids}
        for item in items:
            owner = str(item.get(link.owner_field))
            if owner in found:
                found[owner].append(item)
        return found

    async def _per_object(self, rt: ResourceType, link: Link, ids: list[str]) -> dict[str, Any]:
        async def one(obj_id: str) -> tuple[str, Any]:
            try:
                return obj_id, await self.read(rt, {rt.key_prop: obj_id}, link)
            except ExportError as exc:
                if exc.graph_error is not None and exc.graph_error.status == 404:
                    return obj_id, _GONE
                raise

        values = await asyncio.gather(*(one(i) for i in ids))
        return {obj_id: value for obj_id, value in values if value is not _GONE}


_GONE = object()  # the owner itself is gone (404 on its link): nothing to attach
