"""Reading the projections over HTTP (SQLite and PostgreSQL), and the operator endpoints."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote
from uuid import uuid4

import pytest

from taizhang.projections.worker import Worker
from tests.api.conftest import TODAY, Api, branch_data


def catch_up(api: Api) -> None:
    rt = api.app.extensions["taizhang"]
    worker = Worker(rt.settings, ledger=rt.ledger)
    try:
        worker.catch_up()
    finally:
        worker.close()


def work(api: Api, branch: str = "b1") -> str:
    return f"/api/v1/campaigns/{api.ids['campaign']}/branches/{api.ids[branch]}"


def test_progress_supervision_ranking_problems_timeline(api: Api) -> None:
    campaign = api.ids["campaign"]
    api.ok(api.event(work(api) + "/events", "MobilizationMeetingHeld", {"participants": 9}))
    listed = api.ok(
        api.event(
            work(api) + "/problems",
            None,
            {
                "category": "four_winds",
                "description": "会议多",
                "measures": "精简会议",
                "responsible_person": "P000101",
                "deadline": (TODAY + timedelta(days=5)).isoformat(),
            },
        )
    )
    # Before the worker ran, a read asking for the newest position is refused: 503.
    behind = api.get(f"{work(api)}/progress?min_position={listed['position']}")
    assert behind.status_code == 503 and behind.headers["Retry-After"]
    catch_up(api)

    progress = api.get(f"{work(api)}/progress?min_position={listed['position']}", "integrator_b1")
    assert progress.status_code == 200, progress.get_json()
    phases = {p["key"]: p for p in progress.get_json()["phases"]}
    assert phases["mobilization_meeting"]["status"] == "done"

    listing = api.get(f"/api/v1/campaigns/{campaign}/progress?limit=1")
    page = listing.get_json()
    assert listing.status_code == 200 and len(page["items"]) == 1 and page["next"]
    rest = api.get(f"/api/v1/campaigns/{campaign}/progress?limit=1&after={page['next']}")
    assert len(rest.get_json()["items"]) == 1
    filtered = api.get(
        f"/api/v1/campaigns/{campaign}/progress?committee_id={api.ids['c1']}", "supervisor_c1"
    )
    assert [i["branch_id"] for i in filtered.get_json()["items"]] == [str(api.ids["b1"])]
    # A narrow token that names no part reads its own part.
    own = api.get(f"/api/v1/campaigns/{campaign}/progress", "supervisor_c1")
    assert [i["branch_id"] for i in own.get_json()["items"]] == [str(api.ids["b1"])]

    district = api.ids["district"]
    view = api.get(f"/api/v1/campaigns/{campaign}/districts/{district}/supervision")
    assert view.status_code == 200, view.get_json()
    assert "labels" in view.get_json()
    group = api.get(
        f"/api/v1/campaigns/{campaign}/supervision-groups/{api.ids['group']}/supervision",
        "supervisor_group",
    )
    assert group.status_code == 200
    committee = api.get(
        f"/api/v1/campaigns/{campaign}/committees/{api.ids['c2']}/supervision", "supervisor_c1"
    )
    assert committee.status_code == 404  # outside its scope
    ranking = api.get(f"/api/v1/campaigns/{campaign}/districts/{district}/committee-ranking")
    assert ranking.status_code == 200
    assert {c["committee_id"] for c in ranking.get_json()["items"]} >= {str(api.ids["c1"])}

    problems = api.get(f"/api/v1/campaigns/{campaign}/problems?category=four_winds").get_json()
    assert [p["problem_id"] for p in problems["items"]] == [listed["aggregate_id"]]
    assert problems["items"][0]["category_labels"]["zh"] == "四风"
    assert api.get(f"/api/v1/campaigns/{campaign}/problems?status=done").get_json()["items"] == []
    by_branch = api.get(
        f"/api/v1/campaigns/{campaign}/problems?branch_id={api.ids['b1']}", "integrator_b1"
    )
    assert len(by_branch.get_json()["items"]) == 1

    timeline = api.get(f"/api/v1/branches/{api.ids['b1']}/timeline", "supervisor_district")
    assert timeline.status_code == 200
    types = [e["type"] for e in timeline.get_json()["items"]]
    assert "MobilizationMeetingHeld" in types


def test_a_supervision_view_answers_304_to_a_reader_who_has_it(api: Api) -> None:
    campaign, district = api.ids["campaign"], api.ids["district"]
    path = f"/api/v1/campaigns/{campaign}/districts/{district}/supervision"
    catch_up(api)
    first = api.get(path)
    assert first.status_code == 200 and first.headers["ETag"]
    etag = first.headers["ETag"]
    again = api.get(path, **{"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b"" and again.headers["ETag"] == etag
    # Another query is another view: its own ETag, never a 304 for the first one's.
    other = api.get(path + "?category=social_organization", **{"If-None-Match": etag})
    assert other.status_code == 200 and other.headers["ETag"] != etag
    # Once the view changes, the old ETag gets the new view.
    answer = api.ok(
        api.event(work(api) + "/events", "MobilizationMeetingHeld", {"participants": 9})
    )
    catch_up(api)
    changed = api.get(f"{path}?min_position={answer['position']}", **{"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    phases = {p["key"]: p for p in changed.get_json()["phases"]}
    assert phases["mobilization_meeting"]["done"] == 1


def test_loaded_queries_are_reused_only_for_the_same_arguments(api: Api) -> None:
    """Query strings are loaded once per process (taizhang.api.reads.load_query); each answer must
    still be the one its own arguments ask for, and a bad one is refused every time."""
    campaign, district = api.ids["campaign"], api.ids["district"]
    path = f"/api/v1/campaigns/{campaign}/districts/{district}/supervision"
    catch_up(api)
    for _ in range(2):
        everyone = api.get(path).get_json()
        social = api.get(path + "?category=social_organization").get_json()
        day = api.get(path + "?as_of=2014-06-15&category=non_public_enterprise").get_json()
        assert (everyone["category"], everyone["as_of"]) == (None, TODAY.isoformat())
        assert social["category"] == "social_organization" and social["branches"] == 0
        assert (day["category"], day["as_of"]) == ("non_public_enterprise", "2014-06-15")
        bad = api.get(path + "?category=nonsense")
        assert bad.status_code == 422
        assert bad.get_json()["errors"][0]["field"] == "category"


def test_operator_endpoints(api: Api) -> None:
    assert api.get("/healthz", None).status_code == 200
    ready = api.get("/readyz", None)
    assert ready.status_code == 200, ready.get_json()
    assert ready.get_json()["checks"]["database"] == "ok"
    api.get(f"/api/v1/branches/{api.ids['b1']}")
    metrics = api.get("/metrics", None).get_data(as_text=True)
    assert 'taizhang_http_requests_total{endpoint="/api/v1/branches/<uuid:branch_id>"' in metrics
    assert "taizhang_projection_lag_events" in metrics
    spec = api.get("/openapi.json", None).get_json()
    assert spec["openapi"].startswith("3.")
    assert "/api/v1/campaigns/{campaign_id}/branches/{branch_id}/events" in spec["paths"]
    assert "MobilizationMeetingHeldData" in spec["components"]["schemas"]
    docs = api.get("/docs", None)
    assert docs.status_code == 200 and b"swagger-ui" in docs.data
    asset = api.get("/docs/static/swagger-ui-bundle.js", None)
    assert asset.status_code == 200 and len(asset.data) > 100_000
    vocab = api.get("/api/v1/vocabularies", "integrator_b1").get_json()
    assert vocab["phase_status"]["overdue"] == {"zh": "已逾期", "en": "Overdue"}
    assert len(vocab["phase_templates"]["eight_ones"]["phases"]) == 8


def test_problem_ledger_as_an_excel_workbook(api: Api) -> None:
    from io import BytesIO

    from openpyxl import load_workbook

    campaign = api.ids["campaign"]
    listed = api.ok(
        api.event(
            work(api) + "/problems",
            None,
            {
                "category": "mass_interests",
                "description": "员工通勤困难",
                "measures": "开通厂车",
                "responsible_person": "P000112",
                "responsible_person_name": "化名王",
                "deadline": (TODAY + timedelta(days=30)).isoformat(),
            },
        )
    )
    catch_up(api)
    answer = api.get(f"/api/v1/campaigns/{campaign}/problems.xlsx?as_of={TODAY.isoformat()}")
    assert answer.status_code == 200
    assert answer.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(BytesIO(answer.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][0] == f"统计日期 As of: {TODAY.isoformat()}"
    header, first = rows[2], rows[3]
    assert header[2] == "问题类别 Category" and header[3] == "存在问题 Problem"
    assert first[:8] == (
        1,
        first[1],
        "群众利益",
        "员工通勤困难",
        "开通厂车",
        "化名王",
        first[6],
        (TODAY + timedelta(days=30)).isoformat(),
    )
    assert first[10] == "否"  # not overdue: the deadline is a month away
    assert listed["aggregate_id"]
    # The workbook follows the caller's scope like the JSON ledger does: an integrator of
    # one branch gets its own branch's problems, whether it names the branch or nothing.
    mine = api.get(f"/api/v1/campaigns/{campaign}/problems.xlsx", "integrator_b1")
    assert mine.status_code == 200
    assert len(list(load_workbook(BytesIO(mine.data)).active.iter_rows(min_row=4))) == 1
    own = api.get(
        f"/api/v1/campaigns/{campaign}/problems.xlsx?branch_id={api.ids['b1']}", "integrator_b1"
    )
    assert own.status_code == 200
    assert len(list(load_workbook(BytesIO(own.data)).active.iter_rows(min_row=4))) == 1


def test_a_supervision_view_as_known_at_a_time_replays_the_log(api: Api) -> None:
    campaign, district = api.ids["campaign"], api.ids["district"]
    path = f"/api/v1/campaigns/{campaign}/districts/{district}/supervision"
    before = datetime.now(UTC)
    api.ok(api.event(work(api) + "/events", "MobilizationMeetingHeld", {"participants": 9}))
    catch_up(api)

    def mobilized(known_at: datetime) -> int:
        response = api.get(f"{path}?known_at={quote(known_at.isoformat())}")
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
        assert body["known_at"] == known_at.isoformat()
        phase = next(p for p in body["phases"] if p["key"] == "mobilization_meeting")
        return int(phase["done"])

    assert mobilized(before) == 0  # the meeting was not yet recorded then
    assert mobilized(datetime.now(UTC)) == 1
    # Before anyone had recorded the campaign, there was nothing to report.
    assert api.get(f"{path}?known_at={quote('2000-01-01T00:00:00+08:00')}").status_code == 404
    garbled = api.get(f"{path}?known_at=yesterday")
    assert garbled.status_code == 422 and garbled.get_json()["errors"][0]["field"] == "known_at"


def test_a_second_replay_in_a_process_waits_then_answers_503(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    from taizhang.api import views as views_module
    from taizhang.projections import report

    campaign, district = api.ids["campaign"], api.ids["district"]
    path = f"/api/v1/campaigns/{campaign}/districts/{district}/supervision"
    monkeypatch.setattr(views_module, "REPLAY_WAIT_SECONDS", 0.05)
    busy = threading.BoundedSemaphore(1)
    monkeypatch.setattr(report, "_REPLAYING", busy)
    answers: list[Any] = []
    busy.acquire()  # another report is being replayed
    try:
        # In a thread, so that a report that waited for ever would fail the test, not hang it.
        asking = threading.Thread(
            target=lambda: answers.append(
                api.get(f"{path}?known_at={quote(datetime.now(UTC).isoformat())}")
            )
        )
        asking.start()
        asking.join(timeout=30)
        assert not asking.is_alive(), "the report waited for the other replay to end"
    finally:
        busy.release()
    (response,) = answers
    assert response.status_code == 503
    assert response.headers["Content-Type"] == "application/problem+json"
    assert response.headers["Retry-After"] == str(views_module.REPLAY_RETRY_AFTER_SECONDS)
    assert "replay" in response.get_json()["detail"]
    # Once the other replay has ended, the report is computed.
    again = api.get(f"{path}?known_at={quote(datetime.now(UTC).isoformat())}")
    assert again.status_code == 200


def test_a_work_system_in_force_before_the_campaign_is_revised_or_abolished(api: Api) -> None:
    """Seed 000 §三(六): "认真抓好制度的废、改、立工作". A branch revises a system it already
    had (改, counted as in force) and abolishes another (废, not counted); both complete
    "完善一套工作制度"; establishing a pre-existing system is refused, naming the field."""
    events = work(api) + "/events"

    def change(name: str, kind: str) -> Any:
        data = {"system_id": str(uuid4()), "name": name, "change": kind, "existing": True}
        return api.event(events, "WorkSystemChanged", data, "integrator_b1")

    api.ok(change("党员学习制度", "revised"))
    api.ok(change("旧考勤制度", "abolished"))
    refused = change("新制度", "established")
    assert refused.status_code == 422
    assert refused.get_json()["errors"][0]["field"] == "data.change"
    catch_up(api)
    progress = api.get(work(api) + "/progress").get_json()
    assert progress["work_systems"] == 1
    phase = next(p for p in progress["phases"] if p["key"] == "work_systems")
    assert phase["status"] == "done"


def test_a_joint_mobilization_meeting_counts_for_every_branch_it_names(api: Api) -> None:
    """Seed 000 §三(三): "规模较小、党员人数较少的，可由镇街党（工）委或主管部门党（工）委牵头，
    按就近就便原则集中召开动员会" — a joint meeting counts
    for every branch named, each of which must be enrolled in the campaign; withdrawn, it
    stops counting for all of them from the withdrawal's date."""
    campaign = api.ids["campaign"]
    held_on = TODAY - timedelta(days=3)
    meeting = {"participants": 30, "joint_with": [str(api.ids["b2"])]}
    held = api.ok(
        api.event(work(api) + "/events", "MobilizationMeetingHeld", meeting, "office",
                  occurred_on=held_on.isoformat())
    )  # fmt: skip
    # A branch that is not in the campaign cannot be named.
    outsider = api.ok(
        api.event("/api/v1/branches", None, branch_data(api.ids["district"], api.ids["c1"], "外"))
    )["aggregate_id"]
    refused = api.event(
        work(api) + "/events",
        "MobilizationMeetingHeld",
        {"participants": 5, "joint_with": [outsider]},
        "office",
    )
    assert refused.status_code == 409
    assert refused.get_json()["errors"][0]["field"] == "data.joint_with"
    assert refused.get_json()["errors"][0]["rule"] == "enrolled_in_campaign"
    catch_up(api)

    def mobilization(branch: str, on: Any = None) -> dict[str, Any]:
        path = f"/api/v1/campaigns/{campaign}/branches/{api.ids[branch]}/progress"
        body = api.get(path + (f"?as_of={on.isoformat()}" if on else "")).get_json()
        return next(p for p in body["phases"] if p["key"] == "mobilization_meeting")

    for branch in ("b1", "b2"):
        assert mobilization(branch)["status"] == "done"
        assert mobilization(branch)["done_on"] == held_on.isoformat()
    api.ok(
        api.event(work(api) + "/events", "FactWithdrawn",
                  {"withdraws": held["event_id"], "reason": "未召开"}, "office")
    )  # fmt: skip
    catch_up(api)  # a new worker: the joint meeting is found again in the stored rows
    for branch in ("b1", "b2"):
        assert mobilization(branch)["status"] != "done"
        assert mobilization(branch, TODAY - timedelta(days=1))["status"] == "done"
