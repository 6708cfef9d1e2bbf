"""The demo district as data: its committees and groups, words for names and texts, the
branches that show one thing each, and how ids derive from the seed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from random import Random
from uuid import NAMESPACE_URL, UUID, uuid5

from taizhang.domain.vocabulary import (
    CommitteeKind,
    Formation,
    ProblemCategory,
    SupervisionGroupKind,
)

DEFAULT_BRANCHES = 600
DEFAULT_SEED = 2014

# Business "today" of the demo: the campaign is two months in.
DEMO_TODAY = date(2014, 6, 15)
CAMPAIGN_STARTS = date(2014, 4, 10)
CAMPAIGN_ENDS = date(2014, 9, 30)
CAMPAIGN_NAME = "番禺区两新组织党的群众路线教育实践活动(2014)"

# A save of this many events is one transaction: big enough to amortise the round trip,
# small enough to keep memory flat at a million events.
CHUNK_EVENTS = 5000
CHUNK_AGGREGATES = 200

_NAMESPACE = uuid5(NAMESPACE_URL, "https://taizhang.invalid/demo")

# Sources: the systems facts arrive through (from the caller's credentials in the API).
PARTY_PORTAL = "番禺党建网"
MOBILE_APP = "smart-party-app"
WEB = "taizhang-web"
OFFICE_SOURCE = "区委实践办台账"
OFFICE_ACTOR = "区委实践办 P000001"

# ---------------------------------------------------------------------------------------
# The district's organizations


@dataclass(frozen=True)
class CommitteePlan:
    key: str
    name: str
    kind: CommitteeKind
    weight: float  # share of the district's branches it supervises
    enterprise_share: float  # share of its branches that are in enterprises


_TOWNS = ["南村镇", "新造镇", "化龙镇", "石楼镇", "石碁镇", "沙湾镇"]
_SUBDISTRICTS = [
    "市桥街道",
    "沙头街道",
    "东环街道",
    "桥南街道",
    "小谷围街道",
    "大石街道",
    "洛浦街道",
    "石壁街道",
    "钟村街道",
    "大龙街道",
]

# Ordered so that a small ``committees=`` still covers every kind of committee.
COMMITTEES: tuple[CommitteePlan, ...] = (
    CommitteePlan("shiqiao", "市桥街道党工委", CommitteeKind.SUBDISTRICT, 9, 0.7),
    CommitteePlan(
        "non_public", "番禺区非公有制经济组织党工委", CommitteeKind.NON_PUBLIC_SECTOR, 7, 1
    ),
    CommitteePlan("social_org", "番禺区社会组织党工委", CommitteeKind.SOCIAL_ORG_SECTOR, 5, 0),
    CommitteePlan("justice", "番禺区司法局党委", CommitteeKind.COMPETENT_DEPARTMENT, 2.5, 0),
    CommitteePlan("nancun", "南村镇党委", CommitteeKind.TOWN, 6, 0.8),
    *(
        CommitteePlan(f"town{i}", f"{name}党委", CommitteeKind.TOWN, 5, 0.82)
        for i, name in enumerate(_TOWNS[1:], start=2)
    ),
    *(
        CommitteePlan(f"subdistrict{i}", f"{name}党工委", CommitteeKind.SUBDISTRICT, 5, 0.72)
        for i, name in enumerate(_SUBDISTRICTS[1:], start=2)
    ),
    CommitteePlan("education", "番禺区教育局党委", CommitteeKind.COMPETENT_DEPARTMENT, 2, 0),
)

_SUPERVISION_GROUPS = [
    ("区委第一督导组", SupervisionGroupKind.SUPERVISION),
    ("区委第二督导组", SupervisionGroupKind.SUPERVISION),
    ("区委第三督导组", SupervisionGroupKind.SUPERVISION),
    ("区委第四督导组", SupervisionGroupKind.SUPERVISION),
    ("非公企业行业指导组", SupervisionGroupKind.GUIDANCE),
    ("社会组织行业指导组", SupervisionGroupKind.GUIDANCE),
]

# ---------------------------------------------------------------------------------------
# Words for names and texts

_BRAND_FIRST = "宏恒金粤华嘉锦鸿明德信兴丰利骏乐瑞宝凯银永盛创源泰达辉和顺安康正威富"
_BRAND_SECOND = "达信穗华创丰泽业隆通源盛发辉宇科邦美力诚豪润泰景程汇雅晟航峰联"
_INDUSTRIES = [
    "电子科技",
    "珠宝首饰",
    "灯光音响设备",
    "纺织服装",
    "物流",
    "食品",
    "机械制造",
    "五金制品",
    "动漫科技",
    "建材",
    "汽车销售服务",
    "酒店管理",
    "物业管理",
    "印刷包装",
    "家具",
    "皮具",
    "信息技术",
    "餐饮管理",
    "医药",
    "房地产开发",
]
_ASSOCIATIONS = ["珠宝", "灯光音响", "物流", "餐饮", "动漫游艺", "建筑装饰", "家具", "电子商务"]
_HOME_PROVINCES = ["湖南", "江西", "广西", "四川", "湖北", "河南", "潮汕", "客家"]
_STUDY_TOPICS = [
    "学习习近平总书记系列重要讲话精神",
    "学习《党章》和党的十八届三中全会精神",
    "学习焦裕禄同志先进事迹",
    "反对“四风”专题学习",
    "学习《论群众路线——重要论述摘编》",
    "学习中央八项规定精神",
    "两新组织党建工作专题辅导",
    "观看警示教育片并讨论",
]
_WORK_SYSTEMS = [
    "“三会一课”制度",
    "党员学习制度",
    "民主评议党员制度",
    "党务公开制度",
    "党员联系群众制度",
    "党费收缴使用管理制度",
    "组织生活会制度",
    "党员志愿服务制度",
    "党员积分管理办法",
    "党组织与企业管理层沟通协调制度",
]
_SERVICE_KINDS = [
    "扶贫济困",
    "养老助老",
    "捐资助学",
    "心理咨询",
    "送医送药",
    "科技下乡",
    "法律援助",
]
_COMMITMENTS = [
    "每月参加一次社区志愿服务",
    "帮扶一名困难职工",
    "带好一名新员工",
    "为客户提供一次免费咨询",
    "提出一条合理化建议",
    "结对帮扶一户困难家庭",
    "参加义务献血",
    "每季度走访一次服务对象",
    "做好岗位示范，全年零投诉",
    "为社区长者义诊一次",
]
_OPTIONAL_ACTIONS = [
    ("参观红色教育基地", "组织党员赴农讲所参观学习"),
    ("党员示范岗挂牌", "在生产一线设立党员示范岗"),
    ("划分党员责任区", "按车间划分党员责任区，党员亮身份"),
    ("“双强六好”自评", "对照“双强六好”标准开展自评"),
    ("“三个一”服务活动", "一个服务方案、一项服务承诺、一支志愿服务队"),
    ("重温入党誓词", "七一前夕组织党员重温入党誓词"),
    ("党员亮身份活动", "党员佩戴党徽上岗"),
]
_PROBLEMS: dict[ProblemCategory, list[tuple[str, str]]] = {
    ProblemCategory.FOUR_WINDS: [
        ("会议多、文件多，学习流于形式", "精简会议，学习与业务结合，每月一次集中学习"),
        ("深入一线少，联系员工不够", "党员每月到一线走访，建立联系台账"),
        ("接待应酬费用偏高", "制定公务接待标准，按月公开"),
        ("办事拖拉，服务客户不主动", "推行首问负责制和限时办结"),
    ],
    ProblemCategory.ORGANIZATION_BUILDING: [
        ("组织生活不经常、不规范", "落实“三会一课”，建立组织生活记录本"),
        ("党员发展工作滞后", "制定发展党员计划，培养入党积极分子"),
        ("党组织活动场所不足", "与企业协商设立党员活动室"),
        ("流动党员管理不到位", "建立流动党员信息库和QQ群"),
        ("党费收缴不及时", "按月收缴党费并公示"),
    ],
    ProblemCategory.MASS_INTERESTS: [
        ("员工宿舍条件较差", "协调企业改造员工宿舍"),
        ("加班工资发放不规范", "推动建立工资集体协商制度"),
        ("员工文化生活单调", "组建文体队伍，每季度举办活动"),
        ("服务对象反映办事流程繁琐", "简化流程，公开服务指南"),
    ],
    ProblemCategory.INVESTOR_AWARENESS: [
        ("出资人党员对党建工作重视不够", "书记与出资人定期沟通，将党建写入企业章程"),
        ("合伙人党员参加组织生活少", "实行组织生活请假报备制度"),
    ],
    ProblemCategory.MEMBER_AWARENESS: [
        ("部分党员身份意识淡薄", "开展党员亮身份、树形象活动"),
        ("党员先锋模范作用发挥不明显", "设立党员示范岗，开展岗位承诺"),
        ("年轻党员理想信念教育不足", "组织青年党员专题学习和参观"),
    ],
}
_SUPERVISION_FINDINGS = [
    ("活动计划较规范，动员会议召开及时", "进一步做好外出党员的学习覆盖"),
    ("学习记录不完整，部分党员未参加专题学习", "补齐学习记录，组织补学"),
    ("问题清单查摆不够深入", "广泛征求员工群众意见，深入查摆“四风”问题"),
    ("整改措施针对性强，进展明显", "及时公示整改结果"),
    ("台账资料不齐全", "按“八个一”要求完善台账"),
]


# Every hundredth branch, counted from the first, shows one thing the ledger must handle, so
# that even a small demo has each formation, each kind of fact, and each kind of mistake.
SHOWCASE: dict[int, frozenset[str]] = {
    number: frozenset(features.split())
    for number, features in {
        0: "standalone enterprise diligent",
        1: "joint_many enterprise",
        2: "affiliated social",
        3: "online enterprise",
        4: "mobile social",
        5: "standalone_few social",
        6: "target",
        7: "target reorganized",
        8: "withdrawn",
        9: "affiliated reshaped",
        10: "corrections",
        11: "date_correction",
        12: "rectified",
        13: "plan_returned systems_changed",
        14: "diligent",
        15: "lazy",
    }.items()
}


_SHOWN_FORMATIONS = {
    "standalone": Formation.STANDALONE,
    "standalone_few": Formation.STANDALONE,
    "joint_many": Formation.JOINT,
    "affiliated": Formation.AFFILIATED,
    "online": Formation.ONLINE,
    "mobile": Formation.MOBILE,
}


def showcase(index: int) -> frozenset[str]:
    return SHOWCASE.get(index % 100, frozenset())


def _demo_uuid(rng: Random) -> UUID:
    return UUID(int=rng.getrandbits(128), version=4)


def district_id_for(seed: int) -> UUID:
    """The demo district's id: it names the whole load, so a second load is detected."""
    return uuid5(_NAMESPACE, f"{seed}/district")


