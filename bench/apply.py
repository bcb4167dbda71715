"""Apply throughput under Graph's write quota: 1% churn on a 10,000-user tenant, quotas ON (in-process emulator).

Setup (not timed): ``scale_seed(users=10_000)`` in an in-process emulator, a real backup of it into a git
repository (the desired state). Then, per round: churn 1% of the tenant in the emulator itself (the job title of
1% of the users, 1% of the group memberships removed), switch the quotas on through the control plane
(``POST /_emulator/quotas``), and run ``entragit.apply.run_apply`` over the whole tenant: read the live tenant,
plan, apply, re-read for residual drift.

Printed per round: changes and write requests, writes/s of the apply phase (target >= 15/s, under Graph's 20/s
per app and tenant), 429s met, retries, seconds waited on Retry-After, failed changes (must be 0: every 429 is
absorbed) and residual drift (must be 0). Rounds:

- ``default``: Graph's write bucket (3,000 writes per 150 s per app and tenant): a short run never reaches it;
- ``scaled``: the bucket scaled down through the control plane (``writeLimit``/``writePeriod``, default 40 per
  2 s: 20/s with a burst of 40), so that the run meets the limit early and lives at Graph's sustained rate;
- ``long`` (optional, ``--rounds default,scaled,long``): ``--long-churn`` (35%) of the tenant under Graph's own
  bucket: more than 3,000 writes, so the run drains the bucket and then goes at its refill rate (20/s).

    .venv/bin/python bench/apply.py [--users N] [--churn 0.01] [--write-limit 40] [--write-period 2]
                                    [--concurrency 8] [--rounds default,scaled[,long]]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TARGET_WRITES_PER_S = 15.0


def git(repo: Path, *args: str) -> str:
    env = {**os.environ, "GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1"}
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True, env=env).stdout


def churn(emu: Any, share: float, rng: random.Random, round_no: int) -> dict[str, int]:
    """Change ``share`` of the tenant in the emulator itself (not through Graph: no quota spent)."""
    backend = emu.backend
    users = sorted(backend.collections["users"].items)
    changed = rng.sample(users, max(1, int(len(users) * share)))
    for user in changed:
        backend.update("users", user, {"jobTitle": f"Churned {round_no}", "department": f"Churn {round_no}"})
    memberships = [(g, m) for g in sorted(backend.collections["groups"].items)
                   for m in sorted(backend.links.refs("groups", "members", g))]
    removed = rng.sample(memberships, max(1, int(len(memberships) * share)))
    for group, member in removed:
        backend.remove_link("groups", group, "members", member)
    return {"users changed": len(changed), "memberships removed": len(removed), "memberships": len(memberships)}


async def control(emu: Any, name: str, body: dict[str, Any]) -> Any:
    async with httpx.AsyncClient(transport=emu.transport(), base_url=emu.url) as http:
        answer = await http.post(f"/_emulator/{name}", json=body)
        answer.raise_for_status()
        return answer.json()


def run_round(name: str, emu: Any, repo: Path, quotas: dict[str, Any], args: argparse.Namespace,
              rng: random.Random, round_no: int, share: float) -> dict[str, Any]:
    from entragit.apply import ApplyRequest, run_apply
    from entragit.graph import GraphClient, RetryPolicy, run

    asyncio.run(control(emu, "quotas", {"enabled": False}))
    done = churn(emu, share, rng, round_no)
    asyncio.run(control(emu, "quotas", {"enabled": True, "reset": True, **quotas}))
    client = GraphClient.for_emulator(emu, concurrency=args.concurrency, retry=RetryPolicy(max_attempts=10))
    started = time.monotonic()
    try:
        result = run(run_apply(repo, client, ApplyRequest(force="benchmark")))
    finally:
        run(client.aclose())
    total = time.monotonic() - started
    stats = result.stats
    # write requests the tenant executed: those sent minus those refused with 429 (the apply phase's few GETs,
    # lookups and link re-reads, are not throttled by the write bucket)
    accepted = stats["writes"] - stats["throttled"]
    rate = accepted / result.seconds if result.seconds else 0.0
    row = {"round": name, **done, "changes": len(result.plan.writes), "write requests sent": stats["writes"],
           "writes executed": accepted, "apply s": round(result.seconds, 2), "writes/s": round(rate, 1),
           "429s": stats["throttled"],
           "retries": stats["retries"], "waited s": stats["waited"], "failed": len(result.failed),
           "drift": len(result.drift), "total s (reads, plan, apply, re-read)": round(total, 1)}
    return row


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--churn", type=float, default=0.01)
    parser.add_argument("--write-limit", type=float, default=40, help="scaled round: writes per period")
    parser.add_argument("--write-period", type=float, default=2, help="scaled round: seconds")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--rounds", default="default,scaled",
                        help="comma-separated: default, scaled, long (--long-churn under Graph's own bucket)")
    parser.add_argument("--long-churn", type=float, default=0.35,
                        help="long round: share churned, enough writes to exhaust the 3,000/150 s bucket")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)

    from entragit.backups import backup
    from entragit.emulator import Emulator
    from entragit.emulator.seeds import scale_seed
    from entragit.export import export_tree
    from entragit.graph import GraphClient, run

    t0 = time.monotonic()
    emu = Emulator(seed=scale_seed(users=args.users, applications=20), quotas=False)
    print(f"seed: {args.users} users, {len(emu.backend.collections['groups'])} groups "
          f"({time.monotonic() - t0:.1f}s)")
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory(prefix="entragit-bench-apply-") as tmp:
        repo = Path(tmp) / "tenant"
        repo.mkdir()
        git(repo, "init", "-q", "-b", "main")
        git(repo, "config", "user.name", "bench")
        git(repo, "config", "user.email", "bench@example.com")
        t1 = time.monotonic()
        client = GraphClient.for_emulator(emu)
        backup(repo, export_step=lambda out: export_tree(client, out, durable=False))
        run(client.aclose())
        print(f"backup of the desired state: {time.monotonic() - t1:.1f}s")
        rounds = {"default": {}, "scaled": {"writeLimit": args.write_limit, "writePeriod": args.write_period},
                  "long": {}}
        rows = []
        for i, name in enumerate(n.strip() for n in args.rounds.split(",")):
            share = args.long_churn if name == "long" else args.churn
            row = run_round(name, emu, repo, rounds[name], args, rng, i + 1, share)
            rows.append(row)
            quota = (f"{args.write_limit:g} writes / {args.write_period:g} s (scaled down)" if name == "scaled"
                     else "3000 writes / 150 s (Graph's)")
            print(f"\nround {name}: write quota {quota}, concurrency {args.concurrency}")
            for key, value in row.items():
                print(f"  {key:<40} {value}")
    ok = all(r["failed"] == 0 and r["drift"] == 0 and r["writes/s"] >= TARGET_WRITES_PER_S for r in rows)
    print(f"\ntarget: >= {TARGET_WRITES_PER_S:g} writes/s, every 429 absorbed, no drift: {'met' if ok else 'NOT met'}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
