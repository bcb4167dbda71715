"""Small hand-made canonical objects shaped like the demo tenant's (as stored in tenant-state/)."""

from __future__ import annotations

import copy
from typing import Any

Tree = dict[str, dict[str, dict[str, Any]]]

FIRST_PARTY_TENANT = "f8cdef31-a31e-4b4a-93e4-5f571e91255a"
OUR_TENANT = "267ca633-4d06-548a-9e5a-091c5ad9f9ea"


def gid(n: int) -> str:
    """A GUID-shaped id from a number."""
    return f"{n:08d}-0000-4000-8000-{n:012d}"


def location(n: int, name: str = "HQ", cidr: str = "203.0.113.0/24", trusted: bool = False) -> dict[str, Any]:
    return {"@odata.type": "#microsoft.graph.ipNamedLocation", "createdDateTime": "2022-04-05T08:00:00Z",
            "displayName": name, "id": gid(n),
            "ipRanges": [{"@odata.type": "#microsoft.graph.iPv4CidrRange", "cidrAddress": cidr}],
            "isTrusted": trusted}


def strength(n: int, name: str = "FIDO2 only", combos: list[str] | None = None) -> dict[str, Any]:
    return {"allowedCombinations": combos or ["fido2"], "combinationConfigurations": [],
            "createdDateTime": "2023-01-30T17:36:00Z", "description": None, "displayName": name, "id": gid(n),
            "policyType": "custom", "requirementsSatisfied": "mfa"}


def user(n: int, name: str = "Adele Vance", *, synced: bool = False, manager: str | None = None,
         **props: Any) -> dict[str, Any]:
    obj = {"accountEnabled": True, "businessPhones": [], "city": "Seattle", "department": "Sales",
           "displayName": name, "givenName": name.split()[0], "id": gid(n), "jobTitle": "Seller",
           "mail": f"u{n}@contoso.com", "mailNickname": f"u{n}", "manager": manager,
           "onPremisesSyncEnabled": True if synced else None, "otherMails": [], "surname": name.split()[-1],
           "userPrincipalName": f"u{n}@contoso.com", "userType": "Member", "createdDateTime": "2021-01-01T00:00:00Z",
           "aboutMe": None}
    if synced:
        obj["_entragit"] = {"onPremisesMastered": True}
        obj["onPremisesImmutableId"] = "abc=="
    obj.update(props)
    return obj


def group(n: int, name: str = "Engineering", *, kind: str = "security", members: list[str] | None = None,
          owners: list[str] | None = None, synced: bool = False, **props: Any) -> dict[str, Any]:
    group_types: list[str] = []
    mail_enabled, security = False, True
    if kind == "m365":
        group_types, mail_enabled, security = ["Unified"], True, False
    elif kind == "dynamic":
        group_types = ["DynamicMembership"]
    elif kind == "mail-security":
        mail_enabled = True
    elif kind == "distribution":
        mail_enabled, security = True, False
    obj = {"createdDateTime": "2021-01-01T00:00:00Z", "description": f"{name} staff.", "displayName": name,
           "groupTypes": group_types, "id": gid(n), "isAssignableToRole": None, "mail": None,
           "mailEnabled": mail_enabled, "mailNickname": name.lower().replace(" ", ""),
           "membershipRule": '(user.department -eq "Sales")' if kind == "dynamic" else None,
           "membershipRuleProcessingState": "On" if kind == "dynamic" else None,
           "members": sorted(members or []), "owners": sorted(owners or []),
           "onPremisesSyncEnabled": True if synced else None, "securityEnabled": security, "visibility": None}
    meta = {}
    if synced:
        meta["onPremisesMastered"] = True
    if kind in ("mail-security", "distribution"):
        meta["neverWritten"] = "mail-enabled security and distribution groups are managed in Exchange"
    if meta:
        obj["_entragit"] = meta
    obj.update(props)
    return obj


