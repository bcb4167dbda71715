"""The emulator's facts about the policies it serves: Conditional Access policies, named locations,
authentication strengths, the authentication methods policy and the authorization policy. Each fact cites its
Microsoft Learn page; property existence, types and enums come from the metadata.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from entragit.emulator.facts.model import DeleteKind, EntitySet, Link, LinkKind, Ref

LEARN = "https://learn.microsoft.com/en-us/graph/api/"
ZERO_ID = "00000000-0000-0000-0000-000000000000"


def _names(text: str) -> frozenset[str]:
    return frozenset(text.split())


# ---------------------------------------------------------------------------------------------- named locations
@dataclass(frozen=True)
class NamedLocationSet(EntitySet):
    def delete_refused(self, obj: dict[str, Any]) -> str | None:
        """A trusted IP location cannot be deleted until isTrusted is false (graph-entra.md corrections)."""
        if obj.get("isTrusted") is True:
            return "a trusted named location cannot be deleted; set isTrusted to false first"
        return None


NAMED_LOCATIONS = NamedLocationSet(
    key="namedLocations", title="named location", collection="identity/conditionalAccess/namedLocations",
    entity="microsoft.graph.namedLocation", source=LEARN + "resources/namedlocation?view=graph-rest-1.0",
    page_max=100, delete=DeleteKind.SOFT_POLICY, deleted_container="namedLocations",
    read_only=_names("id createdDateTime modifiedDateTime deletedDateTime"),  # [N1][N2]
    select_only=_names("deletedDateTime"),  # set in the deleted-items container only
    required=_names("displayName"),
    # POST and PATCH name the derived type (ipNamedLocation | countryNamedLocation) (conditionalaccessroot-post-
    # namedlocations, ipnamedlocation-update); each ipRanges element its own: ipRange is abstract in the metadata
    requires_odata_type=True, polymorphic=True,
    # defaults of the posted type only [N1][N2]
    create_defaults=(("isTrusted", False), ("includeUnknownCountriesAndRegions", False),
                     ("countryLookupMethod", "clientIpAddress")),
)


# ---------------------------------------------------------------------------------------------- strengths
BUILT_IN_STRENGTHS = frozenset({  # authenticationstrengthroot-list-policies [S2]
    "00000000-0000-0000-0000-000000000002", "00000000-0000-0000-0000-000000000003",
    "00000000-0000-0000-0000-000000000004",
})


@dataclass(frozen=True)
class StrengthSet(EntitySet):
    """Built-in strengths cannot be updated or deleted [S1]."""

    def _built_in(self, obj: dict[str, Any]) -> bool:
        return obj.get("policyType") == "builtIn" or obj.get("id") in BUILT_IN_STRENGTHS

    def update_refused(self, obj: dict[str, Any]) -> str | None:
        return "built-in authentication strength (cannot be updated or deleted)" if self._built_in(obj) else None

    def undeletable(self, obj: dict[str, Any]) -> str | None:
        return self.update_refused(obj)

    def delete_kind(self, obj: dict[str, Any]) -> DeleteKind:
        return DeleteKind.NONE if self._built_in(obj) else self.delete


STRENGTHS = StrengthSet(
    key="authenticationStrengthPolicies", title="authentication strength policy",
    collection="policies/authenticationStrengthPolicies", entity="microsoft.graph.authenticationStrengthPolicy",
    source=LEARN + "resources/authenticationstrengthpolicy?view=graph-rest-1.0",
    page_max=100, delete=DeleteKind.HARD,
    read_only=_names("id createdDateTime modifiedDateTime policyType requirementsSatisfied"),  # [S1]
    required=_names("displayName allowedCombinations"),  # [S3]
    # not by PATCH [S4]: POST .../updateAllowedCombinations [S5]
    actions=(("allowedCombinations", "updateAllowedCombinations"),),
    create_defaults=(("description", None), ("policyType", "custom"), ("requirementsSatisfied", "mfa")),
    links=(
        # returned inside the policy GET [S2], posted inline at create [S3], changed through the sub-resource
        Link("combinationConfigurations", LinkKind.OBJECTS,
             read="policies/authenticationStrengthPolicies/{id}/combinationConfigurations",
             add="POST policies/authenticationStrengthPolicies/{id}/combinationConfigurations",
             update="PATCH policies/authenticationStrengthPolicies/{id}/combinationConfigurations/{ref}",
             remove="DELETE policies/authenticationStrengthPolicies/{id}/combinationConfigurations/{ref}",
             read_only=frozenset({"id"}), inline=True, requires_odata_type=True,
             source=LEARN + "resources/authenticationcombinationconfiguration?view=graph-rest-1.0"),
    ),
)


# ---------------------------------------------------------------------------------------------- CA policies
_USERS = "conditions.users"
_APPS = "conditions.applications"
_USER_SPECIALS = frozenset({"All", "None", "GuestsOrExternalUsers"})  # conditionalaccessusers [C7]
_APP_SPECIALS = frozenset({"All", "None", "Office365", "MicrosoftAdminPortals"})  # conditionalaccessapplications [C8]
_LOCATION_SPECIALS = frozenset({"All", "AllTrusted", ZERO_ID})  # conditionalaccesslocations [C9]

CA_POLICIES = EntitySet(
    key="conditionalAccessPolicies", title="conditional access policy",
    collection="identity/conditionalAccess/policies", entity="microsoft.graph.conditionalAccessPolicy",
    source=LEARN + "resources/conditionalaccesspolicy?view=graph-rest-1.0",
    page_max=100, delete=DeleteKind.SOFT_POLICY, deleted_container="policies",
    # read-only [C1]; templateId is documented without "read-only": the strict reading refuses it (docs/emulator.md)
    read_only=_names("id createdDateTime modifiedDateTime deletedDateTime templateId"),
    select_only=_names("deletedDateTime"),  # set in the deleted-items container only
    required=_names("displayName state conditions"),  # [C1][C6]
    # GET expands grantControls.authenticationStrength to the strength object [C2]
    expanded=("grantControls.authenticationStrength",),
    # the id and value lists of the conditions are sets: not answered in the written order (see EntitySet.reordered)
    reordered=tuple(f"conditions.{p}" for p in (
        "users.includeUsers", "users.excludeUsers", "users.includeGroups", "users.excludeGroups",
        "users.includeRoles", "users.excludeRoles", "applications.includeApplications",
        "applications.excludeApplications", "locations.includeLocations", "locations.excludeLocations",
        "platforms.includePlatforms", "platforms.excludePlatforms", "clientAppTypes")),
    create_defaults=(("description", None), ("templateId", None), ("sessionControls", None)),
    # references validated on write (graph-entra.md corrections); applications by appId are not validated
    refs=(
        Ref(f"{_USERS}.includeUsers[]", ("users",), specials=_USER_SPECIALS),
        Ref(f"{_USERS}.excludeUsers[]", ("users",), specials=_USER_SPECIALS),
        Ref(f"{_USERS}.includeGroups[]", ("groups",)),
        Ref(f"{_USERS}.excludeGroups[]", ("groups",)),
        Ref(f"{_APPS}.includeApplications[]", ("applications", "servicePrincipals"), by="appId",
            specials=_APP_SPECIALS),
        Ref(f"{_APPS}.excludeApplications[]", ("applications", "servicePrincipals"), by="appId",
            specials=_APP_SPECIALS),
        Ref("conditions.clientApplications.includeServicePrincipals[]", ("servicePrincipals",),
            specials=frozenset({"ServicePrincipalsInMyTenant"})),  # [C11]
        Ref("conditions.clientApplications.excludeServicePrincipals[]", ("servicePrincipals",),
            specials=frozenset({"ServicePrincipalsInMyTenant"})),
        Ref("conditions.locations.includeLocations[]", ("namedLocations",), specials=_LOCATION_SPECIALS),
        Ref("conditions.locations.excludeLocations[]", ("namedLocations",), specials=_LOCATION_SPECIALS),
        Ref("grantControls.authenticationStrength.id", ("authenticationStrengthPolicies",)),  # [C10]
    ),
)


# ---------------------------------------------------------------------------------------------- singletons
METHODS_POLICY = EntitySet(
    key="authenticationMethodsPolicy", title="authentication methods policy",
    collection="policies/authenticationMethodsPolicy", entity="microsoft.graph.authenticationMethodsPolicy",
    source=LEARN + "resources/authenticationmethodspolicy?view=graph-rest-1.0",
    singleton=True, delete=DeleteKind.NONE,
    read_only=_names("id displayName description lastModifiedDateTime policyVersion"),  # [M1]
    query_options=False,  # "This method doesn't support any optional query parameters" [M2]
    patch_returns_object=True,  # PATCH answers 200 with the object [M3]
    links=(
        # returned inline by the policy GET [M2]; every PATCH carries @odata.type [M6]
        Link("authenticationMethodConfigurations", LinkKind.OBJECTS,
             read="policies/authenticationMethodsPolicy/authenticationMethodConfigurations",
             add="POST policies/authenticationMethodsPolicy/authenticationMethodConfigurations",
             update="PATCH policies/authenticationMethodsPolicy/authenticationMethodConfigurations/{ref}",
             remove="DELETE policies/authenticationMethodsPolicy/authenticationMethodConfigurations/{ref}",
             inline=True, requires_odata_type=True,
             source=LEARN + "resources/authenticationmethodconfiguration?view=graph-rest-1.0"),
    ),
)

AUTHORIZATION_POLICY = EntitySet(
    key="authorizationPolicy", title="authorization policy", collection="policies/authorizationPolicy",
    entity="microsoft.graph.authorizationPolicy", source=LEARN + "resources/authorizationpolicy?view=graph-rest-1.0",
    singleton=True, directory_object=True, delete=DeleteKind.NONE,
    read_only=_names("id deletedDateTime"),  # [Z1]
    aliases=("policies/authorizationPolicy/authorizationPolicy",),  # how beta addresses it
)

POLICIES = (NAMED_LOCATIONS, STRENGTHS, CA_POLICIES, AUTHORIZATION_POLICY, METHODS_POLICY)
