"""The emulator's facts about the directory objects it serves: users, groups, applications, service principals
and the organization. Each fact cites the Microsoft Learn page it comes from; property existence, types and
enums come from the metadata, not from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from entragit.emulator.facts.model import DeleteKind, EntitySet, Link, LinkKind, Ref

LEARN = "https://learn.microsoft.com/en-us/graph/api/"

# Microsoft's own tenants: service principals of first-party applications carry one of them as
# appOwnerOrganizationId (https://learn.microsoft.com/en-us/troubleshoot/entra/entra-id/governance/verify-first-party-apps-sign-in)
MICROSOFT_TENANT_IDS = frozenset({"f8cdef31-a31e-4b4a-93e4-5f571e91255a", "72f988bf-86f1-41af-91ab-2d7cd011db47"})


def _names(text: str) -> frozenset[str]:
    return frozenset(text.split())


# ---------------------------------------------------------------------------------------------- users
# Read-only properties: resources/user "Read-only" [U1]; SharePoint-backed properties are 501 in a collection
# $select (user-list [U2]) and each needs a PATCH of its own (user-update [U4]); required on create [U3];
# what Entra Connect synchronizes is mastered on-premises for synced users (attributes synchronized:
# https://learn.microsoft.com/en-us/entra/identity/hybrid/connect/reference-connect-sync-attributes-synchronized).
_USER_SHAREPOINT = _names("aboutMe birthday hireDate mySite interests pastProjects responsibilities schools skills")

USERS = EntitySet(
    key="users", title="user", collection="users", entity="microsoft.graph.user",
    source=LEARN + "resources/user?view=graph-rest-1.0",
    directory_object=True, delta=True, delete=DeleteKind.SOFT, deleted_cast="user",
    extension_attributes=True, tenant_size=True,
    read_only=_names(
        "id deletedDateTime createdDateTime creationType assignedLicenses assignedPlans provisionedPlans "
        "licenseAssignmentStates serviceProvisioningErrors onPremisesProvisioningErrors imAddresses proxyAddresses "
        "lastPasswordChangeDateTime legalAgeGroupClassification signInSessionsValidFromDateTime securityIdentifier "
        "externalUserState externalUserStateChangeDateTime onPremisesDistinguishedName onPremisesDomainName "
        "onPremisesLastSyncDateTime onPremisesSamAccountName onPremisesSecurityIdentifier onPremisesUserPrincipalName "
        "isManagementRestricted onPremisesSyncEnabled signInActivity showInAddressList isResourceAccount "
        "preferredName mailboxSettings deviceEnrollmentLimit identityParentId print"),
    required=_names("accountEnabled displayName mailNickname passwordProfile userPrincipalName"),
    write_only=_names("passwordProfile"),  # never returned [U3][U4]
    patch_alone=_USER_SHAREPOINT,
    not_in_lists=_USER_SHAREPOINT,
    # "Returned only on $select" [U1]
    select_only=_USER_SHAREPOINT | _names("preferredName mailboxSettings signInActivity showInAddressList "
                                         "isResourceAccount deviceEnrollmentLimit identityParentId print"),
    on_premises=_names(
        "accountEnabled displayName mailNickname userPrincipalName givenName surname jobTitle department "
        "companyName officeLocation streetAddress city state postalCode country employeeId employeeType faxNumber "
        "preferredLanguage usageLocation mail businessPhones mobilePhone onPremisesExtensionAttributes "
        "onPremisesImmutableId employeeOrgData"),
    # what a GET returns after a create that omitted them (user-post-users response example [U3])
    create_defaults=(
        ("userType", "Member"), ("creationType", None), ("businessPhones", []), ("otherMails", []),
        ("imAddresses", []), ("proxyAddresses", []), ("assignedLicenses", []), ("assignedPlans", []),
        ("provisionedPlans", []), ("licenseAssignmentStates", []), ("onPremisesSyncEnabled", None),
        ("onPremisesImmutableId", None), ("passwordPolicies", None), ("usageLocation", None),
        ("onPremisesExtensionAttributes", {f"extensionAttribute{i}": None for i in range(1, 16)}),
    ),
    links=(
        Link("manager", LinkKind.ID, read="users/{id}/manager", add="PUT users/{id}/manager/$ref",
             remove="DELETE users/{id}/manager/$ref", targets=("users", "contacts"), expand=True, on_premises=True,
             # Learn documents that a restored user is re-added to its groups and owns again what it owned
             # (directory-deleteditems-restore, recover-from-deletions); it says nothing of its manager or its
             # direct reports: the strict reading, neither comes back (docs/emulator.md)
             restored=False,
             source=LEARN + "user-post-manager?view=graph-rest-1.0"),
    ),
)


# ---------------------------------------------------------------------------------------------- groups
MICROSOFT_365 = "microsoft365"
SECURITY = "security"
MAIL_ENABLED_SECURITY = "mailEnabledSecurity"
DISTRIBUTION = "distribution"

_GROUP_EXCHANGE = _names("allowExternalSenders autoSubscribeNewMembers hideFromAddressLists hideFromOutlookClients")


@dataclass(frozen=True)
class GroupSet(EntitySet):
    """The group kind decides soft or hard delete and which membership writes Graph accepts
    (resources/group "groupTypes" table; group-post-members; group-delete)."""

    def kind(self, obj: dict[str, Any]) -> str:
        if "Unified" in (obj.get("groupTypes") or []):
            return MICROSOFT_365
        if obj.get("mailEnabled"):
            return MAIL_ENABLED_SECURITY if obj.get("securityEnabled") else DISTRIBUTION
        return SECURITY

    def delete_kind(self, obj: dict[str, Any]) -> DeleteKind:
        """Microsoft 365 and cloud security groups go to deleted items; synced, mail-enabled security and
        distribution groups are deleted permanently (group-delete; message center MC1183299)."""
        if self.is_synced(obj) or self.kind(obj) not in (MICROSOFT_365, SECURITY):
            return DeleteKind.HARD
        return DeleteKind.SOFT

    def update_refused(self, obj: dict[str, Any]) -> str | None:
        if self.kind(obj) in (MAIL_ENABLED_SECURITY, DISTRIBUTION):
            return "mail-enabled security and distribution groups are managed in Exchange"
        return None

    def link_refused(self, obj: dict[str, Any], link: Link) -> str | None:
        kind = self.kind(obj)
        if link.name == "members":
            if "DynamicMembership" in (obj.get("groupTypes") or []):
                return "dynamic membership: members follow membershipRule"  # group-delete-members
            if self.is_synced(obj):
                return "membership is mastered on-premises"
        if kind in (MAIL_ENABLED_SECURITY, DISTRIBUTION):
            what = "a distribution group" if kind == DISTRIBUTION else "a mail-enabled security group"
            return f"{link.name} of {what} are managed in Exchange (Graph answers 403)"
        return None

    def link_targets(self, obj: dict[str, Any], link: Link) -> tuple[str, ...]:
        """Microsoft 365 groups accept users only as members (group-post-members)."""
        if link.name == "members" and self.kind(obj) == MICROSOFT_365:
            return ("users",)
        return link.targets

    def create_defaults_for(self, body: dict[str, Any]) -> dict[str, Any]:
        defaults = self.create_defaults_map()
        if "Unified" in (body.get("groupTypes") or []):
            defaults["visibility"] = "Public"  # Microsoft 365 groups are Public unless created otherwise [G1]
        return defaults


GROUPS = GroupSet(
    key="groups", title="group", collection="groups", entity="microsoft.graph.group",
    source=LEARN + "resources/group?view=graph-rest-1.0",
    directory_object=True, delta=True, delete=DeleteKind.SOFT, deleted_cast="group", extension_attributes=True,
    # Read-only and system-populated [G1]; per-user or team state returned only on GET /groups/{id} [G1]
    read_only=_names(
        "id deletedDateTime createdDateTime mail proxyAddresses onPremisesExtensionAttributes expirationDateTime "
        "renewedDateTime securityIdentifier onPremisesDomainName onPremisesLastSyncDateTime onPremisesNetBiosName "
        "onPremisesSamAccountName onPremisesSecurityIdentifier assignedLicenses onPremisesProvisioningErrors "
        "serviceProvisioningErrors licenseProcessingState isManagementRestricted onPremisesSyncEnabled "
        "resourceProvisioningOptions accessType isArchived isFavorite isSubscribedByMail unseenCount "
        "unseenConversationsCount unseenMessagesCount hasMembersWithLicenseErrors infoCatalogs organizationId "
        "welcomeMessageEnabled"),
    # set at create only [G1][G3]; uniqueName "can be updated only if null and is immutable once set" [G4]
    create_only=_names("mailEnabled isAssignableToRole resourceBehaviorOptions uniqueName"),
    required=_names("displayName mailNickname mailEnabled securityEnabled"),  # group-post-groups [G3]
    patch_alone=_GROUP_EXCHANGE,  # "each in its own PATCH" [G4]
    not_in_lists=_GROUP_EXCHANGE,  # returned only on GET /groups/{id} [G1]
    select_only=_GROUP_EXCHANGE | _names("accessType isArchived isFavorite isSubscribedByMail unseenCount "
                                         "unseenConversationsCount unseenMessagesCount hasMembersWithLicenseErrors "
                                         "infoCatalogs organizationId welcomeMessageEnabled"),
    on_premises=_names("displayName mailNickname mailEnabled securityEnabled groupTypes description mail "
                       "proxyAddresses onPremisesExtensionAttributes"),
    create_defaults=(
        ("groupTypes", []), ("description", None), ("mail", None), ("proxyAddresses", []),
        ("membershipRule", None), ("membershipRuleProcessingState", None), ("isAssignableToRole", None),
        ("visibility", None), ("classification", None), ("onPremisesSyncEnabled", None),
        ("resourceBehaviorOptions", []), ("resourceProvisioningOptions", []), ("securityIdentifier", None),
    ),
    links=(
        # v1.0 GET groups/{id}/members omits service principals (documented known issue on group-list-members);
        # members@delta comes with groups/delta by default (group-delta)
        Link("members", LinkKind.IDS, read="groups/{id}/members", add="POST groups/{id}/members/$ref",
             remove="DELETE groups/{id}/members/{ref}/$ref",
             targets=("users", "groups", "servicePrincipals", "devices", "contacts"),
             expand=True, v1_hidden_targets=frozenset({"servicePrincipals"}), delta_default=True,
             source=LEARN + "group-list-members?view=graph-rest-1.0"),
        Link("owners", LinkKind.IDS, read="groups/{id}/owners", add="POST groups/{id}/owners/$ref",
             remove="DELETE groups/{id}/owners/{ref}/$ref", targets=("users", "servicePrincipals"), expand=True,
             source=LEARN + "group-post-owners?view=graph-rest-1.0"),
    ),
)


# ---------------------------------------------------------------------------------------------- applications
APPLICATIONS = EntitySet(
    key="applications", title="application", collection="applications", entity="microsoft.graph.application",
    source=LEARN + "resources/application?view=graph-rest-1.0",
    alt_key="appId", directory_object=True, delta=True, delete=DeleteKind.SOFT, deleted_cast="application",
    extension_attributes=True, extension_definitions="extensionProperties",
    # read-only [A1]; passwordCredentials: "PATCH is not supported", addPassword/removePassword [A4]
    read_only=_names(
        "id deletedDateTime appId createdDateTime passwordCredentials publisherDomain applicationTemplateId "
        "createdByAppId disabledByMicrosoftStatus certification verifiedPublisher managerApplications isDisabled "
        "logo"),
    create_only=_names("uniqueName"),  # "can be updated only if null and is immutable once set" [A4]
    select_only=_names("isDisabled logo"),
    required=_names("displayName"),  # application-post-applications [A3]
    bound_actions=("addPassword", "removePassword"),
    # "keyCredentials.key ... is returned only on $select for a single object" (application-list, application-get)
    key_material=("keyCredentials", "key"),
    create_defaults=(
        ("signInAudience", "AzureADMyOrg"), ("identifierUris", []), ("tags", []), ("addIns", []), ("appRoles", []),
        ("keyCredentials", []), ("passwordCredentials", []), ("requiredResourceAccess", []), ("description", None),
        ("notes", None), ("groupMembershipClaims", None), ("isFallbackPublicClient", None),
        ("isDeviceOnlyAuthSupported", None), ("optionalClaims", None), ("tokenEncryptionKeyId", None),
        ("samlMetadataUrl", None), ("serviceManagementReference", None), ("defaultRedirectUri", None),
        ("disabledByMicrosoftStatus", None),
        ("api", {"acceptMappedClaims": None, "knownClientApplications": [], "oauth2PermissionScopes": [],
                 "preAuthorizedApplications": [], "requestedAccessTokenVersion": None}),
        ("web", {"homePageUrl": None, "logoutUrl": None, "redirectUris": [], "redirectUriSettings": [],
                 "implicitGrantSettings": {"enableAccessTokenIssuance": False, "enableIdTokenIssuance": False}}),
        ("spa", {"redirectUris": []}),
        ("publicClient", {"redirectUris": []}),
        ("info", {"logoUrl": None, "marketingUrl": None, "privacyStatementUrl": None, "supportUrl": None,
                  "termsOfServiceUrl": None}),
        ("parentalControlSettings", {"countriesBlockedForMinors": [], "legalAgeGroupRule": "Allow"}),
        ("verifiedPublisher", {"displayName": None, "verifiedPublisherId": None, "addedDateTime": None}),
    ),
    links=(
        Link("owners", LinkKind.IDS, read="applications/{id}/owners", add="POST applications/{id}/owners/$ref",
             remove="DELETE applications/{id}/owners/{ref}/$ref", targets=("users", "servicePrincipals"),
             expand=True, source=LEARN + "application-post-owners?view=graph-rest-1.0"),
        # name unique per application and immutable; at most 20 per application
        Link("federatedIdentityCredentials", LinkKind.OBJECTS, read="applications/{id}/federatedIdentityCredentials",
             add="POST applications/{id}/federatedIdentityCredentials",
             update="PATCH applications/{id}/federatedIdentityCredentials/{ref}",
             remove="DELETE applications/{id}/federatedIdentityCredentials/{ref}",
             key=("name",), read_only=frozenset({"id"}), create_only=frozenset({"name"}), expand=True,
             source=LEARN + "resources/federatedidentitycredential?view=graph-rest-1.0"),
    ),
)


# ---------------------------------------------------------------------------------------------- service principals
@dataclass(frozen=True)
class ServicePrincipalSet(EntitySet):
    """Managed identities "can't be updated or modified directly" [SP1]; Microsoft's first-party service
    principals and managed identities cannot be deleted by a tenant's application."""

    def update_refused(self, obj: dict[str, Any]) -> str | None:
        if obj.get("servicePrincipalType") == "ManagedIdentity":
            return "managed identity: managed by its Azure resource, cannot be modified directly"
        return None

    def undeletable(self, obj: dict[str, Any]) -> str | None:
        if obj.get("servicePrincipalType") == "ManagedIdentity":
            return "managed identity: managed by its Azure resource, cannot be modified directly"
        if str(obj.get("appOwnerOrganizationId") or "").lower() in MICROSOFT_TENANT_IDS:
            return "Microsoft first-party service principal"
        return None

    def delete_kind(self, obj: dict[str, Any]) -> DeleteKind:
        return DeleteKind.NONE if self.undeletable(obj) else self.delete


