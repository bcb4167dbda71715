"""Round trip per type: a stored file → the writes the applier sends (by declared channel,
``entragit.writes``) reproduce the Graph object minus its read-only and volatile properties, links included;
on the exported demo tenant and on Microsoft's documented example bodies."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from entragit import resources
from entragit.emulator import Emulator
from entragit.export import export_tree
from entragit.graph import GraphClient
from entragit.resources.base import META_KEY, Channel, LinkKind, ResourceType
from entragit.state.normalization import drop_path, normalize, normalize_link, sort_unordered
from entragit.state.tree import read_tree
from entragit.state.yamlio import dump_yaml, parse_yaml
from entragit.writes import (
    action_bodies,
    create_body,
    link_writes,
    patch_alone_bodies,
    update_writes,
)
from tests.export.examples import EXAMPLES
from tests.export.helpers import truth

BASE = "https://graph.microsoft.com/v1.0"
ODATA_TYPE = "@odata.type"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "graph_examples"


def _expected(rt: ResourceType, graph_obj: dict[str, Any], *, listed: bool) -> dict[str, Any]:
    """The Graph object minus read-only, volatile, secret and unknown properties (and annotations other than
    the ``@odata.type`` a write needs), unordered lists in a fixed order. ``listed``: only what a listing can
    return (properties declared ``select=False`` are not exported)."""
    obj = copy.deepcopy(graph_obj)
    if listed:  # a $select-ed property the object lacks comes back as null (and is restored as null)
        for name in rt.select:
            obj.setdefault(name, None)
    obj = rt.normalize_hook({k: v for k, v in obj.items() if "@" not in k or k == ODATA_TYPE})
    for path in (*rt.volatile, *rt.secret_paths):
        drop_path(obj, path)
    out: dict[str, Any] = {}
    for key, value in obj.items():
        prop = rt.prop(key)
        if key == ODATA_TYPE:
            if rt.requires_odata_type:
                out[key] = value
        elif prop is not None and prop.writable and (prop.select or not listed):
            out[key] = _strip_annotations(value, keep=key in {p.split("[")[0] for p in rt.keep_odata_type})
    sort_unordered(out, rt.unordered)
    return out


def _strip_annotations(value: Any, keep: bool) -> Any:
    if isinstance(value, dict):
        return {k: _strip_annotations(v, False) for k, v in value.items()
                if "@" not in k or (keep and k == ODATA_TYPE)}
    if isinstance(value, list):
        return [_strip_annotations(v, keep) for v in value]
    return value


def _written(rt: ResourceType, stored: dict[str, Any]) -> dict[str, Any]:
    """Everything a restore writes of the object's own properties: its create body, then its PATCHes of
    their own (create-only, patch and action properties travel in the create)."""
    view = create_body(rt, stored)
    for body in patch_alone_bodies(rt, stored):
        view.update(body)
    return view


def _file(rt: ResourceType, graph_obj: dict[str, Any]) -> dict[str, Any]:
    """The object as a tenant-state file holds it (normalized, dumped, parsed back)."""
    return parse_yaml(dump_yaml(rt, normalize(rt, graph_obj)))


def _check_object(rt: ResourceType, graph_obj: dict[str, Any], stored: dict[str, Any], *, listed: bool) -> None:
    expected = _expected(rt, graph_obj, listed=listed)
    assert _written(rt, stored) == expected

    # updating an existing object: everything but the create-only properties, each through its channel
    updates = update_writes(rt, stored)
    updated: dict[str, Any] = {}
    for write in updates:
        assert write.body is not None
        updated.update(write.body)
        if write.what.startswith("action:"):
            assert write.method == "POST" and write.path.endswith("/" + write.what.split(":", 1)[1])
        else:
            assert write.method == "PATCH" and write.path == rt.item_path(str(stored["id"]))
    create_only = {p.name for p in rt.props if p.channel is Channel.CREATE_ONLY}
    assert updated == {k: v for k, v in expected.items()
                       if k not in create_only and not (k == ODATA_TYPE and not set(expected) - {k} - create_only)}
    for name, body in action_bodies(rt, stored):
        assert body == {p.name: expected[p.name] for p in rt.props if p.action == name}

    # nothing entragit records for itself, no link and no unknown property is ever sent
    for write in updates:
        assert write.body is not None
        assert META_KEY not in write.body and not (set(write.body) & rt.link_names)

    # links: one write per member/owner/manager, elements minus their read-only and volatile properties
    for link in rt.links:
        if link.name not in graph_obj:
            continue
        value = normalize_link(link, copy.deepcopy(graph_obj[link.name]))
        writes = [w for w in link_writes(rt, stored, BASE) if w.what == f"link:{link.name}"]
        if link.kind is LinkKind.OBJECTS:
            dropped = set(link.read_only) | set(link.volatile)
            if link.inline and rt.singleton:
                dropped |= set(link.create_only)
            want = [{k: v for k, v in e.items()
                     if k not in dropped and ("@" not in k or (link.requires_odata_type and k == ODATA_TYPE))}
                    for e in value]
            for element in want:
                sort_unordered(element, link.unordered)
            assert [w.body for w in writes] == want, link.name
        else:
            ids = [] if value is None else [value] if link.kind is LinkKind.ID else value
            assert sorted(w.body["@odata.id"].rsplit("/", 1)[1] for w in writes if w.body) == sorted(ids)
            assert all(w.body == {"@odata.id": f"{BASE}/directoryObjects/{i}"} for w, i in
                       zip(sorted(writes, key=lambda w: str(w.body)), sorted(ids), strict=True))


# ---------------------------------------------------------------------------------------------- demo tenant
@pytest.fixture(scope="module")
def demo_export(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], dict[str, Any]]:
    from entragit.graph import run

    emu = Emulator(seed="demo")
    client = GraphClient.for_emulator(emu)
    out = tmp_path_factory.mktemp("demo") / "tenant-state"
    try:
        export_tree(client, out, durable=False)
    finally:
        run(client.aclose())
    return truth(emu), read_tree(out)


@pytest.mark.parametrize("rt", resources.all_types(), ids=lambda rt: rt.key)
def test_round_trip_on_the_demo_tenant(demo_export: tuple[dict[str, Any], dict[str, Any]],
                                       rt: ResourceType) -> None:
    tenant, stored = demo_export
    assert tenant[rt.key]
    for obj_id, graph_obj in tenant[rt.key].items():
        _check_object(rt, graph_obj, stored[rt.key][obj_id], listed=True)


# ---------------------------------------------------------------------------------------------- documented bodies
def _documented() -> list[tuple[str, dict[str, Any]]]:
    cases = [(key, obj) for key, objs in EXAMPLES.items() for obj in objs]
    # engineer E's collection of Learn example bodies, <typeKey>/*.json, when present
    if FIXTURES.is_dir():
        for path in sorted(FIXTURES.glob("*/*.json")):
            if path.parent.name in resources.REGISTRY:
                data = json.loads(path.read_text(encoding="utf-8"))
                for obj in data if isinstance(data, list) else [data]:
                    cases.append((path.parent.name, obj))
    return cases


def test_every_type_has_a_documented_example() -> None:
    assert {key for key, _ in _documented()} == {rt.key for rt in resources.all_types()}


@pytest.mark.parametrize(("key", "graph_obj"), _documented(),
                         ids=[f"{k}-{o.get('displayName') or o.get('id')}" for k, o in _documented()])
def test_round_trip_on_documented_examples(key: str, graph_obj: dict[str, Any]) -> None:
    rt = resources.get(key)
    _check_object(rt, graph_obj, _file(rt, graph_obj), listed=False)


def test_unknown_and_read_only_properties_are_kept_but_never_written() -> None:
    rt = resources.get("groups")
    graph_obj = {**EXAMPLES["groups"][0], "futureSetting": {"enabled": True}}
    stored = _file(rt, graph_obj)
    assert stored["futureSetting"] == {"enabled": True} and stored["securityIdentifier"]
    for write in update_writes(rt, stored):
        assert write.body is not None
        assert "futureSetting" not in write.body and "securityIdentifier" not in write.body
    assert "futureSetting" not in create_body(rt, stored) and "id" not in create_body(rt, stored)


def test_secrets_are_neither_stored_nor_written() -> None:
    rt = resources.get("applications")
    graph_obj = copy.deepcopy(EXAMPLES["applications"][0])
    graph_obj["passwordCredentials"][0]["secretText"] = "s3cr3t"
    stored = _file(rt, graph_obj)
    assert "s3cr3t" not in json.dumps(stored)
    assert stored["passwordCredentials"][0]["hint"] == "abc"  # credential metadata is kept
    assert "passwordCredentials" not in create_body(rt, stored)  # read-only: addPassword mints new ones
