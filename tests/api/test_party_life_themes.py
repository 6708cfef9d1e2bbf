"""The upper level's theme of the month, the "1" of a themed party day's "1+6+X": published by
a committee (or the district's office) with its unified date, revised and withdrawn by
events; a branch's themed day follows it by naming its id; the views say per branch and
month whether it was followed. Both databases; roles, scope, refusals by field and rule, and
the two times of every view.

Seed 003 §二 (003_89519334301ad43f.txt): "“主题党日”活动按照“1+6+X”方式进行，“1”即每次活动主题
由上级党组织结合党内集中教育、中心工作、阶段性重点工作安排确定并统一时间".
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tests.api.conftest import Api, new_id
from tests.api.test_party_life import SIX, YEAR
from tests.api.test_party_life_programme import read, refusal, register


def themes_path(api: Api) -> str:
    return f"/api/v1/districts/{api.ids['district']}/party-life/themes"


def publish(
    api: Api, month: str, unified_on: str, who: str = "committee_c1", on: str = "", **data: Any
) -> Any:
    body = {"month": month, "theme": "学习贯彻党的群众路线", "unified_on": unified_on, **data}
    if "district" not in data:
        body.setdefault("committee_id", str(api.ids["c1"]))
    body.pop("district", None)
    return api.event(themes_path(api), "ThemePublished", body, who, occurred_on=on or f"{month}-01")


def themed_day(api: Api, branch: str, on: str, who: str = "admin", **data: Any) -> Any:
    body = {
        "activity": "themed_party_day",
        "topic": "主题党日",
        "participants": 8,
        "parts": SIX,
        **data,
    }
    path = f"/api/v1/branches/{branch}/party-life/events"
    return api.event(path, "LifeActivityHeld", body, who, occurred_on=on)


def months(api: Api, branch: str, **query: str) -> dict[str, dict[str, Any]]:
    body = read(api, f"/api/v1/branches/{branch}/party-life", **query)
    return {m["month"]: m for m in body["themes"]}


def test_a_themed_day_following_the_theme_on_its_unified_date_completes_the_one(
    api: Api,
) -> None:
    """003 §二 "“1”即每次活动主题由上级党组织…确定并统一时间": the committee publishes March's
    theme for 15 March; a branch holding its themed day that day naming the theme follows
    it; one holding it on another day with a reason follows it late; one with no reason is
    off the date; one naming no theme did not follow it; one with no themed day missed it."""
    on_date, late, no_reason, own, none = (register(api) for _ in range(5))
    theme = api.ok(publish(api, f"{YEAR}-03", f"{YEAR}-03-15"))["aggregate_id"]
    api.ok(themed_day(api, on_date, f"{YEAR}-03-15", theme_id=theme))
    api.ok(
        themed_day(api, late, f"{YEAR}-03-20", theme_id=theme, theme_reason="企业生产任务重，推迟")
    )
    api.ok(themed_day(api, no_reason, f"{YEAR}-03-18", theme_id=theme))
    api.ok(themed_day(api, own, f"{YEAR}-03-15"))
    seen = {
        b: months(api, b, as_of=f"{YEAR}-04-30")[f"{YEAR}-03"]
        for b in (on_date, late, no_reason, own, none)
    }
    assert seen[on_date]["status"] == "followed" and seen[on_date]["on_unified_date"] is True
    assert (seen[late]["status"], seen[late]["late"], seen[late]["reason"]) == (
        "followed",
        True,
        "企业生产任务重，推迟",
    )
    assert seen[no_reason]["status"] == "off_date"
    assert seen[own]["status"] == "not_followed"
    assert seen[none]["status"] == "missed"
    assert seen[on_date]["theme"] == "学习贯彻党的群众路线"
    # Before the month ended, the branch without a themed day still owed it.
    assert months(api, none, as_of=f"{YEAR}-03-20")[f"{YEAR}-03"]["status"] == "due"
    # The committee's grid counts them, and the follow rate is 2 of the 5 judged.
    grid = read(api, themes_path(api), committee_id=str(api.ids["c1"]), as_of=f"{YEAR}-04-30")
    (c1,) = grid["committees"]
    assert c1["counts"]["followed"] == 2 and c1["counts"]["missed"] >= 1
    assert [t["theme_id"] for t in grid["themes"]] == [theme]
    mine = {b["branch_id"]: b for b in grid["branches"]}
    assert mine[own]["months"][2]["status"] == "not_followed"


def test_no_theme_published_leaves_the_month_to_the_six(api: Api) -> None:
    """The "1" is the upper level's to set (003 §二 "由上级党组织…确定"): where none was
    published for the month, the branch is not judged on it (``no_theme``), and the month's
    themed day is done on its six parts alone."""
    branch = register(api)
    api.ok(themed_day(api, branch, f"{YEAR}-05-10"))
    body = read(api, f"/api/v1/branches/{branch}/party-life", as_of=f"{YEAR}-06-30")
    may = {m["month"]: m for m in body["themes"]}[f"{YEAR}-05"]
    assert may["status"] == "no_theme"
    (duty,) = [d for d in body["duties"] if d["duty"] == "themed_party_day"]
    assert [p["status"] for p in duty["periods"] if p["period"] == f"{YEAR}-05"] == ["done"]


def test_the_districts_theme_holds_where_the_committee_published_none(api: Api) -> None:
    """The office publishes a theme for the whole district; a branch of a committee without
    its own follows the district's."""
    branch = register(api, "c2")
    theme = api.ok(publish(api, f"{YEAR}-06", f"{YEAR}-06-28", who="office", district=True))[
        "aggregate_id"
    ]
    api.ok(themed_day(api, branch, f"{YEAR}-06-28", theme_id=theme))
    june = months(api, branch, as_of=f"{YEAR}-07-01")[f"{YEAR}-06"]
    assert (june["status"], june["theme_id"]) == ("followed", theme)


