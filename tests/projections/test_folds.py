"""The pure folds, without a database: events from the domain's own commands."""

from __future__ import annotations

import itertools
import random
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, NamedTuple
from uuid import uuid4

from eventsourcing.persistence import (
    DatetimeAsISO,
    DecimalAsStr,
    JSONTranscoder,
    Mapper,
    UUIDAsHex,
)

from taizhang.domain.branch import Branch
from taizhang.domain.branch_work import BranchWork
from taizhang.domain.campaign import Campaign
from taizhang.domain.phases import EIGHT_ONES, EIGHT_ONES_2014_DEADLINES, MILESTONES
from taizhang.domain.problem import Problem
from taizhang.domain.progress import phase_progress
from taizhang.domain.provenance import Provenance
from taizhang.projections.fold import fold, settle, timeline
from taizhang.projections.fold.organizations import index_progress_key
from taizhang.projections.fold.phase_status import phase_dates, status_on
from taizhang.projections.fold.problems import index_problems
from taizhang.projections.fold.spans import index_spans
from taizhang.projections.state import ViewState
from taizhang.projections.worker import process
from taizhang.store.transcodings import register_transcodings


def prov(on: date) -> Provenance:
    return Provenance(uuid4(), on, "tester", "unit")


def world():
    district, committee = uuid4(), uuid4()
    branch = Branch.register(
        prov(date(2014, 3, 1)),
        district_id=district,
        committee_id=committee,
        name="支部",
        level="branch",
        formation="standalone",
        host_name="公司",
        host_category="non_public_enterprise",
        employees=50,
        full_members=4,
    )
    phases = list(EIGHT_ONES.with_deadlines(EIGHT_ONES_2014_DEADLINES, date(2014, 9, 30)))
    campaign = Campaign.define(
        prov(date(2014, 4, 1)),
        district_id=district,
        name="c",
        starts_on=date(2014, 4, 1),
        ends_on=date(2014, 9, 30),
        phases=phases,
    )
    campaign.enrol(prov(date(2014, 4, 1)), [branch.id])
    work = BranchWork.open(prov(date(2014, 4, 2)), campaign.id, branch.id)
    return branch, campaign, work


def _mapper() -> Mapper:
    transcoder = JSONTranscoder()
    for transcoding in (UUIDAsHex(), DecimalAsStr(), DatetimeAsISO()):
        transcoder.register(transcoding)
    register_transcodings(transcoder)
    return Mapper(transcoder=transcoder)


MAPPER = _mapper()


class Note(NamedTuple):
    """A stored event at a log position, as the worker reads it."""

    id: int
    originator_id: Any
    originator_version: int
    topic: str
    state: bytes


def note(position: int, event) -> Note:
    stored = MAPPER.to_stored_event(event)
    return Note(
        position, stored.originator_id, stored.originator_version, stored.topic, stored.state
    )


def folded(*aggregates) -> ViewState:
    state = ViewState()
    events = [e for a in aggregates for e in a.collect_events()]
    for position, event in enumerate(events, start=1):
        fold(state, "progress", event, position)
        timeline.fold_stored(state, note(position, event), MAPPER.to_domain_event)
    assert settle(state) == []
    return state


def test_a_withdrawn_fact_counts_not_at_all_and_a_corrected_one_as_corrected():
    branch, campaign, work = world()
    work.hold_study_session(
        prov(date(2014, 4, 20)), topic="t", days=Decimal(1), hours=Decimal(3), participants=4
    )
    study = work.pending_events[-1].provenance.event_id
    work.hold_mobilization_meeting(prov(date(2014, 4, 18)), participants=9)
    meeting = work.pending_events[-1].provenance.event_id
    work.correct(
        prov(date(2014, 4, 21)), corrects=study, reason="r", changes={"days": Decimal("2.5")}
    )
    work.withdraw_fact(prov(date(2014, 4, 21)), withdraws=meeting, reason="r")
    state = folded(branch, campaign, work)
    (row,) = state.rows["branch_progress"].values()
    assert row["study_days"] == "2.5" and row["meetings"] == 0
    assert "mobilization_held" not in row["milestones"]
    marks = {(column, target) for column, target, _ in state.timeline_marks}
    assert marks == {("corrected_by", str(study)), ("withdrawn_by", str(meeting))}


