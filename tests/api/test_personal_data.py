"""A person's name is sealed under their own key and erased by destroying it
(crypto-shredding, taizhang.evidence.personal_data), on both databases.

The name below is made up for the test (a pseudonym), as every name in fixtures must be."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from uuid import UUID

import psycopg

from taizhang.commands.personal import erase_person
from taizhang.evidence.personal_data import PersonalKeys
from taizhang.projections.queries import Views
from taizhang.projections.schema import TABLES
from tests.api.conftest import TODAY, Api
from tests.api.members import apply, step
from tests.api.test_views import catch_up

NAME = "化名甲乙丙"


def _person_with_name(api: Api) -> str:
    person = apply(api, str(api.ids["b1"]), TODAY - timedelta(days=30))
    api.ok(step(api, person, "PersonalDataRecorded", TODAY - timedelta(days=30), name=NAME))
    return person


def test_the_name_is_never_stored_in_clear_and_shows_to_the_branch_side(api: Api) -> None:
    """People are named by pseudonymous id in the log; the name is readable only through the
    person's key, by the roles that may see people (never supervisors)."""
    person = _person_with_name(api)
    history = api.get(f"/api/v1/candidates/{person}/history")
    assert NAME not in history.get_data(as_text=True)
    recorded = [i for i in history.get_json()["items"] if i["type"] == "PersonalDataRecorded"]
    assert recorded[0]["data"]["sealed_name"].startswith("aesgcm1:")
    c1 = str(api.ids["c1"])
    catch_up(api)
    (row,) = api.get(f"/api/v1/committees/{c1}/member-pipeline", "committee_c1").get_json()[
        "people"
    ]
    assert (row["name"], row["erased"]) == (NAME, False)
    counted = api.get(f"/api/v1/committees/{c1}/member-pipeline", "supervisor_c1")
    assert NAME not in counted.get_data(as_text=True)


def test_erasure_destroys_the_key_records_who_and_why_and_shows_the_person_erased(
    api: Api,
) -> None:
    """`taizhang erase-person ID --reason`: the erasure is an event with actor and reason;
    afterwards every view shows the person as erased, and nothing can read the name."""
    settings = api.app.extensions["taizhang"].settings
    person = _person_with_name(api)
    key = PersonalKeys(settings).keys([UUID(person)])[person]
    if not settings.is_postgres:
        # Before: the key is in the file (so the check below can fail).
        assert key in _database_bytes(settings.sqlite_path())
    assert erase_person(settings, UUID(person), "本人申请删除个人信息", "operator:test")
    assert not erase_person(settings, UUID(person), "again", "operator:test")
    history = api.get(f"/api/v1/candidates/{person}/history").get_json()["items"]
    (erased,) = [i for i in history if i["type"] == "PersonErased"]
    assert (erased["actor"], erased["data"]["reason"]) == ("operator:test", "本人申请删除个人信息")
    c1 = str(api.ids["c1"])
    catch_up(api)
    (row,) = api.get(f"/api/v1/committees/{c1}/member-pipeline", "committee_c1").get_json()[
        "people"
    ]
    assert (row["name"], row["erased"]) == (None, True)
    assert api.get(f"/api/v1/candidates/{person}").get_json()["erased"] is True
    refused = step(api, person, "PersonalDataRecorded", TODAY, name=NAME)
    assert refused.get_json()["errors"][0]["rule"] == "not_erased"
    assert PersonalKeys(settings).keys([UUID(person)]) == {}
    if settings.is_postgres:
        with psycopg.connect(settings.psycopg_conninfo()) as conn:
            (length,) = conn.execute(
                "SELECT length(key) FROM person_keys WHERE person_id = %s", (person,)
            ).fetchone()
        assert length == 0  # an empty key marks the person erased
    else:
        raw = _database_bytes(settings.sqlite_path())
        assert NAME.encode() not in raw
        assert key not in raw


def test_a_recorded_name_can_be_erased_over_http_by_the_office(api: Api) -> None:
    person = _person_with_name(api)
    assert step(api, person, "PersonErased", TODAY, "integrator_c1", reason="r").status_code == 403
    api.ok(step(api, person, "PersonErased", TODAY, "office", reason="本人申请"))
    c1 = str(api.ids["c1"])
    catch_up(api)
    (row,) = api.get(f"/api/v1/committees/{c1}/member-pipeline").get_json()["people"]
    assert (row["name"], row["erased"]) == (None, True)


def _database_bytes(path: str) -> bytes:
    found = b""
    for suffix in ("", "-wal", "-journal"):
        candidate = Path(path + suffix)
        if candidate.exists():
            found += candidate.read_bytes()
    return found


def _tables_text(api: Api) -> dict[str, str]:
    """Every read-model table's rows, as text."""
    views: Views = api.app.extensions["taizhang"].views
    return {t.name: repr(views.select(f"SELECT * FROM {t.name}")) for t in TABLES}


def test_no_table_holds_a_name_and_an_erased_person_stays_erased_in_the_read_model(
    api: Api,
) -> None:
    """The read model holds people by pseudonymous id: no table holds a name in clear, and
    once a person is erased their row keeps nothing their key sealed, on every date."""
    person = _person_with_name(api)
    catch_up(api)
    before = _tables_text(api)
    assert not [name for name, text in before.items() if NAME in text]
    assert "aesgcm1:" in before["member_path"]  # the sealed name is kept until erasure
    api.ok(step(api, person, "PersonErased", TODAY, "office", reason="本人申请"))
    catch_up(api)
    after = _tables_text(api)
    assert not [name for name, text in after.items() if NAME in text]
    assert "aesgcm1:" not in after["member_path"]
    views: Views = api.app.extensions["taizhang"].views
    row = views.member_row(UUID(person))
    assert row is not None and row["erased"] == 1
    c1 = str(api.ids["c1"])
    earlier = (TODAY - timedelta(days=10)).isoformat()
    for query in ("", f"?as_of={earlier}"):
        (line,) = api.get(
            f"/api/v1/committees/{c1}/member-pipeline{query}", "committee_c1"
        ).get_json()["people"]
        assert (line["name"], line["erased"]) == (None, True), query
