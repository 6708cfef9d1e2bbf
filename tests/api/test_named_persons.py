"""People the campaign's facts name (commitment makers, responsible persons, contact points)
are stored by pseudonymous id with their names sealed under their own key; views, exports
and histories show the name while the key exists and "(erased)" after
`taizhang erase-person`, while the log and its hash chain stay intact. On both databases.

The names below are made up for the test (pseudonyms), as every name in fixtures must be."""

from __future__ import annotations

from datetime import timedelta
from io import BytesIO
from pathlib import Path
from uuid import uuid4

from openpyxl import load_workbook

from taizhang.commands.personal import erase_person
from taizhang.domain.persons import ERASED
from taizhang.evidence.verify import walk
from taizhang.ledger import Ledger
from tests.api.conftest import TODAY, Api
from tests.api.test_views import catch_up, work
from tests.evidence.helpers import store_of

MEMBER_NAME = "化名丁戊"
RESPONSIBLE_NAME = "化名己庚"


def _record(api: Api) -> tuple[str, str]:
    commitment = str(uuid4())
    api.ok(
        api.event(
            work(api) + "/events",
            "ServiceCommitmentMade",
            {
                "commitment_id": commitment,
                "member": "P009001",
                "member_name": MEMBER_NAME,
                "content": "帮扶2户",
            },
        )
    )
    listed = api.ok(
        api.event(
            work(api) + "/problems",
            None,
            {
                "category": "four_winds",
                "description": "会议多",
                "measures": "精简会议",
                "responsible_person": "P009002",
                "responsible_person_name": RESPONSIBLE_NAME,
                "deadline": (TODAY + timedelta(days=5)).isoformat(),
            },
        )
    )
    catch_up(api)
    return commitment, listed["aggregate_id"]


def _shown(api: Api, problem: str) -> tuple[str, str, str, set[str]]:
    history = api.get(work(api) + "/history").get_json()["items"]
    (made,) = [i for i in history if i["type"] == "ServiceCommitmentMade"]
    ledger = api.get(f"/api/v1/campaigns/{api.ids['campaign']}/problems").get_json()["items"]
    (row,) = [r for r in ledger if r["problem_id"] == problem]
    state = api.get(f"/api/v1/problems/{problem}").get_json()
    book = api.get(f"/api/v1/campaigns/{api.ids['campaign']}/problems.xlsx")
    cells = {
        str(c.value) for line in load_workbook(BytesIO(book.data)).active.iter_rows() for c in line
    }
    assert made["data"]["member"] == "P009001" and row["responsible_person"] == "P009002"
    return (
        made["data"]["member_name"],
        row["responsible_person_name"],
        state["responsible_person_name"],
        cells,
    )


def test_names_are_sealed_in_the_log_and_shown_to_readers(api: Api) -> None:
    """Issue 19: "people (responsible persons, ... commitment makers) are recorded by
    pseudonymous id; their names ... live encrypted under a key per person"."""
    _, problem = _record(api)
    rt = api.app.extensions["taizhang"]
    stored = b"".join(bytes(n.state) for n in rt.ledger.recorder.select_notifications(1, 10_000))
    assert MEMBER_NAME.encode() not in stored and RESPONSIBLE_NAME.encode() not in stored
    assert b"aesgcm1:" in stored
    member, responsible, on_state, cells = _shown(api, problem)
    assert (member, responsible, on_state) == (MEMBER_NAME, RESPONSIBLE_NAME, RESPONSIBLE_NAME)
    assert RESPONSIBLE_NAME in cells


def test_erasing_a_person_shows_them_erased_everywhere_and_verify_still_passes(
    api: Api,
) -> None:
    """Issue 19: "`taizhang erase-person` destroys the key: afterwards every view, export,
    history and report shows the person as erased, and `verify` still passes"."""
    settings = api.app.extensions["taizhang"].settings
    _, problem = _record(api)
    assert erase_person(settings, "P009001", "本人申请删除个人信息", "operator:test")
    assert erase_person(settings, "P009002", "本人申请删除个人信息", "operator:test")
    assert not erase_person(settings, "P009002", "again", "operator:test")
    member, responsible, on_state, cells = _shown(api, problem)
    assert (member, responsible, on_state) == (ERASED, ERASED, ERASED)
    assert RESPONSIBLE_NAME not in cells and ERASED in cells
    # The erasure is a fact in the log, with who and why.
    feed = api.get("/api/v1/feed?types=NamedPersonErasureRecorded").get_json()["items"]
    erased = [i for i in feed if i["type"] == "NamedPersonErasureRecorded"]
    assert {(i["actor"], i["data"]["reason"]) for i in erased} == {
        ("operator:test", "本人申请删除个人信息")
    }
    assert len(erased) == 2
    # A name can no longer be recorded for an erased person.
    refused = api.event(
        work(api) + "/events",
        "ServiceCommitmentMade",
        {"commitment_id": str(uuid4()), "member": "P009001", "member_name": "x", "content": "c"},
    )
    assert refused.status_code == 409 and refused.get_json()["errors"][0]["field"] == "data.member"
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
        assert MEMBER_NAME.encode() not in raw and RESPONSIBLE_NAME.encode() not in raw


def test_a_name_is_sealed_only_with_a_valid_pseudonymous_id(api: Api) -> None:
    refused = api.event(
        work(api) + "/events",
        "ServiceCommitmentMade",
        {"commitment_id": str(uuid4()), "member": MEMBER_NAME, "content": "c"},
    )
    assert refused.status_code == 422
    assert refused.get_json()["errors"][0]["field"].endswith("member")
