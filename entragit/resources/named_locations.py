"""namedLocations: IP and country named locations used by Conditional Access.

Sources (Microsoft Learn, v1.0):
- ipNamedLocation: https://learn.microsoft.com/en-us/graph/api/resources/ipnamedlocation?view=graph-rest-1.0 [N1]
- countryNamedLocation:
  https://learn.microsoft.com/en-us/graph/api/resources/countrynamedlocation?view=graph-rest-1.0 [N2]
- list ($count, $filter, $orderby, $select, $skip, $top; page size not documented):
  https://learn.microsoft.com/en-us/graph/api/conditionalaccessroot-list-namedlocations?view=graph-rest-1.0 [N3]
- create (@odata.type mandatory, also on each ipRanges element):
  https://learn.microsoft.com/en-us/graph/api/conditionalaccessroot-post-namedlocations?view=graph-rest-1.0 [N4]
- update (ipRanges replaced as a whole):
  https://learn.microsoft.com/en-us/graph/api/ipnamedlocation-update?view=graph-rest-1.0 [N5]
- deleted items (beta): https://learn.microsoft.com/en-us/graph/api/resources/policydeletableitem?view=graph-rest-beta
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from entragit.resources._common import BOOL, OBJS, RO, STR, STRS
from entragit.resources.base import DeleteKind, Prop, ResourceType

IP = "#microsoft.graph.ipNamedLocation"
COUNTRY = "#microsoft.graph.countryNamedLocation"

PROPS: tuple[Prop, ...] = (
    Prop("id", RO, json_type=STR),
    Prop("createdDateTime", RO, json_type=STR),
    Prop("modifiedDateTime", RO, json_type=STR),
    Prop("deletedDateTime", RO, json_type=STR, select=False, note="beta only (deleted items)"),
    Prop("displayName", json_type=STR, required_on_create=True),
    # ipNamedLocation [N1]
    Prop("ipRanges", json_type=OBJS, note="ip: required on create; PATCH replaces the whole list; each element carries "
                          "@odata.type #microsoft.graph.iPv4CidrRange | iPv6CidrRange [N4][N5]"),
    Prop("isTrusted", json_type=BOOL, note="ip: default false; a trusted location cannot be deleted until set to false"),
    # countryNamedLocation [N2]
    Prop("countriesAndRegions", json_type=STRS, note="country: ISO 3166-2 codes, required on create [N2]"),
    Prop("includeUnknownCountriesAndRegions", json_type=BOOL, note="country [N2]"),
    Prop("countryLookupMethod", json_type=STR, note="country: clientIpAddress (default) | authenticatorAppGps [N2]"),
)

@dataclass(frozen=True)
class NamedLocationsType(ResourceType):
    def delete_refused(self, obj: dict[str, Any]) -> str | None:
        """A trusted IP location cannot be deleted until isTrusted is false (graph-entra.md corrections)."""
        if obj.get("isTrusted") is True:
            return "a trusted named location cannot be deleted; set isTrusted to false first"
        return None


TYPE = NamedLocationsType(
    key="namedLocations",
    title="named location",
    collection="identity/conditionalAccess/namedLocations",
    odata_type="#microsoft.graph.namedLocation",
    display="displayName",
    props=PROPS,
    # polymorphic collection: derived-type properties would need a cast in $select; Graph returns every
    # property without one
    select_query=False,
    volatile=frozenset({"modifiedDateTime"}),
    unordered=("ipRanges", "countriesAndRegions"),
    delta=False,
    # UNCONFIRMED: Learn documents $top but no default/maximum page size [N3]; at most 195 per tenant.
    page_default=100,
    page_max=100,
    delete=DeleteKind.SOFT_PORTAL,
    delete_path="identity/conditionalAccess/deletedItems/namedLocations",
    restore_path="POST identity/conditionalAccess/deletedItems/namedLocations/{id}/restore",
    order=10,
    serialized=True,
    requires_odata_type=True,
    subtypes=(
        (IP, ("ipRanges", "isTrusted")),
        (COUNTRY, ("countriesAndRegions", "includeUnknownCountriesAndRegions", "countryLookupMethod")),
    ),
    # each ipRanges element needs its @odata.type on write [N4][N5]: ipRange has derived types in Graph's model
    # (iPv4CidrRange, iPv6CidrRange), so ResourceType.odata_type_paths holds "ipRanges[]" without declaring it here
    create_defaults=(
        ("isTrusted", False),  # ip [N1]
        ("includeUnknownCountriesAndRegions", False),  # country [N2]
        ("countryLookupMethod", "clientIpAddress"),  # country [N2]
    ),
    notes=(
        "Two derived types share the collection: #microsoft.graph.ipNamedLocation (ipRanges, isTrusted) and "
        "#microsoft.graph.countryNamedLocation (countriesAndRegions, includeUnknownCountriesAndRegions, "
        "countryLookupMethod); @odata.type is kept in the file and sent on POST and PATCH. create_defaults "
        "apply only to the properties of the posted type. The legacy MFA trusted-IPs location "
        "00000000-0000-0000-0000-000000000000 referenced by CA policies is not a named location. "
        "Calls are serialized: 1 request/s per tenant, 429 without Retry-After."
    ),
)
