"""Writes of whole objects: updates (PATCH or an action), restores, deletes, and creates that never
duplicate an object (after an unanswered POST the object is looked up by its natural key first)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from entragit.apply.common import (
    CREATE_ATTEMPTS,
    GENERATED,
    NATURAL_KEYS,
    _ambiguous,
    _fill,
    _scalar_matches,
    _short_error,
    generate_password,
    write_secret,
)
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

    async def _exists(self, rt: ResourceType, obj_id: str) -> bool:
        try:
            await self.client.get(rt.item_path(obj_id), {"$select": rt.key_prop}, rt.api_version,
                                  serialize=rt.serialized)
            return True
        except GraphError as exc:
            if exc.status == 404:
                return False
            raise

    async def _restore(self, change: Change, rt: ResourceType, address: str) -> Outcome:
        if not rt.restore_path:
            return Outcome(change, FAILED, f"a {rt.title} cannot be restored (no restore path declared)")
        method, path = _fill(rt.restore_path, id=address)
        try:
            await self.client.request(method, path, body={}, version=rt.api_version, serialize=rt.serialized)
        except GraphError as exc:
            # the restore may have gone through before its answer was lost (or in an earlier, interrupted run)
            if (_ambiguous(exc) or exc.status == 404) and await self._exists(rt, address):
                return Outcome(change, OK, "restored (confirmed by a lookup)")
            raise
        return Outcome(change, OK)

    async def _delete(self, change: Change, rt: ResourceType, address: str) -> Outcome:
        try:
            await self.client.delete(rt.item_path(address), **self._kw(rt))
        except GraphError as exc:
            if exc.status == 404:
                return Outcome(change, OK, "already gone")
            raise
        return Outcome(change, OK)

    # -- creates ----------------------------------------------------------------------------------------------
    def _natural_key(self, rt: ResourceType, body: Mapping[str, Any]) -> tuple[str, str] | None:
        names = ([rt.alt_key] if rt.alt_key else []) + list(NATURAL_KEYS) + [rt.display]
        for name in names:
            value = body.get(name)
            if isinstance(value, str) and value:
                return name, value
        return None

    async def find_created(self, rt: ResourceType, body: Mapping[str, Any]) -> list[dict[str, Any]]:
        """Live objects that a create with ``body`` may have made: same natural key, same scalars."""
        key = self._natural_key(rt, body)
        if key is None:
            return []
        name, value = key
        quoted = value.replace("'", "''")
        try:
            found = await self.client.list_all(rt.collection, {"$filter": f"{name} eq '{quoted}'"},
                                               version=rt.api_version, serialize=rt.serialized)
        except GraphError as exc:
            if exc.status != 400:
                raise
            # the collection does not filter on this property: list it (types without $filter are small)
            found = [o async for o in self.client.list(rt.collection, version=rt.api_version,
                                                       serialize=rt.serialized) if o.get(name) == value]
        return [o for o in found if _scalar_matches(body, o)]

    async def _create(self, change: Change, rt: ResourceType, body: Any) -> Outcome:
        body = dict(body or {})
        generated = self.secrets.setdefault(change.key, {})
        for name in change.generate:
            maker = GENERATED.get(name)
            if maker is None:
                return Outcome(change, FAILED, f"cannot generate {name!r} (no generator declared)")
            if self.password_file is None:
                return Outcome(change, FAILED, f"a generated {name} must go to a file: pass --password-file F")
            generated.setdefault(name, generate_password())
            body[name] = maker(generated[name])
        created: dict[str, Any] | None = None
        note = ""
        if change.key in self.unsure:       # a POST of an earlier round may have made it
            found = await self.find_created(rt, body)
            if len(found) == 1:
                created, note = found[0], "found after an unanswered create"
        for attempt in range(1, CREATE_ATTEMPTS + 1):
            if created is not None:
                break
            try:
                created = await self.client.post(rt.collection, body, **self._kw(rt))
                break
            except GraphError as exc:
                if not _ambiguous(exc):
                    raise
                self.unsure.add(change.key)
                found = await self.find_created(rt, body)
                if len(found) == 1:
                    created, note = found[0], f"found after an unanswered create ({_short_error(exc)})"
                    break
                if len(found) > 1:
                    return Outcome(change, FAILED, f"{_short_error(exc)}; then {len(found)} objects match its "
                                                   "natural key: not creating another, check by hand")
                if attempt == CREATE_ATTEMPTS:
                    raise
        assert created is not None
        new_id = str(created.get(rt.key_prop))
        values = {"id": new_id}
        for alt in change.remap:
            if alt != "id" and created.get(alt) is not None:
                values[alt] = created[alt]
        if change.provides:
            self.new_values[change.provides] = values
        if generated:
            assert self.password_file is not None
            who = body.get("userPrincipalName") or rt.display_name(body)
            for name, password in generated.items():  # an adopted object was made by this very body
                write_secret(self.password_file, f"{rt.key}/{new_id}\t{who}\t{name}\t{password}")
            note = (note + "; " if note else "") + f"generated {', '.join(generated)} written to {self.password_file}"
        text = f"new id {new_id}" + "".join(f", new {k} {v}" for k, v in values.items() if k != "id")
        return Outcome(change, OK, text + (f"; {note}" if note else ""), new_id=new_id)
