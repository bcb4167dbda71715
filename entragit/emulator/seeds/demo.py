"""``demo_seed``: the small "Contoso" tenant a user can explore (its facts in ``demo_facts.DEMO_FACTS``)."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from entragit.emulator.seed_data.microsoft import GRAPH_APP_ID, GUEST_ROLE_RESTRICTED
from entragit.emulator.seed_data.objects import (
    EXT_ATTR_KEYS,
    NAMESPACE,
    SEED_NOW,
    app_role,
    app_role_assignment,
    certificate_key,
    make_application,
    make_group,
    make_user,
    oauth2_grant,
    password_credential,
    permission_scope,
    service_principal_for,
    ts,
    uid,
)
from entragit.emulator.seeds.common import (
    GRAPH_ROLE_IDS,
    GRAPH_SCOPE_IDS,
    INITIAL_DOMAIN,
    MANAGED_IDENTITY_NAME,
    TENANT_ID,
    Seed,
)
from entragit.emulator.seeds.demo_directory import add_demo_directory
from entragit.emulator.seeds.demo_facts import (
    AD_DOMAIN,
    AD_DOMAIN_SID,
    BACKUP_APP,
    BREAK_GLASS_UPN,
    COST_CENTERS,
    DEMO_FACTS,
    DISABLED,
    DOMAIN,
    EXP_API,
    EXP_MOBILE,
    EXTENSION_APP,
    GROUPS,
    GUEST_UPN,
    HR_APP,
    PEOPLE,
    SITES,
    demo_upn,
)
from entragit.emulator.seeds.demo_policies import (
    demo_ca_policies,
    demo_locations,
    demo_methods,
    demo_strengths,
)
from entragit.emulator.seeds.empty import empty_seed, update_quota


def _demo_users() -> list[dict[str, Any]]:
    users: list[dict[str, Any]] = []
    ext = DEMO_FACTS.extension_attribute
    for i, (alias, given, surname, dept, title, manager, site, synced) in enumerate(PEOPLE):
        city, state, country, street, postal, usage, phone, office = SITES[site]
        org = COST_CENTERS.get(dept)
        user = make_user(
            id=uid("user", alias), upn=demo_upn(alias), display_name=f"{given} {surname}", given_name=given,
            surname=surname, mail_nickname=alias, mail=demo_upn(alias), created=ts(30 + i * 7.37),
            account_enabled=alias not in DISABLED, job_title=title, department=dept,
            office_location=f"{office}{100 + i * 3}", business_phones=[f"{phone}{100 + i}"],
            mobile_phone=f"{phone}{600 + i}" if i % 3 == 0 else None, usage_location=usage, city=city,
            state=state, country=country, street_address=street, postal_code=postal,
            employee_id=str(100200 + i), employee_hire_date=ts(-400 + i * 29),
            employee_org_data={"division": org[0], "costCenter": org[1]} if org else None,
            manager=uid("user", manager) if manager else None,
            preferred_language={"AMS": "nl-NL", "MUC": "de-DE"}.get(site, "en-US"),
        )
        if org and not synced:
            user[ext] = org[1]
        if synced:
            _mark_synced_user(user, alias, i)
        users.append(user)
    # The emergency-access account: cloud-only, on the initial domain, no licence, no manager.
    users.insert(0, make_user(
        id=DEMO_FACTS.break_glass_id, upn=BREAK_GLASS_UPN, display_name="Break Glass Admin",
        mail_nickname="breakglass", created=ts(0.2), company_name=None, usage_location=None,
        employee_type=None, licensed=False, password_policies="DisablePasswordExpiration"))
    guest = make_user(
        id=uid("user", "guest-jordan"), upn=GUEST_UPN, display_name="Jordan Miller (Fabrikam)",
        given_name="Jordan", surname="Miller", mail_nickname="jordan.miller_fabrikam.com#EXT#",
        mail="jordan.miller@fabrikam.com", created=ts(600), company_name="Fabrikam", user_type="Guest",
        employee_type=None, licensed=False, manager=uid("user", "DiegoS"))
    guest.update({"creationType": "Invitation", "externalUserState": "Accepted",
                  "externalUserStateChangeDateTime": ts(601), "otherMails": ["jordan.miller@fabrikam.com"],
                  "identities": [{"signInType": "federated", "issuer": "ExternalAzureAD",
                                  "issuerAssignedId": None}],
                  "preferredLanguage": None})
    users.append(guest)
    return users


def _mark_synced_user(user: dict[str, Any], alias: str, index: int) -> None:
    """Fill the on-premises attributes Entra Connect writes for a user synced from AD."""
    sam = alias.lower()
    user.update({
        "onPremisesSyncEnabled": True,
        "onPremisesImmutableId": base64.b64encode(uuid.uuid5(NAMESPACE, f"ad/{alias}").bytes_le).decode(),
        "onPremisesSamAccountName": sam, "onPremisesDomainName": AD_DOMAIN,
        "onPremisesUserPrincipalName": user["userPrincipalName"],
        "onPremisesSecurityIdentifier": f"{AD_DOMAIN_SID}-{4100 + index}",
        "onPremisesDistinguishedName": f"CN={user['displayName']},OU=Plant,OU=Users,OU=Contoso,DC=corp,"
                                       "DC=contoso,DC=com",
        "onPremisesLastSyncDateTime": ts(-index / 1440, base=SEED_NOW),
        "onPremisesExtensionAttributes": dict.fromkeys(EXT_ATTR_KEYS) | {
            "extensionAttribute1": "Plant-MUC", "extensionAttribute2": f"Shift {'ABC'[index % 3]}",
            "extensionAttribute10": f"EMP{700100 + index}"},
        "passwordPolicies": "DisablePasswordExpiration", "lastPasswordChangeDateTime": ts(-40 - index,
                                                                                          base=SEED_NOW),
        "companyName": "Contoso Manufacturing GmbH",
    })


def _demo_groups(users: list[dict[str, Any]], sp_ids: Mapping[str, str]) -> list[dict[str, Any]]:
    by_alias = {u["mailNickname"]: u for u in users}
    employees = [u["id"] for u in users if u["userType"] == "Member" and u["assignedLicenses"]]
    groups = []
    for i, (name, kind, nick, desc, owners, spec) in enumerate(GROUPS):
        members: list[str] = []
        for item in spec:
            if item == "*employees":
                members += employees
            elif item == "*synced":
                members += [u["id"] for u in users if u["onPremisesSyncEnabled"]]
            elif item.startswith("*dept:"):
                members += [u["id"] for u in users if u["department"] == item[6:]]
            elif item.startswith("group:"):
                members.append(uid("group", item[6:]))
            elif item.startswith(("sp:", "mi:")):
                members.append(sp_ids[item[3:]])
            else:
                members.append(by_alias[item]["id"])
        group = make_group(
            id=uid("group", name), display_name=name, mail_nickname=nick, created=ts(20 + i * 11.3), kind=kind,
            description=desc, visibility={"All Company": "Public", "Marketing Team": "Public",
                                          "Privileged Admins": "Private"}.get(name),
            membership_rule=DEMO_FACTS.dynamic_group_rule if kind == "dynamic" else None,
            members=list(dict.fromkeys(members)), owners=[by_alias[a]["id"] for a in owners])
        if kind == "m365":
            group["resourceProvisioningOptions"] = ["Team"]
            group["proxyAddresses"].append(f"smtp:{nick}@{INITIAL_DOMAIN}")
        if kind == "synced":
            group.update({
                "onPremisesSyncEnabled": True, "onPremisesDomainName": AD_DOMAIN, "onPremisesNetBiosName": "CONTOSO",
                "onPremisesSamAccountName": nick, "onPremisesSecurityIdentifier": f"{AD_DOMAIN_SID}-5120",
                "onPremisesLastSyncDateTime": ts(-0.01, base=SEED_NOW),
            })
        groups.append(group)
    return groups


def graph_access(*, scopes: Iterable[str] = (), roles: Iterable[str] = ()) -> dict[str, Any]:
    return {"resourceAppId": GRAPH_APP_ID,
            "resourceAccess": [{"id": GRAPH_SCOPE_IDS[s], "type": "Scope"} for s in scopes]
            + [{"id": GRAPH_ROLE_IDS[r], "type": "Role"} for r in roles]}


def _demo_applications(user_ids: Mapping[str, str]) -> list[dict[str, Any]]:
    ids, app_ids = DEMO_FACTS.application_object_ids, DEMO_FACTS.app_ids
    api_scope_read, api_scope_write = uid("scope", EXP_API, "Expenses.Read"), uid("scope", EXP_API,
                                                                                  "Expenses.Write")
    hr_portal = make_application(
        id=ids[HR_APP], app_id=app_ids[HR_APP], display_name=HR_APP, created=ts(200),
        description="Self-service HR portal for employees.",
        web_redirect_uris=["https://hr.contoso.com/signin-oidc"], home_page="https://hr.contoso.com/",
        logout_url="https://hr.contoso.com/signout-oidc", id_token_issuance=True,
        group_membership_claims="SecurityGroup",
        app_roles=[app_role(uid("approle", HR_APP, "HR.Admin"), "HR.Admin", "HR Admin", "Full HR access"),
                   app_role(uid("approle", HR_APP, "HR.Reader"), "HR.Reader", "HR Reader",
                            "Read-only access to HR records")],
        required_resource_access=[graph_access(scopes=("openid", "profile", "User.Read"))],
        password_credentials=[password_credential(uid("secret", HR_APP), "hr-portal-prod", "Q~8",
                                                  ts(1380), ts(1380 + 730))],
        owners=[user_ids["LidiaH"], user_ids["PattiF"]])
    expenses_api = make_application(
        id=ids[EXP_API], app_id=app_ids[EXP_API], display_name=EXP_API, created=ts(260),
        description="Backend API of the expenses system.",
        identifier_uris=[f"api://{app_ids[EXP_API]}"],
        scopes=[permission_scope(api_scope_read, "Expenses.Read", "Read expenses",
                                 "Allows the app to read expense reports on behalf of the signed-in user.",
                                 "Read your expenses", "Allows the app to read your expense reports."),
                permission_scope(api_scope_write, "Expenses.Write", "Submit expenses",
                                 "Allows the app to submit expense reports on behalf of the signed-in user.",
                                 "Submit your expenses", "Allows the app to submit expense reports for you.")],
        pre_authorized=[{"appId": app_ids[EXP_MOBILE], "delegatedPermissionIds": [api_scope_read]}],
        app_roles=[app_role(uid("approle", EXP_API, "Expenses.Approver"), "Expenses.Approver",
                            "Expense approver", "Can approve expense reports"),
                   app_role(uid("approle", EXP_API, "Expenses.ReadAll"), "Expenses.ReadAll",
                            "Read all expenses", "Daemon access to every expense report", ("Application",))],
        required_resource_access=[graph_access(scopes=("User.Read",))],
        password_credentials=[password_credential(uid("secret", EXP_API), "ci-deploy", "x7T", ts(1500),
                                                  ts(1500 + 365))],
        owners=[user_ids["AlexW"]])
    expenses_mobile = make_application(
        id=ids[EXP_MOBILE], app_id=app_ids[EXP_MOBILE], display_name=EXP_MOBILE, created=ts(265),
        description="Mobile client of the expenses system.", is_fallback_public_client=True,
        public_client_redirect_uris=["msauth.com.contoso.expenses://auth",
                                     f"ms-appx-web://microsoft.aad.brokerplugin/{app_ids[EXP_MOBILE]}"],
        required_resource_access=[
            {"resourceAppId": app_ids[EXP_API], "resourceAccess": [{"id": api_scope_read, "type": "Scope"},
                                                                    {"id": api_scope_write, "type": "Scope"}]},
            graph_access(scopes=("User.Read", "offline_access")),
        ],
        owners=[user_ids["AlexW"], user_ids["KarimH"]])
    backup = make_application(
        id=ids[BACKUP_APP], app_id=app_ids[BACKUP_APP], display_name=BACKUP_APP, created=ts(900),
        description="Nightly Entra ID configuration backup (GitHub Actions).",
        notes="Runs from github.com/contoso/entra-config; no secrets, federated credential only.",
        required_resource_access=[graph_access(roles=(
            "Directory.Read.All", "Policy.Read.All", "Application.Read.All", "Group.Read.All", "User.Read.All"))],
        key_credentials=[{
            "customKeyIdentifier": "9A3E55C7D1F0B26E4D8C1A7B3F6E2D9C0B5A4E31", "displayName": "CN=contoso-backup",
            "endDateTime": ts(1600 + 365), "key": certificate_key(BACKUP_APP), "keyId": uid("cert", BACKUP_APP),
            "startDateTime": ts(1600), "type": "AsymmetricX509Cert", "usage": "Verify"}],
        federated_identity_credentials=[{
            "id": uid("fic", BACKUP_APP, "github-main"), "name": "github-entra-config-main",
            "issuer": "https://token.actions.githubusercontent.com",
            "subject": "repo:contoso/entra-config:ref:refs/heads/main",
            "description": "GitHub Actions nightly backup on main", "audiences": ["api://AzureADTokenExchange"]}],
        owners=[user_ids["IrvinS"]])
    extensions = make_application(
        id=ids[EXTENSION_APP], app_id=app_ids[EXTENSION_APP], display_name=EXTENSION_APP, created=ts(150),
        description="Holds Contoso's directory extension attributes.",
        required_resource_access=[graph_access(scopes=("User.Read",))], owners=[user_ids["PattiF"]])
    return [hr_portal, expenses_api, expenses_mobile, backup, extensions]


def demo_seed() -> Seed:
    """The demo tenant "Contoso": 50 users (6 synced from AD, a guest, a disabled leaver, the break-glass
    admin), 16 groups of every kind, 5 applications with service principals, 9 CA policies, 4 named
    locations, 2 custom authentication strengths, app role assignments, OAuth2 grants and a directory
    extension. Names and ids other tests can rely on: :data:`DEMO_FACTS`."""
    f = DEMO_FACTS
    seed = empty_seed()
    org = seed["organization"]
    org["verifiedDomains"][0]["isDefault"] = False
    org["verifiedDomains"].append({"capabilities": "Email, OfficeCommunicationsOnline", "isDefault": True,
                                   "isInitial": False, "name": DOMAIN, "type": "Managed"})
    org.update({"onPremisesSyncEnabled": True, "onPremisesLastSyncDateTime": ts(0, base=SEED_NOW),
                "marketingNotificationEmails": [f"marketing@{DOMAIN}"],
                "technicalNotificationMails": [f"it-alerts@{DOMAIN}"],
                "securityComplianceNotificationMails": [f"securityalerts@{DOMAIN}"],
                "securityComplianceNotificationPhones": ["+1 425 555 0100"],
                "privacyProfile": {"contactEmail": f"privacy@{DOMAIN}",
                                   "statementUrl": "https://www.contoso.com/privacy"}})
    seed["authorizationPolicy"].update({
        "allowInvitesFrom": "adminsAndGuestInviters", "blockMsolPowerShell": True,
        "allowUserConsentForRiskyApps": False, "guestUserRoleId": GUEST_ROLE_RESTRICTED})
    seed["authorizationPolicy"]["defaultUserRolePermissions"].update({
        "allowedToCreateApps": False, "allowedToCreateSecurityGroups": False, "allowedToCreateTenants": False,
        "permissionGrantPoliciesAssigned": ["ManagePermissionGrantsForSelf.microsoft-user-default-low"]})
    demo_methods(seed["authenticationMethodsPolicy"])

    users = _demo_users()
    user_ids = {u["mailNickname"]: u["id"] for u in users}
    apps = _demo_applications(user_ids)
    owners = {HR_APP: ["LidiaH"], BACKUP_APP: ["IrvinS"], EXP_API: ["AlexW"]}
    sps = [service_principal_for(a, id=f.service_principal_ids[a["displayName"]], owner_tenant=TENANT_ID,
                                 owners=[user_ids[o] for o in owners.get(a["displayName"], [])],
                                 app_role_assignment_required=a["displayName"] == HR_APP)
           for a in apps]
    seed["servicePrincipals"] += sps
    sp_by_name = {sp["displayName"]: sp for sp in seed["servicePrincipals"]}
    groups = _demo_groups(users, {n: sp_by_name[n]["id"] for n in (BACKUP_APP, MANAGED_IDENTITY_NAME)})
    strengths = demo_strengths()

    seed.update(users=users, groups=groups, applications=apps, namedLocations=demo_locations(),
                authenticationStrengthPolicies=seed["authenticationStrengthPolicies"] + strengths)
    seed["conditionalAccessPolicies"] = demo_ca_policies({s["displayName"]: s for s in strengths})
    seed["appRoleAssignments"] = _demo_assignments(users, groups, sp_by_name)
    seed["oauth2PermissionGrants"] = _demo_grants(user_ids, sp_by_name)
    seed["directoryExtensions"] = [{
        "id": uid("extension", "costCenter"), "deletedDateTime": None, "appDisplayName": EXTENSION_APP,
        "dataType": "String", "isMultiValued": False, "isSyncedFromOnPremises": False,
        "name": f.extension_attribute, "targetObjects": ["User"]}]
    add_demo_directory(seed)  # devices, contacts, agent identities, a restricted-management unit (dir)
    update_quota(seed)
    return seed


def _demo_assignments(users: list[dict[str, Any]], groups: list[dict[str, Any]],
                      sps: Mapping[str, Mapping[str, Any]]) -> list[dict[str, Any]]:
    user = {u["mailNickname"]: u for u in users}
    group = {g["displayName"]: g for g in groups}
    graph, hr, api, backup, mi = (sps["Microsoft Graph"], sps[HR_APP], sps[EXP_API], sps[BACKUP_APP],
                                  sps[MANAGED_IDENTITY_NAME])
    out = [
        app_role_assignment(principal=group["HR Portal Users"], principal_type="Group", resource=hr,
                            app_role_id=uid("approle", HR_APP, "HR.Reader"), created=ts(210.5, fraction=True)),
        app_role_assignment(principal=user["LidiaH"], principal_type="User", resource=hr,
                            app_role_id=uid("approle", HR_APP, "HR.Admin"), created=ts(210.6, fraction=True)),
        app_role_assignment(principal=user["TomH"], principal_type="User", resource=hr,
                            app_role_id=uid("approle", HR_APP, "HR.Reader"), created=ts(211.1, fraction=True)),
        app_role_assignment(principal=group["Finance"], principal_type="Group", resource=api,
                            app_role_id=uid("approle", EXP_API, "Expenses.Approver"),
                            created=ts(270.2, fraction=True)),
        app_role_assignment(principal=mi, principal_type="ServicePrincipal", resource=api,
                            app_role_id=uid("approle", EXP_API, "Expenses.ReadAll"),
                            created=ts(1460.3, fraction=True)),
        app_role_assignment(principal=mi, principal_type="ServicePrincipal", resource=graph,
                            app_role_id=GRAPH_ROLE_IDS["Group.Read.All"], created=ts(1460.4, fraction=True)),
    ]
    for i, role in enumerate(("Directory.Read.All", "Policy.Read.All", "Application.Read.All", "Group.Read.All",
                              "User.Read.All")):
        out.append(app_role_assignment(principal=backup, principal_type="ServicePrincipal", resource=graph,
                                       app_role_id=GRAPH_ROLE_IDS[role], created=ts(901 + i / 100, fraction=True)))
    return out


def _demo_grants(user_ids: Mapping[str, str], sps: Mapping[str, Mapping[str, Any]]) -> list[dict[str, Any]]:
    graph, hr, api, mobile = (sps["Microsoft Graph"]["id"], sps[HR_APP]["id"], sps[EXP_API]["id"],
                              sps[EXP_MOBILE]["id"])
    return [
        oauth2_grant(client_id=hr, resource_id=graph, scope="openid profile User.Read"),
        oauth2_grant(client_id=mobile, resource_id=graph, scope="User.Read offline_access"),
        oauth2_grant(client_id=mobile, resource_id=api, scope="Expenses.Read Expenses.Write",
                     principal_id=user_ids["JoniS"]),
        oauth2_grant(client_id=mobile, resource_id=api, scope="Expenses.Read", principal_id=user_ids["IsaiahL"]),
        oauth2_grant(client_id=sps[EXTENSION_APP]["id"], resource_id=graph, scope="User.Read",
                     principal_id=user_ids["PattiF"]),
    ]


