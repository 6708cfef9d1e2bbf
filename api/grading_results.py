"""The grading results and the lagging list as read and downloaded, the rounds of a
district, and an organization's grading timeline; each as of a business date (``as_of``)
and as known at a time (``known_at``).

- ``GET /api/v1/districts/{district_id}/grading-rounds``: the rounds defined by as_of;
- ``GET /api/v1/grading-rounds/{round_id}/results`` (``results.xlsx``): every graded
  organization with its grade, grader and date (分类定级结果);
- ``GET /api/v1/grading-rounds/{round_id}/upgrading.xlsx``: the lagging list (or the grades
  asked for) with the upgrading of each;
- ``GET /api/v1/branches/{branch_id}/grading-timeline``: an organization's grades and moves
  over the rounds, with the corrections and withdrawals of its grades, linked both ways.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import Blueprint, Response

from taizhang.api.grading_views import _query
from taizhang.api.reads import as_json, load_query
from taizhang.api.runtime import scope, wait_for_min_position
from taizhang.api.schemas.grade_corrections import GradingTimelineQuery, RoundsQuery
from taizhang.api.views import XLSX, _views
from taizhang.projections.grading_export import lagging_workbook, results_workbook

bp = Blueprint("grading_results", __name__, url_prefix="/api/v1")


def _workbook(content: bytes, filename: str) -> Response:
    return Response(
        content,
        mimetype=XLSX,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _known(body: dict[str, Any], query: dict[str, Any]) -> dict[str, Any]:
    known_at = query.get("known_at")
    body["known_at"] = known_at.isoformat() if known_at is not None else None
    return body


@bp.get("/districts/<uuid:district_id>/grading-rounds")
def grading_rounds(district_id: UUID) -> Response:
    """The district's grading rounds (its own and its committees'), the latest first."""
    query = load_query(RoundsQuery)
    scope().district(district_id)
    wait_for_min_position()
    return as_json(_views(query).grading_rounds(district_id, as_of=query.get("as_of")))


def _results(round_id: UUID) -> tuple[dict[str, Any], Any, dict[str, Any]]:
    query, views = _query(round_id)
    found = views.grade_results(
        round_id, as_of=query.get("as_of"), committee_id=query.get("committee_id")
    )
    return query, views, _known(found, query)


@bp.get("/grading-rounds/<uuid:round_id>/results")
def grade_results(round_id: UUID) -> Response:
    """Every organization graded in the round and its grade on as_of (分类定级结果)."""
    return as_json(_results(round_id)[2])


@bp.get("/grading-rounds/<uuid:round_id>/results.xlsx")
def grade_results_workbook(round_id: UUID) -> Response:
    """The grading results as an Excel workbook: the counts per committee, and each
    organization's grade."""
    query, views, found = _results(round_id)
    distribution = views.grade_distribution(
        round_id, as_of=query.get("as_of"), committee_id=query.get("committee_id")
    )
    title = f"分类定级结果 {found['round'].get('name', '')}"
    return _workbook(results_workbook(found, distribution, title), "grading-results.xlsx")


@bp.get("/grading-rounds/<uuid:round_id>/upgrading.xlsx")
def upgrading_workbook(round_id: UUID) -> Response:
    """The lagging organizations (or the grades asked for) and their upgrading (晋位升级),
    as an Excel workbook."""
    query, views = _query(round_id)
    found = views.upgrading(
        round_id,
        as_of=query.get("as_of"),
        committee_id=query.get("committee_id"),
        grades=tuple(query.get("grade") or ("lagging",)),
    )
    _known(found, query)
    return _workbook(lagging_workbook(found, "后进党组织晋位升级清单"), "upgrading.xlsx")


@bp.get("/branches/<uuid:branch_id>/grading-timeline")
def grading_timeline(branch_id: UUID) -> Response:
    """An organization's grades and moves over the rounds as of a date, with the
    corrections and withdrawals of its grades linked both ways."""
    query = load_query(GradingTimelineQuery)
    scope().branch(branch_id)
    wait_for_min_position()
    found = _views(query).grading_timeline(branch_id, as_of=query.get("as_of"))
    return as_json(found)
