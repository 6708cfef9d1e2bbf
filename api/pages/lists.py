"""The pages that list: branches, the problem ledger (with its Excel download) and what
supervisors chase. Each reads the JSON API's list for the signed-in token
(``taizhang.api.pages.bridge``)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import Response, request, url_for

from taizhang.api.pages.bridge import api_path, clean, read, respond
from taizhang.api.pages.routes import _dates, _page, _part, _vocabularies, bp

PAGE_LIMIT = 100
# How many branches the silent and not-yet-reorganized lists look through (pages of 500).
SCAN_PAGES = 4
SCAN_LIMIT = 500
SHOWN_MAX = 200


# -- lists: branches, the problem ledger, what to chase ------------------------------------


_LEDGER_FILTERS = ("category", "status", "overdue")
_PROGRESS_FILTERS = ("category", "formation", "phase", "status", "overdue")


def _filtered(filters: tuple[str, ...]) -> dict[str, str]:
    """The dates, the part of the district and ``filters`` the page was asked for."""
    query = {**_dates(), **_part()}
    for key in filters:
        query[key] = request.args.get(key, "")
    return clean(query)


def _listing(
    endpoint: str, template: str, campaign_id: UUID, query: dict[str, str], **extra: Any
) -> str:
    """A page of one of the API's paginated lists, with the request it shows."""
    found = read(
        endpoint,
        {**query, "after": request.args.get("after", ""), "limit": PAGE_LIMIT},
        campaign_id=campaign_id,
    )
    return _page(
        template,
        campaign_id,
        items=found["items"],
        next_cursor=found["next"],
        vocab=_vocabularies(),
        api_url=api_path(endpoint, query, campaign_id=campaign_id),
        **extra,
    )


@bp.get("/campaigns/<uuid:campaign_id>/problems")
def ledger(campaign_id: UUID) -> str:
    query = _filtered(_LEDGER_FILTERS)
    workbook = url_for("pages.ledger_workbook", campaign_id=campaign_id, **query)
    return _listing(
        "views.problem_ledger", "pages/ledger.html", campaign_id, query, xlsx_url=workbook
    )


@bp.get("/campaigns/<uuid:campaign_id>/problems.xlsx")
def ledger_workbook(campaign_id: UUID) -> Response:
    """The API's workbook of the same selection, for a browser that holds a session."""
    query = _filtered(_LEDGER_FILTERS)
    response = respond("views.problem_ledger_workbook", query, campaign_id=campaign_id)
    return Response(
        response.get_data(),
        mimetype=response.mimetype,
        headers={"Content-Disposition": response.headers["Content-Disposition"]},
    )


@bp.get("/campaigns/<uuid:campaign_id>/branches")
def branches(campaign_id: UUID) -> str:
    query = _filtered(_PROGRESS_FILTERS)
    return _listing("views.list_progress", "pages/branches.html", campaign_id, query)


def _scan(campaign_id: UUID, query: dict[str, str], keep: Any) -> tuple[list[Any], bool]:
    """Branches of the progress list that ``keep`` selects, looked for in the first
    SCAN_PAGES pages; whether the list went on beyond them."""
    found: list[Any] = []
    after = ""
    for _ in range(SCAN_PAGES):
        page = read(
            "views.list_progress",
            {**query, "after": after, "limit": SCAN_LIMIT},
            campaign_id=campaign_id,
        )
        found.extend(item for item in page["items"] if keep(item))
        after = page["next"] or ""
        if not after:
            return found[:SHOWN_MAX], len(found) > SHOWN_MAX
    return found[:SHOWN_MAX], True


@bp.get("/campaigns/<uuid:campaign_id>/chase")
def chase(campaign_id: UUID) -> str:
    """What supervisors chase: overdue phases, overdue rectifications, silent branches and
    rectification targets not yet reorganized."""
    query = _filtered(_PROGRESS_FILTERS)
    query.pop("overdue", None)
    late = read(
        "views.list_progress",
        {**query, "overdue": "true", "limit": PAGE_LIMIT},
        campaign_id=campaign_id,
    )
    problem_query = clean({**_dates(), **_part(), "overdue": "true"})
    rectifications = read(
        "views.problem_ledger", {**problem_query, "limit": PAGE_LIMIT}, campaign_id=campaign_id
    )
    host = request.args.get("category", "")
    overdue_problems = [
        p for p in rectifications["items"] if not host or p.get("host_category") == host
    ]
    silent, silent_more = _scan(campaign_id, query, lambda item: item.get("silent"))
    pending, pending_more = _scan(
        campaign_id, query, lambda item: item.get("rectification_target") == "pending"
    )
    return _page(
        "pages/chase.html",
        campaign_id,
        late=late["items"],
        late_more=bool(late["next"]),
        overdue_problems=overdue_problems,
        problems_more=bool(rectifications["next"]),
        silent=silent,
        silent_more=silent_more,
        pending=pending,
        pending_more=pending_more,
        vocab=_vocabularies(),
        shown_max=SHOWN_MAX,
        page_limit=PAGE_LIMIT,
        xlsx_url=url_for("pages.ledger_workbook", campaign_id=campaign_id, **problem_query),
        api_url=api_path(
            "views.list_progress", {**query, "overdue": "true"}, campaign_id=campaign_id
        ),
    )
