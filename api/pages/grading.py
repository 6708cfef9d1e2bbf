"""The grading page (分类定级): a round's grades per committee, the lagging organizations
with their upgrading, and the Excel downloads; and an organization's grading timeline. They
read ``GET …/grading-rounds/{id}/distribution``, ``…/upgrading`` and
``…/branches/{id}/grading-timeline`` for the signed-in token (``taizhang.api.pages.bridge``)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import Response, request, url_for

from taizhang.api.pages.bridge import api_path, read, respond
from taizhang.api.pages.routes import _dates, _me, _page, bp, committee_query
from taizhang.domain.grading_criteria import Grade, UpgradingStatus

GRADES = tuple((g.value, g.zh, g.en) for g in Grade)
STATUSES = {"no_plan": ("未定措施", "No plan")} | {s.value: (s.zh, s.en) for s in UpgradingStatus}


def _round_id(rounds: list[dict[str, Any]]) -> UUID | None:
    """The round asked for if the district has it, else the latest."""
    asked = request.args.get("round_id", "").strip()
    known = [r["round_id"] for r in rounds]
    if asked in known:
        return UUID(asked)
    return UUID(known[0]) if known else None


@bp.get("/campaigns/<uuid:campaign_id>/grading")
def grading(campaign_id: UUID) -> str:
    me = _me()
    district_id = UUID(me["district"]["district_id"])
    query = committee_query(me)
    rounds = read("grading_results.grading_rounds", _dates(), district_id=district_id)["items"]
    round_id = _round_id(rounds)
    distribution = lagging = None
    links: dict[str, str] = {}
    if round_id is not None:
        distribution = read("grading.grade_distribution", query, round_id=round_id)
        lagging = read("grading.upgrading", query, round_id=round_id)
        for kind in ("results", "upgrading"):
            links[kind] = url_for(
                "pages.grading_workbook",
                campaign_id=campaign_id,
                round_id=round_id,
                kind=kind,
                **query,
            )
        links["api"] = api_path("grading.grade_distribution", query, round_id=round_id)
    return _page(
        "pages/grading.html",
        campaign_id,
        me=me,
        rounds=rounds,
        round_id=str(round_id) if round_id else None,
        distribution=distribution,
        lagging=lagging,
        grades=GRADES,
        statuses=STATUSES,
        links=links,
    )


@bp.get("/campaigns/<uuid:campaign_id>/grading/<uuid:round_id>/<any(results, upgrading):kind>.xlsx")
def grading_workbook(campaign_id: UUID, round_id: UUID, kind: str) -> Response:
    """The API's workbook (grading results or the lagging list), for a browser's session."""
    query = committee_query(_me())
    endpoint = (
        "grading_results.grade_results_workbook"
        if kind == "results"
        else "grading_results.upgrading_workbook"
    )
    response = respond(endpoint, query, round_id=round_id)
    return Response(
        response.get_data(),
        status=response.status_code,
        mimetype=response.mimetype,
        headers={"Content-Disposition": response.headers.get("Content-Disposition", "")},
    )


@bp.get("/campaigns/<uuid:campaign_id>/branches/<uuid:branch_id>/grading")
def grading_timeline(campaign_id: UUID, branch_id: UUID) -> str:
    query = _dates()
    timeline = read("grading_results.grading_timeline", query, branch_id=branch_id)
    return _page(
        "pages/grading_timeline.html",
        campaign_id,
        timeline=timeline,
        grades={value: (zh, en) for value, zh, en in GRADES},
        api_url=api_path("grading_results.grading_timeline", query, branch_id=branch_id),
    )
