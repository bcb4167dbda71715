"""Helpers of the export tests: the emulator's truth in stored form, tree snapshots, a Graph write."""

from __future__ import annotations

import copy
import os
from pathlib import Path
from typing import Any

from entragit import resources
from entragit.emulator import Emulator
from entragit.emulator.facts import SHARED_SETS
from entragit.resources.base import ResourceType

Snapshot = dict[str, tuple[bytes, int, int, int]]


def truth(emu: Emulator) -> dict[str, dict[str, dict[str, Any]]]:
    """``{type key: {id: Graph object with its links attached}}`` from the control plane's state (seed
    format), the links of shared sets (assignments, grants) gathered per owner."""
    state = emu.backend.state()
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for rt in resources.all_types():
        raw = state[rt.key]
        objects = [raw] if isinstance(raw, dict) else raw
        by_id = {}
        for obj in objects:
            obj = copy.deepcopy(obj)
            for link in rt.links:
                if link.name in SHARED_SETS:
                    seed_key, owner_field = SHARED_SETS[link.name]
                    obj[link.name] = [e for e in state[seed_key] if e.get(owner_field) == obj["id"]]
                elif isinstance(obj.get(link.name), list) and obj[link.name] and isinstance(obj[link.name][0], str):
                    # directory object links as Graph lists them (each with its @odata.type): normalize() keeps
                    # the kinds of linked objects entragit does not manage (devices, contacts) from them
                    obj[link.name] = [_typed(emu, ref) for ref in obj[link.name]]
            by_id[obj["id"]] = obj
        out[rt.key] = by_id
    return out


def _typed(emu: Emulator, ref: str) -> dict[str, Any]:
    found = emu.backend.directory_object(ref)
    odata_type = (found[1].get("@odata.type") or found[0].odata_type) if found else "#microsoft.graph.directoryObject"
    return {"@odata.type": odata_type, "id": ref}


def snapshot(root: Path) -> Snapshot:
    """Every file below ``root``: bytes, inode, mtime and ctime (ns): what an untouched tree keeps."""
    snap: Snapshot = {}
    for path in sorted(root.rglob("*")):
        if path.is_file():
            st = os.stat(path)
            snap[str(path.relative_to(root))] = (path.read_bytes(), st.st_ino, st.st_mtime_ns, st.st_ctime_ns)
    return snap


def folder_files(root: Path, rt: ResourceType) -> list[str]:
    return sorted(p.name for p in (root / rt.key).glob("*.yaml"))
