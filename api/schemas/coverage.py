"""Query strings of the coverage views and gap lists."""

from __future__ import annotations

from marshmallow import fields, validate

from taizhang.api.schemas.queries import Query, business_date, known_at_field
from taizhang.domain.coverage_rules import RULES


class CoverageQuery(Query):
    committee_id = fields.UUID(
        metadata={
            "description": "the organizations its committee answers for (territorial or industry)"
        }
    )
    as_of = business_date("business date: the register as it stood then (default today)")
    known_at = known_at_field()


class GapQuery(CoverageQuery):
    rule = fields.String(
        required=True,
        validate=validate.OneOf(sorted(RULES), error=f"one of: {', '.join(sorted(RULES))}"),
        metadata={"enum": sorted(RULES), "description": "the rule of the seeds the list is of"},
    )
