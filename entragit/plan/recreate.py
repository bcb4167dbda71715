"""Recreates and remaps: objects created again (new ids, placeholders for what references them), and the
references to them from objects outside the scope."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from entragit.plan.earlier import create_key_value
from entragit.plan.model import Change, Kind, PropertyChange, placeholder
from entragit.plan.placeholders import tokens
from entragit.plan.values import ODATA_TYPE, _copy, _Ctx, _element_key, _minted_alt, _strip, _write_channel
from entragit.resources.base import META_KEY, Channel, CreateHow, LinkKind, ResourceType, strings_in


class _Recreates:
    """Mixed into :class:`entragit.plan.planner._Planner`, whose state (desired, live, fate, provider...) it uses."""

    # -- references to recreated objects from outside the scope ----------------------------------------------
    def _plan_remaps(self, rt: ResourceType, obj_id: str, live_id: str, desired_obj: Mapping[str, Any],
                     live_obj: dict[str, Any]) -> None:
        """An object outside the scope that references an object recreated by this plan (or by an earlier
        apply, ``known_ids``): only those references are written (the property holding one, the link element
        pointing at one), so that a recreate remaps *every* reference to its object; the rest of the object
        is left as it is live (the scope touches nothing else). Stale references elsewhere in it are not its
        business here: no warning."""
        olds = set(self.remapped)
        touched = {name for name, value in desired_obj.items()
                   if name not in (META_KEY, rt.key_prop) and olds & set(strings_in(value))}
        if not touched:
            return
        warnings = len(self.warnings)
        resolved, ctx = self._resolve(rt, obj_id, desired_obj)
        del self.warnings[warnings:]
        news = {v for v in self.remapped.values() if v is not None}

        def remapped(value: Any) -> bool:
            return bool(tokens(value)) or bool(news & set(strings_in(value)))

        limited = _copy(live_obj)
        for name in sorted(touched):
            if name not in resolved or name in ctx.excluded or name in ctx.dropped_links:
                continue
            value = resolved[name]
            link = rt.link(name)
            if link is None:
                if remapped(value):
                    limited[name] = value
            elif link.kind is LinkKind.ID:
                if remapped(value):
                    limited[name] = value
            elif link.kind is LinkKind.IDS:
                have = list(live_obj.get(name) or [])
                limited[name] = have + [v for v in value or [] if remapped(v) and v not in have]
            else:  # OBJECTS: only elements that are new by their key (an existing element is left as it is)
                have = list(live_obj.get(name) or [])
                keys = {_element_key(link, e) for e in have if isinstance(e, dict)}
                limited[name] = have + [e for e in value or [] if isinstance(e, dict) and remapped(e)
                                        and _element_key(link, e) not in keys]
        self._plan_existing(rt, obj_id, live_id, limited, _Ctx(), live_obj)


    # -- creates --------------------------------------------------------------------------------------------
    def _plan_create(self, rt: ResourceType, obj_id: str, resolved: dict[str, Any], ctx: _Ctx) -> None:
        token = f"{rt.key}/{obj_id}"
        kind = Kind.CREATE if (rt.key, obj_id) in self.scope.added else Kind.RECREATE
        key = self.provider[token]
        name = rt.display_name(resolved)
        if ctx.blocked:  # a policy naming what does not exist: Graph refuses it, and without it it would widen
            self._add((0, rt.order, 0, rt.key, obj_id, 3),
                      Change(Kind.SKIP, rt.key, obj_id, name, reason=f"{kind.value} stopped: "
                             + "; ".join(ctx.blocked[p] for p in sorted(ctx.blocked))))
            return
        same_type = {t for t in self.provider if t.startswith(rt.key + "/")}
        body: dict[str, Any] = {}
        if rt.requires_odata_type or ODATA_TYPE in resolved:
            body[ODATA_TYPE] = resolved.get(ODATA_TYPE) or rt.odata_type
        later_patch: list[PropertyChange] = []
        later_single: list[PropertyChange] = []
        for prop_name in sorted(resolved):
            value = resolved[prop_name]
            if prop_name in (META_KEY, rt.key_prop, ODATA_TYPE) or prop_name in ctx.excluded:
                continue
            link = rt.link(prop_name)
            if link is not None:
                if link.inline and link.kind is LinkKind.OBJECTS and isinstance(value, list):
                    body[prop_name] = [_strip(e, link.read_only) for e in value]
                continue
            channel = _write_channel(rt, prop_name)
            if channel is None or channel is Channel.READ_ONLY or value is None:
                continue
            prop = rt.prop(prop_name)
            pc = PropertyChange(prop_name, None, value, channel.value, prop.action if prop else None)
            if channel is Channel.PATCH_ALONE:
                if value not in ([], {}, ""):
                    later_single.append(pc)
            elif tokens(value) & same_type:
                # the value needs this object's (or a sibling's) new id: written once it exists
                (later_patch if channel is Channel.PATCH else later_single).append(pc)
            else:
                body[prop_name] = value
        initial, final = rt.staged_create(body)
        # the create's key (ResourceType.create_key): what finds it again after a lost answer or a killed run
        unmark = None
        key_value = create_key_value(rt, obj_id, initial)
        if rt.create_key is not None and key_value is not None and rt.create_key.how is not CreateHow.UNIQUE:
            prop = rt.create_key.prop
            if rt.create_key.how is CreateHow.MARKER:
                unmark = PropertyChange(prop, key_value, initial[prop], Channel.PATCH.value)
            initial[prop] = key_value
        generate = tuple(p.name for p in rt.props if p.secret and p.required_on_create)
        remap = {"id": obj_id}
        minted = _minted_alt(rt)
        if minted and resolved.get(minted):
            remap[minted] = resolved[minted]
        props = tuple(PropertyChange(k, None, v, _write_channel(rt, k).value if _write_channel(rt, k) else "patch")
                      for k, v in sorted(initial.items()) if k != ODATA_TYPE)
        reason = self.pinned.get((rt.key, obj_id))
        if final:
            reason = "created with " + ", ".join(f"{k} {initial[k]!r}" for k in sorted(final)) + \
                     "; switched to the backed-up value once everything it references exists"
        self._add((0, rt.order, 0, rt.key, obj_id, 1),
                  Change(kind, rt.key, obj_id, name, properties=props, body=initial, reason=reason,
                         after=tuple(self._deps(initial)), provides=token, remap=remap, generate=generate))
        ph = placeholder(rt.key, obj_id)
        self._emit_updates(rt, obj_id, name, resolved, later_patch, later_single, ph, (key,), phase=0)
        if final or unmark is not None:
            pcs = [PropertyChange(k, initial[k], v, (_write_channel(rt, k) or Channel.PATCH).value)
                   for k, v in sorted(final.items())]
            if unmark is not None:
                pcs = sorted([*pcs, unmark], key=lambda p: p.path)
            # after everything the object references (its own create depends on them already); the real name
            # of a marked create goes last, once the new ids are recorded (until then the marked name finds it)
            self._emit_updates(rt, obj_id, name, resolved, pcs, [], ph, (key,), phase=3 if unmark else 1,
                               seq=1, after_record=unmark is not None)
        self._plan_links(rt, obj_id, name, resolved, ctx, resolved, {}, ph, after=(key,), recompute=False,
                         created=True)
