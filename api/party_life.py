"""Reading a branch's regular organizational life (三会一课, themed party days, democratic
life meetings, evaluations): each duty of a year, period by period, done, due, overdue or
upcoming (``projections.fold.party_life``).

The view is folded from the branch's own events in the store, so it needs no projection
and is never behind a write. The two times mean what they mean on every view: ``as_of``,
the business date (what had happened by then; default today in Beijing), and ``known_at``,
the knowledge time (only the events recorded by then; default now).
"""

from __future__ import annotations

from uuid import UUID

from flask import Blueprint, Response

from api.reads import as_json, load_query
from api.runtime import runtime, scope
from api.schemas.queries import PartyLifeQuery
from domain.business_day import business_today
from projections.party_life import branch_year_live

bp = Blueprint("party_life", __name__, url_prefix="/api/v1")


@bp.get("/branches/<uuid:branch_id>/party-life")
def branch_party_life(branch_id: UUID) -> Response:
    """A branch's year of organizational life: each duty's periods as of a date."""
    query = load_query(PartyLifeQuery)
    scope().branch(branch_id)
    as_of = query.get("as_of") or business_today()
    year = query.get("year") or as_of.year
    known_at = query.get("known_at")
    body = branch_year_live(runtime().ledger, branch_id, year, as_of, known_at)
    body["branch_id"] = str(branch_id)
    body["known_at"] = known_at.isoformat() if known_at is not None else None
    return as_json(body)
