"""Corrections and withdrawals of facts: the log keeps both, ``facts`` shows what now stands."""

from datetime import date
from decimal import Decimal
from uuid import uuid4

import pytest

from taizhang.domain.branch_work import BranchWork
from taizhang.domain.errors import InvalidValue, RuleViolation
from taizhang.domain.problem import Problem
from tests.unit.factories import problem, prov, refused, study, work


def test_corrected_fact_replaces_the_original_in_facts():
    w = work()
    original = study(w, date(2014, 5, 1))
    w.correct(
        prov(date(2014, 5, 5)),
        corrects=original.event_id,
        reason="录入错误",
        changes={"participants": 15, "hours": Decimal("4.5")},
    )
    [fact] = w.facts.current.values()
    assert fact.provenance.event_id == original.event_id
    assert (fact.participants, fact.hours, fact.topic) == (15, Decimal("4.5"), "党章学习")
    # The original stays in the log; the correction is a new event naming it.
    corrected = w.pending_events[-1]
    assert isinstance(corrected, BranchWork.FactCorrected)
    assert corrected.corrects == original.event_id and corrected.reason == "录入错误"
    assert w.pending_events[1].participants == 12


def test_correcting_occurred_on_moves_the_fact_in_time():
    w = work()
    original = study(w, date(2014, 5, 1))
    w.correct(
        prov(),
        corrects=original.event_id,
        reason="日期错",
        changes={"occurred_on": date(2014, 4, 28)},
    )
    fact = w.facts.current[original.event_id]
    assert fact.provenance.occurred_on == date(2014, 4, 28)
    assert fact.provenance.actor == original.actor


def test_a_fact_can_be_corrected_twice_and_the_latest_correction_stands():
    w = work()
    original = study(w)
    w.correct(prov(), corrects=original.event_id, reason="r1", changes={"participants": 20})
    w.correct(prov(), corrects=original.event_id, reason="r2", changes={"topic": "新党章"})
    fact = w.facts.current[original.event_id]
    assert (fact.participants, fact.topic) == (20, "新党章")


def test_corrected_value_is_checked_again():
    w = work()
    original = study(w)
    with refused(InvalidValue, "participants", "non_negative"):
        w.correct(prov(), corrects=original.event_id, reason="r", changes={"participants": -1})
    with refused(InvalidValue, "topic", "required"):
        w.correct(prov(), corrects=original.event_id, reason="r", changes={"topic": " "})
    assert w.version == 2
    assert w.facts.current[original.event_id].participants == 12


def test_screening_correction_rechecks_rules_across_fields():
    w = work()
    p = prov()
    w.screen_conflicts(p, disputes_found=3, disputes_resolved=2)
    with refused(InvalidValue, "disputes_resolved", "at_most_found"):
        w.correct(prov(), corrects=p.event_id, reason="r", changes={"disputes_found": 1})


@pytest.mark.parametrize(
    "field", ["provenance", "originator_id", "originator_version", "timestamp", "nonexistent"]
)
def test_stamp_and_unknown_fields_cannot_be_corrected(field):
    w = work()
    original = study(w)
    with refused(InvalidValue, f"changes.{field}", "correctable_field"):
        w.correct(prov(), corrects=original.event_id, reason="r", changes={field: 1})


def test_fields_naming_other_things_cannot_be_corrected():
    w = work()
    p = prov()
    w.change_work_system(p, system_id=uuid4(), name="学习制度", change="established")
    assert BranchWork.WorkSystemChanged.correctable_fields() == {"name", "occurred_on"}
    with refused(InvalidValue, "changes.change", "correctable_field"):
        w.correct(prov(), corrects=p.event_id, reason="r", changes={"change": "abolished"})
    with refused(InvalidValue, "changes.system_id", "correctable_field"):
        w.correct(prov(), corrects=p.event_id, reason="r", changes={"system_id": uuid4()})
    m = prov()
    w.hold_mobilization_meeting(m, participants=3, joint_with=[uuid4()])
    with refused(InvalidValue, "changes.joint_with", "correctable_field"):
        w.correct(prov(), corrects=m.event_id, reason="r", changes={"joint_with": []})
    w.correct(prov(), corrects=m.event_id, reason="r", changes={"participants": 4})


