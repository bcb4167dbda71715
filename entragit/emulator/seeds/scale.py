"""``scale_seed``: a deterministic, fast generator of large tenants for benchmarks (100k users in a few seconds)."""

from __future__ import annotations

import gc
import random
from collections.abc import Iterator
from contextlib import contextmanager

from entragit.emulator.seed_data.objects import (
    app_role,
    app_role_assignment,
    ca_policy,
    country_named_location,
    ip_named_location,
    make_application,
    make_group,
    make_service_principal,
    make_user,
    oauth2_grant,
    service_principal_for,
    ts,
    uid,
)
from entragit.emulator.seeds.common import TENANT_ID, Seed
from entragit.emulator.seeds.demo import graph_access
from entragit.emulator.seeds.demo_facts import DOMAIN
from entragit.emulator.seeds.empty import empty_seed, update_quota

_GIVEN = ("Ada", "Ben", "Cara", "Dev", "Eli", "Fay", "Gus", "Hana", "Ivan", "Jade", "Kai", "Lena", "Milo", "Nora",
          "Omar", "Pia", "Quinn", "Rosa", "Sam", "Tara", "Uma", "Vik", "Wren", "Xena", "Yuri", "Zoe", "Aron",
          "Bea", "Cole", "Dina", "Emil", "Flor")
_SURNAMES = ("Abbott", "Baker", "Chen", "Diaz", "Evans", "Fox", "Gray", "Hill", "Ito", "Jones", "Khan", "Lee",
             "Moss", "Nash", "Ortiz", "Park", "Quist", "Reed", "Shah", "Tran", "Ueda", "Voss", "Wolf", "Xu",
             "Young", "Zhou", "Adler", "Berg", "Cruz", "Dahl", "Engel", "Frey")
_SCALE_DEPARTMENTS = (("Engineering", "Software Engineer"), ("Sales", "Account Executive"),
                      ("Finance", "Financial Analyst"), ("Marketing", "Marketing Specialist"),
                      ("Customer Support", "Support Engineer"), ("Operations", "Operations Analyst"),
                      ("Human Resources", "HR Generalist"), ("IT", "Systems Administrator"))
_KIND_USER, _KIND_GROUP, _KIND_APP, _KIND_APPID, _KIND_SP, _KIND_ROLE, _KIND_EXT_APPID, _KIND_EXT_SP = (
    0x5CA1E001, 0x5CA1E002, 0x5CA1E003, 0x5CA1E004, 0x5CA1E005, 0x5CA1E006, 0x5CA1E007, 0x5CA1E008)
# The publisher tenant of the multitenant applications whose service principals the scale tenant holds
_PUBLISHER_TENANT = "5ca1e0ff-0000-4000-8000-0000000000aa"
_DATES = 1000  # creation dates cycle over this many distinct values


def _scale_prefix(kind: int, random_seed: int) -> str:
    """GUID-shaped ids from counters: `<kind>-<seed>-4<seed>-8000-<counter>` (cheap and unique)."""
    return f"{kind:08x}-{random_seed & 0xFFFF:04x}-4{(random_seed >> 16) & 0xFFF:03x}-8000-"


