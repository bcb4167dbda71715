"""The names and deterministic ids of the demo tenant (``DEMO_FACTS``) that tests, the demo and the seed share."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from entragit.emulator.seed_data.objects import extension_name, uid
from entragit.emulator.seeds.common import (
    GRAPH_SP_ID,
    INITIAL_DOMAIN,
    MANAGED_IDENTITY_NAME,
    MANAGED_IDENTITY_SP_ID,
    TENANT_ID,
)

DOMAIN = "contoso.com"
AD_DOMAIN = "corp.contoso.com"
AD_DOMAIN_SID = "S-1-5-21-1004336348-1177238915-682003330"

# site: (city, state, country, street, postalCode, usageLocation, phone prefix, office prefix)
SITES = {
    "RED": ("Redmond", "WA", "United States", "1 Contoso Way", "98052", "US", "+1 425 555 0", "18/"),
    "AMS": ("Amsterdam", None, "Netherlands", "Herengracht 100", "1015 BS", "NL", "+31 20 555 0", "AMS-"),
    "MUC": ("Munich", "Bavaria", "Germany", "Werkstrasse 12", "80331", "DE", "+49 89 555 0", "Plant "),
}

# alias, given name, surname, department, job title, manager alias, site, synced from on-premises
PEOPLE: tuple[tuple[str, str, str, str, str, str | None, str, bool], ...] = (
    ("MeganB", "Megan", "Bowen", "Executive", "Chief Executive Officer", None, "RED", False),
    ("GradyA", "Grady", "Archie", "Finance", "Chief Financial Officer", "MeganB", "RED", False),
    ("LidiaH", "Lidia", "Holloway", "Human Resources", "HR Director", "MeganB", "RED", False),
    ("PattiF", "Patti", "Fernandez", "IT", "Director of IT", "MeganB", "RED", False),
    ("AlexW", "Alex", "Wilber", "Engineering", "VP Engineering", "MeganB", "RED", False),
    ("DiegoS", "Diego", "Siciliani", "Sales", "VP Sales", "MeganB", "RED", False),
    ("MiriamG", "Miriam", "Graham", "Marketing", "Director of Marketing", "MeganB", "RED", False),
    ("NestorW", "Nestor", "Wilke", "Operations", "Director of Operations", "MeganB", "MUC", False),
    ("LeeG", "Lee", "Gu", "Legal", "General Counsel", "MeganB", "RED", False),
    ("JohannaL", "Johanna", "Lorenz", "Customer Support", "Support Manager", "NestorW", "AMS", False),
    ("IsaiahL", "Isaiah", "Langer", "Finance", "Senior Accountant", "GradyA", "RED", False),
    ("JoniS", "Joni", "Sherman", "Finance", "Financial Analyst", "GradyA", "RED", False),
    ("RaulR", "Raul", "Razo", "Finance", "Accounts Payable Specialist", "GradyA", "AMS", False),
    ("CameronW", "Cameron", "White", "Finance", "Payroll Specialist", "GradyA", "RED", False),
    ("ChristieC", "Christie", "Cline", "Human Resources", "HR Business Partner", "LidiaH", "RED", False),
    ("EmilyB", "Emily", "Braun", "Human Resources", "Recruiter", "LidiaH", "AMS", False),
    ("BiancaP", "Bianca", "Pisani", "Human Resources", "HR Generalist", "LidiaH", "MUC", False),
    ("IrvinS", "Irvin", "Sayers", "IT", "Identity Engineer", "PattiF", "RED", False),
    ("PradeepG", "Pradeep", "Gupta", "IT", "Security Engineer", "PattiF", "RED", False),
    ("HenriettaM", "Henrietta", "Mueller", "IT", "Systems Administrator", "PattiF", "MUC", False),
    ("EnricoC", "Enrico", "Cattaneo", "IT", "Helpdesk Technician", "PattiF", "AMS", False),
    ("AllanD", "Allan", "Deyoung", "Engineering", "Principal Engineer", "AlexW", "RED", False),
    ("DebraB", "Debra", "Berger", "Engineering", "Software Engineer", "AlexW", "RED", False),
    ("LynneR", "Lynne", "Robbins", "Engineering", "Software Engineer", "AllanD", "RED", False),
    ("NiamhM", "Niamh", "Murphy", "Engineering", "QA Engineer", "AllanD", "AMS", False),
    ("KarimH", "Karim", "Haddad", "Engineering", "DevOps Engineer", "AlexW", "AMS", False),
    ("SofiaR", "Sofia", "Rossi", "Engineering", "Data Engineer", "AlexW", "AMS", False),
    ("TomasN", "Tomas", "Novak", "Engineering", "Software Engineer", "AllanD", "MUC", False),
    ("BrianJ", "Brian", "Johnson", "Sales", "Account Executive", "DiegoS", "RED", False),
    ("ElenaG", "Elena", "Garcia", "Sales", "Account Executive", "DiegoS", "AMS", False),
    ("OwenP", "Owen", "Price", "Sales", "Sales Development Representative", "DiegoS", "RED", False),
    ("HannahK", "Hannah", "Kim", "Sales", "Sales Operations Analyst", "DiegoS", "RED", False),
    ("MateoL", "Mateo", "Lopez", "Sales", "Account Executive", "DiegoS", "MUC", False),
    ("AdeleV", "Adele", "Vance", "Marketing", "Product Marketing Manager", "MiriamG", "RED", False),
    ("AvaT", "Ava", "Thompson", "Marketing", "Content Strategist", "MiriamG", "AMS", False),
    ("NoahB", "Noah", "Brooks", "Marketing", "Marketing Coordinator", "MiriamG", "RED", False),
    ("GraceL", "Grace", "Liu", "Legal", "Paralegal", "LeeG", "RED", False),
    ("SamuelO", "Samuel", "Okafor", "Customer Support", "Support Engineer", "JohannaL", "AMS", False),
    ("LauraM", "Laura", "Martin", "Customer Support", "Support Engineer", "JohannaL", "AMS", False),
    ("DanielF", "Daniel", "Fischer", "Customer Support", "Support Engineer", "JohannaL", "MUC", False),
    ("FatimaA", "Fatima", "Al-Sayed", "Operations", "Operations Analyst", "NestorW", "MUC", False),
    ("LucasB", "Lucas", "Bernard", "Operations", "Facilities Coordinator", "NestorW", "MUC", False),
    # Synced from on-premises Active Directory (corp.contoso.com), mastered there.
    ("TomH", "Tom", "Hoffmann", "Operations", "Plant Manager", None, "MUC", True),
    ("SaraD", "Sara", "Davis", "Operations", "Shift Supervisor", "TomH", "MUC", True),
    ("KenjiS", "Kenji", "Sato", "Operations", "Maintenance Technician", "SaraD", "MUC", True),
    ("OlgaP", "Olga", "Petrova", "Operations", "Quality Inspector", "SaraD", "MUC", True),
    ("RahulM", "Rahul", "Mehta", "Operations", "Logistics Coordinator", "TomH", "MUC", True),
    ("AnaC", "Ana", "Costa", "Operations", "Production Planner", "TomH", "MUC", True),
)
DISABLED = frozenset({"DanielF"})  # a leaver: account disabled, still in groups
COST_CENTERS = {"Finance": ("Corporate", "CC-1010"), "Sales": ("Commercial", "CC-2040"),
                 "Engineering": ("Product", "CC-3020"), "Marketing": ("Commercial", "CC-2070"),
                 "Operations": ("Manufacturing", "CC-5001")}

BREAK_GLASS_UPN = f"breakglass@{INITIAL_DOMAIN}"
GUEST_UPN = f"jordan.miller_fabrikam.com#EXT#@{INITIAL_DOMAIN}"


def demo_upn(alias: str) -> str:
    return f"{alias}@{DOMAIN}"


EXTENSION_APP = "Contoso Directory Extensions"
HR_APP, EXP_API, EXP_MOBILE, BACKUP_APP = (
    "Contoso HR Portal", "Contoso Expenses API", "Contoso Expenses Mobile", "Contoso Backup Automation")
_APPS = (HR_APP, EXP_API, EXP_MOBILE, BACKUP_APP, EXTENSION_APP)

HQ, GSA_EGRESS, BLOCKED, TRAVEL = (
    "Contoso HQ", "Global Secure Access egress", "Blocked countries", "Allowed travel countries")
STRENGTH_FIDO, STRENGTH_NO_SMS = ("Contoso Phishing-resistant (FIDO2 keys)", "Contoso MFA without SMS")

GSA_POLICY = "Allow GSA Traffic only"
CA_MFA = "CA001: Require MFA for all users"
CA_COUNTRIES = "CA002: Block access from blocked countries"
CA_ADMINS = "CA003: Require phishing-resistant MFA for admins"
CA_HR = "CA004: Require MFA without SMS for HR Portal"
CA_LEGACY = "CA005: Block legacy authentication"
CA_DEVICES = "CA006: Require compliant device for Finance (pilot)"
CA_PORTALS = "CA007: Admin portals sign-in frequency"
CA_GUESTS = "CA008: Require MFA for guests"
CA_POLICIES = (GSA_POLICY, CA_MFA, CA_COUNTRIES, CA_ADMINS, CA_HR, CA_LEGACY, CA_DEVICES, CA_PORTALS,
                CA_GUESTS)


def _ids(kind: str, names: Iterable[str]) -> dict[str, str]:
    return {n: uid(kind, n) for n in names}


@dataclass(frozen=True)
class DemoFacts:
    """What other tests can rely on in :func:`demo_seed` (names, UPNs and their deterministic ids)."""

    tenant_id: str
    domain: str
    initial_domain: str
    user_count: int
    group_count: int
    break_glass_upn: str
    break_glass_id: str
    guest_upn: str
    disabled_user_upn: str
    synced_user_upns: tuple[str, ...]
    cloud_user_upn: str  # a plain cloud user (job title changes etc.)
    user_ids: Mapping[str, str]  # UPN -> id
    m365_groups: tuple[str, ...]
    security_groups: tuple[str, ...]  # cloud security groups (assigned membership)
    dynamic_group: str
    dynamic_group_rule: str
    synced_group: str
    role_assignable_group: str
    mail_enabled_security_group: str
    distribution_group: str
    sp_member_group: str  # security group with service principal members
    sp_member_apps: tuple[str, ...]  # applications whose SPs are members of it (plus the managed identity)
    synced_user_cloud_group: str  # cloud security group that has synced users as members
    nested_group: tuple[str, str]  # (parent, child) group nesting
    group_ids: Mapping[str, str]  # displayName -> id
    applications: tuple[str, ...]
    app_ids: Mapping[str, str]  # displayName -> appId
    application_object_ids: Mapping[str, str]  # displayName -> application object id
    service_principal_ids: Mapping[str, str]  # displayName -> SP object id (own apps and first-party)
    fic_application: str  # application with a GitHub Actions federated identity credential
    api_application: str  # application with identifierUris api://<appId> and scopes
    managed_identity: str
    graph_sp_id: str
    ca_policies: tuple[str, ...]
    ca_policy_ids: Mapping[str, str]
    gsa_policy: str
    report_only_policy: str
    disabled_policy: str
    strength_policy: tuple[str, ...]  # CA policies using a custom authentication strength
    named_locations: tuple[str, ...]
    named_location_ids: Mapping[str, str]
    trusted_ip_location: str
    detachable_ip_location: str  # untrusted IP location referenced by exactly one CA policy (the GSA one)
    country_location: str
    custom_strengths: tuple[str, ...]
    strength_ids: Mapping[str, str]
    extension_attribute: str  # extension_<appId>_costCenter
    extension_application: str


_SECURITY = "security"
# Groups: name, kind (see make_group), mailNickname, description, owners (aliases), members: aliases,
# "group:<name>", "sp:<application name>", "mi:<managed identity>", "*employees" (licensed members),
# "*dept:<department>", "*synced" (users synced from AD).
GROUPS: tuple[tuple[str, str, str, str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("All Company", "m365", "allcompany", "Everyone at Contoso.", ("MeganB", "PattiF"), ("*employees",)),
    ("Sales Team", "m365", "salesteam", "Sales team collaboration.", ("DiegoS",), ("*dept:Sales",)),
    ("Marketing Team", "m365", "marketingteam", "Marketing campaigns and content.", ("MiriamG",),
     ("*dept:Marketing", "DiegoS")),
    ("Engineering", _SECURITY, "engineering", "Engineering staff.", ("AlexW",), ("*dept:Engineering",)),
    ("Finance", _SECURITY, "finance", "Finance staff.", ("GradyA",), ("*dept:Finance",)),
    ("Human Resources", _SECURITY, "hr", "HR staff.", ("LidiaH",), ("*dept:Human Resources",)),
    ("IT Department", _SECURITY, "itdept", "IT staff.", ("PattiF",), ("*dept:IT",)),
    ("Operations Team", _SECURITY, "operations", "Operations, including plant leads synced from AD.",
     ("NestorW",), ("NestorW", "FatimaA", "LucasB", "TomH", "SaraD")),
    ("Sales Department (Dynamic)", "dynamic", "salesdynamic", "Everyone whose department is Sales.", (),
     ("*dept:Sales",)),
    ("Plant Floor Staff", "synced", "PlantFloorStaff", "Plant floor employees (synced from corp.contoso.com).",
     (), ("*synced",)),
    ("Privileged Admins", "role-assignable", "privilegedadmins", "Role-assignable group for directory admins.",
     ("PattiF",), ("PattiF", "IrvinS", "PradeepG")),
    ("Security Alerts", "mail-security", "securityalerts", "Receives security alert mail.", (),
     ("PradeepG", "IrvinS", "PattiF")),
    ("Contoso Announcements", "distribution", "announcements", "Company-wide announcements.", (),
     ("MeganB", "GradyA", "LidiaH", "PattiF", "AlexW", "DiegoS", "MiriamG", "NestorW", "LeeG")),
    ("Automation Service Accounts", _SECURITY, "automation", "Workload identities used by automation.",
     ("IrvinS",), ("sp:" + BACKUP_APP, "mi:" + MANAGED_IDENTITY_NAME, "HenriettaM")),
    ("HR Portal Users", _SECURITY, "hrportalusers", "Users of the HR Portal.", ("LidiaH",),
     ("group:Human Resources", "group:Finance", "MeganB")),
    ("Global Secure Access Users", _SECURITY, "gsausers", "Users whose traffic goes through Global Secure "
     "Access.", ("PattiF",), ("group:IT Department", "*dept:Engineering")),
)

_APP_IDS = _ids("appId", _APPS)

DEMO_FACTS = DemoFacts(
    tenant_id=TENANT_ID, domain=DOMAIN, initial_domain=INITIAL_DOMAIN,
    user_count=len(PEOPLE) + 2, group_count=len(GROUPS),
    break_glass_upn=BREAK_GLASS_UPN, break_glass_id=uid("user", "breakglass"), guest_upn=GUEST_UPN,
    disabled_user_upn=demo_upn("DanielF"),
    synced_user_upns=tuple(demo_upn(p[0]) for p in PEOPLE if p[7]),
    cloud_user_upn=demo_upn("AdeleV"),
    user_ids={**{demo_upn(p[0]): uid("user", p[0]) for p in PEOPLE},
              BREAK_GLASS_UPN: uid("user", "breakglass"), GUEST_UPN: uid("user", "guest-jordan")},
    m365_groups=("All Company", "Sales Team", "Marketing Team"),
    security_groups=("Engineering", "Finance", "Human Resources", "IT Department", "Operations Team",
                     "Automation Service Accounts", "HR Portal Users", "Global Secure Access Users"),
    dynamic_group="Sales Department (Dynamic)", dynamic_group_rule='(user.department -eq "Sales")',
    synced_group="Plant Floor Staff", role_assignable_group="Privileged Admins",
    mail_enabled_security_group="Security Alerts", distribution_group="Contoso Announcements",
    sp_member_group="Automation Service Accounts", sp_member_apps=(BACKUP_APP,),
    synced_user_cloud_group="Operations Team", nested_group=("Global Secure Access Users", "IT Department"),
    group_ids={g[0]: uid("group", g[0]) for g in GROUPS},
    applications=_APPS, app_ids=_APP_IDS, application_object_ids=_ids("app", _APPS),
    service_principal_ids={**_ids("sp", _APPS), "Microsoft Graph": GRAPH_SP_ID,
                           MANAGED_IDENTITY_NAME: MANAGED_IDENTITY_SP_ID},
    fic_application=BACKUP_APP, api_application=EXP_API, managed_identity=MANAGED_IDENTITY_NAME,
    graph_sp_id=GRAPH_SP_ID,
    ca_policies=CA_POLICIES, ca_policy_ids=_ids("ca", CA_POLICIES), gsa_policy=GSA_POLICY,
    report_only_policy=CA_LEGACY, disabled_policy=CA_DEVICES, strength_policy=(CA_ADMINS, CA_HR),
    named_locations=(HQ, GSA_EGRESS, BLOCKED, TRAVEL),
    named_location_ids=_ids("location", (HQ, GSA_EGRESS, BLOCKED, TRAVEL)),
    trusted_ip_location=HQ, detachable_ip_location=GSA_EGRESS, country_location=BLOCKED,
    custom_strengths=(STRENGTH_FIDO, STRENGTH_NO_SMS),
    strength_ids=_ids("strength", (STRENGTH_FIDO, STRENGTH_NO_SMS)),
    extension_attribute=extension_name(_APP_IDS[EXTENSION_APP], "costCenter"),
    extension_application=EXTENSION_APP,
)


