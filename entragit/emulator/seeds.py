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
import json
import random
import struct
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
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
    SKU_M365_E3,
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

# uuid5 namespace of every deterministic id in these seeds.
NAMESPACE = uuid.UUID("6f1c2a4e-3b5d-5e7f-8a9b-0c1d2e3f4a5b")

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

_BASE = datetime(2021, 3, 1, 8, 0, 0, tzinfo=UTC)
# "Now" of the seeds: the last directory sync, the newest modification.
SEED_NOW = datetime(2025, 6, 2, 6, 30, 0, tzinfo=UTC)


def uid(*parts: str) -> str:
    """The deterministic id of a named seed object: uuid5(NAMESPACE, "part/part/...")."""
    return str(uuid.uuid5(NAMESPACE, "/".join(parts)))


def ts(days: float = 0.0, *, base: datetime = _BASE, fraction: bool = False) -> str:
    """A Graph timestamp `days` after the seed epoch; `fraction` gives the 7-digit form CA uses."""
    moment = base + timedelta(days=days)
    if fraction:
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond * 10:07d}Z"
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def security_identifier(object_id: str) -> str:
    """The `S-1-12-1-...` securityIdentifier Entra derives from an object id (four little-endian
    uint32 of the GUID's bytes), e.g. group b320ee12-... -> S-1-12-1-3005149714-..."""
    a, b, c, d = struct.unpack("<4I", uuid.UUID(object_id).bytes_le)
    return f"S-1-12-1-{a}-{b}-{c}-{d}"


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def app_role_assignment_id(principal_id: str, resource_id: str, app_role_id: str) -> str:
    """An appRoleAssignment id as Graph forms it: base64url of the principal's GUID bytes followed by
    16 assignment-specific bytes (here derived, so the id is deterministic)."""
    tail = uuid.uuid5(NAMESPACE, f"assignment/{principal_id}/{resource_id}/{app_role_id}").bytes
    return _b64url(uuid.UUID(principal_id).bytes_le + tail)


def oauth2_grant_id(client_id: str, resource_id: str, principal_id: str | None = None) -> str:
    """An oAuth2PermissionGrant id as Graph forms it: base64url of client, resource (and principal)
    GUID bytes."""
    raw = uuid.UUID(client_id).bytes_le + uuid.UUID(resource_id).bytes_le
    if principal_id:
        raw += uuid.UUID(principal_id).bytes_le
    return _b64url(raw)


def extension_name(app_id: str, attribute: str) -> str:
    """`extension_<appId without dashes>_<attribute>`, the name Graph gives a directory extension."""
    return f"extension_{app_id.replace('-', '')}_{attribute}"


# --------------------------------------------------------------------------------------------------
# Object factories: one per type, producing the full Graph JSON.
# --------------------------------------------------------------------------------------------------

_EXT_ATTR_KEYS = tuple(f"extensionAttribute{i}" for i in range(1, 16))


