"""``python -m entragit.emulator.metadata``: what parsing Graph's v1.0 metadata costs (time, memory, counts)."""

from __future__ import annotations

import time
import tracemalloc

from entragit.emulator.metadata import Model, _read

if __name__ == "__main__":
    start = time.perf_counter()
    root = _read()
    parsed = time.perf_counter()
    model = Model(root)
    built = time.perf_counter()
    del root, model
    tracemalloc.start()
    model = Model(_read())
    kept, peak = tracemalloc.get_traced_memory()
    print(f"v1.0 metadata: decompress+parse {parsed - start:.3f} s, model {built - parsed:.3f} s; "
          f"{len(model.types):,} structured types, {len(model.enums):,} enums "
          f"({sum(1 for e in model.enums.values() if e.evolvable):,} evolvable), {len(model.entity_sets)} entity "
          f"sets; memory kept {kept / 2**20:.1f} MiB, peak {peak / 2**20:.1f} MiB")
