"""A recovery of more than fifty objects, restored and recreated, under replication lag (issue 10.6): every new or
restored object answers 404 for a while, references to it 400, its service principal NoBackingApplicationObject;
the applier waits them out (bounded) and the recovery ends with no failure, no duplicate and nothing left to do."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from entragit.emulator.seeds import DEMO_DIRECTORY as D
from entragit.emulator.seeds import DEMO_FACTS as F
from entragit.graph import GraphClient, run
from tests.apply.helpers import Lab

POLICIES = "identity/conditionalAccess/policies"
LOCATIONS = "identity/conditionalAccess/namedLocations"
STRENGTHS = "policies/authenticationStrengthPolicies"
RECREATED_APPS = ("Contoso HR Portal", "Contoso Expenses Mobile")
PURGED_GROUPS = ("HR Portal Users", "Human Resources", "Operations Team", "IT Department")
RESTORED_GROUPS = ("Engineering", "Finance", "Global Secure Access Users", "Marketing Team", "Sales Team")


def wipe(lab: Lab) -> dict[str, int]:
    """Delete about sixty objects: users and groups to deleted items (restored), groups, applications and
    their service principals for good (recreated), conditional access policies, named locations and a
    strength (recreated). Returns how many of each kind went."""
    # the incident runs app-only: a member of a restricted-management unit is out of its reach (Graph answers 403)
    keep = {F.break_glass_upn.lower(), D.restricted_user_upn.lower(), *(u.lower() for u in F.synced_user_upns)}
    users = [i for upn, i in sorted(F.user_ids.items()) if upn.lower() not in keep and "#EXT#" not in upn][:30]
    purged_apps = [F.application_object_ids[a] for a in RECREATED_APPS]
    purged_sps = [F.service_principal_ids[a] for a in RECREATED_APPS]
    lab.purge(*[F.group_ids[g] for g in PURGED_GROUPS], *purged_apps, *purged_sps)

    async def go(c: GraphClient) -> dict[str, int]:
        for user in users:
            await c.delete(f"users/{user}")
        for group in RESTORED_GROUPS:
            await c.delete(f"groups/{F.group_ids[group]}")
        policies = [p["id"] for p in await c.list_all(POLICIES)]
        for policy in policies:
            await c.delete(f"{POLICIES}/{policy}")
        locations = await c.list_all(LOCATIONS)
        for location in locations:
            if location.get("isTrusted"):  # a trusted location is deleted once it is not trusted any more
                await c.patch(f"{LOCATIONS}/{location['id']}", {"@odata.type": location["@odata.type"],
                                                                "isTrusted": False})
            await c.delete(f"{LOCATIONS}/{location['id']}")
        strengths = [s["id"] for s in await c.list_all(STRENGTHS) if s.get("policyType") == "custom"]
        for strength in strengths:
            await c.delete(f"{STRENGTHS}/{strength}")
        return {"users": len(users), "groups": len(RESTORED_GROUPS) + len(PURGED_GROUPS),
                "applications": len(purged_apps), "servicePrincipals": len(purged_sps),
                "conditionalAccessPolicies": len(policies), "namedLocations": len(locations),
                "authenticationStrengthPolicies": len(strengths)}

    return run(go(lab.client))


def names(live: dict[str, dict[str, dict[str, object]]], type_key: str, prop: str = "displayName") -> Counter[str]:
    return Counter(str(o.get(prop)) for o in live[type_key].values())


def test_a_recovery_of_over_fifty_objects_under_lag(lab: Lab, capsys: pytest.CaptureFixture[str],
                                                    tmp_path: Path) -> None:
    assert lab.emu.replication.enabled                      # the recovery fixtures run with replication lag
    lab.backup()
    backed_up = lab.state()
    gone = wipe(lab)
    assert sum(gone.values()) >= 50, gone
    recreate = [a for app in RECREATED_APPS for a in ("--recreate", F.app_ids[app])]
    done = lab.cli(capsys, "apply", "--yes", "--force", "recovery of the incident", *recreate,
                   "--password-file", str(tmp_path / "pw.tsv"), "--format", "json")
    assert done.code == 0, done.out[-3000:] + done.err
    import json

    result = json.loads(done.out)
    kinds = Counter(c["kind"] for c in result["changes"] if c["status"] == "ok")
    assert kinds["restore"] + kinds["recreate"] >= 50, kinds
    assert result["counts"]["failed"] == 0 and result["residual"]["changes"] == []
    # the lag was met, and waited out: writes tried again after "not replicated yet"
    assert result["stats"]["settled"] > 0
    live = lab.live()
    for type_key in ("groups", "applications", "conditionalAccessPolicies", "namedLocations",
                     "authenticationStrengthPolicies"):
        want = names(backed_up, type_key)
        assert names(live, type_key) == want, type_key             # each one back, none twice
    assert names(live, "users", "userPrincipalName") == names(backed_up, "users", "userPrincipalName")
    sps = Counter(str(o.get("appId")) for o in live["servicePrincipals"].values())
    assert max(sps.values()) == 1                                   # one service principal per application
    lab.mark()
    again = lab.cli(capsys, "apply", "--yes", *recreate, "--password-file", str(tmp_path / "pw.tsv"))
    assert again.code == 0 and lab.writes() == [], again.out
