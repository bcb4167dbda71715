"""Objects that exist (or come back from deleted items): property updates, skips with their reason, deletes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from entragit.markdown import plural
from entragit.plan.model import Change, Kind, PropertyChange, Warning
from entragit.plan.values import _MISSING, MASTERED, ODATA_TYPE, _Ctx, _same, _write_channel
from entragit.resources.base import META_KEY, Channel, DeleteKind, ResourceType


class _Objects:
    """Mixed into :class:`entragit.plan.planner._Planner`, whose state (desired, live, fate, provider...) it uses."""

    def _plan_existing(self, rt: ResourceType, obj_id: str, live_id: str, resolved: dict[str, Any], ctx: _Ctx,
                       live_obj: dict[str, Any]) -> None:
        address = live_id if live_id != obj_id else None
        name = rt.display_name(resolved)
        # recreated by an earlier apply (a new id): its read-only properties are the new object's, set by the
        # server (createdDateTime, appId, ...), not a difference to report
        self._plan_props(rt, obj_id, name, resolved, ctx, live_obj, address, after=(), server_set=address is not None)
        self._plan_links(rt, obj_id, name, resolved, ctx, live_obj, live_obj, address, after=(), recompute=False)

    def _plan_restore(self, rt: ResourceType, obj_id: str, resolved: dict[str, Any], ctx: _Ctx,
                      deleted_obj: dict[str, Any]) -> None:
        name = rt.display_name(resolved)
        key = self.restored[obj_id]
        self._add((0, rt.order, 0, rt.key, obj_id, 0),
                  Change(Kind.RESTORE, rt.key, obj_id, name, reason="restored from deleted items with its id"))
        base = {k: v for k, v in deleted_obj.items() if k not in rt.link_names}
        # deleted items carry a partial object (Graph's default properties): only what it shows is compared;
        # the applier re-plans after the restore for the rest
        self._plan_props(rt, obj_id, name, resolved, ctx, base, None, after=(key,), partial=True)
        self._plan_links(rt, obj_id, name, resolved, ctx, resolved, {}, None, after=(key,), recompute=True)

    def _plan_props(self, rt: ResourceType, obj_id: str, name: str, resolved: dict[str, Any], ctx: _Ctx,
                    base: dict[str, Any], address: Any, after: tuple[str, ...], partial: bool = False,
                    server_set: bool = False) -> None:
        """Updates of what differs between ``resolved`` and ``base``, and a skip with its reason per property
        that differs but is not written. ``partial``: ``base`` is a deleted item (a partial object: what it
        does not show is not compared). ``partial`` or ``server_set`` (an object restored or recreated):
        read-only and undeclared properties are the server's own facts (deletedDateTime, createdDateTime, a
        new appId...), expected to differ, so not listed; the real skips (mastered on-premises, never
        written, create-only) still are."""
        synced = rt.is_synced(base)
        never = rt.never_written(base) or rt.never_written(resolved)
        patch: list[PropertyChange] = []
        singles: list[PropertyChange] = []
        for prop_name in sorted(resolved):
            if prop_name in (META_KEY, rt.key_prop) or prop_name in rt.link_names or prop_name in ctx.excluded:
                continue
            new = resolved[prop_name]
            old = base.get(prop_name, _MISSING)
            if _same(old, new) or (partial and (old is _MISSING or old is None)):
                continue
            old_value = None if old is _MISSING else old
            channel = _write_channel(rt, prop_name)
            prop = rt.prop(prop_name)
            if prop is not None and prop.secret:
                continue
            reason = None
            if prop_name == ODATA_TYPE:
                reason = "the object's type cannot change; delete and recreate it"
            elif channel is None:
                reason = "not a declared property: never written"
            elif channel is Channel.READ_ONLY:
                reason = "read-only"
            elif never:
                reason = never
            elif synced and prop is not None and prop.on_premises:
                reason = MASTERED
            elif channel is Channel.CREATE_ONLY:
                reason = "set at create only; it cannot change on an existing object"
            pc = PropertyChange(prop_name, old_value, new, (channel or Channel.READ_ONLY).value,
                                prop.action if prop is not None else None)
            if reason is not None:
                if (partial or server_set) and channel in (None, Channel.READ_ONLY):
                    continue  # the restored / recreated object's own server-set facts: nothing to report
                self._add((0, rt.order, 0, rt.key, obj_id, 3, prop_name),
                          Change(Kind.SKIP, rt.key, obj_id, name, properties=(pc,), reason=reason,
                                 address=address))
            elif channel is Channel.PATCH:
                patch.append(pc)
            else:
                singles.append(pc)
        self._emit_updates(rt, obj_id, name, resolved, patch, singles, address, after, phase=0)

    def _emit_updates(self, rt: ResourceType, obj_id: str, name: str, resolved: dict[str, Any],
                      patch: list[PropertyChange], singles: list[PropertyChange], address: Any,
                      after: tuple[str, ...], phase: int, seq: int = 0) -> None:
        base_sort = (phase, rt.order, 0, rt.key, obj_id, 2)
        if patch:
            body = self._patch_body(rt, resolved, {p.path: p.new for p in patch})
            deps = tuple(sorted(set(after) | set(self._deps(body))))
            self._add((*base_sort, ""), Change(Kind.UPDATE, rt.key, obj_id, name, properties=tuple(patch),
                                               channel=Channel.PATCH.value, body=body, address=address,
                                               after=deps, seq=seq))
        for pc in singles:
            if pc.channel == Channel.ACTION.value:
                body = {pc.path: pc.new}
            else:
                body = self._patch_body(rt, resolved, {pc.path: pc.new})
            deps = tuple(sorted(set(after) | set(self._deps(body))))
            self._add((*base_sort, pc.path), Change(Kind.UPDATE, rt.key, obj_id, name, properties=(pc,),
                                                    channel=pc.channel, action=pc.action, body=body,
                                                    address=address, after=deps, seq=seq))

    def _patch_body(self, rt: ResourceType, resolved: Mapping[str, Any], values: dict[str, Any]) -> dict[str, Any]:
        body = {}
        if rt.requires_odata_type:
            body[ODATA_TYPE] = resolved.get(ODATA_TYPE) or rt.odata_type
        body.update(values)
        return body


    # -- deletes --------------------------------------------------------------------------------------------
    def _plan_deletes(self, rt: ResourceType, unmatched: list[str]) -> None:
        live_t = self._objects(self.live, rt.key)
        left: list[str] = []
        for obj_id in unmatched:
            obj = dict(live_t[obj_id])
            if not self._covers(rt, obj_id, obj):
                continue
            if not (self.options.allow_delete or (rt.key, obj_id) in self.scope.removed):
                left.append(obj_id)
                continue
            name = rt.display_name(obj)
            reason = None
            if rt.singleton or rt.delete_kind(obj) is DeleteKind.NONE:
                reason = rt.never_written(obj) or f"this {rt.title} cannot be deleted"
            elif rt.is_synced(obj):
                reason = f"{MASTERED}: delete it on-premises"
            else:
                reason = rt.never_written(obj) or rt.delete_refused(obj)
            sort = (2, -rt.order, rt.key, obj_id)
            if reason is not None:
                self._add((*sort, 1), Change(Kind.SKIP, rt.key, obj_id, name, reason=f"delete refused: {reason}"))
            else:
                self._add((*sort, 0), Change(Kind.DELETE, rt.key, obj_id, name,
                                             reason=f"absent from tenant-state/ ({rt.delete_kind(obj).value} "
                                                    "delete)"))
        if left:
            shown = ", ".join(left[:5]) + (", ..." if len(left) > 5 else "")
            self.warnings.append(Warning(
                rt.key, "", "", len(left),
                f"{plural(len(left), 'live ' + rt.title)} absent from tenant-state/ left alone (deletes need "
                f"--allow-delete or the file's removal in the --scope-from range): {shown}"))
