"""Reading a branch's regular organizational life (三会一课, themed party days, democratic
life meetings, evaluations): each duty of a year, period by period, done, due, overdue or
upcoming (``projections.fold.party_life``).

The view is folded from the branch's own events in the store, so it needs no projection
and is never behind a write. The two times mean what they mean on every view: ``as_of``,
the business date (what had happened by then; default today in Beijing), and ``known_at``,
the knowledge time (only the events recorded by then; default now).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from flask import Blueprint, Response

from api.problems import ApiProblem, error_item
from api.reads import as_json, load_query
from api.runtime import runtime, scope, wait_for_min_position
from api.schemas.queries import PartyLifeQuery
from domain.business_day import business_today
from projections.party_life import (
    branch_year_live,
    branches_under,
    compliance,
    empty_roll_up,
    live_events,
    roll_up,
)

bp = Blueprint("party_life", __name__, url_prefix="/api/v1")


@bp.get("/branches/<uuid:branch_id>/party-life")
def branch_party_life(branch_id: UUID) -> Response:
    """A branch's year of organizational life: each duty's periods as of a date."""
    scope().branch(branch_id)
    year, as_of, known_at = _times()
    body = branch_year_live(runtime().ledger, branch_id, year, as_of, known_at)
    body["branch_id"] = str(branch_id)
    body["known_at"] = known_at.isoformat() if known_at is not None else None
    return as_json(body)


def _times() -> tuple[int, date, datetime | None]:
    query = load_query(PartyLifeQuery)
    as_of = query.get("as_of") or business_today()
    return query.get("year") or as_of.year, as_of, query.get("known_at")


def _district_branches(district_id: UUID) -> list[UUID]:
    """Every branch the district's register holds (``view_branch``); each one's own events
    then say where it stood on the date, as known at the time."""
    wait_for_min_position()
    rows = runtime().views.select(
        "SELECT branch_id FROM view_branch WHERE district_id = ? ORDER BY branch_id",
        (str(district_id),),
    )
    return [UUID(row["branch_id"]) for row in rows]


def _header(year: int, as_of: date, known_at: datetime | None) -> dict[str, Any]:
    return {
        "year": year,
        "as_of": as_of.isoformat(),
        "known_at": known_at.isoformat() if known_at is not None else None,
    }


@bp.get("/committees/<uuid:committee_id>/party-life")
def committee_party_life(committee_id: UUID) -> Response:
    """A committee's branches' organizational life: periods done, due and overdue, per
    duty, the compliance rate, and its branches, most overdue first."""
    committee = scope().committee(committee_id)
    year, as_of, known_at = _times()
    events_of = live_events(runtime().ledger, known_at)
    under = branches_under(events_of, _district_branches(committee.district_id), as_of)
    mine = {b: c for b, c in under.items() if c == committee_id}
    body = roll_up(events_of, mine, year, as_of).get(committee_id) or empty_roll_up(committee_id)
    return as_json({**_header(year, as_of, known_at), **body})


@bp.get("/districts/<uuid:district_id>/party-life")
def district_party_life(district_id: UUID) -> Response:
    """The district's committees ranked by their branches' compliance with the duties of
    organizational life (done among the periods done or overdue), with the district's total."""
    s = scope()
    s.district(district_id)
    if not s.covers_district(district_id):
        raise ApiProblem(
            403,
            "the district's ranking is read with a token of the whole district",
            slug="forbidden",
            errors=[error_item("district_id", "whole_district", "read a committee's view")],
        )
    year, as_of, known_at = _times()
    events_of = live_events(runtime().ledger, known_at)
    under = branches_under(events_of, _district_branches(district_id), as_of)
    committees = roll_up(events_of, under, year, as_of)
    total = {"done": 0, "due": 0, "overdue": 0, "late": 0}
    ranked = []
    for entry in committees.values():
        for key in total:
            total[key] += entry["counts"][key]
        ranked.append(
            {
                "committee_id": entry["committee_id"],
                "branches": len(entry["branches"]),
                "counts": entry["counts"],
                "compliance": entry["compliance"],
            }
        )
    ranked.sort(key=lambda c: (-(c["compliance"] or 0.0), c["committee_id"]))
    return as_json(
        {
            **_header(year, as_of, known_at),
            "district_id": str(district_id),
            "counts": total,
            "compliance": compliance(total),
            "committees": ranked,
        }
    )
