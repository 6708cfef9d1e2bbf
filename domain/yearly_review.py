"""A yearly review (年度考核): secretaries' assessment and five-star branches, funds and
venues, per branch of a district (or of one committee) for one year.

Seed 003 §二: "每年开展一次述职评议考核…确定考核等次，考核结果与“五星支部”和市级标杆式党支部
创建挂钩"; §三: party-building funds as a management expense ("不超过职工年度工资薪金总额1%的
部分，可以据实在企业所得税前扣除"), dues returned in full ("党员缴纳的党费全额返还"), subsidies and
awards ("对创建为“五星支部”的给予×万元经费奖励"), and the "六有" venue standard ("有场所、有设施、
有标志、有党旗、有书报、有制度"); 000 §五(三): the office inspects the use of special funds
("财政专项经费使用管理情况的检查"). Who assessed, checked or inspected is the provenance's actor.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID, uuid4

from .base import LedgerAggregate
from .errors import require, require_value
from .provenance import Provenance
from .upgrading import PSEUDONYMOUS_ID, text_rule
from .vocabulary import Labelled

# 003 §三: 按照有场所、有设施、有标志、有党旗、有书报、有制度的“六有”标准.
SIX_HAVES: dict[str, str] = {
    "site": "有场所",
    "facilities": "有设施",
    "sign": "有标志",
    "flag": "有党旗",
    "books": "有书报",
    "rules": "有制度",
}
# 003 §三: 不超过职工年度工资薪金总额1%的部分，可以据实在企业所得税前扣除.
DEDUCTIBLE_SHARE = Decimal("0.01")
MAX_AMOUNT = Decimal("100000000")


class AssessmentResult(Labelled):
    """The grade of a secretary's yearly reporting and assessment (考核等次)."""

    EXCELLENT = ("excellent", "优秀", "Excellent")
    COMPETENT = ("competent", "称职", "Competent")
    BASICALLY_COMPETENT = ("basically_competent", "基本称职", "Basically competent")
    INCOMPETENT = ("incompetent", "不称职", "Not competent")


class FundKind(Labelled):
    DUES_RETURNED = ("dues_returned", "党费返还", "Party dues returned")
    MANAGEMENT_EXPENSE = ("management_expense", "纳入管理费列支", "Management expense")
    SUBSIDY = ("subsidy", "党建工作经费补助", "Subsidy")
    AWARD = ("award", "创建经费奖励", "Award")
    SPENT = ("spent", "经费支出", "Spent")


def deductible(amount: Decimal, wage_total: Decimal) -> Decimal:
    """The part of a management expense deductible before enterprise income tax."""
    return min(amount, (wage_total * DEDUCTIBLE_SHARE).quantize(Decimal("0.01")))


