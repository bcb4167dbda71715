"""``empty_seed``: what every real tenant has (organization, policies, built-in strengths, Microsoft's service
principals, a managed identity) and nothing else."""

from __future__ import annotations

import base64
from collections.abc import Iterable
from typing import Any

from entragit.emulator.seed_data.microsoft import (
    AZURE_PORTAL_APP_ID,
    EXCHANGE_APP_ID,
    EXCHANGE_APP_ROLES,
    GRAPH_APP_ID,
    GRAPH_APP_ROLES,
    GRAPH_SCOPES,
    GRAPH_SERVICE_PRINCIPAL_NAMES,
    GUEST_ROLE_GUEST,
    MICROSOFT_TENANT_ID,
    SHAREPOINT_APP_ID,
    SHAREPOINT_APP_ROLES,
)
from entragit.emulator.seed_data.objects import (
    app_role,
    certificate_key,
    make_service_principal,
    permission_scope,
    ts,
    uid,
)
from entragit.emulator.seeds.common import (
    BUILTIN_STRENGTH_MFA,
    BUILTIN_STRENGTH_PASSWORDLESS,
    BUILTIN_STRENGTH_PHISHING_RESISTANT,
    FIRST_PARTY_SP_IDS,
    GRAPH_SP_ID,
    INITIAL_DOMAIN,
    MANAGED_IDENTITY_APP_ID,
    MANAGED_IDENTITY_NAME,
    MANAGED_IDENTITY_SP_ID,
    TENANT_ID,
    TENANT_NAME,
    ZERO_GUID,
    Seed,
)


def _organization(tenant_id: str) -> dict[str, Any]:
    return {
        "id": tenant_id, "deletedDateTime": None, "businessPhones": ["+1 425 555 0100"], "city": "Redmond",
        "country": None, "countryLetterCode": "US", "createdDateTime": ts(), "defaultUsageLocation": None,
        "displayName": TENANT_NAME, "isMultipleDataLocationsForServicesEnabled": None,
        "marketingNotificationEmails": [], "onPremisesLastSyncDateTime": None, "onPremisesSyncEnabled": None,
        "partnerTenantType": None, "postalCode": "98052", "preferredLanguage": "en", "privacyProfile": None,
        "securityComplianceNotificationMails": [], "securityComplianceNotificationPhones": [], "state": "WA",
        "street": "1 Contoso Way", "technicalNotificationMails": [f"admin@{INITIAL_DOMAIN}"],
        "tenantType": "AAD", "directorySizeQuota": {"used": 0, "total": 300000},
        "assignedPlans": [], "provisionedPlans": [],
        "verifiedDomains": [{"capabilities": "Email, OfficeCommunicationsOnline", "isDefault": True,
                             "isInitial": True, "name": INITIAL_DOMAIN, "type": "Managed"}],
    }


def _authorization_policy() -> dict[str, Any]:
    # The defaults of a new tenant (graph-entra.md §5, Learn authorizationpolicy-get).
    return {
        "id": "authorizationPolicy", "displayName": "Authorization Policy",
        "description": "Used to manage authorization related settings across the company.",
        "allowInvitesFrom": "everyone", "allowedToSignUpEmailBasedSubscriptions": True,
        "allowedToUseSSPR": True, "allowEmailVerifiedUsersToJoinOrganization": False,
        "allowUserConsentForRiskyApps": None, "blockMsolPowerShell": False, "guestUserRoleId": GUEST_ROLE_GUEST,
        "defaultUserRolePermissions": {
            "allowedToCreateApps": True, "allowedToCreateSecurityGroups": True, "allowedToCreateTenants": True,
            "allowedToReadBitlockerKeysForOwnedDevice": True, "allowedToReadOtherUsers": True,
            "permissionGrantPoliciesAssigned": ["ManagePermissionGrantsForSelf.microsoft-user-default-legacy"],
        },
    }