def test_problem_status_follows_the_domain_including_a_failed_verification():
    branch, campaign, work = world()
    problem = _problem(campaign, branch, date(2014, 6, 1))
    problem.start_rectification(prov(date(2014, 5, 2)))
    problem.complete_rectification(prov(date(2014, 5, 3)), outcome="o")
    problem.verify_rectification(prov(date(2014, 5, 4)), passed=False)
    state = folded(branch, campaign, work, problem)
    (row,) = state.rows["problem_ledger"].values()
    assert row["status"] == problem.status().value == "in_progress"
    # The verifier is who posted (the provenance's actor), never the note in the body.
    assert row["verification_passed"] == 0 and row["verifier"] == "tester"
    (progress,) = state.rows["branch_progress"].values()
    assert progress["milestones"]["problems_listed"] == "2014-05-01"


def test_stored_phase_dates_give_the_domain_status_on_every_day():
    rng = random.Random(7)
    phases = EIGHT_ONES.with_deadlines(EIGHT_ONES_2014_DEADLINES, date(2014, 9, 30))
    start = date(2014, 4, 1)
    for _ in range(200):
        reached = {
            m: start + timedelta(days=rng.randrange(120))
            for m in rng.sample(sorted(MILESTONES), rng.randrange(len(MILESTONES)))
        }
        for phase, offset in itertools.product(phases, range(0, 130, 7)):
            day = start + timedelta(days=offset)
            started_on, done_on, due_on = phase_dates(phase, reached)
            expected = phase_progress(phase, reached, day).status.value
            got = status_on(
                started_on and started_on.isoformat(),
                done_on and done_on.isoformat(),
                phase.deadline.isoformat(),
                day.isoformat(),
                due_on and due_on.isoformat(),
            )
            assert got == expected, (phase.key, reached, day)


def test_a_fold_that_fails_becomes_a_dead_letter_and_the_batch_goes_on(monkeypatch):
    import taizhang.projections.fold as fold_module

    branch, campaign, work = world()
    work.hold_mobilization_meeting(prov(date(2014, 4, 18)), participants=9)
    events = [e for a in (branch, campaign, work) for e in a.collect_events()]

    def broken(state, event):
        raise RuntimeError("cannot fold")

    monkeypatch.setitem(fold_module.PROGRESS_HANDLERS, Campaign.Defined, broken)

    class FakeLedger:
        mapper = MAPPER

    state = ViewState()
    notes = [note(i, e) for i, e in enumerate(events, start=1)]
    letters = process(FakeLedger, state, notes, {"progress": (0, 0), "timeline": (0, 0)})
    assert [(p, pos) for p, pos, *_ in letters] == [("progress", 2)]
    assert "cannot fold" in letters[0][3]
    assert len(state.rows["branch_timeline"]) == 3  # the other projection folded it


def _problem(campaign, branch, deadline: date) -> Problem:
    return Problem.list_on_branch(
        prov(date(2014, 5, 1)),
        campaign_id=campaign.id,
        branch_id=branch.id,
        category="four_winds",
        description="d",
        measures="m",
        responsible_person="p",
        deadline=deadline,
    )


def _ledger_counts(state: ViewState) -> dict[str, tuple[int, int, int]]:
    """What the supervision views used to count from every problem: by deadline, the
    problems not withdrawn, those rectified, and those not yet rectified."""
    counts: dict[str, list[int]] = {}
    for row in state.rows["problem_ledger"].values():
        if row["withdrawn"]:
            continue
        count = counts.setdefault(row["deadline"], [0, 0, 0])
        count[0] += 1
        count[1] += row["status"] in ("done", "verified")
        count[2] += row["status"] in ("listed", "in_progress")
    return {deadline: tuple(c) for deadline, c in counts.items()}  # type: ignore[misc]