_PRINCIPALS = ("users", "groups", "servicePrincipals")

SERVICE_PRINCIPALS = ServicePrincipalSet(
    key="servicePrincipals", title="service principal", collection="servicePrincipals",
    entity="microsoft.graph.servicePrincipal", source=LEARN + "resources/serviceprincipal?view=graph-rest-1.0",
    alt_key="appId", directory_object=True, delta=True, delete=DeleteKind.SOFT, deleted_cast="servicePrincipal",
    # read-only / set by Entra [SP1]; passwordCredentials by addPassword/removePassword only [SP4]
    read_only=_names(
        "id deletedDateTime passwordCredentials appDescription appDisplayName appOwnerOrganizationId "
        "applicationTemplateId createdByAppId disabledByMicrosoftStatus servicePrincipalType signInAudience "
        "resourceSpecificApplicationPermissions verifiedPublisher isDisabled"),
    create_only=_names("appId"),
    select_only=_names("isDisabled"),
    required=_names("appId"),  # serviceprincipal-post-serviceprincipals [SP3]
    bound_actions=("addPassword", "removePassword"),
    key_material=("keyCredentials", "key"),  # as on applications (serviceprincipal-list, serviceprincipal-get)
    # the service principal belongs to the application whose appId it carries [SP3]
    refs=(Ref("appId", ("applications",), by="appId"),),
    create_defaults=(
        ("accountEnabled", True), ("appRoleAssignmentRequired", False), ("servicePrincipalType", "Application"),
        ("tags", []), ("alternativeNames", []), ("notificationEmailAddresses", []), ("replyUrls", []),
        ("keyCredentials", []), ("passwordCredentials", []), ("addIns", []),
        ("resourceSpecificApplicationPermissions", []), ("description", None), ("notes", None), ("homepage", None),
        ("loginUrl", None), ("logoutUrl", None), ("preferredSingleSignOnMode", None),
        ("preferredTokenSigningKeyThumbprint", None), ("samlSingleSignOnSettings", None),
        ("tokenEncryptionKeyId", None), ("disabledByMicrosoftStatus", None),
    ),
    links=(
        Link("owners", LinkKind.IDS, read="servicePrincipals/{id}/owners",
             add="POST servicePrincipals/{id}/owners/$ref", remove="DELETE servicePrincipals/{id}/owners/{ref}/$ref",
             targets=("users", "servicePrincipals"), expand=True,
             source=LEARN + "serviceprincipal-post-owners?view=graph-rest-1.0"),
        # app role assignments granted on this resource [SP5][SP7][SP8]
        Link("appRoleAssignedTo", LinkKind.OBJECTS, read="servicePrincipals/{id}/appRoleAssignedTo",
             add="POST servicePrincipals/{id}/appRoleAssignedTo",
             remove="DELETE servicePrincipals/{id}/appRoleAssignedTo/{ref}", key=("principalId", "appRoleId"),
             refs=(Ref("principalId", _PRINCIPALS), Ref("resourceId", ("servicePrincipals",))),
             read_only=frozenset({"id", "createdDateTime", "principalType", "deletedDateTime"}), expand=True,
             owner_field="resourceId", source=LEARN + "resources/approleassignment?view=graph-rest-1.0"),
        # delegated permission grants of this client [SP9][SP10]
        Link("oauth2PermissionGrants", LinkKind.OBJECTS, read="servicePrincipals/{id}/oauth2PermissionGrants",
             add="POST oauth2PermissionGrants", update="PATCH oauth2PermissionGrants/{ref}",
             remove="DELETE oauth2PermissionGrants/{ref}", key=("resourceId", "consentType", "principalId"),
             refs=(Ref("clientId", ("servicePrincipals",)), Ref("resourceId", ("servicePrincipals",)),
                   Ref("principalId", ("users",))),
             read_only=frozenset({"id"}), create_only=frozenset({"clientId", "resourceId", "consentType", "principalId"}),
             owner_field="clientId", source=LEARN + "resources/oauth2permissiongrant?view=graph-rest-1.0"),
    ),
)


