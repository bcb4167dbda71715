"""Seed tenants for the emulator: the data every test, the demo and the benchmarks run on.

A *seed* is a plain dict in the agreed format (see the team brief), holding full Graph JSON objects as
Graph returns them, read-only properties included::

    {"tenantId", "organization", "authorizationPolicy", "authenticationMethodsPolicy",
     "authenticationStrengthPolicies", "namedLocations", "conditionalAccessPolicies",
     "users" (+ "manager"), "groups" (+ "members", "owners"), "applications" (+ "owners",
     "federatedIdentityCredentials"), "servicePrincipals" (+ "owners"), "appRoleAssignments",
     "oauth2PermissionGrants", "directoryExtensions"}

- :func:`empty_seed` what every real tenant has and nothing else;
- :func:`demo_seed` the small "Contoso" tenant a user can explore (facts in :data:`DEMO_FACTS`);
- :func:`scale_seed` a deterministic generator for benchmarks (100k users in a few seconds);
- :func:`load_seed_file` / :func:`get_seed` seeds from JSON/YAML files and by name;
- :func:`check_seed` the consistency checker (every reference resolves, ids unique).

Every seed is deterministic: ids are uuid5 of a fixed namespace and a name (or, in the scale generator,
GUID-shaped counters), timestamps are fixed, so the same call always yields the same tenant. Each call
returns fresh dicts: callers (the emulator backend) may mutate them freely.
"""

from __future__ import annotations

import base64
import gc
import json
import random
import uuid
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from entragit.emulator.seed_data.microsoft import (
    AZURE_PORTAL_APP_ID,
    EXCHANGE_APP_ID,
    EXCHANGE_APP_ROLES,
    GRAPH_APP_ID,
    GRAPH_APP_ROLES,
    GRAPH_SCOPES,
    GRAPH_SERVICE_PRINCIPAL_NAMES,
    GUEST_ROLE_GUEST,
    GUEST_ROLE_RESTRICTED,
    MICROSOFT_TENANT_ID,
    ROLE_CONDITIONAL_ACCESS_ADMINISTRATOR,
    ROLE_GLOBAL_ADMINISTRATOR,
    ROLE_PRIVILEGED_ROLE_ADMINISTRATOR,
    ROLE_SECURITY_ADMINISTRATOR,
    ROLE_USER_ADMINISTRATOR,
    SHAREPOINT_APP_ID,
    SHAREPOINT_APP_ROLES,
)
from entragit.emulator.seed_data.objects import (
    EXT_ATTR_KEYS,
    NAMESPACE,
    SEED_NOW,
    app_role,
    app_role_assignment,
    ca_policy,
    country_named_location,
    extension_name,
    ip_named_location,
    make_application,
    make_group,
    make_service_principal,
    make_user,
    oauth2_grant,
    password_credential,
    permission_scope,
    service_principal_for,
    ts,
    uid,
)
from entragit.errors import UsageError

Seed = dict[str, Any]

SEED_KEYS: tuple[str, ...] = (
    "tenantId", "organization", "authorizationPolicy", "authenticationMethodsPolicy",
    "authenticationStrengthPolicies", "namedLocations", "conditionalAccessPolicies", "users", "groups",
    "applications", "servicePrincipals", "appRoleAssignments", "oauth2PermissionGrants",
    "directoryExtensions",
)
_LIST_KEYS = SEED_KEYS[4:]
_DICT_KEYS = ("organization", "authorizationPolicy", "authenticationMethodsPolicy")

ZERO_GUID = "00000000-0000-0000-0000-000000000000"
BUILTIN_STRENGTH_MFA = "00000000-0000-0000-0000-000000000002"
BUILTIN_STRENGTH_PASSWORDLESS = "00000000-0000-0000-0000-000000000003"
BUILTIN_STRENGTH_PHISHING_RESISTANT = "00000000-0000-0000-0000-000000000004"

# Values Conditional Access and the authentication methods policy accept where an id is expected
# (graph-entra.md "Corrections"); they are never references.
CA_SPECIAL_USERS = frozenset({"All", "None", "GuestsOrExternalUsers"})
CA_SPECIAL_APPLICATIONS = frozenset({"All", "None", "Office365", "MicrosoftAdminPortals"})
CA_SPECIAL_LOCATIONS = frozenset({"All", "AllTrusted", ZERO_GUID})
CA_SPECIAL_SERVICE_PRINCIPALS = frozenset({"ServicePrincipalsInMyTenant"})
METHOD_TARGET_SPECIAL = frozenset({"all_users", ZERO_GUID})

# --------------------------------------------------------------------------------------------------
# empty_seed: what every real tenant has.
# --------------------------------------------------------------------------------------------------

TENANT_NAME = "Contoso"
INITIAL_DOMAIN = "contoso.onmicrosoft.com"
TENANT_ID = uid("tenant", INITIAL_DOMAIN)

MANAGED_IDENTITY_NAME = "contoso-automation-func"
MANAGED_IDENTITY_SP_ID = uid("sp", "managed-identity", MANAGED_IDENTITY_NAME)
MANAGED_IDENTITY_APP_ID = uid("appId", "managed-identity", MANAGED_IDENTITY_NAME)

FIRST_PARTY_SP_IDS = {
    GRAPH_APP_ID: uid("sp", "first-party", GRAPH_APP_ID),
    EXCHANGE_APP_ID: uid("sp", "first-party", EXCHANGE_APP_ID),
    SHAREPOINT_APP_ID: uid("sp", "first-party", SHAREPOINT_APP_ID),
    AZURE_PORTAL_APP_ID: uid("sp", "first-party", AZURE_PORTAL_APP_ID),
}
GRAPH_SP_ID = FIRST_PARTY_SP_IDS[GRAPH_APP_ID]
GRAPH_ROLE_IDS = {value: rid for rid, value, _, _ in GRAPH_APP_ROLES}
GRAPH_SCOPE_IDS = {value: sid for sid, value, *_ in GRAPH_SCOPES}


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
            "snoozeDurationInDays": 1, "enforceRegistrationAfterAllowedSnoozes": True, "state": "default",
            "excludeTargets": [],
            "includeTargets": [{"id": "all_users", "targetType": "group",
                                "targetedAuthenticationMethod": "microsoftAuthenticator"}],
        }},
        "reportSuspiciousActivitySettings": {"state": "default", "includeTarget": dict(all_target),
                                             "voiceReportingCode": 0},
        "systemCredentialPreferences": {"state": "default", "excludeTargets": [],
                                        "includeTargets": [dict(all_target)]},
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
            {"@odata.type": g + "hardwareOathAuthenticationMethodConfiguration", "id": "HardwareOath",
             "state": "disabled", "includeTargets": [], "excludeTargets": []},
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
            service_principal_names=list(GRAPH_SERVICE_PRINCIPAL_NAMES), publisher_name="Microsoft Services"),
        make_service_principal(
            id=FIRST_PARTY_SP_IDS[EXCHANGE_APP_ID], app_id=EXCHANGE_APP_ID,
            display_name="Office 365 Exchange Online", owner_tenant=ms, sign_in_audience="AzureADMultipleOrgs",
            app_roles=_roles(EXCHANGE_APP_ROLES), publisher_name="Microsoft Services",
            service_principal_names=["https://outlook.office365.com/", "https://outlook.office.com",
                                     EXCHANGE_APP_ID, "https://outlook.office365.com"],
            homepage="https://outlook.office365.com/"),
        make_service_principal(
            id=FIRST_PARTY_SP_IDS[SHAREPOINT_APP_ID], app_id=SHAREPOINT_APP_ID,
            display_name="Office 365 SharePoint Online", owner_tenant=ms, sign_in_audience="AzureADMultipleOrgs",
            app_roles=_roles(SHAREPOINT_APP_ROLES), publisher_name="Microsoft Services",
            service_principal_names=["https://microsoft.sharepoint-df.com", SHAREPOINT_APP_ID,
                                     "https://microsoft.sharepoint.com"]),
        make_service_principal(
            id=FIRST_PARTY_SP_IDS[AZURE_PORTAL_APP_ID], app_id=AZURE_PORTAL_APP_ID, display_name="Azure Portal",
            owner_tenant=ms, sign_in_audience="AzureADMultipleOrgs", publisher_name="Microsoft Services",
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
                          "endDateTime": ts(1545), "key": None, "keyId": uid("key", MANAGED_IDENTITY_NAME),
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
    }
    _update_quota(seed)
    return seed


def _update_quota(seed: Seed) -> None:
    used = sum(len(seed[k]) for k in ("users", "groups", "applications", "servicePrincipals"))
    seed["organization"]["directorySizeQuota"]["used"] = used


# --------------------------------------------------------------------------------------------------
# demo_seed: the small "Contoso" tenant.
# --------------------------------------------------------------------------------------------------

DOMAIN = "contoso.com"
AD_DOMAIN = "corp.contoso.com"
AD_DOMAIN_SID = "S-1-5-21-1004336348-1177238915-682003330"

# site: (city, state, country, street, postalCode, usageLocation, phone prefix, office prefix)
_SITES = {
    "RED": ("Redmond", "WA", "United States", "1 Contoso Way", "98052", "US", "+1 425 555 0", "18/"),
    "AMS": ("Amsterdam", None, "Netherlands", "Herengracht 100", "1015 BS", "NL", "+31 20 555 0", "AMS-"),
    "MUC": ("Munich", "Bavaria", "Germany", "Werkstrasse 12", "80331", "DE", "+49 89 555 0", "Plant "),
}

