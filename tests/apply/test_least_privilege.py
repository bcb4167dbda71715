"""docs/setup.md's permission lists proved against the emulator's Learn-sourced permission facts: the real
export with exactly the reader's application permissions, and a real recovery (restore, recreate, links,
properties of every type, Conditional Access) with exactly the writer's, each failing when one listed
permission is taken away.

The lists are read from the "All in all" table of docs/setup.md (rows ``reader`` and ``writer``, permissions in
backticks; the form is agreed in NOTES.md). "Fails" means the command reports an error, or what it produced
differs from what it produces with every permission (a property Graph answers null without its permission
would silently be lost from a backup).
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from entragit.emulator import Emulator
from entragit.emulator.seeds import DEMO_DIRECTORY as D
from entragit.emulator.seeds import DEMO_FACTS as F
from entragit.emulator.seeds import demo_seed
from entragit.errors import EntragitError
from entragit.export import export_tree
from entragit.graph import GraphClient, run
from tests.apply.helpers import Lab, git
from tests.plugins.graph import FAST_RETRY

SETUP = Path(__file__).resolve().parents[2] / "docs" / "setup.md"
ATTRS = {"Engineering": {"@odata.type": "#Microsoft.DirectoryServices.CustomSecurityAttributeValue",
                         "Project": "Alpine"}}
LEAVES = "2031-06-30T00:00:00Z"
USER = F.user_ids[F.cloud_user_upn]
SP = F.service_principal_ids[F.api_application]


def setup_permissions() -> dict[str, list[str]]:
    """``{"reader": [...], "writer": [...]}`` from the "All in all" table of docs/setup.md."""
    text = SETUP.read_text(encoding="utf-8")
    section = text.split("### All in all", 1)[1].split("\n#", 1)[0]
    rows = {}
    for line in section.splitlines():
        m = re.match(r"^\|\s*\*{0,2}(reader|writer)\*{0,2}\s*\|(.*)\|\s*$", line)
        if m:
            rows[m.group(1)] = re.findall(r"`([A-Za-z][\w.-]*)`", m.group(2))
    assert set(rows) == {"reader", "writer"}, "docs/setup.md: the All in all table lost a row"
    return rows


PERMISSIONS = setup_permissions()
READER, WRITER = PERMISSIONS["reader"], PERMISSIONS["writer"]
WRITER_ONLY = [p for p in WRITER if p not in READER]


def seed() -> dict[str, Any]:
    """The demo tenant plus values only their own permissions can read (custom security attributes, leave
    date), so a backup that loses them is told apart."""
    data = demo_seed()
    user = next(u for u in data["users"] if u["id"] == USER)
    user.update(customSecurityAttributes=ATTRS, employeeLeaveDateTime=LEAVES)
    sp = next(s for s in data["servicePrincipals"] if s["id"] == SP)
    sp["customSecurityAttributes"] = ATTRS
    return data


def tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*.yaml"))}


def read_with(granted: list[str] | None) -> Any:
    """What the reader reads with ``granted`` permissions: the real export (as a plan reads the live tenant)
    and the soft-deleted items (plans and difference reports list them), and how a second nightly backup ran
    (incremental needs the directory audit log), or None when that fails."""
    import tempfile

    from entragit.export import export_nightly
    from entragit.plan.live import load_live_async

    emu = Emulator(seed=seed(), permissions=granted)
    client = GraphClient.for_emulator(emu, retry=FAST_RETRY)
    try:
        live = run(load_live_async(client))
        with tempfile.TemporaryDirectory() as tmp:
            first = run(export_nightly(client, Path(tmp) / "t", durable=False))
            second = run(export_nightly(client, Path(tmp) / "t", previous=first.delta_state, durable=False))
        return live, second.mode
    except EntragitError:
        return None
    finally:
        run(client.aclose())


@pytest.fixture(scope="module")
def full_read() -> Any:
    read = read_with(None)
    assert read is not None
    text = repr(read)
    assert "Alpine" in text and "2031-06-30" in text  # the protected values reach the backup
    assert read[1] == "incremental"
    return read


def test_setup_lists_the_readers_permissions_inside_the_writers() -> None:
    assert READER and WRITER_ONLY and set(READER) <= set(WRITER)
    assert not [p for p in READER if "ReadWrite" in p], "the reader would write"


def test_export_with_exactly_the_readers_permissions(full_read: Any) -> None:
    assert read_with(READER) == full_read


@pytest.mark.parametrize("removed", READER)
def test_export_fails_without_any_one_of_them(removed: str, full_read: Any) -> None:
    read = read_with([p for p in READER if p != removed])
    assert read != full_read, f"the reader does not need {removed}: docs/setup.md lists it for nothing"


# ---------------------------------------------------------------------------------------------- the writer
async def damage(client: GraphClient) -> None:
    """What the recovery undoes: a soft deletion, properties of every type, links (a service principal, a device
    and a contact among them), an assignment, a grant and a named location deleted for good (recreated)."""
    restore_user = F.user_ids[F.disabled_user_upn]
    sp_group = F.group_ids[F.sp_member_group]
    sp_member = F.service_principal_ids[F.sp_member_apps[0]]
    app = F.application_object_ids[F.api_application]
    country = F.named_location_ids[F.country_location]
    assignment = (await client.list_all(f"servicePrincipals/{SP}/appRoleAssignedTo"))[0]
    grant = next(g for g in await client.list_all("oauth2PermissionGrants") if g["clientId"] != F.graph_sp_id)
    await client.delete(f"users/{restore_user}")
    await client.patch(f"users/{USER}", {"jobTitle": "Changed", "employeeLeaveDateTime": "2040-01-01T00:00:00Z",
                                          "customSecurityAttributes": {"Engineering": {**ATTRS["Engineering"],
                                                                                       "Project": "Beta"}}})
    await client.delete(f"groups/{sp_group}/members/{sp_member}/$ref")
    kinds_group = F.group_ids[D.member_group]  # a device and an organizational contact are members there
    await client.delete(f"groups/{kinds_group}/members/{D.device_id}/$ref")
    await client.delete(f"groups/{kinds_group}/members/{D.contact_id}/$ref")
    await client.patch(f"groups/{sp_group}", {"description": "Changed"})
    await client.patch(f"applications/{app}", {"notes": "Changed"})
    await client.delete(f"servicePrincipals/{SP}/appRoleAssignedTo/{assignment['id']}")
    await client.delete(f"oauth2PermissionGrants/{grant['id']}")
    await client.patch(f"identity/conditionalAccess/policies/{F.ca_policy_ids[F.gsa_policy]}", {"state": "disabled"})
    await client.delete(f"identity/conditionalAccess/namedLocations/{country}")
    await client.delete(f"identity/conditionalAccess/deletedItems/namedLocations/{country}", version="beta")
    await client.patch("policies/authenticationMethodsPolicy/authenticationMethodConfigurations/Fido2",
                       {"@odata.type": "#microsoft.graph.fido2AuthenticationMethodConfiguration", "state": "disabled"})
    await client.patch("policies/authorizationPolicy", {"allowInvitesFrom": "none"})
    await client.patch(f"organization/{F.tenant_id}", {"technicalNotificationMails": ["changed@example.com"]})


@pytest.fixture(scope="module")
def damaged_repo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str, str, dict[str, bytes]]]:
    """A tenant repository holding a backup, a backup of the damaged tenant and a revert of it: ``(repo,
    before, after, the first backup's files)``; each test replays the damage on a fresh tenant."""
    import subprocess

    repo = tmp_path_factory.mktemp("least") / "tenant"
    repo.mkdir()
    env_git = ["-c", "commit.gpgsign=false", "-c", "user.name=Test", "-c", "user.email=t@example.com"]
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=repo, check=True)
    (repo / "README.md").write_text("# tenant\n")
    subprocess.run(["git", *env_git, "add", "README.md"], cwd=repo, check=True)
    subprocess.run(["git", *env_git, "commit", "-q", "-m", "init"], cwd=repo, check=True)
    for key, value in (("user.name", "Test"), ("user.email", "t@example.com"), ("commit.gpgsign", "false")):
        git(repo, "config", key, value)
    emu = Emulator(seed=seed())
    client = GraphClient.for_emulator(emu, retry=FAST_RETRY)
    lab = Lab(emu, client, repo)
    try:
        first = lab.backup()
        original = tree(repo / "tenant-state")
        run(damage(client))
        second = lab.backup()
        before = lab.git("rev-parse", "HEAD")
        lab.git("revert", "--no-edit", second.commit)
        yield repo, before, lab.git("rev-parse", "HEAD"), original
    finally:
        run(client.aclose())
        del first


