"""Grading rounds over HTTP: posting surveys, grades, objections and upgrading, with the
roles, scope and refusals of every other write; and the grading views as of a date.

Seed 001 §二1: "上级党组织要按照“领导班子好、党员队伍好、工作机制好、工作业绩好、群众反映好”的
标准，对所属基层党组织进行分类定级" — the upper level grades, so a branch's own system
(an integrator) may not grade itself.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

from taizhang.projections.worker import Worker
from tests.api.conftest import START, TODAY, Api

D1 = START + timedelta(days=1)
D2 = START + timedelta(days=2)
D3 = START + timedelta(days=3)


def define_round(api: Api, who: str = "office", **data: Any) -> str:
    body = {
        "district_id": str(api.ids["district"]),
        "name": f"{START.year}年度分类定级",
        "year": START.year,
        "starts_on": START.isoformat(),
        "ends_on": TODAY.isoformat(),
        **data,
    }
    answer = api.event("/api/v1/grading-rounds", None, body, who, occurred_on=START.isoformat())
    return str(api.ok(answer)["aggregate_id"])


def on_round(
    api: Api, round_id: str, type_: str, branch: str, who: str = "office", **data: Any
) -> Any:
    on = data.pop("occurred_on", TODAY).isoformat()
    body = {"branch_id": str(api.ids[branch]), **data}
    return api.event(f"/api/v1/grading-rounds/{round_id}/events", type_, body, who, occurred_on=on)


def grade(
    api: Api, round_id: str, branch: str, value: str, on: Any = D2, who: str = "office"
) -> Any:
    api.ok(on_round(api, round_id, "OrganizationSurveyed", branch, who, occurred_on=D1,
                    findings={"leadership": "班子健全"}))  # fmt: skip
    return on_round(api, round_id, "OrganizationGraded", branch, who, occurred_on=on,
                    grade=value, criteria_met=["members"], evidence="考评记录")  # fmt: skip


def test_the_office_defines_a_round_with_the_five_goods_and_grades_after_a_survey(api: Api) -> None:
    """001 §二1: 调查摸底，分类定级…在此基础上…进行分类定级."""
    round_id = define_round(api)
    premature = on_round(api, round_id, "OrganizationGraded", "b1", grade="advanced",
                         criteria_met=[], evidence="x")  # fmt: skip
    assert premature.status_code == 409
    assert premature.get_json()["errors"][0]["rule"] == "surveyed_first"
    answer = api.ok(grade(api, round_id, "b1", "average"))
    assert answer["event_type"] == "OrganizationGraded"
    unknown = on_round(api, round_id, "OrganizationRegraded", "b1", grade="advanced",
                       criteria_met=["wealth"], evidence="x", reason="y")  # fmt: skip
    assert unknown.status_code == 422
    assert unknown.get_json()["errors"][0]["field"] == "data.criteria_met"


def test_the_grader_comes_from_the_credentials_and_a_branch_may_not_grade_itself(api: Api) -> None:
    round_id = define_round(api)
    api.ok(on_round(api, round_id, "OrganizationSurveyed", "b1", "committee_c1",
                    occurred_on=D1, findings={"role_played": "作用发挥不充分"}))  # fmt: skip
    own = on_round(api, round_id, "OrganizationGraded", "b1", "integrator_b1", occurred_on=D2,
                   grade="advanced", criteria_met=[], evidence="自评")  # fmt: skip
    assert own.status_code == 403
    named = on_round(api, round_id, "OrganizationGraded", "b1", "committee_c1", occurred_on=D2,
                     grade="average", criteria_met=[], evidence="x", grader="someone")  # fmt: skip
    assert named.status_code == 422
    assert named.get_json()["errors"][0]["field"] == "data.grader"


def test_ids_in_the_body_are_checked_for_scope_existence_and_kind(api: Api) -> None:
    round_id = define_round(api)
    # Another committee's branch, for the committee of c1: as if it did not exist.
    other = on_round(api, round_id, "OrganizationSurveyed", "b2", "committee_c1",
                     findings={"leadership": "x"})  # fmt: skip
    assert other.status_code == 404 and other.get_json()["errors"][0]["field"] == "branch_id"
    # A campaign's id where a round's belongs: not a round.
    survey = {"branch_id": str(api.ids["b1"]), "findings": {"leadership": "x"}}
    path = f"/api/v1/grading-rounds/{api.ids['campaign']}/events"
    wrong_kind = api.event(path, "OrganizationSurveyed", survey)
    assert wrong_kind.status_code == 404
    # A branch of another district.
    far = on_round(
        api, round_id, "OrganizationSurveyed", "b3", "admin", findings={"leadership": "x"}
    )
    assert far.status_code == 409 and far.get_json()["errors"][0]["rule"] == "same_district"


def test_a_committees_round_grades_its_own_branches_and_only_the_office_defines_the_districts(
    api: Api,
) -> None:
    refused = api.event("/api/v1/grading-rounds", None, {
        "district_id": str(api.ids["district"]), "name": "定级", "year": START.year,
        "starts_on": START.isoformat(), "ends_on": TODAY.isoformat()}, "committee_c1")  # fmt: skip
    assert refused.status_code == 403
    round_id = define_round(api, "committee_c1", committee_id=str(api.ids["c1"]))
    api.ok(grade(api, round_id, "b1", "advanced", who="committee_c1"))
    not_its = on_round(api, round_id, "OrganizationSurveyed", "b2", "office",
                       findings={"leadership": "x"})  # fmt: skip
    assert not_its.status_code == 409
    assert not_its.get_json()["errors"][0]["rule"] == "of_round_committee"


def test_a_lagging_grade_makes_the_branch_a_rectification_target(api: Api) -> None:
    """000 §五(二): 对软弱涣散的“两新”组织党组织…及时采取措施进行整顿，晋位升级后再开展活动."""
    round_id = define_round(api)
    api.ok(grade(api, round_id, "b1", "lagging"))
    branch = api.get(f"/api/v1/branches/{api.ids['b1']}").get_json()
    assert branch["is_rectification_target"] is True, branch


def test_objection_regrade_and_an_upgrading_plan_tracked_to_verification(api: Api) -> None:
    """001 §二3: 指导基层党组织明确改进提高的目标、责任和措施，认真抓好整改落实."""
    round_id = define_round(api)
    api.ok(grade(api, round_id, "b1", "lagging"))
    api.ok(on_round(api, round_id, "GradeObjected", "b1", "integrator_b1", occurred_on=D3,
                    grounds="班子已配齐"))  # fmt: skip
    api.ok(on_round(api, round_id, "OrganizationRegraded", "b1", "committee_c1", occurred_on=D3,
                    grade="average", criteria_met=["members", "leadership"], evidence="复核",
                    reason="异议成立"))  # fmt: skip
    plan = {"target_grade": "advanced", "targets": "晋位", "measures": "选派指导员",
            "deadline": (D3 + timedelta(days=30)).isoformat()}  # fmt: skip
    named = on_round(api, round_id, "UpgradingPlanSet", "b1", "integrator_b1", occurred_on=D3,
                     responsible_person="张三", **plan)  # fmt: skip
    assert named.status_code == 422
    assert named.get_json()["errors"][0]["rule"] == "pseudonymous_id"
    api.ok(on_round(api, round_id, "UpgradingPlanSet", "b1", "integrator_b1", occurred_on=D3,
                    responsible_person="P000042", **plan))  # fmt: skip
    api.ok(on_round(api, round_id, "UpgradingDone", "b1", "integrator_b1", outcome="已完成"))
    self_verified = on_round(api, round_id, "UpgradingVerified", "b1", "integrator_b1", passed=True)
    assert self_verified.status_code == 403
    api.ok(on_round(api, round_id, "UpgradingVerified", "b1", "committee_c1", passed=True))


def catch_up(api: Api) -> None:
    rt = api.app.extensions["taizhang"]
    worker = Worker(rt.settings, ledger=rt.ledger)
    try:
        worker.catch_up()
    finally:
        worker.close()


def two_rounds(api: Api) -> tuple[str, str]:
    """The first round grades b1 lagging and b2 average; the second b1 average (up) and b2
    lagging (down), and b2 was graded lagging only after an objection and re-grade."""
    first = define_round(api)
    api.ok(grade(api, first, "b1", "lagging"))
    api.ok(grade(api, first, "b2", "average"))
    second = define_round(api, name="复评")
    api.ok(grade(api, second, "b1", "average", on=D3))
    api.ok(grade(api, second, "b2", "average", on=D2))
    api.ok(on_round(api, second, "GradeObjected", "b2", occurred_on=D3, grounds="x"))
    api.ok(on_round(api, second, "OrganizationRegraded", "b2", occurred_on=TODAY,
                    grade="lagging", criteria_met=[], evidence="复核", reason="核实"))  # fmt: skip
    catch_up(api)
    return first, second


def test_grade_distribution_per_committee_and_district_as_of_a_date(api: Api) -> None:
    """001 §二1: 对所属基层党组织进行分类定级 — the district reads how many are advanced,
    average and lagging, in all and per committee, on any business date."""
    first, second = two_rounds(api)
    base = f"/api/v1/grading-rounds/{second}/distribution"
    today = api.get(base, "office").get_json()
    assert today["grades"] == {"advanced": 0, "average": 1, "lagging": 1}
    assert {c["committee_id"]: c["grades"]["lagging"] for c in today["committees"]} == {
        str(api.ids["c1"]): 0,
        str(api.ids["c2"]): 1,
    }
    # Before b1's grade was dated, and while b2's objection was open.
    earlier = api.get(f"{base}?as_of={D2.isoformat()}", "office").get_json()
    assert earlier["grades"] == {"advanced": 0, "average": 1, "lagging": 0}
    assert earlier["surveyed_not_graded"] == 1
    open_objection = api.get(f"{base}?as_of={D3.isoformat()}", "office").get_json()
    assert open_objection["objections_open"] == 1 and open_objection["grades"]["average"] == 2
    # A committee's token reads its committee's part, not the whole district.
    part = api.get(f"{base}?committee_id={api.ids['c1']}", "committee_c1").get_json()
    assert part["grades"] == {"advanced": 0, "average": 1, "lagging": 0}
    assert api.get(base, "committee_c1").status_code == 403
    other = api.get(f"{base}?committee_id={api.ids['c2']}", "committee_c1")
    assert other.status_code == 404


def test_the_transitions_matrix_between_two_rounds(api: Api) -> None:
    """001 §二3: 使每一个基层党组织在原有基础上都有新的提高，普遍实现晋位升级 — who moved up,
    stayed and moved down from one round to the next."""
    first, second = two_rounds(api)
    path = f"/api/v1/grading-rounds/{second}/transitions?from_round={first}"
    body = api.get(path, "office").get_json()
    assert body["matrix"]["lagging"] == {"advanced": 0, "average": 1, "lagging": 0}
    assert body["matrix"]["average"] == {"advanced": 0, "average": 0, "lagging": 1}
    assert (body["moved_up"], body["stayed"], body["moved_down"]) == (1, 0, 1)
    # On D3 b2's re-grade had not happened: it stayed average.
    then = api.get(f"{path}&as_of={D3.isoformat()}", "office").get_json()
    assert (then["moved_up"], then["stayed"], then["moved_down"]) == (1, 1, 0)
    missing = api.get(f"/api/v1/grading-rounds/{second}/transitions", "office")
    assert missing.status_code == 422


def test_lagging_organizations_and_their_upgrading_as_of_and_as_known_at(api: Api) -> None:
    """001 §二3: 整顿后进…认真抓好整改落实 — the lagging ones, with where their upgrading
    stands; overdue when an open plan's deadline has passed."""
    first = define_round(api)
    api.ok(grade(api, first, "b1", "lagging"))
    catch_up(api)
    before_plan = datetime.now(UTC)
    deadline = D3 + timedelta(days=2)
    api.ok(on_round(api, first, "UpgradingPlanSet", "b1", occurred_on=D3, target_grade="average",
                    targets="配齐班子", measures="选派指导员", responsible_person="P000007",
                    deadline=deadline.isoformat()))  # fmt: skip
    catch_up(api)
    base = f"/api/v1/grading-rounds/{first}/upgrading"
    now = api.get(base, "office").get_json()
    (item,) = now["items"]
    assert item["upgrading_status"] == "planned" and item["plan"]["overdue"] is True
    assert item["grader"] and item["plan"]["responsible_person"] == "P000007"
    assert now["statuses"]["planned"] == 1 and now["overdue"] == 1
    on_d3 = api.get(f"{base}?as_of={D3.isoformat()}", "office").get_json()
    assert on_d3["items"][0]["plan"]["overdue"] is False
    # As known before the plan was recorded: no plan, whatever the business date.
    known = api.get(f"{base}?known_at={quote(before_plan.isoformat())}", "office").get_json()
    assert known["items"][0]["upgrading_status"] == "no_plan"
    assert known["known_at"] is not None


def test_a_rounds_state_and_history_name_the_grader_from_the_credentials(api: Api) -> None:
    round_id = define_round(api)
    api.ok(grade(api, round_id, "b1", "lagging", who="committee_c1"))
    state = api.get(f"/api/v1/grading-rounds/{round_id}", "committee_c1")
    assert state.status_code == 200, state.get_json()
    assert [c["name_zh"] for c in state.get_json()["criteria"]][0] == "领导班子好"
    history = api.get(f"/api/v1/grading-rounds/{round_id}/history", "office").get_json()
    graded = [i for i in history["items"] if i["type"] == "OrganizationGraded"]
    assert graded[0]["actor"] == "committee_c1" and graded[0]["data"]["grade"] == "lagging"
    assert "grader" not in graded[0]["data"]
    assert api.get(f"/api/v1/grading-rounds/{round_id}", "office_other").status_code == 404
