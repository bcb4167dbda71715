"""The users listing runs as parallel startswith(userPrincipalName) shards, and the shards miss nobody: digits,
guests (#EXT#), upper case, the punctuation UPNs allow, and a UPN outside the documented alphabet (read by id
after the $count check); every shard is one filter Graph serves by default."""

from __future__ import annotations

from pathlib import Path

from entragit.emulator import Emulator
from entragit.export import export_tree
from entragit.export.shards import literal, shard_filters
from entragit.graph import GraphClient, run
from entragit.resources import get
from entragit.state.tree import read_tree

UPNS = ("9lives@contoso.com", "0zero@contoso.com", "alice_fabrikam.com#EXT#@contoso.com",
        "ZED.UPPER@contoso.com", "~tilde@contoso.com", "'quote@contoso.com", "-dash@contoso.com",
        "_under@contoso.com", "!bang@contoso.com", "#hash@contoso.com", "^caret@contoso.com", ".dot@contoso.com",
        "Ærøskøbing@contoso.com")


def _add_users(graph: GraphClient) -> dict[str, str]:
    made = {}
    for n, upn in enumerate(UPNS):
        body = {"accountEnabled": True, "displayName": f"Shard {n}", "mailNickname": f"shard{n}",
                "userPrincipalName": upn, "passwordProfile": {"password": "Pa55w.rd!Pa55w.rd!"}}
        made[upn] = run(graph.post("users", body))["id"]
    return made


def test_shards_cover_every_user(emulator: Emulator, graph: GraphClient, tmp_path: Path) -> None:
    made = _add_users(graph)
    emulator.counters.reset()
    result = export_tree(graph, tmp_path / "t", types=["users"], durable=False)

    live = {u["id"] for u in emulator.backend.state()["users"]}
    exported = read_tree(tmp_path / "t", ["users"])["users"]
    assert set(exported) == live and set(made.values()) <= set(exported)
    assert result.counts["users"] == len(live)                      # each user once
    # the listing went by shard: one filtered chain per documented first character, plus the count check,
    # one listing of ids and one read by id for the UPN outside the alphabet
    filters = [r["query"] for r in emulator.counters.requests() if r["pattern"] == "users"]
    assert sum("startswith" in q for q in filters) == len(get("users").shard_prefixes)
    assert [r for r in emulator.counters.requests() if r["pattern"] == "users/$count"]
    assert len(result.notes) == 1 and "1 object(s) outside the userPrincipalName shards" in result.notes[0]
    assert made["Ærøskøbing@contoso.com"] in result.notes[0]


def test_no_extra_listing_when_the_count_agrees(emulator: Emulator, graph: GraphClient, tmp_path: Path) -> None:
    emulator.counters.reset()
    result = export_tree(graph, tmp_path / "t", types=["users"], durable=False)
    assert not result.notes
    ids_only = [r for r in emulator.counters.requests() if r["pattern"] == "users" and "filter" not in r["query"]]
    assert ids_only == []


def test_shard_filters_quote_and_cover_the_alphabet() -> None:
    users = get("users")
    filters = shard_filters(users)
    assert len(filters) == len(set(users.shard_prefixes.lower())) == 44
    assert "startswith(userPrincipalName,'''')" in filters        # the quote character, doubled
    assert literal("it's") == "'it''s'"
