"""``entragit export`` and ``entragit validate`` on exported trees: refusal without a Graph endpoint, an export
through a served emulator, a corrupted file rejected and named."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from entragit.cli import main
from entragit.emulator import Emulator
from entragit.export import export_tree
from entragit.graph import GraphClient, run
from entragit.state.validate import validate_tree

_ENV = ("ENTRAGIT_GRAPH_URL", "ENTRAGIT_CLOUD", "ENTRAGIT_TENANT_ID", "AZURE_TENANT_ID", "ENTRAGIT_TYPES", "CI")


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in _ENV:
        monkeypatch.delenv(name, raising=False)


def _main(argv: list[str]) -> int:
    with pytest.raises(SystemExit) as done:
        main(argv)
    return int(done.value.code or 0)


@pytest.fixture
def demo_tree(tmp_path: Path) -> Path:
    out = tmp_path / "tenant-state"
    client = GraphClient.for_emulator(Emulator(seed="demo"))
    try:
        export_tree(client, out, durable=False)
    finally:
        run(client.aclose())
    return out


def test_export_without_a_graph_endpoint_refuses_in_one_line(tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    code = _main(["--repo", str(tmp_path), "export"])
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert len(err.splitlines()) == 1 and "no Graph endpoint configured" in err and "--graph-url" in err
    assert not (tmp_path / "tenant-state").exists()


def test_cloud_option_sends_real_credentials_only_to_that_clouds_graph_host(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """--cloud names the national cloud: with no credential configured, the one error line names that cloud
    and what to set; nothing is written."""
    for name in ("AZURE_CLIENT_SECRET", "AZURE_CLIENT_CERTIFICATE_PATH", "AZURE_FEDERATED_TOKEN_FILE",
                 "ACTIONS_ID_TOKEN_REQUEST_URL", "IDENTITY_ENDPOINT", "MSI_ENDPOINT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))  # no `az` either
    code = _main(["--repo", str(tmp_path), "--cloud", "usgov", "export", "--type", "namedLocations"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1, err
    assert "cloud usgov" in err and "AZURE_CLIENT_ID" in err and "static test token" not in err
    assert not (tmp_path / "tenant-state").exists()


@pytest.mark.served
def test_graph_url_from_the_environment(served_emulator: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("ENTRAGIT_GRAPH_URL", served_emulator)
    code = _main(["--repo", str(tmp_path), "export", "--type", "namedLocations"])
    out = capsys.readouterr()
    assert code == 0, out.err
    assert "static test token" in out.err and served_emulator.split("//")[1] in out.err  # the notice
    assert [p.name for p in (tmp_path / "tenant-state").iterdir()] == ["namedLocations"]


def test_export_of_an_unknown_type_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = _main(["--repo", str(tmp_path), "--graph-url", "http://127.0.0.1:9", "export", "--type", "devices"])
    err = capsys.readouterr().err
    assert code == 2 and "unknown resource type 'devices'" in err and "users" in err


def test_a_type_excluded_by_entragit_yaml_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "entragit.yaml").write_text("types:\n  exclude: [users]\n")
    code = _main(["--repo", str(tmp_path), "--graph-url", "http://127.0.0.1:9", "export", "--type", "users"])
    assert code == 2 and "excluded" in capsys.readouterr().err


@pytest.mark.served
def test_export_command_through_a_served_emulator(served_emulator: str, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "entragit.yaml").write_text("excludeProperties:\n  users: [mobilePhone]\n")
    code = _main(["--repo", str(repo), "--graph-url", served_emulator, "export"])
    out = capsys.readouterr().out
    assert code == 0, out
    tree = repo / "tenant-state"
    assert validate_tree(tree) == []
    assert "users" in out and "Graph requests" in out and "resource units" in out
    assert not any("mobilePhone" in p.read_text() for p in (tree / "users").glob("*.yaml"))
    code = _main(["--repo", str(repo), "--graph-url", served_emulator, "export", "--type", "groups",
                  "--out", str(tmp_path / "only-groups")])
    assert code == 0
    assert [p.name for p in (tmp_path / "only-groups").iterdir()] == ["groups"]
    assert "no files changed" not in capsys.readouterr().out


@pytest.mark.parametrize(("old", "new", "what"), [
    ("manager: null\n", "manager: 42\n", "manager"),  # schema: a link is an id or null
    ("accountEnabled: true\n", "accountEnabled: true\nzzz: 1\naaa: 2\n", "canonical"),  # key order
    ("accountEnabled: true\n", "accountEnabled: [true\n", "YAML"),  # not YAML
])
def test_a_corrupted_file_is_rejected_by_validate_and_named(demo_tree: Path, old: str, new: str, what: str,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    victim = next(p for p in sorted((demo_tree / "users").glob("*.yaml")) if old in p.read_text())
    victim.write_text(victim.read_text().replace(old, new, 1))
    code = _main(["validate", str(demo_tree)])
    out = capsys.readouterr()
    assert code == 2
    lines = [line for line in out.out.splitlines() if line.strip()]
    assert lines and all(victim.name in line for line in lines), lines
    assert victim.stem in out.out  # the object is named too
    assert "1 problem" in out.err or "problems in 1 of" in out.err


def test_an_untouched_export_validates_from_the_command_line(demo_tree: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    assert _main(["validate", str(demo_tree)]) == 0
    assert "valid" in capsys.readouterr().out
    shutil.rmtree(demo_tree / "users")
    assert _main(["validate", str(demo_tree)]) == 0  # a type folder may be missing (type not exported)
