"""The Plan object: JSON shape, checksum, counts, placeholders."""

from __future__ import annotations

import copy
import json

import pytest

from entragit.plan import (
    Change,
    Kind,
    Plan,
    PropertyChange,
    Unresolved,
    Warning,
    placeholder,
    substitute,
    tokens,
)
from entragit.plan.planner import PlanOptions, compute_plan
from tests.plan.helpers import ca_policy, gid, location, tree, user, without


def _sample() -> Plan:
    desired = tree(("users", user(1, jobTitle="Lead")), ("namedLocations", location(3)),
                   ("conditionalAccessPolicies", ca_policy(4, include_locations=["All"], exclude_locations=[gid(3)])))
    live = without(desired, "namedLocations", gid(3))
    live["users"][gid(1)]["jobTitle"] = "Seller"
    return compute_plan(desired, live, {}, None, PlanOptions(safety=False))


def test_json_shape_of_a_plan() -> None:
    data = json.loads(json.dumps(_sample().to_json()))
    assert set(data) == {"changes", "counts", "warnings", "scope", "refused", "checksum"}
    assert [c["kind"] for c in data["changes"]] == ["recreate", "update", "update"]
    for change in data["changes"]:
        assert {"key", "kind", "type", "id", "displayName", "properties"} <= set(change)
        for prop in change["properties"]:
            assert {"path", "old", "new", "channel"} <= set(prop)
    update = next(c for c in data["changes"] if c["type"] == "users")
    assert update["displayName"] == "Adele Vance"
    assert update["properties"] == [{"path": "jobTitle", "old": "Seller", "new": "Lead", "channel": "patch"}]
    assert data["counts"]["update"] == 2 and data["counts"]["recreate"] == 1
    assert len(data["checksum"]) == 64


def test_empty_plan_json() -> None:
    data = Plan().to_json()
    assert data["changes"] == [] and data["warnings"] == []
    assert set(data["counts"].values()) == {0}


def test_checksum_stable_across_runs_and_sensitive_to_any_change() -> None:
    first, second = _sample(), _sample()
    assert first.checksum == second.checksum
    changed = copy.deepcopy(first)
    c = changed.changes[1]
    changed.changes[1] = Change(c.kind, c.type, c.id, c.display_name, properties=(
        PropertyChange("jobTitle", "Seller", "Lead!"),), channel=c.channel, body=c.body)
    assert changed.checksum != first.checksum
    reordered = Plan(changes=list(reversed(first.changes)))
    assert reordered.checksum != Plan(changes=list(first.changes)).checksum
    warned = Plan(changes=list(first.changes), warnings=[Warning("users", "1", "manager", "x", "stale")])
    assert warned.checksum != Plan(changes=list(first.changes)).checksum
    # scope and forced notes are informational: not hashed
    assert Plan(changes=list(first.changes), scope={"types": ["users"]}).checksum == first.checksum


def test_checksum_ignores_dict_order_of_bodies() -> None:
    a = Change(Kind.UPDATE, "users", "1", body={"a": 1, "b": 2})
    b = Change(Kind.UPDATE, "users", "1", body={"b": 2, "a": 1})
    assert Plan(changes=[a]).checksum == Plan(changes=[b]).checksum


def test_change_keys_are_unique_within_a_plan() -> None:
    plan = _sample()
    assert len({c.key for c in plan.changes}) == len(plan.changes)
    assert plan.get(plan.changes[0].key) is plan.changes[0]
    with pytest.raises(KeyError):
        plan.get("nope")


def test_placeholders_substitute_and_tokens() -> None:
    body = {"ids": [placeholder("groups", "old"), "keep"],
            "uri": {**placeholder("applications", "a1", "appId"), "format": "api://{}/x"}}
    assert tokens(body) == {"groups/old", "applications/a1"}
    out = substitute(body, {"groups/old": {"id": "g-new"}, "applications/a1": {"id": "o", "appId": "app-new"}})
    assert out == {"ids": ["g-new", "keep"], "uri": "api://app-new/x"}
    with pytest.raises(Unresolved):
        substitute(body, {"groups/old": {"id": "g"}})
