"""Schemas of the posted data of grading rounds (分类定级) and upgrading (晋位升级).

Shape, types, ranges and vocabularies only; the domain (``taizhang.domain.grading``) checks the
rules. Who graded or verified is the token that posts it: no field names the grader.
"""

from __future__ import annotations

from decimal import Decimal

from marshmallow import Schema, fields, validate

from taizhang.api.schemas.event_fields import (
    NAME,
    Strict,
    StrictInteger,
    bool_field,
    id_field,
    name_field,
    text_field,
    vocab_field,
)
from taizhang.api.schemas.grade_corrections import CORRECTION_SCHEMAS
from taizhang.api.schemas.queries import CommaList, Query, business_date, known_at_field
from taizhang.domain.grading_criteria import SURVEY_ITEMS, TEMPLATES, Grade
from taizhang.domain.yearly_review import SIX_HAVES, AssessmentResult, FundKind

_KEY = validate.Regexp(r"^[a-z][a-z0-9_]{0,62}$", error="lower snake_case")


class CriterionSchema(Strict):
    key = fields.String(required=True, validate=_KEY)
    name_zh = name_field()
    name_en = name_field()
    order = StrictInteger(required=True, validate=validate.Range(min=0, max=1000))


class GradingRoundDefined(Strict):
    """Criteria as data; without them, those of ``template_key`` (``five_goods``)."""

    district_id = id_field()
    committee_id = id_field(
        required=False,
        load_default=None,
        allow_none=True,
        metadata={"description": "a committee's own round; none: the district's"},
    )
    name = name_field()
    year = StrictInteger(required=True, validate=validate.Range(min=2000, max=2100))
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(required=True)
    criteria = fields.List(
        fields.Nested(CriterionSchema), load_default=list, validate=validate.Length(max=50)
    )
    template_key = fields.String(
        load_default="five_goods", validate=validate.OneOf(["", *TEMPLATES])
    )


class _OnBranch(Strict):
    round_id = id_field()
    branch_id = id_field()


class OrganizationSurveyed(_OnBranch):
    findings = fields.Dict(
        keys=fields.String(validate=validate.OneOf(list(SURVEY_ITEMS))),
        values=fields.String(validate=validate.Length(min=1, max=4000)),
        required=True,
        validate=validate.Length(min=1),
        metadata={"description": "findings by survey item: " + ", ".join(SURVEY_ITEMS)},
    )


_CRITERIA_MET = fields.List(
    fields.String(validate=validate.Length(min=1, max=63)),
    required=True,
    validate=validate.Length(max=50),
)


class OrganizationGraded(_OnBranch):
    grade = vocab_field(Grade, required=True)
    criteria_met = _CRITERIA_MET
    evidence = text_field()


class GradeObjected(_OnBranch):
    grounds = text_field()


class OrganizationRegraded(_OnBranch):
    grade = vocab_field(Grade, required=True)
    criteria_met = _CRITERIA_MET
    evidence = text_field()
    reason = text_field()


class UpgradingPlanSet(_OnBranch):
    target_grade = vocab_field(Grade, required=True)
    targets = text_field()
    measures = text_field()
    responsible_person = fields.String(
        required=True,
        validate=validate.Length(min=1, max=NAME),
        metadata={"description": "a pseudonymous id, e.g. P000123"},
    )
    deadline = fields.Date(required=True)


class UpgradingProgressed(_OnBranch):
    note = text_field(required=False)
    percent_done = StrictInteger(required=True, validate=validate.Range(min=0, max=100))


class UpgradingDone(_OnBranch):
    outcome = text_field()


class UpgradingVerified(_OnBranch):
    passed = bool_field()
    remarks = text_field(required=False)


class YearlyReviewOpened(Strict):
    district_id = id_field()
    committee_id = id_field(
        required=False,
        load_default=None,
        allow_none=True,
        metadata={"description": "a committee's own review; none: the district's"},
    )
    year = StrictInteger(required=True, validate=validate.Range(min=2000, max=2100))
    name = name_field()


class _InReview(Strict):
    review_id = id_field()
    branch_id = id_field()


class SecretaryAssessed(_InReview):
    secretary = fields.String(
        required=True,
        validate=validate.Length(min=1, max=NAME),
        metadata={"description": "a pseudonymous id, e.g. P000123"},
    )
    result = vocab_field(AssessmentResult, required=True)
    stars = StrictInteger(required=True, validate=validate.Range(min=0, max=5))
    evidence = text_field()


class VenueChecked(_InReview):
    present = fields.List(
        fields.String(validate=validate.OneOf(list(SIX_HAVES))),
        required=True,
        validate=validate.Length(max=6),
        metadata={"description": "which of the 六有 the venue has: " + ", ".join(SIX_HAVES)},
    )
    notes = text_field(required=False)


class FundsRecorded(_InReview):
    kind = vocab_field(FundKind, required=True)
    amount = fields.Decimal(
        required=True,
        places=None,
        allow_nan=False,
        validate=validate.Range(min=Decimal("0.01"), max=Decimal("100000000")),
        metadata={"description": "yuan"},
    )
    purpose = text_field()
    wage_total = fields.Decimal(
        load_default=None,
        allow_none=True,
        places=None,
        allow_nan=False,
        validate=validate.Range(min=Decimal("0.01"), max=Decimal("1000000000000")),
        metadata={"description": "the year's total wages (yuan): for a management expense"},
    )


class FundsInspected(_InReview):
    compliant = bool_field()
    findings = text_field()


GRADING_SCHEMAS: dict[str, type[Schema]] = {
    schema.__name__: schema
    for schema in (
        GradingRoundDefined,
        OrganizationSurveyed,
        OrganizationGraded,
        GradeObjected,
        OrganizationRegraded,
        UpgradingPlanSet,
        UpgradingProgressed,
        UpgradingDone,
        UpgradingVerified,
        YearlyReviewOpened,
        SecretaryAssessed,
        VenueChecked,
        FundsRecorded,
        FundsInspected,
    )
} | CORRECTION_SCHEMAS


class GradingQuery(Query):
    """The grading views' query: a business date, a knowledge time, a committee."""

    committee_id = fields.UUID(metadata={"description": "the branches of one committee on as_of"})
    as_of = business_date("business date: the grades as they stood then (default today)")
    known_at = known_at_field()
    from_round = fields.UUID(metadata={"description": "transitions: the earlier round"})
    grade = CommaList(
        validate=validate.ContainsOnly([g.value for g in Grade]),
        metadata={"description": "upgrading: the grades listed (default lagging)"},
    )


class YearlyQuery(Query):
    """The yearly review's query: a business date, a knowledge time, a committee."""

    committee_id = fields.UUID(metadata={"description": "the branches of one committee on as_of"})
    as_of = business_date("business date: the review as it stood then (default today)")
    known_at = known_at_field()
