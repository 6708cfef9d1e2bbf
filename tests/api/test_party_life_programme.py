"""A district's (or committee's) programme of organizational life for a year, versioned from
its dates; the committees' own duties; members' education days; the due and overdue lists
and their workbook. Both databases; the roles and scope of every other fact; refusals by
field and rule; the two times of every view."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from io import BytesIO
from typing import Any

from openpyxl import load_workbook

from tests.api.conftest import Api, branch_data, new_id
from tests.api.test_party_life import SIX, YEAR, period
from tests.api.test_views import catch_up

STANDARD_MEETING = {"key": "members_meeting", "activity": "members_meeting", "cadence": "monthly"}


def register(api: Api, committee: str = "c1", on: str = f"{YEAR}-01-01") -> str:
    data = branch_data(api.ids["district"], api.ids[committee], f"支部 {new_id()[:6]}")
    return str(api.ok(api.event("/api/v1/branches", None, data, occurred_on=on))["aggregate_id"])


def programmes(api: Api) -> str:
    return f"/api/v1/districts/{api.ids['district']}/party-life/programmes"


def set_programme(
    api: Api, on: str, duties: list[dict[str, Any]], who: str = "admin", **data: Any
) -> Any:
    body = {"year": YEAR, "duties": duties, **data}
    return api.event(programmes(api), "LifeProgrammeSet", body, who, occurred_on=on)


def hold(api: Api, branch: str, on: str, activity: str, **data: Any) -> Any:
    body = {"activity": activity, "topic": "学习党章", "participants": 8, **data}
    path = f"/api/v1/branches/{branch}/party-life/events"
    return api.ok(api.event(path, "LifeActivityHeld", body, occurred_on=on))


def read(api: Api, path: str, who: str = "admin", **query: str) -> dict[str, Any]:
    """The view as of everything posted so far: the aggregated views are cached, and
    without ``min_position`` may answer from before the last post (within their bound)."""
    catch_up(api)
    last = api.app.extensions["taizhang"].ledger.recorder.max_notification_id() or 0
    wanted = {"year": str(YEAR), "min_position": str(last), **query}
    args = "&".join(f"{k}={v}" for k, v in wanted.items())
    response = api.get(f"{path}?{args}", who)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def refusal(response: Any) -> tuple[int, str, str]:
    assert response.content_type == "application/problem+json", response.get_json()
    error = response.get_json()["errors"][0]
    return response.status_code, error["field"], error["rule"]


def test_a_new_version_applies_from_its_date_and_earlier_dates_keep_the_old(api: Api) -> None:
    """002 "支部党员大会…每月进行一次": the seeds' rhythm is the default; a district that sets
    members' meetings quarterly from 1 January, then monthly with five days' grace from 1 July,
    is judged by each version from its own date on."""
    branch = register(api)
    quarterly = {**STANDARD_MEETING, "cadence": "quarterly"}
    api.ok(set_programme(api, f"{YEAR}-01-01", [quarterly], note="上半年按季度"))
    api.ok(set_programme(api, f"{YEAR}-07-01", [{**STANDARD_MEETING, "grace_days": 5}]))
    hold(api, branch, f"{YEAR}-03-10", "members_meeting")
    hold(api, branch, f"{YEAR}-07-03", "members_meeting")
    path = f"/api/v1/branches/{branch}/party-life"
    june = read(api, path, as_of=f"{YEAR}-06-30")
    assert [d["duty"] for d in june["duties"]] == ["members_meeting"]
    assert period(june, "members_meeting", f"{YEAR}-Q1")["status"] == "done"
    assert period(june, "members_meeting", f"{YEAR}-Q2")["status"] == "due"
    assert june["programme"] == {
        "scope": "district",
        "scope_id": str(api.ids["district"]),
        "effective_on": f"{YEAR}-01-01",
    }
    july = read(api, path, as_of=f"{YEAR}-07-20")
    assert july["programme"]["effective_on"] == f"{YEAR}-07-01"
    # June's meeting was due by 5 July under the grace: the one on 3 July did it, late.
    june_row = period(july, "members_meeting", f"{YEAR}-06")
    assert (june_row["status"], june_row["due_on"], june_row["late"]) == (
        "done",
        f"{YEAR}-07-05",
        True,
    )
    assert period(july, "members_meeting", f"{YEAR}-05")["status"] == "overdue"
    # Before any version, the seeds' own programme.
    before = read(api, path, as_of=f"{YEAR - 1}-12-31")
    assert before["programme"]["scope"] == "standard"
    assert "themed_party_day" in [d["duty"] for d in before["duties"]]
    shown = read(api, f"/api/v1/districts/{api.ids['district']}/party-life/programme")
    assert [v["effective_on"] for v in shown["versions"]] == [f"{YEAR}-01-01", f"{YEAR}-07-01"]
    assert shown["versions"][0]["note"] == "上半年按季度"


def test_a_committee_programme_for_its_branches_and_the_districts_for_the_others(
    api: Api,
) -> None:
    """003 §二 "“6”即学习讨论、现场教学、党性分析、民主议事、缴纳党费、志愿服务": a committee
    may ask fewer parts of its branches' themed days; the district's other committee keeps
    the six."""
    mine, other = register(api, "c1"), register(api, "c2")
    four = {
        "key": "themed_party_day",
        "activity": "themed_party_day",
        "cadence": "monthly",
        "required_parts": SIX[:4],
    }
    api.ok(
        set_programme(api, f"{YEAR}-01-01", [four], "committee_c1", committee_id=str(api.ids["c1"]))
    )
    for branch in (mine, other):
        hold(api, branch, f"{YEAR}-03-05", "themed_party_day", parts=SIX[:4])
    as_of = f"{YEAR}-04-01"
    ours = read(api, f"/api/v1/branches/{mine}/party-life", as_of=as_of)
    assert ours["programme"]["scope"] == "committee"
    assert period(ours, "themed_party_day", f"{YEAR}-03")["status"] == "done"
    theirs = read(api, f"/api/v1/branches/{other}/party-life", as_of=as_of)
    assert theirs["programme"]["scope"] == "standard"
    march = period(theirs, "themed_party_day", f"{YEAR}-03")
    assert (march["status"], march["missing_parts"]) == ("overdue", sorted(SIX[4:]))


def test_programmes_are_checked_like_every_input(api: Api) -> None:
    """Refused by field and rule, and only the upper level sets a programme: the district's
    by a token of the whole district, a committee's by that committee's."""
    lecture = {"key": "lecture", "activity": "party_lecture", "cadence": "quarterly"}
    visit = {"key": "visit", "activity": "exchange_visit", "cadence": "quarterly"}
    cases = [
        (set_programme(api, f"{YEAR}-01-01", [lecture, lecture]), "data.duties.1.key", "unique"),
        (
            set_programme(api, f"{YEAR}-01-01", [{**visit, "owner": "branch"}]),
            "data.duties.0.owner",
            "activity_owner",
        ),
        (
            set_programme(api, f"{YEAR}-01-01", [{**lecture, "required_parts": ["dues_paid"]}]),
            "data.duties.0.required_parts",
            "themed_day_only",
        ),
        (
            api.event(
                programmes(api),
                "LifeProgrammeSet",
                {"year": YEAR - 1, "duties": [lecture]},
                occurred_on=f"{YEAR}-01-01",
            ),
            "occurred_on",
            "within_programme_year",
        ),
    ]
    for response, field, rule in cases:
        assert refusal(response)[1:] == (field, rule)
        assert response.status_code == 422
    status, field, _ = refusal(set_programme(api, f"{YEAR}-01-01", [{**lecture, "cadence": "x"}]))
    assert (status, field) == (422, "data.duties.0.cadence")
    status, field, _ = refusal(set_programme(api, f"{YEAR}-01-01", [{**lecture, "times": 0}]))
    assert (status, field) == (422, "data.duties.0.times")
    # The district's programme is the office's; a committee's is its own.
    assert set_programme(api, f"{YEAR}-01-01", [lecture], "committee_c1").status_code == 403
    other = set_programme(
        api, f"{YEAR}-01-01", [lecture], "committee_c1", committee_id=str(api.ids["c2"])
    )
    assert other.status_code == 404
    assert set_programme(api, f"{YEAR}-01-01", [lecture], "integrator_b1").status_code == 403
    # Nothing was stored by the refusals.
    shown = read(api, f"/api/v1/districts/{api.ids['district']}/party-life/programme")
    assert shown["versions"] == [] and shown["in_force"]["scope"] == "standard"


def test_the_committees_own_duties(api: Api) -> None:
    """003 §二 "每季度组织一次非“两新”组织党建工作观摩交流" and "每年开展一次述职评议考核":
    the committee's exchange visit on the last day of March does the first quarter; the
    second is overdue in July; the secretaries' reporting is due all year."""
    committee = api.ids["c1"]
    path = f"/api/v1/committees/{committee}/party-life"
    visit = {"activity": "exchange_visit", "topic": "观摩交流", "participants": 30}
    answer = api.ok(
        api.event(
            f"{path}/events",
            "CommitteeActivityHeld",
            visit,
            "committee_c1",
            occurred_on=f"{YEAR}-03-31",
        )
    )
    assert answer["event_type"] == "CommitteeActivityHeld"
    body = read(api, path, as_of=f"{YEAR}-07-01")
    own = body["own"]
    assert period(own, "exchange_visit", f"{YEAR}-Q1")["counted"] == [answer["event_id"]]
    assert period(own, "exchange_visit", f"{YEAR}-Q2")["status"] == "overdue"
    assert period(own, "secretary_reporting", f"{YEAR}")["status"] == "due"
    # Who may record it, and what the committee holds.
    refused = api.event(f"{path}/events", "CommitteeActivityHeld", visit, "integrator_c1")
    assert refused.status_code == 403
    other = f"/api/v1/committees/{api.ids['c2']}/party-life/events"
    assert api.event(other, "CommitteeActivityHeld", visit, "committee_c1").status_code == 404
    meeting = {**visit, "activity": "members_meeting"}
    status, field, _ = refusal(api.event(f"{path}/events", "CommitteeActivityHeld", meeting))
    assert (status, field) == (422, "data.activity")