# ---------------------------------------------------------------------------------------------- organization
@dataclass(frozen=True)
class OrganizationSet(EntitySet):
    def is_synced(self, obj: dict[str, Any]) -> bool:
        """Its onPremisesSyncEnabled says whether the *tenant* synchronizes; the object itself is never
        mastered on-premises [O1]."""
        return False


ORGANIZATION = OrganizationSet(
    key="organization", title="organization", collection="organization", entity="microsoft.graph.organization",
    source=LEARN + "resources/organization?view=graph-rest-1.0",
    singleton=True, singleton_in_collection=True, directory_object=True, delete=DeleteKind.NONE,
    extension_attributes=True,
    # only five properties are updatable (organization-update [O3]); the rest is read-only [O1];
    # onPremisesSyncEnabled: "Property 'onPremisesSyncEnabled' is read-only and cannot be set."
    read_only=_names(
        "id deletedDateTime displayName city country countryLetterCode createdDateTime defaultUsageLocation "
        "mobileDeviceManagementAuthority onPremisesLastSyncDateTime partnerTenantType postalCode preferredLanguage "
        "state street tenantType assignedPlans provisionedPlans verifiedDomains businessPhones onPremisesSyncEnabled "
        "onPremisesSyncStatus directorySizeQuota isMultipleDataLocationsForServicesEnabled"),
    select_only=_names("onPremisesSyncStatus directorySizeQuota isMultipleDataLocationsForServicesEnabled"),
)

DIRECTORY = (USERS, GROUPS, APPLICATIONS, SERVICE_PRINCIPALS, ORGANIZATION)
