from datetime import date
from uuid import uuid4

import pytest

from taizhang.domain.errors import InvalidValue, RuleViolation
from taizhang.domain.problem import Problem
from taizhang.domain.vocabulary import ProblemCategory, RectificationStatus
from tests.unit.factories import problem, prov, refused

LISTED = date(2014, 6, 1)


def on(day: int) -> date:
    return date(2014, 6, day)


def test_listed_problem_holds_measures_person_and_deadline():
    pr = problem(listed_on=LISTED, deadline=date(2014, 7, 31))
    assert pr.status() is RectificationStatus.LISTED
    assert pr.category is ProblemCategory.FOUR_WINDS
    assert (pr.measures, pr.responsible_person) == ("精简会议", "P000201")
    assert pr.listed_on == LISTED and pr.deadline == date(2014, 7, 31)
    assert isinstance(pr.collect_events()[0], Problem.Listed)


@pytest.mark.parametrize(
    ("overrides", "field", "rule"),
    [
        ({"description": " "}, "description", "required"),
        ({"measures": ""}, "measures", "required"),
        ({"responsible_person": "  "}, "responsible_person", "pseudonymous_id"),
        ({"deadline": date(2014, 5, 31)}, "deadline", "not_before_listing"),
        ({"category": "bad_weather"}, "category", "known_value"),
    ],
)
def test_listing_refuses_bad_values(overrides, field, rule):
    values = dict(
        campaign_id=uuid4(),
        branch_id=uuid4(),
        category="mass_interests",
        description="d",
        measures="m",
        responsible_person="p",
        deadline=date(2014, 7, 1),
    )
    values.update(overrides)
    with refused(InvalidValue, field, rule):
        Problem.list_on_branch(prov(LISTED), **values)


def test_rectification_moves_listed_in_progress_done_verified():
    pr = problem(listed_on=LISTED)
    pr.start_rectification(prov(on(2)), note="开始整改")
    assert pr.status() is RectificationStatus.IN_PROGRESS
    pr.record_progress(prov(on(3)), note="过半", percent_done=50)
    assert pr.status() is RectificationStatus.IN_PROGRESS
    pr.complete_rectification(prov(on(4)), outcome="已精简会议")
    assert pr.status() is RectificationStatus.DONE
    pr.verify_rectification(prov(on(5)), passed=True, remarks="合格")
    assert pr.status() is RectificationStatus.VERIFIED
    assert [type(e).__name__ for e in pr.pending_events] == [
        "Listed",
        "RectificationStarted",
        "RectificationProgressed",
        "RectificationDone",
        "RectificationVerified",
    ]


def test_failed_verification_reopens_the_rectification():
    pr = problem(listed_on=LISTED)
    pr.start_rectification(prov(on(2)))
    pr.complete_rectification(prov(on(3)), outcome="done")
    pr.verify_rectification(prov(on(4)), passed=False, remarks="不彻底")
    assert pr.status() is RectificationStatus.IN_PROGRESS
    pr.record_progress(prov(on(5)), note="补充整改", percent_done=90)
    pr.complete_rectification(prov(on(6)), outcome="彻底整改")
    pr.verify_rectification(prov(on(7)), passed=True)
    assert pr.status() is RectificationStatus.VERIFIED


@pytest.mark.parametrize(
    ("steps", "command", "rule"),
    [
        ([], "record_progress", "from_in_progress"),
        ([], "complete_rectification", "from_in_progress"),
        ([], "verify_rectification", "from_done"),
        (["start_rectification"], "start_rectification", "from_listed"),
        (["start_rectification"], "verify_rectification", "from_done"),
        (["start_rectification", "complete_rectification"], "record_progress", "from_in_progress"),
        (
            ["start_rectification", "complete_rectification", "verify_rectification"],
            "complete_rectification",
            "from_in_progress",
        ),
    ],
)
def test_steps_out_of_order_are_refused(steps, command, rule):
    arguments = {
        "start_rectification": {},
        "record_progress": {"note": "n", "percent_done": 10},
        "complete_rectification": {"outcome": "o"},
        "verify_rectification": {"passed": True},
    }
    pr = problem(listed_on=LISTED)
    for day, step in enumerate(steps, start=2):
        getattr(pr, step)(prov(on(day)), **arguments[step])
    version = pr.version
    with refused(RuleViolation, "status", rule):
        getattr(pr, command)(prov(on(20)), **arguments[command])
    assert pr.version == version


def test_a_step_cannot_be_dated_before_the_previous_one():
    pr = problem(listed_on=LISTED)
    with refused(InvalidValue, "occurred_on", "not_before_previous_step"):
        pr.start_rectification(prov(date(2014, 5, 31)))
    pr.start_rectification(prov(on(10)))
    with refused(InvalidValue, "occurred_on", "not_before_previous_step"):
        pr.complete_rectification(prov(on(9)), outcome="o")
    pr.complete_rectification(prov(on(10)), outcome="same day is fine")