class YearlyReview(LedgerAggregate):
    class Opened(LedgerAggregate.Created):
        district_id: UUID
        committee_id: UUID | None
        year: int
        name: str

    class SecretaryAssessed(LedgerAggregate.Event):
        """003 §二 述职评议考核, with the five-star result it is tied to (0-5 stars)."""

        branch_id: UUID
        secretary: str
        result: AssessmentResult
        stars: int
        evidence: str

        def apply(self, review: YearlyReview) -> None:
            review.stars[self.branch_id] = self.stars

    class VenueChecked(LedgerAggregate.Event):
        """The 六有 checklist: which of the six the branch's venue has."""

        branch_id: UUID
        present: list[str]
        notes: str

    class FundsRecorded(LedgerAggregate.Event):
        branch_id: UUID
        kind: FundKind
        amount: Decimal
        purpose: str
        wage_total: Decimal | None

    class FundsInspected(LedgerAggregate.Event):
        """000 §五(三): the use of the funds inspected, with findings."""

        branch_id: UUID
        compliant: bool
        findings: str

    def __init__(
        self,
        provenance: Provenance,
        district_id: UUID,
        committee_id: UUID | None,
        year: int,
        name: str,
    ) -> None:
        self.district_id = district_id
        self.committee_id = committee_id
        self.year = year
        self.name = name
        self.stars: dict[UUID, int] = {}

    @classmethod
    def open(
        cls,
        provenance: Provenance,
        *,
        district_id: UUID,
        committee_id: UUID | None = None,
        year: int,
        name: str,
        id: UUID | None = None,
    ) -> YearlyReview:
        text_rule(name, "name")
        require_value(2000 <= year <= 2100, "year", "plausible_year", "year must be 2000-2100")
        return cls._create(
            cls.Opened,
            id=id or uuid4(),
            provenance=provenance,
            district_id=district_id,
            committee_id=committee_id,
            year=year,
            name=name,
        )

    def _dated(self, provenance: Provenance, today: date) -> None:
        require_value(
            provenance.occurred_on.year >= self.year,
            "occurred_on",
            "not_before_review_year",
            f"occurred_on {provenance.occurred_on} is before the review's year ({self.year})",
        )
        provenance.check_not_in_future(today)

    def assess_secretary(
        self,
        provenance: Provenance,
        *,
        branch_id: UUID,
        secretary: str,
        result: AssessmentResult,
        stars: int,
        evidence: str,
        today: date,
    ) -> None:
        self._dated(provenance, today)
        require(
            branch_id not in self.stars,
            "branch_id",
            "assessed_once",
            f"the branch's secretary is already assessed in {self.name!r}",
        )
        require_value(
            PSEUDONYMOUS_ID.fullmatch(secretary) is not None,
            "secretary",
            "pseudonymous_id",
            "name the secretary by pseudonymous id (e.g. P000123), never by name",
        )
        require_value(0 <= stars <= 5, "stars", "zero_to_five", "a branch has 0 to 5 stars")
        text_rule(evidence, "evidence")
        self.trigger_event(
            self.SecretaryAssessed,
            provenance=provenance,
            branch_id=branch_id,
            secretary=secretary,
            result=AssessmentResult.of(result, "result"),
            stars=stars,
            evidence=evidence,
        )

    def check_venue(
        self,
        provenance: Provenance,
        *,
        branch_id: UUID,
        present: list[str],
        notes: str = "",
        today: date,
    ) -> None:
        self._dated(provenance, today)
        for key in present:
            require_value(
                key in SIX_HAVES,
                "present",
                "known_item",
                f"the 六有 items: {', '.join(SIX_HAVES)}",
            )
        require_value(
            len(set(present)) == len(present), "present", "unique", "an item is named once"
        )
        text_rule(notes, "notes", required=False)
        self.trigger_event(
            self.VenueChecked,
            provenance=provenance,
            branch_id=branch_id,
            present=sorted(present),
            notes=notes,
        )

    def record_funds(
        self,
        provenance: Provenance,
        *,
        branch_id: UUID,
        kind: FundKind,
        amount: Decimal,
        purpose: str,
        wage_total: Decimal | None = None,
        today: date,
    ) -> None:
        self._dated(provenance, today)
        kind = FundKind.of(kind, "kind")
        require_value(
            Decimal(0) < amount <= MAX_AMOUNT, "amount", "positive", "an amount in yuan above 0"
        )
        text_rule(purpose, "purpose")
        if kind is FundKind.MANAGEMENT_EXPENSE:
            require_value(
                wage_total is not None and wage_total > 0,
                "wage_total",
                "required_for_management_expense",
                "003 §三: a management expense is judged against the year's total wages",
            )
        if kind is FundKind.AWARD:
            require(
                self.stars.get(branch_id) == 5,
                "branch_id",
                "five_star_branch",
                "003 §三: awards go to branches created five-star (对创建为“五星支部”的给予…奖励)",
            )
        self.trigger_event(
            self.FundsRecorded,
            provenance=provenance,
            branch_id=branch_id,
            kind=kind,
            amount=amount,
            purpose=purpose,
            wage_total=wage_total,
        )

    def inspect_funds(
        self,
        provenance: Provenance,
        *,
        branch_id: UUID,
        compliant: bool,
        findings: str,
        today: date,
    ) -> None:
        self._dated(provenance, today)
        text_rule(findings, "findings")
        self.trigger_event(
            self.FundsInspected,
            provenance=provenance,
            branch_id=branch_id,
            compliant=compliant,
            findings=findings,
        )