def make_user(
    *, id: str, upn: str, display_name: str, given_name: str | None = None, surname: str | None = None,
    mail_nickname: str, mail: str | None = None, created: str, account_enabled: bool = True,
    job_title: str | None = None, department: str | None = None, office_location: str | None = None,
    company_name: str | None = "Contoso", business_phones: list[str] | None = None,
    mobile_phone: str | None = None, usage_location: str | None = "US", city: str | None = None,
    state: str | None = None, country: str | None = None, street_address: str | None = None,
    postal_code: str | None = None, preferred_language: str | None = "en-US", employee_id: str | None = None,
    employee_type: str | None = "Employee", employee_hire_date: str | None = None,
    employee_org_data: dict[str, Any] | None = None, user_type: str = "Member",
    issuer: str = "contoso.onmicrosoft.com", licensed: bool = True, manager: str | None = None,
    password_policies: str | None = "None",
) -> dict[str, Any]:
    """A cloud user as `GET /users/{id}?$select=<every property>` returns it."""
    return {
        "id": id, "deletedDateTime": None, "accountEnabled": account_enabled, "ageGroup": None,
        "assignedLicenses": [{"disabledPlans": [], "skuId": SKU_M365_E3}] if licensed else [],
        "businessPhones": business_phones or [], "city": city, "companyName": company_name,
        "consentProvidedForMinor": None, "country": country, "createdDateTime": created,
        "creationType": None, "department": department, "displayName": display_name,
        "employeeHireDate": employee_hire_date, "employeeId": employee_id, "employeeLeaveDateTime": None,
        "employeeOrgData": employee_org_data, "employeeType": employee_type, "externalUserState": None,
        "externalUserStateChangeDateTime": None, "faxNumber": None, "givenName": given_name,
        "identities": [{"signInType": "userPrincipalName", "issuer": issuer, "issuerAssignedId": upn}],
        "imAddresses": [f"sip:{mail}"] if mail and licensed else [], "isResourceAccount": None,
        "jobTitle": job_title, "lastPasswordChangeDateTime": created, "legalAgeGroupClassification": None,
        "mail": mail, "mailNickname": mail_nickname, "mobilePhone": mobile_phone,
        "officeLocation": office_location, "onPremisesDistinguishedName": None, "onPremisesDomainName": None,
        "onPremisesExtensionAttributes": dict.fromkeys(_EXT_ATTR_KEYS), "onPremisesImmutableId": None,
        "onPremisesLastSyncDateTime": None, "onPremisesProvisioningErrors": [],
        "onPremisesSamAccountName": None, "onPremisesSecurityIdentifier": None, "onPremisesSyncEnabled": None,
        "onPremisesUserPrincipalName": None, "otherMails": [], "passwordPolicies": password_policies,
        "postalCode": postal_code, "preferredDataLocation": None, "preferredLanguage": preferred_language,
        "proxyAddresses": [f"SMTP:{mail}"] if mail else [], "securityIdentifier": security_identifier(id),
        "showInAddressList": None, "signInSessionsValidFromDateTime": created, "state": state,
        "streetAddress": street_address, "surname": surname, "usageLocation": usage_location,
        "userPrincipalName": upn, "userType": user_type, "manager": manager,
    }


def make_group(
    *, id: str, display_name: str, mail_nickname: str, created: str, kind: str, description: str | None = None,
    domain: str = "contoso.com", visibility: str | None = None, membership_rule: str | None = None,
    members: list[str] | None = None, owners: list[str] | None = None, is_assignable_to_role: bool | None = None,
) -> dict[str, Any]:
    """A group of one kind: ``m365`` (Unified), ``security``, ``dynamic`` (dynamic security),
    ``role-assignable``, ``mail-security`` (mail-enabled security), ``distribution``, ``synced``
    (security group synced from on-premises AD; on-premises attributes filled by :func:`mark_synced_group`)."""
    mail_enabled = kind in ("m365", "mail-security", "distribution")
    security_enabled = kind != "distribution" and kind != "m365"
    mail = f"{mail_nickname}@{domain}" if mail_enabled else None
    group_types = {"m365": ["Unified"], "dynamic": ["DynamicMembership"]}.get(kind, [])
    if kind == "m365":
        visibility = visibility or "Private"
    return {
        "id": id, "deletedDateTime": None, "classification": None, "createdDateTime": created,
        "creationOptions": ["ExchangeProvisioningFlags:481"] if kind == "m365" else [],
        "description": description, "displayName": display_name,
        "expirationDateTime": None, "groupTypes": group_types,
        "isAssignableToRole": True if kind == "role-assignable" else is_assignable_to_role,
        "isManagementRestricted": None, "mail": mail, "mailEnabled": mail_enabled,
        "mailNickname": mail_nickname, "membershipRule": membership_rule,
        "membershipRuleProcessingState": "On" if membership_rule else None,
        "onPremisesDomainName": None, "onPremisesLastSyncDateTime": None, "onPremisesNetBiosName": None,
        "onPremisesProvisioningErrors": [], "onPremisesSamAccountName": None,
        "onPremisesSecurityIdentifier": None, "onPremisesSyncEnabled": None, "preferredDataLocation": None,
        "preferredLanguage": None,
        "proxyAddresses": [f"SMTP:{mail}"] if mail else [],
        "renewedDateTime": created if kind == "m365" else None,
        "resourceBehaviorOptions": [], "resourceProvisioningOptions": [],
        "securityEnabled": security_enabled, "securityIdentifier": security_identifier(id),
        "serviceProvisioningErrors": [], "theme": None, "uniqueName": None, "visibility": visibility,
        "members": list(members or []), "owners": list(owners or []),
    }


