"""docs/setup.md says what the code and the workflows do: types, subjects, audience, clouds, variables, pins,
the guarantees and what carries them, the install, the smaller items; and it cites its sources."""

from __future__ import annotations

import re
from pathlib import Path

from entragit.gitops.subjects import Template, sign_in_jobs, subjects
from entragit.graph.auth import AADSTS_FIXES, GITHUB_AUDIENCE
from entragit.graph.clouds import CLOUDS
from entragit.init import WORKFLOWS, scaffold
from entragit.resources import all_types
from tests.workflows.helpers import PROJECT_WORKFLOWS, ROOT, admin_workflow_text

DOC = (ROOT / "docs" / "setup.md").read_text(encoding="utf-8")


def section(title: str) -> str:
    assert title in DOC, title
    return DOC.split(title, 1)[1].split("\n## ", 1)[0]


def permission_rows() -> dict[str, list[str]]:
    rows = {}
    for line in section("### Microsoft Graph application permissions per resource type").splitlines():
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


def test_the_subjects_shown_are_the_ones_entragit_doctor_computes(tmp_path: Path) -> None:
    """The example table is what sign_in_jobs/subjects give for contoso/entra-tenant with the documented
    template, for the workflows `entragit init --admin-repo contoso/entragit-admin` writes."""
    scaffold(tmp_path, admin_repo="contoso/entragit-admin")
    repository = {"id": 456789, "name": "entra-tenant", "full_name": "contoso/entra-tenant", "default_branch": "main",
                  "owner": {"login": "contoso", "id": 123456}, "private": True}
    template = Template.from_api(repository, {"use_default": False,
                                              "include_claim_keys": ["repo", "context", "job_workflow_ref"]})
    jobs = subjects(sign_in_jobs(tmp_path / ".github" / "workflows", repository="contoso/entra-tenant",
                                 default_branch="main"), repository, template)
    shown = section("## 4. Federated credentials")
    rows = re.findall(r"^\| (reader|writer) \| `([^`]+)` \| ([\w.-]+): (\w+)", shown, re.MULTILINE)
    assert sorted(rows) == sorted((j.app, j.subject, j.workflow, j.job) for j in jobs)
    assert '"include_claim_keys": ["repo", "context", "job_workflow_ref"]' in DOC
    assert f"audience\n`{GITHUB_AUDIENCE}`" in shown or f"audience `{GITHUB_AUDIENCE}`" in shown


def test_the_refusal_codes_documented_are_the_ones_entragit_explains() -> None:
    table = section("### When a sign-in is refused")
    for code in ("700213", "7002138", "700211", "700212", "70021", "700016", "90002", "700024"):
        assert f"AADSTS{code}" in table and code in AADSTS_FIXES, code


def test_national_clouds_table_is_entragits() -> None:
    for cloud in CLOUDS.values():
        assert re.search(rf"\| `{cloud.name}`[^|]*\| `{re.escape(cloud.graph_url)}` \| `{cloud.authority_host}` \|",
                         DOC), cloud.name


def test_variables_secrets_and_pins_match_the_workflows() -> None:
    text = "".join(p.read_text(encoding="utf-8") for p in PROJECT_WORKFLOWS.glob("*.yml")) + admin_workflow_text()
    used = set(re.findall(r"vars\.(ENTRAGIT_\w+)", text))
    documented = set(re.findall(r"^\| `(ENTRAGIT_\w+)`", section("## 5. Repository settings"), re.MULTILINE))
    assert used == documented == {"ENTRAGIT_TENANT_ID", "ENTRAGIT_READER_CLIENT_ID"}
    assert set(re.findall(r"secrets\.(\w+)", text)) == {"ENTRAGIT_BACKUP_SIGNING_KEY"}
    assert "`ENTRAGIT_BACKUP_SIGNING_KEY`" in section("## 5. Repository settings")
    pins = set(re.findall(r"uses: (actions/[\w-]+)@[0-9a-f]{40} # (v[\d.]+)", text))
    assert len(pins) == 3
    for action, version in pins:
        assert f"`{action}` {version}" in section("## How the workflows are hardened")


def test_the_guarantees_are_stated_and_carried() -> None:
    guarantees = section("## What this setup guarantees")
    for claim in ("No single write collaborator can make the writer sign in without a second person's approval",
                  "A change to the workflows cannot reach the writer's token unreviewed",
                  "Backups still land every night with no human"):
        assert claim in guarantees, claim
    # what carries each, in the code and workflows
    for fact in ("job_workflow_ref", "entragit-apply.yml", "entragit check-merge", "commit_id",
                 "numeric user id", "base commit", "user.type", "publish-plan.yml", "workflow_run",
                 "byte for byte", "before the approval", "sha256sum --check", "GITHUB_TOKEN",
                 "### Break-glass", "### What it does not protect against", "### Stronger, where your plan has it",
                 "Allow administrators to bypass configured protection rules", "refs/tags/backup/*",
                 "bypass actor", "stored credential"):
        assert fact in guarantees, fact
    # GitHub Free private: no environment, no ruleset, and the workflows name no environment
    assert re.search(r"\| Environment required reviewers, wait timers \| no \| no \| yes \|", guarantees)
    for name in WORKFLOWS:
        assert "environment:" not in (PROJECT_WORKFLOWS / name).read_text(encoding="utf-8"), name


def test_install_and_backups_and_smaller_items() -> None:
    install = section("## 1. Install entragit")
    for fact in ("--require-hashes", "--only-binary=:all:", "entragit lock", "pip download", "git+https://",
                 "--no-deps", "Dependabot", "sha256"):
        assert fact in install, fact
    trust = section("## Backups you can trust")
    for fact in ("first-parent history", "backup/99991231T235959Z", "**The shipped workflows use SSH signing**",
                 "keyless signing (Sigstore/gitsign) is **not offered**", "backup.allowedSigners"):
        assert fact in trust, fact
    smaller = section("## The smaller items")
    assert len(re.findall(r"^\| [A-Z\"`]", smaller, re.MULTILINE)) == 1 + 8   # header + the eight items


def test_every_source_cited_is_a_link_to_github_or_microsoft_docs() -> None:
    links = re.findall(r"\]\((https?://[^)\s]+)\)", DOC)
    assert len(links) >= 25
    hosts = {re.match(r"https?://([^/]+)/", u).group(1).lower() for u in links}
    assert hosts <= {"docs.github.com", "learn.microsoft.com", "github.blog", "github.com", "pip.pypa.io",
                     "best.openssf.org"}, hosts


def test_what_is_never_recovered_says_why() -> None:
    never = section("## What is never recovered, and why")
    items = re.findall(r"^- \*\*([^*]+)\*\*: (.+)$", never, re.MULTILINE)
    assert {name for name, _ in items} >= {"Secrets", "Passwords and MFA methods of users", "Licences",
                                           "Properties mastered on-premises", "Microsoft-owned objects",
                                           "Hard-deleted objects that are identities"}
    assert all(len(why) > 40 for _, why in items)  # each says why, not just what
