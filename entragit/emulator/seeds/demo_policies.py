"""The demo tenant's policies: named locations, authentication strengths, Conditional Access policies and the
authentication methods policy's settings."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from entragit.emulator.seed_data.microsoft import (
    AZURE_PORTAL_APP_ID,
    EXCHANGE_APP_ID,
    ROLE_CONDITIONAL_ACCESS_ADMINISTRATOR,
    ROLE_GLOBAL_ADMINISTRATOR,
    ROLE_PRIVILEGED_ROLE_ADMINISTRATOR,
    ROLE_SECURITY_ADMINISTRATOR,
    ROLE_USER_ADMINISTRATOR,
)
from entragit.emulator.seed_data.objects import ca_policy, country_named_location, ip_named_location, ts, uid
from entragit.emulator.seeds.demo_facts import (
    BLOCKED,
    CA_ADMINS,
    CA_COUNTRIES,
    CA_DEVICES,
    CA_GUESTS,
    CA_HR,
    CA_LEGACY,
    CA_MFA,
    CA_POLICIES,
    CA_PORTALS,
    DEMO_FACTS,
    GSA_EGRESS,
    GSA_POLICY,
    HQ,
    HR_APP,
    STRENGTH_FIDO,
    STRENGTH_NO_SMS,
    TRAVEL,
)


def demo_locations() -> list[dict[str, Any]]:
    loc = DEMO_FACTS.named_location_ids
    return [
        ip_named_location(id=loc[HQ], name=HQ, cidrs=["203.0.113.0/24", "2001:db8:1000::/48"], trusted=True,
                          created=ts(400, fraction=True), modified=ts(1200.3, fraction=True)),
        ip_named_location(id=loc[GSA_EGRESS], name=GSA_EGRESS, cidrs=["198.51.100.0/25"], trusted=False,
                          created=ts(1400.5, fraction=True)),
        country_named_location(id=loc[BLOCKED], name=BLOCKED, countries=["KP", "IR", "SY", "CU"],
                               created=ts(401.7, fraction=True)),
        country_named_location(id=loc[TRAVEL], name=TRAVEL, countries=["US", "CA", "GB", "NL", "DE"],
                               include_unknown=False, lookup="authenticatorAppGps", created=ts(402.2, fraction=True)),
    ]


def demo_strengths() -> list[dict[str, Any]]:
    sid = DEMO_FACTS.strength_ids
    created = ts(700.4, fraction=True)
    return [
        {"id": sid[STRENGTH_FIDO], "createdDateTime": created, "modifiedDateTime": created,
         "displayName": STRENGTH_FIDO, "description": "Only Contoso-issued FIDO2 keys, Windows Hello or smart cards",
         "policyType": "custom", "requirementsSatisfied": "mfa",
         "allowedCombinations": ["windowsHelloForBusiness", "fido2", "x509CertificateMultiFactor"],
         "combinationConfigurations": [{
             "@odata.type": "#microsoft.graph.fido2CombinationConfiguration",
             "id": uid("combination", STRENGTH_FIDO), "appliesToCombinations": ["fido2"],
             "allowedAAGUIDs": ["cb69481e-8ff7-4039-93ec-0a2729a154a8", "ee882879-721c-4913-9775-3dfcce97072a"]}]},
        {"id": sid[STRENGTH_NO_SMS], "createdDateTime": created, "modifiedDateTime": ts(820.9, fraction=True),
         "displayName": STRENGTH_NO_SMS, "description": "Multifactor authentication without SMS or voice",
         "policyType": "custom", "requirementsSatisfied": "mfa",
         "allowedCombinations": ["windowsHelloForBusiness", "fido2", "x509CertificateMultiFactor",
                                 "deviceBasedPush", "temporaryAccessPassOneTime",
                                 "password,microsoftAuthenticatorPush", "password,softwareOath",
                                 "password,hardwareOath"],
         "combinationConfigurations": []},
    ]


def demo_ca_policies(strengths: Mapping[str, Mapping[str, Any]]) -> list[dict[str, Any]]:
    f = DEMO_FACTS
    bg, pid, loc, grp = [f.break_glass_id], f.ca_policy_ids, f.named_location_ids, f.group_ids
    c = {n: ts(800 + i * 13.1, fraction=True) for i, n in enumerate(CA_POLICIES)}
    return [
        ca_policy(id=pid[GSA_POLICY], name=GSA_POLICY, state="enabled", created=c[GSA_POLICY],
                  modified=ts(1410.2, fraction=True), include_groups=[grp["Global Secure Access Users"]],
                  exclude_users=bg, include_locations=["All"], exclude_locations=[loc[GSA_EGRESS]],
                  built_in_controls=["block"]),
        ca_policy(id=pid[CA_MFA], name=CA_MFA, state="enabled", created=c[CA_MFA],
                  include_users=["All"], exclude_users=bg, exclude_groups=[grp["Automation Service Accounts"]],
                  include_locations=["All"], exclude_locations=["AllTrusted", loc[HQ]], built_in_controls=["mfa"]),
        ca_policy(id=pid[CA_COUNTRIES], name=CA_COUNTRIES, state="enabled", created=c[CA_COUNTRIES],
                  include_users=["All"], exclude_users=bg, include_locations=[loc[BLOCKED]],
                  built_in_controls=["block"]),
        ca_policy(id=pid[CA_ADMINS], name=CA_ADMINS, state="enabled", created=c[CA_ADMINS],
                  exclude_users=bg, include_groups=[grp["Privileged Admins"]],
                  include_roles=[ROLE_GLOBAL_ADMINISTRATOR, ROLE_PRIVILEGED_ROLE_ADMINISTRATOR,
                                 ROLE_SECURITY_ADMINISTRATOR, ROLE_CONDITIONAL_ACCESS_ADMINISTRATOR],
                  strength=strengths[STRENGTH_FIDO]),
        ca_policy(id=pid[CA_HR], name=CA_HR, state="enabled", created=c[CA_HR],
                  include_groups=[grp["HR Portal Users"]], exclude_users=bg, include_apps=[f.app_ids[HR_APP]],
                  strength=strengths[STRENGTH_NO_SMS]),
        ca_policy(id=pid[CA_LEGACY], name=CA_LEGACY, state="enabledForReportingButNotEnforced",
                  created=c[CA_LEGACY], include_users=["All"], exclude_users=bg,
                  client_app_types=["exchangeActiveSync", "other"], built_in_controls=["block"]),
        ca_policy(id=pid[CA_DEVICES], name=CA_DEVICES, state="disabled", created=c[CA_DEVICES],
                  include_groups=[grp["Finance"]], exclude_users=bg, exclude_apps=[EXCHANGE_APP_ID],
                  platforms={"includePlatforms": ["all"], "excludePlatforms": ["iOS", "android"]},
                  built_in_controls=["compliantDevice", "domainJoinedDevice"]),
        ca_policy(id=pid[CA_PORTALS], name=CA_PORTALS, state="enabled", created=c[CA_PORTALS],
                  include_roles=[ROLE_GLOBAL_ADMINISTRATOR, ROLE_USER_ADMINISTRATOR], exclude_users=bg,
                  include_apps=["MicrosoftAdminPortals"], built_in_controls=["mfa"],
                  session_controls={
                      "applicationEnforcedRestrictions": None, "cloudAppSecurity": None,
                      "disableResilienceDefaults": None,
                      "persistentBrowser": {"mode": "never", "isEnabled": True},
                      "signInFrequency": {"value": 4, "type": "hours",
                                          "authenticationType": "primaryAndSecondaryAuthentication",
                                          "frequencyInterval": "timeBased", "isEnabled": True}}),
        ca_policy(id=pid[CA_GUESTS], name=CA_GUESTS, state="enabled", created=c[CA_GUESTS],
                  include_users=["GuestsOrExternalUsers"], exclude_users=bg, exclude_apps=[AZURE_PORTAL_APP_ID],
                  sign_in_risk=[], built_in_controls=["mfa"]),
    ]


def demo_methods(policy: dict[str, Any]) -> None:
    grp = DEMO_FACTS.group_ids
    configs = {c["id"]: c for c in policy["authenticationMethodConfigurations"]}
    configs["Fido2"].update(state="enabled", isAttestationEnforced=False)
    configs["TemporaryAccessPass"].update(
        state="enabled", isUsableOnce=True,
        includeTargets=[{"targetType": "group", "id": grp["IT Department"], "isRegistrationRequired": False}])
    configs["Sms"]["excludeTargets"] = [{"targetType": "group", "id": grp["Privileged Admins"]}]
    configs["Voice"]["excludeTargets"] = [{"targetType": "group", "id": grp["Privileged Admins"]}]
    authenticator = configs["MicrosoftAuthenticator"]["featureSettings"]
    authenticator["displayAppInformationRequiredState"]["state"] = "enabled"
    authenticator["displayLocationInformationRequiredState"].update(
        state="enabled", excludeTarget={"targetType": "group", "id": grp["Plant Floor Staff"]})
    campaign = policy["registrationEnforcement"]["authenticationMethodsRegistrationCampaign"]
    campaign.update(state="enabled", excludeTargets=[{"id": grp["Automation Service Accounts"],
                                                      "targetType": "group"}])
    policy["lastModifiedDateTime"] = ts(1301.25, fraction=True)


