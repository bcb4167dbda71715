"""From a Graph object to its canonical stored form, driven entirely by the type's declaration.

:func:`normalize` is a pure function of the declaration, the object (with its links already attached
under the link names) and the exclusions configured in ``entragit.yaml``:

1. copy the object dropping every OData annotation (a key holding ``@``: ``@odata.context``,
   ``@odata.etag``, ``authenticationStrength@odata.context``, ``@microsoft.graph.tips``, ``@removed``),
   except ``@odata.type`` wherever Graph returned it (Graph names a value's type where it cannot be inferred:
   derived and abstract types such as ``ipRanges[]``, CA ``externalTenants``, an ``agentIdentity`` among
   service principals; the object's own type is dropped unless ``requires_odata_type``), and every annotation
   below the paths of ``ResourceType.keep_annotations`` (custom security attributes: ``"@odata.type"`` per
   attribute set, ``"Name@odata.type"`` on multi-valued and integer values);
2. run the declaration's ``normalize_hook`` (by default: expanded related objects reduced to ``{id}``);
3. record entragit's facts under ``_entragit``: ``onPremisesMastered`` (``rt.is_synced``),
   ``neverWritten`` (``rt.never_written``) and ``linkKinds`` (the kind of each linked id whose kind is not a
   type the backup holds: a device or organizational contact member, a user when users are excluded; taken
   from the ``@odata.type`` Graph gives each linked object, kept from the stored file for ids still linked);
4. drop volatile paths, secret properties and paths, key material that is not public (``Prop.material``: a
   symmetric or private key; a certificate's public key stays), and the excluded paths (personal data);
5. links: ids sorted (IDS), an id or null (ID), elements without their volatile paths, inner lists
   sorted, elements sorted by ``sort_by`` (OBJECTS);
6. sort the declared unordered lists: strings and numbers by value, objects by ``id``/``keyId`` when
   they carry one, otherwise by their canonical JSON.

Unknown properties, nulls and empty values are kept. Normalizing a normalized object changes nothing,
which is what lets the loader insist on canonical files.

Sources: OData JSON format, instance and property annotations ("@namespace.term", "property@...")
https://docs.oasis-open.org/odata/odata-json-format/v4.01/odata-json-format-v4.01.html#sec_InstanceAnnotations ;
annotations to strip before a write: ../shared/reference/graph-entra.md §1.1.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from typing import Any

from entragit.resources import type_of_kind
from entragit.resources.base import META_KEY, Link, LinkKind, ResourceType
from entragit.resources.sdkmodel import kind_of

ODATA_TYPE = "@odata.type"
# In an exclusion set: the whole type is excluded from the export.
WHOLE_TYPE = "*"
# Facts normalization records under META_KEY (recomputed on every normalization).
MASTERED = "onPremisesMastered"
NEVER_WRITTEN = "neverWritten"
# {link name: {kind: [ids]}}: the kind (Graph type name: "device", "orgContact", "user"...) of each id of an IDS/ID
# link whose kind is not a type this backup holds (a kind entragit manages no type of, or a type excluded in
# entragit.yaml). Taken from the "@odata.type" Graph gives each linked object; kept on re-normalization for the
# ids still linked. Files without it (older backups) mean "kinds not recorded".
LINK_KINDS = "linkKinds"
# Element keys that identify an element of an unordered list of objects (Graph convention:
# appRoles[].id, keyCredentials[].keyId, ...). Elements without one are ordered by content.
_IDENTITY_KEYS = ("id", "keyId")

Exclusions = Mapping[str, Collection[str]]


def is_annotation(key: str) -> bool:
    """Whether a JSON key is an OData annotation (instance ``@ns.term`` or property ``prop@ns.term``)."""
    return "@" in key


def type_excluded(exclude: Exclusions | None, type_key: str) -> bool:
    """Whether ``entragit.yaml`` excludes a whole type (its exclusion set holds ``"*"``)."""
    return bool(exclude) and WHOLE_TYPE in exclude.get(type_key, ())  # type: ignore[union-attr]


def normalize(rt: ResourceType, obj: Mapping[str, Any], exclude: Exclusions | None = None) -> dict[str, Any]:
    """The canonical stored form of one Graph object of type ``rt`` (a new dict; ``obj`` is untouched)."""
    plan = _plan(rt)
    kinds = _graph_kinds(plan, obj, exclude)
    out = _copy(obj, _annotation_holders(plan, obj))
    if not plan.top_odata_type and out.get(ODATA_TYPE) == rt.odata_type:
        del out[ODATA_TYPE]  # the collection's own type, said where it adds nothing (deleted items, getByIds)
    out = rt.normalize_hook(out)
    _record_facts(rt, out)
    for parts in plan.drop:
        _drop(out, parts)
    for name, material, public in plan.materials:
        for element in out.get(name) or () if type(out.get(name)) is list else ():
            if type(element) is dict and material in element and element.get("type") not in public:
                del element[material]  # a symmetric or private key: secret, never stored (issue 11)
    if exclude:
        for path in exclude.get(rt.key, ()):
            if path != WHOLE_TYPE:
                _drop(out, _split(path))
    for link in plan.links:
        if link.name in out:
            out[link.name] = normalize_link(link, out[link.name])
    for parts in plan.unordered:
        _sort_at(out, parts)
    if plan.kinded:
        _record_kinds(plan, out, kinds)
    return out


# ---------------------------------------------------------------------------------------------- paths
# A declaration path split once: ((name, is_list), ...). "a.b[].c" -> (("a", False), ("b", True), ("c", False))
Parts = tuple[tuple[str, bool], ...]


def _split(path: str) -> Parts:
    return tuple((part.removesuffix("[]"), part.endswith("[]")) for part in path.split("."))


def _places(node: Any, parts: Parts, i: int = 0) -> list[tuple[Any, Any]]:
    """``(container, key)`` of every place ``parts`` names (as ``iter_path``, without generators)."""
    name, is_list = parts[i]
    if type(node) is not dict or name not in node:
        return []
    last = i == len(parts) - 1
    if not is_list:
        return [(node, name)] if last else _places(node[name], parts, i + 1)
    seq = node[name]
    if type(seq) is not list:
        return []
    if last:
        return [(seq, j) for j in range(len(seq))]
    found: list[tuple[Any, Any]] = []
    for item in seq:
        found += _places(item, parts, i + 1)
    return found


def _drop(obj: Any, parts: Parts) -> None:
    if len(parts) == 1 and not parts[0][1]:
        if type(obj) is dict:
            obj.pop(parts[0][0], None)
        return
    for container, key in _places(obj, parts):
        if type(container) is dict:
            container.pop(key, None)


def _sort_at(obj: Any, parts: Parts) -> None:
    if len(parts) == 1:
        seq = obj.get(parts[0][0]) if type(obj) is dict else None
        if type(seq) is list and len(seq) > 1:
            sort_list(seq)
        return
    for container, key in _places(obj, parts):
        seq = container[key]
        if type(seq) is list and len(seq) > 1:
            sort_list(seq)


class _Plan:
    """A declaration's normalization facts, computed once per declaration."""

    def __init__(self, rt: ResourceType) -> None:
        self.rt = rt
        self.top_odata_type = rt.requires_odata_type
        self.holders = [_split(p) for p in sorted(rt.keep_annotations)]
        drops = sorted(rt.volatile) + sorted(rt.secrets) + sorted(rt.secret_paths)
        self.drop = [_split(p) for p in drops]
        self.materials = [(p.name, p.material, p.public_material) for p in rt.props if p.material]
        self.links = rt.links
        self.kinded = [ln for ln in rt.links if ln.kind is not LinkKind.OBJECTS]
        self.unordered = [_split(p.removesuffix("[]")) for p in _deepest_first(rt.unordered)]