def test_correction_needs_a_reason_changes_and_a_known_fact():
    w = work()
    original = study(w)
    with refused(InvalidValue, "reason", "required"):
        w.correct(prov(), corrects=original.event_id, reason=" ", changes={"participants": 1})
    with refused(InvalidValue, "changes", "required"):
        w.correct(prov(), corrects=original.event_id, reason="r", changes={})
    with refused(RuleViolation, "corrects", "known_event"):
        w.correct(prov(), corrects=uuid4(), reason="r", changes={"participants": 1})
    with refused(RuleViolation, "withdraws", "known_event"):
        w.withdraw_fact(prov(), withdraws=uuid4(), reason="r")
    with refused(InvalidValue, "reason", "required"):
        w.withdraw_fact(prov(), withdraws=original.event_id, reason="")


def test_withdrawn_fact_disappears_and_cannot_be_corrected_or_withdrawn_again():
    w = work()
    kept = study(w, date(2014, 5, 1))
    gone = study(w, date(2014, 5, 2))
    w.withdraw_fact(prov(), withdraws=gone.event_id, reason="重复录入")
    assert set(w.facts.current) == {kept.event_id}
    assert w.facts.withdrawn == {gone.event_id}
    assert isinstance(w.pending_events[-1], BranchWork.FactWithdrawn)
    with refused(RuleViolation, "corrects", "not_withdrawn"):
        w.correct(prov(), corrects=gone.event_id, reason="r", changes={"participants": 1})
    with refused(RuleViolation, "withdraws", "not_withdrawn"):
        w.withdraw_fact(prov(), withdraws=gone.event_id, reason="again")


def test_a_correction_itself_is_not_a_fact_and_cannot_be_corrected():
    w = work()
    original = study(w)
    correction = prov()
    w.correct(correction, corrects=original.event_id, reason="r", changes={"participants": 2})
    with refused(RuleViolation, "corrects", "known_event"):
        w.correct(prov(), corrects=correction.event_id, reason="r", changes={"reason": "x"})


def test_problem_facts_are_corrected_and_withdrawn_the_same_way():
    pr = problem(listed_on=date(2014, 6, 1))
    started = prov(date(2014, 6, 2))
    pr.start_rectification(started, note="开始")
    progressed = prov(date(2014, 6, 3))
    pr.record_progress(progressed, note="过半", percent_done=50)
    pr.correct(prov(), corrects=progressed.event_id, reason="r", changes={"percent_done": 60})
    assert pr.facts.current[progressed.event_id].percent_done == 60
    with refused(InvalidValue, "percent_done", "percentage"):
        pr.correct(prov(), corrects=progressed.event_id, reason="r", changes={"percent_done": 101})
    with refused(InvalidValue, "reason", "required"):
        pr.correct(prov(), corrects=progressed.event_id, reason="", changes={"note": "n"})
    with refused(InvalidValue, "changes", "required"):
        pr.correct(prov(), corrects=progressed.event_id, reason="r", changes={})
    pr.withdraw_fact(prov(), withdraws=started.event_id, reason="重复")
    assert set(pr.facts.current) == {progressed.event_id}
    with refused(RuleViolation, "withdraws", "not_withdrawn"):
        pr.withdraw_fact(prov(), withdraws=started.event_id, reason="again")
    with refused(InvalidValue, "reason", "required"):
        pr.withdraw_fact(prov(), withdraws=progressed.event_id, reason=" ")


def test_verification_outcome_cannot_be_corrected():
    fields = Problem.RectificationVerified.correctable_fields()
    assert fields == {"remarks", "occurred_on"}  # the note is sealed under its person's key
    pr = problem(listed_on=date(2014, 6, 1))
    pr.start_rectification(prov(date(2014, 6, 1)))
    pr.complete_rectification(prov(date(2014, 6, 2)), outcome="done")
    verified = prov(date(2014, 6, 3))
    pr.verify_rectification(verified, passed=True)
    with refused(InvalidValue, "changes.passed", "correctable_field"):
        pr.correct(prov(), corrects=verified.event_id, reason="r", changes={"passed": False})


def test_a_copied_aggregate_changes_without_touching_the_original():
    # The ledger's cache hands writers deep copies; facts are shared, their indexes not.
    import copy

    w = work()
    w.record_baseline_survey(
        prov(),
        leadership_complete=True,
        full_members=3,
        probationary_members=0,
        weak_and_lax=False,
    )
    [surveyed] = w.facts.current
    clone = copy.deepcopy(w)
    clone.withdraw_fact(prov(), withdraws=surveyed, reason="重复录入")
    assert surveyed in w.facts.current and surveyed not in clone.facts.current
    assert surveyed not in w.facts.withdrawn and surveyed in clone.facts.withdrawn
