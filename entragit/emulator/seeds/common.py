"""What every seed shares: the seed keys, the ids of built-in objects and the special values that are not references."""

from __future__ import annotations

from typing import Any

from entragit.emulator.seed_data.microsoft import (
    AZURE_PORTAL_APP_ID,
    EXCHANGE_APP_ID,
    GRAPH_APP_ID,
    GRAPH_APP_ROLES,
    GRAPH_SCOPES,
    SHAREPOINT_APP_ID,
)
from entragit.emulator.seed_data.objects import uid

Seed = dict[str, Any]

SEED_KEYS: tuple[str, ...] = (
    "tenantId", "organization", "authorizationPolicy", "authenticationMethodsPolicy",
    "authenticationStrengthPolicies", "namedLocations", "conditionalAccessPolicies", "users", "groups",
    "applications", "servicePrincipals", "appRoleAssignments", "oauth2PermissionGrants",
    "directoryExtensions", "devices", "contacts", "directoryRoles", "administrativeUnits",
)
LIST_KEYS = SEED_KEYS[4:]
DICT_KEYS = ("organization", "authorizationPolicy", "authenticationMethodsPolicy")

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

