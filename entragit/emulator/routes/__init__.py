"""Graph paths -> backend calls (moto's ``urls.py`` + ``responses.py``): one small handler per operation.

Routes for the entity sets are generated from their facts (collection, item, delta, singleton,
and the link templates ``read``/``add``/``remove``/``update`` of each link; ``types.py``); the rest of
Graph's surface the emulator serves is listed by hand: deleted items (``deleted.py``), assignments and grants
(``principals.py``), actions and ``directoryObjects`` (``directory.py``). Handlers get a :class:`Call` and
return a :class:`Reply` (``http.py``).
"""

from __future__ import annotations

from entragit.emulator.backend import Tenant
from entragit.emulator.routes.agents import agent_routes
from entragit.emulator.routes.deleted import deleted_routes
from entragit.emulator.routes.directory import directory_routes
from entragit.emulator.routes.http import (
    Call,
    Handler,
    Reply,
    Route,
    Router,
    context,
    delta_reply,
    entity_reply,
    page_reply,
    value_reply,
)
from entragit.emulator.routes.principals import principal_routes
from entragit.emulator.routes.types import type_routes

__all__ = ["Call", "Handler", "Reply", "Route", "Router", "build_router", "context", "delta_reply", "entity_reply",
           "page_reply", "value_reply"]


def build_router(tenant: Tenant) -> Router:
    """Every Graph route the emulator serves, for the tenant's registry."""
    r = Router()
    deleted_routes(r, tenant)
    principal_routes(r, tenant)
    directory_routes(r, tenant)
    agent_routes(r, tenant)
    for rt in tenant.registry:
        type_routes(r, tenant, rt)
    return r
