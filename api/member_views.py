"""The member-development pipeline (发展党员, seed 002; 推优, seed 004) of a branch or a
committee, as of a business date ``as_of`` and as known at ``known_at``, like every view.

A branch's side and its committee read the people by pseudonymous id; supervisors read the
counts alone (``people`` is left out): the people in the pipeline are named individuals.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from flask import Blueprint, Response

from api.reads import as_json, load_query
from api.runtime import credential, runtime, scope
from api.schemas.members import MemberPipelineQuery
from domain.business_day import business_today
from projections.fold.members import pipeline
from projections.member_views import members_state

bp = Blueprint("members", __name__, url_prefix="/api/v1")


def _pipeline(**where: UUID) -> Response:
    query = load_query(MemberPipelineQuery)
    day: date = query.get("as_of") or business_today()
    known_at = query.get("known_at")
    state, lock = members_state(runtime().ledger, known_at)
    with lock:
        body: dict[str, Any] = pipeline(
            state, day, with_people=credential().role != "supervisor", **where
        )
    body["known_at"] = known_at.isoformat() if known_at is not None else None
    if "people" in body:
        _names(body["people"])
    return as_json(body)


def _names(people: list[dict[str, Any]]) -> None:
    """Each person's name, when recorded and not erased; an erased person shows as erased
    (their key is gone: the name cannot be read)."""
    sealed = [
        (UUID(p["candidate_id"]), "name", p["sealed_name"]) for p in people if p["sealed_name"]
    ]
    names = runtime().personal_keys.unseal_many(sealed)
    for person in people:
        had_name = person.pop("sealed_name") is not None
        name = names.get(UUID(person["candidate_id"]))
        person["name"] = name
        person["erased"] = person["erased"] or (had_name and name is None)


@bp.get("/branches/<uuid:branch_id>/member-pipeline")
def branch_member_pipeline(branch_id: UUID) -> Response:
    """A branch's people at each step of member development, how long each has been there,
    and what is overdue (reports, assessments, approvals, probations) on ``as_of``."""
    scope().branch(branch_id)
    return _pipeline(branch_id=branch_id)


@bp.get("/committees/<uuid:committee_id>/member-pipeline")
def committee_member_pipeline(committee_id: UUID) -> Response:
    """The pipeline of the people who applied to the committee's branches."""
    scope().committee(committee_id)
    return _pipeline(committee_id=committee_id)
