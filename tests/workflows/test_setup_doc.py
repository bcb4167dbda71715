"""docs/setup.md says what the code and the workflows do: types, subjects, audience, clouds, variables."""

from __future__ import annotations

import re

from entragit.graph.auth import GITHUB_AUDIENCE
from entragit.graph.clouds import CLOUDS
from entragit.resources import all_types
from tests.workflows.helpers import PROJECT_WORKFLOWS, ROOT

DOC = (ROOT / "docs" / "setup.md").read_text(encoding="utf-8")


def permission_rows() -> dict[str, list[str]]:
    section = DOC.split("### Microsoft Graph application permissions per resource type", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        m = re.match(r"\| `(\w+)`[^|]*\|(.*)\|(.*)\|$", line)
        if m:
            rows[m.group(1)] = [m.group(2), m.group(3)]
    return rows


def test_every_resource_type_has_its_reader_and_writer_permissions() -> None:
    rows = permission_rows()
    assert set(rows) == {rt.key for rt in all_types()}
    permission = re.compile(r"`[A-Z][A-Za-z-]*(\.[A-Za-z]+)+`")
    for key, (reader, writer) in rows.items():
        assert permission.search(reader), f"{key}: no reader permission"
        assert permission.search(writer), f"{key}: no writer permission"
        assert "ReadWrite" not in reader, f"{key}: the reader would write"


def test_the_writer_is_called_what_it_is() -> None:
    assert "the writer can grant itself any permission" in DOC
    for permission in ("AppRoleAssignment.ReadWrite.All", "Application.ReadWrite.All",
                       "RoleManagement.ReadWrite.Directory"):
        assert permission in DOC.split("### The writer is a Global Administrator in all but name", 1)[1]


def test_federated_subjects_and_audience() -> None:
    for subject in ("repo:ORG/REPO:ref:refs/heads/main", "repo:ORG/REPO:pull_request",
                    "repo:ORG/REPO:environment:entra-recovery"):
        assert f"`{subject}`" in DOC and f'"subject": "{subject}"' in DOC
    assert f"audience `{GITHUB_AUDIENCE}`" in DOC
    assert DOC.count(f'"audiences": ["{GITHUB_AUDIENCE}"]') == 3


def test_national_clouds_table_is_entragits() -> None:
    for cloud in CLOUDS.values():
        assert re.search(rf"\| `{cloud.name}`[^|]*\| `{re.escape(cloud.graph_url)}` \| `{cloud.authority_host}` \|",
                         DOC), cloud.name


def test_variables_and_pins_match_the_workflows() -> None:
    text = "".join(p.read_text(encoding="utf-8") for p in PROJECT_WORKFLOWS.glob("*.yml"))
    used = set(re.findall(r"vars\.(ENTRAGIT_\w+)", text))
    documented = set(re.findall(r"^\| `(ENTRAGIT_\w+)`", DOC, re.MULTILINE))
    assert used == documented == {"ENTRAGIT_TENANT_ID", "ENTRAGIT_READER_CLIENT_ID", "ENTRAGIT_WRITER_CLIENT_ID",
                                  "ENTRAGIT_PIP_SPEC"}
    for action, version in re.findall(r"uses: (actions/[\w-]+)@[0-9a-f]{40} # (v[\d.]+)", text):
        assert f"`{action}` {version}" in DOC


def section(title: str) -> str:
    assert title in DOC, title
    return DOC.split(title, 1)[1].split("\n## ", 1)[0]


def test_the_writer_is_contained_by_where_it_signs_in_and_who_approves() -> None:
    contained = section("### The writer is a Global Administrator in all but name")
    for measure in ("**Environment `entra-recovery`**", "required reviewers", "deployment branches are limited to the "
                    "default branch", "**CODEOWNERS**", "**Pinned actions**", "**No secret exists.**"):
        assert measure in contained, measure


def test_repository_settings_let_the_pipeline_work_and_keep_history() -> None:
    settings = section("## 4. Repository settings")
    # the report opens its pull request with the workflow's token
    assert "**Allow GitHub Actions to create and approve pull requests**" in settings
    # the default branch: no force push, no deletion, and no pull request requirement the backup's pushes would hit
    assert "**Restrict deletions** and **Block force pushes**" in settings
    assert "Do **not** require pull requests" in settings and "cannot be a bypass actor" in settings
    # the environment the writer's subject names
    assert "**Environment** `entra-recovery`" in settings and "only the default branch" in settings
    assert "**Required reviewers**" in settings
    # every variable the workflows read, and the labels they use
    for label in ("`recovery`", "`recovery-force`", "Entragit-Force-Reason: <why>"):
        assert label in settings, label


def test_what_is_never_recovered_says_why() -> None:
    never = section("## What is never recovered, and why")
    items = re.findall(r"^- \*\*([^*]+)\*\*: (.+)$", never, re.MULTILINE)
    assert {name for name, _ in items} >= {"Secrets", "Passwords and MFA methods of users", "Licences",
                                           "Properties mastered on-premises", "Microsoft-owned objects",
                                           "Hard-deleted objects that are identities"}
    assert all(len(why) > 40 for _, why in items)  # each says why, not just what
