"""Writes of whole objects: updates (PATCH or an action), restores and deletes (creates: :mod:`.creates`)."""

from __future__ import annotations

from typing import Any

from entragit.apply.common import CREATE_ATTEMPTS, SETTLE_LOOKUPS, _ambiguous, _fill
from entragit.apply.outcome import FAILED, OK, Outcome
from entragit.errors import GraphError
from entragit.plan.model import Change
from entragit.resources.base import ResourceType


class _ObjectWrites:
    """Mixed into :class:`entragit.apply.applier._Applier`, whose state (client, new values, link cache...) it uses."""

    def _kw(self, rt: ResourceType) -> dict[str, Any]:
        return {"version": rt.api_version, "serialize": rt.serialized}

    async def _update(self, change: Change, rt: ResourceType, address: str, body: Any) -> Outcome:
        item = rt.item_path(address)
        if change.channel == "action":
            await self.client.post(f"{item}/{change.action}", body, **self._kw(rt))
        else:
            await self.client.patch(item, body, **self._kw(rt))
        return Outcome(change, OK)

    async def _exists(self, rt: ResourceType, obj_id: str, *, settle: bool = False) -> bool:
        """Whether the object is live; ``settle``: waiting a little while it is not (it may replicate)."""
        attempt = 0
        while True:
            try:
                await self.client.get(rt.item_path(obj_id), {"$select": rt.key_prop}, rt.api_version,
                                      serialize=rt.serialized)
                return True
            except GraphError as exc:
                if exc.status != 404:
                    raise
            attempt += 1
            if not settle or attempt >= SETTLE_LOOKUPS or await self.client.settle(attempt) is None:
                return False

    async def _restore(self, change: Change, rt: ResourceType, address: str) -> Outcome:
        if not rt.restore_path:
            return Outcome(change, FAILED, f"a {rt.title} cannot be restored (no restore path declared)")
        method, path = _fill(rt.restore_path, id=address)
        last: GraphError | None = None
        for _ in range(CREATE_ATTEMPTS):
            try:
                await self.client.request(method, path, body={}, version=rt.api_version, serialize=rt.serialized)
                return Outcome(change, OK)
            except GraphError as exc:
                last = exc
                # the restore may have gone through before its answer was lost (or in an earlier, interrupted
                # run): the object is live (once replicated); a restore sent again cannot make a second one
                if _ambiguous(exc):
                    if await self._exists(rt, address):
                        return Outcome(change, OK, "restored (confirmed by a lookup)")
                    continue
                if exc.status == 404 and await self._exists(rt, address, settle=True):
                    return Outcome(change, OK, "restored (confirmed by a lookup)")
                raise
        assert last is not None
        raise last

    async def _delete(self, change: Change, rt: ResourceType, address: str) -> Outcome:
        try:
            await self.client.delete(rt.item_path(address), **self._kw(rt))
        except GraphError as exc:
            if exc.status == 404:
                return Outcome(change, OK, "already gone")
            raise
        return Outcome(change, OK)
