"""The incremental export: continue from the previous backup through delta links and the audit log
(:class:`Incremental`), or raise :class:`Fallback` saying why it cannot; :mod:`entragit.export.nightly` then runs
a full export instead.

An incremental run, in order:

1. ``getAvailableExtensionProperties`` (one request; it also tells Graph's clock). Full export instead when the
   last full one is ``full_every`` old (weekly by default: what delta and the audit log cannot see, such as
   properties stored outside the directory's main store, is reconciled then), or when the previous backup is
   older than the audit log's retention.
2. The audit log since the previous run minus ``overlap`` (:mod:`entragit.export.audit`); extension definitions
   of applications it names are read again when the action does not answer (tenants over 1,000 service
   principals). If a delta type's ``$select`` would change (an extension attribute came or went, an exclusion
   changed), its delta link no longer fits: full export.
3. At the same time: one delta round per delta type (users, groups, applications, service principals; an
   expired token, ``syncStateNotFound``, or a forced resync, 410 with ``Location``, means a full export), and a
   full read of every other type (the small policy singletons and collections, a few requests).
4. The rounds folded into the stored files (:mod:`entragit.export.merge`); then re-read, 15 objects a request
   or in ``$batch`` (:class:`~entragit.export.links.LinkReader`): every link of objects new to the tree
   (created or restored), the links the audit entries name, the links that held an object now gone (found in
   the files), and the links that held an object now restored (remembered as tombstones).
5. Only the files of changed objects are written (and the small types' files, compared byte for byte).
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from entragit.errors import GraphError
from entragit.export import audit, merge
from entragit.export.audit import iso
from entragit.export.channel import _first_exception
from entragit.export.continuation import Continuation
from entragit.export.extensions import EXTENSIONS_ACTION
from entragit.export.reader import _Exporter, delta_select, read_materials
from entragit.export.result import ExportError, ExportResult
from entragit.export.run import earlier_state, finish_result
from entragit.export.shards import id_filters
from entragit.graph.errors import DeltaExpired
from entragit.resources.base import ResourceType
from entragit.state.normalization import Exclusions, normalize
from entragit.state.tree import write_stream


@dataclass
class NightlyOptions:
    incremental: bool = True
    full_every: timedelta = timedelta(days=7)          # the periodic full reconcile
    audit_overlap: timedelta = timedelta(hours=2)       # re-read this much of the audit log again (its delay)
    audit_retention: timedelta = timedelta(days=7)      # what the tenant's audit log keeps (Free: 7, P1/P2: 30)


class Fallback(Exception):
    """The incremental path cannot give the right answer: export everything, for this reason."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class _Collect:
    """A channel that keeps what it is given (the small types of an incremental run, read in full)."""

    def __init__(self) -> None:
        self.objects: list[tuple[str, dict[str, Any]]] = []

    async def put(self, key: str, batch: list[dict[str, Any]]) -> None:
        self.objects.extend((key, obj) for obj in batch)


def _age(days: timedelta) -> str:
    return f"{days.total_seconds() / 86400:.1f} days"


