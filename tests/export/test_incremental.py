"""Consecutive exports: an unchanged tenant rewrites nothing; one change rewrites exactly its file, by the
expected lines; objects gone from the tenant lose their files."""

from __future__ import annotations

import difflib
from pathlib import Path

from entragit.emulator import Emulator
from entragit.emulator.seeds import DEMO_FACTS
from entragit.export import export_tree
from entragit.graph import GraphClient, run
from entragit.state.normalization import normalize
from entragit.state.tree import staging_dir
from tests.export.helpers import snapshot


def test_two_exports_of_an_unchanged_tenant_rewrite_nothing(graph: GraphClient, tmp_path: Path) -> None:
    out = tmp_path / "tenant-state"
    first = export_tree(graph, out)  # durable, as the command runs it
    before = snapshot(out)
    second = export_tree(graph, out)
    assert snapshot(out) == before  # same bytes, same inodes, mtimes and ctimes: not one file touched
    assert second.files_changed == 0
    assert second.write.unchanged == first.objects == second.objects
    assert not staging_dir(out).exists()


def test_disabling_one_ca_policy_changes_exactly_its_file_by_one_line(emulator: Emulator, graph: GraphClient,
                                                                     tmp_path: Path) -> None:
    out = tmp_path / "tenant-state"
    export_tree(graph, out, durable=False)
    before = snapshot(out)
    policy = DEMO_FACTS.ca_policy_ids[DEMO_FACTS.gsa_policy]
    run(graph.patch(f"identity/conditionalAccess/policies/{policy}", {"state": "disabled"}))

    result = export_tree(graph, out, durable=False)

    rel = f"conditionalAccessPolicies/{policy}.yaml"
    assert result.write.changed == [rel] and not result.write.added and not result.write.removed
    after = snapshot(out)
    assert {k for k in after if after[k] != before[k]} == {rel}
    diff = [line for line in difflib.unified_diff(before[rel][0].decode().splitlines(),
                                                  after[rel][0].decode().splitlines(), lineterm="", n=0)
            if not line.startswith(("---", "+++", "@@"))]
    # modifiedDateTime moved too, but it is volatile: not stored
    assert diff == ["-state: enabled", "+state: disabled"]
    assert result.types["conditionalAccessPolicies"].changed == 1


def test_a_renamed_group_keeps_its_file_and_changes_one_line(emulator: Emulator, graph: GraphClient,
                                                           tmp_path: Path) -> None:
    """Files are named from the immutable id: a rename is one changed line, never a delete + create."""
    out = tmp_path / "tenant-state"
    export_tree(graph, out, durable=False)
    name = DEMO_FACTS.security_groups[0]
    group = DEMO_FACTS.group_ids[name]
    before = (out / "groups" / f"{group}.yaml").read_text()
    run(graph.patch(f"groups/{group}", {"displayName": "Renamed"}))

    result = export_tree(graph, out, durable=False)

    assert result.write.changed == [f"groups/{group}.yaml"] and not result.write.added and not result.write.removed
    after = (out / "groups" / f"{group}.yaml").read_text()
    diff = [line for line in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
            if not line.startswith(("---", "+++", "@@"))]
    assert diff == [f"-displayName: {name}", "+displayName: Renamed"]


def test_a_deleted_user_loses_its_file_and_its_memberships(emulator: Emulator, graph: GraphClient,
                                                          tmp_path: Path) -> None:
    out = tmp_path / "tenant-state"
    export_tree(graph, out, durable=False)
    user = DEMO_FACTS.user_ids[DEMO_FACTS.cloud_user_upn]
    holders = {p.relative_to(out).as_posix() for p in out.rglob("*.yaml")
               if user in p.read_text() and p.name != f"{user}.yaml"}
    run(graph.delete(f"users/{user}"))

    result = export_tree(graph, out, durable=False)

    assert result.write.removed == [f"users/{user}.yaml"]
    assert not (out / "users" / f"{user}.yaml").exists()
    assert set(result.write.changed) == holders and holders  # groups that listed it as a member
    assert not result.write.added


def test_a_created_object_is_added(graph: GraphClient, tmp_path: Path) -> None:
    out = tmp_path / "tenant-state"
    export_tree(graph, out, durable=False)
    created = run(graph.post("identity/conditionalAccess/namedLocations", {
        "@odata.type": "#microsoft.graph.countryNamedLocation", "displayName": "Nordics",
        "countriesAndRegions": ["NO", "SE", "DK", "FI"], "includeUnknownCountriesAndRegions": False}))
    result = export_tree(graph, out, durable=False)
    assert result.write.added == [f"namedLocations/{created['id']}.yaml"]
    assert not result.write.changed and not result.write.removed
    from entragit import resources
    from entragit.state.yamlio import load_yaml

    rt = resources.get("namedLocations")
    stored = load_yaml(out / "namedLocations" / f"{created['id']}.yaml")
    assert stored["countriesAndRegions"] == ["DK", "FI", "NO", "SE"]  # an unordered list, sorted
    assert stored == normalize(rt, stored)
