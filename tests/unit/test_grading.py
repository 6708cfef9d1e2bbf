"""Grading rounds (分类定级) and upgrading (晋位升级): the domain's rules, from seed 001."""

from __future__ import annotations

from datetime import date
from uuid import uuid4

import pytest

from taizhang.domain.errors import InvalidValue, RuleViolation
from taizhang.domain.grading import GradingRound
from taizhang.domain.grading_criteria import FIVE_GOODS, CriterionDefinition, Grade, UpgradingStatus
from tests.unit.factories import prov, refused

START = date(2013, 3, 1)
TODAY = date(2014, 12, 1)
B = uuid4()
ALL_GOOD = [c.key for c in FIVE_GOODS]


def a_round(**overrides: object) -> GradingRound:
    values: dict[str, object] = dict(
        district_id=uuid4(),
        name="2013年度两新组织党组织分类定级",
        year=2013,
        starts_on=START,
        ends_on=date(2013, 12, 31),
        criteria=list(FIVE_GOODS),
        template_key="five_goods",
    )
    values.update(overrides)
    return GradingRound.define(prov(START), **values)  # type: ignore[arg-type]


def surveyed(branch=B) -> GradingRound:  # type: ignore[no-untyped-def]
    r = a_round()
    r.survey(
        prov(date(2013, 4, 1)), branch_id=branch, findings={"leadership": "班子不健全"}, today=TODAY
    )
    return r


def graded(grade: Grade) -> GradingRound:
    r = surveyed()
    r.grade(prov(date(2013, 5, 1)), branch_id=B, grade=grade, criteria_met=["members"],
            evidence="考评记录", today=TODAY)  # fmt: skip
    return r


def test_the_five_goods_are_the_template_criteria() -> None:
    """001 §二1: 按照“领导班子好、党员队伍好、工作机制好、工作业绩好、群众反映好”的标准，
    对所属基层党组织进行分类定级."""
    assert [c.name_zh for c in FIVE_GOODS] == [
        "领导班子好", "党员队伍好", "工作机制好", "工作业绩好", "群众反映好",
    ]  # fmt: skip
    assert [g.zh for g in Grade] == ["先进", "一般", "后进"]


def test_criteria_are_data_a_round_may_judge_by_its_own() -> None:
    own = [CriterionDefinition("service", "服务群众好", "Serves well", 1)]
    r = a_round(criteria=own, template_key="")
    assert [c.key for c in r.criteria] == ["service"]
    with refused(InvalidValue, "criteria", "unique_keys"):
        a_round(criteria=[own[0], own[0]])
    with refused(InvalidValue, "criteria", "required"):
        a_round(criteria=[])
    with refused(InvalidValue, "ends_on", "after_start"):
        a_round(ends_on=date(2013, 1, 1))


def test_an_organization_is_surveyed_before_it_is_graded() -> None:
    """001 §二1: 调查摸底，分类定级。…重点调查组织设置是否合理、领导班子是否健全、组织制度是否
    完善、经费场所保障是否落实、作用发挥是否充分…在此基础上，上级党组织要…进行分类定级."""
    r = a_round()
    with refused(RuleViolation, "branch_id", "surveyed_first"):
        r.grade(prov(date(2013, 5, 1)), branch_id=B, grade=Grade.ADVANCED,
                criteria_met=ALL_GOOD, evidence="x", today=TODAY)  # fmt: skip
    with refused(InvalidValue, "findings.weather", "known_survey_item"):
        r.survey(prov(date(2013, 4, 1)), branch_id=B, findings={"weather": "晴"}, today=TODAY)
    r.survey(
        prov(date(2013, 4, 1)), branch_id=B, findings={"funds_and_venue": "无场所"}, today=TODAY
    )
    r.grade(prov(date(2013, 5, 1)), branch_id=B, grade=Grade.LAGGING, criteria_met=[],
            evidence="五好均未达到", today=TODAY)  # fmt: skip
    assert r.grades[B] is Grade.LAGGING


def test_a_grade_names_only_the_rounds_criteria_and_is_given_once() -> None:
    r = surveyed()
    with refused(InvalidValue, "criteria_met", "known_criterion"):
        r.grade(prov(date(2013, 5, 1)), branch_id=B, grade=Grade.AVERAGE,
                criteria_met=["wealth"], evidence="x", today=TODAY)  # fmt: skip
    with refused(InvalidValue, "evidence", "required"):
        r.grade(prov(date(2013, 5, 1)), branch_id=B, grade=Grade.AVERAGE,
                criteria_met=[], evidence=" ", today=TODAY)  # fmt: skip
    with refused(InvalidValue, "grade", "known_value"):
        r.grade(prov(date(2013, 5, 1)), branch_id=B, grade="excellent",  # type: ignore[arg-type]
                criteria_met=[], evidence="x", today=TODAY)  # fmt: skip
    r.grade(prov(date(2013, 5, 1)), branch_id=B, grade=Grade.AVERAGE, criteria_met=[],
            evidence="x", today=TODAY)  # fmt: skip
    with refused(RuleViolation, "branch_id", "not_yet_graded"):
        r.grade(prov(date(2013, 5, 2)), branch_id=B, grade=Grade.ADVANCED,
                criteria_met=[], evidence="x", today=TODAY)  # fmt: skip


