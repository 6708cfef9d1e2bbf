"""Many districts, one service: three district ledgers behind one province application
(``taizhang.api.province``, ``taizhang.districts``), on SQLite files and on PostgreSQL schemas.

Each district is the whole one-ledger application over its own database; its tokens, ids
and feed never reach another district (404), and the province's roll-up equals the sum of
the districts' own views, with a district's lagging projector shown in its freshness and in
``/readyz``.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from flask.testing import FlaskClient

from taizhang.api.province import ProvinceRuntime, create_province_app
from taizhang.config import Settings
from taizhang.districts import province_of
from taizhang.migrate import upgrade
from taizhang.projections.worker import Worker, WorkerLock
from tests.api.conftest import TODAY, Api, branch_data, build_world
from tests.api.test_grading import define_round, grade
from tests.conftest import create_schema, drop_schema, postgres_env, sqlite_env
from tests.pages.world import csrf_of

KEYS = ("panyu", "tianhe", "yuexiu")
# What each district grades in its round (none for the third): the roll-up's sums differ
# from any one district's.
GRADES = {"panyu": {"b1": "lagging", "b2": "average"}, "tianhe": {"b1": "advanced"}}


class Province:
    def __init__(self, app: Any) -> None:
        self.app = app
        self.client: FlaskClient = app.test_client()
        self.state: ProvinceRuntime = app.extensions["taizhang.province"]
        self.districts: dict[str, Api] = {}
        # When each district's world was built, before its grading round was defined.
        self.built_at: dict[str, datetime] = {}
        self.token = ""

    def get(self, path: str, token: str) -> Any:
        return self.client.get(path, headers={"Authorization": f"Bearer {token}"})

    def catch_up(self, key: str) -> None:
        rt = self.state.runtime(key)
        worker = Worker(rt.settings, ledger=rt.ledger)
        try:
            worker.catch_up()
        finally:
            worker.close()


def _ledgers(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[tuple[Settings, dict]]:
    if request.param == "sqlite":
        base = Settings.from_env(sqlite_env(tmp_path))
        urls = {k: f"sqlite:///{tmp_path}/{k}.sqlite" for k in ("province", *KEYS)}
        yield base, urls
        return
    schemas = {k: create_schema() for k in ("province", *KEYS)}
    try:
        env = postgres_env(schemas["province"], str(tmp_path / "var"))
        base = Settings.from_env(env)
        root = env["TAIZHANG_DATABASE_URL"].split("?")[0]
        yield base, {k: f"{root}?schema={s}" for k, s in schemas.items()}
    finally:
        for schema in schemas.values():
            drop_schema(schema)


@pytest.fixture(params=["sqlite", "postgres"], ids=["sqlite", "postgres"])
def province(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[Province]:
    if request.param == "postgres":
        request.node.add_marker(pytest.mark.postgres)
    for base, urls in _ledgers(request, tmp_path):
        document = {
            "province": {"database_url": urls["province"]},
            "districts": {k: {"name": f"区 {k}", "database_url": urls[k]} for k in KEYS},
        }
        configured = province_of(base, document)
        for ledger in configured.ledgers:
            upgrade(ledger)
        app = create_province_app(base, configured, max_lag=0)
        app.config["TESTING"] = True
        found = Province(app)
        try:
            for key in KEYS:
                district_app = found.state.apps[key]
                api = Api(client=district_app.test_client(), app=district_app)
                build_world(api)
                found.built_at[key] = datetime.now(UTC)
                if key in GRADES:
                    round_id = define_round(api)
                    for branch, value in GRADES[key].items():
                        api.ok(grade(api, round_id, branch, value))
                found.districts[key] = api
                found.catch_up(key)
            found.token, _ = found.state.tokens.create("province-office", "province")
            yield found
        finally:
            found.state.close()


def _via(province: Province, key: str, path: str, who: str = "office") -> Any:
    return province.get(f"/districts/{key}{path}", province.districts[key].tokens[who])


def test_each_district_is_served_under_its_prefix_with_its_own_tokens(province: Province) -> None:
    panyu, tianhe = province.districts["panyu"], province.districts["tianhe"]
    own = _via(province, "panyu", "/api/v1/me")
    assert own.status_code == 200, own.get_json()
    assert own.get_json()["token"]["name"] == "office"
    # panyu's token at tianhe's ledger: not there, as if tianhe did not exist for it.
    foreign = province.get("/districts/tianhe/api/v1/me", panyu.tokens["office"])
    assert foreign.status_code == 404
    assert foreign.content_type == "application/problem+json"
    assert province.get("/districts/tianhe/api/v1/me", province.token).status_code == 404
    assert province.get("/province/api/v1/rollup", tianhe.tokens["admin"]).status_code == 404
    assert province.get("/districts/tianhe/api/v1/me", "tz_unknown").status_code == 401
    assert province.get("/province/api/v1/rollup", "tz_unknown").status_code == 401
    assert province.get("/districts/nowhere/api/v1/me", province.token).status_code == 404


def test_ids_and_feeds_stay_in_their_district(province: Province) -> None:
    panyu, tianhe = province.districts["panyu"], province.districts["tianhe"]
    branch = panyu.ids["b1"]
    campaign = panyu.ids["campaign"]
    path = f"/api/v1/campaigns/{campaign}/branches/{branch}/progress"
    assert _via(province, "panyu", path).status_code == 200
    assert _via(province, "tianhe", path, "admin").status_code == 404
    rename = {"type": "CommitteeRenamed", "occurred_on": TODAY.isoformat(), "data": {"name": "x"}}
    for key, who, status in (("tianhe", tianhe, 404), ("panyu", panyu, 201)):
        posted = province.client.post(
            f"/districts/{key}/api/v1/committees/{panyu.ids['c1']}/events",
            json=rename,
            headers={"Authorization": f"Bearer {who.tokens['admin']}"},
        )
        assert posted.status_code == status, posted.get_json()
    feeds = {}
    for key in ("panyu", "tianhe"):
        answer = _via(province, key, "/api/v1/feed?limit=500", "admin")
        assert answer.status_code == 200, answer.get_json()
        feeds[key] = {item["aggregate_id"] for item in answer.get_json()["items"]}
    assert str(panyu.ids["b1"]) in feeds["panyu"]
    assert str(tianhe.ids["b1"]) in feeds["tianhe"]
    assert not feeds["panyu"] & feeds["tianhe"]


def _own_views(province: Province, key: str) -> list[dict[str, Any]]:
    """What the district's office reads of its own district in its own API."""
    api = province.districts[key]
    district, campaign = api.ids["district"], api.ids["campaign"]
    supervision = _via(
        province, key, f"/api/v1/campaigns/{campaign}/districts/{district}/supervision"
    )
    coverage = _via(province, key, f"/api/v1/districts/{district}/coverage")
    life = _via(province, key, f"/api/v1/districts/{district}/party-life")
    for answer in (supervision, coverage, life):
        assert answer.status_code == 200, answer.get_json()
    return [supervision.get_json(), coverage.get_json(), life.get_json()]


