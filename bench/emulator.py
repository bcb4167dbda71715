"""Emulator throughput: is the emulator fast enough never to limit an export benchmark?

Prints, for a scale tenant (default 100,000 users):
- seed generation time (``scale_seed``) and seed load time (``Emulator(seed=...)``);
- objects/s delivered in 999-object pages of ``GET /v1.0/users?$top=999`` (target >= 50,000/s in-process);
- single-object ``GET /v1.0/users/{id}`` per second, sequential and concurrent (target >= 1,000/s in-process);
each through a plain ``httpx.AsyncClient`` and through the real msgraph-sdk request adapter (raw bytes, the
pipeline entragit's GraphClient uses), in-process (ASGI transport, no sockets) and served
(``entragit emulator serve --port 0`` on 127.0.0.1, a subprocess). Quotas and faults are off.

    .venv/bin/python bench/emulator.py [--users N] [--gets N] [--concurrency C] [--repeat R] [--no-served]
                                       [--profile]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import json
import os
import pstats
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

GetJson = Callable[[str], Awaitable[dict[str, Any]]]
TARGET_PAGE_OBJECTS_PER_S = 50_000
TARGET_GETS_PER_S = 1_000


# ------------------------------------------------------------------------------------------- clients


def httpx_getter(client: httpx.AsyncClient) -> GetJson:
    async def get(url: str) -> dict[str, Any]:
        response = await client.get(url)
        if response.status_code != 200:
            raise RuntimeError(f"GET {url}: {response.status_code} {response.text[:300]}")
        return json.loads(response.content)

    return get


def adapter_getter(http: httpx.AsyncClient, root: str) -> GetJson:
    """The msgraph-sdk request adapter over ``http`` (graph-sdk-notes.md §2, §9): raw bytes, real middleware."""
    from kiota_abstractions.authentication import AnonymousAuthenticationProvider
    from kiota_abstractions.method import Method
    from kiota_abstractions.request_information import RequestInformation
    from msgraph import GraphRequestAdapter
    from msgraph.generated.models.o_data_errors.o_data_error import ODataError
    from msgraph_core import GraphClientFactory

    client = GraphClientFactory.create_with_default_middleware(client=http)
    adapter = GraphRequestAdapter(AnonymousAuthenticationProvider(), client=client)
    adapter.base_url = f"{root}/v1.0"
    errors = {"XXX": ODataError}

    async def get(url: str) -> dict[str, Any]:
        info = RequestInformation()
        info.http_method = Method.GET
        info.url = url if url.startswith("http") else f"{root}{url}"
        data = await adapter.send_primitive_async(info, "bytes", errors)
        return json.loads(data)

    return get


# ------------------------------------------------------------------------------------------ measures


async def page_all(get: GetJson, first: str) -> tuple[int, int, float]:
    """Follow @odata.nextLink to the end; (objects, pages, seconds)."""
    start = time.perf_counter()
    objects = pages = 0
    url: str | None = first
    while url:
        page = await get(url)
        objects += len(page["value"])
        pages += 1
        url = page.get("@odata.nextLink")
    return objects, pages, time.perf_counter() - start


async def single_gets(get: GetJson, paths: list[str], concurrency: int) -> float:
    """Requests per second for GETs of ``paths`` with at most ``concurrency`` in flight."""
    queue = list(reversed(paths))

    async def worker() -> None:
        while queue:
            body = await get(queue.pop())
            if "id" not in body:
                raise RuntimeError(f"unexpected body {str(body)[:200]}")

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return len(paths) / (time.perf_counter() - start)


async def measure(label: str, get: GetJson, ids: list[str], args: argparse.Namespace,
                  expected: int) -> dict[str, Any]:
    await get("/v1.0/users?$top=1")  # warm-up
    passes = []
    for _ in range(1 + args.repeat):  # the emulator caches each object's JSON: the first client's pass 1 is cold
        objects, pages, seconds = await page_all(get, "/v1.0/users?$top=999")
        if objects != expected:
            raise RuntimeError(f"{label}: paged {objects} users, the tenant has {expected}")
        passes.append(objects / seconds)
    paths = [f"/v1.0/users/{ids[i % len(ids)]}" for i in range(args.gets)]
    return {"label": label, "objects": objects, "pages": pages, "pass1": passes[0], "warm": max(passes[1:]),
            "objects_per_s": max(passes),
            "gets_1": max([await single_gets(get, paths, 1) for _ in range(args.repeat)]),
            f"gets_{args.concurrency}": max([await single_gets(get, paths, args.concurrency)
                                             for _ in range(args.repeat)])}


# ---------------------------------------------------------------------------------------------- runs


async def in_process(emu: Any, ids: list[str], args: argparse.Namespace, expected: int) -> list[dict[str, Any]]:
    root = "http://testserver"
    results = []
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=emu.app), base_url=root) as client:
        results.append(await measure("in-process  httpx", httpx_getter(client), ids, args, expected))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=emu.app), base_url=root) as client:
        results.append(await measure("in-process  msgraph adapter", adapter_getter(client, root), ids, args,
                                     expected))
    return results


def start_server(users: int) -> tuple[subprocess.Popen[str], str]:
    """``entragit emulator serve`` with the same (deterministic) scale seed, quotas off."""
    cmd = [sys.executable, "-m", "entragit", "emulator", "serve", "--host", "127.0.0.1", "--port", "0",
           "--seed", f"scale:users={users}", "--no-quotas"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline().strip()  # the root URL, once the seed is loaded and the socket listens
    if not line.startswith("http"):
        proc.kill()
        _, err = proc.communicate(timeout=10)
        raise RuntimeError(f"`{' '.join(cmd)}` did not print its URL: {line!r}\n{err[-2000:]}")
    return proc, line.rstrip("/")


async def served(root: str, ids: list[str], args: argparse.Namespace, expected: int) -> list[dict[str, Any]]:
    results = []
    async with httpx.AsyncClient(base_url=root, timeout=120) as client:
        results.append(await measure("served      httpx", httpx_getter(client), ids, args, expected))
    async with httpx.AsyncClient(base_url=root, timeout=120) as client:
        results.append(await measure("served      msgraph adapter", adapter_getter(client, root), ids, args,
                                     expected))
    return results


# ---------------------------------------------------------------------------------------------- main


def table(rows: list[dict[str, Any]], concurrency: int) -> str:
    head = (f"{'transport / client':<30} {'pages':>6} {'objects/s pass 1':>17} {'best warm':>10} "
            f"{'GET/s c=1':>10} {f'GET/s c={concurrency}':>11}")
    lines = [head, "-" * len(head)]
    for r in rows:
        lines.append(f"{r['label']:<30} {r['pages']:>6} {r['pass1']:>17,.0f} {r['warm']:>10,.0f} "
                     f"{r['gets_1']:>10,.0f} {r[f'gets_{concurrency}']:>11,.0f}")
    lines.append("(999-object pages of GET /v1.0/users?$top=999; pass 1 of the first row of each transport reads "
                 "the emulator's JSON cache cold; warm figures and GET/s are the best of --repeat runs)")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=100_000, help="users in the scale tenant (default 100000)")
    parser.add_argument("--gets", type=int, default=2_000, help="single-object GETs per measure (default 2000)")
    parser.add_argument("--concurrency", type=int, default=10, help="GETs in flight for the concurrent run")
    parser.add_argument("--repeat", type=int, default=3,
                        help="repeat warm measures, keep the best (the CPUs are shared; default 3)")
    parser.add_argument("--no-served", action="store_true", help="skip the served (subprocess) measures")
    parser.add_argument("--profile", action="store_true",
                        help="also profile in-process paging and single GETs (cProfile, top functions)")
    args = parser.parse_args(argv)

    from entragit.emulator import Emulator, seeds

    print(f"entragit emulator bench: {args.users:,} users, {os.cpu_count()} CPUs, Python {sys.version.split()[0]}, "
          f"load average {os.getloadavg()[0]:.1f} (other processes share the CPUs)")
    start = time.perf_counter()
    seed = seeds.scale_seed(users=args.users)
    seed_s = time.perf_counter() - start
    start = time.perf_counter()
    emu = Emulator(seed=seed, quotas=False)
    load_s = time.perf_counter() - start
    expected = len(seed["users"])
    ids = [u["id"] for u in seed["users"][:: max(1, expected // 1000)]]
    print(f"seed generation (scale_seed users={args.users:,}): {seed_s:.2f} s;  "
          f"load into Emulator: {load_s:.2f} s")

    rows = asyncio.run(in_process(emu, ids, args, expected))
    if not args.no_served:
        start = time.perf_counter()
        proc, root = start_server(args.users)
        print(f"served: {root} ready after {time.perf_counter() - start:.2f} s (process start, seed generation "
              f"and load)")
        try:
            rows += asyncio.run(served(root, ids, args, expected))
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    print()
    print(table(rows, args.concurrency))
    print()
    cold_pages = rows[0]["pass1"]
    best_pages = max(r["objects_per_s"] for r in rows if r["label"].startswith("in-process"))
    best_gets = max(max(r["gets_1"], r[f"gets_{args.concurrency}"]) for r in rows
                    if r["label"].startswith("in-process"))
    print(f"targets (in-process): pages >= {TARGET_PAGE_OBJECTS_PER_S:,} objects/s: "
          f"{'met' if best_pages >= TARGET_PAGE_OBJECTS_PER_S else 'MISSED'} ({best_pages:,.0f} warm, "
          f"{cold_pages:,.0f} cold); "
          f"single GETs >= {TARGET_GETS_PER_S:,}/s: {'met' if best_gets >= TARGET_GETS_PER_S else 'MISSED'} "
          f"({best_gets:,.0f})")

    if args.profile:
        profile(emu, ids, args, expected)
    return 0


def profile(emu: Any, ids: list[str], args: argparse.Namespace, expected: int) -> None:
    async def run() -> None:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=emu.app),
                                     base_url="http://testserver") as client:
            get = httpx_getter(client)
            await page_all(get, "/v1.0/users?$top=999")
            await single_gets(get, [f"/v1.0/users/{ids[i % len(ids)]}" for i in range(args.gets)], 1)

    profiler = cProfile.Profile()
    profiler.enable()
    asyncio.run(run())
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(25)
    print("\nprofile, in-process httpx (paging + single GETs), by own time:")
    print(out.getvalue())


if __name__ == "__main__":
    sys.exit(main())
