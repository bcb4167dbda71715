"""Delta rounds: initial and later rounds from the per-type change log, ``members@delta``, token expiry."""

from __future__ import annotations

from typing import Any

from entragit.emulator import facts
from entragit.emulator.backend.common import DeltaPage
from entragit.emulator.backend.core import TenantCore
from entragit.emulator.errors import BadRequest, ResyncRequired, SyncStateNotFound
from entragit.emulator.facts import Link, LinkKind
from entragit.emulator.query import decode_token, encode_token


class DeltaMixin(TenantCore):
    """GET {collection}/delta."""

    # ================================================================== delta
    def delta(self, type_key: str, *, select: tuple[str, ...] | None = None, deltatoken: str | None = None,
              skiptoken: str | None = None, restart_url: str = "") -> DeltaPage:
        """``GET /{collection}/delta``: one page of a delta round.

        Initial round: every live object (with ``members@delta`` for groups); later rounds (``$deltatoken``):
        the objects changed since the token, soft-deleted ones as ``@removed: changed``, gone ones as
        ``@removed: deleted``. ``$deltatoken=latest`` answers only a deltaLink. Tokens older than 7 days
        (emulator clock) answer ``syncStateNotFound``; a control-plane forced resync answers 410 + Location
        (``restart_url``, the collection's delta URL, plus the token's ``$select``). A page holds at most
        ``DELTA_PAGE_SIZE`` objects and ``DELTA_PAGE_LINKS`` link entries: an object whose links do not fit
        continues on the next page (its id and the rest of its ``members@delta``).
        """
        rt = self.rt(type_key)
        if not rt.delta:
            raise BadRequest(f"Delta query is not supported for '{rt.collection}'.")
        self.purge_expired()
        log = self.deltas[type_key]
        now = self.clock.time()
        if deltatoken is not None and deltatoken.lower() == "latest":
            if select:
                self.check_select(rt, select, collection=True, allow_links=True)
            return DeltaPage([], None, encode_token({"t": type_key, "c": self.seq, "i": now,
                                                     "s": list(select) if select else None}))
        resume, offset = -1, 0  # the object split over the previous page and how many of its links it gave
        if skiptoken is not None:
            st = self._delta_token(skiptoken, type_key, "$skiptoken")
            after, upto, base, initial = int(st["a"]), int(st["u"]), int(st["f"]), bool(st["n"])
            select = tuple(st["s"]) if st.get("s") else None
            issued = float(st["i"])
            resume, offset = int(st.get("r", -1)), int(st.get("o", 0))
        elif deltatoken is not None:
            dt = self._delta_token(deltatoken, type_key, "$deltatoken")
            if type_key in self.force_resync:
                self.force_resync.discard(type_key)
                restart = restart_url + (f"?$select={','.join(dt['s'])}" if dt.get("s") else "")
                raise ResyncRequired(restart)
            after = base = int(dt["c"])
            upto, initial = self.seq, False
            select = tuple(dt["s"]) if dt.get("s") else None
            issued = float(dt["i"])
        else:
            if select:
                self.check_select(rt, select, collection=True, allow_links=True)
            after = base = 0
            upto, initial, issued = self.seq, True, now
        if now - issued > facts.DELTA_TOKEN_LIFETIME.total_seconds():
            raise SyncStateNotFound()
        tracked = [ln for ln in rt.links if ln.kind in (LinkKind.IDS, LinkKind.ID) and (
            (select is None and ln.delta_default) or (select and ln.name in select))]
        coll = self.collections[type_key]
        items: list[dict[str, Any]] = []
        last = after
        links_used = 0

        def next_page(**state: Any) -> DeltaPage:
            token = encode_token({"t": type_key, "u": upto, "f": base, "n": initial, "i": issued,
                                  "s": list(select) if select else None, **state})
            return DeltaPage(items, next_token=token)

        for seq, obj_id in log.changes(after, upto):
            if len(items) >= facts.DELTA_PAGE_SIZE or links_used >= facts.DELTA_PAGE_LINKS:
                return next_page(a=last)
            obj = coll.get(obj_id)
            if obj is None:
                last = seq
                if initial:
                    continue
                reason = "changed" if obj_id in self.deleted else "deleted"
                items.append({"id": obj_id, "@removed": {"reason": reason}})
                continue
            start = offset if seq == resume else 0
            if start:  # the rest of an object split over the previous page: its id and links only
                item: dict[str, Any] = {"id": obj_id}
            else:
                item = self.view(rt, obj, select if select is None else tuple(
                    n for n in select if n not in self.info[rt.key].link_names))
            changes = [(ln, self._link_delta(type_key, ln, obj_id, base, upto, initial)) for ln in tracked]
            total = sum(len(c) for _, c in changes)
            room = facts.DELTA_PAGE_LINKS - links_used
            position = 0
            for ln, entries in changes:  # the slice [start, start + room) of the links, in order
                lo, hi = max(start - position, 0), min(start + room - position, len(entries))
                item[f"{ln.name}@delta"] = entries[lo:hi] if hi > lo else []
                position += len(entries)
            taken = min(room, total - start)
            links_used += taken
            items.append(item)
            if start + taken < total:  # more links than fit: the object continues on the next page
                return next_page(a=seq - 1, r=seq, o=start + taken)
            last = seq
        token = encode_token({"t": type_key, "c": upto, "i": now, "s": list(select) if select else None})
        return DeltaPage(items, delta_token=token)

    def _delta_token(self, token: str, type_key: str, what: str) -> dict[str, Any]:
        data = decode_token(token, what)
        if data.get("t") != type_key:
            raise BadRequest(f"Invalid {what} value specified: the token belongs to another resource.")
        return data

    def _link_delta(self, type_key: str, link: Link, owner: str, base: int, upto: int,
                    initial: bool) -> list[dict[str, Any]]:
        def entry(ref: str) -> dict[str, Any]:
            rt = self.types.get(self.type_of.get(ref, ""))
            return {"@odata.type": rt.odata_type if rt else "#microsoft.graph.directoryObject", "id": ref}

        if initial:
            return [entry(ref) for ref in self.links.refs(type_key, link.name, owner)]
        out = []
        for ref, added in self.deltas[type_key].member_changes(link.name, owner, base, upto).items():
            e = entry(ref)
            if not added:
                e["@removed"] = {"reason": "deleted"}
            out.append(e)
        return out

