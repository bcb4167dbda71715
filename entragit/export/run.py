"""The export's entry points: readers on the event loop, the writer in a thread, the result at the end."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterable
from concurrent.futures import Future
from datetime import timedelta
from pathlib import Path
from typing import Any

from entragit import resources
from entragit.errors import UsageError
from entragit.export.channel import _Aborted, _Channel, _first_exception
from entragit.export.progress import Progress
from entragit.export.reader import _Exporter
from entragit.export.result import ExportResult
from entragit.graph.runner import run
from entragit.resources.base import ResourceType
from entragit.state.normalization import WHOLE_TYPE, Exclusions, type_excluded
from entragit.state.tree import WriteResult, write_stream


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
                            durable: bool = True, delta_links: bool = False,
                            before_commit: Any = None) -> ExportResult:
    """Export the tenant behind ``client`` into ``out_dir`` (see the module docstring).

    ``types``: type keys or declarations (default: all); ``exclude``: ``{type key: property paths}`` from
    ``entragit.yaml`` (``"*"`` excludes a whole type, whose folder is then left alone). Only changed files
    are written; files of objects gone from the tenant are removed. On any error nothing in ``out_dir``
    changes and the error propagates (Graph errors as :class:`ExportError`). ``delta_links``: also take a
    deltaLink "from now" for every type with a delta query, before listing it (``ExportResult.delta_links``:
    where an incremental export continues). ``before_commit(write_result)`` runs in the writer thread once
    everything is staged, while ``out_dir`` still holds the previous tree.
    """
    out = Path(out_dir).absolute()
    rts = selected_types(types, exclude)
    if not rts:
        raise UsageError("nothing to export: every requested type is excluded")
    exporter = _Exporter(client, rts, exclude, delta_links=delta_links)
    before = client.stats.snapshot()
    start, cpu_start = time.monotonic(), time.process_time()
    channel = _Channel(exporter.stats)
    ticker = None
    if progress is not None and progress.enabled:
        progress.start(exporter.stats, client)
        ticker = asyncio.ensure_future(progress.run())  # redrawn from the event loop only

    writer: Future[WriteResult] = Future()

    def write() -> None:
        try:
            writer.set_result(write_stream(out, iter(channel), rts, durable=durable, before_commit=before_commit))
        except BaseException as exc:  # noqa: BLE001 (handed to the event loop side)
            channel.writer_failed = True
            writer.set_exception(exc)

    thread = threading.Thread(target=write, name="entragit-export-writer", daemon=True)
    thread.start()
    try:
        await exporter.discover_extensions()
        # Graph's clock once one answer told it (Date has whole seconds): where the next run's audit read starts
        started_at = client.server_now() - timedelta(seconds=5) if hasattr(client, "server_now") else None
        async with asyncio.TaskGroup() as tg:
            for rt in rts:
                tg.create_task(exporter.produce(rt, channel))
        await exporter.links.aclose()
        await channel.close()
        result = await asyncio.wrap_future(writer)
    except BaseException as exc:
        channel.abort(exc)
        thread.join()
        await exporter.links.aclose()
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
    return finish_result(client, before, start, cpu_start, out=out, types=exporter.stats, write=result,
                         tenant_id=exporter.tenant_id, extension_attributes=exporter.extensions,
                         notes=exporter.notes, delta_links=exporter.delta_links,
                         definitions=exporter.definitions, started_at=started_at)


def finish_result(client: Any, before: Any, start: float, cpu_start: float, **fields: Any) -> ExportResult:
    """The :class:`ExportResult` of a run that began at ``start`` with client counters ``before``."""
    stats, wall = client.stats, time.monotonic() - start
    return ExportResult(
        out_dir=fields.pop("out"), requests=stats.requests - before.requests,
        resource_units=stats.resource_units - before.resource_units, seconds=wall,
        cpu_seconds=time.process_time() - cpu_start,
        graph_requests=stats.graph_requests - before.graph_requests,
        in_flight=(stats.graph_busy - before.graph_busy) / wall if wall > 0 else 0.0,
        throttled=stats.throttled - before.throttled, **fields)


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
    ``<repo>/tenant-state``. Opens (and closes) a client unless one is given: through
    ``entragit.graph.CLIENT_FACTORY``, the seam every command's reads go through."""
    from entragit import graph

    out = Path(out_dir) if out_dir is not None else Path(settings.repo) / "tenant-state"
    exclude = exclusions(settings)
    types = checked_types(settings, types, exclude)
    if client is not None:
        return await export_tree_async(client, out, types=types, exclude=exclude, progress=progress)
    async with graph.CLIENT_FACTORY(settings) as opened:
        return await export_tree_async(opened, out, types=types, exclude=exclude, progress=progress)


def checked_types(settings: Any, types: Iterable[str] | None, exclude: Exclusions) -> list[str] | None:
    """``types`` as a list, each known and not excluded by ``entragit.yaml`` (else a UsageError)."""
    if types is None:
        return None
    types = list(types)
    for key in types:
        resources.get(key)  # unknown type: UsageError naming the known ones
        if type_excluded(exclude, key):
            raise UsageError(f"type {key!r} is excluded from the export by {settings.config_path.name} "
                             "(types.include / types.exclude)")
    return types


def run_export(settings: Any, out_dir: str | Path | None = None, *, types: Iterable[str] | None = None,
               progress: Progress | None = None) -> ExportResult:
    """Synchronous :func:`run_export_async`."""
    return run(run_export_async(settings, out_dir, types=types, progress=progress))
