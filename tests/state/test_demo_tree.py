"""The demo tenant, exported by the real exporter from the emulator: canonical, valid, and a corrupted
file is rejected by name. Also the project's own committed tenant-state/, when it has been exported."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from entragit import resources
from entragit.cli import cli
from entragit.export import export_tree
from entragit.graph import GraphClient
from entragit.state import check_tree, dump_yaml, read_tree, validate_tree
from entragit.state.yamlio import _fast_body

PROJECT_TREE = Path(__file__).resolve().parents[2] / "tenant-state"


@pytest.fixture
def demo_tree(graph: GraphClient, tmp_path: Path) -> Path:
    root = tmp_path / "tenant-state"
    export_tree(graph, root, durable=False)
    return root


def test_demo_export_is_valid_and_canonical_by_the_fast_path(demo_tree: Path) -> None:
    report = check_tree(demo_tree)
    assert report.problems == []
    assert all(report.objects[rt.key] >= 1 for rt in resources.all_types())
    tree = read_tree(demo_tree)
    for rt in resources.all_types():
        for obj in tree[rt.key].values():
            assert _fast_body(obj) is not None, (rt.key, obj["id"])  # no Graph object needs the slow dumper
            path = demo_tree / rt.key / (f"{rt.key}.yaml" if rt.singleton else f"{obj['id']}.yaml")
            assert path.read_text(encoding="utf-8") == dump_yaml(rt, obj)


def test_corrupted_demo_file_is_rejected_by_name(demo_tree: Path) -> None:
    rt = resources.get("conditionalAccessPolicies")
    path = sorted((demo_tree / rt.key).glob("*.yaml"))[0]
    obj_id = path.stem
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("grantControls:", "grantControls: [", 1), encoding="utf-8")
    result = CliRunner().invoke(cli, ["validate", str(demo_tree)])
    assert result.exit_code == 2
    (line,) = result.stdout.strip().splitlines()
    assert line.startswith(f"{path}: invalid YAML (line")

    path.write_text(text.replace(f"id: {obj_id}\n", "id: 00000000-dead-beef-0000-000000000000\n"), encoding="utf-8")
    problems = validate_tree(demo_tree)
    assert [(p.file, p.obj, p.prop) for p in problems] == [
        (str(path), "00000000-dead-beef-0000-000000000000", "id")]


def test_the_projects_committed_tenant_state_is_valid() -> None:
    assert sorted(p.name for p in PROJECT_TREE.iterdir() if p.is_dir()) == sorted(
        rt.key for rt in resources.all_types())  # the demo tenant, every type (tests/export keeps it fresh)
    assert validate_tree(PROJECT_TREE) == []
