"""Regular organizational life has the one meaning of time every view has (property test,
both databases).

Generated logs of activities (complete and incomplete themed party days, late ones,
retries), delays reported and approved, moves between committees, members' education and
versions of the district's programme are posted through the service, and the projection's
worker folds them in small batches. Then, for business dates D across the year and
knowledge times T between the posts:

* the live views (the worker's ``party_life`` and ``life_programme`` rows) equal the
  replay of the whole log (``taizhang.projections.report``) for the same D, field for field: a
  branch's year, the committees' roll-up and the due and overdue lists;
* the replay of what had been recorded by T says, on D, what the domain's rule says of what
  had been posted by T and dated by D, under the programme version in force on D;
* the upper level's themes of the month (published, revised, withdrawn by the committees
  and the district) and the themed days naming them: each month's "1" on D as known at T is
  what the themes and days posted by T and dated by D make of it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from hypothesis import HealthCheck, Phase, example, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from taizhang.domain.errors import DomainError, NotFound
from taizhang.domain.life_programme import EDUCATION_DAYS, STANDARD_DATA, programme_from_data
from taizhang.domain.party_life import BRANCH, STANDARD_PROGRAMME, Held, LifeDuty, settle_duty
from taizhang.ledger import Ledger
from taizhang.migrate import upgrade
from taizhang.plain_service import make_service
from taizhang.projections.queries import Views
from taizhang.projections.rebuild import rebuild
from taizhang.projections.report import replayed_views
from taizhang.projections.worker import Worker
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
MEMBERS = ("P000101", "P000102", "P000103")


def day(offset: int) -> date:
    return date(YEAR, 1, 1) + timedelta(days=offset)


offsets = st.integers(min_value=0, max_value=DAYS)
actions = st.one_of(
    st.tuples(st.just("held"), st.sampled_from(ACTIVITIES), offsets, st.integers(4, 6)),
    st.tuples(st.just("delay"), st.sampled_from(("H1", "H2")), offsets, st.integers(1, 60)),
    st.tuples(st.just("approve"), st.sampled_from(("H1", "H2")), offsets, st.integers(1, 60)),
    # The branch moves between the district's two committees (000 §五: 上级党组织).
    st.tuples(st.just("move"), st.booleans(), offsets),
    st.tuples(st.just("educated"), st.integers(1, 3), offsets, st.integers(1, 8)),
    # A version of the district's programme: members' meetings monthly or quarterly, some
    # grace days, the themed day's parts required, the education days a year.
    st.tuples(
        st.just("programme"),
        st.sampled_from(("monthly", "quarterly")),
        offsets,
        st.integers(0, 20),
        st.integers(0, 6),
        st.integers(4, 12),
    ),
    st.tuples(st.just("retry")),
    # The "1" (003 §二): a theme of a month by the town, the sector or the district, with its
    # unified day; a revision of its date; a withdrawal; a themed day naming one.
    st.tuples(
        st.just("theme"),
        st.sampled_from(("town", "sector", "district")),
        st.integers(1, 12),
        st.integers(1, 28),
        offsets,
    ),
    st.tuples(st.just("revise"), st.integers(0, 5), st.integers(1, 28), offsets),
    st.tuples(st.just("withdraw"), st.integers(0, 5), offsets),
    st.tuples(st.just("themed"), st.integers(0, 5), offsets, st.booleans()),
)


@dataclass
class Posted:
    held: list[tuple[datetime, Held]] = field(default_factory=list)
    delays: list[tuple[datetime, date, str, date]] = field(default_factory=list)
    moves: list[tuple[datetime, date, UUID]] = field(default_factory=list)
    educated: list[tuple[datetime, date, tuple[str, ...], int]] = field(default_factory=list)
    programmes: list[tuple[datetime, date, tuple[LifeDuty, ...], int]] = field(default_factory=list)
    # (recorded, dated, kind, theme id, scope id, month, unified day)
    themes: list[tuple[datetime, date, str, str, str, str, date | None]] = field(
        default_factory=list
    )
    theme_ids: list[tuple[str, str, str]] = field(default_factory=list)  # (id, scope, month)
    # A themed day's event id: (the theme it names, its reason).
    follows: dict[str, tuple[str, str]] = field(default_factory=dict)


def programme_data(cadence: str, grace: int, parts: int) -> list[dict[str, Any]]:
    duties = [dict(d) for d in STANDARD_DATA]
    for duty in duties:
        if duty["key"] == "members_meeting":
            duty.update(cadence=cadence, grace_days=grace)
        if duty["key"] == "themed_party_day":
            duty["required_parts"] = SIX[:parts]
    return duties


def run(
    service: Any,
    district_id: UUID,
    branch_id: UUID,
    steps: list[tuple[Any, ...]],
    committees: tuple[UUID, UUID],
) -> tuple[Posted, list[datetime]]:
    posted = Posted()
    times: list[datetime] = []
    last: tuple[str, date, dict[str, Any], str] | None = None

    def post(type_: str, on: date, key: str | None = None, **data: Any) -> Any:
        nonlocal last
        key = key or uuid4().hex
        last = (type_, on, data, key)
        try:
            return service.post(CALLER, Posting(type_, on, dict(data), client_event_id=key))
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
                "LifeActivityHeld",
                on,
                branch_id=branch_id,
                activity=activity,
                topic="学习",
                participants=5,
                **extra,
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
                branch_id=branch_id,
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
            answer = post(
                "MovedToCommittee", day(offset), branch_id=branch_id, committee_id=committee
            )
            if answer is not None and not answer.replayed:
                posted.moves.append((at, day(offset), committee))
        elif step[0] == "educated":
            _, count, offset, days = step
            members = MEMBERS[:count]
            answer = post(
                "EducationAttended",
                day(offset),
                branch_id=branch_id,
                members=list(members),
                days=days,
                topic="党史学习",
            )
            if answer is not None and not answer.replayed:
                posted.educated.append((at, day(offset), members, days))
        elif step[0] == "programme":
            _, cadence, offset, grace, parts, education_days = step
            duties = programme_data(cadence, grace, parts)
            answer = post(
                "LifeProgrammeSet",
                day(offset),
                district_id=district_id,
                year=YEAR,
                duties=duties,
                education_days=education_days,
            )
            if answer is not None and not answer.replayed:
                version = programme_from_data(duties)
                posted.programmes.append((at, day(offset), version, education_days))
        elif step[0] == "theme":
            _, scope, month_number, unified_day, offset = step
            scope_id = {"town": committees[0], "sector": committees[1]}.get(scope)
            month = f"{YEAR}-{month_number:02d}"
            unified = date(YEAR, month_number, unified_day)
            where = {"committee_id": scope_id} if scope_id else {"district_id": district_id}
            answer = post(
                "ThemePublished",
                day(offset),
                **where,
                month=month,
                theme="学习党章",
                unified_on=unified,
            )
            if answer is not None and not answer.replayed:
                tid, scope_text = str(answer.aggregate_id), str(scope_id or district_id)
                posted.themes.append(
                    (at, day(offset), "published", tid, scope_text, month, unified)
                )
                if (tid, scope_text, month) not in posted.theme_ids:
                    posted.theme_ids.append((tid, scope_text, month))
        elif step[0] in ("revise", "withdraw") and posted.theme_ids:
            tid, scope_text, month = posted.theme_ids[step[1] % len(posted.theme_ids)]
            if step[0] == "revise":
                unified = date(int(month[:4]), int(month[5:]), step[2])
                answer = post(
                    "ThemeRevised",
                    day(step[3]),
                    theme_id=UUID(tid),
                    theme="学习党章",
                    unified_on=unified,
                    reason="改期",
                )
                dated, kind = day(step[3]), "revised"
            else:
                answer = post("ThemeWithdrawn", day(step[2]), theme_id=UUID(tid), reason="误发")
                dated, kind, unified = day(step[2]), "withdrawn", None
            if answer is not None and not answer.replayed:
                posted.themes.append((at, dated, kind, tid, scope_text, month, unified))
        elif step[0] == "themed" and posted.theme_ids:
            _, index, offset, reason = step
            tid = posted.theme_ids[index % len(posted.theme_ids)][0]
            on = day(offset)
            because = "生产任务重" if reason else ""
            answer = post(
                "LifeActivityHeld",
                on,
                branch_id=branch_id,
                activity="themed_party_day",
                topic="主题党日",
                participants=5,
                parts=SIX,
                theme_id=UUID(tid),
                theme_reason=because,
            )
            if answer is not None and not answer.replayed:
                held = Held(str(answer.event_id), "themed_party_day", on, frozenset(SIX))
                posted.held.append((at, held))
                posted.follows[str(answer.event_id)] = (tid, because)
        elif last is not None:  # a retry of the last post: one fact, the first answer
            type_, on, data, key = last
            post(type_, on, key, **data)
    times.append(datetime.now(UTC))
    return posted, times


def by(at: datetime, known: datetime | None) -> bool:
    return known is None or at < known


def in_force(posted: Posted, on: date, known: datetime | None) -> tuple[tuple[LifeDuty, ...], int]:
    found: tuple[tuple[LifeDuty, ...], int] = (STANDARD_PROGRAMME, EDUCATION_DAYS)
    for at, dated, duties, education_days in posted.programmes:
        if by(at, known) and dated <= on:
            found = (duties, education_days)
    return found


def expected(posted: Posted, on: date, known: datetime | None) -> dict[str, Any]:
    held = [h for at, h in posted.held if by(at, known) and h.occurred_on <= on]
    delays: dict[str, date] = {}
    for at, dated, period, until in posted.delays:
        if by(at, known) and dated <= on:
            delays[period] = until
    programme, education_days = in_force(posted, on, known)
    duties = []
    for duty in programme:
        if duty.owner != BRANCH:
            continue
        settled = settle_duty(duty, YEAR, held, delays if duty.delay_allowed else {}, on)
        duties.append([{"status": p.status.value, "counted": sorted(p.counted)} for p in settled])
    days: dict[str, int] = {}
    for at, dated, members, count in posted.educated:
        if by(at, known) and dated <= on:
            for member in members:
                days[member] = days.get(member, 0) + count
    education = {m: (n, n >= education_days) for m, n in days.items()}
    return {"duties": duties, "education": education}


def observed(view: dict[str, Any]) -> dict[str, Any]:
    return {
        "duties": [
            [{"status": p["status"], "counted": sorted(p["counted"])} for p in duty["periods"]]
            for duty in view["duties"]
        ],
        "education": {e["member"]: (e["days"], e["status"] == "done") for e in view["education"]},
    }


def committee_of(posted: Posted, town: UUID, on: date, known: datetime | None) -> str | None:
    if on < REGISTERED:
        return None
    committee = town
    for at, dated, to in posted.moves:
        if by(at, known) and dated <= on:
            committee = to
    return str(committee)


def expected_themes(
    posted: Posted, on: date, known: datetime | None, district: UUID, town: UUID
) -> list[str]:
    """Each month's "1" on ``on`` as known at ``known``, by the rule in words: the themes
    standing for the branch's committee (at the month's end, or on D) and its district; a
    themed day naming one on its unified date, or with a reason, follows it."""
    themes: dict[str, dict[str, Any]] = {}
    for at, dated, kind, tid, scope, month, unified in posted.themes:
        if not by(at, known) or dated > on:
            continue
        if kind == "published":
            themes[tid] = {"scope": scope, "month": month, "unified_on": unified}
        elif kind == "revised" and tid in themes:
            themes[tid]["unified_on"] = unified
        elif kind == "withdrawn":
            themes.pop(tid, None)
    days = [
        (h.occurred_on, posted.follows.get(h.event_id))
        for at, h in posted.held
        if by(at, known) and h.occurred_on <= on and h.activity == "themed_party_day"
    ]
    found = []
    for number in range(1, 13):
        month = f"{YEAR}-{number:02d}"
        first = date(YEAR, number, 1)
        last = date(YEAR, number + 1, 1) - timedelta(days=1) if number < 12 else TODAY
        if on < first:
            found.append("upcoming")
            continue
        committee = committee_of(posted, town, min(last, on), known) or committee_of(
            posted, town, on, known
        )
        mine = {
            tid: t
            for tid, t in themes.items()
            if t["month"] == month and t["scope"] in (committee, str(district))
        }
        if not mine:
            found.append("no_theme")
            continue
        following = [(d, f) for d, f in days if f is not None and f[0] in mine]
        if any(d == mine[f[0]]["unified_on"] or f[1] for d, f in following):
            found.append("followed")
        elif following:
            found.append("off_date")
        elif any(first <= d <= last for d, _ in days):
            found.append("not_followed")
        else:
            found.append("due" if on <= last else "missed")
    return found


def placed(roll_up: dict[str, Any], branch_id: UUID) -> str | None:
    for committee_id, entry in roll_up.items():
        if any(b["branch_id"] == str(branch_id) for b in entry["branches"]):
            return str(committee_id)
    return None


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


def ranking(rolled: dict[str, Any]) -> list[dict[str, Any]]:
    """The district's ranking as the roll-up it sums says it."""
    return [
        {"committee_id": c, "branches": len(e["branches"]), "counts": e["counts"]}
        for c, e in sorted(rolled.items())
    ]


