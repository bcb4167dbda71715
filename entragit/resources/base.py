"""The shape of a resource type declaration.

Every fact entragit knows about a Microsoft Graph resource type lives in that type's declaration
(one small module per type in this package): its endpoints, keys, ``$select``, how each property is
written, what normalization drops, which lists are unordered, which properties point at other types,
its sub-resources (links), delta and delete behaviour. The exporter, the planner, the applier, the
difference report and the emulator all read these declarations; none of them branches on a type key.

Where the pieces live: :mod:`entragit.resources.parts` (Prop, Ref, Link, the enums Channel, DeleteKind,
LinkKind, and LINK_ORDER, EXPAND_MAX, META_KEY, JSON_TYPES), :mod:`entragit.resources.paths` (iter_path,
strings_in, path_values), this module (ResourceType, Registry). This module re-exports them all.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from entragit.resources.parts import (
    EXPAND_MAX,
    JSON_TYPES,
    LINK_ORDER,
    META_KEY,
    Channel,
    DeleteKind,
    Link,
    LinkKind,
    Prop,
    Ref,
)
from entragit.resources.paths import iter_path, path_values, strings_in

__all__ = [
    "EXPAND_MAX", "JSON_TYPES", "LINK_ORDER", "META_KEY", "Channel", "DeleteKind", "Link", "LinkKind", "Prop",
    "Ref", "Registry", "ResourceType", "iter_path", "path_values", "strings_in",
]


@dataclass(frozen=True)
class ResourceType:
    """The declaration of one resource type. Subclass it to override the hooks at the bottom."""

    key: str  # type key: CLI --type value and tenant-state/ folder name
    title: str  # human name of one object, e.g. "conditional access policy"
    collection: str  # path below the version root, e.g. "identity/conditionalAccess/policies"
    odata_type: str  # e.g. "#microsoft.graph.conditionalAccessPolicy"
    api_version: str = "v1.0"
    singleton: bool = False  # one object per tenant
    singleton_in_collection: bool = False  # the singleton is served as a one-item collection (organization)
    key_prop: str = "id"
    alt_key: str | None = None  # alternate key accepted by --id and used by references ("appId")
    display: str = "displayName"
    props: tuple[Prop, ...] = ()
    volatile: frozenset[str] = frozenset()  # paths dropped by normalization
    unordered: tuple[str, ...] = ()  # paths of lists whose order carries no meaning: sorted on export
    refs: tuple[Ref, ...] = ()
    links: tuple[Link, ...] = ()
    delta: bool = False  # GET {collection}/delta supported
    page_default: int = 100
    page_max: int = 999
    delete: DeleteKind = DeleteKind.HARD  # the default; delete_kind() may refine it per object
    order: int = 50  # creates and updates run in ascending order, deletes in descending order
    serialized: bool = False  # 1 request/s per tenant, 429s without Retry-After: the client serializes calls
    requires_odata_type: bool = False  # POST and PATCH bodies must carry @odata.type
    extension_attributes: bool = False  # directory extension attributes (extension_<appId>_<name>) apply
    create_defaults: tuple[tuple[str, Any], ...] = ()  # what Graph fills in on POST when the body omits it
    notes: str = ""  # sources and caveats (Microsoft Learn pages)
    # --- additive (engineer D)
    select_query: bool = True  # send $select=<select> when listing; False: Graph returns every property
    #                            without it, or $select is unsupported / unsafe (polymorphic types)
    secret_paths: frozenset[str] = frozenset()  # paths of secret values inside properties (never exported/written)
    expanded: tuple[str, ...] = ()  # paths of related objects Graph expands on GET: only their "id" is kept
    delete_path: str | None = None  # soft-deleted items container, e.g. "directory/deletedItems/microsoft.graph.user"
    restore_path: str | None = None  # POST template restoring a soft-deleted object, "{id}" the object id
    # --- additive (engineer Y, state)
    # paths of objects inside which Graph needs "@odata.type" on write, beyond the object itself
    # (requires_odata_type) and OBJECTS link elements (Link.requires_odata_type); e.g. "ipRanges[]".
    # Normalization keeps "@odata.type" only there and drops every other annotation.
    keep_odata_type: frozenset[str] = frozenset()
    # --- additive (data, issue 10.3): paths inside which EVERY annotation is kept and written back, e.g.
    # "customSecurityAttributes" (each attribute set's "@odata.type", "Name@odata.type" on multi-valued and
    # integer values: Graph refuses writes without them)
    keep_annotations: frozenset[str] = frozenset()
    # --- additive (engineer E, emulator)
    # derived types sharing the collection: (@odata.type, the properties only that type has); a POST must
    # name one of them, and create_defaults apply only to the posted type's own properties
    subtypes: tuple[tuple[str, tuple[str, ...]], ...] = ()
    # --- additive (engineer P, plan)
    # Why a recreated object of this type is a *new identity* (new object id / appId, no credentials,
    # methods or licences): when set, the plan recreates an object only when asked per object
    # (``--recreate ID``) and otherwise skips it with this reason.
    new_identity: str = ""
    # Properties a create (recreate) first sets to these values; the plan switches them to the desired
    # values by a later update, once everything the object references exists (CA: report-only first).
    create_staged: tuple[tuple[str, Any], ...] = ()
    # --- additive (engineer Q3): facts that were type-key conditionals elsewhere (export, emulator)
    directory_object: bool = False  # a microsoft.graph.directoryObject (directory 404s, getByIds, memberOf)
    # the relationship listing the directory extension definitions an object of this type owns
    # (applications: "extensionProperties"); the exporter reads them to discover extension attributes
    extension_definitions: str = ""
    aliases: tuple[str, ...] = ()  # other paths Graph serves the (singleton) object at, e.g. beta's
    tenant_size: bool = False  # its object count is the tenant size Graph's throttling limits go by (users)
    # --- additive (delta, issue 14)
    # the listing is split into parallel shards, one per first character of this property
    # (``$filter=startswith(<shard_by>,'<c>')``, case-insensitive), with a count check for the rest
    shard_by: str = ""
    shard_prefixes: str = ""  # the characters a value of ``shard_by`` may start with
    # directory audit activities after which the extension definitions (``extension_definitions``) of the
    # objects an entry names are read again (an incremental export's check for new extension attributes)
    extension_audit: tuple[str, ...] = ()
    # directory audit activities after which every link of the objects an entry names is read again: a restore
    # brings links back that a delta round of the same period may not show as they are
    audit_restore: tuple[str, ...] = ()
    # --- additive (incident, issue 12.8): what a restore from deleted items brings back, as Microsoft documents
    # it: ("<owner type>.<link>", Learn URL) pairs, the links of other objects naming an object of this type that
    # its restore puts back (a user's group memberships). A link not listed here is "unconfirmed" in reports.
    restore_keeps: tuple[tuple[str, str], ...] = ()

    # ------------------------------------------------------------------ derived facts
    @property
    def prop_map(self) -> dict[str, Prop]:
        return {p.name: p for p in self.props}

    def prop(self, name: str) -> Prop | None:
        return self.prop_map.get(name)

    def channel(self, name: str) -> Channel:
        """The write channel of a top-level property; unknown properties are read-only."""
        p = self.prop(name)
        return p.channel if p else Channel.READ_ONLY

    @property
    def odata_type_paths(self) -> frozenset[str]:
        """Paths (in written properties) of values whose declared type has derived types (abstract or not): Graph cannot infer which one a
        write means, so their ``@odata.type`` is kept and written back. Derived from Graph's v1.0 model
        (msgraph-sdk: :func:`entragit.resources.sdkmodel.polymorphic_paths`) plus the declared
        ``keep_odata_type``."""
        from entragit.resources.sdkmodel import polymorphic_paths

        written = {p.name for p in self.props if p.writable}
        derived = {p for p in polymorphic_paths(self.odata_type) if p.split(".")[0].removesuffix("[]") in written}
        return frozenset(derived) | self.keep_odata_type

    @property
    def read_only(self) -> frozenset[str]:
        return frozenset(p.name for p in self.props if p.channel is Channel.READ_ONLY)

    @property
    def secrets(self) -> frozenset[str]:
        return frozenset(p.name for p in self.props if p.secret)

    @property
    def on_premises_props(self) -> frozenset[str]:
        return frozenset(p.name for p in self.props if p.on_premises)

    @property
    def select(self) -> tuple[str, ...]:
        """The $select of a listing; empty when the type is read without $select (``select_query``)."""
        if not self.select_query:
            return ()
        return tuple(p.name for p in self.props if p.select and not p.secret)

    def link(self, name: str) -> Link | None:
        return next((ln for ln in self.links if ln.name == name), None)

    @property
    def link_names(self) -> frozenset[str]:
        return frozenset(ln.name for ln in self.links)

    def item_path(self, obj_id: str) -> str:
        """Path of one object below the version root."""
        if self.singleton and not self.singleton_in_collection:
            return self.collection
        return f"{self.collection}/{obj_id}"

    # ------------------------------------------------------------------ hooks (override per type)
    def is_synced(self, obj: dict[str, Any]) -> bool:
        """Whether the object is mastered on-premises (directory synchronization)."""
        return obj.get("onPremisesSyncEnabled") is True

    def never_written(self, obj: dict[str, Any]) -> str | None:
        """A reason why this object's own properties are never written, or None."""
        return None

    def delete_kind(self, obj: dict[str, Any]) -> DeleteKind:
        """What deleting this object does (soft, hard, ...)."""
        return self.delete

    def update_refused(self, obj: dict[str, Any]) -> str | None:
        """A reason why Graph refuses a PATCH of this object (built-in, managed elsewhere), or None.

        The default: objects entragit never writes are also refused by Graph."""
        return self.never_written(obj)

    def delete_refused(self, obj: dict[str, Any]) -> str | None:
        """A reason why Graph refuses to delete this object in its current state, or None."""
        return None

    def link_refused(self, obj: dict[str, Any], link: Link) -> str | None:
        """A reason why changes to this link of this object are refused (group kind), or None."""
        return None

    def link_targets(self, obj: dict[str, Any], link: Link) -> tuple[str, ...]:
        """The types this object's link may point at (a group kind can narrow ``link.targets``)."""
        return link.targets

    def link_other_kinds(self, obj: dict[str, Any], link: Link) -> tuple[str, ...]:
        """The kinds entragit does not manage that this object's link accepts (``link.other_kinds``; a group kind
        can narrow them)."""
        return link.other_kinds

    def normalize_hook(self, obj: dict[str, Any]) -> dict[str, Any]:
        """Type-specific normalization beyond the declared paths; the default reduces ``expanded`` paths.

        Called by normalization on a copy of the Graph object; returns the (possibly same) object.
        """
        for path in self.expanded:
            for container, key in iter_path(obj, path):
                value = container[key]
                if isinstance(value, dict):
                    container[key] = {"id": value.get("id")}
        return obj

    @property
    def create_defaults_map(self) -> dict[str, Any]:
        """A fresh (deep-copied) dict of ``create_defaults``: safe to merge into a new object."""
        return copy.deepcopy(dict(self.create_defaults))

    def create_defaults_for(self, body: dict[str, Any]) -> dict[str, Any]:
        """What Graph fills in when a POST body omits it; a type can vary it with the body (group kind)."""
        return self.create_defaults_map

    def staged_create(self, body: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
        """``(initial body, final patch)`` of a create: the body with ``create_staged`` values, and the
        desired values of the staged properties (empty when the body already holds the staged values)."""
        initial, final = dict(body), {}
        for name, value in self.create_staged:
            if name in body and body[name] != value:
                initial[name] = copy.deepcopy(value)
                final[name] = body[name]
        return initial, final

    def blocks_all_users(self, obj: dict[str, Any]) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
        """For a policy that, as stored, blocks every user from everything: ``(excluded user ids, excluded
        group ids)`` (only an exclusion keeps the emergency-access accounts in); None otherwise.
        The plan's emergency-access safety rail asks every type (additive, engineer P)."""
        return None

    def display_name(self, obj: dict[str, Any]) -> str:
        value = obj.get(self.display)
        return str(value) if value not in (None, "") else str(obj.get(self.key_prop, "?"))


@dataclass
class Registry:
    types: dict[str, ResourceType] = field(default_factory=dict)

    def register(self, rt: ResourceType) -> ResourceType:
        if rt.key in self.types:
            raise ValueError(f"resource type {rt.key!r} registered twice")
        self.types[rt.key] = rt
        return rt

    def get(self, key: str) -> ResourceType:
        try:
            return self.types[key]
        except KeyError:
            import difflib

            from entragit.errors import UsageError

            known = ", ".join(sorted(self.types))
            folded = {k.lower(): k for k in self.types}
            close = folded.get(str(key).lower()) or next(iter(difflib.get_close_matches(
                str(key), list(self.types), n=1, cutoff=0.6)), None)
            hint = f": did you mean {close!r}?" if close else ""
            raise UsageError(f"unknown resource type {key!r}{hint} (known: {known})") from None

    def referenced(self, keys: Iterable[str]) -> list[ResourceType]:
        """``keys`` and every type their references and links can point at, in dependency order (one
        level: enough to tell live, deleted, recreated and stale targets apart)."""
        found = set(keys)
        for key in list(found):
            rt = self.get(key)
            for ref in rt.refs:
                found.update(ref.targets)
            for link in rt.links:
                found.update(link.targets)
                if link.kind is LinkKind.OBJECTS:
                    found.update(t for ref in link.refs for t in ref.targets)
        return [rt for rt in self.ordered() if rt.key in found]

    def ordered(self) -> list[ResourceType]:
        """All types in dependency order (creates and updates)."""
        return sorted(self.types.values(), key=lambda rt: (rt.order, rt.key))

    def __iter__(self) -> Iterator[ResourceType]:
        return iter(self.ordered())

    def __contains__(self, key: object) -> bool:
        return key in self.types
