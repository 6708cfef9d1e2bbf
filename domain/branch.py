"""A branch (两新组织党组织) inside its host organization: the unit whose progress is tracked."""

from __future__ import annotations

from uuid import UUID, uuid4

from .base import LedgerAggregate
from .errors import require, require_value
from .provenance import Provenance
from .vocabulary import (
    JOINT_BRANCH_MAX_UNITS,
    STANDALONE_MIN_FULL_MEMBERS,
    BranchLevel,
    CoverageMode,
    Formation,
    HostCategory,
)

# Advisory flags: the seeds' rules that are recorded and flagged, never refused, because
# the fact on the ground is what it is and the ledger must hold it.
JOINT_COVERS_TOO_MANY_UNITS = "joint_covers_more_than_5_units"
STANDALONE_TOO_FEW_MEMBERS = "standalone_with_fewer_than_3_full_members"
# Seed 003 §一: 3 or more full members form their own organization; joining or affiliating is
# for those with fewer.
SHARED_WITH_ENOUGH_MEMBERS = "joint_or_affiliated_with_3_or_more_full_members"


def formation_advisories(
    formation: Formation, full_members: int, covered_units: list[str]
) -> list[str]:
    flags = []
    if formation is Formation.JOINT and len(covered_units) > JOINT_BRANCH_MAX_UNITS:
        flags.append(JOINT_COVERS_TOO_MANY_UNITS)
    if formation is Formation.STANDALONE and full_members < STANDALONE_MIN_FULL_MEMBERS:
        flags.append(STANDALONE_TOO_FEW_MEMBERS)
    if (
        formation in (Formation.JOINT, Formation.AFFILIATED)
        and full_members >= STANDALONE_MIN_FULL_MEMBERS
    ):
        flags.append(SHARED_WITH_ENOUGH_MEMBERS)
    return flags


def enterprises_covered(
    formation: Formation, host_category: HostCategory | None, covered_units: list[str]
) -> int:
    """How many non-public enterprises a branch covers, for the standalone formation rate
    (seed 000 §四(一)1 "单独组建率力争达到30%", counted per enterprise covered): a joint
    branch counts every unit it covers (its host at least), any other branch its host."""
    if host_category is not HostCategory.NON_PUBLIC_ENTERPRISE:
        return 0
    if formation is Formation.JOINT:
        return max(1, len(covered_units))
    return 1


def _check_counts(full_members: int, probationary_members: int, employees: int) -> None:
    require_value(full_members >= 0, "full_members", "non_negative", "cannot be negative")
    require_value(
        probationary_members >= 0, "probationary_members", "non_negative", "cannot be negative"
    )
    require_value(employees >= 0, "employees", "non_negative", "cannot be negative")


