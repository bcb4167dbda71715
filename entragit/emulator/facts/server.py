"""Server-wide facts of Graph beyond one entity set: what Graph returns by default, page sizes of delta
rounds, how long tokens and deleted items live, request limits and error texts, each with its source.
"""

from __future__ import annotations

from datetime import timedelta

# Properties Graph returns for a user when no $select is given ("default properties"):
# https://learn.microsoft.com/en-us/graph/api/user-list?view=graph-rest-1.0#optional-query-parameters
DEFAULT_PROPERTIES: dict[str, tuple[str, ...]] = {
    "#microsoft.graph.user": (
        "businessPhones", "displayName", "givenName", "jobTitle", "mail", "mobilePhone", "officeLocation",
        "preferredLanguage", "surname", "userPrincipalName", "id",
    ),
}

# Delta rounds answer at most 200 objects per page (users/delta fixed at 200; groups about 200):
# microsoftgraph/microsoft-graph-explorer-v4#1157, Microsoft Q&A 2052165 (performance.md, B1).
DELTA_PAGE_SIZE = 200

# ... and at most 500 link entries (members@delta and other tracked links) per page: a group whose member
# changes do not fit appears on several pages, each with part of its members@delta (Microsoft Q&A 2052165,
# moderator: "200 objects / 500 links per page"; https://learn.microsoft.com/en-us/graph/delta-query-groups: the
# same group can appear on several pages). Continuations carry the id and the links only.
DELTA_PAGE_LINKS = 500

# Directory delta tokens are valid for 7 days:
# https://learn.microsoft.com/en-us/graph/delta-query-overview#token-duration
DELTA_TOKEN_LIFETIME = timedelta(days=7)

# Deleted directory objects, CA policies and named locations are kept 30 days, then purged:
# https://learn.microsoft.com/en-us/graph/api/resources/directory?view=graph-rest-1.0
DELETED_RETENTION = timedelta(days=30)

# At most 20 relationships (members@odata.bind, owners@odata.bind) per create or update request:
# https://learn.microsoft.com/en-us/graph/api/group-post-groups?view=graph-rest-1.0
MAX_BIND = 20

# GET /groups/{id}?$expand=members returns at most 20 members per expand, and $expand caps a list page at
# 100 objects: https://learn.microsoft.com/en-us/graph/api/group-list-members?view=graph-rest-1.0 and
# Graph known issue 13635 (performance.md, B1).
EXPAND_LIMIT = 20
EXPAND_PAGE_MAX = 100

# At most 20 federated identity credentials per application:
# https://learn.microsoft.com/en-us/graph/api/resources/federatedidentitycredential?view=graph-rest-1.0
MAX_FEDERATED_CREDENTIALS = 20

# Directory extension target object names by entity type (extensionProperty.targetObjects):
# https://learn.microsoft.com/en-us/graph/api/resources/extensionproperty?view=graph-rest-1.0
EXTENSION_TARGETS: dict[str, str] = {
    "#microsoft.graph.user": "User",
    "#microsoft.graph.group": "Group",
    "#microsoft.graph.application": "Application",
    "#microsoft.graph.organization": "Organization",
    "#microsoft.graph.device": "Device",
    "#microsoft.graph.administrativeUnit": "AdministrativeUnit",
}

# Entity sets of objects that several resources list through their own paths (OBJECTS links):
# link name -> (seed key, field that names the owner in each element). Elements of nested sets
# (federatedIdentityCredentials, combinationConfigurations, authenticationMethodConfigurations) live inside
# their owner and have no entry here.
SHARED_SETS: dict[str, tuple[str, str]] = {
    "appRoleAssignedTo": ("appRoleAssignments", "resourceId"),
    "oauth2PermissionGrants": ("oauth2PermissionGrants", "clientId"),
}

# The error a conditional access write answers for a reference to a missing object, by the target's type:
# observed Graph messages (graph-entra.md corrections; CIPP issues 4194 and 3614).
MISSING_REFERENCE_ERRORS: dict[str, str] = {
    "#microsoft.graph.namedLocation": "1040: NamedLocation with id {value} does not exist in the directory.",
    "#microsoft.graph.group": "1054: Invalid group value: {value}.",
    "#microsoft.graph.user": "1053: Invalid user value: {value}.",
    "#microsoft.graph.authenticationStrengthPolicy":
        "1140: Authentication strength policy with id {value} does not exist.",
}

# Properties Graph serves on /beta only: absent from the v1.0 metadata, documented on the beta pages. The v1.0
# endpoint refuses them on write and leaves them out of its answers; /beta accepts and returns them.
BETA_PROPERTIES: dict[str, dict[str, str]] = {
    "microsoft.graph.authenticationMethodsPolicy": {
        "systemCredentialPreferences":
            "https://learn.microsoft.com/en-us/graph/api/resources/authenticationmethodspolicy?view=graph-rest-beta",
        "reportSuspiciousActivitySettings":
            "https://learn.microsoft.com/en-us/graph/api/resources/authenticationmethodspolicy?view=graph-rest-beta",
    },
    "microsoft.graph.organization": {
        name: "https://learn.microsoft.com/en-us/graph/api/resources/organization?view=graph-rest-beta"
        for name in ("onPremisesSyncStatus", "directorySizeQuota", "isMultipleDataLocationsForServicesEnabled")
    },
}