def _all_users(**extra: Any) -> dict[str, Any]:
    return {"targetType": "group", "id": "all_users", "isRegistrationRequired": False, **extra}


def _authentication_methods_policy() -> dict[str, Any]:
    """The policy with every method configuration, as `GET /policies/authenticationMethodsPolicy` returns
    it for a new tenant (Learn authenticationmethodspolicy-get and the per-method resource pages)."""
    none_target = {"targetType": "group", "id": ZERO_GUID}
    all_target = {"targetType": "group", "id": "all_users"}
    g = "#microsoft.graph."
    return {
        "id": "authenticationMethodsPolicy", "displayName": "Authentication Methods Policy",
        "description": "The tenant-wide policy that controls which authentication methods are allowed in the "
                       "tenant, authentication method registration requirements, and self-service password "
                       "reset settings",
        "lastModifiedDateTime": ts(0.01, fraction=True), "policyVersion": "1.5",
        "policyMigrationState": "migrationComplete",
        "registrationEnforcement": {"authenticationMethodsRegistrationCampaign": {
            "snoozeDurationInDays": 1, "state": "default",
            "excludeTargets": [],
            "includeTargets": [{"id": "all_users", "targetType": "group",
                                "targetedAuthenticationMethod": "microsoftAuthenticator"}],
        }},
        "authenticationMethodConfigurations": [
            {"@odata.type": g + "fido2AuthenticationMethodConfiguration", "id": "Fido2", "state": "disabled",
             "isSelfServiceRegistrationAllowed": True, "isAttestationEnforced": True,
             "keyRestrictions": {"isEnforced": False, "enforcementType": "block", "aaGuids": []},
             "includeTargets": [_all_users()], "excludeTargets": []},
            {"@odata.type": g + "microsoftAuthenticatorAuthenticationMethodConfiguration",
             "id": "MicrosoftAuthenticator", "state": "enabled", "isSoftwareOathEnabled": False,
             "featureSettings": {
                 "displayAppInformationRequiredState": {"state": "default", "includeTarget": dict(all_target),
                                                        "excludeTarget": dict(none_target)},
                 "displayLocationInformationRequiredState": {"state": "default",
                                                             "includeTarget": dict(all_target),
                                                             "excludeTarget": dict(none_target)},
             },
             "includeTargets": [_all_users(authenticationMode="any")], "excludeTargets": []},
            {"@odata.type": g + "smsAuthenticationMethodConfiguration", "id": "Sms", "state": "enabled",
             "includeTargets": [_all_users(isUsableForSignIn=True)], "excludeTargets": []},
            {"@odata.type": g + "temporaryAccessPassAuthenticationMethodConfiguration",
             "id": "TemporaryAccessPass", "state": "disabled", "defaultLifetimeInMinutes": 60,
             "defaultLength": 8, "minimumLifetimeInMinutes": 60, "maximumLifetimeInMinutes": 480,
             "isUsableOnce": False, "includeTargets": [_all_users()], "excludeTargets": []},
            {"@odata.type": g + "softwareOathAuthenticationMethodConfiguration", "id": "SoftwareOath",
             "state": "enabled", "includeTargets": [_all_users()], "excludeTargets": []},
            {"@odata.type": g + "voiceAuthenticationMethodConfiguration", "id": "Voice", "state": "disabled",
             "isOfficePhoneAllowed": False, "includeTargets": [], "excludeTargets": []},
            {"@odata.type": g + "emailAuthenticationMethodConfiguration", "id": "Email", "state": "enabled",
             "allowExternalIdToUseEmailOtp": "default", "includeTargets": [], "excludeTargets": []},
            {"@odata.type": g + "x509CertificateAuthenticationMethodConfiguration", "id": "X509Certificate",
             "state": "disabled",
             "certificateUserBindings": [
                 {"x509CertificateField": "PrincipalName", "userProperty": "onPremisesUserPrincipalName",
                  "priority": 1},
                 {"x509CertificateField": "RFC822Name", "userProperty": "userPrincipalName", "priority": 2},
             ],
             "authenticationModeConfiguration": {
                 "x509CertificateAuthenticationDefaultMode": "x509CertificateSingleFactor", "rules": []},
             "includeTargets": [_all_users()], "excludeTargets": []},
        ],
    }


