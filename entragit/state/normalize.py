"""From a Graph object to its canonical stored form, driven entirely by the type's declaration.

:func:`normalize` is a pure function of the declaration, the object (with its links already attached
under the link names) and the exclusions configured in ``entragit.yaml``:

1. copy the object dropping every OData annotation (a key holding ``@``: ``@odata.context``,
   ``@odata.etag``, ``authenticationStrength@odata.context``, ``@microsoft.graph.tips``, ``@removed``),
   except ``@odata.type`` in the places Graph needs it on write: the object itself
   (``ResourceType.requires_odata_type``), elements of OBJECTS links (``Link.requires_odata_type``) and
   the paths of ``ResourceType.keep_odata_type`` (e.g. ``ipRanges[]``);
2. run the declaration's ``normalize_hook`` (by default: expanded related objects reduced to ``{id}``);
3. record entragit's facts under ``_entragit``: ``onPremisesMastered`` (``rt.is_synced``) and
   ``neverWritten`` (``rt.never_written``);
4. drop volatile paths, secret properties and paths, and the excluded paths (personal data);
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

from entragit.resources.base import META_KEY, Link, LinkKind, ResourceType, iter_path

ODATA_TYPE = "@odata.type"
# In an exclusion set: the whole type is excluded from the export.
WHOLE_TYPE = "*"
# Facts normalization records under META_KEY (recomputed on every normalization).
MASTERED = "onPremisesMastered"
NEVER_WRITTEN = "neverWritten"
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
    out = _copy(obj, _odata_type_holders(rt, obj))
    out = rt.normalize_hook(out)
    _record_facts(rt, out)
    for path in rt.volatile:
        drop_path(out, path)
    for name in rt.secrets:
        out.pop(name, None)
    for path in rt.secret_paths:
        drop_path(out, path)
    if exclude:
        for path in exclude.get(rt.key, ()):
            if path != WHOLE_TYPE:
                drop_path(out, path)
    for link in rt.links:
        if link.name in out:
            out[link.name] = normalize_link(link, out[link.name])
    sort_unordered(out, rt.unordered)
    return out


# ---------------------------------------------------------------------------------------------- steps
def _odata_type_holders(rt: ResourceType, obj: Mapping[str, Any]) -> set[int]:
    """``id()`` of every dict of ``obj`` inside which ``@odata.type`` is kept."""
    holders: set[int] = set()
    if rt.requires_odata_type:
        holders.add(id(obj))
    paths = list(rt.keep_odata_type)
    paths += [f"{ln.name}[]" for ln in rt.links if ln.requires_odata_type and ln.kind is LinkKind.OBJECTS]
    for path in paths:
        for container, key in iter_path(obj, path):
            value = container[key]
            if isinstance(value, dict):
                holders.add(id(value))
    return holders


def _copy(node: Any, keep: set[int]) -> Any:
    """Deep copy of JSON data without annotations (``@odata.type`` survives in ``keep`` dicts)."""
    if isinstance(node, Mapping):
        keep_type = id(node) in keep
        out = {}
        for key, value in node.items():
            if "@" in key and not (keep_type and key == ODATA_TYPE):
                continue
            out[key] = _copy(value, keep) if isinstance(value, (Mapping, list)) else value
        return out
    if isinstance(node, list):
        return [_copy(v, keep) if isinstance(v, (Mapping, list)) else v for v in node]
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


def drop_path(obj: Any, path: str) -> None:
    """Remove every property ``path`` names (list elements named by a trailing ``[]`` are kept)."""
    for container, key in list(iter_path(obj, path)):
        if isinstance(container, dict):
            container.pop(key, None)


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
    """Sort the lists named by ``paths`` in place (deepest first, so that outer orders are stable)."""
    for path in sorted(paths, key=lambda p: (-(p.count(".") + p.count("[]")), p)):
        target = path[:-2] if path.endswith("[]") else path
        for container, key in list(iter_path(obj, target)):
            seq = container[key]
            if isinstance(seq, list) and len(seq) > 1:
                sort_list(seq)


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
