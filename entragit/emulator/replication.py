"""Replication lag: Microsoft Entra's eventual consistency, deterministic (off by default).

"A successful write to Microsoft Entra does not guarantee that an immediate read will reflect that change
... it is normal for a newly created object to return a 'Not Found'" (Microsoft identity blog, "Designing for
eventual consistency for Microsoft Entra",
https://devblogs.microsoft.com/identity/designing-for-eventual-consistency-for-microsoft-entra). With a lag
set, for that long after a directory object is created or restored:

- a request naming it in its path answers 404 ``Request_ResourceNotFound`` (the replica lacks it);
- ``POST .../members/$ref`` or ``.../owners/$ref`` (and ``members@odata.bind``) naming it, as group or as
  member, answers 400 ``Request_BadRequest`` "The source resource object or one of the objects being
  referenced don't exist." (group-post-members, "Response"); so do app role assignments and delegated
  permission grants naming it (the same text, taken strictly: Learn gives none for them);
- ``POST /servicePrincipals`` for a new application's ``appId`` answers 400 with the detail code
  ``NoBackingApplicationObject`` ("The appId '...' of the service principal does not reference a valid
  application object.", as Graph answers it in public reports);
- listings with ``$filter`` leave it out (user-list: "This request might have replication delays for users
  that were recently created, updated, or deleted");

and for that long after a deletion the object is missing from ``directory/deletedItems`` (listed, read,
restored or purged: 404).

The lag is counted in Graph requests (``{"requests": N}``: the next N requests do not see it, ``$batch``
items each counting) or in emulator-clock seconds (``{"seconds": S}``), never in wall-clock
sleeps. The layer sits between the HTTP routing and the backend (like a lagging read replica): the backend
itself stays consistent.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from entragit.emulator.errors import GraphError, NotFound

if TYPE_CHECKING:
    from entragit.emulator.limits import Clock
    from entragit.emulator.routes import Call, Reply

NEW, DELETED = "new", "deleted"
# Collections of directory objects whose creates replicate (the blog: "a user, application, service
# principal, or group membership"; devices, contacts and administrative units are directory objects too).
DIRECTORY_COLLECTIONS = frozenset({"users", "groups", "applications", "serviceprincipals", "devices", "contacts",
                                   "administrativeunits"})
_GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
REFERENCE_MISSING = "The source resource object or one of the objects being referenced don't exist."
NO_BACKING_APP = "The appId '{app_id}' of the service principal does not reference a valid application object."
# Body fields naming other directory objects in assignment and grant writes.
_BODY_REFS = ("principalId", "resourceId", "clientId")


@dataclass
class _Pending:
    kind: str
    due: float  # request count or clock time at which replicas have it
    app_id: str | None = None


class Replication:
    """Pending (not yet replicated) objects and the knob; one per emulator."""

    def __init__(self, clock: Clock, *, requests: int = 0, seconds: float = 0.0) -> None:
        self.clock = clock
        self.requests = int(requests)
        self.seconds = float(seconds)
        self.served = 0  # Graph requests seen while the lag is on
        self.pending: dict[str, _Pending] = {}

    # ------------------------------------------------------------------ knobs
    @property
    def enabled(self) -> bool:
        return self.requests > 0 or self.seconds > 0

    def configure(self, requests: Any = None, seconds: Any = None, off: Any = None, **unknown: Any) -> dict[str, Any]:
        if unknown:
            raise ValueError(f"unknown replication knob(s): {', '.join(sorted(unknown))} (known: requests, "
                             "seconds, off)")
        if off:
            self.requests, self.seconds = 0, 0.0
        if requests is not None:
            if int(requests) < 0:
                raise ValueError("replication requests must be >= 0")
            self.requests, self.seconds = int(requests), 0.0
        if seconds is not None:
            if float(seconds) < 0:
                raise ValueError("replication seconds must be >= 0")
            self.seconds, self.requests = float(seconds), 0
        if not self.enabled:
            self.pending.clear()
        return self.snapshot()

    def snapshot(self) -> dict[str, Any]:
        return {"requests": self.requests, "seconds": self.seconds, "pending": len(self._live())}

    def reset(self) -> None:
        """A new tenant: nothing pending (the knob stays)."""
        self.pending.clear()
        self.served = 0

    @staticmethod
    def parse(spec: str) -> dict[str, Any]:
        """The ``serve --replication-lag`` value: ``N`` requests or ``Ns`` seconds (``0``: off)."""
        text = spec.strip().lower()
        try:
            if text.endswith("s"):
                return {"seconds": float(text[:-1])}
            return {"requests": int(text)}
        except ValueError:
            raise ValueError(f"replication lag: expected N (requests) or Ns (seconds), got {spec!r}") from None

    # ------------------------------------------------------------------ state
    def _now(self) -> float:
        return float(self.served) if self.requests else self.clock.time()

    def _due(self) -> float:
        # requests: hidden from the next N requests (the one that made it is served already)
        return self._now() + (self.requests + 1 if self.requests else self.seconds)

    def _live(self) -> dict[str, _Pending]:
        now = self._now()
        for obj_id in [i for i, p in self.pending.items() if p.due <= now]:
            del self.pending[obj_id]
        return self.pending

    def lagging(self, obj_id: str | None, kind: str = NEW) -> bool:
        if not obj_id or not self.pending:
            return False
        p = self._live().get(obj_id.lower())
        return p is not None and p.kind == kind

    def note(self, obj_id: str, kind: str, app_id: str | None = None) -> None:
        self.pending[obj_id.lower()] = _Pending(kind, self._due(), app_id.lower() if app_id else None)

    # ------------------------------------------------------------------ per request
    def before(self, call: Call, template: str) -> None:
        """Count the request; refuse it as a lagging replica would."""
        if not self.enabled:
            return
        self.served += 1
        if not self._live():
            return
        method, low = call.method, template.lower()
        deleted_items = low.startswith("directory/deleteditems/{")
        for segment in call.path.split("/"):
            if self.lagging(segment, DELETED if deleted_items else NEW):
                if method == "POST" and low.endswith("/$ref"):
                    raise GraphError(REFERENCE_MISSING, code="Request_BadRequest", status=400)
                raise NotFound.resource(segment)
        if method not in ("POST", "PATCH", "PUT"):
            return
        body = _body(call)
        if not isinstance(body, dict):
            return
        refs = [_last_guid(body.get("@odata.id"))] if low.endswith("/$ref") else []
        refs += [_last_guid(v) for v in body.get("members@odata.bind") or [] if isinstance(v, str)]
        refs += [_last_guid(v) for v in body.get("owners@odata.bind") or [] if isinstance(v, str)]
        refs += [body.get(k) for k in _BODY_REFS if isinstance(body.get(k), str)]
        if any(self.lagging(r) for r in refs):
            raise GraphError(REFERENCE_MISSING, code="Request_BadRequest", status=400)
        if method == "POST" and low == "serviceprincipals" and isinstance(body.get("appId"), str):
            app_id = body["appId"].lower()
            if any(p.kind == NEW and p.app_id == app_id for p in self._live().values()):
                message = NO_BACKING_APP.format(app_id=body["appId"])
                raise GraphError(message, code="Request_BadRequest", status=400,
                                 details=[{"code": "NoBackingApplicationObject", "message": message,
                                           "target": "appId"}])

    def after(self, call: Call, template: str, reply: Reply) -> None:
        """Note what this request created, restored or deleted; hide lagging objects from listings."""
        if not self.enabled or reply.status >= 300:
            return
        method, low = call.method, template.lower()
        head = low.split("/", 1)[0]
        if method == "POST" and reply.status == 201 and head in DIRECTORY_COLLECTIONS and "/" not in low.replace(
                "/microsoft.graph.", "."):
            created = _reply_json(reply)
            if isinstance(created, dict) and isinstance(created.get("id"), str):
                self.note(created["id"], NEW, created.get("appId") if head == "applications" else None)
        elif method == "POST" and low.startswith("directory/deleteditems/{") and low.endswith("restore"):
            restored = _reply_json(reply)
            app_id = restored.get("appId") if isinstance(restored, dict) else None
            self.note(call.params.get("id", ""), NEW, app_id)
        elif method == "DELETE" and head in DIRECTORY_COLLECTIONS and low.count("/") == 1:
            self.note(call.params.get("id", ""), DELETED)
        elif method == "GET" and self.pending and reply.body:
            if low.startswith("directory/deleteditems"):
                self._hide(reply, DELETED)
            elif "$filter" in call.query:
                self._hide(reply, NEW)

    def _hide(self, reply: Reply, kind: str) -> None:
        data = _reply_json(reply)
        if not isinstance(data, dict) or not isinstance(data.get("value"), list):
            return
        kept = [item for item in data["value"] if not (isinstance(item, dict) and self.lagging(item.get("id"), kind))]
        if len(kept) == len(data["value"]):
            return
        if isinstance(data.get("@odata.count"), int):
            data["@odata.count"] -= len(data["value"]) - len(kept)
        data["value"] = kept
        from entragit.emulator.models import dumps

        reply.body = dumps(data)


def _body(call: Call) -> Any:
    try:
        return call.json()
    except GraphError:
        return None


def _reply_json(reply: Reply) -> Any:
    try:
        return json.loads(reply.body) if reply.body else None
    except ValueError:
        return None


def _last_guid(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    found = _GUID.findall(value)
    return found[-1] if found else None
