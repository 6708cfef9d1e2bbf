"""The grading views (分类定级, 晋位升级): grade distribution, transitions between rounds, and
the lagging organizations with their upgrading; and the yearly review's summary (年度考核,
five-star branches, funds and venues). Each as of a business date (``as_of``) and as known
at a time (``known_at``), with the meanings they have on every other view.

A district's round (or review) is read whole by those who cover the district, and by
committee (``committee_id``) by those who cover the committee; a committee's round by those
who cover that committee.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import Blueprint, Response

from taizhang.api.problems import ApiProblem, error_item
from taizhang.api.reads import as_json, load_query
from taizhang.api.runtime import scope, wait_for_min_position
from taizhang.api.schemas.grading import GradingQuery, YearlyQuery
from taizhang.api.views import _views
from taizhang.domain.errors import NotFound
from taizhang.domain.grading import GradingRound
from taizhang.domain.yearly_review import YearlyReview

bp = Blueprint("grading", __name__, url_prefix="/api/v1")


def _readable(
    round_id: UUID, committee_id: UUID | None, kind: str = "grading_round"
) -> GradingRound | YearlyReview:
    """The round (or review), if the caller may read it (or a committee's part) as asked."""
    s = scope()
    found = s.aggregate(kind, round_id)
    if committee_id is not None:
        committee = s.committee(committee_id)
        if committee.district_id != found.district_id:
            raise NotFound("committee_id", "committee", committee_id)
    elif found.committee_id is None and not s.covers_district(found.district_id):
        raise ApiProblem(
            403,
            "your token covers part of the district: name your committee (committee_id)",
            slug="forbidden",
            errors=[
                error_item(
                    "committee_id",
                    "whole_district_required",
                    "a district's round is read whole by the office; name a committee",
                )
            ],
        )
    return found


def _query(round_id: UUID) -> tuple[dict[str, Any], Any]:
    query = load_query(GradingQuery)
    _readable(round_id, query.get("committee_id"))
    wait_for_min_position()
    return query, _views(query)


@bp.get("/grading-rounds/<uuid:round_id>/distribution")
def grade_distribution(round_id: UUID) -> Response:
    """How many organizations are advanced, average and lagging (先进、一般、后进) on as_of."""
    query, views = _query(round_id)
    return as_json(
        views.grade_distribution(
            round_id, as_of=query.get("as_of"), committee_id=query.get("committee_id")
        )
    )


@bp.get("/grading-rounds/<uuid:round_id>/transitions")
def grade_transitions(round_id: UUID) -> Response:
    """From from_round's grades to this round's: a matrix, and how many moved up, stayed and
    moved down (晋位升级)."""
    query, views = _query(round_id)
    from_round = query.get("from_round")
    if from_round is None:
        raise ApiProblem(
            422,
            "name the earlier round (from_round)",
            slug="validation",
            errors=[error_item("from_round", "required", "Missing data for required field.")],
        )
    earlier = _readable(from_round, query.get("committee_id"))
    if earlier.district_id != scope().grading_round(round_id).district_id:
        raise NotFound("from_round", "grading_round", from_round)
    return as_json(
        views.grade_transitions(
            from_round, round_id, as_of=query.get("as_of"), committee_id=query.get("committee_id")
        )
    )


@bp.get("/grading-rounds/<uuid:round_id>/upgrading")
def upgrading(round_id: UUID) -> Response:
    """The lagging (or other grades') organizations and where their upgrading stands."""
    query, views = _query(round_id)
    return as_json(
        views.upgrading(
            round_id,
            as_of=query.get("as_of"),
            committee_id=query.get("committee_id"),
            grades=tuple(query.get("grade") or ("lagging",)),
        )
    )


@bp.get("/yearly-reviews/<uuid:review_id>/summary")
def yearly_summary(review_id: UUID) -> Response:
    """Secretaries assessed, five-star branches, venues against the 六有, funds by kind and
    inspections of their use, in all and per committee, on as_of."""
    query = load_query(YearlyQuery)
    _readable(review_id, query.get("committee_id"), "yearly_review")
    wait_for_min_position()
    views = _views(query)
    return as_json(
        views.yearly_summary(
            review_id, as_of=query.get("as_of"), committee_id=query.get("committee_id")
        )
    )
