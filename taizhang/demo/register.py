"""The demo district's register of two-new organizations (``taizhang.domain.host_organization``).

Consistent with its branches: the host of every standalone or affiliated branch is on the
register, covered by that branch; a joint branch covers its host and the units it names
(a few of them more than 5, as the branches' own advisories say). Then about four times as
many organizations that no branch covers: most small and without members, some with members
or 100+ employees (the gaps a committee is asked about), some followed by an instructor or
a liaison, some with mass organizations. Places are the district's parks, business
districts and office buildings. Dates run from 2013 to the demo's today, so the coverage
views differ as of different dates.

Its own random stream, so the branches' facts do not change with it.
"""

from __future__ import annotations

from datetime import date
from random import Random

from taizhang.demo.data import (
    _INDUSTRIES,
    DEMO_TODAY,
    OFFICE_ACTOR,
    OFFICE_SOURCE,
    _between,
    _brand,
    _demo_uuid,
    _person,
)
from taizhang.demo.organizations import BranchState, CommitteeState, DemoGenerator
from taizhang.domain.host_organization import HostOrganization
from taizhang.domain.vocabulary import (
    CoverageMode,
    FollowerKind,
    Formation,
    HostCategory,
    LocationKind,
    MassOrganizationKind,
)

PLACES: tuple[tuple[LocationKind, str], ...] = (
    (LocationKind.PARK, "番禺节能科技园"),
    (LocationKind.PARK, "天安科技园"),
    (LocationKind.PARK, "广州大学城科技园"),
    (LocationKind.BUSINESS_DISTRICT, "市桥商圈"),
    (LocationKind.BUSINESS_DISTRICT, "万博商务区"),
    (LocationKind.OFFICE_BUILDING, "星海大厦"),
    (LocationKind.OFFICE_BUILDING, "番禺国际商务大厦"),
)
# Uncovered organizations per branch.
UNCOVERED_PER_BRANCH = 4
SCALE_BASIS = "2013年度主营业务收入2000万元以上"
REGISTER_STARTS = date(2013, 6, 1)


class RegisterWriter:
    def __init__(self, generator: DemoGenerator) -> None:
        self.g = generator
        self.rng = Random(f"taizhang-demo/{generator.seed}/register")
        self.count = 0
        self.names: set[str] = set()

    def write(self) -> None:
        for state in self.g.branch_states:
            self._covered(state)
        for committee in self.g.committees:
            for _ in range(UNCOVERED_PER_BRANCH * len(committee.branch_ids)):
                self._uncovered(committee)

    def _place(self) -> tuple[LocationKind, str]:
        if self.rng.random() < 0.45:
            return self.rng.choice(PLACES)
        return LocationKind.NONE, ""

    def _register(
        self,
        committee: CommitteeState,
        name: str,
        category: HostCategory,
        employees: int,
        full_members: int,
        on: date,
        industry: str = "",
    ) -> HostOrganization:
        kind, place = self._place()
        above = category is HostCategory.NON_PUBLIC_ENTERPRISE and employees >= 100
        org = HostOrganization.register(
            self.g.provenance(self.rng, on, OFFICE_ACTOR, OFFICE_SOURCE),
            district_id=self.g.summary.district_id,
            committee_id=committee.aggregate.id,
            name=name,
            category=category,
            sub_type="有限责任公司" if category is HostCategory.NON_PUBLIC_ENTERPRISE else "",
            industry=industry,
            employees=employees,
            full_members=min(full_members, employees),
            above_scale=above,
            scale_basis=SCALE_BASIS if above else "",
            location_kind=kind,
            location_name=place,
            id=_demo_uuid(self.rng),
        )
        self.count += 1
        return org

    def _covered(self, state: BranchState) -> None:
        branch = state.aggregate
        if branch.formation in (Formation.ONLINE, Formation.MOBILE):
            return  # members of many organizations, or none: no host on the register
        on = _between(self.rng, REGISTER_STARTS, date(2014, 3, 1))
        if branch.formation is Formation.JOINT:
            names = branch.covered_units or [branch.host_name]
            share = branch.full_members // len(names)
            units = [(name, share) for name in names]
            units[0] = (names[0], branch.full_members - share * (len(names) - 1))
            mode = CoverageMode.JOINT
        else:
            units = [(branch.host_name, branch.full_members)]
            mode = (
                CoverageMode.STANDALONE
                if branch.formation is Formation.STANDALONE
                else CoverageMode.AFFILIATED
            )
        for name, members in units:
            if name == branch.host_name:
                employees = max(branch.employees, members)
            else:
                employees = max(members, int(self.rng.lognormvariate(3.4, 0.8)))
            industry = next((i for i in _INDUSTRIES if i in name), "")
            org = self._register(
                state.committee, name, branch.host_category, employees, members, on, industry
            )
            org.cover(
                self.g.provenance(
                    self.rng, _between(self.rng, on, date(2014, 4, 30)), OFFICE_ACTOR
                ),
                branch.id,
                mode,
            )
            self._mass(org)
            self.g.saver.add(org)

    def _uncovered(self, committee: CommitteeState) -> None:
        rng = self.rng
        enterprise = rng.random() < committee.plan.enterprise_share
        category = (
            HostCategory.NON_PUBLIC_ENTERPRISE if enterprise else HostCategory.SOCIAL_ORGANIZATION
        )
        employees = (
            max(5, int(rng.lognormvariate(3.3, 1.0)))
            if enterprise
            else max(3, int(rng.lognormvariate(2.8, 0.8)))
        )
        # Most have no member; some have one or two, a few three or more (should stand
        # alone), and some of 100+ employees have none (should have an organization).
        full = rng.choices((0, 1, 2, 3, 4), (78, 10, 6, 4, 2))[0]
        industry = rng.choice(_INDUSTRIES) if enterprise else ""
        name = ""
        for _ in range(20):
            brand = _brand(rng)
            name = (
                f"广州市番禺区{brand}{industry}有限公司"
                if enterprise
                else f"番禺区{brand}{rng.choice(('社会工作服务中心', '培训中心', '协会'))}"
            )
            if name not in self.names:
                break
        else:
            name = f"{name}（{_brand(rng)}分公司）"
        self.names.add(name)
        on = _between(rng, REGISTER_STARTS, date(2014, 5, 31))
        org = self._register(committee, name, category, employees, full, on, industry)
        if rng.random() < 0.35:
            kind = FollowerKind.INSTRUCTOR if rng.random() < 0.6 else FollowerKind.LIAISON
            follower = (
                str(rng.choice(self.g.instructors).id)
                if kind is FollowerKind.INSTRUCTOR
                else _person(rng)
            )
            org.send_follower(
                self.g.provenance(rng, _between(rng, on, DEMO_TODAY), OFFICE_ACTOR),
                kind,
                follower,
            )
        if rng.random() < 0.1:
            org.count_staff(
                self.g.provenance(rng, _between(rng, on, DEMO_TODAY), OFFICE_ACTOR),
                org.employees + rng.randint(1, 30),
                org.full_members,
                org.above_scale,
                org.scale_basis,
            )
        self._mass(org)
        self.g.saver.add(org)

    def _mass(self, org: HostOrganization) -> None:
        rng = self.rng
        chance = 0.5 if org.employees >= 30 else 0.12
        if rng.random() >= chance:
            return
        org.set_up_mass_organization(
            self.g.provenance(rng, _between(rng, date(2013, 9, 1), DEMO_TODAY), OFFICE_ACTOR),
            rng.choice(list(MassOrganizationKind)),
            _person(rng),
            rng.random() < 0.9,
        )
