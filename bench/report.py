"""`entragit diff --from A --to B` between two backups of a large repository: time and peak memory.

    .venv/bin/python bench/report.py                      # 100k users, 1% of the objects changed
    .venv/bin/python bench/report.py --users 10000 --changed 0.05
    .venv/bin/python bench/report.py --repo /tmp/big      # keep (and reuse) the built repository

The repository is built once from ``scale_seed(users=N)``: the seed's objects are attached their links
(members, owners, manager, app role assignments, grants), normalized and dumped to their canonical text (the
bytes ``state.write_tree`` writes), and committed through ``git fast-import`` (no working tree: the diff reads
git objects only) and tagged ``bench/A``.
Then ``--changed`` of the objects change: most users get a new job title, some groups lose a member and gain
another, a few users are deleted and a few created; committed and tagged ``bench/B``.

Timed: the command itself, ``python -m entragit --repo R diff --from bench/A --to bench/B --format json
--output F`` in a subprocess (wall time including interpreter start; peak RSS of that process), and the core
call in-process broken down (report built, JSON and markdown rendered). Target (issue 4 "Must show"): ≤ 10 s
at 100k users with 1% changed. The ``live`` variant is bounded by the export and is timed with it
(bench/export.py).
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def git(repo: Path, *args: str) -> str:
    env = {**os.environ, "GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1",
           "GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "bench@example.com",
           "GIT_COMMITTER_NAME": "bench", "GIT_COMMITTER_EMAIL": "bench@example.com"}
    return subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True, text=True).stdout


def seed_objects(seed: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """The seed's objects per type key, with their links attached under the link names (as exported)."""
    out: dict[str, list[dict[str, Any]]] = {
        key: [seed[key]] for key in ("organization", "authorizationPolicy", "authenticationMethodsPolicy")}
    for key in ("authenticationStrengthPolicies", "namedLocations", "conditionalAccessPolicies", "users", "groups",
                "applications"):
        out[key] = seed[key]
    assigned: dict[str, list[dict[str, Any]]] = {}
    for a in seed["appRoleAssignments"]:
        assigned.setdefault(a["resourceId"], []).append(a)
    grants: dict[str, list[dict[str, Any]]] = {}
    for g in seed["oauth2PermissionGrants"]:
        grants.setdefault(g["clientId"], []).append(g)
    out["servicePrincipals"] = [{**sp, "owners": sp.get("owners", []), "appRoleAssignedTo": assigned.get(sp["id"], []),
                                 "oauth2PermissionGrants": grants.get(sp["id"], [])} for sp in seed["servicePrincipals"]]
    return out


class FastImport:
    """Commits streamed into ``git fast-import`` (blobs packed directly: no working tree to write and hash,
    which on a slow filesystem costs minutes for 100k files; the diff reads git objects only anyway)."""

    def __init__(self, repo: Path) -> None:
        self.proc = subprocess.Popen(["git", "fast-import", "--quiet"], cwd=repo, stdin=subprocess.PIPE,
                                     env={**os.environ, "GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1"})
        assert self.proc.stdin is not None
        self.out = self.proc.stdin
        self.mark = 0
        self.parent: int | None = None

    def _data(self, data: bytes) -> None:
        self.out.write(b"data %d\n" % len(data) + data + b"\n")

    def commit(self, message: str, when: int, files: dict[str, bytes | None], tag: str) -> None:
        """One commit on main: ``files`` maps a path to its bytes (None: deleted)."""
        marks: dict[str, int] = {}
        for path, data in files.items():
            if data is not None:
                self.mark += 1
                self.out.write(b"blob\nmark :%d\n" % self.mark)
                self._data(data)
                marks[path] = self.mark
        self.mark += 1
        self.out.write(b"commit refs/heads/main\nmark :%d\n" % self.mark)
        self.out.write(b"committer bench <bench@example.com> %d +0000\n" % when)
        self._data(message.encode())
        if self.parent is not None:
            self.out.write(b"from :%d\n" % self.parent)
        for path, data in files.items():
            if data is None:
                self.out.write(f"D {path}\n".encode())
            else:
                self.out.write(f"M 100644 :{marks[path]} {path}\n".encode())
        self.out.write(f"reset refs/tags/{tag}\nfrom :{self.mark}\n\n".encode())
        self.parent = self.mark

    def close(self) -> None:
        self.out.close()
        if self.proc.wait() != 0:
            raise RuntimeError("git fast-import failed")


