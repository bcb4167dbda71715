"""Reference resolution: each reference of a desired object becomes a live id, a restored id, a placeholder
of a recreate, or is left out with a warning (stale). See the planner's docstring, "References"."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from entragit import resources
from entragit.plan.model import Warning, placeholder
from entragit.plan.placeholders import tokens
from entragit.plan.values import _DROP, _copy, _Ctx, _places
from entragit.resources import type_of_kind
from entragit.resources.base import DeleteKind, Link, LinkKind, Ref, ResourceType, path_values, strings_in
from entragit.state.normalization import link_kinds, sort_unordered


class Blocked(str):
    """A reference a policy cannot write (its reason): the property holding it is not written."""


class _References:
    """Mixed into :class:`entragit.plan.planner._Planner`, whose state (desired, live, fate, provider...) it uses."""

    def _lookup(self, targets: Iterable[str], value: str) -> tuple[str, Any, str | None]:
        """``(state, replacement, type)``: state live | restore | new | deleted | outside | stale | unknown.

        ``stale`` only when every target type is loaded: an id of a type this plan did not read (excluded in
        entragit.yaml, outside the scope) is ``unknown``, never a reason to drop or remove anything."""
        targets = tuple(targets)
        for t in targets:
            if t not in self.loaded:
                continue
            mapped = self.live_id.get((t, value))
            if mapped is not None:
                return "live", mapped, t
            if value in self._objects(self.live, t):
                return "live", value, t
        for t in targets:
            fate = self.fate.get((t, value))
            if fate == "restore":
                return "restore", value, t
            if fate == "new":
                return "new", placeholder(t, value), t
        for t in targets:
            if value in self._objects(self.deleted, t):
                return "deleted", value, t
        for t in targets:
            if t in self.loaded and value in self._objects(self.desired, t):
                return "outside", value, t
        if all(t in self.loaded for t in targets):
            return "stale", value, None
        return "unknown", value, None

    def _resolve_value(self, ref_targets: tuple[str, ...], by: str, embedded: bool, specials: frozenset[str],
                       value: Any, where: tuple[str, str, str], keep: bool = False) -> Any:
        """The value to write for one reference value (``_DROP``: left out, with a warning). ``keep``: the
        owner never leaves a reference out (a policy: dropping an exclusion widens it); a reference it cannot
        write comes back as :class:`Blocked` with the reason."""
        if not isinstance(value, str) or value in specials:
            return value
        if embedded:
            for old, (_token, new) in self.alt_new.items():
                if old and old in value:
                    if isinstance(new, str):
                        return value.replace(old, new)
                    fmt = value.replace("{", "{{").replace("}", "}}").replace(old, "{}")
                    return {**new, "format": fmt}
            return value
        if by != "id":
            found = self.alt_new.get(value)
            return found[1] if found is not None else value
        state, replacement, t = self._lookup(ref_targets, value)
        if state in ("live", "restore", "new", "unknown"):
            return replacement
        type_key, obj_id, path = where
        if keep:
            return Blocked(self._blocked_reason(state, path, value, t, ref_targets))
        if state == "deleted":
            message = (f"{value} is in deleted items ({t}) and this plan does not restore it; left out of "
                       "the write")
        elif state == "outside":
            message = (f"{value} ({t}) is absent from the tenant and this plan does not create it (outside "
                       "the scope, or skipped); left out of the write")
        else:
            message = f"stale reference: {value} exists nowhere ({', '.join(ref_targets)}); left out of the write"
        self.warnings.append(Warning(type_key, obj_id, path, value, message))
        return _DROP

    def _blocked_reason(self, state: str, path: str, value: str, t: str | None, targets: tuple[str, ...]) -> str:
        """Why a policy's write naming ``value`` is not made (Graph refuses a write naming an object that does not
        exist, and leaving the reference out would change whom the policy applies to)."""
        where = f"{path} names {value}"
        if state == "deleted":
            rt = resources.get(t) if t else None
            if rt is not None and rt.delete is DeleteKind.SOFT and rt.restore_path:
                self.restore_needed.add((rt.key, value))
                return (f"{where}, a {rt.title} in deleted items that this plan does not restore: restore it "
                        f"first (entragit apply --id {value}, or widen the scope), then this change")
            title = rt.title if rt is not None else "object"
            return (f"{where}, a {title} in deleted items, which app-only callers cannot restore: restore it in "
                    "the Entra admin center (Conditional Access, Deleted items), then re-run; written without it, "
                    "the policy would apply to more than its file says")
        if state == "outside" and t is not None and (t, value) in self.in_scope:
            return (f"{where}, absent from the tenant and skipped by this plan (see {t}/{value}): create it first "
                    "(its skip line says how), then this change")
        if state == "outside":
            return (f"{where}, absent from the tenant and not created by this plan (outside the scope): widen the "
                    "scope to bring it back first")
        return (f"{where}, which exists nowhere (not live, not in deleted items; {', '.join(targets)}): Graph "
                "refuses a write naming it and leaving it out would change whom the policy applies to; remove it "
                "from the file deliberately")

    def _resolve_refs(self, refs: Iterable[Ref], obj: dict[str, Any], where: tuple[str, str, str],
                      ctx: _Ctx | None) -> bool:
        """Resolve ``refs`` in ``obj`` in place; returns False when a single (non-list) value had to be
        dropped and ``ctx`` is None (the caller drops the whole element). With ``ctx.keep`` (a type that never
        leaves a reference out), a reference that cannot be written stays and blocks its top-level property
        (``ctx.blocked``)."""
        ok = True
        keep = ctx is not None and ctx.keep
        removals: dict[int, tuple[list[Any], set[int]]] = {}
        for ref in refs:
            for container, key, lists in list(_places(obj, ref.path)):
                value = container[key]
                new = self._resolve_value(ref.targets, ref.by, ref.embedded, ref.specials, value,
                                          (where[0], where[1], f"{where[2]}{ref.path}"), keep=keep)
                if isinstance(new, Blocked):
                    assert ctx is not None
                    # every reference that blocks the property is named, not only the first one met
                    top, why = ref.path.split(".")[0].removesuffix("[]"), str(new)
                    held = ctx.blocked.get(top)
                    ctx.blocked[top] = why if held is None or held == why else f"{held}; {why}"
                elif new is _DROP:
                    if isinstance(container, list):
                        removals.setdefault(id(container), (container, set()))[1].add(key)
                    elif lists:
                        seq, idx = lists[-1]
                        removals.setdefault(id(seq), (seq, set()))[1].add(idx)
                    elif ctx is not None:
                        ctx.excluded.add(ref.path.split(".")[0].removesuffix("[]"))
                    else:
                        ok = False
                else:
                    container[key] = new
        for seq, indexes in removals.values():
            for idx in sorted(indexes, reverse=True):
                del seq[idx]
        return ok

    def _resolve(self, rt: ResourceType, obj_id: str, obj: Mapping[str, Any]) -> tuple[dict[str, Any], _Ctx]:
        """A copy of a desired object with its references resolved (see the module docstring)."""
        out = _copy(dict(obj))
        ctx = _Ctx()
        ctx.keep = rt.keep_references
        self._resolve_refs(rt.refs, out, (rt.key, obj_id, ""), ctx)
        for link in rt.links:
            if link.name not in out:
                continue
            value = out[link.name]
            where = (rt.key, obj_id, link.name)
            if link.kind is LinkKind.ID:
                if isinstance(value, str):
                    new = self._resolve_linked(rt, obj_id, obj, link, value, where)
                    if new is _DROP:
                        ctx.dropped_links.add(link.name)
                    else:
                        out[link.name] = new
            elif link.kind is LinkKind.IDS and isinstance(value, list):
                kept = []
                for v in value:
                    new = self._resolve_linked(rt, obj_id, obj, link, v, where)
                    if new is not _DROP:
                        kept.append(new)
                out[link.name] = kept
            elif link.kind is LinkKind.OBJECTS and isinstance(value, list):
                kept = []
                for element in value:
                    if not isinstance(element, dict):
                        continue
                    # a stale reference inside an element leaves the whole element out (its warning
                    # names the reference)
                    if self._resolve_refs(link.refs, element, (rt.key, obj_id, f"{link.name}[]."), None):
                        kept.append(element)
                        sort_unordered(element, link.unordered)
                out[link.name] = kept
        # lists Graph treats as sets (rt.unordered) are compared and written in canonical order: a remapped or
        # placeholder id must not make an order-only difference (Graph itself reorders them: issue 10.12)
        sort_unordered(out, rt.unordered)
        return out, ctx

    # -- links of ids (members, owners, manager) ---------------------------------------------------------
    def _live_linked(self, rt: ResourceType, obj_id: str, link: Link) -> frozenset[str]:
        """The ids the live object matched by desired ``obj_id`` holds in ``link`` (empty when not live)."""
        live_id = self.live_id.get((rt.key, obj_id))
        if live_id is None:
            return frozenset()
        value = self._objects(self.live, rt.key)[live_id].get(link.name)
        if isinstance(value, list):
            return frozenset(v for v in value if isinstance(v, str))
        return frozenset({value}) if isinstance(value, str) else frozenset()

    def _resolve_linked(self, rt: ResourceType, obj_id: str, obj: Mapping[str, Any], link: Link, value: Any,
                        where: tuple[str, str, str]) -> Any:
        """The id to write for one desired id of an IDS/ID link, or ``_DROP`` (nothing planned for it).

        An id the live link holds stays (it exists, whatever its kind). An id of a kind entragit manages no
        type of (``_entragit.linkKinds``: a device, an organizational contact) stays: put back where Graph
        allows. An id of a type this plan did not load (excluded in entragit.yaml, outside the scope) is left
        out silently: nothing is planned for links to it. Other ids resolve like any reference (live, restored,
        recreated, stale with a warning)."""
        if not isinstance(value, str) or value in self._live_linked(rt, obj_id, link):
            return value
        targets = link.targets
        kind = link_kinds(obj, link.name).get(value)
        if kind is not None:
            krt = type_of_kind(kind)
            if krt is None:
                return value
            if krt.key not in self.loaded:
                return _DROP
            targets = (krt.key,)
        if self._lookup(targets, value)[0] == "unknown":
            return _DROP
        return self._resolve_value(targets, "id", False, frozenset(), value, where)

    def _removable(self, link: Link, value: Any) -> bool:
        """Whether a live id of an IDS/ID link may be removed: only an object of a type this plan loaded and
        manages. A device, a contact, or an object of a type not loaded is never a reason to remove a link."""
        return isinstance(value, str) and self._lookup(link.targets, value)[0] == "live"

    def _unjudged(self, link: Link, element: Mapping[str, Any]) -> bool:
        """Whether an OBJECTS element references an id of a type this plan did not load (an assignment to a
        user while users are excluded): nothing is planned for such an element, neither add nor remove."""
        for ref in link.refs:
            if ref.by != "id":
                continue
            for value in path_values(element, ref.path):
                if isinstance(value, str) and value not in ref.specials \
                        and self._lookup(ref.targets, value)[0] == "unknown":
                    return True
        return False

    # -- dependencies ---------------------------------------------------------------------------------------
    def _deps(self, *values: Any) -> list[str]:
        found: set[str] = set()
        for value in values:
            for token in tokens(value):
                key = self.provider.get(token)
                if key:
                    found.add(key)
            if self.restored:
                for text in strings_in(value):
                    key = self.restored.get(text)
                    if key:
                        found.add(key)
        return sorted(found)

    def _touches_restored(self, *values: Any) -> bool:
        return bool(self.restored) and any(text in self.restored for v in values for text in strings_in(v))
