"""Full export against the emulator: Graph requests and resource units vs the F1 model, time, CPU, memory.

    .venv/bin/python bench/export.py                       # 10k and 100k users in-process, 10k with 50 ms
    .venv/bin/python bench/export.py --users 10000 --latency-ms 0 50
    .venv/bin/python bench/export.py --served --users 100000   # the emulator in its own process

Each run builds ``scale_seed(users=N)`` (one group per 50 users with 20 members, a 5,000-member group that
includes service principals, 20 applications), exports it into a fresh tree, then exports again (nothing
changed: zero files written). Printed per run:

- the tenant's counts N / M / L / A / SP and the model of ../shared/reference/performance.md B6 (strategy F1,
  P = 30 policy requests as there): requests = ⌈N/999⌉+⌈M/999⌉+⌈A/999⌉+⌈SP/999⌉+P+(M+⌈L/999⌉),
  RU = list pages + P + 2·(M+⌈L/999⌉); the export's requests and resource units (x-ms-resource-unit) and
  their ratio to the model (target ≤ 1.5);
- wall time, process CPU, and the CPU spent serializing (normalize + canonical YAML dump) per object (target
  ≤ 250 µs); in-process the process CPU includes the emulator serving the pages;
- peak RSS (getrusage) and its growth during the export (target ≤ 500 MB at 100k users for the exporter; the
  in-process emulator's tenant is counted in the peak, ``--served`` measures the exporter alone).
Targets: issue 3 "Must show" and performance.md G6/G7.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import entragit.export as export_mod
import entragit.export.reader as reader_mod
import entragit.state.tree as tree_mod
from entragit.emulator import Emulator
from entragit.emulator.seeds import scale_seed
from entragit.graph import GraphClient

P_MODEL = 30  # "P ≈ 30 small policy endpoints" (performance.md B6)


def seed_args(users: int) -> dict[str, int]:
    return {"users": users, "big_group_members": min(5000, users // 2), "sp_members_in_big_group": 10,
            "applications": 20}


def counts(seed: dict[str, Any]) -> dict[str, int]:
    return {"N": len(seed["users"]), "M": len(seed["groups"]),
            "L": sum(len(g.get("members") or ()) for g in seed["groups"]),
            "A": len(seed["applications"]), "SP": len(seed["servicePrincipals"])}


def model(c: dict[str, int]) -> tuple[int, int]:
    pages = sum(math.ceil(c[k] / 999) for k in ("N", "M", "A", "SP"))
    members = c["M"] + math.ceil(c["L"] / 999)
    return pages + P_MODEL + members, pages + P_MODEL + 2 * members


def rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS"):
                return int(line.split()[1]) / 1024
    return 0.0


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class SerializeTimer:
    """Thread CPU spent in normalize (event loop) and dump_yaml (writer thread), by patching the names the
    exporter and the tree writer call."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self._norm, self._dump = reader_mod.normalize, tree_mod.dump_yaml

    def _timed(self, fn: Any) -> Any:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            start = time.thread_time()
            try:
                return fn(*args, **kwargs)
            finally:
                self.seconds += time.thread_time() - start
        return wrapper

    def __enter__(self) -> SerializeTimer:
        reader_mod.normalize = self._timed(self._norm)
        tree_mod.dump_yaml = self._timed(self._dump)
        return self

    def __exit__(self, *exc: object) -> None:
        reader_mod.normalize, tree_mod.dump_yaml = self._norm, self._dump


Run = tuple[export_mod.ExportResult, float, float, float, float]  # result, wall, cpu, system cpu, serialize


async def export_once(client: GraphClient, out: Path) -> Run:
    with SerializeTimer() as timer:
        start, cpu, sys0 = time.monotonic(), time.process_time(), resource.getrusage(resource.RUSAGE_SELF).ru_stime
        result = await export_mod.export_tree_async(client, out)
        wall, cpu = time.monotonic() - start, time.process_time() - cpu
        system = resource.getrusage(resource.RUSAGE_SELF).ru_stime - sys0
    return result, wall, cpu, system, timer.seconds


async def export_twice(client: GraphClient, out: Path, between: Any = None) -> tuple[Run, Run]:
    """A full export into a fresh tree, then one more of the unchanged tenant (one event loop: a client's
    pooled connections belong to the loop that opened them)."""
    try:
        first = await export_once(client, out)
        if between is not None:
            between()
        return first, await export_once(client, out)
    finally:
        await client.aclose()


