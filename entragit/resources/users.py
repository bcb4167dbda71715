"""users: Entra ID user accounts, stored with their manager.

Sources (Microsoft Learn, v1.0):
- resource: https://learn.microsoft.com/en-us/graph/api/resources/user?view=graph-rest-1.0 [U1]
- list (100/999 per page; SharePoint-backed properties 501 in a collection):
  https://learn.microsoft.com/en-us/graph/api/user-list?view=graph-rest-1.0 [U2]
- create (required: accountEnabled, displayName, mailNickname, passwordProfile, userPrincipalName):
  https://learn.microsoft.com/en-us/graph/api/user-post-users?view=graph-rest-1.0 [U3]
- update (SharePoint-backed properties each in a PATCH of their own; synced users):
  https://learn.microsoft.com/en-us/graph/api/user-update?view=graph-rest-1.0 [U4]
- delete (soft, 30 days): https://learn.microsoft.com/en-us/graph/api/user-delete?view=graph-rest-1.0 [U5]
- delta: https://learn.microsoft.com/en-us/graph/api/user-delta?view=graph-rest-1.0 [U6]
- manager: https://learn.microsoft.com/en-us/graph/api/user-post-manager?view=graph-rest-1.0 [U7]
- list managers ($expand=manager on the users listing, $select inside the expand):
  https://learn.microsoft.com/en-us/graph/api/user-list-manager?view=graph-rest-1.0 [U8]
- attributes Entra Connect synchronizes (what is mastered on-premises for a synced user):
  https://learn.microsoft.com/en-us/entra/identity/hybrid/connect/reference-connect-sync-attributes-synchronized
- userPrincipalName "can't contain accent characters. Only the following characters are allowed A - Z, a - z,
  0 - 9, ' . - _ ! # ^ ~"; $filter startsWith on it is a default (not advanced) query [U1],
  https://learn.microsoft.com/en-us/graph/aad-advanced-queries (guests: alias_domain#EXT#@tenant) [U9]
"""

from __future__ import annotations

from entragit.resources._common import (
    BOOL,
    CUSTOM_SECURITY_ATTRIBUTES,
    DIRECTORY_RESTORE,
    INT,
    OBJ,
    OBJS,
    PATCH_ALONE,
    RO,
    STR,
    STRS,
    deleted_items,
    props,
)
from entragit.resources.base import DeleteKind, Link, LinkKind, Prop, ResourceType

_SYNC = "mastered on-premises when onPremisesSyncEnabled (Entra Connect synchronizes it)"
_SHAREPOINT = (
    "stored in SharePoint Online, not the directory: 501 when $select-ed on a collection [U2]; "
    "each must be sent in a PATCH of its own and app-only callers cannot update it [U4]"
)

