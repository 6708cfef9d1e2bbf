"""The duties of regular organizational life, and when each is done, due or overdue.

The rules come from seed 002 (第五篇) and seed 003 §二; each test quotes its rule."""

from __future__ import annotations

from datetime import date
from uuid import uuid4

import pytest

from taizhang.domain.branch_life import BranchLife
from taizhang.domain.errors import InvalidValue, RuleViolation
from taizhang.domain.party_life import (
    STANDARD_DUTIES,
    Cadence,
    Held,
    LifeStatus,
    periods,
    settle_duty,
)
from tests.unit.factories import prov

SIX = [
    "study_discussion",
    "onsite_teaching",
    "party_spirit_analysis",
    "democratic_deliberation",
    "dues_paid",
    "volunteer_service",
]


def held(activity: str, on: date, parts: list[str] | None = None) -> Held:
    return Held(str(uuid4()), activity, on, frozenset(parts or ()))


def by_period(duty: str, items: list[Held], as_of: date, delays: dict | None = None) -> dict:
    settled = settle_duty(STANDARD_DUTIES[duty], 2014, items, delays or {}, as_of)
    return {p.period.key: p for p in settled}


def test_periods_cover_the_year_without_gaps() -> None:
    for cadence in Cadence:
        found = periods(cadence, 2016)  # a leap year
        assert found[0].starts_on == date(2016, 1, 1)
        assert found[-1].ends_on == date(2016, 12, 31)
        for before, after in zip(found, found[1:], strict=False):
            assert (after.starts_on - before.ends_on).days == 1
    assert [p.key for p in periods(Cadence.QUARTERLY, 2014)] == [
        "2014-Q1",
        "2014-Q2",
        "2014-Q3",
        "2014-Q4",
    ]
    assert periods(Cadence.MONTHLY, 2016)[1].ends_on == date(2016, 2, 29)


def test_a_meeting_on_the_last_day_of_a_month_counts_for_that_month() -> None:
    """002 "支部党员大会、支部委员会、党小组会和党课每月进行一次": a meeting on 31 March
    is March's; April is still owed, and is overdue once April has passed."""
    items = [held("members_meeting", date(2014, 3, 31))]
    found = by_period("members_meeting", items, date(2014, 5, 1))
    assert found["2014-03"].status is LifeStatus.DONE
    assert found["2014-03"].done_on == date(2014, 3, 31)
    assert not found["2014-03"].late
    assert found["2014-04"].status is LifeStatus.OVERDUE
    assert found["2014-05"].status is LifeStatus.DUE
    assert found["2014-06"].status is LifeStatus.UPCOMING
    # On the last day of April, April is due, not yet overdue.
    assert by_period("members_meeting", items, date(2014, 4, 30))["2014-04"].status is (
        LifeStatus.DUE
    )


def test_a_meeting_counts_once_and_only_by_its_business_date() -> None:
    """002 "每月进行一次": one meeting on 1 April does not also serve March; and a meeting
    dated after the as-of date has not happened yet."""
    items = [held("members_meeting", date(2014, 4, 1))]
    found = by_period("members_meeting", items, date(2014, 4, 2))
    assert found["2014-03"].status is LifeStatus.OVERDUE
    assert found["2014-04"].status is LifeStatus.DONE
    earlier = by_period("members_meeting", items, date(2014, 3, 31))
    assert earlier["2014-04"].status is LifeStatus.UPCOMING
    assert earlier["2014-03"].status is LifeStatus.DUE


def test_the_party_lecture_is_owed_each_quarter() -> None:
    """002 "党总支(党支部)每季度至少集中上一次党课": one lecture in a quarter does it;
    a quarter without one is overdue the day after it ends."""
    items = [held("party_lecture", date(2014, 2, 14)), held("party_lecture", date(2014, 3, 1))]
    found = by_period("party_lecture", items, date(2014, 7, 1))
    assert found["2014-Q1"].status is LifeStatus.DONE
    assert found["2014-Q1"].counted == (items[0].event_id,)
    assert found["2014-Q2"].status is LifeStatus.OVERDUE
    assert found["2014-Q2"].due_on == date(2014, 6, 30)
    assert found["2014-Q3"].status is LifeStatus.DUE


def test_a_themed_party_day_needs_its_six_parts() -> None:
    """003 §二 "每月开展一次“主题党日”活动…“6”即学习讨论、现场教学、党性分析、民主议事、
    缴纳党费、志愿服务": a day without volunteer service does not do the month's duty, and
    the view says which part is missing."""
    partial = held("themed_party_day", date(2014, 5, 10), SIX[:5])
    full = held("themed_party_day", date(2014, 6, 10), SIX)
    found = by_period("themed_party_day", [partial, full], date(2014, 7, 1))
    assert found["2014-05"].status is LifeStatus.OVERDUE
    assert found["2014-05"].missing_parts == ("volunteer_service",)
    assert found["2014-06"].status is LifeStatus.DONE
    assert found["2014-06"].missing_parts == ()


def test_democratic_life_meeting_twice_a_year_and_its_approved_delay() -> None:
    """002 "党内民主生活会每年召开两次,一般在半年和年底时召开。遇有特殊情况需延期召开的,
    必须报告上级党组织同意。": without a delay the first half-year is overdue from 1 July;
    with the upper level's approval until 31 August, a meeting on 20 August does it, late."""
    meeting = held("democratic_life_meeting", date(2014, 8, 20))
    plain = by_period("democratic_life_meeting", [meeting], date(2014, 9, 1))
    assert plain["2014-H1"].status is LifeStatus.OVERDUE
    assert plain["2014-H2"].status is LifeStatus.DONE  # the August meeting is H2's
    delays = {"2014-H1": date(2014, 8, 31)}
    delayed = by_period("democratic_life_meeting", [meeting], date(2014, 9, 1), delays)
    assert delayed["2014-H1"].status is LifeStatus.DONE
    assert delayed["2014-H1"].late
    assert delayed["2014-H1"].due_on == date(2014, 8, 31)
    assert delayed["2014-H2"].status is LifeStatus.DUE
    # Before the meeting, within the delay, H1 is due, not overdue.
    before = by_period("democratic_life_meeting", [], date(2014, 8, 1), delays)
    assert before["2014-H1"].status is LifeStatus.DUE


