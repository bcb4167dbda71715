"""Jobs, like Microsoft's: one at a time per tenant repository, shown live, cancelable.

A job moves through *Loading data* → *In progress* → *Completed* (or *Failed*, or *Canceled* on Ctrl-C /
SIGTERM). :func:`run_job` shows the state on one updated stderr line (a line per change when stderr is not a
terminal) and, with ``json_output``, prints one JSON object at the end (job, state, started, finished,
detail, error).

Where each concern lives::

    lock.py      the local lock (RepoLock, LockInfo, read_lock) and the clock helpers
    signals.py   cancel_on_signals, shield (defer SIGINT/SIGTERM over a step that must not stop half-way)
    job.py       JobState, Job, run_job (the live line, the JSON summary)
    remote.py    the remote lock for GitHub Actions (refs/entragit/lock): acquire / read / release

This package re-exports the names the rest of entragit and the tests use.
"""

from entragit.jobs.job import Job, JobState, end_live_line, run_job
from entragit.jobs.lock import DEFAULT_MAX_LOCK_AGE, LOCK_FILE, LockInfo, RepoLock, read_lock
from entragit.jobs.remote import (
    DEFAULT_REMOTE_MAX_AGE,
    REMOTE_LOCK_REF,
    RemoteLock,
    acquire_remote_lock,
    read_remote_lock,
    release_remote_lock,
    remote_lock,
)
from entragit.jobs.signals import cancel_on_signals, shield

__all__ = [
    "end_live_line",
    "DEFAULT_MAX_LOCK_AGE", "DEFAULT_REMOTE_MAX_AGE", "LOCK_FILE", "REMOTE_LOCK_REF", "Job", "JobState",
    "LockInfo", "RemoteLock", "RepoLock", "acquire_remote_lock", "cancel_on_signals", "read_lock",
    "read_remote_lock", "release_remote_lock", "remote_lock", "run_job", "shield",
]
