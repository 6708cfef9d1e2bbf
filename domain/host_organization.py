"""A "two new" organization on the register (两新组织台账): an enterprise or social
organization, whether or not a party organization covers it yet.

Its facts change by events: a new headcount, a move, a party organization that covers it
(standalone, joint or affiliated), an instructor or liaison sent, a mass organization set up
or dissolved. A wrong headcount or location is put right by the next event of the same kind,
dated when it holds. Rules of the seeds that the facts may break are advisories
(``taizhang.domain.coverage_rules``), never refusals; refusals are for what cannot be: negative
counts, more members than employees, a second trade union, an organization closed.
"""

from __future__ import annotations

from uuid import UUID, uuid4

from .base import LedgerAggregate
from .coverage_rules import Standing, advisories
from .errors import require, require_value
from .provenance import Provenance
from .vocabulary import (
    CoverageMode,
    FollowerKind,
    HostCategory,
    LocationKind,
    MassOrganizationKind,
)

MAX_REF = 100


def check_staff(employees: int, full_members: int) -> None:
    require_value(employees >= 0, "employees", "non_negative", "cannot be negative")
    require_value(full_members >= 0, "full_members", "non_negative", "cannot be negative")
    require_value(
        full_members <= employees,
        "full_members",
        "within_employees",
        "the full members counted are among its employees",
    )


def check_location(kind: LocationKind, name: str) -> None:
    require_value(
        (kind is LocationKind.NONE) == (not name.strip()),
        "location_name",
        "named_with_kind",
        "a park, business district or office building is named; elsewhere has no name",
    )


def check_ref(value: str, field: str) -> None:
    require_value(bool(value.strip()), field, "required", "a pseudonymous id is required")
    require_value(len(value) <= MAX_REF, field, "too_long", f"at most {MAX_REF} characters")


