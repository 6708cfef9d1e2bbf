"""The demo district's yearly review of 2013 (年度考核): secretaries assessed with the five-star
result, venues against the 六有, funds and an inspection of their use, consistent with the
2013 grades (taizhang.demo.grading): advanced branches have their five or four stars and the
whole 六有, lagging ones few stars and a bare venue; five-star branches get the award.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from random import Random
from uuid import UUID

from taizhang.demo.data import DEMO_TODAY, OFFICE_ACTOR, OFFICE_SOURCE, PARTY_PORTAL, _between
from taizhang.demo.organizations import BranchState, DemoGenerator
from taizhang.domain.grading_criteria import Grade
from taizhang.domain.vocabulary import HostCategory
from taizhang.domain.yearly_review import SIX_HAVES, AssessmentResult, FundKind, YearlyReview

REVIEW_NAME = "番禺区两新组织党组织书记2013年度述职评议考核"
_ITEMS = list(SIX_HAVES)
# By grade: (stars drawn from, results drawn from, venue items drawn from).
_BY_GRADE = {
    Grade.ADVANCED: ((4, 5, 5), (AssessmentResult.EXCELLENT, AssessmentResult.COMPETENT), (6,)),
    Grade.AVERAGE: ((3, 3, 4), (AssessmentResult.COMPETENT,), (4, 5)),
    Grade.LAGGING: (
        (1, 2),
        (AssessmentResult.BASICALLY_COMPETENT, AssessmentResult.INCOMPETENT),
        (1, 2, 3),
    ),
}


def review_id_for(generator: DemoGenerator) -> UUID:
    return generator._id("yearly/2013")


class YearlyWriter:
    def __init__(self, generator: DemoGenerator, rng: Random) -> None:
        self.g = generator
        self.review = YearlyReview.open(
            generator.provenance(rng, date(2013, 12, 1), OFFICE_ACTOR),
            district_id=generator.summary.district_id,
            year=2013,
            name=REVIEW_NAME,
            id=review_id_for(generator),
        )
        self.inspected = 0

    def branch(self, state: BranchState, rng: Random, grade: Grade) -> None:
        review, branch = self.review, state.aggregate
        stars_from, results, items_from = _BY_GRADE[grade]
        stars = rng.choice(stars_from)
        organizer = state.committee.organizer
        assessed = _between(rng, date(2013, 12, 10), date(2014, 1, 20))
        review.assess_secretary(
            self.g.provenance(rng, assessed, organizer, PARTY_PORTAL),
            branch_id=branch.id,
            secretary=state.secretary,
            result=rng.choice(results),
            stars=stars,
            evidence="书记述职、党员群众测评、考核组评议",
            today=DEMO_TODAY,
        )
        secretary = f"书记 {state.secretary}"
        present = sorted(rng.sample(_ITEMS, rng.choice(items_from)))
        review.check_venue(
            self.g.provenance(
                rng, _between(rng, date(2013, 12, 5), date(2014, 1, 10)), secretary, state.source
            ),  # fmt: skip
            branch_id=branch.id,
            present=present,
            notes="" if len(present) == len(_ITEMS) else "与所在园区共用活动场所",
            today=DEMO_TODAY,
        )
        members = branch.full_members + branch.probationary_members
        review.record_funds(
            self.g.provenance(rng, date(2014, 1, 15), OFFICE_ACTOR, OFFICE_SOURCE),
            branch_id=branch.id,
            kind=FundKind.DUES_RETURNED,
            amount=Decimal(members * rng.choice((120, 180, 240))),
            purpose="党员党费全额返还，用于开展党的活动",
            today=DEMO_TODAY,
        )
        if branch.host_category is HostCategory.NON_PUBLIC_ENTERPRISE and rng.random() < 0.6:
            wages = Decimal(branch.employees * rng.choice((36_000, 48_000, 60_000)))
            share = Decimal(rng.choice(("0.004", "0.008", "0.012")))
            review.record_funds(
                self.g.provenance(rng, date(2013, 12, 31), secretary, state.source),
                branch_id=branch.id,
                kind=FundKind.MANAGEMENT_EXPENSE,
                amount=(wages * share).quantize(Decimal("1")),
                purpose="党建工作经费纳入企业管理费列支",
                wage_total=wages,
                today=DEMO_TODAY,
            )
        if stars == 5:
            review.record_funds(
                self.g.provenance(rng, date(2014, 2, 20), OFFICE_ACTOR, OFFICE_SOURCE),
                branch_id=branch.id,
                kind=FundKind.AWARD,
                amount=Decimal(10_000),
                purpose="2013年度“五星支部”创建经费奖励",
                today=DEMO_TODAY,
            )
        if self.inspected < 2 or rng.random() < 0.15:
            self.inspected += 1
            compliant = self.inspected > 1 and rng.random() < 0.9
            review.inspect_funds(
                self.g.provenance(
                    rng,
                    _between(rng, date(2014, 3, 3), date(2014, 3, 28)),
                    OFFICE_ACTOR,
                    OFFICE_SOURCE,
                ),  # fmt: skip
                branch_id=branch.id,
                compliant=compliant,
                findings="经费专款专用，台账清楚"
                if compliant
                else "部分经费用于非党建支出，限期整改",
                today=DEMO_TODAY,
            )
