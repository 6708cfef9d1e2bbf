"""The organizational-life page (组织生活): what is due this week and what is overdue, for
branches and committees alike, and the members short of their education days, with the
lists' Excel download. Each list shows a page (the API's ``limit``, default 100) with its
total and links to the next and previous pages. It reads
``GET …/districts/{id}/party-life/due`` for the signed-in token (``api.pages.bridge``): the
whole district, or one of the token's committees."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import Response, request, url_for

from api.pages.bridge import api_path, read, respond
from api.pages.routes import _me, _page, bp, committee_query
from api.schemas.party_life import LISTS
from domain.party_life import ThemedDayPart

PARTS = {p.value: p.zh for p in ThemedDayPart}
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
    paging = _paging()
    view = read("party_life.party_life_due", {**query, **paging}, district_id=district_id)
    return _page(
        "pages/party_life.html",
        campaign_id,
        me=me,
        view=view,
        links=_links(campaign_id, query, view),
        parts=PARTS,
        xlsx=url_for("pages.party_life_workbook", campaign_id=campaign_id, **query),
        api_url=api_path("party_life.party_life_due", query, district_id=district_id),
    )


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
