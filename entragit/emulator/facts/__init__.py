"""The emulator's own facts about Graph: what a server knows that the metadata does not say.

- :mod:`.model`: the shape of one entity set's facts (:class:`EntitySet`, :class:`Link`, :class:`Ref`, delete and
  link kinds) and path helpers;
- :mod:`.directory`: users, groups, applications, service principals, organization;
- :mod:`.devices`: devices, organizational contacts, directory roles, administrative units;
- :mod:`.policies`: Conditional Access policies, named locations, authentication strengths, the authentication
  methods and authorization policies;
- :mod:`.server`: server-wide facts (default properties, page sizes of delta rounds, lifetimes, limits, error
  texts).

Every fact cites its Microsoft Learn source. Schema facts (which properties exist, their types and enums,
abstract and derived types) come from Graph's metadata (:mod:`entragit.emulator.metadata`). Nothing here reads
the client's declarations (``entragit.resources``): a wrong declaration must be able to fail against the
emulator.
"""

from __future__ import annotations

from entragit.emulator.facts.devices import OTHER_DIRECTORY
from entragit.emulator.facts.directory import DIRECTORY
from entragit.emulator.facts.model import (
    DeleteKind,
    EntitySet,
    Link,
    LinkKind,
    Ref,
    Registry,
    iter_path,
    path_values,
)
from entragit.emulator.facts.policies import POLICIES
from entragit.emulator.facts.server import (
    BETA_PROPERTIES,
    DEFAULT_PROPERTIES,
    DELETED_RETENTION,
    DELTA_PAGE_LINKS,
    DELTA_PAGE_SIZE,
    DELTA_TOKEN_LIFETIME,
    EXPAND_LIMIT,
    EXPAND_PAGE_MAX,
    EXTENSION_TARGETS,
    MAX_BIND,
    MAX_FEDERATED_CREDENTIALS,
    MISSING_REFERENCE_ERRORS,
    SHARED_SETS,
)

# the order the sets are seeded, routed and dumped in: referenced sets first
_ORDER = ("namedLocations", "authenticationStrengthPolicies", "devices", "contacts", "users", "groups", "applications",
          "servicePrincipals", "directoryRoles", "administrativeUnits", "conditionalAccessPolicies",
          "authorizationPolicy", "authenticationMethodsPolicy", "organization")
_SETS = {s.key: s for s in (*DIRECTORY, *OTHER_DIRECTORY, *POLICIES)}
REGISTRY = Registry({key: _SETS[key] for key in _ORDER})

__all__ = [
    "BETA_PROPERTIES", "DEFAULT_PROPERTIES", "DELETED_RETENTION", "DELTA_PAGE_LINKS", "DELTA_PAGE_SIZE", "DELTA_TOKEN_LIFETIME", "EXPAND_LIMIT",
    "EXPAND_PAGE_MAX", "EXTENSION_TARGETS", "MAX_BIND", "MAX_FEDERATED_CREDENTIALS", "MISSING_REFERENCE_ERRORS",
    "REGISTRY", "SHARED_SETS", "DeleteKind", "EntitySet", "Link", "LinkKind", "Ref", "Registry", "iter_path",
    "path_values",
]
