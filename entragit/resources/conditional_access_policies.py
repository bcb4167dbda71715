"""conditionalAccessPolicies: Conditional Access policies.

Sources (Microsoft Learn, v1.0 unless noted):
- resource: https://learn.microsoft.com/en-us/graph/api/resources/conditionalaccesspolicy?view=graph-rest-1.0 [C1]
- list ($skip, $top, $count, $filter, $orderby, $select; page size not documented):
  https://learn.microsoft.com/en-us/graph/api/conditionalaccessroot-list-policies?view=graph-rest-1.0 [C2]
- create/update/delete: conditionalaccessroot-post-policies [C3], conditionalaccesspolicy-update [C4],
  conditionalaccesspolicy-delete [C5]
- conditions: conditionalaccessconditionset [C6], conditionalaccessusers [C7], conditionalaccessapplications [C8],
  conditionalaccesslocations [C9], conditionalaccessgrantcontrols [C10], conditionalaccessclientapplications [C11]
- deleted items (beta; restore not supported app-only):
  https://learn.microsoft.com/en-us/graph/api/conditionalaccesspolicy-restore?view=graph-rest-beta [C14]
- throttling, 1 request/s per tenant without Retry-After: https://learn.microsoft.com/en-us/graph/throttling-limits
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from entragit.resources._common import OBJ, RO, STR, ZERO_ID
from entragit.resources.base import CreateHow, CreateKey, DeleteKind, Prop, Ref, ResourceType, UserScope

_USERS = "conditions.users"
_APPS = "conditions.applications"

PROPS: tuple[Prop, ...] = (
    Prop("id", RO, json_type=STR),
    Prop("createdDateTime", RO, json_type=STR),
    Prop("modifiedDateTime", RO, json_type=STR),
    Prop("deletedDateTime", RO, json_type=STR, select=False, note="beta only (deleted items)"),
    Prop("templateId", RO, json_type=STR, note="documented without 'read-only' [C1]; not sent (graph-entra.md §6 INFERENCE)"),
    Prop("displayName", json_type=STR, required_on_create=True),
    Prop("description", json_type=STR),
    Prop("state", json_type=STR, required_on_create=True, note="enabled | disabled | enabledForReportingButNotEnforced [C1]"),
    Prop("conditions", json_type=OBJ, required_on_create=True,
         note="needs applications and users (or clientApplications) and clientAppTypes [C1][C6]"),
    Prop("grantControls", json_type=OBJ, note="GET expands authenticationStrength to the full strength object; written "
                               "as {\"id\": ...} (graph-entra.md §6, [X4])"),
    Prop("sessionControls", json_type=OBJ),
)

_USER_SPECIALS = frozenset({"All", "None", "GuestsOrExternalUsers"})
_APP_SPECIALS = frozenset({"All", "None", "Office365", "MicrosoftAdminPortals"})
_LOCATION_SPECIALS = frozenset({"All", "AllTrusted", ZERO_ID})

REFS: tuple[Ref, ...] = (
    Ref(f"{_USERS}.includeUsers[]", ("users",), specials=_USER_SPECIALS),
    Ref(f"{_USERS}.excludeUsers[]", ("users",), specials=_USER_SPECIALS),
    Ref(f"{_USERS}.includeGroups[]", ("groups",)),
    Ref(f"{_USERS}.excludeGroups[]", ("groups",)),
    # include/excludeRoles point at directory role templates (tenant-independent for built-in roles):
    # not a type entragit manages, so not declared as references.
    Ref(f"{_APPS}.includeApplications[]", ("applications", "servicePrincipals"), by="appId",
        specials=_APP_SPECIALS),
    Ref(f"{_APPS}.excludeApplications[]", ("applications", "servicePrincipals"), by="appId",
        specials=_APP_SPECIALS),
    Ref("conditions.clientApplications.includeServicePrincipals[]", ("servicePrincipals",),
        specials=frozenset({"ServicePrincipalsInMyTenant"})),
    Ref("conditions.clientApplications.excludeServicePrincipals[]", ("servicePrincipals",),
        specials=frozenset({"ServicePrincipalsInMyTenant"})),
    Ref("conditions.locations.includeLocations[]", ("namedLocations",), specials=_LOCATION_SPECIALS),
    Ref("conditions.locations.excludeLocations[]", ("namedLocations",), specials=_LOCATION_SPECIALS),
    # built-in strengths (...0002/3/4) are real objects of authenticationStrengthPolicies
    Ref("grantControls.authenticationStrength.id", ("authenticationStrengthPolicies",)),
)



# Every member of the platform and client-app enums but "all" and "unknownFutureValue" (conditionalAccessDevicePlatform,
# conditionalAccessClientApp in Graph's v1.0 metadata; easSupported is the deprecated form of exchangeActiveSync
# [C11]): a policy listing them all covers every sign-in, as "all" does.
_EVERY_PLATFORM = frozenset({"android", "iOS", "windows", "windowsPhone", "macOS", "linux"})
_EVERY_CLIENT_APP = frozenset({"browser", "mobileAppsAndDesktopClients", "exchangeActiveSync", "other"})


def _covers_all(listed: list[str] | None, every: frozenset[str]) -> bool:
    """A condition's include list applies to every sign-in: empty (not configured), "all", or every member."""
    values = set(listed or [])
    return not values or "all" in values or every <= values


