"""A branch's year of organizational life has the one meaning of time every view has
(property test, both databases).

Generated logs of activities (complete and incomplete themed party days, late ones,
retries) and delays reported and approved are posted through the service. Then, for
business dates D across the year and knowledge times T between the posts:

* the live view (the branch's events, as the API reads them) equals the replay of the
  whole log recorded by T (``projections.party_life``), field for field;
* both equal the domain's rule applied here to what had been posted by T and dated by D.
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

from domain.errors import DomainError, NotFound
from domain.party_life import BRANCH, STANDARD_PROGRAMME, Held, settle_duty
from projections.party_life import (
    branch_year_live,
    branch_year_replayed,
    branches_under,
    live_events,
    replayed_roll_up,
    roll_up,
)
from taizhang.ledger import Ledger
from taizhang.migrate import upgrade
from taizhang.plain_service import make_service
from taizhang.service import Posting
from tests.projections.scenario import CALLER, make_district

YEAR = 2014
REGISTERED = date(YEAR, 3, 1)  # tests.projections.scenario registers branches then
TODAY = date(YEAR, 12, 31)
DAYS = (TODAY - date(YEAR, 1, 1)).days
SIX = [
    "study_discussion",
    "onsite_teaching",
    "party_spirit_analysis",
    "democratic_deliberation",
    "dues_paid",
    "volunteer_service",
]
ACTIVITIES = (
    "members_meeting",
    "party_lecture",
    "themed_party_day",
    "democratic_life_meeting",
    "member_evaluation",
)


def day(offset: int) -> date:
    return date(YEAR, 1, 1) + timedelta(days=offset)


offsets = st.integers(min_value=0, max_value=DAYS)
actions = st.one_of(
    st.tuples(st.just("held"), st.sampled_from(ACTIVITIES), offsets, st.integers(4, 6)),
    st.tuples(st.just("delay"), st.sampled_from(("H1", "H2")), offsets, st.integers(1, 60)),
    st.tuples(st.just("approve"), st.sampled_from(("H1", "H2")), offsets, st.integers(1, 60)),
    # The branch moves between the district's two committees (000 §五: 上级党组织).
    st.tuples(st.just("move"), st.booleans(), offsets),
    st.tuples(st.just("retry")),
)


@dataclass
class Posted:
    held: list[tuple[datetime, Held]] = field(default_factory=list)
    delays: list[tuple[datetime, date, str, date]] = field(default_factory=list)
    moves: list[tuple[datetime, date, UUID]] = field(default_factory=list)


def run(
    service: Any, branch_id: UUID, steps: list[tuple[Any, ...]], committees: tuple[UUID, UUID]
) -> tuple[Posted, list[datetime]]:
    posted = Posted()
    times: list[datetime] = []
    last: tuple[str, date, dict[str, Any], str] | None = None

    def post(type_: str, on: date, key: str | None = None, **data: Any) -> Any:
        nonlocal last
        key = key or uuid4().hex
        last = (type_, on, data, key)
        try:
            return service.post(
                CALLER, Posting(type_, on, {"branch_id": branch_id, **data}, client_event_id=key)
            )
        except (DomainError, NotFound):
            return None

    for step in steps:
        at = datetime.now(UTC)
        times.append(at)
        if step[0] == "held":
            _, activity, offset, parts = step
            on = day(offset)
            extra = {"parts": SIX[:parts]} if activity == "themed_party_day" else {}
            answer = post(
                "LifeActivityHeld", on, activity=activity, topic="学习", participants=5, **extra
            )
            if answer is not None and not answer.replayed:
                held = Held(str(answer.event_id), activity, on, frozenset(extra.get("parts", ())))
                posted.held.append((at, held))
        elif step[0] in ("delay", "approve"):
            _, half, offset, days = step
            period = f"{YEAR}-{half}"
            ends = date(YEAR, 6, 30) if half == "H1" else date(YEAR, 12, 31)
            until = ends + timedelta(days=days)
            type_ = (
                "LifeMeetingDelayRequested" if step[0] == "delay" else "LifeMeetingDelayApproved"
            )
            extra = {"reason": "外出"} if step[0] == "delay" else {}
            answer = post(
                type_,
                day(offset),
                duty="democratic_life_meeting",
                period=period,
                until=until,
                **extra,
            )
            if answer is not None and not answer.replayed and step[0] == "approve":
                posted.delays.append((at, day(offset), period, until))
        elif step[0] == "move":
            _, to_sector, offset = step
            committee = committees[1] if to_sector else committees[0]
            answer = post("MovedToCommittee", day(offset), committee_id=committee)
            if answer is not None and not answer.replayed:
                posted.moves.append((at, day(offset), committee))
        elif last is not None:  # a retry of the last post: one fact, the first answer
            type_, on, data, key = last
            post(type_, on, key, **{k: v for k, v in data.items() if k != "branch_id"})
    times.append(datetime.now(UTC))
    return posted, times


def expected(posted: Posted, on: date, known: datetime | None) -> list[list[dict[str, Any]]]:
    def by(at: datetime) -> bool:
        return known is None or at < known

    held = [h for at, h in posted.held if by(at) and h.occurred_on <= on]
    delays: dict[str, date] = {}
    for at, dated, period, until in posted.delays:
        if by(at) and dated <= on:
            delays[period] = until
    found = []
    for duty in STANDARD_PROGRAMME:
        if duty.owner != BRANCH:
            continue
        settled = settle_duty(duty, YEAR, held, delays if duty.delay_allowed else {}, on)
        found.append([{"status": p.status.value, "counted": list(p.counted)} for p in settled])
    return found


def expected_committee(
    posted: Posted, branch_id: UUID, town: UUID, on: date, known: datetime | None
) -> dict[UUID, UUID]:
    if on < REGISTERED:
        return {}
    committee = town
    for at, dated, to in posted.moves:
        if (known is None or at < known) and dated <= on:
            committee = to
    return {branch_id: committee}


def observed(view: dict[str, Any]) -> list[list[dict[str, Any]]]:
    return [
        [{"status": p["status"], "counted": p["counted"]} for p in duty["periods"]]
        for duty in view["duties"]
    ]


@pytest.fixture
def world(settings):
    upgrade(settings)
    service = make_service(Ledger(settings), today=lambda: TODAY)
    yield settings, service
    service.ledger.close()


@hypothesis_settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    phases=(Phase.explicit, Phase.reuse, Phase.generate),
)
@given(steps=st.lists(actions, min_size=1, max_size=25), checked=st.lists(offsets, max_size=3))
def test_live_year_equals_the_replay_and_the_rule_for_every_d_and_t(world, steps, checked):
    """002 "党内民主生活会每年召开两次…遇有特殊情况需延期召开的,必须报告上级党组织同意" and
    003 §二 "每月开展一次“主题党日”活动": what the view says on D as known at T is what had
    happened by D among what had been recorded by T."""
    settings, service = world
    d = make_district(settings, today=TODAY, service=service)
    branch_id = d.branch(f"支部{uuid4().hex[:6]}", d.town, "non_public_enterprise")
    posted, times = run(service, branch_id, steps, (d.town, d.sector))
    ledger = service.ledger
    dated = {h.occurred_on for _, h in posted.held} | {x[1] for x in posted.delays}
    days = sorted(
        {
            *dated,
            *(x - timedelta(days=1) for x in dated),
            date(YEAR, 7, 1),
            TODAY,
            *map(day, checked),
        }
    )
    for known in [None, *sorted(set(times[:: max(1, len(times) // 3)]))]:
        for on in days:
            live = branch_year_live(ledger, branch_id, YEAR, on, known)
            assert live == branch_year_replayed(ledger, branch_id, YEAR, on, known), (on, known)
            assert observed(live) == expected(posted, on, known), (on, known)
            # The roll-up: the branch under its committee on D as known at T, live and
            # replayed alike, and where the posted registration and moves put it.
            events_of = live_events(ledger, known)
            under = branches_under(events_of, [branch_id], on)
            rolled = roll_up(events_of, under, YEAR, on)
            assert rolled == replayed_roll_up(ledger, [branch_id], YEAR, on, known), (on, known)
            assert under == expected_committee(posted, branch_id, d.town, on, known)
            for entry in rolled.values():
                assert entry["counts"]["done"] == live["counts"]["done"]