class HostOrganization(LedgerAggregate):
    class Registered(LedgerAggregate.Created):
        district_id: UUID
        committee_id: UUID
        industry_committee_id: UUID | None
        name: str
        category: HostCategory
        sub_type: str
        industry: str
        employees: int
        full_members: int
        above_scale: bool
        scale_basis: str
        location_kind: LocationKind
        location_name: str

    class StaffCounted(LedgerAggregate.Event):
        """A new count of employees and full members, and whether it is above scale (规模以上)
        with what that rests on (turnover, an official list)."""

        employees: int
        full_members: int
        above_scale: bool
        scale_basis: str

        def apply(self, org: HostOrganization) -> None:
            org.employees = self.employees
            org.full_members = self.full_members
            org.above_scale = self.above_scale
            org.scale_basis = self.scale_basis

    class OrganizationRelocated(LedgerAggregate.Event):
        location_kind: LocationKind
        location_name: str

        def apply(self, org: HostOrganization) -> None:
            org.location_kind = self.location_kind
            org.location_name = self.location_name

    class OrganizationCommitteesChanged(LedgerAggregate.Event):
        """The territorial committee (属地) and the industry committee (行业) that answer for it."""

        committee_id: UUID
        industry_committee_id: UUID | None

        def apply(self, org: HostOrganization) -> None:
            org.committee_id = self.committee_id
            org.industry_committee_id = self.industry_committee_id

    class CoveredByBranch(LedgerAggregate.Event):
        """A party organization covers it: its own (standalone), a joint one, or one it is
        affiliated to (003 §一: 单独组建、联合建、挂靠建)."""

        branch_id: UUID
        mode: CoverageMode

        def apply(self, org: HostOrganization) -> None:
            org.branch_id = self.branch_id
            org.mode = self.mode

    class CoverageEnded(LedgerAggregate.Event):
        reason: str

        def apply(self, org: HostOrganization) -> None:
            org.branch_id = None
            org.mode = None

    class FollowerSent(LedgerAggregate.Event):
        """An instructor or liaison follows it (001 §二; 003 §一; 000 §五(一)). An
        instructor names the registered instructor; a liaison a pseudonymous id."""

        kind: FollowerKind
        follower: str

        def apply(self, org: HostOrganization) -> None:
            org.followers[self.follower] = self.kind

    class FollowerRecalled(LedgerAggregate.Event):
        follower: str

        def apply(self, org: HostOrganization) -> None:
            org.followers.pop(self.follower, None)

    class MassOrganizationSetUp(LedgerAggregate.Event):
        """A trade union, Youth League or women's organization (004); its leadership chosen
        after hearing the workers (004 四(一)4 "廣泛聽取職工群眾意見")."""

        kind: MassOrganizationKind
        leader: str
        workers_heard: bool

        def apply(self, org: HostOrganization) -> None:
            org.mass_organizations[self.kind] = self.leader

    class MassOrganizationLeadershipChosen(LedgerAggregate.Event):
        kind: MassOrganizationKind
        leader: str
        workers_heard: bool

        def apply(self, org: HostOrganization) -> None:
            org.mass_organizations[self.kind] = self.leader

    class MassOrganizationDissolved(LedgerAggregate.Event):
        kind: MassOrganizationKind
        reason: str

        def apply(self, org: HostOrganization) -> None:
            org.mass_organizations.pop(self.kind, None)

    class OrganizationClosed(LedgerAggregate.Event):
        """Deregistered, merged or gone: off the register from its date."""

        reason: str

        def apply(self, org: HostOrganization) -> None:
            org.closed = True

    def __init__(
        self,
        provenance: Provenance,
        district_id: UUID,
        committee_id: UUID,
        industry_committee_id: UUID | None,
        name: str,
        category: HostCategory,
        sub_type: str,
        industry: str,
        employees: int,
        full_members: int,
        above_scale: bool,
        scale_basis: str,
        location_kind: LocationKind,
        location_name: str,
    ) -> None:
        self.district_id = district_id
        self.committee_id = committee_id
        self.industry_committee_id = industry_committee_id
        self.name = name
        self.category = category
        self.sub_type = sub_type
        self.industry = industry
        self.employees = employees
        self.full_members = full_members
        self.above_scale = above_scale
        self.scale_basis = scale_basis
        self.location_kind = location_kind
        self.location_name = location_name
        self.branch_id: UUID | None = None
        self.mode: CoverageMode | None = None
        self.followers: dict[str, FollowerKind] = {}
        self.mass_organizations: dict[MassOrganizationKind, str] = {}
        self.closed = False

    @classmethod
    def register(
        cls,
        provenance: Provenance,
        *,
        district_id: UUID,
        committee_id: UUID,
        name: str,
        category: HostCategory,
        employees: int,
        full_members: int,
        industry_committee_id: UUID | None = None,
        sub_type: str = "",
        industry: str = "",
        above_scale: bool = False,
        scale_basis: str = "",
        location_kind: LocationKind = LocationKind.NONE,
        location_name: str = "",
        id: UUID | None = None,
    ) -> HostOrganization:
        require_value(bool(name.strip()), "name", "required", "an organization needs a name")
        check_staff(employees, full_members)
        kind = LocationKind.of(location_kind, "location_kind")
        check_location(kind, location_name)
        require_value(
            not above_scale or bool(scale_basis.strip()),
            "scale_basis",
            "required_when_above_scale",
            "say what the above-scale flag rests on",
        )
        return cls._create(
            cls.Registered,
            id=id or uuid4(),
            provenance=provenance,
            district_id=district_id,
            committee_id=committee_id,
            industry_committee_id=industry_committee_id,
            name=name,
            category=HostCategory.of(category, "category"),
            sub_type=sub_type,
            industry=industry,
            employees=employees,
            full_members=full_members,
            above_scale=above_scale,
            scale_basis=scale_basis,
            location_kind=kind,
            location_name=location_name,
        )

    # -- what the rules read ---------------------------------------------------------------

    @property
    def standing(self) -> Standing:
        return Standing(
            category=self.category,
            employees=self.employees,
            full_members=self.full_members,
            above_scale=self.above_scale,
            location_kind=self.location_kind,
            mode=self.mode,
            followers=len(self.followers),
            mass_organizations=len(self.mass_organizations),
        )

    @property
    def advisories(self) -> list[str]:
        return advisories(self.standing)

    def _open(self) -> None:
        require(not self.closed, "host_organization_id", "registered", "the organization is closed")

    # -- commands --------------------------------------------------------------------------

    def count_staff(
        self,
        provenance: Provenance,
        employees: int,
        full_members: int,
        above_scale: bool,
        scale_basis: str = "",
    ) -> None:
        self._open()
        check_staff(employees, full_members)
        require_value(
            not above_scale or bool(scale_basis.strip()),
            "scale_basis",
            "required_when_above_scale",
            "say what the above-scale flag rests on",
        )
        self.trigger_event(
            self.StaffCounted,
            provenance=provenance,
            employees=employees,
            full_members=full_members,
            above_scale=above_scale,
            scale_basis=scale_basis,
        )

    def relocate(self, provenance: Provenance, location_kind: LocationKind, name: str) -> None:
        self._open()
        kind = LocationKind.of(location_kind, "location_kind")
        check_location(kind, name)
        require(
            (kind, name) != (self.location_kind, self.location_name),
            "location_name",
            "changed",
            "the organization is already there",
        )
        self.trigger_event(
            self.OrganizationRelocated,
            provenance=provenance,
            location_kind=kind,
            location_name=name,
        )

    def change_committees(
        self, provenance: Provenance, committee_id: UUID, industry_committee_id: UUID | None
    ) -> None:
        self._open()
        require(
            (committee_id, industry_committee_id)
            != (self.committee_id, self.industry_committee_id),
            "committee_id",
            "changed",
            "those committees already answer for it",
        )
        self.trigger_event(
            self.OrganizationCommitteesChanged,
            provenance=provenance,
            committee_id=committee_id,
            industry_committee_id=industry_committee_id,
        )

    def cover(self, provenance: Provenance, branch_id: UUID, mode: CoverageMode) -> None:
        self._open()
        mode = CoverageMode.of(mode, "mode")
        require(
            (branch_id, mode) != (self.branch_id, self.mode),
            "branch_id",
            "changed",
            "that party organization already covers it so",
        )
        self.trigger_event(
            self.CoveredByBranch, provenance=provenance, branch_id=branch_id, mode=mode
        )

    def end_coverage(self, provenance: Provenance, reason: str) -> None:
        self._open()
        require_value(bool(reason.strip()), "reason", "required", "say why")
        require(
            self.branch_id is not None, "branch_id", "covered", "no party organization covers it"
        )
        self.trigger_event(self.CoverageEnded, provenance=provenance, reason=reason)

    def send_follower(self, provenance: Provenance, kind: FollowerKind, follower: str) -> None:
        self._open()
        kind = FollowerKind.of(kind, "kind")
        check_ref(follower, "follower")
        require(
            follower not in self.followers,
            "follower",
            "not_already_following",
            "that instructor or liaison already follows it",
        )
        self.trigger_event(self.FollowerSent, provenance=provenance, kind=kind, follower=follower)

    def recall_follower(self, provenance: Provenance, follower: str) -> None:
        self._open()
        require(
            follower in self.followers,
            "follower",
            "following",
            "that instructor or liaison does not follow it",
        )
        self.trigger_event(self.FollowerRecalled, provenance=provenance, follower=follower)

    def set_up_mass_organization(
        self, provenance: Provenance, kind: MassOrganizationKind, leader: str, workers_heard: bool
    ) -> None:
        self._open()
        kind = MassOrganizationKind.of(kind, "kind")
        check_ref(leader, "leader")
        require(
            kind not in self.mass_organizations,
            "kind",
            "not_already_set_up",
            f"it already has a {kind.en.lower()}",
        )
        self.trigger_event(
            self.MassOrganizationSetUp,
            provenance=provenance,
            kind=kind,
            leader=leader,
            workers_heard=workers_heard,
        )

    def choose_mass_organization_leadership(
        self, provenance: Provenance, kind: MassOrganizationKind, leader: str, workers_heard: bool
    ) -> None:
        self._open()
        kind = MassOrganizationKind.of(kind, "kind")
        check_ref(leader, "leader")
        require(kind in self.mass_organizations, "kind", "set_up", f"it has no {kind.en.lower()}")
        self.trigger_event(
            self.MassOrganizationLeadershipChosen,
            provenance=provenance,
            kind=kind,
            leader=leader,
            workers_heard=workers_heard,
        )

    def dissolve_mass_organization(
        self, provenance: Provenance, kind: MassOrganizationKind, reason: str
    ) -> None:
        self._open()
        kind = MassOrganizationKind.of(kind, "kind")
        require_value(bool(reason.strip()), "reason", "required", "say why")
        require(kind in self.mass_organizations, "kind", "set_up", f"it has no {kind.en.lower()}")
        self.trigger_event(
            self.MassOrganizationDissolved, provenance=provenance, kind=kind, reason=reason
        )

    def close(self, provenance: Provenance, reason: str) -> None:
        self._open()
        require_value(bool(reason.strip()), "reason", "required", "say why")
        self.trigger_event(self.OrganizationClosed, provenance=provenance, reason=reason)