def test_members_education_days_against_twelve(api: Api) -> None:
    """002 "党员每年累计参加集体教育活动时间不少于12天": days add up per member over the year;
    twelve is done, fewer is due until the year ends and overdue after it."""
    branch = register(api)
    path = f"/api/v1/branches/{branch}/party-life"
    two = {"members": ["P000101", "P000102"], "days": 8, "topic": "党史学习"}
    api.ok(api.event(f"{path}/events", "EducationAttended", two, occurred_on=f"{YEAR}-04-10"))
    one = {"members": ["P000101"], "days": 4, "topic": "党章学习"}
    api.ok(api.event(f"{path}/events", "EducationAttended", one, occurred_on=f"{YEAR}-12-31"))
    end = {e["member"]: e for e in read(api, path, as_of=f"{YEAR}-12-31")["education"]}
    assert (end["P000101"]["days"], end["P000101"]["status"]) == (12, "done")
    assert (end["P000102"]["days"], end["P000102"]["status"]) == (8, "due")
    after = {e["member"]: e for e in read(api, path, as_of=f"{YEAR + 1}-01-01")["education"]}
    assert after["P000102"]["status"] == "overdue" and after["P000102"]["required"] == 12
    # Before the last day, P000101 had eight too.
    before = {e["member"]: e for e in read(api, path, as_of=f"{YEAR}-12-30")["education"]}
    assert before["P000101"]["days"] == 8
    named = {"members": ["张三"], "days": 1, "topic": "学习"}
    status, field, _ = refusal(
        api.event(f"{path}/events", "EducationAttended", named, occurred_on=f"{YEAR}-05-01")
    )
    assert (status, field) == (422, "data.members.0")
    zero = {**two, "days": 0}
    status, field, _ = refusal(
        api.event(f"{path}/events", "EducationAttended", zero, occurred_on=f"{YEAR}-05-01")
    )
    assert (status, field) == (422, "data.days")