def report(label: str, c: dict[str, int], first: Run, base_rss: float, second: Run, peak: float) -> None:
    result, wall, cpu, system, serialize = first
    req_model, ru_model = model(c)
    n = result.objects
    print(f"\n== {label}")
    print(f"tenant: N={c['N']:,} users, M={c['M']:,} groups, L={c['L']:,} member links, A={c['A']} applications, "
          f"SP={c['SP']} service principals; {n:,} objects exported")
    print(f"requests        {result.requests:>9,}   model {req_model:>9,}   ratio {result.requests / req_model:.2f}"
          f"   (target <= 1.5)")
    print(f"resource units  {result.resource_units:>9,.0f}   model {ru_model:>9,}   "
          f"ratio {result.resource_units / ru_model:.2f}   (target <= 1.5)")
    print(f"wall {wall:.1f} s, process CPU {cpu:.1f} s = {cpu / n * 1e6:.0f} µs/object (of which system "
          f"{system / n * 1e6:.0f}: creating files; in-process the emulator's CPU is included); serialize CPU "
          f"(normalize + YAML dump) {serialize / n * 1e6:.0f} µs/object (target <= 250)")
    print(f"peak RSS {peak:.0f} MB; RSS before the export {base_rss:.0f} MB (the exporter's share is the "
          f"difference; target <= 500 MB)")
    r2, wall2, cpu2, _, ser2 = second
    print(f"second export (unchanged tenant): {r2.files_changed} files changed, {r2.write.unchanged:,} unchanged, "
          f"wall {wall2:.1f} s, process CPU {cpu2 / n * 1e6:.0f} µs/object, serialize CPU "
          f"{ser2 / n * 1e6:.0f} µs/object")
    for note in result.notes:
        print(f"note: {note}")


def in_process(users: int, latency_ms: float) -> None:
    seed = scale_seed(**seed_args(users))
    c = counts(seed)
    emu = Emulator(seed=seed)
    del seed
    if latency_ms:
        emu.faults.configure(latency_ms=latency_ms)
    base = rss_mb()
    client = GraphClient.for_emulator(emu)
    out = Path(tempfile.mkdtemp(prefix="entragit-bench-")) / "tenant-state"
    try:
        first, second = asyncio.run(export_twice(client, out, emu.counters.reset))
        report(f"in-process emulator, {users:,} users, latency {latency_ms:g} ms, client concurrency "
               f"{client.concurrency}", c, first, base, second, peak_mb())
    finally:
        shutil.rmtree(out.parent, ignore_errors=True)


def served(users: int, latency_ms: float) -> None:
    spec = "scale:" + ",".join(f"{k}={v}" for k, v in seed_args(users).items())
    cmd = [sys.executable, "-m", "entragit", "emulator", "serve", "--port", "0", "--seed", spec, "--no-quotas",
           "--latency-ms", str(latency_ms)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    out = Path(tempfile.mkdtemp(prefix="entragit-bench-")) / "tenant-state"
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        base = rss_mb()
        client = GraphClient(url)
        first, second = asyncio.run(export_twice(client, out))
        peak = peak_mb()  # before this process builds the seed to count the tenant
        c = counts(scale_seed(**seed_args(users)))
        report(f"served emulator (own process), {users:,} users, latency {latency_ms:g} ms, client concurrency "
               f"{client.concurrency}; process CPU and RSS are the exporter's alone", c, first, base, second,
               peak)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        shutil.rmtree(out.parent, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, nargs="+", default=None)
    parser.add_argument("--latency-ms", type=float, nargs="+", default=None)
    parser.add_argument("--served", action="store_true", help="run the emulator in its own process")
    parser.add_argument("--one", nargs=2, type=float, metavar=("USERS", "LATENCY_MS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:  # one run in this process (its peak RSS is its own)
        (served if args.served else in_process)(int(args.one[0]), args.one[1])
        return
    runs: list[tuple[int, float]]
    if args.users is None and args.latency_ms is None:
        runs = [(10_000, 0.0), (100_000, 0.0), (10_000, 50.0)]
    else:
        runs = [(u, lat) for u in (args.users or [10_000]) for lat in (args.latency_ms or [0.0])]
    for users, latency in runs:
        cmd = [sys.executable, __file__, "--one", str(users), str(latency)] + (["--served"] if args.served else [])
        subprocess.run(cmd, check=True)
        sys.stdout.flush()


if __name__ == "__main__":
    main()
