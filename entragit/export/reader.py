"""The per-type readers of an export: one listing with ``$select`` (and the first expanded link), side
listings for further expands, tenant-wide listings (``Link.read_all``), per-object link reads; the discovery of
directory extension attributes is :mod:`entragit.export.extensions`. How and why: the package docstring
(:mod:`entragit.export`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from typing import Any

from entragit.errors import GraphError
from entragit.export import shards
from entragit.export.channel import _Channel
from entragit.export.extensions import ExtensionDiscovery
from entragit.export.links import LinkReader, describe, graph_failure
from entragit.export.result import TypeStats
from entragit.resources.base import Link, LinkKind, ResourceType
from entragit.state.normalization import Exclusions, normalize

_ABSENT = object()  # an expanded link the answer left out
_MISSING = object()  # an object a side listing did not return

PAGES_IN_FLIGHT = 8  # pages of one type whose links are being read at the same time


# ---------------------------------------------------------------------------------------------- helpers
_describe, _graph_failure = describe, graph_failure


def delta_select(rt: ResourceType, select: Sequence[str]) -> list[str]:
    """The ``$select`` of ``rt``'s delta query: the listing's properties and the links delta tracks."""
    return list(select) + [ln.name for ln in rt.links if ln.delta_select]


def _listing_expands(rt: ResourceType) -> list[Link]:
    return [ln for ln in rt.links if ln.expand and not ln.inline]


async def read_materials(client: Any, rt: ResourceType, objects: list[dict[str, Any]], stats: TypeStats) -> None:
    """Public key material a listing nulls (``Prop.material``: a certificate's ``keyCredentials[].key``), read by
    one single-object ``GET {item}?$select=<property>`` per object holding such an element (Learn, keyCredential:
    "returned only on $select for a single object"); the listing's value is replaced by the answer's."""
    props = [p for p in rt.props if p.material and p.public_material]
    if not props:
        return

    def lacking(obj: Mapping[str, Any]) -> list[str]:
        return [p.name for p in props
                if any(isinstance(e, dict) and e.get("type") in p.public_material and not e.get(p.material)
                       for e in obj.get(p.name) or ())]

    async def read(obj: dict[str, Any], names: list[str]) -> None:
        stats.link_reads += 1
        try:
            answer = await client.get(rt.item_path(str(obj[rt.key_prop])), {"$select": ",".join(names)},
                                      rt.api_version, serialize=rt.serialized)
        except GraphError as exc:
            raise _graph_failure(rt, f"reading {', '.join(names)} of {_describe(rt, obj)}", exc,
                                 obj=str(obj.get(rt.key_prop))) from exc
        for name in names:
            if isinstance(answer, Mapping) and name in answer:
                obj[name] = answer[name]

    todo = [(obj, names) for obj in objects if (names := lacking(obj))]
    if todo:
        await asyncio.gather(*(read(obj, names) for obj, names in todo))


# ---------------------------------------------------------------------------------------------- the exporter
class _Exporter(ExtensionDiscovery):
    def __init__(self, client: Any, rts: list[ResourceType], exclude: Exclusions | None, *,
                 delta_links: bool = False, extensions: Mapping[str, Sequence[str]] | None = None,
                 earlier: Mapping[str, Sequence[str]] | None = None,
                 earlier_valued: Mapping[str, Sequence[str]] | None = None) -> None:
        self.client = client
        self.rts = rts
        self.exclude = exclude
        self.configured = {k: tuple(v) for k, v in (extensions or {}).items()}  # entragit.yaml extensionAttributes
        self.earlier = {k: tuple(v) for k, v in (earlier or {}).items()}  # names an earlier backup held
        self.discovery_empty = False  # getAvailableExtensionProperties answered no definition
        # withheld properties (Prop.withheld) an earlier backup held a value of, per type
        self.earlier_valued = {k: set(v) for k, v in (earlier_valued or {}).items()}
        self.stats = {rt.key: TypeStats(rt.key) for rt in rts}
        self.extensions: dict[str, tuple[str, ...]] = {}
        self.definitions: list[dict[str, Any]] = []   # the extension definitions found (name, targetObjects)
        self.tenant_id: str | None = None
        self.notes: list[str] = []
        self.warnings: list[str] = []  # what the backup may lack (ExportResult.warnings)
        self._valued: dict[str, set[str]] = {rt.key: set() for rt in rts}  # withheld props seen with a value
        self.links = LinkReader(client, self.stats)
        # delta types: the deltaLink "from now" taken before each listing, and the $select it was issued for
        self.want_delta_links = delta_links
        self.delta_links: dict[str, dict[str, Any]] = {}

    # -- one type ----------------------------------------------------------------------------------------
    def select(self, rt: ResourceType) -> list[str]:
        if not rt.select_query:
            return []
        excluded = set((self.exclude or {}).get(rt.key, ()))
        names = [name for name in rt.select if name not in excluded]
        return names + list(self.extensions.get(rt.key, ()))

    def _list_params(self, rt: ResourceType, select: Sequence[str], expand: Link | None) -> dict[str, Any]:
        params: dict[str, Any] = {}
        if select:
            params["$select"] = ",".join(select)
        if not rt.singleton and rt.page_max > rt.page_default:
            params["$top"] = rt.page_max  # only where it changes the page size (some lists take no $top)
        if expand is not None:
            params["$expand"] = expand.expand
        return params

    async def produce(self, rt: ResourceType, channel: _Channel) -> None:
        stats = self.stats[rt.key]
        stats.state = "reading"
        if rt.singleton and not rt.singleton_in_collection:
            try:
                obj = await self.client.get(rt.collection, self._list_params(rt, self.select(rt), None),
                                            rt.api_version, serialize=rt.serialized)
            except GraphError as exc:
                raise _graph_failure(rt, f"reading {rt.collection}", exc) from exc
            grouped = {ln.name: await self._read_all(rt, ln) for ln in rt.links if ln.read_all}
            await self._read_links(rt, obj, self._attach(rt, obj, {}, grouped))
            await read_materials(self.client, rt, [obj], self.stats[rt.key])
            await self._emit(rt, channel, [obj])
        else:
            if rt.delta and self.want_delta_links:
                await self._latest_delta_link(rt)  # before the listing: what changes during it replays later
            await self._produce_collection(rt, channel)
        stats.state = "done"
        self._withheld_warnings(rt)

    async def _latest_delta_link(self, rt: ResourceType) -> None:
        """The deltaLink "from now" of ``rt`` (``$deltatoken=latest``: no objects, one request), issued for
        the same properties as the listing plus the links delta tracks."""
        select = delta_select(rt, self.select(rt))
        params = {"$select": ",".join(select)} if select else {}
        params["$deltatoken"] = "latest"
        try:
            page = await self.client.get(f"{rt.collection}/delta", params, rt.api_version)
        except GraphError as exc:
            raise _graph_failure(rt, f"starting delta tracking ({rt.collection}/delta)", exc) from exc
        link = page.get("@odata.deltaLink")
        if isinstance(link, str) and link:
            self.delta_links[rt.key] = {"deltaLink": link, "select": select}

    async def _produce_collection(self, rt: ResourceType, channel: _Channel) -> None:
        expands = _listing_expands(rt)
        main_expand = expands[0] if expands else None
        params = self._list_params(rt, self.select(rt), main_expand)
        side = {ln.name: asyncio.ensure_future(self._side_listing(rt, ln)) for ln in expands[1:]}
        grouped = {ln.name: asyncio.ensure_future(self._read_all(rt, ln)) for ln in rt.links if ln.read_all}
        helpers = [*side.values(), *grouped.values()]
        pages_in_flight = asyncio.Semaphore(PAGES_IN_FLIGHT)
        filters = shards.shard_filters(rt)
        seen: set[str] | None = set() if filters else None
        try:
            async with asyncio.TaskGroup() as tg:
                async def listing(extra: dict[str, Any], what: str) -> None:
                    try:
                        async for page in self.client.pages(rt.collection, {**params, **extra},
                                                            version=rt.api_version, serialize=rt.serialized):
                            items = list(page.get("value") or ())
                            if seen is not None:  # shards never overlap, but the remainder may repeat one
                                items = [i for i in items if str(i.get(rt.key_prop)) not in seen]
                                seen.update(str(i.get(rt.key_prop)) for i in items)
                            await pages_in_flight.acquire()
                            tg.create_task(self._page(rt, channel, items, side, grouped, pages_in_flight))
                    except GraphError as exc:
                        raise _graph_failure(rt, f"listing {rt.collection}{what}", exc) from exc

                if not filters:
                    await listing({}, "")
                else:
                    await asyncio.gather(*(listing({"$filter": f}, f" ($filter={f})") for f in filters))
                    for f in await self._remainder(rt, seen or set()):
                        await listing({"$filter": f}, f" ($filter={f})")
            await asyncio.gather(*helpers)  # a side listing of an empty collection still reports its error
        except BaseException:
            for task in helpers:
                task.cancel()
            await asyncio.gather(*helpers, return_exceptions=True)
            raise

    async def _remainder(self, rt: ResourceType, seen: set[str]) -> list[str]:
        """After the shards: ``id in (...)`` filters for the objects none of them returned (see
        :mod:`entragit.export.shards`); none when the count says the shards found everyone."""
        try:
            total = await shards.count(self.client, rt)
            if total is not None and total <= len(seen):
                return []
            missing = await shards.all_ids(self.client, rt) - seen
        except GraphError as exc:
            raise _graph_failure(rt, f"checking the shards of {rt.collection} against its count", exc) from exc
        if missing:
            self.notes.append(f"{rt.key}: {len(missing)} object(s) outside the {rt.shard_by} shards "
                              f"({', '.join(sorted(missing)[:3])}{'...' if len(missing) > 3 else ''}), read by id")
        return shards.id_filters(rt, missing)

    async def _page(self, rt: ResourceType, channel: _Channel, items: list[dict[str, Any]],
                    side: dict[str, asyncio.Future[dict[str, Any]]],
                    grouped: dict[str, asyncio.Future[dict[str, list[Any]]]],
                    slot: asyncio.Semaphore) -> None:
        try:
            side_values = {name: await fut for name, fut in side.items()}
            grouped_values = {name: await fut for name, fut in grouped.items()}
            pending = [(obj, reads) for obj in items if (reads := self._attach(rt, obj, side_values, grouped_values))]
            if pending:  # only objects with links left to read cost a task (their reads share $batch)
                await asyncio.gather(*(self.links.read_all_links(rt, obj, reads) for obj, reads in pending))
            await read_materials(self.client, rt, items, self.stats[rt.key])
            await self._emit(rt, channel, items)
        finally:
            slot.release()

    def _withheld_warnings(self, rt: ResourceType) -> None:
        """A property Graph answers null without a read permission (``Prop.withheld``) that is null on every object
        while Graph withheld it: the reader's token lacks the permission, or (when the token cannot tell, as with
        the emulator) an earlier backup held values that are all gone now. A plan never writes such a null back
        (entragit.plan.fidelity)."""
        count = self.stats[rt.key].objects
        excluded = set((self.exclude or {}).get(rt.key, ()))
        granted = self.client.granted_permissions() if hasattr(self.client, "granted_permissions") else None
        for prop in rt.props:
            if not (prop.withheld and prop.select and count) or prop.name in excluded \
                    or prop.name in self._valued[rt.key]:
                continue
            if granted is not None:
                writer = prop.withheld.replace(".Read.", ".ReadWrite.")
                if prop.withheld in granted or writer in granted:
                    continue
                why = f"the reader's token lacks {prop.withheld}"
            elif prop.name in self.earlier_valued.get(rt.key, ()):
                why = f"an earlier backup held values: has the reader lost {prop.withheld}?"
            else:
                continue
            self.warnings.append(
                f"{rt.key}: {prop.name} is null on all {count:,} objects and Graph answers null without "
                f"{prop.withheld} ({why}): this backup holds none, and a plan never clears them from it")

    async def _emit(self, rt: ResourceType, channel: _Channel, objects: list[dict[str, Any]]) -> None:
        withheld = [p.name for p in rt.props if p.withheld and p.name not in self._valued[rt.key]]
        for name in withheld:
            if any(obj.get(name) is not None for obj in objects):
                self._valued[rt.key].add(name)
        exclude = self.exclude
        batch = [normalize(rt, obj, exclude) for obj in objects]
        if self.tenant_id is None and rt.singleton_in_collection and batch:
            # the organization's id is the tenant id (the one type served as a one-item collection)
            self.tenant_id = batch[0].get(rt.key_prop)
        self.stats[rt.key].objects += len(batch)
        await channel.put(rt.key, batch)

    async def _side_listing(self, rt: ResourceType, link: Link) -> dict[str, Any]:
        """``{owner id: expanded value}`` from a listing of ids with one more ``$expand``.

        When Graph refuses the expand (400 on the first page: the navigation cannot be expanded there),
        the link is read once per object instead, and the result says so (``ExportResult.notes``)."""
        params = self._list_params(rt, [rt.key_prop], link)
        values: dict[str, Any] = {}
        first = True
        try:
            async for page in self.client.pages(rt.collection, params, version=rt.api_version,
                                                serialize=rt.serialized):
                first = False
                for item in page.get("value") or ():
                    values[item[rt.key_prop]] = item.get(link.name, _ABSENT)
        except GraphError as exc:
            if first and exc.status == 400:
                self.notes.append(f"{rt.key}: Graph refused $expand={link.expand} ({exc.graph_message}); "
                                  f"{link.name} read once per object")
                return {}
            raise _graph_failure(rt, f"listing {rt.collection} with $expand={link.expand}", exc) from exc
        return values

    async def _read_all(self, rt: ResourceType, link: Link) -> dict[str, list[Any]]:
        """``{owner id: [elements]}`` from one tenant-wide listing (``Link.read_all``)."""
        grouped: dict[str, list[Any]] = {}
        try:
            async for item in self.client.list(link.read_all, version=link.read_version or rt.api_version,
                                               serialize=rt.serialized):
                grouped.setdefault(str(item.get(link.owner_field)), []).append(item)
        except GraphError as exc:
            raise _graph_failure(rt, f"listing {link.read_all} ({link.name})", exc) from exc
        return grouped

    def _attach(self, rt: ResourceType, obj: dict[str, Any], side: Mapping[str, Mapping[str, Any]],
                grouped: Mapping[str, Mapping[str, list[Any]]]) -> list[Link]:
        """Attach every link the listings already hold under its name; return the links left to read."""
        obj_id = obj.get(rt.key_prop)
        reads: list[Link] = []
        for link in rt.links:
            if link.inline:
                if link.name not in obj:
                    reads.append(link)
            elif link.read_all:
                obj[link.name] = grouped[link.name].get(str(obj_id), [])
            elif link.expand:
                if link.name in side:  # expanded on a listing of its own
                    listed = side[link.name]
                    value = listed.get(obj_id, _ABSENT) if obj_id in listed else _MISSING
                else:  # expanded on the object's own listing
                    value = obj.get(link.name, _ABSENT)
                if value is _MISSING:
                    reads.append(link)  # created after the side listing passed it
                elif value is _ABSENT:
                    if link.kind is LinkKind.ID:
                        obj[link.name] = None  # a single-valued expand is omitted when empty (no manager)
                    else:
                        reads.append(link)  # never guess an empty collection: read it
                else:
                    obj[link.name] = value
                    if (link.expand_cap is not None and isinstance(value, list)
                            and len(value) >= link.expand_cap):
                        reads.append(link)  # the expand was cut at its cap: read the whole list
            else:
                reads.append(link)
        return reads

    async def _read_links(self, rt: ResourceType, obj: dict[str, Any], reads: list[Link]) -> None:
        await self.links.read_all_links(rt, obj, reads)