def campaign_id_for(seed: int) -> UUID:
    return uuid5(_NAMESPACE, f"{seed}/campaign")


def _person(rng: Random) -> str:
    """A person's pseudonymous id: the demo names no one. The draws are those a two- or
    three-character name would take (30 surnames, 39 given characters), so the rest of the
    demo does not depend on how people are shown."""
    number = rng.randrange(30)
    for _ in range(rng.choice((1, 2))):
        number = number * 39 + rng.randrange(39) + 1
    return f"P{number:06d}"


def _people(rng: Random, n: int) -> list[str]:
    """``n`` different people (two sponsors must be two people); the draws are ``_person``'s,
    with one more only when two come out the same."""
    people: list[str] = []
    while len(people) < n:
        person = _person(rng)
        if person not in people:
            people.append(person)
    return people


def _brand(rng: Random) -> str:
    return rng.choice(_BRAND_FIRST) + rng.choice(_BRAND_SECOND)


def _between(rng: Random, lo: date, hi: date) -> date:
    if hi <= lo:
        return lo
    return lo + timedelta(days=rng.randint(0, (hi - lo).days))


def _after(rng: Random, on: date, lo: int, hi: int) -> date:
    return on + timedelta(days=rng.randint(lo, hi))


# Paths the showcase branch's problems take, one problem each.
_SHOWN_RECTIFICATIONS = ("failed", "verified", "revised", "withdrawn", "corrected", "mistaken")
