"""The revert branch: ``entragit recover --from REF`` puts ``tenant-state/`` back to a backup, on a new branch.

Starting from the tip of the default branch, the files of the chosen scope (everything, whole types, or object
ids; ``--id`` also takes the ``appId`` of an application or service principal) are set to what they were at
``REF``: changed files get their old content back, files of objects deleted since are added again, and files of
objects created since are removed only with ``--include-new``. The result is committed on a new branch
(default ``recover/<backup>-<scope>``) without touching the working tree, the index or the current branch:
the tree is built in a private index from git's own objects.

The pull request that goes with the branch is written to files (title, Markdown body): the difference report
(what the merge changes in ``tenant-state/``, per type and object) and the plan the merge will apply, computed
against the live tenant exactly as ``entragit apply --scope-from <base>..<branch>`` will compute it after the
merge, with its checksum. The checksum also travels in the commit message as the trailer
``Entragit-Plan-Checksum: <sum>`` so that recover.yml finds it in the merged range.

A plain ``git revert`` of a backup commit, pushed as a branch, works as well: the applier does not depend on
how the branch was made.

Where each concern lives::

    result.py        FileChange, RecoverResult, the constants (CHECKSUM_TRAILER, branch prefix)
    gitfiles.py      tenant-state/ files of a commit read from git's objects (ls-tree, cat-file --batch)
    branch.py        the revert branch: scope selection, the private index, the commit, the checksum trailer
    pull_request.py  the pull request: difference report, plan (as apply will compute it), title and body
    run.py           recover(): the whole ``entragit recover``

This package re-exports the names the rest of entragit and the tests use.
"""

from entragit.recover.branch import branch_name, build_branch, finish_branch, scope_text
from entragit.recover.gitfiles import default_branch
from entragit.recover.pull_request import (
    PLAN_LIMIT,
    REPORT_LIMIT,
    difference_report,
    plan_for,
    pull_request,
    report_for,
    write_pull_request,
)
from entragit.recover.result import (
    BRANCH_PREFIX,
    CHECKSUM_TRAILER,
    EMPTY_SHA,
    STATE_DIR,
    FileChange,
    RecoverResult,
)
from entragit.recover.run import recover

__all__ = [
    "BRANCH_PREFIX", "CHECKSUM_TRAILER", "EMPTY_SHA", "PLAN_LIMIT", "REPORT_LIMIT", "STATE_DIR", "FileChange",
    "RecoverResult", "branch_name", "build_branch", "default_branch", "difference_report", "finish_branch",
    "plan_for", "pull_request", "recover", "report_for", "scope_text", "write_pull_request",
]
