"""Schemas of the posted data of organizational life beyond a branch's meetings: members'
collective education, a committee's own activities and the programmes of a year; and the
query of the due and overdue lists.

Shape, types, ranges and vocabularies only; the domain (``taizhang.domain.life_programme``,
``taizhang.domain.committee_life``, ``taizhang.domain.branch_life``) checks the rules and names
field and rule on refusal.
"""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from taizhang.api.schemas.event_fields import (
    Strict,
    StrictBoolean,
    StrictInteger,
    count_field,
    id_field,
    text_field,
    vocab_field,
)
from taizhang.api.schemas.queries import Query, business_date, known_at_field, limit_field
from taizhang.domain.branch_life import MAX_EDUCATION_DAYS, MAX_MEMBERS
from taizhang.domain.life_programme import (
    COMMITTEE_ACTIVITIES,
    EDUCATION_DAYS,
    MAX_DUTIES,
    MAX_GRACE_DAYS,
    MAX_TIMES,
)
from taizhang.domain.party_life import MAX_YEAR, MIN_YEAR, Cadence, LifeActivity, ThemedDayPart

_KEY = validate.Regexp(r"^[a-z][a-z0-9_]{0,62}$", error="lower snake_case")
_PSEUDONYM = validate.Regexp(r"^[A-Za-z]{1,4}[0-9]{1,12}$", error="a pseudonymous id, e.g. P000123")
_YEAR = validate.Range(min=MIN_YEAR, max=MAX_YEAR)


class EducationAttended(Strict):
    branch_id = id_field()
    members = fields.List(
        fields.String(validate=_PSEUDONYM),
        required=True,
        validate=validate.Length(min=1, max=MAX_MEMBERS),
        metadata={"description": "the members who took part, by pseudonymous id"},
    )
    days = StrictInteger(required=True, validate=validate.Range(min=1, max=MAX_EDUCATION_DAYS))
    topic = text_field()


class CommitteeActivityHeld(Strict):
    committee_id = id_field()
    activity = fields.String(
        required=True,
        validate=validate.OneOf(sorted(COMMITTEE_ACTIVITIES)),
        metadata={"enum": sorted(COMMITTEE_ACTIVITIES)},
    )
    topic = text_field()
    participants = count_field()
    branches_present = count_field(required=False)


class DutySchema(Strict):
    """One duty as data (``taizhang.domain.life_programme.duty_from_data``)."""

    key = fields.String(required=True, validate=_KEY)
    activity = vocab_field(LifeActivity, required=True)
    cadence = vocab_field(Cadence, required=True)
    owner = fields.String(validate=validate.OneOf(["branch", "committee"]))
    times = StrictInteger(validate=validate.Range(min=1, max=MAX_TIMES))
    required_parts = fields.List(vocab_field(ThemedDayPart), validate=validate.Length(max=6))
    grace_days = StrictInteger(validate=validate.Range(min=0, max=MAX_GRACE_DAYS))
    delay_allowed = StrictBoolean()
    seed = fields.String(validate=validate.Length(max=400))


class LifeProgrammeSet(Strict):
    """A version of a programme, in force from ``occurred_on``: the district's, or with
    ``committee_id`` a committee's."""

    district_id = id_field(required=False)
    committee_id = id_field(required=False)
    year = StrictInteger(required=True, validate=_YEAR)
    duties = fields.List(
        fields.Nested(DutySchema), required=True, validate=validate.Length(min=1, max=MAX_DUTIES)
    )
    education_days = StrictInteger(
        load_default=EDUCATION_DAYS, validate=validate.Range(min=0, max=366)
    )
    note = text_field(required=False)

    @validates_schema
    def _one_scope(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("district_id") is None and data.get("committee_id") is None:
            raise ValidationError("name the district or the committee", "district_id")


_MONTH = validate.Regexp(r"^[0-9]{4}-(0[1-9]|1[0-2])$", error="YYYY-MM, e.g. 2014-03")


class ThemePublished(Strict):
    """The theme of a month for the district's branches, or with ``committee_id`` for one
    committee's (seed 003 §二: "“1”即每次活动主题由上级党组织…确定并统一时间")."""

    district_id = id_field(required=False)
    committee_id = id_field(required=False)
    month = fields.String(required=True, validate=_MONTH, metadata={"example": "2014-03"})
    theme = text_field(max_length=200)
    unified_on = fields.Date(
        required=True, metadata={"description": "the unified date (统一时间), a day of the month"}
    )
    note = text_field(required=False)

    @validates_schema
    def _one_scope(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("district_id") is None and data.get("committee_id") is None:
            raise ValidationError("name the district or the committee", "district_id")


class ThemeRevised(Strict):
    theme_id = id_field()
    theme = text_field(max_length=200)
    unified_on = fields.Date(required=True)
    reason = text_field()


class ThemeWithdrawn(Strict):
    theme_id = id_field()
    reason = text_field()


# The lists of ``GET …/party-life/due``, each paged by its own cursor.
LISTS = ("due", "overdue", "education_short")


class PartyLifeThemesQuery(Query):
    """The district's themes and each branch's months: one grid, not paged."""

    year = fields.Integer(validate=_YEAR, metadata={"description": "default: as_of's year"})
    as_of = business_date("business date: what had happened by then (default today)")
    known_at = known_at_field()
    committee_id = fields.UUID(metadata={"description": "one committee's part of the district"})


class PartyLifeListQuery(PartyLifeThemesQuery):
    """The lists of what is due and overdue, each paged."""

    list = fields.String(
        validate=validate.OneOf(LISTS),
        metadata={"description": "the list `after` and `before` page (default overdue)"},
    )
    after = fields.String(
        validate=validate.Length(min=1, max=500),
        metadata={"description": "the list's items after this cursor (a `next` given)"},
    )
    before = fields.String(
        validate=validate.Length(min=1, max=500),
        metadata={"description": "the list's items before this cursor (a `previous` given)"},
    )
    limit = limit_field()

    @validates_schema
    def _one_way(self, data: dict[str, Any], **_: Any) -> None:
        if "after" in data and "before" in data:
            raise ValidationError("page after a cursor or before one, not both", "before")


PARTY_LIFE_SCHEMAS: dict[str, type[Schema]] = {
    schema.__name__: schema
    for schema in (
        EducationAttended,
        CommitteeActivityHeld,
        LifeProgrammeSet,
        ThemePublished,
        ThemeRevised,
        ThemeWithdrawn,
    )
}
