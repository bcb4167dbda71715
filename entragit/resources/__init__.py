"""Resource type declarations and their registry.

``REGISTRY`` holds one declaration per type; each module of this package registers its own.
"""

from __future__ import annotations

from entragit.resources.base import (  # noqa: F401  (re-exported)
    META_KEY,
    Channel,
    DeleteKind,
    Link,
    LinkKind,
    Prop,
    Ref,
    Registry,
    ResourceType,
    iter_path,
    path_values,
)

REGISTRY = Registry()

# Importing a type module registers its declaration.
from entragit.resources import (  # noqa: E402,F401
    applications,
    authentication_methods_policy,
    authentication_strength_policies,
    authorization_policy,
    conditional_access_policies,
    groups,
    named_locations,
    organization,
    service_principals,
    users,
)


def get(key: str) -> ResourceType:
    return REGISTRY.get(key)


def all_types() -> list[ResourceType]:
    return REGISTRY.ordered()
