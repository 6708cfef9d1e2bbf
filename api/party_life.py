"""Reading regular organizational life (三会一课, themed party days, democratic life meetings,
evaluations, exchange visits, secretaries' reporting, members' education days): a branch's
year, a committee's and a district's roll-ups, the programme in force, and the lists of what
is due and overdue (JSON and Excel), each as of a date (``taizhang.projections.party_life``).

The views read the progress projection's ``party_life`` and ``life_programme`` tables; the
two times mean what they mean on every view: ``as_of``, the business date (what had
happened by then; default today in Beijing), and ``known_at``, the knowledge time (the
replay of the events recorded by then; default now). ``min_position`` reads one's writes.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from flask import Blueprint, Response

from taizhang.api.party_life_pages import paged
from taizhang.api.problems import ApiProblem, error_item
from taizhang.api.reads import as_json, load_query
from taizhang.api.runtime import scope, wait_for_min_position
from taizhang.api.schemas.party_life import PartyLifeListQuery, PartyLifeThemesQuery
from taizhang.api.schemas.queries import PartyLifeQuery
from taizhang.api.views import _views
from taizhang.domain.business_day import business_today
from taizhang.domain.errors import NotFound
from taizhang.domain.life_programme import COMMITTEE_SCOPE, DISTRICT_SCOPE
from taizhang.projections.party_life import compliance, empty_roll_up
from taizhang.projections.party_life_export import due_workbook

bp = Blueprint("party_life", __name__, url_prefix="/api/v1")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _query(schema: type = PartyLifeQuery) -> tuple[dict[str, Any], int, date, Any, int | None]:
    """The query, its year and day, the views it reads and its ``min_position`` (the
    cached views answer only if they reflect it)."""
    query = load_query(schema)
    as_of = query.get("as_of") or business_today()
    position = wait_for_min_position()
    return query, query.get("year") or as_of.year, as_of, _views(query), position


def _known(query: dict[str, Any]) -> str | None:
    known_at: datetime | None = query.get("known_at")
    return known_at.isoformat() if known_at is not None else None


def _header(year: int, as_of: date, query: dict[str, Any]) -> dict[str, Any]:
    return {"year": year, "as_of": as_of.isoformat(), "known_at": _known(query)}


def _whole_district(district_id: UUID) -> None:
    s = scope()
    s.district(district_id)
    if not s.covers_district(district_id):
        raise ApiProblem(
            403,
            "the district's view is read with a token of the whole district",
            slug="forbidden",
            errors=[error_item("district_id", "whole_district", "read a committee's view")],
        )


@bp.get("/branches/<uuid:branch_id>/party-life")
def branch_party_life(branch_id: UUID) -> Response:
    """A branch's year of organizational life: each duty's periods as of a date, under the
    programme then in force, and its members' education days."""
    scope().branch(branch_id)
    query, year, as_of, views, _ = _query()
    body = views.party_life_branch(branch_id, year, as_of)
    body["themes"] = views.branch_themes(branch_id, year, as_of)
    body["branch_id"] = str(branch_id)
    body["known_at"] = _known(query)
    return as_json(body)


@bp.get("/committees/<uuid:committee_id>/party-life")
def committee_party_life(committee_id: UUID) -> Response:
    """A committee's branches' organizational life: periods done, due and overdue, per
    duty, the compliance rate, and its branches, most overdue first; and the committee's
    own duties (exchange visits, secretaries' reporting)."""
    committee = scope().committee(committee_id)
    query, year, as_of, views, position = _query()
    rolled = views.party_life_roll_up(committee.district_id, year, as_of, position, committee_id)
    body = rolled.get(str(committee_id)) or empty_roll_up(str(committee_id))
    own = views.party_life_committee_own(committee_id, committee.district_id, year, as_of, position)
    return as_json({**_header(year, as_of, query), **body, "own": own})