def _table_counts(state: ViewState, day: str = "9999-12-30") -> dict[str, tuple[int, int, int]]:
    """The problem counts the views read on ``day``: the spans that hold then."""
    return {
        deadline: (row["listed"], row["rectified"], row["unrectified"])
        for (_, _, deadline, _), row in state.rows["problem_count_span"].items()
        if row["from_on"] <= day < row["until_on"]
    }


def test_problem_counts_follow_listing_rectification_revision_and_withdrawal():
    branch, campaign, work = world()
    june, july = date(2014, 6, 1), date(2014, 7, 1)
    done = _problem(campaign, branch, june)
    done.start_rectification(prov(date(2014, 5, 2)))
    done.complete_rectification(prov(date(2014, 5, 3)), outcome="o")
    moved = _problem(campaign, branch, june)
    gone = _problem(campaign, branch, july)
    state = folded(branch, campaign, work, done, moved, gone)
    assert _table_counts(state) == {"2014-06-01": (2, 1, 1), "2014-07-01": (1, 0, 1)}
    assert _table_counts(state, "2014-05-02") == {"2014-06-01": (2, 0, 2), "2014-07-01": (1, 0, 1)}
    assert _table_counts(state, "2014-04-30") == {}  # listed on 1 May

    # A later batch: one problem moves to July, the only July one is withdrawn, and the
    # June one left is verified. Each counts from its own business date.
    moved.revise(prov(date(2014, 5, 10)), measures="m2", responsible_person="p", deadline=july)
    gone.withdraw(prov(date(2014, 5, 10)), reason="listed twice")
    done.verify_rectification(prov(date(2014, 5, 11)), passed=True)
    events = [e for a in (moved, gone, done) for e in a.collect_events()]
    for position, event in enumerate(events, start=100):
        fold(state, "progress", event, position)
    assert settle(state) == []
    assert _table_counts(state) == _ledger_counts(state)
    assert _table_counts(state) == {"2014-06-01": (1, 1, 0), "2014-07-01": (1, 0, 1)}
    assert _table_counts(state, "2014-05-09") == {"2014-06-01": (2, 1, 1), "2014-07-01": (1, 0, 1)}

    # Every problem of the branch withdrawn: nothing counts from then on, not rows at zero.
    for problem in (moved, done):
        problem.withdraw(prov(date(2014, 5, 12)), reason="r")
        for event in problem.collect_events():
            fold(state, "progress", event, 200)
    assert settle(state) == []
    assert _table_counts(state) == {} == _table_counts(state, "2014-05-12")
    assert _table_counts(state, "2014-05-11") == {"2014-06-01": (1, 1, 0), "2014-07-01": (1, 0, 1)}
    # ... and the spans that end on the 12th are written.
    assert state.changed["problem_count_span"]


def test_problem_counts_go_on_from_rows_loaded_from_the_tables():
    branch, campaign, work = world()
    first = _problem(campaign, branch, date(2014, 6, 1))
    state = folded(branch, campaign, work, first)
    # A worker restarting loads the rows, not the indexes: they are rebuilt from the rows.
    loaded = ViewState()
    for table in ("view_branch", "view_campaign", "branch_progress", "problem_ledger"):
        loaded.rows[table] = dict(state.rows[table])
    for table in ("progress_span", "phase_span", "problem_count_span", "problem_span"):
        loaded.rows[table] = dict(state.rows[table])
    index_problems(loaded)
    index_spans(loaded)
    for key in loaded.rows["branch_progress"]:
        index_progress_key(loaded, key)
    second = _problem(campaign, branch, date(2014, 6, 1))
    first.withdraw(prov(date(2014, 5, 5)), reason="r")
    for position, event in enumerate([*second.collect_events(), *first.collect_events()], 50):
        fold(loaded, "progress", event, position)
    assert settle(loaded) == []
    assert _table_counts(loaded) == _ledger_counts(loaded) == {"2014-06-01": (1, 0, 1)}