_PLANS: dict[int, _Plan] = {}


def _plan(rt: ResourceType) -> _Plan:
    plan = _PLANS.get(id(rt))
    if plan is None or plan.rt is not rt:
        plan = _PLANS[id(rt)] = _Plan(rt)
    return plan


def _deepest_first(paths: Collection[str]) -> list[str]:
    """Inner lists are sorted before the lists holding them, so that outer orders are stable."""
    return sorted(paths, key=lambda p: (-(p.count(".") + p.count("[]")), p))


# ---------------------------------------------------------------------------------------------- steps
def _annotation_holders(plan: _Plan, obj: Mapping[str, Any]) -> set[int]:
    """``id()`` of every dict of ``obj`` inside which all annotations are kept (``keep_annotations``)."""
    holders: set[int] = set()
    for parts in plan.holders:
        for container, key in _places(obj, parts):
            value = container[key]
            if type(value) is dict:
                holders.add(id(value))
    return holders


def _copy(node: Any, keep: set[int], inside: bool = False) -> Any:
    """Deep copy of JSON data without annotations, except ``@odata.type`` (the type Graph gave a value: kept
    wherever Graph returned it) and, inside ``keep`` dicts (and below them), every annotation."""
    kind = type(node)
    if kind is list:
        return [_copy(v, keep, inside) if type(v) is dict or type(v) is list else v for v in node]
    if kind is dict or isinstance(node, Mapping):
        everything = inside or (bool(keep) and id(node) in keep)
        out = {}
        for key, value in node.items():
            if "@" in key and not everything and key != ODATA_TYPE:
                continue
            kind = type(value)
            out[key] = _copy(value, keep, everything) if kind is dict or kind is list else value
        return out
    return node