def test_dates_within_the_round_and_not_in_the_future() -> None:
    r = a_round()
    with refused(InvalidValue, "occurred_on", "not_before_round"):
        r.survey(prov(date(2013, 1, 1)), branch_id=B, findings={"leadership": "x"}, today=TODAY)
    with refused(InvalidValue, "occurred_on", "not_in_future"):
        r.survey(prov(date(2015, 1, 1)), branch_id=B, findings={"leadership": "x"}, today=TODAY)


def test_an_objection_is_answered_by_a_regrade() -> None:
    r = graded(Grade.LAGGING)
    r.object_to_grade(prov(date(2013, 5, 10)), branch_id=B, grounds="已配齐班子", today=TODAY)
    with refused(RuleViolation, "branch_id", "no_open_objection"):
        r.object_to_grade(prov(date(2013, 5, 11)), branch_id=B, grounds="再议", today=TODAY)
    with refused(InvalidValue, "occurred_on", "not_before_grade"):
        r.regrade(prov(date(2013, 4, 30)), branch_id=B, grade=Grade.AVERAGE, criteria_met=[],
                  evidence="复核", reason="异议成立", today=TODAY)  # fmt: skip
    r.regrade(prov(date(2013, 6, 1)), branch_id=B, grade=Grade.AVERAGE, criteria_met=["members"],
              evidence="复核", reason="异议成立", today=TODAY)  # fmt: skip
    assert r.grades[B] is Grade.AVERAGE and B not in r.objections
    with refused(RuleViolation, "branch_id", "graded"):
        r.object_to_grade(prov(date(2013, 6, 2)), branch_id=uuid4(), grounds="x", today=TODAY)


def plan(r: GradingRound, target: Grade = Grade.AVERAGE, person: str = "P000123") -> None:
    r.set_upgrading_plan(prov(date(2013, 6, 1)), branch_id=B, target_grade=target,
                         targets="配齐班子", measures="选派指导员", responsible_person=person,
                         deadline=date(2013, 11, 30), today=TODAY)  # fmt: skip


def test_average_and_lagging_organizations_set_targets_measures_and_a_responsible_person() -> None:
    """001 §二3: 整改提高，晋位升级。按照巩固先进、推动一般、整顿后进的要求，指导基层党组织明确
    改进提高的目标、责任和措施，认真抓好整改落实，使每一个基层党组织在原有基础上都有新的提高."""
    with refused(RuleViolation, "branch_id", "average_or_lagging"):
        plan(graded(Grade.ADVANCED), Grade.ADVANCED)
    r = graded(Grade.LAGGING)
    with refused(InvalidValue, "target_grade", "above_current_grade"):
        plan(r, Grade.LAGGING)
    with refused(InvalidValue, "responsible_person", "pseudonymous_id"):
        plan(r, person="张三")
    plan(r)
    assert r.plans[B].status is UpgradingStatus.PLANNED
    with refused(RuleViolation, "branch_id", "no_open_plan"):
        plan(r)


def test_upgrading_moves_like_a_rectification_and_is_overdue_past_its_deadline() -> None:
    """001 §二3: 认真抓好整改落实; §二4: 对基层组织建设工作进行考评."""
    r = graded(Grade.LAGGING)
    plan(r)
    assert r.upgrading_overdue(B, date(2013, 12, 1))
    assert not r.upgrading_overdue(B, date(2013, 11, 30))
    with refused(RuleViolation, "status", "from_done"):
        r.verify_upgrading(prov(date(2013, 7, 1)), branch_id=B, passed=True, today=TODAY)
    r.progress_upgrading(prov(date(2013, 7, 1)), branch_id=B, note="已选派", percent_done=50,
                         today=TODAY)  # fmt: skip
    with refused(InvalidValue, "occurred_on", "not_before_previous_step"):
        r.complete_upgrading(prov(date(2013, 6, 30)), branch_id=B, outcome="x", today=TODAY)
    r.complete_upgrading(prov(date(2013, 8, 1)), branch_id=B, outcome="班子配齐", today=TODAY)
    assert not r.upgrading_overdue(B, date(2013, 12, 1))
    r.verify_upgrading(prov(date(2013, 8, 2)), branch_id=B, passed=False, today=TODAY)
    assert r.plans[B].status is UpgradingStatus.IN_PROGRESS
    r.complete_upgrading(prov(date(2013, 8, 3)), branch_id=B, outcome="再整改", today=TODAY)
    r.verify_upgrading(prov(date(2013, 8, 4)), branch_id=B, passed=True, today=TODAY)
    assert r.plans[B].status is UpgradingStatus.VERIFIED


@pytest.mark.parametrize("year", [1999, 2101])
def test_a_round_has_a_plausible_year(year: int) -> None:
    with refused(InvalidValue, "year", "plausible_year"):
        a_round(year=year)
