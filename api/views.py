"""Reading the projections: a branch's progress, supervision views, the committee ranking,
the problem ledger and a branch's timeline (``taizhang.projections.queries.Views``).

Every view read honours ``?min_position=`` / ``X-Min-Position`` (read-your-writes). Every
view, list and export has the same two times: ``as_of``, the business date (what had
happened by then; default today in Beijing), and ``known_at``, the knowledge time (what
had been recorded by then; default now), alone or together. A view known at a past time is
replayed from the log (``taizhang.projections.report.Replays``).

A token scoped to part of a district (some committees, branches or a supervision group) that
names no part reads its own part in the lists, the problem ledger and its workbook, and a
group's supervisor gets its group's committees in the ranking; ``GET /api/v1/me`` names them.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import Blueprint, Response, request

from taizhang.api.person_names import reveal_rows
from taizhang.api.problems import ApiProblem, error_item
from taizhang.api.reads import as_json, load_query
from taizhang.api.runtime import credential, runtime, scope, wait_for_min_position
from taizhang.api.schemas.queries import (
    ProblemQuery,
    RankingQuery,
    SuggestionQuery,
    TimelineQuery,
    ViewQuery,
)
from taizhang.domain.errors import NotFound
from taizhang.evidence import report_evidence
from taizhang.projections import export
from taizhang.projections.reach import Reach
from taizhang.projections.report import ReplayBusy
from taizhang.projections.shared_views import Rendered

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# A view known at a past time replays the log (about half a minute at a million events); a
# replay of another time waits this long for the one under way, then answers 503.
REPLAY_WAIT_SECONDS = 1.0
REPLAY_RETRY_AFTER_SECONDS = 30

bp = Blueprint("views", __name__, url_prefix="/api/v1")


def _whole_campaign(campaign_id: UUID) -> Any:
    """The campaign's home, when the caller may read across its whole district."""
    campaign = scope().campaign_home(campaign_id)
    if not scope().covers_district(campaign.district_id):
        raise ApiProblem(
            403,
            "your token covers part of the district, not the whole: GET /api/v1/me lists "
            "its committees and groups; read their views (/campaigns/{campaign_id}/"
            "committees/{committee_id}/supervision, /campaigns/{campaign_id}/"
            "supervision-groups/{group_id}/supervision)",
            slug="forbidden",
            errors=[
                error_item(
                    "Authorization",
                    "whole_district_required",
                    "this view covers the whole district; see GET /api/v1/me for your part",
                )
            ],
        )
    return campaign


def _views(query: dict[str, Any]) -> Any:
    """The views the query asks for: live, or as known at ``known_at``."""
    if "known_at" not in query:
        return runtime().views
    try:
        return runtime().replays.views(query["known_at"], wait=REPLAY_WAIT_SECONDS)
    except ReplayBusy as busy:
        raise ApiProblem(
            503,
            f"{busy}; views as known at a past time replay the log, one at a time",
            slug="report-busy",
            headers={"Retry-After": str(REPLAY_RETRY_AFTER_SECONDS)},
        ) from None


def _own_part(campaign_id: UUID) -> Reach | None:
    """What a caller who names no part of the campaign's district reads: the whole district
    (None) if its token covers it, else the part the token is scoped to."""
    campaign = scope().campaign_home(campaign_id)
    if scope().covers_district(campaign.district_id):
        return None
    cred = credential()
    return Reach(cred.committee_ids, cred.branch_ids, cred.group_id)


def _group_in(campaign_id: UUID, group_id: UUID) -> UUID:
    """A supervision group the caller may read, of the campaign's district."""
    campaign = scope().campaign_home(campaign_id)
    group = scope().supervision_group(group_id)
    if group.district_id != campaign.district_id:
        raise NotFound("group_id", "supervision_group", group_id)
    return group.id


def _rendered_json(rendered: Rendered) -> Response:
    """A cached view's JSON as encoded once for every reader; 304 to a reader who has it.
    The ETag is a digest of the body, so it changes exactly when the view does."""
    if rendered.etag in request.if_none_match:
        response = Response(status=304)
    else:
        response = Response(rendered.body, mimetype="application/json")
    response.set_etag(rendered.etag)
    return response


def _page(items: list[Any], cursor: str | None) -> Response:
    return as_json({"items": items, "next": cursor})


@bp.get("/campaigns/<uuid:campaign_id>/branches/<uuid:branch_id>/progress")
def branch_progress(campaign_id: UUID, branch_id: UUID) -> Response:
    """A branch's progress through the campaign's phases, with labels."""
    query = load_query(ViewQuery)
    scope().campaign_home(campaign_id)
    scope().branch(branch_id)
    wait_for_min_position()
    found = _views(query).branch_progress(campaign_id, branch_id, as_of=query.get("as_of"))
    if found is None:
        raise NotFound("branch_id", "branch_progress", branch_id)
    return as_json(found)


