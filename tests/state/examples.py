"""Graph objects shaped like Microsoft's documented examples (../shared/reference/graph-entra.md), with
the annotations Graph adds and the links the exporter attaches under the link names.

Each function returns a fresh object (tests may mutate it).
"""

from __future__ import annotations

from typing import Any

MS_TENANT = "f8cdef31-a31e-4b4a-93e4-5f571e91255a"
GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000"


def user() -> dict[str, Any]:
    """graph-entra.md §11 (user-post-users / resources/user example), plus annotations and a manager."""
    return {
        "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users/$entity",
        "@odata.etag": 'W/"4"',
        "id": "87d349ed-44d7-43e1-9a83-5f2406dee5bd", "createdDateTime": "2022-05-10T08:14:02Z",
        "accountEnabled": True, "displayName": "Adele Vance", "givenName": "Adele", "surname": "Vance",
        "userPrincipalName": "AdeleV@contoso.com", "mailNickname": "AdeleV", "mail": "AdeleV@contoso.com",
        "otherMails": ["adele@fabrikam.com", "adele.vance@contoso.org"], "jobTitle": "Product Marketing Manager",
        "department": "Marketing", "officeLocation": "18/2111", "businessPhones": ["+1 425 555 0109"],
        "mobilePhone": None, "usageLocation": "US", "preferredLanguage": "en-US", "employeeId": "100234",
        "employeeType": "Employee", "employeeOrgData": {"division": "Sales", "costCenter": "CC-1042"},
        "passwordPolicies": "None", "userType": "Member", "onPremisesSyncEnabled": None,
        "onPremisesImmutableId": None, "onPremisesLastSyncDateTime": None,
        "lastPasswordChangeDateTime": "2024-02-01T10:00:00Z",
        "proxyAddresses": ["smtp:AdeleV@contoso.onmicrosoft.com", "SMTP:AdeleV@contoso.com"],
        "manager": {"@odata.type": "#microsoft.graph.user", "id": "6ea91a8d-e32e-41a1-b7bd-d2d185eed0e0"},
    }


def synced_user() -> dict[str, Any]:
    obj = user()
    obj.update({
        "id": "5c4f6d0a-3a2b-4f4e-9d1c-0e9b8a7c6d5e", "displayName": "Diego Siciliani",
        "userPrincipalName": "DiegoS@contoso.com", "mailNickname": "DiegoS", "mail": "DiegoS@contoso.com",
        "onPremisesSyncEnabled": True, "onPremisesImmutableId": "fR6bq0Ofo0WZq3ZRWw0E2g==",
        "onPremisesLastSyncDateTime": "2024-05-01T02:00:00Z",
        "onPremisesSamAccountName": "diegos", "onPremisesDomainName": "corp.contoso.com",
        "manager": None,
    })
    return obj


def group() -> dict[str, Any]:
    """graph-entra.md §8 example; members as the members listing returns them (objects) and owners as ids."""
    return {
        "id": "b320ee12-b1cd-4cca-b648-a437be61c5cd", "createdDateTime": "2018-12-22T00:51:37Z",
        "displayName": "Finance Approvers", "description": "Users who approve finance workflows",
        "groupTypes": [], "mailEnabled": False, "mailNickname": "finance-approvers", "securityEnabled": True,
        "isAssignableToRole": False, "visibility": "Private", "membershipRule": None,
        "membershipRuleProcessingState": None, "mail": None, "proxyAddresses": [],
        "onPremisesSyncEnabled": None, "onPremisesSecurityIdentifier": None, "onPremisesLastSyncDateTime": None,
        "renewedDateTime": "2018-12-22T00:51:37Z",
        "securityIdentifier": "S-1-12-1-3005149714-1288483277-2280049078-3447808481",
        "members": [
            {"@odata.type": "#microsoft.graph.user", "id": "87d349ed-44d7-43e1-9a83-5f2406dee5bd"},
            {"@odata.type": "#microsoft.graph.servicePrincipal", "id": "59e617e5-e447-4adc-8b88-00af644d7c92"},
            {"@odata.type": "#microsoft.graph.user", "id": "4562bcc8-c436-4f95-b7c0-4f8ce89dca5e"},
        ],
        "owners": ["6ea91a8d-e32e-41a1-b7bd-d2d185eed0e0", "4562bcc8-c436-4f95-b7c0-4f8ce89dca5e"],
    }