# alias, given name, surname, department, job title, manager alias, site, synced from on-premises
_PEOPLE: tuple[tuple[str, str, str, str, str, str | None, str, bool], ...] = (
    ("MeganB", "Megan", "Bowen", "Executive", "Chief Executive Officer", None, "RED", False),
    ("GradyA", "Grady", "Archie", "Finance", "Chief Financial Officer", "MeganB", "RED", False),
    ("LidiaH", "Lidia", "Holloway", "Human Resources", "HR Director", "MeganB", "RED", False),
    ("PattiF", "Patti", "Fernandez", "IT", "Director of IT", "MeganB", "RED", False),
    ("AlexW", "Alex", "Wilber", "Engineering", "VP Engineering", "MeganB", "RED", False),
    ("DiegoS", "Diego", "Siciliani", "Sales", "VP Sales", "MeganB", "RED", False),
    ("MiriamG", "Miriam", "Graham", "Marketing", "Director of Marketing", "MeganB", "RED", False),
    ("NestorW", "Nestor", "Wilke", "Operations", "Director of Operations", "MeganB", "MUC", False),
    ("LeeG", "Lee", "Gu", "Legal", "General Counsel", "MeganB", "RED", False),
    ("JohannaL", "Johanna", "Lorenz", "Customer Support", "Support Manager", "NestorW", "AMS", False),
    ("IsaiahL", "Isaiah", "Langer", "Finance", "Senior Accountant", "GradyA", "RED", False),
    ("JoniS", "Joni", "Sherman", "Finance", "Financial Analyst", "GradyA", "RED", False),
    ("RaulR", "Raul", "Razo", "Finance", "Accounts Payable Specialist", "GradyA", "AMS", False),
    ("CameronW", "Cameron", "White", "Finance", "Payroll Specialist", "GradyA", "RED", False),
    ("ChristieC", "Christie", "Cline", "Human Resources", "HR Business Partner", "LidiaH", "RED", False),
    ("EmilyB", "Emily", "Braun", "Human Resources", "Recruiter", "LidiaH", "AMS", False),
    ("BiancaP", "Bianca", "Pisani", "Human Resources", "HR Generalist", "LidiaH", "MUC", False),
    ("IrvinS", "Irvin", "Sayers", "IT", "Identity Engineer", "PattiF", "RED", False),
    ("PradeepG", "Pradeep", "Gupta", "IT", "Security Engineer", "PattiF", "RED", False),
    ("HenriettaM", "Henrietta", "Mueller", "IT", "Systems Administrator", "PattiF", "MUC", False),
    ("EnricoC", "Enrico", "Cattaneo", "IT", "Helpdesk Technician", "PattiF", "AMS", False),
    ("AllanD", "Allan", "Deyoung", "Engineering", "Principal Engineer", "AlexW", "RED", False),
    ("DebraB", "Debra", "Berger", "Engineering", "Software Engineer", "AlexW", "RED", False),
    ("LynneR", "Lynne", "Robbins", "Engineering", "Software Engineer", "AllanD", "RED", False),
    ("NiamhM", "Niamh", "Murphy", "Engineering", "QA Engineer", "AllanD", "AMS", False),
    ("KarimH", "Karim", "Haddad", "Engineering", "DevOps Engineer", "AlexW", "AMS", False),
    ("SofiaR", "Sofia", "Rossi", "Engineering", "Data Engineer", "AlexW", "AMS", False),
    ("TomasN", "Tomas", "Novak", "Engineering", "Software Engineer", "AllanD", "MUC", False),
    ("BrianJ", "Brian", "Johnson", "Sales", "Account Executive", "DiegoS", "RED", False),
    ("ElenaG", "Elena", "Garcia", "Sales", "Account Executive", "DiegoS", "AMS", False),
    ("OwenP", "Owen", "Price", "Sales", "Sales Development Representative", "DiegoS", "RED", False),
    ("HannahK", "Hannah", "Kim", "Sales", "Sales Operations Analyst", "DiegoS", "RED", False),
    ("MateoL", "Mateo", "Lopez", "Sales", "Account Executive", "DiegoS", "MUC", False),
    ("AdeleV", "Adele", "Vance", "Marketing", "Product Marketing Manager", "MiriamG", "RED", False),
    ("AvaT", "Ava", "Thompson", "Marketing", "Content Strategist", "MiriamG", "AMS", False),
    ("NoahB", "Noah", "Brooks", "Marketing", "Marketing Coordinator", "MiriamG", "RED", False),
    ("GraceL", "Grace", "Liu", "Legal", "Paralegal", "LeeG", "RED", False),
    ("SamuelO", "Samuel", "Okafor", "Customer Support", "Support Engineer", "JohannaL", "AMS", False),
    ("LauraM", "Laura", "Martin", "Customer Support", "Support Engineer", "JohannaL", "AMS", False),
    ("DanielF", "Daniel", "Fischer", "Customer Support", "Support Engineer", "JohannaL", "MUC", False),
    ("FatimaA", "Fatima", "Al-Sayed", "Operations", "Operations Analyst", "NestorW", "MUC", False),
    ("LucasB", "Lucas", "Bernard", "Operations", "Facilities Coordinator", "NestorW", "MUC", False),
    # Synced from on-premises Active Directory (corp.contoso.com), mastered there.
    ("TomH", "Tom", "Hoffmann", "Operations", "Plant Manager", None, "MUC", True),
    ("SaraD", "Sara", "Davis", "Operations", "Shift Supervisor", "TomH", "MUC", True),
    ("KenjiS", "Kenji", "Sato", "Operations", "Maintenance Technician", "SaraD", "MUC", True),
    ("OlgaP", "Olga", "Petrova", "Operations", "Quality Inspector", "SaraD", "MUC", True),
    ("RahulM", "Rahul", "Mehta", "Operations", "Logistics Coordinator", "TomH", "MUC", True),
    ("AnaC", "Ana", "Costa", "Operations", "Production Planner", "TomH", "MUC", True),
)
_DISABLED = frozenset({"DanielF"})  # a leaver: account disabled, still in groups
_COST_CENTERS = {"Finance": ("Corporate", "CC-1010"), "Sales": ("Commercial", "CC-2040"),
                 "Engineering": ("Product", "CC-3020"), "Marketing": ("Commercial", "CC-2070"),
                 "Operations": ("Manufacturing", "CC-5001")}

BREAK_GLASS_UPN = f"breakglass@{INITIAL_DOMAIN}"
GUEST_UPN = f"jordan.miller_fabrikam.com#EXT#@{INITIAL_DOMAIN}"


def _upn(alias: str) -> str:
    return f"{alias}@{DOMAIN}"


_EXTENSION_APP = "Contoso Directory Extensions"
_HR_APP, _EXP_API, _EXP_MOBILE, _BACKUP_APP = (
    "Contoso HR Portal", "Contoso Expenses API", "Contoso Expenses Mobile", "Contoso Backup Automation")
_APPS = (_HR_APP, _EXP_API, _EXP_MOBILE, _BACKUP_APP, _EXTENSION_APP)

_HQ, _GSA_EGRESS, _BLOCKED, _TRAVEL = (
    "Contoso HQ", "Global Secure Access egress", "Blocked countries", "Allowed travel countries")
_STRENGTH_FIDO, _STRENGTH_NO_SMS = ("Contoso Phishing-resistant (FIDO2 keys)", "Contoso MFA without SMS")

_GSA_POLICY = "Allow GSA Traffic only"
_CA_MFA = "CA001: Require MFA for all users"
_CA_COUNTRIES = "CA002: Block access from blocked countries"
_CA_ADMINS = "CA003: Require phishing-resistant MFA for admins"
_CA_HR = "CA004: Require MFA without SMS for HR Portal"
_CA_LEGACY = "CA005: Block legacy authentication"
_CA_DEVICES = "CA006: Require compliant device for Finance (pilot)"
_CA_PORTALS = "CA007: Admin portals sign-in frequency"
_CA_GUESTS = "CA008: Require MFA for guests"
_CA_POLICIES = (_GSA_POLICY, _CA_MFA, _CA_COUNTRIES, _CA_ADMINS, _CA_HR, _CA_LEGACY, _CA_DEVICES, _CA_PORTALS,
                _CA_GUESTS)


def _ids(kind: str, names: Iterable[str]) -> dict[str, str]:
    return {n: uid(kind, n) for n in names}


@dataclass(frozen=True)
class DemoFacts:
    """What other tests can rely on in :func:`demo_seed` (names, UPNs and their deterministic ids)."""

    tenant_id: str
    domain: str
    initial_domain: str
    user_count: int
    group_count: int
    break_glass_upn: str
    break_glass_id: str
    guest_upn: str
    disabled_user_upn: str
    synced_user_upns: tuple[str, ...]
    cloud_user_upn: str  # a plain cloud user (job title changes etc.)
    user_ids: Mapping[str, str]  # UPN -> id
    m365_groups: tuple[str, ...]
    security_groups: tuple[str, ...]  # cloud security groups (assigned membership)
    dynamic_group: str
    dynamic_group_rule: str
    synced_group: str
    role_assignable_group: str
    mail_enabled_security_group: str
    distribution_group: str
    sp_member_group: str  # security group with service principal members
    sp_member_apps: tuple[str, ...]  # applications whose SPs are members of it (plus the managed identity)
    synced_user_cloud_group: str  # cloud security group that has synced users as members
    nested_group: tuple[str, str]  # (parent, child) group nesting
    group_ids: Mapping[str, str]  # displayName -> id
    applications: tuple[str, ...]
    app_ids: Mapping[str, str]  # displayName -> appId
    application_object_ids: Mapping[str, str]  # displayName -> application object id
    service_principal_ids: Mapping[str, str]  # displayName -> SP object id (own apps and first-party)
    fic_application: str  # application with a GitHub Actions federated identity credential
    api_application: str  # application with identifierUris api://<appId> and scopes
    managed_identity: str
    graph_sp_id: str
    ca_policies: tuple[str, ...]
    ca_policy_ids: Mapping[str, str]
    gsa_policy: str
    report_only_policy: str
    disabled_policy: str
    strength_policy: tuple[str, ...]  # CA policies using a custom authentication strength
    named_locations: tuple[str, ...]
    named_location_ids: Mapping[str, str]
    trusted_ip_location: str
    detachable_ip_location: str  # untrusted IP location referenced by exactly one CA policy (the GSA one)
    country_location: str
    custom_strengths: tuple[str, ...]
    strength_ids: Mapping[str, str]
    extension_attribute: str  # extension_<appId>_costCenter
    extension_application: str


