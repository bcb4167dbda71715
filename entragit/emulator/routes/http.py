"""What handlers see and return (``Call``, ``Reply``), the router, and the reply shapes (pages, entities,
``@odata.context``)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from entragit.emulator.backend import DeltaPage, ListQuery, Page
from entragit.emulator.errors import BadRequest, GraphError, MethodNotAllowed
from entragit.emulator.models import dumps
from entragit.emulator.query import parse_expand, parse_filter, parse_orderby, parse_select


@dataclass
class Call:
    """One Graph request as the handlers see it."""

    method: str
    version: str  # "v1.0" | "beta"
    path: str  # below the version root, no leading slash
    query: dict[str, str]  # lower-cased "$" options and other parameters (last value wins)
    raw_query: str
    headers: dict[str, str]  # lower-cased names
    body: bytes
    root: str  # "http://host:port" the client called
    params: dict[str, str] = field(default_factory=dict)

    @property
    def base(self) -> str:
        return f"{self.root}/{self.version}"

    def json(self) -> Any:
        if not self.body or not self.body.strip():
            return None
        import json

        try:
            return json.loads(self.body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise BadRequest(f"Invalid JSON in the request body: {exc}.", code="BadRequest") from None

    def prefers(self, preference: str) -> bool:
        """Whether the ``Prefer`` header asks for ``preference`` (comma-separated preferences, RFC 7240)."""
        return any(p.split("=", 1)[0].strip().lower() == preference
                   for p in self.headers.get("prefer", "").split(","))

    @property
    def eventual(self) -> bool:
        return self.headers.get("consistencylevel", "").lower() == "eventual"

    def list_query(self) -> ListQuery:
        q = self.query
        top = q.get("$top")
        try:
            top_value = int(top) if top is not None else None
        except ValueError:
            raise BadRequest(f"Invalid page size specified: '{top}'.") from None
        skip = q.get("$skip")
        return ListQuery(
            filter=parse_filter(q["$filter"]) if q.get("$filter") else None,
            select=parse_select(q.get("$select")),
            expand=parse_expand(q.get("$expand")),
            top=top_value,
            skiptoken=q.get("$skiptoken"),
            skip=int(skip) if skip and skip.isdigit() else None,
            count=q.get("$count", "").lower() == "true",
            orderby=parse_orderby(q.get("$orderby")),
            search=q.get("$search"),
            eventual=self.eventual,
        )

    def next_link(self, token: str, name: str = "$skiptoken") -> str:
        kept = [p for p in self.raw_query.split("&") if p and not p.lower().startswith(("$skiptoken=", "%24skiptoken="))]
        kept.append(f"{name}={token}")
        return f"{self.base}/{self.path}?{'&'.join(kept)}"


@dataclass
class Reply:
    status: int = 200
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, data: Any, status: int = 200, **headers: str) -> Reply:
        return cls(status, dumps(data), dict(headers))

    @classmethod
    def empty(cls, status: int = 204) -> Reply:
        return cls(status, None)


Handler = Callable[[Call], Reply]


@dataclass
class Route:
    methods: dict[str, Handler]
    pattern: re.Pattern[str]
    template: str


def _compile(template: str) -> re.Pattern[str]:
    parts = []
    for seg in template.split("/"):
        m = re.fullmatch(r"\{(\w+)\}", seg)
        parts.append(f"(?P<{m.group(1)}>[^/]+)" if m else re.escape(seg))
    return re.compile("^" + "/".join(parts) + "$", re.IGNORECASE)


class Router:
    def __init__(self) -> None:
        self.routes: list[Route] = []
        self._by_template: dict[str, Route] = {}
        self._by_head: dict[str, list[Route]] = {}  # first path segment (lower) -> routes, in order

    def add(self, method: str, template: str, handler: Handler) -> None:
        template = template.strip("/")
        route = self._by_template.get(template.lower())
        if route is None:
            route = Route({}, _compile(template), template)
            self._by_template[template.lower()] = route
            self.routes.append(route)
            self._by_head.setdefault(template.split("/", 1)[0].lower(), []).append(route)
        route.methods.setdefault(method.upper(), handler)

    def match(self, method: str, path: str) -> tuple[Handler, dict[str, str], str]:
        static = self._by_template.get(path.lower())
        if static is not None and "{" not in static.template and method in static.methods:
            return static.methods[method], {}, static.template
        allowed = False
        for route in self._by_head.get(path.split("/", 1)[0].lower(), ()):
            m = route.pattern.match(path)
            if m is None:
                continue
            handler = route.methods.get(method)
            if handler is None:
                allowed = True
                continue
            return handler, m.groupdict(), route.template
        if allowed:
            raise MethodNotAllowed()
        segment = path.split("/")[-1] if path else ""
        raise GraphError(f"Resource not found for the segment '{segment}'.", code="BadRequest", status=404)


_CAST = re.compile(r"^(?:microsoft\.)?graph\.(\w+)$", re.IGNORECASE)


def cast_name(segment: str) -> str | None:
    """The type a cast segment names, in either form (``microsoft.graph.group``, ``graph.group``), or None."""
    m = _CAST.match(segment)
    return m.group(1) if m else None


# ---------------------------------------------------------------------------------------------- replies


def page_reply(call: Call, page: Page, context: str) -> Reply:
    head: dict[str, Any] = {"@odata.context": context}
    if page.count is not None:
        head["@odata.count"] = page.count
    if page.next_token:
        head["@odata.nextLink"] = call.next_link(page.next_token)
    items = page.items if page.raw else [dumps(i) for i in page.items]
    prefix = dumps(head)[:-1] + b',"value":['
    return Reply(200, prefix + b",".join(items) + b"]}")


def delta_reply(call: Call, page: DeltaPage, context: str) -> Reply:
    head: dict[str, Any] = {"@odata.context": context}
    path = call.path
    if page.next_token:
        head["@odata.nextLink"] = f"{call.base}/{path}?$skiptoken={page.next_token}"
    else:
        head["@odata.deltaLink"] = f"{call.base}/{path}?$deltatoken={page.delta_token}"
    head["value"] = page.items
    return Reply.json(head)


def context(call: Call, collection: str, select: tuple[str, ...] | None = None, entity: bool = False) -> str:
    sel = f"({','.join(select)})" if select else ""
    return f"{call.base}/$metadata#{collection}{sel}{'/$entity' if entity else ''}"


def entity_reply(call: Call, collection: str, obj: dict[str, Any], status: int = 200,
                 select: tuple[str, ...] | None = None) -> Reply:
    return Reply.json({"@odata.context": context(call, collection, select, entity=True), **obj}, status)




def value_reply(call: Call, collection: str, items: list[dict[str, Any]], *, filter_items: bool = False) -> Reply:
    q = call.list_query()
    if filter_items and q.filter is not None:
        items = [i for i in items if q.filter.predicate(i)]
    if q.select:
        items = [{"id": i.get("id"), **{k: i.get(k) for k in q.select if k != "id"}} for i in items]
    return Reply.json({"@odata.context": context(call, collection, q.select), "value": items})
