"""``python -m entragit.emulator.seeds [USERS]``: seed generation and check times (a quick check, not a
benchmark)."""

from __future__ import annotations

import sys
import time

from entragit.emulator.seeds.checks import check_seed
from entragit.emulator.seeds.scale import scale_seed


def _quick_check(users: int = 100_000) -> str:
    """Seed generation and check times for `users` users (a quick check, not a benchmark)."""
    start = time.perf_counter()
    seed = scale_seed(users=users)
    built = time.perf_counter() - start
    start = time.perf_counter()
    problems = check_seed(seed)
    checked = time.perf_counter() - start
    return (f"scale_seed(users={users:,}): {built:.2f} s ({len(seed['groups']):,} groups); "
            f"check_seed: {checked:.2f} s, {len(problems)} problems")


if __name__ == "__main__":
    print(_quick_check(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000))
