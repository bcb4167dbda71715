"""The tenant backend: Graph's verbs as Python methods, no HTTP (moto's backend in ``models.py``).

``Tenant`` holds one tenant's objects and implements what Graph does with them. It is composed of one mixin
per concern, each in its own module:

=================  ================================================================================
``core``           stores, lookups, ids, clock, seeding, the state dump (``TenantCore``)
``reads``          known properties, ``$select``, representation, listings, GET, ``$expand``
``links``          members, owners, manager: reads, ``$ref`` writes, ``@odata.bind``
``writes``         body validation, POST, PATCH, DELETE (soft/hard by delete kind)
``deleted``        ``directory/deletedItems`` and the Conditional Access deleted-items containers
``behaviour``      per-type hooks (``_on_create_<type>`` ...): UPNs, group kinds, SPs, CA references
``shared``         app role assignments and delegated permission grants
``nested``         sub-resources with ids (credentials, method and combination configurations)
``actions``        updateAllowedCombinations, add/removePassword, getByIds, extension properties, memberOf
``delta``          delta rounds from the change log
``extras``         restricted-management administrative units, objects added by the control plane, the
                   getAvailableExtensionProperties cut-off (placed first: it wraps the others)
``common``         ``ListQuery``, ``Page``, ``DeltaPage``, id helpers, ``merge_patch``
=================  ================================================================================

The schema (which properties a type has, their types and enums) comes from Graph's v1.0 metadata
(:mod:`entragit.emulator.metadata`); per-set server facts (paths, read-only and create-only properties, links,
delete kinds, group kinds, create defaults, references) from the emulator's own :mod:`entragit.emulator.facts`,
each cited from Microsoft Learn; per-type behaviour in ``behaviour.py``. The emulator never reads the client's
declarations. Errors are raised as :mod:`entragit.emulator.errors` classes and rendered by the HTTP layer.
"""

from __future__ import annotations

from entragit.emulator.backend.actions import ActionsMixin
from entragit.emulator.backend.behaviour import BehaviourMixin
from entragit.emulator.backend.common import (
    DEFAULT_ROOT,
    ZERO_ID,
    DeltaPage,
    ListQuery,
    Page,
    TypeInfo,
    merge_patch,
    ref_id,
)
from entragit.emulator.backend.core import TenantCore
from entragit.emulator.backend.deleted import DeletedMixin
from entragit.emulator.backend.delta import DeltaMixin
from entragit.emulator.backend.extras import ExtrasMixin
from entragit.emulator.backend.links import LinksMixin
from entragit.emulator.backend.nested import NestedMixin
from entragit.emulator.backend.reads import ReadsMixin
from entragit.emulator.backend.shared import SharedSetsMixin
from entragit.emulator.backend.writes import WritesMixin

__all__ = ["DEFAULT_ROOT", "ZERO_ID", "DeltaPage", "ListQuery", "Page", "Tenant", "TenantCore", "TypeInfo",
           "merge_patch", "ref_id"]


class Tenant(ExtrasMixin, ReadsMixin, LinksMixin, WritesMixin, DeletedMixin, BehaviourMixin, SharedSetsMixin, NestedMixin,
             ActionsMixin, DeltaMixin):
    """One emulated tenant. Every public method is a Graph operation (or a control-plane helper)."""
