"""The closed vocabularies of member development (发展党员) and 推优 (seeds 002, 004).

Events store the plain keys (strings); these enums check them and carry the labels.
"""

from __future__ import annotations

from .vocabulary import Labelled


class Stage(Labelled):
    """Where a person stands on the path of seed 002 (发展党员工作制度)."""

    APPLICANT = ("applicant", "入党申请人", "applicant")
    ACTIVIST = ("activist", "入党积极分子", "activist")
    DEVELOPMENT_CANDIDATE = ("development_candidate", "发展对象", "development candidate")
    PROBATIONARY = ("probationary", "预备党员", "probationary member")
    FULL_MEMBER = ("full_member", "正式党员", "full member")
    CANCELLED = ("cancelled", "取消预备党员资格", "probation cancelled")


class MassOrganization(Labelled):
    """Who recommends (推优), seed 004 四(三)."""

    YOUTH_LEAGUE = ("youth_league", "共青团", "Youth League")
    TRADE_UNION = ("trade_union", "工会", "trade union")
    WOMEN = ("women", "妇女组织", "women's organization")


class RecommendedAs(Labelled):
    """What a mass organization recommends a person to become (seed 004 四(三)3)."""

    ACTIVIST = ("activist", "入党积极分子", "activist")
    DEVELOPMENT_CANDIDATE = ("development_candidate", "发展对象", "development candidate")


class VoteMethod(Labelled):
    """Seed 002 (10): "采取举手或无记名投票的方式表决"."""

    SHOW_OF_HANDS = ("show_of_hands", "举手表决", "show of hands")
    SECRET_BALLOT = ("secret_ballot", "无记名投票", "secret ballot")


class ConversionOutcome(Labelled):
    """Seed 002 3(4), on expiry of probation: "按期转正", "延长一次预备期", "取消预备党员资格"."""

    CONVERT = ("convert", "按期转正", "convert to full member")
    EXTEND = ("extend", "延长预备期", "extend probation")
    CANCEL = ("cancel", "取消预备党员资格", "cancel probation")


class OpinionSource(Labelled):
    """Whose views are heard before an activist becomes a development candidate (seed 002
    (5): "在听取党小组、培养联系人和党内外群众意见的基础上")."""

    PARTY_GROUP = ("party_group", "党小组", "party group")
    CONTACTS = ("contacts", "培养联系人", "contacts")
    MEMBERS = ("members", "党内群众", "people inside the party")
    NON_MEMBERS = ("non_members", "党外群众", "people outside the party")
