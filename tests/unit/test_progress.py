"""Milestones from facts, and each phase's status on a date."""

from datetime import date
from decimal import Decimal
from uuid import uuid4

import pytest

from taizhang.domain.branch_work import BranchWork
from taizhang.domain.errors import InvalidValue
from taizhang.domain.phases import EIGHT_ONES, EIGHT_ONES_2014_DEADLINES, PhaseDefinition
from taizhang.domain.progress import campaign_progress, milestones, phase_progress
from taizhang.domain.vocabulary import PhaseStatus
from tests.unit.factories import END, prov, study, work

PHASES = {p.key: p for p in EIGHT_ONES.with_deadlines(EIGHT_ONES_2014_DEADLINES, END)}


def d(month: int, day: int) -> date:
    return date(2014, month, day)


def facts(w: BranchWork) -> list:
    return list(w.facts.current.values())


def status(w: BranchWork, key: str, as_of: date, listed: tuple[date, ...] = ()):
    return phase_progress(PHASES[key], milestones(facts(w), listed), as_of)


def test_nothing_happened_means_not_started_until_the_deadline_passes():
    w = work()
    progress = status(w, "mobilization_meeting", d(4, 20))
    assert (progress.status, progress.done_on, progress.late) == (
        PhaseStatus.NOT_STARTED,
        None,
        False,
    )
    assert status(w, "mobilization_meeting", d(4, 21)).status is PhaseStatus.OVERDUE


def test_done_on_time_is_done_and_not_late():
    w = work()
    w.hold_mobilization_meeting(prov(d(4, 18)), participants=20)
    progress = status(w, "mobilization_meeting", d(6, 1))
    assert progress.status is PhaseStatus.DONE
    assert progress.done_on == d(4, 18) and not progress.late


def test_done_after_the_deadline_is_done_and_late():
    w = work()
    w.hold_mobilization_meeting(prov(d(4, 25)), participants=20)
    assert status(w, "mobilization_meeting", d(4, 22)).status is PhaseStatus.OVERDUE
    progress = status(w, "mobilization_meeting", d(4, 25))
    assert progress.status is PhaseStatus.DONE and progress.late


def test_as_of_counts_only_what_had_happened_by_then():
    w = work()
    w.submit_plan(prov(d(4, 12)), goals="g", measures="m", schedule="s")
    w.approve_plan(prov(d(4, 18)))
    assert status(w, "activity_plan", d(4, 11)).status is PhaseStatus.NOT_STARTED
    assert status(w, "activity_plan", d(4, 12)).status is PhaseStatus.IN_PROGRESS
    assert status(w, "activity_plan", d(4, 18)).status is PhaseStatus.DONE


def test_a_returned_plan_is_in_progress_not_done():
    w = work()
    w.submit_plan(prov(d(4, 12)), goals="g", measures="m", schedule="s")
    w.return_plan(prov(d(4, 13)), reasons="不具体")
    assert status(w, "activity_plan", d(4, 14)).status is PhaseStatus.IN_PROGRESS
    assert status(w, "activity_plan", d(4, 21)).status is PhaseStatus.OVERDUE
    w.submit_plan(prov(d(4, 22)), goals="g", measures="m", schedule="s")
    w.approve_plan(prov(d(4, 23)))
    progress = status(w, "activity_plan", d(5, 1))
    assert progress.status is PhaseStatus.DONE and progress.done_on == d(4, 23) and progress.late


def test_thematic_study_needs_study_and_two_days_of_secretary_training():
    w = work()
    study(w, d(4, 15))
    w.hold_secretary_training(prov(d(4, 16)), days=Decimal("1.5"), hours=Decimal(10))
    assert status(w, "thematic_study", d(4, 29)).status is PhaseStatus.IN_PROGRESS
    assert "secretary_trained" not in milestones(facts(w))
    w.hold_secretary_training(prov(d(4, 28)), days=Decimal("0.5"), hours=Decimal(4))
    assert milestones(facts(w))["secretary_trained"] == d(4, 28)
    progress = status(w, "thematic_study", d(4, 30))
    assert progress.status is PhaseStatus.DONE and progress.done_on == d(4, 28)
    # Before the second session, the training had not yet reached two days.
    assert status(w, "thematic_study", d(4, 27)).status is PhaseStatus.IN_PROGRESS


