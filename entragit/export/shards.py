"""Listing a large collection in parallel shards, and proving the shards missed nobody.

The users of the L tenant are 1,000 pages of 100 (``$expand=manager`` caps a page at 100: Graph known issue
13635): one ``@odata.nextLink`` chain of 1,000 round trips, about 250 s at 200 ms, while every other type is
long done. A type declaring ``shard_by`` (users: ``userPrincipalName``) is listed as one chain per character a
value may start with (``shard_prefixes``; Graph's ``startsWith`` on a user's UPN is a default query and, like
every string comparison on directory objects, case-insensitive: https://learn.microsoft.com/en-us/graph/aad-advanced-queries),
all at the same time: the longest chain is the most common first letter, a few dozen pages.

The UPN rule (only ``A-Z a-z 0-9 ' . - _ ! # ^ ~``, https://learn.microsoft.com/en-us/graph/api/resources/user)
is what makes the shards cover everyone, guests included (``alice_fabrikam.com#EXT#@contoso.onmicrosoft.com``
starts with its alias). An object that breaks it anyway (a UPN from before the rule, a first character
outside the list) must not vanish from the backup, so the shards are followed by a count check:
``GET {collection}/$count`` (an advanced query: ``ConsistencyLevel: eventual``). When the shards found fewer
objects than the count, one listing of ids alone (pages of 999) names the missing ones, which are read 15 at a
time by ``$filter=id in (...)`` with the shards' ``$select`` and ``$expand``. A count that is eventually
consistent can only be late: a stale higher count costs that extra listing, never a missed object the count
knew about.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from entragit.resources.base import ResourceType

ADVANCED = {"ConsistencyLevel": "eventual"}


def literal(value: str) -> str:
    """An OData string literal (single quotes doubled)."""
    return "'" + value.replace("'", "''") + "'"


def shard_filters(rt: ResourceType) -> list[str]:
    """One ``$filter`` per shard of ``rt`` (none when the type is not sharded)."""
    if not rt.shard_by or not rt.shard_prefixes:
        return []
    return [f"startswith({rt.shard_by},{literal(ch)})" for ch in dict.fromkeys(rt.shard_prefixes.lower())]


def id_filters(rt: ResourceType, ids: Iterable[str], size: int = 15) -> list[str]:
    """``$filter=id in (...)`` expressions of at most ``size`` ids each."""
    wanted = sorted(set(ids))
    return [f"{rt.key_prop} in ({','.join(literal(i) for i in wanted[n:n + size])})"
            for n in range(0, len(wanted), size)]


async def count(client: Any, rt: ResourceType) -> int | None:
    """``GET {collection}/$count`` (advanced query); None when Graph answers no number."""
    response = await client.request("GET", f"{rt.collection}/$count", headers=ADVANCED, version=rt.api_version,
                                    raise_errors=False)
    if response.status >= 400:
        return None
    try:
        return int(response.content.decode("utf-8", "replace").strip().lstrip("\ufeff"))
    except ValueError:
        return None


async def all_ids(client: Any, rt: ResourceType) -> set[str]:
    """Every id of the collection: one listing of ids alone, pages of ``page_max``."""
    params = {"$select": rt.key_prop, "$top": rt.page_max}
    return {str(item[rt.key_prop]) async for item in client.list(rt.collection, params, version=rt.api_version)}