def test_the_due_and_overdue_lists_and_their_workbook(api: Api) -> None:
    """002 "支部党员大会…每月进行一次" and 003 §二 "每季度组织一次…观摩交流": on 25 March the
    branch's March meeting is due within the week, its February one overdue, and the
    committee's first-quarter visit due; known before the February meeting was posted it is
    overdue, after, not."""
    branch = register(api)
    api.ok(set_programme(api, f"{YEAR}-01-01", [STANDARD_MEETING, _visit_duty()]))
    hold(api, branch, f"{YEAR}-01-15", "members_meeting")
    education = {"members": ["P000201"], "days": 2, "topic": "学习"}
    api.ok(
        api.event(
            f"/api/v1/branches/{branch}/party-life/events",
            "EducationAttended",
            education,
            occurred_on=f"{YEAR}-02-01",
        )
    )
    before = datetime.now(UTC) - timedelta(milliseconds=1)
    path = f"/api/v1/districts/{api.ids['district']}/party-life/due"
    as_of = f"{YEAR}-03-25"
    body = read(api, path, as_of=as_of)
    mine = [(i["duty"], i["period"]) for i in body["overdue"] if i["owner_id"] == branch]
    assert mine == [("members_meeting", f"{YEAR}-02")]
    due = {(i["owner_id"], i["duty"], i["period"]) for i in body["due"]}
    assert (branch, "members_meeting", f"{YEAR}-03") in due
    assert (str(api.ids["c1"]), "exchange_visit", f"{YEAR}-Q1") in due
    assert body["week_ends_on"] == f"{YEAR}-03-31"
    assert [(e["member"], e["days"]) for e in body["education_short"]] == [("P000201", 2)]
    # A late February meeting, posted now: as known now it is done, as known before it not.
    hold(api, branch, f"{YEAR}-02-27", "members_meeting")
    after = read(api, path, as_of=as_of)
    assert not [i for i in after["overdue"] if i["owner_id"] == branch]
    then = read(api, path, as_of=as_of, known_at=before.isoformat().replace("+00:00", "Z"))
    assert [i["period"] for i in then["overdue"] if i["owner_id"] == branch] == [f"{YEAR}-02"]
    # One committee's part, by its own token; the whole list only by the district's.
    part = read(api, path, "committee_c1", as_of=as_of, committee_id=str(api.ids["c1"]))
    assert {i["committee_id"] for i in part["due"]} == {str(api.ids["c1"])}
    assert api.get(f"{path}?year={YEAR}", "committee_c1").status_code == 403
    assert api.get(f"{path}?committee_id={api.ids['c2']}", "committee_c1").status_code == 404
    # The workbook: a sheet per list, a row per item under the headers.
    response = api.get(f"{path}.xlsx?year={YEAR}&as_of={as_of}")
    assert response.status_code == 200
    book = load_workbook(BytesIO(response.data))
    assert book.sheetnames == ["本周应完成", "逾期未完成", "集体教育不足"]
    due_rows = [r for r in book["本周应完成"].iter_rows(min_row=4, values_only=True) if r[0]]
    assert len(due_rows) == len(after["due"])
    assert "支部党员大会" in {r[4] for r in due_rows}
    short = list(book["集体教育不足"].iter_rows(min_row=4, values_only=True))
    assert [(r[1], r[4], r[5]) for r in short] == [("P000201", 2, 12)]


