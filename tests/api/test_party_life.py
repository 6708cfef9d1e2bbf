"""Posting a branch's regular organizational life and reading its year as of a date, on
both databases: the roles and scope of the branch's other facts, refusals by field and
rule, and the two times (``as_of``, ``known_at``) of every view."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from tests.api.conftest import TODAY, Api, branch_data, new_id
from tests.api.test_views import catch_up

YEAR = TODAY.year - 1
SIX = [
    "study_discussion",
    "onsite_teaching",
    "party_spirit_analysis",
    "democratic_deliberation",
    "dues_paid",
    "volunteer_service",
]


def life(api: Api, key: str = "b1") -> str:
    return f"/api/v1/branches/{api.ids[key]}/party-life"


def hold(api: Api, on: date, activity: str, who: str = "integrator_b1", **data: Any) -> Any:
    body = {"activity": activity, "topic": "学习党章", "participants": 8, **data}
    return api.event(
        life(api) + "/events", "LifeActivityHeld", body, who, occurred_on=on.isoformat()
    )


def view(api: Api, who: str = "admin", **query: str) -> dict[str, Any]:
    catch_up(api)  # the projection's worker writes what was posted
    args = "&".join(f"{k}={v}" for k, v in {"year": str(YEAR), **query}.items())
    response = api.get(f"{life(api)}?{args}", who)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def period(body: dict[str, Any], duty: str, key: str) -> dict[str, Any]:
    (found,) = [d for d in body["duties"] if d["duty"] == duty]
    (row,) = [p for p in found["periods"] if p["period"] == key]
    return row


def test_a_branch_posts_its_meetings_and_reads_its_year(api: Api) -> None:
    """002 "支部党员大会、支部委员会、党小组会和党课每月进行一次": the branch's own system
    posts a meeting on the last day of March; March is done, April overdue after April."""
    answer = api.ok(hold(api, date(YEAR, 3, 31), "members_meeting"))
    assert answer["event_type"] == "LifeActivityHeld"
    body = view(api, as_of=f"{YEAR}-05-01")
    march = period(body, "members_meeting", f"{YEAR}-03")
    assert march["status"] == "done"
    assert march["counted"] == [answer["event_id"]]
    assert period(body, "members_meeting", f"{YEAR}-04")["status"] == "overdue"
    assert period(body, "members_meeting", f"{YEAR}-05")["status"] == "due"
    assert body["counts"]["done"] == 1
    # The same branch as of the day before the meeting: March was still due.
    before = view(api, as_of=f"{YEAR}-03-30")
    assert period(before, "members_meeting", f"{YEAR}-03")["status"] == "due"


def test_the_view_as_known_at_a_time(api: Api) -> None:
    """``known_at``: only what had been recorded by then, whatever its business date."""
    before = datetime.now(UTC) - timedelta(seconds=1)
    api.ok(hold(api, date(YEAR, 2, 10), "themed_party_day", parts=SIX, own_activities=["扶贫济困"]))
    now = view(api, as_of=f"{YEAR}-03-01")
    assert period(now, "themed_party_day", f"{YEAR}-02")["status"] == "done"
    then = view(api, as_of=f"{YEAR}-03-01", known_at=before.isoformat().replace("+00:00", "Z"))
    assert period(then, "themed_party_day", f"{YEAR}-02")["status"] == "overdue"
    assert then["known_at"] is not None


def test_a_themed_day_short_of_its_six_parts(api: Api) -> None:
    """003 §二 "“6”即学习讨论、现场教学、党性分析、民主议事、缴纳党费、志愿服务": a day
    without on-site teaching leaves the month undone and says what is missing."""
    api.ok(
        hold(
            api,
            date(YEAR, 4, 8),
            "themed_party_day",
            parts=[p for p in SIX if p != "onsite_teaching"],
        )
    )
    row = period(view(api, as_of=f"{YEAR}-05-01"), "themed_party_day", f"{YEAR}-04")
    assert row["status"] == "overdue"
    assert row["missing_parts"] == ["onsite_teaching"]


def test_a_delay_reported_and_approved_by_the_upper_level(api: Api) -> None:
    """002 "遇有特殊情况需延期召开的,必须报告上级党组织同意": the branch reports, its committee
    agrees (not the branch), and a meeting within the delay does the half-year, late."""
    events = life(api) + "/events"
    delay = {"duty": "democratic_life_meeting", "period": f"{YEAR}-H1", "until": f"{YEAR}-08-31"}
    refused = api.event(
        events, "LifeMeetingDelayApproved", delay, "committee_c1", occurred_on=f"{YEAR}-06-25"
    )
    assert refused.status_code == 409
    assert refused.content_type == "application/problem+json"
    assert refused.get_json()["errors"][0]["field"] == "data.period"
    assert refused.get_json()["errors"][0]["rule"] == "delay_requested_first"
    api.ok(
        api.event(
            events,
            "LifeMeetingDelayRequested",
            {**delay, "reason": "书记外出培训"},
            "integrator_b1",
            occurred_on=f"{YEAR}-06-20",
        )
    )
    own = api.event(
        events, "LifeMeetingDelayApproved", delay, "integrator_b1", occurred_on=f"{YEAR}-06-25"
    )
    assert own.status_code == 403
    assert own.get_json()["errors"][0]["rule"] == "separation_of_duties"
    api.ok(
        api.event(
            events, "LifeMeetingDelayApproved", delay, "committee_c1", occurred_on=f"{YEAR}-06-25"
        )
    )
    api.ok(hold(api, date(YEAR, 8, 20), "democratic_life_meeting"))
    row = period(view(api, as_of=f"{YEAR}-09-01"), "democratic_life_meeting", f"{YEAR}-H1")
    assert row["status"] == "done"
    assert row["late"] is True
    assert row["delayed_until"] == f"{YEAR}-08-31"


def test_roles_and_scope_of_the_branch_facts(api: Api) -> None:
    """The branch reports what it did (000 §五(一)); a supervisor does not post it; a token
    of another committee does not see the branch at all."""
    supervisor = hold(api, date(YEAR, 3, 1), "members_meeting", who="supervisor_c1")
    assert supervisor.status_code == 403
    other = hold(api, date(YEAR, 3, 1), "members_meeting", who="integrator_c2")
    assert other.status_code == 404
    assert api.get(f"{life(api)}?year={YEAR}", "integrator_c2").status_code == 404
    assert api.get(f"{life(api)}?year={YEAR}", "supervisor_c1").status_code == 200


def test_refusals_name_field_and_rule(api: Api) -> None:
    cases = [
        (
            hold(api, TODAY + timedelta(days=1), "members_meeting"),
            422,
            "occurred_on",
            "not_in_future",
        ),
        (
            hold(api, date(YEAR, 3, 1), "members_meeting", parts=["dues_paid"]),
            422,
            "parts",
            "themed_day_only",
        ),
        (hold(api, date(YEAR, 3, 1), "picnic"), 422, "data.activity", None),
        (hold(api, date(YEAR, 3, 1), "exchange_visit"), 422, "activity", "owed_by_branch"),
    ]
    for response, status, field, rule in cases:
        assert response.status_code == status, response.get_json()
        assert response.content_type == "application/problem+json"
        error = response.get_json()["errors"][0]
        assert error["field"].endswith(field)
        if rule is not None:
            assert error["rule"] == rule
    assert api.get(f"{life(api)}?year=abc").status_code in (400, 422)


def test_a_fact_corrected_and_withdrawn_and_the_view_follows(api: Api) -> None:
    """Corrections are events: a lecture reported for 2 July is corrected to 28 June
    (002 "每季度至少集中上一次党课": then it does the second quarter), then withdrawn; each
    counts from its own date, and the committee may not amend what the branch recorded."""
    events = life(api) + "/events"
    lecture = api.ok(hold(api, date(YEAR, 7, 2), "party_lecture"))
    fix = {
        "corrects": lecture["event_id"],
        "reason": "日期记错",
        "changes": {"occurred_on": f"{YEAR}-06-28"},
    }
    refused = api.event(events, "FactCorrected", fix, "committee_c1", occurred_on=f"{YEAR}-07-10")
    assert refused.status_code == 403
    api.ok(api.event(events, "FactCorrected", fix, "integrator_b1", occurred_on=f"{YEAR}-07-10"))
    assert (
        period(view(api, as_of=f"{YEAR}-07-09"), "party_lecture", f"{YEAR}-Q2")["status"]
        == "overdue"
    )
    assert (
        period(view(api, as_of=f"{YEAR}-07-10"), "party_lecture", f"{YEAR}-Q2")["status"] == "done"
    )
    drop = {"withdraws": lecture["event_id"], "reason": "重复"}
    answer = api.ok(
        api.event(events, "FactWithdrawn", drop, "integrator_b1", occurred_on=f"{YEAR}-08-01")
    )
    assert answer["aggregate_id"] == lecture["aggregate_id"]
    assert (
        period(view(api, as_of=f"{YEAR}-08-01"), "party_lecture", f"{YEAR}-Q2")["status"]
        == "overdue"
    )
    assert (
        period(view(api, as_of=f"{YEAR}-07-31"), "party_lecture", f"{YEAR}-Q2")["status"] == "done"
    )


def register(api: Api, committee: str, on: str) -> str:
    data = branch_data(api.ids["district"], api.ids[committee], f"支部 {new_id()[:6]}")
    return str(api.ok(api.event("/api/v1/branches", None, data, occurred_on=on))["aggregate_id"])


def rolled(api: Api, path: str, who: str = "admin", **query: str) -> dict[str, Any]:
    args = "&".join(f"{k}={v}" for k, v in {"year": str(YEAR), **query}.items())
    catch_up(api)
    response = api.get(f"{path}?{args}", who)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_committee_and_district_roll_ups_as_of_a_date_and_as_known(api: Api) -> None:
    """002 "支部党员大会…每月进行一次": a committee counts the periods of the branches it
    had on D (a branch moved on 1 July counts for its new committee from then on, and only
    once the move was recorded), and the district ranks its committees by compliance."""
    early = register(api, "c1", f"{YEAR}-01-01")
    moved = register(api, "c2", f"{YEAR}-01-01")
    for month in (1, 2):
        path = f"/api/v1/branches/{early}/party-life/events"
        data = {"activity": "members_meeting", "topic": "学习党章", "participants": 8}
        api.ok(api.event(path, "LifeActivityHeld", data, occurred_on=f"{YEAR}-{month:02d}-15"))
    before_move = datetime.now(UTC)
    last = api.ok(
        api.event(
            f"/api/v1/branches/{moved}/events",
            "MovedToCommittee",
            {"committee_id": str(api.ids["c1"])},
            occurred_on=f"{YEAR}-07-01",
        )
    )
    catch_up(api)  # the district's register (view_branch) lists the new branches
    c1 = f"/api/v1/committees/{api.ids['c1']}/party-life"
    c2 = f"/api/v1/committees/{api.ids['c2']}/party-life"
    march = rolled(api, c1, as_of=f"{YEAR}-03-01", min_position=str(last["position"]))
    assert [b["branch_id"] for b in march["branches"]] == [early]
    assert march["duties"]["members_meeting"] == {
        "done": 2,
        "due": 1,
        "overdue": 0,
        "compliance": 1.0,
    }
    other = rolled(api, c2, as_of=f"{YEAR}-03-01")
    assert [b["branch_id"] for b in other["branches"]] == [moved]
    assert other["duties"]["members_meeting"]["overdue"] == 2
    august = rolled(api, c1, as_of=f"{YEAR}-08-01")
    assert sorted(b["branch_id"] for b in august["branches"]) == sorted([early, moved])
    assert august["branches"][0]["overdue"] >= august["branches"][1]["overdue"]
    known = before_move.isoformat().replace("+00:00", "Z")
    then = rolled(api, c1, as_of=f"{YEAR}-08-01", known_at=known)
    assert [b["branch_id"] for b in then["branches"]] == [early]
    district = rolled(
        api, f"/api/v1/districts/{api.ids['district']}/party-life", as_of=f"{YEAR}-03-01"
    )
    ranked = [c["committee_id"] for c in district["committees"]]
    assert ranked == [str(api.ids["c1"]), str(api.ids["c2"])]
    assert district["committees"][0]["compliance"] > district["committees"][1]["compliance"]
    # A committee's token reads its own committee, not another's, nor the district's rank.
    assert api.get(f"{c1}?year={YEAR}", "committee_c1").status_code == 200
    assert api.get(f"{c2}?year={YEAR}", "committee_c1").status_code == 404
    rank = api.get(f"/api/v1/districts/{api.ids['district']}/party-life", "committee_c1")
    assert rank.status_code == 403
    assert rank.get_json()["errors"][0]["rule"] == "whole_district"