def test_the_thematic_study_deadline_binds_the_secretaries_training_alone():
    """Seed 000 §三(四): "4月底前，集中开展“两新”组织党组织书记学习培训，时间不少于2天" — the
    30 April date binds the secretaries' training of at least 2 days; the members' study
    ("采取集中学习与个人自学相结合的方式") has no date of its own within the campaign."""
    trained = work()
    trained.hold_secretary_training(prov(d(4, 20)), days=Decimal(2), hours=Decimal(14))
    # Trained in time, members' study still to come: in progress, not overdue, not late.
    progress = status(trained, "thematic_study", d(6, 1))
    assert progress.status is PhaseStatus.IN_PROGRESS and not progress.late
    study(trained, d(7, 10))
    progress = status(trained, "thematic_study", d(7, 10))
    assert progress.status is PhaseStatus.DONE and progress.done_on == d(7, 10)
    assert not progress.late
    # Members studied, but the secretaries' training is missing: overdue from 1 May.
    studied = work()
    study(studied, d(4, 15))
    assert status(studied, "thematic_study", d(4, 30)).status is PhaseStatus.IN_PROGRESS
    assert status(studied, "thematic_study", d(5, 1)).status is PhaseStatus.OVERDUE
    # Trained after the date: overdue until then, then done (or in progress) and late.
    studied.hold_secretary_training(prov(d(5, 6)), days=Decimal(2), hours=Decimal(14))
    assert status(studied, "thematic_study", d(5, 5)).status is PhaseStatus.OVERDUE
    progress = status(studied, "thematic_study", d(5, 6))
    assert progress.status is PhaseStatus.DONE and progress.late
    # One day of training is not the training the date asks for.
    short = work()
    short.hold_secretary_training(prov(d(4, 20)), days=Decimal(1), hours=Decimal(7))
    assert status(short, "thematic_study", d(5, 1)).status is PhaseStatus.OVERDUE


def test_a_deadline_binds_only_milestones_that_complete_the_phase():
    with pytest.raises(InvalidValue) as refused:
        PhaseDefinition("p", "阶段", "Phase", 1, done_when=("study_held",), due=("talks_held",))
    assert (refused.value.field, refused.value.rule) == ("phases.due", "among_done_when")


def test_withdrawn_training_no_longer_counts_towards_the_two_days():
    w = work()
    w.hold_secretary_training(prov(d(4, 16)), days=Decimal(1), hours=Decimal(8))
    second = prov(d(4, 17))
    w.hold_secretary_training(second, days=Decimal(1), hours=Decimal(8))
    assert "secretary_trained" in milestones(facts(w))
    w.withdraw_fact(prov(), withdraws=second.event_id, reason="未参加")
    assert "secretary_trained" not in milestones(facts(w))


def test_corrected_date_moves_the_milestone():
    w = work()
    meeting = prov(d(4, 25))
    w.hold_mobilization_meeting(meeting, participants=20)
    assert status(w, "mobilization_meeting", d(6, 1)).late
    w.correct(
        prov(), corrects=meeting.event_id, reason="日期录错", changes={"occurred_on": d(4, 19)}
    )
    progress = status(w, "mobilization_meeting", d(6, 1))
    assert progress.done_on == d(4, 19) and not progress.late


def test_organizational_life_meeting_is_started_by_talks_and_done_when_made_known():
    w = work()
    w.hold_heart_to_heart_talks(prov(d(6, 1)), talks=5)
    assert status(w, "organizational_life_meeting", d(6, 2)).status is PhaseStatus.IN_PROGRESS
    w.hold_organizational_life_meeting(
        prov(d(6, 10)), participants=8, self_examination=True, criticism=True, members_evaluated=8
    )
    assert status(w, "organizational_life_meeting", d(6, 11)).status is PhaseStatus.IN_PROGRESS
    w.make_life_meeting_result_known(prov(d(6, 12)), how="公示")
    assert status(w, "organizational_life_meeting", d(6, 12)).status is PhaseStatus.DONE


