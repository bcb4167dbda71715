"""`entragit doctor`: the subjects to register, per job, read from GitHub's API (the `gh` stand-in answers GET
/repos/{o}/{r} and GET /repos/{o}/{r}/actions/oidc/customization/sub in GitHub Docs' shapes), never assumed;
and the problems that keep docs/setup.md's guarantees from holding."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from entragit.commands import cli, load_commands
from tests.workflows.helpers import prepare_workflow_run
from tests.workflows.world import World

load_commands()  # every command registered, as `entragit` does when it starts

CUSTOM = {"use_default": False, "include_claim_keys": ["repo", "context", "job_workflow_ref"]}
ADMIN_REF = "org/entragit-admin/.github/workflows/entragit-apply.yml@refs/heads/main"


@pytest.fixture(autouse=True)
def _tools(monkeypatch: pytest.MonkeyPatch) -> None:
    prepare_workflow_run(monkeypatch)


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> World:
    w = World(tmp_path)
    for key in ("PATH", "FAKE_GH_STATE", "FAKE_GH_ORIGIN"):
        monkeypatch.setenv(key, w.runner.env[key])
    monkeypatch.setenv("GH_TOKEN", "gho_a_person_s_token")
    monkeypatch.delenv("GITHUB_REPOSITORY", raising=False)
    return w


def doctor(world: World, oidc: dict[str, Any], *args: str, repository: dict[str, Any] | None = None) -> Any:
    world.runner.edit_github(lambda s: s.update(oidc=oidc, repository=repository or {}))
    return CliRunner().invoke(cli, ["--repo", str(world.work), "doctor", "--repository", "org/tenant", *args])


def test_with_the_documented_template_every_job_has_its_own_subject(world: World) -> None:
    result = doctor(world, CUSTOM, "--json")
    assert result.exit_code == 0, result.output
    found = json.loads(result.stdout)
    assert found["problems"] == [] and found["template"]["repoClaim"] == "repo:org/tenant"
    subjects = {(j["workflow"], j["job"]): (j["app"], j["subject"]) for j in found["jobs"]}
    prefix = "repo:org/tenant:ref:refs/heads/main:job_workflow_ref:"
    assert subjects == {
        ("backup.yml", "backup"): ("reader", prefix + "org/tenant/.github/workflows/backup.yml@refs/heads/main"),
        ("difference-report.yml", "report"): (
            "reader", prefix + "org/tenant/.github/workflows/difference-report.yml@refs/heads/main"),
        ("publish-plan.yml", "publish"): (
            "reader", prefix + "org/tenant/.github/workflows/publish-plan.yml@refs/heads/main"),
        ("recover.yml", "backup"): ("reader", prefix + "org/tenant/.github/workflows/recover.yml@refs/heads/main"),
        ("recover.yml", "apply"): ("writer", prefix + ADMIN_REF)}
    # the read went through GitHub's documented endpoints
    calls = [c[-1] for c in world.runner.github_state()["calls"]]
    assert calls == ["repos/org/tenant", "repos/org/tenant/actions/oidc/customization/sub"]
    text = doctor(world, CUSTOM).stdout
    assert "az ad app federated-credential create --id <WRITER APP> --parameters " in text
    assert f'"subject": "{prefix + ADMIN_REF}"' in text and "No problem found." in text


def test_immutable_subjects_come_from_the_api_and_are_never_guessed(world: World) -> None:
    repository = {"id": 987654, "owner": {"login": "org", "id": 4242, "type": "Organization"}}
    prefixed = doctor(world, {**CUSTOM, "use_immutable_subject": True, "sub_claim_prefix": "repo:org@4242/tenant@987654"},
                      "--json", repository=repository)
    jobs = json.loads(prefixed.stdout)["jobs"]
    assert all(j["subject"].startswith("repo:org@4242/tenant@987654:ref:refs/heads/main:") for j in jobs)
    assert "sub_claim_prefix" in json.loads(prefixed.stdout)["template"]["repoClaimSource"]
    built = doctor(world, {**CUSTOM, "use_immutable_subject": True}, "--json", repository=repository)
    found = json.loads(built.stdout)
    assert found["template"]["repoClaim"] == "repo:org@4242/tenant@987654"
    assert "built from owner.id and id" in found["template"]["repoClaimSource"]


def test_the_default_template_and_a_half_done_setup_are_named(world: World) -> None:
    (world.work / ".entragit" / "requirements.txt").unlink()
    config = world.work / "entragit.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace("approvers: [2001, 2002]", "approvers: []"),
                      encoding="utf-8")
    recover = world.work / ".github" / "workflows" / "recover.yml"
    recover.write_text(recover.read_text(encoding="utf-8").replace("org/entragit-admin", "org/tenant"),
                       encoding="utf-8")
    result = doctor(world, {"use_default": True})
    assert result.exit_code == 1
    out = result.stdout
    assert "repo:org/tenant:ref:refs/heads/main" in out
    assert "does not include job_workflow_ref" in out and '"include_claim_keys": ["repo", "context", ' in out
    assert "runs a writer workflow kept in this repository" in out
    assert "is also a reader job's: the two apps cannot be told apart" in out
    assert "no .entragit/requirements.txt" in out and "lists no recovery.approvers" in out
    assert "5 problem(s) in the setup of org/tenant" in str(result.exception)


def test_the_repository_comes_from_the_origin_remote(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    from entragit.gitops.doctor import repository_slug

    for url in ("git@github.com:Contoso/Entra-Tenant.git", "https://github.com/Contoso/Entra-Tenant"):
        os.system(f"git -C {world.work} remote set-url origin {url}")
        assert repository_slug(world.work, None, {}) == "Contoso/Entra-Tenant"
    assert repository_slug(world.work, None, {"GITHUB_REPOSITORY": "a/b"}) == "a/b"