def recover_with(granted: list[str] | None, damaged: tuple[Path, str, str, dict[str, bytes]], work: Path,
                 monkeypatch: pytest.MonkeyPatch) -> tuple[bool, dict[str, bytes]]:
    """Replay the damage on a fresh tenant, apply the revert with ``granted``: (apply succeeded, the tenant
    exported afterwards with every permission)."""
    import entragit.graph
    from entragit.apply import ApplyRequest, run_apply

    repo = work / "tenant"
    shutil.copytree(damaged[0], repo)
    emu = Emulator(seed=seed())
    client = GraphClient.for_emulator(emu, retry=FAST_RETRY)
    monkeypatch.setattr(entragit.graph, "CLIENT_FACTORY",
                        lambda settings: GraphClient.for_emulator(emu, retry=FAST_RETRY))
    try:
        run(damage(client))
        emu.permissions.configure(granted=granted if granted is not None else "all")
        try:
            result = run(run_apply(repo, client, ApplyRequest(scope_from=f"{damaged[1]}..{damaged[2]}")))
            ok = not getattr(result, "failed", None) and getattr(result, "ok", True)
        except EntragitError:
            ok = False
        emu.permissions.configure(granted="all")
        export_tree(client, work / "after", durable=False)
    finally:
        run(client.aclose())
    return bool(ok), tree(work / "after")


