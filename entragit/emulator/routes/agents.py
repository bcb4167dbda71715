"""Routes of Entra Agent ID objects: the type casts that list and create them below their base sets
(``facts/agents.py``; both namespace forms, ``microsoft.graph.`` and ``graph.``)."""

from __future__ import annotations

from entragit.emulator.backend import Tenant
from entragit.emulator.facts.agents import AGENT_KINDS
from entragit.emulator.routes.http import Call, Reply, Router, context, entity_reply


def agent_routes(r: Router, t: Tenant) -> None:
    for kind in AGENT_KINDS.values():
        collection = t.types[kind.set_key].collection

        def list_agents(call: Call, name: str = kind.type_name, coll: str = collection) -> Reply:
            return Reply.json({"@odata.context": context(call, f"{coll}/microsoft.graph.{name}"),
                               "value": t.agents(name)})

        def create_agent(call: Call, name: str = kind.type_name, coll: str = collection) -> Reply:
            return entity_reply(call, f"{coll}/microsoft.graph.{name}", t.create_agent(name, call.json()),
                                status=201)

        for namespace in ("microsoft.graph", "graph"):
            r.add("GET", f"{collection}/{namespace}.{kind.type_name}", list_agents)
            r.add("POST", f"{collection}/{namespace}.{kind.type_name}", create_agent)
