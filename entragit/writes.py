"""The writes that put a stored object back into Graph, by declared channel (pure: no Graph, no I/O).

A stored object (a ``tenant-state`` file, normalized) is written through the channels its declaration
gives each property (``entragit.resources.base.Channel``):

- ``patch``: one ``PATCH {item}`` with every such property (:func:`patch_body`);
- ``patch-alone``: one ``PATCH {item}`` per property (Graph refuses them mixed with others);
- ``action``: ``POST {item}/{Prop.action}`` with ``{name: value}`` (``updateAllowedCombinations``);
- ``create-only``: only in the ``POST {collection}`` that creates the object (:func:`create_body`, which
  also carries the patch and action properties: Graph takes them inline on create);
- ``read-only``, secrets, unknown properties, links and ``_entragit`` are never sent.

Links are written per element: ids through ``Link.add`` with an ``@odata.id`` body, objects (assignments,
grants, credentials) with the element minus its read-only and volatile properties.

The exporter's round-trip tests use these to prove that what a file holds is enough to reproduce the
Graph object minus its read-only and volatile properties; the applier sends them.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from entragit.resources.base import META_KEY, Channel, Link, LinkKind, ResourceType

ODATA_TYPE = "@odata.type"


@dataclass(frozen=True)
class Write:
    """One request of a restore: method, path (relative to the version root), JSON body, and what it writes."""

    method: str
    path: str
    body: dict[str, Any] | None
    what: str  # "create", "patch", "patch-alone:<prop>", "action:<name>", "link:<name>"


def _props(rt: ResourceType, obj: Mapping[str, Any], channels: Iterable[Channel], *,
           skip_on_premises: bool = False) -> dict[str, Any]:
    wanted = set(channels)
    on_premises = rt.on_premises_props if skip_on_premises and rt.is_synced(dict(obj)) else frozenset()
    out: dict[str, Any] = {}
    for name, value in obj.items():
        if name == META_KEY or name in rt.link_names or name in on_premises:
            continue
        prop = rt.prop(name)
        if prop is None or not prop.writable or prop.channel not in wanted:
            continue
        out[name] = copy.deepcopy(value)
    return out


def _with_type(rt: ResourceType, obj: Mapping[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    """``@odata.type`` first where Graph needs it on write (``requires_odata_type``, polymorphic types)."""
    if rt.requires_odata_type:
        return {ODATA_TYPE: obj.get(ODATA_TYPE) or rt.odata_type, **body}
    return body


def writable_body(rt: ResourceType, obj: Mapping[str, Any], channels: Iterable[Channel] = (Channel.PATCH,), *,
                  skip_on_premises: bool = False) -> dict[str, Any]:
    """The properties of ``obj`` written through ``channels`` (default: the object's own PATCH), with
    ``@odata.type`` where the type needs it. ``skip_on_premises`` leaves out the properties mastered
    on-premises when the object is synced (Graph refuses them)."""
    return _with_type(rt, obj, _props(rt, obj, channels, skip_on_premises=skip_on_premises))


def patch_body(rt: ResourceType, obj: Mapping[str, Any], *, skip_on_premises: bool = False) -> dict[str, Any]:
    """The body of the object's PATCH: every ``patch`` property (may be just ``@odata.type``, or empty)."""
    return writable_body(rt, obj, (Channel.PATCH,), skip_on_premises=skip_on_premises)


def patch_alone_bodies(rt: ResourceType, obj: Mapping[str, Any], *,
                       skip_on_premises: bool = False) -> list[dict[str, Any]]:
    """One PATCH body per ``patch-alone`` property present in ``obj`` (declaration order)."""
    props = _props(rt, obj, (Channel.PATCH_ALONE,), skip_on_premises=skip_on_premises)
    return [_with_type(rt, obj, {p.name: props[p.name]}) for p in rt.props if p.name in props]


def action_bodies(rt: ResourceType, obj: Mapping[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """``(action, body)`` per ``action`` property present in ``obj``: ``POST {item}/{action}``."""
    props = _props(rt, obj, (Channel.ACTION,))
    return [(p.action or p.name, {p.name: props[p.name]}) for p in rt.props if p.name in props]


def create_body(rt: ResourceType, obj: Mapping[str, Any]) -> dict[str, Any]:
    """The body of ``POST {collection}``: patch, create-only and action properties (Graph takes them
    inline on create, e.g. allowedCombinations), with ``@odata.type`` where needed. ``patch-alone``
    properties follow the create in PATCHes of their own."""
    return writable_body(rt, obj, (Channel.PATCH, Channel.CREATE_ONLY, Channel.ACTION))


def update_writes(rt: ResourceType, obj: Mapping[str, Any], *, skip_on_premises: bool = False) -> list[Write]:
    """Every write that sets the object's own properties to ``obj`` (an existing object): its PATCH, the
    PATCHes of its own and the actions. Create-only properties are not among them (immutable)."""
    item = rt.item_path(str(obj.get(rt.key_prop)))
    writes: list[Write] = []
    body = patch_body(rt, obj, skip_on_premises=skip_on_premises)
    if set(body) - {ODATA_TYPE}:
        writes.append(Write("PATCH", item, body, "patch"))
    for alone in patch_alone_bodies(rt, obj, skip_on_premises=skip_on_premises):
        name = next(k for k in alone if k != ODATA_TYPE)
        writes.append(Write("PATCH", item, alone, f"patch-alone:{name}"))
    for action, act_body in action_bodies(rt, obj):
        writes.append(Write("POST", f"{item}/{action}", act_body, f"action:{action}"))
    return writes


# ---------------------------------------------------------------------------------------------- links
def reference_body(base: str, ref: str) -> dict[str, str]:
    """``{"@odata.id": "{base}/directoryObjects/{ref}"}``: the body adding a member, owner or manager."""
    return {"@odata.id": f"{base.rstrip('/')}/directoryObjects/{ref}"}


def link_element_body(link: Link, element: Mapping[str, Any], *, update: bool = False) -> dict[str, Any]:
    """The create body of one element of an OBJECTS link (assignment, grant, credential, method
    configuration): the element minus its read-only and volatile properties, and on ``update`` also minus
    the create-only ones. ``@odata.type`` stays where the link needs it, other annotations go."""
    dropped = set(link.read_only) | set(link.volatile)
    if update:
        dropped |= set(link.create_only)
    out = {}
    for key, value in element.items():
        if key in dropped or ("@" in key and not (link.requires_odata_type and key == ODATA_TYPE)):
            continue
        out[key] = copy.deepcopy(value)
    return out


def _split_template(template: str, **values: str) -> tuple[str, str]:
    method, _, path = template.partition(" ")
    for key, value in values.items():
        path = path.replace("{" + key + "}", value)
    return method, path


def link_writes(rt: ResourceType, obj: Mapping[str, Any], base: str) -> list[Write]:
    """The writes that add every link of ``obj`` to a fresh object (members, owners, manager, assignments,
    grants, credentials; inline links are written by their ``update`` template, as Graph holds them)."""
    obj_id = str(obj.get(rt.key_prop))
    writes: list[Write] = []
    for link in rt.links:
        value = obj.get(link.name)
        if value is None:
            continue
        if link.kind is LinkKind.OBJECTS:
            for element in value:
                if link.inline and rt.singleton and link.update:  # a singleton's elements always exist
                    method, path = _split_template(link.update, id=obj_id, ref=str(element.get("id")))
                    writes.append(Write(method, path, link_element_body(link, element, update=True),
                                        f"link:{link.name}"))
                else:
                    method, path = _split_template(link.add, id=obj_id)
                    writes.append(Write(method, path, link_element_body(link, element), f"link:{link.name}"))
            continue
        refs = [value] if link.kind is LinkKind.ID else list(value)
        for ref in refs:
            method, path = _split_template(link.add, id=obj_id, ref=str(ref))
            writes.append(Write(method, path, reference_body(base, str(ref)), f"link:{link.name}"))
    return writes
