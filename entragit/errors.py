"""Typed errors. Each carries the exit code the CLI ends with; deep code never calls sys.exit.

Exit codes (documented in README): 0 done, 1 unexpected failure, 2 bad input, 3 refused (safety rail
or checksum), 4 some changes failed, 5 residual drift, 6 another job holds the lock, 7 declined ("no" at the
prompt), 8 drift found (``--exit-code``), 130 canceled.
"""

from __future__ import annotations

import re

# Characters that would break the one line an error is (a file or id holding a newline, a terminal escape)
_CONTROL = re.compile("[\x00-\x1f\x7f\x85\u2028\u2029]")


def one_line(text: object) -> str:
    """``text`` with every line break and control character written as its escape (``\\n``, ``\\x1b``)."""
    return _CONTROL.sub(lambda m: repr(m.group())[1:-1], str(text))


class EntragitError(Exception):
    """Base of all errors entragit reports to a user as one line."""

    exit_code = 1

    def __init__(self, message: str, *, file: str | None = None, obj: str | None = None,
                 prop: str | None = None) -> None:
        self.file, self.obj, self.prop = file, obj, prop
        where = ", ".join(f"{k} {one_line(v)}" for k, v in (("file", file), ("object", obj), ("property", prop))
                          if v)
        super().__init__(f"{where}: {message}" if where else message)


class UsageError(EntragitError):
    """Bad input: a wrong option, an invalid file, an unknown id."""

    exit_code = 2


class ValidationError(UsageError):
    """A tenant-state file that does not validate (schema, canonical form, ids)."""


class ConfigError(UsageError):
    """A missing or invalid setting (entragit.yaml, environment, credentials)."""


class GraphError(EntragitError):
    """An error answered by Microsoft Graph (or the emulator), in Graph's envelope."""

    def __init__(self, status: int, code: str, message: str, *, method: str = "", url: str = "",
                 request_id: str | None = None, headers: dict[str, str] | None = None) -> None:
        self.status, self.code, self.graph_message = status, code, message
        self.method, self.url, self.request_id = method, url, request_id
        self.headers = headers or {}
        text = f"Graph {status} {code}: {message}"
        if method or url:
            text += f" ({method} {url})".replace("( ", "(")
        if request_id:
            text += f" [request-id {request_id}]"
        super().__init__(text)


class RefusedError(EntragitError):
    """A safety rail or a checksum mismatch refused the operation. ``plan``: the refused plan when a safety rail
    refused it (its ``refused`` says why), so that it can still be shown with the refusal on top; else None."""

    exit_code = 3

    def __init__(self, message: str, *, plan: object = None, **where: str | None) -> None:
        super().__init__(message, **where)
        self.plan = plan


class PartialFailure(EntragitError):
    """Some changes failed; the others were applied."""

    exit_code = 4


class DriftError(EntragitError):
    """The tenant still differs from the desired state after apply."""

    exit_code = 5


class LockedError(EntragitError):
    """Another job holds the repository's lock."""

    exit_code = 6


class Declined(EntragitError):
    """The operator answered "no" at a confirmation prompt: nothing was written."""

    exit_code = 7


class DriftFound(EntragitError):
    """``--exit-code`` and the report or plan is not empty (for scripts, as ``git diff --exit-code``)."""

    exit_code = 8


class Canceled(EntragitError):
    """The user canceled the job (Ctrl-C)."""

    exit_code = 130
