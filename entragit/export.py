"""Graph → ``tenant-state/``: the backup itself.

:func:`export_tree` reads every declared type from Microsoft Graph (or the emulator), attaches each object's
links under their names, normalizes the objects and hands them to :func:`entragit.state.write_tree`, which
stages only the changed files beside the tree and moves them in once the whole export succeeded. Everything
type-specific comes from the declarations (``entragit.resources``): collection and API version, ``$select``,
page size, singletons, links and how each is read, serialized types, directory extension attributes.

How a type is read (strategy F1 of ../shared/reference/performance.md B6, without the N+1 reads Graph lets
us avoid):

- one listing of the collection with ``$select`` (plus the type's directory extension attributes) and
  ``$top=page_max`` when that is above Graph's default page size;
- the first link declared with ``Link.expand`` rides on that listing (``users?$expand=manager($select=id)``);
  every further expanded link gets a listing of its own with ``$select=id`` (one ``$expand`` per request
  is what every directory-object collection is known to accept). ``$expand`` caps listing pages at 100
  objects and collection expands at 20 elements without a nextLink (Graph known issue 13635), so an owner
  whose expanded link holds ``Link.expand_cap`` elements is re-read through ``Link.read``;
- links declared with ``Link.read_all`` come from one tenant-wide listing grouped by ``Link.owner_field``
  (``oauth2PermissionGrants`` by ``clientId``); inline links (``Link.inline``) come with the object;
- every other link is read once per object (``groups/{id}/members`` from beta: the model's one call per
  group), ``$select``/``$top`` from the declaration, concurrently up to the client's limit; requests of
  ``serialized`` types (conditional access, named locations) go one at a time.

Why ``$expand`` for the manager rather than one ``GET users/{id}/manager`` per user (numbers for the L
tenant of B6, 100k users, model 22,177 requests / 44,180 RU): per-user reads add 100,000 requests and
100,000 RU (5.5x the model's requests, 3.3x its RU), while the expanded listing turns 101 pages of 999
(1 RU each) into 1,001 pages of 100 (2 RU each: users 2, $select -1, $expand +1): +900 requests and
+1,900 RU, 1.04x the model. The same reasoning puts owners, federated credentials and app role
assignments on listings, and reads OAuth2 grants once for the whole tenant.

Objects stream from the Graph side (the event loop) to ``write_tree`` running in a worker thread through
one bounded queue per type, so a 100k-user export never holds more than a few pages per type in memory.
Any failure (a Graph error after the client's retries, Ctrl-C, a bad object) aborts the staging and leaves
``out_dir`` exactly as it was; Graph errors surface as :class:`ExportError` naming the type and object.
"""

from __future__ import annotations

import asyncio
import os
import queue
import sys
import threading
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from entragit import resources
from entragit.errors import EntragitError, GraphError, UsageError
from entragit.graph.runner import run
from entragit.resources.base import Link, LinkKind, ResourceType
from entragit.state.normalization import (
    WHOLE_TYPE,
    Exclusions,
    normalize,
    type_excluded,
)
from entragit.state.tree import WriteResult, write_tree

# Directory extension definitions registered in the tenant, including those of multi-tenant apps
# (synced and cloud ones: the body names neither). Learn: "only processes results for tenants with up to
# 1,000 service principals; otherwise, it returns an empty response. Use List extensionProperties instead."
# https://learn.microsoft.com/en-us/graph/api/directoryobject-getavailableextensionproperties?view=graph-rest-1.0
EXTENSIONS_ACTION = "directoryObjects/getAvailableExtensionProperties"


def extension_definitions() -> tuple[ResourceType, Link] | None:
    """The fallback source of directory extension definitions: the type whose objects define them
    (``ResourceType.extension_definitions``: applications' ``extensionProperties``), and the relationship as
    a link, expanded on a listing of the owners' ids (pages of at most 999 without $expand)."""
    owner = next((rt for rt in resources.all_types() if rt.extension_definitions), None)
    if owner is None:
        return None
    name = owner.extension_definitions
    return owner, Link(name=name, kind=LinkKind.OBJECTS, read=f"{owner.collection}/{{id}}/{name}", expand=name,
                       expand_cap=resources.base.EXPAND_MAX)


_ABSENT = object()  # an expanded link the answer left out
_MISSING = object()  # an object a side listing did not return

