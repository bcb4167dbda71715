"""servicePrincipals: enterprise applications, stored with owners, the app role assignments granted on
this resource (appRoleAssignedTo) and the delegated permission grants of this client.

Sources (Microsoft Learn, v1.0):
- resource: https://learn.microsoft.com/en-us/graph/api/resources/serviceprincipal?view=graph-rest-1.0 [SP1]
- list (100/999): https://learn.microsoft.com/en-us/graph/api/serviceprincipal-list?view=graph-rest-1.0 [SP2]
- create (appId required): https://learn.microsoft.com/en-us/graph/api/serviceprincipal-post-serviceprincipals [SP3]
- update: https://learn.microsoft.com/en-us/graph/api/serviceprincipal-update?view=graph-rest-1.0 [SP4]
- appRoleAssignedTo: serviceprincipal-post-approleassignedto [SP5], serviceprincipal-list-approleassignedto [SP7],
  https://learn.microsoft.com/en-us/graph/api/resources/approleassignment?view=graph-rest-1.0 [SP8]
- oauth2PermissionGrant: https://learn.microsoft.com/en-us/graph/api/resources/oauth2permissiongrant [SP9],
  list ($filter on clientId) oauth2permissiongrant-list [SP10], create oauth2permissiongrant-post [SP11]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from entragit.resources._common import (
    BOOL,
    CREATE_ONLY,
    CUSTOM_SECURITY_ATTRIBUTES,
    DIRECTORY_RESTORE,
    KEY_CREDENTIALS,
    MICROSOFT_TENANT_IDS,
    OBJ,
    OBJS,
    RO,
    STR,
    STRS,
    deleted_items,
    props,
)
from entragit.resources.base import EXPAND_MAX, DeleteKind, Link, LinkKind, Prop, Ref, ResourceType

PROPS: tuple[Prop, ...] = (
    Prop("id", RO, json_type=STR),
    Prop("deletedDateTime", RO, json_type=STR),
    Prop("appId", CREATE_ONLY, json_type=STR, required_on_create=True,
         note="the application's appId; alternate key; the POST body must carry it [SP3]"),
    # ---- written with the object's PATCH [SP1][SP4]
    *props("accountEnabled appRoleAssignmentRequired", json_type=BOOL),
    *props("description displayName homepage loginUrl logoutUrl notes preferredSingleSignOnMode "
           "preferredTokenSigningKeyThumbprint tokenEncryptionKeyId", json_type=STR),
    *props("info samlSingleSignOnSettings", json_type=OBJ),
    *props("addIns appRoles oauth2PermissionScopes", json_type=OBJS),
    KEY_CREDENTIALS,
    *props("alternativeNames notificationEmailAddresses replyUrls servicePrincipalNames tags", json_type=STRS),
    CUSTOM_SECURITY_ATTRIBUTES,  # [SP1][SP4]
    # ---- read-only
    Prop("passwordCredentials", RO, json_type=OBJS,
         note="PATCH not supported: addPassword/removePassword [SP4]; secretText is never exported"),
    *props(
        "appDescription appDisplayName appOwnerOrganizationId applicationTemplateId createdByAppId "
        "disabledByMicrosoftStatus servicePrincipalType signInAudience",
        json_type=STR, channel=RO,
    ),
    Prop("resourceSpecificApplicationPermissions", RO, json_type=OBJS),
    Prop("verifiedPublisher", RO, json_type=OBJ),
    Prop("isDisabled", RO, json_type=BOOL, select=False,
         note="in the v1.0 metadata (msgraph-sdk models), undocumented on Learn"),
)

_PRINCIPALS = ("users", "groups", "servicePrincipals")

APP_ROLE_ASSIGNED_TO = Link(
    name="appRoleAssignedTo",
    kind=LinkKind.OBJECTS,
    read="servicePrincipals/{id}/appRoleAssignedTo",
    expand="appRoleAssignedTo",  # export: a listing with $expand; owners holding 20 are re-read
    expand_cap=EXPAND_MAX,
    audit=("Add app role assignment to service principal", "Remove app role assignment from service principal",
           "Add app role assignment to group", "Remove app role assignment from group",
           "Add app role assignment grant to user", "Remove app role assignment from user"),
    # the principal's side: users/groups/servicePrincipals/{id}/appRoleAssignments [SP5]
    reverse="{collection}/{id}/appRoleAssignments", reverse_owner="resourceId",
    reverse_for=("users", "groups", "servicePrincipals"),
    add="POST servicePrincipals/{id}/appRoleAssignedTo",
    remove="DELETE servicePrincipals/{id}/appRoleAssignedTo/{ref}",
    key=("principalId", "appRoleId"),
    refs=(
        Ref("principalId", _PRINCIPALS),
        Ref("resourceId", ("servicePrincipals",)),
    ),
    volatile=frozenset({"principalDisplayName", "resourceDisplayName"}),
    read_only=frozenset({"id", "createdDateTime", "principalType", "deletedDateTime"}),
    sort_by=("principalId", "appRoleId"),
    note="assignments granted ON this resource service principal (users, groups and client service "
         "principals holding its app roles, incl. application permissions on Microsoft Graph); create body "
         "{principalId, resourceId, appRoleId} [SP5][SP8]; no update: a change is remove + add. appRoleId "
         "points into this service principal's appRoles (00000000-... = default access). id is an opaque "
         "string, not a GUID.",
)

OAUTH2_PERMISSION_GRANTS = Link(
    name="oauth2PermissionGrants",
    kind=LinkKind.OBJECTS,
    read="oauth2PermissionGrants?$filter=clientId eq '{id}'",
    # export: one tenant-wide listing grouped by clientId instead of one filtered read per service principal
    read_all="oauth2PermissionGrants",
    owner_field="clientId",
    audit=("Add delegated permission grant", "Remove delegated permission grant", "Consent to application"),
    # a user's own consents ($filter on principalId) [SP9]
    reverse="oauth2PermissionGrants?$filter=principalId eq '{id}'", reverse_owner="clientId", reverse_for=("users",),
    add="POST oauth2PermissionGrants",
    update="PATCH oauth2PermissionGrants/{ref}",
    remove="DELETE oauth2PermissionGrants/{ref}",
    key=("resourceId", "consentType", "principalId"),
    refs=(
        Ref("clientId", ("servicePrincipals",)),
        Ref("resourceId", ("servicePrincipals",)),
        Ref("principalId", ("users",)),
    ),
    read_only=frozenset({"id"}),
    create_only=frozenset({"clientId", "resourceId", "consentType", "principalId"}),
    sort_by=("resourceId", "consentType", "principalId"),
    note="delegated permission grants OF this client (clientId = this service principal's object id) "
         "[SP9][SP10]; consentType AllPrincipals (principalId null, sorts first) or Principal (a user); "
         "scope is a space-separated string, the only updatable property. Items carry @odata.id.",
)


@dataclass(frozen=True)
class ServicePrincipalsType(ResourceType):
    """Service principals: Microsoft first-party ones and managed identities are exported, never written
    (their assignments and grants are tenant configuration and are restored like any other)."""

    def never_written(self, obj: dict[str, Any]) -> str | None:
        if obj.get("servicePrincipalType") == "ManagedIdentity":
            return "managed identity: managed by its Azure resource, cannot be modified directly [SP1]"
        if str(obj.get("appOwnerOrganizationId") or "").lower() in MICROSOFT_TENANT_IDS:
            return "Microsoft first-party service principal"
        return None

    def update_refused(self, obj: dict[str, Any]) -> str | None:
        """Graph refuses updates of managed identities [SP1]; first-party ones accept some (never sent)."""
        if obj.get("servicePrincipalType") == "ManagedIdentity":
            return "managed identity: managed by its Azure resource, cannot be modified directly [SP1]"
        return None

    def delete_kind(self, obj: dict[str, Any]) -> DeleteKind:
        if self.never_written(obj):
            return DeleteKind.NONE
        return self.delete


TYPE = ServicePrincipalsType(
    key="servicePrincipals",
    title="service principal",
    collection="servicePrincipals",
    odata_type="#microsoft.graph.servicePrincipal",
    alt_key="appId",
    display="displayName",
    props=PROPS,
    # custom security attributes keep their write annotations ("@odata.type" per attribute set, "Name@odata.type"
    # on multi-valued and integer values): https://learn.microsoft.com/en-us/graph/custom-security-attributes-examples
    keep_annotations=frozenset({"customSecurityAttributes"}),
    # a client secret's hint is its first characters (passwordCredential): never stored (issue 11)
    secret_paths=frozenset({"passwordCredentials[].secretText", "passwordCredentials[].hint"}),
    # appRole.origin is set by Graph and "must not be included in any POST or PATCH requests"
    # (https://learn.microsoft.com/en-us/graph/api/resources/approle?view=graph-rest-1.0)
    volatile=frozenset({"appRoles[].origin"}),
    unordered=(
        "alternativeNames",
        "servicePrincipalNames",
        "tags",
        "replyUrls",
        "notificationEmailAddresses",
        "addIns",
        "appRoles",
        "appRoles[].allowedMemberTypes",
        "oauth2PermissionScopes",
        "keyCredentials",
        "passwordCredentials",
        "resourceSpecificApplicationPermissions",
    ),
    refs=(
        # a service principal of an app registered in this tenant; first-party and other tenants' appIds
        # resolve to no application (not an error)
        Ref("appId", ("applications",), by="appId"),
        Ref("servicePrincipalNames[]", ("applications",), by="appId", embedded=True),
    ),
    links=(
        Link(
            name="owners",
            kind=LinkKind.IDS,
            read="servicePrincipals/{id}/owners",
            read_select="id",
            expand="owners($select=id)",  # export: with the service principals listing; >= 20 re-read
            expand_cap=EXPAND_MAX,
            audit=("Add owner to service principal", "Remove owner from service principal"),
            reverse="{collection}/{id}/ownedObjects", reverse_owner="id",  # a restored owner owns again
            reverse_for=("users", "servicePrincipals"),
            add="POST servicePrincipals/{id}/owners/$ref",
            remove="DELETE servicePrincipals/{id}/owners/{ref}/$ref",
            targets=("users", "servicePrincipals"),
            note='add body {"@odata.id": "{base}/directoryObjects/{ref}"} [SP1]',
        ),
        APP_ROLE_ASSIGNED_TO,
        OAUTH2_PERMISSION_GRANTS,
    ),
    delta=True,
    page_default=100,
    page_max=999,
    delete=DeleteKind.SOFT,
    delete_path=deleted_items("servicePrincipal"),
    restore_path=DIRECTORY_RESTORE,
    audit_restore=("Restore service principal",),  # Core Directory activity (reference-audit-activities)
    order=60,
    directory_object=True,
    new_identity="a recreated service principal is a new identity (new object id; no credentials; sign-ins "
                 "and consents start over)",
    create_defaults=(
        ("accountEnabled", True),
        ("appRoleAssignmentRequired", False),
        ("servicePrincipalType", "Application"),
        ("tags", []),
        ("alternativeNames", []),
        ("notificationEmailAddresses", []),
        ("replyUrls", []),
        ("keyCredentials", []),
        ("passwordCredentials", []),
        ("addIns", []),
        ("resourceSpecificApplicationPermissions", []),
        ("description", None),
        ("notes", None),
        ("homepage", None),
        ("loginUrl", None),
        ("logoutUrl", None),
        ("preferredSingleSignOnMode", None),
        ("preferredTokenSigningKeyThumbprint", None),
        ("samlSingleSignOnSettings", None),
        ("tokenEncryptionKeyId", None),
        ("disabledByMicrosoftStatus", None),
    ),
    notes=(
        "appRoles, oauth2PermissionScopes, servicePrincipalNames, appDisplayName and signInAudience are "
        "copied from the application (sync is not immediate [SP4]); tags are the union of SP and app tags. "
        "Restoring an application does not restore its service principal [DI3]. Directory extensions do not "
        "apply to service principals (targetObjects: User, Group, AdministrativeUnit, Application, Device, "
        "Organization). Microsoft first-party SPs are recognized by appOwnerOrganizationId "
        f"({', '.join(sorted(MICROSOFT_TENANT_IDS))}). "
        "https://learn.microsoft.com/en-us/graph/api/resources/serviceprincipal?view=graph-rest-1.0"
    ),
)
