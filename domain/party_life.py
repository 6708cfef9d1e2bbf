"""Regular organizational life (经常性组织生活): the duties a branch owes on a cadence, as
data, and the rule that says, for a period and a business date, whether a duty is done,
due or overdue.

Seed 002 (第五篇, 党组织开展活动制度, 民主生活会制度, 党员教育、培训制度, 党务公开制度) and
seed 003 §二 set the rhythm. A programme is a tuple of ``LifeDuty``: which activity
completes the duty, how often, how many times a period, which parts it must have, how many
days of grace follow a period, and whether the upper level may approve a delay. The duties
the seeds name ship as ``STANDARD_PROGRAMME``.

An activity counts for one period only: periods are settled in order and each takes the
earliest activities dated within it or, late, within its grace days (or up to a delay the
upper level approved), that no earlier period took.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache

from .errors import InvalidValue
from .vocabulary import Labelled


class LifeActivity(Labelled):
    """What a branch (or its committee) holds."""

    MEMBERS_MEETING = ("members_meeting", "支部党员大会", "branch members' meeting")
    COMMITTEE_MEETING = ("committee_meeting", "支部委员会", "branch committee meeting")
    GROUP_MEETING = ("group_meeting", "党小组会", "party group meeting")
    PARTY_LECTURE = ("party_lecture", "党课", "party lecture")
    THEMED_PARTY_DAY = ("themed_party_day", "主题党日", "themed party day")
    DEMOCRATIC_LIFE_MEETING = ("democratic_life_meeting", "民主生活会", "democratic life meeting")
    MEMBER_EVALUATION = ("member_evaluation", "民主评议党员", "democratic evaluation of members")
    AFFAIRS_MADE_PUBLIC = ("affairs_made_public", "党务公开", "party affairs made public")
    REPORT_TO_MEMBERS = ("report_to_members", "向党员大会报告", "report to the members' meeting")
    EXCHANGE_VISIT = ("exchange_visit", "观摩交流", "exchange visit")
    SECRETARY_REPORTING = ("secretary_reporting", "述职评议考核", "secretaries' reporting")


class ThemedDayPart(Labelled):
    """The "6" of a themed party day in the "1+6+X" form (seed 003 §二)."""

    STUDY_DISCUSSION = ("study_discussion", "学习讨论", "study and discussion")
    ONSITE_TEACHING = ("onsite_teaching", "现场教学", "on-site teaching")
    PARTY_SPIRIT_ANALYSIS = ("party_spirit_analysis", "党性分析", "party spirit analysis")
    DEMOCRATIC_DELIBERATION = ("democratic_deliberation", "民主议事", "democratic deliberation")
    DUES_PAID = ("dues_paid", "缴纳党费", "paying dues")
    VOLUNTEER_SERVICE = ("volunteer_service", "志愿服务", "volunteer service")


class Cadence(Labelled):
    MONTHLY = ("monthly", "每月", "monthly")
    QUARTERLY = ("quarterly", "每季度", "quarterly")
    HALF_YEARLY = ("half_yearly", "每半年", "half-yearly")
    YEARLY = ("yearly", "每年", "yearly")


class LifeStatus(Labelled):
    UPCOMING = ("upcoming", "未开始", "upcoming")
    DUE = ("due", "待完成", "due")
    DONE = ("done", "已完成", "done")
    OVERDUE = ("overdue", "逾期", "overdue")


# Who owes a duty: each branch, or the committee over its branches (seed 003 §二: the
# exchange visit "以乡镇（街道）、产业园区、行业党组织为单位").
BRANCH, COMMITTEE = "branch", "committee"
SIX_PARTS = frozenset(p.value for p in ThemedDayPart)
# The years a period may name (the views' business dates are bounded alike).
MIN_YEAR, MAX_YEAR = 1900, 2999
ACTIVITY_KEYS = frozenset(a.value for a in LifeActivity)


@dataclass(frozen=True)
class Period:
    key: str  # 2014-03, 2014-Q1, 2014-H1, 2014
    starts_on: date
    ends_on: date


@lru_cache(maxsize=4096)
def periods(cadence: Cadence, year: int) -> tuple[Period, ...]:
    """The periods of a year at a cadence, in order (kept: every view asks again)."""
    months = {Cadence.MONTHLY: 1, Cadence.QUARTERLY: 3, Cadence.HALF_YEARLY: 6, Cadence.YEARLY: 12}
    step = months[cadence]
    found = []
    for index, first in enumerate(range(1, 13, step)):
        last = first + step - 1
        key = {
            Cadence.MONTHLY: f"{year}-{first:02d}",
            Cadence.QUARTERLY: f"{year}-Q{index + 1}",
            Cadence.HALF_YEARLY: f"{year}-H{index + 1}",
            Cadence.YEARLY: f"{year}",
        }[cadence]
        ends_on = date(year, last, calendar.monthrange(year, last)[1])
        found.append(Period(key, date(year, first, 1), ends_on))
    return tuple(found)


@dataclass(frozen=True)
class LifeDuty:
    key: str
    activity: LifeActivity
    cadence: Cadence
    seed: str  # where the rule comes from, in the seed's words
    times: int = 1  # activities a period
    required_parts: frozenset[str] = frozenset()
    grace_days: int = 0
    delay_allowed: bool = False  # the upper level may approve a later date
    owner: str = BRANCH

    def period(self, key: str, field_name: str = "period") -> Period:
        """The period named ``key`` (``2014-H1``), refused by field and rule otherwise."""
        year_text = key[:4]
        if year_text.isdigit() and MIN_YEAR <= int(year_text) <= MAX_YEAR:
            for found in periods(self.cadence, int(year_text)):
                if found.key == key:
                    return found
        raise _invalid(field_name, "period_of_cadence", f"{key!r} is no {self.cadence} period")


def _invalid(field_name: str, rule: str, message: str) -> Exception:
    return InvalidValue(field_name, rule, message)


_002_MEETINGS = "002: 支部党员大会、支部委员会、党小组会和党课每月进行一次"
STANDARD_PROGRAMME: tuple[LifeDuty, ...] = (
    LifeDuty("members_meeting", LifeActivity.MEMBERS_MEETING, Cadence.MONTHLY, _002_MEETINGS),
    LifeDuty("committee_meeting", LifeActivity.COMMITTEE_MEETING, Cadence.MONTHLY, _002_MEETINGS),
    LifeDuty("group_meeting", LifeActivity.GROUP_MEETING, Cadence.MONTHLY, _002_MEETINGS),
    LifeDuty(
        "party_lecture",
        LifeActivity.PARTY_LECTURE,
        Cadence.QUARTERLY,
        "002: 党总支(党支部)每季度至少集中上一次党课",
    ),
    LifeDuty(
        "themed_party_day",
        LifeActivity.THEMED_PARTY_DAY,
        Cadence.MONTHLY,
        "003 §二: 每月开展一次“主题党日”活动…“6”即学习讨论、现场教学、党性分析、民主议事、"
        "缴纳党费、志愿服务",
        required_parts=SIX_PARTS,
    ),
    LifeDuty(
        "democratic_life_meeting",
        LifeActivity.DEMOCRATIC_LIFE_MEETING,
        Cadence.HALF_YEARLY,
        "002: 党内民主生活会每年召开两次,一般在半年和年底时召开。遇有特殊情况需延期召开的,"
        "必须报告上级党组织同意。",
        delay_allowed=True,
    ),
    LifeDuty(
        "member_evaluation",
        LifeActivity.MEMBER_EVALUATION,
        Cadence.YEARLY,
        "002: 每年至少召开1次民主生活会和民主评议党员活动; 拟定每年年底进行党员民主评议工作",
    ),
    LifeDuty(
        "affairs_made_public",
        LifeActivity.AFFAIRS_MADE_PUBLIC,
        Cadence.HALF_YEARLY,
        "002: 党内情况一般每半年通报一次",
    ),
    LifeDuty(
        "report_to_members",
        LifeActivity.REPORT_TO_MEMBERS,
        Cadence.HALF_YEARLY,
        "002: 党支部每半年向党员大会报告一次",
    ),
    LifeDuty(
        "exchange_visit",
        LifeActivity.EXCHANGE_VISIT,
        Cadence.QUARTERLY,
        "003 §二: 每季度组织一次非“两新”组织党建工作观摩交流",
        owner=COMMITTEE,
    ),
    LifeDuty(
        "secretary_reporting",
        LifeActivity.SECRETARY_REPORTING,
        Cadence.YEARLY,
        "003 §二: 每年开展一次述职评议考核",
        owner=COMMITTEE,
    ),
)
STANDARD_DUTIES = {duty.key: duty for duty in STANDARD_PROGRAMME}


@dataclass(frozen=True)
class Held:
    """An activity as the rule sees it: what, when, which parts, and its event id."""

    event_id: str
    activity: str
    occurred_on: date
    parts: frozenset[str] = frozenset()


@dataclass(frozen=True)
class DutyPeriod:
    duty: str
    period: Period
    due_on: date  # the period's end, plus grace, or the approved delay
    status: LifeStatus
    done_on: date | None = None
    late: bool = False  # done after the period's end (in grace or under a delay)
    counted: tuple[str, ...] = ()
    missing_parts: tuple[str, ...] = ()  # of the best attempt, when parts are required
    delayed_until: date | None = None


@dataclass
class _Pool:
    taken: set[str] = field(default_factory=set)


def settle_duty(
    duty: LifeDuty,
    year: int,
    held: Iterable[Held],
    delays: dict[str, date],
    as_of: date,
) -> list[DutyPeriod]:
    """Each period of ``year`` for ``duty``, as it stands on ``as_of``.

    ``held``: the activities dated by ``as_of`` (of any kind); ``delays``: the approved
    delays by period key. Upcoming: the period has not begun. Done: enough qualifying
    activities (``times``, each with the required parts) dated from the period's start to
    its due date, and by ``as_of``. Due: begun, not done, due date not passed. Overdue:
    the due date passed without it.
    """
    activity = duty.activity.value
    candidates = sorted(
        (h for h in held if h.activity == activity and h.occurred_on <= as_of),
        key=lambda h: (h.occurred_on, h.event_id),
    )
    pool = _Pool()
    settled = []
    for period in periods(duty.cadence, year):
        settled.append(_settle_period(duty, period, candidates, delays, as_of, pool))
    return settled


def _settle_period(
    duty: LifeDuty,
    period: Period,
    candidates: Sequence[Held],
    delays: dict[str, date],
    as_of: date,
    pool: _Pool,
) -> DutyPeriod:
    delayed_until = delays.get(period.key) if duty.delay_allowed else None
    due_on = period.ends_on + timedelta(days=duty.grace_days)
    if delayed_until is not None and delayed_until > due_on:
        due_on = delayed_until
    counted: list[Held] = []
    best_missing: frozenset[str] | None = None
    for h in candidates:
        if h.event_id in pool.taken or not period.starts_on <= h.occurred_on <= due_on:
            continue
        missing = duty.required_parts - h.parts
        if missing:
            if best_missing is None or len(missing) < len(best_missing):
                best_missing = missing
            continue
        counted.append(h)
        if len(counted) == duty.times:
            break
    missing_parts = tuple(sorted(best_missing)) if best_missing and not counted else ()
    if len(counted) == duty.times:
        pool.taken.update(h.event_id for h in counted)
        done_on = counted[-1].occurred_on
        return DutyPeriod(
            duty.key,
            period,
            due_on,
            LifeStatus.DONE,
            done_on=done_on,
            late=done_on > period.ends_on,
            counted=tuple(h.event_id for h in counted),
            delayed_until=delayed_until,
        )
    if as_of < period.starts_on:
        status = LifeStatus.UPCOMING
    elif as_of <= due_on:
        status = LifeStatus.DUE
    else:
        status = LifeStatus.OVERDUE
    return DutyPeriod(
        duty.key,
        period,
        due_on,
        status,
        counted=tuple(h.event_id for h in counted),
        missing_parts=missing_parts,
        delayed_until=delayed_until,
    )
