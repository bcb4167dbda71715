"""Nightly backups of the L tenant as CI runs them: Graph requests, resource units and the time from process
start to pushed tag, with 0% and 1% churn; the tree compared with a full export.

    .venv/bin/python bench/nightly.py                      # the L tenant, 200 ms latency, quotas on
    .venv/bin/python bench/nightly.py --users 10000 --groups 2000 --applications 500 --service-principals 1500

Setup (not timed): the emulator serves the tenant in its own process (Graph's quotas on, ``--latency-ms`` per
HTTP request); a tenant repository with a bare ``origin``; a first ``entragit backup --push`` (a full export:
its figures are printed too). Then, per nightly:

- ``0%``: nothing changed since the previous backup;
- ``1%``: before the backup, with the quotas switched off (the churn is not what is measured), 1% of the
  users, groups, applications and service principals changed (a property each), 1% of the membership links
  changed (half removed, half added, on 1% of the groups: 100 per group), 1% of the groups gain an owner,
  0.1% of the users created and 0.1% soft-deleted, 50 app role assignments and 50 OAuth2 grants changed.

Each nightly is ``entragit backup --push`` in its own process, in a fresh clone (as ``actions/checkout`` gives
it, the delta state fetched by entragit itself), the emulator's clock one day on. Timed from process start to
pushed tag (the job's wall time less the upkeep after the push, which the job reports). Graph requests and
resource units come from the manifest (each ``$batch`` sub-request counted as one). After the 1% nightly the
tree is compared, byte for byte, with a full export of the same tenant state. Targets (issue 14): ≤ 150 Graph
requests and ≤ 2 min at 1% churn; tree identical to a full export.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from export import L_TENANT, seed_spec, serve, stop  # noqa: E402  (bench/export.py)

ROOT = Path(__file__).resolve().parents[1]


def git(cwd: Path, *args: str) -> str:
    env = {**os.environ, "GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1"}
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True, env=env).stdout


def control(url: str, name: str, body: dict[str, Any]) -> Any:
    response = httpx.post(f"{url}/_emulator/{name}", json=body, timeout=120)
    response.raise_for_status()
    return response.json()


def backup(origin: Path, work: Path, night: int, url: str) -> dict[str, Any]:
    """A fresh clone and ``entragit backup --push`` in its own process: job detail, manifest, timings."""
    clone = work / f"night-{night}"
    git(work, "clone", "-q", str(origin), str(clone))
    for key, value in (("user.name", "bench"), ("user.email", "bench@example.com")):
        git(clone, "config", key, value)
    env = {**os.environ, "ENTRAGIT_GRAPH_URL": url, "CI": "true",
           "ENTRAGIT_NOW": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(1_782_946_800 + 86400 * night))}
    start = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "entragit", "--repo", str(clone), "backup", "--push", "--json"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=3600)
    wall = time.monotonic() - start
    if done.returncode != 0:
        raise RuntimeError(f"entragit backup failed: {done.stderr[-3000:]}")
    detail = json.loads(done.stdout)["detail"]
    body = git(origin, "for-each-ref", "--format=%(contents:body)", f"refs/tags/{detail['tag']}")
    upkeep = (detail.get("upkeep") or {}).get("seconds") or 0.0
    return {"detail": detail, "manifest": yaml.safe_load(body), "wall": wall, "to_tag": wall - upkeep,
            "upkeep": upkeep, "clone": clone}


async def churn(url: str, share: float, seed: int = 0) -> dict[str, int]:
    """1% of the tenant changed through Graph writes in $batch (quotas off meanwhile)."""
    from entragit.graph import GraphClient

    rng = random.Random(seed)
    done: dict[str, int] = {}
    async with GraphClient(url, max_concurrency=32) as client:
        users = [u["id"] for u in await client.list_all("users", {"$select": "id", "$top": 999})]
        groups = await client.list_all("groups", {"$select": "id,groupTypes,mailEnabled", "$top": 999})
        groups = [g["id"] for g in groups if not g.get("mailEnabled") and "Unified" not in (g.get("groupTypes") or [])]
        apps = [a["id"] for a in await client.list_all("applications", {"$select": "id", "$top": 999})]
        sps = await client.list_all("servicePrincipals", {"$select": "id,appRoles", "$top": 999})
        grants = await client.list_all("oauth2PermissionGrants", {"$top": 999})
        base = client.url("").rstrip("/")
        requests: list[dict[str, Any]] = []

        def add(kind: str, method: str, path: str, body: Any = None) -> None:
            requests.append({"method": method, "url": path, **({"body": body} if body is not None else {})})
            done[kind] = done.get(kind, 0) + 1

        for uid in rng.sample(users, round(len(users) * share)):
            add("user updates", "PATCH", f"users/{uid}", {"jobTitle": f"Churned {rng.randrange(10**6)}"})
        for gid in rng.sample(groups, round(len(groups) * share)):
            add("group updates", "PATCH", f"groups/{gid}", {"description": f"Churned {rng.randrange(10**6)}"})
        touched = rng.sample(groups, max(1, round(len(groups) * share)))
        for gid in touched:
            members = [m["id"] for m in await client.list_all(f"groups/{gid}/members", {"$select": "id", "$top": 999})]
            gone = rng.sample(members, min(len(members), 50))
            for m in gone:
                add("membership changes", "DELETE", f"groups/{gid}/members/{m}/$ref")
            fresh = [u for u in rng.sample(users, 60) if u not in set(members)][:50]
            for start in range(0, len(fresh), 20):
                add("membership changes", "PATCH", f"groups/{gid}",
                    {"members@odata.bind": [f"{base}/directoryObjects/{u}" for u in fresh[start:start + 20]]})
                done["membership changes"] += len(fresh[start:start + 20]) - 1
            add("owner changes", "POST", f"groups/{gid}/owners/$ref",
                {"@odata.id": f"{base}/directoryObjects/{rng.choice(users)}"})
        for aid in rng.sample(apps, round(len(apps) * share)):
            add("application updates", "PATCH", f"applications/{aid}", {"notes": f"Churned {rng.randrange(10**6)}"})
        for sp in rng.sample(sps, round(len(sps) * share)):
            add("service principal updates", "PATCH", f"servicePrincipals/{sp['id']}",
                {"notes": f"Churned {rng.randrange(10**6)}"})
        resources = [sp for sp in sps if sp.get("appRoles")]
        for _ in range(50):
            resource_sp = rng.choice(resources)
            add("app role assignments", "POST", f"servicePrincipals/{resource_sp['id']}/appRoleAssignedTo",
                {"principalId": rng.choice(users), "resourceId": resource_sp["id"],
                 "appRoleId": rng.choice(resource_sp["appRoles"])["id"]})
        for grant in rng.sample(grants, min(50, len(grants))):
            add("grant changes", "PATCH", f"oauth2PermissionGrants/{grant['id']}",
                {"scope": rng.choice(["User.Read", "User.Read Group.Read.All", "openid profile"])})
        for n in range(round(len(users) * share / 10)):
            alias = f"churn{seed}x{n}"
            add("users created", "POST", "users", {"accountEnabled": True, "displayName": alias,
                                                   "mailNickname": alias, "userPrincipalName": f"{alias}@contoso.com",
                                                   "passwordProfile": {"password": "Pa55w.rd!Pa55w.rd!"}})
        for uid in rng.sample(users, round(len(users) * share / 10)):
            add("users deleted", "DELETE", f"users/{uid}")
        answers = await asyncio.gather(*(client.batch(requests[i:i + 20]) for i in range(0, len(requests), 20)))
        done["refused by Graph"] = sum(1 for part in answers for a in part if int(a.get("status") or 0) >= 400)
    return done


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*.yaml")}


async def full_export(url: str, out: Path) -> Any:
    from export import default_client

    from entragit.export import export_tree_async

    client = default_client(url)
    try:
        return await export_tree_async(client, out, durable=False)
    finally:
        await client.aclose()


def report(label: str, run: dict[str, Any]) -> None:
    export = run["manifest"].get("export") or {}
    how = export.get("mode", "?") + (f" ({export['fallback']})" if export.get("fallback") else "")
    print(f"{label:<22} {how:<34} Graph requests {export.get('requests', 0):>7,}  RU {export.get('resourceUnits', 0):>8,.0f}"
          f"  process start to pushed tag {run['to_tag']:6.1f} s  (upkeep after it {run['upkeep']:.1f} s; "
          f"{export.get('filesChanged', 0):,} files changed)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    for name in ("users", "groups", "members-per-group", "applications", "service-principals"):
        parser.add_argument(f"--{name}", dest=name.replace("-", "_"), type=int, default=None)
    parser.add_argument("--latency-ms", type=float, default=200.0)
    parser.add_argument("--churn", type=float, default=0.01)
    parser.add_argument("--keep", type=Path, default=None)
    args = parser.parse_args()
    spec = seed_spec(args)
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}; tenant "
          + ", ".join(f"{k}={v:,}" for k, v in spec.items()) + f" (L: {L_TENANT == spec}); "
          f"{args.latency_ms:g} ms latency, quotas on")
    work = args.keep or Path(tempfile.mkdtemp(prefix="entragit-nightly-"))
    work.mkdir(parents=True, exist_ok=True)
    proc, url = serve(spec, args.latency_ms)
    try:
        origin = work / "origin.git"
        git(work, "init", "-q", "--bare", "-b", "main", str(origin))
        seed_repo = work / "seed"
        git(work, "init", "-q", "-b", "main", str(seed_repo))
        (seed_repo / "README.md").write_text("tenant repository\n")
        git(seed_repo, "add", "README.md")
        git(seed_repo, "-c", "user.name=bench", "-c", "user.email=bench@example.com", "commit", "-qm", "init")
        git(seed_repo, "push", "-q", str(origin), "main")

        first = backup(origin, work, 1, url)
        report("first backup (full)", first)
        shutil.rmtree(first["clone"])
        control(url, "clock", {"days": 1})
        zero = backup(origin, work, 2, url)
        report("nightly, 0% churn", zero)
        shutil.rmtree(zero["clone"])

        control(url, "quotas", {"enabled": False})
        changes = asyncio.run(churn(url, args.churn))
        control(url, "quotas", {"reset": True, "enabled": True})
        control(url, "clock", {"days": 1})
        print(f"churn {args.churn:.0%}: " + ", ".join(f"{k} {v:,}" for k, v in changes.items()))
        one = backup(origin, work, 3, url)
        report(f"nightly, {args.churn:.0%} churn", one)

        full = work / "full" / "tenant-state"
        asyncio.run(full_export(url, full))
        a, b = tree(one["clone"] / "tenant-state"), tree(full)
        differ = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
        print(f"tree after the {args.churn:.0%} nightly vs a full export: "
              + ("identical" if not differ else f"{len(differ)} files differ: {differ[:5]}")
              + f" ({len(a):,} files)")
    finally:
        stop(proc)
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
