"""Query strings of the read endpoints: loaded like bodies, so bad values name their field."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, post_load, validate

from taizhang.api.schemas.event_fields import vocab_field
from taizhang.domain.vocabulary import (
    Formation,
    HostCategory,
    PhaseStatus,
    ProblemCategory,
    RectificationStatus,
)

MAX_LIMIT = 500
# Versions and log positions are stored as 64-bit integers; a larger one cannot name
# anything, and the database driver refuses to bind it.
MAX_INT64 = 2**63 - 1


def business_date(description: str) -> fields.Date:
    """A date views are judged on. Bounded: the views count days back from it (silent for
    30 days), which overflows near year 1, and no campaign lies outside these years."""
    return fields.Date(
        validate=validate.Range(min=date(1900, 1, 1), max=date(2999, 12, 31)),
        metadata={"description": description},
    )


class AwareDateTime(fields.DateTime):
    """An ISO date-time; without a zone it is taken as UTC. A bare date means its start."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> datetime:
        if isinstance(value, str) and len(value) == 10:
            value += "T00:00:00"
        found: datetime = super()._deserialize(value, attr, data, **kwargs)
        found = found if found.tzinfo else found.replace(tzinfo=UTC)
        try:
            # Knowledge times are compared in UTC; year 1 east of Greenwich has no UTC time.
            in_utc = found.astimezone(UTC)
        except OverflowError:
            raise ValidationError("the time has no UTC equivalent") from None
        if not datetime(1900, 1, 1, tzinfo=UTC) <= in_utc <= datetime(9999, 1, 1, tzinfo=UTC):
            raise ValidationError("must lie between 1900-01-01 and 9999-01-01 (UTC)")
        return found


class CommaList(fields.Field):
    """``a,b,c`` as a list of non-empty strings."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> list[str]:
        if not isinstance(value, str):
            raise ValidationError("a comma-separated list")
        items = [v.strip() for v in value.split(",") if v.strip()]
        if not items or len(items) > 100:
            raise ValidationError("name 1 to 100 values, separated by commas")
        return items


class Query(Schema):
    class Meta:
        unknown = RAISE

    # Read-your-writes is handled before the query is loaded; allowed on every read.
    min_position = fields.String(load_only=True)


def limit_field(default: int = 100) -> fields.Field:
    return fields.Integer(load_default=default, validate=validate.Range(min=1, max=MAX_LIMIT))


def known_at_field() -> fields.Field:
    return AwareDateTime(
        metadata={"description": "knowledge time: only what had been recorded by then"}
    )


class StateQuery(Query):
    version = fields.Integer(validate=validate.Range(min=1, max=MAX_INT64))
    known_at = known_at_field()

    @post_load
    def _one(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        if "version" in data and "known_at" in data:
            raise ValidationError("give version or known_at, not both", "known_at")
        return data


class HistoryQuery(Query):
    after = fields.Integer(
        validate=validate.Range(min=0, max=MAX_INT64),
        metadata={"description": "cursor: the last version seen"},
    )
    limit = limit_field()
    since = AwareDateTime(metadata={"description": "recorded at or after"})
    until = AwareDateTime(metadata={"description": "recorded before"})
    actor = fields.String(validate=validate.Length(min=1, max=200))
    types = CommaList(metadata={"description": "event types, comma-separated"})


class FeedQuery(Query):
    after = fields.Integer(
        load_default=0,
        validate=validate.Range(min=0, max=MAX_INT64),
        metadata={"description": "the last log position seen"},
    )
    limit = limit_field()
    types = CommaList(metadata={"description": "event types, comma-separated"})


class TimelineQuery(Query):
    after = fields.String(validate=validate.Length(min=1, max=500))
    limit = limit_field()
    since = AwareDateTime(metadata={"description": "recorded at or after"})
    until = AwareDateTime(metadata={"description": "recorded at or before"})
    actor = fields.String(validate=validate.Length(min=1, max=200))
    types = CommaList(metadata={"description": "event types, comma-separated"})


class ViewQuery(Query):
    """Filters supervisors use on the supervision views."""

    committee_id = fields.UUID()
    group_id = fields.UUID()
    category = vocab_field(HostCategory)
    formation = vocab_field(Formation)
    phase = fields.String(validate=validate.Length(min=1, max=63))
    status = vocab_field(PhaseStatus)
    overdue = fields.Boolean()
    as_of = business_date("business date: what had happened by then (default today)")
    known_at = known_at_field()
    after = fields.String(validate=validate.Length(min=1, max=500))
    limit = limit_field()


class ProblemQuery(Query):
    branch_id = fields.UUID()
    committee_id = fields.UUID()
    group_id = fields.UUID(metadata={"description": "the problems a supervision group covers"})
    as_of = business_date("business date: the problems as they stood then (default today)")
    known_at = known_at_field()
    branch_withdrawn = fields.Boolean(
        metadata={"description": "the problems of branches withdrawn from the campaign by then"}
    )
    category = vocab_field(ProblemCategory)
    status = vocab_field(RectificationStatus)
    overdue = fields.Boolean()
    after = fields.String(validate=validate.Length(min=1, max=500))
    limit = limit_field()


class SuggestionQuery(Query):
    branch_id = fields.UUID()
    committee_id = fields.UUID()
    group_id = fields.UUID(metadata={"description": "the items this supervision group made"})
    as_of = business_date("business date: the items as they stood then (default today)")
    known_at = known_at_field()
    status = fields.String(
        load_default="open",
        validate=validate.OneOf(("open", "closed", "all")),
        metadata={"description": "open (not yet closed by the committee), closed or all"},
    )
    referred = fields.Boolean(metadata={"description": "passed on to the campaign office (or not)"})
    after = fields.String(validate=validate.Length(min=1, max=500))
    limit = limit_field()


class RankingQuery(Query):
    as_of = business_date("business date: what had happened by then (default today)")
    known_at = known_at_field()
    group_id = fields.UUID(
        metadata={"description": "rank the committees this supervision group covers"}
    )


class MeQuery(Query):
    """``GET /me`` takes nothing but ``min_position``."""


__all__ = [
    "FeedQuery",
    "HistoryQuery",
    "MeQuery",
    "ProblemQuery",
    "RankingQuery",
    "StateQuery",
    "TimelineQuery",
    "ViewQuery",
]


class CheckpointsQuery(Query):
    """``GET /checkpoints`` takes no parameters."""


class InclusionQuery(Query):
    position = fields.Integer(
        required=True,
        validate=validate.Range(min=1, max=MAX_INT64),
        metadata={"description": "the log position a 201 answer named"},
    )


class ConsistencyQuery(Query):
    first = fields.Integer(
        required=True,
        validate=validate.Range(min=1, max=MAX_INT64),
        metadata={"description": "the earlier checkpoint's position"},
    )
    second = fields.Integer(
        required=True,
        validate=validate.Range(min=1, max=MAX_INT64),
        metadata={"description": "the later checkpoint's position"},
    )


class PartyLifeQuery(Query):
    """A branch's year of regular organizational life, as of a date and as known at a time."""

    year = fields.Integer(
        validate=validate.Range(min=1900, max=2999),
        metadata={"description": "the year of the duties (default the year of as_of)"},
    )
    as_of = business_date("business date: what had happened by then (default today)")
    known_at = known_at_field()
