"""The Graph-compatible tenant emulator (shaped like moto).

    from entragit.emulator import Emulator
    emu = Emulator(seed="demo")          # or "empty", a Path to a JSON/YAML seed, a seed dict
    emu.app       # the ASGI app: Graph under /v1.0 and /beta, the control plane under /_emulator
    emu.backend   # the tenant backend (entragit.emulator.backend.Tenant): Graph verbs as Python methods
    emu.clock     # settable clock: emu.clock.now(), emu.clock.advance(days=..., seconds=...)

In-process, point an httpx client at ``emu.app`` through ``httpx.ASGITransport`` (``emu.transport()``) with
base URL ``http://testserver``; served, ``entragit emulator serve`` runs the same app under uvicorn.
Quotas are off by default in-process and on when served.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from entragit.emulator.backend import ListQuery, Tenant
from entragit.emulator.limits import Clock, Counters, Faults, Limiter
from entragit.emulator.schema import evolvable_types

__all__ = ["Emulator", "ListQuery", "Tenant", "resolve_seed"]

SeedSpec = str | Path | dict[str, Any] | None


def resolve_seed(seed: SeedSpec) -> dict[str, Any]:
    """A seed dict from a name ("demo", "empty", "scale:..."), a path or a dict (validated).

    A dict is copied object by object (the backend never changes a stored object's nested values in place),
    so the caller's seed stays untouched; this is much faster than a deep copy of a 100k-user seed.
    """
    from entragit.emulator import seeds

    if seed is None:
        return seeds.empty_seed()
    if isinstance(seed, dict):
        copied: dict[str, Any] = {}
        for key, value in seed.items():
            if isinstance(value, list):
                copied[key] = [dict(item) if isinstance(item, dict) else item for item in value]
            else:
                copied[key] = copy.deepcopy(value)
        return seeds.seed_from_mapping(copied)
    return seeds.get_seed(seed)


class Emulator:
    """One emulated tenant with its ASGI app, clock, throttling, faults and counters."""

    url = "http://testserver"  # the in-process base URL (httpx ASGITransport)

    def __init__(self, seed: SeedSpec = "demo", random_seed: int = 0, latency_ms: float = 0,
                 fault_rate: float = 0.0, throttle_every: int = 0, quotas: bool = False, *,
                 drop_rate: float = 0.0, clock: Clock | None = None, permissions: Any = None,
                 replication: dict[str, Any] | None = None) -> None:
        from entragit.emulator.audit import AuditLog
        from entragit.emulator.permissions import Permissions, parse_granted
        from entragit.emulator.replication import Replication

        self.clock = clock or Clock()
        # the calling app's application permissions (None: all), replication lag (off), the audit log
        self.permissions = Permissions(parse_granted(permissions))
        self.replication = Replication(self.clock)
        if replication:
            self.replication.configure(**replication)
        self.audit = AuditLog(self.clock)
        self.random_seed = random_seed
        self.counters = Counters(self.clock)
        self.backend = Tenant(self.clock, random_seed)
        # Graph's identity throttling limits go by the tenant's size: its number of users (the type declared
        # ``tenant_size``)
        sizing = [rt.key for rt in self.backend.registry if rt.tenant_size]
        self.limiter = Limiter(self.clock, user_count=lambda: sum(len(self.backend.collections[k]) for k in sizing),
                               enabled=quotas)
        self.faults = Faults(random_seed=random_seed, latency_ms=latency_ms, fault_rate=fault_rate,
                             throttle_every=throttle_every, drop_rate=drop_rate, clock=self.clock)
        self.seed: SeedSpec = seed
        # Graph's metadata is parsed once per process (~0.2 s): here, not inside the first request's timing
        evolvable_types()
        self._load(seed)
        from entragit.emulator.app import GraphApp

        self.app = GraphApp(self)

    def _load(self, seed: SeedSpec) -> None:
        data = resolve_seed(seed)
        self.backend.reset()
        self.backend.load_seed(data)
        self.replication.reset()
        self.audit.reset()

    def reset(self, seed: SeedSpec = None) -> None:
        """Empty the tenant and load ``seed`` (default: the current one); counters, buckets, the fault
        sequence, pending replication and the audit log restart. The clock and the knobs (granted
        permissions, replication lag, audit delay) are left as they are."""
        if seed is not None:
            self.seed = seed
        self._load(self.seed)
        self.counters.reset()
        self.limiter.reset()
        self.faults.reset()

    def transport(self) -> Any:
        """An ``httpx.ASGITransport`` calling this emulator in-process."""
        import httpx

        return httpx.ASGITransport(app=self.app)

    def __repr__(self) -> str:
        return f"Emulator(tenant={self.backend.tenant_id!r}, objects={sum(self.backend.counts().values())})"