class Incremental:
    def __init__(self, client: Any, out: Path, rts: list[ResourceType], exclude: Exclusions | None,
                 cont: Continuation, options: NightlyOptions, *, durable: bool = True,
                 extensions: Any = None) -> None:
        self.client, self.out, self.rts, self.exclude = client, out, rts, exclude
        self.durable = durable
        self.cont, self.options = cont, options
        # the extension attributes entragit.yaml names and the tree holds: the same $select as a full export
        self.exporter = _Exporter(client, rts, exclude, extensions=extensions, earlier=earlier_state(out, rts)[0])
        self.stats = self.exporter.stats
        self.notes = self.exporter.notes

    # -- 1, 2: may we continue? ------------------------------------------------------------------------
    async def _definitions(self, feed: audit.Feed, answered: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if answered:
            return answered
        owner = next((rt for rt in self.rts if rt.extension_definitions), None)
        definitions = list(self.cont.definitions)
        if owner is None or not feed.extension_owners:
            return definitions
        link = self.exporter.links
        source = _definitions_link(owner)
        current = await link.reread(owner, source, feed.extension_owners)
        app_ids = await self._app_ids(owner, feed.extension_owners)
        for obj_id in feed.extension_owners:
            prefix = f"extension_{app_ids.get(obj_id, obj_id).replace('-', '')}_"
            definitions = [d for d in definitions if not str(d.get("name", "")).startswith(prefix)]
            definitions += [d for d in current.get(obj_id) or () if isinstance(d, dict)]
        return definitions

    async def _app_ids(self, owner: ResourceType, ids: set[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        for expression in id_filters(owner, ids):
            async for item in self.client.list(owner.collection, {"$filter": expression,
                                                                  "$select": f"{owner.key_prop},appId"},
                                               version=owner.api_version):
                found[str(item[owner.key_prop])] = str(item.get("appId") or "")
        for obj_id in ids:  # gone: its appId is in the tree
            if obj_id not in found:
                stored = merge.load(self.out, owner, obj_id) or {}
                found[obj_id] = str(stored.get("appId") or obj_id)
        return found

    async def check(self) -> audit.Feed:
        cont, options = self.cont, self.options
        if cont.graph.rstrip("/") != self.client.root.rstrip("/"):
            raise Fallback(f"the delta state belongs to {cont.graph}, not {self.client.root}")
        if sorted(cont.exported) != sorted(rt.key for rt in self.rts):
            raise Fallback("the exported types changed")
        try:
            answer = await self.client.post(EXTENSIONS_ACTION, {}, idempotent=True)
        except GraphError as exc:
            raise ExportError(f"discovering directory extension attributes: {exc}", type_key="extensions",
                              graph_error=exc) from exc
        now = self.client.server_now()
        self.started_at = now - timedelta(seconds=5)  # Date has whole seconds
        if now - cont.full_at >= options.full_every:
            raise Fallback(f"periodic full reconcile: the last full export was {_age(now - cont.full_at)} ago "
                           f"(every {_age(options.full_every)})")
        if now - cont.cursor > options.audit_retention:
            raise Fallback(f"the previous backup is {_age(now - cont.cursor)} old, more than the audit log keeps "
                           f"({_age(options.audit_retention)})")
        try:
            feed = await audit.read_feed(self.client, self.rts, cont.cursor - options.audit_overlap)
        except GraphError as exc:
            raise Fallback(f"the directory audit log cannot be read ({exc.status} {exc.code}: the reader needs "
                           "AuditLog.Read.All)") from exc
        answered = list((answer or {}).get("value") or ())
        self.exporter.discovery_empty = not answered
        self.exporter.use_definitions(await self._definitions(feed, answered))
        for rt in self.rts:
            if not rt.delta:
                continue
            held = cont.types.get(rt.key)
            if held is None:
                raise Fallback(f"no delta link for {rt.key}")
            if held["select"] != delta_select(rt, self.exporter.select(rt)):
                raise Fallback(f"the properties exported for {rt.key} changed (extension attributes, exclusions)")
        return feed

    # -- 3: the delta rounds and the small types ---------------------------------------------------------
    async def _round(self, rt: ResourceType) -> merge.Round:
        folded = merge.Round()
        self.stats[rt.key].state = "reading"
        try:
            async for page in self.client.delta_pages(rt.collection, self.cont.types[rt.key]["deltaLink"]):
                folded.pages += 1
                for item in page.get("value") or ():
                    folded.add(item)
                folded.delta_link = page.get("@odata.deltaLink") or folded.delta_link
        except DeltaExpired as exc:
            why = ("Graph asked for a full resync (410 Gone)" if exc.status == 410
                   else f"the delta token expired ({exc.code})")
            raise Fallback(f"{rt.key}: {why}") from exc
        except GraphError as exc:
            raise ExportError(f"delta round of {rt.collection}: {exc}", type_key=rt.key, graph_error=exc) from exc
        if not folded.delta_link:
            raise Fallback(f"{rt.key}: the delta round ended without a deltaLink")
        self.stats[rt.key].state = "done"
        return folded

    # -- 4: fold, re-read --------------------------------------------------------------------------------
    async def _reverse(self, rts: list[ResourceType], restored: dict[str, set[str]]) -> list[tuple[Any, Any, str]]:
        """For restored objects: the owners of links that hold them again (``Link.reverse``)."""
        jobs = []
        for owner_rt in rts:
            for link in owner_rt.links:
                if not link.reverse:
                    continue
                for kind in link.reverse_for:
                    rt = next((r for r in rts if r.key == kind), None)
                    for obj_id in sorted(restored.get(kind, ())) if rt is not None else ():
                        path = link.reverse.format(collection=rt.collection, id=obj_id)  # type: ignore[union-attr]
                        jobs.append((owner_rt, link, path, rt.api_version))  # type: ignore[union-attr]
        batcher = self.exporter.links.batcher

        async def read(path: str, version: str) -> list[Any]:
            try:
                return await batcher.list_all(path, None, version)
            except GraphError as exc:
                if exc.status == 404:
                    return []
                raise

        answers = await asyncio.gather(*(read(path, version) for _, _, path, version in jobs))
        # elements of several types (ownedObjects: groups, applications...) count for their own type only
        return [(owner_rt, link, str(element.get(link.reverse_owner)))
                for (owner_rt, link, _, _), elements in zip(jobs, answers, strict=True)
                for element in elements if isinstance(element, dict) and element.get(link.reverse_owner)
                and element.get("@odata.type", owner_rt.odata_type) == owner_rt.odata_type]

    async def _complete_new(self, rt: ResourceType, objects: dict[str, dict[str, Any]], new: set[str]) -> None:
        """New objects whose round left selected properties out ("never set" ones) are read by id."""
        select = self.exporter.select(rt)
        short = sorted(i for i in new if any(p not in objects[i] for p in select))
        for expression in id_filters(rt, short):
            async for item in self.client.list(rt.collection, {"$filter": expression, "$select": ",".join(select)},
                                               version=rt.api_version):
                objects[str(item[rt.key_prop])].update(item)

    async def run(self) -> ExportResult:
        before = self.client.stats.snapshot()
        start, cpu_start = time.monotonic(), time.process_time()
        feed = await self.check()
        delta_rts = [rt for rt in self.rts if rt.delta]
        small = _Collect()
        try:
            async with asyncio.TaskGroup() as tg:
                rounds = {rt.key: tg.create_task(self._round(rt)) for rt in delta_rts}
                for rt in self.rts:
                    if not rt.delta:
                        tg.create_task(self.exporter.produce(rt, small))  # type: ignore[arg-type]
        except BaseExceptionGroup as group:
            await self.exporter.links.aclose()
            raise _first_exception(group) from None
        folded = {key: task.result() for key, task in rounds.items()}
        now = self.started_at

        objects: dict[str, dict[str, dict[str, Any]]] = {}
        present: dict[str, set[str]] = {}
        new: dict[str, set[str]] = {}
        for rt in delta_rts:
            f = folded[rt.key]
            stored = merge.stored_ids(self.out, rt)
            objects[rt.key] = {}
            for obj_id in set(f.items) | set(f.links):
                objects[rt.key][obj_id] = merge.apply(rt, merge.load(self.out, rt, obj_id) if obj_id in stored
                                                      else None, f.items.get(obj_id, {}), f.links.get(obj_id, {}))
            new[rt.key] = {i for i in objects[rt.key] if i not in stored}
            present[rt.key] = (stored | set(objects[rt.key])) - set(f.removed)
            await self._complete_new(rt, objects[rt.key], new[rt.key])

        removed = {i: reason for f in folded.values() for i, reason in f.removed.items()}
        tombstones = self.cont.live_tombstones(now)
        rereads: dict[tuple[str, str], set[str]] = {}

        def want(rt: ResourceType, link_name: str, obj_id: str) -> None:
            if obj_id in present.get(rt.key, set()):
                rereads.setdefault((rt.key, link_name), set()).add(obj_id)

        restored: dict[str, set[str]] = {}
        for rt in delta_rts:
            for obj_id in new[rt.key]:
                for link in rt.links:
                    want(rt, link.name, obj_id)
                if obj_id in tombstones:
                    restored.setdefault(rt.key, set()).add(obj_id)
                for owner_type, owner, link_name in (tombstones.pop(obj_id, {}) or {}).get("refs", []):
                    owner_rt = next((r for r in delta_rts if r.key == owner_type), None)
                    if owner_rt is not None:
                        want(owner_rt, link_name, owner)
            for link in rt.links:
                for obj_id in feed.ids(rt, link):
                    want(rt, link.name, obj_id)
            restored.setdefault(rt.key, set()).update(feed.restored.get(rt.key, set()) & present[rt.key])
        for owner_rt, link, owner in await self._reverse(delta_rts, restored):
            want(owner_rt, link.name, owner)
        gone_refs = merge.scan(self.out, delta_rts, set(removed))
        for rt, owner, link, held in gone_refs:
            f = folded[rt.key]
            if link.delta_select and all(f.touched_link(owner, link.name, ref) for ref in held):
                continue  # the round itself reported these links going
            want(rt, link.name, owner)
        for obj_id, reason in removed.items():
            if reason == "changed":  # in deleted items: a restore brings its links back
                refs = sorted({(rt.key, owner, link.name) for rt, owner, link, held in gone_refs if obj_id in held})
                tombstones[obj_id] = {"at": iso(now), "refs": [list(r) for r in refs]}
            else:
                tombstones.pop(obj_id, None)

        by_key = {rt.key: rt for rt in delta_rts}
        jobs = [(by_key[key], by_key[key].link(name), ids) for (key, name), ids in rereads.items()]
        values = await asyncio.gather(*(self.exporter.links.reread(rt, link, ids) for rt, link, ids in jobs))
        for (rt, link, _), found in zip(jobs, values, strict=True):
            for obj_id, value in found.items():
                obj = objects[rt.key].get(obj_id)
                if obj is None:
                    obj = objects[rt.key][obj_id] = merge.load(self.out, rt, obj_id) or {rt.key_prop: obj_id}
                obj[link.name] = value
        await self.exporter.links.aclose()
        for rt in delta_rts:  # key material a round nulls, as a listing does (Prop.material)
            await read_materials(self.client, rt, [objects[rt.key][i] for i in sorted(objects[rt.key])
                                                   if i in present[rt.key]], self.stats[rt.key])

        # -- 5: write -------------------------------------------------------------------------------------
        stream: list[tuple[str, dict[str, Any]]] = []
        for rt in delta_rts:
            for obj_id in sorted(objects[rt.key]):
                if obj_id in present[rt.key]:
                    stream.append((rt.key, normalize(rt, objects[rt.key][obj_id], self.exclude)))
            self.stats[rt.key].objects = sum(1 for k, _ in stream if k == rt.key)
        stream.extend(small.objects)
        partial = {rt.key: [i for i in folded[rt.key].removed] for rt in delta_rts}
        written = await asyncio.to_thread(write_stream, self.out, stream, self.rts, durable=self.durable,
                                          partial=partial)
        self.stats_rereads = sum(len(ids) for ids in rereads.values())
        for key, st in self.stats.items():
            st.changed, st.added, st.removed = written.count(key)
        state = Continuation(
            graph=self.cont.graph, tenant_id=self.exporter.tenant_id or self.cont.tenant_id,
            full_at=self.cont.full_at, cursor=now,
            types={rt.key: {"deltaLink": folded[rt.key].delta_link,
                            "select": delta_select(rt, self.exporter.select(rt))} for rt in delta_rts},
            exported=[rt.key for rt in self.rts], definitions=self.exporter.definitions, tombstones=tombstones)
        if self.exporter.discovery_empty:  # the tree holds every object: count them there
            await self.exporter.discovery_warning({rt.key: len(merge.stored_ids(self.out, rt)) for rt in self.rts})
        result = finish_result(self.client, before, start, cpu_start, out=self.out, types=self.stats, write=written,
                               tenant_id=state.tenant_id, extension_attributes=self.exporter.extensions,
                               notes=self.notes, warnings=self.exporter.warnings,
                               definitions=self.exporter.definitions, started_at=now,
                               mode="incremental", rereads=self.stats_rereads, audit_entries=feed.entries)
        result.delta_state = state.to_dict()
        return result


def _definitions_link(owner: ResourceType) -> Any:
    from entragit.export.extensions import extension_definitions

    source = extension_definitions()
    assert source is not None and source[0].key == owner.key
    return source[1]