def test_a_revision_moves_the_unified_date_from_its_own_date_and_known_at_sees_before(
    api: Api,
) -> None:
    """A correction is an event: the committee moves April's unified date from the 10th to
    the 12th on 5 April; a themed day on the 12th is on the date from then on (as_of), and as
    known before the revision was recorded it was not (known_at)."""
    branch = register(api)
    theme = api.ok(publish(api, f"{YEAR}-04", f"{YEAR}-04-10"))["aggregate_id"]
    api.ok(themed_day(api, branch, f"{YEAR}-04-12", theme_id=theme))
    before = datetime.now(UTC).isoformat().replace("+00:00", "Z")
    revise = {"theme": "学习贯彻党的群众路线", "unified_on": f"{YEAR}-04-12", "reason": "避开清明"}
    path = f"/api/v1/party-life/themes/{theme}/events"
    api.ok(api.event(path, "ThemeRevised", revise, "committee_c1", occurred_on=f"{YEAR}-04-05"))
    april = f"{YEAR}-04"
    assert months(api, branch, as_of=f"{YEAR}-04-30")[april]["status"] == "followed"
    assert months(api, branch, as_of=f"{YEAR}-04-30", known_at=before)[april]["status"] == (
        "off_date"
    )
    # A withdrawal: from its date the month has no theme.
    api.ok(
        api.event(
            path, "ThemeWithdrawn", {"reason": "误发"}, "committee_c1", occurred_on=f"{YEAR}-05-02"
        )
    )
    assert months(api, branch, as_of=f"{YEAR}-05-03")[april]["status"] == "no_theme"
    assert months(api, branch, as_of=f"{YEAR}-05-01")[april]["status"] == "followed"
    state = api.get(f"/api/v1/party-life/themes/{theme}", "integrator_b1")
    assert state.status_code == 200, state.get_json()


def test_who_publishes_the_theme(api: Api) -> None:
    """Separation of duties: the upper level sets the theme (003 §二 "由上级党组织…确定"),
    never the branch's integrator (403); a committee publishes for its own branches only; a
    district's theme is the office's."""
    forbidden = publish(api, f"{YEAR}-03", f"{YEAR}-03-15", who="integrator_c1")
    assert refusal(forbidden) == (403, "type", "separation_of_duties")
    forbidden = publish(api, f"{YEAR}-03", f"{YEAR}-03-15", who="integrator_b1")
    assert forbidden.status_code == 403
    other = publish(api, f"{YEAR}-03", f"{YEAR}-03-15", committee_id=str(api.ids["c2"]))
    assert refusal(other) == (404, "committee_id", "exists")
    district = publish(api, f"{YEAR}-03", f"{YEAR}-03-15", district=True)
    assert refusal(district) == (403, "Authorization", "office_only")
    theme = api.ok(publish(api, f"{YEAR}-03", f"{YEAR}-03-15", who="office", district=True))
    path = f"/api/v1/party-life/themes/{theme['aggregate_id']}/events"
    withdraw = api.event(path, "ThemeWithdrawn", {"reason": "误发"}, "committee_c1")
    assert refusal(withdraw) == (403, "data.theme_id", "theme_owner")
    read_by_integrator = api.get(f"{themes_path(api)}?year={YEAR}", "integrator_b1")
    assert read_by_integrator.status_code == 403


