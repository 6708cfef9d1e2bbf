"""Copies of an aggregate share its facts: copying and recording cost the same at any size.

Writers change private copies of cached aggregates (``taizhang.ledger``), so a copy must
never see another copy's changes, yet must not copy the facts it holds.
"""

from __future__ import annotations

import copy
from datetime import date
from typing import Any

import pytest

from taizhang.domain import base
from taizhang.domain.branch_work import BranchWork
from tests.unit.factories import prov, study, work


def with_facts(count: int) -> BranchWork:
    w = work()
    for n in range(count):
        w.record_optional_action(prov(date(2014, 5, 1)), title=f"事项 {n}")
    w.collect_events()
    return w


@pytest.fixture
def entries_written(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Every entry written into any facts log, from now on."""
    written: list[Any] = []
    append = base._Log.append

    def counting(log: base._Log, event_id: Any, fact: Any) -> None:
        written.append(event_id)
        append(log, event_id, fact)

    monkeypatch.setattr(base._Log, "append", counting)
    return written


@pytest.mark.parametrize("held", [10, 5000])
def test_copying_and_recording_write_one_entry_whatever_the_facts_held(
    held: int, entries_written: list[Any]
) -> None:
    w = with_facts(held)
    entries_written.clear()
    clone = copy.deepcopy(w)
    clone.record_optional_action(prov(), title="新的")
    assert len(entries_written) == 1
    assert len(clone.facts) == held + 1 and len(w.facts) == held


def test_copies_of_one_state_never_see_each_others_facts(entries_written: list[Any]) -> None:
    w = with_facts(3)
    first, second = copy.deepcopy(w), copy.deepcopy(w)
    first.record_optional_action(prov(), title="一")
    # The second writer appends where the first already has: it forks a log of its own
    # (copying the three shared entries), which only racing writers ever pay.
    entries_written.clear()
    second.record_optional_action(prov(), title="二")
    assert len(entries_written) == 4
    titles = [[f.title for f in x.facts.values()] for x in (w, first, second)]
    assert titles == [
        ["事项 0", "事项 1", "事项 2"],
        ["事项 0", "事项 1", "事项 2", "一"],
        ["事项 0", "事项 1", "事项 2", "二"],
    ]


def test_corrections_and_withdrawals_in_a_copy_leave_the_original_as_it_was() -> None:
    w = work()
    kept = study(w, date(2014, 5, 1))
    gone = study(w, date(2014, 5, 2))
    w.collect_events()
    clone = copy.deepcopy(w)
    clone.correct(prov(), corrects=kept.event_id, reason="录入错误", changes={"participants": 30})
    clone.withdraw_fact(prov(), withdraws=gone.event_id, reason="重复录入")
    added = prov()
    clone.record_optional_action(added, title="补充")

    assert [f.participants for f in w.facts.of_type(BranchWork.StudySessionHeld)] == [12, 12]
    assert w.facts.withdrawn == frozenset() and len(w.facts) == 2
    # A corrected fact keeps its place; a withdrawn one is gone and remembered.
    assert list(clone.facts.current) == [kept.event_id, added.event_id]
    assert clone.facts.current[kept.event_id].participants == 30
    assert clone.facts.withdrawn == {gone.event_id} and len(clone.facts) == 2
    assert w.facts != clone.facts
    assert copy.deepcopy(clone).facts == clone.facts


def test_facts_set_whole_read_back_in_order() -> None:
    # The projections rebuild a branch's facts from view rows by setting them whole.
    source = with_facts(4)
    facts = base.Facts()
    facts.current = dict(enumerate(source.facts.values()))  # type: ignore[arg-type]
    assert [f.title for f in facts.of_type(BranchWork.OptionalActionRecorded)] == [
        f"事项 {n}" for n in range(4)
    ]
    assert len(facts) == 4
