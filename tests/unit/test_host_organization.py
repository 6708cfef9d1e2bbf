"""The register of "two new" organizations and the seeds' coverage and formation rules."""

from __future__ import annotations

from uuid import uuid4

from taizhang.domain.coverage_rules import (
    RULES,
    Standing,
    advisories,
    has_party_work,
    joint_over_limit,
    should_have_mass_organization,
    should_have_party_organization,
)
from taizhang.domain.errors import InvalidValue, RuleViolation
from taizhang.domain.host_organization import HostOrganization
from taizhang.domain.vocabulary import (
    CoverageMode,
    FollowerKind,
    HostCategory,
    LocationKind,
    MassOrganizationKind,
)
from tests.unit.factories import prov, refused


def org(**overrides: object) -> HostOrganization:
    values: dict[str, object] = dict(
        district_id=uuid4(),
        committee_id=uuid4(),
        name="某电子公司",
        category=HostCategory.NON_PUBLIC_ENTERPRISE,
        employees=40,
        full_members=0,
    )
    values.update(overrides)
    return HostOrganization.register(prov(), **values)  # type: ignore[arg-type]


def standing(**overrides: object) -> Standing:
    values: dict[str, object] = dict(
        category=HostCategory.NON_PUBLIC_ENTERPRISE,
        employees=20,
        full_members=0,
        above_scale=False,
        location_kind=LocationKind.NONE,
        mode=None,
        followers=0,
        mass_organizations=0,
    )
    values.update(overrides)
    return Standing(**values)  # type: ignore[arg-type]


def test_registered_organization_holds_what_was_reported():
    o = org(location_kind="park", location_name="天安科技园", sub_type="有限责任公司")
    assert o.location_kind is LocationKind.PARK and o.location_name == "天安科技园"
    assert o.branch_id is None and o.mode is None and o.followers == {}
    [event] = o.collect_events()
    assert isinstance(event, HostOrganization.Registered)


def test_every_refusal_names_field_and_rule():
    with refused(InvalidValue, "full_members", "within_employees"):
        org(employees=2, full_members=3)
    with refused(InvalidValue, "employees", "non_negative"):
        org(employees=-1)
    with refused(InvalidValue, "location_name", "named_with_kind"):
        org(location_kind="office_building", location_name="")
    with refused(InvalidValue, "scale_basis", "required_when_above_scale"):
        org(above_scale=True)
    with refused(InvalidValue, "location_kind", "known_value"):
        org(location_kind="moon")
    o = org()
    o.set_up_mass_organization(prov(), MassOrganizationKind.TRADE_UNION, "P-0001", True)
    with refused(RuleViolation, "kind", "not_already_set_up"):
        o.set_up_mass_organization(prov(), MassOrganizationKind.TRADE_UNION, "P-0002", True)
    with refused(RuleViolation, "kind", "set_up"):
        o.dissolve_mass_organization(prov(), MassOrganizationKind.WOMEN, "撤销")
    with refused(RuleViolation, "branch_id", "covered"):
        o.end_coverage(prov(), "撤销")
    o.send_follower(prov(), FollowerKind.LIAISON, "P-0003")
    with refused(RuleViolation, "follower", "not_already_following"):
        o.send_follower(prov(), FollowerKind.INSTRUCTOR, "P-0003")
    with refused(RuleViolation, "follower", "following"):
        o.recall_follower(prov(), "P-9999")
    o.close(prov(), "注销")
    with refused(RuleViolation, "host_organization_id", "registered"):
        o.count_staff(prov(), 10, 0, False)


def test_three_full_members_form_their_own_organization():
    """003 §一: "对职工中正式党员3名以上的非“两新”组织…指导其及时单独建立党组织"."""
    o = org(employees=30, full_members=3)
    assert "standalone_expected" in o.advisories
    o.cover(prov(), uuid4(), CoverageMode.JOINT)
    assert "standalone_expected" in o.advisories  # joint is not enough with 3
    o.cover(prov(), uuid4(), CoverageMode.STANDALONE)
    assert o.advisories == []


