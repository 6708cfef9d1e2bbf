"""Corrections and withdrawals of grades, an organization's grading timeline, and the
grading results and lagging list as Excel workbooks, over HTTP on both databases.

Seed 001 §二1: "对所属基层党组织进行分类定级" — a grade is the upper level's record, so one
recorded wrongly is put right by the upper level with an event that says who and why, never
by changing the grade; §二3: "普遍实现晋位升级" — an organization's grades over the rounds
show whether it moved up.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from io import BytesIO
from typing import Any
from urllib.parse import quote

from openpyxl import load_workbook

from tests.api.conftest import TODAY, Api
from tests.api.test_grading import D1, D2, D3, catch_up, define_round, grade, on_round

D4 = D3 + timedelta(days=1)


def event_id(answer: Any, api: Api) -> str:
    return str(api.ok(answer)["event_id"])


def correct(api: Api, round_id: str, branch: str, corrects: str, who: str = "office",
            on: Any = D3, **data: Any) -> Any:  # fmt: skip
    body = {"corrects": corrects, "grade": "average", "criteria_met": ["members"],
            "evidence": "复核记录", "reason": "录错了等次", **data}  # fmt: skip
    return on_round(api, round_id, "GradeCorrected", branch, who, occurred_on=on, **body)


def test_a_wrong_grade_is_corrected_by_who_may_grade_and_stands_corrected_from_that_day(
    api: Api,
) -> None:
    """001 §二1: 上级党组织…进行分类定级 — the corrector is the token, the reason is given,
    and the grade stands corrected from the correction's own date."""
    round_id = define_round(api)
    first = event_id(grade(api, round_id, "b1", "lagging"), api)
    own = correct(api, round_id, "b1", first, "integrator_b1")
    assert own.status_code == 403
    named = correct(api, round_id, "b1", first, corrector="P000001")
    assert named.status_code == 422 and named.get_json()["errors"][0]["field"] == "data.corrector"
    blank = correct(api, round_id, "b1", first, reason=" ")
    assert blank.status_code == 422 and blank.get_json()["errors"][0]["field"] == "data.reason"
    other_branch = correct(api, round_id, "b2", first)
    assert other_branch.status_code == 409
    assert other_branch.get_json()["errors"][0]["rule"] in ("same_branch", "graded")
    unknown = correct(api, round_id, "b1", str(api.ids["campaign"]))
    assert unknown.status_code == 409
    error = unknown.get_json()["errors"][0]
    assert (error["field"], error["rule"]) == ("data.corrects", "grade_of_round")
    early = correct(api, round_id, "b1", first, on=D1)
    assert early.status_code == 422 and early.get_json()["errors"][0]["rule"] == "not_before_grade"
    same = correct(api, round_id, "b1", first, grade="lagging")
    assert same.status_code == 409 and same.get_json()["errors"][0]["rule"] == "changed"
    overruled = correct(api, round_id, "b1", first, "committee_c1")
    assert overruled.status_code == 403
    error = overruled.get_json()["errors"][0]
    assert (error["field"], error["rule"]) == ("data.corrects", "separation_of_duties")
    fixed = event_id(correct(api, round_id, "b1", first), api)
    catch_up(api)
    base = f"/api/v1/grading-rounds/{round_id}/distribution"
    now = api.get(base, "office").get_json()
    assert now["grades"] == {"advanced": 0, "average": 1, "lagging": 0}
    before = api.get(f"{base}?as_of={D2.isoformat()}", "office").get_json()
    assert before["grades"] == {"advanced": 0, "average": 0, "lagging": 1}
    timeline = api.get(f"/api/v1/branches/{api.ids['b1']}/grading-timeline", "office")
    (entry,) = timeline.get_json()["rounds"]
    assert entry["grade"] == "average" and entry["corrected_by"] == fixed
    graded, correction = entry["grades"]
    assert graded["event_id"] == first and graded["corrected_by"] == [fixed]
    assert graded["grade"] == "lagging" and graded["standing_grade"] == "average"
    assert correction["corrects"] == first and correction["grader"] == "office"
    assert correction["reason"] == "录错了等次"
    history = api.get(f"/api/v1/grading-rounds/{round_id}/history", "office").get_json()
    (posted,) = [i for i in history["items"] if i["type"] == "GradeCorrected"]
    assert posted["actor"] == "office" and posted["data"]["corrects"] == first


def test_a_grade_is_amended_by_the_side_that_gave_it_or_the_office(api: Api) -> None:
    """001 §二1: 上级党组织…进行分类定级 — the grade is the grader's record: the committee
    that gave it may correct or withdraw it, the campaign office may put any grade right,
    but a committee does not overrule the office's grade, and a branch never amends its own."""
    round_id = define_round(api)
    given = event_id(grade(api, round_id, "b1", "lagging", who="committee_c1"), api)
    assert correct(api, round_id, "b1", given, "integrator_b1").status_code == 403
    own = correct(api, round_id, "b1", given, "committee_c1")
    assert own.status_code == 201, own.get_json()
    by_office = on_round(api, round_id, "GradeWithdrawn", "b1", "office", occurred_on=D3,
                         withdraws=given, reason="复核后撤回")  # fmt: skip
    assert by_office.status_code == 201, by_office.get_json()
    office_grade = event_id(grade(api, round_id, "b1", "average"), api)
    withdrawn = on_round(api, round_id, "GradeWithdrawn", "b1", "committee_c1", occurred_on=D3,
                         withdraws=office_grade, reason="委员会不同意")  # fmt: skip
    assert withdrawn.status_code == 403
    error = withdrawn.get_json()["errors"][0]
    assert (error["field"], error["rule"]) == ("data.withdraws", "separation_of_duties")