@dataclass(frozen=True)
class ConditionalAccessPoliciesType(ResourceType):
    def user_scope(self, obj: dict[str, Any]) -> UserScope | None:
        """Who the policy applies to [C7]. ``active`` unless the policy is off: a report-only policy counts,
        since it is one switch away from being enforced (Learn: "After administrators confirm the settings
        using report-only mode, they can move the Enable policy toggle from Report-only to On"
        https://learn.microsoft.com/en-us/entra/identity/conditional-access/concept-conditional-access-report-only)
        and Learn asks emergency-access accounts to be excluded from the policies, not from the enforced ones
        only (https://learn.microsoft.com/en-us/entra/identity/role-based-access-control/security-emergency-access).
        Any state but "disabled", including a value Graph may add later, counts as active."""
        cond = obj.get("conditions") or {}
        users = cond.get("users") or {}
        include = [u for u in users.get("includeUsers") or [] if u != "None"]
        return UserScope(
            active=obj.get("state") != "disabled",
            everyone="All" in include,
            users=tuple(u for u in include if u not in _USER_SPECIALS),
            groups=tuple(users.get("includeGroups") or ()),
            roles=tuple(users.get("includeRoles") or ()),
            others="GuestsOrExternalUsers" in include or bool(users.get("includeGuestsOrExternalUsers")),
            exclude_users=tuple(users.get("excludeUsers") or ()),
            exclude_groups=tuple(users.get("excludeGroups") or ()),
            blocks_everyone=self._blocks_everyone(obj))

    def _blocks_everyone(self, obj: dict[str, Any]) -> bool:
        """An enabled policy blocking all users from all applications with no narrowing condition (locations,
        platforms, client app types, risk levels, device filter) [C6][C10]; listing every platform or client
        app type is no narrowing."""
        if obj.get("state") != "enabled":
            return False
        grant = obj.get("grantControls") or {}
        if "block" not in (grant.get("builtInControls") or []):
            return False
        cond = obj.get("conditions") or {}
        users = cond.get("users") or {}
        apps = cond.get("applications") or {}
        if "All" not in (users.get("includeUsers") or []) or "All" not in (apps.get("includeApplications") or []):
            return False
        locations = cond.get("locations") or {}
        if locations.get("includeLocations") and "All" not in locations["includeLocations"]:
            return False
        if locations.get("excludeLocations"):
            return False
        platforms = cond.get("platforms") or {}
        if not _covers_all(platforms.get("includePlatforms"), _EVERY_PLATFORM) or platforms.get("excludePlatforms"):
            return False
        if not _covers_all(cond.get("clientAppTypes"), _EVERY_CLIENT_APP):
            return False
        return not any(cond.get(k) for k in ("userRiskLevels", "signInRiskLevels", "servicePrincipalRiskLevels",
                                             "insiderRiskLevels", "devices"))


