"""authorizationPolicy: the tenant's authorization settings (singleton).

Sources (Microsoft Learn, v1.0):
- resource: https://learn.microsoft.com/en-us/graph/api/resources/authorizationpolicy?view=graph-rest-1.0 [Z1]
- get: https://learn.microsoft.com/en-us/graph/api/authorizationpolicy-get?view=graph-rest-1.0 [Z2]
- update (204): https://learn.microsoft.com/en-us/graph/api/authorizationpolicy-update?view=graph-rest-1.0 [Z3]
"""

from __future__ import annotations

from entragit.resources._common import BOOL, OBJ, RO, STR, props
from entragit.resources.base import DeleteKind, Prop, ResourceType

# guestUserRoleId takes one of three fixed role template ids [Z3]: not tenant objects, never remapped.
GUEST_ROLE_TEMPLATES = {
    "a0b1b346-4d3e-4e8b-98f8-753987be4970": "User",
    "10dae51f-b6af-4016-8d66-8c2a99b929b3": "Guest User",
    "2af84b1e-32c8-42b7-82bc-daa82404023b": "Restricted Guest User",
}

PROPS: tuple[Prop, ...] = (
    Prop("id", RO, json_type=STR, note='always "authorizationPolicy" [Z1]'),
    Prop("deletedDateTime", RO, json_type=STR, note="inherited from directoryObject; always null"),
    *props("displayName description", json_type=STR),
    *props(
        "allowEmailVerifiedUsersToJoinOrganization allowUserConsentForRiskyApps "
        "allowedToSignUpEmailBasedSubscriptions allowedToUseSSPR blockMsolPowerShell",
        json_type=BOOL,
    ),
    Prop("allowInvitesFrom", json_type=STR,
         note="none | adminsAndGuestInviters | adminsGuestInvitersAndAllMembers | everyone"),
    Prop("defaultUserRolePermissions", json_type=OBJ,
         note="allowedToCreateApps, allowedToCreateSecurityGroups, allowedToCreateTenants, "
              "allowedToReadBitlockerKeysForOwnedDevice, allowedToReadOtherUsers, "
              "permissionGrantPoliciesAssigned (built-in permission grant policy ids) [Z1]"),
    Prop("guestUserRoleId", json_type=STR, note="one of three fixed role template ids [Z3]"),
)

TYPE = ResourceType(
    key="authorizationPolicy",
    title="authorization policy",
    collection="policies/authorizationPolicy",
    odata_type="#microsoft.graph.authorizationPolicy",
    singleton=True,
    display="displayName",
    props=PROPS,
    select_query=False,  # a single small object: no $select needed
    unordered=("defaultUserRolePermissions.permissionGrantPoliciesAssigned",),
    delta=False,
    delete=DeleteKind.NONE,
    order=90,
    directory_object=True,  # policyBase derives from directoryObject [Z1]
    aliases=("policies/authorizationPolicy/authorizationPolicy",),  # how beta addresses it
    notes=(
        "A singleton that always exists; only GET and PATCH [Z1]. Beta addresses it as "
        "policies/authorizationPolicy/authorizationPolicy. "
        "https://learn.microsoft.com/en-us/graph/api/resources/authorizationpolicy?view=graph-rest-1.0"
    ),
)