_SECURITY = "security"
# Groups: name, kind (see make_group), mailNickname, description, owners (aliases), members: aliases,
# "group:<name>", "sp:<application name>", "mi:<managed identity>", "*employees" (licensed members),
# "*dept:<department>", "*synced" (users synced from AD).
_GROUPS: tuple[tuple[str, str, str, str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("All Company", "m365", "allcompany", "Everyone at Contoso.", ("MeganB", "PattiF"), ("*employees",)),
    ("Sales Team", "m365", "salesteam", "Sales team collaboration.", ("DiegoS",), ("*dept:Sales",)),
    ("Marketing Team", "m365", "marketingteam", "Marketing campaigns and content.", ("MiriamG",),
     ("*dept:Marketing", "DiegoS")),
    ("Engineering", _SECURITY, "engineering", "Engineering staff.", ("AlexW",), ("*dept:Engineering",)),
    ("Finance", _SECURITY, "finance", "Finance staff.", ("GradyA",), ("*dept:Finance",)),
    ("Human Resources", _SECURITY, "hr", "HR staff.", ("LidiaH",), ("*dept:Human Resources",)),
    ("IT Department", _SECURITY, "itdept", "IT staff.", ("PattiF",), ("*dept:IT",)),
    ("Operations Team", _SECURITY, "operations", "Operations, including plant leads synced from AD.",
     ("NestorW",), ("NestorW", "FatimaA", "LucasB", "TomH", "SaraD")),
    ("Sales Department (Dynamic)", "dynamic", "salesdynamic", "Everyone whose department is Sales.", (),
     ("*dept:Sales",)),
    ("Plant Floor Staff", "synced", "PlantFloorStaff", "Plant floor employees (synced from corp.contoso.com).",
     (), ("*synced",)),
    ("Privileged Admins", "role-assignable", "privilegedadmins", "Role-assignable group for directory admins.",
     ("PattiF",), ("PattiF", "IrvinS", "PradeepG")),
    ("Security Alerts", "mail-security", "securityalerts", "Receives security alert mail.", (),
     ("PradeepG", "IrvinS", "PattiF")),
    ("Contoso Announcements", "distribution", "announcements", "Company-wide announcements.", (),
     ("MeganB", "GradyA", "LidiaH", "PattiF", "AlexW", "DiegoS", "MiriamG", "NestorW", "LeeG")),
    ("Automation Service Accounts", _SECURITY, "automation", "Workload identities used by automation.",
     ("IrvinS",), ("sp:" + _BACKUP_APP, "mi:" + MANAGED_IDENTITY_NAME, "HenriettaM")),
    ("HR Portal Users", _SECURITY, "hrportalusers", "Users of the HR Portal.", ("LidiaH",),
     ("group:Human Resources", "group:Finance", "MeganB")),
    ("Global Secure Access Users", _SECURITY, "gsausers", "Users whose traffic goes through Global Secure "
     "Access.", ("PattiF",), ("group:IT Department", "*dept:Engineering")),
)

_APP_IDS = _ids("appId", _APPS)

DEMO_FACTS = DemoFacts(
    tenant_id=TENANT_ID, domain=DOMAIN, initial_domain=INITIAL_DOMAIN,
    user_count=len(_PEOPLE) + 2, group_count=len(_GROUPS),
    break_glass_upn=BREAK_GLASS_UPN, break_glass_id=uid("user", "breakglass"), guest_upn=GUEST_UPN,
    disabled_user_upn=_upn("DanielF"),
    synced_user_upns=tuple(_upn(p[0]) for p in _PEOPLE if p[7]),
    cloud_user_upn=_upn("AdeleV"),
    user_ids={**{_upn(p[0]): uid("user", p[0]) for p in _PEOPLE},
              BREAK_GLASS_UPN: uid("user", "breakglass"), GUEST_UPN: uid("user", "guest-jordan")},
    m365_groups=("All Company", "Sales Team", "Marketing Team"),
    security_groups=("Engineering", "Finance", "Human Resources", "IT Department", "Operations Team",
                     "Automation Service Accounts", "HR Portal Users", "Global Secure Access Users"),
    dynamic_group="Sales Department (Dynamic)", dynamic_group_rule='(user.department -eq "Sales")',
    synced_group="Plant Floor Staff", role_assignable_group="Privileged Admins",
    mail_enabled_security_group="Security Alerts", distribution_group="Contoso Announcements",
    sp_member_group="Automation Service Accounts", sp_member_apps=(_BACKUP_APP,),
    synced_user_cloud_group="Operations Team", nested_group=("Global Secure Access Users", "IT Department"),
    group_ids={g[0]: uid("group", g[0]) for g in _GROUPS},
    applications=_APPS, app_ids=_APP_IDS, application_object_ids=_ids("app", _APPS),
    service_principal_ids={**_ids("sp", _APPS), "Microsoft Graph": GRAPH_SP_ID,
                           MANAGED_IDENTITY_NAME: MANAGED_IDENTITY_SP_ID},
    fic_application=_BACKUP_APP, api_application=_EXP_API, managed_identity=MANAGED_IDENTITY_NAME,
    graph_sp_id=GRAPH_SP_ID,
    ca_policies=_CA_POLICIES, ca_policy_ids=_ids("ca", _CA_POLICIES), gsa_policy=_GSA_POLICY,
    report_only_policy=_CA_LEGACY, disabled_policy=_CA_DEVICES, strength_policy=(_CA_ADMINS, _CA_HR),
    named_locations=(_HQ, _GSA_EGRESS, _BLOCKED, _TRAVEL),
    named_location_ids=_ids("location", (_HQ, _GSA_EGRESS, _BLOCKED, _TRAVEL)),
    trusted_ip_location=_HQ, detachable_ip_location=_GSA_EGRESS, country_location=_BLOCKED,
    custom_strengths=(_STRENGTH_FIDO, _STRENGTH_NO_SMS),
    strength_ids=_ids("strength", (_STRENGTH_FIDO, _STRENGTH_NO_SMS)),
    extension_attribute=extension_name(_APP_IDS[_EXTENSION_APP], "costCenter"),
    extension_application=_EXTENSION_APP,
)



def _demo_users() -> list[dict[str, Any]]:
    users: list[dict[str, Any]] = []
    ext = DEMO_FACTS.extension_attribute
    for i, (alias, given, surname, dept, title, manager, site, synced) in enumerate(_PEOPLE):
        city, state, country, street, postal, usage, phone, office = _SITES[site]
        org = _COST_CENTERS.get(dept)
        user = make_user(
            id=uid("user", alias), upn=_upn(alias), display_name=f"{given} {surname}", given_name=given,
            surname=surname, mail_nickname=alias, mail=_upn(alias), created=ts(30 + i * 7.37),
            account_enabled=alias not in _DISABLED, job_title=title, department=dept,
            office_location=f"{office}{100 + i * 3}", business_phones=[f"{phone}{100 + i}"],
            mobile_phone=f"{phone}{600 + i}" if i % 3 == 0 else None, usage_location=usage, city=city,
            state=state, country=country, street_address=street, postal_code=postal,
            employee_id=str(100200 + i), employee_hire_date=ts(-400 + i * 29),
            employee_org_data={"division": org[0], "costCenter": org[1]} if org else None,
            manager=uid("user", manager) if manager else None,
            preferred_language={"AMS": "nl-NL", "MUC": "de-DE"}.get(site, "en-US"),
        )
        if org and not synced:
            user[ext] = org[1]
        if synced:
            _mark_synced_user(user, alias, i)
        users.append(user)
    # The emergency-access account: cloud-only, on the initial domain, no licence, no manager.
    users.insert(0, make_user(
        id=DEMO_FACTS.break_glass_id, upn=BREAK_GLASS_UPN, display_name="Break Glass Admin",
        mail_nickname="breakglass", created=ts(0.2), company_name=None, usage_location=None,
        employee_type=None, licensed=False, password_policies="DisablePasswordExpiration"))
    guest = make_user(
        id=uid("user", "guest-jordan"), upn=GUEST_UPN, display_name="Jordan Miller (Fabrikam)",
        given_name="Jordan", surname="Miller", mail_nickname="jordan.miller_fabrikam.com#EXT#",
        mail="jordan.miller@fabrikam.com", created=ts(600), company_name="Fabrikam", user_type="Guest",
        employee_type=None, licensed=False, manager=uid("user", "DiegoS"))
    guest.update({"creationType": "Invitation", "externalUserState": "Accepted",
                  "externalUserStateChangeDateTime": ts(601), "otherMails": ["jordan.miller@fabrikam.com"],
                  "identities": [{"signInType": "federated", "issuer": "ExternalAzureAD",
                                  "issuerAssignedId": None}],
                  "preferredLanguage": None})
    users.append(guest)
    return users


def _mark_synced_user(user: dict[str, Any], alias: str, index: int) -> None:
    """Fill the on-premises attributes Entra Connect writes for a user synced from AD."""
    sam = alias.lower()
    user.update({
        "onPremisesSyncEnabled": True,
        "onPremisesImmutableId": base64.b64encode(uuid.uuid5(NAMESPACE, f"ad/{alias}").bytes_le).decode(),
        "onPremisesSamAccountName": sam, "onPremisesDomainName": AD_DOMAIN,
        "onPremisesUserPrincipalName": user["userPrincipalName"],
        "onPremisesSecurityIdentifier": f"{AD_DOMAIN_SID}-{4100 + index}",
        "onPremisesDistinguishedName": f"CN={user['displayName']},OU=Plant,OU=Users,OU=Contoso,DC=corp,"
                                       "DC=contoso,DC=com",
        "onPremisesLastSyncDateTime": ts(-index / 1440, base=SEED_NOW),
        "onPremisesExtensionAttributes": dict.fromkeys(EXT_ATTR_KEYS) | {
            "extensionAttribute1": "Plant-MUC", "extensionAttribute2": f"Shift {'ABC'[index % 3]}",
            "extensionAttribute10": f"EMP{700100 + index}"},
        "passwordPolicies": "DisablePasswordExpiration", "lastPasswordChangeDateTime": ts(-40 - index,
                                                                                          base=SEED_NOW),
        "companyName": "Contoso Manufacturing GmbH",
    })


def _demo_groups(users: list[dict[str, Any]], sp_ids: Mapping[str, str]) -> list[dict[str, Any]]:
    by_alias = {u["mailNickname"]: u for u in users}
    employees = [u["id"] for u in users if u["userType"] == "Member" and u["assignedLicenses"]]
    groups = []
    for i, (name, kind, nick, desc, owners, spec) in enumerate(_GROUPS):
        members: list[str] = []
        for item in spec:
            if item == "*employees":
                members += employees
            elif item == "*synced":
                members += [u["id"] for u in users if u["onPremisesSyncEnabled"]]
            elif item.startswith("*dept:"):
                members += [u["id"] for u in users if u["department"] == item[6:]]
            elif item.startswith("group:"):
                members.append(uid("group", item[6:]))
            elif item.startswith(("sp:", "mi:")):
                members.append(sp_ids[item[3:]])
            else:
                members.append(by_alias[item]["id"])
        group = make_group(
            id=uid("group", name), display_name=name, mail_nickname=nick, created=ts(20 + i * 11.3), kind=kind,
            description=desc, visibility={"All Company": "Public", "Marketing Team": "Public",
                                          "Privileged Admins": "Private"}.get(name),
            membership_rule=DEMO_FACTS.dynamic_group_rule if kind == "dynamic" else None,
            members=list(dict.fromkeys(members)), owners=[by_alias[a]["id"] for a in owners])
        if kind == "m365":
            group["resourceProvisioningOptions"] = ["Team"]
            group["proxyAddresses"].append(f"smtp:{nick}@{INITIAL_DOMAIN}")
        if kind == "synced":
            group.update({
                "onPremisesSyncEnabled": True, "onPremisesDomainName": AD_DOMAIN, "onPremisesNetBiosName": "CONTOSO",
                "onPremisesSamAccountName": nick, "onPremisesSecurityIdentifier": f"{AD_DOMAIN_SID}-5120",
                "onPremisesLastSyncDateTime": ts(-0.01, base=SEED_NOW),
            })
        groups.append(group)
    return groups


def _graph_access(*, scopes: Iterable[str] = (), roles: Iterable[str] = ()) -> dict[str, Any]:
    return {"resourceAppId": GRAPH_APP_ID,
            "resourceAccess": [{"id": GRAPH_SCOPE_IDS[s], "type": "Scope"} for s in scopes]
            + [{"id": GRAPH_ROLE_IDS[r], "type": "Role"} for r in roles]}


def _demo_applications(user_ids: Mapping[str, str]) -> list[dict[str, Any]]:
    ids, app_ids = DEMO_FACTS.application_object_ids, DEMO_FACTS.app_ids
    api_scope_read, api_scope_write = uid("scope", _EXP_API, "Expenses.Read"), uid("scope", _EXP_API,
                                                                                  "Expenses.Write")
    hr_portal = make_application(
        id=ids[_HR_APP], app_id=app_ids[_HR_APP], display_name=_HR_APP, created=ts(200),
        description="Self-service HR portal for employees.",
        web_redirect_uris=["https://hr.contoso.com/signin-oidc"], home_page="https://hr.contoso.com/",
        logout_url="https://hr.contoso.com/signout-oidc", id_token_issuance=True,
        group_membership_claims="SecurityGroup",
        app_roles=[app_role(uid("approle", _HR_APP, "HR.Admin"), "HR.Admin", "HR Admin", "Full HR access"),
                   app_role(uid("approle", _HR_APP, "HR.Reader"), "HR.Reader", "HR Reader",
                            "Read-only access to HR records")],
        required_resource_access=[_graph_access(scopes=("openid", "profile", "User.Read"))],
        password_credentials=[password_credential(uid("secret", _HR_APP), "hr-portal-prod", "Q~8",
                                                  ts(1380), ts(1380 + 730))],
        owners=[user_ids["LidiaH"], user_ids["PattiF"]])
    expenses_api = make_application(
        id=ids[_EXP_API], app_id=app_ids[_EXP_API], display_name=_EXP_API, created=ts(260),
        description="Backend API of the expenses system.",
        identifier_uris=[f"api://{app_ids[_EXP_API]}"],
        scopes=[permission_scope(api_scope_read, "Expenses.Read", "Read expenses",
                                 "Allows the app to read expense reports on behalf of the signed-in user.",
                                 "Read your expenses", "Allows the app to read your expense reports."),
                permission_scope(api_scope_write, "Expenses.Write", "Submit expenses",
                                 "Allows the app to submit expense reports on behalf of the signed-in user.",
                                 "Submit your expenses", "Allows the app to submit expense reports for you.")],
        pre_authorized=[{"appId": app_ids[_EXP_MOBILE], "delegatedPermissionIds": [api_scope_read]}],
        app_roles=[app_role(uid("approle", _EXP_API, "Expenses.Approver"), "Expenses.Approver",
                            "Expense approver", "Can approve expense reports"),
                   app_role(uid("approle", _EXP_API, "Expenses.ReadAll"), "Expenses.ReadAll",
                            "Read all expenses", "Daemon access to every expense report", ("Application",))],
        required_resource_access=[_graph_access(scopes=("User.Read",))],
        password_credentials=[password_credential(uid("secret", _EXP_API), "ci-deploy", "x7T", ts(1500),
                                                  ts(1500 + 365))],
        owners=[user_ids["AlexW"]])
    expenses_mobile = make_application(
        id=ids[_EXP_MOBILE], app_id=app_ids[_EXP_MOBILE], display_name=_EXP_MOBILE, created=ts(265),
        description="Mobile client of the expenses system.", is_fallback_public_client=True,
        public_client_redirect_uris=["msauth.com.contoso.expenses://auth",
                                     f"ms-appx-web://microsoft.aad.brokerplugin/{app_ids[_EXP_MOBILE]}"],
        required_resource_access=[
            {"resourceAppId": app_ids[_EXP_API], "resourceAccess": [{"id": api_scope_read, "type": "Scope"},
                                                                    {"id": api_scope_write, "type": "Scope"}]},
            _graph_access(scopes=("User.Read", "offline_access")),
        ],
        owners=[user_ids["AlexW"], user_ids["KarimH"]])
    backup = make_application(
        id=ids[_BACKUP_APP], app_id=app_ids[_BACKUP_APP], display_name=_BACKUP_APP, created=ts(900),
        description="Nightly Entra ID configuration backup (GitHub Actions).",
        notes="Runs from github.com/contoso/entra-config; no secrets, federated credential only.",
        required_resource_access=[_graph_access(roles=(
            "Directory.Read.All", "Policy.Read.All", "Application.Read.All", "Group.Read.All", "User.Read.All"))],
        key_credentials=[{
            "customKeyIdentifier": "9A3E55C7D1F0B26E4D8C1A7B3F6E2D9C0B5A4E31", "displayName": "CN=contoso-backup",
            "endDateTime": ts(1600 + 365), "key": None, "keyId": uid("cert", _BACKUP_APP),
            "startDateTime": ts(1600), "type": "AsymmetricX509Cert", "usage": "Verify"}],
        federated_identity_credentials=[{
            "id": uid("fic", _BACKUP_APP, "github-main"), "name": "github-entra-config-main",
            "issuer": "https://token.actions.githubusercontent.com",
            "subject": "repo:contoso/entra-config:ref:refs/heads/main",
            "description": "GitHub Actions nightly backup on main", "audiences": ["api://AzureADTokenExchange"]}],
        owners=[user_ids["IrvinS"]])
    extensions = make_application(
        id=ids[_EXTENSION_APP], app_id=app_ids[_EXTENSION_APP], display_name=_EXTENSION_APP, created=ts(150),
        description="Holds Contoso's directory extension attributes.",
        required_resource_access=[_graph_access(scopes=("User.Read",))], owners=[user_ids["PattiF"]])
    return [hr_portal, expenses_api, expenses_mobile, backup, extensions]


def _demo_locations() -> list[dict[str, Any]]:
    loc = DEMO_FACTS.named_location_ids
    return [
        ip_named_location(id=loc[_HQ], name=_HQ, cidrs=["203.0.113.0/24", "2001:db8:1000::/48"], trusted=True,
                          created=ts(400, fraction=True), modified=ts(1200.3, fraction=True)),
        ip_named_location(id=loc[_GSA_EGRESS], name=_GSA_EGRESS, cidrs=["198.51.100.0/25"], trusted=False,
                          created=ts(1400.5, fraction=True)),
        country_named_location(id=loc[_BLOCKED], name=_BLOCKED, countries=["KP", "IR", "SY", "CU"],
                               created=ts(401.7, fraction=True)),
        country_named_location(id=loc[_TRAVEL], name=_TRAVEL, countries=["US", "CA", "GB", "NL", "DE"],
                               include_unknown=False, lookup="authenticatorAppGps", created=ts(402.2, fraction=True)),
    ]


def _demo_strengths() -> list[dict[str, Any]]:
    sid = DEMO_FACTS.strength_ids
    created = ts(700.4, fraction=True)
    return [
        {"id": sid[_STRENGTH_FIDO], "createdDateTime": created, "modifiedDateTime": created,
         "displayName": _STRENGTH_FIDO, "description": "Only Contoso-issued FIDO2 keys, Windows Hello or smart cards",
         "policyType": "custom", "requirementsSatisfied": "mfa",
         "allowedCombinations": ["windowsHelloForBusiness", "fido2", "x509CertificateMultiFactor"],
         "combinationConfigurations": [{
             "@odata.type": "#microsoft.graph.fido2CombinationConfiguration",
             "id": uid("combination", _STRENGTH_FIDO), "appliesToCombinations": ["fido2"],
             "allowedAAGUIDs": ["cb69481e-8ff7-4039-93ec-0a2729a154a8", "ee882879-721c-4913-9775-3dfcce97072a"]}]},
        {"id": sid[_STRENGTH_NO_SMS], "createdDateTime": created, "modifiedDateTime": ts(820.9, fraction=True),
         "displayName": _STRENGTH_NO_SMS, "description": "Multifactor authentication without SMS or voice",
         "policyType": "custom", "requirementsSatisfied": "mfa",
         "allowedCombinations": ["windowsHelloForBusiness", "fido2", "x509CertificateMultiFactor",
                                 "deviceBasedPush", "temporaryAccessPassOneTime",
                                 "password,microsoftAuthenticatorPush", "password,softwareOath",
                                 "password,hardwareOath"],
         "combinationConfigurations": []},
    ]


def _demo_ca_policies(strengths: Mapping[str, Mapping[str, Any]]) -> list[dict[str, Any]]:
    f = DEMO_FACTS
    bg, pid, loc, grp = [f.break_glass_id], f.ca_policy_ids, f.named_location_ids, f.group_ids
    c = {n: ts(800 + i * 13.1, fraction=True) for i, n in enumerate(_CA_POLICIES)}
    return [
        ca_policy(id=pid[_GSA_POLICY], name=_GSA_POLICY, state="enabled", created=c[_GSA_POLICY],
                  modified=ts(1410.2, fraction=True), include_groups=[grp["Global Secure Access Users"]],
                  exclude_users=bg, include_locations=["All"], exclude_locations=[loc[_GSA_EGRESS]],
                  built_in_controls=["block"]),
        ca_policy(id=pid[_CA_MFA], name=_CA_MFA, state="enabled", created=c[_CA_MFA],
                  include_users=["All"], exclude_users=bg, exclude_groups=[grp["Automation Service Accounts"]],
                  include_locations=["All"], exclude_locations=["AllTrusted", loc[_HQ]], built_in_controls=["mfa"]),
        ca_policy(id=pid[_CA_COUNTRIES], name=_CA_COUNTRIES, state="enabled", created=c[_CA_COUNTRIES],
                  include_users=["All"], exclude_users=bg, include_locations=[loc[_BLOCKED]],
                  built_in_controls=["block"]),
        ca_policy(id=pid[_CA_ADMINS], name=_CA_ADMINS, state="enabled", created=c[_CA_ADMINS],
                  exclude_users=bg, include_groups=[grp["Privileged Admins"]],
                  include_roles=[ROLE_GLOBAL_ADMINISTRATOR, ROLE_PRIVILEGED_ROLE_ADMINISTRATOR,
                                 ROLE_SECURITY_ADMINISTRATOR, ROLE_CONDITIONAL_ACCESS_ADMINISTRATOR],
                  strength=strengths[_STRENGTH_FIDO]),
        ca_policy(id=pid[_CA_HR], name=_CA_HR, state="enabled", created=c[_CA_HR],
                  include_groups=[grp["HR Portal Users"]], exclude_users=bg, include_apps=[f.app_ids[_HR_APP]],
                  strength=strengths[_STRENGTH_NO_SMS]),
        ca_policy(id=pid[_CA_LEGACY], name=_CA_LEGACY, state="enabledForReportingButNotEnforced",
                  created=c[_CA_LEGACY], include_users=["All"], exclude_users=bg,
                  client_app_types=["exchangeActiveSync", "other"], built_in_controls=["block"]),
        ca_policy(id=pid[_CA_DEVICES], name=_CA_DEVICES, state="disabled", created=c[_CA_DEVICES],
                  include_groups=[grp["Finance"]], exclude_users=bg, exclude_apps=[EXCHANGE_APP_ID],
                  platforms={"includePlatforms": ["all"], "excludePlatforms": ["iOS", "android"]},
                  built_in_controls=["compliantDevice", "domainJoinedDevice"]),
        ca_policy(id=pid[_CA_PORTALS], name=_CA_PORTALS, state="enabled", created=c[_CA_PORTALS],
                  include_roles=[ROLE_GLOBAL_ADMINISTRATOR, ROLE_USER_ADMINISTRATOR], exclude_users=bg,
                  include_apps=["MicrosoftAdminPortals"], built_in_controls=["mfa"],
                  session_controls={
                      "applicationEnforcedRestrictions": None, "cloudAppSecurity": None,
                      "disableResilienceDefaults": None,
                      "persistentBrowser": {"mode": "never", "isEnabled": True},
                      "signInFrequency": {"value": 4, "type": "hours",
                                          "authenticationType": "primaryAndSecondaryAuthentication",
                                          "frequencyInterval": "timeBased", "isEnabled": True}}),
        ca_policy(id=pid[_CA_GUESTS], name=_CA_GUESTS, state="enabled", created=c[_CA_GUESTS],
                  include_users=["GuestsOrExternalUsers"], exclude_users=bg, exclude_apps=[AZURE_PORTAL_APP_ID],
                  sign_in_risk=[], built_in_controls=["mfa"]),
    ]


def demo_seed() -> Seed:
    """The demo tenant "Contoso": 50 users (6 synced from AD, a guest, a disabled leaver, the break-glass
    admin), 16 groups of every kind, 5 applications with service principals, 9 CA policies, 4 named
    locations, 2 custom authentication strengths, app role assignments, OAuth2 grants and a directory
    extension. Names and ids other tests can rely on: :data:`DEMO_FACTS`."""
    f = DEMO_FACTS
    seed = empty_seed()
    org = seed["organization"]
    org["verifiedDomains"][0]["isDefault"] = False
    org["verifiedDomains"].append({"capabilities": "Email, OfficeCommunicationsOnline", "isDefault": True,
                                   "isInitial": False, "name": DOMAIN, "type": "Managed"})
    org.update({"onPremisesSyncEnabled": True, "onPremisesLastSyncDateTime": ts(0, base=SEED_NOW),
                "marketingNotificationEmails": [f"marketing@{DOMAIN}"],
                "technicalNotificationMails": [f"it-alerts@{DOMAIN}"],
                "securityComplianceNotificationMails": [f"securityalerts@{DOMAIN}"],
                "securityComplianceNotificationPhones": ["+1 425 555 0100"],
                "privacyProfile": {"contactEmail": f"privacy@{DOMAIN}",
                                   "statementUrl": "https://www.contoso.com/privacy"}})
    seed["authorizationPolicy"].update({
        "allowInvitesFrom": "adminsAndGuestInviters", "blockMsolPowerShell": True,
        "allowUserConsentForRiskyApps": False, "guestUserRoleId": GUEST_ROLE_RESTRICTED})
    seed["authorizationPolicy"]["defaultUserRolePermissions"].update({
        "allowedToCreateApps": False, "allowedToCreateSecurityGroups": False, "allowedToCreateTenants": False,
        "permissionGrantPoliciesAssigned": ["ManagePermissionGrantsForSelf.microsoft-user-default-low"]})
    _demo_methods(seed["authenticationMethodsPolicy"])

    users = _demo_users()
    user_ids = {u["mailNickname"]: u["id"] for u in users}
    apps = _demo_applications(user_ids)
    owners = {_HR_APP: ["LidiaH"], _BACKUP_APP: ["IrvinS"], _EXP_API: ["AlexW"]}
    sps = [service_principal_for(a, id=f.service_principal_ids[a["displayName"]], owner_tenant=TENANT_ID,
                                 owners=[user_ids[o] for o in owners.get(a["displayName"], [])],
                                 app_role_assignment_required=a["displayName"] == _HR_APP)
           for a in apps]
    seed["servicePrincipals"] += sps
    sp_by_name = {sp["displayName"]: sp for sp in seed["servicePrincipals"]}
    groups = _demo_groups(users, {n: sp_by_name[n]["id"] for n in (_BACKUP_APP, MANAGED_IDENTITY_NAME)})
    strengths = _demo_strengths()

    seed.update(users=users, groups=groups, applications=apps, namedLocations=_demo_locations(),
                authenticationStrengthPolicies=seed["authenticationStrengthPolicies"] + strengths)
    seed["conditionalAccessPolicies"] = _demo_ca_policies({s["displayName"]: s for s in strengths})
    seed["appRoleAssignments"] = _demo_assignments(users, groups, sp_by_name)
    seed["oauth2PermissionGrants"] = _demo_grants(user_ids, sp_by_name)
    seed["directoryExtensions"] = [{
        "id": uid("extension", "costCenter"), "deletedDateTime": None, "appDisplayName": _EXTENSION_APP,
        "dataType": "String", "isMultiValued": False, "isSyncedFromOnPremises": False,
        "name": f.extension_attribute, "targetObjects": ["User"]}]
    _update_quota(seed)
    return seed


def _demo_methods(policy: dict[str, Any]) -> None:
    grp = DEMO_FACTS.group_ids
    configs = {c["id"]: c for c in policy["authenticationMethodConfigurations"]}
    configs["Fido2"].update(state="enabled", isAttestationEnforced=False)
    configs["TemporaryAccessPass"].update(
        state="enabled", isUsableOnce=True,
        includeTargets=[{"targetType": "group", "id": grp["IT Department"], "isRegistrationRequired": False}])
    configs["Sms"]["excludeTargets"] = [{"targetType": "group", "id": grp["Privileged Admins"]}]
    configs["Voice"]["excludeTargets"] = [{"targetType": "group", "id": grp["Privileged Admins"]}]
    authenticator = configs["MicrosoftAuthenticator"]["featureSettings"]
    authenticator["displayAppInformationRequiredState"]["state"] = "enabled"
    authenticator["displayLocationInformationRequiredState"].update(
        state="enabled", excludeTarget={"targetType": "group", "id": grp["Plant Floor Staff"]})
    campaign = policy["registrationEnforcement"]["authenticationMethodsRegistrationCampaign"]
    campaign.update(state="enabled", excludeTargets=[{"id": grp["Automation Service Accounts"],
                                                      "targetType": "group"}])
    policy["lastModifiedDateTime"] = ts(1301.25, fraction=True)


def _demo_assignments(users: list[dict[str, Any]], groups: list[dict[str, Any]],
                      sps: Mapping[str, Mapping[str, Any]]) -> list[dict[str, Any]]:
    user = {u["mailNickname"]: u for u in users}
    group = {g["displayName"]: g for g in groups}
    graph, hr, api, backup, mi = (sps["Microsoft Graph"], sps[_HR_APP], sps[_EXP_API], sps[_BACKUP_APP],
                                  sps[MANAGED_IDENTITY_NAME])
    out = [
        app_role_assignment(principal=group["HR Portal Users"], principal_type="Group", resource=hr,
                            app_role_id=uid("approle", _HR_APP, "HR.Reader"), created=ts(210.5, fraction=True)),
        app_role_assignment(principal=user["LidiaH"], principal_type="User", resource=hr,
                            app_role_id=uid("approle", _HR_APP, "HR.Admin"), created=ts(210.6, fraction=True)),
        app_role_assignment(principal=user["TomH"], principal_type="User", resource=hr,
                            app_role_id=uid("approle", _HR_APP, "HR.Reader"), created=ts(211.1, fraction=True)),
        app_role_assignment(principal=group["Finance"], principal_type="Group", resource=api,
                            app_role_id=uid("approle", _EXP_API, "Expenses.Approver"),
                            created=ts(270.2, fraction=True)),
        app_role_assignment(principal=mi, principal_type="ServicePrincipal", resource=api,
                            app_role_id=uid("approle", _EXP_API, "Expenses.ReadAll"),
                            created=ts(1460.3, fraction=True)),
        app_role_assignment(principal=mi, principal_type="ServicePrincipal", resource=graph,
                            app_role_id=GRAPH_ROLE_IDS["Group.Read.All"], created=ts(1460.4, fraction=True)),
    ]
    for i, role in enumerate(("Directory.Read.All", "Policy.Read.All", "Application.Read.All", "Group.Read.All",
                              "User.Read.All")):
        out.append(app_role_assignment(principal=backup, principal_type="ServicePrincipal", resource=graph,
                                       app_role_id=GRAPH_ROLE_IDS[role], created=ts(901 + i / 100, fraction=True)))
    return out


def _demo_grants(user_ids: Mapping[str, str], sps: Mapping[str, Mapping[str, Any]]) -> list[dict[str, Any]]:
    graph, hr, api, mobile = (sps["Microsoft Graph"]["id"], sps[_HR_APP]["id"], sps[_EXP_API]["id"],
                              sps[_EXP_MOBILE]["id"])
    return [
        oauth2_grant(client_id=hr, resource_id=graph, scope="openid profile User.Read"),
        oauth2_grant(client_id=mobile, resource_id=graph, scope="User.Read offline_access"),
        oauth2_grant(client_id=mobile, resource_id=api, scope="Expenses.Read Expenses.Write",
                     principal_id=user_ids["JoniS"]),
        oauth2_grant(client_id=mobile, resource_id=api, scope="Expenses.Read", principal_id=user_ids["IsaiahL"]),
        oauth2_grant(client_id=sps[_EXTENSION_APP]["id"], resource_id=graph, scope="User.Read",
                     principal_id=user_ids["PattiF"]),
    ]


# --------------------------------------------------------------------------------------------------
# scale_seed: a deterministic, fast generator for benchmarks.
# --------------------------------------------------------------------------------------------------

_GIVEN = ("Ada", "Ben", "Cara", "Dev", "Eli", "Fay", "Gus", "Hana", "Ivan", "Jade", "Kai", "Lena", "Milo", "Nora",
          "Omar", "Pia", "Quinn", "Rosa", "Sam", "Tara", "Uma", "Vik", "Wren", "Xena", "Yuri", "Zoe", "Aron",
          "Bea", "Cole", "Dina", "Emil", "Flor")
_SURNAMES = ("Abbott", "Baker", "Chen", "Diaz", "Evans", "Fox", "Gray", "Hill", "Ito", "Jones", "Khan", "Lee",
             "Moss", "Nash", "Ortiz", "Park", "Quist", "Reed", "Shah", "Tran", "Ueda", "Voss", "Wolf", "Xu",
             "Young", "Zhou", "Adler", "Berg", "Cruz", "Dahl", "Engel", "Frey")
_SCALE_DEPARTMENTS = (("Engineering", "Software Engineer"), ("Sales", "Account Executive"),
                      ("Finance", "Financial Analyst"), ("Marketing", "Marketing Specialist"),
                      ("Customer Support", "Support Engineer"), ("Operations", "Operations Analyst"),
                      ("Human Resources", "HR Generalist"), ("IT", "Systems Administrator"))
_KIND_USER, _KIND_GROUP, _KIND_APP, _KIND_APPID, _KIND_SP, _KIND_ROLE = (
    0x5CA1E001, 0x5CA1E002, 0x5CA1E003, 0x5CA1E004, 0x5CA1E005, 0x5CA1E006)


def _scale_prefix(kind: int, random_seed: int) -> str:
    """GUID-shaped ids from counters: `<kind>-<seed>-4<seed>-8000-<counter>` (cheap and unique)."""
    return f"{kind:08x}-{random_seed & 0xFFFF:04x}-4{(random_seed >> 16) & 0xFFF:03x}-8000-"


def scale_seed(users: int = 100_000, groups: int | None = None, members_per_group: int = 20,
               applications: int = 20, random_seed: int = 0, big_group_members: int = 0,
               sp_members_in_big_group: int = 0) -> Seed:
    """A large tenant for benchmarks and completeness tests, built on :func:`empty_seed`.

    ``groups`` defaults to one per 50 users; each group gets ``members_per_group`` users (every tenth
    group is a Microsoft 365 group, the rest are cloud security groups), one owner, and most users get a
    manager. Each application has a service principal, an app role assigned to a group, and an
    AllPrincipals grant on Microsoft Graph. With ``big_group_members`` the first group, "Scale Big Group",
    is a security group with that many user members plus the service principals of the first
    ``sp_members_in_big_group`` applications. Deterministic for a given ``random_seed``.
    """
    if groups is None:
        groups = max(1, users // 50)
    if users < 1 or groups < 0 or members_per_group < 0 or applications < 0:
        raise ValueError("scale_seed: users must be >= 1 and groups, members_per_group, applications >= 0")
    if big_group_members > users:
        raise ValueError(f"scale_seed: big_group_members={big_group_members} exceeds users={users}")
    if sp_members_in_big_group > applications:
        raise ValueError(f"scale_seed: sp_members_in_big_group={sp_members_in_big_group} exceeds "
                         f"applications={applications}")
    if (big_group_members or sp_members_in_big_group) and groups < 1:
        raise ValueError("scale_seed: a big group needs groups >= 1")
    with _gc_paused():
        return _scale_seed(users, groups, members_per_group, applications, random_seed, big_group_members,
                           sp_members_in_big_group)


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while building many dicts: they hold no cycles, and its
    repeated full passes over a growing heap would cost more than the building itself."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _scale_seed(users: int, groups: int, members_per_group: int, applications: int, random_seed: int,
                big_group_members: int, sp_members_in_big_group: int) -> Seed:
    rng = random.Random(random_seed)
    seed = empty_seed()
    org = seed["organization"]
    org["verifiedDomains"][0]["isDefault"] = False
    org["verifiedDomains"].append({"capabilities": "Email, OfficeCommunicationsOnline", "isDefault": True,
                                   "isInitial": False, "name": DOMAIN, "type": "Managed"})

    prefix = _scale_prefix(_KIND_USER, random_seed)
    user_ids = [f"{prefix}{i:012x}" for i in range(users)]
    dates = [ts(i * 0.9) for i in range(1000)]
    given_lower = [g.lower() for g in _GIVEN]
    surname_lower = [s.lower() for s in _SURNAMES]
    ng, ns, nd = len(_GIVEN), len(_SURNAMES), len(_SCALE_DEPARTMENTS)
    user_list = []
    append = user_list.append
    for i, user_id in enumerate(user_ids):
        gi, si = i % ng, (i // ng) % ns
        upn = f"{given_lower[gi]}.{surname_lower[si]}{i}@{DOMAIN}"
        dept, title = _SCALE_DEPARTMENTS[(i * 7 + random_seed) % nd]
        append(make_user(
            id=user_id, upn=upn, display_name=f"{_GIVEN[gi]} {_SURNAMES[si]} {i}", given_name=_GIVEN[gi],
            surname=_SURNAMES[si], mail_nickname=upn.partition("@")[0], mail=upn, created=dates[i % 1000],
            job_title=title, department=dept, employee_id=str(1_000_000 + i),
            manager=user_ids[(i - 1) // 8] if i else None))

    group_prefix = _scale_prefix(_KIND_GROUP, random_seed)
    group_list = []
    for g in range(groups):
        gid = f"{group_prefix}{g:012x}"
        if g == 0 and (big_group_members or sp_members_in_big_group):
            name, kind = "Scale Big Group", "security"
            members = rng.sample(user_ids, big_group_members)
        else:
            name, kind = f"Scale Group {g:05d}", "m365" if g % 10 == 9 else "security"
            start = rng.randrange(users)
            k = min(members_per_group, users)
            members = user_ids[start:start + k]
            if len(members) < k:
                members += user_ids[:k - len(members)]
        group_list.append(make_group(
            id=gid, display_name=name, mail_nickname=f"scalegroup{g}", created=dates[g % 1000], kind=kind,
            members=members, owners=[user_ids[(g * 13) % users]]))

    graph = seed["servicePrincipals"][0]
    app_prefix, appid_prefix, sp_prefix, role_prefix = (
        _scale_prefix(k, random_seed) for k in (_KIND_APP, _KIND_APPID, _KIND_SP, _KIND_ROLE))
    apps, sps, assignments, grants = [], [], [], []
    for j in range(applications):
        name = f"Scale App {j:04d}"
        role_id = f"{role_prefix}{j:012x}"
        app = make_application(
            id=f"{app_prefix}{j:012x}", app_id=f"{appid_prefix}{j:012x}", display_name=name, created=dates[j],
            app_roles=[app_role(role_id, "Scale.Reader", "Scale reader", "Read access")],
            web_redirect_uris=[f"https://app{j}.{DOMAIN}/signin-oidc"],
            required_resource_access=[_graph_access(scopes=("User.Read",))],
            owners=[user_ids[(j * 31) % users]])
        sp = service_principal_for(app, id=f"{sp_prefix}{j:012x}", owner_tenant=TENANT_ID)
        apps.append(app)
        sps.append(sp)
        if group_list:
            assignments.append(app_role_assignment(principal=group_list[j % len(group_list)],
                                                   principal_type="Group", resource=sp, app_role_id=role_id,
                                                   created=dates[j]))
        grants.append(oauth2_grant(client_id=sp["id"], resource_id=graph["id"], scope="User.Read"))
    if group_list and (big_group_members or sp_members_in_big_group):
        group_list[0]["members"] += [sp["id"] for sp in sps[:sp_members_in_big_group]]

    hq = ip_named_location(id=uid("scale-location", "hq"), name="Scale HQ", cidrs=["203.0.113.0/24"], trusted=True,
                           created=ts(10, fraction=True))
    blocked = country_named_location(id=uid("scale-location", "blocked"), name="Scale blocked countries",
                                     countries=["KP", "IR"], created=ts(11, fraction=True))
    excluded = [user_ids[0]]
    policies = [
        ca_policy(id=uid("scale-ca", "mfa"), name="Scale: require MFA", state="enabled", created=ts(12, fraction=True),
                  include_users=["All"], exclude_users=excluded, include_locations=["All"],
                  exclude_locations=["AllTrusted", hq["id"]], built_in_controls=["mfa"]),
        ca_policy(id=uid("scale-ca", "countries"), name="Scale: block countries", state="enabled",
                  created=ts(13, fraction=True), include_users=["All"], exclude_users=excluded,
                  include_locations=[blocked["id"]], built_in_controls=["block"]),
    ]
    if group_list:
        policies.append(ca_policy(
            id=uid("scale-ca", "group"), name="Scale: phishing-resistant MFA for a group", state="disabled",
            created=ts(14, fraction=True), include_groups=[group_list[-1]["id"]], exclude_users=excluded,
            strength=seed["authenticationStrengthPolicies"][2]))

    seed.update(users=user_list, groups=group_list, applications=apps, namedLocations=[hq, blocked],
                conditionalAccessPolicies=policies, appRoleAssignments=assignments, oauth2PermissionGrants=grants)
    seed["servicePrincipals"] += sps
    _update_quota(seed)
    return seed


# --------------------------------------------------------------------------------------------------
# Seeds by name and from files.
# --------------------------------------------------------------------------------------------------

SEED_NAMES = ("demo", "empty", "scale")
_SCALE_ARGS = ("users", "groups", "members_per_group", "applications", "random_seed", "big_group_members",
               "sp_members_in_big_group")


def load_seed_file(path: str | Path) -> Seed:
    """A seed from a JSON (``.json``) or YAML (``.yaml``/``.yml``) file in the seed format.

    Top-level keys the file leaves out are taken from :func:`empty_seed` (so a file may hold just some
    users and groups); the result must pass :func:`check_seed`. Bad input raises
    :class:`~entragit.errors.UsageError` naming the file (and the key or problem).
    """
    path = Path(path)
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot read seed file: {exc.strerror or exc}", file=name) from exc
    suffix = path.suffix.lower()
    try:
        if suffix == ".json":
            data = json.loads(text)
        elif suffix in (".yaml", ".yml"):
            data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        else:
            raise UsageError("unknown seed file type (use .json, .yaml or .yml)", file=name)
    except json.JSONDecodeError as exc:
        raise UsageError(f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}", file=name) from exc
    except yaml.YAMLError as exc:
        raise UsageError(f"not valid YAML: {str(exc).splitlines()[0]}", file=name) from exc
    return seed_from_mapping(data, source=name)


def seed_from_mapping(data: Any, *, source: str = "<seed>") -> Seed:
    """Validate a seed given as a mapping (from a file, or posted to the control plane), filling the
    top-level keys it leaves out from :func:`empty_seed`."""
    if not isinstance(data, dict):
        raise UsageError(f"a seed must be a mapping of {', '.join(SEED_KEYS)}; got {type(data).__name__}",
                         file=source)
    for key in data:
        if key not in SEED_KEYS:
            raise UsageError(f"unknown seed key (expected one of {', '.join(SEED_KEYS)})", file=source, prop=key)
    for key in _DICT_KEYS:
        if key in data and not isinstance(data[key], dict):
            raise UsageError(f"must be an object, got {type(data[key]).__name__}", file=source, prop=key)
    for key in _LIST_KEYS:
        if key in data:
            value = data[key]
            if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
                raise UsageError("must be a list of objects", file=source, prop=key)
    base = empty_seed()
    seed: Seed = {**base, **data}
    if "tenantId" not in data and "organization" in data and data["organization"].get("id"):
        seed["tenantId"] = data["organization"]["id"]
    if "organization" not in data:
        seed["organization"]["id"] = seed["tenantId"]
    problems = check_seed(seed)
    if problems:
        more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
        raise UsageError(f"inconsistent seed: {'; '.join(problems[:5])}{more}", file=source)
    return seed


def get_seed(name_or_path: str | Path | Mapping[str, Any]) -> Seed:
    """Resolve ``"demo"``, ``"empty"``, ``"scale"`` or ``"scale:users=1000,groups=100,..."`` (keyword
    arguments of :func:`scale_seed`), a path to a JSON/YAML seed file, or a seed mapping (validated)."""
    if isinstance(name_or_path, Mapping):
        return seed_from_mapping(json.loads(json.dumps(name_or_path)))
    text = str(name_or_path)
    if not isinstance(name_or_path, Path):
        if text == "demo":
            return demo_seed()
        if text == "empty":
            return empty_seed()
        if text == "scale" or text.startswith("scale:"):
            return scale_seed(**_scale_args(text))
    path = Path(text)
    if path.exists():
        return load_seed_file(path)
    if isinstance(name_or_path, Path) or "/" in text or "\\" in text or path.suffix.lower() in (
            ".json", ".yaml", ".yml"):
        raise UsageError("seed file not found (a seed is demo, empty, scale[:...] or a JSON/YAML file)",
                         file=text)
    raise UsageError(f"unknown seed {text!r}: use demo, empty, scale[:users=N,groups=N,...] or the path of a "
                     "JSON/YAML seed file")


def _scale_args(text: str) -> dict[str, int]:
    args: dict[str, int] = {}
    spec = text.partition(":")[2]
    for part in filter(None, (p.strip() for p in spec.split(","))):
        key, _, value = part.partition("=")
        key = key.strip()
        if key not in _SCALE_ARGS:
            raise UsageError(f"unknown scale seed argument {key!r} (use {', '.join(_SCALE_ARGS)})")
        try:
            args[key] = int(value.replace("_", ""))
        except ValueError:
            raise UsageError(f"scale seed argument {key} needs an integer, got {value!r}") from None
    return args


# --------------------------------------------------------------------------------------------------
# check_seed: every reference resolves, ids are unique.
# --------------------------------------------------------------------------------------------------

def check_seed(seed: Mapping[str, Any]) -> list[str]:
    """Consistency problems of a seed, as readable lines (empty when the seed is consistent).

    Checks: known keys and shapes; unique ids per collection and across directory objects; unique appIds;
    each service principal's appId belongs to an application of the tenant unless it is a Microsoft
    first-party or other foreign application or a managed identity; members, owners, managers, app role
    assignments (principal, type, resource, app role), OAuth2 grants (client, resource, principal,
    scopes), requiredResourceAccess and preAuthorizedApplications, Conditional Access references (users,
    groups, applications by appId, named locations, authentication strengths, service principals),
    authentication method targets, built-in strengths, directory extensions and their use on objects.
    Special values (``All``, ``AllTrusted``, ``all_users``, the all-zeros id, ...) are not references.
    """
    problems: list[str] = []
    p = problems.append
    for key in seed:
        if key not in SEED_KEYS:
            p(f"unknown key {key!r}")
    for key in SEED_KEYS:
        if key == "directoryExtensions":
            continue
        if key not in seed:
            p(f"missing key {key!r}")
        elif key in _DICT_KEYS and not isinstance(seed[key], dict):
            p(f"{key} must be an object")
        elif key in _LIST_KEYS and not (isinstance(seed[key], list) and all(isinstance(o, dict) for o in seed[key])):
            p(f"{key} must be a list of objects")
    if problems:
        return problems

    tenant = seed["tenantId"]
    if seed["organization"].get("id") != tenant:
        p(f"organization.id {seed['organization'].get('id')!r} differs from tenantId {tenant!r}")

    def index(key: str) -> dict[str, dict[str, Any]]:
        out: dict[str, dict[str, Any]] = {}
        for i, obj in enumerate(seed.get(key) or []):
            oid = obj.get("id")
            if not isinstance(oid, str) or not oid:
                p(f"{key}[{i}] has no id")
            elif oid in out:
                p(f"{key}: duplicate id {oid}")
            else:
                out[oid] = obj
        return out

    users, groups, apps, sps = index("users"), index("groups"), index("applications"), index("servicePrincipals")
    locations, strengths = index("namedLocations"), index("authenticationStrengthPolicies")
    policies = index("conditionalAccessPolicies")
    index("appRoleAssignments")
    index("oauth2PermissionGrants")
    index("directoryExtensions")
    seen: dict[str, str] = {}
    for key, objs in (("users", users), ("groups", groups), ("applications", apps), ("servicePrincipals", sps)):
        for oid in objs:
            if oid in seen:
                p(f"{key}: id {oid} is also a {seen[oid]} id")
            seen.setdefault(oid, key)

    def label(key: str, obj: Mapping[str, Any]) -> str:
        name = obj.get("displayName") or obj.get("userPrincipalName") or ""
        return f"{key} {obj.get('id')}" + (f" ({name})" if name else "")

    app_by_appid: dict[str, dict[str, Any]] = {}
    for app in apps.values():
        app_id = app.get("appId")
        if not app_id:
            p(f"{label('application', app)} has no appId")
        elif app_id in app_by_appid:
            p(f"applications: duplicate appId {app_id}")
        else:
            app_by_appid[app_id] = app
    sp_by_appid: dict[str, dict[str, Any]] = {}
    for sp in sps.values():
        app_id = sp.get("appId")
        if not app_id:
            p(f"{label('servicePrincipal', sp)} has no appId")
            continue
        if app_id in sp_by_appid:
            p(f"servicePrincipals: duplicate appId {app_id}")
        sp_by_appid[app_id] = sp
        foreign = sp.get("appOwnerOrganizationId") not in (tenant, None)
        if app_id not in app_by_appid and not foreign and sp.get("servicePrincipalType") != "ManagedIdentity":
            p(f"{label('servicePrincipal', sp)}: appId {app_id} matches no application of the tenant")
    known_appids = app_by_appid.keys() | sp_by_appid.keys()

    def roles_and_scopes(app_id: str) -> tuple[set[str], set[str], set[str]]:
        """(app role ids, scope ids, scope values) a resource appId exposes."""
        obj = app_by_appid.get(app_id)
        if obj is not None:
            roles, scopes = obj.get("appRoles") or [], (obj.get("api") or {}).get("oauth2PermissionScopes") or []
        else:
            sp = sp_by_appid.get(app_id) or {}
            roles, scopes = sp.get("appRoles") or [], sp.get("oauth2PermissionScopes") or []
        return ({r.get("id") for r in roles}, {s.get("id") for s in scopes}, {s.get("value") for s in scopes})

    principals = {**{k: "User" for k in users}, **{k: "Group" for k in groups},
                  **{k: "ServicePrincipal" for k in sps}}
    owner_pool = users.keys() | sps.keys()

    def refs(where: str, values: Any, targets: Mapping[str, Any] | set[str], what: str,
             special: frozenset[str] = frozenset()) -> None:
        if values is None:
            return
        if not isinstance(values, list):
            p(f"{where} must be a list")
            return
        for value in values:
            if value not in special and value not in targets:
                p(f"{where}: {what} {value!r} does not exist")

    for user in users.values():
        manager = user.get("manager")
        if manager is not None and (manager not in users or manager == user["id"]):
            p(f"{label('user', user)}: manager {manager!r} is not another user")
    for group in groups.values():
        where = label("group", group)
        refs(f"{where} members", group.get("members", []), principals, "member")
        refs(f"{where} owners", group.get("owners", []), owner_pool, "owner")
        if group["id"] in (group.get("members") or []):
            p(f"{where} is a member of itself")
        if "Unified" in (group.get("groupTypes") or []):
            for member in group.get("members") or []:
                if member in principals and member not in users:
                    p(f"{where}: Microsoft 365 groups accept users only, not {principals[member]} {member}")
    for app in apps.values():
        where = label("application", app)
        refs(f"{where} owners", app.get("owners", []), owner_pool, "owner")
        for rra in app.get("requiredResourceAccess") or []:
            resource = rra.get("resourceAppId")
            if resource not in known_appids:
                p(f"{where} requiredResourceAccess: resourceAppId {resource!r} does not exist")
                continue
            role_ids, scope_ids, _ = roles_and_scopes(resource)
            for access in rra.get("resourceAccess") or []:
                pool = role_ids if access.get("type") == "Role" else scope_ids
                if access.get("id") not in pool:
                    p(f"{where} requiredResourceAccess: {access.get('type')} {access.get('id')!r} is not "
                      f"exposed by {resource}")
        for pre in (app.get("api") or {}).get("preAuthorizedApplications") or []:
            if pre.get("appId") not in known_appids:
                p(f"{where} api.preAuthorizedApplications: appId {pre.get('appId')!r} does not exist")
        refs(f"{where} api.knownClientApplications", (app.get("api") or {}).get("knownClientApplications", []),
             known_appids, "appId")
    for sp in sps.values():
        refs(f"{label('servicePrincipal', sp)} owners", sp.get("owners", []), owner_pool, "owner")

    for i, assignment in enumerate(seed["appRoleAssignments"]):
        where = f"appRoleAssignments[{i}] ({assignment.get('id')})"
        principal, resource = assignment.get("principalId"), assignment.get("resourceId")
        if principal not in principals:
            p(f"{where}: principalId {principal!r} does not exist")
        elif assignment.get("principalType") != principals[principal]:
            p(f"{where}: principalType {assignment.get('principalType')!r} but {principal} is a "
              f"{principals[principal]}")
        if resource not in sps:
            p(f"{where}: resourceId {resource!r} is not a service principal")
        else:
            role_ids = {r.get("id") for r in sps[resource].get("appRoles") or []}
            if assignment.get("appRoleId") not in role_ids | {ZERO_GUID}:
                p(f"{where}: appRoleId {assignment.get('appRoleId')!r} is not an app role of {resource}")
    for i, grant in enumerate(seed["oauth2PermissionGrants"]):
        where = f"oauth2PermissionGrants[{i}] ({grant.get('id')})"
        if grant.get("clientId") not in sps:
            p(f"{where}: clientId {grant.get('clientId')!r} is not a service principal")
        resource = sps.get(grant.get("resourceId"))
        if resource is None:
            p(f"{where}: resourceId {grant.get('resourceId')!r} is not a service principal")
        else:
            values = {s.get("value") for s in resource.get("oauth2PermissionScopes") or []}
            for scope in (grant.get("scope") or "").split():
                if scope not in values:
                    p(f"{where}: scope {scope!r} is not exposed by {resource.get('displayName')}")
        consent = grant.get("consentType")
        if consent == "Principal":
            if grant.get("principalId") not in users:
                p(f"{where}: principalId {grant.get('principalId')!r} is not a user")
        elif consent == "AllPrincipals":
            if grant.get("principalId") is not None:
                p(f"{where}: AllPrincipals grant with a principalId")
        else:
            p(f"{where}: consentType {consent!r} is not Principal or AllPrincipals")

    for policy in policies.values():
        where = label("conditionalAccessPolicy", policy)
        conditions = policy.get("conditions") or {}
        u = conditions.get("users") or {}
        for key in ("includeUsers", "excludeUsers"):
            refs(f"{where} users.{key}", u.get(key, []), users, "user", CA_SPECIAL_USERS)
        for key in ("includeGroups", "excludeGroups"):
            refs(f"{where} users.{key}", u.get(key, []), groups, "group")
        a = conditions.get("applications") or {}
        for key in ("includeApplications", "excludeApplications"):
            refs(f"{where} applications.{key}", a.get(key, []), known_appids, "appId", CA_SPECIAL_APPLICATIONS)
        loc = conditions.get("locations") or {}
        for key in ("includeLocations", "excludeLocations"):
            refs(f"{where} locations.{key}", loc.get(key, []), locations, "named location", CA_SPECIAL_LOCATIONS)
        ca = conditions.get("clientApplications") or {}
        for key in ("includeServicePrincipals", "excludeServicePrincipals"):
            refs(f"{where} clientApplications.{key}", ca.get(key, []), sps, "service principal",
                 CA_SPECIAL_SERVICE_PRINCIPALS)
        strength = (policy.get("grantControls") or {}).get("authenticationStrength")
        if strength and strength.get("id") not in strengths:
            p(f"{where}: authenticationStrength {strength.get('id')!r} does not exist")
        if policy.get("state") not in ("enabled", "disabled", "enabledForReportingButNotEnforced"):
            p(f"{where}: state {policy.get('state')!r} is not a Conditional Access state")

    for builtin in (BUILTIN_STRENGTH_MFA, BUILTIN_STRENGTH_PASSWORDLESS, BUILTIN_STRENGTH_PHISHING_RESISTANT):
        if strengths.get(builtin, {}).get("policyType") != "builtIn":
            p(f"authenticationStrengthPolicies: built-in strength {builtin} is missing")
    for named in locations.values():
        if named.get("@odata.type") not in ("#microsoft.graph.ipNamedLocation",
                                            "#microsoft.graph.countryNamedLocation"):
            p(f"{label('namedLocation', named)}: @odata.type {named.get('@odata.type')!r} is not a named location")

    targets = users.keys() | groups.keys()
    methods = seed["authenticationMethodsPolicy"]
    for path, target in _method_targets(methods):
        if target not in METHOD_TARGET_SPECIAL and target not in targets:
            p(f"authenticationMethodsPolicy {path}: target {target!r} does not exist")

    declared: dict[str, list[str]] = {}
    for ext in seed.get("directoryExtensions") or []:
        name = ext.get("name") or ""
        parts = name.split("_")
        app_id_hex = parts[1] if len(parts) >= 3 and parts[0] == "extension" else ""
        if not any(a.replace("-", "") == app_id_hex for a in app_by_appid):
            p(f"directoryExtensions: {name!r} does not name an application of the tenant")
        declared[name] = ext.get("targetObjects") or []
    for key, objs, target in (("user", users, "User"), ("group", groups, "Group")):
        for obj in objs.values():
            for prop in obj:
                if prop.startswith("extension_") and target not in declared.get(prop, ()):
                    p(f"{label(key, obj)}: extension property {prop!r} is not declared for {target}")
    return problems


def _method_targets(policy: Mapping[str, Any]) -> Iterable[tuple[str, Any]]:
    """Every (path, id) an authentication methods policy points at (groups, users or special values)."""
    for config in policy.get("authenticationMethodConfigurations") or []:
        where = f"{config.get('id')}"
        for key in ("includeTargets", "excludeTargets"):
            for target in config.get(key) or []:
                yield f"{where}.{key}", target.get("id")
        for name, feature in ((config.get("featureSettings") or {}).items()):
            for key in ("includeTarget", "excludeTarget"):
                if isinstance(feature, dict) and isinstance(feature.get(key), dict):
                    yield f"{where}.featureSettings.{name}.{key}", feature[key].get("id")
    campaign = (policy.get("registrationEnforcement") or {}).get("authenticationMethodsRegistrationCampaign") or {}
    for key in ("includeTargets", "excludeTargets"):
        for target in campaign.get(key) or []:
            yield f"registrationEnforcement.{key}", target.get("id")
    for key in ("includeTargets", "excludeTargets"):
        for target in (policy.get("systemCredentialPreferences") or {}).get(key) or []:
            yield f"systemCredentialPreferences.{key}", target.get("id")
    include = (policy.get("reportSuspiciousActivitySettings") or {}).get("includeTarget")
    if isinstance(include, dict):
        yield "reportSuspiciousActivitySettings.includeTarget", include.get("id")


def _quick_check(users: int = 100_000) -> str:
    """Seed generation and check times for `users` users (a quick check, not a benchmark)."""
    import time

    start = time.perf_counter()
    seed = scale_seed(users=users)
    built = time.perf_counter() - start
    start = time.perf_counter()
    problems = check_seed(seed)
    checked = time.perf_counter() - start
    return (f"scale_seed(users={users:,}): {built:.2f} s ({len(seed['groups']):,} groups); "
            f"check_seed: {checked:.2f} s, {len(problems)} problems")


if __name__ == "__main__":  # python -m entragit.emulator.seeds [USERS]
    import sys

    print(_quick_check(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000))
