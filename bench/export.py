"""Full export against the served emulator: Graph requests and resource units vs the model, requests in flight,
wall time, CPU, peak memory.

    .venv/bin/python bench/export.py                                # the L tenant, 200 ms, quotas on
    .venv/bin/python bench/export.py --users 10000 --groups 2000 --applications 1000 --latency-ms 0 200

The emulator runs in its own process (``entragit emulator serve``, Graph's quotas on, ``--latency-ms`` added
to every HTTP request); the exporter runs in this process with the **default configuration** (the client
``entragit backup`` opens: ``concurrency`` 8 at first, growing with the quota headers up to ``maxConcurrency``
64; ``throttlePriority`` low; conditional access paced at 1 request/s), so its CPU and peak RSS are its own.
The tenant is the L tenant of ../shared/reference/performance.md B6 unless told otherwise: 100,000 users,
20,000 groups of 100 members (2M links) plus a 5,000-member group, 5,000 applications, 15,000 service
principals.

Printed per run: the tenant's counts N / M / L / A / SP and the model (strategy F1 of B6, P = 30 policy
requests): requests = ⌈N/999⌉+⌈M/999⌉+⌈A/999⌉+⌈SP/999⌉+P+(M+⌈L/999⌉), RU = list pages + P + 2·(M+⌈L/999⌉);
the export's Graph requests (each ``$batch`` sub-request counted as one: https://learn.microsoft.com/en-us/
graph/json-batching) and resource units (``x-ms-resource-unit``) and their ratios to the model (target ≤ 1.5);
HTTP requests; Graph requests in flight on average (Σ request durations ÷ wall) and the most HTTP requests
in flight; 429s met; wall time (target ≤ 5 min); client CPU; peak RSS of this process (target ≤ 500 MB).
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
import threading
import time
from pathlib import Path
from typing import Any

P_MODEL = 30  # "P ≈ 30 small policy endpoints" (performance.md B6)
L_TENANT = {"users": 100_000, "groups": 20_000, "members_per_group": 100, "applications": 5_000,
            "service_principals": 15_000, "big_group_members": 5_000, "sp_members_in_big_group": 10}


def model(c: dict[str, int]) -> tuple[int, int]:
    pages = sum(math.ceil(c[k] / 999) for k in ("N", "M", "A", "SP"))
    members = c["M"] + math.ceil(c["L"] / 999)
    return pages + P_MODEL + members, pages + P_MODEL + 2 * members


def seed_spec(args: argparse.Namespace) -> dict[str, int]:
    spec = dict(L_TENANT)
    for key in ("users", "groups", "members_per_group", "applications", "service_principals"):
        value = getattr(args, key)
        if value is not None:
            spec[key] = value
    spec["big_group_members"] = min(spec["big_group_members"], spec["users"] // 2)
    spec["sp_members_in_big_group"] = min(spec["sp_members_in_big_group"], spec["applications"])
    return spec


def serve(spec: dict[str, int], latency_ms: float, extra: tuple[str, ...] = ()) -> tuple[subprocess.Popen[str], str]:
    """``entragit emulator serve`` with the scale seed (quotas on); (process, root URL) once it listens."""
    seed = "scale:" + ",".join(f"{k}={v}" for k, v in spec.items())
    cmd = [sys.executable, "-m", "entragit", "emulator", "serve", "--port", "0", "--seed", seed,
           "--latency-ms", str(latency_ms), *extra]
    log = open(Path(tempfile.gettempdir()) / f"entragit-bench-emulator-{os.getpid()}.log", "w")  # noqa: SIM115
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=log, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    assert proc.stdout is not None
    url = proc.stdout.readline().strip()
    if not url.startswith("http"):
        proc.kill()
        raise RuntimeError(f"the emulator did not start: {url!r} (its log: {log.name})")
    threading.Thread(target=proc.stdout.read, daemon=True).start()  # never let its stdout pipe fill up
    return proc, url


def stop(proc: subprocess.Popen[str]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def counts_of(url: str, spec: dict[str, int]) -> dict[str, int]:
    """N/M/A/SP from the emulator's object counts; L from the seed's shape (every group holds
    ``members_per_group`` users, the first one the big group's members instead)."""
    import httpx

    objects = httpx.get(f"{url}/_emulator/counters", timeout=120).json().get("objects") or {}
    groups = spec["groups"]
    links = (groups - 1) * spec["members_per_group"] + spec["big_group_members"] + spec["sp_members_in_big_group"]
    return {"N": objects.get("users", 0), "M": objects.get("groups", 0), "L": links,
            "A": objects.get("applications", 0), "SP": objects.get("servicePrincipals", 0)}


def default_client(url: str) -> Any:
    """The client `entragit backup` opens for this Graph root: settings' defaults, the emulator's test token."""
    from entragit.graph import open_client
    from entragit.settings import load_settings

    settings = load_settings(repo=Path(tempfile.gettempdir()), env={"ENTRAGIT_GRAPH_URL": url})
    return open_client(settings, env={})


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def export_once(url: str, out: Path) -> tuple[Any, Any, float]:
    from entragit.export import export_tree_async

    client = default_client(url)
    try:
        start = time.monotonic()
        result = await export_tree_async(client, out, delta_links=True)
        return result, client, time.monotonic() - start
    finally:
        await client.aclose()


def one(args: argparse.Namespace, latency: float) -> None:
    spec = seed_spec(args)
    started = time.monotonic()
    proc, url = serve(spec, latency)
    ready = time.monotonic() - started
    out = Path(tempfile.mkdtemp(prefix="entragit-bench-")) / "tenant-state"
    try:
        base_rss = peak_mb()
        result, client, wall = asyncio.run(export_once(url, out))
        peak = peak_mb()
        c = counts_of(url, spec)
    finally:
        stop(proc)
        shutil.rmtree(out.parent, ignore_errors=True)
    req_model, ru_model = model(c)
    s, limit = client.stats, client.limit
    print(f"\n== full export, {latency:g} ms latency, quotas on, default configuration (emulator ready after "
          f"{ready:.0f} s)")
    print(f"tenant: N={c['N']:,} users, M={c['M']:,} groups, L={c['L']:,} member links, A={c['A']:,} applications, "
          f"SP={c['SP']:,} service principals; {result.objects:,} objects exported")
    print(f"Graph requests  {result.graph_requests:>9,}   model {req_model:>9,}   ratio "
          f"{result.graph_requests / req_model:.2f}   (target <= 1.5; HTTP requests {result.requests:,}, "
          f"$batch {s.batches:,} carrying {s.batched:,})")
    print(f"resource units  {result.resource_units:>9,.0f}   model {ru_model:>9,}   ratio "
          f"{result.resource_units / ru_model:.2f}   (target <= 1.5)")
    print(f"in flight: {result.in_flight:.1f} Graph requests on average; at most {s.max_in_flight} HTTP requests "
          f"(limit now {limit.current}, peak {limit.peak}, {limit.decreases} cuts); 429s {s.throttled}")
    print(f"wall {wall:.1f} s (target <= 300), client CPU {result.cpu_seconds:.1f} s = "
          f"{result.cpu_seconds / max(1, result.requests) * 1000:.2f} ms per HTTP request, "
          f"{result.cpu_seconds / max(1, result.objects) * 1e6:.0f} µs per object")
    print(f"peak RSS {peak:.0f} MB (before the export {base_rss:.0f} MB; target <= 500 MB)")
    for note in result.notes:
        print(f"note: {note}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=None)
    parser.add_argument("--groups", type=int, default=None)
    parser.add_argument("--members-per-group", dest="members_per_group", type=int, default=None)
    parser.add_argument("--applications", type=int, default=None)
    parser.add_argument("--service-principals", dest="service_principals", type=int, default=None)
    parser.add_argument("--latency-ms", type=float, nargs="+", default=[200.0])
    parser.add_argument("--one", type=float, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one is not None:  # one run per process: its peak RSS is its own
        print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} (shared), "
              f"Python {sys.version.split()[0]}")
        one(args, args.one)
        return
    for latency in args.latency_ms:
        cmd = [sys.executable, __file__, "--one", str(latency)] + [
            f"--{k.replace('_', '-')}={v}" for k, v in vars(args).items()
            if k in ("users", "groups", "members_per_group", "applications", "service_principals") and v is not None]
        subprocess.run(cmd, check=True)
        sys.stdout.flush()


if __name__ == "__main__":
    main()