def make_application(
    *, id: str, app_id: str, display_name: str, created: str, tenant_domain: str = "contoso.onmicrosoft.com",
    description: str | None = None, sign_in_audience: str = "AzureADMyOrg",
    identifier_uris: list[str] | None = None, app_roles: list[dict[str, Any]] | None = None,
    scopes: list[dict[str, Any]] | None = None, pre_authorized: list[dict[str, Any]] | None = None,
    required_resource_access: list[dict[str, Any]] | None = None, web_redirect_uris: list[str] | None = None,
    home_page: str | None = None, logout_url: str | None = None, public_client_redirect_uris: list[str] | None = None,
    spa_redirect_uris: list[str] | None = None, password_credentials: list[dict[str, Any]] | None = None,
    key_credentials: list[dict[str, Any]] | None = None, group_membership_claims: str | None = None,
    is_fallback_public_client: bool | None = None, tags: list[str] | None = None, notes: str | None = None,
    owners: list[str] | None = None, federated_identity_credentials: list[dict[str, Any]] | None = None,
    id_token_issuance: bool = False,
) -> dict[str, Any]:
    """An app registration as `GET /applications/{id}` returns it (plus owners and FICs)."""
    return {
        "id": id, "deletedDateTime": None, "appId": app_id, "applicationTemplateId": None,
        "disabledByMicrosoftStatus": None, "createdDateTime": created, "displayName": display_name,
        "description": description, "groupMembershipClaims": group_membership_claims,
        "identifierUris": list(identifier_uris or []), "isDeviceOnlyAuthSupported": None,
        "isFallbackPublicClient": is_fallback_public_client, "nativeAuthenticationApisEnabled": None,
        "notes": notes, "publisherDomain": tenant_domain, "serviceManagementReference": None,
        "signInAudience": sign_in_audience, "tags": list(tags or []), "tokenEncryptionKeyId": None,
        "uniqueName": None, "samlMetadataUrl": None, "defaultRedirectUri": None, "certification": None,
        "optionalClaims": None, "servicePrincipalLockConfiguration": {
            "isEnabled": True, "allProperties": True, "credentialsWithUsageVerify": True,
            "credentialsWithUsageSign": True, "identifierUris": False, "tokenEncryptionKeyId": True,
        },
        "requestSignatureVerification": None, "addIns": [],
        "api": {
            "acceptMappedClaims": None, "knownClientApplications": [],
            "requestedAccessTokenVersion": 2 if scopes else None,
            "oauth2PermissionScopes": list(scopes or []),
            "preAuthorizedApplications": list(pre_authorized or []),
        },
        "appRoles": list(app_roles or []),
        "info": {"logoUrl": None, "marketingUrl": None, "privacyStatementUrl": None, "supportUrl": None,
                 "termsOfServiceUrl": None},
        "keyCredentials": list(key_credentials or []),
        "parentalControlSettings": {"countriesBlockedForMinors": [], "legalAgeGroupRule": "Allow"},
        "passwordCredentials": list(password_credentials or []),
        "publicClient": {"redirectUris": list(public_client_redirect_uris or [])},
        "requiredResourceAccess": list(required_resource_access or []),
        "verifiedPublisher": {"displayName": None, "verifiedPublisherId": None, "addedDateTime": None},
        "web": {
            "homePageUrl": home_page, "logoutUrl": logout_url, "redirectUris": list(web_redirect_uris or []),
            "implicitGrantSettings": {"enableAccessTokenIssuance": False,
                                      "enableIdTokenIssuance": id_token_issuance},
            "redirectUriSettings": [{"uri": u, "index": None} for u in web_redirect_uris or []],
        },
        "spa": {"redirectUris": list(spa_redirect_uris or [])},
        "owners": list(owners or []),
        "federatedIdentityCredentials": list(federated_identity_credentials or []),
    }


