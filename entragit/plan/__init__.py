"""The plan: a pure diff from the live tenant to the desired state, as an ordered list of changes.

- :mod:`entragit.plan.model`: :class:`Change`, :class:`Plan` (checksum, JSON), the placeholder convention
- :mod:`entragit.plan.placeholders`: :func:`substitute` (used by the applier)
- :mod:`entragit.plan.planner`: :func:`compute_plan`, the pure planner, with its parts
  :mod:`~entragit.plan.references`, :mod:`~entragit.plan.objects`, :mod:`~entragit.plan.recreate`,
  :mod:`~entragit.plan.links`, :mod:`~entragit.plan.ordering`, :mod:`~entragit.plan.values`
- :mod:`entragit.plan.safety`: the safety rails; :mod:`entragit.plan.scope`: ``--scope-from``, types, ids
- :mod:`entragit.plan.live`: the plan against the live tenant (``entragit plan``, and apply's first step)
- :mod:`entragit.plan.render`: text, Markdown and JSON renderings
"""

from __future__ import annotations

from entragit.plan.model import (
    NEW,
    WRITES,
    Change,
    Kind,
    Plan,
    PropertyChange,
    Warning,
    is_placeholder,
    placeholder,
)
from entragit.plan.placeholders import Unresolved, substitute, tokens

__all__ = [
    "NEW",
    "WRITES",
    "Change",
    "Kind",
    "Plan",
    "PropertyChange",
    "Unresolved",
    "Warning",
    "is_placeholder",
    "placeholder",
    "substitute",
    "tokens",
]
