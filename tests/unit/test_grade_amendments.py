"""Grades corrected and withdrawn, and a joint organization's five units: the domain's rules.

Seed 001 §二1: "上级党组织…对所属基层党组织进行分类定级" — a grade is a record of the upper level,
put right by an event, never changed in place. Seed 003 §一: "联合党组织覆盖单位数不超过5个".
"""

from __future__ import annotations

from datetime import date
from uuid import uuid4

from taizhang.domain.errors import InvalidValue, RuleViolation
from taizhang.domain.grading import GradingRound
from taizhang.domain.grading_criteria import Grade
from taizhang.domain.vocabulary import CoverageMode, Formation
from tests.unit.factories import branch, prov, refused
from tests.unit.test_grading import TODAY, B, surveyed


def graded_twice() -> tuple[GradingRound, object, object]:
    r = surveyed()
    first, again = prov(date(2013, 5, 1)), prov(date(2013, 6, 1))
    r.grade(first, branch_id=B, grade=Grade.LAGGING, criteria_met=[], evidence="考评", today=TODAY)
    r.regrade(again, branch_id=B, grade=Grade.ADVANCED, criteria_met=["members"], evidence="复核",
              reason="新材料", today=TODAY)  # fmt: skip
    return r, first.event_id, again.event_id


def test_a_correction_of_the_latest_grade_changes_the_grade_an_earlier_one_does_not() -> None:
    r, first, again = graded_twice()
    r.correct_grade(prov(date(2013, 7, 1)), branch_id=B, corrects=first, grade=Grade.AVERAGE,
                    criteria_met=[], evidence="复核", reason="录错", today=TODAY)  # fmt: skip
    assert r.grades[B] is Grade.ADVANCED
    r.correct_grade(prov(date(2013, 7, 1)), branch_id=B, corrects=again, grade=Grade.AVERAGE,
                    criteria_met=["members"], evidence="复核", reason="录错",
                    today=TODAY)  # fmt: skip
    assert r.grades[B] is Grade.AVERAGE


def test_a_withdrawal_leaves_the_grade_before_and_then_none() -> None:
    r, first, again = graded_twice()
    r.withdraw_grade(prov(date(2013, 7, 1)), branch_id=B, withdraws=again, reason="误录",
                     today=TODAY)  # fmt: skip
    assert r.grades[B] is Grade.LAGGING and r.graded_on[B] == date(2013, 5, 1)
    with refused(RuleViolation, "withdraws", "not_withdrawn"):
        r.withdraw_grade(prov(date(2013, 7, 1)), branch_id=B, withdraws=again, reason="x",
                         today=TODAY)  # fmt: skip
    with refused(RuleViolation, "corrects", "not_withdrawn"):
        r.correct_grade(prov(date(2013, 7, 1)), branch_id=B, corrects=again, grade=Grade.AVERAGE,
                        criteria_met=[], evidence="e", reason="r", today=TODAY)  # fmt: skip
    r.withdraw_grade(prov(date(2013, 7, 2)), branch_id=B, withdraws=first, reason="误录",
                     today=TODAY)  # fmt: skip
    assert B not in r.grades
    with refused(RuleViolation, "branch_id", "graded"):
        r.object_to_grade(prov(date(2013, 7, 3)), branch_id=B, grounds="x", today=TODAY)


def test_an_amendment_names_a_grade_of_the_round_and_branch_dated_before_it() -> None:
    r, first, _ = graded_twice()
    with refused(RuleViolation, "corrects", "grade_of_round"):
        r.correct_grade(prov(date(2013, 7, 1)), branch_id=B, corrects=uuid4(), grade=Grade.AVERAGE,
                        criteria_met=[], evidence="e", reason="r", today=TODAY)  # fmt: skip
    with refused(RuleViolation, "branch_id", "same_branch"):
        r.withdraw_grade(prov(date(2013, 7, 1)), branch_id=uuid4(), withdraws=first, reason="r",
                         today=TODAY)  # fmt: skip
    with refused(InvalidValue, "occurred_on", "not_before_grade"):
        r.withdraw_grade(prov(date(2013, 4, 2)), branch_id=B, withdraws=first, reason="r",
                         today=TODAY)  # fmt: skip
    with refused(InvalidValue, "reason", "required"):
        r.withdraw_grade(prov(date(2013, 7, 1)), branch_id=B, withdraws=first, reason=" ",
                         today=TODAY)  # fmt: skip


def test_a_joint_organization_takes_five_units_and_refuses_a_sixth() -> None:
    """003 §一: 联合党组织覆盖单位数不超过5个."""
    b = branch(formation=Formation.JOINT)
    units = [uuid4() for _ in range(6)]
    for unit in units[:5]:
        b.link_host(prov(), unit, CoverageMode.JOINT)
    b.link_host(prov(), units[0], CoverageMode.JOINT)  # already so: nothing new
    assert b.joint_units() == 5 and len(b.collect_events()) == 6
    with refused(RuleViolation, "branch_id", "joint_at_most_5_units"):
        b.link_host(prov(), units[5], CoverageMode.JOINT)
    b.link_host(prov(), units[5], CoverageMode.AFFILIATED)  # not a unit of the joint one
    b.unlink_host(prov(), units[1], "转出")
    b.link_host(prov(), units[5], CoverageMode.JOINT)
    assert b.joint_units() == 5