@pytest.mark.parametrize(
    ("command", "kwargs", "field", "rule"),
    [
        ("record_progress", {"note": "n", "percent_done": 101}, "percent_done", "percentage"),
        ("record_progress", {"note": "n", "percent_done": -1}, "percent_done", "percentage"),
        ("complete_rectification", {"outcome": " "}, "outcome", "required"),
    ],
)
def test_step_values_are_checked(command, kwargs, field, rule):
    pr = problem(listed_on=LISTED)
    pr.start_rectification(prov(on(2)))
    with refused(InvalidValue, field, rule):
        getattr(pr, command)(prov(on(3)), **kwargs)


def test_the_verifier_is_the_actor_and_the_note_is_optional():
    """Who verified is the provenance's actor; the note beside it names a person, stored
    sealed under their key (taizhang.domain.persons)."""
    pr = problem(listed_on=LISTED)
    pr.start_rectification(prov(on(2)))
    pr.complete_rectification(prov(on(3)), outcome="o")
    with refused(InvalidValue, "verifier_note", "sealed"):
        pr.verify_rectification(
            prov(on(4)), verifier_person="P000404", verifier_note="化名", passed=True
        )
    with refused(InvalidValue, "verifier_person", "pseudonymous_id"):
        pr.verify_rectification(prov(on(4)), verifier_person="化名", passed=True)
    pr.verify_rectification(prov(on(4)), passed=True)
    (verified,) = pr.facts.of_type(Problem.RectificationVerified)
    assert verified.verifier_note == ""


def test_revised_measures_person_and_deadline():
    pr = problem(listed_on=LISTED, deadline=on(30))
    pr.revise(
        prov(on(5)), measures="新措施", responsible_person="P000202", deadline=date(2014, 8, 31)
    )
    assert (pr.measures, pr.responsible_person, pr.deadline) == (
        "新措施",
        "P000202",
        date(2014, 8, 31),
    )
    with refused(InvalidValue, "deadline", "not_before_listing"):
        pr.revise(prov(on(5)), measures="m", responsible_person="p", deadline=date(2014, 5, 1))
    with refused(InvalidValue, "measures", "required"):
        pr.revise(prov(on(5)), measures=" ", responsible_person="p", deadline=on(30))
    with refused(InvalidValue, "responsible_person", "pseudonymous_id"):
        pr.revise(prov(on(5)), measures="m", responsible_person="", deadline=on(30))


def test_overdue_when_the_deadline_passed_and_it_is_not_done():
    pr = problem(listed_on=LISTED, deadline=on(30))
    assert not pr.is_overdue(on(30))
    assert pr.is_overdue(date(2014, 7, 1))
    pr.start_rectification(prov(on(2)))
    assert pr.is_overdue(date(2014, 7, 1))
    pr.complete_rectification(prov(on(3)), outcome="o")
    assert not pr.is_overdue(date(2014, 7, 1))
    pr.verify_rectification(prov(on(4)), passed=False)
    assert pr.is_overdue(date(2014, 7, 1))
    # A later deadline lifts the overdue state.
    pr.revise(prov(on(5)), measures="m", responsible_person="p", deadline=date(2014, 8, 31))
    assert not pr.is_overdue(date(2014, 7, 1))


def test_withdrawn_problem_no_longer_counts_and_refuses_everything():
    pr = problem(listed_on=LISTED, deadline=on(30))
    with refused(InvalidValue, "reason", "required"):
        pr.withdraw(prov(), reason=" ")
    pr.withdraw(prov(on(2)), reason="误列")
    assert pr.withdrawn and not pr.is_overdue(date(2014, 12, 1))
    with refused(RuleViolation, "problem_id", "not_withdrawn"):
        pr.start_rectification(prov(on(3)))
    with refused(RuleViolation, "problem_id", "not_withdrawn"):
        pr.revise(prov(on(3)), measures="m", responsible_person="p", deadline=on(30))
    with refused(RuleViolation, "problem_id", "not_withdrawn"):
        pr.withdraw(prov(on(3)), reason="again")
    with refused(RuleViolation, "problem_id", "not_withdrawn"):
        pr.correct(prov(), corrects=uuid4(), reason="r", changes={"note": "x"})
    with refused(RuleViolation, "problem_id", "not_withdrawn"):
        pr.withdraw_fact(prov(), withdraws=uuid4(), reason="r")


def test_withdrawing_the_done_step_returns_the_problem_to_in_progress():
    pr = problem(listed_on=LISTED)
    pr.start_rectification(prov(on(2)))
    done = prov(on(3))
    pr.complete_rectification(done, outcome="o")
    pr.withdraw_fact(prov(on(4)), withdraws=done.event_id, reason="未完成")
    assert pr.status() is RectificationStatus.IN_PROGRESS
