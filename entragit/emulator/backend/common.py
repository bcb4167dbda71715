"""What every part of the tenant backend shares: the parsed list query, pages, id helpers, PATCH merging."""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from typing import Any

from entragit.emulator import facts
from entragit.emulator.errors import BadRequest
from entragit.emulator.facts import EntitySet, LinkKind, Ref
from entragit.emulator.query import Expand, Filter

EXTENSION_NAME = re.compile(r"^extension_[0-9a-fA-F]{32}_\w+$")
_ID_IN_URL = re.compile(r"/([^/()]+)/?$")
ZERO_ID = "00000000-0000-0000-0000-000000000000"
DEFAULT_ROOT = "https://graph.microsoft.com/v1.0"


@dataclass(frozen=True)
class RequestContext:
    """What a Graph request says beyond its path and body: the API version and its ``Prefer`` preferences."""

    version: str = "v1.0"
    unknown_enum_members: bool = False  # Prefer: include-unknown-enum-members

    @property
    def default(self) -> bool:
        """The context cached representations are built for."""
        return self.version == "v1.0" and not self.unknown_enum_members


@dataclass
class ListQuery:
    """The OData options of one list request, already parsed."""

    filter: Filter | None = None
    select: tuple[str, ...] | None = None
    expand: list[Expand] = field(default_factory=list)
    top: int | None = None
    skiptoken: str | None = None
    skip: int | None = None
    count: bool = False
    orderby: list[tuple[str, bool]] = field(default_factory=list)
    search: str | None = None
    eventual: bool = False  # ConsistencyLevel: eventual


@dataclass
class Page:
    """One page of a listing: items (dicts or pre-serialized JSON), the next skiptoken, ``@odata.count``."""

    items: list[Any]
    next_token: str | None = None
    count: int | None = None
    raw: bool = False  # items are JSON bytes


@dataclass
class DeltaPage:
    items: list[dict[str, Any]]
    next_token: str | None = None  # $skiptoken of @odata.nextLink
    delta_token: str | None = None  # $deltatoken of @odata.deltaLink


def type_name(rt: EntitySet) -> str:
    return rt.type_name


# the shared sets (facts.SHARED_SETS) by their link names
ASSIGNMENTS = "appRoleAssignedTo"
GRANTS = "oauth2PermissionGrants"


def owning_ref(rt: EntitySet) -> Ref | None:
    """The reference by which an object of ``rt`` belongs to an object of another set through its own
    alternate key (a service principal's ``appId`` names its application), or None."""
    if not rt.alt_key:
        return None
    return next((r for r in rt.refs if r.path == rt.alt_key and r.by == rt.alt_key), None)


def resource_name(rt: EntitySet) -> str:
    name = type_name(rt)
    return name[:1].upper() + name[1:]


def ref_id(value: Any) -> str:
    """The object id at the end of an ``@odata.id`` / ``@odata.bind`` URL (or a bare id)."""
    if not isinstance(value, str) or not value:
        raise BadRequest("Invalid object identifier in reference: expected a URL or an id string.")
    text = value.split("?", 1)[0].rstrip("/")
    m = _ID_IN_URL.search(text)
    return m.group(1) if m else text


class TypeInfo:
    """Derived facts of one entity set, computed once."""

    def __init__(self, rt: EntitySet) -> None:
        self.secrets = rt.write_only
        self.link_names = rt.link_names
        self.on_premises = rt.on_premises
        self.hidden = rt.select_only | rt.not_in_lists | rt.write_only
        # v1.0 answers leave out what Graph serves on /beta only
        self.hidden_v1 = self.hidden | frozenset(facts.BETA_PROPERTIES.get(rt.entity, {}))
        self.default = facts.DEFAULT_PROPERTIES.get(rt.odata_type)
        self.id_links = tuple(ln for ln in rt.links if ln.kind in (LinkKind.IDS, LinkKind.ID))
        self.projections: dict[tuple[str, ...], tuple[str, ...]] = {}


def merge_patch(current: Any, value: Any) -> Any:
    """PATCH semantics: complex values merge property by property, everything else is replaced.

    "Existing properties that are not included in the request body will maintain their previous values"
    (conditionalaccesspolicy-update; the authorizationpolicy-update examples patch one property of
    defaultUserRolePermissions). Collections are replaced as a whole (ipnamedlocation-update).
    """
    if isinstance(current, dict) and isinstance(value, dict):
        out = dict(current)
        for key, sub in value.items():
            if "@odata." in key and key != "@odata.type":
                continue
            out[key] = merge_patch(current.get(key), sub)
        return out
    return copy.deepcopy(value)



