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

Objects stream from the Graph side (the event loop) to ``write_stream`` running in a worker thread through
one bounded queue shared by every type (in arrival order), so a 100k-user export never holds more than a few
dozen pages in memory and no type waits for another. Per-object link reads travel 20 to a ``$batch``, users are
listed in parallel shards, and the client keeps as many requests in flight as Graph's quota headers allow.
Any failure (a Graph error after the client's retries, Ctrl-C, a bad object) aborts the staging and leaves
``out_dir`` exactly as it was; Graph errors surface as :class:`ExportError` naming the type and object.

Where each concern lives::

    reader.py    the per-type readers (listings, expands, side listings, link reads, key material)
    extensions.py  directory extension attributes: discovery, its fallbacks, the too-large-tenant warning
    shards.py    parallel startswith() shards of a large listing (users) and the $count check behind them
    links.py     per-object link reads packed into $batch; re-reads of chosen links of chosen objects
    channel.py   the bounded hand-over of normalized objects (all types, in arrival order) to the writer thread
    result.py    ExportResult, TypeStats, ExportError
    progress.py  the per-type progress display on a terminal
    run.py       export_tree / export_tree_async (readers + writer thread), run_export (from settings),
                 selected_types, exclusions
    nightly.py   export_nightly / run_nightly: what `entragit backup` runs (incremental, else full saying why)
    incremental.py  the incremental export (delta rounds, audit feed, re-reads), Fallback, NightlyOptions
    merge.py     folding delta rounds into stored files; finding links that held objects now gone
    audit.py     the directory audit log as the change feed of what delta does not track
    continuation.py  the exporter's part of the delta state (links, cursor, definitions, tombstones)

This package re-exports the names the rest of entragit and the tests use. (Exporting the demo tenant
without a Graph endpoint, ``python -m entragit.demo export DIR``, lives in :mod:`entragit.demo`: the
exporter never imports the emulator.)
"""

from entragit.export.extensions import EXTENSIONS_ACTION, extension_definitions, extension_target
from entragit.export.incremental import NightlyOptions
from entragit.export.nightly import export_nightly, run_nightly, run_nightly_async
from entragit.export.progress import Progress
from entragit.export.result import ExportError, ExportResult, TypeStats
from entragit.export.run import (
    exclusions,
    export_tree,
    export_tree_async,
    run_export,
    run_export_async,
    selected_types,
)

__all__ = [
    "EXTENSIONS_ACTION", "ExportError", "ExportResult", "NightlyOptions", "Progress", "TypeStats", "exclusions",
    "export_nightly", "export_tree", "export_tree_async", "extension_definitions", "extension_target",
    "run_export", "run_export_async", "run_nightly", "run_nightly_async", "selected_types",
]