def _visit_duty() -> dict[str, Any]:
    return {"key": "exchange_visit", "activity": "exchange_visit", "cadence": "quarterly"}


def test_a_period_boundary_on_the_last_day(api: Api) -> None:
    """002 "支部党员大会…每月进行一次": a meeting on the last day of a month is that month's,
    in the lists as in the branch's year."""
    branch = register(api)
    hold(api, branch, f"{YEAR}-04-30", "members_meeting")
    path = f"/api/v1/districts/{api.ids['district']}/party-life/due"
    body = read(api, path, as_of=f"{YEAR}-05-01")
    months = [
        i["period"]
        for i in body["overdue"]
        if i["owner_id"] == branch and i["duty"] == "members_meeting"
    ]
    assert f"{YEAR}-04" not in months and f"{YEAR}-03" in months
    assert date.fromisoformat(body["week_ends_on"]) == date(YEAR, 5, 7)


def test_a_batch_sets_a_programme_and_records_a_committee_activity(api: Api) -> None:
    """All or nothing, as every batch: a committee's programme and its exchange visit (003 §二
    "每季度组织一次…观摩交流") in one batch, then a batch with a refused item stores neither."""
    committee = str(api.ids["c1"])
    lecture = {"key": "lecture", "activity": "party_lecture", "cadence": "quarterly"}
    visit = {"key": "visit", "activity": "exchange_visit", "cadence": "quarterly"}
    programme = {
        "type": "LifeProgrammeSet",
        "occurred_on": f"{YEAR}-01-01",
        "data": {
            "district_id": str(api.ids["district"]),
            "committee_id": committee,
            "year": YEAR,
            "duties": [lecture, visit],
        },
    }
    held = {
        "type": "CommitteeActivityHeld",
        "occurred_on": f"{YEAR}-02-10",
        "data": {
            "committee_id": committee,
            "activity": "exchange_visit",
            "topic": "观摩交流",
            "participants": 15,
        },
    }
    response = api.post("/api/v1/batches", {"items": [programme, held]}, "committee_c1")
    assert response.status_code == 201, response.get_json()
    own = read(api, f"/api/v1/committees/{committee}/party-life", as_of=f"{YEAR}-04-01")["own"]
    assert [d["duty"] for d in own["duties"]] == ["visit"]
    assert period(own, "visit", f"{YEAR}-Q1")["status"] == "done"
    again = {**programme, "occurred_on": f"{YEAR}-03-01"}
    bad = {**held, "data": {**held["data"], "participants": 0}}
    refused = api.post("/api/v1/batches", {"items": [again, bad]}, "committee_c1")
    assert refused.status_code == 422
    shown = read(api, f"/api/v1/committees/{committee}/party-life/programme")
    assert [v["effective_on"] for v in shown["versions"]] == [f"{YEAR}-01-01"]
