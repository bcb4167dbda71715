"""Difference reports: what changed between a backup and another backup or the live tenant, in words.

- :func:`make_report` / :func:`make_report_async` (:mod:`entragit.report.compare`): read both sides (git
  refs lazily; the live tenant through the exporter and its deleted items: :mod:`entragit.report.live`; changed
  files to object deltas: :mod:`entragit.report.filediff`) and build the report;
- :func:`build_report` (:mod:`entragit.report.build`): the pure semantic diff over the declarations (object
  statuses there; property and link differences in :mod:`entragit.report.differ`, reference verdicts in
  :mod:`entragit.report.pending`);
- :class:`Report` and its parts (:mod:`entragit.report.model`), with the documented JSON shape;
- :func:`render` (:mod:`entragit.report.render`): ``text``, ``markdown`` (pull request body, within GitHub's
  65,536 characters), ``json``.

See docs/report.md.
"""

from __future__ import annotations

from entragit.report.build import Facts, ObjectDelta, build_report
from entragit.report.compare import make_report, make_report_async
from entragit.report.live import LIVE
from entragit.report.model import (
    Deletion,
    Endpoint,
    ItemChange,
    ObjectReport,
    RefQuery,
    Report,
    Resolution,
)
from entragit.report.render import FORMATS, MARKDOWN_LIMIT, render
from entragit.report.resolve import DirSource, GitSource, SourceResolver, TreeSource

__all__ = [
    "FORMATS",
    "LIVE",
    "MARKDOWN_LIMIT",
    "Deletion",
    "DirSource",
    "Endpoint",
    "Facts",
    "GitSource",
    "ItemChange",
    "ObjectDelta",
    "ObjectReport",
    "RefQuery",
    "Report",
    "Resolution",
    "SourceResolver",
    "TreeSource",
    "build_report",
    "make_report",
    "make_report_async",
    "render",
]
