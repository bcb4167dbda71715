"""Backups as git commits and annotated tags (GitPython and git's own plumbing on a real repository).

A backup run exports the tenant into ``tenant-state/``, commits when anything there changed (only
``tenant-state/`` paths, never other working-tree or staged changes) and tags the resulting commit
``backup/YYYYMMDDTHHMMSSZ`` (UTC; ``-2``, ``-3``... on a collision). Every run is a backup point: with
nothing changed, the current commit is tagged. The oldest ``backup/*`` tags beyond ``keep`` are deleted;
commits never are.

Where each concern lives (each module imports only modules listed above it: no import cycles). The git
plumbing (open_repo, git_result / git_run, the clock resolve_now, entragit's git identity, BackupError) is
:mod:`entragit.gitutil`, below this package (jobs use it too)::

    tags.py      backup tag names (parse_backup_tag, backup_tag_name), reading backup tags and their manifests
    state.py     tenant-state/ trees: snapshot (counts + digest), diff_states, TypeChanges
    notes.py     apply outcomes as git notes (record / read / fetch / push, known_ids), is_backup_commit,
                 unapplied_changes and its one-line warning
    deltastate.py  the delta state ref (refs/entragit/delta): where the next incremental export continues
    upkeep.py    git maintenance run --auto after a backup
    core.py      backup(): export, commit, tag with the manifest, prune old tags, push; ExportSummary
    listing.py   list_backups (``entragit backups``)
    verify.py    verify_record (one tag: manifest, commit, tree, digest, signature), IntegrityError
    trust.py     which backups are trusted and the newest one, by first-parent position; verify / verify_all
    render.py    text and markdown renderings of the above

The manifest format is described in :mod:`entragit.backups.core`, apply outcomes and unapplied changes in
:mod:`entragit.backups.notes`. This module re-exports the names the rest of entragit and the tests use.
"""

from entragit.backups import deltastate
from entragit.backups.core import BackupResult, ExportStep, ExportSummary, backup
from entragit.backups.listing import list_backups
from entragit.backups.notes import (
    NOTES_REF,
    TRAILER,
    _note_lines,
    fetch_notes,
    is_backup_commit,
    known_ids,
    note_lines,
    push_notes,
    read_apply_outcome,
    read_apply_outcomes,
    record_apply_outcome,
    render_unapplied_warning,
    unapplied_changes,
)
from entragit.backups.render import render_backup, render_backups, render_verify
from entragit.backups.state import STATE_DIR
from entragit.backups.tags import MANIFEST_FORMAT, backup_tag_name, parse_backup_tag
from entragit.backups.trust import verify, verify_all
from entragit.backups.verify import IntegrityError
from entragit.gitutil import (
    BOT_EMAIL,
    BOT_NAME,
    BackupError,
    _config,
    git_result,
    git_run,
    identity_env,
    open_repo,
    resolve_now,
)

__all__ = [
    "BOT_EMAIL", "BOT_NAME", "MANIFEST_FORMAT", "NOTES_REF", "STATE_DIR", "TRAILER", "BackupError",
    "BackupResult", "ExportStep", "ExportSummary", "IntegrityError", "_config", "_note_lines", "backup",
    "backup_tag_name", "deltastate", "fetch_notes", "git_result", "git_run", "identity_env", "is_backup_commit",
    "known_ids", "list_backups", "note_lines", "open_repo", "parse_backup_tag", "push_notes",
    "read_apply_outcome", "read_apply_outcomes", "record_apply_outcome", "render_backup", "render_backups",
    "render_unapplied_warning", "render_verify", "resolve_now", "unapplied_changes", "verify", "verify_all",
]
