"""Coverage of the two-new organizations (``taizhang.projections.coverage_views``): the rates every
committee is measured by, and the gap lists, as of a business date and as known at a time.

- ``GET /api/v1/districts/{district_id}/coverage``: the district's, by committee, place and
  industry (``?committee_id=`` for one committee's part);
- ``GET /api/v1/committees/{committee_id}/coverage``: a committee's own;
- ``GET /api/v1/districts/{district_id}/coverage/gaps?rule=``: the organizations breaking a
  rule of ``taizhang.domain.coverage_rules.RULES`` on the day (``gaps.xlsx``: as an Excel workbook).

A token covering the whole district reads the district; a committee's token reads its
committees (``committee_id``).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import Blueprint, Response

from taizhang.api.problems import ApiProblem, error_item
from taizhang.api.reads import as_json, load_query
from taizhang.api.runtime import scope, wait_for_min_position
from taizhang.api.schemas.coverage import CoverageQuery, GapQuery
from taizhang.api.views import XLSX, _views
from taizhang.domain.business_day import business_today
from taizhang.domain.errors import NotFound
from taizhang.projections.coverage_export import gap_workbook
from taizhang.projections.shared_views import Rendered

bp = Blueprint("coverage", __name__, url_prefix="/api/v1")


def _part(district_id: UUID, query: dict[str, Any]) -> str | None:
    """The committee the caller reads, or None for the whole district (if it may)."""
    scope().district(district_id)
    committee_id = query.get("committee_id")
    if committee_id is not None:
        committee = scope().committee(committee_id)
        if committee.district_id != district_id:
            raise NotFound("committee_id", "committee", committee_id)
        return str(committee.id)
    if not scope().covers_district(district_id):
        raise ApiProblem(
            403,
            "your token covers part of the district: name one of its committees "
            "(?committee_id=, or /committees/{committee_id}/coverage)",
            slug="forbidden",
            errors=[
                error_item(
                    "committee_id",
                    "whole_district_required",
                    "the district's coverage is read by a token that covers the whole district",
                )
            ],
        )
    return None


def _day(query: dict[str, Any]) -> str:
    return (query.get("as_of") or business_today()).isoformat()


def _answer(found: Rendered, query: dict[str, Any]) -> Response:
    """The shared view with the read's knowledge time beside it (a copy: the view is
    shared by every reader)."""
    known_at = query.get("known_at")
    return as_json({**found.value, "known_at": known_at.isoformat() if known_at else None})


@bp.get("/districts/<uuid:district_id>/coverage")
def district_coverage(district_id: UUID) -> Response:
    """Party and mass-organization coverage of the district's two-new organizations on a
    business date: organization and work coverage, should-build rates, standalone rate,
    members' share, against the seeds' targets; by committee, place and industry."""
    query = load_query(CoverageQuery)
    committee_id = _part(district_id, query)
    position = wait_for_min_position()
    found = _views(query).coverage(str(district_id), _day(query), committee_id, position)
    return _answer(found, query)


@bp.get("/committees/<uuid:committee_id>/coverage")
def committee_coverage(committee_id: UUID) -> Response:
    """Coverage of the organizations a committee answers for (territorial or industry)."""
    query = load_query(CoverageQuery)
    committee = scope().committee(committee_id)
    position = wait_for_min_position()
    found = _views(query).coverage(
        str(committee.district_id), _day(query), str(committee.id), position
    )
    return _answer(found, query)


@bp.get("/districts/<uuid:district_id>/coverage/gaps")
def coverage_gaps(district_id: UUID) -> Response:
    """The organizations breaking one rule of the seeds (``?rule=``) on a business date; the
    rule's seed and words come with the list."""
    query = load_query(GapQuery)
    rule = query["rule"]
    committee_id = _part(district_id, query)
    position = wait_for_min_position()
    found = _views(query).coverage_gaps(str(district_id), _day(query), rule, committee_id, position)
    return _answer(found, query)


@bp.get("/districts/<uuid:district_id>/coverage/gaps.xlsx")
def coverage_gaps_workbook(district_id: UUID) -> Response:
    """A gap list as an Excel workbook (缺口清单), one row per organization."""
    query = load_query(GapQuery)
    committee_id = _part(district_id, query)
    position = wait_for_min_position()
    found = _views(query).coverage_gaps(
        str(district_id), _day(query), query["rule"], committee_id, position
    )
    known_at = query.get("known_at")
    body = {**found.value, "known_at": known_at.isoformat() if known_at is not None else None}
    workbook = gap_workbook(body, title=f"两新组织缺口清单 {query['rule']}")
    return Response(
        workbook,
        mimetype=XLSX,
        headers={"Content-Disposition": f'attachment; filename="gaps-{query["rule"]}.xlsx"'},
    )
