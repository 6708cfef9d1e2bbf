"""The pages: sign in and out, the overviews, a branch, the problem ledger, the lists to chase.

Every figure on a page is read through ``taizhang.api.pages.bridge`` from the JSON API's view for
the signed-in token: the API's scope checks decide what a page may show.
"""

from __future__ import annotations

import functools
import hashlib
import re
from typing import Any
from uuid import UUID

import orjson
from flask import (
    Blueprint,
    Response,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from werkzeug.exceptions import BadRequest
from werkzeug.wrappers import Response as BaseResponse

from taizhang.api.auth import Credential
from taizhang.api.pages import charts
from taizhang.api.pages.bridge import Refused, api_path, read, tagged
from taizhang.api.pages.fragments import page_cache
from taizhang.api.pages.i18n import label, word, words
from taizhang.api.pages.session import (
    CSRF_FIELD,
    check_csrf,
    csrf_token,
    language,
    remember_language,
    sign_in,
    sign_in_account,
    sign_out,
    signed_in,
)

bp = Blueprint(
    "pages",
    __name__,
    url_prefix="/pages",
    template_folder="templates",
    static_folder="static",
)

_LOCAL_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$")
BEIJING_OFFSET = "+08:00"
# What a page sends its browser besides the body: private data, never cached or framed.
SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
}
OPEN_ENDPOINTS = ("pages.signin", "pages.static")


# -- every page ---------------------------------------------------------------------------------


@bp.before_request
def _signed_in() -> BaseResponse | None:
    g.lang = language()
    if request.endpoint in OPEN_ENDPOINTS:
        return None
    cred = signed_in()
    if cred is None:
        return redirect(url_for("pages.signin"))
    g.credential = cred
    if request.method == "POST":
        check_csrf(request)
    return None


@bp.after_request
def _headers(response: Response) -> Response:
    for key, value in SECURITY_HEADERS.items():
        if request.endpoint != "pages.static" or key != "Cache-Control":
            response.headers.setdefault(key, value)
    return remember_language(response)


@bp.app_context_processor
def _helpers() -> dict[str, Any]:
    lang = g.get("lang") or "zh"
    return {
        "lang": lang,
        "t": _words(lang),
        "label": lambda item, base: label(item, base, lang),
        "csrf_field": CSRF_FIELD,
        "csrf_token": csrf_token,
        "cred": g.get("credential"),
        "other_lang": "en" if lang == "zh" else "zh",
        "pct": _pct,
    }


@bp.errorhandler(Refused)
def _refused(error: Refused) -> tuple[str, int]:
    key = "not_found" if error.status in (403, 404) else "error"
    return render_template("pages/error.html", message=word(key, g.lang), detail=error), (
        error.status
    )


@bp.errorhandler(BadRequest)
def _bad_request(error: BadRequest) -> tuple[str, int]:
    return render_template("pages/error.html", message=word("error", g.lang), detail=error), 400


@functools.cache
def _words(lang: str) -> dict[str, str]:
    """The pages' words in a language, made once (templates only read them)."""
    return words(lang)


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


# -- signing in and out ---------------------------------------------------------------------


@bp.route("/signin", methods=["GET", "POST"])
def signin() -> Any:
    failed = False
    if request.method == "POST":
        check_csrf(request)
        if "login" in request.form:
            cred = sign_in_account(request.form.get("login", ""), request.form.get("password", ""))
        else:
            cred = sign_in(request.form.get("token", ""))
        if cred is not None:
            return redirect(url_for("landing"), code=303)
        failed = True
    elif signed_in() is not None:
        return redirect(url_for("landing"))
    status = 401 if failed else 200
    account = failed and "login" in request.form
    return render_template(
        "pages/signin.html", failed=failed and not account, account_failed=account
    ), status


@bp.post("/signout")
def signout() -> BaseResponse:
    sign_out()
    return redirect(url_for("pages.signin"), code=303)


def landing() -> BaseResponse:
    """``/``: the sign-in page, or the page of the signed-in token's role."""
    cred = signed_in()
    if cred is None:
        return redirect(url_for("pages.signin"))
    g.credential = cred
    g.lang = language()
    return redirect(_landing_url(cred))


def _landing_url(cred: Credential) -> str:
    me = read("me.me")
    if not me["campaigns"]:
        return url_for("pages.nothing")
    campaign = me["campaigns"][0]
    cid = campaign["campaign_id"]
    if cred.role == "admin" or cred.whole_district:
        return url_for("pages.district", campaign_id=cid, district_id=campaign["district_id"])
    if cred.group_id is not None:
        return url_for("pages.group", campaign_id=cid, group_id=cred.group_id)
    if cred.committee_ids and me["committees"]:
        first = me["committees"][0]["committee_id"]
        return url_for("pages.committee", campaign_id=cid, committee_id=first)
    if me["branches"]:
        first = me["branches"][0]["branch_id"]
        return url_for("pages.branch", campaign_id=cid, branch_id=first)
    return url_for("pages.nothing")


