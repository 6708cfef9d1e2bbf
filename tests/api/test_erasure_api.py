"""Erasing a person over HTTP (``POST /api/v1/persons/{person}/erasure``): the district's
office (or the administrator) erases a person its district's facts name, giving a reason;
the actor is the token's name; the erasure is the same fact as ``taizhang erase-person``
records; other roles get 403, another district's person 404; asking again answers the same.
On both databases.

The names below are made up for the test (pseudonyms), as every name in fixtures must be."""

from __future__ import annotations

from pathlib import Path

from taizhang.domain.persons import ERASED
from taizhang.evidence.verify import walk
from taizhang.ledger import Ledger
from tests.api.conftest import Api
from tests.api.test_separation import work_events
from tests.api.test_views import work
from tests.evidence.helpers import store_of

NAME = "化名申酉"
PERSON = "P009501"
REASON = "本人申请删除个人信息"


def _named(api: Api) -> None:
    api.ok(
        api.event(
            work_events(api),
            "MobilizationMeetingHeld",
            {"participants": 9, "upper_level_attendee": PERSON, "upper_level_attendee_name": NAME},
        )
    )


def _shown(api: Api) -> str:
    history = api.get(work(api) + "/history").get_json()["items"]
    (held,) = [i for i in history if i["type"] == "MobilizationMeetingHeld"]
    return str(held["data"]["upper_level_attendee_name"])


def _erase(api: Api, who: str, person: str = PERSON, reason: str = REASON) -> object:
    return api.post(f"/api/v1/persons/{person}/erasure", {"reason": reason}, who)


def test_the_office_erases_a_person_of_its_district_once(api: Api) -> None:
    """Issue 19: "Who may erase, and the erasure itself, are recorded as events with actor
    and reason"; who did something comes from the credentials, never the body."""
    _named(api)
    assert _shown(api) == NAME
    first = _erase(api, "office")
    assert first.status_code == 200, first.get_json()
    assert first.get_json() == {"person": PERSON, "erased": True, "recorded_now": True}
    assert _shown(api) == ERASED
    again = _erase(api, "office", reason="再次申请")
    assert again.status_code == 200
    assert again.get_json() == {"person": PERSON, "erased": True, "recorded_now": False}
    feed = api.get("/api/v1/feed?types=NamedPersonErasureRecorded").get_json()["items"]
    assert [(i["actor"], i["data"]["reason"]) for i in feed] == [("office", REASON)]
    settings = api.app.extensions["taizhang"].settings
    ledger = Ledger(settings)
    try:
        assert walk(store_of(ledger)).intact
    finally:
        ledger.close()
    if not settings.is_postgres:
        raw = b"".join(
            Path(settings.sqlite_path() + s).read_bytes()
            for s in ("", "-wal", "-journal")
            if Path(settings.sqlite_path() + s).exists()
        )
        assert NAME.encode() not in raw


def test_other_roles_and_districts_are_refused_and_nothing_is_erased(api: Api) -> None:
    _named(api)
    for who in ("integrator_b1", "committee_c1", "supervisor_district"):
        refused = _erase(api, who)
        assert refused.status_code == 403, (who, refused.get_json())
        (error,) = refused.get_json()["errors"]
        assert (error["field"], error["rule"]) == ("Authorization", "eraser")
    # Another district's office: as for a person never named, 404 with the same body.
    other = _erase(api, "office_other")
    never = _erase(api, "office_other", person="P009599")
    assert other.status_code == never.status_code == 404
    assert other.get_json()["errors"] == [
        {**never.get_json()["errors"][0], "message": other.get_json()["errors"][0]["message"]}
    ]
    assert _erase(api, "office", person="P009599").status_code == 404
    assert _shown(api) == NAME
    assert api.get("/api/v1/feed?types=NamedPersonErasureRecorded").get_json()["items"] == []
    # The administrator erases whom it is asked to.
    assert _erase(api, "admin").status_code == 200
    assert _shown(api) == ERASED


def test_bad_input_names_field_and_rule(api: Api) -> None:
    _named(api)
    cases = [
        (f"/api/v1/persons/{PERSON}/erasure", {}, "reason", "required"),
        (f"/api/v1/persons/{PERSON}/erasure", {"reason": " "}, "reason", "required"),
        (
            f"/api/v1/persons/{PERSON}/erasure",
            {"reason": "r", "actor": "x"},
            "actor",
            "unknown_field",
        ),
        ("/api/v1/persons/化名/erasure", {"reason": "r"}, "person", "pseudonymous_id"),
        (
            "/api/v1/persons/0b8a9d6e-3f53-4a53-9d4c-6a3c1d3b2f10/erasure",
            {"reason": "r"},
            "person",
            "pseudonymous_id",
        ),
    ]
    for path, body, field, rule in cases:
        refused = api.post(path, body, "office")
        assert refused.status_code == 422, (path, body, refused.get_json())
        assert {(e["field"], e["rule"]) for e in refused.get_json()["errors"]} == {(field, rule)}
    assert _shown(api) == NAME


def test_a_person_other_districts_also_name_is_left_to_the_administrator(api: Api) -> None:
    """One key per pseudonymous id: an office may not destroy it while another district's
    facts name the person too, since that erases them there as well."""
    _named(api)
    rt = api.app.extensions["taizhang"]
    rt.personal_keys.named_in([(PERSON, api.ids["other_district"])])
    for who in ("office", "office_other"):
        refused = _erase(api, who)
        assert refused.status_code == 403, refused.get_json()
        (error,) = refused.get_json()["errors"]
        assert (error["field"], error["rule"]) == ("person", "other_districts")
    assert _shown(api) == NAME
    assert api.get("/api/v1/feed?types=NamedPersonErasureRecorded").get_json()["items"] == []
    assert _erase(api, "admin").status_code == 200
    assert _shown(api) == ERASED