class Branch(LedgerAggregate):
    class Registered(LedgerAggregate.Created):
        district_id: UUID
        committee_id: UUID
        name: str
        level: BranchLevel
        formation: Formation
        host_name: str
        host_category: HostCategory
        employees: int
        full_members: int
        probationary_members: int
        covered_units: list[str]
        advisories: list[str]

    class MembershipChanged(LedgerAggregate.Event):
        """Members' organizational ties move in or out; the counts are the new totals."""

        full_members: int
        probationary_members: int
        advisories: list[str]

        def apply(self, branch: Branch) -> None:
            branch.full_members = self.full_members
            branch.probationary_members = self.probationary_members
            branch.advisories = list(self.advisories)

    class EmployeesCounted(LedgerAggregate.Event):
        employees: int

        def apply(self, branch: Branch) -> None:
            branch.employees = self.employees

    class FormationChanged(LedgerAggregate.Event):
        formation: Formation
        covered_units: list[str]
        advisories: list[str]

        def apply(self, branch: Branch) -> None:
            branch.formation = self.formation
            branch.covered_units = list(self.covered_units)
            branch.advisories = list(self.advisories)

    class MovedToCommittee(LedgerAggregate.Event):
        committee_id: UUID

        def apply(self, branch: Branch) -> None:
            branch.committee_id = self.committee_id

    class InstructorAssigned(LedgerAggregate.Event):
        instructor_id: UUID

        def apply(self, branch: Branch) -> None:
            branch.instructor_ids.add(self.instructor_id)

    class InstructorUnassigned(LedgerAggregate.Event):
        instructor_id: UUID

        def apply(self, branch: Branch) -> None:
            branch.instructor_ids.discard(self.instructor_id)

    class DesignatedRectificationTarget(LedgerAggregate.Event):
        """Found weak and lax (软弱涣散) in the baseline survey: reorganize before the campaign."""

        reasons: str

        def apply(self, branch: Branch) -> None:
            branch.is_rectification_target = True
            branch.reorganized = False
            branch.target_waived = False

    class RectificationTargetWaived(LedgerAggregate.Event):
        """The committee decides that a branch found weak and lax need not be reorganized
        before the campaign (seed 000 §三(一) "研究确定整顿对象": the committee decides)."""

        reasons: str

        def apply(self, branch: Branch) -> None:
            branch.is_rectification_target = False
            branch.reorganized = False
            branch.target_waived = True

    class Reorganized(LedgerAggregate.Event):
        """Leadership completed and an unfit secretary replaced (000 §三(一))."""

        leadership_completed: bool
        secretary_replaced: bool
        notes: str

        def apply(self, branch: Branch) -> None:
            branch.reorganized = True

    class HostOrganizationLinked(LedgerAggregate.Event):
        """An organization on the register that the branch covers, and how (kept with the
        branch so that the units of a joint organization are counted where it is decided)."""

        host_organization_id: UUID
        mode: CoverageMode

        def apply(self, branch: Branch) -> None:
            branch.hosts[self.host_organization_id] = self.mode

    class HostOrganizationUnlinked(LedgerAggregate.Event):
        host_organization_id: UUID
        reason: str

        def apply(self, branch: Branch) -> None:
            branch.hosts.pop(self.host_organization_id, None)

    def __init__(
        self,
        provenance: Provenance,
        district_id: UUID,
        committee_id: UUID,
        name: str,
        level: BranchLevel,
        formation: Formation,
        host_name: str,
        host_category: HostCategory,
        employees: int,
        full_members: int,
        probationary_members: int,
        covered_units: list[str],
        advisories: list[str],
    ) -> None:
        self.district_id = district_id
        self.committee_id = committee_id
        self.name = name
        self.level = level
        self.formation = formation
        self.host_name = host_name
        self.host_category = host_category
        self.employees = employees
        self.full_members = full_members
        self.probationary_members = probationary_members
        self.covered_units = list(covered_units)
        self.advisories = list(advisories)
        self.instructor_ids: set[UUID] = set()
        # The organizations on the register it covers (HostOrganization ids) and how.
        self.hosts: dict[UUID, CoverageMode] = {}
        self.is_rectification_target = False
        self.reorganized = False
        # The committee decided a weak-and-lax finding does not make it a target.
        self.target_waived = False

    @classmethod
    def register(
        cls,
        provenance: Provenance,
        *,
        district_id: UUID,
        committee_id: UUID,
        name: str,
        level: BranchLevel,
        formation: Formation,
        host_name: str,
        host_category: HostCategory,
        employees: int,
        full_members: int,
        probationary_members: int = 0,
        covered_units: list[str] | None = None,
        id: UUID | None = None,
    ) -> Branch:
        require_value(bool(name.strip()), "name", "required", "a branch needs a name")
        require_value(bool(host_name.strip()), "host_name", "required", "name the host")
        _check_counts(full_members, probationary_members, employees)
        formation = Formation.of(formation, "formation")
        units = list(covered_units or [])
        require_value(
            formation is Formation.JOINT or len(units) <= 1,
            "covered_units",
            "joint_only",
            "only a joint branch covers several units",
        )
        return cls._create(
            cls.Registered,
            id=id or uuid4(),
            provenance=provenance,
            district_id=district_id,
            committee_id=committee_id,
            name=name,
            level=BranchLevel.of(level, "level"),
            formation=formation,
            host_name=host_name,
            host_category=HostCategory.of(host_category, "host_category"),
            employees=employees,
            full_members=full_members,
            probationary_members=probationary_members,
            covered_units=units,
            advisories=formation_advisories(formation, full_members, units),
        )

    @property
    def covers_without_rectification(self) -> bool:
        """A rectification target starts the campaign only once reorganized."""
        return not self.is_rectification_target or self.reorganized

    def change_membership(
        self, provenance: Provenance, full_members: int, probationary_members: int
    ) -> None:
        _check_counts(full_members, probationary_members, self.employees)
        require(
            (full_members, probationary_members) != (self.full_members, self.probationary_members),
            "full_members",
            "changed",
            "the member counts are unchanged",
        )
        self.trigger_event(
            self.MembershipChanged,
            provenance=provenance,
            full_members=full_members,
            probationary_members=probationary_members,
            advisories=formation_advisories(self.formation, full_members, self.covered_units),
        )

    def count_employees(self, provenance: Provenance, employees: int) -> None:
        _check_counts(self.full_members, self.probationary_members, employees)
        self.trigger_event(self.EmployeesCounted, provenance=provenance, employees=employees)

    def change_formation(
        self, provenance: Provenance, formation: Formation, covered_units: list[str]
    ) -> None:
        formation = Formation.of(formation, "formation")
        require_value(
            formation is Formation.JOINT or len(covered_units) <= 1,
            "covered_units",
            "joint_only",
            "only a joint branch covers several units",
        )
        self.trigger_event(
            self.FormationChanged,
            provenance=provenance,
            formation=formation,
            covered_units=list(covered_units),
            advisories=formation_advisories(formation, self.full_members, covered_units),
        )

    def move_to_committee(self, provenance: Provenance, committee_id: UUID) -> None:
        require(
            committee_id != self.committee_id,
            "committee_id",
            "changed",
            "the branch already belongs to that committee",
        )
        self.trigger_event(self.MovedToCommittee, provenance=provenance, committee_id=committee_id)

    def assign_instructor(self, provenance: Provenance, instructor_id: UUID) -> None:
        require(
            instructor_id not in self.instructor_ids,
            "instructor_id",
            "not_assigned",
            "that instructor already follows this branch",
        )
        self.trigger_event(
            self.InstructorAssigned, provenance=provenance, instructor_id=instructor_id
        )

    def unassign_instructor(self, provenance: Provenance, instructor_id: UUID) -> None:
        require(
            instructor_id in self.instructor_ids,
            "instructor_id",
            "assigned",
            "that instructor does not follow this branch",
        )
        self.trigger_event(
            self.InstructorUnassigned, provenance=provenance, instructor_id=instructor_id
        )

    def designate_rectification_target(self, provenance: Provenance, reasons: str) -> None:
        require_value(bool(reasons.strip()), "reasons", "required", "say why the branch is weak")
        require(
            not self.is_rectification_target or self.reorganized,
            "reasons",
            "not_already_target",
            "the branch is already a rectification target awaiting reorganization",
        )
        self.trigger_event(
            self.DesignatedRectificationTarget, provenance=provenance, reasons=reasons
        )

    def designate_if_weak(self, provenance: Provenance, findings: str) -> bool:
        """A baseline survey found the branch weak and lax (软弱涣散): it becomes a target to
        be reorganized first, unless it already is one or its committee decided otherwise.
        Whether it was designated."""
        if (self.is_rectification_target and not self.reorganized) or self.target_waived:
            return False
        reasons = "摸底排查发现软弱涣散" + (f"：{findings.strip()}" if findings.strip() else "")
        self.trigger_event(
            self.DesignatedRectificationTarget, provenance=provenance, reasons=reasons[:4000]
        )
        return True

    def waive_rectification_target(self, provenance: Provenance, reasons: str) -> None:
        require_value(bool(reasons.strip()), "reasons", "required", "say why")
        require(
            self.is_rectification_target and not self.reorganized,
            "branch_id",
            "is_rectification_target",
            "only a rectification target awaiting reorganization can be waived",
        )
        self.trigger_event(self.RectificationTargetWaived, provenance=provenance, reasons=reasons)

    def reorganize(
        self,
        provenance: Provenance,
        leadership_completed: bool,
        secretary_replaced: bool,
        notes: str = "",
    ) -> None:
        require(
            self.is_rectification_target and not self.reorganized,
            "branch_id",
            "is_rectification_target",
            "only a rectification target awaiting reorganization can be reorganized",
        )
        require_value(
            leadership_completed or secretary_replaced,
            "leadership_completed",
            "something_done",
            "a reorganization completes the leadership or replaces the secretary",
        )
        self.trigger_event(
            self.Reorganized,
            provenance=provenance,
            leadership_completed=leadership_completed,
            secretary_replaced=secretary_replaced,
            notes=notes,
        )

    def joint_units(self, leaving: UUID | None = None) -> int:
        return sum(
            1 for org, mode in self.hosts.items() if mode is CoverageMode.JOINT and org != leaving
        )

    def link_host(
        self, provenance: Provenance, host_organization_id: UUID, mode: CoverageMode
    ) -> None:
        """003 §一: 联合党组织覆盖单位数不超过5个 — a sixth unit is refused."""
        mode = CoverageMode.of(mode, "mode")
        require(
            mode is not CoverageMode.JOINT
            or self.joint_units(leaving=host_organization_id) < JOINT_BRANCH_MAX_UNITS,
            "branch_id",
            "joint_at_most_5_units",
            f"003 §一 联合党组织覆盖单位数不超过{JOINT_BRANCH_MAX_UNITS}个: this joint "
            f"organization already covers {self.joint_units()} units on the register",
        )
        if self.hosts.get(host_organization_id) is mode:
            return
        self.trigger_event(
            self.HostOrganizationLinked,
            provenance=provenance,
            host_organization_id=host_organization_id,
            mode=mode,
        )

    def unlink_host(self, provenance: Provenance, host_organization_id: UUID, reason: str) -> None:
        if host_organization_id in self.hosts:
            self.trigger_event(
                self.HostOrganizationUnlinked,
                provenance=provenance,
                host_organization_id=host_organization_id,
                reason=reason,
            )
