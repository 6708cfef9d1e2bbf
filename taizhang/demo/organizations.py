"""The demo district's organizations: committees, groups, instructors, branches, the campaign."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from random import Random
from typing import Any
from uuid import UUID, uuid5

from tqdm import tqdm

from taizhang.demo.data import (
    _ASSOCIATIONS,
    _HOME_PROVINCES,
    _INDUSTRIES,
    _NAMESPACE,
    _SHOWN_FORMATIONS,
    _SUPERVISION_GROUPS,
    CAMPAIGN_ENDS,
    CAMPAIGN_NAME,
    CAMPAIGN_STARTS,
    COMMITTEES,
    MOBILE_APP,
    OFFICE_ACTOR,
    OFFICE_SOURCE,
    PARTY_PORTAL,
    WEB,
    CommitteePlan,
    _between,
    _brand,
    _demo_uuid,
    _person,
    campaign_id_for,
    district_id_for,
    showcase,
)
from taizhang.demo.saver import (
    DemoSummary,
    Saver,
)
from taizhang.domain.branch import Branch
from taizhang.domain.campaign import Campaign
from taizhang.domain.committee import Committee
from taizhang.domain.district import District
from taizhang.domain.instructor import Instructor
from taizhang.domain.phases import EIGHT_ONES, EIGHT_ONES_2014_DEADLINES
from taizhang.domain.provenance import Provenance
from taizhang.domain.supervision_group import SupervisionGroup
from taizhang.domain.vocabulary import (
    BranchLevel,
    CommitteeKind,
    Formation,
    HostCategory,
    SupervisionGroupKind,
)
from taizhang.ledger import Ledger


@dataclass
class CommitteeState:
    plan: CommitteePlan
    aggregate: Committee
    organizer: str  # the committee's organization member, who approves plans
    groups: list[SupervisionGroup] = field(default_factory=list)
    branch_ids: list[UUID] = field(default_factory=list)
    small_branch_ids: list[UUID] = field(default_factory=list)


@dataclass
class BranchState:
    index: int
    aggregate: Branch
    committee: CommitteeState
    secretary: str
    source: str
    instructor: Instructor
    registered_on: date = date(2014, 3, 31)  # the business date of its registration


class DemoGenerator:
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
        self.saver = Saver(ledger, self.summary)
        self.committees: list[CommitteeState] = []
        self.groups: list[SupervisionGroup] = []
        self.instructors: list[Instructor] = []
        self.branch_states: list[BranchState] = []
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
            state = CommitteeState(plan, committee, f"{plan.name}组织委员 {_person(rng)}")
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
        # One instructor follows about eight branches (000 §五(一)); by pseudonymous id,
        # with no name (the demo names no one).
        for number in range(max(3, self.branches // 8)):
            instructor = Instructor.register(
                self.provenance(rng, date(2014, 3, 20), OFFICE_ACTOR),
                district.id,
                person=_person(rng),
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
        for index in self.bar(range(self.branches), "registering branches"):
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
        self, index: int, rng: Random, committee: CommitteeState, names: set[str]
    ) -> BranchState:
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
        registered = _between(rng, date(2013, 3, 1), date(2014, 3, 31))
        branch = Branch.register(
            self.provenance(rng, registered, f"{place}组织办 {_person(rng)}", PARTY_PORTAL),
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
        return BranchState(index, branch, committee, secretary, source, instructor, registered)

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
                    _person(rng),
                    rng.choice(committee.branch_ids),
                )
            self.saver.add(committee.aggregate)

    def bar(self, items: Sequence[Any] | range, description: str) -> Iterable[Any]:
        if not self.progress:
            return items

        bar: Iterable[Any] = tqdm(items, desc=description, unit=" branches", leave=True)
        return bar
