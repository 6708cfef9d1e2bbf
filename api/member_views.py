"""The member-development pipeline (发展党员, seed 002; 推优, seed 004) of a branch or a
committee, as of a business date ``as_of`` and as known at ``known_at``, like every view:
read from the projection's ``member_path`` rows, or from a replay of the log recorded by
``known_at`` (``taizhang.projections.report``).

A branch's side and its committee read the people by pseudonymous id; supervisors read the
counts alone (``people`` is left out): the people in the pipeline are named individuals.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import Blueprint, Response

from taizhang.api.reads import as_json, load_query
from taizhang.api.runtime import credential, runtime, scope, wait_for_min_position
from taizhang.api.schemas.members import DevelopmentPlanQuery, MemberPipelineQuery
from taizhang.api.views import XLSX, _views
from taizhang.domain.business_day import business_today
from taizhang.projections.member_export import overdue_workbook, pipeline_workbook

bp = Blueprint("members", __name__, url_prefix="/api/v1")


def pipeline_body(query: dict[str, Any], **where: UUID) -> dict[str, Any]:
    """The pipeline the query asks for, with names unsealed for the roles that read people."""
    wait_for_min_position()
    known_at = query.get("known_at")
    body: dict[str, Any] = _views(query).member_pipeline(
        as_of=query.get("as_of"), with_people=may_read_people(), **where
    )
    body["known_at"] = known_at.isoformat() if known_at is not None else None
    if "people" in body:
        unseal_names(body["people"])
    return body


def may_read_people() -> bool:
    return bool(credential().role != "supervisor")


def unseal_names(people: list[dict[str, Any]]) -> None:
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
    return as_json(pipeline_body(load_query(MemberPipelineQuery), branch_id=branch_id))


@bp.get("/committees/<uuid:committee_id>/member-pipeline")
def committee_member_pipeline(committee_id: UUID) -> Response:
    """The pipeline of the people who applied to the committee's branches."""
    scope().committee(committee_id)
    return as_json(pipeline_body(load_query(MemberPipelineQuery), committee_id=committee_id))


@bp.get("/candidates/<uuid:candidate_id>/steps")
def candidate_steps(candidate_id: UUID) -> Response:
    """A person's steps as recorded by ``as_of``, each with the corrections and withdrawal
    that name it and how it stands then; the corrections and withdrawals beside them."""
    scope().candidate(candidate_id)
    query = load_query(MemberPipelineQuery)
    wait_for_min_position()
    body = _views(query).member_steps(candidate_id, as_of=query.get("as_of"))
    known_at = query.get("known_at")
    body["known_at"] = known_at.isoformat() if known_at is not None else None
    return as_json(body)


@bp.get("/committees/<uuid:committee_id>/development-plan")
def committee_development_plan(committee_id: UUID) -> Response:
    """The committee's yearly plan for developing members (``year``, by default the year of
    ``as_of``) as it stood on ``as_of``, and the pipeline measured against it: counts, never
    people, so supervisors read it too."""
    scope().committee(committee_id)
    query = load_query(DevelopmentPlanQuery)
    wait_for_min_position()
    day = query.get("as_of") or business_today()
    body = _views(query).development_plan(committee_id, query.get("year", day.year), as_of=day)
    known_at = query.get("known_at")
    body["known_at"] = known_at.isoformat() if known_at is not None else None
    return as_json(body)


def _workbook(content: bytes, name: str) -> Response:
    return Response(
        content, mimetype=XLSX, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


@bp.get("/committees/<uuid:committee_id>/member-pipeline.xlsx")
def committee_member_pipeline_workbook(committee_id: UUID) -> Response:
    """The pipeline as an Excel workbook (发展党员台账): counts by stage and what is overdue;
    the people by pseudonymous id (names where the role may read them), never for
    supervisors."""
    scope().committee(committee_id)
    body = pipeline_body(load_query(MemberPipelineQuery), committee_id=committee_id)
    return _workbook(pipeline_workbook(body, title="发展党员工作台账"), "member-pipeline.xlsx")


@bp.get("/committees/<uuid:committee_id>/member-overdue.xlsx")
def committee_member_overdue_workbook(committee_id: UUID) -> Response:
    """The steps overdue on ``as_of`` as an Excel workbook (逾期事项清单): reports, assessments,
    approvals and probations, counted, and the people with any (as the pipeline shows them)."""
    scope().committee(committee_id)
    body = pipeline_body(load_query(MemberPipelineQuery), committee_id=committee_id)
    return _workbook(overdue_workbook(body, title="发展党员逾期事项清单"), "member-overdue.xlsx")