def test_refusals_name_field_and_rule(api: Api) -> None:
    """Every input is hostile: the unified date is a day of the month; a month is published
    once (revise it); a themed day's theme must exist, be a theme, stand, and be its
    committee's or district's; and only a themed day names one."""
    branch, elsewhere = register(api), register(api, "c2")
    assert refusal(publish(api, f"{YEAR}-03", f"{YEAR}-04-01")) == (
        422,
        "data.unified_on",
        "within_month",
    )
    bad_month = publish(api, f"{YEAR}-13", f"{YEAR}-03-01", on=f"{YEAR}-03-01")
    assert refusal(bad_month)[1:] == ("data.month", "invalid")
    theme = api.ok(publish(api, f"{YEAR}-03", f"{YEAR}-03-15"))["aggregate_id"]
    assert refusal(publish(api, f"{YEAR}-03", f"{YEAR}-03-16")) == (
        409,
        "data.month",
        "published_once",
    )
    missing = themed_day(api, branch, f"{YEAR}-03-15", theme_id=new_id())
    assert refusal(missing) == (404, "theme_id", "exists")
    not_a_theme = themed_day(api, branch, f"{YEAR}-03-15", theme_id=str(api.ids["c1"]))
    assert refusal(not_a_theme)[:2] == (404, "theme_id")
    wrong_scope = themed_day(api, elsewhere, f"{YEAR}-03-15", theme_id=theme)
    assert refusal(wrong_scope) == (422, "data.theme_id", "theme_scope")
    early = themed_day(api, branch, f"{YEAR}-02-27", theme_id=theme)
    assert refusal(early) == (422, "data.theme_id", "theme_month")
    lecture = {"activity": "party_lecture", "topic": "党课", "participants": 5, "theme_id": theme}
    path = f"/api/v1/branches/{branch}/party-life/events"
    assert refusal(api.event(path, "LifeActivityHeld", lecture, occurred_on=f"{YEAR}-03-15"))[
        1:
    ] == ("data.parts", "themed_day_only")
    other_district = api.event(
        f"/api/v1/districts/{api.ids['other_district']}/party-life/themes",
        "ThemePublished",
        {"month": f"{YEAR}-03", "theme": "主题", "unified_on": f"{YEAR}-03-15"},
        "office_other",
        occurred_on=f"{YEAR}-03-01",
    )
    foreign = api.ok(other_district)["aggregate_id"]
    # Another district's theme is, to the branch's integrator, a theme that does not exist.
    b1 = str(api.ids["b1"])
    hidden = themed_day(api, b1, f"{YEAR}-03-15", "integrator_b1", theme_id=foreign)
    assert refusal(hidden) == (404, "theme_id", "exists")
    # The admin sees it, and the domain refuses it as another district's.
    assert refusal(themed_day(api, branch, f"{YEAR}-03-15", theme_id=foreign)) == (
        422,
        "data.theme_id",
        "theme_scope",
    )
    api.ok(
        api.event(
            f"/api/v1/party-life/themes/{theme}/events",
            "ThemeWithdrawn",
            {"reason": "误发"},
            "committee_c1",
            occurred_on=f"{YEAR}-03-02",
        )
    )
    assert refusal(themed_day(api, branch, f"{YEAR}-03-15", theme_id=theme)) == (
        409,
        "data.theme_id",
        "theme_in_force",
    )
    # Published again after the withdrawal.
    api.ok(publish(api, f"{YEAR}-03", f"{YEAR}-03-20"))


def test_the_grid_is_not_paged_and_says_so(api: Api) -> None:
    """Every input is hostile: a paging parameter the grid does not take is refused naming
    it, not silently ignored."""
    for parameter in ("limit=5", "after=abc", "list=overdue"):
        refused = api.get(f"{themes_path(api)}?{parameter}")
        assert refused.status_code == 422, refused.get_json()
        assert [e["field"] for e in refused.get_json()["errors"]] == [parameter.split("=")[0]]
    assert api.get(themes_path(api)).status_code == 200
