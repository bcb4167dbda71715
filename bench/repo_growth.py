"""Repository growth and what CI pays for it: clone and push sizes and times after N simulated nightlies.

    .venv/bin/python bench/repo_growth.py                        # the L tenant, 30 and 365 nightlies
    .venv/bin/python bench/repo_growth.py --users 10000 --nights 5 30 --base /tmp/base-M

Every GitHub Actions run starts from a fresh full-history clone (``actions/checkout`` with ``fetch-depth: 0``),
runs one backup and pushes it. So what a growing history costs CI is: the clone (bytes and seconds, with the
checkout of ~140,000 files at L), the backup's own git work (commit, tag, ``git maintenance run --auto``) and
the push (bytes and seconds). This bench measures exactly that after ``--nights`` simulated nightlies:

1. The tenant-state of the L tenant (performance.md B6: 100k users, 20k groups with 100 members, 5k
   applications, 15k service principals) is exported once by the real exporter from the in-process emulator
   (quotas off; ``--base DIR`` keeps it for the next run).
2. The remote is a bare repository. The history is written into it cheaply with ``git fast-import``: one
   initial backup, then one commit per nightly holding that night's changed files. A nightly at ``--churn``
   (1%) changes 1% of the users (a property line), 1% of the groups carrying 1% of all membership links (half
   removed, half added: a reorganization clusters on few groups), 1% of the applications and of the service
   principals, and creates and deletes 0.1% of the users. The remote then gets the upkeep a hosting service
   does on its own (``git gc``).
3. At each checkpoint: ``git clone --no-local`` of the remote (bytes received = the clone's pack, seconds with
   and without the checkout), then one real ``entragit.backups.backup`` in that clone (its export step applies
   the next nightly's changes to the files), timing the commit and tag, the upkeep
   (``git maintenance run --auto``) and ``git push`` of the branch and tag, whose pack size is measured with
   ``git pack-objects --thin`` over the same objects.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

STATE = "tenant-state"


# ---------------------------------------------------------------------------------------------- the base tree
def build_base(base: Path, users: int, groups: int, members: int, applications: int,
               service_principals: int | None) -> None:
    """Export the scale tenant into ``base/tenant-state`` with the real exporter (in-process, quotas off)."""
    from entragit.emulator import Emulator
    from entragit.emulator.seeds import scale_seed
    from entragit.export import export_tree_async
    from entragit.graph import GraphClient

    kwargs = {"users": users, "groups": groups, "members_per_group": members, "applications": applications}
    if service_principals is not None:
        kwargs["service_principals"] = service_principals  # the L generator's extra service principals
    start = time.monotonic()
    emu = Emulator(seed=scale_seed(**kwargs), quotas=False)

    async def go() -> None:
        async with GraphClient.for_emulator(emu) as client:
            await export_tree_async(client, base / STATE, durable=False)

    asyncio.run(go())
    print(f"base tree exported in {time.monotonic() - start:.0f} s into {base / STATE}", flush=True)


def state_files(base: Path) -> dict[str, list[str]]:
    """Relative paths (``tenant-state/users/<id>.yaml``) per type folder."""
    out: dict[str, list[str]] = {}
    root = base / STATE
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        out[folder.name] = sorted(f"{STATE}/{folder.name}/{f.name}" for f in folder.iterdir() if f.suffix == ".yaml")
    return out


# ---------------------------------------------------------------------------------------------- nightly changes
class Tenant:
    """The files as the simulated nightlies leave them: the base tree plus every file a nightly rewrote."""

    def __init__(self, base: Path, churn: float, random_seed: int = 0) -> None:
        self.base = base
        self.files = state_files(base)
        self.churn = churn
        self.rng = random.Random(random_seed)
        self.current: dict[str, bytes | None] = {}  # path -> bytes (None: deleted)
        self.user_ids = [Path(p).stem for p in self.files.get("users", [])]
        self.created = 0

    def read(self, path: str) -> bytes | None:
        if path in self.current:
            return self.current[path]
        return (self.base / path).read_bytes()

    def live(self, folder: str) -> list[str]:
        return [p for p in self.files.get(folder, []) if self.current.get(p, b"") is not None]

    def _edit_line(self, data: bytes, key: bytes, night: int) -> bytes:
        lines = data.split(b"\n")
        for i, line in enumerate(lines):
            if line.startswith(key + b":"):
                lines[i] = key + b": churned value of night " + str(night).encode()
                return b"\n".join(lines)
        return data.rstrip(b"\n") + b"\n" + key + b": churned value of night " + str(night).encode() + b"\n"

    def _edit_members(self, data: bytes, changes: int) -> bytes:
        lines = data.split(b"\n")
        try:
            start = lines.index(b"members:") + 1
        except ValueError:
            return data
        end = start
        while end < len(lines) and lines[end].startswith(b"- "):
            end += 1
        members = {line[2:] for line in lines[start:end]}
        for gone in self.rng.sample(sorted(members), min(len(members), changes // 2)):
            members.discard(gone)
        while len(members) < end - start - changes // 2 + changes - changes // 2:
            members.add(self.rng.choice(self.user_ids).encode())
        return b"\n".join(lines[:start] + [b"- " + m for m in sorted(members)] + lines[end:])

    def nightly(self, night: int) -> dict[str, bytes | None]:
        """The files the nightly changes: path -> new bytes (None: deleted)."""
        changed: dict[str, bytes | None] = {}
        rng, churn = self.rng, self.churn
        for folder, key in (("users", b"jobTitle"), ("applications", b"notes"), ("servicePrincipals", b"notes")):
            live = self.live(folder)
            for path in rng.sample(live, max(1, round(len(live) * churn))) if live else ():
                data = self.read(path)
                assert data is not None
                changed[path] = self._edit_line(data, key, night)
        groups = self.live("groups")
        links = sum(self.read(p).count(b"\n- ") for p in groups[:50]) / max(1, min(50, len(groups)))
        touched = rng.sample(groups, max(1, round(len(groups) * churn))) if groups else []
        per_group = max(2, round(links * len(groups) * churn / max(1, len(touched))))
        for path in touched:
            data = self.read(path)
            assert data is not None
            changed[path] = self._edit_members(data, per_group)
        users = self.live("users")
        for path in rng.sample(users, max(1, round(len(users) * churn / 10))) if users else ():
            changed[path] = None  # deleted
        template = self.read(users[0]) if users else None
        for _ in range(max(1, round(len(users) * churn / 10))) if template else ():
            self.created += 1
            new_id = f"c{night:05d}{self.created:07d}-0000-4000-8000-000000000000"
            path = f"{STATE}/users/{new_id}.yaml"
            self.files["users"].append(path)
            changed[path] = self._edit_line(template, b"jobTitle", night).replace(
                Path(users[0]).stem.encode(), new_id.encode())
        self.current.update(changed)
        return changed


# ---------------------------------------------------------------------------------------------- git
def git(cwd: Path, *args: str, input: bytes | None = None, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, input=input, capture_output=True,
                          env={**os.environ, **(env or {})})
    if done.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)}: {done.stderr.decode(errors='replace')}")
    return done.stdout.decode(errors="replace")


IDENT = {"GIT_AUTHOR_NAME": "entragit", "GIT_AUTHOR_EMAIL": "entragit@users.noreply.github.com",
         "GIT_COMMITTER_NAME": "entragit", "GIT_COMMITTER_EMAIL": "entragit@users.noreply.github.com"}


def fast_import_stream(tenant: Tenant, first_night: int, nights: int, *, initial: bool, when: int,
                       tip: str | None) -> Iterator[bytes]:
    """A ``git fast-import`` stream: the initial backup (every file) and/or the nightlies' commits; the first
    commit continues ``tip`` (the branch as the last checkpoint's push left it), later ones the stream's own."""
    parent = [tip]

    def commit(message: str, stamp: int, files: dict[str, bytes | None]) -> Iterator[bytes]:
        msg = message.encode()
        yield (b"commit refs/heads/main\ncommitter entragit <entragit@users.noreply.github.com> "
               + f"{stamp} +0000\n".encode() + f"data {len(msg)}\n".encode() + msg + b"\n")
        if parent[0]:
            yield f"from {parent[0]}\n".encode()
            parent[0] = None
        for path, data in files.items():
            if data is None:
                yield f"D {path}\n".encode()
            else:
                yield f"M 100644 inline {path}\ndata {len(data)}\n".encode() + data + b"\n"
        yield b"\n"

    if initial:
        everything = {p: (tenant.base / p).read_bytes() for paths in tenant.files.values() for p in paths}
        tag = time.strftime("backup/%Y%m%dT%H%M%SZ", time.gmtime(when))
        yield from commit(f"entragit backup: initial\n\nEntragit-Backup: {tag}\n", when, everything)
        del everything
    for night in range(first_night, first_night + nights):
        stamp = when + 86400 * night
        tag = time.strftime("backup/%Y%m%dT%H%M%SZ", time.gmtime(stamp))
        # a backup commit carries its trailer (entragit.backups.core): the backup's own history walks skip it
        yield from commit(f"entragit backup: nightly {night}\n\nEntragit-Backup: {tag}\n", stamp,
                          tenant.nightly(night))


def write_history(remote: Path, tenant: Tenant, first_night: int, nights: int, *, initial: bool,
                  when: int) -> float:
    start = time.monotonic()
    tip = None if initial else git(remote, "rev-parse", "refs/heads/main").strip()
    proc = subprocess.Popen(["git", "fast-import", "--quiet", "--depth=50"], cwd=remote, stdin=subprocess.PIPE)
    assert proc.stdin is not None
    for chunk in fast_import_stream(tenant, first_night, nights, initial=initial, when=when, tip=tip):
        proc.stdin.write(chunk)
    proc.stdin.close()
    if proc.wait() != 0:
        raise RuntimeError("git fast-import failed")
    return time.monotonic() - start


def size_of(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def mib(n: float) -> str:
    return f"{n / 2**20:,.1f} MiB"


# ---------------------------------------------------------------------------------------------- checkpoint
def checkpoint(remote: Path, tenant: Tenant, night: int, work: Path) -> dict[str, float]:
    """Server upkeep, then what one CI run pays: fresh clone, one backup, upkeep, push."""
    from entragit.backups import backup, open_repo
    from entragit.backups.upkeep import run_upkeep

    figures: dict[str, float] = {}
    start = time.monotonic()
    git(remote, "gc", "--quiet")  # what the hosting service does on its own
    figures["server_gc_s"] = time.monotonic() - start
    figures["remote_bytes"] = size_of(remote / "objects")

    clone = work / f"clone-{night}"
    start = time.monotonic()
    git(work, "clone", "--quiet", "--no-local", "--no-checkout", str(remote), str(clone))
    figures["clone_s"] = time.monotonic() - start
    figures["clone_bytes"] = size_of(clone / ".git" / "objects")
    start = time.monotonic()
    git(clone, "checkout", "--quiet", "main")
    figures["checkout_s"] = time.monotonic() - start
    git(clone, "config", "user.name", IDENT["GIT_AUTHOR_NAME"])
    git(clone, "config", "user.email", IDENT["GIT_AUTHOR_EMAIL"])
    before = git(clone, "rev-parse", "HEAD").strip()

    changes = tenant.nightly(night)

    def export_step(out_dir: Path) -> None:
        for rel, data in changes.items():
            path = clone / rel
            if data is None:
                path.unlink(missing_ok=True)
            else:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(data)

    start = time.monotonic()
    result = backup(clone, export_step=export_step, upkeep=False,
                    now=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(1_767_222_000 + 86400 * night)))
    figures["backup_git_s"] = time.monotonic() - start
    upkeep = run_upkeep(open_repo(clone))
    figures["upkeep_s"] = upkeep.seconds
    figures["loose_after_backup"] = upkeep.loose_before
    figures["upkeep_packed"] = float(upkeep.loose_after < upkeep.loose_before)
    pack = subprocess.run(["git", "pack-objects", "--revs", "--thin", "--stdout", "--delta-base-offset", "-q"],
                          cwd=clone, input=f"{result.commit}\n^{before}\n".encode(), capture_output=True)
    figures["push_pack_bytes"] = len(pack.stdout)
    start = time.monotonic()
    git(clone, "push", "--quiet", "--atomic", "origin", "HEAD:refs/heads/main",
        f"refs/tags/{result.tag}:refs/tags/{result.tag}")
    figures["push_s"] = time.monotonic() - start
    shutil.rmtree(clone)
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--groups", type=int, default=None, help="default: users / 5 (L: 20,000)")
    parser.add_argument("--members", type=int, default=100, help="members per group (L: 100)")
    parser.add_argument("--applications", type=int, default=5_000)
    parser.add_argument("--service-principals", type=int, default=15_000,
                        help="service principals (L: 15,000; 0: the generator's, one per application)")
    parser.add_argument("--nights", type=int, nargs="+", default=[30, 365], help="checkpoints (ascending)")
    parser.add_argument("--churn", type=float, default=0.01)
    parser.add_argument("--base", type=Path, default=None, help="keep the exported base tree here (reused)")
    parser.add_argument("--keep", type=Path, default=None, help="work in this folder and keep it")
    args = parser.parse_args()
    groups = args.groups if args.groups is not None else args.users // 5

    work = args.keep or Path(tempfile.mkdtemp(prefix="entragit-growth-"))
    work.mkdir(parents=True, exist_ok=True)
    base = args.base or work / "base"
    try:
        if not (base / STATE).is_dir():
            build_base(base, args.users, groups, args.members, args.applications, args.service_principals or None)
        tenant = Tenant(base, args.churn)
        counts = {k: len(v) for k, v in tenant.files.items()}
        print(f"git {git(work, '--version').split()[-1]}, {os.cpu_count()} CPUs; tenant-state files: "
              + ", ".join(f"{k} {v:,}" for k, v in counts.items() if v > 10) + f"; churn {args.churn:.1%}")
        remote = work / "remote.git"
        git(work, "init", "--quiet", "--bare", "--initial-branch=main", str(remote))
        done = 0
        rows = []
        for target in sorted(args.nights):
            seconds = write_history(remote, tenant, done + 1, target - done - 1, initial=done == 0,
                                    when=1_767_222_000)
            print(f"history to nightly {target - 1}: written in {seconds:.0f} s", flush=True)
            figures = checkpoint(remote, tenant, target, work)
            done = target
            rows.append((target, figures))
            print(f"after {target} nightlies: " + ", ".join(
                f"{k} {mib(v) if k.endswith('bytes') else f'{v:.2f}'}" for k, v in figures.items()), flush=True)
        print()
        print(f"{'nightlies':>9}  {'remote':>10}  {'clone':>10}  {'clone s':>8}  {'checkout s':>10}  "
              f"{'backup s':>8}  {'upkeep s':>8}  {'push':>11}  {'push s':>6}")
        for night, f in rows:
            print(f"{night:>9}  {mib(f['remote_bytes']):>10}  {mib(f['clone_bytes']):>10}  {f['clone_s']:>8.1f}  "
                  f"{f['checkout_s']:>10.1f}  {f['backup_git_s']:>8.1f}  {f['upkeep_s']:>8.1f}  "
                  f"{f['push_pack_bytes'] / 1024:>7,.0f} KiB  {f['push_s']:>6.1f}")
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