def test_problem_list_needs_listed_problems_and_publicity():
    w = work()
    w.publicize_problem_list(prov(d(7, 2)), how="公示栏")
    assert status(w, "problem_list", d(7, 3)).status is PhaseStatus.IN_PROGRESS
    progress = status(w, "problem_list", d(7, 3), listed=(d(7, 1), d(6, 20)))
    assert progress.status is PhaseStatus.DONE and progress.done_on == d(7, 2)
    assert milestones(facts(w), (d(7, 1), d(6, 20)))["problems_listed"] == d(6, 20)


def test_investigation_needs_opinions_and_conflict_screening():
    w = work()
    w.collect_opinions(prov(d(5, 5)), count=10, sources=["employees"])
    assert status(w, "investigation", d(5, 6)).status is PhaseStatus.IN_PROGRESS
    w.screen_conflicts(prov(d(5, 7)), disputes_found=0, disputes_resolved=0)
    assert status(w, "investigation", d(5, 7)).status is PhaseStatus.DONE


def test_first_occurrence_counts():
    w = work()
    study(w, d(5, 10))
    study(w, d(4, 20))
    assert milestones(facts(w))["study_held"] == d(4, 20)


def test_campaign_progress_lists_every_phase_in_order():
    w = work()
    w.record_baseline_survey(
        prov(d(4, 12)),
        leadership_complete=True,
        full_members=3,
        probationary_members=0,
        weak_and_lax=False,
    )
    report = campaign_progress(reversed(list(PHASES.values())), milestones(facts(w)), d(4, 16))
    assert [p.key for p in report] == list(PHASES)
    by_key = {p.key: p.status for p in report}
    assert by_key["baseline_survey"] is PhaseStatus.DONE
    assert by_key["activity_plan"] is PhaseStatus.NOT_STARTED
    assert by_key["work_systems"] is PhaseStatus.NOT_STARTED


def test_custom_campaign_phases_are_reached_by_phase_work():
    """Seed 001 §二 has four steps; none has a specific fact, so PhaseWorkRecorded counts."""
    steps = [
        PhaseDefinition("study_and_mobilize", "学习动员", "Study and mobilize", 1, d(5, 31)),
        PhaseDefinition("grade", "分类定级", "Grade", 2, d(6, 30)),
        PhaseDefinition("rectify_and_upgrade", "整改提高", "Rectify and upgrade", 3, d(9, 30)),
        PhaseDefinition("review_and_accept", "考评验收", "Review and accept", 4, d(11, 30)),
    ]
    phases = {p.key: p for p in steps}
    w = work()
    w.record_phase_work(prov(d(5, 20)), phase_key="study_and_mobilize", done=True, note="动员会")
    w.record_phase_work(prov(d(6, 10)), phase_key="grade", done=False, note="评议中")
    reached = milestones(facts(w))
    assert phase_progress(phases["study_and_mobilize"], reached, d(6, 1)).status is PhaseStatus.DONE
    assert phase_progress(phases["grade"], reached, d(6, 9)).status is PhaseStatus.NOT_STARTED
    assert phase_progress(phases["grade"], reached, d(6, 10)).status is PhaseStatus.IN_PROGRESS
    assert phase_progress(phases["grade"], reached, d(7, 1)).status is PhaseStatus.OVERDUE
    w.record_phase_work(prov(d(7, 5)), phase_key="grade", done=True, note="评定为先进")
    progress = phase_progress(phases["grade"], milestones(facts(w)), d(7, 6))
    assert progress.status is PhaseStatus.DONE and progress.late
    assert (
        phase_progress(phases["rectify_and_upgrade"], milestones(facts(w)), d(7, 6)).status
        is PhaseStatus.NOT_STARTED
    )
    # Work on one phase never advances another.
    assert not {k for k in milestones(facts(w)) if "review" in k}


def test_phase_without_deadline_is_never_overdue():
    phase = PhaseDefinition("grade", "分类定级", "Grade", 1)
    assert phase_progress(phase, {}, date(2099, 1, 1)).status is PhaseStatus.NOT_STARTED
    reached = {"phase:grade": d(6, 1)}
    assert phase_progress(phase, reached, d(6, 1)).late is False


def test_milestones_ignore_facts_of_other_kinds():
    w = work()
    w.record_optional_action(prov(d(5, 1)), title="示范岗")
    w.record_supervision_visit(prov(d(5, 2)), group_id=uuid4(), findings="f")
    assert milestones(facts(w)) == {}
