"""The query of ``auditLogs/directoryAudits`` (directoryaudit-list): ``$filter`` clauses joined by ``and``, each
also as a parenthesized ``or``; ``$orderby`` activityDateTime; ``$top`` (default 100, at most 1,000). Anything
else answers 400 (:class:`~entragit.emulator.errors.BadRequest`). The log itself: :mod:`entragit.emulator.audit`.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from entragit.emulator.errors import BadRequest

DEFAULT_TOP, MAX_TOP = 100, 1000


# ---------------------------------------------------------------------- $filter
_CLAUSES = [
    (re.compile(r"^activityDateTime\s+(eq|ge|le)\s+(\S+)$", re.I), "time"),
    (re.compile(r"^(activityDisplayName|loggedByService|category|correlationId|id|operationType|result)"
                r"\s+eq\s+'((?:[^']|'')*)'$", re.I), "eq"),
    (re.compile(r"^startswith\(\s*activityDisplayName\s*,\s*'((?:[^']|'')*)'\s*\)$", re.I), "startswith"),
    (re.compile(r"^initiatedBy/app/(appId|displayName)\s+eq\s+'((?:[^']|'')*)'$", re.I), "app"),
    (re.compile(r"^targetResources/any\(\s*(\w+)\s*:\s*\1/id\s+eq\s+'((?:[^']|'')*)'\s*\)$", re.I), "target"),
]


def parse_audit_filter(text: str) -> list[Any]:
    """Tests for the entries, all of which must hold: clauses joined by ``and``, each one of ``_CLAUSES`` or a
    parenthesized ``or`` of them (``(activityDisplayName eq 'A' or activityDisplayName eq 'B')``)."""
    tests: list[Any] = []
    for part in _split(text.strip(), "and"):
        options = _split(_unwrap(part), "or")
        alternatives = [_clause(_unwrap(o)) for o in options]
        if len(alternatives) == 1:
            tests.append(alternatives[0])
        else:
            tests.append(lambda e, alts=tuple(alternatives): any(a(e) for a in alts))
    return tests


def _split(text: str, word: str) -> list[str]:
    """``text`` split at top-level ``and``/``or`` (outside parentheses and quotes)."""
    if not text:
        return []
    parts, depth, quoted, start = [], 0, False, 0
    token = f" {word} "
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "'":
            quoted = not quoted
        elif not quoted and ch == "(":
            depth += 1
        elif not quoted and ch == ")":
            depth -= 1
        elif not quoted and depth == 0 and text[i:i + len(token)].lower() == token:
            parts.append(text[start:i])
            i += len(token)
            start = i
            continue
        i += 1
    parts.append(text[start:])
    return [p.strip() for p in parts]


def _unwrap(text: str) -> str:
    text = text.strip()
    while text.startswith("(") and text.endswith(")") and _balanced(text[1:-1]):
        text = text[1:-1].strip()
    return text


def _balanced(text: str) -> bool:
    depth = 0
    for ch in text:
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if depth < 0:
            return False
    return depth == 0


def _clause(clause: str) -> Any:
    for pattern, kind in _CLAUSES:
        m = pattern.match(clause)
        if m:
            return _test(kind, m)
    raise BadRequest(f"Invalid filter clause: '{clause}' is not supported on directoryAudits.", code="BadRequest")


def _test(kind: str, m: re.Match[str]) -> Any:
    if kind == "time":
        op, when = m.group(1).lower(), _parse_time(m.group(2))
        compare = {"eq": lambda a: a == when, "ge": lambda a: a >= when, "le": lambda a: a <= when}[op]
        return lambda e: compare(_parse_time(e["activityDateTime"]))
    if kind == "eq":
        prop, value = m.group(1), m.group(2).replace("''", "'").lower()
        key = next(k for k in ("activityDisplayName", "loggedByService", "category", "correlationId", "id",
                               "operationType", "result") if k.lower() == prop.lower())
        return lambda e: str(e.get(key) or "").lower() == value
    if kind == "startswith":
        prefix = m.group(1).replace("''", "'").lower()
        return lambda e: str(e.get("activityDisplayName") or "").lower().startswith(prefix)
    if kind == "app":
        prop, value = m.group(1), m.group(2).replace("''", "'").lower()
        key = "appId" if prop.lower() == "appid" else "displayName"
        return lambda e: str(((e.get("initiatedBy") or {}).get("app") or {}).get(key) or "").lower() == value
    target = m.group(2).replace("''", "'").lower()
    return lambda e: any(str(t.get("id") or "").lower() == target for t in e.get("targetResources") or [])


# ---------------------------------------------------------------------- $orderby, $top, times
def _parse_time(text: str) -> datetime:
    raw = text.strip().strip("'")
    if len(raw) == 10:
        raw += "T00:00:00Z"
    m = re.match(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-]\d\d:\d\d)?$", raw)
    if not m:
        raise BadRequest(f"Invalid filter clause: '{text}' is not a valid DateTimeOffset.", code="BadRequest")
    frac = (m.group(2) or ".0")[1:7].ljust(6, "0")
    tz = m.group(3) or "Z"
    dt = datetime.fromisoformat(f"{m.group(1)}.{frac}{'+00:00' if tz == 'Z' else tz}")
    return dt.astimezone(UTC)


def descending(orderby: str | None) -> bool:
    if not orderby:
        return True
    m = re.match(r"^\s*activityDateTime(?:\s+(asc|desc))?\s*$", orderby, re.I)
    if not m:
        raise BadRequest(f"$orderby '{orderby}' is not supported on directoryAudits (activityDateTime only).",
                         code="BadRequest")
    return (m.group(1) or "asc").lower() == "desc"


def top(value: str | None) -> int:
    if value is None:
        return DEFAULT_TOP
    if not value.isdigit() or not 1 <= int(value) <= MAX_TOP:
        raise BadRequest(f"Invalid page size specified: '{value}'. Must be between 1 and {MAX_TOP} inclusive.",
                         code="BadRequest")
    return int(value)
