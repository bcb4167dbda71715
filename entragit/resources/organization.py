"""organization: the tenant's organization object (a singleton served as a one-item collection).

Sources (Microsoft Learn, v1.0):
- resource: https://learn.microsoft.com/en-us/graph/api/resources/organization?view=graph-rest-1.0 [O1]
- list (one item; $select): https://learn.microsoft.com/en-us/graph/api/organization-list?view=graph-rest-1.0 [O2]
- update (five properties, PATCH organization/{tenantId}):
  https://learn.microsoft.com/en-us/graph/api/organization-update?view=graph-rest-1.0 [O3]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from entragit.resources._common import BOOL, OBJ, OBJS, RO, STR, STRS, props
from entragit.resources.base import DeleteKind, Prop, ResourceType

PROPS: tuple[Prop, ...] = (
    Prop("id", RO, json_type=STR, note="the tenant id"),
    Prop("deletedDateTime", RO, json_type=STR),
    # ---- the only updatable properties [O3]
    *props(
        "marketingNotificationEmails securityComplianceNotificationMails securityComplianceNotificationPhones "
        "technicalNotificationMails",
        json_type=STRS,
    ),
    Prop("privacyProfile", json_type=OBJ),
    # ---- read-only (set in the admin center or by Microsoft)
    *props(
        "displayName city country countryLetterCode createdDateTime defaultUsageLocation "
        "mobileDeviceManagementAuthority onPremisesLastSyncDateTime partnerTenantType postalCode "
        "preferredLanguage state street tenantType",
        json_type=STR, channel=RO,
    ),
    *props("assignedPlans provisionedPlans verifiedDomains", json_type=OBJS, channel=RO),
    Prop("businessPhones", RO, json_type=STRS),
    Prop("onPremisesSyncEnabled", RO, json_type=BOOL),
    # beta only (not in the v1.0 model; never selected, so never exported): untyped
    Prop("onPremisesSyncStatus", RO, select=False, note="beta"),
    Prop("directorySizeQuota", RO, select=False, note="beta; usage counter, not configuration"),
    Prop("isMultipleDataLocationsForServicesEnabled", RO, select=False, note="beta"),
)

@dataclass(frozen=True)
class OrganizationType(ResourceType):
    def is_synced(self, obj: dict[str, Any]) -> bool:
        """The organization's onPremisesSyncEnabled says whether the *tenant* uses directory synchronization;
        the organization object itself is never mastered on-premises [O1]."""
        return False


TYPE = OrganizationType(
    key="organization",
    title="organization",
    collection="organization",
    odata_type="#microsoft.graph.organization",
    singleton=True,
    singleton_in_collection=True,
    display="displayName",
    props=PROPS,
    volatile=frozenset({"onPremisesLastSyncDateTime"}),
    unordered=(
        "marketingNotificationEmails",
        "securityComplianceNotificationMails",
        "securityComplianceNotificationPhones",
        "technicalNotificationMails",
        "verifiedDomains",
        "assignedPlans",
        "provisionedPlans",
    ),
    delta=False,
    delete=DeleteKind.NONE,
    order=92,
    extension_attributes=True,  # Organization is a directory extension target object
    directory_object=True,
    notes=(
        "'A collection of exactly one record'; no create, delete or delta [O1]. PATCH "
        "organization/{tenantId} answers 204; onPremisesSyncEnabled is refused ('read-only and cannot be "
        "set'). Stored as tenant-state/organization/organization.yaml. "
        "https://learn.microsoft.com/en-us/graph/api/resources/organization?view=graph-rest-1.0"
    ),
)
