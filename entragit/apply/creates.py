"""Creates that never duplicate an object, whatever happens to their answer or to the process.

Each type declares how a create of it is found again (``ResourceType.create_key``), from the tenant itself,
so that a re-run on a fresh clone (CI starts on a new runner) finds what an interrupted run made:

``upsert`` (applications, groups)
    ``PATCH {collection}(uniqueName='<key>')`` with ``Prefer: create-if-missing``: 201 and the new object,
    or 204 when an earlier attempt made it (then it is read back by that key). Sending it again is safe.
    https://learn.microsoft.com/en-us/graph/api/application-upsert, .../group-upsert
``unique`` (users by userPrincipalName, service principals by appId)
    A plain POST; Graph refuses a second object with the same value, so after a lost answer the POST is
    sent again, and a refusal as "already exists" finds the object by that value (waiting while it
    replicates). An object found that way is adopted only when its content agrees with the create's.
``marker`` (named locations, authentication strengths, conditional access policies: no key)
    Created with a marked display name (``<name> [entragit <old id>]``) that the plan's last step replaces
    by the real one, once the new ids are recorded. After a lost answer the object is looked up by the
    marked name (never by content alone: a same-named decoy or an object that existed before is never
    adopted); when it cannot be seen, the create fails ("not creating another") instead of POSTing again.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from entragit.apply.common import (
    CREATE_ATTEMPTS,
    GENERATED,
    NATURAL_KEYS,
    _ambiguous,
    _scalar_matches,
    _short_error,
    generate_password,
    write_secret,
)
from entragit.apply.outcome import FAILED, OK, Outcome
from entragit.errors import GraphError
from entragit.graph.errors import MalformedAnswer
from entragit.plan.earlier import holds
from entragit.plan.model import Change
from entragit.resources.base import CreateHow, CreateKey, ResourceType

UPSERT_HEADERS = {"Prefer": "create-if-missing"}


class Unfinished(GraphError):
    """A create whose outcome cannot be established: reported as a failure, never sent again blindly."""


def _exists_already(exc: GraphError) -> bool:
    """Graph's refusal of a second object with the same unique value (400 "... already exists", 409 "...
    is already in use", Request_MultipleObjectsWithSameKeyValue)."""
    text = exc.graph_message.lower()
    return exc.status in (400, 409) and ("already exist" in text or "already in use" in text
                                         or exc.code == "Request_MultipleObjectsWithSameKeyValue")


def _quoted(value: str) -> str:
    return value.replace("'", "''")


