"""The seeds' coverage and formation rules for a "two new" organization (两新组织), as data.

A rule is never a refusal: the register holds what is on the ground, and a broken rule is an
advisory that names the rule and the seed it comes from (``RULES``). The coverage views and
gap lists judge every organization on a business day by the same functions.
"""

from __future__ import annotations

from dataclasses import dataclass

from .vocabulary import (
    JOINT_BRANCH_MAX_UNITS,
    STANDALONE_MIN_FULL_MEMBERS,
    CoverageMode,
    HostCategory,
    LocationKind,
)

# 002 (Shanghai): "50人以上非公企业有党员、100人以上非公企业建立党组织";
# 001 §三: "从业人员 50 人以上的党员覆盖率力争达到 100%".
MEMBERS_EXPECTED_FROM_EMPLOYEES = 50
ORGANIZATION_EXPECTED_FROM_EMPLOYEES = 100
# 004 三: "從業(yè)30人以上的社會(huì)組織率先實(shí)現(xiàn)工會(huì)、共青團(tuán)或婦女組織等
# 群團(tuán)組織“應(yīng)建盡建”".
MASS_ORGANIZATION_EXPECTED_FROM_EMPLOYEES = 30
# 003 §三: "确保党组织应建尽建率和党的工作覆盖率均达到100%"; 001 §三: "覆盖率达到 100%".
COVERAGE_TARGET = 1.0


@dataclass(frozen=True)
class Rule:
    key: str
    seed: str
    quote: str
    advice: str


RULES: dict[str, Rule] = {
    rule.key: rule
    for rule in (
        Rule(
            "party_organization_missing",
            "001 §三; 002 (上海)",
            "实现有党员的“两新”组织党组织覆盖率达到 100%; 100人以上非公企业建立党组织",
            "it has full members or 100+ employees and no party organization covers it",
        ),
        Rule(
            "standalone_expected",
            "003 §一",
            "对职工中正式党员3名以上的非“两新”组织…指导其及时单独建立党组织",
            "3 or more full members: it forms its own party organization",
        ),
        Rule(
            "joint_or_affiliation_expected",
            "003 §一",
            "对职工中正式党员不足3名的，开展联合建、挂靠建",
            "fewer than 3 full members and not covered: a joint organization or affiliation",
        ),
        Rule(
            "follower_missing",
            "003 §一; 000 §五(一)",
            "对未建立党组织的非“两新”组织…选派党建工作指导员; 做到每个党组织都有人联系跟进",
            "no party organization and no instructor or liaison follows it",
        ),
        Rule(
            "mass_organization_first",
            "003 §一; 002 (北京)",
            "通过先建立工会、共青团、妇联组织等方式，开展党的工作; "
            "无党员的两新组织全面推行党群工作室建设",
            "no members and no party organization: mass organizations are set up first",
        ),
        Rule(
            "members_expected",
            "002 (上海); 001 §三",
            "50人以上非公企业有党员; 从业人员 50 人以上的党员覆盖率力争达到 100%",
            "50 or more employees and no full member",
        ),
        Rule(
            "mass_organization_missing",
            "004 三",
            "省級(jí)以上園區(qū)中有一定規(guī)模、暫不具備成立黨組織條件的非公企業(yè),,以及…從業(yè)30人以上的"
            "社會(huì)組織率先實(shí)現(xiàn)工會(huì)、共青團(tuán)或婦女組織等群團(tuán)組織“應(yīng)建盡建”",
            "a social organization with 30+ employees, or an enterprise of some size in a park, "
            "without a party organization and without a mass organization",
        ),
        Rule(
            "joint_over_5_units",
            "003 §一",
            "联合党组织覆盖单位数不超过5个",
            "a joint party organization covers more than 5 organizations",
        ),
    )
}


@dataclass(frozen=True)
class Standing:
    """What the rules read of an organization on a day."""

    category: HostCategory
    employees: int
    full_members: int
    above_scale: bool
    location_kind: LocationKind
    mode: CoverageMode | None  # None: no party organization covers it
    followers: int  # instructors and liaisons sent
    mass_organizations: int


def should_have_party_organization(s: Standing) -> bool:
    """应建: it has full members (001 §三 "有党员的“两新”组织党组织覆盖率达到 100%", in
    whichever form 003 §一 gives: standalone with 3+, joint or affiliated with fewer) or
    100+ employees (002 上海 "100人以上非公企业建立党组织")."""
    return s.full_members > 0 or s.employees >= ORGANIZATION_EXPECTED_FROM_EMPLOYEES


def has_party_work(s: Standing) -> bool:
    """党的工作覆盖: a party organization, an instructor or liaison, or a mass organization
    through which party work is done (001 §二 "通过选派党建工作指导员、确定党建工作联络员、
    建立工会和共青团组织等方式,积极开展党的工作")."""
    return s.mode is not None or s.followers > 0 or s.mass_organizations > 0


def should_have_mass_organization(s: Standing) -> bool:
    """群团组织应建 (004 三): not yet able to form a party organization, and a social
    organization with 30+ employees or an above-scale enterprise in a park."""
    if s.mode is not None:
        return False
    if s.category is HostCategory.SOCIAL_ORGANIZATION:
        return s.employees >= MASS_ORGANIZATION_EXPECTED_FROM_EMPLOYEES
    return s.location_kind is LocationKind.PARK and s.above_scale


def expects_members(s: Standing) -> bool:
    return s.employees >= MEMBERS_EXPECTED_FROM_EMPLOYEES


def advisories(s: Standing) -> list[str]:
    """The keys of ``RULES`` the organization breaks on its own (``joint_over_5_units`` is
    a rule of a joint organization's units together: ``joint_over_limit``)."""
    found = []
    if should_have_party_organization(s) and s.mode is None:
        found.append("party_organization_missing")
    if s.full_members >= STANDALONE_MIN_FULL_MEMBERS and s.mode is not CoverageMode.STANDALONE:
        found.append("standalone_expected")
    if 0 < s.full_members < STANDALONE_MIN_FULL_MEMBERS and s.mode is None:
        found.append("joint_or_affiliation_expected")
    if s.mode is None and s.followers == 0:
        found.append("follower_missing")
    if s.full_members == 0 and s.mode is None and s.mass_organizations == 0:
        found.append("mass_organization_first")
    if expects_members(s) and s.full_members == 0:
        found.append("members_expected")
    if should_have_mass_organization(s) and s.mass_organizations == 0:
        found.append("mass_organization_missing")
    return found


def joint_over_limit(units: int) -> bool:
    """003 §一 "联合党组织覆盖单位数不超过5个"."""
    return units > JOINT_BRANCH_MAX_UNITS


def rate(part: int, whole: int) -> float | None:
    """A share, None when there is nothing to share (no organization to judge)."""
    return None if whole == 0 else round(part / whole, 4)
