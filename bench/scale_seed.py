"""The scale generator at the L tenant of issue 14: generation time, peak RSS, emulator load.

Prints, for ``scale_seed(users=100000, groups=20000, members_per_group=100, applications=5000,
service_principals=15000)`` (override with the flags): objects and membership links, seed generation time,
the process's peak RSS after generation, ``Emulator(seed=...)`` load time and peak RSS after the load.

    .venv/bin/python bench/scale_seed.py [--users N] [--groups N] [--members N] [--applications N]
                                         [--service-principals N] [--no-load]
"""

from __future__ import annotations

import argparse
import resource
import sys
import time


def peak_rss_mb() -> float:
    """This process's peak resident set size (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--groups", type=int, default=20_000)
    parser.add_argument("--members", type=int, default=100, help="members per group")
    parser.add_argument("--applications", type=int, default=5_000)
    parser.add_argument("--service-principals", type=int, default=15_000)
    parser.add_argument("--no-load", action="store_true", help="skip loading the seed into an emulator")
    args = parser.parse_args(argv)

    from entragit.emulator.seeds import scale_seed

    start = time.perf_counter()
    seed = scale_seed(users=args.users, groups=args.groups, members_per_group=args.members,
                      applications=args.applications, service_principals=args.service_principals)
    built = time.perf_counter() - start
    links = sum(len(g.get("members") or []) for g in seed["groups"])
    print(f"seed: {len(seed['users']):,} users, {len(seed['groups']):,} groups, {links:,} membership links, "
          f"{len(seed['applications']):,} applications, {len(seed['servicePrincipals']):,} service principals")
    print(f"generation: {built:.1f} s, peak RSS {peak_rss_mb():,.0f} MB")
    if args.no_load:
        return
    from entragit.emulator import Emulator

    start = time.perf_counter()
    emu = Emulator(seed=seed)
    loaded = time.perf_counter() - start
    counts = emu.backend.counts()
    print(f"emulator load: {loaded:.1f} s, peak RSS {peak_rss_mb():,.0f} MB "
          f"({counts.get('users', 0):,} users, {counts.get('servicePrincipals', 0):,} service principals)")


if __name__ == "__main__":
    main(sys.argv[1:])
