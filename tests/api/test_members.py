"""Member development (发展党员, seed 002) and 推优 (seed 004) over HTTP, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import quote

from tests.api.conftest import TODAY, Api
from tests.api.members import apply, dates, step, walk
from tests.api.test_views import catch_up

APPLIED = TODAY - timedelta(days=4 * 366)


def test_a_whole_path_with_deciders_from_the_tokens(api: Api) -> None:
    """seed 002 发展党员工作制度: "(1)本人申请" … "(13)党委审批" … "按期转正…报上级党委批准";
    seed 001 §四5: "推行发展党员纪实制、公示制、票决制" — every step recorded with who decided."""
    b1 = str(api.ids["b1"])
    person = walk(api, b1, APPLIED)
    state = api.get(f"/api/v1/candidates/{person}").get_json()
    assert state["stage"] == "full_member"
    history = api.get(f"/api/v1/candidates/{person}/history").get_json()["items"]
    by_type = {item["type"]: item for item in history}
    assert by_type["MembershipApplied"]["type"] == "MembershipApplied"
    assert by_type["AdmissionApproved"]["actor"] != by_type["AdmissionVoted"]["actor"]
    assert "actor" not in by_type["AdmissionApproved"]["data"]
    assert state["sealed_name"] is None and not state["erased"]


def test_a_refusal_names_field_rule_and_seed(api: Api) -> None:
    """seed 002 (2): "经考察一年以上…可确定为入党积极分子" — one day short is refused."""
    person = apply(api, str(api.ids["b1"]), APPLIED)
    short = dates(APPLIED)["activist"] - timedelta(days=1)
    response = step(api, person, "ActivistDesignated", short)
    assert response.status_code in (409, 422)
    body = response.get_json()
    assert response.headers["Content-Type"].startswith("application/problem+json")
    (error,) = body["errors"]
    assert (error["field"], error["rule"]) == ("occurred_on", "activist_after_a_year")
    assert "一年以上" in error["message"]


def test_only_the_committee_approves(api: Api) -> None:
    """seed 002 (13): "召开党委会议，审批下一级党组织上报的接收预备党员的决议"."""
    person = walk(api, str(api.ids["b1"]), APPLIED, until="vote")
    approved_on = dates(APPLIED)["approved"]
    refused = step(api, person, "AdmissionApproved", approved_on, approved=True)
    assert refused.status_code == 403
    api.ok(step(api, person, "AdmissionApproved", approved_on, "committee_c1", approved=True))


def test_recommendation_threshold_over_http(api: Api) -> None:
    """seed 004 四(三)3: "赞成数不低于应到会有表决权人数的一半" — 4 of 9 entitled is short even
    when all 4 present agree."""
    person = apply(api, str(api.ids["b1"]), APPLIED)
    votes = {"entitled": 9, "present": 4, "in_favour": 4, "against": 0, "abstaining": 0}
    response = step(
        api,
        person,
        "RecommendedByMassOrganization",
        APPLIED + timedelta(days=10),
        organization="trade_union",
        organization_name="公司工会",
        recommended_as="activist",
        votes=votes,
    )
    assert response.status_code in (409, 422)
    assert response.get_json()["errors"][0]["rule"] == "half_of_entitled"


def test_people_are_out_of_other_scopes(api: Api) -> None:
    """A person is read by their branch's side; supervisors read counts, not people."""
    person = apply(api, str(api.ids["b1"]), APPLIED)
    assert api.get(f"/api/v1/candidates/{person}", "integrator_c1").status_code == 200
    assert api.get(f"/api/v1/candidates/{person}", "integrator_c2").status_code == 404
    assert api.get(f"/api/v1/candidates/{person}", "supervisor_district").status_code == 404
    other = step(api, person, "ThoughtReportReceived", TODAY, "integrator_c2")
    assert other.status_code == 404


def _stages(body: dict) -> dict[str, int]:
    return {row["stage"]: row["count"] for row in body["stages"] if row["count"]}


def test_the_pipeline_as_of_a_date_and_as_known_at_a_time(api: Api) -> None:
    """seed 002 3(2): "预备党员每季度要有一次口头或书面的汇报"; 3(4) "按时讨论其能否转为正式
    党员": a probation past its end with no vote, and a quarter without a report, are overdue.
    seed 001 §四5 "纪实制": the record answers for any date, as known at any time."""
    b1, c1 = str(api.ids["b1"]), str(api.ids["c1"])
    walk(api, b1, APPLIED, until="approved")
    before = datetime.now(UTC)
    apply(api, b1, TODAY - timedelta(days=10))
    path = f"/api/v1/committees/{c1}/member-pipeline"
    catch_up(api)
    now = api.get(path, "committee_c1").get_json()
    assert _stages(now) == {"probationary": 1, "applicant": 1}
    assert now["overdue"]["probation_expired"] == 1
    assert now["overdue"]["report_missing"] == 1
    assert now["recommended"]["youth_league"] == 1
    assert {p["stage"] for p in now["people"]} == {"probationary", "applicant"}
    on = dates(APPLIED)["candidate"]
    then = api.get(f"{path}?as_of={on.isoformat()}", "committee_c1").get_json()
    assert _stages(then) == {"development_candidate": 1}
    (person,) = then["people"]
    assert person["days_at_stage"] == 0
    known = api.get(f"{path}?known_at={quote(before.isoformat())}", "committee_c1").get_json()
    assert _stages(known) == {"probationary": 1}
    assert known["known_at"] == before.isoformat()


def test_supervisors_read_counts_not_people(api: Api) -> None:
    """A supervision group reads how many are at each step, never who."""
    b1, c1 = str(api.ids["b1"]), str(api.ids["c1"])
    apply(api, b1, TODAY - timedelta(days=10))
    catch_up(api)
    counted = api.get(f"/api/v1/committees/{c1}/member-pipeline", "supervisor_c1")
    assert counted.status_code == 200
    body = counted.get_json()
    assert _stages(body) == {"applicant": 1} and "people" not in body
    c2 = str(api.ids["c2"])
    assert api.get(f"/api/v1/committees/{c2}/member-pipeline", "supervisor_c1").status_code == 404
    listed = api.get(f"/api/v1/branches/{b1}/member-pipeline", "integrator_c1").get_json()
    assert len(listed["people"]) == 1
