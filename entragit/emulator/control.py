"""The control plane beside Graph's paths (moto's server-mode ``/moto-api``): JSON under ``/_emulator``.

=========================================  ==========================================================
``GET  /_emulator/health``                 ``{"ok": true, "tenantId": ...}``
``POST /_emulator/reset``                  empty the tenant and reload the current seed (body optional:
                                           ``{"seed": "demo" | "empty" | path | {seed dict}}``); counters,
                                           buckets and fault sequences restart
``POST /_emulator/seed``                   load a seed: body is a seed name (JSON string), ``{"seed": ...}``
                                           or a seed dict
``GET  /_emulator/state``                  everything the tenant holds (seed format + deleted items)
``GET  /_emulator/requests?limit=N``       the request log (oldest first)
``GET  /_emulator/counters``               counts per method + path pattern (requests, resource units,
                                           writes, throttled, errors), totals, object counts
``POST /_emulator/counters/reset``         clear the request log and counters
``GET|POST /_emulator/faults``             fault knobs (``latencyMs``, ``faultRate``, ``throttleEvery``,
                                           ``errorEvery``, ``dropRate``, ``dropEvery``, ``retryAfter``,
                                           ``paths``, ``methods``, ``randomSeed``, ``reset``)
``GET|POST /_emulator/quotas``             throttling knobs (``enabled``, ``scale``, ``caLimit``,
                                           ``ruLimit``, ``writeLimit``, ... ``reset``)
``GET|POST /_emulator/clock``              clock knobs (``now``/``set``, ``days``, ``seconds``, ``frozen``,
                                           ``reset``)
``POST /_emulator/delta``                  ``{"resync": ["users", ...] | "all"}``: the next round with a
                                           delta token answers 410 Gone + Location
``GET|POST /_emulator/settings``           ``{"allowPolicyRestore": bool}`` (restore of deleted CA
                                           policies/named locations, refused for app-only callers)
``POST /_emulator/objects``               ``{"type": "contacts", "objects": [...]}``: add seed-format objects
                                           to the live tenant (sets Graph cannot write: contacts)
``GET|POST /_emulator/permissions``        ``{"granted": "all" | ["User.Read.All", ...]}``: the calling
                                           app's application permissions (permissions.py)
``GET|POST /_emulator/replication``        ``{"requests": N}`` | ``{"seconds": S}`` | ``{"off": true}``:
                                           replication lag (replication.py)
``GET|POST /_emulator/audit``              ``delaySeconds``, ``retentionDays``, ``caller``, ``clear``: the
                                           directory audit log (audit.py)
=========================================  ==========================================================
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from entragit.emulator.errors import EmulatorInputError
from entragit.emulator.models import dumps
from entragit.emulator.routes import Reply

if TYPE_CHECKING:
    from entragit.emulator import Emulator


class ControlError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def handle_control(emu: Emulator, method: str, path: str, query: str, body: bytes) -> Reply:
    try:
        data = _json(body)
        name = path[len("/_emulator"):].strip("/")
        params = dict(parse_qsl(query))
        result = _dispatch(emu, method, name, params, data)
        return Reply(200, dumps(result), {"Content-Type": "application/json"})
    except ControlError as exc:
        return _error(exc.status, str(exc))
    except (EmulatorInputError, ValueError, TypeError) as exc:
        return _error(400, str(exc))


def _error(status: int, message: str) -> Reply:
    return Reply(status, dumps({"error": {"code": "BadRequest" if status == 400 else "NotFound",
                                          "message": message}}), {"Content-Type": "application/json"})


def _json(body: bytes) -> Any:
    if not body or not body.strip():
        return None
    try:
        return json.loads(body)
    except ValueError as exc:
        raise ControlError(400, f"invalid JSON body: {exc}") from None


def _knobs(data: Any) -> dict[str, Any]:
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ControlError(400, "expected a JSON object of knobs")
    return data


def _dispatch(emu: Emulator, method: str, name: str, params: dict[str, str], data: Any) -> Any:
    if name == "health" and method == "GET":
        return {"ok": True, "tenantId": emu.backend.tenant_id}
    if name == "reset" and method == "POST":
        seed = data.get("seed") if isinstance(data, dict) else None
        emu.reset(seed)
        return {"ok": True, "tenantId": emu.backend.tenant_id, "counts": emu.backend.counts()}
    if name == "seed" and method == "POST":
        if data is None:
            raise ControlError(400, "POST /_emulator/seed needs a seed name, {\"seed\": ...} or a seed dict")
        seed = data["seed"] if isinstance(data, dict) and set(data) == {"seed"} else data
        emu.reset(seed)
        return {"ok": True, "tenantId": emu.backend.tenant_id, "counts": emu.backend.counts()}
    if name == "state" and method == "GET":
        state = emu.backend.state()
        state["clock"] = emu.clock.snapshot()
        return state
    if name == "requests" and method == "GET":
        limit = int(params["limit"]) if params.get("limit") else None
        return {"value": emu.counters.requests(limit)}
    if name == "counters" and method == "GET":
        return {**emu.counters.snapshot(), "objects": emu.backend.counts(),
                "deletedItems": len(emu.backend.deleted), "faults": emu.faults.snapshot()["injected"]}
    if name == "counters/reset" and method == "POST":
        emu.counters.reset()
        return {"ok": True}
    if name == "faults":
        return emu.faults.configure(**_knobs(data)) if method == "POST" else emu.faults.snapshot()
    if name == "quotas":
        return emu.limiter.configure(**_knobs(data)) if method == "POST" else emu.limiter.snapshot()
    if name == "clock":
        return emu.clock.configure(**_knobs(data)) if method == "POST" else emu.clock.snapshot()
    if name == "delta" and method == "POST":
        knobs = _knobs(data)
        resync = knobs.get("resync", [])
        keys = [k for k, rt in emu.backend.types.items() if rt.delta] if resync == "all" else list(resync)
        for key in keys:
            if key not in emu.backend.deltas:
                raise ControlError(400, f"{key!r} has no delta query")
        emu.backend.force_resync.update(keys)
        return {"resync": sorted(emu.backend.force_resync)}
    if name == "settings":
        knobs = _knobs(data)
        if method == "POST":
            for key, value in knobs.items():
                if key != "allowPolicyRestore":
                    raise ControlError(400, f"unknown setting {key!r} (known: allowPolicyRestore)")
                emu.backend.allow_policy_restore = bool(value)
        return {"allowPolicyRestore": emu.backend.allow_policy_restore}
    if name == "objects" and method == "POST":
        knobs = _knobs(data)
        if set(knobs) != {"type", "objects"} or not isinstance(knobs["objects"], list):
            raise ControlError(400, 'POST /_emulator/objects takes {"type": "<seed key>", "objects": [...]}')
        return {"added": emu.backend.add_objects(str(knobs["type"]), knobs["objects"])}
    if name in ("permissions", "replication", "audit"):
        layer = {"permissions": emu.permissions, "replication": emu.replication, "audit": emu.audit}[name]
        return layer.configure(**_knobs(data)) if method == "POST" else layer.snapshot()
    raise ControlError(404, f"no control-plane endpoint {method} /_emulator/{name}")