PAGES_IN_FLIGHT = 3  # pages of one type whose links are being read at the same time
QUEUE_BATCHES = 8  # pages of normalized objects buffered per type between Graph and the writer thread


# ---------------------------------------------------------------------------------------------- results
@dataclass
class TypeStats:
    """What the export did for one type."""

    key: str
    objects: int = 0  # objects read from Graph (and handed to the writer)
    written: int = 0  # objects the writer has compared/staged so far
    link_reads: int = 0  # per-object link reads (links not served by a listing)
    state: str = "waiting"  # waiting | reading | done
    added: int = 0
    changed: int = 0
    removed: int = 0


@dataclass
class ExportResult:
    """The outcome of one export: per-type counts, files changed, Graph cost, time."""

    out_dir: Path
    types: dict[str, TypeStats]
    write: WriteResult
    requests: int
    resource_units: float
    seconds: float
    cpu_seconds: float
    tenant_id: str | None = None
    extension_attributes: dict[str, tuple[str, ...]] = field(default_factory=dict)  # type key -> names
    notes: list[str] = field(default_factory=list)  # cheaper read shapes Graph refused (fell back per object)

    @property
    def counts(self) -> dict[str, int]:
        return {key: stats.objects for key, stats in self.types.items()}

    @property
    def objects(self) -> int:
        return sum(self.counts.values())

    @property
    def files_changed(self) -> int:
        return len(self.write.added) + len(self.write.changed) + len(self.write.removed)

    def to_dict(self) -> dict[str, Any]:
        return {"outDir": str(self.out_dir), "tenantId": self.tenant_id, "objects": self.counts,
                "added": len(self.write.added), "changed": len(self.write.changed),
                "removed": len(self.write.removed), "filesChanged": self.files_changed,
                "requests": self.requests, "resourceUnits": self.resource_units,
                "seconds": round(self.seconds, 3), "extensionAttributes": self.extension_attributes}

    def summary(self) -> str:
        """The closing summary: objects and files per type, then Graph requests, resource units and time."""
        width = max([len("type"), *(len(k) for k in self.types)])
        lines = [f"{'type':<{width}}  {'objects':>8}  {'added':>6}  {'changed':>7}  {'removed':>7}"]
        for key, st in self.types.items():
            lines.append(f"{key:<{width}}  {st.objects:>8,}  {st.added:>6,}  {st.changed:>7,}  {st.removed:>7,}")
        lines.append(f"{'total':<{width}}  {self.objects:>8,}  {len(self.write.added):>6,}  "
                     f"{len(self.write.changed):>7,}  {len(self.write.removed):>7,}")
        files = "no files changed" if not self.files_changed else f"{self.files_changed:,} files changed"
        lines.append(f"{files} in {self.out_dir}; {self.requests:,} Graph requests, "
                     f"{self.resource_units:,.0f} resource units, {self.seconds:.1f} s")
        return "\n".join(lines)


class ExportError(EntragitError):
    """A Graph error (after the client's retries) while exporting; the tree on disk is unchanged.

    ``type_key`` and ``obj`` name what was being read; ``graph_error`` is the error Graph answered.
    """

    def __init__(self, message: str, *, type_key: str, obj: str | None = None,
                 graph_error: GraphError | None = None) -> None:
        self.type_key, self.graph_error = type_key, graph_error
        super().__init__(f"{type_key}: {message}; nothing was written", obj=obj)


