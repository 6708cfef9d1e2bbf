from uuid import uuid4

import pytest

from taizhang.domain.committee import Committee
from taizhang.domain.errors import InvalidValue, RuleViolation
from taizhang.domain.vocabulary import CommitteeKind
from tests.unit.factories import prov, refused


def committee(**kw: object) -> Committee:
    values: dict[str, object] = dict(district_id=uuid4(), name="大石街道党工委", kind="subdistrict")
    values.update(kw)
    return Committee.register(prov(), **values)  # type: ignore[arg-type]


def test_registered_committee():
    c = committee()
    assert c.kind is CommitteeKind.SUBDISTRICT
    assert c.contact_points == {}
    assert isinstance(c.collect_events()[0], Committee.Registered)


@pytest.mark.parametrize(
    ("kw", "field", "rule"),
    [({"name": " "}, "name", "required"), ({"kind": "village"}, "kind", "known_value")],
)
def test_registration_refuses_bad_values(kw, field, rule):
    with refused(InvalidValue, field, rule):
        committee(**kw)


def test_rename():
    c = committee()
    c.rename(prov(), "大石街道党工委（新）")
    assert c.name == "大石街道党工委（新）"
    with refused(RuleViolation, "name", "changed"):
        c.rename(prov(), "大石街道党工委（新）")
    with refused(InvalidValue, "name", "required"):
        c.rename(prov(), "")


def test_each_member_follows_one_contact_point():
    c = committee()
    first, second = uuid4(), uuid4()
    c.choose_contact_point(prov(), "P000301", first)
    c.choose_contact_point(prov(), "P000302", first)
    c.choose_contact_point(prov(), "P000301", second)
    assert c.contact_points == {"P000301": second, "P000302": first}
    with refused(InvalidValue, "member", "pseudonymous_id"):
        c.choose_contact_point(prov(), " ", first)
    with refused(InvalidValue, "member", "pseudonymous_id"):
        c.choose_contact_point(prov(), "陈委员", first)
    with refused(InvalidValue, "member_name", "sealed"):
        c.choose_contact_point(prov(), "P000301", first, member_name="陈委员")