def scale_seed(users: int = 100_000, groups: int | None = None, members_per_group: int = 20,
               applications: int = 20, random_seed: int = 0, big_group_members: int = 0,
               sp_members_in_big_group: int = 0, service_principals: int | None = None) -> Seed:
    """A large tenant for benchmarks and completeness tests, built on :func:`empty_seed`.

    ``groups`` defaults to one per 50 users; each group gets ``members_per_group`` users (every tenth
    group is a Microsoft 365 group, the rest are cloud security groups), one owner, and most users get a
    manager. Each application has a service principal, an app role assigned to a group, and an
    AllPrincipals grant on Microsoft Graph. With ``big_group_members`` the first group, "Scale Big Group",
    is a security group with that many user members plus the service principals of the first
    ``sp_members_in_big_group`` applications. ``service_principals`` (default: one per application) may
    exceed ``applications``: the others are enterprise applications of a multitenant publisher (no
    application object in the tenant), as most of a real tenant's service principals are. The L tenant of
    issue 14: ``users=100000, groups=20000, members_per_group=100, applications=5000,
    service_principals=15000`` (2M membership links). Deterministic for a given ``random_seed``.
    """
    if groups is None:
        groups = max(1, users // 50)
    if service_principals is None:
        service_principals = applications
    if users < 1 or groups < 0 or members_per_group < 0 or applications < 0:
        raise ValueError("scale_seed: users must be >= 1 and groups, members_per_group, applications >= 0")
    if service_principals < applications:
        raise ValueError(f"scale_seed: service_principals={service_principals} is fewer than "
                         f"applications={applications} (each application has one)")
    if big_group_members > users:
        raise ValueError(f"scale_seed: big_group_members={big_group_members} exceeds users={users}")
    if sp_members_in_big_group > applications:
        raise ValueError(f"scale_seed: sp_members_in_big_group={sp_members_in_big_group} exceeds "
                         f"applications={applications}")
    if (big_group_members or sp_members_in_big_group) and groups < 1:
        raise ValueError("scale_seed: a big group needs groups >= 1")
    with _gc_paused():
        seed = _scale_seed(users, groups, members_per_group, applications, random_seed, big_group_members,
                           sp_members_in_big_group)
        seed["servicePrincipals"] += _enterprise_apps(service_principals - applications, random_seed)
        return seed


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while building many dicts: they hold no cycles, and its
    repeated full passes over a growing heap would cost more than the building itself."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _scale_seed(users: int, groups: int, members_per_group: int, applications: int, random_seed: int,
                big_group_members: int, sp_members_in_big_group: int) -> Seed:
    rng = random.Random(random_seed)
    seed = empty_seed()
    org = seed["organization"]
    org["verifiedDomains"][0]["isDefault"] = False
    org["verifiedDomains"].append({"capabilities": "Email, OfficeCommunicationsOnline", "isDefault": True,
                                   "isInitial": False, "name": DOMAIN, "type": "Managed"})

    prefix = _scale_prefix(_KIND_USER, random_seed)
    user_ids = [f"{prefix}{i:012x}" for i in range(users)]
    dates = [ts(i * 0.9) for i in range(_DATES)]
    given_lower = [g.lower() for g in _GIVEN]
    surname_lower = [s.lower() for s in _SURNAMES]
    ng, ns, nd = len(_GIVEN), len(_SURNAMES), len(_SCALE_DEPARTMENTS)
    user_list = []
    append = user_list.append
    for i, user_id in enumerate(user_ids):
        gi, si = i % ng, (i // ng) % ns
        upn = f"{given_lower[gi]}.{surname_lower[si]}{i}@{DOMAIN}"
        dept, title = _SCALE_DEPARTMENTS[(i * 7 + random_seed) % nd]
        append(make_user(
            id=user_id, upn=upn, display_name=f"{_GIVEN[gi]} {_SURNAMES[si]} {i}", given_name=_GIVEN[gi],
            surname=_SURNAMES[si], mail_nickname=upn.partition("@")[0], mail=upn, created=dates[i % _DATES],
            job_title=title, department=dept, employee_id=str(1_000_000 + i),
            manager=user_ids[(i - 1) // 8] if i else None))

    group_prefix = _scale_prefix(_KIND_GROUP, random_seed)
    group_list = []
    for g in range(groups):
        gid = f"{group_prefix}{g:012x}"
        if g == 0 and (big_group_members or sp_members_in_big_group):
            name, kind = "Scale Big Group", "security"
            members = rng.sample(user_ids, big_group_members)
        else:
            name, kind = f"Scale Group {g:05d}", "m365" if g % 10 == 9 else "security"
            start = rng.randrange(users)
            k = min(members_per_group, users)
            members = user_ids[start:start + k]
            if len(members) < k:
                members += user_ids[:k - len(members)]
        group_list.append(make_group(
            id=gid, display_name=name, mail_nickname=f"scalegroup{g}", created=dates[g % _DATES], kind=kind,
            members=members, owners=[user_ids[(g * 13) % users]]))

    graph = seed["servicePrincipals"][0]
    app_prefix, appid_prefix, sp_prefix, role_prefix = (
        _scale_prefix(k, random_seed) for k in (_KIND_APP, _KIND_APPID, _KIND_SP, _KIND_ROLE))
    apps, sps, assignments, grants = [], [], [], []
    for j in range(applications):
        name = f"Scale App {j:04d}"
        role_id = f"{role_prefix}{j:012x}"
        app = make_application(
            id=f"{app_prefix}{j:012x}", app_id=f"{appid_prefix}{j:012x}", display_name=name, created=dates[j % _DATES],
            app_roles=[app_role(role_id, "Scale.Reader", "Scale reader", "Read access")],
            web_redirect_uris=[f"https://app{j}.{DOMAIN}/signin-oidc"],
            required_resource_access=[graph_access(scopes=("User.Read",))],
            owners=[user_ids[(j * 31) % users]])
        sp = service_principal_for(app, id=f"{sp_prefix}{j:012x}", owner_tenant=TENANT_ID)
        apps.append(app)
        sps.append(sp)
        if group_list:
            assignments.append(app_role_assignment(principal=group_list[j % len(group_list)],
                                                   principal_type="Group", resource=sp, app_role_id=role_id,
                                                   created=dates[j % _DATES]))
        grants.append(oauth2_grant(client_id=sp["id"], resource_id=graph["id"], scope="User.Read"))
    if group_list and (big_group_members or sp_members_in_big_group):
        group_list[0]["members"] += [sp["id"] for sp in sps[:sp_members_in_big_group]]

    hq = ip_named_location(id=uid("scale-location", "hq"), name="Scale HQ", cidrs=["203.0.113.0/24"], trusted=True,
                           created=ts(10, fraction=True))
    blocked = country_named_location(id=uid("scale-location", "blocked"), name="Scale blocked countries",
                                     countries=["KP", "IR"], created=ts(11, fraction=True))
    excluded = [user_ids[0]]
    policies = [
        ca_policy(id=uid("scale-ca", "mfa"), name="Scale: require MFA", state="enabled", created=ts(12, fraction=True),
                  include_users=["All"], exclude_users=excluded, include_locations=["All"],
                  exclude_locations=["AllTrusted", hq["id"]], built_in_controls=["mfa"]),
        ca_policy(id=uid("scale-ca", "countries"), name="Scale: block countries", state="enabled",
                  created=ts(13, fraction=True), include_users=["All"], exclude_users=excluded,
                  include_locations=[blocked["id"]], built_in_controls=["block"]),
    ]
    if group_list:
        policies.append(ca_policy(
            id=uid("scale-ca", "group"), name="Scale: phishing-resistant MFA for a group", state="disabled",
            created=ts(14, fraction=True), include_groups=[group_list[-1]["id"]], exclude_users=excluded,
            strength=seed["authenticationStrengthPolicies"][2]))

    seed.update(users=user_list, groups=group_list, applications=apps, namedLocations=[hq, blocked],
                conditionalAccessPolicies=policies, appRoleAssignments=assignments, oauth2PermissionGrants=grants)
    seed["servicePrincipals"] += sps
    update_quota(seed)
    return seed




def _enterprise_apps(count: int, random_seed: int) -> list[dict[str, object]]:
    """Service principals of a multitenant publisher's applications (their application objects live in the
    publisher's tenant, so ``appOwnerOrganizationId`` names it and the tenant holds no application)."""
    appid_prefix, sp_prefix = (_scale_prefix(k, random_seed) for k in (_KIND_EXT_APPID, _KIND_EXT_SP))
    return [make_service_principal(id=f"{sp_prefix}{k:012x}", app_id=f"{appid_prefix}{k:012x}",
                                   display_name=f"Scale Enterprise App {k:05d}", owner_tenant=_PUBLISHER_TENANT,
                                   sign_in_audience="AzureADMultipleOrgs")
            for k in range(count)]
