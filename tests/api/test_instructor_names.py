"""Instructors (党建工作指导员) are people the campaign's facts name: registered by
pseudonymous id with their name sealed under their own key; the state, history and feed show
the name while the key exists and "(erased)" after `taizhang erase-person`, while the log
and its hash chain stay intact. Instructors registered before (their name in clear) keep
reading. On both databases.

The names below are made up for the test (pseudonyms), as every name in fixtures must be."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from uuid import uuid4

from eventsourcing.persistence import StoredEvent
from eventsourcing.utils import get_topic

from taizhang.commands.personal import erase_person
from taizhang.domain.instructor import Instructor
from taizhang.domain.persons import ERASED
from taizhang.domain.provenance import Provenance
from taizhang.evidence.verify import walk
from taizhang.ledger import Ledger
from tests.api.conftest import TODAY, Api
from tests.evidence.helpers import store_of

INSTRUCTOR_NAME = "化名辛壬"
OLD_NAME = "化名癸甲"
PERSON = "P009301"


def _register(api: Api, **data: Any) -> Any:
    return api.event("/api/v1/instructors", None, {"district_id": str(api.ids["district"]), **data})


def _shown(api: Api, instructor: str) -> tuple[dict[str, Any], str, str]:
    """The instructor's state, and the name its history and the feed show."""
    state = api.get(f"/api/v1/instructors/{instructor}").get_json()
    (registered,) = api.get(f"/api/v1/instructors/{instructor}/history").get_json()["items"]
    feed = api.get("/api/v1/feed?types=InstructorRegistered").get_json()["items"]
    (in_feed,) = [i for i in feed if i["aggregate_id"] == instructor]
    return state, registered["data"]["person_name"], in_feed["data"]["person_name"]


def _raw_sqlite(api: Api) -> bytes:
    settings = api.app.extensions["taizhang"].settings
    return b"".join(
        Path(settings.sqlite_path() + s).read_bytes()
        for s in ("", "-wal", "-journal")
        if Path(settings.sqlite_path() + s).exists()
    )


def test_an_instructor_is_registered_by_id_with_the_name_sealed_and_shown_to_readers(
    api: Api,
) -> None:
    """Issue 19: "people ... are recorded by pseudonymous id; their names ... live
    encrypted under a key per person" — instructors too."""
    instructor = api.ok(_register(api, person=PERSON, person_name=INSTRUCTOR_NAME))["aggregate_id"]
    rt = api.app.extensions["taizhang"]
    stored = b"".join(bytes(n.state) for n in rt.ledger.recorder.select_notifications(1, 10_000))
    assert INSTRUCTOR_NAME.encode() not in stored and b"aesgcm1:" in stored
    state, in_history, in_feed = _shown(api, instructor)
    assert (state["person"], state["person_name"]) == (PERSON, INSTRUCTOR_NAME)
    assert in_history == in_feed == INSTRUCTOR_NAME
    # Registered without a name, the instructor is their pseudonymous id alone.
    bare = api.ok(_register(api, person="P009302"))["aggregate_id"]
    state = api.get(f"/api/v1/instructors/{bare}").get_json()
    assert (state["person"], state["person_name"]) == ("P009302", "")


def test_erasing_an_instructor_shows_them_erased_and_verify_still_passes(api: Api) -> None:
    """Issue 19: "`taizhang erase-person` destroys the key: afterwards every view, export,
    history and report shows the person as erased, and `verify` still passes"."""
    settings = api.app.extensions["taizhang"].settings
    instructor = api.ok(_register(api, person=PERSON, person_name=INSTRUCTOR_NAME))["aggregate_id"]
    assert erase_person(settings, PERSON, "本人申请删除个人信息", "operator:test")
    state, in_history, in_feed = _shown(api, instructor)
    assert (state["person"], state["person_name"]) == (PERSON, ERASED)
    assert in_history == in_feed == ERASED
    feed = api.get("/api/v1/feed?types=NamedPersonErasureRecorded").get_json()["items"]
    assert [(i["actor"], i["data"]["reason"]) for i in feed] == [
        ("operator:test", "本人申请删除个人信息")
    ]
    # No name can be sealed for the erased person again.
    refused = _register(api, person=PERSON, person_name=INSTRUCTOR_NAME)
    assert refused.status_code == 409
    (error,) = refused.get_json()["errors"]
    assert (error["field"], error["rule"]) == ("data.person", "not_erased")
    ledger = Ledger(settings)
    try:
        assert walk(store_of(ledger)).intact
    finally:
        ledger.close()
    if not settings.is_postgres:
        assert INSTRUCTOR_NAME.encode() not in _raw_sqlite(api)


def test_an_instructor_stored_with_a_name_in_clear_reads_as_recorded(api: Api) -> None:
    """Version 1 held the instructor's name in clear in ``name``: read through the upcast,
    the name is shown as recorded with an empty id; erasure cannot reach it (there is no
    key to destroy, docs/EVIDENCE.md), and the log stays intact."""
    rt = api.app.extensions["taizhang"]
    settings = rt.settings
    made = Instructor.register(
        Provenance(uuid4(), TODAY, "operator:test", "test"), api.ids["district"], PERSON
    )
    (created,) = made.collect_events()
    # How version 1 stored it: the name in clear, no person, no class_version.
    state = {
        "timestamp": created.timestamp,
        "originator_topic": get_topic(Instructor),
        "provenance": created.provenance,
        "district_id": api.ids["district"],
        "name": OLD_NAME,
    }
    rt.ledger.recorder.insert_events(
        [
            StoredEvent(
                originator_id=made.id,
                originator_version=1,
                topic=get_topic(Instructor.Registered),
                state=rt.ledger.mapper.transcoder.encode(state),
            )
        ]
    )
    instructor = str(made.id)
    state_shown, in_history, in_feed = _shown(api, instructor)
    assert (state_shown["person"], state_shown["person_name"]) == ("", OLD_NAME)
    assert in_history == in_feed == OLD_NAME
    ledger = Ledger(settings)
    try:
        assert walk(store_of(ledger)).intact
    finally:
        ledger.close()
    # Branches are assigned to it as to any instructor.
    assigned = api.event(
        f"/api/v1/branches/{api.ids['b1']}/events",
        "InstructorAssigned",
        {"instructor_id": instructor},
    )
    api.ok(assigned)


def test_bad_input_names_field_and_rule(api: Api) -> None:
    """Every input is hostile: a name where the pseudonymous id goes, a missing id, or the
    old ``name`` field are refused naming field and rule, and nothing is stored."""
    before = api.get("/api/v1/feed?types=InstructorRegistered").get_json()["items"]
    cases = [
        ({"person": INSTRUCTOR_NAME}, "data.person", "pseudonymous_id"),
        ({"person": "P 1"}, "data.person", "pseudonymous_id"),
        ({"person_name": INSTRUCTOR_NAME}, "data.person", "required"),
        ({"name": INSTRUCTOR_NAME, "person": PERSON}, "data.name", "unknown_field"),
        ({"person": PERSON, "person_name": ""}, "data.person_name", "length"),
    ]
    for data, field, rule in cases:
        refused = _register(api, **data)
        assert refused.status_code == 422, data
        assert refused.headers["Content-Type"].startswith("application/problem+json")
        assert {(e["field"], e["rule"]) for e in refused.get_json()["errors"]} == {(field, rule)}
    after = api.get("/api/v1/feed?types=InstructorRegistered").get_json()["items"]
    assert after == before
    if not api.app.extensions["taizhang"].settings.is_postgres:
        assert INSTRUCTOR_NAME.encode() not in _raw_sqlite(api)
