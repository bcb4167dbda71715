"""An apply that is interrupted (failed requests, lost answers) converges when re-run, with no duplicate objects;
throttling is absorbed through Retry-After."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from entragit.apply import ApplyRequest, run_apply
from entragit.emulator.seeds import DEMO_FACTS as F
from entragit.graph import GraphClient, run
from tests.apply.helpers import Lab
from tests.plugins.graph import FAST_RETRY

GSA = F.ca_policy_ids[F.gsa_policy]
LOCATION = F.named_location_ids[F.detachable_ip_location]
GROUP = F.group_ids["Engineering"]
SHRUNK = F.group_ids["Finance"]
POLICIES = "identity/conditionalAccess/policies"
LOCATIONS = "identity/conditionalAccess/namedLocations"


def damage(lab: Lab) -> dict[str, Any]:
    """Creates, restores and link adds ahead: a deleted location (recreate + CA remap), a deleted group (restore),
    removed members, assignments and a grant (POSTs)."""
    c = lab.client

    async def go() -> dict[str, Any]:
        policy = await c.get(f"{POLICIES}/{GSA}")
        conditions = policy["conditions"]
        conditions["locations"]["excludeLocations"] = []
        await c.patch(f"{POLICIES}/{GSA}", {"conditions": conditions, "state": "disabled"})
        await c.delete(f"{LOCATIONS}/{LOCATION}")
        await c.delete(f"groups/{GROUP}")
        members = sorted(m["id"] for m in await c.list_all(f"groups/{SHRUNK}/members"))
        for member in members:
            await c.delete(f"groups/{SHRUNK}/members/{member}/$ref")
        removed = []
        for sp in F.service_principal_ids.values():
            for assignment in await c.list_all(f"servicePrincipals/{sp}/appRoleAssignedTo"):
                await c.delete(f"servicePrincipals/{sp}/appRoleAssignedTo/{assignment['id']}")
                removed.append(assignment)
        grants = [g for g in await c.list_all("oauth2PermissionGrants") if g["consentType"] == "Principal"]
        for grant in grants:
            await c.delete(f"oauth2PermissionGrants/{grant['id']}")
        return {"members": members, "assignments": removed, "grants": grants}

    return run(go())


def assert_converged(lab: Lab, lost: dict[str, Any]) -> None:
    live = lab.live()
    named = [i for i, o in live["namedLocations"].items() if o["displayName"] == F.detachable_ip_location]
    assert len(named) == 1, "the named location was created more than once"
    policy = live["conditionalAccessPolicies"][GSA]
    assert policy["conditions"]["locations"]["excludeLocations"] == named and policy["state"] == "enabled"
    assert GROUP in live["groups"] and sorted(live["groups"][SHRUNK]["members"]) == lost["members"]
    keys = [(a["principalId"], a["appRoleId"], a["resourceId"]) for sp in live["servicePrincipals"].values()
            for a in sp["appRoleAssignedTo"]]
    assert len(keys) == len(set(keys)), "an app role assignment was created twice"
    assert sorted(keys) == sorted((a["principalId"], a["appRoleId"], a["resourceId"]) for a in lost["assignments"])
    grants = [(g["clientId"], g["principalId"], g["resourceId"]) for sp in live["servicePrincipals"].values()
              for g in sp["oauth2PermissionGrants"] if g["consentType"] == "Principal"]
    assert sorted(grants) == sorted((g["clientId"], g["principalId"], g["resourceId"]) for g in lost["grants"])


def test_an_interrupted_apply_converges_when_run_again(lab: Lab, capsys: pytest.CaptureFixture[str]) -> None:
    lab.backup()
    lost = damage(lab)
    # every second POST gets no answer (the connection drops before the tenant sees it)
    lab.control("faults", {"dropEvery": 2, "methods": ["POST"]})
    first = lab.cli(capsys, "apply", "--yes", "--force", "restore the whole tenant")
    assert first.code == 4, first.out + first.err
    failed = [line for line in first.out.splitlines() if line.startswith("failed")]
    assert failed and all("no answer from Graph" in line for line in failed)
    assert lab.emu.faults.injected["dropped"] >= len(failed)
    lab.control("faults", {"dropEvery": 0, "reset": True})
    second = lab.cli(capsys, "apply", "--yes", "--force", "restore the whole tenant")
    assert second.code == 0, second.out + second.err
    assert_converged(lab, lost)
    lab.mark()
    third = lab.cli(capsys, "apply", "--yes")
    assert third.code == 0 and lab.writes() == []


class LoseAnswers:
    """ASGI middleware: the tenant executes every matching request, then the answer never arrives (the connection
    drops): the worst case for a create, since retrying blindly would make a second object."""

    def __init__(self, app: Any, methods: frozenset[str] = frozenset({"POST", "PUT"})) -> None:
        self.app, self.methods, self.lost = app, methods, 0

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["method"] not in self.methods or scope["path"].startswith("/_emulator") \
                or scope["path"].endswith(("getAvailableExtensionProperties", "$batch")):  # POSTs that read
            await self.app(scope, receive, send)
            return

        async def swallow(message: dict[str, Any]) -> None:
            return None

        await self.app(scope, receive, swallow)
        self.lost += 1
        raise httpx.RemoteProtocolError("Server disconnected without sending a response (test).")


@pytest.fixture
def lossy(lab: Lab) -> Iterator[tuple[GraphClient, LoseAnswers]]:
    app = LoseAnswers(lab.emu.app)
    client = GraphClient(lab.emu.url, transport=httpx.ASGITransport(app=app), retry=FAST_RETRY)
    yield client, app
    run(client.aclose())


def test_lost_answers_never_duplicate_a_create(lab: Lab, lossy: tuple[GraphClient, LoseAnswers]) -> None:
    client, app = lossy
    lab.backup()
    lost = damage(lab)
    result = run(run_apply(lab.repo, client, ApplyRequest(force="restore the whole tenant")))
    assert app.lost > 0
    assert result.failed == [], [o.line() for o in result.failed]
    adopted = [o for o in result.outcomes if "found after an unanswered" in o.message or "confirmed by a lookup"
               in o.message]
    assert {o.change.kind.value for o in adopted} >= {"recreate", "restore", "link-add"}
    assert {o.change.link for o in adopted} >= {"members", "appRoleAssignedTo", "oauth2PermissionGrants"}
    assert result.drift == []
    assert_converged(lab, lost)


def test_throttling_is_absorbed(lab: Lab) -> None:
    lab.backup()
    lost = damage(lab)
    lab.control("faults", {"throttleEvery": 3, "retryAfter": 0, "methods": ["POST", "PATCH", "DELETE"]})
    result = lab.apply(force="restore the whole tenant")
    assert result.failed == [] and result.stats["throttled"] > 0 and result.stats["retries"] >= result.stats["throttled"]
    lab.control("faults", {"throttleEvery": 0})
    assert_converged(lab, lost)


def test_a_failed_create_skips_its_dependents_and_the_rest_goes_on(lab: Lab,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    import json

    lab.backup()
    damage(lab)
    user = F.user_ids[F.cloud_user_upn]
    run(lab.client.patch(f"users/{user}", {"jobTitle": "Changed"}))
    # every create of a named location fails with 503: ambiguous, so each attempt is looked up first
    lab.control("faults", {"errorEvery": 1, "methods": ["POST"], "paths": "namedLocations$"})
    done = lab.cli(capsys, "apply", "--yes", "--force", "restore the whole tenant", "--format", "json")
    assert done.code == 4, done.err
    changes = {c["key"]: c for c in json.loads(done.out)["changes"]}
    create = changes[f"recreate:namedLocations/{LOCATION}"]
    assert create["status"] == "failed" and "503" in create["message"]
    assert lab.emu.faults.injected["errors"] == 3                         # three attempts, none made a location
    policy = changes[f"update:conditionalAccessPolicies/{GSA}"]
    assert policy["status"] == "skipped" and policy["message"] == f"dependency failed: recreate:namedLocations/{LOCATION}"
    assert changes[f"update:users/{user}"]["status"] == "ok"
    assert changes[f"restore:groups/{GROUP}"]["status"] == "ok"
    live = lab.live(["namedLocations", "conditionalAccessPolicies"])
    assert not [o for o in live["namedLocations"].values() if o["displayName"] == F.detachable_ip_location]
    assert live["conditionalAccessPolicies"][GSA]["state"] == "disabled"


def test_residual_drift_is_reported(lab: Lab) -> None:
    lab.backup()
    user, other = F.user_ids[F.cloud_user_upn], F.user_ids[F.break_glass_upn]
    run(lab.client.patch(f"users/{user}", {"jobTitle": "Changed"}))

    def meddle(outcome: Any) -> None:  # another administrator edits the tenant while the apply runs
        users = lab.emu.backend.collections["users"]
        users.put({**users.get(other), "jobTitle": "Meddled"})

    result = run(run_apply(lab.repo, lab.client, ApplyRequest(), on_event=meddle))
    assert result.failed == [] and result.status == "drift" and result.exit_code == 5
    assert [(c.type, c.id) for c in result.drift] == [("users", other)]
    assert "residual drift: 1" in result.summary()


def test_apply_holds_the_repository_lock(lab: Lab, capsys: pytest.CaptureFixture[str]) -> None:
    from entragit.jobs import RepoLock

    lab.backup()
    lab.mark()
    with RepoLock(lab.repo, "backup"):
        done = lab.cli(capsys, "apply", "--yes")
    assert done.code == 6 and "another job holds the lock" in done.err
    assert lab.emu.counters.requests() == []