def test_the_roll_up_is_the_sum_of_the_districts_own_views(province: Province) -> None:
    answer = province.get("/province/api/v1/rollup", province.token)
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert [d["key"] for d in body["districts"]] == list(KEYS)
    assert body["fresh"] is True
    branches = listed = organizations = graded = 0
    for entry in body["districts"]:
        key = entry["key"]
        api = province.districts[key]
        supervision, coverage, life = _own_views(province, key)
        mine = {d["district_id"]: d for d in entry["districts"]}
        assert set(mine) == {str(api.ids["district"]), str(api.ids["other_district"])}
        district = mine[str(api.ids["district"])]
        (campaign,) = district["campaigns"]
        for figure in ("branches", "phases_overdue", "problems_listed", "all_phases_done"):
            assert campaign[figure] == supervision[figure]
        assert campaign["branches"] == 2
        for figure in ("organizations", "covered", "should_build_rate"):
            assert district["coverage"][figure] == coverage["total"][figure]
        assert district["party_life"]["counts"] == life["counts"]
        assert district["party_life"]["compliance"] == life["compliance"]
        rounds = district["grading"]
        assert len(rounds) == (1 if key in GRADES else 0)
        for found in rounds:
            own = _via(province, key, f"/api/v1/grading-rounds/{found['round_id']}/distribution")
            assert found["grades"] == own.get_json()["grades"]
            graded += own.get_json()["graded"]
        branches += supervision["branches"]
        listed += supervision["problems_listed"]
        organizations += sum(d["coverage"]["organizations"] for d in entry["districts"])
    total = body["total"]
    assert total["campaigns"]["branches"] == branches == 6
    assert total["campaigns"]["problems_listed"] == listed
    assert total["coverage"]["organizations"] == organizations
    assert total["grading"]["graded"] == graded == 3
    assert total["grading"]["grades"] == {"advanced": 1, "average": 1, "lagging": 1}


