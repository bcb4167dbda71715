"""Resource type declarations and their registry.

``REGISTRY`` holds one declaration per type. Each type module of this package defines its declaration as
``TYPE`` (a :class:`ResourceType` or a subclass instance with hooks); this package registers them.
"""

from __future__ import annotations

from entragit.resources.base import (  # noqa: F401  (re-exported)
    LINK_ORDER,
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

from entragit.resources import (  # noqa: E402
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

TYPE_MODULES = (
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

for _module in TYPE_MODULES:
    REGISTRY.register(_module.TYPE)


def get(key: str) -> ResourceType:
    return REGISTRY.get(key)


def all_types() -> list[ResourceType]:
    return REGISTRY.ordered()
