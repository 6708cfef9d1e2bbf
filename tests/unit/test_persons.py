"""People named in the campaign's facts: by pseudonymous id, their names never in clear
(taizhang.domain.persons), and facts stored before that still read as recorded."""

from datetime import date
from uuid import uuid4

import pytest

from taizhang.domain.branch_work import BranchWork
from taizhang.domain.committee import Committee
from taizhang.domain.errors import InvalidValue
from taizhang.domain.persons import SEALED_PREFIX, NamedPerson, person_record_id
from taizhang.domain.problem import Problem
from tests.unit.factories import prov, refused, work

SEALED = SEALED_PREFIX + "c2VhbGVk"


def test_a_commitment_names_its_maker_by_id_and_holds_the_name_only_sealed() -> None:
    """Issue 19: "people (... commitment makers) are recorded by pseudonymous id; their
    names ... live encrypted under a key per person"."""
    w = work()
    with refused(InvalidValue, "member", "pseudonymous_id"):
        w.make_service_commitment(prov(), commitment_id=uuid4(), member="张三", content="c")
    with refused(InvalidValue, "member_name", "sealed"):
        w.make_service_commitment(
            prov(), commitment_id=uuid4(), member="P000101", member_name="张三", content="c"
        )
    w.make_service_commitment(
        prov(), commitment_id=uuid4(), member="P000101", member_name=SEALED, content="c"
    )
    event = w.pending_events[-1]
    assert (event.member, event.member_name) == ("P000101", SEALED)


def test_a_problem_names_the_responsible_person_by_id() -> None:
    with refused(InvalidValue, "responsible_person", "pseudonymous_id"):
        Problem.list_on_branch(
            prov(),
            campaign_id=uuid4(),
            branch_id=uuid4(),
            category="organization_building",
            description="d",
            measures="m",
            responsible_person="李书记",
            deadline=date(2014, 9, 1),
        )
    with refused(InvalidValue, "responsible_person_name", "sealed"):
        Problem.list_on_branch(
            prov(),
            campaign_id=uuid4(),
            branch_id=uuid4(),
            category="organization_building",
            description="d",
            measures="m",
            responsible_person="P000201",
            responsible_person_name="李书记",
            deadline=date(2014, 9, 1),
        )


@pytest.mark.parametrize(
    "cls, state, expected",
    [
        (
            BranchWork.ServiceCommitmentMade,
            {"member_name": "周", "content": "c"},
            {"member": "", "member_name": "周"},
        ),
        (
            Committee.ContactPointChosen,
            {"member_name": "陈委员"},
            {"member": "", "member_name": "陈委员"},
        ),
        (
            Problem.Listed,
            {"responsible_person": "吴", "measures": "m"},
            {"responsible_person": "", "responsible_person_name": "吴"},
        ),
        (
            Problem.Revised,
            {"responsible_person": "王", "measures": "m"},
            {"responsible_person": "", "responsible_person_name": "王"},
        ),
    ],
)
def test_facts_stored_with_a_name_in_clear_read_as_recorded_with_no_id(cls, state, expected):
    """Version 1 held the name in clear and no id: the upcast keeps the name where the
    sealed name now goes and gives an empty id, so old logs keep reading."""
    assert cls.class_version == 2
    upcast = dict(state)
    cls.upcast_v1_v2(upcast)
    assert {key: upcast[key] for key in expected} == expected


def test_a_named_persons_erasure_is_recorded_once_with_its_reason() -> None:
    person = NamedPerson.open(prov(), "P000101")
    assert person.id == person_record_id("P000101")
    with refused(InvalidValue, "reason", "required"):
        person.erase(prov(), " ")
    person.erase(prov(), "request under PIPL art. 47")
    assert person.erased
    assert person.pending_events[-1].reason == "request under PIPL art. 47"
    with pytest.raises(Exception, match="erased already"):
        person.erase(prov(), "again")
    with refused(InvalidValue, "person", "pseudonymous_id"):
        NamedPerson.open(prov(), "周")
