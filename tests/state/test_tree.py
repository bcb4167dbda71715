"""The tree on disk: object_path, read_tree, and the crash-safe write_tree."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from entragit import resources
from entragit.errors import ValidationError
from entragit.state import dump_yaml, normalize, object_path, read_tree, recover_tree, write_tree
from entragit.state import tree as tree_module
from tests.state import examples as ex


def _export(keys: list[str] | None = None) -> dict[str, list[dict[str, Any]]]:
    by_type: dict[str, list[dict[str, Any]]] = {}
    for key, obj in ex.all_examples():
        if keys is None or key in keys:
            by_type.setdefault(key, []).append(normalize(resources.get(key), obj))
    return by_type


def _snapshot(root: Path) -> dict[str, tuple[bytes, int, int, int]]:
    """Every file under root: bytes, inode, mtime and ctime (ns)."""
    out = {}
    for path in sorted(root.rglob("*")):
        if path.is_file():
            st = path.stat()
            out[path.relative_to(root).as_posix()] = (path.read_bytes(), st.st_ino, st.st_mtime_ns, st.st_ctime_ns)
    return out


def _users(n: int) -> list[dict[str, Any]]:
    rt = resources.get("users")
    objs = []
    for i in range(n):
        obj = ex.user()
        obj["id"] = f"00000000-0000-4000-8000-{i:012d}"
        obj["displayName"] = f"User {i}"
        objs.append(normalize(rt, obj))
    return objs


def test_object_path_names_files_from_ids_and_singletons_from_the_type(tmp_path: Path) -> None:
    users = resources.get("users")
    assert object_path(tmp_path, users, "87d349ed") == tmp_path / "users" / "87d349ed.yaml"
    org = resources.get("organization")
    assert object_path(tmp_path, org, "84841066-274d") == tmp_path / "organization" / "organization.yaml"
    for bad in ("", "../x", "a/b", ".hidden", None):
        with pytest.raises(ValidationError, match="cannot name a file"):
            object_path(tmp_path, users, bad)  # type: ignore[arg-type]


def test_write_then_read_tree(tmp_path: Path) -> None:
    root = tmp_path / "tenant-state"
    export = _export()
    result = write_tree(root, export, durable=False)
    assert result.added and not result.changed and not result.removed and result.unchanged == 0
    assert result.total == sum(len(v) for v in export.values())
    for key, objs in export.items():
        rt = resources.get(key)
        for obj in objs:
            path = object_path(root, rt, obj["id"])
            assert path.read_text(encoding="utf-8") == dump_yaml(rt, obj)
    assert (root / "organization" / "organization.yaml").is_file()
    assert (root / "authenticationMethodsPolicy" / "authenticationMethodsPolicy.yaml").is_file()
    tree = read_tree(root)
    assert set(tree) == {rt.key for rt in resources.all_types()}
    for key, objs in export.items():
        assert tree[key] == {obj["id"]: obj for obj in objs}
    assert read_tree(root, ["users"]) == {"users": tree["users"]}
    assert not tree_module.staging_dir(root).exists()


def test_second_write_of_the_same_export_touches_nothing(tmp_path: Path) -> None:
    root = tmp_path / "tenant-state"
    write_tree(root, _export(), durable=False)
    before = _snapshot(root)
    result = write_tree(root, _export())
    assert (result.changed, result.added, result.removed) == ([], [], [])
    assert result.unchanged == len(before)
    assert _snapshot(root) == before  # same bytes, inode, mtime and ctime


def test_one_change_rewrites_exactly_one_file(tmp_path: Path) -> None:
    root = tmp_path / "tenant-state"
    write_tree(root, _export(), durable=False)
    before = _snapshot(root)
    export = _export()
    ca = export["conditionalAccessPolicies"][0]
    ca["state"] = "disabled"
    result = write_tree(root, export, durable=False)
    rel = f"conditionalAccessPolicies/{ca['id']}.yaml"
    assert result.changed == [rel] and not result.added and not result.removed
    after = _snapshot(root)
    assert set(after) == set(before)
    assert [k for k in after if after[k] != before[k]] == [rel]
    assert b"state: disabled\n" in after[rel][0]


def test_gone_objects_files_removed_other_types_untouched(tmp_path: Path) -> None:
    root = tmp_path / "tenant-state"
    write_tree(root, _export(), durable=False)
    (root / "groups" / "README.md").write_text("not an object file\n")
    before = _snapshot(root)
    export = _export(["users"])
    gone = export["users"].pop()
    added = normalize(resources.get("users"), dict(ex.user(), id="11111111-2222-4333-8444-555555555555"))
    export["users"].append(added)
    result = write_tree(root, export, ["users"], durable=False)
    assert result.removed == [f"users/{gone['id']}.yaml"]
    assert result.added == [f"users/{added['id']}.yaml"]
    after = _snapshot(root)
    assert {k: v for k, v in after.items() if not k.startswith("users/")} == \
        {k: v for k, v in before.items() if not k.startswith("users/")}
    assert not (root / "users" / f"{gone['id']}.yaml").exists()


def test_a_type_exported_empty_loses_its_files(tmp_path: Path) -> None:
    root = tmp_path / "tenant-state"
    write_tree(root, _export(["namedLocations"]), durable=False)
    result = write_tree(root, {"namedLocations": []}, durable=False)
    assert len(result.removed) == 2 and result.total == 0
    assert (root / "namedLocations").is_dir() and not list((root / "namedLocations").iterdir())


def test_failure_while_objects_are_produced_leaves_the_old_tree_intact(tmp_path: Path) -> None:
    root = tmp_path / "tenant-state"
    write_tree(root, {"users": _users(20)}, durable=False)
    before = _snapshot(root)

    def paged() -> Iterator[dict[str, Any]]:
        for i, obj in enumerate(_users(30)):
            if i == 25:
                raise ConnectionError("Graph paging failed half-way")
            obj = dict(obj, displayName=f"changed {i}")
            yield obj

    with pytest.raises(ConnectionError):
        write_tree(root, {"users": paged()}, durable=False)
    assert _snapshot(root) == before
    assert not tree_module.staging_dir(root).exists()


def test_duplicate_ids_in_an_export_refused_before_any_write(tmp_path: Path) -> None:
    root = tmp_path / "tenant-state"
    write_tree(root, {"users": _users(3)}, durable=False)
    before = _snapshot(root)
    objs = _users(3)
    objs.append(dict(objs[0], displayName="twin"))
    with pytest.raises(ValidationError, match=f"object {objs[0]['id']}, property id: duplicate id"):
        write_tree(root, {"users": objs}, durable=False)
    assert _snapshot(root) == before
    with pytest.raises(ValidationError, match="second object of a singleton"):
        write_tree(root, {"organization": [ex.organization(), ex.organization()]}, durable=False)


def test_every_exported_type_needs_its_objects(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no objects given for type.*groups"):
        write_tree(tmp_path / "t", {"users": []}, ["users", "groups"])


def test_crash_during_commit_leaves_only_whole_files_and_is_rolled_forward(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "tenant-state"
    write_tree(root, {"users": _users(10)}, durable=False)
    old = _snapshot(root)
    new_objs = [dict(obj, displayName=f"renamed {i}") for i, obj in enumerate(_users(12))]
    new_objs = new_objs[2:]  # two users gone, two added... and eight changed

    real_replace = os.replace
    calls = {"n": 0}

    def dying_replace(src: Any, dst: Any) -> None:
        if str(src).endswith(".yaml"):
            calls["n"] += 1
            if calls["n"] == 4:
                raise KeyboardInterrupt  # the job is killed in the middle of the commit
        real_replace(src, dst)

    monkeypatch.setattr(tree_module.os, "replace", dying_replace)
    with pytest.raises(KeyboardInterrupt):
        write_tree(root, {"users": new_objs}, durable=False)
    monkeypatch.setattr(tree_module.os, "replace", real_replace)

    rt = resources.get("users")
    expected = {f"users/{o['id']}.yaml": dump_yaml(rt, o).encode() for o in new_objs}
    mid = _snapshot(root)
    for rel, (data, *_stat) in mid.items():  # every file is whole: its old or its new bytes
        assert data in (old.get(rel, (None,))[0], expected.get(rel))
    assert tree_module.staging_dir(root).exists()

    assert recover_tree(root) is True
    final = {rel: v[0] for rel, v in _snapshot(root).items()}
    assert final == expected
    assert not tree_module.staging_dir(root).exists()
    assert recover_tree(root) is False


def test_next_write_rolls_an_interrupted_commit_forward_first(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "tenant-state"
    write_tree(root, {"users": _users(3)}, durable=False)
    changed = [dict(o, displayName="v2") for o in _users(3)]

    def die(*_args: Any) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(tree_module, "_commit", die)
    with pytest.raises(KeyboardInterrupt):
        write_tree(root, {"users": changed}, durable=False)  # dies right after the commit record
    monkeypatch.undo()
    result = write_tree(root, {"users": changed}, durable=False)
    assert result.unchanged == 3 and not result.changed  # the interrupted commit was completed first
    assert read_tree(root, ["users"])["users"] == {o["id"]: o for o in changed}


def test_staging_without_commit_record_is_discarded(tmp_path: Path) -> None:
    root = tmp_path / "tenant-state"
    write_tree(root, {"users": _users(2)}, durable=False)
    before = _snapshot(root)
    staging = tree_module.staging_dir(root)
    (staging / "users").mkdir(parents=True)
    (staging / "users" / "half.yaml").write_text("id: half\ndisplayNa")
    assert recover_tree(root) is False
    assert not staging.exists() and _snapshot(root) == before


def test_durable_write(tmp_path: Path) -> None:
    root = tmp_path / "tenant-state"
    result = write_tree(root, {"users": _users(2)}, durable=True)
    assert len(result.added) == 2 and read_tree(root, ["users"])["users"]


def test_read_tree_rejects_a_file_whose_id_does_not_match_its_name(tmp_path: Path) -> None:
    root = tmp_path / "tenant-state"
    write_tree(root, {"users": _users(1)}, durable=False)
    (path,) = (root / "users").iterdir()
    path.rename(root / "users" / "other.yaml")
    with pytest.raises(ValidationError, match=r"other\.yaml.*property id: the file name should be"):
        read_tree(root, ["users"])
    (root / "users" / "other.yaml").write_text("displayName: x\n")
    with pytest.raises(ValidationError, match="missing or non-string id"):
        read_tree(root, ["users"])


def test_read_tree_of_a_missing_folder_is_empty(tmp_path: Path) -> None:
    assert read_tree(tmp_path / "nothing", ["users", "groups"]) == {"users": {}, "groups": {}}
