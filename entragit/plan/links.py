"""Links (members, owners, manager, assignments, grants, credentials): adds, removes and updates."""

from __future__ import annotations

from typing import Any

from entragit.plan.model import Change, Kind, PropertyChange, short
from entragit.plan.values import _MISSING, MASTERED, ODATA_TYPE, _canon, _Ctx, _element_key, _same, _strip
from entragit.resources import type_of_kind
from entragit.resources.base import LINK_ORDER, Link, LinkKind, ResourceType
from entragit.state.normalization import link_kinds


class _Links:
    """Mixed into :class:`entragit.plan.planner._Planner`, whose state (desired, live, fate, provider...) it uses."""

    # -- links ----------------------------------------------------------------------------------------------
    def _plan_links(self, rt: ResourceType, obj_id: str, name: str, resolved: dict[str, Any], ctx: _Ctx,
                    owner: dict[str, Any], live_obj: dict[str, Any], address: Any, after: tuple[str, ...],
                    recompute: bool, created: bool = False) -> None:
        for link in rt.links:
            if link.name not in resolved or link.name in ctx.dropped_links:
                continue
            if created and link.inline:
                continue  # posted inside the create body
            refused = rt.link_refused(owner, link) or rt.management_restricted(live_obj or owner)
            if refused is None and link.on_premises and rt.is_synced(owner):
                refused = MASTERED
            want = resolved[link.name]
            have = live_obj.get(link.name)
            order = max(LINK_ORDER, rt.order)
            base = (0, order, 1, rt.order, rt.key, obj_id, link.name)
            common = dict(type=rt.key, id=obj_id, display_name=name, address=address, link=link.name)
            if link.kind is LinkKind.OBJECTS:
                self._plan_elements(rt, link, want or [], have or [], base, common, refused, after, recompute)
                continue
            if link.kind is LinkKind.ID:
                if _same(want, have):
                    continue
                if want is None:
                    # a manager that is a contact, or of a type not loaded, is never removed
                    steps = [(Kind.LINK_REMOVE, have)] if self._removable(link, have) else []
                else:
                    steps = [(Kind.LINK_ADD, want)]
            else:
                want_map = {_canon(v): v for v in want or []}
                have_map = {_canon(v): v for v in have or []}
                # only ids of loaded, managed types are removed (never devices, contacts, excluded types)
                steps = [(Kind.LINK_REMOVE, have_map[k]) for k in sorted(set(have_map) - set(want_map))
                         if self._removable(link, have_map[k])]
                steps += [(Kind.LINK_ADD, want_map[k]) for k in sorted(set(want_map) - set(have_map))]
            kinds = link_kinds(resolved, link.name)
            for kind, target in steps:
                item = short(target)
                reason = refused
                if reason is None and kind is Kind.LINK_ADD and isinstance(target, str):
                    state, _, ttype = self._lookup(link.targets, target)
                    allowed = rt.link_targets(owner, link)
                    other = kinds.get(target)
                    if ttype is not None and ttype not in allowed:
                        reason = f"{link.name} of this {rt.title} can only be {', '.join(allowed)}"
                    elif ttype is None and other is not None and type_of_kind(other) is None \
                            and other not in rt.link_other_kinds(owner, link):
                        reason = f"a {other} cannot be among the {link.name} of this {rt.title}"
                sub = 0 if kind is Kind.LINK_REMOVE else 2
                deps = tuple(sorted(set(after) | set(self._deps(target))))
                again = recompute or self._touches_restored(target)
                if reason is not None:
                    self._add((*base, 3, item), Change(Kind.SKIP, **common, item=item, target=target,
                                                       reason=f"{kind.value} refused: {reason}"))
                    continue
                ref = target if kind is Kind.LINK_REMOVE else None
                self._add((*base, sub, item), Change(kind, **common, item=item, target=target, ref=ref,
                                                     after=deps, recompute=again))

    def _plan_elements(self, rt: ResourceType, link: Link, want: list[Any], have: list[Any],
                       base: tuple[Any, ...], common: dict[str, Any], refused: str | None,
                       after: tuple[str, ...], recompute: bool) -> None:
        want_map = {_element_key(link, e): e for e in want if isinstance(e, dict)}
        have_map = {_element_key(link, e): e for e in have if isinstance(e, dict)}
        # elements referencing a type this plan did not load: nothing planned (neither add nor remove)
        unjudged = {k for k, e in (*want_map.items(), *have_map.items()) if self._unjudged(link, e)}
        for k in unjudged:
            want_map.pop(k, None)
            have_map.pop(k, None)
        steps: list[tuple[Kind, str, Any, Any, tuple[PropertyChange, ...]]] = []
        for k in sorted(set(have_map) - set(want_map)):
            steps.append((Kind.LINK_REMOVE, k, have_map[k].get("id"), have_map[k], ()))
        for k in sorted(set(want_map) & set(have_map)):
            w = _strip(want_map[k], link.read_only)
            h = _strip(have_map[k], link.read_only)
            diffs = sorted(p for p in set(w) | set(h) if not _same(w.get(p, _MISSING), h.get(p, _MISSING)))
            if not diffs:
                continue
            pcs = tuple(PropertyChange(p, h.get(p), w.get(p)) for p in diffs)
            if link.update and not (set(diffs) & link.create_only):
                body = {p: w.get(p) for p in diffs}
                if link.requires_odata_type and ODATA_TYPE in w:
                    body = {ODATA_TYPE: w[ODATA_TYPE], **body}
                steps.append((Kind.LINK_UPDATE, k, have_map[k].get("id"), body, pcs))
            else:
                steps.append((Kind.LINK_REMOVE, k, have_map[k].get("id"), have_map[k], pcs))
                steps.append((Kind.LINK_ADD, k, None, _strip(want_map[k], link.read_only), pcs))
        for k in sorted(set(want_map) - set(have_map)):
            steps.append((Kind.LINK_ADD, k, None, _strip(want_map[k], link.read_only), ()))
        for kind, item, ref, target, pcs in steps:
            sub = {Kind.LINK_REMOVE: 0, Kind.LINK_UPDATE: 1, Kind.LINK_ADD: 2}[kind]
            if refused is not None:
                self._add((*base, 3, item), Change(Kind.SKIP, **common, item=item, target=target, properties=pcs,
                                                   reason=f"{kind.value} refused: {refused}"))
                continue
            deps = tuple(sorted(set(after) | set(self._deps(target))))
            again = recompute or self._touches_restored(target)
            self._add((*base, sub, item), Change(kind, **common, item=item, target=target, ref=ref,
                                                 properties=pcs, after=deps, recompute=again))
