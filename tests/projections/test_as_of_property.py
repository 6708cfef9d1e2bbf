"""Every view has one meaning of time, live and replayed alike (property tests).

A view as of a business date D counts what had happened by D, and as known at T what had
been recorded by T. Generated logs -- late reports, retries, corrections and withdrawals
(counting from their own dates), problems listed, rectified and withdrawn, branches
withdrawn from the campaign and moved between committees -- are posted through the service
and projected by the live worker in small batches. Then, for days across the campaign:

* the live views equal the replay of the log (``taizhang.projections.report``), field for field;
* both equal an independent count made here from what was posted;
* views as known at earlier times equal the same count over what had been posted by then.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from taizhang.domain.errors import DomainError, NotFound
from taizhang.domain.suggestions import suggestion_id
from taizhang.ledger import Ledger
from taizhang.migrate import upgrade
from taizhang.plain_service import make_service
from taizhang.projections.queries import Views
from taizhang.projections.report import replayed_views, report_as_of
from taizhang.projections.worker import Worker
from taizhang.service import LedgerService, Posting
from tests.projections.scenario import CALLER, TODAY, District, make_district, projected_demo

START = date(2014, 4, 1)
DAYS = (TODAY - START).days  # facts may be dated from the campaign's start to "today"
BRANCHES = ("a", "b", "c")


def day(offset: int) -> date:
    return START + timedelta(days=offset)


offsets = st.integers(min_value=0, max_value=DAYS)
actions = st.one_of(
    st.tuples(st.just("team"), st.sampled_from(BRANCHES), offsets),
    # A meeting, held alone or jointly with another branch (counted for both).
    st.tuples(
        st.just("meeting"), st.sampled_from(BRANCHES), offsets, st.sampled_from(("", *BRANCHES))
    ),
    st.tuples(st.just("withdraw_meeting"), st.integers(0, 9), offsets),
    # A visit with two suggestions; one answered (and closed or not), or passed on.
    st.tuples(st.just("visit"), st.sampled_from(BRANCHES), offsets),
    st.tuples(st.just("answer"), st.integers(0, 9), offsets, st.booleans()),
    st.tuples(st.just("refer"), st.integers(0, 9), offsets),
    st.tuples(st.just("survey"), st.sampled_from(BRANCHES), offsets),
    st.tuples(st.just("plan"), st.sampled_from(BRANCHES), offsets, st.booleans()),
    st.tuples(st.just("problem"), st.sampled_from(BRANCHES), offsets, st.integers(-20, 60)),
    st.tuples(st.just("rectify"), st.integers(0, 9), offsets),
    st.tuples(st.just("drop_problem"), st.integers(0, 9), offsets),
    st.tuples(st.just("correct_team"), st.integers(0, 9), offsets, offsets),
    st.tuples(st.just("withdraw_team"), st.integers(0, 9), offsets),
    st.tuples(st.just("withdraw_branch"), st.sampled_from(BRANCHES), offsets),
    st.tuples(st.just("move"), st.sampled_from(BRANCHES), offsets),
    st.tuples(
        st.just("retry"),
    ),
)


@dataclass
class Posted:
    """What was accepted, as the independent count needs it: each item with the time its
    post began (everything accepted before a time was recorded by then)."""

    teams: list[dict[str, Any]] = field(default_factory=list)
    problems: list[dict[str, Any]] = field(default_factory=list)
    withdrawals: dict[str, list[tuple[datetime, date]]] = field(default_factory=dict)
    moves: dict[str, list[tuple[datetime, date, str]]] = field(default_factory=dict)
    meetings: list[tuple[str, Any]] = field(default_factory=list)
    items: list[tuple[str, Any]] = field(default_factory=list)


def run(d: District, steps: list[tuple[Any, ...]]) -> tuple[Posted, list[datetime]]:
    posted = Posted()
    times: list[datetime] = []
    last: tuple[str, date, dict[str, Any], str] | None = None

    def post(type_: str, on: date, key: str | None = None, **data: Any) -> Any:
        nonlocal last
        key = key or uuid4().hex
        last = (type_, on, data, key)
        try:
            return d.service.post(CALLER, Posting(type_, on, data, client_event_id=key))
        except (DomainError, NotFound):
            return None

    for step in steps:
        kind, now = step[0], datetime.now(UTC)
        times.append(now)
        if kind == "retry":
            if last is not None:  # the same post again: answered, stored once
                type_, on, data, key = last
                post(type_, on, key, **data)
            continue
        work = {"campaign_id": d.campaign}
        if kind in (
            "team", "meeting", "survey", "plan", "problem", "withdraw_branch", "move", "visit"
        ):  # fmt: skip
            work["branch_id"] = d.branches[step[1]]
        if kind == "team":
            answer = post(
                "VolunteerTeamSetUp",
                day(step[2]),
                team_id=uuid4(),
                name="队",
                service_kinds=["助老"],
                members=5,
                **work,
            )
            if answer is not None:
                posted.teams.append(
                    {"at": now, "branch": step[1], "on": day(step[2]), "id": answer.event_id}
                )
        elif kind == "meeting":
            joint = [d.branches[step[3]]] if step[3] and step[3] != step[1] else []
            answer = post(
                "MobilizationMeetingHeld", day(step[2]), participants=9, joint_with=joint, **work
            )
            if answer is not None:
                posted.meetings.append((step[1], answer.event_id))
        elif kind == "visit":
            answer = post(
                "SupervisionVisitRecorded",
                day(step[2]),
                group_id=d.group,
                findings="台账不全",
                suggestion_items=["补齐台账", "改进活动"],
                **work,
            )
            if answer is not None:
                posted.items += [(step[1], suggestion_id(answer.event_id, i)) for i in (0, 1)]
        elif kind in ("answer", "refer") and posted.items:
            branch, item = posted.items[step[1] % len(posted.items)]
            work["branch_id"] = d.branches[branch]
            if kind == "answer":
                post("SuggestionAnswered", day(step[2]), item_id=item, answer="已办",
                     closed=step[3], **work)  # fmt: skip
            else:
                post("SuggestionReferred", day(step[2]), item_id=item, note="", **work)
        elif kind == "withdraw_meeting" and posted.meetings:
            branch, event_id = posted.meetings[step[1] % len(posted.meetings)]
            work["branch_id"] = d.branches[branch]
            post("FactWithdrawn", day(step[2]), withdraws=event_id, reason="未召开", **work)
        elif kind == "survey":
            post(
                "BaselineSurveyRecorded",
                day(step[2]),
                leadership_complete=True,
                full_members=3,
                probationary_members=0,
                weak_and_lax=False,
                **work,
            )
        elif kind == "plan":
            post("PlanSubmitted", day(step[2]), goals="g", measures="m", schedule="s", **work)
            decided = day(min(step[2] + 1, DAYS))
            if step[3]:
                post("PlanApproved", decided, **work)
            else:
                post("PlanReturned", decided, reasons="不具体", **work)
        elif kind == "problem":
            deadline = day(step[2]) + timedelta(days=step[3])
            answer = post(
                "ProblemListed",
                day(step[2]),
                category="four_winds",
                description="问题",
                measures="措施",
                responsible_person="P000115",
                deadline=deadline,
                **work,
            )
            if answer is not None:
                posted.problems.append(
                    {
                        "at": now,
                        "id": answer.aggregate_id,
                        "branch": step[1],
                        "on": day(step[2]),
                        "deadline": deadline,
                        "done": None,
                        "dropped": None,
                    }
                )
        elif kind in ("rectify", "drop_problem") and posted.problems:
            problem = posted.problems[step[1] % len(posted.problems)]
            on = day(step[2])
            if kind == "rectify":
                if post("RectificationStarted", on, problem_id=problem["id"]) is not None:
                    done = post("RectificationDone", on, problem_id=problem["id"], outcome="好")
                    if done is not None:
                        problem["done"] = (now, on)
            elif post("ProblemWithdrawn", on, problem_id=problem["id"], reason="重复") is not None:
                problem["dropped"] = (now, on)
        elif kind in ("correct_team", "withdraw_team") and posted.teams:
            team = posted.teams[step[1] % len(posted.teams)]
            work["branch_id"] = d.branches[team["branch"]]
            if kind == "correct_team":
                answer = post(
                    "FactCorrected",
                    day(step[2]),
                    corrects=team["id"],
                    reason="日期记错",
                    changes={"occurred_on": day(step[3])},
                    **work,
                )
                if answer is not None:
                    team.setdefault("corrections", []).append((now, day(step[2]), day(step[3])))
            elif post("FactWithdrawn", day(step[2]), withdraws=team["id"], reason="未成立", **work):
                team["withdrawn"] = (now, day(step[2]))
        elif kind == "withdraw_branch":
            if post("BranchWithdrawn", day(step[2]), reason="撤销", **work) is not None:
                posted.withdrawals.setdefault(step[1], []).append((now, day(step[2])))
        elif kind == "move":
            target = d.sector if d.committee_of[step[1]] == d.town else d.town
            moved = post(
                "MovedToCommittee", day(step[2]), branch_id=d.branches[step[1]], committee_id=target
            )
            if moved is not None:
                d.committee_of[step[1]] = target
                posted.moves.setdefault(step[1], []).append((now, day(step[2]), str(target)))
    times.append(datetime.now(UTC))
    return posted, times


def expected(d: District, posted: Posted, on: date, known: datetime) -> dict[str, Any]:
    """The counts of the district's view on ``on`` as known at ``known``, made from what
    was posted, without the projections."""

    def by(items: list[tuple[datetime, date, Any]] | None) -> list[tuple[datetime, date, Any]]:
        return [i for i in items or () if i[0] < known and i[1] <= on]

    enrolled = {b for b in BRANCHES if on >= START and not by(posted.withdrawals.get(b))}  # type: ignore[arg-type]
    committee = {}
    for b in enrolled:
        moves = by(posted.moves.get(b))
        committee[b] = moves[-1][2] if moves else str(d.initial_committee[b])
    teams = 0
    for team in posted.teams:
        if team["at"] >= known or team["branch"] not in enrolled:
            continue
        if "withdrawn" in team and team["withdrawn"][0] < known and team["withdrawn"][1] <= on:
            continue
        when = team["on"]
        for at, dated, moved_to in team.get("corrections", ()):
            if at < known and dated <= on:
                when = moved_to
        teams += when <= on
    listed = rectified = overdue = 0
    for p in posted.problems:
        if p["at"] >= known or p["branch"] not in enrolled or p["on"] > on:
            continue
        if p["dropped"] and p["dropped"][0] < known and p["dropped"][1] <= on:
            continue
        listed += 1
        if p["done"] and p["done"][0] < known and p["done"][1] <= on:
            rectified += 1
        elif p["deadline"] < on:
            overdue += 1
    per_committee: dict[str, int] = {}
    for b in enrolled:
        per_committee[committee[b]] = per_committee.get(committee[b], 0) + 1
    return {
        "branches": len(enrolled),
        "volunteer_teams": teams,
        "problems_listed": listed,
        "problems_rectified": rectified,
        "problems_overdue": overdue,
        "committees": per_committee,
    }


def observed(view: dict[str, Any]) -> dict[str, Any]:
    return {
        **{key: view[key] for key in ("branches", "volunteer_teams")},
        **{key: view[key] for key in ("problems_listed", "problems_rectified")},
        "problems_overdue": view["problems_overdue"],
        "committees": {c["committee_id"]: c["branches"] for c in view["committees"]},
    }


def district_of(service: LedgerService, settings: Any) -> District:
    d = make_district(settings, service=service)
    d.initial_committee = {"a": d.town, "b": d.town, "c": d.sector}
    d.committee_of = dict(d.initial_committee)
    return d


def lists(views: Views, d: District, on: date) -> dict[str, Any]:
    """Every list and the ranking of the district on ``on``, from ``views``."""
    progress, _ = views.list_branch_progress(d.campaign, district_id=d.district, as_of=on)
    ledger, _ = views.problem_ledger(d.campaign, as_of=on, limit=500)
    gone, _ = views.problem_ledger(d.campaign, as_of=on, branch_withdrawn=True, limit=500)
    ranking = views.committee_ranking(d.campaign, d.district, as_of=on)
    items, _ = views.suggestions(d.campaign, status="all", as_of=on, limit=500)
    strip = ("known_at",)
    return {
        "suggestions": [{k: v for k, v in i.items() if k not in strip} for i in items],
        "progress": [{k: v for k, v in i.items() if k not in strip} for i in progress],
        "ledger": [{k: v for k, v in r.items() if k not in strip} for r in ledger],
        "withdrawn": [r["problem_id"] for r in gone],
        "ranking": ranking,
    }


@pytest.fixture
def world(settings):
    upgrade(settings)
    service = make_service(Ledger(settings), today=lambda: TODAY)
    worker = Worker(settings, batch_size=7)  # many small batches: incremental folding
    views = Views(settings)
    yield settings, service, worker, views
    views.close()
    worker.close()
    service.ledger.close()


@hypothesis_settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    # A failure is reported as found: shrinking a log through a database takes minutes.
    phases=(Phase.explicit, Phase.reuse, Phase.generate),
)
@given(steps=st.lists(actions, min_size=1, max_size=30), checked=st.lists(offsets, max_size=3))
def test_live_views_equal_the_replay_and_the_count_on_every_date(world, steps, checked):
    settings, service, worker, views = world
    d = district_of(service, settings)
    posted, times = run(d, steps)
    worker.catch_up()
    replay = replayed_views(settings, None, None)
    # The days anything was dated, the days before them, and some more.
    dated = {day(n) for step in steps for n in step[2:4] if isinstance(n, int) and n >= 0}
    dated |= {on - timedelta(days=1) for on in dated}
    days = sorted({START, START - timedelta(days=1), TODAY, date(2014, 9, 30), *dated})
    days += [day(n) for n in checked]
    for on in days:
        live = views.supervision_view(d.campaign, scope="district", scope_id=d.district, as_of=on)
        replayed = replay.supervision_view(
            d.campaign, scope="district", scope_id=d.district, as_of=on
        )
        assert live == replayed, on
        assert observed(live) == expected(d, posted, on, times[-1]), on
        listed = lists(views, d, on)
        assert listed == lists(replay, d, on), on
        # The ledger and the views agree: the same problems, the same overdue ones.
        assert len(listed["ledger"]) == live["problems_listed"], on
        assert sum(r["overdue"] for r in listed["ledger"]) == live["problems_overdue"], on
        # A withdrawn branch's problems are listed apart, marked with the withdrawal's date.
        gone = {b for b, w in posted.withdrawals.items() if any(at[1] <= on for at in w)}
        for row in views.problem_ledger(d.campaign, as_of=on, branch_withdrawn=True)[0]:
            assert (
                row["branch_withdrawn_on"] is not None
                and row["branch_withdrawn_on"] <= on.isoformat()
            )
            assert row["branch_id"] in {str(d.branches[b]) for b in gone}
    # The campaign week by week: each week's figures are the supervision view's of its day.
    weekly = views.weekly_done(d.campaign, scope="district", scope_id=d.district, as_of=TODAY)
    replayed_weekly = replay.weekly_done(
        d.campaign, scope="district", scope_id=d.district, as_of=TODAY
    )
    assert weekly.value == replayed_weekly.value
    for week in weekly.value["weeks"]:
        on = date.fromisoformat(week["on"])
        view = views.supervision_view(d.campaign, scope="district", scope_id=d.district, as_of=on)
        assert week["branches"] == view["branches"], on
        assert week["done"] == {p["key"]: p["done"] for p in view["phases"]}, on
    # As known at earlier times: what had been posted by then, on the same days.
    for known in sorted(set(times[:: max(1, len(times) // 3)])):
        then = replayed_views(settings, known, None)
        for on in days:
            try:
                view = then.supervision_view(
                    d.campaign, scope="district", scope_id=d.district, as_of=on
                )
            except NotFound:  # the campaign was not known yet
                continue
            assert observed(view) == expected(d, posted, on, known), (known, on)


def test_the_report_command_and_the_live_view_agree_on_every_month_of_the_demo(
    demo_settings_and_views,
):
    """Issue: "on the demo for every month of the campaign": the live view and
    ``taizhang report`` (the replay) for the same date, field for field."""
    settings, campaign_id, district_id, views = demo_settings_and_views
    for month in range(4, 10):
        on = date(2014, month, 15)
        live = views.supervision_view(campaign_id, scope="district", scope_id=district_id, as_of=on)
        report = report_as_of(settings, campaign_id, "district", district_id, business_date=on)
        report.pop("business_date")
        assert report.pop("log_position") > 0  # the report's evidence names it
        assert live == report, on


@pytest.fixture
def demo_settings_and_views(settings):
    summary = projected_demo(settings)
    views = Views(settings)
    yield settings, summary.campaign_id, summary.district_id, views
    views.close()
