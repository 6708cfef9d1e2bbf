"""The coverage page: the register's rates against the seeds' targets, each committee's, and
the gap lists with their Excel downloads. It reads ``GET …/districts/{id}/coverage`` for the
signed-in token (``taizhang.api.pages.bridge``): the whole district, or one of the token's
committees."""

from __future__ import annotations

from uuid import UUID

from flask import Response, request, url_for

from taizhang.api.pages.bridge import api_path, read, respond
from taizhang.api.pages.routes import _me, _page, bp, committee_query
from taizhang.domain.coverage_rules import RULES

# The rates the page shows, in order, with the words of the seeds.
RATES = (
    ("should_build_rate", "党组织应建尽建率", "Should-build rate (party)"),
    ("work_coverage_rate", "党的工作覆盖率", "Party work coverage"),
    ("organization_coverage_rate", "党的组织覆盖率", "Party organization coverage"),
    ("standalone_rate", "单独组建率", "Standalone rate"),
    ("mass_should_build_rate", "群团组织应建尽建率", "Should-build rate (mass organizations)"),
    ("members_coverage_50_rate", "50人以上有党员的比例", "50+ employees with members"),
)


@bp.get("/campaigns/<uuid:campaign_id>/coverage")
def coverage(campaign_id: UUID) -> str:
    me = _me()
    district_id = UUID(me["district"]["district_id"])
    query = committee_query(me)
    view = read("coverage.district_coverage", query, district_id=district_id)
    gaps = [
        {
            "rule": key,
            "seed": rule.seed,
            "quote": rule.quote,
            "count": view["total"]["gaps"].get(key, 0),
            "json": api_path(
                "coverage.coverage_gaps", {**query, "rule": key}, district_id=district_id
            ),
            "xlsx": url_for(
                "pages.coverage_gaps_workbook", campaign_id=campaign_id, rule=key, **query
            ),
        }
        for key, rule in RULES.items()
    ]
    return _page(
        "pages/coverage.html",
        campaign_id,
        me=me,
        view=view,
        rates=RATES,
        gaps=gaps,
        api_url=api_path("coverage.district_coverage", query, district_id=district_id),
    )


@bp.get("/campaigns/<uuid:campaign_id>/coverage/gaps.xlsx")
def coverage_gaps_workbook(campaign_id: UUID) -> Response:
    """The API's workbook of one gap list, for a browser that holds a session."""
    me = _me()
    query = {**committee_query(me), "rule": request.args.get("rule", "")}
    response = respond(
        "coverage.coverage_gaps_workbook", query, district_id=UUID(me["district"]["district_id"])
    )
    return Response(
        response.get_data(),
        mimetype=response.mimetype,
        headers={"Content-Disposition": response.headers["Content-Disposition"]},
    )
