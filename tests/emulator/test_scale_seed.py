"""The scale generator beyond 1,000 applications (it once indexed a list of 1,000 dates) and with service
principals of multitenant applications, as the L tenant of issue 14 needs (bench/scale_seed.py times it)."""

from __future__ import annotations

from entragit.emulator import Emulator
from entragit.emulator.seeds import check_seed, scale_seed


def test_more_than_a_thousand_applications_and_enterprise_service_principals() -> None:
    seed = scale_seed(users=40, groups=4, members_per_group=10, applications=1_200, service_principals=1_500)
    assert check_seed(seed) == []
    own_apps = {a["appId"] for a in seed["applications"]}
    assert len(own_apps) == 1_200
    scale_sps = [sp for sp in seed["servicePrincipals"] if sp["displayName"].startswith("Scale")]
    assert len(scale_sps) == 1_500 and len({sp["id"] for sp in scale_sps}) == 1_500
    enterprise = [sp for sp in scale_sps if sp["appId"] not in own_apps]
    assert len(enterprise) == 300 and {sp["appOwnerOrganizationId"] for sp in enterprise} != {seed["tenantId"]}
    assert len({a["createdDateTime"] for a in seed["applications"]}) == 1_000  # dates cycle


def test_the_scale_spec_takes_service_principals() -> None:
    emu = Emulator(seed="scale:users=30,groups=2,applications=3,service_principals=8")
    sps = [sp for sp in emu.backend.collections["servicePrincipals"].items.values()
           if sp["displayName"].startswith("Scale")]
    assert len(sps) == 8 and len(emu.backend.collections["applications"]) == 3
