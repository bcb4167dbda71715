"""The shape of a resource type declaration.

Every fact entragit knows about a Microsoft Graph resource type lives in that type's declaration
(one small module per type in this package): its endpoints, keys, ``$select``, how each property is
written, what normalization drops, which lists are unordered, which properties point at other types,
its sub-resources (links), delta and delete behaviour. The exporter, the planner, the applier, the
difference report and the emulator all read these declarations; none of them branches on a type key.

Paths
-----
A *path* names a place inside an object, dotted, with ``[]`` standing for "every element of this
list": ``conditions.users.includeUsers[]``, ``requiredResourceAccess[].resourceAppId``,
``grantControls.authenticationStrength.id``. :func:`iter_path` walks one.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

# Creates and updates of links (members, owners, assignments, grants) run at this order: after every
# object they can point at exists, before the conditional access policies that may reference them.
LINK_ORDER = 70

# $expand on relationships of directory objects returns at most 20 objects and no @odata.nextLink, and
# caps the page of the listing at 100 objects: Graph known issue 13635
# https://developer.microsoft.com/en-us/graph/known-issues/?search=13635
EXPAND_MAX = 20

# The annotation key under which entragit records its own facts about an exported object
# (mastered on-premises, never written, ...). It is never sent to Graph.
META_KEY = "_entragit"


# The values of Prop.json_type: a JSON Schema type, or "<type>[]" for an array of that type.
JSON_TYPES = frozenset({"string", "boolean", "integer", "number", "object",
                        "string[]", "boolean[]", "integer[]", "number[]", "object[]"})


class Channel(str, Enum):  # noqa: UP042  (str() and format() must stay as they are)
    """How a property is written back to Graph."""

    PATCH = "patch"  # sent in the object's PATCH together with other properties
    PATCH_ALONE = "patch-alone"  # sent in a PATCH of its own (Graph refuses it mixed with others)
    ACTION = "action"  # written through a POST action on the object (Prop.action)
    CREATE_ONLY = "create-only"  # settable on POST only, immutable afterwards
    READ_ONLY = "read-only"  # never written


class DeleteKind(str, Enum):  # noqa: UP042
    """What happens to an object of this kind when it is deleted."""

    SOFT = "soft"  # to directory/deletedItems for 30 days; restore keeps the id
    SOFT_PORTAL = "soft-portal"  # to a deleted-items container app-only callers cannot restore from
    HARD = "hard"  # gone; only a recreate (new id) brings it back
    NONE = "none"  # cannot be deleted (singletons, built-ins)


class LinkKind(str, Enum):  # noqa: UP042
    IDS = "ids"  # a list of directory-object ids (members, owners)
    ID = "id"  # a single directory-object id, or null (manager)
    OBJECTS = "objects"  # a list of objects with ids of their own (assignments, grants, credentials)


@dataclass(frozen=True)
class Prop:
    """One declared property of a resource type.

    Properties a type does not declare are *unknown*: exported as Graph returns them, never written
    (until they are declared writable).
    """

    name: str
    channel: Channel = Channel.PATCH
    action: str | None = None  # Channel.ACTION: the action path segment, e.g. "updateAllowedCombinations"
    on_premises: bool = False  # mastered on-premises when the object is synced (onPremisesSyncEnabled)
    secret: bool = False  # a secret value: never exported, never written
    required_on_create: bool = False
    select: bool = True  # part of the type's $select (False: Graph cannot return it in a listing)
    note: str = ""  # why the property is declared this way, with its source
    # --- additive (engineer Q3): the JSON type Graph gives the value (one of JSON_TYPES: a JSON Schema type,
    # "<type>[]" for an array of it; null is always allowed). The schema of tenant-state files checks it;
    # None: untyped (not in Graph's v1.0 model). tests/test_resources.py checks it against msgraph-sdk's models.
    json_type: str | None = None

    @property
    def writable(self) -> bool:
        return self.channel not in (Channel.READ_ONLY,) and not self.secret


@dataclass(frozen=True)
class Ref:
    """A property path whose values point at objects of other types."""

    path: str
    targets: tuple[str, ...]  # the type keys the value may point at
    by: str = "id"  # "id": the target's object id; "appId": the target's appId
    specials: frozenset[str] = frozenset()  # values that are not references ("All", "None", ...)
    # --- additive (engineer P, plan): the value is a string that embeds the target's key (by) somewhere,
    # e.g. identifierUris "api://{appId}": remapped by replacing the embedded key, never checked as an id
    embedded: bool = False


@dataclass(frozen=True)
class Link:
    """A sub-resource stored with its object (members, owners, manager, assignments, grants, ...).

    ``read``/``add``/``remove``/``update`` are URL templates relative to the API version root, with
    ``{id}`` the owning object's id, ``{ref}`` the linked object's id (IDS/ID) or the element's id
    (OBJECTS), ``{base}`` the absolute version root (for ``@odata.id`` bodies).
    """

    name: str  # key in the stored object, e.g. "members"
    kind: LinkKind
    read: str  # e.g. "groups/{id}/members"
    read_version: str | None = None  # API version for the read when the type's own one is not enough
    read_select: str | None = None  # $select for the read
    add: str = ""  # e.g. "POST groups/{id}/members/$ref"
    remove: str = ""  # e.g. "DELETE groups/{id}/members/{ref}/$ref"
    update: str = ""  # OBJECTS that can be updated in place: e.g. "PATCH oauth2PermissionGrants/{ref}"
    targets: tuple[str, ...] = ()  # IDS/ID: the types the ids may point at
    key: tuple[str, ...] = ("id",)  # OBJECTS: what identifies an element across tenants/recreates
    refs: tuple[Ref, ...] = ()  # OBJECTS: references inside each element (paths relative to the element)
    volatile: frozenset[str] = frozenset()  # OBJECTS: element properties dropped by normalization
    read_only: frozenset[str] = frozenset()  # OBJECTS: element properties never sent on create
    unordered: tuple[str, ...] = ()  # OBJECTS: element list properties to sort
    sort_by: tuple[str, ...] = ("id",)  # OBJECTS: how elements are ordered in the file
    note: str = ""
    # --- additive (engineer D)
    inline: bool = False  # OBJECTS: returned inside the owner's own GET (no separate read needed)
    requires_odata_type: bool = False  # OBJECTS: create/update bodies must carry the element's @odata.type
    create_only: frozenset[str] = frozenset()  # OBJECTS: element properties immutable after create
    sorted: bool = True  # IDS: the id list is sorted in the file (order carries no meaning)
    # --- additive (engineer X, export): cheaper read shapes than one ``read`` per object
    # $expand item that returns this link inside the owner's listing, e.g. "manager($select=id)". Graph
    # answers such listings in pages of at most 100 objects (known issue 13635).
    expand: str = ""
    # collection $expand returns at most this many elements and no nextLink (EXPAND_MAX): an owner holding
    # that many is re-read through ``read``; None: the expand is complete (single-valued links)
    expand_cap: int | None = None
    # one tenant-wide listing holding the elements of every owner, e.g. "oauth2PermissionGrants" (read once
    # instead of once per owner); ``owner_field`` names the element property holding the owner's id
    read_all: str = ""
    owner_field: str = ""
    page_max: int | None = None  # $top of ``read`` (None: Graph's default page size)
    # --- additive (engineer P, plan)
    on_premises: bool = False  # mastered on-premises when the owner is synced (the plan skips its changes)
    # --- additive (engineer Q3): Graph facts the emulator serves and the exporter relies on
    v1_hidden_targets: frozenset[str] = frozenset()  # IDS: target types a v1.0 read omits (why read_version)
    delta_default: bool = False  # IDS/ID: tracked by the owner type's delta without $select (members@delta)


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


def iter_path(obj: Any, path: str) -> Iterator[tuple[Any, Any]]:
    """Yield ``(container, key)`` pairs for every place ``path`` names in ``obj``.

    For ``a.b[]`` the pairs are ``(list_b, index)`` per element; for ``a.b`` it is ``(dict_a, "b")``
    when present. Missing or null intermediate values yield nothing.
    """
    parts = path.split(".")

    def walk(node: Any, i: int) -> Iterator[tuple[Any, Any]]:
        if i == len(parts):
            return
        part = parts[i]
        is_list = part.endswith("[]")
        name = part[:-2] if is_list else part
        if not isinstance(node, dict) or name not in node:
            return
        if not is_list:
            if i == len(parts) - 1:
                yield node, name
            else:
                yield from walk(node[name], i + 1)
            return
        seq = node[name]
        if not isinstance(seq, list):
            return
        for idx, item in enumerate(seq):
            if i == len(parts) - 1:
                yield seq, idx
            else:
                yield from walk(item, i + 1)

    yield from walk(obj, 0)


def strings_in(value: Any) -> Iterator[str]:
    """Every string anywhere inside ``value`` (nested dicts and lists)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from strings_in(v)
    elif isinstance(value, list):
        for v in value:
            yield from strings_in(v)


def path_values(obj: Any, path: str) -> list[Any]:
    """The values at every place ``path`` names in ``obj``."""
    return [container[key] for container, key in iter_path(obj, path)]


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
            known = ", ".join(sorted(self.types))
            from entragit.errors import UsageError

            raise UsageError(f"unknown resource type {key!r} (known: {known})") from None

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
