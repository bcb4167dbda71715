"""Settings resolution (command line > environment > entragit.yaml > default) and comment-preserving edits."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from entragit.cli import Ctx
from entragit.errors import ConfigError
from entragit.settings import CONFIG_FILE, Settings, load_config, load_settings, save_config

CONFIG = """\
# Tenant repository settings (hand written)
tenantId: file-tenant   # the production tenant
clientId: file-client
cloud: usgov
concurrency: 4
types:
  exclude: [organization]
excludeProperties:
  users: [mobilePhone, businessPhones]   # personal data stays out of git
backup:
  keep: 9
safety:
  maxChangeShare: 0.5
emergencyAccess:
  - breakglass1@contoso.com   # primary
  - breakglass2@contoso.com
"""


def write(repo: Path, text: str) -> Path:
    path = repo / CONFIG_FILE
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_without_file_or_environment(tmp_path: Path) -> None:
    s = load_settings(tmp_path, env={})
    assert (s.tenant_id, s.client_id, s.cloud, s.graph_url) == (None, None, "global", None)
    assert (s.backup_keep, s.max_change_share, s.concurrency) == (5, 0.3, 8)
    assert s.graph_root == "https://graph.microsoft.com"
    assert s.throttle_priority == "Low" and s.emergency_access == () and s.exclude_properties == {}
    assert set(s.sources.values()) == {"default"}


def test_null_in_the_file_means_not_set(tmp_path: Path) -> None:
    write(tmp_path, "tenantId: null\ncloud: null\nexcludeProperties: {}\ntypes:\n  include: []\n")
    s = load_settings(tmp_path, env={"AZURE_TENANT_ID": "env-tenant"})
    assert s.tenant_id == "env-tenant" and s.cloud == "global" and s.sources["cloud"] == "default"
    assert load_settings(tmp_path, env={}).tenant_id is None


def test_file_values_are_read(tmp_path: Path) -> None:
    write(tmp_path, CONFIG)
    s = load_settings(tmp_path, env={})
    assert (s.tenant_id, s.client_id, s.cloud, s.concurrency) == ("file-tenant", "file-client", "usgov", 4)
    assert s.graph_root == "https://graph.microsoft.us"
    assert s.types_exclude == ("organization",)
    assert s.exclude_properties == {"users": ("mobilePhone", "businessPhones")}
    assert (s.backup_keep, s.max_change_share) == (9, 0.5)
    assert s.emergency_access == ("breakglass1@contoso.com", "breakglass2@contoso.com")
    assert s.sources["tenant_id"] == "file" and s.sources["graph_url"] == "default"
    assert s.selected_types(["users", "organization", "groups"]) == ["users", "groups"]


def test_precedence_cli_over_environment_over_file_over_default(tmp_path: Path) -> None:
    write(tmp_path, CONFIG)
    env = {"AZURE_TENANT_ID": "env-tenant", "AZURE_CLIENT_ID": "env-client", "ENTRAGIT_CONCURRENCY": "12",
           "ENTRAGIT_CLOUD": "china"}
    s = load_settings(tmp_path, env=env, tenant_id="cli-tenant", concurrency=None)
    assert s.tenant_id == "cli-tenant" and s.sources["tenant_id"] == "cli"          # cli > env > file
    assert s.client_id == "env-client" and s.sources["client_id"] == "env:AZURE_CLIENT_ID"
    assert s.concurrency == 12                                                         # None = not given
    assert s.cloud == "china" and s.backup_keep == 9                                   # env > file; file
    assert s.max_change_share == 0.5 and s.sources["credential"] == "default"
    # ENTRAGIT_TENANT_ID wins over AZURE_TENANT_ID
    assert load_settings(tmp_path, env={**env, "ENTRAGIT_TENANT_ID": "ours"}).tenant_id == "ours"


def test_environment_lists_are_comma_separated(tmp_path: Path) -> None:
    s = load_settings(tmp_path, env={"ENTRAGIT_TYPES": "users, groups,", "ENTRAGIT_THROTTLE_PRIORITY": "none"})
    assert s.types_include == ("users", "groups") and s.throttle_priority is None
    assert s.selected_types(["organization", "groups", "users"]) == ["groups", "users"]


def test_cli_context_supplies_repo_graph_url_and_cloud(tmp_path: Path) -> None:
    write(tmp_path, "cloud: usgov\ngraphUrl: https://graph.microsoft.us\n")
    ctx = Ctx(repo=tmp_path, graph_url="http://127.0.0.1:8080/v1.0/", cloud=None, verbose=2)
    s = load_settings(ctx, env={"ENTRAGIT_GRAPH_URL": "http://ignored:1"})
    assert s.repo == tmp_path and s.cloud == "usgov" and s.verbose == 2
    assert s.graph_root == "http://127.0.0.1:8080" and s.sources["graph_url"] == "cli"


@pytest.mark.parametrize(("text", "key", "expect"), [
    ("concurrency: zero\n", "concurrency", "integer"),
    ("cloud: mars\n", "cloud", "global, usgov"),
    ("safety:\n  maxChangeShare: 2\n", "safety.maxChangeShare", "0 to 1"),
    ("tenantID: x\n", "tenantID", "unknown key"),
    ("backup:\n  kept: 3\n", "backup.kept", "unknown key"),
    ("excludeProperties:\n  users: 7\n", "excludeProperties", "property names"),
    ("graphUrl: ftp://x\n", "graphUrl", "http(s) URL"),
    ("emergencyAccess: someone\n", "emergencyAccess", "list of strings"),
])
def test_bad_file_value_names_file_and_key(tmp_path: Path, text: str, key: str, expect: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as err:
        load_settings(tmp_path, env={})
    assert str(path) in str(err.value) and key in str(err.value) and expect in str(err.value)


def test_unknown_type_key_is_refused(tmp_path: Path) -> None:
    write(tmp_path, "types:\n  include: [users, usres]\n")
    with pytest.raises(ConfigError, match="unknown type 'usres'.*"):
        load_settings(tmp_path, env={})


def test_bad_environment_value_names_the_variable(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="ENTRAGIT_MAX_CHANGE_SHARE"):
        load_settings(tmp_path, env={"ENTRAGIT_MAX_CHANGE_SHARE": "lots"})


def test_invalid_yaml_is_a_config_error_with_line(tmp_path: Path) -> None:
    path = write(tmp_path, "tenantId: a\ntypes: [unclosed\n")
    with pytest.raises(ConfigError, match=r"line \d") as err:
        load_config(tmp_path)
    assert str(path) in str(err.value)


def test_save_config_keeps_comments_and_order(tmp_path: Path) -> None:
    write(tmp_path, CONFIG)
    data = load_config(tmp_path)
    data["tenantId"] = "new-tenant"
    data["emergencyAccess"].append("breakglass3@contoso.com")
    data["backup"]["keep"] = 7
    save_config(tmp_path, data)
    text = (tmp_path / CONFIG_FILE).read_text()
    for comment in ("# Tenant repository settings (hand written)", "# the production tenant",
                    "# personal data stays out of git", "# primary"):
        assert comment in text
    assert re.search(r"^tenantId: new-tenant +# the production tenant$", text, re.M)
    assert text.index("tenantId") < text.index("clientId") < text.index("emergencyAccess")
    s = load_settings(tmp_path, env={})
    assert s.tenant_id == "new-tenant" and s.backup_keep == 7 and len(s.emergency_access) == 3
    # a save with no edit is byte-identical
    save_config(tmp_path, load_config(tmp_path))
    assert (tmp_path / CONFIG_FILE).read_text() == text


def test_settings_is_plain_dataclass() -> None:
    assert Settings().selected_types(["a", "b"]) == ["a", "b"]