# ---------------------------------------------------------------------------------------------- progress
class Progress:
    """A per-type progress display, updated in place on a terminal (stderr); silent otherwise.

    ``Progress.for_terminal()`` is enabled only when the stream is a TTY and ``CI`` is not set.
    """

    def __init__(self, stream: TextIO | None = None, *, enabled: bool = True, interval: float = 0.1) -> None:
        self.stream = stream or sys.stderr
        self.enabled = enabled
        self.interval = interval
        self._lines = 0
        self._last = 0.0
        self._stats: dict[str, TypeStats] = {}
        self._client: Any = None
        self._start = time.monotonic()

    @classmethod
    def for_terminal(cls, stream: TextIO | None = None, env: Mapping[str, str] | None = None) -> Progress:
        stream = stream or sys.stderr
        env = os.environ if env is None else env
        tty = bool(getattr(stream, "isatty", lambda: False)())
        return cls(stream, enabled=tty and not env.get("CI"))

    def start(self, stats: dict[str, TypeStats], client: Any) -> None:
        self._stats, self._client, self._start = stats, client, time.monotonic()
        self.update(force=True)

    def update(self, force: bool = False) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if not force and now - self._last < self.interval:
            return
        self._last = now
        width = max([len(k) for k in self._stats] or [4])
        lines = []
        for key, st in self._stats.items():
            mark = {"waiting": " ", "reading": ">", "done": "+"}.get(st.state, " ")
            lines.append(f"{mark} {key:<{width}}  {st.objects:>9,} read  {st.written:>9,} written")
        stats = getattr(self._client, "stats", None)
        if stats is not None:
            lines.append(f"  {stats.requests:,} requests, {stats.resource_units:,.0f} RU, "
                         f"{now - self._start:.1f} s")
        text = ("\x1b[F" * self._lines) + "".join(f"\x1b[2K{line}\n" for line in lines)
        self._lines = len(lines)
        self.stream.write(text)
        self.stream.flush()

    async def run(self) -> None:
        """Redraw every ``interval`` seconds until cancelled."""
        while True:
            await asyncio.sleep(self.interval)
            self.update(force=True)

    def finish(self) -> None:
        self.update(force=True)


# ---------------------------------------------------------------------------------------------- the writer side
class _Aborted(Exception):
    """Raised inside the writer thread when the Graph side failed: write_tree discards its staging."""


class _WriterGone(Exception):
    """Raised on the Graph side when the writer thread already failed."""


class _Channel:
    """Normalized objects of one type, from the event loop to the writer thread (bounded, in pages)."""

    _END = object()

    def __init__(self, stats: TypeStats, limit: int = QUEUE_BATCHES) -> None:
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=limit)
        self._stats = stats
        self.aborted: BaseException | None = None
        self.writer_failed = False

    async def put(self, batch: list[dict[str, Any]]) -> None:
        while True:
            if self.writer_failed:
                raise _WriterGone()
            try:
                self._queue.put_nowait(batch)
                return
            except queue.Full:
                await asyncio.sleep(0.002)

    async def close(self) -> None:
        await self.put(self._END)  # type: ignore[arg-type]

    def abort(self, exc: BaseException) -> None:
        self.aborted = exc

    def __iter__(self) -> Iterator[dict[str, Any]]:
        while True:
            if self.aborted is not None:
                raise _Aborted() from self.aborted
            try:
                batch = self._queue.get(timeout=0.05)
            except queue.Empty:
                continue
            if batch is self._END:
                return
            for obj in batch:
                yield obj
                self._stats.written += 1


# ---------------------------------------------------------------------------------------------- helpers
def extension_target(rt: ResourceType) -> str:
    """The ``targetObjects`` name of a type's directory extensions: ``#microsoft.graph.user`` → ``User``."""
    name = rt.odata_type.rsplit(".", 1)[-1]
    return name[:1].upper() + name[1:]


def _describe(rt: ResourceType, obj: Mapping[str, Any]) -> str:
    obj_id = obj.get(rt.key_prop)
    name = obj.get(rt.display)
    return f"{rt.title} {name!r} ({obj_id})" if name not in (None, "") else f"{rt.title} {obj_id}"


def _graph_failure(rt: ResourceType, what: str, exc: GraphError, obj: str | None = None) -> ExportError:
    return ExportError(f"{what}: {exc}", type_key=rt.key, obj=obj, graph_error=exc)


def _listing_expands(rt: ResourceType) -> list[Link]:
    return [ln for ln in rt.links if ln.expand and not ln.inline]


def _first_exception(exc: BaseException) -> BaseException:
    """The error to report from a task group: the first that is not a cancellation."""
    if isinstance(exc, BaseExceptionGroup):
        inner = [_first_exception(e) for e in exc.exceptions]
        for e in inner:
            if not isinstance(e, (asyncio.CancelledError, _WriterGone)):
                return e
        return inner[0] if inner else exc
    return exc


