"""Resource type declarations and their registry.

``REGISTRY`` holds one declaration per type. Each type module of this package defines its declaration as
``TYPE`` (a :class:`ResourceType` or a subclass instance with hooks); this package registers them.
"""

from __future__ import annotations

import functools

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


def type_of_kind(kind: str | None) -> ResourceType | None:
    """The registered type whose objects are of ``kind`` (a Graph type name such as ``user`` or ``agentIdentity``,
    as stored in ``_entragit.linkKinds``): its own type or one derived from it (msgraph-sdk's models: an
    ``agentIdentity`` is a service principal). None: a kind entragit manages no type of (``device``, ``orgContact``)."""
    if not kind:
        return None
    return _KINDS().get(kind)


@functools.cache
def _KINDS() -> dict[str, ResourceType]:  # noqa: N802  (a constant computed once)
    from entragit.resources.sdkmodel import derived_types, kind_of

    found: dict[str, ResourceType] = {}
    for rt in REGISTRY.ordered():
        for odata in (rt.odata_type, *derived_types(rt.odata_type)):
            kind = kind_of(odata)
            if kind:
                found.setdefault(kind, rt)
    return found
