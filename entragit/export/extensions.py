"""Directory extension attributes of an export: which ones Graph lists (``getAvailableExtensionProperties``),
the fallback when it answers empty (the tenant's own applications' definitions, names an earlier backup held,
``entragit.yaml`` ``extensionAttributes``), and the warning when the tenant is too large for the action to list
other tenants' apps' extensions. :class:`ExtensionDiscovery` is the part of the exporter
(:mod:`entragit.export.reader`) that does it; how and why: the package docstring (:mod:`entragit.export`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from entragit import resources
from entragit.errors import GraphError
from entragit.export.result import EXTENSIONS_TOPIC, ExportError, TypeStats
from entragit.resources.base import Link, LinkKind, ResourceType
from entragit.state.normalization import Exclusions

# Directory extension definitions registered in the tenant, including those of multi-tenant apps
# (synced and cloud ones: the body names neither). Learn: "only processes results for tenants with up to
# 1,000 service principals; otherwise, it returns an empty response. Use List extensionProperties instead."
# https://learn.microsoft.com/en-us/graph/api/directoryobject-getavailableextensionproperties?view=graph-rest-1.0
EXTENSIONS_ACTION = "directoryObjects/getAvailableExtensionProperties"


def extension_definitions() -> tuple[ResourceType, Link] | None:
    """The fallback source of directory extension definitions: the type whose objects define them
    (``ResourceType.extension_definitions``: applications' ``extensionProperties``), and the relationship as
    a link, expanded on a listing of the owners' ids (pages of at most 999 without $expand)."""
    owner = next((rt for rt in resources.all_types() if rt.extension_definitions), None)
    if owner is None:
        return None
    name = owner.extension_definitions
    return owner, Link(name=name, kind=LinkKind.OBJECTS, read=f"{owner.collection}/{{id}}/{name}", expand=name,
                       expand_cap=resources.base.EXPAND_MAX)


def extension_target(rt: ResourceType) -> str:
    """The ``targetObjects`` name of a type's directory extensions: ``#microsoft.graph.user`` → ``User``."""
    name = rt.odata_type.rsplit(".", 1)[-1]
    return name[:1].upper() + name[1:]


class ExtensionDiscovery:
    """The exporter's directory extension attributes (its ``__init__`` sets these fields)."""

    client: Any
    rts: list[ResourceType]
    exclude: Exclusions | None
    configured: dict[str, tuple[str, ...]]  # entragit.yaml extensionAttributes
    earlier: dict[str, tuple[str, ...]]     # names an earlier backup held
    discovery_empty: bool                    # getAvailableExtensionProperties answered no definition
    stats: dict[str, TypeStats]
    extensions: dict[str, tuple[str, ...]]
    definitions: list[dict[str, Any]]
    notes: list[str]
    warnings: list[str]

    async def discover_extensions(self) -> None:
        targets = {extension_target(rt): rt for rt in self.rts if rt.extension_attributes}
        if not targets:
            return
        try:
            answer = await self.client.post(EXTENSIONS_ACTION, {}, idempotent=True)
            definitions = list((answer or {}).get("value") or ())
            if not definitions:
                self.discovery_empty = True
                definitions = await self._own_extension_definitions()
        except GraphError as exc:
            raise ExportError(f"discovering directory extension attributes: {exc}", type_key="extensions",
                              graph_error=exc) from exc
        self.use_definitions(definitions)

    def use_definitions(self, definitions: list[dict[str, Any]]) -> None:
        """Extension attribute names per type from definitions (``name``, ``targetObjects``)."""
        targets = {extension_target(rt): rt for rt in self.rts if rt.extension_attributes}
        self.definitions = sorted(({"name": d["name"], "targetObjects": sorted(d.get("targetObjects") or ())}
                                   for d in definitions if isinstance(d.get("name"), str) and d["name"]),
                                  key=lambda d: d["name"])
        names: dict[str, set[str]] = {}
        for definition in self.definitions:
            name = definition["name"]
            for target in definition["targetObjects"]:
                rt = targets.get(target)
                if rt is not None:
                    names.setdefault(rt.key, set()).add(name)
        # Beyond what Graph lists: the names entragit.yaml gives, and, when the action answered empty (it does in
        # tenants over 1,000 service principals, so other tenants' apps' extensions are not listed), every name an
        # earlier backup held. A name Graph does not know is ignored in $select (no value comes back).
        extra = [self.configured] + ([self.earlier] if self.discovery_empty else [])
        for source in extra:
            for key, found in source.items():
                if any(rt.key == key for rt in targets.values()):
                    names.setdefault(key, set()).update(found)
        excluded = self.exclude or {}
        kept = {key: tuple(sorted(n for n in found if n not in excluded.get(key, ()))) for key, found in names.items()}
        self.extensions = {key: found for key, found in kept.items() if found}

    async def discovery_warning(self, counts: Mapping[str, int] | None = None) -> None:
        """When getAvailableExtensionProperties answered empty and the tenant holds more service principals than
        it processes (``ResourceType.extension_discovery_limit``), other tenants' apps' extension attributes were
        not discovered: say so in the backup (and the report), with what was kept instead."""
        if not self.discovery_empty:
            return
        limited = next((rt for rt in resources.all_types() if rt.extension_discovery_limit), None)
        if limited is None:
            return
        count: int | None = (counts or {}).get(limited.key)
        if count is None and limited.key in self.stats:
            count = self.stats[limited.key].objects
        if count is None:
            try:
                answer = await self.client.request("GET", f"{limited.collection}/$count",
                                                   headers={"ConsistencyLevel": "eventual"})
                count = int(answer.content.decode().strip())
            except (GraphError, ValueError):
                return  # the count is unknown: nothing to say for sure
        if count <= limited.extension_discovery_limit:
            return
        kept = sorted({n for names in self.extensions.values() for n in names})
        self.warnings.append(
            f"{EXTENSIONS_TOPIC}: {EXTENSIONS_ACTION} answered no extension attribute and the tenant holds "
            f"{count:,} {limited.key} (Graph answers empty over {limited.extension_discovery_limit:,}, a known "
            "issue): extension attributes of other tenants' applications are not discovered; backed up: "
            + (", ".join(kept) if kept else "none")
            + " (the tenant's own applications' definitions, names earlier backups held, and entragit.yaml "
              "extensionAttributes: name any other there)")

    async def _own_extension_definitions(self) -> list[dict[str, Any]]:
        """Fallback when the action answers empty (no extensions, or a tenant over 1,000 service
        principals): the extension properties of the tenant's own applications, one listing with $expand
        (:func:`extension_definitions`; an application holding 20 or more is read in full)."""
        source = extension_definitions()
        if source is None:
            return []
        owner, link = source
        found: list[dict[str, Any]] = []
        params = {"$select": owner.key_prop, "$expand": link.expand, "$top": owner.page_max}
        first = True
        try:
            async for page in self.client.pages(owner.collection, params, version=owner.api_version):
                first = False
                for item in page.get("value") or ():
                    defs = item.get(link.name) or []
                    if len(defs) >= (link.expand_cap or len(defs) + 1):
                        defs = await self.client.list_all(link.read.format(id=item[owner.key_prop]),
                                                          version=owner.api_version)
                    found.extend(defs)
        except GraphError as exc:
            if not (first and exc.status == 400):
                raise
            # the endpoint cannot expand them: nothing more to learn (the action's answer stands)
            self.notes.append(f"extensions: Graph refused $expand={link.expand} on {owner.collection} "
                              f"({exc.graph_message}); only the getAvailableExtensionProperties answer is used")
        return found