def test_the_evaluation_of_members_is_yearly() -> None:
    """002 "每年至少召开1次民主生活会和民主评议党员活动" and "拟定每年年底进行党员民主评议工作":
    one evaluation a year; the year is due until its last day, overdue after."""
    assert STANDARD_DUTIES["member_evaluation"].cadence is Cadence.YEARLY
    assert by_period("member_evaluation", [], date(2014, 12, 31))["2014"].status is (LifeStatus.DUE)
    assert by_period("member_evaluation", [], date(2015, 1, 1))["2014"].status is (
        LifeStatus.OVERDUE
    )
    done = by_period(
        "member_evaluation", [held("member_evaluation", date(2014, 12, 20))], date(2015, 1, 1)
    )
    assert done["2014"].status is LifeStatus.DONE


def test_committee_duties_are_the_committees() -> None:
    """003 §二 "每季度组织一次…观摩交流" and "每年开展一次述职评议考核" are organized by the
    upper level ("以乡镇（街道）、产业园区、行业党组织为单位"): a branch does not record them."""
    assert STANDARD_DUTIES["exchange_visit"].owner == "committee"
    assert STANDARD_DUTIES["exchange_visit"].cadence is Cadence.QUARTERLY
    assert STANDARD_DUTIES["secretary_reporting"].cadence is Cadence.YEARLY
    life = BranchLife.open(prov(date(2014, 1, 1)), uuid4())
    with pytest.raises(InvalidValue) as refused:
        life.hold_activity(
            prov(date(2014, 3, 1)), activity="exchange_visit", topic="观摩", participants=9
        )
    assert (refused.value.field, refused.value.rule) == ("activity", "owed_by_branch")


@pytest.mark.parametrize(
    ("kwargs", "field", "rule"),
    [
        ({"activity": "picnic"}, "activity", "vocabulary"),
        ({"parts": ["dues_paid"]}, "parts", "themed_day_only"),
        ({"activity": "themed_party_day", "parts": ["dancing"]}, "parts", "vocabulary"),
        ({"activity": "themed_party_day", "parts": ["dues_paid", "dues_paid"]}, "parts", "unique"),
        ({"topic": " "}, "topic", "required"),
        ({"participants": 0}, "participants", "positive"),
        ({"absent": -1}, "absent", "non_negative"),
    ],
)
def test_an_activity_is_refused_by_field_and_rule(kwargs: dict, field: str, rule: str) -> None:
    life = BranchLife.open(prov(date(2014, 1, 1)), uuid4())
    values = {"activity": "members_meeting", "topic": "学习党章", "participants": 9, **kwargs}
    with pytest.raises(InvalidValue) as refused:
        life.hold_activity(prov(date(2014, 3, 1)), **values)
    assert (refused.value.field, refused.value.rule) == (field, rule)


def test_a_delay_is_reported_before_the_upper_level_approves_it() -> None:
    """002 "遇有特殊情况需延期召开的,必须报告上级党组织同意": approval without a report is
    refused; a delay only of a duty that may be delayed, of a period of its cadence, to a day
    after the period."""
    life = BranchLife.open(prov(date(2014, 1, 1)), uuid4())
    with pytest.raises(RuleViolation) as refused:
        life.approve_delay(
            prov(date(2014, 6, 20)),
            duty="democratic_life_meeting",
            period="2014-H1",
            until=date(2014, 8, 31),
        )
    assert (refused.value.field, refused.value.rule) == ("period", "delay_requested_first")
    for kwargs, field, rule in [
        ({"duty": "members_meeting", "period": "2014-06"}, "duty", "delay_allowed"),
        ({"period": "2014-Q2"}, "period", "period_of_cadence"),
        ({"until": date(2014, 6, 30)}, "until", "after_period_end"),
        ({"duty": "nothing"}, "duty", "vocabulary"),
    ]:
        values = {
            "duty": "democratic_life_meeting",
            "period": "2014-H1",
            "until": date(2014, 8, 31),
            "reason": "书记外出学习",
            **kwargs,
        }
        with pytest.raises(InvalidValue) as bad:
            life.request_delay(prov(date(2014, 6, 20)), **values)
        assert (bad.value.field, bad.value.rule) == (field, rule)
    life.request_delay(
        prov(date(2014, 6, 20)),
        duty="democratic_life_meeting",
        period="2014-H1",
        until=date(2014, 8, 31),
        reason="书记外出学习",
    )
    life.approve_delay(
        prov(date(2014, 6, 22)),
        duty="democratic_life_meeting",
        period="2014-H1",
        until=date(2014, 8, 31),
    )
    assert len(life.facts.of_type(BranchLife.LifeMeetingDelayApproved)) == 1


def test_a_period_outside_the_years_is_refused_by_field_and_rule() -> None:
    for key in ("0000-H1", "2014-13", "2014-Q5", "14-H1", "2014"):
        with pytest.raises(InvalidValue) as refused:
            STANDARD_DUTIES["democratic_life_meeting"].period(key)
        assert (refused.value.field, refused.value.rule) == ("period", "period_of_cadence")
    assert STANDARD_DUTIES["member_evaluation"].period("2014").ends_on == date(2014, 12, 31)
