"""Graph errors as data (moto's ``exceptions.py``).

Each error is a class with an HTTP status, a Graph ``code`` and a message; :meth:`GraphError.body` renders
it into Graph's envelope ``{"error": {"code", "message", "innerError": {"date", "request-id",
"client-request-id"}}}`` (https://learn.microsoft.com/en-us/graph/errors). The backend raises them; the
HTTP layer renders them. Codes and messages are the ones Graph answers where they are known (sources on
each class).
"""

from __future__ import annotations

from typing import Any


class EmulatorInputError(ValueError):
    """Bad input to the emulator itself (a seed file, a control-plane knob), not a Graph request.

    The control plane answers it with 400; ``entragit emulator serve`` reports it as one line (exit 2). The text
    names the file, object and property like the CLI's own errors: ``file x.json, property users: ...``.
    """

    def __init__(self, message: str, *, file: str | None = None, obj: str | None = None,
                 prop: str | None = None) -> None:
        self.file, self.obj, self.prop = file, obj, prop
        where = ", ".join(f"{k} {v}" for k, v in (("file", file), ("object", obj), ("property", prop)) if v)
        super().__init__(f"{where}: {message}" if where else message)


class SeedError(EmulatorInputError):
    """A seed that cannot be loaded: unknown name, unreadable or inconsistent file."""


class GraphError(Exception):
    """An error Graph answers: status, code, message and extra response headers."""

    status = 400
    code = "Request_BadRequest"

    def __init__(self, message: str, *, code: str | None = None, status: int | None = None,
                 headers: dict[str, str] | None = None, details: list[dict[str, Any]] | None = None,
                 inner: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.inner = dict(inner or {})  # more specific innerError members (code, message)
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        self.headers: dict[str, str] = dict(headers or {})
        self.details = details

    def body(self, request_id: str, client_request_id: str | None, date: str) -> dict[str, Any]:
        inner: dict[str, Any] = {**self.inner, "date": date, "request-id": request_id}
        if client_request_id:
            inner["client-request-id"] = client_request_id
        error: dict[str, Any] = {"code": self.code, "message": self.message, "innerError": inner}
        if self.details:
            error["details"] = self.details
        return {"error": error}

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.status}, {self.code!r}, {self.message!r})"


class BadRequest(GraphError):
    """400 Request_BadRequest: malformed JSON, unknown or read-only properties, invalid values."""


class InvalidProperty(BadRequest):
    """An unknown property in a write body.

    Observed: ``{"code": "Request_BadRequest", "message": "Invalid property 'responseHeaders'."}``
    (https://github.com/pnp/PnP-Sites-Core/issues/1807).
    """

    def __init__(self, name: str) -> None:
        super().__init__(f"Invalid property '{name}'.")
        self.prop = name


class ReadOnlyProperty(BadRequest):
    """``Property 'onPremisesSyncEnabled' is read-only and cannot be set.`` (graph-entra.md §1.3, [X3])."""

    def __init__(self, name: str) -> None:
        super().__init__(f"Property '{name}' is read-only and cannot be set.")
        self.prop = name


class OnPremisesMastered(BadRequest):
    """A write to an on-premises-mastered property of a synced object (graph-entra.md §1.3, [X1][X5])."""

    def __init__(self, props: list[str] | None = None) -> None:
        super().__init__("Unable to update the specified properties for on-premises mastered Directory Sync "
                         "objects or objects currently undergoing migration.")
        self.props = props or []


class ConditionalAccessError(BadRequest):
    """A Conditional Access write Graph refuses: the numbered detail (``1054: Invalid group value: ...``) in
    ``innerError.message`` under a generic top-level message (graph-entra.md "Real-Graph rules"; the top-level
    text as observed in Microsoft365DSC#2146 and Micke-K/IntuneManagement#148)."""

    code = "BadRequest"

    def __init__(self, detail: str) -> None:
        super().__init__("The server could not process the request because it is malformed or incorrect.",
                         inner={"code": "BadRequest", "message": detail})
        self.detail = detail


class UnsupportedQuery(GraphError):
    """400 Request_UnsupportedQuery (https://learn.microsoft.com/en-us/graph/aad-advanced-queries)."""

    code = "Request_UnsupportedQuery"


class NotFound(GraphError):
    """404 Request_ResourceNotFound for a directory object id that does not exist."""

    status = 404
    code = "Request_ResourceNotFound"

    @classmethod
    def resource(cls, ident: str) -> NotFound:
        return cls(f"Resource '{ident}' does not exist or one of its queried reference-property objects "
                   "are not present.")


class ResourceNotFound(NotFound):
    """404 for a path Graph does not know (``Resource not found for the segment '...'``)."""

    code = "BadRequest"

    def __init__(self, segment: str) -> None:
        super().__init__(f"Resource not found for the segment '{segment}'.")


class MethodNotAllowed(GraphError):
    """405 (observed body: https://github.com/microsoftgraph/microsoft-graph-docs/issues/119)."""

    status = 405
    code = "Request_BadRequest"

    def __init__(self, message: str = "Specified HTTP method is not allowed for the request target.") -> None:
        super().__init__(message)


class Forbidden(GraphError):
    """403 Authorization_RequestDenied."""

    status = 403
    code = "Authorization_RequestDenied"

    def __init__(self, message: str = "Insufficient privileges to complete the operation.", **kwargs: Any) -> None:
        super().__init__(message, **kwargs)


class Conflict(GraphError):
    status = 409
    code = "Request_BadRequest"


class SyncStateNotFound(GraphError):
    """An expired delta token (directory tokens live 7 days; https://learn.microsoft.com/en-us/graph/delta-query-overview)."""

    status = 400
    code = "syncStateNotFound"

    def __init__(self) -> None:
        super().__init__("The sync state generation is not found: the delta token has expired (directory "
                         "delta tokens are valid for 7 days). Start a full synchronization.")


class ResyncRequired(GraphError):
    """410 Gone with a ``Location`` header: start a full resync from that URL."""

    status = 410
    code = "resyncRequired"

    def __init__(self, location: str) -> None:
        super().__init__("The delta token is no longer valid; restart the synchronization from the "
                         "Location header.", headers={"Location": location})


class TooManyRequests(GraphError):
    """429 (sample body: https://learn.microsoft.com/en-us/graph/throttling)."""

    status = 429
    code = "TooManyRequests"

    def __init__(self, message: str = "Please retry again later.", headers: dict[str, str] | None = None) -> None:
        super().__init__(message, headers=headers)


class ServiceUnavailable(GraphError):
    status = 503
    code = "serviceNotAvailable"

    def __init__(self, message: str = "The service is temporarily unavailable. Please retry later.",
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message, headers=headers)