# ---------------------------------------------------------------------------------------------- the exporter
class _Exporter:
    def __init__(self, client: Any, rts: list[ResourceType], exclude: Exclusions | None) -> None:
        self.client = client
        self.rts = rts
        self.exclude = exclude
        self.stats = {rt.key: TypeStats(rt.key) for rt in rts}
        self.extensions: dict[str, tuple[str, ...]] = {}
        self.tenant_id: str | None = None
        self.notes: list[str] = []

    # -- directory extension attributes ------------------------------------------------------------------
    async def discover_extensions(self) -> None:
        targets = {extension_target(rt): rt for rt in self.rts if rt.extension_attributes}
        if not targets:
            return
        try:
            answer = await self.client.post(EXTENSIONS_ACTION, {}, idempotent=True)
            definitions = list((answer or {}).get("value") or ())
            if not definitions:
                definitions = await self._own_extension_definitions()
        except GraphError as exc:
            raise ExportError(f"discovering directory extension attributes: {exc}", type_key="extensions",
                              graph_error=exc) from exc
        names: dict[str, set[str]] = {}
        for definition in definitions:
            name = definition.get("name")
            if not isinstance(name, str) or not name:
                continue
            for target in definition.get("targetObjects") or ():
                rt = targets.get(target)
                if rt is not None and name not in (self.exclude or {}).get(rt.key, ()):
                    names.setdefault(rt.key, set()).add(name)
        self.extensions = {key: tuple(sorted(found)) for key, found in names.items()}

    async def _own_extension_definitions(self) -> list[dict[str, Any]]:
        """Fallback when the action answers empty (no extensions, or a tenant over 1,000 service
        principals): the extension properties of the tenant's own applications, one listing with $expand
        (:func:`extension_definitions`; an application holding 20 or more is read in full)."""
        source = extension_definitions()
        if source is None:
            return []
        owner, link = source
        found: list[dict[str, Any]] = []
        params = {"$select": owner.key_prop, "$expand": link.expand, "$top": owner.page_max}
        first = True
        try:
            async for page in self.client.pages(owner.collection, params, version=owner.api_version):
                first = False
                for item in page.get("value") or ():
                    defs = item.get(link.name) or []
                    if len(defs) >= (link.expand_cap or len(defs) + 1):
                        defs = await self.client.list_all(link.read.format(id=item[owner.key_prop]),
                                                          version=owner.api_version)
                    found.extend(defs)
        except GraphError as exc:
            if not (first and exc.status == 400):
                raise
            # the endpoint cannot expand them: nothing more to learn (the action's answer stands)
            self.notes.append(f"extensions: Graph refused $expand={link.expand} on {owner.collection} "
                              f"({exc.graph_message}); only the getAvailableExtensionProperties answer is used")
        return found

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
            await self._emit(rt, channel, [obj])
        else:
            await self._produce_collection(rt, channel)
        stats.state = "done"
        await channel.close()

    async def _produce_collection(self, rt: ResourceType, channel: _Channel) -> None:
        expands = _listing_expands(rt)
        main_expand = expands[0] if expands else None
        params = self._list_params(rt, self.select(rt), main_expand)
        side = {ln.name: asyncio.ensure_future(self._side_listing(rt, ln)) for ln in expands[1:]}
        grouped = {ln.name: asyncio.ensure_future(self._read_all(rt, ln)) for ln in rt.links if ln.read_all}
        helpers = [*side.values(), *grouped.values()]
        pages_in_flight = asyncio.Semaphore(PAGES_IN_FLIGHT)
        try:
            async with asyncio.TaskGroup() as tg:
                try:
                    async for page in self.client.pages(rt.collection, params, version=rt.api_version,
                                                        serialize=rt.serialized):
                        items = list(page.get("value") or ())
                        await pages_in_flight.acquire()
                        tg.create_task(self._page(rt, channel, items, side, grouped, pages_in_flight))
                except GraphError as exc:
                    raise _graph_failure(rt, f"listing {rt.collection}", exc) from exc
            await asyncio.gather(*helpers)  # a side listing of an empty collection still reports its error
        except BaseException:
            for task in helpers:
                task.cancel()
            await asyncio.gather(*helpers, return_exceptions=True)
            raise

    async def _page(self, rt: ResourceType, channel: _Channel, items: list[dict[str, Any]],
                    side: dict[str, asyncio.Future[dict[str, Any]]],
                    grouped: dict[str, asyncio.Future[dict[str, list[Any]]]],
                    slot: asyncio.Semaphore) -> None:
        try:
            side_values = {name: await fut for name, fut in side.items()}
            grouped_values = {name: await fut for name, fut in grouped.items()}
            pending = [(obj, reads) for obj in items if (reads := self._attach(rt, obj, side_values, grouped_values))]
            if pending:  # only objects with links left to read cost a task
                await asyncio.gather(*(self._read_links(rt, obj, reads) for obj, reads in pending))
            await self._emit(rt, channel, items)
        finally:
            slot.release()

    async def _emit(self, rt: ResourceType, channel: _Channel, objects: list[dict[str, Any]]) -> None:
        exclude = self.exclude
        batch = [normalize(rt, obj, exclude) for obj in objects]
        if self.tenant_id is None and rt.singleton_in_collection and batch:
            # the organization's id is the tenant id (the one type served as a one-item collection)
            self.tenant_id = batch[0].get(rt.key_prop)
        self.stats[rt.key].objects += len(batch)
        await channel.put(batch)

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
        if len(reads) == 1:
            obj[reads[0].name] = await self._read_link(rt, obj, reads[0])
            return
        values = await asyncio.gather(*(self._read_link(rt, obj, link) for link in reads))
        for link, value in zip(reads, values, strict=True):
            obj[link.name] = value

    async def _read_link(self, rt: ResourceType, obj: Mapping[str, Any], link: Link) -> Any:
        obj_id = obj.get(rt.key_prop)
        path = link.read.format(id=obj_id)
        version = link.read_version or rt.api_version
        params: dict[str, Any] = {}
        if link.read_select:
            params["$select"] = link.read_select
        if link.page_max:
            params["$top"] = link.page_max
        self.stats[rt.key].link_reads += 1
        try:
            if link.kind is LinkKind.ID:
                try:
                    return await self.client.get(path, params, version, serialize=rt.serialized)
                except GraphError as exc:
                    if exc.status == 404:  # a single-valued link that is not set (no manager)
                        return None
                    raise
            return await self.client.list_all(path, params, version=version, serialize=rt.serialized)
        except GraphError as exc:
            raise _graph_failure(rt, f"reading {link.name} of {_describe(rt, obj)}", exc,
                                 obj=str(obj_id)) from exc


