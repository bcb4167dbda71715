"""validate_tree() and `entragit validate`: every problem names file, object and property."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from entragit import resources
from entragit.cli import cli
from entragit.errors import UsageError
from entragit.state import Problem, check_tree, normalize, validate_tree, write_tree
from tests.state import examples as ex

USER_ID = ex.user()["id"]
GROUP_ID = ex.group()["id"]


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A valid tenant-state tree holding every example (all ten types)."""
    root = tmp_path / "tenant-state"
    by_type: dict[str, list[dict[str, Any]]] = {}
    for key, obj in ex.all_examples():
        by_type.setdefault(key, []).append(normalize(resources.get(key), obj))
    write_tree(root, by_type, durable=False)
    return root


def _one(problems: list[Problem], **match: Any) -> Problem:
    found = [p for p in problems if all(getattr(p, k) == v for k, v in match.items())]
    assert len(found) == 1, (match, problems)
    return found[0]


def test_a_written_tree_is_valid(tree: Path) -> None:
    report = check_tree(tree)
    assert report.problems == []
    assert report.files == sum(1 for _ in tree.rglob("*.yaml"))
    assert set(report.objects) == {rt.key for rt in resources.all_types()}
    assert report.summary().endswith(f"valid, {report.files} objects in 10 types")


def test_schema_violation_names_file_object_property(tree: Path) -> None:
    path = tree / "groups" / f"{GROUP_ID}.yaml"
    text = path.read_text()
    path.write_text(text.replace("- 4562bcc8-c436-4f95-b7c0-4f8ce89dca5e\n- 59e6", "- 42\n- 59e6", 1))
    problems = validate_tree(tree)
    p = _one(problems, prop="members[0]")
    assert p.file == str(path) and p.obj == GROUP_ID
    assert "42 is not of type 'string'" in p.message
    assert str(p) == f"{path}: object {GROUP_ID}: property members[0]: {p.message}"


def test_missing_id_and_forbidden_property(tree: Path) -> None:
    path = tree / "applications" / f"{ex.application()['id']}.yaml"
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join(line for line in lines if not line.startswith("id: ")))
    problems = validate_tree(tree)
    p = _one(problems, file=str(path), prop="id")
    assert p.obj is None and "'id' is a required property" in p.message

    ca = tree / "conditionalAccessPolicies" / f"{ex.conditional_access_policy()['id']}.yaml"
    ca.write_text(ca.read_text() + "modifiedDateTime: '2024-01-03T20:07:59Z'\n")
    problems = validate_tree(tree)
    p = _one(problems, file=str(ca), prop="modifiedDateTime", message="not allowed in a stored file "
                                                                    "(volatile: dropped on export)")
    assert p.obj == ex.conditional_access_policy()["id"]


def test_non_canonical_file_names_the_property(tree: Path) -> None:
    path = tree / "users" / f"{USER_ID}.yaml"
    text = path.read_text()
    unsorted = text.replace("- adele.vance@contoso.org\n- adele@fabrikam.com\n",
                            "- adele@fabrikam.com\n- adele.vance@contoso.org\n")
    assert unsorted != text
    path.write_text(unsorted)
    p = _one(validate_tree(tree), file=str(path))
    assert p.obj == USER_ID and p.prop == "otherMails"
    assert "not in canonical form (an unordered list out of order): line" in p.message

    path.write_text(text.replace("displayName: Adele Vance", 'displayName: "Adele Vance"'))
    p = _one(validate_tree(tree), file=str(path))
    assert p.obj == USER_ID and p.prop is None  # same data, other quoting
    assert "should be 'displayName: Adele Vance', found 'displayName: \"Adele Vance\"'" in p.message

    path.write_text(text.split("\n", 1)[1])  # schema line missing
    p = _one(validate_tree(tree), file=str(path))
    assert "line 1 should be '# yaml-language-server: $schema=../../schemas/users.schema.json'" in p.message


def test_id_file_name_mismatch_and_duplicate_ids(tree: Path) -> None:
    src = tree / "users" / f"{USER_ID}.yaml"
    copy = tree / "users" / "copy-of-adele.yaml"
    shutil.copy(src, copy)
    problems = validate_tree(tree)
    mismatch = [p for p in problems if "does not match the file name" in p.message]
    duplicate = [p for p in problems if p.message.startswith("duplicate id")]
    assert [(p.file, p.obj, p.prop) for p in mismatch] == [(str(copy), USER_ID, "id")]
    assert [(p.obj, p.prop) for p in duplicate] == [(USER_ID, "id")]
    assert str(src) in duplicate[0].message or str(copy) in duplicate[0].message


