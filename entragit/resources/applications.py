"""applications: app registrations, stored with owners and federated identity credentials.

Sources (Microsoft Learn, v1.0):
- resource: https://learn.microsoft.com/en-us/graph/api/resources/application?view=graph-rest-1.0 [A1]
- list (100/999): https://learn.microsoft.com/en-us/graph/api/application-list?view=graph-rest-1.0 [A2]
- create (displayName required; signInAudience default AzureADMyOrg):
  https://learn.microsoft.com/en-us/graph/api/application-post-applications?view=graph-rest-1.0 [A3]
- update (passwordCredentials not by PATCH):
  https://learn.microsoft.com/en-us/graph/api/application-update?view=graph-rest-1.0 [A4]
- app roles: https://learn.microsoft.com/en-us/graph/api/resources/approle?view=graph-rest-1.0 [A6]
- delta: https://learn.microsoft.com/en-us/graph/api/application-delta?view=graph-rest-1.0 [A7]
- federated identity credentials:
  https://learn.microsoft.com/en-us/graph/api/resources/federatedidentitycredential?view=graph-rest-1.0
- directory extensions apply to User, Group, AdministrativeUnit, Application, Device, Organization:
  https://learn.microsoft.com/en-us/graph/api/application-post-extensionproperty?view=graph-rest-1.0
"""

from __future__ import annotations

from entragit.resources._common import (
    BOOL,
    CREATE_ONLY,
    DIRECTORY_RESTORE,
    KEY_CREDENTIALS,
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
    Prop("appId", RO, json_type=STR, note="assigned by Entra ID; alternate key; a recreate gets a new one [A1]"),
    Prop("createdDateTime", RO, json_type=STR),
    Prop("displayName", json_type=STR, required_on_create=True),
    # ---- written with the object's PATCH [A1][A4]
    *props("defaultRedirectUri description groupMembershipClaims notes samlMetadataUrl serviceManagementReference "
           "tokenEncryptionKeyId", json_type=STR),
    Prop("nativeAuthenticationApisEnabled", json_type=STR, note="a flags enum (none | all): one string [A1]"),
    *props("isDeviceOnlyAuthSupported isFallbackPublicClient oauth2RequirePostResponse", json_type=BOOL),
    *props("api authenticationBehaviors info optionalClaims parentalControlSettings publicClient "
           "requestSignatureVerification servicePrincipalLockConfiguration spa web", json_type=OBJ),
    *props("addIns appRoles requiredResourceAccess", json_type=OBJS),
    *props("identifierUris tags", json_type=STRS),
    Prop("signInAudience", json_type=STR,
         note="default AzureADMyOrg; changing it may need other properties changed first [A1]"),
    KEY_CREDENTIALS,  # PATCH accepted; addKey needs proof of possession [A4][A5]
    Prop("uniqueName", CREATE_ONLY, json_type=STR,
         note="alternate key; settable only while null, then immutable [A4]"),
    # ---- read-only
    Prop("passwordCredentials", RO, json_type=OBJS,
         note="PATCH not supported: addPassword/removePassword mint new secrets [A4]; metadata (keyId, "
              "endDateTime, hint, displayName) is exported, secretText never"),
    *props("publisherDomain applicationTemplateId createdByAppId disabledByMicrosoftStatus", json_type=STR,
           channel=RO),
    *props("certification verifiedPublisher", json_type=OBJ, channel=RO),
    Prop("managerApplications", RO, json_type=STRS),
    Prop("isDisabled", RO, json_type=BOOL, select=False,
         note="in the v1.0 metadata (msgraph-sdk models), undocumented on Learn"),
    Prop("logo", RO, json_type=STR, select=False, note="stream: PUT applications/{id}/logo, not in a listing [A4]"),
)

_BY_APP_ID = ("applications", "servicePrincipals")

