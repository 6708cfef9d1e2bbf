"""The grading views have the one meaning of time every view has (property tests, in the
pattern of test_as_of_property).

Generated logs of two grading rounds -- surveys, grades, objections and re-grades, upgrading
plans and their steps, dated out of order, retried, some refused, and branches moving between
committees -- are posted through the service and projected by the live worker in small
batches. Then, for days across the rounds:

* the live grade distribution, transitions and upgrading views equal the replay of the log
  (``taizhang.projections.report``), field for field;
* the distribution and transitions, and the yearly review's venues meeting the 六有 and
  five-star branches, equal an independent count made here from what was posted, per
  committee as the branches stood on the day;
* as known at earlier times they equal the same count over what had been posted by then.

Seed 001 §二1 "分类定级" and §二3 "晋位升级": grades by round and branch, and moves between them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from taizhang.domain.errors import DomainError, NotFound
from taizhang.ledger import Ledger
from taizhang.migrate import upgrade
from taizhang.plain_service import make_service
from taizhang.projections.fold.grading import movement
from taizhang.projections.queries import Views
from taizhang.projections.report import replayed_views
from taizhang.projections.worker import Worker
from taizhang.service import LedgerService, Posting
from tests.projections.scenario import CALLER, TODAY, District, make_district

START = date(2014, 3, 1)
DAYS = (TODAY - START).days
BRANCHES = ("a", "b", "c")
GRADES = ("advanced", "average", "lagging")


def day(offset: int) -> date:
    return START + timedelta(days=offset)


offsets = st.integers(min_value=0, max_value=DAYS)
rounds = st.sampled_from((0, 1))
branches = st.sampled_from(BRANCHES)
actions = st.one_of(
    st.tuples(st.just("survey"), rounds, branches, offsets),
    st.tuples(st.just("grade"), rounds, branches, offsets, st.sampled_from(GRADES)),
    st.tuples(st.just("object"), rounds, branches, offsets),
    st.tuples(st.just("regrade"), rounds, branches, offsets, st.sampled_from(GRADES)),
    st.tuples(st.just("plan"), rounds, branches, offsets, st.integers(0, 60)),
    st.tuples(
        st.just("step"), rounds, branches, offsets, st.sampled_from(("progress", "done", "pass"))
    ),
    st.tuples(st.just("move"), branches, offsets),
    # A correction or withdrawal of the latest grade recorded of a round's branch.
    st.tuples(st.just("correct"), rounds, branches, offsets, st.sampled_from(GRADES)),
    st.tuples(st.just("withdraw"), rounds, branches, offsets),
    st.tuples(st.just("retry")),
    # The yearly review: a venue check (all six, or some), a secretary's assessment.
    st.tuples(st.just("venue"), st.just(0), branches, offsets, st.booleans()),
    st.tuples(st.just("assess"), st.just(0), branches, offsets, st.integers(3, 5)),
)


@dataclass
class Posted:
    """What was accepted, with the time its post began (recorded by then at the latest)."""

    # (at, on, round, branch, kind, grade)
    items: list[tuple[datetime, date, int, str, str, str | None]] = field(default_factory=list)
    # (at, on, branch, all six) and (at, on, branch, stars)
    venues: list[tuple[datetime, date, str, bool]] = field(default_factory=list)
    stars: list[tuple[datetime, date, str, int]] = field(default_factory=list)
    moves: dict[str, list[tuple[datetime, date, str]]] = field(default_factory=dict)
    # The event id of each item (as items), and amendments: (at, on, event id, grade or None)
    event_ids: list[UUID] = field(default_factory=list)
    amendments: list[tuple[datetime, date, UUID, str | None]] = field(default_factory=list)


def run(
    d: District, round_ids: list[UUID], steps: list[tuple[Any, ...]], review: UUID
) -> tuple[Posted, list[datetime]]:
    posted, times = Posted(), []
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
                post(last[0], last[1], last[3], **last[2])
            continue
        if kind == "move":
            target = d.sector if d.committee_of[step[1]] == d.town else d.town
            moved = post("MovedToCommittee", day(step[2]), branch_id=d.branches[step[1]],
                         committee_id=target)  # fmt: skip
            if moved is not None:
                d.committee_of[step[1]] = target
                posted.moves.setdefault(step[1], []).append((now, day(step[2]), str(target)))
            continue
        index, branch, on = step[1], step[2], day(step[3])
        in_review = {"review_id": review, "branch_id": d.branches[branch]}
        if kind == "venue":
            present = ["site", "facilities", "sign", "flag", "books", "rules"][
                : 6 if step[4] else 3
            ]
            if post("VenueChecked", on, present=present, notes="", **in_review):
                posted.venues.append((now, on, branch, step[4]))
            continue
        if kind == "assess":
            if post("SecretaryAssessed", on, secretary="P000009", result="competent",
                    stars=step[4], evidence="述职", **in_review):  # fmt: skip
                posted.stars.append((now, on, branch, step[4]))
            continue
        on_round = {"round_id": round_ids[index], "branch_id": d.branches[branch]}
        grade: str | None = None
        if kind in ("correct", "withdraw"):
            graded = [
                posted.event_ids[n]
                for n, item in enumerate(posted.items)
                if item[2] == index and item[3] == branch
            ]
            if not graded:
                continue
            if kind == "correct":
                answer = post("GradeCorrected", on, corrects=graded[-1], grade=step[4],
                              criteria_met=["members"], evidence="复核", reason="录错",
                              **on_round)  # fmt: skip
            else:
                answer = post("GradeWithdrawn", on, withdraws=graded[-1], reason="误录",
                              **on_round)  # fmt: skip
            if answer is not None:
                amended = step[4] if kind == "correct" else None
                posted.amendments.append((now, on, graded[-1], amended))
            continue
        if kind == "survey":
            answer = post("OrganizationSurveyed", on, findings={"leadership": "查"}, **on_round)
        elif kind == "grade":
            grade = step[4]
            answer = post("OrganizationGraded", on, grade=grade, criteria_met=[],
                          evidence="记录", **on_round)  # fmt: skip
        elif kind == "object":
            answer = post("GradeObjected", on, grounds="不服", **on_round)
        elif kind == "regrade":
            grade = step[4]
            answer = post("OrganizationRegraded", on, grade=grade, criteria_met=[],
                          evidence="复核", reason="异议", **on_round)  # fmt: skip
        elif kind == "plan":
            answer = post("UpgradingPlanSet", on, target_grade="advanced", targets="t",
                          measures="m", responsible_person="P000001",
                          deadline=on + timedelta(days=step[4]), **on_round)  # fmt: skip
        elif step[4] == "progress":
            answer = post("UpgradingProgressed", on, note="", percent_done=40, **on_round)
        elif step[4] == "done":
            answer = post("UpgradingDone", on, outcome="好", **on_round)
        else:
            answer = post("UpgradingVerified", on, passed=True, remarks="", **on_round)
        if answer is not None and kind in ("grade", "regrade") and not answer.replayed:
            posted.items.append((now, on, index, branch, kind, grade))
            posted.event_ids.append(answer.event_id)
    times.append(datetime.now(UTC))
    return posted, times


def grades_on(posted: Posted, index: int, on: date, known: datetime) -> dict[str, str]:
    """Each branch's latest grade dated by ``on`` and recorded by ``known``, as the
    corrections and withdrawals dated and recorded by then leave it."""
    amended: dict[UUID, str | None] = {}
    for at, dated, target, value in posted.amendments:
        if at < known and dated <= on:
            amended[target] = value
    found: dict[str, str] = {}
    for (at, dated, round_index, branch, _, grade), event_id in zip(
        posted.items, posted.event_ids, strict=True
    ):
        if round_index == index and at < known and dated <= on and grade is not None:
            if event_id in amended:
                if amended[event_id] is None:
                    continue
                grade = amended[event_id]
            found[branch] = grade
    return found


def committee_on(d: District, posted: Posted, branch: str, on: date, known: datetime) -> str:
    moves = [m for m in posted.moves.get(branch, ()) if m[0] < known and m[1] <= on]
    return moves[-1][2] if moves else str(d.initial_committee[branch])


def expected(d: District, posted: Posted, on: date, known: datetime) -> dict[str, Any]:
    second = grades_on(posted, 1, on, known)
    first = grades_on(posted, 0, on, known)
    per_committee: dict[str, dict[str, int]] = {}
    for branch, grade in second.items():
        counts = per_committee.setdefault(
            committee_on(d, posted, branch, on, known), dict.fromkeys(GRADES, 0)
        )
        counts[grade] += 1
    moves = {"up": 0, "stayed": 0, "down": 0}
    for branch in first.keys() & second.keys():
        moves[movement(first[branch], second[branch])] += 1
    venues: dict[str, bool] = {}
    for at, dated, branch, all_six in posted.venues:
        if at < known and dated <= on:
            venues[branch] = all_six
    stars = {b: n for at, dated, b, n in posted.stars if at < known and dated <= on}
    return {
        "second_by_timeline": dict(sorted(second.items())),
        "grades": {g: sum(1 for v in second.values() if v == g) for g in GRADES},
        "committees": per_committee,
        "moves": moves,
        "six_haves": sum(venues.values()),
        "five_star": sum(1 for n in stars.values() if n == 5),
    }


def observed(found: dict[str, Any]) -> dict[str, Any]:
    distribution, transitions = found["distribution"], found["transitions"]
    second = found["distribution"]["round_id"]
    by_timeline = {
        branch: r["grade"]
        for branch, timeline in zip(BRANCHES, found["timelines"], strict=True)
        for r in timeline["rounds"]
        if r["round_id"] == second and r["grade"] is not None
    }
    return {
        "second_by_timeline": by_timeline,
        "six_haves": found["yearly"]["six_haves"],
        "five_star": found["yearly"]["five_star"],
        "grades": distribution["grades"],
        "committees": {c["committee_id"]: c["grades"] for c in distribution["committees"]},
        "moves": {
            "up": transitions["moved_up"],
            "stayed": transitions["stayed"],
            "down": transitions["moved_down"],
        },
    }


def read(
    views: Views, round_ids: list[UUID], on: date, review: UUID, branch_ids: list[UUID]
) -> dict[str, Any]:
    first, second = round_ids
    found = {
        "yearly": views.yearly_summary(review, as_of=on),
        "distribution": views.grade_distribution(second, as_of=on),
        "transitions": views.grade_transitions(first, second, as_of=on),
        "upgrading": views.upgrading(first, as_of=on, grades=("average", "lagging")),
        "results": views.grade_results(second, as_of=on),
        "timelines": [views.grading_timeline(b, as_of=on) for b in branch_ids],
    }
    for value in found.values():
        for one in value if isinstance(value, list) else [value]:
            one.pop("known_at")
    return found


@pytest.fixture
def world(settings):
    upgrade(settings)
    service = make_service(Ledger(settings), today=lambda: TODAY)
    worker = Worker(settings, batch_size=5)  # many small batches: incremental folding
    views = Views(settings)
    yield settings, service, worker, views
    views.close()
    worker.close()
    service.ledger.close()


def district_of(service: LedgerService, settings: Any) -> tuple[District, list[UUID], UUID]:
    d = make_district(settings, service=service)
    d.initial_committee = {"a": d.town, "b": d.town, "c": d.sector}
    d.committee_of = dict(d.initial_committee)
    round_ids = [
        d.post("GradingRoundDefined", START, district_id=d.district, name=name, year=2014,
               starts_on=START, ends_on=TODAY, template_key="five_goods").aggregate_id
        for name in ("初评", "复评")
    ]  # fmt: skip
    review = d.post(
        "YearlyReviewOpened", START, district_id=d.district, year=2014, name="年度考核"
    ).aggregate_id
    return d, round_ids, review


@hypothesis_settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    phases=(Phase.explicit, Phase.reuse, Phase.generate),
)
@given(steps=st.lists(actions, min_size=1, max_size=30), checked=st.lists(offsets, max_size=3))
def test_live_grading_views_equal_the_replay_and_the_count_on_every_date(world, steps, checked):
    settings, service, worker, views = world
    d, round_ids, review = district_of(service, settings)
    posted, times = run(d, round_ids, steps, review)
    ids = [d.branches[b] for b in BRANCHES]
    worker.catch_up()
    replay = replayed_views(settings, None, None)
    dated = {day(n) for step in steps for n in step[3:4] if isinstance(n, int)}
    dated |= {day(step[2]) for step in steps if step[0] == "move"}
    dated |= {on - timedelta(days=1) for on in dated}
    days = sorted({START, START - timedelta(days=1), TODAY, *dated, *(day(n) for n in checked)})
    for on in days:
        live = read(views, round_ids, on, review, ids)
        assert live == read(replay, round_ids, on, review, ids), on
        assert observed(live) == expected(d, posted, on, times[-1]), on
    for known in sorted(set(times[:: max(1, len(times) // 3)])):
        then = replayed_views(settings, known, None)
        for on in days:
            found = read(then, round_ids, on, review, ids)
            assert observed(found) == expected(d, posted, on, known), (known, on)
