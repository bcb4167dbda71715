"""The applier: executes a :class:`~entragit.plan.Plan` through Microsoft Graph, then checks what is left.

:func:`apply_plan` runs the changes of a plan (a line per change and its result: ``ok``, ``failed: reason``,
``skipped``), and :func:`run_apply` is the whole ``entragit apply``: validate ``tenant-state/``, read the live
scope, compute the plan, compare its checksum with the reviewed one, apply, follow restores up, re-read and
report residual drift.

How each kind of change is written (every path, method and body comes from the declarations and the plan;
nothing here branches on a type key):

``update``
    ``PATCH {item}`` with the change's body (``patch``: one PATCH per object; ``patch-alone``: one per
    property), or ``POST {item}/{action}`` (``action`` channel, e.g. ``updateAllowedCombinations``).
``restore``
    ``rt.restore_path`` (``POST directory/deletedItems/{id}/restore``): the object comes back with its id,
    and with its memberships. Its link changes are marked ``recompute`` by the planner: the owner's link is
    re-read first and only what is still missing is written; after the run, the links of restored objects
    are planned once more against the tenant as it now is (:func:`run_apply`), which removes what the
    restore brought back but the backup does not hold.
``create`` / ``recreate``
    The planned body, sent the way the type's declaration says a create is found again
    (``ResourceType.create_key``, :mod:`entragit.apply.creates`): an upsert by ``uniqueName`` (applications,
    groups), a POST Graph refuses to repeat (users by userPrincipalName, service principals by appId), or a
    POST under a marked name that the plan's last step (``after_record``) replaces once the new ids are
    recorded (``checkpoint``). The new object's id (and its minted alternate key, the
    ``appId`` of an application) is recorded under the change's placeholder token and substituted into
    every later change before it is sent (:func:`entragit.plan.substitute`): ids in bodies, link targets,
    addresses, ``appId`` references and strings embedding an appId (``api://{appId}``). Values the create
    must generate (a user's ``passwordProfile``) are generated here and written only to the password file
    the operator names (mode 0600; before the create is sent, as a ``pending:`` line, and after it with the
    new id), never to a line, a report or the repository.
``delete``
    ``DELETE {item}``; an object already gone counts as done.
``link-add`` / ``link-remove`` / ``link-update``
    The link's templates (``Link.add``, ``Link.remove``, ``Link.update``): ``{"@odata.id": ...}`` bodies for
    ids (members, owners, manager), the element without its read-only properties for objects (app role
    assignments, OAuth2 grants, federated credentials). A reference already present / already absent is done.

Throttling: the client resends a throttled request after Graph's ``Retry-After`` and holds every other request
of the run until then (Graph charges requests sent while throttled, so they would only lengthen it); a change
still refused after the client's attempts runs again after the next ``Retry-After`` (:data:`THROTTLED_ROUNDS`).

Never a duplicate create: the client resends a POST only when Graph refused it unexecuted (429); after an
*ambiguous* failure (no answer, an unreadable answer, a 5xx) the create is found again by its key, from the
tenant, never from a local record (a re-run on a fresh clone finds what a killed run made; the planner
matches such objects before planning, :mod:`entragit.plan.earlier`). A keyless create whose object cannot be
seen after a lost answer fails ("not creating another") rather than POSTing again.

Eventual consistency: a write answered 404, 400 "one of the objects being referenced do(es) not exist" or
``NoBackingApplicationObject`` may only mean that what it needs was written a moment ago and is not
replicated yet (:func:`entragit.graph.errors.replication_pending`); the change is tried again after the
client's ``settle`` wait, bounded in tries and time (``RetryPolicy.settle_*``), then reported as failed.

Failures do not stop the run: a failed change is reported and the applier goes on; a change whose
dependency (``Change.after``) failed is skipped with "dependency failed". Changes run concurrently where the
plan allows: a change waits for its dependencies, for the earlier changes of the same object, and (a delete)
for every earlier non-delete change; requests of serialized types (conditional access, named locations) go
one at a time through the client.

Exit codes (:mod:`entragit.errors`): 0 done, 2 bad input, 3 refused (a safety rail, a checksum that differs,
a backup commit), 4 some changes failed, 5 residual dri

Where each concern lives::

    outcome.py   Outcome (one change), ApplyResult (the run: counts, status, exit code, renderings)
    applier.py   the scheduler (_Applier: dependencies, barriers, concurrency, throttled rounds), apply_plan
    objects.py   updates, restores, deletes
    creates.py   creates found again by their key (upsert, unique value, marked name)
    links.py     link adds, removes and updates (re-read links, element keys)
    common.py    what those share: limits, generated values (passwords), error classification
    run.py       the whole ``entragit apply``: ApplyRequest, run_apply, checksums, ranges, record_outcome

This package re-exports the names the rest of entragit and the tests use.
"""

from entragit.apply.applier import Checkpoint, Recheck, apply_plan
from entragit.apply.common import (
    CREATE_ATTEMPTS,
    GENERATED,
    NATURAL_KEYS,
    THROTTLED_ROUNDS,
    generate_password,
    write_secret,
)
from entragit.apply.outcome import DRY_RUN, FAILED, OK, SKIPPED, ApplyResult, EventHandler, Outcome
from entragit.apply.run import (
    ApplyRequest,
    check_checksum,
    check_range_head,
    check_worktree_matches,
    record_interrupted,
    record_outcome,
    resolve_range,
    run_apply,
)
from entragit.backups import known_ids

__all__ = [
    "CREATE_ATTEMPTS", "DRY_RUN", "FAILED", "GENERATED", "NATURAL_KEYS", "OK", "SKIPPED", "THROTTLED_ROUNDS",
    "ApplyRequest", "ApplyResult", "Checkpoint", "EventHandler", "Outcome", "Recheck", "apply_plan",
    "check_checksum", "check_range_head", "check_worktree_matches", "generate_password", "known_ids",
    "record_interrupted", "record_outcome",
    "resolve_range", "run_apply", "write_secret",
]
