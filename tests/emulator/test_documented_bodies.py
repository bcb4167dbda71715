"""Microsoft's documented request bodies (tests/fixtures/graph_examples, transcribed from Learn with their
source URLs) are accepted by the emulator with the documented status, through the real SDK adapter."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from entragit.emulator import Emulator
from entragit.emulator.seeds import empty_seed
from tests.plugins.emulator import GraphSdk

EXAMPLES = Path(__file__).resolve().parents[1] / "fixtures" / "graph_examples"


def _examples() -> list[tuple[str, dict[str, Any]]]:
    out = []
    for path in sorted(EXAMPLES.glob("*.json")):
        for entry in json.loads(path.read_text(encoding="utf-8")):
            out.append((f"{path.stem}: {entry['example']}", entry))
    return out


CASES = _examples()


def test_every_type_has_documented_examples() -> None:
    from entragit.resources import all_types

    covered = {name.split(":")[0] for name, _ in CASES}
    assert {rt.key for rt in all_types()} <= covered
    assert all(entry["source"].startswith("https://learn.microsoft.com/") for _, entry in CASES)


def _served_subset() -> list[tuple[str, dict[str, Any]]]:
    """The first example of each type and method: what the served variant replays."""
    seen: set[tuple[str, str]] = set()
    out = []
    for name, entry in CASES:
        key = (name.split(":")[0], entry["method"])
        if key not in seen:
            seen.add(key)
            out.append((name, entry))
    return out


SERVED_CASES = _served_subset()


def _as_sets(value: Any) -> Any:
    """``value`` with every list of plain values sorted (nested dicts and lists walked)."""
    if isinstance(value, dict):
        return {k: _as_sets(v) for k, v in value.items()}
    if isinstance(value, list):
        items = [_as_sets(v) for v in value]
        if all(isinstance(v, str | int | float) for v in items):
            return sorted(items, key=str)
        return items
    return value


def send(sdk: GraphSdk, entry: dict[str, Any]) -> tuple[str, Any]:
    """Load the empty tenant plus the example's objects and send the documented request: ``(path, answer)``,
    the answer's status checked against the documented one."""
    seed = empty_seed()
    for key, items in (entry.get("seed") or {}).items():
        seed[key] = [*seed.get(key, []), *copy.deepcopy(items)]
    tenant_id = sdk.control("seed", {"seed": seed})["tenantId"]
    path = entry["path"]
    if "target" in entry:
        target = entry["target"][1]
        path = path.replace("{id}", tenant_id if target == "tenant" else target)
    resp = sdk.call(entry["method"], path, entry["body"])
    assert resp.status == entry["status"], resp.json
    return path, resp


def replay(sdk: GraphSdk, entry: dict[str, Any]) -> None:
    """:func:`send`, then check the effect: what was written reads back."""
    path, resp = send(sdk, entry)
    written = [k for k in entry["body"] if "@" not in k and k != "passwordProfile"]
    select = f"?$select={','.join(written)}" if written and not path.startswith("policies/") else ""
    if resp.status == 201:
        created = resp.json
        again = sdk.call("GET", f"{path.rstrip('/')}/{created['id']}{select}")
        assert again.status == 200 and again.json["id"] == created["id"]
        for key in written:  # lists of values compared as sets: Graph reorders some (facts.EntitySet.reordered)
            assert _as_sets(again.json[key]) == _as_sets(entry["body"][key]), key
    elif entry["method"] == "PATCH" and resp.status == 204:
        after = sdk.call("GET", path + select).json
        for key, value in entry["body"].items():
            if "@" in key:
                continue
            if isinstance(value, dict):
                assert all(_as_sets(after[key][k]) == _as_sets(v) for k, v in value.items()
                           if not isinstance(v, dict)), key
            else:
                assert _as_sets(after[key]) == _as_sets(value), key


@pytest.mark.parametrize("entry", [e for _, e in CASES], ids=[n for n, _ in CASES])
def test_documented_request_body_is_accepted(entry: dict[str, Any]) -> None:
    emu = Emulator(seed="empty")
    sdk = GraphSdk(emu.url, emu.transport())
    try:
        replay(sdk, entry)
    finally:
        sdk.close()


def test_the_served_subset_has_every_type_and_method() -> None:
    assert {(n.split(":")[0], e["method"]) for n, e in SERVED_CASES} == {
        (n.split(":")[0], e["method"]) for n, e in CASES}
    assert {n.split(":")[0] for n, _ in SERVED_CASES} == {n.split(":")[0] for n, _ in CASES}


@pytest.mark.served
@pytest.mark.parametrize("entry", [e for _, e in SERVED_CASES], ids=[n for n, _ in SERVED_CASES])
def test_documented_request_body_is_accepted_when_served(served_sdk: GraphSdk, entry: dict[str, Any]) -> None:
    served_sdk.control("quotas", {"caLimit": False})  # a CA write and its read-back within 1 s: no backoff
    replay(served_sdk, entry)