@bp.get("/campaigns/<uuid:campaign_id>/progress")
def list_progress(campaign_id: UUID) -> Response:
    """Branches' progress, filtered by committee or group, category, formation, phase,
    phase status and overdue; paginated with ``after``/``next``."""
    query = load_query(ViewQuery)
    filters: dict[str, Any] = {}
    if "committee_id" in query:
        scope().campaign_home(campaign_id)
        filters["committee_id"] = scope().committee(query["committee_id"]).id
    elif "group_id" in query:
        scope().campaign_home(campaign_id)
        filters["group_id"] = scope().supervision_group(query["group_id"]).id
    else:
        part = _own_part(campaign_id)
        if part is None:
            filters["district_id"] = scope().campaign_home(campaign_id).district_id
        else:
            filters["reach"] = part
    wait_for_min_position()
    items, cursor = _views(query).list_branch_progress(
        campaign_id,
        as_of=query.get("as_of"),
        category=query.get("category"),
        formation=query.get("formation"),
        phase_key=query.get("phase"),
        phase_status=query.get("status"),
        overdue=query.get("overdue"),
        after=query.get("after"),
        limit=query["limit"],
        **filters,
    )
    return _page(items, cursor)


def _supervision(campaign_id: UUID, kind: str, scope_id: UUID, *, weekly: bool = False) -> Response:
    """A supervision view of a part (district, committee, group), or its figures week by
    week (``weekly``), after the caller's right to read that part is checked."""
    query = load_query(ViewQuery)
    s = scope()
    s.campaign_home(campaign_id)
    if kind == "district":
        _whole_campaign(campaign_id)
        s.district(scope_id)
    elif kind == "committee":
        s.committee(scope_id)
    else:
        s.supervision_group(scope_id)
    min_position = wait_for_min_position()
    views = _views(query)
    read = views.weekly_done if weekly else views.supervision_rendered
    rendered = read(
        campaign_id,
        scope=kind,
        scope_id=scope_id,
        as_of=query.get("as_of"),
        category=query.get("category"),
        min_position=min_position if "known_at" not in query else None,
    )
    return _rendered_json(rendered)


@bp.get("/campaigns/<uuid:campaign_id>/districts/<uuid:district_id>/supervision")
def district_supervision(campaign_id: UUID, district_id: UUID) -> Response:
    """The district-wide supervision view: phases by status, problems, per committee."""
    return _supervision(campaign_id, "district", district_id)


@bp.get("/campaigns/<uuid:campaign_id>/committees/<uuid:committee_id>/supervision")
def committee_supervision(campaign_id: UUID, committee_id: UUID) -> Response:
    """A committee's supervision view of its branches."""
    return _supervision(campaign_id, "committee", committee_id)


@bp.get("/campaigns/<uuid:campaign_id>/supervision-groups/<uuid:group_id>/supervision")
def group_supervision(campaign_id: UUID, group_id: UUID) -> Response:
    """A supervision group's view of what it is assigned."""
    return _supervision(campaign_id, "group", group_id)


@bp.get("/campaigns/<uuid:campaign_id>/districts/<uuid:district_id>/weekly-progress")
def district_weekly(campaign_id: UUID, district_id: UUID) -> Response:
    """The district's campaign week by week: branches enrolled and each phase done, on the
    last day of each week up to ``as_of`` (the overview's line chart)."""
    return _supervision(campaign_id, "district", district_id, weekly=True)


@bp.get("/campaigns/<uuid:campaign_id>/committees/<uuid:committee_id>/weekly-progress")
def committee_weekly(campaign_id: UUID, committee_id: UUID) -> Response:
    """A committee's campaign week by week (as the district's)."""
    return _supervision(campaign_id, "committee", committee_id, weekly=True)


@bp.get("/campaigns/<uuid:campaign_id>/supervision-groups/<uuid:group_id>/weekly-progress")
def group_weekly(campaign_id: UUID, group_id: UUID) -> Response:
    """A supervision group's part of the campaign week by week (as the district's)."""
    return _supervision(campaign_id, "group", group_id, weekly=True)


@bp.get("/campaigns/<uuid:campaign_id>/districts/<uuid:district_id>/committee-ranking")
def committee_ranking(campaign_id: UUID, district_id: UUID) -> Response:
    """Committees ranked by their branches' progress."""
    query = load_query(RankingQuery)
    group_id = query.get("group_id")
    if group_id is None and _own_part(campaign_id) is not None:
        cred = credential()
        if cred.group_id is not None and not (cred.committee_ids or cred.branch_ids):
            group_id = cred.group_id  # a group's supervisor: the group's committees
    if group_id is not None:
        return _group_ranking(campaign_id, district_id, group_id, query)
    _whole_campaign(campaign_id)
    scope().district(district_id)
    min_position = wait_for_min_position()
    items = _views(query).committee_ranking(
        campaign_id,
        district_id,
        as_of=query.get("as_of"),
        min_position=min_position if "known_at" not in query else None,
    )
    return _page(items, None)