def application() -> dict[str, Any]:
    """graph-entra.md §2 example, with a password credential (secretText) and links."""
    return {
        "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#applications/$entity",
        "id": "03ef14b0-ca33-4840-8f4f-d6e91916010e", "appId": "631a96bc-a705-4eda-9f99-fdaf9f54f6a2",
        "createdDateTime": "2024-09-17T19:10:35Z", "publisherDomain": "contoso.com",
        "displayName": "Contoso HR API", "signInAudience": "AzureADMyOrg",
        "identifierUris": ["https://hr.contoso.com/api", "api://631a96bc-a705-4eda-9f99-fdaf9f54f6a2"],
        "tags": [], "groupMembershipClaims": "SecurityGroup",
        "api": {
            "requestedAccessTokenVersion": 2, "knownClientApplications": [], "preAuthorizedApplications": [],
            "oauth2PermissionScopes": [{
                "id": "2f1b6c4e-7d0a-4f3e-9c41-1b2d3e4f5a60", "value": "HR.Read", "type": "User",
                "isEnabled": True, "adminConsentDisplayName": "Read HR data",
                "adminConsentDescription": "Allows the app to read HR data.",
                "userConsentDisplayName": "Read your HR data",
                "userConsentDescription": "Allows the app to read your HR data.",
            }],
        },
        "appRoles": [
            {"id": "ef7437e6-4f94-4a0a-a110-a439eb2aa8f7", "allowedMemberTypes": ["User", "Application"],
             "value": "HR.Admin", "displayName": "HR Admin", "description": "Full HR access", "isEnabled": True},
            {"id": "1b4f816e-5eaf-48b9-8613-7923830595ad", "allowedMemberTypes": ["User"],
             "value": "HR.Reader", "displayName": "HR Reader", "description": "Read HR data", "isEnabled": True},
        ],
        "requiredResourceAccess": [{
            "resourceAppId": GRAPH_APP_ID,
            "resourceAccess": [{"id": "e1fe6dd8-ba31-4d61-89e7-88639da4683d", "type": "Scope"},
                               {"id": "df021288-bdef-4463-88db-98f22de89214", "type": "Role"}],
        }],
        "web": {
            "redirectUris": ["https://hr.contoso.com/signin-oidc"], "homePageUrl": None, "logoutUrl": None,
            "implicitGrantSettings": {"enableIdTokenIssuance": False, "enableAccessTokenIssuance": False},
        },
        "keyCredentials": [],
        "passwordCredentials": [{
            "customKeyIdentifier": None, "displayName": "CI secret", "endDateTime": "2026-03-01T00:00:00Z",
            "hint": "Q~x", "keyId": "a7e4b1f0-3c2d-4e5f-8a9b-0c1d2e3f4a5b",
            "secretText": "Q~xZ8Q~super-secret-value", "startDateTime": "2025-03-01T00:00:00Z",
        }],
        "owners": ["6ea91a8d-e32e-41a1-b7bd-d2d185eed0e0"],
        "federatedIdentityCredentials": [
            {"@odata.type": "#microsoft.graph.federatedIdentityCredential",
             "id": "9d2a3c1e-0000-4000-8000-000000000002", "name": "github-main",
             "issuer": "https://token.actions.githubusercontent.com",
             "subject": "repo:contoso/tenant:ref:refs/heads/main",
             "audiences": ["api://AzureADTokenExchange"], "description": None},
            {"id": "9d2a3c1e-0000-4000-8000-000000000001", "name": "github-env-prod",
             "issuer": "https://token.actions.githubusercontent.com",
             "subject": "repo:contoso/tenant:environment:prod",
             "audiences": ["api://AzureADTokenExchange"], "description": "prod deployments"},
        ],
    }