TYPE = ResourceType(
    key="applications",
    title="application",
    collection="applications",
    odata_type="#microsoft.graph.application",
    alt_key="appId",
    display="displayName",
    props=PROPS,
    # a client secret's hint is its first characters (https://learn.microsoft.com/en-us/graph/api/resources/
    # passwordcredential?view=graph-rest-1.0): a fragment of a secret, never stored (issue 11)
    secret_paths=frozenset({"passwordCredentials[].secretText", "passwordCredentials[].hint"}),
    # appRole.origin is set by Graph and "must not be included in any POST or PATCH requests" [A6]
    volatile=frozenset({"appRoles[].origin"}),
    unordered=(
        "identifierUris",
        "tags",
        "addIns",
        "appRoles",
        "appRoles[].allowedMemberTypes",
        "keyCredentials",
        "passwordCredentials",
        "requiredResourceAccess",
        "requiredResourceAccess[].resourceAccess",
        "api.knownClientApplications",
        "api.oauth2PermissionScopes",
        "api.preAuthorizedApplications",
        "api.preAuthorizedApplications[].delegatedPermissionIds",
        "web.redirectUris",
        "web.redirectUriSettings",
        "spa.redirectUris",
        "publicClient.redirectUris",
        "optionalClaims.idToken",
        "optionalClaims.accessToken",
        "optionalClaims.saml2Token",
        "parentalControlSettings.countriesBlockedForMinors",
    ),
    refs=(
        # resource APIs (mostly Microsoft first-party service principals such as Microsoft Graph)
        Ref("requiredResourceAccess[].resourceAppId", _BY_APP_ID, by="appId"),
        Ref("api.preAuthorizedApplications[].appId", _BY_APP_ID, by="appId"),
        Ref("api.knownClientApplications[]", _BY_APP_ID, by="appId"),
        # application id URIs embedding an appId, e.g. "api://{appId}" (the app's own one, mostly) [A1]
        Ref("identifierUris[]", ("applications",), by="appId", embedded=True),
    ),
    links=(
        Link(
            name="owners",
            kind=LinkKind.IDS,
            read="applications/{id}/owners",
            read_select="id",
            expand="owners($select=id)",  # export: with the applications listing; >= 20 owners re-read
            expand_cap=EXPAND_MAX,
            audit=("Add owner to application", "Remove owner from application"),
            reverse="{collection}/{id}/ownedObjects", reverse_owner="id",  # a restored owner owns again
            reverse_for=("users", "servicePrincipals"),
            add="POST applications/{id}/owners/$ref",
            remove="DELETE applications/{id}/owners/{ref}/$ref",
            targets=("users", "servicePrincipals"),
            note='add body {"@odata.id": "{base}/directoryObjects/{ref}"} [A1]',
        ),
        Link(
            name="federatedIdentityCredentials",
            kind=LinkKind.OBJECTS,
            read="applications/{id}/federatedIdentityCredentials",
            expand="federatedIdentityCredentials",  # export: a listing with $expand; 20 re-read
            expand_cap=EXPAND_MAX,
            audit=("Update application",),  # no activity of its own in the Core Directory list
            add="POST applications/{id}/federatedIdentityCredentials",
            update="PATCH applications/{id}/federatedIdentityCredentials/{ref}",
            remove="DELETE applications/{id}/federatedIdentityCredentials/{ref}",
            key=("name",),
            read_only=frozenset({"id"}),
            create_only=frozenset({"name"}),
            unordered=("audiences",),
            sort_by=("name",),
            note="workload identity federation (e.g. GitHub Actions OIDC); name is unique per app and "
                 "immutable; at most 20 per app; {ref} is the credential id (or its name) "
                 "https://learn.microsoft.com/en-us/graph/api/resources/federatedidentitycredential",
        ),
    ),
    delta=True,
    page_default=100,
    page_max=999,
    delete=DeleteKind.SOFT,
    delete_path=deleted_items("application"),
    restore_path=DIRECTORY_RESTORE,
    audit_restore=("Restore application",),  # Core Directory activity (reference-audit-activities)
    order=50,
    extension_attributes=True,
    directory_object=True,
    # directory extensions are defined on applications:
    # https://learn.microsoft.com/en-us/graph/api/application-list-extensionproperty?view=graph-rest-1.0
    extension_definitions="extensionProperties",
    # extension properties are created and deleted on the application: its audit entries
    extension_audit=("Update application", "Add application", "Delete application", "Hard Delete application",
                     "Restore application"),
    new_identity="a recreated application is a new identity (new object id and appId; no client secrets or "
                 "certificates; clients and consents must follow the new appId)",
    create_defaults=(
        ("signInAudience", "AzureADMyOrg"),
        ("identifierUris", []),
        ("tags", []),
        ("addIns", []),
        ("appRoles", []),
        ("keyCredentials", []),
        ("passwordCredentials", []),
        ("requiredResourceAccess", []),
        ("description", None),
        ("notes", None),
        ("groupMembershipClaims", None),
        ("isFallbackPublicClient", None),
        ("isDeviceOnlyAuthSupported", None),
        ("optionalClaims", None),
        ("tokenEncryptionKeyId", None),
        ("samlMetadataUrl", None),
        ("serviceManagementReference", None),
        ("defaultRedirectUri", None),
        ("disabledByMicrosoftStatus", None),
        ("api", {"acceptMappedClaims": None, "knownClientApplications": [], "oauth2PermissionScopes": [],
                 "preAuthorizedApplications": [], "requestedAccessTokenVersion": None}),
        ("web", {"homePageUrl": None, "logoutUrl": None, "redirectUris": [], "redirectUriSettings": [],
                 "implicitGrantSettings": {"enableAccessTokenIssuance": False,
                                           "enableIdTokenIssuance": False}}),
        ("spa", {"redirectUris": []}),
        ("publicClient", {"redirectUris": []}),
        ("info", {"logoUrl": None, "marketingUrl": None, "privacyStatementUrl": None, "supportUrl": None,
                  "termsOfServiceUrl": None}),
        ("parentalControlSettings", {"countriesBlockedForMinors": [], "legalAgeGroupRule": "Allow"}),
        ("verifiedPublisher", {"displayName": None, "verifiedPublisherId": None, "addedDateTime": None}),
    ),
    notes=(
        "Restoring from deleted items keeps id and appId but not the service principal, which is restored "
        "separately [DI3]. A recreate gets a new appId: every reference by appId (service principal, CA "
        "applications, other apps' requiredResourceAccess, identifierUris like api://{appId}) is remapped. "
        "appRoles[].id and api.oauth2PermissionScopes[].id are client-chosen GUIDs and are kept so that "
        "assignments and grants stay valid; removing a role needs isEnabled false first [A6]. Secrets "
        "cannot be restored (new ones must be minted). "
        "https://learn.microsoft.com/en-us/graph/api/resources/application?view=graph-rest-1.0"
    ),
)