TYPE = ConditionalAccessPoliciesType(
    key="conditionalAccessPolicies",
    title="conditional access policy",
    collection="identity/conditionalAccess/policies",
    odata_type="#microsoft.graph.conditionalAccessPolicy",
    display="displayName",
    props=PROPS,
    select_query=False,
    volatile=frozenset({"modifiedDateTime"}),
    expanded=("grantControls.authenticationStrength",),
    unordered=(
        f"{_USERS}.includeUsers",
        f"{_USERS}.excludeUsers",
        f"{_USERS}.includeGroups",
        f"{_USERS}.excludeGroups",
        f"{_USERS}.includeRoles",
        f"{_USERS}.excludeRoles",
        f"{_USERS}.includeGuestsOrExternalUsers.externalTenants.members",
        f"{_USERS}.excludeGuestsOrExternalUsers.externalTenants.members",
        f"{_APPS}.includeApplications",
        f"{_APPS}.excludeApplications",
        f"{_APPS}.includeUserActions",
        f"{_APPS}.includeAuthenticationContextClassReferences",
        "conditions.clientApplications.includeServicePrincipals",
        "conditions.clientApplications.excludeServicePrincipals",
        "conditions.locations.includeLocations",
        "conditions.locations.excludeLocations",
        "conditions.platforms.includePlatforms",
        "conditions.platforms.excludePlatforms",
        "conditions.devices.includeDevices",
        "conditions.devices.excludeDevices",
        "conditions.clientAppTypes",
        "conditions.userRiskLevels",
        "conditions.signInRiskLevels",
        "conditions.servicePrincipalRiskLevels",
        "conditions.insiderRiskLevels",
        "grantControls.builtInControls",
        "grantControls.customAuthenticationFactors",
        "grantControls.termsOfUse",
    ),
    refs=REFS,
    delta=False,
    # UNCONFIRMED: Learn documents $top but no default/maximum page size [C2]; a tenant holds at most
    # 195 policies. Never ask for more than 100 per page.
    page_default=100,
    page_max=100,
    delete=DeleteKind.SOFT_PORTAL,
    delete_path="identity/conditionalAccess/deletedItems/policies",
    restore_path="POST identity/conditionalAccess/deletedItems/policies/{id}/restore",
    order=80,
    # Graph refuses a write naming an object that does not exist (graph-entra.md corrections: 1040, 1054), and
    # leaving a reference out changes whom the policy applies to: such a write is stopped, with the reason
    keep_references=True,
    # no alternate key: created with a marked displayName (found again by it, from any clone, until the plan's
    # last step writes the real name once the new id is recorded)
    create_key=CreateKey("displayName", CreateHow.MARKER),
    serialized=True,
    # a recreated policy starts in report-only; the plan enables it once everything it references exists
    # (graph-entra.md §6 restore order: "create disabled or report-only first, verify, then set state")
    create_staged=(("state", "enabledForReportingButNotEnforced"),),
    create_defaults=(
        ("description", None),
        ("templateId", None),
        ("sessionControls", None),
    ),
    notes=(
        "References are validated on write (an unknown group, location or strength id fails the POST/PATCH) "
        "but not cleaned when the target is deleted, so a backup can hold ids Graph now rejects. Deleted "
        "policies go to identity/conditionalAccess/deletedItems/policies (beta) for 30 days; restore there is "
        "not supported for app-only callers, so the applier recreates. A restored policy comes back in the "
        "state it had. Calls are serialized: 1 request/s per tenant, 429 without Retry-After. "
        "https://learn.microsoft.com/en-us/graph/api/resources/conditionalaccesspolicy?view=graph-rest-1.0"
    ),
)
