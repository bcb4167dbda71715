"""The applier: executes a :class:`~entragit.plan.Plan` through Microsoft Graph, then checks what is left.

:func:`apply_plan` runs the changes of a plan (a line per change and its result: ``ok``, ``failed: reason``,
``skipped``), and :func:`run_apply` is the whole ``entragit apply``: validate ``tenant-state/``, read the live
scope, compute the plan, compare its checksum with the reviewed one, apply, follow restores up, re-read and
report residual drift.

How each kind of change is written (every path, method and body comes from the declarations and the plan;
nothing here branches on a type key):

``update``
    ``PATCH {item}`` with the change's body (``patch``: one PATCH per object; ``patch-alone``: one per
    property), or ``POST {item}/{action}`` (``action`` channel, e.g. ``updateAllowedCombinations``).
``restore``
    ``rt.restore_path`` (``POST directory/deletedItems/{id}/restore``): the object comes back with its id,
    and with its memberships. Its link changes are marked ``recompute`` by the planner: the owner's link is
    re-read first and only what is still missing is written; after the run, the links of restored objects
    are planned once more against the tenant as it now is (:func:`run_apply`), which removes what the
    restore brought back but the backup does not hold.
``create`` / ``recreate``
    ``POST {collection}`` with the planned body. The new object's id (and its minted alternate key, the
    ``appId`` of an application) is recorded under the change's placeholder token and substituted into
    every later change before it is sent (:func:`entragit.plan.substitute`): ids in bodies, link targets,
    addresses, ``appId`` references and strings embedding an appId (``api://{appId}``). Values the create
    must generate (a user's ``passwordProfile``) are generated here and written only to the password file
    the operator names (mode 0600), never to a line, a report or the repository.
``delete``
    ``DELETE {item}``; an object already gone counts as done.
``link-add`` / ``link-remove`` / ``link-update``
    The link's templates (``Link.add``, ``Link.remove``, ``Link.update``): ``{"@odata.id": ...}`` bodies for
    ids (members, owners, manager), the element without its read-only properties for objects (app role
    assignments, OAuth2 grants, federated credentials). A reference already present / already absent is done.

Throttling: the client resends a throttled request after Graph's ``Retry-After`` and holds every other request
of the run until then (Graph charges requests sent while throttled, so they would only lengthen it); a change
still refused after the client's attempts runs again after the next ``Retry-After`` (:data:`THROTTLED_ROUNDS`).

Never a duplicate create: the client resends a POST only when Graph refused it unexecuted (429). After an
*ambiguous* failure (no answer at all, or a 5xx) the applier looks the object up by its natural key
(:data:`NATURAL_KEYS`, or the link's key for link elements) and adopts what it finds before creating again.
Retries with Graph's ``Retry-After`` are the client's (:mod:`entragit.graph.retry`).

Failures do not stop the run: a failed change is reported and the applier goes on; a change whose
dependency (``Change.after``) failed is skipped with "dependency failed". Changes run concurrently where the
plan allows: a change waits for its dependencies, for the earlier changes of the same object, and (a delete)
for every earlier non-delete change; requests of serialized types (conditional access, named locations) go
one at a time through the client.

Exit codes (:mod:`entragit.errors`): 0 done, 2 bad input, 3 refused (a safety rail, a checksum that differs,
a backup commit), 4 some changes failed, 5 residual drift.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import string
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from entragit import resources
from entragit.errors import (
    Canceled,
    DriftError,
    EntragitError,
    GraphError,
    PartialFailure,
    RefusedError,
    UsageError,
)
from entragit.graph.errors import GraphTransportError
from entragit.graph.retry import retry_after
from entragit.plan.model import Change, Kind, Plan
from entragit.plan.placeholders import Unresolved, substitute
from entragit.resources.base import Link, LinkKind, ResourceType
from entragit.writes import link_element_body, reference_body

OK, FAILED, SKIPPED, DRY_RUN = "ok", "failed", "skipped", "dry-run"

# Properties Graph keeps unique within a collection, tried in this order to find an object a create may have
# made before its answer was lost (a type's alternate key, e.g. appId, comes first when the body holds it).
NATURAL_KEYS = ("userPrincipalName", "uniqueName")

# How to send a value the applier generates (Change.generate). A user's passwordProfile:
# https://learn.microsoft.com/en-us/graph/api/resources/passwordprofile?view=graph-rest-1.0
GENERATED: dict[str, Callable[[str], Any]] = {
    "passwordProfile": lambda password: {"password": password, "forceChangePasswordNextSignIn": True},
}

# A change still throttled after the client's retries runs again after the Retry-After, at most this many times.
THROTTLED_ROUNDS = 8

# At most this many POSTs of one create when each answer is lost and the lookup finds nothing.
CREATE_ATTEMPTS = 3

EventHandler = Callable[["Outcome"], None]


def _open_client(settings: Any) -> Any:
    from entragit.graph import open_client

    return open_client(settings)


# The one place `entragit apply` and `entragit recover` get their Graph client from (tests point it at an
# in-process emulator).
CLIENT_FACTORY: Callable[[Any], Any] = _open_client
Recheck = Callable[[dict[str, dict[str, Any]]], Awaitable[Plan]]


# ---------------------------------------------------------------------------------------------- results
@dataclass
class Outcome:
    """What happened to one change: ``status`` ok | failed | skipped | dry-run, and a message."""

    change: Change
    status: str
    message: str = ""
    new_id: str | None = None
    follow_up: bool = False  # planned after the restores ran (links of restored objects)

    @property
    def ok(self) -> bool:
        return self.status in (OK, DRY_RUN)

    def line(self) -> str:
        """One line for the operator: status, kind, object, what, result."""
        from entragit.plan.render import describe

        c = self.change
        name = f" {c.display_name!r}" if c.display_name and c.display_name != c.id else ""
        what = describe(c, 70) if c.kind is not Kind.SKIP else ""
        if c.kind is Kind.SKIP:
            what = (", ".join(p.path for p in c.properties) or (f"{c.link} {c.item}" if c.link else "")).strip()
        status = f"failed: {self.message}" if self.status == FAILED else self.status
        text = f"{status:<8} {c.kind.value:<11} {c.type}/{c.id}{name}"
        if what:
            text += f" {what}"
        if self.status != FAILED and self.message:
            text += f" ({self.message})"
        if self.follow_up:
            text += " [after restore]"
        return text

    def to_json(self) -> dict[str, Any]:
        c = self.change
        out: dict[str, Any] = {"key": c.key, "kind": c.kind.value, "type": c.type, "id": c.id,
                               "displayName": c.display_name, "status": self.status, "message": self.message}
        if c.link:
            out["link"] = c.link
            out["item"] = c.item
        if c.properties:
            out["properties"] = [p.path for p in c.properties]
        if self.new_id:
            out["newId"] = self.new_id
        if self.follow_up:
            out["followUp"] = True
        return out


@dataclass
class ApplyResult:
    """The outcome of one apply: a line per change, the new ids of created objects, the residual plan."""

    plan: Plan
    outcomes: list[Outcome] = field(default_factory=list)
    new_ids: dict[str, dict[str, Any]] = field(default_factory=dict)  # token -> {"id": ..., "appId": ...}
    residual: Plan | None = None
    dry_run: bool = False
    seconds: float = 0.0
    stats: dict[str, Any] = field(default_factory=dict)  # requests, writes, throttled, retries (client deltas)
    password_file: str | None = None  # where generated passwords went (the path only)

    def counts(self) -> dict[str, int]:
        out = {OK: 0, FAILED: 0, SKIPPED: 0}
        if self.dry_run:
            out[DRY_RUN] = 0
        for o in self.outcomes:
            out[o.status] = out.get(o.status, 0) + 1
        return out

    @property
    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.status == FAILED]

    @property
    def waiting(self) -> list[Change]:
        """Skips that an option would write (new identities not named by ``--recreate``): the merged change
        is not all in the tenant, so the outcome is recorded as partial."""
        return [c for c in self.plan.skips if c.option]

    @property
    def drift(self) -> list[Change]:
        """Writes a fresh plan still finds after the apply (residual drift)."""
        return self.residual.writes if self.residual is not None else []

    @property
    def status(self) -> str:
        """applied | failed | drift | dry-run (the outcome recorded on the commit)."""
        if self.dry_run:
            return "dry-run"
        if self.failed:
            return "failed"
        if self.drift:
            return "drift"
        return "applied"

    @property
    def exit_code(self) -> int:
        return {"failed": PartialFailure.exit_code, "drift": DriftError.exit_code}.get(self.status, 0)

    def error(self) -> EntragitError | None:
        """The error the command ends with (None: exit 0)."""
        if self.status == "failed":
            return PartialFailure(f"{len(self.failed)} of {len(self.plan.writes)} changes failed; the others "
                                  "were applied (re-run entragit apply once the cause is fixed)")
        if self.status == "drift":
            return DriftError(f"residual drift: {len(self.drift)} change(s) still planned after the apply")
        return None

    def summary(self) -> str:
        counts = self.counts()
        parts = [f"{n} {k}" for k, n in counts.items() if n or k in (OK, FAILED)]
        verb = "would apply" if self.dry_run else "applied"
        text = f"{verb} {len(self.plan.writes)} change(s): " + ", ".join(parts)
        st = self.stats
        if st:
            text += (f"; {st.get('requests', 0)} requests ({st.get('writes', 0)} writes), "
                     f"{st.get('throttled', 0)} throttled (429) and retried, {self.seconds:.1f}s")
        if self.password_file and any(o.change.generate and o.status == OK for o in self.outcomes):
            text += f"; generated passwords written to {self.password_file}"
        if self.residual is not None:
            text += f"; residual drift: {len(self.drift) or 'none'}"
        if self.waiting and not self.dry_run:
            text += f"; {len(self.waiting)} new identit{'y' if len(self.waiting) == 1 else 'ies'} not created " \
                    "until named (" + ", ".join(c.option or "" for c in self.waiting[:3]) + \
                    (", ..." if len(self.waiting) > 3 else "") + ")"
        return text

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "status": self.status, "exitCode": self.exit_code, "dryRun": self.dry_run,
            "checksum": self.plan.checksum, "counts": self.counts(),
            "changes": [o.to_json() for o in self.outcomes], "newIds": self.new_ids,
            "warnings": [w.to_json() for w in self.plan.warnings], "stats": self.stats,
            "seconds": round(self.seconds, 3),
        }
        if self.residual is not None:
            out["residual"] = {"changes": [c.to_json() for c in self.residual.writes],
                               "checksum": self.residual.checksum}
        if self.password_file:
            out["passwordFile"] = self.password_file
        if self.waiting:
            out["waiting"] = [{"type": c.type, "id": c.id, "option": c.option} for c in self.waiting]
        return out

    def render(self, fmt: str = "text", *, lines: bool = True) -> str:
        """``text`` (a line per change unless ``lines`` is False, warnings, drift, the summary) or ``json``."""
        if fmt == "json":
            return json.dumps(self.to_json(), indent=2, sort_keys=True, ensure_ascii=False, default=str) + "\n"
        out = [o.line() for o in self.outcomes] if lines else []
        out += [f"warning: {w}" for w in self.plan.warnings]
        for c in self.drift:
            from entragit.plan.render import describe

            out.append(f"drift    {c.kind.value:<11} {c.type}/{c.id} {describe(c, 70)}")
        out.append(self.summary())
        return "\n".join(out) + "\n"


# ---------------------------------------------------------------------------------------------- helpers
def _ambiguous(exc: GraphError) -> bool:
    """A failure after which a POST may have been executed: no answer at all, or a server error."""
    return isinstance(exc, GraphTransportError) or exc.status >= 500


def _fill(template: str, **values: str) -> tuple[str, str]:
    """``"POST groups/{id}/members/$ref"`` → ``("POST", "groups/<id>/members/$ref")``."""
    method, _, path = template.partition(" ")
    for key, value in values.items():
        path = path.replace("{" + key + "}", value)
    return method.upper(), path


def _short_error(exc: GraphError) -> str:
    if isinstance(exc, GraphTransportError):
        return f"no answer from Graph ({exc.code}: {exc.graph_message})"
    return f"Graph {exc.status} {exc.code}: {exc.graph_message}"


def generate_password(length: int = 24) -> str:
    """A strong random password: letters, digits and symbols, at least one of each class (Entra ID's
    complexity rules: https://learn.microsoft.com/en-us/entra/identity/authentication/concept-password-ban-bad-combined-policy)."""
    symbols = "!#$%&()*+,-./:;<=>?@[]^_{|}~"
    alphabet = string.ascii_letters + string.digits + symbols
    while True:
        text = "".join(secrets.choice(alphabet) for _ in range(length))
        if (any(c.islower() for c in text) and any(c.isupper() for c in text)
                and any(c.isdigit() for c in text) and any(c in symbols for c in text)):
            return text


def write_secret(path: str | Path, line: str) -> None:
    """Append ``line`` to ``path``, created with mode 0600 (and kept at 0600 if it existed)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, (line.rstrip("\n") + "\n").encode())
    finally:
        os.close(fd)


def _scalar_matches(body: Mapping[str, Any], found: Mapping[str, Any]) -> bool:
    """Whether ``found`` agrees with every top-level scalar of ``body`` it holds (a create's natural match)."""
    for key, value in body.items():
        if "@" in key or isinstance(value, (dict, list)) or value is None or key not in found:
            continue
        a, b = found[key], value
        if isinstance(a, str) and isinstance(b, str):
            if a.lower() != b.lower():
                return False
        elif a != b:
            return False
    return True


# ---------------------------------------------------------------------------------------------- the run
class _Applier:
    def __init__(self, client: Any, plan: Plan, *, dry_run: bool, password_file: str | Path | None,
                 on_event: EventHandler | None, concurrency: int | None, new_values: dict[str, dict[str, Any]],
                 follow_up: bool = False) -> None:
        self.client = client
        self.plan = plan
        self.dry_run = dry_run
        self.password_file = str(password_file) if password_file is not None else None
        self.on_event = on_event
        # as many changes in progress as the client has connections: more would only queue at the client, and
        # under throttling every request sent while throttled is charged too (the client's gate holds them)
        self.concurrency = max(1, concurrency or getattr(client, "concurrency", 8) or 8)
        self.new_values = new_values
        self.follow_up = follow_up
        self.outcomes: dict[str, Outcome] = {}
        self.events: dict[str, asyncio.Event] = {}
        self.links: dict[tuple[str, str, str], Any] = {}  # (type, owner, link) -> set of ids | dict of keys
        self.unsure: set[str] = set()  # changes whose write may have happened (an answer was lost)
        self.secrets: dict[str, dict[str, str]] = {}  # change key -> generated values (generated once)
        self.throttled_rounds = 0
        self.link_locks: dict[tuple[str, str, str], asyncio.Lock] = {}

    # -- scheduling -----------------------------------------------------------------------------------------
    async def run(self) -> list[Outcome]:
        """Run every change as soon as what it waits for is done (see the module docstring), up to
        ``concurrency`` at a time; outcomes in plan order."""
        changes = self.plan.changes
        for c in changes:
            self.events[c.key] = asyncio.Event()
        # a delete waits for every earlier non-delete change, a change re-reading after restores for every
        # earlier restore: one barrier per prefix, shared by the changes that need it
        barriers: dict[tuple[str, int], asyncio.Event] = {}
        prefixes: dict[str, list[str]] = {"changes": [], "restores": []}
        waits: list[tuple[list[str], list[tuple[str, int]]]] = []
        last_of_object: dict[tuple[str, str], str] = {}
        earlier: set[str] = set()
        for c in changes:
            # only earlier changes: the plan is in dependency order, and a cycle must never deadlock the run
            need = [k for k in c.after if k in earlier]
            earlier.add(c.key)
            prev = last_of_object.get((c.type, c.id))
            if prev is not None:
                need.append(prev)
            gates = []
            if c.kind is Kind.DELETE and prefixes["changes"]:
                gates.append(("changes", len(prefixes["changes"])))
            if c.recompute and prefixes["restores"]:
                gates.append(("restores", len(prefixes["restores"])))
            for gate in gates:
                barriers.setdefault(gate, asyncio.Event())
            waits.append((sorted(set(need)), gates))
            last_of_object[(c.type, c.id)] = c.key
            if c.kind is not Kind.DELETE:
                prefixes["changes"].append(c.key)
            if c.kind is Kind.RESTORE:
                prefixes["restores"].append(c.key)
        slots = asyncio.Semaphore(self.concurrency)

        async def gate(name: str, length: int) -> None:
            for key in prefixes[name][:length]:
                await self.events[key].wait()
            barriers[(name, length)].set()

        async def one(change: Change, need: list[str], gates: list[tuple[str, int]]) -> None:
            try:
                for key in need:
                    await self.events[key].wait()
                for name in gates:
                    await barriers[name].wait()
                failed = [k for k in change.after if k in self.outcomes and not self._succeeded(k)]
                if failed:
                    outcome = Outcome(change, SKIPPED, f"dependency failed: {failed[0]}")
                elif change.kind is Kind.SKIP:
                    outcome = Outcome(change, SKIPPED, change.reason or "")
                else:
                    async with slots:
                        outcome = await self._execute(change)
                outcome.follow_up = self.follow_up
                self.outcomes[change.key] = outcome
                if self.on_event is not None:
                    self.on_event(outcome)
            finally:
                self.events[change.key].set()

        async with asyncio.TaskGroup() as tg:
            for name, length in barriers:
                tg.create_task(gate(name, length))
            for change, (need, gates) in zip(changes, waits, strict=True):
                tg.create_task(one(change, need, gates))
        return [self.outcomes[c.key] for c in changes]

    def _succeeded(self, key: str) -> bool:
        outcome = self.outcomes.get(key)
        return outcome is not None and outcome.ok

    # -- one change -----------------------------------------------------------------------------------------
    async def _execute(self, change: Change) -> Outcome:
        rt = resources.get(change.type)
        try:
            address = substitute(change.target_address, self.new_values)
            body = substitute(change.body, self.new_values)
            target = substitute(change.target, self.new_values)
            ref = substitute(change.ref, self.new_values)
        except Unresolved as exc:
            return Outcome(change, SKIPPED, f"dependency failed: {exc.args[0]} was not created")
        if self.dry_run:
            return Outcome(change, DRY_RUN, "not written (--dry-run)")
        for round_no in range(1, THROTTLED_ROUNDS + 1):
            try:
                if change.kind is Kind.UPDATE:
                    return await self._update(change, rt, str(address), body)
                if change.kind is Kind.RESTORE:
                    return await self._restore(change, rt, str(address))
                if change.kind in (Kind.CREATE, Kind.RECREATE):
                    return await self._create(change, rt, body)
                if change.kind is Kind.DELETE:
                    return await self._delete(change, rt, str(address))
                if change.kind in (Kind.LINK_ADD, Kind.LINK_REMOVE, Kind.LINK_UPDATE):
                    return await self._link(change, rt, str(address), target, ref)
                return Outcome(change, FAILED, f"unknown change kind {change.kind.value!r}")
            except GraphError as exc:
                # still throttled after the client's retries: Graph refused the request unexecuted, so the
                # change runs again after Graph's Retry-After (what it already did is looked up first)
                if exc.status != 429 or round_no == THROTTLED_ROUNDS:
                    return Outcome(change, FAILED, _short_error(exc))
                self.throttled_rounds += 1
                await asyncio.sleep(retry_after(exc.headers) or float(round_no))
        raise AssertionError("unreachable")

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

    # -- links --------------------------------------------------------------------------------------------
    async def _read_link(self, rt: ResourceType, owner: str, link: Link) -> Any:
        """The link's current value: a set of ids (IDS/ID) or ``{element key: element}`` (OBJECTS)."""
        path = link.read.replace("{id}", owner)
        version = link.read_version or rt.api_version
        if link.kind is LinkKind.ID:
            try:
                found = await self.client.get(path, {"$select": "id"}, version, serialize=rt.serialized)
            except GraphError as exc:
                if exc.status == 404:
                    return set()
                raise
            return {found["id"]} if found.get("id") else set()
        params = {"$select": link.read_select} if link.read_select else None
        items = await self.client.list_all(path, params, version=version, serialize=rt.serialized)
        if link.kind is LinkKind.IDS:
            return {str(i.get("id")) for i in items}
        return {self._element_key(link, i): i for i in items}

    @staticmethod
    def _element_key(link: Link, element: Mapping[str, Any]) -> str:
        return json.dumps([element.get(k) for k in link.key], sort_keys=True, default=str)

    async def _current(self, rt: ResourceType, owner: str, link: Link, refresh: bool = False) -> Any:
        cache_key = (rt.key, owner, link.name)
        if refresh or cache_key not in self.links:
            self.links[cache_key] = await self._read_link(rt, owner, link)
        return self.links[cache_key]

    async def _link(self, change: Change, rt: ResourceType, owner: str, target: Any, ref: Any) -> Outcome:
        link = rt.link(change.link or "")
        if link is None:
            return Outcome(change, FAILED, f"{rt.key} declares no link {change.link!r}")
        lock = self.link_locks.setdefault((rt.key, owner, link.name), asyncio.Lock())
        async with lock:
            return await self._link_locked(change, rt, owner, link, target, ref)

    async def _link_locked(self, change: Change, rt: ResourceType, owner: str, link: Link, target: Any,
                           ref: Any) -> Outcome:
        kind = change.kind
        objects = link.kind is LinkKind.OBJECTS
        if change.recompute:
            current = await self._current(rt, owner, link)
            if kind is Kind.LINK_ADD:
                present = (self._element_key(link, target) in current) if objects else (str(target) in current)
                if present:
                    return Outcome(change, OK, "already present (restored)")
            elif kind is Kind.LINK_REMOVE:
                absent = (ref not in {e.get("id") for e in current.values()}) if objects else (str(ref) not in current)
                if absent:
                    return Outcome(change, OK, "already absent")
        if kind is Kind.LINK_ADD:
            message = await self._link_add(change.key, rt, owner, link, target)
        elif kind is Kind.LINK_REMOVE:
            message = await self._link_remove(rt, owner, link, ref)
        else:
            if not link.update:
                return Outcome(change, FAILED, f"{link.name} elements cannot be updated (no update template)")
            method, path = _fill(link.update, id=owner, ref=str(ref))
            body = link_element_body(link, target, update=True) if isinstance(target, dict) else target
            await self.client.request(method, path, body=body, version=rt.api_version, serialize=rt.serialized)
            message = ""
        self._note_write(rt, owner, link, kind, target, ref)
        return Outcome(change, OK, message)

    def _note_write(self, rt: ResourceType, owner: str, link: Link, kind: Kind, target: Any, ref: Any) -> None:
        """Keep a re-read link current after a write (ids: exactly; elements: read again when next needed)."""
        cache_key = (rt.key, owner, link.name)
        current = self.links.get(cache_key)
        if current is None:
            return
        if link.kind is LinkKind.OBJECTS:
            del self.links[cache_key]
        elif kind is Kind.LINK_ADD:
            if link.kind is LinkKind.ID:
                current.clear()
            current.add(str(target))
        elif kind is Kind.LINK_REMOVE:
            current.discard(str(ref))

    async def _link_add(self, change_key: str, rt: ResourceType, owner: str, link: Link, target: Any) -> str:
        if not link.add:
            raise GraphError(0, "notWritable", f"{link.name} cannot be added to (no add template)")
        method, path = _fill(link.add, id=owner, ref=str(target) if not isinstance(target, dict) else "")
        if link.kind is LinkKind.OBJECTS:
            body = link_element_body(link, target)
            key = self._element_key(link, target)
            if change_key in self.unsure and key in await self._current(rt, owner, link, refresh=True):
                return "found after an unanswered create"
            for attempt in range(1, CREATE_ATTEMPTS + 1):
                try:
                    await self.client.request(method, path, body=body, version=rt.api_version,
                                              serialize=rt.serialized)
                    return ""
                except GraphError as exc:
                    if not _ambiguous(exc):
                        raise
                    self.unsure.add(change_key)
                    if key in await self._current(rt, owner, link, refresh=True):
                        return f"found after an unanswered create ({_short_error(exc)})"
                    if attempt == CREATE_ATTEMPTS:
                        raise
            return ""
        base = f"{self.client.root}/{rt.api_version}"
        try:
            await self.client.request(method, path, body=reference_body(base, str(target)), version=rt.api_version,
                                      serialize=rt.serialized)
        except GraphError as exc:
            if exc.status == 400 and "already exist" in exc.graph_message:
                return "already present"
            if not _ambiguous(exc):
                raise
            current = await self._current(rt, owner, link, refresh=True)
            if str(target) in current:
                return f"found after an unanswered add ({_short_error(exc)})"
            await self.client.request(method, path, body=reference_body(base, str(target)),
                                      version=rt.api_version, serialize=rt.serialized)
        return ""

    async def _link_remove(self, rt: ResourceType, owner: str, link: Link, ref: Any) -> str:
        if not link.remove:
            raise GraphError(0, "notWritable", f"{link.name} cannot be removed from (no remove template)")
        method, path = _fill(link.remove, id=owner, ref=str(ref))
        try:
            await self.client.request(method, path, version=rt.api_version, serialize=rt.serialized)
        except GraphError as exc:
            if exc.status == 404:
                return "already absent"
            raise
        return ""


async def apply_plan(client: Any, plan: Plan, *, dry_run: bool = False, password_file: str | Path | None = None,
                     on_event: EventHandler | None = None, recheck: Recheck | None = None,
                     concurrency: int | None = None, new_ids: dict[str, dict[str, Any]] | None = None,
                     follow_up: Recheck | None = None) -> ApplyResult:
    """Execute ``plan`` through ``client`` (a :class:`entragit.graph.GraphClient`).

    ``on_event(outcome)`` is called as each change ends (the line of that change). ``password_file``
    receives generated passwords (mode 0600); a plan that must generate one fails that change without it.
    ``follow_up(new_ids)``, when given and a restore succeeded, returns the link changes still needed once
    the restores ran (see :func:`run_apply`); they are executed and reported with ``follow_up``.
    ``recheck(new_ids)``, when given, returns the plan computed again after the apply: its writes are the
    residual drift. ``new_ids`` seeds (and receives) the new ids of created objects.
    """
    started = time.monotonic()
    stats = getattr(client, "stats", None)
    before = stats.snapshot() if stats is not None else None
    values: dict[str, dict[str, Any]] = new_ids if new_ids is not None else {}
    applier = _Applier(client, plan, dry_run=dry_run, password_file=password_file, on_event=on_event,
                       concurrency=concurrency, new_values=values)
    outcomes = await applier.run()
    result = ApplyResult(plan, outcomes, values, dry_run=dry_run,
                         password_file=str(password_file) if password_file is not None else None)
    restored = any(o.status == OK and o.change.kind is Kind.RESTORE for o in outcomes)
    spans = [(before, stats.snapshot())] if stats is not None else []
    second: _Applier | None = None
    if not dry_run and restored and follow_up is not None:
        more = await follow_up(values)
        if more.changes:
            start = stats.snapshot() if stats is not None else None
            second = _Applier(client, more, dry_run=False, password_file=password_file, on_event=on_event,
                              concurrency=concurrency, new_values=values, follow_up=True)
            result.outcomes += await second.run()
            if stats is not None:
                spans.append((start, stats.snapshot()))
    # the requests of the writes themselves (their lookups and link re-reads included), not of the re-reads
    result.stats = _stats_of(spans)
    result.stats["rerun"] = applier.throttled_rounds + (second.throttled_rounds if second is not None else 0)
    result.seconds = time.monotonic() - started
    if not dry_run and recheck is not None:
        result.residual = await recheck(values)
    return result


def _stats_of(spans: list[tuple[Any, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {"requests": 0, "writes": 0, "throttled": 0, "retries": 0, "waited": 0.0, "gated": 0.0}
    for before, after in spans:
        out["gated"] = round(out["gated"] + getattr(after, "gated", 0.0) - getattr(before, "gated", 0.0), 3)
        out["requests"] += after.requests - before.requests
        out["writes"] += sum(after.by_method.get(m, 0) - before.by_method.get(m, 0)
                             for m in ("POST", "PATCH", "PUT", "DELETE"))
        out["throttled"] += after.throttled - before.throttled
        out["retries"] += after.retries - before.retries
        out["waited"] = round(out["waited"] + after.waited - before.waited, 3)
    return out


# ---------------------------------------------------------------------------------------------- the whole apply
@dataclass
class ApplyRequest:
    """What ``entragit apply`` was asked (the command's options)."""

    scope_from: str | None = None
    types: tuple[str, ...] = ()
    ids: tuple[str, ...] = ()
    checksum: str | None = None
    recreate: tuple[str, ...] = ()
    password_file: Path | None = None
    force: str | None = None
    dry_run: bool = False
    allow_delete: bool = False


def known_ids(repo: str | Path) -> dict[str, dict[str, Any]]:
    """The new ids earlier applies gave recreated objects (``newIds`` of every apply outcome recorded in the
    repository's notes, oldest first): ``{"<type>/<old id>": {"id": new id, "appId": ...}}``. A second apply
    (and a plan) before the next backup matches the desired objects to them instead of recreating again."""
    from entragit.backups import NOTES_REF, git_result, note_lines, open_repo

    r = open_repo(repo)
    status, out, _ = git_result(r, "notes", f"--ref={NOTES_REF}", "list")
    if status != 0:
        return {}
    records: list[dict[str, Any]] = []
    for line in out.splitlines():
        parts = line.split()
        if len(parts) != 2:
            continue
        st, text, _ = git_result(r, "cat-file", "blob", parts[0])
        if st == 0:
            records += [rec for rec in note_lines(text) if isinstance(rec.get("newIds"), dict)]
    found: dict[str, dict[str, Any]] = {}
    for rec in sorted(records, key=lambda rec: str(rec.get("at", ""))):
        for token, values in rec["newIds"].items():
            if isinstance(values, dict) and values.get("id"):
                found[str(token)] = dict(values)
    return found


def check_checksum(plan: Plan, expected: str | None) -> None:
    """Refuse (exit 3) when the plan's checksum is not the reviewed one. A prefix of at least 12 hex digits
    is accepted (as a pull request may show it shortened)."""
    if not expected:
        return
    given = expected.strip().lower()
    if len(given) < 12 or any(c not in "0123456789abcdef" for c in given):
        raise UsageError(f"--checksum {expected!r}: expected the plan's sha256 checksum (at least 12 hex digits)")
    if not plan.checksum.startswith(given):
        raise RefusedError(f"the plan changed since it was reviewed: checksum {plan.checksum} differs from the "
                           f"reviewed {given} (the tenant or tenant-state/ changed); review the new plan "
                           "(entragit plan) and apply with its checksum")


def check_range_head(repo: str | Path, rev_range: str) -> str:
    """The head commit of ``A..B`` (sha); refuses when it is a backup commit (its ``Entragit-Backup``
    trailer): a backup records the tenant, there is nothing to apply, and applying it would undo a recovery."""
    from entragit.backups import TRAILER, git_result, is_backup_commit, open_repo
    from entragit.plan.scope import parse_range

    r = open_repo(repo)
    _, head = parse_range(rev_range)
    status, out, err = git_result(r, "rev-parse", "--verify", "--quiet", f"{head}^{{commit}}")
    if status != 0 or not out.strip():
        raise UsageError(f"--scope-from {rev_range!r}: no such commit {head!r}")
    sha = out.strip()
    if is_backup_commit(r, sha):
        raise RefusedError(f"{head} ({sha[:12]}) is a backup commit ({TRAILER} trailer): it records the tenant, "
                           "there is nothing to apply")
    return sha


def resolve_range(repo: str | Path, rev_range: str) -> str:
    """``A..B`` with both ends as commit shas (an outcome's range must not move with HEAD or a branch)."""
    from entragit.backups import git_result, open_repo
    from entragit.plan.scope import parse_range

    r = open_repo(repo)
    ends = []
    for rev in parse_range(rev_range):
        status, out, _ = git_result(r, "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}")
        if status != 0 or not out.strip():
            raise UsageError(f"--scope-from {rev_range!r}: no such commit {rev!r}")
        ends.append(out.strip())
    return f"{ends[0]}..{ends[1]}"


def check_worktree_matches(repo: str | Path, rev: str) -> None:
    """The desired state is read from the working tree: it must be what ``rev`` holds in tenant-state/."""
    from entragit.backups import STATE_DIR, git_result, open_repo

    r = open_repo(repo)
    status, out, err = git_result(r, "status", "--porcelain", "--untracked-files=all", "--", STATE_DIR)
    diff_status, _, _ = git_result(r, "diff", "--quiet", rev, "--", STATE_DIR)
    if out.strip() or diff_status != 0:
        raise UsageError(f"tenant-state/ in the working tree is not what {rev} holds: check out {rev} (with no "
                         "local changes under tenant-state/) before applying its range")


async def run_apply(repo: str | Path, client: Any, request: ApplyRequest, *, settings: Any = None,
                    on_event: EventHandler | None = None,
                    confirm: Callable[[Plan], bool] | None = None,
                    on_plan: Callable[[Plan], None] | None = None) -> ApplyResult:
    """``entragit apply``: validate ``tenant-state/`` (exit 2, no Graph write), compute the plan over the scope
    (``--scope-from``, types, ids) against the live tenant, refuse a checksum that differs (exit 3) or a
    tripped safety rail (exit 3, unless forced), ask ``confirm(plan)`` (False: nothing is written, the
    result is a dry run), apply, follow restores up, re-read and recompute (residual drift)."""
    from entragit.plan.live import prepare
    from entragit.plan.scope import Scope, scope_from_range
    from entragit.settings import load_settings

    repo = Path(repo)
    settings = settings or load_settings(None, repo=repo)
    if request.force is not None and not request.force.strip():
        raise UsageError("--force needs a reason")
    if request.scope_from:
        head = check_range_head(repo, request.scope_from)
        check_worktree_matches(repo, head)
        scope = scope_from_range(repo, request.scope_from, types=request.types, ids=request.ids)
    else:
        scope = Scope.of(request.types, request.ids)
    # the same preparation and computation as `entragit plan` (same plan, same checksum): the whole tree
    # validated, ids checked, the new ids of earlier applies (the notes) known, before any Graph request
    planning = prepare(settings, scope=scope, recreate=request.recreate, allow_delete=request.allow_delete,
                       force=request.force, state_dir=repo / "tenant-state")
    plan = await planning.plan(client)
    check_checksum(plan, request.checksum)
    if on_plan is not None:
        on_plan(plan)
    # no write before a generated password has somewhere to go (users are created only with --recreate)
    needs_secret = [c for c in plan.writes if c.generate]
    if needs_secret and request.password_file is None and not request.dry_run:
        names = ", ".join(f"{c.type}/{c.id}" for c in needs_secret[:5])
        raise UsageError(f"the plan creates {len(needs_secret)} object(s) with a generated password ({names}): "
                         "pass --password-file F (the only place the password is written)")
    dry_run = request.dry_run
    if not dry_run and plan.writes and confirm is not None and not confirm(plan):
        raise Canceled("apply canceled: nothing was written")

    async def replan(new_ids: dict[str, dict[str, Any]]) -> Plan:
        return await planning.plan(client, new_ids=new_ids, safety=False)

    restored_ids = {c.id for c in plan.changes if c.kind is Kind.RESTORE}

    async def follow_up(new_ids: dict[str, dict[str, Any]]) -> Plan:
        again = await replan(new_ids)
        wanted = [c for c in again.writes if c.link is not None and
                  (c.id in restored_ids or _mentions((c.target, c.ref), restored_ids))]
        return Plan(changes=wanted, scope=again.scope)

    result = await apply_plan(client, plan, dry_run=dry_run, password_file=request.password_file,
                              on_event=on_event, recheck=None if dry_run else replan,
                              follow_up=follow_up, new_ids={})
    return result


def _mentions(value: Any, ids: set[str]) -> bool:
    """Whether ``value`` holds one of ``ids`` (as a string anywhere inside)."""
    if isinstance(value, str):
        return value in ids
    if isinstance(value, dict):
        return any(_mentions(v, ids) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(_mentions(v, ids) for v in value)
    return False


def record_outcome(repo: str | Path, commit: str, result: ApplyResult | None, *, rev_range: str | None = None,
                   error: EntragitError | None = None, scope: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Record the apply's outcome on ``commit`` (a git note, :func:`entragit.backups.record_apply_outcome`):
    ``applied`` / ``failed`` / ``drift`` (or ``refused``, ``partial`` for an apply narrowed by type or id), the
    counts, the plan checksum and the new ids of recreated objects. An apply that leaves new identities of the
    change uncreated (they wait for ``--recreate``) is ``partial`` too, naming them: the merged change stays
    listed by ``entragit backup`` until an apply creates them. Never a password."""
    from entragit.backups import record_apply_outcome

    outcome: dict[str, Any] = {}
    if result is not None:
        status = result.status
        error_text = str(result.error()) if result.error() is not None else ""
        if status == "applied" and scope and (scope.get("types") or scope.get("ids")):
            status = "partial"       # done for what was asked, not for the whole commit
        if status == "applied" and result.waiting:
            status = "partial"       # new identities of the change wait for --recreate: not all in the tenant
            error_text = (f"{len(result.waiting)} new identit{'y' if len(result.waiting) == 1 else 'ies'} not "
                          "created: " + ", ".join(f"{c.type}/{c.id} ({c.option})" for c in result.waiting[:5])
                          + (" ..." if len(result.waiting) > 5 else ""))
        outcome = {"status": status, "checksum": result.plan.checksum, "counts": result.counts(),
                   "changes": len(result.plan.writes), "drift": len(result.drift)}
        if result.new_ids:
            outcome["newIds"] = result.new_ids
        if error_text:
            outcome["error"] = error_text
    elif error is not None:
        outcome = {"status": "refused" if isinstance(error, RefusedError) else "failed", "error": str(error)}
    if rev_range:
        outcome["range"] = rev_range
    if scope:
        outcome["scope"] = dict(scope)
    return record_apply_outcome(repo, commit, outcome)