def _record_facts(rt: ResourceType, obj: dict[str, Any]) -> None:
    facts = obj.get(META_KEY)
    facts = dict(facts) if isinstance(facts, dict) else {}
    facts.pop(MASTERED, None)
    facts.pop(NEVER_WRITTEN, None)
    if rt.is_synced(obj):
        facts[MASTERED] = True
    reason = rt.never_written(obj)
    if reason:
        facts[NEVER_WRITTEN] = reason
    if facts:
        obj[META_KEY] = facts
    else:
        obj.pop(META_KEY, None)


def _graph_kinds(plan: _Plan, obj: Mapping[str, Any], exclude: Exclusions | None) -> dict[str, dict[str, str]]:
    """``{link: {id: kind}}`` of the linked objects Graph returned with an ``@odata.type`` whose kind must be
    recorded (:data:`LINK_KINDS`): a kind no registered type holds, or a type ``exclude`` leaves out whole."""
    if not plan.kinded:
        return {}
    found: dict[str, dict[str, str]] = {}
    for link in plan.kinded:
        value = obj.get(link.name)
        items = value if isinstance(value, list) else [value]
        for item in items:
            if not isinstance(item, Mapping) or not isinstance(item.get("id"), str):
                continue
            kind = kind_of(item.get(ODATA_TYPE))
            if kind is None:
                continue
            rt = type_of_kind(kind)
            if rt is None or type_excluded(exclude, rt.key):
                found.setdefault(link.name, {})[item["id"]] = kind
    return found


def _record_kinds(plan: _Plan, out: dict[str, Any], graph: dict[str, dict[str, str]]) -> None:
    """Record :data:`LINK_KINDS` under ``_entragit``: the kinds already recorded (a stored file) for the ids still
    linked, updated with what Graph said (``graph``); sorted, empty ones dropped."""
    facts = out.get(META_KEY)
    facts = dict(facts) if isinstance(facts, dict) else {}
    stored = facts.pop(LINK_KINDS, None)
    recorded: dict[str, dict[str, list[str]]] = {}
    for link in plan.kinded:
        value = out.get(link.name)
        linked = set(value) if isinstance(value, list) else {value}
        by_id: dict[str, str] = {}
        old = stored.get(link.name) if isinstance(stored, dict) else None
        if isinstance(old, dict):
            for kind, ids in old.items():
                for i in ids if isinstance(ids, list) else ():
                    if i in linked:
                        by_id[i] = kind
        by_id.update({i: k for i, k in graph.get(link.name, {}).items() if i in linked})
        if by_id:
            grouped: dict[str, list[str]] = {}
            for i, kind in by_id.items():
                grouped.setdefault(kind, []).append(i)
            recorded[link.name] = {k: sorted(v) for k, v in sorted(grouped.items())}
    if recorded:
        facts[LINK_KINDS] = recorded
    if facts:
        out[META_KEY] = dict(sorted(facts.items()))
    else:
        out.pop(META_KEY, None)