@bp.get("/districts/<uuid:district_id>/party-life")
def district_party_life(district_id: UUID) -> Response:
    """The district's committees ranked by their branches' compliance with the duties of
    organizational life (done among the periods done or overdue), with the district's total."""
    _whole_district(district_id)
    query, year, as_of, views, position = _query()
    total = {"done": 0, "due": 0, "overdue": 0, "late": 0}
    ranked = []
    for entry in views.party_life_ranking(district_id, year, as_of, position):
        for key in total:
            total[key] += entry["counts"][key]
        ranked.append({**entry, "compliance": compliance(entry["counts"])})
    ranked.sort(key=lambda c: (-(c["compliance"] or 0.0), c["committee_id"]))
    return as_json(
        {
            **_header(year, as_of, query),
            "district_id": str(district_id),
            "counts": total,
            "compliance": compliance(total),
            "committees": ranked,
        }
    )


@bp.get("/districts/<uuid:district_id>/party-life/programme")
def district_programme(district_id: UUID) -> Response:
    """The district's programme for the year as in force on as_of, and its versions."""
    scope().district(district_id)
    _, year, as_of, views, _ = _query()
    return as_json(
        views.party_life_programme(DISTRICT_SCOPE, district_id, district_id, year, as_of)
    )


@bp.get("/committees/<uuid:committee_id>/party-life/programme")
def committee_programme(committee_id: UUID) -> Response:
    """The programme in force for the committee's branches on as_of (its own, else the
    district's, else the seeds'), and the committee's versions."""
    committee = scope().committee(committee_id)
    _, year, as_of, views, _ = _query()
    return as_json(
        views.party_life_programme(
            COMMITTEE_SCOPE, committee_id, committee.district_id, year, as_of
        )
    )


def _due(district_id: UUID) -> tuple[dict[str, Any], dict[str, Any]]:
    """The lists whole, for the district (whole-district tokens) or one committee's part,
    and the query."""
    query = load_query(PartyLifeListQuery)
    committee_id = query.get("committee_id")
    if committee_id is None:
        _whole_district(district_id)
    else:
        committee = scope().committee(committee_id)
        if committee.district_id != district_id:
            raise NotFound("committee_id", "committee", committee_id)
    _, year, as_of, views, position = _query(PartyLifeListQuery)
    return views.party_life_due(district_id, year, as_of, committee_id, position), query


@bp.get("/districts/<uuid:district_id>/party-life/themes")
def party_life_themes(district_id: UUID) -> Response:
    """The upper level's themes of the month standing on as_of (seed 003 §二 "1"), and
    each branch's months: followed (on the unified date, or with a reason), off date, not
    followed, missed, due, or no theme published; counts and follow rate per committee.
    The whole district, or with committee_id one committee's part."""
    query = load_query(PartyLifeThemesQuery)
    committee_id = query.get("committee_id")
    if committee_id is None:
        _whole_district(district_id)
    else:
        committee = scope().committee(committee_id)
        if committee.district_id != district_id:
            raise NotFound("committee_id", "committee", committee_id)
    _, year, as_of, views, position = _query(PartyLifeThemesQuery)
    return as_json(views.party_life_themes(district_id, year, as_of, committee_id, position))


@bp.get("/districts/<uuid:district_id>/party-life/due")
def party_life_due(district_id: UUID) -> Response:
    """What is due within the week from as_of and what is overdue on it, branch and
    committee duties alike, and the members short of their education days: each list a
    page of ``limit`` items, with its total and the cursors of the pages beside it
    (``next``, ``previous``; ``list`` names the list ``after`` or ``before`` pages, the
    others start at their first item)."""
    body, query = _due(district_id)
    return as_json(paged(body, query))


@bp.get("/districts/<uuid:district_id>/party-life/due.xlsx")
def party_life_due_workbook(district_id: UUID) -> Response:
    """The same lists, whole, as an Excel workbook, a sheet each."""
    body, _ = _due(district_id)
    name = f"party-life-{body['as_of']}.xlsx"
    return Response(
        due_workbook(body),
        mimetype=XLSX,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
