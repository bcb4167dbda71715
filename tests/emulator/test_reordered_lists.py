"""Set-valued lists Graph does not answer in the written order (facts.EntitySet.reordered): a CA policy's
excludeLocations written [new-id, "AllTrusted"] was read back ["AllTrusted", new-id] (issue 10). The emulator takes
the strict reading: it answers them in the reverse of the stored order; the store keeps what was written."""

from __future__ import annotations

from entragit.emulator.facts import REGISTRY
from tests.plugins.emulator import GraphSdk

POLICY = "30b6c82e-c515-5ae3-b0f4-b373f59dde3f"  # demo: excludes a named location and AllTrusted


def test_conditional_access_condition_lists_come_back_in_another_order(sdk: GraphSdk) -> None:
    url = f"identity/conditionalAccess/policies/{POLICY}"
    conditions = sdk.call("GET", url).json["conditions"]
    written = ["AllTrusted", *[v for v in conditions["locations"]["excludeLocations"] if v != "AllTrusted"]]
    conditions["locations"]["excludeLocations"] = written
    conditions["platforms"] = {"includePlatforms": ["android", "iOS"], "excludePlatforms": []}
    assert sdk.call("PATCH", url, {"conditions": conditions}).status == 204
    back = sdk.call("GET", url).json["conditions"]
    assert back["locations"]["excludeLocations"] == written[::-1]
    assert back["platforms"]["includePlatforms"] == ["iOS", "android"]
    assert sorted(back["locations"]["excludeLocations"]) == sorted(written)  # the same set
    listed = next(p for p in sdk.items("identity/conditionalAccess/policies") if p["id"] == POLICY)
    assert listed["conditions"]["locations"]["excludeLocations"] == written[::-1]


def test_reordered_paths_are_lists_of_the_metadata() -> None:
    from entragit.emulator.metadata import model

    m = model()
    declared = [rt for rt in REGISTRY if rt.reordered]
    assert declared
    for rt in declared:
        for path in rt.reordered:
            node = m.require(rt.entity)
            for part in path.split("."):
                prop = node.properties[part]
                node = m.type(prop.type) or node
            assert prop.collection, (rt.key, path)
