"""What an apply did: a line per change (:class:`Outcome`) and the whole run (:class:`ApplyResult`)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from entragit.errors import DriftError, EntragitError, PartialFailure
from entragit.markdown import plural, printable
from entragit.plan.model import Change, Kind, Plan

OK, FAILED, SKIPPED, DRY_RUN = "ok", "failed", "skipped", "dry-run"

EventHandler = Callable[["Outcome"], None]


# ---------------------------------------------------------------------------------------------- results
@dataclass
class Outcome:
    """What happened to one change: ``status`` ok | failed | skipped | dry-run, and a message."""

    change: Change
    status: str
    message: str = ""
    new_id: str | None = None
    follow_up: bool = False  # planned after the restores ran (links of restored objects)
    tries: int = 1  # writes sent: more than one when Graph answered "not replicated yet" (applier._execute)

    @property
    def ok(self) -> bool:
        return self.status in (OK, DRY_RUN)

    @property
    def retried(self) -> str:
        """The note of a write tried again while what it needs replicated ("" when written at once)."""
        return f"tried {self.tries} times: not replicated yet" if self.tries > 1 else ""

    @property
    def text(self) -> str:
        """The result as the operator reads it: the message, then the retry note."""
        return ", ".join(m for m in (self.message, self.retried) if m)

    def line(self, names: Any = None, *, what: str | None = None, retried: str | None = None) -> str:
        """One line for the operator: status, kind, object, what (``what``: in place of the change's own, for a
        row of several, :func:`outcome_lines`), result (``names``: the plan's, ids to names; ``retried``: in
        place of the retry note, for a row of several)."""
        from entragit.plan.render import describe

        c = self.change
        name = f" {c.display_name!r}" if c.display_name and c.display_name != c.id else ""
        if what is None:
            what = describe(c, 70, names) if c.kind is not Kind.SKIP else ""
        if c.kind is Kind.SKIP:
            what = (", ".join(p.path for p in c.properties) or (f"{c.link} {c.item}" if c.link else "")).strip()
        result = ", ".join(m for m in (self.message, self.retried if retried is None else retried) if m)
        status = f"failed: {result}" if self.status == FAILED else self.status
        text = f"{status:<8} {c.kind.value:<11} {c.type}/{c.id}{name}"
        if what:
            text += f" {what}"
        if self.status != FAILED and result:
            text += f": {result}"
        if self.follow_up:
            text += " [after restore]"
        return printable(text)

    def to_json(self) -> dict[str, Any]:
        c = self.change
        out: dict[str, Any] = {"key": c.key, "kind": c.kind.value, "type": c.type, "id": c.id,
                               "displayName": c.display_name, "status": self.status, "message": self.text}
        if c.link:
            out["link"] = c.link
            out["item"] = c.item
        if c.properties:
            out["properties"] = [p.path for p in c.properties]
        if self.new_id:
            out["newId"] = self.new_id
        if self.follow_up:
            out["followUp"] = True
        if self.tries > 1:
            out["tries"] = self.tries
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
        """Outcomes of the plan's changes by status: they add up to the number of planned changes (writes and
        skips). A dry run counts what would be written as ``dry-run``: its counts predict apply's (``dry-run``
        for ``ok``, the same ``skipped``). The link changes planned after the restores ran are counted apart
        (:meth:`follow_up_counts`)."""
        return self._count([o for o in self.outcomes if not o.follow_up])

    def follow_up_counts(self) -> dict[str, int]:
        """The same for the link changes planned after the restores ran (``[after restore]``)."""
        return self._count([o for o in self.outcomes if o.follow_up])

    def _count(self, outcomes: list[Outcome]) -> dict[str, int]:
        out = {OK: 0, FAILED: 0, SKIPPED: 0}
        if self.dry_run:
            out[DRY_RUN] = 0
        for o in outcomes:
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
            return DriftError(f"residual drift: {plural(len(self.drift), 'change')} still planned after the apply")
        return None

    def summary(self) -> str:
        counts = self.counts()
        planned, writes = len(self.plan.changes), len(self.plan.writes)
        shown = {**counts}
        if self.dry_run:
            shown = {"would be written": counts.get(DRY_RUN, 0), FAILED: counts[FAILED], SKIPPED: counts[SKIPPED]}
        parts = [f"{n} {k}" for k, n in shown.items() if n or k in (OK, "would be written", SKIPPED)]
        text = (f"{plural(planned, 'planned change')} ({writes} to write, {planned - writes} skipped by the plan): "
                + ", ".join(parts))
        follow = self.follow_up_counts()
        if sum(follow.values()):
            text += "; after the restores: " + ", ".join(f"{n} {k}" for k, n in follow.items() if n)
        st = self.stats
        if st:
            text += (f"; {st.get('requests', 0)} requests ({st.get('writes', 0)} writes), "
                     f"{st.get('throttled', 0)} throttled (429) and retried, {self.seconds:.1f}s")
            if st.get("settled"):
                text += f", {st['settled']} tried again (not replicated yet)"
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
            "checksum": self.plan.checksum, "counts": self.counts(), "followUpCounts": self.follow_up_counts(),
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
        out = outcome_lines(self.outcomes, self.plan.names) if lines else []
        out += [f"warning: {w}" for w in self.plan.warnings]
        for c in self.drift:
            from entragit.plan.render import describe

            out.append(f"drift    {c.kind.value:<11} {c.type}/{c.id} {describe(c, 70)}")
        out.append(self.summary())
        return printable("\n".join(out) + "\n")


# ---------------------------------------------------------------------------------------------- lines as the plan reads
# The link changes of one object and link that ended the same way share one line (``ok  link-add  groups/...
# 'Sales Team' members += Owen Price, Brian Johnson (2) (checked after the restore): already present: the restore
# brought it back``), as the plan groups them (entragit.plan.render_common.rows); a failure keeps its own line.
# Writes of the row tried again while what they need replicated are counted on it ("1 of 6 tried again ...").
def joins(first: Outcome, outcome: Outcome) -> bool:
    """Whether ``outcome`` is shown on ``first``'s line: a link change of the same row, ended the same way
    (how many tries each took apart)."""
    from entragit.plan.render_common import same_row

    return (first.status != FAILED and same_row(first.change, outcome.change)
            and (first.status, first.message, first.follow_up) == (outcome.status, outcome.message, outcome.follow_up))


def row_line(row: list[Outcome], names: Any = None) -> str:
    """One line for outcomes that :func:`joins` put together."""
    from entragit.plan.render_common import row_text

    if len(row) == 1:
        return row[0].line(names)
    tried = sum(o.tries > 1 for o in row)
    retried = f"{tried} of {len(row)} tried again (not replicated yet)" if tried else ""
    return row[0].line(names, what=row_text([o.change for o in row], 70, names), retried=retried)


def outcome_lines(outcomes: Iterable[Outcome], names: Any = None) -> list[str]:
    """A line per row of outcomes (:func:`joins`)."""
    rows: list[list[Outcome]] = []
    for o in outcomes:
        if rows and joins(rows[-1][0], o):
            rows[-1].append(o)
        else:
            rows.append([o])
    return [row_line(row, names) for row in rows]


class LinePrinter:
    """Prints outcomes as they arrive, a row per line (``emit(line)``): a row is printed when the next outcome
    does not join it, or at :meth:`flush`."""

    def __init__(self, emit: Callable[[str], None], names: Any = None) -> None:
        self.emit, self.names = emit, names
        self._row: list[Outcome] = []

    def add(self, outcome: Outcome) -> None:
        if self._row and not joins(self._row[0], outcome):
            self.flush()
        self._row.append(outcome)

    def flush(self) -> None:
        if self._row:
            row, self._row = self._row, []
            self.emit(row_line(row, self.names))
