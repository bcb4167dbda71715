"""A rogue app role or permission scope added to an application is removed in two steps (issue 10.8): Graph
removes only disabled ones, so the plan disables it in one PATCH and removes it in the next, and shows both."""

from __future__ import annotations

import json

import pytest

from entragit.emulator.seeds import DEMO_FACTS as F
from entragit.graph import run
from tests.apply.helpers import Lab

APP = F.application_object_ids[F.api_application]
ROGUE_ROLE = {"allowedMemberTypes": ["Application"], "description": "Backdoor", "displayName": "Backdoor",
              "id": "d0d0d0d0-0000-4000-8000-00000000beef", "isEnabled": True, "value": "Backdoor.All"}
ROGUE_SCOPE = {"adminConsentDescription": "Backdoor", "adminConsentDisplayName": "Backdoor",
               "id": "d0d0d0d0-0000-4000-8000-00000000feed", "isEnabled": True, "type": "Admin",
               "userConsentDescription": None, "userConsentDisplayName": None, "value": "Backdoor.Scope"}


def test_a_rogue_role_and_scope_are_disabled_then_removed(lab: Lab, capsys: pytest.CaptureFixture[str]) -> None:
    lab.backup()
    backed_up = lab.state()["applications"][APP]

    async def add_rogues() -> None:
        app = await lab.client.get(f"applications/{APP}")
        api = app["api"]
        api["oauth2PermissionScopes"] = [*api["oauth2PermissionScopes"], ROGUE_SCOPE]
        roles = [{k: v for k, v in r.items() if k != "origin"} for r in app["appRoles"]]  # read-only (approle)
        await lab.client.patch(f"applications/{APP}", {"appRoles": [*roles, ROGUE_ROLE], "api": api})

    run(add_rogues())
    # Graph refuses to remove them in one PATCH (what a one-step plan would send)
    from entragit.errors import GraphError

    with pytest.raises(GraphError) as refused:
        run(lab.client.patch(f"applications/{APP}", {"appRoles": backed_up["appRoles"]}))
    assert refused.value.code == "CannotDeleteOrUpdateEnabledEntitlement"

    planned = lab.cli(capsys, "plan", "--format", "json", "--type", "applications")
    assert planned.code == 0, planned.err
    steps = [c for c in json.loads(planned.out)["changes"] if c["id"] == APP and c["kind"] == "update"]
    assert len(steps) == 2 and steps[0]["key"] in steps[1]["after"]
    disable, remove = steps
    roles = {r["id"]: r for r in disable["body"]["appRoles"]}
    assert roles[ROGUE_ROLE["id"]]["isEnabled"] is False and len(roles) == len(backed_up["appRoles"]) + 1
    scopes = {s["id"]: s for s in disable["body"]["api"]["oauth2PermissionScopes"]}
    assert scopes[ROGUE_SCOPE["id"]]["isEnabled"] is False
    assert ROGUE_ROLE["id"] not in json.dumps(remove["body"]) and ROGUE_SCOPE["id"] not in json.dumps(remove["body"])
    text = lab.cli(capsys, "plan", "--type", "applications")
    assert text.out.count(f"applications/{APP}") >= 2, text.out  # both steps are shown

    done = lab.cli(capsys, "apply", "--yes", "--type", "applications")
    assert done.code == 0, done.out + done.err
    live = lab.live(["applications"])["applications"][APP]
    assert live["appRoles"] == backed_up["appRoles"] and live["api"] == backed_up["api"]