@bp.get("/nothing")
def nothing() -> str:
    return render_template("pages/error.html", message=word("nothing", g.lang), detail=None)


# -- the date form and the scope of a page -------------------------------------------------


def _dates() -> dict[str, str]:
    """``as_of`` and ``known_at`` as the API takes them; a time without an offset (the
    browser's date-time field) is Beijing time."""
    found: dict[str, str] = {}
    as_of = request.args.get("as_of", "").strip()
    if as_of:
        found["as_of"] = as_of
    known_at = request.args.get("known_at", "").strip()
    if known_at:
        if _LOCAL_TIME.match(known_at):
            known_at += (":00" if len(known_at) == 16 else "") + BEIJING_OFFSET
        found["known_at"] = known_at
    return found


def _form() -> dict[str, str]:
    """The page's own arguments, for the forms and the links that keep them."""
    return {k: v for k, v in request.args.items() if v and k != "lang"}


def _me() -> dict[str, Any]:
    me: dict[str, Any] = _directory()[0]
    return me


def _directory() -> tuple[dict[str, Any], str]:
    """``GET /api/v1/me`` of the signed-in token, read at most a second ago, and a tag of
    what pages show of it."""

    def load() -> tuple[Any, str]:
        me = orjson.loads(tagged("me.me")[0])
        # Tagged by what an overview shows of it (names of the district, its committees and
        # campaigns), not by the token it names: tokens of one scope share kept bodies.
        shown = orjson.dumps([me["district"], me["committees"], me["campaigns"]])
        return me, hashlib.blake2b(shown, digest_size=16).hexdigest()

    cred: Credential = g.credential
    return page_cache().directory(cred.id, load)


def _campaign(me: dict[str, Any], campaign_id: UUID) -> dict[str, Any]:
    for campaign in me["campaigns"]:
        if campaign["campaign_id"] == str(campaign_id):
            found: dict[str, Any] = campaign
            return found
    raise Refused(404, f"no campaign {campaign_id}")


def _vocabularies() -> dict[str, Any]:
    """The API's vocabularies (fixed in the code: read once per process)."""
    found: dict[str, Any] = page_cache().vocabularies(lambda: read("reads.vocabularies"))
    return found


def _part() -> dict[str, str]:
    """The part of the district a list is narrowed to: a committee or a group (the API
    checks the caller may read it)."""
    for key in ("committee_id", "group_id"):
        value = request.args.get(key, "").strip()
        if value:
            return {key: value}
    return {}


def _context(campaign_id: UUID, me: dict[str, Any]) -> dict[str, Any]:
    """What every page of a campaign shows around its own figures."""
    form = _form()
    return {
        "me": me,
        "campaign": _campaign(me, campaign_id),
        "committee_names": {c["committee_id"]: c["name"] for c in me["committees"]},
        "form": form,
        "dates_form": {k: v for k, v in form.items() if k in ("as_of", "known_at")},
    }


def _page(template: str, campaign_id: UUID, **context: Any) -> str:
    me = context.pop("me", None) or _me()
    return render_template(template, **_context(campaign_id, me), **context)


# -- overviews ------------------------------------------------------------------------------


def _overview(
    campaign_id: UUID, kind: str, endpoint: str, weekly_endpoint: str, **path: UUID
) -> str:
    """An overview: its body is rendered once for each state of the views it is drawn from
    and kept (``taizhang.api.pages.fragments``), since every supervisor reading the district between
    two changes of the views sees the same figures."""
    query = {**_dates(), "category": request.args.get("category", "")}
    view_body, view_tag = tagged(endpoint, query, campaign_id=campaign_id, **path)
    weekly_body, weekly_tag = tagged(weekly_endpoint, query, campaign_id=campaign_id, **path)
    me, me_tag = _directory()
    lang = g.lang
    key = (
        "overview",
        lang,
        request.path,
        tuple(sorted(_form().items())),
        view_tag,
        weekly_tag,
        me_tag,
    )
    api_url = api_path(endpoint, query, campaign_id=campaign_id, **path)

    def render() -> str:
        view = orjson.loads(view_body)
        chart_words = {s: word(s, lang) for s in charts.STATUSES}
        chart_words["chart_title"] = word("chart_title", lang)
        part = {"district": {}, "committee": path, "group": path}[kind]
        return render_template(
            "pages/overview_body.html",
            **_context(campaign_id, me),
            kind=kind,
            view=view,
            weekly=charts.weekly_lines(orjson.loads(weekly_body), lang, word("weekly_title", lang)),
            weekly_url=api_path(weekly_endpoint, query, campaign_id=campaign_id, **path),
            part={k: str(v) for k, v in part.items()},
            chart=charts.phase_bars(view.get("phases", []), lang, chart_words),
            rate=charts.rate_bar(
                view.get("standalone_rate"),
                view.get("standalone_rate_target") or 0.3,
                word("standalone_rate", lang),
            ),
            committees=sorted(view.get("committees", []), key=lambda c: c.get("rank") or 0),
            vocab=_vocabularies(),
        )

    body = page_cache().fragment(key, render)
    return _page("pages/overview.html", campaign_id, me=me, kind=kind, body=body, api_url=api_url)


