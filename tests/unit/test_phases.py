from datetime import date

import pytest

from taizhang.domain.errors import InvalidValue
from taizhang.domain.phases import (
    EIGHT_ONES,
    EIGHT_ONES_2014_DEADLINES,
    MILESTONES,
    PhaseDefinition,
    phase_milestone,
)
from tests.unit.factories import refused


def test_the_eight_ones_are_the_eight_required_actions_in_order():
    assert [p.key for p in EIGHT_ONES.phases] == [
        "baseline_survey",
        "activity_plan",
        "mobilization_meeting",
        "thematic_study",
        "investigation",
        "organizational_life_meeting",
        "problem_list",
        "work_systems",
    ]
    assert [p.order for p in EIGHT_ONES.phases] == list(range(1, 9))
    for phase in EIGHT_ONES.phases:
        assert set(phase.completion) <= MILESTONES


def test_activity_plan_is_started_by_submission_and_done_by_approval():
    plan = EIGHT_ONES.phases[1]
    assert plan.completion == ("plan_approved",)
    assert plan.starters == {"plan_submitted", "plan_approved"}


def test_with_deadlines_uses_the_seed_dates_and_a_default():
    end = date(2014, 9, 30)
    phases = {p.key: p for p in EIGHT_ONES.with_deadlines(EIGHT_ONES_2014_DEADLINES, end)}
    assert phases["mobilization_meeting"].deadline == date(2014, 4, 20)
    assert phases["thematic_study"].deadline == date(2014, 4, 30)
    assert phases["work_systems"].deadline == end
    assert phases["thematic_study"].done_when == ("study_held", "secretary_trained")


def test_a_phase_without_known_milestones_is_completed_by_its_own_phase_milestone():
    phase = PhaseDefinition("grading", "分类定级", "Grading", 1)
    assert phase.completion == (phase_milestone("grading"),) == ("phase:grading",)
    own = PhaseDefinition("grading", "分类定级", "Grading", 1, done_when=("phase:grading",))
    assert own.completion == ("phase:grading",)


@pytest.mark.parametrize(
    ("kwargs", "field", "rule"),
    [
        ({"key": "Grading"}, "phases.key", "snake_case"),
        ({"key": "two words"}, "phases.key", "snake_case"),
        ({"key": ""}, "phases.key", "snake_case"),
        ({"name_zh": " "}, "phases.name_zh", "required"),
        ({"name_en": ""}, "phases.name_en", "required"),
        ({"done_when": ("cake_eaten",)}, "phases.done_when", "known_milestone"),
        ({"started_by": ("phase:other",)}, "phases.done_when", "known_milestone"),
    ],
)
def test_phase_definition_refuses_bad_values(kwargs, field, rule):
    values = {"key": "grading", "name_zh": "分类定级", "name_en": "Grading", "order": 1}
    values.update(kwargs)
    with refused(InvalidValue, field, rule):
        PhaseDefinition(**values)
