"""The plan's data model: :class:`Change`, :class:`PropertyChange`, :class:`Warning`, :class:`Plan`.

A plan is an ordered list of changes that, executed in order, bring the live tenant to the desired
state in ``tenant-state/``. It is computed by a pure function (:func:`entragit.plan.compute_plan`) and
executed by the applier (``entragit.apply``). Everything in it is plain JSON data so that the plan can
be rendered, hashed (:attr:`Plan.checksum`) and compared with the plan a reviewer saw.

Kinds (:class:`Kind`)
---------------------
``update``
    Properties of an existing object. One change per write request: all ``patch`` properties of an
    object in one change (one PATCH), each ``patch-alone`` property in a change of its own, each
    ``action`` property in a change of its own (``POST {item}/{action}`` with ``{name: value}``).
    ``channel`` and ``action`` say which. ``properties`` holds the top-level properties written,
    ``new`` being the whole value to send (Graph replaces a top-level property as a whole).
``create``
    A new object that never existed live (configuration as code). ``body`` is the POST body.
``recreate``
    A hard-deleted object created anew: a new id (and appId). ``body`` is the POST body; the change
    *provides* the placeholder ``{"$new": "<type>/<old id>"}`` (see below) that later changes use.
``restore``
    A soft-deleted object restored from deleted items (``POST {restore_path}``), keeping its id.
    Properties that differ from the deleted item's are written by a following ``update`` (only those
    the deleted item shows: Graph lists deleted items with a partial property set, so the applier
    re-plans once the restore ran).
``delete``
    An object absent from the desired state (only when the plan allows deletes).
``link-add`` / ``link-remove`` / ``link-update``
    A sub-resource of an object (``link``): a member, owner, manager, app role assignment, grant,
    federated credential, method configuration... ``target`` is the linked id (IDS/ID links) or the
    element to create / the properties to change (OBJECTS links); ``ref`` is the element's live id
    (``{ref}`` of the link's remove/update templates; the linked id for IDS/ID links).
``skip``
    Something that differs but is not written, with ``reason``. A skipped property names it in
    ``properties`` (one skip per property: "mastered on-premises", create-only, ...); a skipped link
    change names ``link`` and ``target``; a skipped object (a user not recreated without
    ``--recreate``) names neither, and ``option`` says what would write it (``--recreate <id>``).

Placeholders (ids known only at apply time)
-------------------------------------------
A reference to an object the plan recreates is written as a placeholder dict wherever the id (or
appId) would go, in ``body``, ``properties[].new``, ``target`` and ``address``::

    {"$new": "namedLocations/<old id>"}                       # the new object id
    {"$new": "applications/<old id>", "key": "appId"}         # the new appId
    {"$new": "applications/<old id>", "key": "appId", "format": "api://{}"}   # inside a string

``key`` defaults to ``"id"``, ``format`` to ``"{}"``. The applier records, for each executed
``recreate``, ``{"id": new id, <alt key>: new value}`` under the token ``"<type>/<old id>"`` and
replaces each placeholder by ``format.format(value)`` before sending a request
(:func:`entragit.plan.placeholders.substitute`). A change holding a placeholder depends on (``after``)
the recreate providing it.

Addresses
---------
``id`` is the object's id in the desired state (the file name; for a recreate the *old* id). The id
to address Graph with is ``address``: the same string for live objects, a placeholder for objects
recreated by this plan (a link-add on a recreated group addresses the new group).

Dependencies
------------
``key`` identifies a change within its plan: ``"<kind>:<type>/<id>"``, plus ``"/<link>/<item>"`` for
link changes, ``"/<property>"`` for skipped properties and patch-alone/action updates, ``"#<seq>"`` for
a second update of one object (the staged switch of a created CA policy);
``after`` lists the keys of changes that must have succeeded before it runs (its creates and
restores, the objects it references). The list order of :attr:`Plan.changes` already respects
``after``; the applier uses ``after`` to skip the dependents of a failed change and keep going with
the rest.

Restores and links
------------------
Restoring a user or group brings its memberships and ownerships back, so the links of a restored
object (and links pointing at it) cannot be known before the restore. They are planned against the
state *before* the restore (no links) and marked ``recompute=True``: the applier re-reads the owning
object's link once the restores ran and executes only what is still needed (an add already present
and a remove already absent are "already done", not failures). The checksum covers the plan as
computed, not this recomputation.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Kind(StrEnum):
    UPDATE = "update"
    CREATE = "create"
    RECREATE = "recreate"
    RESTORE = "restore"
    DELETE = "delete"
    LINK_ADD = "link-add"
    LINK_REMOVE = "link-remove"
    LINK_UPDATE = "link-update"
    SKIP = "skip"


# Kinds that write something (everything but skip).
WRITES = frozenset(k for k in Kind if k is not Kind.SKIP)

NEW = "$new"  # the key of a placeholder dict


def placeholder(type_key: str, old_id: str, key: str = "id", fmt: str = "{}") -> dict[str, str]:
    """The placeholder standing for the new id (or ``key``) of a recreated object (see module doc)."""
    ph = {NEW: f"{type_key}/{old_id}"}
    if key != "id":
        ph["key"] = key
    if fmt != "{}":
        ph["format"] = fmt
    return ph


def is_placeholder(value: Any) -> bool:
    return isinstance(value, dict) and NEW in value


@dataclass(frozen=True)
class PropertyChange:
    """One property of an object: ``path`` (top-level name, or a path for skips), ``old`` (live) and
    ``new`` (desired, placeholders substituted in), ``channel`` (patch | patch-alone | action |
    create-only | read-only) and ``action`` (the action path segment for the action channel)."""

    path: str
    old: Any
    new: Any
    channel: str = "patch"
    action: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"path": self.path, "old": self.old, "new": self.new, "channel": self.channel}
        if self.action:
            out["action"] = self.action
        return out


@dataclass(frozen=True)
class Change:
    """One step of a plan (see the module docstring for the kinds and fields)."""

    kind: Kind
    type: str  # type key
    id: str  # object id in the desired state (old id for a recreate)
    display_name: str = ""
    properties: tuple[PropertyChange, ...] = ()
    # update: the write channel of this change's properties ("patch" | "patch-alone" | "action")
    channel: str | None = None
    action: str | None = None  # channel "action": the action segment (e.g. "updateAllowedCombinations")
    body: dict[str, Any] | None = None  # create / recreate: the POST body (placeholders inside)
    address: Any = None  # id to address Graph with (a placeholder for a recreated object); None: ``id``
    link: str | None = None  # link-*: the link name (members, owners, manager, appRoleAssignedTo, ...)
    # link-* (and skips of link changes): which element: the linked id (IDS/ID links; "$new:<token>" for a
    # placeholder) or the element's key (OBJECTS links: "principalId=...,appRoleId=...")
    item: str | None = None
    target: Any = None  # link-*: linked id (IDS/ID) or element / changed element properties (OBJECTS)
    ref: Any = None  # link-remove / link-update: the {ref} of the link template (element or linked id)
    reason: str | None = None  # skip: why it is not written; restore/recreate: a note
    after: tuple[str, ...] = ()  # keys of changes that must succeed first
    provides: str | None = None  # recreate: the placeholder token "<type>/<old id>" it defines
    # recreate: the alternate key values the new object replaces, e.g. {"appId": old appId}
    remap: dict[str, Any] = field(default_factory=dict)
    recompute: bool = False  # link-*: re-read after restores, execute only what is still needed
    # create / recreate: values the applier must generate (e.g. ["passwordProfile"] for a user): never
    # logged; the password goes only to the file the operator names
    generate: tuple[str, ...] = ()
    seq: int = 0  # disambiguates keys of several changes of one kind on one object
    # skip: the command-line option that would write it ("--recreate <id>" for a new identity not asked for);
    # an apply leaving such skips is recorded as partial (the merged change is not all in the tenant)
    option: str | None = None

    @property
    def key(self) -> str:
        """Identity of this change within its plan."""
        text = f"{self.kind.value}:{self.type}/{self.id}"
        if self.link:
            text += f"/{self.link}"
            if self.item is not None:
                text += f"/{self.item}"
        elif self.kind is Kind.SKIP and self.properties:
            text += f"/{self.properties[0].path}"
        elif self.kind is Kind.UPDATE and self.channel and self.channel != "patch":
            text += f"/{self.properties[0].path}" if self.properties else ""
        if self.seq:
            text += f"#{self.seq}"
        return text

    @property
    def target_address(self) -> Any:
        return self.id if self.address is None else self.address

    def to_json(self) -> dict[str, Any]:
        """The JSON form (the shape documented on :meth:`Plan.to_json`)."""
        out: dict[str, Any] = {
            "key": self.key,
            "kind": self.kind.value,
            "type": self.type,
            "id": self.id,
            "displayName": self.display_name,
            "properties": [p.to_json() for p in self.properties],
        }
        optional = {
            "channel": self.channel,
            "action": self.action,
            "body": self.body,
            "address": self.address,
            "link": self.link,
            "item": self.item,
            "target": self.target,
            "ref": self.ref,
            "reason": self.reason,
            "after": list(self.after) or None,
            "provides": self.provides,
            "remap": self.remap or None,
            "recompute": self.recompute or None,
            "generate": list(self.generate) or None,
            "option": self.option,
        }
        out.update({k: v for k, v in optional.items() if v is not None})
        return out


def short(value: Any) -> str:
    """A short text for an id or a placeholder (``$new:<type>/<old id>``)."""
    if isinstance(value, str):
        return value
    if is_placeholder(value):
        return f"$new:{value[NEW]}" + (f".{value['key']}" if value.get("key") else "")
    return _canonical(value)


@dataclass(frozen=True)
class Warning:  # noqa: A001 - the plan's own notion, never the builtin
    """Something the plan leaves out of the write: a stale reference (to an object that exists
    nowhere), ...; ``path`` and ``value`` say where and what."""

    type: str
    id: str
    path: str
    value: Any
    message: str

    def to_json(self) -> dict[str, Any]:
        return {"type": self.type, "id": self.id, "path": self.path, "value": self.value,
                "message": self.message}

    def __str__(self) -> str:
        return f"{self.type}/{self.id} {self.path}: {self.message}"


@dataclass
class Plan:
    """An ordered list of changes with the warnings met while computing them."""

    changes: list[Change] = field(default_factory=list)
    warnings: list[Warning] = field(default_factory=list)
    # what the plan covered: {"types": [...], "ids": [...], "range": "A..B"} (informational, not hashed)
    scope: dict[str, Any] = field(default_factory=dict)
    # notes the safety rails produced when forced ({"rail": ..., "reason": ...}); not hashed
    forced: list[dict[str, str]] = field(default_factory=list)
    # what the safety rails refuse in this plan ({"rail": ..., "message": ...}), when it was computed to be shown
    # anyway (``entragit plan``, ``entragit recover``); not hashed
    refused: list[dict[str, str]] = field(default_factory=list)
    # display names of the objects the plan names (id -> name), for the renderers; not hashed
    names: dict[str, str] = field(default_factory=dict)

    @property
    def writes(self) -> list[Change]:
        return [c for c in self.changes if c.kind in WRITES]

    @property
    def skips(self) -> list[Change]:
        return [c for c in self.changes if c.kind is Kind.SKIP]

    @property
    def empty(self) -> bool:
        """True when nothing would be written (skips and warnings may remain)."""
        return not self.writes

    def counts(self) -> dict[str, int]:
        """Number of changes by kind (every kind present, zeros included), in Kind order."""
        found = Counter(c.kind for c in self.changes)
        return {k.value: found.get(k, 0) for k in Kind}

    def counts_by_type(self) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {}
        for c in self.changes:
            row = out.setdefault(c.type, {})
            row[c.kind.value] = row.get(c.kind.value, 0) + 1
        return out

    def get(self, key: str) -> Change:
        for c in self.changes:
            if c.key == key:
                return c
        raise KeyError(key)

    @property
    def checksum(self) -> str:
        """sha256 (hex) of the canonical JSON of the changes and warnings: what is applied is what
        was reviewed. Stable across runs (no times, sorted keys), sensitive to any change."""
        payload = {"changes": [c.to_json() for c in self.changes],
                   "warnings": [w.to_json() for w in self.warnings]}
        return hashlib.sha256(_canonical(payload).encode()).hexdigest()

    def to_json(self) -> dict[str, Any]:
        """One JSON object::

            {"changes": [{"key", "kind", "type", "id", "displayName",
                          "properties": [{"path", "old", "new", "channel", "action"?}],
                          "channel"?, "action"?, "body"?, "address"?, "link"?, "target"?, "ref"?,
                          "reason"?, "after"?, "provides"?, "remap"?, "recompute"?, "generate"?,
                          "option"?}, ...],
             "counts": {"update": n, ...},
             "warnings": [{"type", "id", "path", "value", "message"}],
             "scope": {...}, "refused": [{"rail", "message"}], "checksum": "<sha256 hex>"}

        An empty plan has ``"changes": []``. Optional change keys are present only when set.
        """
        return {
            "changes": [c.to_json() for c in self.changes],
            "counts": self.counts(),
            "warnings": [w.to_json() for w in self.warnings],
            "scope": self.scope,
            "refused": self.refused,
            "checksum": self.checksum,
        }


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