def test_a_withdrawn_grade_leaves_the_organization_as_its_other_grades_make_it(api: Api) -> None:
    """A re-grade recorded by mistake is withdrawn: the grade before it stands again, from the
    withdrawal's date; withdrawing the only grade leaves the organization ungraded."""
    round_id = define_round(api)
    first = event_id(grade(api, round_id, "b1", "average"), api)
    again = event_id(on_round(api, round_id, "OrganizationRegraded", "b1", occurred_on=D3,
                              grade="advanced", criteria_met=[], evidence="复核",
                              reason="新材料"), api)  # fmt: skip
    withdraw = {"withdraws": again, "reason": "误录"}
    api.ok(on_round(api, round_id, "GradeWithdrawn", "b1", occurred_on=D4, **withdraw))
    twice = on_round(api, round_id, "GradeWithdrawn", "b1", occurred_on=D4, **withdraw)
    assert twice.status_code == 409 and twice.get_json()["errors"][0]["rule"] == "not_withdrawn"
    # A plan for an advanced organization is refused: it stands average again.
    plan = {"target_grade": "advanced", "targets": "t", "measures": "m",
            "responsible_person": "P000003", "deadline": TODAY.isoformat()}  # fmt: skip
    api.ok(on_round(api, round_id, "UpgradingPlanSet", "b1", occurred_on=D4, **plan))
    only = event_id(grade(api, round_id, "b2", "lagging"), api)
    api.ok(on_round(api, round_id, "GradeWithdrawn", "b2", occurred_on=D4, withdraws=only,
                    reason="不应定级"))  # fmt: skip
    catch_up(api)
    results = api.get(f"/api/v1/grading-rounds/{round_id}/results", "office").get_json()
    assert [i["branch_id"] for i in results["items"]] == [str(api.ids["b1"])]
    base = f"/api/v1/branches/{api.ids['b1']}/grading-timeline"
    on_d3 = api.get(f"{base}?as_of={D3.isoformat()}", "office").get_json()["rounds"][0]
    assert on_d3["grade"] == "advanced"
    now = api.get(base, "office").get_json()["rounds"][0]
    assert now["grade"] == "average"
    assert [g["withdrawn_by"] is not None for g in now["grades"][:2]] == [False, True]
    assert now["grades"][0]["event_id"] == first and now["grades"][2]["withdraws"] == again


def test_the_timeline_shows_grades_and_moves_over_rounds_as_known_at_a_time(api: Api) -> None:
    """001 §二3: 使每一个基层党组织在原有基础上都有新的提高，普遍实现晋位升级."""
    first = define_round(api, year=TODAY.year - 1, name="上年定级")
    second = define_round(api, name="本年定级")
    api.ok(grade(api, first, "b1", "lagging"))
    catch_up(api)
    before = datetime.now(UTC)
    api.ok(grade(api, second, "b1", "advanced", on=D3))
    catch_up(api)
    base = f"/api/v1/branches/{api.ids['b1']}/grading-timeline"
    rounds = api.get(base, "committee_c1").get_json()["rounds"]
    assert [(r["round_id"], r["grade"], r["movement"]) for r in rounds] == [
        (first, "lagging", None),
        (second, "advanced", "up"),
    ]
    then = api.get(f"{base}?known_at={quote(before.isoformat())}", "office").get_json()
    assert [r["grade"] for r in then["rounds"]] == ["lagging"]
    assert then["known_at"] is not None
    # Another committee's token does not see the branch at all.
    assert api.get(base, "integrator_c2").status_code == 404


def test_grading_results_and_the_lagging_list_download_as_excel(api: Api) -> None:
    """000 §五(二): 对软弱涣散的…党组织…晋位升级 — the lagging list goes out as a workbook."""
    round_id = define_round(api, name="年度定级")
    api.ok(grade(api, round_id, "b1", "lagging"))
    api.ok(grade(api, round_id, "b2", "advanced"))
    api.ok(on_round(api, round_id, "UpgradingPlanSet", "b1", occurred_on=D3,
                    target_grade="average", targets="配齐班子", measures="选派指导员",
                    responsible_person="P000007", deadline=D4.isoformat()))  # fmt: skip
    catch_up(api)
    results = api.get(f"/api/v1/grading-rounds/{round_id}/results.xlsx", "office")
    assert (
        results.status_code == 200 and "grading-results" in results.headers["Content-Disposition"]
    )
    book = load_workbook(BytesIO(results.data))
    summary, detail = book["汇总"], book["明细"]
    total = [row for row in summary.iter_rows(values_only=True) if row[0] == "合计 Total"]
    assert total == [("合计 Total", 2, 1, 0, 1)]
    names = [row[1] for row in detail.iter_rows(min_row=4, values_only=True)]
    assert len(names) == 2
    lagging = api.get(f"/api/v1/grading-rounds/{round_id}/upgrading.xlsx", "office")
    sheet = load_workbook(BytesIO(lagging.data)).active
    rows = list(sheet.iter_rows(min_row=4, values_only=True))
    assert len(rows) == 1 and rows[0][5] == "P000007" and rows[0][9] == "是"
    part = api.get(f"/api/v1/grading-rounds/{round_id}/upgrading.xlsx", "committee_c1")
    assert part.status_code == 403
