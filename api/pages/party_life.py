"""The organizational-life page (组织生活): what is due this week and what is overdue, for
branches and committees alike, and the members short of their education days, with the
lists' Excel download. Each list shows a page (the API's ``limit``, default 100) with its
total and links to the next and previous pages; and the upper level's themes of the month
(the "1" of "1+6+X") with how each committee's branches followed them. It reads
``GET …/districts/{id}/party-life/due`` and ``…/party-life/themes`` for the signed-in token
(``taizhang.api.pages.bridge``): the whole district, or one of the token's committees."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import Response, g, request, url_for

from taizhang.api.pages.bridge import api_path, read, respond
from taizhang.api.pages.routes import _me, _page, bp, committee_query
from taizhang.api.schemas.party_life import LISTS
from taizhang.domain.party_life import ThemedDayPart

PARTS = {p.value: p.zh for p in ThemedDayPart}
# How many of the months not followed the page lists (worst branches first).
THEME_ROWS = 50
# The theme section's words (zh, en).
THEME_WORDS = {
    "themes": ("上级主题（“1+6+X”的“1”）", 'The upper level\'s themes (the "1" of "1+6+X")'),
    "themes_help": (
        "“1”即每次活动主题由上级党组织确定并统一时间（003 §二）。按统一时间开展，或另行开展并"
        "说明原因的，视为按主题开展；上级未发布主题的月份不计。",
        'The "1" is the theme the upper level sets with a unified date (003 §二). Held on '
        "that date, or on another with the reason recorded, counts as followed; months with "
        "no theme published are not counted.",
    ),
    "month": ("月份", "Month"),
    "theme": ("主题", "Theme"),
    "unified_on": ("统一时间", "Unified date"),
    "published_by": ("发布", "Published by"),
    "district": ("区", "District"),
    "revised": ("已调整", "revised"),
    "follow_rate": ("按主题开展率", "Follow rate"),
    "followed": ("按主题", "Followed"),
    "off_date": ("未按统一时间", "Off the date"),
    "not_followed": ("未按主题", "Not followed"),
    "missed": ("未开展", "Missed"),
    "no_theme": ("无主题", "No theme"),
    "not_followed_list": ("未按主题开展的月份", "Months not following the theme"),
    "held_on": ("开展日期", "Held on"),
    "reason": ("原因", "Reason"),
    "shown_of": ("显示前 {shown} 条，共 {total} 条", "first {shown} of {total}"),
}
# The API's paging of the lists, passed on as given.
PAGING = ("list", "after", "before", "limit")


def _query(me: dict[str, Any]) -> dict[str, Any]:
    """The dates and year, and the committee: the one asked for, else the district for a
    token that covers it, else the token's first committee."""
    query = committee_query(me)
    year = request.args.get("year", "").strip()
    if year:
        query["year"] = year
    return query


def _paging() -> dict[str, str]:
    """Which list to page, from which cursor, and how many a page (the API checks them)."""
    return {k: v for k in PAGING if (v := request.args.get(k, "").strip())}


def _links(campaign_id: UUID, query: dict[str, Any], view: dict[str, Any]) -> dict[str, Any]:
    """Each list's links to its next and previous pages, the other lists left at their
    first page."""
    links: dict[str, dict[str, str | None]] = {}
    for name in LISTS:
        found: dict[str, str | None] = {}
        for way, cursor in (("after", view["next"][name]), ("before", view["previous"][name])):
            found[way] = (
                url_for(
                    "pages.party_life",
                    campaign_id=campaign_id,
                    **query,
                    list=name,
                    limit=view["limit"],
                    **{way: cursor},
                )
                if cursor
                else None
            )
        links[name] = found
    return links


@bp.get("/campaigns/<uuid:campaign_id>/party-life")
def party_life(campaign_id: UUID) -> str:
    me = _me()
    district_id = UUID(me["district"]["district_id"])
    query = _query(me)
    themes = read("party_life.party_life_themes", query, district_id=district_id)
    paging = _paging()
    view = read("party_life.party_life_due", {**query, **paging}, district_id=district_id)
    return _page(
        "pages/party_life.html",
        campaign_id,
        me=me,
        view=view,
        themes=themes,
        lapses=lapses(themes),
        tw={k: zh if g.lang == "zh" else en for k, (zh, en) in THEME_WORDS.items()},
        links=_links(campaign_id, query, view),
        parts=PARTS,
        xlsx=url_for("pages.party_life_workbook", campaign_id=campaign_id, **query),
        api_url=api_path("party_life.party_life_due", query, district_id=district_id),
    )


def lapses(themes: dict[str, Any]) -> dict[str, Any]:
    """The branch-months that did not follow their theme (off the date, not followed,
    missed), worst branches first, the first ``THEME_ROWS`` of them."""
    found = [
        {"branch_id": b["branch_id"], "name": b["name"], **m}
        for b in themes["branches"]
        for m in b["months"]
        if m["status"] in ("off_date", "not_followed", "missed")
    ]
    return {"rows": found[:THEME_ROWS], "total": len(found)}


@bp.get("/campaigns/<uuid:campaign_id>/party-life/due.xlsx")
def party_life_workbook(campaign_id: UUID) -> Response:
    """The API's workbook of the lists, for a browser that holds a session."""
    me = _me()
    response = respond(
        "party_life.party_life_due_workbook",
        _query(me),
        district_id=UUID(me["district"]["district_id"]),
    )
    return Response(
        response.get_data(),
        mimetype=response.mimetype,
        headers={"Content-Disposition": response.headers["Content-Disposition"]},
    )
