"""Microsoft Entra Agent ID objects: derived types of the directory's main sets, each created only through its own
type-cast endpoint (Learn, https://learn.microsoft.com/en-us/entra/agent-id/identity-platform/agentid-platform-overview
and the create pages below); listed among their base set with their ``@odata.type`` (``GET /servicePrincipals``
returns ``#microsoft.graph.agentIdentity`` objects).

- agentIdentityBlueprint (an application): ``POST /applications/microsoft.graph.agentIdentityBlueprint``
  (agentidentityblueprint-post);
- agentIdentityBlueprintPrincipal (a service principal): ``POST /servicePrincipals/microsoft.graph.
  agentIdentityBlueprintPrincipal``, "the request body must contain appId of the agentIdentityBlueprint object"
  (agentidentityblueprintprincipal-post);
- agentIdentity (a service principal): ``POST /servicePrincipals/microsoft.graph.agentIdentity``, "the request
  body must contain displayName, agentIdentityBlueprintId, and a valid sponsor reference" (agentidentity-post);
- agentUser (a user): ``POST /users/microsoft.graph.agentUser`` with ``identityParentId``, the agent identity it
  belongs to (agentuser-post).
"""

from __future__ import annotations

from dataclasses import dataclass

LEARN = "https://learn.microsoft.com/en-us/graph/api/{}?view=graph-rest-1.0"


@dataclass(frozen=True)
class AgentKind:
    type_name: str  # the derived entity type ("agentIdentity")
    set_key: str  # the base set it is listed in ("servicePrincipals")
    required: tuple[str, ...]  # what the cast POST must carry
    own: tuple[str, ...]  # properties the derived type adds to its base (metadata)
    page: str  # Learn create page

    @property
    def odata_type(self) -> str:
        return f"#microsoft.graph.{self.type_name}"

    @property
    def source(self) -> str:
        return LEARN.format(self.page)


AGENT_KINDS: dict[str, AgentKind] = {k.type_name: k for k in (
    AgentKind("agentIdentityBlueprint", "applications", ("displayName",), ("inheritablePermissions",),
              "agentidentityblueprint-post"),
    AgentKind("agentIdentityBlueprintPrincipal", "servicePrincipals", ("appId",), (),
              "agentidentityblueprintprincipal-post"),
    AgentKind("agentIdentity", "servicePrincipals", ("displayName", "agentIdentityBlueprintId", "sponsors@odata.bind"),
              ("agentIdentityBlueprintId",), "agentidentity-post"),
    AgentKind("agentUser", "users", ("displayName", "identityParentId", "mailNickname", "userPrincipalName",
                                     "accountEnabled"), ("identityParentId",), "agentuser-post"),
)}