def _group_ranking(
    campaign_id: UUID, district_id: UUID, group_id: UUID, query: dict[str, Any]
) -> Response:
    """The committees a supervision group covers, ranked among themselves."""
    scope().district(district_id)
    group = _group_in(campaign_id, group_id)
    if scope().campaign_home(campaign_id).district_id != district_id:
        raise NotFound("district_id", "district", district_id)
    min_position = wait_for_min_position()
    view = _views(query).supervision_view(
        campaign_id,
        scope="group",
        scope_id=group,
        as_of=query.get("as_of"),
        min_position=min_position if "known_at" not in query else None,
    )
    return _page(sorted(view["committees"], key=lambda c: c["rank"]), None)


def _problem_filters(campaign_id: UUID, query: dict[str, Any]) -> dict[str, Any]:
    """The ledger's filters, each checked against what the caller may read."""
    filters: dict[str, Any] = {
        "category": query.get("category"),
        "status": query.get("status"),
        "overdue": query.get("overdue"),
        "branch_withdrawn": query.get("branch_withdrawn", False),
        "as_of": query.get("as_of"),
    }
    if "branch_id" in query:
        scope().campaign_home(campaign_id)
        filters["branch_id"] = scope().branch(query["branch_id"]).id
    elif "committee_id" in query:
        scope().campaign_home(campaign_id)
        filters["committee_id"] = scope().committee(query["committee_id"]).id
    elif "group_id" in query:
        filters["group_id"] = _group_in(campaign_id, query["group_id"])
    else:
        part = _own_part(campaign_id)
        if part is not None:
            filters["reach"] = part
    wait_for_min_position()
    return filters


@bp.get("/campaigns/<uuid:campaign_id>/problems")
def problem_ledger(campaign_id: UUID) -> Response:
    """The problem ledger: by branch or committee, category, status, overdue; paginated."""
    query = load_query(ProblemQuery)
    filters = _problem_filters(campaign_id, query)
    items, cursor = _views(query).problem_ledger(
        campaign_id, after=query.get("after"), limit=query["limit"], **filters
    )
    return _page(items, cursor)


@bp.get("/campaigns/<uuid:campaign_id>/suggestions")
def suggestions(campaign_id: UUID) -> Response:
    """Supervision visits' suggestions as items the committee answers and closes, each with
    its age; ``group_id`` for a group's own, ``referred=true`` for those passed on to the
    campaign office."""
    query = load_query(SuggestionQuery)
    filters: dict[str, Any] = {
        "status": query["status"],
        "referred": query.get("referred"),
        "as_of": query.get("as_of"),
    }
    home = scope().campaign_home(campaign_id)
    if "branch_id" in query:
        filters["branch_id"] = scope().branch(query["branch_id"]).id
    if "committee_id" in query:
        filters["committee_id"] = scope().committee(query["committee_id"]).id
    if "group_id" in query:
        filters["made_by"] = _group_in(home.id, query["group_id"])
    filters["reach"] = _own_part(campaign_id)
    wait_for_min_position()
    items, cursor = _views(query).suggestions(
        campaign_id, after=query.get("after"), limit=query["limit"], **filters
    )
    return _page(items, cursor)


def _stamp(position: int, content: Any) -> dict[str, Any]:
    """The evidence a report carries of the log it was built from (docs/EVIDENCE.md)."""
    return report_evidence.evidence(runtime().ledger.chain_store(), position, content)


@bp.get("/campaigns/<uuid:campaign_id>/problems.xlsx")
def problem_ledger_workbook(campaign_id: UUID) -> Response:
    """The problem ledger (问题清单台账) as an Excel workbook: every selected problem."""
    query = load_query(ProblemQuery)
    filters = _problem_filters(campaign_id, query)
    campaign = scope().campaign(campaign_id)
    try:
        workbook = export.problem_ledger_workbook(
            _views(query),
            campaign_id,
            title=f"{campaign.name} 问题清单台账",
            reveal=reveal_rows,
            stamp=_stamp,
            **filters,
        )
    except export.ReportMoving as moving:
        raise ApiProblem(
            503, str(moving), slug="report-busy", headers={"Retry-After": "1"}
        ) from None
    return Response(
        workbook,
        mimetype=XLSX,
        headers={"Content-Disposition": 'attachment; filename="problem-ledger.xlsx"'},
    )


@bp.get("/branches/<uuid:branch_id>/timeline")
def branch_timeline(branch_id: UUID) -> Response:
    """Everything recorded about a branch, across its work and problems, in log order."""
    query = load_query(TimelineQuery)
    scope().branch(branch_id)
    wait_for_min_position()
    items, cursor = runtime().views.branch_timeline(
        branch_id,
        since=query.get("since"),
        until=query.get("until"),
        actor=query.get("actor"),
        types=query.get("types"),
        after=query.get("after"),
        limit=query["limit"],
    )
    return _page(items, cursor)
