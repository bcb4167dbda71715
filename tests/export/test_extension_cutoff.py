"""Extension attributes of other tenants' applications in tenants over 1,000 service principals (issue 10.9): Graph's
getAvailableExtensionProperties answers empty there (Learn known issue) and no documented call lists a multi-tenant
app's definitions, so entragit.yaml can name them, every name an earlier backup held is kept, and the backup and
the difference report warn."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from entragit.backups import backup
from entragit.emulator import Emulator
from entragit.emulator.seeds.scale import scale_seed
from entragit.export import run_export_async
from entragit.graph import GraphClient, run
from entragit.report.compare import make_report_async
from entragit.settings import load_settings
from tests.plugins.graph import FAST_RETRY


def big_tenant() -> tuple[dict[str, Any], str, str]:
    """1,001 service principals; a user holding a value of an extension defined by a multi-tenant publisher's app
    (its service principal is here, its application object is not): ``(seed, user id, extension name)``."""
    seed = scale_seed(users=5, groups=1, applications=3, service_principals=1_001)
    foreign = next(sp for sp in seed["servicePrincipals"]
                   if sp["appId"] not in {a["appId"] for a in seed["applications"]})
    name = f"extension_{foreign['appId'].replace('-', '')}_costCenter"
    seed["directoryExtensions"] = [{"id": "5f1d3c2b-0000-4000-8000-00000000e001", "deletedDateTime": None,
                                    "appDisplayName": foreign["displayName"], "dataType": "String",
                                    "isMultiValued": False, "isSyncedFromOnPremises": False, "name": name,
                                    "targetObjects": ["User"]}]
    user = seed["users"][0]
    user[name] = "CC-1042"
    return seed, user["id"], name


def test_extension_attributes_past_the_cutoff(git_repo: Path) -> None:
    seed, user_id, name = big_tenant()
    emu = Emulator(seed=seed)
    client = GraphClient.for_emulator(emu, retry=FAST_RETRY)
    day = iter(range(1, 10))

    def take_backup() -> Any:
        settings = load_settings(repo=git_repo, env={})
        return backup(git_repo, export_step=lambda out: run(run_export_async(settings, out, client=client)),
                      now=f"2026-08-0{next(day)}T23:00:00Z")

    def user_file() -> str:
        return (git_repo / "tenant-state" / "users" / f"{user_id}.yaml").read_text(encoding="utf-8")

    first = take_backup()
    (warning,) = first.manifest["export"]["warnings"]
    assert warning.startswith("extensions: ") and f"{len(seed['servicePrincipals']):,} servicePrincipals" in warning
    assert name not in user_file()  # not discovered: Graph lists it nowhere

    (git_repo / "entragit.yaml").write_text(f"extensionAttributes:\n  users: [{name}]\n", encoding="utf-8")
    second = take_backup()
    assert f"{name}: CC-1042" in user_file()
    assert name in second.manifest["export"]["warnings"][0]  # the warning says what was backed up

    (git_repo / "entragit.yaml").unlink()  # the name stays: the earlier backup held it
    take_backup()
    assert f"{name}: CC-1042" in user_file()

    report = run(make_report_async(git_repo, "HEAD", client=client, settings=load_settings(repo=git_repo, env={})))
    assert any(n.startswith("extensions: ") and "servicePrincipals" in n for n in report.notes)


@pytest.mark.parametrize("value", [{"users": ["costCenter"]}, {"servicePrincipals": ["extension_" + "0" * 32 + "_x"]}])
def test_extension_attributes_setting_is_checked(git_repo: Path, value: dict[str, list[str]]) -> None:
    from entragit.errors import ConfigError

    key, names = next(iter(value.items()))
    (git_repo / "entragit.yaml").write_text(f"extensionAttributes:\n  {key}: [{names[0]}]\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="extensionAttributes"):
        load_settings(repo=git_repo, env={})