def service_principal() -> dict[str, Any]:
    """graph-entra.md §10 example: a service principal with one assignment and one grant."""
    return {
        "id": "59e617e5-e447-4adc-8b88-00af644d7c92", "appId": "631a96bc-a705-4eda-9f99-fdaf9f54f6a2",
        "displayName": "Contoso HR API", "accountEnabled": True, "appRoleAssignmentRequired": True,
        "servicePrincipalType": "Application", "appOwnerOrganizationId": "84841066-274d-4ec0-a5c1-276be684bdd3",
        "servicePrincipalNames": ["api://631a96bc-a705-4eda-9f99-fdaf9f54f6a2",
                                  "631a96bc-a705-4eda-9f99-fdaf9f54f6a2"],
        "tags": ["WindowsAzureActiveDirectoryIntegratedApp"], "replyUrls": ["https://hr.contoso.com/signin-oidc"],
        "preferredSingleSignOnMode": None, "keyCredentials": [], "passwordCredentials": [],
        "owners": [],
        "appRoleAssignedTo": [
            {"id": "-WmtM5na7Uus0D8kI1yylpU9Mdo0Pb9OoBJvd3T5eKc", "createdDateTime": "2021-02-15T16:14:59.8643039Z",
             "appRoleId": "ef7437e6-4f94-4a0a-a110-a439eb2aa8f7", "principalId": "33ad69f9-da99-4bed-acd0-3f24235cb296",
             "principalType": "Group", "principalDisplayName": "Parents of Contoso",
             "resourceId": "59e617e5-e447-4adc-8b88-00af644d7c92", "resourceDisplayName": "Contoso HR API"},
            {"id": "8xP0cB0sR0S1J6aE8gq2rA9mWkF3nLpQ5tYvZxCdEfG", "createdDateTime": "2022-06-01T09:00:00Z",
             "appRoleId": "1b4f816e-5eaf-48b9-8613-7923830595ad", "principalId": "0f3e2d1c-b4a5-4c6d-8e9f-a0b1c2d3e4f5",
             "principalType": "User", "principalDisplayName": "Adele Vance",
             "resourceId": "59e617e5-e447-4adc-8b88-00af644d7c92", "resourceDisplayName": "Contoso HR API"},
        ],
        "oauth2PermissionGrants": [
            {"@odata.id": "https://graph.microsoft.com/v2/84841066/oauth2PermissionGrants/b",
             "id": "Zm9vYmFyX2dyYW50X3NlY29uZA", "clientId": "59e617e5-e447-4adc-8b88-00af644d7c92",
             "consentType": "Principal", "principalId": "87d349ed-44d7-43e1-9a83-5f2406dee5bd",
             "resourceId": "943603e4-e787-4fe9-93d1-e30f749aae39", "scope": "Mail.Read"},
            {"@odata.id": "https://graph.microsoft.com/v2/84841066/oauth2PermissionGrants/a",
             "id": "l5eW7x0ga0-WDOntXzHateQDNpSH5-lPk9HjD3Sarjk", "clientId": "59e617e5-e447-4adc-8b88-00af644d7c92",
             "consentType": "AllPrincipals", "principalId": None,
             "resourceId": "943603e4-e787-4fe9-93d1-e30f749aae39", "scope": "User.Read Group.Read.All"},
        ],
    }


def first_party_service_principal() -> dict[str, Any]:
    return {
        "id": "943603e4-e787-4fe9-93d1-e30f749aae39", "appId": GRAPH_APP_ID, "displayName": "Microsoft Graph",
        "accountEnabled": True, "appOwnerOrganizationId": MS_TENANT, "servicePrincipalType": "Application",
        "servicePrincipalNames": ["https://graph.microsoft.com", GRAPH_APP_ID], "tags": [],
        "owners": [], "appRoleAssignedTo": [], "oauth2PermissionGrants": [],
    }


def conditional_access_policy() -> dict[str, Any]:
    """graph-entra.md §6 example (v1.0 GET shape, strength expanded)."""
    return {
        "id": "2b31ac51-b855-40a5-a986-0a4ed23e9008", "templateId": None,
        "displayName": "CA001: Require phishing-resistant MFA for admins outside trusted locations",
        "createdDateTime": "2021-11-02T14:17:09.1686157Z", "modifiedDateTime": "2024-01-03T20:07:59.0369305Z",
        "state": "enabledForReportingButNotEnforced",
        "conditions": {
            "clientAppTypes": ["all"], "userRiskLevels": [], "signInRiskLevels": [], "servicePrincipalRiskLevels": [],
            "applications": {
                "includeApplications": ["All"], "excludeApplications": ["00000002-0000-0ff1-ce00-000000000000"],
                "includeUserActions": [], "includeAuthenticationContextClassReferences": [], "applicationFilter": None,
            },
            "users": {
                "includeUsers": [], "excludeUsers": ["4562bcc8-c436-4f95-b7c0-4f8ce89dca5e",
                                                     "0f3e2d1c-b4a5-4c6d-8e9f-a0b1c2d3e4f5"],
                "includeGroups": ["ba8e7ded-8b0f-4836-ba06-8ff1ecc5c8ba"],
                "excludeGroups": ["eedad040-3722-4bcb-bde5-bc7c857f4983"],
                "includeRoles": ["62e90394-69f5-4237-9190-012177145e10"], "excludeRoles": [],
                "includeGuestsOrExternalUsers": None, "excludeGuestsOrExternalUsers": None,
            },
            "locations": {"includeLocations": ["All"],
                          "excludeLocations": ["AllTrusted", "0854951d-5fc0-4eb1-b392-9b2c9d7949c2"]},
            "clientApplications": None, "platforms": None, "devices": None,
        },
        "grantControls": {
            "operator": "OR", "builtInControls": [], "customAuthenticationFactors": [], "termsOfUse": [],
            "authenticationStrength@odata.context": "https://graph.microsoft.com/v1.0/$metadata#policies/"
            "conditionalAccessPolicies('2b31ac51-b855-40a5-a986-0a4ed23e9008')/grantControls/authenticationStrength/$entity",
            "authenticationStrength": {
                "id": "00000000-0000-0000-0000-000000000004", "displayName": "Phishing resistant MFA",
                "policyType": "builtIn", "requirementsSatisfied": "mfa",
                "allowedCombinations": ["windowsHelloForBusiness", "fido2", "x509CertificateMultiFactor"],
            },
        },
        "sessionControls": {
            "signInFrequency": {"value": 4, "type": "hours", "authenticationType": "primaryAndSecondaryAuthentication",
                                "frequencyInterval": "timeBased", "isEnabled": True},
        },
    }


