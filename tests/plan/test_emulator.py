"""The plan against the in-process demo emulator, read through the exporter (``load_live``/``make_plan``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from entragit.emulator import Emulator
from entragit.emulator.seeds import DEMO_FACTS as F
from entragit.errors import RefusedError, ValidationError
from entragit.export import export_tree
from entragit.graph import GraphClient
from entragit.plan import Kind, Plan, placeholder
from entragit.plan.live import load_live, make_plan
from entragit.plan.scope import Scope
from entragit.resources import get
from entragit.settings import Settings
from entragit.state import dump_yaml, load_yaml, object_path

CA = "conditionalAccessPolicies"


@pytest.fixture
def demo(tmp_path: Path) -> tuple[Path, Emulator]:
    """A repository whose tenant-state/ is a fresh backup of the demo emulator."""
    emu = Emulator(seed="demo")
    repo = tmp_path / "repo"
    repo.mkdir()
    export_tree(GraphClient.for_emulator(emu), repo / "tenant-state", durable=False)
    return repo, emu


def _plan(repo: Path, emu: Emulator, **kwargs: Any) -> Plan:
    settings = Settings(repo=repo, emergency_access=(F.break_glass_upn,))
    return make_plan(settings, client=GraphClient.for_emulator(emu), **kwargs)


def _edit(repo: Path, type_key: str, obj_id: str, **values: Any) -> None:
    rt = get(type_key)
    path = object_path(repo / "tenant-state", rt, obj_id)
    obj = load_yaml(path)
    obj.update(values)
    path.write_text(dump_yaml(rt, obj), encoding="utf-8")


def test_unchanged_demo_tenant_plans_nothing(demo: tuple[Path, Emulator]) -> None:
    repo, emu = demo
    plan = _plan(repo, emu)
    assert plan.to_json()["changes"] == []
    assert plan.warnings == []


def test_load_live_matches_the_backup_and_lists_deleted_items(demo: tuple[Path, Emulator]) -> None:
    repo, emu = demo
    group_id = F.group_ids["Finance"]
    emu.backend.delete("groups", group_id)
    live, deleted = load_live(GraphClient.for_emulator(emu), ["groups", "users"])
    assert set(live) == {"groups", "users"}
    assert group_id not in live["groups"] and group_id in deleted["groups"]
    assert deleted["groups"][group_id]["displayName"] == "Finance"
    backed_up = load_yaml(object_path(repo / "tenant-state", get("users"), F.break_glass_id))
    assert live["users"][F.break_glass_id] == backed_up


def test_the_recovery_scenario_plan(demo: tuple[Path, Emulator]) -> None:
    repo, emu = demo
    b = emu.backend
    gsa = F.ca_policy_ids[F.gsa_policy]
    location = F.named_location_ids[F.detachable_ip_location]
    cloud_user = F.user_ids[F.cloud_user_upn]
    finance = F.group_ids["Finance"]
    synced_user = F.user_ids[F.synced_user_upns[0]]
    ops = F.group_ids[F.synced_user_cloud_group]
    sps = {sp["id"]: sp for sp in (load_yaml(p) for p in (repo / "tenant-state" / "servicePrincipals").glob("*.yaml"))}
    resource_id, assigned = next((i, a) for i, sp in sorted(sps.items()) for a in sp["appRoleAssignedTo"]
                                 if a["principalId"] != finance)
    client_id, granted = next((i, sp["oauth2PermissionGrants"][0]) for i, sp in sorted(sps.items())
                              if sp["oauth2PermissionGrants"])
    # the incident
    b.update(CA, gsa, {"state": "disabled", "conditions": {
        **load_yaml(object_path(repo / "tenant-state", get(CA), gsa))["conditions"], "locations": None}})
    b.delete("namedLocations", location)
    b.update("users", cloud_user, {"jobTitle": "Changed"})
    b.delete("groups", finance)
    b.remove_link("groups", ops, "members", synced_user)
    b.delete_assignment(assigned["id"])
    b.delete_grant(granted["id"])
    # the backup held another on-premises value (changed on-premises since)
    _edit(repo, "users", synced_user, jobTitle="Backed-up title")

    plan = _plan(repo, emu)
    by_key = {c.key: c for c in plan.changes}
    recreate = by_key[f"recreate:namedLocations/{location}"]
    ca_update = by_key[f"update:{CA}/{gsa}"]
    assert ca_update.body["state"] == "enabled"
    assert ca_update.body["conditions"]["locations"]["excludeLocations"] == [placeholder("namedLocations", location)]
    assert recreate.key in ca_update.after
    assert by_key[f"update:users/{cloud_user}"].body == {"jobTitle": _backed_up(repo, cloud_user)["jobTitle"]}
    assert by_key[f"restore:groups/{finance}"].kind is Kind.RESTORE
    skip = by_key[f"skip:users/{synced_user}/jobTitle"]
    assert skip.reason == "mastered on-premises"
    add = by_key[f"link-add:groups/{ops}/members/{synced_user}"]
    assert add.target == synced_user
    assert any(c.link == "appRoleAssignedTo" and c.kind is Kind.LINK_ADD and c.id == resource_id
               for c in plan.changes)
    assert any(c.link == "oauth2PermissionGrants" and c.kind is Kind.LINK_ADD and c.id == client_id
               for c in plan.changes)
    keys = [c.key for c in plan.changes]
    assert keys.index(recreate.key) < keys.index(f"restore:groups/{finance}") < keys.index(ca_update.key)
    assert plan.warnings == []
    # the plan is stable: a second computation gives the same checksum
    assert _plan(repo, emu).checksum == plan.checksum


def _backed_up(repo: Path, user_id: str) -> dict[str, Any]:
    return load_yaml(object_path(repo / "tenant-state", get("users"), user_id))


def test_scope_by_type_and_id_against_the_emulator(demo: tuple[Path, Emulator]) -> None:
    repo, emu = demo
    cloud_user = F.user_ids[F.cloud_user_upn]
    gsa = F.ca_policy_ids[F.gsa_policy]
    emu.backend.update("users", cloud_user, {"jobTitle": "Changed"})
    emu.backend.update(CA, gsa, {"state": "disabled"})
    by_type = _plan(repo, emu, scope=Scope.of(types=["users"]))
    assert [(c.kind, c.type) for c in by_type.changes] == [(Kind.UPDATE, "users")]
    by_id = _plan(repo, emu, scope=Scope.of(ids=[gsa]))
    assert [(c.kind, c.id) for c in by_id.changes] == [(Kind.UPDATE, gsa)]


def test_id_takes_an_app_id_and_refuses_singletons_and_unknown_ids(demo: tuple[Path, Emulator]) -> None:
    """--id: an object id, or an appId for applications and service principals; nothing for singletons (the
    type key names them, with --type); an id of no object is refused rather than planning nothing."""
    from entragit.errors import UsageError

    repo, emu = demo
    app = next(a for a in emu.backend.state()["applications"])
    emu.backend.update("applications", app["id"], {"notes": "changed live"})
    by_app_id = _plan(repo, emu, scope=Scope.of(ids=[app["appId"]]))
    assert [(c.kind, c.type, c.id) for c in by_app_id.changes] == [(Kind.UPDATE, "applications", app["id"])]
    tenant = load_yaml(object_path(repo / "tenant-state", get("organization"), "organization"))["id"]
    for value, key in (("authorizationPolicy", "authorizationPolicy"), (tenant, "organization"),
                       ("authenticationMethodsPolicy", "authenticationMethodsPolicy")):
        client = GraphClient.for_emulator(emu)
        with pytest.raises(UsageError, match=f"--id {value}: {key} is a singleton .*--type {key}") as err:
            make_plan(Settings(repo=repo), client=client, scope=Scope.of(ids=[value]))
        assert err.value.exit_code == 2 and client.stats.requests == 0  # refused before any Graph read
    with pytest.raises(UsageError, match="--id 0badc0de: no object with this id"):
        _plan(repo, emu, scope=Scope.of(ids=["0badc0de"]))


def test_invalid_desired_file_is_refused_before_any_graph_request(demo: tuple[Path, Emulator]) -> None:
    repo, emu = demo
    path = object_path(repo / "tenant-state", get("users"), F.break_glass_id)
    path.write_text(path.read_text(encoding="utf-8").replace("accountEnabled: true\n", "accountEnabled: true\naaa: 1\n"),
                    encoding="utf-8")
    client = GraphClient.for_emulator(emu)
    with pytest.raises(ValidationError) as err:
        make_plan(Settings(repo=repo), client=client)
    assert err.value.exit_code == 2 and F.break_glass_id in str(err.value)
    assert client.stats.requests == 0


def test_rail_refuses_mass_change_on_the_demo(demo: tuple[Path, Emulator]) -> None:
    repo, emu = demo
    cloud = [i for upn, i in sorted(F.user_ids.items()) if upn not in F.synced_user_upns]
    for user_id in cloud[:20]:
        emu.backend.update("users", user_id, {"officeLocation": "moved"})
    with pytest.raises(RefusedError):
        _plan(repo, emu, scope=Scope.of(types=["users"]))
    assert _plan(repo, emu, scope=Scope.of(types=["users"]), force="bulk restore").counts()["update"] >= 20


def test_plan_command_against_a_served_emulator(served_emulator: str, tmp_path: Path) -> None:
    from entragit.cli import cli, main

    repo = tmp_path / "repo"
    repo.mkdir()
    emu = Emulator(seed="demo")
    export_tree(GraphClient.for_emulator(emu), repo / "tenant-state", durable=False)
    runner = CliRunner()
    args = ["--repo", str(repo), "--graph-url", served_emulator, "plan", "--format", "json"]
    result = runner.invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["changes"] == [] and len(data["checksum"]) == 64
    out = tmp_path / "plan.md"
    result = runner.invoke(cli, [*args[:-2], "--type", "users", "--format", "markdown", "--output", str(out)],
                           catch_exceptions=False)
    assert result.exit_code == 0
    assert "## entragit plan" in out.read_text(encoding="utf-8")
    assert data["checksum"] in result.stderr  # an empty plan has the same checksum whatever its scope
    with pytest.raises(SystemExit) as exited:  # the console entry point maps typed errors to exit codes
        main([*args[:-2], "--type", "nope"])
    assert exited.value.code == 2
