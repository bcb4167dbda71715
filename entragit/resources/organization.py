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

from entragit.resources._common import RO, props
from entragit.resources.base import DeleteKind, Prop, ResourceType

PROPS: tuple[Prop, ...] = (
    Prop("id", RO, note="the tenant id"),
    Prop("deletedDateTime", RO),
    # ---- the only updatable properties [O3]
    *props(
        "marketingNotificationEmails privacyProfile securityComplianceNotificationMails "
        "securityComplianceNotificationPhones technicalNotificationMails"
    ),
    # ---- read-only (set in the admin center or by Microsoft)
    *props(
        "displayName assignedPlans businessPhones city country countryLetterCode createdDateTime "
        "defaultUsageLocation mobileDeviceManagementAuthority onPremisesLastSyncDateTime onPremisesSyncEnabled "
        "partnerTenantType postalCode preferredLanguage provisionedPlans state street tenantType "
        "verifiedDomains",
        channel=RO,
    ),
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
    notes=(
        "'A collection of exactly one record'; no create, delete or delta [O1]. PATCH "
        "organization/{tenantId} answers 204; onPremisesSyncEnabled is refused ('read-only and cannot be "
        "set'). Stored as tenant-state/organization/organization.yaml. "
        "https://learn.microsoft.com/en-us/graph/api/resources/organization?view=graph-rest-1.0"
    ),
)