def ip_named_location() -> dict[str, Any]:
    """graph-entra.md §7 example (ipNamedLocation)."""
    return {
        "@odata.type": "#microsoft.graph.ipNamedLocation", "id": "0854951d-5fc0-4eb1-b392-9b2c9d7949c2",
        "displayName": "Contoso HQ egress", "createdDateTime": "2019-09-04T01:11:34.9387578Z",
        "modifiedDateTime": "2019-09-04T01:11:34.9387578Z", "isTrusted": True,
        "ipRanges": [{"@odata.type": "#microsoft.graph.iPv6CidrRange", "cidrAddress": "2001:0:9d38:90d6:0:0:0:0/63"},
                     {"@odata.type": "#microsoft.graph.iPv4CidrRange", "cidrAddress": "12.34.221.11/22"}],
    }


def country_named_location() -> dict[str, Any]:
    return {
        "@odata.type": "#microsoft.graph.countryNamedLocation", "id": "1b7f0916-7677-40d8-97a1-d606f4ed8fcf",
        "displayName": "Allowed countries", "countriesAndRegions": ["US", "CA"],
        "includeUnknownCountriesAndRegions": False, "countryLookupMethod": "clientIpAddress",
    }


def authentication_methods_policy() -> dict[str, Any]:
    """graph-entra.md §3 example (method configurations inline, as GET returns them)."""
    return {
        "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#authenticationMethodsPolicy",
        "@microsoft.graph.tips": "Use $select to choose only the properties your app needs.",
        "id": "authenticationMethodsPolicy", "displayName": "Authentication Methods Policy",
        "lastModifiedDateTime": "2024-04-26T12:44:42.0858664Z", "policyVersion": "1.5",
        "policyMigrationState": "preMigration",
        "registrationEnforcement": {
            "authenticationMethodsRegistrationCampaign": {
                "snoozeDurationInDays": 1, "enforceRegistrationAfterAllowedSnoozes": True, "state": "disabled",
                "excludeTargets": [],
                "includeTargets": [{"id": "all_users", "targetType": "group",
                                    "targetedAuthenticationMethod": "microsoftAuthenticator"}],
            },
        },
        "authenticationMethodConfigurations@odata.context": "https://graph.microsoft.com/v1.0/$metadata#"
                                                            "policies/authenticationMethodsPolicy/authenticationMethodConfigurations",
        "authenticationMethodConfigurations": [
            {"@odata.type": "#microsoft.graph.temporaryAccessPassAuthenticationMethodConfiguration",
             "id": "TemporaryAccessPass", "state": "enabled", "defaultLifetimeInMinutes": 60, "defaultLength": 8,
             "minimumLifetimeInMinutes": 60, "maximumLifetimeInMinutes": 480, "isUsableOnce": False,
             "excludeTargets": [{"id": "dad4ae4a-730c-4e52-826c-0d9094971f04", "targetType": "group"}],
             "includeTargets": [{"targetType": "group", "id": "all_users", "isRegistrationRequired": False}]},
            {"@odata.type": "#microsoft.graph.fido2AuthenticationMethodConfiguration", "id": "Fido2",
             "state": "enabled", "isSelfServiceRegistrationAllowed": True, "isAttestationEnforced": False,
             "keyRestrictions": {"isEnforced": False, "enforcementType": "block",
                                 "aaGuids": ["de1e552d-db1d-4423-a619-566b625cdc84",
                                             "90a3ccdf-635c-4729-a248-9b709135078f"]},
             "includeTargets": [{"targetType": "group", "id": "all_users", "isRegistrationRequired": False}],
             "excludeTargets": []},
        ],
    }