def _builtin_strengths() -> list[dict[str, Any]]:
    # Ids, names, descriptions and combinations as Learn's list example shows them
    # (https://learn.microsoft.com/en-us/graph/api/authenticationstrengthroot-list-policies).
    created = "2021-12-01T00:00:00Z"
    passwordless = ["windowsHelloForBusiness", "fido2", "x509CertificateMultiFactor", "deviceBasedPush"]
    return [
        {"id": BUILTIN_STRENGTH_MFA, "createdDateTime": created, "modifiedDateTime": created,
         "displayName": "Multifactor authentication",
         "description": "Combinations of methods that satisfy strong authentication, such as a password + SMS",
         "policyType": "builtIn", "requirementsSatisfied": "mfa",
         "allowedCombinations": [
             *passwordless, "temporaryAccessPassOneTime", "temporaryAccessPassMultiUse",
             "password,microsoftAuthenticatorPush", "password,softwareOath", "password,hardwareOath",
             "password,x509CertificateSingleFactor", "password,x509CertificateMultiFactor", "password,sms",
             "password,voice", "federatedMultiFactor", "microsoftAuthenticatorPush,federatedSingleFactor",
             "softwareOath,federatedSingleFactor", "hardwareOath,federatedSingleFactor",
             "sms,federatedSingleFactor", "voice,federatedSingleFactor"],
         "combinationConfigurations": []},
        {"id": BUILTIN_STRENGTH_PASSWORDLESS, "createdDateTime": created, "modifiedDateTime": created,
         "displayName": "Passwordless MFA",
         "description": "Passwordless methods that satisfy strong authentication, such as Passwordless sign-in "
                        "with the Microsoft Authenticator",
         "policyType": "builtIn", "requirementsSatisfied": "mfa", "allowedCombinations": passwordless[:],
         "combinationConfigurations": []},
        {"id": BUILTIN_STRENGTH_PHISHING_RESISTANT, "createdDateTime": created, "modifiedDateTime": created,
         "displayName": "Phishing resistant MFA",
         "description": "Phishing resistant, Passwordless methods for the strongest authentication, such as a "
                        "FIDO2 security key",
         "policyType": "builtIn", "requirementsSatisfied": "mfa", "allowedCombinations": passwordless[:3],
         "combinationConfigurations": []},
    ]


def _roles(entries: Iterable[tuple[str, str, str, str]]) -> list[dict[str, Any]]:
    return [app_role(rid, value, name, desc, ("Application",)) for rid, value, name, desc in entries]


