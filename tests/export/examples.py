"""Microsoft's documented example bodies (GET shapes), one or more per type, as quoted with their Learn
sources in ../shared/reference/graph-entra.md (§2 application, §3 authenticationmethodspolicy-get, §4
authenticationstrengthpolicy, §5 authorizationpolicy, §6 conditionalaccessroot-list-policies, §7
conditionalaccessroot-list-namedlocations, §8 group, §9 organization, §10 serviceprincipal with an
appRoleAssignment and an oAuth2PermissionGrant, §11 user-get). Links are attached under their names as the
exporter stores them."""

from __future__ import annotations

from typing import Any

EXAMPLES: dict[str, list[dict[str, Any]]] = {
    # https://learn.microsoft.com/en-us/graph/api/resources/application?view=graph-rest-1.0
    "applications": [{
        "id": "03ef14b0-ca33-4840-8f4f-d6e91916010e", "appId": "631a96bc-a705-4eda-9f99-fdaf9f54f6a2",
        "createdDateTime": "2024-09-17T19:10:35Z", "publisherDomain": "contoso.com", "displayName": "Contoso HR API",
        "signInAudience": "AzureADMyOrg", "identifierUris": ["api://631a96bc-a705-4eda-9f99-fdaf9f54f6a2"],
        "tags": [], "groupMembershipClaims": "SecurityGroup",
        "api": {
            "requestedAccessTokenVersion": 2, "knownClientApplications": [], "preAuthorizedApplications": [],
            "oauth2PermissionScopes": [{
                "id": "2f1b6c4e-7d0a-4f3e-9c41-1b2d3e4f5a60", "value": "HR.Read", "type": "User", "isEnabled": True,
                "adminConsentDisplayName": "Read HR data", "adminConsentDescription": "Allows the app to read HR data.",
                "userConsentDisplayName": "Read your HR data",
                "userConsentDescription": "Allows the app to read your HR data."}]},
        "appRoles": [{
            "id": "ef7437e6-4f94-4a0a-a110-a439eb2aa8f7", "allowedMemberTypes": ["User", "Application"],
            "value": "HR.Admin", "displayName": "HR Admin", "description": "Full HR access", "isEnabled": True}],
        "requiredResourceAccess": [{
            "resourceAppId": "00000003-0000-0000-c000-000000000000",
            "resourceAccess": [{"id": "e1fe6dd8-ba31-4d61-89e7-88639da4683d", "type": "Scope"}]}],
        "web": {"redirectUris": ["https://hr.contoso.com/signin-oidc"], "homePageUrl": None, "logoutUrl": None,
                "implicitGrantSettings": {"enableIdTokenIssuance": False, "enableAccessTokenIssuance": False}},
        "keyCredentials": [],
        "passwordCredentials": [{"keyId": "a1b2c3d4-0000-4000-8000-000000000001", "displayName": "ci",
                                 "hint": "abc", "endDateTime": "2026-01-01T00:00:00Z", "secretText": None}],
        "owners": ["4562bcc8-c436-4f95-b7c0-4f8ce89dca5e"],
        # https://learn.microsoft.com/en-us/graph/api/resources/federatedidentitycredential?view=graph-rest-1.0
        "federatedIdentityCredentials": [{
            "id": "bdad0963-4a7a-43ae-b569-e67e1da3f2c0", "name": "github-main",
            "issuer": "https://token.actions.githubusercontent.com", "subject": "repo:contoso/entra:ref:refs/heads/main",
            "description": None, "audiences": ["api://AzureADTokenExchange"]}],
    }],
    # https://learn.microsoft.com/en-us/graph/api/authenticationmethodspolicy-get?view=graph-rest-1.0
    "authenticationMethodsPolicy": [{
        "id": "authenticationMethodsPolicy", "displayName": "Authentication Methods Policy",
        "lastModifiedDateTime": "2024-04-26T12:44:42.0858664Z", "policyVersion": "1.5",
        "policyMigrationState": "preMigration",
        "registrationEnforcement": {"authenticationMethodsRegistrationCampaign": {
            "snoozeDurationInDays": 1, "enforceRegistrationAfterAllowedSnoozes": True, "state": "disabled",
            "excludeTargets": [],
            "includeTargets": [{"id": "all_users", "targetType": "group",
                                "targetedAuthenticationMethod": "microsoftAuthenticator"}]}},
        "authenticationMethodConfigurations": [{
            "@odata.type": "#microsoft.graph.temporaryAccessPassAuthenticationMethodConfiguration",
            "id": "TemporaryAccessPass", "state": "enabled", "defaultLifetimeInMinutes": 60, "defaultLength": 8,
            "minimumLifetimeInMinutes": 60, "maximumLifetimeInMinutes": 480, "isUsableOnce": False,
            "excludeTargets": [{"id": "dad4ae4a-730c-4e52-826c-0d9094971f04", "targetType": "group"}],
            "includeTargets": [{"targetType": "group", "id": "all_users", "isRegistrationRequired": False}]}],
    }],
    # https://learn.microsoft.com/en-us/graph/api/resources/authenticationstrengthpolicy?view=graph-rest-1.0
    "authenticationStrengthPolicies": [{
        "id": "5790842a-5bab-44c2-9cf1-b38d675b70ea", "createdDateTime": "2024-03-01T09:12:44Z",
        "modifiedDateTime": "2024-03-01T09:12:44Z", "displayName": "FIDO2 only (Contoso keys)",
        "description": "Only approved FIDO2 security keys", "policyType": "custom", "requirementsSatisfied": "mfa",
        "allowedCombinations": ["fido2"],
        "combinationConfigurations": [{
            "@odata.type": "#microsoft.graph.fido2CombinationConfiguration",
            "id": "42235320-c8db-4d8c-9344-8f1ce87f734b", "appliesToCombinations": ["fido2"],
            "allowedAAGUIDs": ["de1e552d-db1d-4423-a619-566b625cdc84", "90a3ccdf-635c-4729-a248-9b709135078f"]}],
    }],
    # https://learn.microsoft.com/en-us/graph/api/authorizationpolicy-get?view=graph-rest-1.0
    "authorizationPolicy": [{
        "id": "authorizationPolicy", "displayName": "Authorization Policy",
        "description": "Used to manage authorization related settings across the company.",
        "allowInvitesFrom": "adminsAndGuestInviters", "allowedToSignUpEmailBasedSubscriptions": True,
        "allowedToUseSSPR": True, "allowEmailVerifiedUsersToJoinOrganization": False,
        "allowUserConsentForRiskyApps": False, "blockMsolPowerShell": True,
        "guestUserRoleId": "2af84b1e-32c8-42b7-82bc-daa82404023b",
        "defaultUserRolePermissions": {
            "allowedToCreateApps": False, "allowedToCreateSecurityGroups": False, "allowedToReadOtherUsers": True,
            "permissionGrantPoliciesAssigned": ["ManagePermissionGrantsForSelf.microsoft-user-default-low"]},
    }],
    # https://learn.microsoft.com/en-us/graph/api/conditionalaccessroot-list-policies?view=graph-rest-1.0
    "conditionalAccessPolicies": [{
        "id": "2b31ac51-b855-40a5-a986-0a4ed23e9008", "templateId": None,
        "displayName": "CA001: Require phishing-resistant MFA for admins outside trusted locations",
        "createdDateTime": "2021-11-02T14:17:09.1686157Z", "modifiedDateTime": "2024-01-03T20:07:59.0369305Z",
        "state": "enabledForReportingButNotEnforced",
        "conditions": {
            "clientAppTypes": ["all"], "userRiskLevels": [], "signInRiskLevels": [], "servicePrincipalRiskLevels": [],
            "applications": {
                "includeApplications": ["All"], "excludeApplications": ["00000002-0000-0ff1-ce00-000000000000"],
                "includeUserActions": [], "includeAuthenticationContextClassReferences": [],
                "applicationFilter": None},
            "users": {
                "includeUsers": [], "excludeUsers": ["4562bcc8-c436-4f95-b7c0-4f8ce89dca5e"],
                "includeGroups": ["ba8e7ded-8b0f-4836-ba06-8ff1ecc5c8ba"],
                "excludeGroups": ["eedad040-3722-4bcb-bde5-bc7c857f4983"],
                "includeRoles": ["62e90394-69f5-4237-9190-012177145e10"], "excludeRoles": [],
                "includeGuestsOrExternalUsers": None, "excludeGuestsOrExternalUsers": None},
            "locations": {"includeLocations": ["All"],
                          "excludeLocations": ["AllTrusted", "0854951d-5fc0-4eb1-b392-9b2c9d7949c2"]},
            "clientApplications": None, "platforms": None, "devices": None},
        "grantControls": {
            "operator": "OR", "builtInControls": [], "customAuthenticationFactors": [], "termsOfUse": [],
            "authenticationStrength@odata.context": "https://graph.microsoft.com/v1.0/$metadata#policies/"
                                                    "conditionalAccessPolicies('2b31ac51-b855-40a5-a986-0a4ed23e9008')"
                                                    "/grantControls/authenticationStrength/$entity",
            "authenticationStrength": {
                "id": "00000000-0000-0000-0000-000000000004", "displayName": "Phishing resistant MFA",
                "policyType": "builtIn", "requirementsSatisfied": "mfa",
                "allowedCombinations": ["windowsHelloForBusiness", "fido2", "x509CertificateMultiFactor"]}},
        "sessionControls": {"signInFrequency": {"value": 4, "type": "hours", "isEnabled": True}},
    }],
    # https://learn.microsoft.com/en-us/graph/api/conditionalaccessroot-list-namedlocations?view=graph-rest-1.0
    "namedLocations": [
        {"@odata.type": "#microsoft.graph.ipNamedLocation", "id": "0854951d-5fc0-4eb1-b392-9b2c9d7949c2",
         "displayName": "Contoso HQ egress", "createdDateTime": "2019-09-04T01:11:34.9387578Z",
         "modifiedDateTime": "2019-09-04T01:11:34.9387578Z", "isTrusted": True,
         "ipRanges": [{"@odata.type": "#microsoft.graph.iPv4CidrRange", "cidrAddress": "12.34.221.11/22"},
                      {"@odata.type": "#microsoft.graph.iPv6CidrRange", "cidrAddress": "2001:0:9d38:90d6:0:0:0:0/63"}]},
        {"@odata.type": "#microsoft.graph.countryNamedLocation", "id": "1b7f0916-7677-40d8-97a1-d606f4ed8fcf",
         "displayName": "Allowed countries", "countriesAndRegions": ["US", "CA"],
         "includeUnknownCountriesAndRegions": False, "countryLookupMethod": "clientIpAddress"},
    ],
    # https://learn.microsoft.com/en-us/graph/api/resources/group?view=graph-rest-1.0
    "groups": [{
        "id": "b320ee12-b1cd-4cca-b648-a437be61c5cd", "createdDateTime": "2018-12-22T00:51:37Z",
        "displayName": "Finance Approvers", "description": "Users who approve finance workflows", "groupTypes": [],
        "mailEnabled": False, "mailNickname": "finance-approvers", "securityEnabled": True,
        "isAssignableToRole": False, "visibility": "Private", "membershipRule": None,
        "membershipRuleProcessingState": None, "mail": None, "proxyAddresses": [], "onPremisesSyncEnabled": None,
        "onPremisesSecurityIdentifier": None, "onPremisesLastSyncDateTime": None,
        "securityIdentifier": "S-1-12-1-3005149714-1288483277-2280049078-3447808481",
        "members": [{"@odata.type": "#microsoft.graph.user", "id": "4562bcc8-c436-4f95-b7c0-4f8ce89dca5e"},
                    {"@odata.type": "#microsoft.graph.servicePrincipal",
                     "id": "59e617e5-e447-4adc-8b88-00af644d7c92"}],
        "owners": [{"@odata.type": "#microsoft.graph.user", "id": "4562bcc8-c436-4f95-b7c0-4f8ce89dca5e"}],
    }],
    # https://learn.microsoft.com/en-us/graph/api/organization-list?view=graph-rest-1.0
    "organization": [{
        "id": "84841066-274d-4ec0-a5c1-276be684bdd3", "displayName": "Contoso", "countryLetterCode": "NL",
        "tenantType": "AAD", "createdDateTime": "2021-08-02T10:30:06Z", "onPremisesSyncEnabled": None,
        "marketingNotificationEmails": ["marketing@contoso.com"], "technicalNotificationMails": ["admin@contoso.com"],
        "securityComplianceNotificationMails": ["security@contoso.com"],
        "securityComplianceNotificationPhones": ["+1 425 555 0100"],
        "privacyProfile": {"contactEmail": "privacy@contoso.com", "statementUrl": "https://contoso.com/privacy"},
        "verifiedDomains": [{"name": "contoso.com", "isDefault": True, "isInitial": False, "type": "Managed",
                             "capabilities": "Email, OfficeCommunicationsOnline"}],
    }],
    # https://learn.microsoft.com/en-us/graph/api/resources/serviceprincipal?view=graph-rest-1.0 (+ approleassignment,
    # oauth2permissiongrant)
    "servicePrincipals": [{
        "id": "59e617e5-e447-4adc-8b88-00af644d7c92", "appId": "631a96bc-a705-4eda-9f99-fdaf9f54f6a2",
        "displayName": "Contoso HR API", "accountEnabled": True, "appRoleAssignmentRequired": True,
        "servicePrincipalType": "Application", "appOwnerOrganizationId": "84841066-274d-4ec0-a5c1-276be684bdd3",
        "servicePrincipalNames": ["api://631a96bc-a705-4eda-9f99-fdaf9f54f6a2", "631a96bc-a705-4eda-9f99-fdaf9f54f6a2"],
        "tags": ["WindowsAzureActiveDirectoryIntegratedApp"], "replyUrls": ["https://hr.contoso.com/signin-oidc"],
        "preferredSingleSignOnMode": None, "keyCredentials": [], "passwordCredentials": [],
        "owners": [],
        "appRoleAssignedTo": [{
            "id": "-WmtM5na7Uus0D8kI1yylpU9Mdo0Pb9OoBJvd3T5eKc", "createdDateTime": "2021-02-15T16:14:59.8643039Z",
            "appRoleId": "ef7437e6-4f94-4a0a-a110-a439eb2aa8f7", "principalId": "33ad69f9-da99-4bed-acd0-3f24235cb296",
            "principalType": "Group", "principalDisplayName": "Parents of Contoso",
            "resourceId": "59e617e5-e447-4adc-8b88-00af644d7c92", "resourceDisplayName": "Contoso HR API"}],
        "oauth2PermissionGrants": [{
            "id": "l5eW7x0ga0-WDOntXzHateQDNpSH5-lPk9HjD3Sarjk", "clientId": "59e617e5-e447-4adc-8b88-00af644d7c92",
            "consentType": "AllPrincipals", "principalId": None, "resourceId": "943603e4-e787-4fe9-93d1-e30f749aae39",
            "scope": "User.Read Group.Read.All"}],
    }],
    # https://learn.microsoft.com/en-us/graph/api/user-get?view=graph-rest-1.0 (a $select-ed shape)
    "users": [{
        "id": "4562bcc8-c436-4f95-b7c0-4f8ce89dca5e", "accountEnabled": True, "displayName": "Adele Vance",
        "givenName": "Adele", "surname": "Vance", "userPrincipalName": "AdeleV@contoso.com",
        "mailNickname": "AdeleV", "mail": "AdeleV@contoso.com", "jobTitle": "Product Marketing Manager",
        "department": "Marketing", "officeLocation": "18/2111", "businessPhones": ["+1 425 555 0109"],
        "mobilePhone": None, "usageLocation": "US", "preferredLanguage": "en-US", "otherMails": [],
        "createdDateTime": "2021-03-01T08:00:00Z", "userType": "Member", "onPremisesSyncEnabled": None,
        "onPremisesLastSyncDateTime": None, "proxyAddresses": ["SMTP:AdeleV@contoso.com"],
        "identities": [{"signInType": "userPrincipalName", "issuer": "contoso.com",
                        "issuerAssignedId": "AdeleV@contoso.com"}],
        "employeeOrgData": {"division": "Commercial", "costCenter": "CC-2070"},
        "passwordProfile": None,
        "manager": {"@odata.type": "#microsoft.graph.user", "id": "b3a89bcd-c14c-5b20-bd18-f9cfb2cae4ca"},
    }],
}
