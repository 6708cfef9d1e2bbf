"""The closed vocabularies of DOMAIN.md, with the Chinese and English labels users read."""

from __future__ import annotations

from enum import Enum
from typing import Self

from .errors import InvalidValue


class Labelled(Enum):
    """A vocabulary value that knows its display labels.

    Subclasses list members as ``KEY = ("key", "中文", "English")``. Not a ``str``
    subclass on purpose: JSON would then store members as bare strings and read them
    back as strings, losing the type; as a plain Enum they go through a transcoding.
    """

    _value_: str
    zh: str
    en: str

    def __new__(cls, value: str, zh: str, en: str) -> Self:
        member = object.__new__(cls)
        member._value_ = value
        member.zh = zh
        member.en = en
        return member

    def __str__(self) -> str:
        return str(self.value)

    @classmethod
    def of(cls, value: str | Self, field: str) -> Self:
        """The member for ``value`` (a member or its key), refused with the field's name."""
        if isinstance(value, cls):
            return value
        for member in cls:
            if member.value == value:
                return member
        raise InvalidValue(
            field,
            "known_value",
            f"{value!r} is not one of {', '.join(m.value for m in cls)}",
        )

    @classmethod
    def labels(cls) -> dict[str, dict[str, str]]:
        return {m.value: {"zh": m.zh, "en": m.en} for m in cls}


class CommitteeKind(Labelled):
    TOWN = ("town", "镇党委", "Town party committee")
    SUBDISTRICT = ("subdistrict", "街道党工委", "Subdistrict party working committee")
    NON_PUBLIC_SECTOR = (
        "non_public_sector",
        "区非公经济组织党工委",
        "District non-public sector party working committee",
    )
    SOCIAL_ORG_SECTOR = (
        "social_org_sector",
        "区社会组织党工委",
        "District social organizations party working committee",
    )
    COMPETENT_DEPARTMENT = (
        "competent_department",
        "业务主管单位党组织",
        "Competent department party organization",
    )


class HostCategory(Labelled):
    NON_PUBLIC_ENTERPRISE = ("non_public_enterprise", "非公有制经济组织", "Non-public enterprise")
    SOCIAL_ORGANIZATION = ("social_organization", "社会组织", "Social organization")


class BranchLevel(Labelled):
    PARTY_COMMITTEE = ("party_committee", "党委", "Party committee")
    GENERAL_BRANCH = ("general_branch", "党总支", "General branch")
    BRANCH = ("branch", "党支部", "Branch")


class Formation(Labelled):
    STANDALONE = ("standalone", "单独组建", "Standalone")
    JOINT = ("joint", "联合组建", "Joint")
    AFFILIATED = ("affiliated", "挂靠", "Affiliated")
    ONLINE = ("online", "网络党组织", "Online")
    MOBILE = ("mobile", "流动党员党组织", "Mobile members")


class SupervisionGroupKind(Labelled):
    SUPERVISION = ("supervision", "区委督导组", "Supervision group")
    GUIDANCE = ("guidance", "行业指导组", "Guidance group")


class ProblemCategory(Labelled):
    FOUR_WINDS = ("four_winds", "四风", "Four winds")
    ORGANIZATION_BUILDING = ("organization_building", "党组织建设", "Organization building")
    MASS_INTERESTS = ("mass_interests", "群众利益", "Interests of the masses")
    INVESTOR_AWARENESS = (
        "investor_awareness",
        "党员出资人、合伙人思想认识",
        "Awareness of member investors and partners",
    )
    MEMBER_AWARENESS = (
        "member_awareness",
        "普通员工党员身份意识",
        "Party identity of ordinary employee members",
    )


class RectificationStatus(Labelled):
    LISTED = ("listed", "已列出", "Listed")
    IN_PROGRESS = ("in_progress", "整改中", "In progress")
    DONE = ("done", "已整改", "Done")
    VERIFIED = ("verified", "已验收", "Verified")


class PhaseStatus(Labelled):
    NOT_STARTED = ("not_started", "未开始", "Not started")
    IN_PROGRESS = ("in_progress", "进行中", "In progress")
    DONE = ("done", "已完成", "Done")
    OVERDUE = ("overdue", "已逾期", "Overdue")


class OpinionSource(Labelled):
    INVESTORS = ("investors", "企业出资人", "Investors")
    HEADS = ("heads", "社会组织负责人", "Heads of the organization")
    EMPLOYEES = ("employees", "员工群众", "Employees")
    MEMBERS = ("members", "党员", "Party members")
    COMPETENT_UNIT = ("competent_unit", "业务主管(指导)单位", "Competent unit")
    MEMBER_UNITS = ("member_units", "会员单位负责人", "Member units")
    SERVED_PEOPLE = ("served_people", "服务对象", "People served")


class WorkSystemChange(Labelled):
    ESTABLISHED = ("established", "立", "Established")
    REVISED = ("revised", "改", "Revised")
    ABOLISHED = ("abolished", "废", "Abolished")


class LocationKind(Labelled):
    """Where a "two new" organization sits (002, Beijing: "园区、商圈、商务楼宇")."""

    PARK = ("park", "园区", "Park")
    BUSINESS_DISTRICT = ("business_district", "商圈", "Business district")
    OFFICE_BUILDING = ("office_building", "商务楼宇", "Office building")
    NONE = ("none", "其他", "Elsewhere")


class CoverageMode(Labelled):
    """How a party organization covers a host organization (003 §一: 单独组建、联合建、挂靠建)."""

    STANDALONE = ("standalone", "单独组建", "Standalone")
    JOINT = ("joint", "联合建", "Joint")
    AFFILIATED = ("affiliated", "挂靠建", "Affiliated")


class FollowerKind(Labelled):
    """Who follows an organization without a party organization (001 §二: 选派党建工作指导员、
    确定党建工作联络员)."""

    INSTRUCTOR = ("instructor", "党建工作指导员", "Party-building instructor")
    LIAISON = ("liaison", "党建工作联络员", "Party-building liaison")


class MassOrganizationKind(Labelled):
    """Mass organizations (群团组织, 004: "工会、共青团、妇女组织")."""

    TRADE_UNION = ("trade_union", "工会", "Trade union")
    YOUTH_LEAGUE = ("youth_league", "共青团", "Communist Youth League")
    WOMEN = ("women", "妇女组织", "Women's organization")


ALL_VOCABULARIES: tuple[type[Labelled], ...] = (
    CommitteeKind,
    HostCategory,
    BranchLevel,
    Formation,
    SupervisionGroupKind,
    ProblemCategory,
    RectificationStatus,
    PhaseStatus,
    OpinionSource,
    WorkSystemChange,
    LocationKind,
    CoverageMode,
    FollowerKind,
    MassOrganizationKind,
)

# Seed 003 §一: a joint branch covers at most five units. Advisory: recorded and flagged.
JOINT_BRANCH_MAX_UNITS = 5
# Seed 000 §四: a standalone branch needs three or more full members.
STANDALONE_MIN_FULL_MEMBERS = 3
# Seed 000 §四(一)1: the district aims for a 30% standalone formation rate.
STANDALONE_RATE_TARGET = 0.30
# Seed 000 §三(三): the secretaries' training lasts no less than two days.
SECRETARY_TRAINING_MIN_DAYS = 2
