from uuid import uuid4

from taizhang.domain.district import District
from taizhang.domain.errors import InvalidValue
from taizhang.domain.instructor import Instructor
from taizhang.domain.persons import SEALED_PREFIX
from tests.unit.factories import prov, refused

SEALED = SEALED_PREFIX + "c2VhbGVk"


def test_district_registered():
    d = District.register(prov(), "番禺区", "440113")
    assert (d.name, d.code, d.version) == ("番禺区", "440113", 1)
    given = uuid4()
    assert District.register(prov(), "番禺区", "440113", id=given).id == given
    with refused(InvalidValue, "name", "required"):
        District.register(prov(), " ", "440113")
    with refused(InvalidValue, "code", "required"):
        District.register(prov(), "番禺区", "")


def test_instructor_registered_by_pseudonymous_id_with_the_name_only_sealed():
    """Issue 19: people are "recorded by pseudonymous id; their names ... live encrypted
    under a key per person" — an instructor as well."""
    district_id = uuid4()
    i = Instructor.register(prov(), district_id, "P000301", SEALED)
    assert (i.district_id, i.person, i.person_name) == (district_id, "P000301", SEALED)
    assert Instructor.register(prov(), district_id, "P000302").person_name == ""
    with refused(InvalidValue, "person", "pseudonymous_id"):
        Instructor.register(prov(), district_id, "")
    with refused(InvalidValue, "person", "pseudonymous_id"):
        Instructor.register(prov(), district_id, "党建指导员 黄")
    with refused(InvalidValue, "person_name", "sealed"):
        Instructor.register(prov(), district_id, "P000301", "党建指导员 黄")


def test_an_instructor_registered_with_a_name_in_clear_reads_as_recorded_with_no_id():
    """Version 1 held the instructor's name in clear in ``name``: the upcast keeps it where
    the sealed name now goes and gives an empty id, so old logs keep reading."""
    assert Instructor.Registered.class_version == 2
    state = {"district_id": uuid4(), "name": "指导员 黄"}
    Instructor.Registered.upcast_v1_v2(state)
    assert (state["person"], state["person_name"]) == ("", "指导员 黄")
    assert "name" not in state
