"""The shape of the emulator's own facts about one entity set: what a Graph *server* knows that the metadata
does not say (paths, read-only and create-only properties, required properties, delete kinds, links and their
routes, refusals per kind of object). Types, enums and property existence come from the CSDL
(:mod:`entragit.emulator.metadata`); these records never come from the client's declarations.

Paths name places inside an object, dotted, with ``[]`` for "every element of this list":
``conditions.users.includeUsers[]``; :func:`iter_path` walks one.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import Enum
from functools import cached_property
from typing import Any

from entragit.emulator.metadata import model


class DeleteKind(str, Enum):  # noqa: UP042  (values are compared and printed as strings)
    """What a DELETE does to an object of this kind."""

    SOFT = "soft"  # to directory/deletedItems for 30 days; restore keeps the id
    SOFT_POLICY = "soft-policy"  # to a Conditional Access deleted-items container
    HARD = "hard"  # gone for good
    NONE = "none"  # cannot be deleted (singletons, built-ins)


class LinkKind(str, Enum):  # noqa: UP042
    IDS = "ids"  # directory objects by id (members, owners)
    ID = "id"  # one directory object or none (manager)
    OBJECTS = "objects"  # elements with ids of their own (credentials, assignments, grants, configurations)


@dataclass(frozen=True)
class Ref:
    """A property path whose values name objects of other entity sets (validated where Graph validates)."""

    path: str
    targets: tuple[str, ...]
    by: str = "id"  # "id" or the targets' alternate key ("appId")
    specials: frozenset[str] = frozenset()  # values that are not references ("All", "None", ...)


@dataclass(frozen=True)
class Link:
    """A relationship Graph serves below an object, with its routes (``{id}`` the owner, ``{ref}`` the target
    or the element id)."""

    name: str
    kind: LinkKind
    read: str = ""  # "groups/{id}/members"
    add: str = ""  # "POST groups/{id}/members/$ref"
    remove: str = ""  # "DELETE groups/{id}/members/{ref}/$ref"
    update: str = ""  # "PATCH .../{ref}" (OBJECTS)
    targets: tuple[str, ...] = ()  # IDS/ID: the entity sets a target may belong to
    key: tuple[str, ...] = ("id",)  # OBJECTS: what else identifies an element (unique per owner)
    refs: tuple[Ref, ...] = ()  # OBJECTS: references inside each element
    read_only: frozenset[str] = frozenset()  # OBJECTS: element properties a write may not set
    create_only: frozenset[str] = frozenset()  # OBJECTS: element properties immutable after create
    inline: bool = False  # OBJECTS: the elements are returned inside the owner's GET
    requires_odata_type: bool = False  # OBJECTS: writes name the element's derived type
    expand: bool = False  # the relationship "Supports $expand" (Learn)
    owner_field: str = ""  # shared sets: the element property naming the owner
    on_premises: bool = False  # IDS/ID: mastered on-premises when the owner is synced
    v1_hidden_targets: frozenset[str] = frozenset()  # IDS: target sets v1.0 omits from the listing
    delta_default: bool = False  # IDS/ID: tracked by the owner's delta without $select ("members@delta")
    # IDS/ID: a restore from deleted items brings the link back (either end restored). Learn documents it for
    # memberships and ownerships; where it is silent the strict reading is False (the client must put it back)
    restored: bool = True
    source: str = ""  # Learn URL


@dataclass(frozen=True)
class EntitySet:
    """What the emulator knows about one collection (or singleton) of Graph, beyond its metadata.

    Subclasses override the hooks at the bottom where Graph decides per object (group kinds, built-ins).
    """

    key: str  # the seed key and the emulator's name of the set ("users")
    title: str  # one object, for messages ("user")
    collection: str  # path below the version root
    entity: str  # the entity type in the metadata ("microsoft.graph.user")
    source: str  # Learn URL of the resource type
    singleton: bool = False
    singleton_in_collection: bool = False  # served as a one-item collection (organization)
    alt_key: str | None = None  # alternate key of the path and of references ("appId")
    directory_object: bool = False  # a directoryObject: 404 texts, getByIds, memberOf, deleted items
    delta: bool = False
    page_default: int = 100
    page_max: int = 999
    delete: DeleteKind = DeleteKind.HARD
    deleted_cast: str = ""  # directory/deletedItems/microsoft.graph.{cast}
    deleted_container: str = ""  # identity/conditionalAccess/deletedItems/{container}
    # property semantics the metadata lacks (Learn's "Read-only", "Required", update tables)
    read_only: frozenset[str] = frozenset()
    create_only: frozenset[str] = frozenset()
    required: frozenset[str] = frozenset()  # on create
    write_only: frozenset[str] = frozenset()  # accepted on write, never returned (passwordProfile)
    patch_alone: frozenset[str] = frozenset()  # written in a PATCH of its own
    actions: tuple[tuple[str, str], ...] = ()  # (property, action): written only through that action
    bound_actions: tuple[str, ...] = ()  # other POST actions on an object (addPassword, removePassword)
    on_premises: frozenset[str] = frozenset()  # mastered on-premises when the object is synced
    not_in_lists: frozenset[str] = frozenset()  # not returned in collections, 501 when $select-ed there
    select_only: frozenset[str] = frozenset()  # not in the default representation: returned only on $select
    create_defaults: tuple[tuple[str, Any], ...] = ()  # what Graph fills in when a POST omits it
    refs: tuple[Ref, ...] = ()
    links: tuple[Link, ...] = ()
    requires_odata_type: bool = False  # POST names a derived type (named locations)
    polymorphic: bool = False  # the set holds derived types of ``entity`` (its subtypes from the metadata)
    expanded: tuple[str, ...] = ()  # paths of related objects Graph expands on GET
    extension_attributes: bool = False  # directory extension attributes apply
    extension_definitions: str = ""  # the relationship listing extension definitions (applications)
    aliases: tuple[str, ...] = ()  # other paths of the singleton
    tenant_size: bool = False  # its count is the tenant size throttling limits go by (users)
    query_options: bool = True  # False: "This method doesn't support any optional query parameters"
    patch_returns_object: bool = False  # PATCH answers 200 with the object instead of 204
    # paths of set-valued lists Graph does not answer in the written order: observed, a CA policy's excludeLocations
    # written [new-id, "AllTrusted"] was read back ["AllTrusted", new-id] (issue 10's order-only drift). Graph's rule
    # is not documented; the strict reading: such lists are answered in the reverse of their stored order, so a
    # client comparing them by order sees a difference every time (docs/emulator.md)
    reordered: tuple[str, ...] = ()
    read_only_set: bool = False  # Graph serves reads only (list, get, delta): no POST, PATCH or DELETE
    # (collection, field): key material Graph returns only on a single-object $select of the collection
    key_material: tuple[str, str] | None = None

    # ------------------------------------------------------------------ derived
    @property
    def odata_type(self) -> str:
        return "#" + self.entity

    @property
    def type_name(self) -> str:
        return self.entity.rsplit(".", 1)[-1]

    @property
    def secrets(self) -> frozenset[str]:
        return self.write_only

    @property
    def on_premises_props(self) -> frozenset[str]:
        return self.on_premises

    @property
    def action_map(self) -> dict[str, str]:
        return dict(self.actions)

    @cached_property
    def subtypes(self) -> tuple[tuple[str, tuple[str, ...]], ...]:
        """Polymorphic sets: the derived types of ``entity`` in the metadata, each with the properties only it
        has (a POST names one of them and may carry only its properties)."""
        if not self.polymorphic:
            return ()
        m = model()
        base = set(m.require(self.entity).properties)
        return tuple(("#" + name, tuple(p for p in m.require(name).properties if p not in base))
                     for name in m.descendants(self.entity))

    def link(self, name: str) -> Link | None:
        return next((ln for ln in self.links if ln.name == name), None)

    @property
    def link_names(self) -> frozenset[str]:
        return frozenset(ln.name for ln in self.links)

    def create_defaults_map(self) -> dict[str, Any]:
        return copy.deepcopy(dict(self.create_defaults))

    # ------------------------------------------------------------------ hooks (per object)
    def is_synced(self, obj: dict[str, Any]) -> bool:
        """Mastered on-premises (directory synchronization)."""
        return obj.get("onPremisesSyncEnabled") is True

    def update_refused(self, obj: dict[str, Any]) -> str | None:
        """Why Graph refuses a PATCH of this object (built-in, managed elsewhere), or None."""
        return None

    def delete_kind(self, obj: dict[str, Any]) -> DeleteKind:
        return self.delete

    def undeletable(self, obj: dict[str, Any]) -> str | None:
        """Why this object can never be deleted (built-ins), or None."""
        return None

    def delete_refused(self, obj: dict[str, Any]) -> str | None:
        """Why Graph refuses to delete this object in its current state, or None."""
        return None

    def link_refused(self, obj: dict[str, Any], link: Link) -> str | None:
        """Why changes to this link of this object are refused (group kind), or None."""
        return None

    def link_targets(self, obj: dict[str, Any], link: Link) -> tuple[str, ...]:
        return link.targets

    def create_defaults_for(self, body: dict[str, Any]) -> dict[str, Any]:
        return self.create_defaults_map()


@dataclass
class Registry:
    """The emulator's entity sets by key, in a stable order."""

    sets: dict[str, EntitySet] = field(default_factory=dict)

    def __iter__(self) -> Iterator[EntitySet]:
        return iter(self.sets.values())

    def __contains__(self, key: object) -> bool:
        return key in self.sets

    def __getitem__(self, key: str) -> EntitySet:
        return self.sets[key]


def iter_path(obj: Any, path: str) -> Iterator[tuple[Any, Any]]:
    """``(container, key)`` for every place ``path`` names in ``obj`` (``a.b[]``: each element of ``a.b``)."""
    parts = path.split(".")

    def walk(node: Any, i: int) -> Iterator[tuple[Any, Any]]:
        part = parts[i]
        is_list = part.endswith("[]")
        name = part[:-2] if is_list else part
        if not isinstance(node, dict) or name not in node:
            return
        last = i == len(parts) - 1
        if not is_list:
            if last:
                yield node, name
            else:
                yield from walk(node[name], i + 1)
            return
        seq = node[name]
        if not isinstance(seq, list):
            return
        for idx, item in enumerate(seq):
            if last:
                yield seq, idx
            else:
                yield from walk(item, i + 1)

    yield from walk(obj, 0)


def path_values(obj: Any, path: str) -> list[Any]:
    return [container[key] for container, key in iter_path(obj, path)]