def test_the_roll_up_answers_for_a_business_date_and_a_knowledge_time(province: Province) -> None:
    before = province.get(
        f"/province/api/v1/rollup?as_of={(TODAY.replace(year=TODAY.year - 5)).isoformat()}",
        province.token,
    ).get_json()
    assert before["total"]["campaigns"]["branches"] == 0
    known = province.get("/province/api/v1/rollup?known_at=2000-01-01T00:00:00Z", province.token)
    assert known.status_code == 200, known.get_json()
    assert known.get_json()["known_at"].startswith("2000-01-01")
    assert known.get_json()["total"]["campaigns"]["branches"] == 0
    assert not any(d.get("unavailable") for d in known.get_json()["districts"])
    bad = province.get("/province/api/v1/rollup?as_of=yesterday", province.token)
    assert bad.status_code == 422
    assert bad.get_json()["errors"][0]["field"] == "as_of"
    # A knowledge time not reached yet is the request's fault, as on a district's own view:
    # never 200 with every district unavailable and zeros.
    future = province.get("/province/api/v1/rollup?known_at=2999-01-01T00:00:00Z", province.token)
    assert future.status_code == 422, future.get_json()
    assert future.get_json()["errors"][0]["field"] == "known_at"


def test_known_at_means_what_it_means_on_the_districts_own_views(province: Province) -> None:
    """As known when panyu's world was built, before any grading round was defined: no
    district has a round yet, and panyu's campaign is what its own view says for that time."""
    known_at = province.built_at["panyu"].isoformat().replace("+00:00", "Z")
    answer = province.get(f"/province/api/v1/rollup?known_at={known_at}", province.token)
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert body["total"]["grading"]["graded"] == 0
    panyu = province.districts["panyu"]
    own = _via(
        province,
        "panyu",
        f"/api/v1/campaigns/{panyu.ids['campaign']}/districts/{panyu.ids['district']}"
        f"/supervision?known_at={known_at}",
    ).get_json()
    (entry,) = [d for d in body["districts"] if d["key"] == "panyu"]
    (district,) = [d for d in entry["districts"] if d["district_id"] == str(panyu.ids["district"])]
    assert district["campaigns"][0]["branches"] == own["branches"] == 2
    assert district["grading"] == []
    # Districts built after that time had nothing recorded yet.
    (later,) = [d for d in body["districts"] if d["key"] == "yuexiu"]
    assert later["districts"] == []


def test_one_district_unavailable_leaves_the_others(
    province: Province, monkeypatch: pytest.MonkeyPatch
) -> None:
    rt = province.state.runtime("tianhe")

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("database gone")

    monkeypatch.setattr(rt.views, "select", broken)
    body = province.get("/province/api/v1/rollup", province.token).get_json()
    found = {d["key"]: d for d in body["districts"]}
    assert found["tianhe"]["unavailable"] is True and not found["tianhe"]["freshness"]["fresh"]
    assert body["fresh"] is False
    assert body["total"]["campaigns"]["branches"] == 4  # panyu's and yuexiu's