def application(n: int, app_id: str, name: str = "Contoso Expenses API", **props: Any) -> dict[str, Any]:
    obj = {"appId": app_id, "createdDateTime": "2021-01-01T00:00:00Z", "displayName": name,
           "federatedIdentityCredentials": [], "id": gid(n), "identifierUris": [f"api://{app_id}"],
           "owners": [], "requiredResourceAccess": [], "signInAudience": "AzureADMyOrg", "tags": []}
    obj.update(props)
    return obj


def service_principal(n: int, app_id: str, name: str = "Contoso Expenses API", *, first_party: bool = False,
                      assigned: list[dict[str, Any]] | None = None, grants: list[dict[str, Any]] | None = None,
                      **props: Any) -> dict[str, Any]:
    obj = {"accountEnabled": True, "appDisplayName": name, "appId": app_id,
           "appOwnerOrganizationId": FIRST_PARTY_TENANT if first_party else OUR_TENANT,
           "appRoleAssignedTo": assigned or [], "appRoleAssignmentRequired": False, "displayName": name,
           "id": gid(n), "notes": None, "oauth2PermissionGrants": grants or [], "owners": [],
           "servicePrincipalNames": [app_id], "servicePrincipalType": "Application", "tags": []}
    if first_party:
        obj["_entragit"] = {"neverWritten": "Microsoft first-party service principal"}
    obj.update(props)
    return obj


def assignment(eid: str, principal: str, resource: str, role: str, ptype: str = "User") -> dict[str, Any]:
    return {"appRoleId": role, "createdDateTime": "2021-09-27T22:24:00Z", "deletedDateTime": None, "id": eid,
            "principalId": principal, "principalType": ptype, "resourceId": resource}


def grant(eid: str, client: str, resource: str, scope: str = "User.Read", principal: str | None = None
          ) -> dict[str, Any]:
    return {"clientId": client, "consentType": "Principal" if principal else "AllPrincipals", "id": eid,
            "principalId": principal, "resourceId": resource, "scope": scope}


def ca_policy(n: int, name: str = "Require MFA", *, state: str = "enabled", include_users: list[str] | None = None,
              exclude_users: list[str] | None = None, include_groups: list[str] | None = None,
              exclude_groups: list[str] | None = None, include_apps: list[str] | None = None,
              include_locations: list[str] | None = None, exclude_locations: list[str] | None = None,
              controls: list[str] | None = None, strength_id: str | None = None) -> dict[str, Any]:
    locations = None
    if include_locations is not None or exclude_locations is not None:
        locations = {"excludeLocations": sorted(exclude_locations or []),
                     "includeLocations": sorted(include_locations or [])}
    return {
        "conditions": {
            "applications": {"applicationFilter": None, "excludeApplications": [],
                             "includeApplications": include_apps or ["All"],
                             "includeAuthenticationContextClassReferences": [], "includeUserActions": []},
            "clientAppTypes": ["all"], "clientApplications": None, "devices": None, "locations": locations,
            "platforms": None, "servicePrincipalRiskLevels": [], "signInRiskLevels": [], "userRiskLevels": [],
            "users": {"excludeGroups": sorted(exclude_groups or []), "excludeGuestsOrExternalUsers": None,
                      "excludeRoles": [], "excludeUsers": sorted(exclude_users or []),
                      "includeGroups": sorted(include_groups or []), "includeGuestsOrExternalUsers": None,
                      "includeRoles": [], "includeUsers": sorted(include_users or ["All"])},
        },
        "createdDateTime": "2023-08-23T03:12:00Z", "displayName": name,
        "grantControls": {"authenticationStrength": {"id": strength_id} if strength_id else None,
                          "builtInControls": controls if controls is not None else ([] if strength_id else ["mfa"]),
                          "customAuthenticationFactors": [], "operator": "OR", "termsOfUse": []},
        "id": gid(n), "sessionControls": None, "state": state, "templateId": None,
    }


def tree(*objects: tuple[str, dict[str, Any]]) -> Tree:
    out: Tree = {}
    for type_key, obj in objects:
        out.setdefault(type_key, {})[obj["id"]] = copy.deepcopy(obj)
    return out


def without(t: Tree, type_key: str, obj_id: str) -> Tree:
    out = copy.deepcopy(t)
    del out[type_key][obj_id]
    return out