class _CreateWrites:
    """Mixed into :class:`entragit.apply.applier._Applier`, whose state (client, new values, ...) it uses."""

    async def _create(self, change: Change, rt: ResourceType, body: Any) -> Outcome:
        body = dict(body or {})
        generated = self.secrets.setdefault(change.key, {})
        for name in change.generate:
            maker = GENERATED.get(name)
            if maker is None:
                return Outcome(change, FAILED, f"cannot generate {name!r} (no generator declared)")
            if self.password_file is None:
                return Outcome(change, FAILED, f"a generated {name} must go to a file: pass --password-file F")
            if name not in generated:
                generated[name] = generate_password()
                # written before the create is sent: if the process dies before the answer, the object
                # may exist with this password (a re-run adopts it and says so)
                who = body.get("userPrincipalName") or rt.display_name(body)
                write_secret(self.password_file, f"pending:{change.provides or change.key}\t{who}\t{name}\t"
                                                 f"{generated[name]}")
            body[name] = maker(generated[name])
        key = rt.create_key
        if key is None:
            created, note = await self._create_by_natural_key(change, rt, body)
        elif key.how is CreateHow.UPSERT:
            created, note = await self._create_upsert(rt, key, body)
        elif key.how is CreateHow.UNIQUE:
            created, note = await self._create_unique(change, rt, key, body)
        else:
            created, note = await self._create_marked(change, rt, key, body)
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
            if note:  # adopted: the password an earlier attempt sent (its pending line) may be the one it has
                note += "; its password is the one written with it (a pending line of the password file)"
            for name, password in generated.items():
                write_secret(self.password_file, f"{rt.key}/{new_id}\t{who}\t{name}\t{password}")
            note = (note + "; " if note else "") + f"generated {', '.join(generated)} written to {self.password_file}"
        text = f"new id {new_id}" + "".join(f", new {k} {v}" for k, v in values.items() if k != "id")
        return Outcome(change, OK, text + (f"; {note}" if note else ""), new_id=new_id)

    # -- lookups ------------------------------------------------------------------------------------------------
    async def _by_key(self, rt: ResourceType, prop: str, value: str) -> list[dict[str, Any]]:
        """Live objects whose ``prop`` is ``value`` (case-insensitive): ``$filter`` on directory objects
        (users, service principals...), else the whole collection read (policies: small collections)."""
        kw = {"version": rt.api_version, "serialize": rt.serialized}
        if rt.directory_object:
            found = await self.client.list_all(rt.collection, {"$filter": f"{prop} eq '{_quoted(value)}'"}, **kw)
        else:
            found = await self.client.list_all(rt.collection, **kw)
        low = value.lower()
        return [o for o in found if isinstance(o.get(prop), str) and o[prop].lower() == low]

    async def _settled_by_key(self, rt: ResourceType, prop: str, value: str) -> list[dict[str, Any]]:
        """:meth:`_by_key`, tried again while nothing is visible (a new object replicates), within the
        client's eventual-consistency budget."""
        attempt, spent = 0, 0.0
        while True:
            found = await self._by_key(rt, prop, value)
            if found:
                return found
            attempt += 1
            waited = await self.client.settle(attempt, spent)
            if waited is None:
                return []
            spent += waited

    # -- the three ways ---------------------------------------------------------------------------------------
    async def _create_upsert(self, rt: ResourceType, key: CreateKey, body: dict[str, Any]
                             ) -> tuple[dict[str, Any], str]:
        value = str(body.get(key.prop) or "")
        if not value:
            raise Unfinished(0, "noCreateKey", f"the create of this {rt.title} names no {key.prop}")
        path = f"{rt.collection}({key.prop}='{_quoted(value)}')"
        sent = {k: v for k, v in body.items() if k != key.prop}  # the key is in the address
        last: GraphError | None = None
        for _ in range(CREATE_ATTEMPTS):
            try:
                answer = await self.client.request("PATCH", path, body=sent, headers=UPSERT_HEADERS,
                                                   version=rt.api_version, serialize=rt.serialized)
            except GraphError as exc:
                if not _ambiguous(exc):
                    raise
                last = exc  # a PATCH by the key: sending it again can only update what it made
                continue
            why = "existed already"
            if answer.status == 201 and answer.content:
                try:
                    return answer.json(), ""
                except MalformedAnswer as exc:  # created, but the answer cannot be read: found by its key
                    why = f"created, its answer unreadable ({_short_error(exc)})"
            found = await self._settled_by_key(rt, key.prop, value)
            if len(found) != 1:
                raise Unfinished(0, "notFound", f"Graph updated the {rt.title} with {key.prop} {value!r} but "
                                 "it cannot be read back yet; re-run entragit apply")
            if why != "existed already":
                return found[0], f"{why}: found by its {key.prop} {value!r}"
            return found[0], f"existed already with {key.prop} {value!r} (an earlier attempt made it): updated"
        assert last is not None
        raise last

    async def _create_unique(self, change: Change, rt: ResourceType, key: CreateKey, body: dict[str, Any]
                             ) -> tuple[dict[str, Any], str]:
        value = str(body.get(key.prop) or "")
        for attempt in range(1, CREATE_ATTEMPTS + 1):
            try:
                return await self.client.post(rt.collection, body, **self._kw(rt)), ""
            except GraphError as exc:
                exists = _exists_already(exc)
                if not (exists or _ambiguous(exc)) or not value:
                    raise
                found = await (self._settled_by_key(rt, key.prop, value) if exists
                               else self._by_key(rt, key.prop, value))
                if len(found) == 1:
                    if not holds(body, found[0], skip={key.prop, *change.generate}):
                        raise Unfinished(exc.status, "differs", f"a {rt.title} with {key.prop} {value!r} exists "
                                         "already and differs from this one: not adopting it, not creating "
                                         "another; check it by hand") from exc
                    why = "it existed already" if exists else f"found after an unanswered create ({_short_error(exc)})"
                    return found[0], f"{why} with {key.prop} {value!r}: adopted"
                if exists:
                    raise Unfinished(exc.status, exc.code, f"{_short_error(exc)}; and no {rt.title} with "
                                     f"{key.prop} {value!r} can be read: not creating another") from exc
                if attempt == CREATE_ATTEMPTS:
                    raise  # Graph refuses a duplicate: sending the create again was safe until here
        raise AssertionError("unreachable")

    async def _create_marked(self, change: Change, rt: ResourceType, key: CreateKey, body: dict[str, Any]
                             ) -> tuple[dict[str, Any], str]:
        value = str(body.get(key.prop) or "")
        if change.key in self.unsure and value:  # an earlier round of this run may have made it
            found = await self._by_key(rt, key.prop, value)
            if found:
                return self._adopt_marked(rt, key, body, found, "found after an unanswered create")
        try:
            return await self.client.post(rt.collection, body, **self._kw(rt)), ""
        except GraphError as exc:
            if not _ambiguous(exc) or not value:
                raise
            self.unsure.add(change.key)
            found = await self._settled_by_key(rt, key.prop, value)
            if not found:
                raise Unfinished(exc.status, exc.code, f"{_short_error(exc)}; no {rt.title} named {value!r} "
                                 "can be seen: not creating another (a re-run finds it by that name if Graph "
                                 "made it)") from exc
            return self._adopt_marked(rt, key, body, found, f"found after an unanswered create "
                                                             f"({_short_error(exc)})")

    def _adopt_marked(self, rt: ResourceType, key: CreateKey, body: Mapping[str, Any], found: list[dict[str, Any]],
                      why: str) -> tuple[dict[str, Any], str]:
        same = [o for o in found if holds(body, o, skip={key.prop})]
        if len(found) != 1 or len(same) != 1:
            raise Unfinished(0, "ambiguous", f"{len(found)} {rt.title}(s) named {body.get(key.prop)!r}, "
                             f"{len(same)} with this content: not adopting, not creating another; check by hand")
        return same[0], why

    async def _create_by_natural_key(self, change: Change, rt: ResourceType, body: dict[str, Any]
                                     ) -> tuple[dict[str, Any], str]:
        """Types without a declared create key: POST; after a lost answer, look the object up by a natural
        key (its alternate key, ``NATURAL_KEYS``, its display name) and adopt it only when it agrees."""
        for attempt in range(1, CREATE_ATTEMPTS + 1):
            try:
                return await self.client.post(rt.collection, body, **self._kw(rt)), ""
            except GraphError as exc:
                if not _ambiguous(exc):
                    raise
                found = await self._natural_matches(rt, body)
                if len(found) == 1:
                    return found[0], f"found after an unanswered create ({_short_error(exc)})"
                if found or attempt == CREATE_ATTEMPTS:
                    raise Unfinished(exc.status, exc.code, f"{_short_error(exc)}; then {len(found)} objects "
                                     "match its natural key: not creating another, check by hand") from exc
        raise AssertionError("unreachable")

    async def _natural_matches(self, rt: ResourceType, body: Mapping[str, Any]) -> list[dict[str, Any]]:
        names = ([rt.alt_key] if rt.alt_key else []) + list(NATURAL_KEYS) + [rt.display]
        for name in names:
            value = body.get(name)
            if isinstance(value, str) and value:
                found = await self._by_key(rt, name, value)
                return [o for o in found if _scalar_matches(body, o)]
        return []
