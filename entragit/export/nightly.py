"""The nightly export ``entragit backup`` runs: incremental when the delta state allows it, else a full export
that says why.

With a usable state (:mod:`entragit.export.continuation`, kept by :mod:`entragit.backups.deltastate`)
:func:`export_nightly` runs :class:`~entragit.export.incremental.Incremental`; otherwise, or when Graph or the
state says the incremental path cannot give the right answer (:class:`~entragit.export.incremental.Fallback`), a
full export (:func:`~entragit.export.run.export_tree_async`), and the result says why (``ExportResult.fallback``,
recorded in the backup's manifest). Every full export takes fresh delta links before it lists each type, so the
next night continues from it; it also remembers, before its commit, which links held the objects it removes (a
restore within 30 days re-reads them).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from entragit.errors import UsageError
from entragit.export import merge
from entragit.export.audit import iso
from entragit.export.continuation import Continuation
from entragit.export.incremental import Fallback, Incremental, NightlyOptions
from entragit.export.result import ExportResult
from entragit.export.run import export_tree_async, selected_types
from entragit.state.normalization import Exclusions


async def export_nightly(client: Any, out_dir: str | Path, *, types: Any = None, exclude: Exclusions | None = None,
                         previous: dict[str, Any] | None = None, unusable: str | None = None,
                         options: NightlyOptions | None = None, progress: Any = None,
                         durable: bool = True, extensions: Any = None) -> ExportResult:
    """Continue from ``previous`` (the exporter's part of the delta state) when it is usable, else export
    everything; ``unusable`` is why the caller found no state to continue from. The result carries the state
    the next run continues from (``delta_state``) and, for a full export where an incremental one was asked
    for, why (``fallback``)."""
    options = options or NightlyOptions()
    out = Path(out_dir).absolute()
    rts = selected_types(types, exclude)
    if not rts:
        raise UsageError("nothing to export: every requested type is excluded")
    reason = unusable if options.incremental else "incremental backups are off (backup.incremental: false)"
    cont = Continuation.from_dict(previous) if previous is not None and not reason else None
    if reason is None and cont is None:
        reason = "no delta state, or one this version cannot read"
    if reason is None and cont is not None:
        try:
            return await Incremental(client, out, rts, exclude, cont, options, durable=durable,
                                     extensions=extensions).run()
        except Fallback as exc:
            reason = exc.reason
    previous_state = Continuation.from_dict(previous) if previous is not None else None
    gone: dict[str, dict[str, Any]] = {}
    delta_rts = [rt for rt in rts if rt.delta]

    def remember_gone(written: Any) -> None:
        """Tombstones for the objects this export removes, found in the tree while it still holds them."""
        removed = {path.split("/", 1)[1][:-len(".yaml")] for path in written.removed
                   if path.split("/", 1)[0] in {rt.key for rt in delta_rts}}
        found = merge.scan(out, delta_rts, removed)
        for obj_id in removed:
            refs = sorted({(rt.key, owner, link.name) for rt, owner, link, held in found if obj_id in held})
            gone[obj_id] = {"refs": [list(r) for r in refs]}

    result = await export_tree_async(client, out, types=rts, exclude=exclude, progress=progress,
                                     durable=durable, delta_links=True, before_commit=remember_gone,
                                     extensions=extensions)
    result.fallback = reason
    started = result.started_at or datetime.now().astimezone()
    tombstones = previous_state.live_tombstones(started) if previous_state is not None else {}
    for rt in delta_rts:  # objects back in the tree need their tombstones no more
        for obj_id in merge.stored_ids(out, rt) & set(tombstones):
            del tombstones[obj_id]
    tombstones.update({k: {"at": iso(started), **v} for k, v in gone.items()})
    result.delta_state = Continuation(
        graph=client.root, tenant_id=result.tenant_id, full_at=started, cursor=started,
        types={k: dict(v) for k, v in result.delta_links.items()}, exported=[rt.key for rt in rts],
        definitions=result.definitions, tombstones=tombstones).to_dict()
    return result


def options_from(settings: Any) -> NightlyOptions:
    """:class:`NightlyOptions` from :class:`entragit.settings.Settings` (``backup.*`` keys)."""
    return NightlyOptions(incremental=settings.backup_incremental,
                          full_every=timedelta(days=settings.full_reconcile_days),
                          audit_overlap=timedelta(minutes=settings.audit_overlap_minutes),
                          audit_retention=timedelta(days=settings.audit_retention_days))


async def run_nightly_async(settings: Any, out_dir: str | Path, *, types: Any = None,
                            previous: dict[str, Any] | None = None, unusable: str | None = None,
                            progress: Any = None, client: Any = None) -> ExportResult:
    """:func:`export_nightly` with ``settings`` (endpoint, credentials, exclusions, ``backup.*``)."""
    from entragit import graph
    from entragit.export.run import checked_types, exclusions

    exclude = exclusions(settings)
    types = checked_types(settings, types, exclude)
    extensions = settings.extension_attributes
    if client is not None:
        return await export_nightly(client, out_dir, types=types, exclude=exclude, previous=previous,
                                    unusable=unusable, options=options_from(settings), progress=progress,
                                    extensions=extensions)
    async with graph.CLIENT_FACTORY(settings) as opened:   # the seam every command's reads go through
        return await export_nightly(opened, out_dir, types=types, exclude=exclude, previous=previous,
                                    unusable=unusable, options=options_from(settings), progress=progress,
                                    extensions=extensions)


def run_nightly(settings: Any, out_dir: str | Path, **kw: Any) -> ExportResult:
    """Synchronous :func:`run_nightly_async`."""
    from entragit.graph.runner import run

    return run(run_nightly_async(settings, out_dir, **kw))
