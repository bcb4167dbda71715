"""The parts of a declaration: properties (:class:`Prop`), references (:class:`Ref`), links (:class:`Link`),
their enums and the constants declarations share. See :mod:`entragit.resources.base`."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

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
    # --- additive (data, issue 10): facts about how Graph reads and writes the value
    # the application permission without which Graph answers null instead of the value (custom security
    # attributes, employeeLeaveDateTime): a null in a backup means "not read", never "none", and is never written
    withheld: str = ""
    # Graph merges a PATCH of this value into the stored one (custom security attributes): what the body leaves
    # out stays, so the plan removes what the desired value lacks explicitly (null, [] for collections)
    merges: bool = False
    # an array of credentials identified by "keyId" whose elements hold key material under this element property
    # ("key"): list reads null it, a single-object GET with $select returns it; an element without it is never
    # sent (Graph refuses KeyValue null); only the element types in ``public_material`` keep it in a backup
    material: str = ""
    public_material: frozenset[str] = frozenset()

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
    # --- additive (delta, issue 14): incremental exports
    # IDS/ID: the owner type's delta query tracks this link when $select names it (``<name>@delta``): users'
    # manager and groups' members (https://learn.microsoft.com/en-us/graph/delta-query-overview, "$select also
    # supports manager and members navigation properties for users and groups respectively")
    delta_select: bool = False
    # directory audit activities (Core Directory, activityDisplayName exactly) after which an incremental export
    # re-reads this link of the objects the entry names (targetResources): the change feed for links delta
    # does not track. https://learn.microsoft.com/en-us/entra/identity/monitoring-health/reference-audit-activities
    audit: tuple[str, ...] = ()
    # after an object of a ``reverse_for`` type is restored from deleted items (its links come back with it),
    # read ``reverse`` ("{collection}"/"{id}": the restored object's) and re-read this link of the owners its
    # elements name in ``reverse_owner``: e.g. a restored user's appRoleAssignments name the resource service
    # principals whose appRoleAssignedTo holds it again
    reverse: str = ""
    reverse_owner: str = ""
    reverse_for: tuple[str, ...] = ()
    # --- additive (data, issue 10.1): IDS/ID: kinds of directory objects (Graph type names, e.g. "device",
    # "orgContact") that Graph accepts in this link although entragit manages no type of them. A member of such
    # a kind is kept in backups with its kind (``_entragit.linkKinds``), put back when missing, never removed.
    other_kinds: tuple[str, ...] = ()
