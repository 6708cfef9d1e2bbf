"""Demo data: the 2014 campaign in 番禺区 (Panyu district) as it stood in mid-June 2014.

Everything is built through the domain's commands (so the domain's rules hold) and saved
with ``ledger.save`` in chunks, which is far faster than the service's per-post path.

Seeded and deterministic: one seed gives the same aggregates, ids, facts, event ids and
business dates. Each branch draws from its own random stream, so a branch's facts do not
depend on how many branches are generated after it. Ids derive from the seed, so loading
the same seed twice is detected by the district's id and adds nothing.
"""

from __future__ import annotations

import queue
import threading
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from random import Random
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from tqdm import tqdm

from domain.base import LedgerAggregate
from domain.branch import Branch
from domain.branch_work import BranchWork
from domain.campaign import Campaign
from domain.committee import Committee
from domain.district import District
from domain.instructor import Instructor
from domain.phases import EIGHT_ONES, EIGHT_ONES_2014_DEADLINES
from domain.problem import Problem
from domain.provenance import Provenance
from domain.supervision_group import SupervisionGroup
from domain.vocabulary import (
    BranchLevel,
    CommitteeKind,
    Formation,
    HostCategory,
    OpinionSource,
    ProblemCategory,
    SupervisionGroupKind,
    WorkSystemChange,
)
from taizhang.ledger import Ledger

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
OFFICE_ACTOR = "区委实践办 何志明"

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

_SURNAMES = "陈李黄梁何张刘林郭罗吴冯谢麦潘邓钟曾卢朱苏叶杨周许蔡冼区郑胡"
_GIVEN = "伟志强明辉华杰锦文俊健荣丽芳敏燕霞婷玲玉红秀英国永建家嘉振海涛斌浩鹏宇翠欣慧颖"
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
    return rng.choice(_SURNAMES) + "".join(rng.choice(_GIVEN) for _ in range(rng.choice((1, 2))))


def _brand(rng: Random) -> str:
    return rng.choice(_BRAND_FIRST) + rng.choice(_BRAND_SECOND)


def _between(rng: Random, lo: date, hi: date) -> date:
    if hi <= lo:
        return lo
    return lo + timedelta(days=rng.randint(0, (hi - lo).days))


def _after(rng: Random, on: date, lo: int, hi: int) -> date:
    return on + timedelta(days=rng.randint(lo, hi))


# ---------------------------------------------------------------------------------------
# The result


@dataclass
class DemoSummary:
    district_id: UUID
    campaign_id: UUID
    committee_ids: list[UUID]
    supervision_group_ids: list[UUID] = field(default_factory=list)
    branch_ids: list[UUID] = field(default_factory=list)
    already_loaded: bool = False
    events: int = 0
    aggregates: int = 0
    seconds: float = 0.0
    # Event counts by qualified class name, e.g. ``BranchWork.PlanApproved``.
    events_by_type: Counter[str] = field(default_factory=Counter)

    @property
    def events_per_second(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0


class _Saver:
    """Collects changed aggregates and saves their events in chunks, counting them by type.

    Saving runs on a thread of its own, so that the next chunk is generated while the
    database stores this one. Events are taken from the aggregates here, on the caller's
    thread, so the saving thread never sees an aggregate that is still changing; chunks
    are saved one after another, in the order they were made.
    """

    def __init__(self, ledger: Ledger, summary: DemoSummary) -> None:
        self.ledger = ledger
        self.summary = summary
        self.pending: dict[UUID, LedgerAggregate] = {}
        self.pending_events = 0
        self._counted: dict[UUID, int] = {}
        self._chunks: queue.Queue[list[Any] | None] = queue.Queue(maxsize=2)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._save_chunks, name="demo-saver", daemon=True)
        self._thread.start()

    def add(self, *aggregates: LedgerAggregate) -> None:
        for aggregate in aggregates:
            count = len(aggregate.pending_events)
            if count:
                self.pending[aggregate.id] = aggregate
                self.pending_events += count - self._counted.get(aggregate.id, 0)
                self._counted[aggregate.id] = count
        if self.pending_events >= CHUNK_EVENTS or len(self.pending) >= CHUNK_AGGREGATES:
            self.flush()

    def flush(self) -> None:
        self._raise_if_failed()
        if not self.pending:
            return
        counts = self.summary.events_by_type
        events: list[Any] = []
        for aggregate in self.pending.values():
            if aggregate.version == len(aggregate.pending_events):
                self.summary.aggregates += 1
            for event in aggregate.collect_events():
                counts[type(event).__qualname__] += 1
                events.append(event)
        self.summary.events += len(events)
        self.pending.clear()
        self._counted.clear()
        self.pending_events = 0
        self._chunks.put(events)

    def close(self) -> None:
        """Save what is pending and wait until everything is stored."""
        try:
            self.flush()
        finally:
            self._chunks.put(None)
            self._thread.join()
        self._raise_if_failed()

    def _raise_if_failed(self) -> None:
        if self._error is not None:
            raise self._error

    def _save_chunks(self) -> None:
        while (events := self._chunks.get()) is not None:
            if self._error is None:
                try:
                    self.ledger.save(*events)
                except BaseException as error:  # handed to the generating thread
                    self._error = error


# ---------------------------------------------------------------------------------------
# Organizations


@dataclass
class _CommitteeState:
    plan: CommitteePlan
    aggregate: Committee
    organizer: str  # the committee's organization member, who approves plans
    groups: list[SupervisionGroup] = field(default_factory=list)
    branch_ids: list[UUID] = field(default_factory=list)
    small_branch_ids: list[UUID] = field(default_factory=list)


@dataclass
class _BranchState:
    index: int
    aggregate: Branch
    committee: _CommitteeState
    secretary: str
    source: str
    instructor: Instructor


