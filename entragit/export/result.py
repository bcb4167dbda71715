"""What an export did: per-type counts, files changed, Graph cost, time; and the error that aborts one."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from entragit.errors import EntragitError, GraphError
from entragit.state.tree import WriteResult


@dataclass
class TypeStats:
    """What the export did for one type."""

    key: str
    objects: int = 0  # objects read from Graph (and handed to the writer)
    written: int = 0  # objects the writer has compared/staged so far
    link_reads: int = 0  # per-object link reads (links not served by a listing)
    state: str = "waiting"  # waiting | reading | done
    added: int = 0
    changed: int = 0
    removed: int = 0


@dataclass
class ExportResult:
    """The outcome of one export: per-type counts, files changed, Graph cost, time."""

    out_dir: Path
    types: dict[str, TypeStats]
    write: WriteResult
    requests: int
    resource_units: float
    seconds: float
    cpu_seconds: float
    tenant_id: str | None = None
    extension_attributes: dict[str, tuple[str, ...]] = field(default_factory=dict)  # type key -> names
    notes: list[str] = field(default_factory=list)  # cheaper read shapes Graph refused (fell back per object)
    # --- additive (delta, issue 14)
    graph_requests: int = 0          # Graph requests (a $batch counts as the requests it carries)
    in_flight: float = 0.0           # Graph requests in flight on average
    throttled: int = 0               # 429 answers met (and waited out)
    mode: str = "full"               # "full" | "incremental"
    fallback: str | None = None      # why a full export ran where an incremental one was asked for
    delta_links: dict[str, dict[str, Any]] = field(default_factory=dict)  # type key -> deltaLink, select
    definitions: list[dict[str, Any]] = field(default_factory=list)       # extension definitions found
    started_at: Any = None           # Graph's time when the export began (a datetime, None if unknown)
    delta_state: dict[str, Any] | None = None  # what the next incremental export continues from
    rereads: int = 0                 # incremental: links read again (new objects, audit entries, gone refs)
    audit_entries: int = 0           # incremental: directory audit entries read

    @property
    def counts(self) -> dict[str, int]:
        return {key: stats.objects for key, stats in self.types.items()}

    @property
    def objects(self) -> int:
        return sum(self.counts.values())

    @property
    def files_changed(self) -> int:
        return len(self.write.added) + len(self.write.changed) + len(self.write.removed)

    def to_dict(self) -> dict[str, Any]:
        return {"outDir": str(self.out_dir), "tenantId": self.tenant_id, "objects": self.counts,
                "added": len(self.write.added), "changed": len(self.write.changed),
                "removed": len(self.write.removed), "filesChanged": self.files_changed,
                "requests": self.requests, "graphRequests": self.graph_requests,
                "resourceUnits": self.resource_units, "seconds": round(self.seconds, 3),
                "extensionAttributes": self.extension_attributes, "mode": self.mode, "fallback": self.fallback}

    def summary(self) -> str:
        """The closing summary: objects and files per type, then Graph requests, resource units and time."""
        width = max([len("type"), *(len(k) for k in self.types)])
        lines = [f"{'type':<{width}}  {'objects':>8}  {'added':>6}  {'changed':>7}  {'removed':>7}"]
        for key, st in self.types.items():
            lines.append(f"{key:<{width}}  {st.objects:>8,}  {st.added:>6,}  {st.changed:>7,}  {st.removed:>7,}")
        lines.append(f"{'total':<{width}}  {self.objects:>8,}  {len(self.write.added):>6,}  "
                     f"{len(self.write.changed):>7,}  {len(self.write.removed):>7,}")
        files = "no files changed" if not self.files_changed else f"{self.files_changed:,} files changed"
        how = "incremental export" if self.mode == "incremental" else "full export"
        if self.fallback:
            how += f" ({self.fallback})"
        lines.append(f"{files} in {self.out_dir}; {how}: {self.graph_requests or self.requests:,} Graph requests, "
                     f"{self.resource_units:,.0f} resource units, {self.seconds:.1f} s")
        return "\n".join(lines)


class ExportError(EntragitError):
    """A Graph error (after the client's retries) while exporting; the tree on disk is unchanged.

    ``type_key`` and ``obj`` name what was being read; ``graph_error`` is the error Graph answered.
    """

    def __init__(self, message: str, *, type_key: str, obj: str | None = None,
                 graph_error: GraphError | None = None) -> None:
        self.type_key, self.graph_error = type_key, graph_error
        super().__init__(f"{type_key}: {message}; nothing was written", obj=obj)
