"""``check_seed``: a seed's consistency problems (every reference resolves, ids are unique)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from entragit.emulator.seeds.common import (
    BUILTIN_STRENGTH_MFA,
    BUILTIN_STRENGTH_PASSWORDLESS,
    BUILTIN_STRENGTH_PHISHING_RESISTANT,
    CA_SPECIAL_APPLICATIONS,
    CA_SPECIAL_LOCATIONS,
    CA_SPECIAL_SERVICE_PRINCIPALS,
    CA_SPECIAL_USERS,
    DICT_KEYS,
    LIST_KEYS,
    METHOD_TARGET_SPECIAL,
    SEED_KEYS,
    ZERO_GUID,
)
from entragit.emulator.seeds.conformance import schema_problems


def check_seed(seed: Mapping[str, Any]) -> list[str]:
    """Consistency problems of a seed, as readable lines (empty when the seed is consistent).

    Checks: known keys and shapes; unique ids per collection and across directory objects; unique appIds;
    each service principal's appId belongs to an application of the tenant unless it is a Microsoft
    first-party or other foreign application or a managed identity; members, owners, managers, app role
    assignments (principal, type, resource, app role), OAuth2 grants (client, resource, principal,
    scopes), requiredResourceAccess and preAuthorizedApplications, Conditional Access references (users,
    groups, applications by appId, named locations, authentication strengths, service principals),
    authentication method targets, built-in strengths, directory extensions and their use on objects; and
    every object's properties against Graph's v1.0 metadata (``conformance.py``). Special values (``All``, ``AllTrusted``, ``all_users``, the all-zeros id, ...) are not references.
    """
    problems: list[str] = []
    p = problems.append
    for key in seed:
        if key not in SEED_KEYS:
            p(f"unknown key {key!r}")
    for key in SEED_KEYS:
        if key == "directoryExtensions":
            continue
        if key not in seed:
            p(f"missing key {key!r}")
        elif key in DICT_KEYS and not isinstance(seed[key], dict):
            p(f"{key} must be an object")
        elif key in LIST_KEYS and not (isinstance(seed[key], list) and all(isinstance(o, dict) for o in seed[key])):
            p(f"{key} must be a list of objects")
    if problems:
        return problems

    tenant = seed["tenantId"]
    if seed["organization"].get("id") != tenant:
        p(f"organization.id {seed['organization'].get('id')!r} differs from tenantId {tenant!r}")

    def index(key: str) -> dict[str, dict[str, Any]]:
        out: dict[str, dict[str, Any]] = {}
        for i, obj in enumerate(seed.get(key) or []):
            oid = obj.get("id")
            if not isinstance(oid, str) or not oid:
                p(f"{key}[{i}] has no id")
            elif oid in out:
                p(f"{key}: duplicate id {oid}")
            else:
                out[oid] = obj
        return out

    users, groups, apps, sps = index("users"), index("groups"), index("applications"), index("servicePrincipals")
    devices, contacts = index("devices"), index("contacts")
    locations, strengths = index("namedLocations"), index("authenticationStrengthPolicies")
    policies = index("conditionalAccessPolicies")
    index("appRoleAssignments")
    index("oauth2PermissionGrants")
    index("directoryExtensions")
    seen: dict[str, str] = {}
    for key, objs in (("users", users), ("groups", groups), ("applications", apps), ("servicePrincipals", sps),
                      ("devices", devices), ("contacts", contacts)):
        for oid in objs:
            if oid in seen:
                p(f"{key}: id {oid} is also a {seen[oid]} id")
            seen.setdefault(oid, key)

    def label(key: str, obj: Mapping[str, Any]) -> str:
        name = obj.get("displayName") or obj.get("userPrincipalName") or ""
        return f"{key} {obj.get('id')}" + (f" ({name})" if name else "")

    app_by_appid: dict[str, dict[str, Any]] = {}
    for app in apps.values():
        app_id = app.get("appId")
        if not app_id:
            p(f"{label('application', app)} has no appId")
        elif app_id in app_by_appid:
            p(f"applications: duplicate appId {app_id}")
        else:
            app_by_appid[app_id] = app
    sp_by_appid: dict[str, dict[str, Any]] = {}
    for sp in sps.values():
        app_id = sp.get("appId")
        if not app_id:
            p(f"{label('servicePrincipal', sp)} has no appId")
            continue
        if app_id in sp_by_appid:
            p(f"servicePrincipals: duplicate appId {app_id}")
        sp_by_appid[app_id] = sp
        foreign = sp.get("appOwnerOrganizationId") not in (tenant, None)
        agent = str(sp.get("@odata.type", "")).endswith(".agentIdentity")  # parented by a blueprint, no app
        if app_id not in app_by_appid and not foreign and not agent and sp.get("servicePrincipalType") != "ManagedIdentity":
            p(f"{label('servicePrincipal', sp)}: appId {app_id} matches no application of the tenant")
    known_appids = app_by_appid.keys() | sp_by_appid.keys()

    def roles_and_scopes(app_id: str) -> tuple[set[str], set[str], set[str]]:
        """(app role ids, scope ids, scope values) a resource appId exposes."""
        obj = app_by_appid.get(app_id)
        if obj is not None:
            roles, scopes = obj.get("appRoles") or [], (obj.get("api") or {}).get("oauth2PermissionScopes") or []
        else:
            sp = sp_by_appid.get(app_id) or {}
            roles, scopes = sp.get("appRoles") or [], sp.get("oauth2PermissionScopes") or []
        return ({r.get("id") for r in roles}, {s.get("id") for s in scopes}, {s.get("value") for s in scopes})

    principals = {**{k: "User" for k in users}, **{k: "Group" for k in groups},
                  **{k: "ServicePrincipal" for k in sps}, **{k: "Device" for k in devices},
                  **{k: "OrgContact" for k in contacts}}
    owner_pool = users.keys() | sps.keys()

    def refs(where: str, values: Any, targets: Mapping[str, Any] | set[str], what: str,
             special: frozenset[str] = frozenset()) -> None:
        if values is None:
            return
        if not isinstance(values, list):
            p(f"{where} must be a list")
            return
        for value in values:
            if value not in special and value not in targets:
                p(f"{where}: {what} {value!r} does not exist")

    for user in users.values():
        manager = user.get("manager")
        if manager is not None and ((manager not in users and manager not in contacts) or manager == user["id"]):
            p(f"{label('user', user)}: manager {manager!r} is not another user or an organizational contact")
    for group in groups.values():
        where = label("group", group)
        refs(f"{where} members", group.get("members", []), principals, "member")
        refs(f"{where} owners", group.get("owners", []), owner_pool, "owner")
        if group["id"] in (group.get("members") or []):
            p(f"{where} is a member of itself")
        if "Unified" in (group.get("groupTypes") or []):
            for member in group.get("members") or []:
                if member in principals and member not in users:
                    p(f"{where}: Microsoft 365 groups accept users only, not {principals[member]} {member}")
    for app in apps.values():
        where = label("application", app)
        refs(f"{where} owners", app.get("owners", []), owner_pool, "owner")
        for rra in app.get("requiredResourceAccess") or []:
            resource = rra.get("resourceAppId")
            if resource not in known_appids:
                p(f"{where} requiredResourceAccess: resourceAppId {resource!r} does not exist")
                continue
            role_ids, scope_ids, _ = roles_and_scopes(resource)
            for access in rra.get("resourceAccess") or []:
                pool = role_ids if access.get("type") == "Role" else scope_ids
                if access.get("id") not in pool:
                    p(f"{where} requiredResourceAccess: {access.get('type')} {access.get('id')!r} is not "
                      f"exposed by {resource}")
        for pre in (app.get("api") or {}).get("preAuthorizedApplications") or []:
            if pre.get("appId") not in known_appids:
                p(f"{where} api.preAuthorizedApplications: appId {pre.get('appId')!r} does not exist")
        refs(f"{where} api.knownClientApplications", (app.get("api") or {}).get("knownClientApplications", []),
             known_appids, "appId")
    for sp in sps.values():
        refs(f"{label('servicePrincipal', sp)} owners", sp.get("owners", []), owner_pool, "owner")

    for i, assignment in enumerate(seed["appRoleAssignments"]):
        where = f"appRoleAssignments[{i}] ({assignment.get('id')})"
        principal, resource = assignment.get("principalId"), assignment.get("resourceId")
        if principal not in principals:
            p(f"{where}: principalId {principal!r} does not exist")
        elif assignment.get("principalType") != principals[principal]:
            p(f"{where}: principalType {assignment.get('principalType')!r} but {principal} is a "
              f"{principals[principal]}")
        if resource not in sps:
            p(f"{where}: resourceId {resource!r} is not a service principal")
        else:
            role_ids = {r.get("id") for r in sps[resource].get("appRoles") or []}
            if assignment.get("appRoleId") not in role_ids | {ZERO_GUID}:
                p(f"{where}: appRoleId {assignment.get('appRoleId')!r} is not an app role of {resource}")
    for i, grant in enumerate(seed["oauth2PermissionGrants"]):
        where = f"oauth2PermissionGrants[{i}] ({grant.get('id')})"
        if grant.get("clientId") not in sps:
            p(f"{where}: clientId {grant.get('clientId')!r} is not a service principal")
        resource = sps.get(grant.get("resourceId"))
        if resource is None:
            p(f"{where}: resourceId {grant.get('resourceId')!r} is not a service principal")
        else:
            values = {s.get("value") for s in resource.get("oauth2PermissionScopes") or []}
            for scope in (grant.get("scope") or "").split():
                if scope not in values:
                    p(f"{where}: scope {scope!r} is not exposed by {resource.get('displayName')}")
        consent = grant.get("consentType")
        if consent == "Principal":
            if grant.get("principalId") not in users:
                p(f"{where}: principalId {grant.get('principalId')!r} is not a user")
        elif consent == "AllPrincipals":
            if grant.get("principalId") is not None:
                p(f"{where}: AllPrincipals grant with a principalId")
        else:
            p(f"{where}: consentType {consent!r} is not Principal or AllPrincipals")

    for policy in policies.values():
        where = label("conditionalAccessPolicy", policy)
        conditions = policy.get("conditions") or {}
        u = conditions.get("users") or {}
        for key in ("includeUsers", "excludeUsers"):
            refs(f"{where} users.{key}", u.get(key, []), users, "user", CA_SPECIAL_USERS)
        for key in ("includeGroups", "excludeGroups"):
            refs(f"{where} users.{key}", u.get(key, []), groups, "group")
        a = conditions.get("applications") or {}
        for key in ("includeApplications", "excludeApplications"):
            refs(f"{where} applications.{key}", a.get(key, []), known_appids, "appId", CA_SPECIAL_APPLICATIONS)
        loc = conditions.get("locations") or {}
        for key in ("includeLocations", "excludeLocations"):
            refs(f"{where} locations.{key}", loc.get(key, []), locations, "named location", CA_SPECIAL_LOCATIONS)
        ca = conditions.get("clientApplications") or {}
        for key in ("includeServicePrincipals", "excludeServicePrincipals"):
            refs(f"{where} clientApplications.{key}", ca.get(key, []), sps, "service principal",
                 CA_SPECIAL_SERVICE_PRINCIPALS)
        strength = (policy.get("grantControls") or {}).get("authenticationStrength")
        if strength and strength.get("id") not in strengths:
            p(f"{where}: authenticationStrength {strength.get('id')!r} does not exist")
        if policy.get("state") not in ("enabled", "disabled", "enabledForReportingButNotEnforced"):
            p(f"{where}: state {policy.get('state')!r} is not a Conditional Access state")

    for builtin in (BUILTIN_STRENGTH_MFA, BUILTIN_STRENGTH_PASSWORDLESS, BUILTIN_STRENGTH_PHISHING_RESISTANT):
        if strengths.get(builtin, {}).get("policyType") != "builtIn":
            p(f"authenticationStrengthPolicies: built-in strength {builtin} is missing")
    for named in locations.values():
        if named.get("@odata.type") not in ("#microsoft.graph.ipNamedLocation",
                                            "#microsoft.graph.countryNamedLocation"):
            p(f"{label('namedLocation', named)}: @odata.type {named.get('@odata.type')!r} is not a named location")

    targets = users.keys() | groups.keys()
    methods = seed["authenticationMethodsPolicy"]
    for path, target in _method_targets(methods):
        if target not in METHOD_TARGET_SPECIAL and target not in targets:
            p(f"authenticationMethodsPolicy {path}: target {target!r} does not exist")

    declared: dict[str, list[str]] = {}
    # an extension is defined by an application; "Directory extensions can also be available in multi-tenant apps
    # that have been consented to in the tenant": there the app's service principal holds them, with no application
    # object (https://learn.microsoft.com/en-us/graph/api/resources/extensionproperty?view=graph-rest-1.0)
    owners = set(app_by_appid) | {str(sp.get("appId")) for sp in sps.values()}
    for ext in seed.get("directoryExtensions") or []:
        name = ext.get("name") or ""
        parts = name.split("_")
        app_id_hex = parts[1] if len(parts) >= 3 and parts[0] == "extension" else ""
        if not any(a.replace("-", "") == app_id_hex for a in owners):
            p(f"directoryExtensions: {name!r} does not name an application (or a multi-tenant application's "
              "service principal) of the tenant")
        declared[name] = ext.get("targetObjects") or []
    for key, objs, target in (("user", users, "User"), ("group", groups, "Group")):
        for obj in objs.values():
            for prop in obj:
                if prop.startswith("extension_") and target not in declared.get(prop, ()):
                    p(f"{label(key, obj)}: extension property {prop!r} is not declared for {target}")
    problems.extend(schema_problems(seed))
    return problems


def _method_targets(policy: Mapping[str, Any]) -> Iterable[tuple[str, Any]]:
    """Every (path, id) an authentication methods policy points at (groups, users or special values)."""
    for config in policy.get("authenticationMethodConfigurations") or []:
        where = f"{config.get('id')}"
        for key in ("includeTargets", "excludeTargets"):
            for target in config.get(key) or []:
                yield f"{where}.{key}", target.get("id")
        for name, feature in ((config.get("featureSettings") or {}).items()):
            for key in ("includeTarget", "excludeTarget"):
                if isinstance(feature, dict) and isinstance(feature.get(key), dict):
                    yield f"{where}.featureSettings.{name}.{key}", feature[key].get("id")
    campaign = (policy.get("registrationEnforcement") or {}).get("authenticationMethodsRegistrationCampaign") or {}
    for key in ("includeTargets", "excludeTargets"):
        for target in campaign.get(key) or []:
            yield f"registrationEnforcement.{key}", target.get("id")
    for key in ("includeTargets", "excludeTargets"):
        for target in (policy.get("systemCredentialPreferences") or {}).get(key) or []:
            yield f"systemCredentialPreferences.{key}", target.get("id")
    include = (policy.get("reportSuspiciousActivitySettings") or {}).get("includeTarget")
    if isinstance(include, dict):
        yield "reportSuspiciousActivitySettings.includeTarget", include.get("id")