def test_fewer_than_three_join_or_affiliate():
    """003 §一: "对职工中正式党员不足3名的，开展联合建、挂靠建"."""
    o = org(employees=30, full_members=2)
    assert {"joint_or_affiliation_expected", "party_organization_missing"} <= set(o.advisories)
    o.cover(prov(), uuid4(), CoverageMode.AFFILIATED)
    assert o.advisories == []
    assert advisories(standing(full_members=2, mode=CoverageMode.JOINT)) == []


def test_without_members_an_instructor_is_sent_and_mass_organizations_come_first():
    """003 §一: "对未建立党组织的非“两新”组织…选派党建工作指导员，通过先建立工会、共青团、
    妇联组织等方式，开展党的工作"; 000 §五(一): "做到每个党组织都有人联系跟进"."""
    o = org(employees=20, full_members=0)
    assert set(o.advisories) == {"follower_missing", "mass_organization_first"}
    assert not has_party_work(o.standing)
    o.send_follower(prov(), FollowerKind.INSTRUCTOR, str(uuid4()))
    assert o.advisories == ["mass_organization_first"]
    assert has_party_work(o.standing)
    o.set_up_mass_organization(prov(), MassOrganizationKind.YOUTH_LEAGUE, "P-0001", True)
    assert o.advisories == []


def test_fifty_employees_should_have_members_and_a_hundred_an_organization():
    """002 (上海): "完成了50人以上非公企业有党员、100人以上非公企业建立党组织的“双达标”任务";
    001 §三: "从业人员 50 人以上的党员覆盖率力争达到 100%"."""
    assert "members_expected" in advisories(standing(employees=50))
    assert "members_expected" not in advisories(standing(employees=49))
    assert not should_have_party_organization(standing(employees=99))
    assert should_have_party_organization(standing(employees=100))
    assert "party_organization_missing" in advisories(standing(employees=100, followers=1))


def test_every_organization_with_members_should_be_covered():
    """001 §三: "实现有党员的“两新”组织党组织覆盖率达到 100%"."""
    assert should_have_party_organization(standing(employees=5, full_members=1))
    assert not should_have_party_organization(standing(employees=5, full_members=0))


def test_social_organizations_of_thirty_and_park_enterprises_of_scale_need_mass_organizations():
    """004 三: "省級(jí)以上園區(qū)中有一定規(guī)模、暫不具備成立黨組織條件的非公企業(yè),,以及…
    從業(yè)30人以上的社會(huì)組織率先實(shí)現(xiàn)工會(huì)、共青團(tuán)或婦女組織等群團(tuán)組織“應(yīng)建盡建”"."""
    social = HostCategory.SOCIAL_ORGANIZATION
    assert should_have_mass_organization(standing(category=social, employees=30))
    assert not should_have_mass_organization(standing(category=social, employees=29))
    park = LocationKind.PARK
    assert should_have_mass_organization(standing(location_kind=park, above_scale=True))
    assert not should_have_mass_organization(standing(location_kind=park, above_scale=False))
    assert not should_have_mass_organization(
        standing(category=social, employees=30, mode=CoverageMode.STANDALONE)
    )
    assert "mass_organization_missing" in advisories(standing(category=social, employees=30))


def test_a_joint_organization_covers_at_most_five_units():
    """003 §一: "联合党组织覆盖单位数不超过5个"."""
    assert not joint_over_limit(5)
    assert joint_over_limit(6)


def test_every_rule_names_its_seed_and_quotes_it():
    for rule in RULES.values():
        assert rule.seed[:3] in {"000", "001", "002", "003", "004"}
        assert rule.quote and rule.advice


def test_headcount_and_location_change_by_events():
    o = org()
    o.count_staff(prov(), 120, 4, True, "2013年度营业收入2000万元以上")
    o.relocate(prov(), LocationKind.OFFICE_BUILDING, "星海大厦")
    with refused(RuleViolation, "location_name", "changed"):
        o.relocate(prov(), LocationKind.OFFICE_BUILDING, "星海大厦")
    assert (o.employees, o.full_members, o.above_scale) == (120, 4, True)
    names = [type(e).__name__ for e in o.collect_events()]
    assert names == ["Registered", "StaffCounted", "OrganizationRelocated"]