@hypothesis_settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    phases=(Phase.explicit, Phase.reuse, Phase.generate),
)
@given(steps=st.lists(actions, min_size=1, max_size=25), checked=st.lists(offsets, max_size=3))
# March's theme by the town for the 15th, followed on the day; April's by the district
# followed late with a reason; May's followed off the date, then moved to that date; June's
# withdrawn; a themed day in July naming none.
@example(
    steps=[
        ("theme", "town", 3, 15, 40),
        ("themed", 0, 73, False),
        ("theme", "district", 4, 10, 80),
        ("themed", 1, 104, True),
        ("theme", "town", 5, 20, 110),
        ("themed", 2, 135, False),
        ("revise", 2, 16, 136),
        ("theme", "sector", 6, 5, 140),
        ("move", True, 150),
        ("themed", 3, 156, False),
        ("withdraw", 3, 170),
        ("held", "themed_party_day", 190, 6),
    ],
    checked=[100, 200, 364],
)
def test_live_views_equal_the_replay_and_the_rule_for_every_d_and_t(world, steps, checked):
    """002 "党内民主生活会每年召开两次…遇有特殊情况需延期召开的,必须报告上级党组织同意",
    002 "党员每年累计参加集体教育活动时间不少于12天" and 003 §二 "每月开展一次“主题党日”
    活动", with its "1" (003_89519334301ad43f.txt: "“1”即每次活动主题由上级党组织…确定并统一
    时间"): what a view says on D as known at T is what had happened by D among what had
    been recorded by T, under the programme then in force."""
    settings, service, worker, views = world
    d = make_district(settings, today=TODAY, service=service)
    branch_id = d.branch(f"支部{uuid4().hex[:6]}", d.town, "non_public_enterprise")
    posted, times = run(service, d.district, branch_id, steps, (d.town, d.sector))
    worker.catch_up()
    if posted.held or posted.educated:
        # The roll-up below reads the branches' spans, not the fold on read.
        spans = "SELECT DISTINCT year FROM life_span WHERE owner_id = ? ORDER BY year"
        assert YEAR in [r["year"] for r in views.select(spans, (str(branch_id),))]
    replay = replayed_views(settings, None, None)
    dated = {h.occurred_on for _, h in posted.held} | {x[1] for x in posted.delays}
    dated |= {x[1] for x in posted.programmes} | {x[1] for x in posted.educated}
    dated |= {x[1] for x in posted.themes} | {x[6] for x in posted.themes if x[6] is not None}
    days = sorted(
        {
            *dated,
            *(x - timedelta(days=1) for x in dated),
            date(YEAR, 7, 1),
            TODAY,
            *map(day, checked),
        }
    )
    for on in days:
        live = views.party_life_branch(branch_id, YEAR, on)
        assert live == replay.party_life_branch(branch_id, YEAR, on), on
        assert observed(live) == expected(posted, on, None), on
        rolled = views.party_life_roll_up(d.district, YEAR, on)
        assert rolled == replay.party_life_roll_up(d.district, YEAR, on), on
        # The branches' stored spans say what folding every branch's history on read says.
        assert rolled == views._party_life_roll_up_folded(d.district, YEAR, on), on
        assert ranking(rolled) == views.party_life_ranking(d.district, YEAR, on), on
        assert placed(rolled, branch_id) == committee_of(posted, d.town, on, None), on
        # The roll-up counts the branch's periods as its own year does.
        for entry in rolled.values():
            for counted in entry["branches"]:
                if counted["branch_id"] == str(branch_id):
                    assert counted == {"branch_id": str(branch_id), **live["counts"]}, on
        months = views.branch_themes(branch_id, YEAR, on)
        assert months == replay.branch_themes(branch_id, YEAR, on), on
        wanted = expected_themes(posted, on, None, d.district, d.town)
        assert [m["status"] for m in months] == wanted, on
        grid = views.party_life_themes(d.district, YEAR, on)
        assert grid == replay.party_life_themes(d.district, YEAR, on), on
        due = views.party_life_due(d.district, YEAR, on)
        assert due == replay.party_life_due(d.district, YEAR, on), on
        # The lists hold the branches on the district's register on D.
        mine = [i for i in due["overdue"] if i["owner_id"] == str(branch_id)]
        registered = on >= REGISTERED
        assert len(mine) == (live["counts"]["overdue"] if registered else 0), on
    # As known at earlier times: what had been posted by then, on the same days.
    for known in sorted(set(times[:: max(1, len(times) // 3)])):
        then = replayed_views(settings, known, None)
        for on in days:
            view = then.party_life_branch(branch_id, YEAR, on)
            assert observed(view) == expected(posted, on, known), (known, on)
            rolled = then.party_life_roll_up(d.district, YEAR, on)
            assert placed(rolled, branch_id) == committee_of(posted, d.town, on, known)
            months = [m["status"] for m in then.branch_themes(branch_id, YEAR, on)]
            assert months == expected_themes(posted, on, known, d.district, d.town), (known, on)
            assert rolled == then._party_life_roll_up_folded(d.district, YEAR, on), (known, on)


def test_a_rebuild_gives_the_live_workers_views(world):
    """The rebuild (fresh tables swapped in) folds the same rows as the live worker: a
    branch's year, the roll-up and the lists, with a committee's exchange visit (003 §二
    "每季度组织一次…观摩交流"), members' education (002 "不少于12天") and a programme."""
    settings, service, worker, views = world
    d = make_district(settings, today=TODAY, service=service)
    branch_id = d.branch(f"支部{uuid4().hex[:6]}", d.town, "non_public_enterprise")
    steps = [
        ("held", "members_meeting", 75, 5),
        ("educated", 2, 100, 5),
        ("programme", "quarterly", 120, 3, 6, 8),
        ("held", "themed_party_day", 130, 6),
    ]
    run(service, d.district, branch_id, steps, (d.town, d.sector))
    visit = {"activity": "exchange_visit", "topic": "观摩交流", "participants": 20}
    service.post(
        CALLER, Posting("CommitteeActivityHeld", day(88), {"committee_id": d.town, **visit})
    )
    worker.catch_up()

    def seen() -> list[Any]:
        return [
            (
                views.party_life_branch(branch_id, YEAR, on),
                views.party_life_roll_up(d.district, YEAR, on),
                views.party_life_due(d.district, YEAR, on),
                views.party_life_committee_own(d.town, d.district, YEAR, on),
            )
            for on in (day(80), day(125), TODAY)
        ]

    live = seen()
    # Every event of it was folded, by the timeline as by the progress projection.
    assert views.select("SELECT projection, error FROM dead_letters") == []
    own = live[-1][3]
    (q1,) = [p for duty in own["duties"] for p in duty["periods"] if p["period"] == f"{YEAR}-Q1"]
    assert q1["status"] == "done"
    rebuild(settings)
    assert seen() == live