def make_service_principal(
    *, id: str, app_id: str, display_name: str, owner_tenant: str, sp_type: str = "Application",
    sign_in_audience: str | None = "AzureADMyOrg", app_roles: list[dict[str, Any]] | None = None,
    scopes: list[dict[str, Any]] | None = None, service_principal_names: list[str] | None = None,
    reply_urls: list[str] | None = None, homepage: str | None = None, logout_url: str | None = None,
    tags: list[str] | None = None, app_role_assignment_required: bool = False,
    alternative_names: list[str] | None = None, key_credentials: list[dict[str, Any]] | None = None,
    app_description: str | None = None, publisher_name: str | None = None, owners: list[str] | None = None,
    app_display_name: str | None = None,
) -> dict[str, Any]:
    """A service principal as `GET /servicePrincipals/{id}` returns it (plus owners)."""
    return {
        "id": id, "deletedDateTime": None, "accountEnabled": True, "addIns": [],
        "alternativeNames": list(alternative_names or []), "appDescription": app_description,
        "appDisplayName": app_display_name if app_display_name is not None else display_name,
        "appId": app_id, "applicationTemplateId": None, "appOwnerOrganizationId": owner_tenant,
        "appRoleAssignmentRequired": app_role_assignment_required, "appRoles": list(app_roles or []),
        "description": None, "disabledByMicrosoftStatus": None, "displayName": display_name,
        "homepage": homepage, "info": {"logoUrl": None, "marketingUrl": None, "privacyStatementUrl": None,
                                       "supportUrl": None, "termsOfServiceUrl": None},
        "keyCredentials": list(key_credentials or []), "loginUrl": None, "logoutUrl": logout_url,
        "notes": None, "notificationEmailAddresses": [], "oauth2PermissionScopes": list(scopes or []),
        "passwordCredentials": [], "preferredSingleSignOnMode": None,
        "preferredTokenSigningKeyThumbprint": None, "publisherName": publisher_name,
        "replyUrls": list(reply_urls or []), "resourceSpecificApplicationPermissions": [],
        "samlSingleSignOnSettings": None,
        "servicePrincipalNames": list(service_principal_names or [app_id]),
        "servicePrincipalType": sp_type, "signInAudience": sign_in_audience, "tags": list(tags or []),
        "tokenEncryptionKeyId": None,
        "verifiedPublisher": {"displayName": None, "verifiedPublisherId": None, "addedDateTime": None},
        "owners": list(owners or []),
    }


def service_principal_for(app: Mapping[str, Any], *, id: str, owner_tenant: str, owners: list[str] | None = None,
                          app_role_assignment_required: bool = False) -> dict[str, Any]:
    """The service principal Entra creates for a tenant's own application (copies roles, scopes, URIs)."""
    web = app.get("web") or {}
    return make_service_principal(
        id=id, app_id=app["appId"], display_name=app["displayName"], owner_tenant=owner_tenant,
        sign_in_audience=app.get("signInAudience"), app_roles=_sp_roles(app.get("appRoles") or []),
        scopes=[dict(s) for s in (app.get("api") or {}).get("oauth2PermissionScopes") or []],
        service_principal_names=[*app.get("identifierUris", []), app["appId"]],
        reply_urls=[*web.get("redirectUris", []), *(app.get("publicClient") or {}).get("redirectUris", [])],
        homepage=web.get("homePageUrl"), logout_url=web.get("logoutUrl"),
        tags=["WindowsAzureActiveDirectoryIntegratedApp", *app.get("tags", [])],
        app_role_assignment_required=app_role_assignment_required, app_description=app.get("description"),
        owners=owners,
    )


