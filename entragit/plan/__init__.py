"""The plan: a pure diff from the live tenant to the desired state, as an ordered list of changes.

- :mod:`entragit.plan.model`: :class:`Change`, :class:`Plan` (checksum, JSON), the placeholder convention
- :mod:`entragit.plan.placeholders`: :func:`substitute` (used by the applier)
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
