from datetime import date
from uuid import uuid4

import pytest

from taizhang.domain.campaign import Campaign
from taizhang.domain.errors import InvalidValue, RuleViolation
from taizhang.domain.phases import EIGHT_ONES, PhaseDefinition
from tests.unit.factories import END, START, eight_ones_campaign, prov, refused


def test_defined_campaign_keeps_its_phases_in_order():
    shuffled = list(reversed(EIGHT_ONES.phases))
    c = eight_ones_campaign(phases=shuffled)
    assert [p.key for p in c.phases] == [p.key for p in EIGHT_ONES.phases]
    assert c.phase("mobilization_meeting").deadline is None
    assert c.branch_ids == set()
    assert isinstance(c.collect_events()[0], Campaign.Defined)


@pytest.mark.parametrize(
    ("overrides", "field", "rule"),
    [
        ({"name": " "}, "name", "required"),
        ({"ends_on": date(2014, 4, 1)}, "ends_on", "after_start"),
        ({"phases": []}, "phases", "required"),
        (
            {"phases": [EIGHT_ONES.phases[0], EIGHT_ONES.phases[0]]},
            "phases",
            "unique_keys",
        ),
        (
            {
                "phases": [
                    PhaseDefinition(
                        "baseline_survey", "摸底", "Survey", 1, deadline=date(2014, 10, 1)
                    )
                ]
            },
            "phases.baseline_survey.deadline",
            "within_campaign",
        ),
    ],
)
def test_definition_refuses_bad_values(overrides, field, rule):
    with refused(InvalidValue, field, rule):
        eight_ones_campaign(**overrides)


def test_enrol_adds_only_new_branches():
    c = eight_ones_campaign()
    a, b = uuid4(), uuid4()
    c.enrol(prov(), [a, a])
    c.enrol(prov(), [a, b])
    assert c.branch_ids == {a, b}
    *_, last = c.collect_events()
    assert isinstance(last, Campaign.BranchesEnrolled) and last.branch_ids == [b]
    with refused(RuleViolation, "branch_ids", "not_enrolled"):
        c.enrol(prov(), [b])


def test_withdraw_branch():
    c = eight_ones_campaign()
    a = uuid4()
    with refused(RuleViolation, "branch_id", "enrolled"):
        c.withdraw_branch(prov(), a, "closed down")
    c.enrol(prov(), [a])
    with refused(InvalidValue, "reason", "required"):
        c.withdraw_branch(prov(), a, "")
    c.withdraw_branch(prov(), a, "企业注销")
    assert c.branch_ids == set()


def test_change_deadline_of_one_phase():
    c = eight_ones_campaign()
    c.change_deadline(prov(), "thematic_study", date(2014, 5, 15))
    assert c.phase("thematic_study").deadline == date(2014, 5, 15)
    assert c.phase("baseline_survey").deadline == date(2014, 4, 15)
    with refused(InvalidValue, "phase_key", "known_phase"):
        c.change_deadline(prov(), "no_such_phase", date(2014, 5, 1))
    with refused(InvalidValue, "deadline", "within_campaign"):
        c.change_deadline(prov(), "thematic_study", END.replace(month=10))


def test_admit_only_enrolled_branches_within_the_campaign_and_not_in_the_future():
    c = eight_ones_campaign()
    a = uuid4()
    today = date(2014, 6, 15)
    with refused(RuleViolation, "branch_id", "enrolled_in_campaign"):
        c.admit(a, date(2014, 5, 1), today)
    c.enrol(prov(), [a])
    c.admit(a, START, today)
    c.admit(a, today, today)
    with refused(InvalidValue, "occurred_on", "not_before_campaign"):
        c.admit(a, date(2014, 4, 9), today)
    with refused(InvalidValue, "occurred_on", "not_in_future"):
        c.admit(a, date(2014, 6, 16), today)
