"""Render the resource declarations as Markdown: ``docs/resources.md`` is this function's output.

Regenerate with ``python -m entragit.resources.docs > docs/resources.md`` (a test fails when it is stale).
"""

from __future__ import annotations

import inspect

from entragit.resources import all_types
from entragit.resources.base import Channel, Link, LinkKind, Ref, ResourceType

_HOOKS = ("is_synced", "never_written", "delete_kind", "link_refused", "link_targets", "normalize_hook",
          "create_defaults_for")


def _code(values: object) -> str:
    items = sorted(values) if isinstance(values, (set, frozenset)) else list(values)  # type: ignore[call-overload]
    return ", ".join(f"`{v}`" for v in items) if items else "—"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _stored_with(rt: ResourceType) -> str:
    return _code(ln.name for ln in rt.links)


def _overridden_hooks(rt: ResourceType) -> list[str]:
    cls = type(rt)
    hooks = [name for name in _HOOKS if getattr(cls, name) is not getattr(ResourceType, name)]
    extra = [
        name for name, member in vars(cls).items()
        if cls is not ResourceType and inspect.isfunction(member) and not name.startswith("_")
        and name not in _HOOKS
    ]
    return hooks + extra


def _ref_rows(refs: tuple[Ref, ...]) -> list[str]:
    rows = ["| path | points at | by | special values (not references) |", "|---|---|---|---|"]
    rows += [f"| `{r.path}` | {_code(r.targets)} | `{r.by}` | {_code(r.specials)} |" for r in refs]
    return rows


def _link_section(link: Link) -> list[str]:
    out = [f"#### `{link.name}` ({link.kind.value})", ""]
    version = f" (API version `{link.read_version}`)" if link.read_version else ""
    select = f", `$select={link.read_select}`" if link.read_select else ""
    out.append(f"- read: `GET {link.read}`{version}{select}" + (" — returned inline by the owner's GET"
                                                               if link.inline else ""))
    for label, template in (("add", link.add), ("update", link.update), ("remove", link.remove)):
        if template:
            out.append(f"- {label}: `{template}`")
    if link.kind is not LinkKind.OBJECTS:
        out.append(f"- targets: {_code(link.targets)}")
        if link.other_kinds:
            out.append(f"- also takes kinds entragit manages no type of (kept, put back, never removed): "
                       f"{_code(link.other_kinds)}")
        if link.v1_hidden_targets:
            out.append(f"- v1.0 omits targets: {_code(link.v1_hidden_targets)}")
        if link.delta_default:
            out.append("- tracked by the owner's delta by default")
    else:
        out.append(f"- key: {_code(link.key)}; sorted by {_code(link.sort_by)}")
        if link.read_only:
            out.append(f"- read-only: {_code(link.read_only)}")
        if link.create_only:
            out.append(f"- create-only: {_code(link.create_only)}")
        if link.volatile:
            out.append(f"- volatile: {_code(link.volatile)}")
        if link.unordered:
            out.append(f"- unordered: {_code(link.unordered)}")
        if link.requires_odata_type:
            out.append("- bodies carry `@odata.type`")
    if link.note:
        out.append(f"- {link.note}")
    out.append("")
    if link.refs:
        out += [*_ref_rows(link.refs), ""]
    return out


