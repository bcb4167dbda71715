"""Large member changes split over several delta pages (at most 500 link entries a page; the same group on
several pages, continuations carrying its id and the rest of members@delta): initial and later rounds, a
group's members spread across pages, through the real SDK adapter."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from entragit.emulator import Emulator
from entragit.emulator.facts import DELTA_PAGE_LINKS
from tests.emulator.test_delta import delta_round
from tests.plugins.emulator import GraphSdk

REF = "https://graph.microsoft.com/v1.0/directoryObjects/{}"


def pages_of(sdk: GraphSdk, url: str) -> tuple[list[list[dict[str, Any]]], str]:
    pages, link = [], url
    while True:
        page = sdk.call("GET", link).json
        pages.append(page["value"])
        if "@odata.deltaLink" in page:
            return pages, page["@odata.deltaLink"]
        link = page["@odata.nextLink"]


def merged(pages: list[list[dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for page in pages:
        for item in page:
            out[item["id"]] += item.get("members@delta", [])
    return out


def test_a_big_group_spreads_over_pages_and_merges_back() -> None:
    emu = Emulator(seed="scale:users=1400,groups=3,members_per_group=5,applications=2,big_group_members=1200,"
                        "sp_members_in_big_group=2")
    big = next(g for g in emu.backend.collections["groups"].items.values() if g["displayName"] == "Scale Big Group")
    sdk = GraphSdk(emu.url, emu.transport())
    try:
        pages, link = pages_of(sdk, "groups/delta")
        for page in pages:
            assert sum(len(i.get("members@delta", [])) for i in page) <= DELTA_PAGE_LINKS
        appearances = [i for page in pages for i in page if i["id"] == big["id"]]
        assert len(appearances) == 3  # 1,202 members: 500 + 500 + 202
        assert appearances[0]["displayName"] == "Scale Big Group"
        assert all(set(i) == {"id", "members@delta"} for i in appearances[1:])
        members = merged(pages)[big["id"]]
        expected = {r for r in emu.backend.links.refs("groups", "members", big["id"])}
        assert len(members) == len(expected) == 1202 and {m["id"] for m in members} == expected
        assert {m["@odata.type"] for m in members} == {"#microsoft.graph.user", "#microsoft.graph.servicePrincipal"}
        # a later round: 600 removals in one group split the same way
        removed = sorted(expected)[:600]
        for member in removed:
            emu.backend.remove_link("groups", big["id"], "members", member)
        later, _ = pages_of(sdk, link)
        changes = merged(later)[big["id"]]
        assert len(later) == 2 and len(changes) == 600
        assert {c["id"] for c in changes} == set(removed)
        assert all(c["@removed"] == {"reason": "deleted"} for c in changes)
    finally:
        sdk.close()


def test_small_groups_keep_the_page_of_many_objects(sdk: GraphSdk) -> None:
    items, _, pages = delta_round(sdk, "groups/delta")
    assert pages == 1 and len({i["id"] for i in items}) == len(items)