def _first_party_service_principals() -> list[dict[str, Any]]:
    ms = MICROSOFT_TENANT_ID
    graph_scopes = [permission_scope(sid, value, aname, adesc, uname, udesc, ctype)
                    for sid, value, ctype, aname, adesc, uname, udesc in GRAPH_SCOPES]
    return [
        make_service_principal(
            id=GRAPH_SP_ID, app_id=GRAPH_APP_ID, display_name="Microsoft Graph", owner_tenant=ms,
            sign_in_audience="AzureADMultipleOrgs", app_roles=_roles(GRAPH_APP_ROLES), scopes=graph_scopes,
            service_principal_names=list(GRAPH_SERVICE_PRINCIPAL_NAMES)),
        make_service_principal(
            id=FIRST_PARTY_SP_IDS[EXCHANGE_APP_ID], app_id=EXCHANGE_APP_ID,
            display_name="Office 365 Exchange Online", owner_tenant=ms, sign_in_audience="AzureADMultipleOrgs",
            app_roles=_roles(EXCHANGE_APP_ROLES),
            service_principal_names=["https://outlook.office365.com/", "https://outlook.office.com",
                                     EXCHANGE_APP_ID, "https://outlook.office365.com"],
            homepage="https://outlook.office365.com/"),
        make_service_principal(
            id=FIRST_PARTY_SP_IDS[SHAREPOINT_APP_ID], app_id=SHAREPOINT_APP_ID,
            display_name="Office 365 SharePoint Online", owner_tenant=ms, sign_in_audience="AzureADMultipleOrgs",
            app_roles=_roles(SHAREPOINT_APP_ROLES),
            service_principal_names=["https://microsoft.sharepoint-df.com", SHAREPOINT_APP_ID,
                                     "https://microsoft.sharepoint.com"]),
        make_service_principal(
            id=FIRST_PARTY_SP_IDS[AZURE_PORTAL_APP_ID], app_id=AZURE_PORTAL_APP_ID, display_name="Azure Portal",
            owner_tenant=ms, sign_in_audience="AzureADMultipleOrgs",
            service_principal_names=[AZURE_PORTAL_APP_ID], homepage="https://portal.azure.com/",
            reply_urls=["https://portal.azure.com/signin/index/", "https://portal.azure.com/"]),
    ]


def _managed_identity() -> dict[str, Any]:
    """A system-assigned managed identity of an Azure Function: no application object in the tenant,
    servicePrincipalType ManagedIdentity, no owner organization."""
    resource = ("/subscriptions/8c56d827-5f07-45ce-8f2b-6c5001db5c6f/resourceGroups/rg-automation/providers/"
                f"Microsoft.Web/sites/{MANAGED_IDENTITY_NAME}")
    thumb = "4f1c0d2b6a3e8f7c9d0e1a2b3c4d5e6f7a8b9c0d"
    return make_service_principal(
        id=MANAGED_IDENTITY_SP_ID, app_id=MANAGED_IDENTITY_APP_ID, display_name=MANAGED_IDENTITY_NAME,
        owner_tenant=None, sp_type="ManagedIdentity", sign_in_audience="AzureADMyOrg",
        alternative_names=["isExplicit=False", resource],
        service_principal_names=[MANAGED_IDENTITY_APP_ID,
                                 "https://identity.azure.net/" + base64.b64encode(bytes.fromhex(thumb)).decode()],
        key_credentials=[{"customKeyIdentifier": thumb.upper(), "displayName": f"CN={MANAGED_IDENTITY_APP_ID}",
                          "endDateTime": ts(1545), "key": certificate_key(MANAGED_IDENTITY_NAME), "keyId": uid("key", MANAGED_IDENTITY_NAME),
                          "startDateTime": ts(1455), "type": "AsymmetricX509Cert", "usage": "Verify"}],
    )


def empty_seed() -> Seed:
    """What every real tenant has and nothing else: organization, authorizationPolicy, the authentication
    methods policy with its method configurations, the three built-in authentication strengths, Microsoft
    first-party service principals (Microsoft Graph, Exchange Online, SharePoint Online, Azure Portal) and a
    managed identity."""
    seed: Seed = {
        "tenantId": TENANT_ID,
        "organization": _organization(TENANT_ID),
        "authorizationPolicy": _authorization_policy(),
        "authenticationMethodsPolicy": _authentication_methods_policy(),
        "authenticationStrengthPolicies": _builtin_strengths(),
        "namedLocations": [], "conditionalAccessPolicies": [], "users": [], "groups": [], "applications": [],
        "servicePrincipals": [*_first_party_service_principals(), _managed_identity()],
        "appRoleAssignments": [], "oauth2PermissionGrants": [], "directoryExtensions": [],
        "devices": [], "contacts": [], "directoryRoles": [], "administrativeUnits": [],
    }
    update_quota(seed)
    return seed


def update_quota(seed: Seed) -> None:
    used = sum(len(seed[k]) for k in ("users", "groups", "applications", "servicePrincipals"))
    seed["organization"]["directorySizeQuota"]["used"] = used