PROPS: tuple[Prop, ...] = (
    # ---- identity and keys
    Prop("id", RO, json_type=STR),
    Prop("deletedDateTime", RO, json_type=STR),
    Prop("createdDateTime", RO, json_type=STR),
    Prop("creationType", RO, json_type=STR),
    # ---- written with the object's PATCH; mastered on-premises for synced users
    Prop("accountEnabled", json_type=BOOL, on_premises=True, required_on_create=True, note=_SYNC),
    Prop("displayName", json_type=STR, on_premises=True, required_on_create=True, note=_SYNC),
    Prop("mailNickname", json_type=STR, on_premises=True, required_on_create=True, note=_SYNC),
    Prop("userPrincipalName", json_type=STR, on_premises=True, required_on_create=True, note=_SYNC),
    *props(
        "givenName surname jobTitle department companyName officeLocation streetAddress city state "
        "postalCode country employeeId employeeType faxNumber preferredLanguage usageLocation",
        json_type=STR, on_premises=True, note=_SYNC,
    ),
    Prop("mail", json_type=STR, on_premises=True, note="updates proxyAddresses; cannot be set to null [U4]; " + _SYNC),
    Prop("businessPhones", json_type=STRS, on_premises=True,
         note="one number only although a list (kept in Graph's order, not sorted); read-only for synced "
              "users [U1]"),
    Prop("mobilePhone", json_type=STR, on_premises=True, note="read-only for synced users [U1]"),
    Prop("onPremisesExtensionAttributes", json_type=OBJ, on_premises=True,
         note="extensionAttribute1-15; the source of authority is on-premises for synced users [U1]"),
    Prop("onPremisesImmutableId", json_type=STR, on_premises=True,
         note="writable for cloud users (hard match), required at create on a federated domain [U3][U4]"),
    Prop("employeeOrgData", json_type=OBJ, on_premises=True,
         note="send division and costCenter together or the omitted one becomes null [U4]; refused for "
              "synced users (graph-entra.md corrections)"),
    Prop("employeeHireDate", json_type=STR, note="User-LifeCycleInfo.ReadWrite.All [U4]"),
    Prop("employeeLeaveDateTime", json_type=STR, withheld="User-LifeCycleInfo.Read.All",
         note="read and write need User-LifeCycleInfo.*.All [U1][U4]; without the read permission Graph "
              "answers null rather than 403 (Azure/LogicAppsUX#4925, not Learn): a backup taken without it "
              "holds nulls that must not be restored"),
    # ---- cloud-only properties written with the object's PATCH
    *props("ageGroup consentProvidedForMinor passwordPolicies preferredDataLocation userType", json_type=STR),
    Prop("otherMails", json_type=STRS, note="full replace, at most 250 values [U4]"),
    Prop("identities", json_type=OBJS, note="PATCH replaces the whole collection and must keep the userPrincipalName "
                            "identity; User.ManageIdentities.All [U4]"),
    CUSTOM_SECURITY_ATTRIBUTES,  # [U1][U4]
    Prop("authorizationInfo", json_type=OBJ, note="certificateUserIds (certificate-based authentication) [U1]"),
    # ---- write-only secret: never returned by Graph, required on create
    Prop("passwordProfile", json_type=OBJ, required_on_create=True, secret=True, select=False,
         note="never returned; a restore that creates a user must generate a password [U3][U4]"),
    # ---- SharePoint-backed: not in a collection $select, written one per PATCH
    *props("aboutMe birthday hireDate mySite", json_type=STR, channel=PATCH_ALONE, select=False, note=_SHAREPOINT),
    *props("interests pastProjects responsibilities schools skills", json_type=STRS, channel=PATCH_ALONE,
           select=False, note=_SHAREPOINT),
    Prop("preferredName", RO, json_type=STR, select=False, note="not supported; returns an empty string [U1]"),
    Prop("mailboxSettings", RO, json_type=OBJ, select=False,
         note="Exchange Online; its own endpoint users/{id}/mailboxSettings, out of scope [U1]"),
    # ---- read-only, server-computed
    *props("assignedLicenses assignedPlans provisionedPlans licenseAssignmentStates serviceProvisioningErrors "
           "onPremisesProvisioningErrors", json_type=OBJS, channel=RO),
    *props("imAddresses proxyAddresses", json_type=STRS, channel=RO),
    *props(
        "lastPasswordChangeDateTime legalAgeGroupClassification signInSessionsValidFromDateTime "
        "securityIdentifier externalUserState externalUserStateChangeDateTime onPremisesDistinguishedName "
        "onPremisesDomainName onPremisesLastSyncDateTime onPremisesSamAccountName onPremisesSecurityIdentifier "
        "onPremisesUserPrincipalName",
        json_type=STR, channel=RO,
    ),
    *props("isManagementRestricted onPremisesSyncEnabled", json_type=BOOL, channel=RO),
    Prop("signInActivity", RO, json_type=OBJ, select=False,
         note="needs AuditLog.Read.All and Entra ID P1, caps pages at 500 [U2]; activity, not configuration"),
    Prop("showInAddressList", RO, json_type=BOOL, select=False, note="'Do not use in Microsoft Graph' [U1]"),
    Prop("isResourceAccount", RO, json_type=BOOL, select=False, note="'Don't use - reserved for future use' [U1]"),
    Prop("deviceEnrollmentLimit", RO, json_type=INT, select=False, note="Intune, not a directory property"),
    Prop("identityParentId", RO, json_type=STR, select=False,
         note="in the v1.0 metadata (msgraph-sdk models) but undocumented on Learn"),
    Prop("print", RO, json_type=OBJ, select=False,
         note="in the v1.0 metadata (msgraph-sdk models) but undocumented on Learn"),
)