# ---------------------------------------------------------------------------------------------- entry points
def selected_types(types: Iterable[ResourceType | str] | None = None,
                   exclude: Exclusions | None = None) -> list[ResourceType]:
    """The declarations to export, in registry order, without the types ``exclude`` names as a whole."""
    if types is None:
        rts = resources.all_types()
    else:
        wanted = {t.key if isinstance(t, ResourceType) else resources.get(t).key for t in types}
        rts = [rt for rt in resources.all_types() if rt.key in wanted]
    return [rt for rt in rts if not type_excluded(exclude, rt.key)]


async def export_tree_async(client: Any, out_dir: str | Path, *, types: Iterable[ResourceType | str] | None = None,
                            exclude: Exclusions | None = None, progress: Progress | None = None,
                            durable: bool = True) -> ExportResult:
    """Export the tenant behind ``client`` into ``out_dir`` (see the module docstring).

    ``types``: type keys or declarations (default: all); ``exclude``: ``{type key: property paths}`` from
    ``entragit.yaml`` (``"*"`` excludes a whole type, whose folder is then left alone). Only changed files
    are written; files of objects gone from the tenant are removed. On any error nothing in ``out_dir``
    changes and the error propagates (Graph errors as :class:`ExportError`).
    """
    out = Path(out_dir).absolute()
    rts = selected_types(types, exclude)
    if not rts:
        raise UsageError("nothing to export: every requested type is excluded")
    exporter = _Exporter(client, rts, exclude)
    before_requests, before_ru = client.stats.requests, client.stats.resource_units
    start, cpu_start = time.monotonic(), time.process_time()
    channels = {rt.key: _Channel(exporter.stats[rt.key]) for rt in rts}
    ticker = None
    if progress is not None and progress.enabled:
        progress.start(exporter.stats, client)
        ticker = asyncio.ensure_future(progress.run())  # redrawn from the event loop only

    writer: Future[WriteResult] = Future()

    def write() -> None:
        try:
            writer.set_result(write_tree(out, {key: iter(ch) for key, ch in channels.items()},
                                         [rt.key for rt in rts], durable=durable))
        except BaseException as exc:  # noqa: BLE001 (handed to the event loop side)
            for ch in channels.values():
                ch.writer_failed = True
            writer.set_exception(exc)

    thread = threading.Thread(target=write, name="entragit-export-writer", daemon=True)
    thread.start()
    try:
        await exporter.discover_extensions()
        async with asyncio.TaskGroup() as tg:
            for rt in rts:
                tg.create_task(exporter.produce(rt, channels[rt.key]))
        result = await asyncio.wrap_future(writer)
    except BaseException as exc:
        for ch in channels.values():
            ch.abort(exc)
        thread.join()
        if writer.done() and writer.exception() is not None and not isinstance(writer.exception(), _Aborted):
            raise writer.exception() from None  # type: ignore[misc]  # the writer failed first
        error = _first_exception(exc)
        if error is exc:
            raise
        raise error from None
    finally:
        if ticker is not None:
            ticker.cancel()
            await asyncio.gather(ticker, return_exceptions=True)
            progress.finish()  # type: ignore[union-attr]
    for key, st in exporter.stats.items():
        st.changed, st.added, st.removed = result.count(key)
    return ExportResult(
        out_dir=out, types=exporter.stats, write=result,
        requests=client.stats.requests - before_requests,
        resource_units=client.stats.resource_units - before_ru,
        seconds=time.monotonic() - start, cpu_seconds=time.process_time() - cpu_start,
        tenant_id=exporter.tenant_id, extension_attributes=exporter.extensions, notes=exporter.notes)