def test_a_district_that_cannot_check_tokens_leaves_the_others_answering_401(
    province: Province, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One caller's bad input never fails another's request: an unknown token at a healthy
    district is looked for in the others, and one of them being down is not an error."""

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("database gone")

    monkeypatch.setattr(province.state.runtime("tianhe").tokens, "lookup", broken)
    unknown = province.get("/districts/panyu/api/v1/me", "tz_not-a-token")
    assert unknown.status_code == 401, unknown.get_json()
    assert province.get("/province/api/v1/me", "tz_not-a-token").status_code == 401


def test_a_district_falling_behind_shows_in_freshness_and_readyz(province: Province) -> None:
    assert province.client.get("/readyz").status_code == 200
    tianhe = province.districts["tianhe"]
    tianhe.ok(
        tianhe.event(
            "/api/v1/branches",
            None,
            {**_branch(tianhe), "name": "新支部"},
        )
    )
    ready = province.client.get("/readyz")
    assert ready.status_code == 503
    checks = ready.get_json()["districts"]
    assert checks["tianhe"]["behind"] >= 1 and not checks["tianhe"]["fresh"]
    assert checks["panyu"]["fresh"] and checks["yuexiu"]["fresh"]
    body = province.get("/province/api/v1/rollup", province.token).get_json()
    assert body["fresh"] is False
    lagging = {d["key"]: d["freshness"] for d in body["districts"]}
    assert lagging["tianhe"]["behind"] >= 1 and lagging["panyu"]["behind"] == 0
    metrics = province.client.get("/metrics").text
    assert 'taizhang_district_projection_lag_events{district="tianhe",projection="progress"}' in (
        metrics
    )
    province.catch_up("tianhe")
    assert province.client.get("/readyz").status_code == 200


def _branch(api: Api) -> dict[str, Any]:
    return branch_data(api.ids["district"], api.ids["c1"], "支部")


def test_the_province_documents_its_routes(province: Province) -> None:
    document = province.client.get("/province/openapi.json").get_json()
    assert "/province/api/v1/rollup" in document["paths"]
    districts = province.get("/province/api/v1/districts", province.token).get_json()
    assert [d["key"] for d in districts["items"]] == list(KEYS)
    assert province.client.get("/districts/panyu/openapi.json").status_code == 200


def test_a_districts_pages_are_under_its_prefix_with_a_session_of_its_own(
    province: Province,
) -> None:
    client = province.app.test_client()
    root = client.get("/districts/panyu/")
    assert root.status_code == 302
    assert root.headers["Location"].endswith("/districts/panyu/pages/signin")
    page = client.get("/districts/panyu/pages/signin")
    signed = client.post(
        "/districts/panyu/pages/signin",
        data={
            "csrf_token": csrf_of(page.text),
            "token": province.districts["panyu"].tokens["office"],
        },
    )
    assert signed.status_code == 303, signed.text
    assert "Path=/districts/panyu/" in signed.headers["Set-Cookie"]
    landing = client.get("/districts/panyu/")
    assert "/districts/panyu/pages/campaigns/" in landing.headers["Location"]
    assert client.get(landing.headers["Location"]).status_code == 200
    # The session is panyu's alone: tianhe's pages ask to sign in.
    assert (
        client.get("/districts/tianhe/")
        .headers["Location"]
        .endswith("/districts/tianhe/pages/signin")
    )


def _acquired(lock: WorkerLock, within: float = 5.0) -> bool:
    deadline = time.monotonic() + within
    while not lock.try_acquire():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def test_each_district_has_one_projector_of_its_own(province: Province) -> None:
    """One writer per events table still holds: a district's projection lock is its own, so
    the districts' projectors run side by side while a second one of a district stands by."""
    locks = {key: WorkerLock(province.state.runtime(key).settings) for key in KEYS}
    second = WorkerLock(province.state.runtime("panyu").settings)
    try:
        # A worker the service ran for a read may still be letting go: wait a moment.
        assert all(_acquired(lock) for lock in locks.values())
        assert not second.try_acquire()
        locks["panyu"].release()
        assert _acquired(second)
    finally:
        for lock in (*locks.values(), second):
            lock.release()