class _Generator:
    def __init__(
        self, ledger: Ledger, branches: int, seed: int, committees: int | None, progress: bool
    ) -> None:
        self.ledger = ledger
        self.branches = branches
        self.seed = seed
        self.progress = progress
        self.rng = Random(f"taizhang-demo/{seed}/district")
        self.committee_plans = COMMITTEES[: committees or len(COMMITTEES)]
        self.summary = DemoSummary(
            district_id_for(seed),
            campaign_id_for(seed),
            [self._id(f"committee/{plan.key}") for plan in self.committee_plans],
            [self._id(f"group/{number}") for number in range(len(_SUPERVISION_GROUPS))],
        )
        self.saver = _Saver(ledger, self.summary)
        self.committees: list[_CommitteeState] = []
        self.groups: list[SupervisionGroup] = []
        self.instructors: list[Instructor] = []
        self.branch_states: list[_BranchState] = []
        self.campaign: Campaign | None = None

    def provenance(
        self, rng: Random, on: date, actor: str, source: str = OFFICE_SOURCE
    ) -> Provenance:
        return Provenance(_demo_uuid(rng), on, actor, source)

    def _id(self, name: str) -> UUID:
        return uuid5(_NAMESPACE, f"{self.seed}/{name}")

    # -- the district, its committees and groups ------------------------------------------

    def organizations(self) -> None:
        rng = self.rng
        registered = date(2014, 3, 3)
        district = District.register(
            self.provenance(rng, registered, OFFICE_ACTOR),
            "番禺区",
            "440113",
            id=self.summary.district_id,
        )
        self.saver.add(district)
        for plan in self.committee_plans:
            committee = Committee.register(
                self.provenance(rng, registered, OFFICE_ACTOR),
                district.id,
                plan.name,
                plan.kind,
                id=self._id(f"committee/{plan.key}"),
            )
            state = _CommitteeState(plan, committee, f"{plan.name}组织委员 {_person(rng)}")
            self.committees.append(state)
            self.saver.add(committee)
        for number, (name, kind) in enumerate(_SUPERVISION_GROUPS):
            group = SupervisionGroup.register(
                self.provenance(rng, date(2014, 4, 8), OFFICE_ACTOR),
                district.id,
                name,
                kind,
                id=self._id(f"group/{number}"),
            )
            self.groups.append(group)
        self._assign_groups()
        self.saver.add(*self.groups)
        # One instructor follows about eight branches (000 §五(一)).
        for number in range(max(3, self.branches // 8)):
            instructor = Instructor.register(
                self.provenance(rng, date(2014, 3, 20), OFFICE_ACTOR),
                district.id,
                _person(rng),
                id=self._id(f"instructor/{number}"),
            )
            self.instructors.append(instructor)
            self.saver.add(instructor)

    def _assign_groups(self) -> None:
        supervision = [g for g in self.groups if g.kind is SupervisionGroupKind.SUPERVISION]
        guidance = {g.name: g for g in self.groups if g.kind is SupervisionGroupKind.GUIDANCE}
        scopes: dict[UUID, list[UUID]] = {g.id: [] for g in self.groups}
        for number, committee in enumerate(self.committees):
            group = supervision[number % len(supervision)]
            scopes[group.id].append(committee.aggregate.id)
            committee.groups.append(group)
            kind = committee.plan.kind
            sector = (
                guidance["非公企业行业指导组"]
                if kind is CommitteeKind.NON_PUBLIC_SECTOR
                else guidance["社会组织行业指导组"]
                if kind in (CommitteeKind.SOCIAL_ORG_SECTOR, CommitteeKind.COMPETENT_DEPARTMENT)
                else None
            )
            if sector is not None:
                scopes[sector.id].append(committee.aggregate.id)
                committee.groups.append(sector)
        for group in self.groups:
            if scopes[group.id]:
                group.assign(
                    self.provenance(self.rng, date(2014, 4, 9), OFFICE_ACTOR), scopes[group.id], []
                )

    # -- branches ----------------------------------------------------------------------

    def register_branches(self) -> None:
        weights = [c.plan.weight for c in self.committees]
        names: set[str] = set()
        for index in self._bar(range(self.branches), "registering branches"):
            rng = Random(f"taizhang-demo/{self.seed}/branch/{index}")
            committee = rng.choices(self.committees, weights)[0]
            show = showcase(index)
            if "enterprise" in show or "social" in show:
                share_wanted = 1 if "enterprise" in show else 0
                fitting = [
                    c for c in self.committees if c.plan.enterprise_share != 1 - share_wanted
                ]
                committee = rng.choice(fitting or self.committees)
            state = self._branch(index, rng, committee, names)
            self.branch_states.append(state)
            committee.branch_ids.append(state.aggregate.id)
            if state.aggregate.full_members < 5:
                committee.small_branch_ids.append(state.aggregate.id)
            self.summary.branch_ids.append(state.aggregate.id)
            self.saver.add(state.aggregate)

    def _branch(
        self, index: int, rng: Random, committee: _CommitteeState, names: set[str]
    ) -> _BranchState:
        plan = committee.plan
        place = plan.name.removesuffix("党工委").removesuffix("党委")
        show = showcase(index)
        enterprise = rng.random() < plan.enterprise_share
        if "enterprise" in show or "social" in show:
            enterprise = "enterprise" in show
        category = (
            HostCategory.NON_PUBLIC_ENTERPRISE if enterprise else HostCategory.SOCIAL_ORGANIZATION
        )
        formation = rng.choices(
            [
                Formation.STANDALONE,
                Formation.JOINT,
                Formation.AFFILIATED,
                Formation.ONLINE,
                Formation.MOBILE,
            ],
            [42, 24, 20, 7, 7],
        )[0]
        for feature, shown in _SHOWN_FORMATIONS.items():
            if feature in show:
                formation = shown
        host = self._unique(rng, names, lambda: self._host_name(rng, plan, enterprise, formation))
        covered: list[str] = []
        if formation is Formation.STANDALONE:
            full = 3 + int(rng.lognormvariate(2.1, 0.8))
            if rng.random() < 0.05 or "standalone_few" in show:
                full = 2  # recorded and flagged: a standalone branch needs three
        elif formation is Formation.JOINT:
            # Seed 003 allows at most five units; some cover more and get flagged.
            units = rng.randint(2, 5) if rng.random() < 0.88 else rng.randint(6, 9)
            if "joint_many" in show:
                units = 7
            covered = [host] + [
                self._host_name(rng, plan, enterprise, Formation.STANDALONE)
                for _ in range(units - 1)
            ]
            full = rng.randint(3, 4 + 2 * units)
        elif formation is Formation.AFFILIATED:
            full = rng.randint(1, 2)
            covered = [host]
        elif formation is Formation.ONLINE:
            full = rng.randint(5, 40)
        else:
            full = rng.randint(10, 80)
        if enterprise:
            employees = max(15, int(rng.lognormvariate(4.6, 1.0)))
        else:
            employees = max(3, int(rng.lognormvariate(3.0, 0.8)))
        level = (
            BranchLevel.PARTY_COMMITTEE
            if full >= 50
            else BranchLevel.GENERAL_BRANCH
            if full >= 30
            else BranchLevel.BRANCH
        )
        name = self._branch_name(rng, host, place, formation, level)
        secretary = _person(rng)
        source = rng.choices([PARTY_PORTAL, MOBILE_APP, WEB], [6, 3, 1])[0]
        branch = Branch.register(
            self.provenance(
                rng,
                _between(rng, date(2013, 3, 1), date(2014, 3, 31)),
                f"{place}组织办 {_person(rng)}",
                PARTY_PORTAL,
            ),
            district_id=self.summary.district_id,
            committee_id=committee.aggregate.id,
            name=name,
            level=level,
            formation=formation,
            host_name=host,
            host_category=category,
            employees=employees,
            full_members=full,
            probationary_members=rng.choice((0, 0, 0, 1, 1, 2, 3)),
            covered_units=covered,
            id=_demo_uuid(rng),
        )
        instructor = self.instructors[index * len(self.instructors) // self.branches]
        branch.assign_instructor(
            self.provenance(rng, _between(rng, date(2014, 3, 21), date(2014, 4, 9)), OFFICE_ACTOR),
            instructor.id,
        )
        return _BranchState(index, branch, committee, secretary, source, instructor)

    @staticmethod
    def _unique(rng: Random, names: set[str], make: Any) -> str:
        name: str = make()
        for _ in range(20):
            if name not in names:
                break
            name = make()
        else:
            # The few names of their kind (商会, 行业协会) are taken: a branch office.
            name = f"{name}{_brand(rng)}分会"
            while name in names:
                name = f"{name}{_brand(rng)}分会"
        names.add(name)
        return name

    @staticmethod
    def _host_name(rng: Random, plan: CommitteePlan, enterprise: bool, formation: Formation) -> str:
        brand = _brand(rng)
        if formation is Formation.MOBILE:
            return rng.choice(
                (
                    f"广州市番禺区{rng.choice(_HOME_PROVINCES)}商会",
                    f"广州市番禺区{brand}外来务工人员服务中心",
                )
            )
        if enterprise:
            if formation is Formation.ONLINE:
                return f"广州{brand}电子商务有限公司"
            prefix = rng.choice(("广州市", "广州", "广州市番禺区"))
            return f"{prefix}{brand}{rng.choice(_INDUSTRIES)}有限公司"
        if plan.key == "justice":
            return rng.choice((f"广东{brand}律师事务所", f"广州{brand}会计师事务所"))
        if plan.key == "education":
            return rng.choice((f"广州市番禺区{brand}培训学校", f"番禺区{brand}幼儿园"))
        return rng.choice(
            (
                f"广州市番禺区{rng.choice(_ASSOCIATIONS)}行业协会",
                f"广州市番禺区{brand}社会工作服务中心",
                f"广州市番禺区{brand}颐养院",
                f"番禺区{brand}商会",
            )
        )

    @staticmethod
    def _branch_name(
        rng: Random, host: str, place: str, formation: Formation, level: BranchLevel
    ) -> str:
        if formation is Formation.JOINT:
            return f"{place}{_brand(rng)}片区联合{level.zh}"
        if formation is Formation.ONLINE:
            return f"{host}网络{level.zh}"
        if formation is Formation.MOBILE:
            return f"{host}流动党员{level.zh}"
        return f"{host}{level.zh}"

    # -- the campaign --------------------------------------------------------------------

    def define_campaign(self) -> None:
        rng = self.rng
        phases = EIGHT_ONES.with_deadlines(EIGHT_ONES_2014_DEADLINES, CAMPAIGN_ENDS)
        campaign = Campaign.define(
            self.provenance(rng, date(2014, 4, 2), OFFICE_ACTOR),
            district_id=self.summary.district_id,
            name=CAMPAIGN_NAME,
            starts_on=CAMPAIGN_STARTS,
            ends_on=CAMPAIGN_ENDS,
            phases=list(phases),
            template_key=EIGHT_ONES.key,
            id=self.summary.campaign_id,
        )
        # Each committee's branches are enrolled as its list is confirmed.
        for committee in self.committees:
            if committee.branch_ids:
                campaign.enrol(
                    self.provenance(rng, CAMPAIGN_STARTS, OFFICE_ACTOR), committee.branch_ids
                )
        # The office asked for the investigation to be finished before the life meetings.
        campaign.change_deadline(
            self.provenance(rng, date(2014, 5, 20), OFFICE_ACTOR),
            "investigation",
            date(2014, 7, 15),
        )
        self.campaign = campaign
        self.saver.add(campaign)
        # Each committee member picks a branch to follow closely (000 §五(二)).
        for committee in self.committees:
            for _ in range(min(len(committee.branch_ids), rng.randint(2, 5))):
                committee.aggregate.choose_contact_point(
                    self.provenance(
                        rng,
                        _between(rng, date(2014, 4, 10), date(2014, 4, 25)),
                        committee.organizer,
                        PARTY_PORTAL,
                    ),
                    f"{committee.plan.name}委员 {_person(rng)}",
                    rng.choice(committee.branch_ids),
                )
            self.saver.add(committee.aggregate)

    # -- work ----------------------------------------------------------------------------

    def record_work(self) -> None:
        assert self.campaign is not None
        for state in self._bar(self.branch_states, "recording work"):
            writer = _BranchWorkWriter(self, state)
            writer.write()
            self.saver.add(*writer.changed())

    def _bar(self, items: Sequence[Any] | range, description: str) -> Iterable[Any]:
        if not self.progress:
            return items

        bar: Iterable[Any] = tqdm(items, desc=description, unit=" branches", leave=True)
        return bar


class _BranchWorkWriter:
    """One branch's work in the campaign by mid-June, built through the domain commands."""

    def __init__(self, generator: _Generator, state: _BranchState) -> None:
        assert generator.campaign is not None
        self.g = generator
        self.state = state
        self.branch = state.aggregate
        self.campaign = generator.campaign
        self.show = showcase(state.index)
        self.rng = Random(f"taizhang-demo/{generator.seed}/work/{state.index}")
        self.work: BranchWork | None = None
        self.problems: list[Problem] = []
        self.start = CAMPAIGN_STARTS
        self.until = DEMO_TODAY
        # How far along the branch is: a diligent branch does more, and on time.
        self.diligence = self.rng.random()
        if "diligent" in self.show:
            self.diligence = 1.0
        elif "lazy" in self.show:
            self.diligence = 0.0
        elif self.show - {"enterprise", "social"} - set(_SHOWN_FORMATIONS):
            # A branch showing a mistake or a step must have done the work it concerns.
            self.diligence = max(self.diligence, 0.9)
        self.enterprise = self.branch.host_category is HostCategory.NON_PUBLIC_ENTERPRISE
        self.members = self.branch.full_members + self.branch.probationary_members

    # -- helpers -------------------------------------------------------------------------

    def reaches(self, threshold: float) -> bool:
        return self.diligence + self.rng.uniform(-0.12, 0.12) > threshold

    def late(self) -> bool:
        return self.rng.random() < 0.4 * (1 - self.diligence) and "diligent" not in self.show

    def when(self, lo: date, hi: date) -> date:
        lo = max(lo, self.start)
        return _between(self.rng, lo, max(hi, lo))

    def after(self, on: date, lo: int, hi: int) -> date:
        return _after(self.rng, on, lo, hi)

    def p(self, on: date, actor: str | None = None, source: str | None = None) -> Provenance:
        return self.g.provenance(
            self.rng, on, actor or f"书记 {self.state.secretary}", source or self.state.source
        )

    def fact(self, on: date, command: str, *, actor: str | None = None, **data: Any) -> Any:
        """Run a command on the branch's work; the fact, or None if it falls after today."""
        if on > self.until:
            return None
        provenance = self.p(on, actor)
        if self.work is None:
            # Opened by its first fact (as the service does), under an event id of its own.
            self.work = BranchWork.open(self.p(on, actor), self.campaign.id, self.branch.id)
        getattr(self.work, command)(provenance, **data)
        return self.work.pending_events[-1]

    def changed(self) -> list[LedgerAggregate]:
        found: list[LedgerAggregate] = [self.branch]
        if self.work is not None:
            found.append(self.work)
        found.extend(self.problems)
        found.append(self.campaign)
        return found

    def neighbours(self, most: int) -> list[UUID]:
        pool = [b for b in self.state.committee.small_branch_ids if b != self.branch.id]
        return self.rng.sample(pool, min(len(pool), self.rng.randint(1, most)))

    @property
    def organizer(self) -> str:
        return self.state.committee.organizer

    # -- the timeline --------------------------------------------------------------------

    def write(self) -> None:
        rng = self.rng
        withdrawn_on = None
        if (rng.random() < 0.003 and not self.show) or "withdrawn" in self.show:
            # The host closed down mid-campaign: the branch leaves the campaign.
            withdrawn_on = _between(rng, date(2014, 5, 20), date(2014, 6, 10))
            self.until = withdrawn_on - timedelta(days=1)
        surveyed = self.baseline_survey()
        awaiting = surveyed is not None and self.branch.is_rectification_target
        if awaiting and surveyed is not None and not self.reorganize(surveyed):
            self.supervision_visits()
            return
        if surveyed is not None:
            self.activity_plan(max(surveyed, self.start))
        if self.reaches(0.08):
            self.mobilization()
        self.thematic_study()
        self.investigation()
        self.life_meeting()
        self.problem_list()
        self.work_systems()
        self.service_work()
        self.optional_actions()
        self.supervision_visits()
        self.corrections()
        self.branch_changes()
        if withdrawn_on is not None:
            self.campaign.withdraw_branch(
                self.p(withdrawn_on, OFFICE_ACTOR, OFFICE_SOURCE),
                self.branch.id,
                "出资企业已注销，党组织关系整体转出",
            )

    def baseline_survey(self) -> date | None:
        if not self.reaches(0.03) and "target" not in self.show:
            return None
        # Only branches chosen to show it are weak, so the others show what they should.
        weak = self.rng.random() < 0.04 if not self.show else "target" in self.show
        on = (
            self.when(CAMPAIGN_STARTS, date(2014, 4, 13))
            if weak or not self.late()
            else self.when(date(2014, 4, 16), date(2014, 5, 10))
        )
        self.fact(
            on,
            "record_baseline_survey",
            leadership_complete=not weak or self.rng.random() < 0.5,
            full_members=self.branch.full_members,
            probationary_members=self.branch.probationary_members,
            weak_and_lax=weak,
            findings="班子不健全，组织生活长期不正常" if weak else "班子健全，党员队伍稳定",
        )
        if weak:
            self.branch.designate_rectification_target(
                self.p(on, self.organizer, PARTY_PORTAL),
                "摸底排查发现：书记长期不在岗，组织生活不正常",
            )
        return on

    def reorganize(self, surveyed: date) -> bool:
        if "target" in self.show:
            if "reorganized" not in self.show:
                return False
        elif self.rng.random() < 0.2:
            return False  # still awaiting reorganization in mid-June
        on = self.after(surveyed, 7, 35)
        if on > self.until:
            return False
        self.branch.reorganize(
            self.p(on, self.organizer, PARTY_PORTAL),
            leadership_completed=True,
            secretary_replaced=self.rng.random() < 0.7,
            notes="调整充实班子，选派党建指导员跟班指导",
        )
        self.start = on
        return True

    def activity_plan(self, surveyed: date) -> None:
        if not self.reaches(0.06):
            return
        submitted = self.after(surveyed, 1, 4) if not self.late() else self.after(surveyed, 8, 30)
        plan = {
            "goals": "提高党员素质，解决群众反映强烈的突出问题",
            "measures": "落实“八个一”规定动作，结合企业实际开展自选动作",
            "schedule": "4月动员学习，5月调查研究，6月查摆问题，7-9月整改落实",
        }
        if self.fact(submitted, "submit_plan", **plan) is None:
            return
        if self.rng.random() < 0.15 or "plan_returned" in self.show:
            returned = self.after(submitted, 1, 5)
            reasons = "活动安排不具体，未体现联系服务群众的内容"
            if self.fact(returned, "return_plan", actor=self.organizer, reasons=reasons) is None:
                return
            submitted = self.after(returned, 2, 8)
            if self.fact(submitted, "submit_plan", **plan) is None:
                return
        if self.reaches(0.12):
            self.fact(
                self.after(submitted, 1, 5),
                "approve_plan",
                actor=self.organizer,
                approver_note=self.organizer,
                remarks="同意按计划实施",
            )

    def mobilization(self) -> None:
        rng = self.rng
        on = (
            self.when(date(2014, 4, 12), date(2014, 4, 20))
            if not self.late()
            else self.when(date(2014, 4, 21), date(2014, 5, 31))
        )
        joint = self.neighbours(3) if self.members < 5 and rng.random() < 0.5 else []
        remote = rng.randint(1, self.members) if self.branch.formation is Formation.MOBILE else 0
        instructor = f"指导员 {self.state.instructor.name}"
        self.fact(
            on,
            "hold_mobilization_meeting",
            participants=self.members + rng.randint(0, 10),
            joint_with=joint,
            upper_level_attendee=rng.choice((self.organizer, instructor)),
            remote_members_reached=remote,
            form="与周边小微企业党组织联合召开" if joint else "集中召开动员大会",
        )

    def thematic_study(self) -> None:
        rng = self.rng
        if not self.reaches(0.1):
            return
        # Study goes on all campaign long: party groups meet about weekly.
        on = self.when(date(2014, 4, 14), date(2014, 4, 30))
        for _ in range(4 + int(self.diligence * 10) + rng.randint(0, 3)):
            if on > self.until:
                break
            half_day = rng.random() < 0.6
            self.fact(
                on,
                "hold_study_session",
                topic=rng.choice(_STUDY_TOPICS),
                days=Decimal("0.5") if half_day else Decimal(1),
                hours=Decimal(rng.choice((2, 3, 4))) if half_day else Decimal(6),
                participants=max(1, self.members - rng.randint(0, 3)),
            )
            on = self.after(on, 3, 8)
        # Secretaries are trained by the district, two days in one of its sessions.
        if self.reaches(0.15):
            sessions = [date(2014, 4, 17), date(2014, 4, 24), date(2014, 4, 28)]
            start = rng.choice(sessions) if not self.late() else date(2014, 5, 15)
            start = max(start, self.start)
            if rng.random() < 0.85 or "diligent" in self.show:
                self.fact(
                    start,
                    "hold_secretary_training",
                    days=Decimal(2),
                    hours=Decimal(14),
                    organizer="区委组织部",
                )
            else:
                # Only one day attended so far: not yet the two days required.
                self.fact(
                    start,
                    "hold_secretary_training",
                    days=Decimal(1),
                    hours=Decimal(7),
                    organizer=self.state.committee.plan.name,
                )

    def investigation(self) -> None:
        rng = self.rng
        if self.reaches(0.3):
            sources = (
                [
                    OpinionSource.INVESTORS,
                    OpinionSource.EMPLOYEES,
                    OpinionSource.MEMBERS,
                    OpinionSource.SERVED_PEOPLE,
                ]
                if self.enterprise
                else [
                    OpinionSource.HEADS,
                    OpinionSource.COMPETENT_UNIT,
                    OpinionSource.MEMBER_UNITS,
                    OpinionSource.MEMBERS,
                    OpinionSource.SERVED_PEOPLE,
                ]
            )
            for _ in range(rng.randint(1, 5)):
                self.fact(
                    self.when(date(2014, 4, 25), date(2014, 6, 14)),
                    "collect_opinions",
                    count=rng.randint(8, 30 + self.branch.employees // 10),
                    sources=rng.sample(sources, rng.randint(2, len(sources))),
                    summary="通过座谈会、意见箱、个别访谈征集意见建议",
                )
        if self.reaches(0.38):
            found = rng.choice((0, 0, 1, 2, 3, 5))
            self.fact(
                self.when(date(2014, 5, 1), date(2014, 6, 14)),
                "screen_conflicts",
                disputes_found=found,
                disputes_resolved=rng.randint(0, found),
                summary="开展矛盾纠纷排查，重点关注劳资纠纷",
            )

    def life_meeting(self) -> None:
        rng = self.rng
        if not self.reaches(0.5):
            return
        talked = self.when(date(2014, 5, 10), date(2014, 6, 5))
        if self.fact(talked, "hold_heart_to_heart_talks", talks=max(1, self.members)) is None:
            return
        if not self.reaches(0.62):
            return
        met = self.after(talked, 3, 8)
        held = self.fact(
            met,
            "hold_organizational_life_meeting",
            participants=self.members,
            self_examination=True,
            criticism=rng.random() < 0.95,
            members_evaluated=self.branch.full_members,
            materials=(
                "党委班子对照检查材料"
                if self.branch.level is BranchLevel.PARTY_COMMITTEE
                else "书记个人对照检查发言提纲"
            ),
        )
        if held is not None and self.reaches(0.66):
            self.fact(
                self.after(met, 1, 2),
                "make_life_meeting_result_known",
                how=rng.choice(("在单位公告栏公示", "党员大会通报", "在党员微信群通报")),
            )

    def problem_list(self) -> None:
        rng = self.rng
        if not self.reaches(0.35):
            return
        listed = self.when(date(2014, 4, 28), date(2014, 6, 10))
        if "rectified" in self.show:
            listed = max(self.start, date(2014, 5, 6))
        if listed > self.until:
            return
        categories = list(_PROBLEMS)
        for number in range(4 + int(self.diligence * 5) + rng.randint(0, 3)):
            category = (
                categories[number % len(categories)] if number < 5 else rng.choice(categories)
            )
            description, measures = rng.choice(_PROBLEMS[category])
            on = listed if number < 4 else self.after(listed, 0, 3)
            if on > self.until:
                break
            problem = Problem.list_on_branch(
                self.p(on),
                campaign_id=self.campaign.id,
                branch_id=self.branch.id,
                category=category,
                description=description,
                measures=measures,
                responsible_person=rng.choice((self.state.secretary, _person(rng))),
                # Some deadlines are short, and have passed by mid-June.
                deadline=min(CAMPAIGN_ENDS, self.after(on, 10, 110)),
                id=_demo_uuid(rng),
            )
            self.problems.append(problem)
            if "rectified" in self.show and number < len(_SHOWN_RECTIFICATIONS):
                self.show_rectification(problem, on, _SHOWN_RECTIFICATIONS[number])
            else:
                self.rectify(problem, on)
        if self.reaches(0.48):
            self.fact(
                self.after(listed, 1, 8),
                "publicize_problem_list",
                how=rng.choice(
                    ("在厂区公告栏公示7天", "在单位网站和公告栏公示", "在员工大会上公布")
                ),
            )

    def step(
        self, problem: Problem, on: date, command: str, actor: str | None = None, **data: Any
    ) -> bool:
        if on > self.until:
            return False
        getattr(problem, command)(self.p(on, actor), **data)
        return True

    def rectify(self, problem: Problem, listed: date) -> None:
        rng = self.rng
        step = self.step
        if rng.random() < 0.02:
            step(problem, self.after(listed, 1, 10), "withdraw", reason="与已列问题重复，撤回")
            return
        if rng.random() < 0.08:
            self.revise(problem, self.after(listed, 3, 20))
        if rng.random() > 0.5 + 0.45 * self.diligence:
            return
        on = self.after(listed, 0, 7)
        if not step(problem, on, "start_rectification", note="制定整改方案，落实责任人"):
            return
        percent = 0
        for _ in range(rng.randint(2, 12)):
            on = self.after(on, 2, 6)
            percent = min(95, percent + rng.randint(5, 20))
            if not step(
                problem, on, "record_progress", note="按计划推进整改", percent_done=percent
            ):
                return
        if rng.random() < 0.02:
            self.mistaken_progress(problem, on, withdraw=rng.random() < 0.3)
        if rng.random() > 0.5:
            return
        on = self.after(on, 2, 12)
        if not step(problem, on, "complete_rectification", outcome="整改完成，已建立长效机制"):
            return
        if rng.random() < 0.45:
            self.verify(problem, self.after(on, 2, 10), passed=rng.random() < 0.85)

    def revise(self, problem: Problem, on: date) -> None:
        self.step(
            problem,
            on,
            "revise",
            measures=problem.measures + "；增加专人跟进",
            responsible_person=problem.responsible_person,
            deadline=min(CAMPAIGN_ENDS, problem.deadline + timedelta(days=30)),
        )

    def verify(self, problem: Problem, on: date, *, passed: bool) -> None:
        rng = self.rng
        groups = self.state.committee.groups
        verifier = rng.choice(groups).name if rng.random() < 0.3 else self.organizer
        remarks = "整改到位" if passed else "整改不彻底，群众仍有意见"
        if (
            self.step(
                problem,
                on,
                "verify_rectification",
                actor=verifier,
                verifier_note=verifier,
                passed=passed,
                remarks=remarks,
            )
            and not passed
        ):
            self.step(
                problem,
                self.after(on, 1, 4),
                "record_progress",
                note="按验收意见继续整改",
                percent_done=80,
            )

    def mistaken_progress(self, problem: Problem, on: date, *, withdraw: bool) -> None:
        progress = [
            f
            for f in problem.facts.current.values()
            if isinstance(f, Problem.RectificationProgressed)
        ]
        if not progress:
            return
        mistaken = progress[-1]
        if withdraw:
            self.step(
                problem,
                on,
                "withdraw_fact",
                withdraws=mistaken.provenance.event_id,
                reason="误录入其他问题的进展",
            )
        else:
            self.step(
                problem,
                on,
                "correct",
                corrects=mistaken.provenance.event_id,
                reason="完成比例填报有误",
                changes={"percent_done": max(0, mistaken.percent_done - 10)},
            )

    def show_rectification(self, problem: Problem, listed: date, story: str) -> None:
        """A problem of the showcase branch, taking one path its rectification can take."""
        step = self.step
        if story == "withdrawn":
            step(problem, self.after(listed, 1, 2), "withdraw", reason="与已列问题重复，撤回")
            return
        if story == "revised":
            self.revise(problem, self.after(listed, 1, 2))
            return
        on = self.after(listed, 1, 2)
        step(problem, on, "start_rectification", note="制定整改方案，落实责任人")
        on = self.after(on, 2, 3)
        step(problem, on, "record_progress", note="按计划推进整改", percent_done=40)
        if story in ("corrected", "mistaken"):
            self.mistaken_progress(problem, self.after(on, 1, 2), withdraw=story == "mistaken")
            return
        on = self.after(on, 2, 3)
        step(problem, on, "complete_rectification", outcome="整改完成，已建立长效机制")
        self.verify(problem, self.after(on, 2, 3), passed=story == "verified")

    def work_systems(self) -> None:
        rng = self.rng
        if not self.reaches(0.45):
            return
        if rng.random() < 0.04 or "systems_changed" in self.show:
            # An interim rule, recorded when the campaign began, replaced by a proper one.
            interim = _demo_uuid(rng)
            on = self.when(date(2014, 4, 12), date(2014, 4, 30))
            name = "临时党小组活动办法"
            self.fact(
                on,
                "change_work_system",
                system_id=interim,
                name=name,
                change=WorkSystemChange.ESTABLISHED,
            )
            self.fact(
                self.after(on, 14, 40),
                "change_work_system",
                system_id=interim,
                name=name,
                change=WorkSystemChange.ABOLISHED,
            )
        for number, name in enumerate(rng.sample(_WORK_SYSTEMS, rng.randint(1, 5))):
            system = _demo_uuid(rng)
            on = self.when(date(2014, 4, 20), date(2014, 5, 31))
            if (
                self.fact(
                    on,
                    "change_work_system",
                    system_id=system,
                    name=name,
                    change=WorkSystemChange.ESTABLISHED,
                )
                is None
            ):
                continue
            if rng.random() < 0.15 or ("systems_changed" in self.show and number == 0):
                self.fact(
                    self.after(on, 7, 14),
                    "change_work_system",
                    system_id=system,
                    name=name + "(修订)",
                    change=WorkSystemChange.REVISED,
                )

    def service_work(self) -> None:
        rng = self.rng
        # Social organizations' "three ones" include a volunteer team.
        if self.reaches(0.6 if self.enterprise else 0.3):
            for number in range(1 if rng.random() < 0.85 else 2):
                kinds = rng.sample(_SERVICE_KINDS, rng.randint(1, 3))
                self.fact(
                    self.when(date(2014, 4, 25), date(2014, 6, 14)),
                    "set_up_volunteer_team",
                    team_id=_demo_uuid(rng),
                    name=f"{self.branch.host_name[-8:]}党员{kinds[0]}志愿服务队"
                    + ("" if number == 0 else "(二队)"),
                    service_kinds=kinds,
                    members=self.members + rng.randint(0, 20),
                    joint_with=self.neighbours(2) if rng.random() < 0.15 else [],
                )
        # Each member makes one or two service commitments (000 §四), and fulfils some.
        if not self.reaches(0.3):
            return
        for _ in range(min(self.members, 80)):
            if rng.random() > 0.92:
                continue
            member = _person(rng)
            for content in rng.sample(_COMMITMENTS, rng.choice((1, 2))):
                commitment = _demo_uuid(rng)
                made = self.when(date(2014, 4, 22), date(2014, 6, 10))
                if (
                    self.fact(
                        made,
                        "make_service_commitment",
                        actor=f"党员 {member}",
                        commitment_id=commitment,
                        member_name=member,
                        content=content,
                    )
                    is None
                ):
                    continue
                if rng.random() < 0.5:
                    self.fact(
                        self.after(made, 3, 30),
                        "fulfil_service_commitment",
                        actor=f"党员 {member}",
                        commitment_id=commitment,
                        outcome="已兑现",
                    )

    def optional_actions(self) -> None:
        rng = self.rng
        if not self.reaches(0.4):
            return
        for title, description in rng.sample(_OPTIONAL_ACTIONS, rng.randint(1, 3)):
            self.fact(
                self.when(date(2014, 4, 20), date(2014, 6, 14)),
                "record_optional_action",
                title=title,
                description=description,
            )

    def supervision_visits(self) -> None:
        rng = self.rng
        if rng.random() > 0.35 and "target" not in self.show:
            return
        for _ in range(rng.randint(1, 3)):
            group = rng.choice(self.state.committee.groups)
            findings, suggestions = rng.choice(_SUPERVISION_FINDINGS)
            self.fact(
                self.when(date(2014, 5, 5), date(2014, 6, 14)),
                "record_supervision_visit",
                actor=f"{group.name}组长 {_person(rng)}",
                group_id=group.id,
                findings=findings,
                suggestions=suggestions,
            )

    def corrections(self) -> None:
        """A few wrong entries, corrected or withdrawn as people notice them."""
        rng = self.rng
        if self.work is None:
            return
        facts = list(self.work.facts.current.values())
        meetings = [f for f in facts if isinstance(f, BranchWork.MobilizationMeetingHeld)]
        studies = [f for f in facts if isinstance(f, BranchWork.StudySessionHeld)]
        roll = rng.random()
        if "corrections" in self.show:
            roll = 0.0
        elif "date_correction" in self.show:
            roll = 0.035
        if roll < 0.03 and meetings:
            meeting = meetings[0]
            self.fact(
                self.after(meeting.provenance.occurred_on, 1, 10),
                "correct",
                corrects=meeting.provenance.event_id,
                reason="参会人数录入有误",
                changes={"participants": meeting.participants + rng.randint(1, 5)},
            )
        elif roll < 0.045 and studies:
            study = studies[0]
            earlier = max(
                CAMPAIGN_STARTS, self.start, study.provenance.occurred_on - timedelta(days=1)
            )
            self.fact(
                self.after(study.provenance.occurred_on, 1, 5),
                "correct",
                corrects=study.provenance.event_id,
                reason="学习日期填错",
                changes={"occurred_on": earlier},
            )
        if (roll < 0.015 or 0.045 <= roll < 0.06) and studies:
            # The same session posted twice by two systems; the copy is withdrawn.
            study = studies[0]
            copy = self.fact(
                study.provenance.occurred_on,
                "hold_study_session",
                topic=study.topic,
                days=study.days,
                hours=study.hours,
                participants=study.participants,
            )
            if copy is not None:
                self.fact(
                    self.after(copy.provenance.occurred_on, 0, 4),
                    "withdraw_fact",
                    withdraws=copy.provenance.event_id,
                    reason="重复录入",
                )

    def branch_changes(self) -> None:
        """Members, employees, formation and instructors change as the months go by."""
        rng = self.rng
        branch = self.branch
        reshaped = "reshaped" in self.show
        actor = f"{self.state.committee.plan.name}组织办"
        if rng.random() < 0.06 or reshaped:
            full = branch.full_members + rng.randint(1, 3)
            if reshaped:
                full = max(full, 3)
            on = self.when(date(2014, 4, 20), date(2014, 5, 20))
            branch.change_membership(
                self.p(on, actor, PARTY_PORTAL), full, branch.probationary_members
            )
            if branch.formation is Formation.AFFILIATED and full >= 3:
                # With three full members it can stand alone (000 §四).
                branch.change_formation(
                    self.p(self.after(on, 3, 20), actor, PARTY_PORTAL), Formation.STANDALONE, []
                )
        if rng.random() < 0.04 or reshaped:
            branch.count_employees(
                self.p(self.when(date(2014, 4, 20), self.until), actor, PARTY_PORTAL),
                max(3, branch.employees + rng.randint(-20, 40)),
            )
        if (rng.random() < 0.01 or reshaped) and len(self.g.instructors) > 1:
            on = self.when(date(2014, 5, 1), self.until)
            branch.unassign_instructor(
                self.p(on, OFFICE_ACTOR, OFFICE_SOURCE), self.state.instructor.id
            )
            others = [i for i in self.g.instructors if i.id != self.state.instructor.id]
            branch.assign_instructor(self.p(on, OFFICE_ACTOR, OFFICE_SOURCE), rng.choice(others).id)
        if rng.random() < 0.005 or reshaped:
            towns = [
                c
                for c in self.g.committees
                if c.plan.kind in (CommitteeKind.TOWN, CommitteeKind.SUBDISTRICT)
                and c is not self.state.committee
            ]
            if towns:
                branch.move_to_committee(
                    self.p(self.when(date(2014, 5, 1), self.until), OFFICE_ACTOR, OFFICE_SOURCE),
                    rng.choice(towns).aggregate.id,
                )


# Paths the showcase branch's problems take, one problem each.
_SHOWN_RECTIFICATIONS = ("failed", "verified", "revised", "withdrawn", "corrected", "mistaken")

# Every kind of event the demo contains (by qualified class name), even at a few dozen
# branches. Not generated: PhaseWorkRecorded (the eight ones all have facts of their own),
# Committee.Renamed and SupervisionGroup.ScopeUnassigned.
GENERATED_EVENT_TYPES: frozenset[str] = frozenset(
    {
        "District.Registered",
        "Committee.Registered",
        "Committee.ContactPointChosen",
        "Instructor.Registered",
        "SupervisionGroup.Registered",
        "SupervisionGroup.ScopeAssigned",
        "Branch.Registered",
        "Branch.InstructorAssigned",
        "Branch.InstructorUnassigned",
        "Branch.MembershipChanged",
        "Branch.EmployeesCounted",
        "Branch.FormationChanged",
        "Branch.MovedToCommittee",
        "Branch.DesignatedRectificationTarget",
        "Branch.Reorganized",
        "Campaign.Defined",
        "Campaign.BranchesEnrolled",
        "Campaign.BranchWithdrawn",
        "Campaign.PhaseDeadlineChanged",
        "BranchWork.Opened",
        "BranchWork.BaselineSurveyRecorded",
        "BranchWork.PlanSubmitted",
        "BranchWork.PlanReturned",
        "BranchWork.PlanApproved",
        "BranchWork.MobilizationMeetingHeld",
        "BranchWork.StudySessionHeld",
        "BranchWork.SecretaryTrainingHeld",
        "BranchWork.OpinionsCollected",
        "BranchWork.ConflictScreeningDone",
        "BranchWork.HeartToHeartTalksHeld",
        "BranchWork.OrganizationalLifeMeetingHeld",
        "BranchWork.LifeMeetingResultMadeKnown",
        "BranchWork.ProblemListPublicized",
        "BranchWork.WorkSystemChanged",
        "BranchWork.VolunteerTeamSetUp",
        "BranchWork.ServiceCommitmentMade",
        "BranchWork.ServiceCommitmentFulfilled",
        "BranchWork.OptionalActionRecorded",
        "BranchWork.SupervisionVisitRecorded",
        "BranchWork.FactCorrected",
        "BranchWork.FactWithdrawn",
        "Problem.Listed",
        "Problem.RectificationStarted",
        "Problem.RectificationProgressed",
        "Problem.RectificationDone",
        "Problem.RectificationVerified",
        "Problem.Revised",
        "Problem.FactCorrected",
        "Problem.FactWithdrawn",
        "Problem.Withdrawn",
    }
)

# ---------------------------------------------------------------------------------------


def is_loaded(ledger: Ledger, seed: int = DEFAULT_SEED) -> bool:
    return district_id_for(seed) in ledger.repository


def generate(
    ledger: Ledger,
    *,
    branches: int = DEFAULT_BRANCHES,
    seed: int = DEFAULT_SEED,
    committees: int | None = None,
    progress: bool = True,
) -> DemoSummary:
    """Load the demo district into ``ledger``; if this seed is already loaded, add nothing."""
    if branches < 1:
        raise ValueError("branches: must be at least 1")
    if committees is not None and not 1 <= committees <= len(COMMITTEES):
        raise ValueError(f"committees: must be between 1 and {len(COMMITTEES)}")
    generator = _Generator(ledger, branches, seed, committees, progress)
    summary = generator.summary
    if is_loaded(ledger, seed):
        generator.saver.close()
        summary.already_loaded = True
        return summary
    started = time.perf_counter()
    try:
        generator.organizations()
        generator.register_branches()
        generator.saver.flush()
        generator.define_campaign()
        generator.saver.flush()
        generator.record_work()
    finally:
        generator.saver.close()
    summary.seconds = time.perf_counter() - started
    return summary