def export_tree(client: Any, out_dir: str | Path, *, types: Iterable[ResourceType | str] | None = None,
                exclude: Exclusions | None = None, progress: Progress | None = None,
                durable: bool = True) -> ExportResult:
    """Synchronous :func:`export_tree_async` (runs its own event loop). A client over a pooled HTTP
    transport belongs to the loop that first used it: to export twice with one such client, await
    :func:`export_tree_async` in one loop (the in-process emulator transport has no such limit)."""
    return run(export_tree_async(client, out_dir, types=types, exclude=exclude, progress=progress,
                                         durable=durable))


def exclusions(settings: Any) -> dict[str, tuple[str, ...]]:
    """The export exclusions of :class:`entragit.settings.Settings`: ``excludeProperties`` per type, and
    ``"*"`` for every type left out by ``types.include`` / ``types.exclude``."""
    out = {key: tuple(paths) for key, paths in settings.exclude_properties.items()}
    keys = [rt.key for rt in resources.all_types()]
    kept = set(settings.selected_types(keys))
    for key in keys:
        if key not in kept:
            out[key] = (*out.get(key, ()), WHOLE_TYPE)
    return out


async def run_export_async(settings: Any, out_dir: str | Path | None = None, *,
                           types: Iterable[str] | None = None, progress: Progress | None = None,
                           client: Any = None) -> ExportResult:
    """Export with ``settings`` (graph endpoint, credentials, exclusions); ``out_dir`` defaults to
    ``<repo>/tenant-state``. Opens (and closes) a client unless one is given."""
    from entragit.graph import open_client

    out = Path(out_dir) if out_dir is not None else Path(settings.repo) / "tenant-state"
    exclude = exclusions(settings)
    if types is not None:
        types = list(types)
        for key in types:
            resources.get(key)  # unknown type: UsageError naming the known ones
            if type_excluded(exclude, key):
                raise UsageError(f"type {key!r} is excluded from the export by {settings.config_path.name} "
                                 "(types.include / types.exclude)")
    if client is not None:
        return await export_tree_async(client, out, types=types, exclude=exclude, progress=progress)
    async with open_client(settings) as opened:
        return await export_tree_async(opened, out, types=types, exclude=exclude, progress=progress)


def run_export(settings: Any, out_dir: str | Path | None = None, *, types: Iterable[str] | None = None,
               progress: Progress | None = None) -> ExportResult:
    """Synchronous :func:`run_export_async`."""
    return run(run_export_async(settings, out_dir, types=types, progress=progress))



def _main(argv: Sequence[str] | None = None) -> None:
    """``python -m entragit.export --demo DIR``: export the demo tenant (in-process emulator) into DIR,
    e.g. to refresh the project's own ``tenant-state/``."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m entragit.export", description=_main.__doc__)
    parser.add_argument("--demo", action="store_true", required=True, help="export the demo tenant")
    parser.add_argument("out", type=Path, help="the tree to write")
    args = parser.parse_args(argv)

    from entragit.emulator import Emulator
    from entragit.graph import GraphClient

    async def go() -> ExportResult:
        async with GraphClient.for_emulator(Emulator(seed="demo")) as client:
            return await export_tree_async(client, args.out, progress=Progress.for_terminal())

    print(asyncio.run(go()).summary())


if __name__ == "__main__":
    _main()
