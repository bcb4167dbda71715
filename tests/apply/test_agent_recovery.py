"""Entra Agent ID objects through the CLI (issue 10.11): an agent identity is listed among service principals with
its ``@odata.type``, kept in backups with its kind, and, once hard-deleted, reported as not recoverable by the
plain path: never POSTed to ``/servicePrincipals`` (Graph would make a plain service principal of it, or refuse
it), even when ``--recreate`` names it. A soft-deleted one comes back from deleted items with its id."""

from __future__ import annotations

import pytest

from entragit.emulator.seeds import DEMO_DIRECTORY as D
from entragit.graph import run
from tests.apply.helpers import Lab

AGENT = D.agent_identity_id


def test_a_hard_deleted_agent_identity_is_reported_never_posted_as_a_plain_service_principal(
        lab: Lab, capsys: pytest.CaptureFixture[str]) -> None:
    first = lab.backup()
    stored = lab.state()["servicePrincipals"][AGENT]
    assert stored["@odata.type"] == "#microsoft.graph.agentIdentity"        # kept with its kind
    lab.purge(AGENT)

    report = lab.cli(capsys, "diff", "--from", first.tag)
    assert report.code == 0 and "Helpdesk Agent" in report.out, report.out + report.err

    lab.mark()
    done = lab.cli(capsys, "apply", "--yes", "--type", "servicePrincipals", "--recreate", AGENT)
    assert done.code == 0, done.out + done.err
    assert "agentIdentity is not a plain service principal" in done.out, done.out
    assert "POST servicePrincipals/microsoft.graph.agentIdentity" in done.out
    assert lab.writes() == []                                                 # nothing POSTed, nothing else
    assert AGENT not in lab.live(["servicePrincipals"])["servicePrincipals"]


def test_a_soft_deleted_agent_identity_comes_back_from_deleted_items(lab: Lab,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    lab.backup()
    lab.control("replication", {"off": True})   # the deletion shows in deleted items at once (lag: elsewhere)
    run(lab.client.delete(f"servicePrincipals/{AGENT}"))
    lab.mark()
    done = lab.cli(capsys, "apply", "--yes", "--type", "servicePrincipals")
    assert done.code == 0, done.out + done.err
    writes = [(w["method"], w["path"]) for w in lab.writes()]
    assert ("POST", f"directory/deletedItems/{AGENT}/restore") in writes, writes
    assert not [w for w in writes if w == ("POST", "servicePrincipals")]
    back = lab.live(["servicePrincipals"])["servicePrincipals"][AGENT]
    assert back["@odata.type"] == "#microsoft.graph.agentIdentity"