def build(repo: Path, users: int, changed: float) -> dict[str, int]:
    """Two tagged backups in ``repo``; returns what changed between them."""
    from entragit import resources
    from entragit.emulator.seeds import scale_seed
    from entragit.state import dump_yaml, file_name, normalize

    started = time.monotonic()
    repo.mkdir(parents=True)
    git(repo, "init", "-q", "-b", "main")
    objects = seed_objects(scale_seed(users=users))
    normalized = {key: [normalize(resources.get(key), o) for o in objs] for key, objs in objects.items()}

    def files_of(tree: dict[str, list[dict[str, Any]]]) -> dict[str, bytes]:
        # the bytes state.write_tree writes: the canonical text of each object
        return {f"tenant-state/{key}/{file_name(resources.get(key), o['id'])}":
                dump_yaml(resources.get(key), o).encode() for key, objs in tree.items() for o in objs}

    importer = FastImport(repo)
    first = files_of(normalized)
    importer.commit("backup A", 1_782_946_800, dict(first), "bench/A")
    total = len(first)

    rng = random.Random(1)
    budget = max(4, round(total * changed))
    user_list, group_list = normalized["users"], normalized["groups"]
    n_groups = max(1, budget // 10)
    n_deleted = n_created = max(1, budget // 20)
    n_users = budget - n_groups - n_deleted - n_created
    picked = rng.sample(range(len(user_list)), n_users + n_deleted)
    for i in picked[:n_users]:
        user_list[i] = {**user_list[i], "jobTitle": f"Changed title {i}", "department": "Reorganized"}
    gone = {user_list[i]["id"] for i in picked[n_users:]}
    normalized["users"] = [u for u in user_list if u["id"] not in gone]
    for n in range(n_created):
        normalized["users"].append({**normalized["users"][0], "id": f"bbbbbbbb-0000-4000-8000-{n:012d}",
                                    "displayName": f"New user {n}", "userPrincipalName": f"new{n}@bench.example",
                                    "createdDateTime": "2030-01-01T00:00:00Z", "manager": None})
    user_ids = [u["id"] for u in normalized["users"]]
    for i in rng.sample(range(len(group_list)), min(n_groups, len(group_list))):
        members = list(group_list[i].get("members") or [])
        if members:
            members.pop(rng.randrange(len(members)))
        members.append(rng.choice(user_ids))
        group_list[i] = {**group_list[i], "members": sorted(set(members))}
    second = files_of(normalized)
    delta: dict[str, bytes | None] = {p: d for p, d in second.items() if first.get(p) != d}
    delta.update({p: None for p in first if p not in second})
    importer.commit("backup B", 1_783_033_200, delta, "bench/B")
    importer.close()
    print(f"built {repo}: {total:,} objects in A; {len(delta):,} files changed in B "
          f"({time.monotonic() - started:.1f} s)")
    return {"objects": total, "files": len(delta)}


# Peak RSS of the command's own process: VmHWM of its address space. Not ru_maxrss: Linux carries the
# parent's peak into a forked child across execve, so it would report this script's own (the 100k-user
# seed held in memory while building) instead of entragit's.
_MEASURED = """
import resource, sys
from entragit.cli import main
try:
    main(sys.argv[2:])
finally:
    try:
        with open("/proc/self/status") as status:
            peak = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
    except (OSError, StopIteration):
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with open(sys.argv[1], "w") as fh:
        fh.write(str(peak))
"""


def run_command(repo: Path, out: Path) -> tuple[float, float]:
    """(wall seconds, peak RSS MB of the entragit process) of `entragit diff` in a subprocess."""
    rss = out.with_suffix(".rss")
    start = time.monotonic()
    subprocess.run([sys.executable, "-c", _MEASURED, str(rss), "--repo", str(repo), "diff", "--from", "bench/A",
                    "--to", "bench/B", "--format", "json", "--output", str(out)],
                   cwd=ROOT, check=True, capture_output=True)
    wall = time.monotonic() - start
    return wall, int(rss.read_text()) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--changed", type=float, default=0.01, help="share of the objects changed (default 0.01)")
    parser.add_argument("--repo", type=Path, default=None, help="build here, or reuse the repository built here")
    parser.add_argument("--runs", type=int, default=3, help="timed runs of the command (best and worst shown)")
    args = parser.parse_args()

    tmp = None
    if args.repo is None:
        tmp = Path(tempfile.mkdtemp(prefix="entragit-bench-report-"))
        repo = tmp / "tenant"
    else:
        repo = args.repo
    try:
        if not (repo / ".git").exists():
            build(repo, args.users, args.changed)
        else:
            print(f"reusing {repo}")
        from entragit.report import make_report, render

        out = repo.parent / "bench-report.json"
        walls, peaks = [], []
        for _ in range(args.runs):
            wall, peak = run_command(repo, out)
            walls.append(wall)
            peaks.append(peak)
        built = float("inf")
        for _ in range(args.runs):
            start = time.monotonic()
            report = make_report(repo, "bench/A", "bench/B", raw_diff=True)
            built = min(built, time.monotonic() - start)
        start = time.monotonic()
        text = render(report, "json")
        as_json = time.monotonic() - start
        start = time.monotonic()
        md = render(report, "markdown")
        as_md = time.monotonic() - start
        files = git(repo, "ls-tree", "-r", "--name-only", "bench/B", "--", "tenant-state").count("\n")
        print(f"repository: {files:,} files; report: {report.summary_line()}")
        print(f"read: {report.stats['blobs']:,} blobs in {report.stats['gitCalls']} git calls "
              f"({report.stats['blobs'] / files:.2%} of the files)")
        print(f"`entragit diff --format json --output F` (subprocess, {args.runs} runs): "
              f"best {min(walls):.2f} s, worst {max(walls):.2f} s (target <= 10 s); peak RSS {max(peaks):.0f} MB")
        print(f"in-process (best of {args.runs}): report {built:.2f} s, JSON {as_json:.2f} s ({len(text):,} chars), markdown {as_md:.2f} s "
              f"({len(md):,} chars, limit 65,536)")
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
