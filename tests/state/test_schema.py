"""JSON Schemas generated from the declarations; the committed schemas/ must be current."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from entragit import resources
from entragit.state import build_schema, normalize
from entragit.state.schema import SCHEMA_DIR, main, stale_schemas, write_schemas
from tests.state import examples as ex


def _errors(key: str, obj: dict[str, Any]) -> list[str]:
    validator = Draft202012Validator(build_schema(resources.get(key)))
    return [f"{'.'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(obj)]


@pytest.mark.parametrize("rt", resources.all_types(), ids=lambda rt: rt.key)
def test_each_schema_is_a_valid_2020_12_schema(rt: resources.ResourceType) -> None:
    schema = build_schema(rt)
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["required"][0] == "id" and schema["properties"]["id"]["type"] == "string"


def test_committed_schemas_are_the_generated_ones() -> None:
    # regenerate with: .venv/bin/python -m entragit.state.schema --write
    assert stale_schemas() == []
    assert sorted(p.name for p in SCHEMA_DIR.glob("*.schema.json")) == sorted(
        f"{rt.key}.schema.json" for rt in resources.all_types())


def test_write_and_check_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--check", "--dir", str(tmp_path)]) == 1
    assert "stale" in capsys.readouterr().err
    assert main(["--write", "--dir", str(tmp_path)]) == 0
    assert main(["--check", "--dir", str(tmp_path)]) == 0
    assert write_schemas(tmp_path) == []  # nothing to rewrite
    (tmp_path / "gone.schema.json").write_text("{}")
    assert stale_schemas(tmp_path) == ["gone.schema.json"]


@pytest.mark.parametrize(("key", "obj"), ex.all_examples(), ids=lambda v: v if isinstance(v, str) else "")
def test_normalized_examples_validate(key: str, obj: dict[str, Any]) -> None:
    assert _errors(key, normalize(resources.get(key), obj)) == []


def test_raw_graph_objects_with_volatile_or_secret_values_do_not_validate() -> None:
    assert any("modifiedDateTime" in e for e in _errors("conditionalAccessPolicies", ex.conditional_access_policy()))
    assert any("secretText" in e for e in _errors("applications", ex.application()))
    assert any("principalDisplayName" in e for e in _errors("servicePrincipals", ex.service_principal()))


def test_schema_types_ids_links_and_facts() -> None:
    rt = resources.get("groups")
    good = normalize(rt, ex.group())
    for broken, where in [
        ({k: v for k, v in good.items() if k != "id"}, "'id' is a required property"),
        (dict(good, id=42), "id: 42 is not of type 'string'"),
        (dict(good, members=["a", "a"]), "members: ['a', 'a'] has non-unique elements"),
        (dict(good, members=[1]), "members.0: 1 is not of type 'string'"),
        (dict(good, owners="x"), "owners: 'x' is not of type 'array'"),
        (dict(good, _entragit={"typo": True}), "_entragit: Additional properties are not allowed"),
        (dict(good, _entragit={"onPremisesMastered": False}), "_entragit.onPremisesMastered: True was expected"),
        (dict(good, _entragit={"linkKinds": {"members": {"device": "x"}}}),
         "_entragit.linkKinds.members.device: 'x' is not of type 'array'"),
        (dict(good, _entragit={"linkKinds": {"members": {"#microsoft.graph.device": ["x"]}}}),
         "does not match"),
    ]:
        errors = _errors("groups", broken)
        assert any(where in e for e in errors), (where, errors)

    assert _errors("groups", dict(good, _entragit={"linkKinds": {"members": {"device": ["x"]}}})) == []
    user = normalize(resources.get("users"), ex.user())
    assert any("manager" in e for e in _errors("users", dict(user, manager=["x"])))
    assert _errors("users", dict(user, manager=None)) == []


def test_schema_requires_odata_type_where_graph_needs_it() -> None:
    loc = normalize(resources.get("namedLocations"), ex.ip_named_location())
    no_type = {k: v for k, v in loc.items() if k != "@odata.type"}
    assert any("'@odata.type' is a required property" in e for e in _errors("namedLocations", no_type))
    bad_range = copy.deepcopy(loc)
    del bad_range["ipRanges"][0]["@odata.type"]
    assert any(e.startswith("ipRanges.0:") for e in _errors("namedLocations", bad_range))

    policy = normalize(resources.get("authenticationMethodsPolicy"), ex.authentication_methods_policy())
    del policy["authenticationMethodConfigurations"][0]["@odata.type"]
    assert any(e.startswith("authenticationMethodConfigurations.0:")
               for e in _errors("authenticationMethodsPolicy", policy))


def test_objects_link_elements_need_their_key_fields() -> None:
    sp = normalize(resources.get("servicePrincipals"), ex.service_principal())
    del sp["appRoleAssignedTo"][0]["appRoleId"]
    assert any("appRoleAssignedTo.0: 'appRoleId' is a required property" in e
               for e in _errors("servicePrincipals", sp))


def test_expanded_objects_hold_only_their_id() -> None:
    ca = normalize(resources.get("conditionalAccessPolicies"), ex.conditional_access_policy())
    ca["grantControls"]["authenticationStrength"]["displayName"] = "Phishing resistant MFA"
    assert any("authenticationStrength" in e for e in _errors("conditionalAccessPolicies", ca))


def test_unknown_properties_allowed_and_descriptions_present() -> None:
    user = normalize(resources.get("users"), ex.user())
    assert _errors("users", dict(user, somethingNew={"a": 1})) == []
    schema = json.loads((SCHEMA_DIR / "users.schema.json").read_text())
    assert "read-only" in schema["properties"]["createdDateTime"]["description"]
    assert "PATCH" in schema["properties"]["displayName"]["description"]


def test_declared_properties_have_their_json_types() -> None:
    user = normalize(resources.get("users"), ex.user())
    for broken, where in [
        (dict(user, accountEnabled="maybe"), "accountEnabled: 'maybe' is not of type 'boolean', 'null'"),
        (dict(user, displayName=42), "displayName: 42 is not of type 'string', 'null'"),
        (dict(user, otherMails="a@b.c"), "otherMails: 'a@b.c' is not of type 'array', 'null'"),
        (dict(user, otherMails=[1]), "otherMails.0: 1 is not of type 'string'"),
        (dict(user, identities=["x"]), "identities.0: 'x' is not of type 'object'"),
        (dict(user, onPremisesExtensionAttributes=[]), "onPremisesExtensionAttributes: [] is not of type"),
    ]:
        errors = _errors("users", broken)
        assert any(e.startswith(where) for e in errors), (where, errors)
    # null (Graph's "not set") and empty values are valid for every declared type; unknown ones stay untyped
    nulls = {p.name: None for p in resources.get("users").props if p.json_type and p.name in user and p.name != "id"}
    assert nulls and _errors("users", dict(user, **nulls)) == []
    assert _errors("users", dict(user, otherMails=[], futureProperty="maybe")) == []


def test_every_declared_type_reaches_the_committed_schema() -> None:
    for rt in resources.all_types():
        schema = json.loads((SCHEMA_DIR / f"{rt.key}.schema.json").read_text())
        for p in rt.props:
            node = schema["properties"][p.name]
            if p.json_type is None or "not" in node:  # untyped, or forbidden (volatile/secret)
                continue
            kind = p.json_type.removesuffix("[]")
            if p.json_type.endswith("[]"):
                assert node["type"] == ["array", "null"] and node["items"]["type"] == kind, p.name
            else:
                assert kind in node["type"], (rt.key, p.name, node.get("type"))
