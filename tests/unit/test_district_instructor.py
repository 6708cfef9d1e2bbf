from uuid import uuid4

from domain.district import District
from domain.errors import InvalidValue
from domain.instructor import Instructor
from tests.unit.factories import prov, refused


def test_district_registered():
    d = District.register(prov(), "番禺区", "440113")
    assert (d.name, d.code, d.version) == ("番禺区", "440113", 1)
    given = uuid4()
    assert District.register(prov(), "番禺区", "440113", id=given).id == given
    with refused(InvalidValue, "name", "required"):
        District.register(prov(), " ", "440113")
    with refused(InvalidValue, "code", "required"):
        District.register(prov(), "番禺区", "")


def test_instructor_registered():
    district_id = uuid4()
    i = Instructor.register(prov(), district_id, "党建指导员 黄")
    assert (i.district_id, i.name) == (district_id, "党建指导员 黄")
    with refused(InvalidValue, "name", "required"):
        Instructor.register(prov(), district_id, "")