@bp.get("/campaigns/<uuid:campaign_id>/districts/<uuid:district_id>")
def district(campaign_id: UUID, district_id: UUID) -> str:
    return _overview(
        campaign_id,
        "district",
        "views.district_supervision",
        "views.district_weekly",
        district_id=district_id,
    )


@bp.get("/campaigns/<uuid:campaign_id>/groups/<uuid:group_id>")
def group(campaign_id: UUID, group_id: UUID) -> str:
    return _overview(
        campaign_id, "group", "views.group_supervision", "views.group_weekly", group_id=group_id
    )


@bp.get("/campaigns/<uuid:campaign_id>/committees/<uuid:committee_id>")
def committee(campaign_id: UUID, committee_id: UUID) -> str:
    return _overview(
        campaign_id,
        "committee",
        "views.committee_supervision",
        "views.committee_weekly",
        committee_id=committee_id,
    )


# -- a branch -------------------------------------------------------------------------------


@bp.get("/campaigns/<uuid:campaign_id>/branches/<uuid:branch_id>")
def branch(campaign_id: UUID, branch_id: UUID) -> str:
    dates = _dates()
    progress = read("views.branch_progress", dates, campaign_id=campaign_id, branch_id=branch_id)
    problems = read(
        "views.problem_ledger",
        {**dates, "branch_id": branch_id, "limit": 500},
        campaign_id=campaign_id,
    )
    work = _branch_work(campaign_id, branch_id, dates)
    after = request.args.get("after", "")
    timeline = read("views.branch_timeline", {"after": after, "limit": 500}, branch_id=branch_id)
    return _page(
        "pages/branch.html",
        campaign_id,
        progress=progress,
        problems=problems["items"],
        timeline=timeline["items"],
        timeline_next=timeline["next"],
        vocab=_vocabularies(),
        service=_facts_of(work, SERVICE_FACTS),
        visits=_facts_of(work, VISIT_FACTS),
        api_url=api_path(
            "views.branch_progress", dates, campaign_id=campaign_id, branch_id=branch_id
        ),
        history_url=api_path("views.branch_timeline", {"limit": 500}, branch_id=branch_id),
    )


SERVICE_FACTS = ("VolunteerTeamSetUp", "ServiceCommitmentMade", "ServiceCommitmentFulfilled")
VISIT_FACTS = ("SupervisionVisitRecorded",)


def _branch_work(campaign_id: UUID, branch_id: UUID, dates: dict[str, str]) -> dict[str, Any]:
    """The branch's work in the campaign as it now stands; empty before it records any (the
    branch itself was read, in scope, just before)."""
    try:
        found: dict[str, Any] = read(
            "reads.get_branch_work",
            {"known_at": dates.get("known_at", "")},
            campaign_id=campaign_id,
            branch_id=branch_id,
        )
    except Refused as refused:
        if refused.status != 404:
            raise
        return {}
    return found


def _facts_of(state: dict[str, Any], types: tuple[str, ...]) -> list[dict[str, Any]]:
    """The facts of these types in a branch's work as they now stand (corrections applied,
    withdrawals gone), by business date."""
    found = [
        fact
        for value in state.values()
        if isinstance(value, list)
        for fact in value
        if isinstance(fact, dict) and fact.get("type") in types
    ]
    return sorted(found, key=lambda f: (f.get("occurred_on") or "", f.get("version") or 0))


def committee_query(me: dict[str, Any]) -> dict[str, Any]:
    """The dates, and the committee: the one asked for, else the district for a token that
    covers it, else the token's first committee."""
    query: dict[str, Any] = dict(_dates())
    committee_id = request.args.get("committee_id", "").strip()
    if not committee_id and not me["whole_district"] and me["committees"]:
        committee_id = me["committees"][0]["committee_id"]
    if committee_id:
        query["committee_id"] = committee_id
    return query
