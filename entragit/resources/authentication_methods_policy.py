"""authenticationMethodsPolicy: the tenant's authentication methods policy (singleton), stored with its
method configurations.

Sources (Microsoft Learn, v1.0):
- resource: https://learn.microsoft.com/en-us/graph/api/resources/authenticationmethodspolicy?view=graph-rest-1.0 [M1]
- get (configurations returned inline; no query parameters):
  https://learn.microsoft.com/en-us/graph/api/authenticationmethodspolicy-get?view=graph-rest-1.0 [M2]
- update (200 with the object): https://learn.microsoft.com/en-us/graph/api/authenticationmethodspolicy-update [M3]
- method configurations: https://learn.microsoft.com/en-us/graph/api/resources/authenticationmethodconfiguration [M4],
  FIDO2 [M5], update with @odata.type [M6], external method (appId) [M7]
- Authenticator feature settings (all-zeros target = none):
  https://learn.microsoft.com/en-us/graph/api/resources/microsoftauthenticatorfeaturesettings?view=graph-rest-1.0
"""

from __future__ import annotations

from entragit.resources._common import INT, OBJ, RO, STR, ZERO_ID
from entragit.resources.base import DeleteKind, Link, LinkKind, Prop, Ref, ResourceType

ALL_USERS = "all_users"
_TARGETS = ("groups", "users")  # targetType group (or user for some campaigns)
_SPECIALS = frozenset({ALL_USERS, ZERO_ID})

_CAMPAIGN = "registrationEnforcement.authenticationMethodsRegistrationCampaign"

PROPS: tuple[Prop, ...] = (
    Prop("id", RO, json_type=STR, note='always "authenticationMethodsPolicy"'),
    Prop("displayName", RO, json_type=STR, note="read-only [M1]"),
    Prop("description", RO, json_type=STR, note="read-only [M1]"),
    Prop("lastModifiedDateTime", RO, json_type=STR),
    Prop("policyVersion", RO, json_type=STR),
    Prop("registrationEnforcement", json_type=OBJ, note="the Authenticator registration campaign; the update table's only "
                                         "documented property [M3]"),
    Prop("policyMigrationState", json_type=STR,
         note="preMigration | migrationInProgress | migrationComplete; returned by GET [M2], writability "
              "UNCONFIRMED on Learn (the portal's migration control writes it)"),
    Prop("reconfirmationInDays", json_type=INT, note="in the v1.0 model (msgraph-sdk); writability UNCONFIRMED"),
    # beta only: absent from Graph's v1.0 metadata (msgraph-sdk's v1.0 models, graph-entra.md "Beta-only
    # properties"): never PATCHed on v1.0 (Graph refuses an unknown property), kept if a read returns them
    Prop("systemCredentialPreferences", RO, json_type=OBJ, select=False, note="beta only: never written on v1.0"),
    Prop("reportSuspiciousActivitySettings", RO, json_type=OBJ, select=False,
         note="beta only: never written on v1.0"),
)

_FEATURES = ("displayAppInformationRequiredState", "displayLocationInformationRequiredState",
             "companionAppAllowedState", "numberMatchingRequiredState")

_CONFIG_REFS: tuple[Ref, ...] = (
    Ref("includeTargets[].id", _TARGETS, specials=_SPECIALS),
    Ref("excludeTargets[].id", _TARGETS, specials=_SPECIALS),
    *(
        Ref(f"featureSettings.{feature}.{side}.id", _TARGETS, specials=_SPECIALS)
        for feature in _FEATURES
        for side in ("includeTarget", "excludeTarget")
    ),
    # externalAuthenticationMethodConfiguration: the external provider's app [M7]
    Ref("appId", ("applications", "servicePrincipals"), by="appId"),
)

METHOD_CONFIGURATIONS = Link(
    name="authenticationMethodConfigurations",
    kind=LinkKind.OBJECTS,
    read="policies/authenticationMethodsPolicy/authenticationMethodConfigurations",
    add="POST policies/authenticationMethodsPolicy/authenticationMethodConfigurations",
    update="PATCH policies/authenticationMethodsPolicy/authenticationMethodConfigurations/{ref}",
    remove="DELETE policies/authenticationMethodsPolicy/authenticationMethodConfigurations/{ref}",
    key=("id",),
    refs=_CONFIG_REFS,
    unordered=("includeTargets", "excludeTargets", "keyRestrictions.aaGuids", "passkeyProfiles"),
    sort_by=("id",),
    inline=True,
    requires_odata_type=True,
    note="returned inline by GET policies/authenticationMethodsPolicy [M2] (no separate read needed). ids: "
         "Fido2, MicrosoftAuthenticator, Sms, Voice, Email, TemporaryAccessPass, HardwareOath, SoftwareOath, "
         "X509Certificate, QRCodePin, plus external methods (GUIDs). Every PATCH carries @odata.type [M6]. "
         "DELETE of a built-in method reverts it to its default [M5]; only external methods are created "
         "(POST, UNCONFIRMED on Learn) and deleted [M7].",
)

TYPE = ResourceType(
    key="authenticationMethodsPolicy",
    title="authentication methods policy",
    collection="policies/authenticationMethodsPolicy",
    odata_type="#microsoft.graph.authenticationMethodsPolicy",
    singleton=True,
    display="displayName",
    props=PROPS,
    select_query=False,  # "This method doesn't support any optional query parameters" [M2]
    volatile=frozenset({"lastModifiedDateTime"}),
    unordered=(
        f"{_CAMPAIGN}.includeTargets",
        f"{_CAMPAIGN}.excludeTargets",
        "systemCredentialPreferences.includeTargets",
        "systemCredentialPreferences.excludeTargets",
    ),
    refs=(
        Ref(f"{_CAMPAIGN}.includeTargets[].id", _TARGETS, specials=_SPECIALS),
        Ref(f"{_CAMPAIGN}.excludeTargets[].id", _TARGETS, specials=_SPECIALS),
        Ref("systemCredentialPreferences.includeTargets[].id", _TARGETS, specials=_SPECIALS),
        Ref("systemCredentialPreferences.excludeTargets[].id", _TARGETS, specials=_SPECIALS),
        Ref("reportSuspiciousActivitySettings.includeTarget.id", _TARGETS, specials=_SPECIALS),
    ),
    links=(METHOD_CONFIGURATIONS,),
    delta=False,
    delete=DeleteKind.NONE,
    order=91,
    notes=(
        "A singleton that always exists (id authenticationMethodsPolicy); PATCH answers 200 with the object, "
        "not 204. Targets are group ids or the literal all_users; in Authenticator feature settings the "
        "all-zeros id means no group. Not available in China (21Vianet). "
        "https://learn.microsoft.com/en-us/graph/api/resources/authenticationmethodspolicy?view=graph-rest-1.0"
    ),
)
