"""The fold of a branch's organizational life reads time as every view does
(``projections/fold/dated.py``): corrections and withdrawals count from their own dates."""

from __future__ import annotations

from datetime import date
from uuid import uuid4

from taizhang.domain.branch_life import BranchLife
from taizhang.projections.fold.party_life import branch_year, facts_on, history_of
from tests.unit.factories import prov


def status(view: dict, duty: str, period: str) -> str:
    (found,) = [d for d in view["duties"] if d["duty"] == duty]
    (row,) = [p for p in found["periods"] if p["period"] == period]
    return str(row["status"])


def test_corrections_and_withdrawals_count_from_their_own_dates() -> None:
    """002 "每季度至少集中上一次党课": a lecture reported for 5 July, corrected on 10 July to
    its true date 28 June, does the second quarter from the correction's date on; its
    withdrawal on 1 August undoes it from then."""
    life = BranchLife.open(prov(date(2014, 1, 1)), uuid4())
    held = prov(date(2014, 7, 5))
    life.hold_activity(held, activity="party_lecture", topic="党章", participants=6)
    life.correct(
        prov(date(2014, 7, 10)),
        corrects=held.event_id,
        reason="日期记错",
        changes={"occurred_on": date(2014, 6, 28)},
    )
    life.withdraw_fact(prov(date(2014, 8, 1)), withdraws=held.event_id, reason="重复")
    events = history_of(life.collect_events())
    assert status(branch_year(events, 2014, date(2014, 7, 9)), "party_lecture", "2014-Q2") == (
        "overdue"
    )
    assert status(branch_year(events, 2014, date(2014, 7, 9)), "party_lecture", "2014-Q3") == (
        "done"
    )
    on_tenth = branch_year(events, 2014, date(2014, 7, 10))
    assert status(on_tenth, "party_lecture", "2014-Q2") == "done"
    assert status(on_tenth, "party_lecture", "2014-Q3") == "due"
    assert status(branch_year(events, 2014, date(2014, 8, 1)), "party_lecture", "2014-Q2") == (
        "overdue"
    )
    # On the last day the live aggregate's facts are what the fold keeps.
    assert set(facts_on(events, "2014-12-31")) == {str(k) for k in life.facts.current}