TYPE = ResourceType(
    key="users",
    title="user",
    collection="users",
    odata_type="#microsoft.graph.user",
    display="displayName",
    props=PROPS,
    volatile=frozenset({
        "onPremisesLastSyncDateTime",
        "lastPasswordChangeDateTime",
        "signInSessionsValidFromDateTime",
        "signInActivity",
        "licenseAssignmentStates[].lastUpdatedDateTime",
    }),
    # custom security attributes keep their write annotations ("@odata.type" per attribute set, "Name@odata.type"
    # on multi-valued and integer values): https://learn.microsoft.com/en-us/graph/custom-security-attributes-examples
    keep_annotations=frozenset({"customSecurityAttributes"}),
    unordered=(
        "otherMails",
        "proxyAddresses",
        "imAddresses",
        "identities",
        "assignedLicenses",
        "assignedPlans",
        "provisionedPlans",
        "licenseAssignmentStates",
    ),
    links=(
        Link(
            name="manager",
            kind=LinkKind.ID,
            read="users/{id}/manager",
            read_select="id",
            # export: read with the users listing (GET users?$expand=manager($select=id), pages of 100)
            # instead of one GET per user [U8]
            expand="manager($select=id)",
            delta_select=True,  # users/delta?$select=...,manager tracks it (manager@delta) [U6]
            add="PUT users/{id}/manager/$ref",
            remove="DELETE users/{id}/manager/$ref",
            targets=("users",),
            other_kinds=("orgContact",),  # "a user or an organizational contact" [U7]
            on_premises=True,  # Entra Connect synchronizes manager (attributes synchronized, above)
            note="GET answers 404 when the user has no manager; PUT body "
                 '{"@odata.id": "{base}/users/{ref}"} [U7]. A manager can also be an org contact '
                 "(not a type entragit manages).",
        ),
    ),
    delta=True,
    page_default=100,
    page_max=999,
    delete=DeleteKind.SOFT,
    delete_path=deleted_items("user"),
    restore_path=DIRECTORY_RESTORE,
    audit_restore=("Restore user",),  # Core Directory activity (reference-audit-activities)
    order=30,
    extension_attributes=True,
    directory_object=True,
    # the export lists users in parallel shards, one per character a UPN may start with [U9]; a $count check
    # catches any other (a UPN from before the rule, a synced oddity) and reads those users on their own
    shard_by="userPrincipalName",
    shard_prefixes="abcdefghijklmnopqrstuvwxyz0123456789'.-_!#^~",
    tenant_size=True,  # Graph's identity throttling limits go by the tenant's number of users
    # "Properties maintained with soft delete": group memberships and application assignments come back with
    # the restore (any kind of group: no exception is documented) [https://learn.microsoft.com/entra/architecture/recover-from-deletions]
    restore_keeps=(("groups.members", "https://learn.microsoft.com/entra/architecture/recover-from-deletions"),
                   ("servicePrincipals.appRoleAssignedTo", "https://learn.microsoft.com/entra/architecture/recover-from-deletions")),
    new_identity="a recreated user is a new identity (new object id; no MFA methods, licences, mailbox or "
                 "sign-in history; a generated password)",
    create_defaults=(
        ("userType", "Member"),
        ("creationType", None),
        ("businessPhones", []),
        ("otherMails", []),
        ("imAddresses", []),
        ("proxyAddresses", []),
        ("assignedLicenses", []),
        ("assignedPlans", []),
        ("provisionedPlans", []),
        ("licenseAssignmentStates", []),
        ("onPremisesSyncEnabled", None),
        ("onPremisesImmutableId", None),
        ("passwordPolicies", None),
        ("usageLocation", None),
        ("onPremisesExtensionAttributes", {f"extensionAttribute{i}": None for i in range(1, 16)}),
    ),
    notes=(
        "Restoring from deleted items (30 days) keeps the id, group memberships, licenses and mailbox [U5]; "
        "a recreate needs a new password. Synced users: on-premises-mastered properties are refused "
        "(400 'Unable to update the specified properties for on-premises mastered Directory Sync objects'); "
        "restore them through AD and sync. "
        "https://learn.microsoft.com/en-us/graph/api/resources/user?view=graph-rest-1.0"
    ),
)
