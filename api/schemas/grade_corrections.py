"""Schemas of the posted corrections and withdrawals of grades (``taizhang.domain.grade_records``).

The grade is named by its event id (``corrects``, ``withdraws``) and its branch; who
corrected it is the token that posts it, and no field names them.
"""

from __future__ import annotations

from marshmallow import fields, validate

from taizhang.api.schemas.event_fields import Strict, id_field, text_field, vocab_field
from taizhang.api.schemas.queries import Query, business_date, known_at_field
from taizhang.domain.grading_criteria import Grade


class _OnBranch(Strict):
    round_id = id_field()
    branch_id = id_field()


class GradeCorrected(_OnBranch):
    corrects = id_field(metadata={"description": "the event id of the grade corrected"})
    grade = vocab_field(Grade, required=True)
    criteria_met = fields.List(
        fields.String(validate=validate.Length(min=1, max=63)),
        required=True,
        validate=validate.Length(max=50),
    )
    evidence = text_field()
    reason = text_field()


class GradeWithdrawn(_OnBranch):
    withdraws = id_field(metadata={"description": "the event id of the grade withdrawn"})
    reason = text_field()


CORRECTION_SCHEMAS = {"GradeCorrected": GradeCorrected, "GradeWithdrawn": GradeWithdrawn}


class GradingTimelineQuery(Query):
    """An organization's grading timeline: a business date and a knowledge time."""

    as_of = business_date("business date: the grades as they stood then (default today)")
    known_at = known_at_field()


class RoundsQuery(Query):
    as_of = business_date("business date: the rounds defined by then (default today)")
    known_at = known_at_field()