def authentication_strength_policy() -> dict[str, Any]:
    """graph-entra.md §4 example (custom)."""
    return {
        "id": "5790842a-5bab-44c2-9cf1-b38d675b70ea", "createdDateTime": "2024-03-01T09:12:44Z",
        "modifiedDateTime": "2024-03-01T09:12:44Z", "displayName": "FIDO2 only (Contoso keys)",
        "description": "Only approved FIDO2 security keys", "policyType": "custom", "requirementsSatisfied": "mfa",
        "allowedCombinations": ["fido2"],
        "combinationConfigurations@odata.context": "https://graph.microsoft.com/v1.0/$metadata#policies/"
                                                   "authenticationStrengthPolicies('5790842a')/combinationConfigurations",
        "combinationConfigurations": [{
            "@odata.type": "#microsoft.graph.fido2CombinationConfiguration",
            "id": "42235320-c8db-4d8c-9344-8f1ce87f734b", "appliesToCombinations": ["fido2"],
            "allowedAAGUIDs": ["de1e552d-db1d-4423-a619-566b625cdc84", "90a3ccdf-635c-4729-a248-9b709135078f"],
        }],
    }


def builtin_strength_policy() -> dict[str, Any]:
    return {
        "id": "00000000-0000-0000-0000-000000000004", "createdDateTime": "2021-12-01T08:00:00Z",
        "modifiedDateTime": "2021-12-01T08:00:00Z", "displayName": "Phishing-resistant MFA",
        "description": "Phishing-resistant, Passwordless methods for the strongest authentication",
        "policyType": "builtIn", "requirementsSatisfied": "mfa",
        "allowedCombinations": ["windowsHelloForBusiness", "fido2", "x509CertificateMultiFactor"],
        "combinationConfigurations": [],
    }


def authorization_policy() -> dict[str, Any]:
    """graph-entra.md §5 example."""
    return {
        "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#policies/authorizationPolicy/$entity",
        "id": "authorizationPolicy", "displayName": "Authorization Policy",
        "description": "Used to manage authorization related settings across the company.",
        "allowInvitesFrom": "adminsAndGuestInviters", "allowedToSignUpEmailBasedSubscriptions": True,
        "allowedToUseSSPR": True, "allowEmailVerifiedUsersToJoinOrganization": False,
        "allowUserConsentForRiskyApps": False, "blockMsolPowerShell": True,
        "guestUserRoleId": "2af84b1e-32c8-42b7-82bc-daa82404023b",
        "defaultUserRolePermissions": {
            "allowedToCreateApps": False, "allowedToCreateSecurityGroups": False, "allowedToReadOtherUsers": True,
            "permissionGrantPoliciesAssigned": ["ManagePermissionGrantsForSelf.microsoft-user-default-low"],
        },
    }


def organization() -> dict[str, Any]:
    """graph-entra.md §9 example."""
    return {
        "id": "84841066-274d-4ec0-a5c1-276be684bdd3", "displayName": "Contoso", "countryLetterCode": "NL",
        "tenantType": "AAD", "createdDateTime": "2021-08-02T10:30:06Z", "onPremisesSyncEnabled": None,
        "marketingNotificationEmails": ["marketing@contoso.com"],
        "technicalNotificationMails": ["admin@contoso.com", "a-team@contoso.com"],
        "securityComplianceNotificationMails": ["security@contoso.com"],
        "securityComplianceNotificationPhones": ["+1 425 555 0100"],
        "privacyProfile": {"contactEmail": "privacy@contoso.com", "statementUrl": "https://contoso.com/privacy"},
        "verifiedDomains": [{"name": "contoso.com", "isDefault": True, "isInitial": False, "type": "Managed",
                             "capabilities": "Email, OfficeCommunicationsOnline"}],
    }


# type key -> the examples of that type
EXAMPLES = {
    "users": [user, synced_user],
    "groups": [group],
    "applications": [application],
    "servicePrincipals": [service_principal, first_party_service_principal],
    "conditionalAccessPolicies": [conditional_access_policy],
    "namedLocations": [ip_named_location, country_named_location],
    "authenticationMethodsPolicy": [authentication_methods_policy],
    "authenticationStrengthPolicies": [authentication_strength_policy, builtin_strength_policy],
    "authorizationPolicy": [authorization_policy],
    "organization": [organization],
}


def all_examples() -> list[tuple[str, dict[str, Any]]]:
    return [(key, make()) for key, makers in EXAMPLES.items() for make in makers]
