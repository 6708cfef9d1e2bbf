"""Yearly reviews (年度考核): secretaries and five-star branches, funds and venues (seed 003)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import uuid4

from taizhang.domain.errors import InvalidValue, RuleViolation
from taizhang.domain.yearly_review import (
    SIX_HAVES,
    AssessmentResult,
    FundKind,
    YearlyReview,
    deductible,
)
from tests.unit.factories import prov, refused

TODAY = date(2015, 3, 1)
B = uuid4()


def review() -> YearlyReview:
    return YearlyReview.open(prov(date(2014, 12, 1)), district_id=uuid4(), year=2014,
                             name="2014年度述职评议考核")  # fmt: skip


def assess(r: YearlyReview, stars: int = 5, secretary: str = "P000123") -> None:
    r.assess_secretary(prov(date(2014, 12, 20)), branch_id=B, secretary=secretary,
                       result=AssessmentResult.EXCELLENT, stars=stars, evidence="述职报告",
                       today=TODAY)  # fmt: skip


def test_a_secretary_is_assessed_once_a_year_with_the_five_star_result() -> None:
    """003 §二: 每年开展一次述职评议考核…确定考核等次，考核结果与“五星支部”和市级标杆式党支部
    创建挂钩."""
    r = review()
    with refused(InvalidValue, "secretary", "pseudonymous_id"):
        assess(r, secretary="王书记")
    with refused(InvalidValue, "stars", "zero_to_five"):
        assess(r, stars=6)
    assess(r)
    assert r.stars[B] == 5
    with refused(RuleViolation, "branch_id", "assessed_once"):
        assess(r)
    with refused(InvalidValue, "occurred_on", "not_before_review_year"):
        r.check_venue(prov(date(2013, 12, 1)), branch_id=B, present=[], today=TODAY)


def test_the_venue_is_checked_against_the_six_haves() -> None:
    """003 §三: 按照有场所、有设施、有标志、有党旗、有书报、有制度的“六有”标准."""
    assert list(SIX_HAVES.values()) == ["有场所", "有设施", "有标志", "有党旗", "有书报", "有制度"]
    r = review()
    with refused(InvalidValue, "present", "known_item"):
        r.check_venue(prov(date(2014, 12, 2)), branch_id=B, present=["pool"], today=TODAY)
    r.check_venue(prov(date(2014, 12, 2)), branch_id=B, present=["site", "flag"], today=TODAY)


def test_funds_management_expense_is_deductible_up_to_one_percent_of_wages() -> None:
    """003 §三: 党建工作经费纳入企业管理费列支，不超过职工年度工资薪金总额1%的部分，可以据实在
    企业所得税前扣除; 非公有制经济组织和社会组织党员缴纳的党费全额返还，用于开展党的活动."""
    assert deductible(Decimal("5000"), Decimal("300000")) == Decimal("3000.00")
    assert deductible(Decimal("2000"), Decimal("300000")) == Decimal("2000")
    r = review()
    with refused(InvalidValue, "wage_total", "required_for_management_expense"):
        r.record_funds(prov(date(2014, 12, 3)), branch_id=B, kind=FundKind.MANAGEMENT_EXPENSE,
                       amount=Decimal("5000"), purpose="党建活动", today=TODAY)  # fmt: skip
    with refused(InvalidValue, "amount", "positive"):
        r.record_funds(prov(date(2014, 12, 3)), branch_id=B, kind=FundKind.DUES_RETURNED,
                       amount=Decimal("0"), purpose="返还", today=TODAY)  # fmt: skip
    r.record_funds(prov(date(2014, 12, 3)), branch_id=B, kind=FundKind.DUES_RETURNED,
                   amount=Decimal("1200"), purpose="党费全额返还", today=TODAY)  # fmt: skip


def test_an_award_goes_to_a_five_star_branch() -> None:
    """003 §三: 对创建为“五星支部”的给予×万元经费奖励."""
    r = review()
    award = dict(branch_id=B, kind=FundKind.AWARD, amount=Decimal("10000"), purpose="五星奖励",
                 today=TODAY)  # fmt: skip
    with refused(RuleViolation, "branch_id", "five_star_branch"):
        r.record_funds(prov(date(2014, 12, 21)), **award)  # type: ignore[arg-type]
    assess(r, stars=5)
    r.record_funds(prov(date(2014, 12, 21)), **award)  # type: ignore[arg-type]


def test_the_use_of_funds_is_inspected_with_findings() -> None:
    """000 §五(三): 区委实践办适时组织对…党建工作和财政专项经费使用管理情况的检查."""
    r = review()
    with refused(InvalidValue, "findings", "required"):
        r.inspect_funds(prov(date(2014, 12, 5)), branch_id=B, compliant=True, findings=" ",
                        today=TODAY)  # fmt: skip
    r.inspect_funds(prov(date(2014, 12, 5)), branch_id=B, compliant=False,
                    findings="经费用于非党建支出", today=TODAY)  # fmt: skip