def converged(after: dict[str, bytes], original: dict[str, bytes]) -> bool:
    """The tenant holds what the first backup held, up to what a recreation changes: the named location's id
    (and the policies referencing it), the ids and creation times of recreated assignments and grants."""
    def objects(files: dict[str, bytes]) -> dict[str, Any]:
        return {k: yaml.safe_load(v) for k, v in files.items()}

    def normal(objs: dict[str, Any]) -> dict[str, Any]:
        locations = {k: o for k, o in objs.items() if k.startswith("namedLocations/")}
        renamed = {o["id"]: o["displayName"] for o in locations.values()}
        out = {}
        for key, obj in objs.items():
            if key.startswith("namedLocations/"):
                key, obj = f"namedLocations/{obj['displayName']}", {**obj, "id": None, "createdDateTime": None,
                                                                     "modifiedDateTime": None}
            text = yaml.safe_dump(obj, sort_keys=True)
            for old_id, name in renamed.items():
                text = text.replace(old_id, f"location:{name}")
            obj = yaml.safe_load(text)
            for link in ("appRoleAssignedTo", "oauth2PermissionGrants"):
                if isinstance(obj.get(link), list):
                    obj[link] = sorted(yaml.safe_dump({k: v for k, v in e.items() if k not in ("id",
                                        "createdDateTime")}, sort_keys=True) for e in obj[link])
            out[key] = obj
        return out

    return normal(objects(after)) == normal(objects(original))


def test_recovery_with_exactly_the_writers_permissions(damaged_repo: Any, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    ok, after = recover_with(WRITER, damaged_repo, tmp_path, monkeypatch)
    assert ok and converged(after, damaged_repo[3])


@pytest.mark.parametrize("removed", WRITER_ONLY)
def test_recovery_fails_without_any_one_of_the_writers_own(removed: str, damaged_repo: Any, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    ok, after = recover_with([p for p in WRITER if p != removed], damaged_repo, tmp_path, monkeypatch)
    assert not (ok and converged(after, damaged_repo[3])), \
        f"the recovery does not need {removed}: docs/setup.md lists it for nothing"
