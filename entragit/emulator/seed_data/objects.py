"""Factories for Graph JSON objects as Graph returns them, and the deterministic id and time helpers
the seeds use. One factory per type: every property Graph returns (read-only ones included), so an
export of a seeded tenant looks like an export of a real one.
"""

from __future__ import annotations

import base64
import hashlib
import struct
import uuid
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from entragit.emulator.seed_data.microsoft import SKU_M365_E3

# uuid5 namespace of every deterministic id in these seeds.
NAMESPACE = uuid.UUID("6f1c2a4e-3b5d-5e7f-8a9b-0c1d2e3f4a5b")

_BASE = datetime(2021, 3, 1, 8, 0, 0, tzinfo=UTC)
# "Now" of the seeds: the last directory sync, the newest modification.
SEED_NOW = datetime(2025, 6, 2, 6, 30, 0, tzinfo=UTC)


def uid(*parts: str) -> str:
    """The deterministic id of a named seed object: uuid5(NAMESPACE, "part/part/...")."""
    return str(uuid.uuid5(NAMESPACE, "/".join(parts)))


def certificate_key(name: str) -> str:
    """The public key material of a seeded certificate credential (keyCredentials[].key): base64 of 512
    deterministic bytes. Graph stores a credential's key and returns it on a single-object $select."""
    blob = b"".join(hashlib.sha256(f"{name}/{i}".encode()).digest() for i in range(16))
    return base64.b64encode(blob).decode()


def ts(days: float = 0.0, *, base: datetime = _BASE, fraction: bool = False) -> str:
    """A Graph timestamp `days` after the seed epoch; `fraction` gives the 7-digit form CA uses."""
    moment = base + timedelta(days=days)
    if fraction:
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond * 10:07d}Z"
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def security_identifier(object_id: str) -> str:
    """The `S-1-12-1-...` securityIdentifier Entra derives from an object id (four little-endian
    uint32 of the GUID's bytes), e.g. group b320ee12-... -> S-1-12-1-3005149714-..."""
    raw = bytes.fromhex(object_id.replace("-", ""))  # uuid.UUID(...).bytes_le, without its cost
    a, b, c, d = _UNPACK_SID(raw[3::-1] + raw[5:3:-1] + raw[7:5:-1] + raw[8:])
    return f"S-1-12-1-{a}-{b}-{c}-{d}"


_UNPACK_SID = struct.Struct("<4I").unpack


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

EXT_ATTR_KEYS = tuple(f"extensionAttribute{i}" for i in range(1, 16))


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
        "onPremisesExtensionAttributes": dict.fromkeys(EXT_ATTR_KEYS), "onPremisesImmutableId": None,
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
            "credentialsWithUsageSign": True, "tokenEncryptionKeyId": True,
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
    app_description: str | None = None, owners: list[str] | None = None,
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
        "preferredTokenSigningKeyThumbprint": None,
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