def link_kinds(obj: Mapping[str, Any], link: str) -> dict[str, str]:
    """``{id: kind}`` recorded for one link of a stored object (:data:`LINK_KINDS`; empty when none)."""
    facts = obj.get(META_KEY)
    stored = facts.get(LINK_KINDS) if isinstance(facts, Mapping) else None
    kinds = stored.get(link) if isinstance(stored, Mapping) else None
    out: dict[str, str] = {}
    if isinstance(kinds, Mapping):
        for kind, ids in kinds.items():
            for i in ids if isinstance(ids, list) else ():
                if isinstance(i, str):
                    out[i] = str(kind)
    return out


def drop_path(obj: Any, path: str) -> None:
    """Remove every property ``path`` names (list elements named by a trailing ``[]`` are kept)."""
    _drop(obj, _split(path))


def normalize_link(link: Link, value: Any) -> Any:
    """The stored form of one link's value (ids sorted, elements cleaned and sorted)."""
    if link.kind is LinkKind.ID:
        return _ref_id(value)
    if not isinstance(value, list):
        return value  # not a list: left for validation to report
    if link.kind is LinkKind.IDS:
        ids = [_ref_id(v) for v in value]
        if link.sorted:
            return sorted(set(ids), key=_scalar_key)
        return list(dict.fromkeys(ids))
    for element in value:
        if isinstance(element, dict):
            if not link.requires_odata_type:
                element.pop(ODATA_TYPE, None)  # the element's own (only) type: it adds nothing
            for path in link.volatile:
                drop_path(element, path)
            sort_unordered(element, link.unordered)
    value.sort(key=lambda el: _link_element_key(link, el))
    return value


def _ref_id(value: Any) -> Any:
    """A linked object given as an object (``{"@odata.type": ..., "id": ...}``) becomes its id."""
    if isinstance(value, Mapping):
        return value.get("id")
    return value


def _link_element_key(link: Link, element: Any) -> tuple[Any, ...]:
    if not isinstance(element, dict):
        return ((), canonical_json(element))
    return (tuple(_scalar_key(element.get(k)) for k in link.sort_by), canonical_json(element))


def sort_unordered(obj: Any, paths: Collection[str]) -> None:
    """Sort the lists named by ``paths`` in place (deepest first)."""
    for path in _deepest_first(paths):
        _sort_at(obj, _split(path.removesuffix("[]")))


def sort_list(seq: list[Any]) -> None:
    """Sort one unordered list in place, deterministically whatever it holds."""
    if all(type(v) is str for v in seq):
        seq.sort()
    elif all(type(v) in (int, float) for v in seq):
        seq.sort()
    else:
        seq.sort(key=_element_key)


def _element_key(value: Any) -> tuple[Any, ...]:
    if isinstance(value, dict):
        for name in _IDENTITY_KEYS:
            ident = value.get(name)
            if isinstance(ident, str):
                return (0, ident, canonical_json(value))
        return (1, "", canonical_json(value))
    if isinstance(value, str):
        return (1, value, "")
    return (2, "", canonical_json(value))


def _scalar_key(value: Any) -> tuple[int, str]:
    """Order of scalar values: null first, then by text."""
    if value is None:
        return (0, "")
    if isinstance(value, str):
        return (1, value)
    return (1, canonical_json(value))


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


# ---------------------------------------------------------------------------------------------- diagnosis
def first_data_difference(found: Any, expected: Any, path: str = "") -> str | None:
    """The property path (``appRoles[2].allowedMemberTypes``) where two objects first differ, or None."""
    if isinstance(found, dict) and isinstance(expected, dict):
        for key in sorted(set(found) | set(expected)):
            sub = f"{path}.{key}" if path else key
            if key not in found or key not in expected:
                return sub
            diff = first_data_difference(found[key], expected[key], sub)
            if diff is not None:
                return diff
        return None
    if isinstance(found, list) and isinstance(expected, list):
        if len(found) != len(expected):
            return path or None
        for i, (a, b) in enumerate(zip(found, expected, strict=True)):
            diff = first_data_difference(a, b, f"{path}[{i}]")
            if diff is not None:
                # elements moved (an unsorted list) rather than changed: name the list
                if sorted(map(canonical_json, found)) == sorted(map(canonical_json, expected)):
                    return path or None
                return diff
        return None
    if found != expected or type(found) is not type(expected):
        return path or None
    return None
