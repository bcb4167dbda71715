"""Text (terminal) and markdown ($GITHUB_STEP_SUMMARY) renderings of backups, listings and verify results."""

from __future__ import annotations

from entragit import markdown as md
from entragit.backups.core import BackupResult
from entragit.backups.listing import BackupInfo
from entragit.backups.notes import _unapplied_lines
from entragit.backups.state import STATE_DIR, Changes, TypeChanges
from entragit.backups.verify import VerifyResult


def _changes_text(changes: Changes | None) -> str:
    """``groups 1 added, 2 modified; users 1 deleted`` (types without changes left out)."""
    if changes is None:
        return "unknown"
    if not any(c.total for c in changes.values()):
        return "no change"
    return "; ".join(f"{k} {c.short()}" for k, c in changes.items() if c.total)


def _since(previous: str | None, changes: Changes | None) -> str:
    if previous is None:
        return "first backup: every object is new"
    return f"changes since {previous}: {_changes_text(changes)}"


def render_backup(result: BackupResult, fmt: str = "text") -> str:
    """The summary of one backup run: ``text`` for a terminal, ``markdown`` for $GITHUB_STEP_SUMMARY."""
    counts = ", ".join(f"{k} {v}" for k, v in result.counts.items()) or "none"
    sha = result.commit[:12]
    if fmt == "markdown":
        what = (f"New commit {md.code(sha)}" if result.committed
                else f"No new commit: `{STATE_DIR}/` at {md.code(sha)} already holds the tenant, tagged")
        lines = [f"## Backup {md.code(result.tag)}", "", f"{what}, {md.plural(result.snapshot.total, 'object')}.", "",
                 "| Type | Objects | Added | Modified | Deleted |", "|---|---:|---:|---:|---:|"]
        for key in sorted(set(result.counts) | set(result.changes)):
            c = result.changes.get(key, TypeChanges())
            lines.append(f"| {md.cell(key)} | {result.counts.get(key, 0)} | {c.added} | {c.modified} | {c.deleted} |")
        lines.append("")
        lines.append(f"Changes since {md.code(result.previous)}: {md.text(_changes_text(result.changes))}."
                     if result.previous else "First backup: every object is new.")
        if result.pruned:
            lines.append(f"Tags pruned (their commits stay in history): {', '.join(md.code(t) for t in result.pruned)}.")
        if result.pushed:
            lines.append(f"Pushed to {md.code(result.remote)}.")
        how = _export_text(result)
        if how:
            lines.append(md.text(how[:1].upper() + how[1:]) + ".")
        if result.untrusted:
            n = len(result.untrusted)
            items = "\n".join(f"- {md.code(t)}: {md.text(why)}" for t, why in result.untrusted)
            lines += ["", md.quote(f"[!WARNING]\n{md.plural(n, 'backup tag')} {'is' if n == 1 else 'are'} not trusted "
                                   f"(neither counted nor pruned; never a recovery's default source):\n\n{items}")]
        if result.unapplied:
            n = len(result.unapplied)
            items = "\n".join(f"- {md.code(u.commit[:12])} {md.text(u.subject)} ({md.text(_changes_text(u.changes))}): "
                              f"{md.text(u.reason)}" for u in result.unapplied)
            lines += ["", md.quote(f"[!WARNING]\n{md.plural(n, 'merged change')} to `tenant-state/` "
                                   f"{'was' if n == 1 else 'were'} never applied to the tenant:\n\n{items}")]
        return "\n".join(lines) + "\n"
    what = (f"new commit {sha}" if result.committed
            else f"no new commit: {STATE_DIR}/ at {sha} already holds the tenant, tagged")
    lines = [f"{result.tag}: {what}",
             f"  objects: {result.snapshot.total} ({counts})",
             f"  {_since(result.previous, result.changes)}"]
    if result.pruned:
        lines.append(f"  tags pruned (their commits stay in history): {', '.join(result.pruned)}")
    if result.pushed:
        lines.append(f"  pushed to {result.remote}")
    how = _export_text(result)
    if how:
        lines.append(f"  {how}")
    lines += [f"  NOT TRUSTED (neither counted nor pruned): {t}: {why}" for t, why in result.untrusted]
    lines += _unapplied_lines(result.unapplied)
    return md.printable("\n".join(lines) + "\n")   # commit subjects and messages never drive the terminal


def _export_text(result: BackupResult) -> str:
    """How the export read the tenant: ``incremental export, 84 Graph requests`` or ``full export (why)``."""
    export = result.export
    if export.mode is None:
        return ""
    text = f"{export.mode} export"
    if export.requests is not None:
        text += f", {export.requests:,} Graph requests"
    if export.fallback:
        text += f" ({export.fallback})"
    return text


def render_backups(infos: list[BackupInfo]) -> str:
    if not infos:
        return "no backups\n"
    lines = []
    for info in infos:
        sig = ", signed" if info.signed else ""
        size = f", {_size(info.size)}" if info.size is not None else ""
        lines.append(f"{info.tag}  {info.time:%Y-%m-%d %H:%M:%S} UTC  commit {info.commit[:12]}  "
                     f"{info.total} objects{size}{sig}" + ("" if info.trusted else "  NOT TRUSTED"))
        if not info.trusted:
            lines += [f"  not trusted: {problem}" for problem in info.problems]
            continue
        if info.counts:
            lines.append("  objects: " + ", ".join(f"{k} {v}" for k, v in info.counts.items()))
        lines.append(f"  {_since(info.previous, info.changes)}")
        message = (info.manifest or {}).get("message")
        if isinstance(message, str) and message:
            lines.append(f"  message: {message}")
        lines += [f"  ! {name} is missing: a backup tag was deleted (entragit verify --all)" for name in info.missing]
    return md.printable("\n".join(lines) + "\n")


def _size(n: int) -> str:
    """``812 B``, ``48.2 KB``, ``3.1 MB`` (powers of 1,000)."""
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("KB", 1e3)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n} B"


def render_verify(results: list[VerifyResult]) -> str:
    lines = []
    for res in results:
        lines.append(f"{res.tag}: {'OK' if res.ok else 'FAILED'}"
                     + (f" (signature {res.signature})" if res.signature != "none" else ""))
        lines += [f"  ok: {c}" for c in res.checks]
        lines += [f"  FAIL: {p}" for p in res.problems]
    return md.printable("\n".join(lines) + "\n")