def _sp_roles(roles: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    return [{**r, "origin": "Application"} for r in roles]


def app_role(role_id: str, value: str, display_name: str, description: str,
             member_types: tuple[str, ...] = ("User",)) -> dict[str, Any]:
    return {"allowedMemberTypes": list(member_types), "description": description, "displayName": display_name,
            "id": role_id, "isEnabled": True, "origin": "Application", "value": value}


def permission_scope(scope_id: str, value: str, admin_name: str, admin_description: str,
                     user_name: str | None = None, user_description: str | None = None,
                     consent_type: str = "User") -> dict[str, Any]:
    return {"adminConsentDescription": admin_description, "adminConsentDisplayName": admin_name,
            "id": scope_id, "isEnabled": True, "type": consent_type,
            "userConsentDescription": user_description, "userConsentDisplayName": user_name, "value": value}


def password_credential(key_id: str, display_name: str, hint: str, start: str, end: str) -> dict[str, Any]:
    """Secret metadata as Graph returns it: the secret itself (`secretText`) is never readable."""
    return {"customKeyIdentifier": None, "displayName": display_name, "endDateTime": end, "hint": hint,
            "keyId": key_id, "secretText": None, "startDateTime": start}


def app_role_assignment(*, principal: Mapping[str, Any], principal_type: str, resource: Mapping[str, Any],
                        app_role_id: str, created: str) -> dict[str, Any]:
    return {
        "id": app_role_assignment_id(principal["id"], resource["id"], app_role_id), "deletedDateTime": None,
        "appRoleId": app_role_id, "createdDateTime": created,
        "principalDisplayName": principal["displayName"], "principalId": principal["id"],
        "principalType": principal_type, "resourceDisplayName": resource["displayName"],
        "resourceId": resource["id"],
    }


def oauth2_grant(*, client_id: str, resource_id: str, scope: str, principal_id: str | None = None) -> dict[str, Any]:
    return {"id": oauth2_grant_id(client_id, resource_id, principal_id), "clientId": client_id,
            "consentType": "Principal" if principal_id else "AllPrincipals", "principalId": principal_id,
            "resourceId": resource_id, "scope": scope}


def ip_named_location(*, id: str, name: str, cidrs: Iterable[str], trusted: bool, created: str,
                      modified: str | None = None) -> dict[str, Any]:
    ranges = [{"@odata.type": "#microsoft.graph.iPv6CidrRange" if ":" in c else "#microsoft.graph.iPv4CidrRange",
               "cidrAddress": c} for c in cidrs]
    return {"@odata.type": "#microsoft.graph.ipNamedLocation", "id": id, "displayName": name,
            "createdDateTime": created, "modifiedDateTime": modified or created, "isTrusted": trusted,
            "ipRanges": ranges}


def country_named_location(*, id: str, name: str, countries: Iterable[str], created: str,
                           include_unknown: bool = False, lookup: str = "clientIpAddress") -> dict[str, Any]:
    return {"@odata.type": "#microsoft.graph.countryNamedLocation", "id": id, "displayName": name,
            "createdDateTime": created, "modifiedDateTime": created, "countriesAndRegions": list(countries),
            "includeUnknownCountriesAndRegions": include_unknown, "countryLookupMethod": lookup}


def strength_reference(strength: Mapping[str, Any]) -> dict[str, Any]:
    """`grantControls.authenticationStrength` as a CA GET expands it (graph-entra.md §6)."""
    return {k: strength[k] for k in ("id", "createdDateTime", "modifiedDateTime", "displayName", "description",
                                     "policyType", "requirementsSatisfied", "allowedCombinations")}


def ca_policy(
    *, id: str, name: str, state: str, created: str, modified: str | None = None,
    include_users: list[str] | None = None, exclude_users: list[str] | None = None,
    include_groups: list[str] | None = None, exclude_groups: list[str] | None = None,
    include_roles: list[str] | None = None, exclude_roles: list[str] | None = None,
    include_apps: list[str] | None = None, exclude_apps: list[str] | None = None,
    include_locations: list[str] | None = None, exclude_locations: list[str] | None = None,
    client_app_types: list[str] | None = None, platforms: dict[str, Any] | None = None,
    sign_in_risk: list[str] | None = None, built_in_controls: list[str] | None = None, operator: str = "OR",
    strength: Mapping[str, Any] | None = None, session_controls: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A Conditional Access policy as `GET /identity/conditionalAccess/policies/{id}` returns it."""
    locations = None
    if include_locations or exclude_locations:
        locations = {"includeLocations": list(include_locations or []),
                     "excludeLocations": list(exclude_locations or [])}
    return {
        "id": id, "templateId": None, "displayName": name, "createdDateTime": created,
        "modifiedDateTime": modified, "state": state,
        "conditions": {
            "userRiskLevels": [], "signInRiskLevels": list(sign_in_risk or []),
            "clientAppTypes": list(client_app_types or ["all"]), "servicePrincipalRiskLevels": [],
            "insiderRiskLevels": None, "platforms": platforms, "locations": locations, "devices": None,
            "clientApplications": None, "authenticationFlows": None,
            "applications": {
                "includeApplications": list(include_apps or ["All"]),
                "excludeApplications": list(exclude_apps or []), "includeUserActions": [],
                "includeAuthenticationContextClassReferences": [], "applicationFilter": None,
            },
            "users": {
                "includeUsers": list(include_users or []), "excludeUsers": list(exclude_users or []),
                "includeGroups": list(include_groups or []), "excludeGroups": list(exclude_groups or []),
                "includeRoles": list(include_roles or []), "excludeRoles": list(exclude_roles or []),
                "includeGuestsOrExternalUsers": None, "excludeGuestsOrExternalUsers": None,
            },
        },
        "grantControls": {
            "operator": operator, "builtInControls": list(built_in_controls or []),
            "customAuthenticationFactors": [], "termsOfUse": [],
            "authenticationStrength": strength_reference(strength) if strength else None,
        },
        "sessionControls": session_controls,
    }


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


# Group definitions: name, kind, nickname, description, owners (aliases), members (aliases, "group:" names,
# "sp:" application names, "mi:" the managed identity), visibility.
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
# name, kind, mailNickname, description, owners, members
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
        "onPremisesExtensionAttributes": dict.fromkeys(_EXT_ATTR_KEYS) | {
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
            description=desc, visibility="Public" if name in ("All Company", "Marketing Team") else None,
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
