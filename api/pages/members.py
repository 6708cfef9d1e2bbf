"""The member-development page (发展党员): a committee's pipeline (how many at each step and
for how long, what is overdue), its people where the token may read them (pseudonymous ids,
names only for the roles that may read them), the yearly plan measured, and the Excel
downloads. It reads ``GET …/committees/{id}/member-pipeline`` and ``…/development-plan`` for
the signed-in token (``taizhang.api.pages.bridge``): the committee asked for, else the token's
first."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import Response, request, url_for

from taizhang.api.pages.bridge import Refused, api_path, read, respond
from taizhang.api.pages.routes import _dates, _me, _page, bp
from taizhang.domain.member_vocabulary import Stage
from taizhang.projections.member_export import OVERDUE_NAMES

STAGE_NAMES = {s.value: s.zh for s in Stage}


def _committee(me: dict[str, Any]) -> UUID | None:
    """The committee asked for, else the token's first; an id that is not one is not found."""
    asked = request.args.get("committee_id", "").strip()
    if not asked:
        return UUID(me["committees"][0]["committee_id"]) if me["committees"] else None
    try:
        return UUID(asked)
    except ValueError:
        raise Refused(404, f"no committee {asked}") from None


@bp.get("/campaigns/<uuid:campaign_id>/members")
def members(campaign_id: UUID) -> str:
    me = _me()
    query: dict[str, Any] = dict(_dates())
    committee_id = _committee(me)
    view = plan = None
    links: dict[str, str] = {}
    if committee_id is not None:
        path = {"committee_id": committee_id}
        view = read("members.committee_member_pipeline", query, **path)
        plan = read("members.committee_development_plan", query, **path)
        links = {
            "pipeline": url_for(
                "pages.members_workbook", campaign_id=campaign_id, which="pipeline",
                committee_id=committee_id, **query,
            ),
            "overdue": url_for(
                "pages.members_workbook", campaign_id=campaign_id, which="overdue",
                committee_id=committee_id, **query,
            ),
            "api": api_path("members.committee_member_pipeline", query, **path),
        }  # fmt: skip
    return _page(
        "pages/members.html",
        campaign_id,
        me=me,
        view=view,
        plan=plan,
        links=links,
        committee_id=committee_id,
        stage_names=STAGE_NAMES,
        overdue_names=OVERDUE_NAMES,
    )


@bp.get("/campaigns/<uuid:campaign_id>/members/<any(pipeline, overdue):which>.xlsx")
def members_workbook(campaign_id: UUID, which: str) -> Response:
    """The API's workbook of the pipeline or of the steps overdue, for a signed-in browser."""
    me = _me()
    committee_id = _committee(me)
    if committee_id is None:
        raise Refused(404, "no committee")
    endpoint = (
        "members.committee_member_pipeline_workbook"
        if which == "pipeline"
        else "members.committee_member_overdue_workbook"
    )
    response = respond(endpoint, dict(_dates()), committee_id=committee_id)
    headers = {}
    if "Content-Disposition" in response.headers:
        headers["Content-Disposition"] = response.headers["Content-Disposition"]
    return Response(
        response.get_data(), status=response.status_code, mimetype=response.mimetype,
        headers=headers,
    )  # fmt: skip