def _type_section(rt: ResourceType) -> list[str]:
    out = [f"## `{rt.key}`: {rt.title}", ""]
    kind = "singleton" if rt.singleton else "collection"
    if rt.singleton_in_collection:
        kind = "singleton served as a one-item collection"
    out.append(f"- endpoint: `{rt.api_version}/{rt.collection}` ({kind}); one object: `{rt.item_path('{id}')}`")
    out.append(f"- OData type: `{rt.odata_type}`")
    keys = f"`{rt.key_prop}`" + (f", alternate key `{rt.alt_key}`" if rt.alt_key else "")
    out.append(f"- key: {keys}; display: `{rt.display}`")
    out.append("- `$select`: " + (f"{len(rt.select)} properties" if rt.select_query else
                                  "none (Graph returns every property)"))
    if not rt.singleton:
        out.append(f"- page size: default {rt.page_default}, max {rt.page_max}; delta: "
                   + ("yes" if rt.delta else "no"))
    delete = f"- delete: `{rt.delete.value}`"
    if rt.delete_path:
        delete += f"; deleted items: `{rt.delete_path}`"
    if rt.restore_path:
        delete += f"; restore: `{rt.restore_path}`"
    out.append(delete)
    flags = [name for name, on in (("serialized (1 request/s per tenant)", rt.serialized),
                                   ("bodies carry `@odata.type`", rt.requires_odata_type),
                                   ("directory extension attributes", rt.extension_attributes),
                                   ("directory object", rt.directory_object),
                                   (f"defines directory extensions (`{rt.extension_definitions}`)",
                                    bool(rt.extension_definitions)),
                                   ("its count is the tenant size (throttling limits)", rt.tenant_size)) if on]
    flags += [f"also served at `{alias}`" for alias in rt.aliases]
    out.append(f"- order: {rt.order}" + (f"; {'; '.join(flags)}" if flags else ""))
    hooks = _overridden_hooks(rt)
    if hooks:
        out.append(f"- hooks (`{type(rt).__name__}`): {_code(hooks)}")
    out.append("")
    out += ["| property | JSON type | channel | on-premises | $select | note |", "|---|---|---|---|---|---|"]
    for p in rt.props:
        channel = p.channel.value + (f" `{p.action}`" if p.channel is Channel.ACTION else "")
        if p.secret:
            channel += ", secret"
        if p.required_on_create:
            channel += ", required on create"
        selected = "yes" if (p.select and not p.secret and rt.select_query) else "no"
        kind = f"`{p.json_type}`" if p.json_type else "—"
        out.append(f"| `{p.name}` | {kind} | {channel} | {'yes' if p.on_premises else ''} | {selected} | "
                   f"{_cell(p.note)} |")
    out.append("")
    for label, values in (("volatile (dropped)", rt.volatile), ("unordered (sorted)", rt.unordered),
                          ("secret paths (dropped)", rt.secret_paths),
                          ("expanded on GET (only `id` kept)", rt.expanded),
                          ("`@odata.type` needed inside (derived from Graph's model)", sorted(rt.odata_type_paths)),
                          ("every annotation kept inside", rt.keep_annotations)):
        if values:
            out.append(f"- {label}: {_code(values)}")
    if rt.create_defaults:
        out.append(f"- create defaults: {_code(k for k, _ in rt.create_defaults)}")
    out.append("")
    if rt.refs:
        out += ["### References", "", *_ref_rows(rt.refs), ""]
    if rt.links:
        out += ["### Links (stored with the object)", ""]
        for link in rt.links:
            out += _link_section(link)
    if rt.notes:
        out += [_cell(rt.notes), ""]
    return out


def render_markdown() -> str:
    """The whole of ``docs/resources.md``."""
    types = sorted(all_types(), key=lambda rt: rt.key.lower())
    out = [
        "# Resource types",
        "",
        "<!-- Generated by `python -m entragit.resources.docs > docs/resources.md`; do not edit by hand. -->",
        "",
        "Every fact entragit knows about a Graph resource type lives in its declaration "
        "(`entragit/resources/<type>.py`). This page is rendered from them.",
        "",
        "| type key (CLI `--type`, folder) | stored with the object | endpoint | delta | delete | order |",
        "|---|---|---|---|---|---|",
    ]
    for rt in types:
        key = f"`{rt.key}`" + (" (singleton)" if rt.singleton else "")
        out.append(f"| {key} | {_stored_with(rt)} | `{rt.api_version}/{rt.collection}` | "
                   f"{'yes' if rt.delta else 'no'} | {rt.delete.value} | {rt.order} |")
    out += [
        "",
        "Channels: `patch` (sent in the object's PATCH), `patch-alone` (a PATCH of its own), `action` (a POST "
        "action), `create-only` (POST only), `read-only` (never written). Objects whose own properties are "
        "never written (Microsoft first-party service principals, managed identities, built-in strengths, "
        "Exchange-managed groups) are exported and marked under `_entragit`. JSON type: what the schema of "
        "a stored file checks (`[]`: an array of it; null is always allowed; — : untyped, not in Graph's v1.0 "
        "model).",
        "",
        "Links of ids (`members`, `owners`, `manager`) hold object ids. Graph names each linked object's type "
        "(`@odata.type`); when that kind is not a type the backup holds (a device or organizational contact "
        "member, a contact manager, or any kind of a type `entragit.yaml` excludes), the file records it under "
        "`_entragit.linkKinds`, per link, per kind (the Graph type name), as a sorted list of ids:",
        "",
        "```yaml",
        "members: [0f3c..., 5a1e..., 9d2b...]",
        "_entragit:",
        "  linkKinds:",
        "    members:",
        "      device: [5a1e...]",
        "      orgContact: [9d2b...]",
        "```",
        "",
        "A plan never removes a link to such an object, nor to an object of a type it did not load (excluded, "
        "or outside the scope); it puts back a missing one where Graph accepts that kind in the link "
        "(security groups take devices and contacts, a manager can be a contact), and plans nothing for links "
        "to an excluded type. Files written before kinds were recorded (no `linkKinds`) stay valid: an id the "
        "live link holds is kept whatever its kind; an id of unknown kind that exists nowhere is reported as "
        "stale and left out.",
        "",
    ]
    for rt in types:
        out += _type_section(rt)
    return "\n".join(out).rstrip() + "\n"


if __name__ == "__main__":  # pragma: no cover
    print(render_markdown(), end="")