def test_unknown_folders_and_files(tree: Path) -> None:
    (tree / "devices").mkdir()
    (tree / "notes.txt").write_text("x")
    (tree / "users" / "README.md").write_text("x")
    (tree / "users" / "nested").mkdir()
    (tree / ".gitkeep").write_text("")
    problems = validate_tree(tree)
    assert "unknown folder: not a resource type" in _one(problems, file=str(tree / "devices")).message
    assert "unknown file" in _one(problems, file=str(tree / "notes.txt")).message
    assert "not a .yaml object file" in _one(problems, file=str(tree / "users" / "README.md")).message
    assert "unknown folder inside a type folder" in _one(problems, file=str(tree / "users" / "nested")).message
    assert len(problems) == 4


def test_singleton_file_name(tree: Path) -> None:
    src = tree / "organization" / "organization.yaml"
    src.rename(tree / "organization" / f"{ex.organization()['id']}.yaml")
    p = _one(validate_tree(tree), prop=None, obj=None)
    assert "must be named organization.yaml" in p.message
    shutil.copy(tree / "organization" / f"{ex.organization()['id']}.yaml", src)
    problems = validate_tree(tree)
    assert any("2 files for a singleton type" in p.message for p in problems)


def test_unparsable_file(tree: Path) -> None:
    path = tree / "groups" / f"{GROUP_ID}.yaml"
    path.write_text("id: x\nmembers: [a\n")
    p = _one(validate_tree(tree), file=str(path))
    assert p.message.startswith("invalid YAML (line 3")
    path.write_bytes(b"id: \xff\n")
    assert "not UTF-8" in _one(validate_tree(tree), file=str(path)).message


def test_validate_of_a_missing_directory_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="not a directory"):
        validate_tree(tmp_path / "absent")


# ---------------------------------------------------------------------------------------------- CLI
def test_cli_valid_tree_exits_0_with_a_summary(tree: Path) -> None:
    result = CliRunner().invoke(cli, ["validate", str(tree)])
    assert result.exit_code == 0, result.output
    assert result.output.strip().endswith("objects in 10 types")
    assert len(result.output.strip().splitlines()) == 1


def test_cli_default_directory_is_the_repository_tenant_state(tree: Path) -> None:
    result = CliRunner().invoke(cli, ["--repo", str(tree.parent), "validate"])
    assert result.exit_code == 0, result.output
    assert str(tree) in result.output


def test_cli_problems_exit_2_one_line_each(tree: Path) -> None:
    (tree / "devices").mkdir()
    path = tree / "users" / f"{USER_ID}.yaml"
    path.write_text(path.read_text() + "signInActivity: null\n")
    result = CliRunner().invoke(cli, ["validate", str(tree)])
    assert result.exit_code == 2
    lines = result.stdout.strip().splitlines()
    assert f"{path}: object {USER_ID}: property signInActivity: not allowed in a stored file " \
           "(volatile: dropped on export)" in lines
    assert any(line.startswith(f"{tree / 'devices'}: unknown folder") for line in lines)
    assert "problems in" in result.stderr


def test_cli_names_a_value_of_the_wrong_json_type(tree: Path) -> None:
    path = tree / "users" / f"{USER_ID}.yaml"
    text = path.read_text()
    assert "\naccountEnabled: true\n" in text
    path.write_text(text.replace("\naccountEnabled: true\n", "\naccountEnabled: maybe\n"))
    result = CliRunner().invoke(cli, ["validate", str(tree)])
    assert result.exit_code == 2
    assert result.stdout.strip().splitlines() == [
        f"{path}: object {USER_ID}: property accountEnabled: schema: 'maybe' is not of type 'boolean', 'null'"]


def test_cli_missing_directory_exits_2(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["--repo", str(tmp_path), "validate"])
    assert result.exit_code == 2
    assert "tenant-state is not a directory" in result.output


def test_personal_data_excluded_by_settings_is_flagged(tree: Path) -> None:
    exclude = {"users": ("mobilePhone", "employeeOrgData.costCenter"), "groups": ("*",)}
    problems = validate_tree(tree, exclude=exclude)
    flagged = sorted((p.obj, p.prop) for p in problems)
    # the two users hold both (mobilePhone: null counts: the key itself is what must not be stored)
    assert flagged == sorted([(USER_ID, "employeeOrgData.costCenter"), (USER_ID, "mobilePhone"),
                              (ex.synced_user()["id"], "employeeOrgData.costCenter"),
                              (ex.synced_user()["id"], "mobilePhone")])
    assert all("excluded by entragit.yaml" in p.message for p in problems)


def test_cli_reads_exclusions_from_entragit_yaml(tree: Path) -> None:
    (tree.parent / "entragit.yaml").write_text("excludeProperties:\n  users: [officeLocation]\n")
    result = CliRunner().invoke(cli, ["--repo", str(tree.parent), "validate"])
    assert result.exit_code == 2
    assert sorted(result.stdout.strip().splitlines()) == sorted(
        f"{tree / 'users' / (i + '.yaml')}: object {i}: property officeLocation: excluded by entragit.yaml "
        "(excludeProperties: personal data) but present" for i in (USER_ID, ex.synced_user()["id"]))
