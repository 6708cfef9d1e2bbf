"""Long histories: a branch with hundreds of facts, some corrected or withdrawn long after the
worker that counted them last held them, gives the same views live, rebuilt and replayed.

Most facts are only counted (``taizhang.projections.fold.tally``): the live worker keeps a tally per
day on the branch's row and reads a counted fact back from ``work_fact`` only when a correction or
withdrawal names it, so these cases are where live and replay could part.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from uuid import uuid4

from taizhang.projections import digest
from taizhang.projections.queries import Views
from taizhang.projections.rebuild import rebuild
from taizhang.projections.report import replayed_views
from taizhang.projections.worker import Worker
from taizhang.service import Posting
from tests.projections.scenario import CALLER, District, make_district

START = date(2014, 4, 2)
DAYS = 45


def _fact(d: District, k: int) -> Posting:
    """One of several kinds of counted fact, dated on one of DAYS days."""
    on = START + timedelta(days=(k * 7) % DAYS)
    work = {"campaign_id": d.campaign, "branch_id": d.branches["a"]}
    kind = k % 6
    if kind == 0:
        return Posting("OptionalActionRecorded", on, {**work, "title": f"自选动作 {k}"})
    if kind == 1:
        days = Decimal("0.5") if k % 4 == 1 else Decimal(1)
        data = {"topic": "t", "days": days, "hours": Decimal(3), "participants": 9}
        return Posting("StudySessionHeld", on, {**work, **data})
    if kind == 2:
        data = {"count": k % 7 + 1, "sources": ["members"]}
        return Posting("OpinionsCollected", on, {**work, **data})
    if kind == 3:
        data = {"participants": 5, "self_examination": True, "criticism": True}
        data["members_evaluated"] = 5
        return Posting("OrganizationalLifeMeetingHeld", on, {**work, **data})
    if kind == 4:
        data = {"team_id": uuid4(), "name": f"队 {k}", "service_kinds": ["养老助老"], "members": 4}
        return Posting("VolunteerTeamSetUp", on, {**work, **data})
    return Posting("HeartToHeartTalksHeld", on, {**work, "talks": 2})


def _post_history(d: District, n: int) -> list[Any]:
    answers: list[Any] = []
    for start in range(0, n, 200):
        postings = [_fact(d, k) for k in range(start, min(n, start + 200))]
        answers += d.service.post_batch(CALLER, postings)
    return answers


def _revise(d: District, answers: list[Any]) -> None:
    """Corrections and withdrawals of counted facts, dated after them or moving them."""
    work = {"campaign_id": d.campaign, "branch_id": d.branches["a"]}
    for i, answer in enumerate(answers[5:400:7]):
        on = START + timedelta(days=DAYS + i % 5)
        if i % 5 == 0:
            d.post("FactWithdrawn", on, withdraws=answer.event_id, reason="未开展", **work)
        else:
            moved = START + timedelta(days=(i * 5) % DAYS)
            d.post(
                "FactCorrected",
                on,
                corrects=answer.event_id,
                reason="日期记错",
                changes={"occurred_on": moved},
                **work,
            )


def _views_on(views: Views, d: District, days: list[date]) -> list[Any]:
    return [views.branch_progress(d.campaign, d.branches["a"], as_of=on) for on in days]


def test_a_long_history_revised_later_gives_the_same_views_live_rebuilt_and_replayed(settings):
    d = make_district(settings)
    answers = _post_history(d, 600)
    first = Worker(settings, batch_size=97)
    first.catch_up()
    # The worker holds the tallies, not the facts it counted.
    assert first.state is not None and first.state.rows["work_fact"] == {}
    row = first.state.get("branch_progress", (str(d.campaign), str(d.branches["a"])))
    assert row is not None
    assert row["facts"] == {} and len(row["days"]) == DAYS
    assert row["optional_actions"] == 100 and row["volunteer_teams"] == 100
    first.close()
    # A new worker folds corrections of facts it never held: it reads them back.
    _revise(d, answers)
    second = Worker(settings, batch_size=5)
    second.catch_up()
    second.close()
    live = digest(settings)
    days = [START - timedelta(days=1), *(START + timedelta(days=n) for n in range(0, DAYS + 8, 3))]
    views = Views(settings)
    try:
        live_views = _views_on(views, d, days)
        replay = replayed_views(settings, None, None)
        assert live_views == _views_on(replay, d, days)
    finally:
        views.close()
    # Withdrawn facts no longer count once withdrawn.
    gone = [a.event_type for a in answers[5:400:7][::5]]
    assert gone.count("OptionalActionRecorded") and gone.count("VolunteerTeamSetUp")
    latest = live_views[-1]
    assert latest["optional_actions"] == 100 - gone.count("OptionalActionRecorded")
    assert latest["volunteer_teams"] == 100 - gone.count("VolunteerTeamSetUp")
    rebuild(settings)
    assert digest(settings) == live
