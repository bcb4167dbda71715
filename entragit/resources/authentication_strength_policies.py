"""authenticationStrengthPolicies: built-in and custom authentication strengths used by Conditional Access.

Sources (Microsoft Learn, v1.0):
- resource: https://learn.microsoft.com/en-us/graph/api/resources/authenticationstrengthpolicy?view=graph-rest-1.0 [S1]
- list (built-in + custom; only $filter):
  https://learn.microsoft.com/en-us/graph/api/authenticationstrengthroot-list-policies?view=graph-rest-1.0 [S2]
- create: https://learn.microsoft.com/en-us/graph/api/authenticationstrengthroot-post-policies?view=graph-rest-1.0 [S3]
- update (displayName, description only):
  https://learn.microsoft.com/en-us/graph/api/authenticationstrengthpolicy-update?view=graph-rest-1.0 [S4]
- updateAllowedCombinations (POST, 200):
  https://learn.microsoft.com/en-us/graph/api/authenticationstrengthpolicy-updateallowedcombinations?view=graph-rest-1.0 [S5]
- combination configurations:
  https://learn.microsoft.com/en-us/graph/api/resources/authenticationcombinationconfiguration?view=graph-rest-1.0
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from entragit.resources._common import RO, STR, STRS
from entragit.resources.base import (
    Channel,
    CreateHow,
    CreateKey,
    DeleteKind,
    Link,
    LinkKind,
    Prop,
    ResourceType,
)

# The built-in strengths have fixed ids in every tenant [S2].
BUILT_IN_IDS = frozenset({
    "00000000-0000-0000-0000-000000000002",  # Multifactor authentication
    "00000000-0000-0000-0000-000000000003",  # Passwordless MFA
    "00000000-0000-0000-0000-000000000004",  # Phishing-resistant MFA
})

PROPS: tuple[Prop, ...] = (
    Prop("id", RO, json_type=STR),
    Prop("createdDateTime", RO, json_type=STR),
    Prop("modifiedDateTime", RO, json_type=STR),
    Prop("displayName", json_type=STR, required_on_create=True),
    Prop("description", json_type=STR),
    Prop("allowedCombinations", Channel.ACTION, json_type=STRS, action="updateAllowedCombinations", required_on_create=True,
         note='POST .../{id}/updateAllowedCombinations {"allowedCombinations": [...]} → 200 [S5]; '
              "not by PATCH [S4]; sent inline on create [S3]"),
    Prop("policyType", RO, json_type=STR, note="builtIn | custom [S1]"),
    Prop("requirementsSatisfied", RO, json_type=STR, note="computed (none | mfa) [S1]"),
)

COMBINATION_CONFIGURATIONS = Link(
    name="combinationConfigurations",
    kind=LinkKind.OBJECTS,
    read="policies/authenticationStrengthPolicies/{id}/combinationConfigurations",
    add="POST policies/authenticationStrengthPolicies/{id}/combinationConfigurations",
    update="PATCH policies/authenticationStrengthPolicies/{id}/combinationConfigurations/{ref}",
    remove="DELETE policies/authenticationStrengthPolicies/{id}/combinationConfigurations/{ref}",
    key=("@odata.type", "appliesToCombinations"),
    read_only=frozenset({"id"}),
    unordered=("appliesToCombinations", "allowedAAGUIDs", "allowedIssuers", "allowedIssuerSkis",
               "allowedPolicyOIDs"),
    sort_by=("@odata.type", "appliesToCombinations"),
    inline=True,
    requires_odata_type=True,
    note="fido2CombinationConfiguration (allowedAAGUIDs) and x509CertificateCombinationConfiguration "
         "(allowedIssuerSkis, allowedPolicyOIDs) restrictions; returned inside the policy GET [S2], may be "
         "posted inline at create [S3], changed afterwards through the sub-resource. The key compares "
         "appliesToCombinations as a sorted list (its id is server-generated).",
)


@dataclass(frozen=True)
class AuthenticationStrengthPoliciesType(ResourceType):
    """Built-in strengths are exported (CA policies reference them) but never written or deleted."""

    def is_built_in(self, obj: dict[str, Any]) -> bool:
        return obj.get("policyType") == "builtIn" or obj.get("id") in BUILT_IN_IDS

    def never_written(self, obj: dict[str, Any]) -> str | None:
        if self.is_built_in(obj):
            return "built-in authentication strength (cannot be updated or deleted)"
        return None

    def delete_kind(self, obj: dict[str, Any]) -> DeleteKind:
        return DeleteKind.NONE if self.is_built_in(obj) else self.delete


TYPE = AuthenticationStrengthPoliciesType(
    key="authenticationStrengthPolicies",
    title="authentication strength policy",
    collection="policies/authenticationStrengthPolicies",
    odata_type="#microsoft.graph.authenticationStrengthPolicy",
    display="displayName",
    props=PROPS,
    select_query=False,  # the list supports only $filter [S2]
    volatile=frozenset({"modifiedDateTime"}),
    unordered=("allowedCombinations",),
    links=(COMBINATION_CONFIGURATIONS,),
    delta=False,
    # UNCONFIRMED: the list documents no paging; a tenant holds at most 15 custom strengths
    page_default=100,
    page_max=100,
    delete=DeleteKind.HARD,
    order=20,
    # no alternate key: created with a marked displayName (found again by it, from any clone, until the plan's
    # last step writes the real name once the new id is recorded)
    create_key=CreateKey("displayName", CreateHow.MARKER),
    create_defaults=(
        ("description", None),
        ("policyType", "custom"),
        ("requirementsSatisfied", "mfa"),
    ),
    notes=(
        "Referenced by CA grantControls.authenticationStrength.id; built-ins "
        "00000000-0000-0000-0000-000000000002/3/4 exist in every tenant [S2]. Deleting a custom strength is "
        "permanent (a recreate gets a new id, CA references are remapped); Graph refuses to delete a "
        "strength still used by a CA policy. "
        "https://learn.microsoft.com/en-us/graph/api/resources/authenticationstrengthpolicy?view=graph-rest-1.0"
    ),
)
