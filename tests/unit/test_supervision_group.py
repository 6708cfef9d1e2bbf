from uuid import uuid4

from taizhang.domain.errors import InvalidValue, RuleViolation
from taizhang.domain.supervision_group import SupervisionGroup
from taizhang.domain.vocabulary import SupervisionGroupKind
from tests.unit.factories import prov, refused


def group() -> SupervisionGroup:
    return SupervisionGroup.register(prov(), uuid4(), "区委第一督导组", "supervision")


def test_registered_group():
    g = group()
    assert g.kind is SupervisionGroupKind.SUPERVISION
    assert g.committee_ids == set() and g.branch_ids == set()
    with refused(InvalidValue, "name", "required"):
        SupervisionGroup.register(prov(), uuid4(), " ", "guidance")
    with refused(InvalidValue, "kind", "known_value"):
        SupervisionGroup.register(prov(), uuid4(), "g", "inspection")


def test_scope_is_assigned_and_unassigned():
    g = group()
    c1, c2, b1 = uuid4(), uuid4(), uuid4()
    g.assign(prov(), [c1, c2], [b1])
    assert g.committee_ids == {c1, c2} and g.branch_ids == {b1}
    assert g.covers(c1, uuid4()) and g.covers(uuid4(), b1)
    assert not g.covers(uuid4(), uuid4())
    # Only what is new is recorded.
    g.assign(prov(), [c1], [b1, b2 := uuid4()])
    event = g.pending_events[-1]
    assert (event.committee_ids, event.branch_ids) == ([], [b2])
    with refused(RuleViolation, "committee_ids", "adds_scope"):
        g.assign(prov(), [c1, c2], [b1])
    g.unassign(prov(), [c1, uuid4()], [])
    assert g.committee_ids == {c2}
    assert g.pending_events[-1].committee_ids == [c1]
    with refused(RuleViolation, "committee_ids", "assigned"):
        g.unassign(prov(), [c1], [uuid4()])
    assert not g.covers(c1, uuid4())
