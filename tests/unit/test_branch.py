from uuid import uuid4

import pytest

from taizhang.domain.branch import (
    JOINT_COVERS_TOO_MANY_UNITS,
    SHARED_WITH_ENOUGH_MEMBERS,
    STANDALONE_TOO_FEW_MEMBERS,
    Branch,
)
from taizhang.domain.errors import InvalidValue, RuleViolation
from taizhang.domain.vocabulary import BranchLevel, Formation, HostCategory
from tests.unit.factories import branch, prov, refused


def test_registered_branch_holds_what_was_reported():
    b = branch(formation="standalone", level="party_committee", host_category="social_organization")
    assert b.version == 1
    assert b.formation is Formation.STANDALONE
    assert b.level is BranchLevel.PARTY_COMMITTEE
    assert b.host_category is HostCategory.SOCIAL_ORGANIZATION
    assert b.full_members == 5 and b.employees == 120
    assert b.advisories == []
    assert b.instructor_ids == set()
    assert not b.is_rectification_target and b.covers_without_rectification
    [event] = b.collect_events()
    assert isinstance(event, Branch.Registered)


def test_joint_branch_covering_more_than_five_units_is_recorded_with_a_flag():
    units = [f"unit {i}" for i in range(6)]
    b = branch(formation=Formation.JOINT, covered_units=units, full_members=2)
    assert b.covered_units == units
    assert b.advisories == [JOINT_COVERS_TOO_MANY_UNITS]


def test_joint_branch_of_five_units_has_no_flag():
    b = branch(
        formation=Formation.JOINT, covered_units=[f"unit {i}" for i in range(5)], full_members=2
    )
    assert b.advisories == []


@pytest.mark.parametrize("formation", [Formation.JOINT, Formation.AFFILIATED])
def test_a_joint_or_affiliated_branch_with_three_full_members_is_flagged(formation):
    """Seed 003 §一: "对职工中正式党员3名以上的…指导其及时单独建立党组织" and "对职工中正式党员
    不足3名的，开展联合建、挂靠建" — the advisory applies both ways."""
    assert branch(formation=formation, full_members=3).advisories == [SHARED_WITH_ENOUGH_MEMBERS]
    assert branch(formation=formation, full_members=2).advisories == []
    b = branch(formation=formation, full_members=2)
    b.change_membership(prov(), 3, 0)
    assert b.advisories == [SHARED_WITH_ENOUGH_MEMBERS]


def test_standalone_branch_with_fewer_than_three_full_members_is_recorded_with_a_flag():
    b = branch(formation=Formation.STANDALONE, full_members=2)
    assert b.advisories == [STANDALONE_TOO_FEW_MEMBERS]
    assert branch(formation=Formation.STANDALONE, full_members=3).advisories == []
    # The rule concerns standalone formation only.
    assert branch(formation=Formation.AFFILIATED, full_members=1).advisories == []


@pytest.mark.parametrize(
    ("overrides", "field", "rule"),
    [
        ({"name": "  "}, "name", "required"),
        ({"host_name": ""}, "host_name", "required"),
        ({"full_members": -1}, "full_members", "non_negative"),
        ({"probationary_members": -1}, "probationary_members", "non_negative"),
        ({"employees": -3}, "employees", "non_negative"),
        ({"covered_units": ["a", "b"]}, "covered_units", "joint_only"),
        ({"formation": "cooperative"}, "formation", "known_value"),
        ({"level": "cell"}, "level", "known_value"),
        ({"host_category": "state_owned"}, "host_category", "known_value"),
    ],
)
def test_registration_refuses_bad_values(overrides, field, rule):
    with refused(InvalidValue, field, rule):
        branch(**overrides)


def test_membership_changes_recompute_the_advisory():
    b = branch(full_members=5)
    b.change_membership(prov(), 2, 1)
    assert (b.full_members, b.probationary_members) == (2, 1)
    assert b.advisories == [STANDALONE_TOO_FEW_MEMBERS]
    b.change_membership(prov(), 4, 1)
    assert b.advisories == []
    assert [type(e) for e in b.collect_events()][1:] == [Branch.MembershipChanged] * 2


def test_membership_change_refuses_unchanged_and_negative_counts():
    b = branch(full_members=5)
    with refused(RuleViolation, "full_members", "changed"):
        b.change_membership(prov(), 5, 0)
    with refused(InvalidValue, "probationary_members", "non_negative"):
        b.change_membership(prov(), 5, -1)
    assert b.version == 1


def test_employees_counted():
    b = branch()
    b.count_employees(prov(), 30)
    assert b.employees == 30
    with refused(InvalidValue, "employees", "non_negative"):
        b.count_employees(prov(), -1)


def test_formation_change_to_joint_with_many_units_is_flagged():
    b = branch(full_members=2)
    assert b.advisories == [STANDALONE_TOO_FEW_MEMBERS]
    units = [f"u{i}" for i in range(7)]
    b.change_formation(prov(), "joint", units)
    assert b.formation is Formation.JOINT
    assert b.covered_units == units
    assert b.advisories == [JOINT_COVERS_TOO_MANY_UNITS]
    with refused(InvalidValue, "covered_units", "joint_only"):
        b.change_formation(prov(), Formation.STANDALONE, ["a", "b"])
    with refused(InvalidValue, "formation", "known_value"):
        b.change_formation(prov(), "nomadic", [])


def test_move_to_another_committee():
    b = branch()
    other = uuid4()
    b.move_to_committee(prov(), other)
    assert b.committee_id == other
    with refused(RuleViolation, "committee_id", "changed"):
        b.move_to_committee(prov(), other)


def test_instructors_are_assigned_and_unassigned_once():
    b = branch()
    instructor = uuid4()
    b.assign_instructor(prov(), instructor)
    assert b.instructor_ids == {instructor}
    with refused(RuleViolation, "instructor_id", "not_assigned"):
        b.assign_instructor(prov(), instructor)
    b.unassign_instructor(prov(), instructor)
    assert b.instructor_ids == set()
    with refused(RuleViolation, "instructor_id", "assigned"):
        b.unassign_instructor(prov(), instructor)


def test_rectification_target_must_be_reorganized_before_the_campaign():
    b = branch()
    with refused(RuleViolation, "branch_id", "is_rectification_target"):
        b.reorganize(prov(), True, False)
    with refused(InvalidValue, "reasons", "required"):
        b.designate_rectification_target(prov(), " ")
    b.designate_rectification_target(prov(), "班子不健全")
    assert b.is_rectification_target and not b.covers_without_rectification
    with refused(RuleViolation, "reasons", "not_already_target"):
        b.designate_rectification_target(prov(), "again")
    with refused(InvalidValue, "leadership_completed", "something_done"):
        b.reorganize(prov(), False, False)
    b.reorganize(prov(), leadership_completed=True, secretary_replaced=True, notes="新书记")
    assert b.reorganized and b.covers_without_rectification
    with refused(RuleViolation, "branch_id", "is_rectification_target"):
        b.reorganize(prov(), True, True)
    # Found weak again later: a new designation is allowed and waits for reorganization.
    b.designate_rectification_target(prov(), "复查仍软弱")
    assert not b.covers_without_rectification
