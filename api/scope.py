"""Who may read and write what.

Roles:

- ``admin``: everything, including registering districts.
- ``office`` (campaign office): everything in its district.
- ``supervisor``: reads its scope (its district as a whole, some committees, or a
  supervision group's assignment) and records supervision visits and verifications there.
- ``integrator``: posts for the committees or branches it is scoped to, and reads them.

A resource outside the caller's scope answers exactly as one that does not exist (404 with
the same body), so a refusal never tells whether it exists. 403 is only for what a role may
never do, whatever the resource (e.g. a supervisor posting a plan approval).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from api.auth import Credential
from domain.branch import Branch
from domain.campaign import Campaign
from domain.committee import Committee
from domain.district import District
from domain.instructor import Instructor
from domain.problem import Problem
from domain.supervision_group import SupervisionGroup
from taizhang.handlers import EVENT_TYPES
from taizhang.ledger import Ledger
from taizhang.unit_of_work import NotFound

# What a supervisor may post: the supervising side's own records.
SUPERVISOR_EVENTS = frozenset({"SupervisionVisitRecorded", "RectificationVerified"})
# What an integrator may post: its branches' facts, and its committees' own records.
INTEGRATOR_CONCERNS = frozenset({"branch", "branch_work", "problem", "committee"})
INTEGRATOR_CREATES = frozenset({"BranchRegistered", "ProblemListed"})


class Forbidden(Exception):
    """The role may never do this (HTTP 403)."""

    def __init__(self, rule: str, message: str) -> None:
        super().__init__(message)
        self.field = "Authorization"
        self.rule = rule
        self.message = message


def _kind(cls: type[Any]) -> str:
    return "".join("_" + c.lower() if c.isupper() else c for c in cls.__name__).lstrip("_")


# Where a branch belongs changes rarely; a scope check may see it a second late.
SCOPE_MAX_AGE_SECONDS = 1.0


class Scope:
    def __init__(self, ledger: Ledger, credential: Credential) -> None:
        self.ledger = ledger
        self.cred = credential
        self._group: SupervisionGroup | None = None

    @property
    def is_admin(self) -> bool:
        return self.cred.role == "admin"

    def load(self, cls: type[Any], aggregate_id: UUID, field: str) -> Any:
        try:
            # Read-only: the shared cached instance, not a deep copy (a campaign holds every
            # enrolled branch id, and a batch consults it once per item).
            found = self.ledger.consult(aggregate_id, max_age=SCOPE_MAX_AGE_SECONDS)
        except AggregateNotFoundError:
            raise NotFound(field, _kind(cls), aggregate_id) from None
        if not isinstance(found, cls):
            raise NotFound(field, _kind(cls), aggregate_id)
        return found

    def _hidden(self, cls: type[Any], aggregate_id: UUID, field: str) -> NotFound:
        return NotFound(field, _kind(cls), aggregate_id)

    def group(self) -> SupervisionGroup | None:
        if self.cred.group_id is None:
            return None
        if self._group is None:
            try:
                self._group = self.ledger.consult(self.cred.group_id, max_age=SCOPE_MAX_AGE_SECONDS)
            except AggregateNotFoundError:
                return None
        return self._group

    # -- tests of scope --------------------------------------------------------------------

    def in_district(self, district_id: UUID) -> bool:
        return self.is_admin or self.cred.district_id == district_id

    def covers_district(self, district_id: UUID) -> bool:
        return self.is_admin or (self.in_district(district_id) and self.cred.whole_district)

    def covers_committee(self, committee: Committee) -> bool:
        if self.covers_district(committee.district_id):
            return True
        if not self.in_district(committee.district_id):
            return False
        group = self.group()
        return committee.id in self.cred.committee_ids or (
            group is not None and committee.id in group.committee_ids
        )

    def covers_branch(self, branch: Branch) -> bool:
        if self.covers_district(branch.district_id):
            return True
        if not self.in_district(branch.district_id):
            return False
        group = self.group()
        return (
            branch.id in self.cred.branch_ids
            or branch.committee_id in self.cred.committee_ids
            or (group is not None and group.covers(branch.committee_id, branch.id))
        )

    def covers_group(self, group: SupervisionGroup) -> bool:
        return self.covers_district(group.district_id) or (
            self.in_district(group.district_id) and self.cred.group_id == group.id
        )

    # -- reads: the aggregate if the caller may see it, else NotFound --------------------

    def district(self, district_id: UUID) -> District:
        district: District = self.load(District, district_id, "district_id")
        if not self.in_district(district.id):
            raise self._hidden(District, district_id, "district_id")
        return district

    def committee(self, committee_id: UUID) -> Committee:
        committee: Committee = self.load(Committee, committee_id, "committee_id")
        if not self.covers_committee(committee):
            raise self._hidden(Committee, committee_id, "committee_id")
        return committee

    def branch(self, branch_id: UUID) -> Branch:
        branch: Branch = self.load(Branch, branch_id, "branch_id")
        if not self.covers_branch(branch):
            raise self._hidden(Branch, branch_id, "branch_id")
        return branch

    def problem(self, problem_id: UUID) -> Problem:
        problem: Problem = self.load(Problem, problem_id, "problem_id")
        try:
            self.branch(problem.branch_id)
        except NotFound:
            raise self._hidden(Problem, problem_id, "problem_id") from None
        return problem

    def supervision_group(self, group_id: UUID) -> SupervisionGroup:
        group: SupervisionGroup = self.load(SupervisionGroup, group_id, "group_id")
        if not self.covers_group(group):
            raise self._hidden(SupervisionGroup, group_id, "group_id")
        return group

    def campaign(self, campaign_id: UUID) -> Campaign:
        """Campaigns are read by everyone in their district: they say what is expected."""
        campaign: Campaign = self.load(Campaign, campaign_id, "campaign_id")
        if not self.in_district(campaign.district_id):
            raise self._hidden(Campaign, campaign_id, "campaign_id")
        return campaign

    def instructor(self, instructor_id: UUID) -> Instructor:
        instructor: Instructor = self.load(Instructor, instructor_id, "instructor_id")
        if not self.in_district(instructor.district_id):
            raise self._hidden(Instructor, instructor_id, "instructor_id")
        return instructor

    def aggregate(self, kind: str, aggregate_id: UUID) -> Any:
        return getattr(self, kind)(aggregate_id)

    # -- writes ----------------------------------------------------------------------------

    def may_post(self, event_type: str, data: dict[str, Any]) -> None:
        """Raise Forbidden (the role never may) or NotFound (the target is out of scope)."""
        spec = EVENT_TYPES[event_type]
        role = self.cred.role
        if role == "admin":
            return
        if event_type == "DistrictRegistered":
            raise Forbidden("admin_only", "only an admin registers districts")
        if role == "supervisor" and event_type not in SUPERVISOR_EVENTS:
            raise Forbidden(
                "supervisor_records_visits",
                "a supervisor records supervision visits and verifications only",
            )
        if role == "integrator" and (
            event_type == "SupervisionVisitRecorded"
            or spec.concerns not in INTEGRATOR_CONCERNS
            or (spec.creates and event_type not in INTEGRATOR_CREATES)
        ):
            raise Forbidden(
                "integrator_posts_branch_work",
                f"an integrator may not post {event_type}",
            )
        self._target_in_scope(event_type, spec.concerns, data)

    def _target_in_scope(self, event_type: str, concerns: str, data: dict[str, Any]) -> None:
        if event_type in ("CommitteeRegistered", "InstructorRegistered") or event_type in (
            "SupervisionGroupRegistered",
            "CampaignDefined",
        ):
            self.district(data["district_id"])
            if not self.covers_district(data["district_id"]):
                raise Forbidden("office_only", f"only the campaign office posts {event_type}")
        elif event_type == "BranchRegistered":
            self.district(data["district_id"])
            self.committee(data["committee_id"])
        elif "problem_id" in data:
            self.problem(data["problem_id"])
        elif concerns in ("branch", "branch_work", "problem"):
            self.branch(data["branch_id"])
            if "campaign_id" in data:
                self.campaign(data["campaign_id"])
        elif concerns == "committee":
            self.committee(data["committee_id"])
            if "branch_id" in data:
                self.branch(data["branch_id"])
        elif concerns == "supervision_group":
            self.supervision_group(data["group_id"])
        elif concerns == "campaign":
            campaign = self.campaign(data["campaign_id"])
            if not self.covers_district(campaign.district_id):
                raise Forbidden("office_only", f"only the campaign office posts {event_type}")
