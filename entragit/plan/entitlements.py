"""App roles and permission scopes removed in two steps: disabled by one PATCH, removed by the next.

Graph refuses to remove an app role or an OAuth2 permission scope that is still enabled: "To delete an appRole,
it must first be set to disabled" (https://learn.microsoft.com/en-us/graph/api/resources/approle?view=graph-rest-1.0;
permissionScope likewise), answering 400 ``CannotDeleteOrUpdateEnabledEntitlement``. A type declares such lists
(``ResourceType.disable_before_removal``: paths of lists of elements keyed by ``id``, e.g. ``appRoles``,
``api.oauth2PermissionScopes``); when an update removes enabled elements, the plan writes first the live list with
those elements ``isEnabled: false`` (nothing else changed), then the update itself, which runs after it.
"""

from __future__ import annotations

import copy
from typing import Any

from entragit.plan.model import Change, Kind, PropertyChange
from entragit.resources.base import Channel, ResourceType, iter_path, path_values


def _removed_enabled(live: Any, desired: Any) -> set[str]:
    """Ids of the elements of ``live`` still enabled that ``desired`` no longer holds."""
    kept = {str(e.get("id")).lower() for e in desired or [] if isinstance(e, dict)}
    return {str(e.get("id")).lower() for e in live or [] if isinstance(e, dict) and e.get("isEnabled") is not False
            and str(e.get("id")).lower() not in kept}


class _Entitlements:
    """Mixed into :class:`entragit.plan.planner._Planner`, whose ``_add`` and ``_patch_body`` it uses."""

    def _disable_first(self, rt: ResourceType, obj_id: str, name: str, resolved: dict[str, Any],
                       base: dict[str, Any], patch: list[PropertyChange], address: Any,
                       after: tuple[str, ...]) -> tuple[str, ...]:
        """Plan the PATCH disabling the enabled elements ``patch`` removes, if any; the keys the update must
        then wait for (``after`` plus that PATCH)."""
        changed = {p.path for p in patch}
        disabled: dict[str, Any] = {}
        for path in rt.disable_before_removal:
            top = path.split(".", 1)[0]
            if top not in changed or top not in base:
                continue
            value = disabled.get(top, copy.deepcopy(base[top]))
            desired = next(iter(path_values(resolved, path)), None)
            for container, key in iter_path({top: value}, path):
                gone = _removed_enabled(container[key], desired)
                for element in container[key] or []:
                    if isinstance(element, dict) and str(element.get("id")).lower() in gone:
                        element["isEnabled"] = False
                        disabled[top] = value
        if not disabled:
            return after
        pcs = tuple(PropertyChange(top, base[top], value, Channel.PATCH.value)
                    for top, value in sorted(disabled.items()))
        first = Change(Kind.UPDATE, rt.key, obj_id, name, properties=pcs, channel=Channel.PATCH.value,
                       body=self._patch_body(rt, resolved, dict(sorted(disabled.items()))), address=address,
                       after=after, seq=3, reason="disabled first: Graph removes only disabled app roles and "
                                                   "permission scopes (the next update removes them)")
        self._add((0, rt.order, 0, rt.key, obj_id, 1, ""), first)
        return tuple(sorted({*after, first.key}))
