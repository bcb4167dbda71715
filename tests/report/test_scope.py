"""Scoping a report by type and by id (object id or appId) against the live demo tenant."""

from __future__ import annotations

import pytest

from entragit.emulator.seeds import DEMO_FACTS as F
from entragit.errors import UsageError
from entragit.graph import run
from entragit.report import Report, make_report
from tests.report.helpers import ALEX, ENGINEERING, FINANCE, GSA, TOM, Demo

HR_APP = F.application_object_ids["Contoso HR Portal"]
HR_APP_ID = F.app_ids["Contoso HR Portal"]


@pytest.fixture(scope="module")
def demo(changed_demo: Demo) -> Demo:
    """The changed demo, plus an application changed (to scope by its appId)."""
    run(changed_demo.client.patch(f"applications/{HR_APP}", {"notes": "owned by HR IT"}))
    return changed_demo


def _report(demo: Demo, **kwargs: object) -> Report:
    return make_report(demo.repo, demo.first.tag, client=demo.client, now=demo.emu.clock.now(), **kwargs)


def test_by_type(demo: Demo) -> None:
    report = _report(demo, types=["groups"])
    assert {o.type for o in report.objects} == {"groups"}
    assert report.counts("groups") == {"created": 1, "modified": 3, "deleted": 1, "restored": 0, "recreated": 0}
    assert report.scope == {"types": ["groups"], "ids": None}
    # members still resolve: the types groups point at are read for names
    engineering = report.get("groups", ENGINEERING)
    assert engineering.changes[0].refs[ALEX].display_name == "Alex Wilber"


def test_by_several_types(demo: Demo) -> None:
    report = _report(demo, types=["users", "conditionalAccessPolicies"])
    assert [(o.type, o.id) for o in report.objects] == [("users", TOM), ("conditionalAccessPolicies", GSA)]


def test_by_id(demo: Demo) -> None:
    report = _report(demo, ids=[GSA, FINANCE])
    assert [(o.type, o.id, o.status) for o in report.objects] == [
        ("groups", FINANCE, "deleted"), ("conditionalAccessPolicies", GSA, "modified")]
    assert report.objects[0].deletion is not None and report.objects[0].deletion.state == "restorable"


def test_by_app_id(demo: Demo) -> None:
    report = _report(demo, ids=[HR_APP_ID])
    ((obj_type, obj_id, change),) = [(o.type, o.id, c) for o in report.objects for c in o.changes]
    assert (obj_type, obj_id) == ("applications", HR_APP)
    assert (change.path, change.old, change.new) == ("notes", None, "owned by HR IT")


def test_by_type_and_id_together(demo: Demo) -> None:
    assert _report(demo, types=["users"], ids=[GSA]).objects == []
    assert [o.id for o in _report(demo, types=["users"], ids=[TOM]).objects] == [TOM]


def test_unknown_type_or_ref_is_refused(demo: Demo) -> None:
    with pytest.raises(UsageError, match="unknown resource type 'nope'"):
        _report(demo, types=["nope"])
    with pytest.raises(UsageError, match="unknown revision 'backup/19990101T000000Z'"):
        make_report(demo.repo, "backup/19990101T000000Z", "HEAD")
