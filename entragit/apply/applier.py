"""The applier's scheduler: every change runs as soon as what it waits for is done, up to the client's
concurrency; a change still throttled after the client's retries runs again after Graph's Retry-After.
See the package docstring (:mod:`entragit.apply`)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from entragit import resources
from entragit.apply.common import THROTTLED_ROUNDS, _short_error
from entragit.apply.creates import _CreateWrites
from entragit.apply.links import _LinkWrites
from entragit.apply.objects import _ObjectWrites
from entragit.apply.outcome import DRY_RUN, FAILED, OK, SKIPPED, ApplyResult, EventHandler, Outcome
from entragit.errors import GraphError
from entragit.graph.errors import replication_pending
from entragit.graph.retry import retry_after
from entragit.plan.model import Change, Kind, Plan
from entragit.plan.placeholders import Unresolved, substitute

Recheck = Callable[[dict[str, dict[str, Any]]], Awaitable[Plan]]
# Records the new ids made so far where a re-run on any clone finds them (the apply's git note, pushed),
# before the changes that run only once they are recorded (``Change.after_record``: unmarking created objects)
Checkpoint = Callable[[dict[str, dict[str, Any]]], Awaitable[None]]


# ---------------------------------------------------------------------------------------------- the run
class _Applier(_ObjectWrites, _CreateWrites, _LinkWrites):
    def __init__(self, client: Any, plan: Plan, *, dry_run: bool, password_file: str | Path | None,
                 on_event: EventHandler | None, concurrency: int | None, new_values: dict[str, dict[str, Any]],
                 follow_up: bool = False, checkpoint: Checkpoint | None = None) -> None:
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
        self.settled = 0  # writes tried again after a "not replicated yet" answer
        self.link_locks: dict[tuple[str, str, str], asyncio.Lock] = {}
        self.checkpoint = checkpoint
        self.checkpointed: dict[str, dict[str, Any]] | None = None
        self.checkpoint_lock = asyncio.Lock()

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
            if c.after_record and prefixes["changes"] and ("changes", len(prefixes["changes"])) not in gates:
                gates.append(("changes", len(prefixes["changes"])))  # every new id made before it is recorded
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
                elif change.after_record and not await self._record():
                    outcome = Outcome(change, FAILED, "the new ids could not be recorded first (see the warning)")
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

    async def _record(self) -> bool:
        """Record the new ids made so far (once per new set) before a change that needs them recorded."""
        if self.dry_run or self.checkpoint is None:
            return True
        async with self.checkpoint_lock:
            if self.checkpointed != self.new_values:
                snapshot = {k: dict(v) for k, v in self.new_values.items()}
                try:
                    await self.checkpoint(snapshot)
                except Exception:  # noqa: BLE001 - reported by the caller's checkpoint; the change waits
                    return False
                self.checkpointed = snapshot
        return True

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
            if change.provides:  # what the create would give, for the changes that use it
                self.new_values[change.provides] = {k: f"(new {k} of {change.provides})" for k in
                                                    {"id", *change.remap}}
            return Outcome(change, DRY_RUN, "not written (--dry-run)")
        throttled = settled = 0
        spent = 0.0
        while True:
            try:
                outcome = await self._write(change, rt, address, body, target, ref)
                outcome.tries = settled + 1
                return outcome
            except GraphError as exc:
                if exc.status == 429 and throttled < THROTTLED_ROUNDS - 1:
                    # still throttled after the client's retries: Graph refused the request unexecuted, so the
                    # change runs again after Graph's Retry-After (what it already did is looked up first)
                    throttled += 1
                    self.throttled_rounds += 1
                    await asyncio.sleep(retry_after(exc.headers) or float(throttled))
                    continue
                if self._pending(change, exc):
                    # eventual consistency: what this change needs was written a moment ago (by this run, or
                    # by an interrupted one) and is not replicated yet; tried again within the client's budget
                    waited = await self.client.settle(settled + 1, spent)
                    if waited is not None:
                        settled += 1
                        self.settled += 1
                        spent += waited
                        continue
                if exc.status == 403 and change.needs:
                    return Outcome(change, FAILED, f"permission gap: this write needs {change.needs}; "
                                                   f"{_short_error(exc)}")
                return Outcome(change, FAILED, _short_error(exc))

    def _pending(self, change: Change, exc: GraphError) -> bool:
        """Whether ``exc`` may only mean "not replicated yet" for this change (a 404 of a delete, or of a link
        removal, means "already gone" and never gets here)."""
        return replication_pending(exc) is not None and change.kind is not Kind.DELETE

    async def _write(self, change: Change, rt: Any, address: Any, body: Any, target: Any, ref: Any) -> Outcome:
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


async def apply_plan(client: Any, plan: Plan, *, dry_run: bool = False, password_file: str | Path | None = None,
                     on_event: EventHandler | None = None, recheck: Recheck | None = None,
                     concurrency: int | None = None, new_ids: dict[str, dict[str, Any]] | None = None,
                     follow_up: Recheck | None = None, checkpoint: Checkpoint | None = None) -> ApplyResult:
    """Execute ``plan`` through ``client`` (a :class:`entragit.graph.GraphClient`).

    ``on_event(outcome)`` is called as each change ends (the line of that change). ``password_file``
    receives generated passwords (mode 0600); a plan that must generate one fails that change without it.
    ``follow_up(new_ids)``, when given and a restore succeeded, returns the link changes still needed once
    the restores ran (see :func:`run_apply`); they are executed and reported with ``follow_up``.
    ``recheck(new_ids)``, when given, returns the plan computed again after the apply: its writes are the
    residual drift. ``new_ids`` seeds (and receives) the new ids of created objects. ``checkpoint(new_ids)``
    records them before the changes marked ``after_record`` run (the unmarking of created objects).
    """
    started = time.monotonic()
    stats = getattr(client, "stats", None)
    before = stats.snapshot() if stats is not None else None
    values: dict[str, dict[str, Any]] = new_ids if new_ids is not None else {}
    # a dry run stands in for the ids creates would give (so that what uses them is predicted, not skipped)
    applier = _Applier(client, plan, dry_run=dry_run, password_file=password_file, on_event=on_event,
                       concurrency=concurrency, new_values=dict(values) if dry_run else values,
                       checkpoint=checkpoint)
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
    result.stats["settled"] = applier.settled + (second.settled if second is not None else 0)
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
