"""Who may read and write what.

Roles:

- ``admin``: everything, including registering districts.
- ``office`` (campaign office): everything in its district.
- ``committee`` (a supervising committee): reads the branches of its committees, and
  records what the committee does for them (plan approvals, rectification targets,
  verifications).
- ``supervisor``: reads its scope (its district as a whole, some committees, or a
  supervision group's assignment) and records supervision visits and verifications there.
- ``integrator``: posts for the committees or branches it is scoped to, and reads them.

What each role may record is ``taizhang.api.duties.DUTIES``. A resource outside the caller's scope
answers exactly as one that does not exist (404 with the same body), whether its id is in
the URL or in the posted data, so a refusal never tells whether it exists. 403 is only for
what a role may never do, whatever the resource (e.g. an integrator approving a plan).
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from taizhang.api.amendments import SCOPE_MAX_AGE_SECONDS, Amendments, Forbidden
from taizhang.api.auth import Credential
from taizhang.api.duties import (
    DUTIES,
    may_record,
    recorders,
)
from taizhang.domain.branch import Branch
from taizhang.domain.campaign import Campaign
from taizhang.domain.committee import Committee
from taizhang.domain.district import District
from taizhang.domain.errors import NotFound
from taizhang.domain.grading import GradingRound
from taizhang.domain.host_organization import HostOrganization
from taizhang.domain.instructor import Instructor
from taizhang.domain.life_theme import LifeTheme
from taizhang.domain.member_development import Candidate
from taizhang.domain.problem import Problem
from taizhang.domain.supervision_group import SupervisionGroup
from taizhang.domain.yearly_review import YearlyReview
from taizhang.handlers import EVENT_TYPES
from taizhang.kinds import KINDS
from taizhang.ledger import Ledger


def _kind(cls: type[Any]) -> str:
    return "".join("_" + c.lower() if c.isupper() else c for c in cls.__name__).lstrip("_")


HOMES_SIZE = 100_000


@dataclass(frozen=True)
class Home:
    """What a scope check needs of a district, committee, campaign, supervision group or
    instructor: its kind and its district, both fixed by the event that created it."""

    id: UUID
    kind: type[Any]
    district_id: UUID


class _Homes:
    """A process's homes, per ledger. No event changes the district of these aggregates, so a
    home read once is right for good: checks need not replay the aggregate (a campaign with
    10,000 enrolled branches took ~40 ms, every second, in every request thread at once)."""

    def __init__(self) -> None:
        self._entries: OrderedDict[UUID, Home] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, ledger: Ledger, aggregate_id: UUID) -> Home:
        with self._lock:
            found = self._entries.get(aggregate_id)
        if found is not None:
            return found
        # Version 1 is the creating event alone: one event to decode, whatever came after.
        created = ledger.repository.get(aggregate_id, version=1)
        district_id = created.id if isinstance(created, District) else created.district_id
        found = Home(aggregate_id, type(created), district_id)
        with self._lock:
            self._entries[aggregate_id] = found
            while len(self._entries) > HOMES_SIZE:
                self._entries.popitem(last=False)
        return found


_HOMES: weakref.WeakKeyDictionary[Ledger, _Homes] = weakref.WeakKeyDictionary()
_homes_lock = threading.Lock()
_SETTLED = (District, Committee, Campaign, SupervisionGroup, Instructor)


def _homes_of(ledger: Ledger) -> _Homes:
    with _homes_lock:
        found = _HOMES.get(ledger)
        if found is None:
            found = _HOMES[ledger] = _Homes()
        return found


class Scope(Amendments):
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

    def home(self, cls: type[Any], aggregate_id: UUID, field: str) -> Home:
        """The kind and district of a district, committee, campaign, group or instructor."""
        assert cls in _SETTLED, cls
        try:
            found = _homes_of(self.ledger).get(self.ledger, aggregate_id)
        except (AggregateNotFoundError, AttributeError):
            # AttributeError: an aggregate of a kind without a district (a branch's work).
            raise NotFound(field, _kind(cls), aggregate_id) from None
        if not issubclass(found.kind, cls):
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

    def covers_committee(self, committee: Committee | Home) -> bool:
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

    def covers_host_organization(self, org: HostOrganization) -> bool:
        """A committee's token covers the organizations its committees answer for, the
        territorial one or the industry one."""
        if self.covers_district(org.district_id):
            return True
        if not self.in_district(org.district_id):
            return False
        group = self.group()
        return any(
            committee_id in self.cred.committee_ids
            or (group is not None and committee_id in group.committee_ids)
            for committee_id in (org.committee_id, org.industry_committee_id)
            if committee_id is not None
        )

    def covers_group(self, group: SupervisionGroup | Home) -> bool:
        return self.covers_district(group.district_id) or (
            self.in_district(group.district_id) and self.cred.group_id == group.id
        )

    # -- reads: the aggregate (or its home) if the caller may see it, else NotFound ------

    def district(self, district_id: UUID) -> Home:
        district = self.home(District, district_id, "district_id")
        if not self.in_district(district.id):
            raise self._hidden(District, district_id, "district_id")
        return district

    def committee(self, committee_id: UUID) -> Home:
        committee = self.home(Committee, committee_id, "committee_id")
        if not self.covers_committee(committee):
            raise self._hidden(Committee, committee_id, "committee_id")
        return committee

    def branch(self, branch_id: UUID) -> Branch:
        branch: Branch = self.load(Branch, branch_id, "branch_id")
        if not self.covers_branch(branch):
            raise self._hidden(Branch, branch_id, "branch_id")
        return branch

    def host_organization(self, org_id: UUID) -> HostOrganization:
        org: HostOrganization = self.load(HostOrganization, org_id, "host_organization_id")
        if not self.covers_host_organization(org):
            raise self._hidden(HostOrganization, org_id, "host_organization_id")
        return org

    def problem(self, problem_id: UUID) -> Problem:
        problem: Problem = self.load(Problem, problem_id, "problem_id")
        try:
            self.branch(problem.branch_id)
        except NotFound:
            raise self._hidden(Problem, problem_id, "problem_id") from None
        return problem

    def candidate(self, candidate_id: UUID) -> Candidate:
        """A person on the path to membership: read and written by their branch's side,
        never by supervisors, who read the pipeline's counts (seed 002 people are named)."""
        found: Candidate = self.load(Candidate, candidate_id, "candidate_id")
        if self.cred.role == "supervisor":
            raise self._hidden(Candidate, candidate_id, "candidate_id")
        try:
            self.branch(found.branch_id)
        except NotFound:
            raise self._hidden(Candidate, candidate_id, "candidate_id") from None
        return found

    def supervision_group(self, group_id: UUID) -> Home:
        group = self.home(SupervisionGroup, group_id, "group_id")
        if not self.covers_group(group):
            raise self._hidden(SupervisionGroup, group_id, "group_id")
        return group

    def campaign_home(self, campaign_id: UUID) -> Home:
        """Campaigns are read by everyone in their district: they say what is expected."""
        campaign = self.home(Campaign, campaign_id, "campaign_id")
        if not self.in_district(campaign.district_id):
            raise self._hidden(Campaign, campaign_id, "campaign_id")
        return campaign

    def campaign(self, campaign_id: UUID) -> Campaign:
        """The campaign itself (its name, phases, branches), if the caller may read it."""
        self.campaign_home(campaign_id)
        found: Campaign = self.load(Campaign, campaign_id, "campaign_id")
        return found

    def instructor(self, instructor_id: UUID) -> Home:
        instructor = self.home(Instructor, instructor_id, "instructor_id")
        if not self.in_district(instructor.district_id):
            raise self._hidden(Instructor, instructor_id, "instructor_id")
        return instructor

    def grading_round(self, round_id: UUID) -> GradingRound:
        """A district's round is read by everyone in its district; a committee's round by
        those who cover the committee."""
        found: GradingRound = self._owned(GradingRound, round_id, "round_id")
        return found

    def yearly_review(self, review_id: UUID) -> YearlyReview:
        """As a grading round: the district's, or one committee's."""
        found: YearlyReview = self._owned(YearlyReview, review_id, "review_id")
        return found

    def life_theme(self, theme_id: UUID) -> LifeTheme:
        """A theme of the month is read by everyone in its district: it says what the
        branches are to follow (a branch's integrator names it on a themed day)."""
        found: LifeTheme = self.load(LifeTheme, theme_id, "theme_id")
        if not self.in_district(found.district_id):
            raise self._hidden(LifeTheme, theme_id, "theme_id")
        return found

    def publishes_theme(self, theme: LifeTheme) -> None:
        """Only whom publishes a theme revises or withdraws it: the district's theme the
        office, a committee's those who cover the committee."""
        if theme.scope_kind == "committee":
            committee = self.home(Committee, theme.scope_id, "theme_id")
            if self.covers_committee(committee):
                return
        elif self.covers_district(theme.district_id):
            return
        raise Forbidden(
            "theme_owner",
            "only the side that published the theme amends it",
            field="data.theme_id",
        )

    def _owned(self, cls: type[Any], aggregate_id: UUID, field: str) -> Any:
        found = self.load(cls, aggregate_id, field)
        if not self.in_district(found.district_id):
            raise self._hidden(cls, aggregate_id, field)
        if found.committee_id is not None:
            committee = self.home(Committee, found.committee_id, field)
            if not self.covers_committee(committee):
                raise self._hidden(cls, aggregate_id, field)
        return found

    def district_named(self, data: Mapping[str, Any]) -> UUID | None:
        """The district a posting's data belongs to, by the first id it names of a district,
        campaign, committee, branch or problem (the posting was checked by ``may_post``)."""
        if data.get("district_id") is not None:
            return UUID(str(data["district_id"]))
        if data.get("campaign_id") is not None:
            return self.campaign_home(data["campaign_id"]).district_id
        if data.get("committee_id") is not None:
            return self.committee(data["committee_id"]).district_id
        if data.get("branch_id") is not None:
            return self.branch(data["branch_id"]).district_id
        if data.get("problem_id") is not None:
            return self.branch(self.problem(data["problem_id"]).branch_id).district_id
        return None

    def aggregate(self, kind: str, aggregate_id: UUID) -> Any:
        return getattr(self, kind)(aggregate_id)

    # -- writes ----------------------------------------------------------------------------

    def may_post(self, event_type: str, data: dict[str, Any]) -> None:
        """Raise Forbidden (the role never may) or NotFound (a target is out of scope).

        What a role may record is ``taizhang.api.duties.DUTIES``; every id the data names is then
        checked like an id in a URL, and a correction or withdrawal also by the fact it
        names."""
        role = self.cred.role
        if not may_record(role, event_type):
            raise Forbidden(
                "separation_of_duties",
                f"a token of role {role} may not post {event_type}; "
                f"{DUTIES[event_type].why}: {recorders(event_type)}",
                field="type",
            )
        if role == "admin":
            return
        self._ids_in_scope(data)
        if event_type in _DISTRICT_WIDE and not self.covers_district(data["district_id"]):
            raise Forbidden("office_only", f"only the campaign office posts {event_type}")
        if (
            event_type
            in ("GradingRoundDefined", "YearlyReviewOpened", "LifeProgrammeSet", "ThemePublished")
            and data.get("committee_id") is None
            and not self.covers_district(data.get("district_id"))
        ):
            raise Forbidden(
                "office_only", f"only the campaign office posts a district's {event_type}"
            )
        if event_type in ("ThemeRevised", "ThemeWithdrawn"):
            self.publishes_theme(self.life_theme(data["theme_id"]))
        if EVENT_TYPES[event_type].concerns == "campaign" and "campaign_id" in data:
            campaign = self.campaign_home(data["campaign_id"])
            if not self.covers_district(campaign.district_id):
                raise Forbidden("office_only", f"only the campaign office posts {event_type}")
        self.may_amend(event_type, data)

    def _ids_in_scope(self, data: Mapping[str, Any]) -> None:
        """Every aggregate id in ``data`` (``BODY_IDS``), checked as if in the URL."""
        for name, kind in BODY_IDS.items():
            value = data.get(name)
            if value is None:
                continue
            for aggregate_id in value if isinstance(value, (list, tuple, set)) else (value,):
                try:
                    getattr(self, kind)(aggregate_id)
                except NotFound as error:
                    # Named by the data's field, as missing ones are.
                    raise NotFound(name, error.kind, aggregate_id) from None


# The registrations a district's office makes for the district as a whole.
_DISTRICT_WIDE = frozenset(
    {"CommitteeRegistered", "InstructorRegistered", "SupervisionGroupRegistered", "CampaignDefined"}
)

# Every field of posted data that names an aggregate, and the check of the caller's scope
# it gets (a method of Scope). Ids a branch makes for its own facts (``system_id``,
# ``team_id``, ``commitment_id``), a visit's suggestion items (``item_id``, made from the
# visit, looked up in the branch's own work) and event ids (``corrects``, ``withdraws``) name
# no aggregate; tests/api/test_duties.py holds every id field of the schemas to this list.
BODY_IDS: dict[str, str] = {
    **{kind.own_id: name for name, kind in KINDS.items() if kind.own_id},
    # A campaign is checked as in the caller's district (``Scope.campaign_home``).
    "campaign_id": "campaign_home",
    "committee_ids": "committee",
    "branch_ids": "branch",
    "joint_with": "branch",
    "industry_committee_id": "committee",
}
# ``contact_ids``, ``sponsor_ids``: full members' pseudonymous ids; ``document_ids``: the
# documents a step refers to.
NOT_AGGREGATE_IDS = frozenset(
    {
        "system_id",
        "team_id",
        "commitment_id",
        "item_id",
        "corrects",
        "withdraws",
        "contact_ids",
        "sponsor_ids",
        "document_ids",
    }
)
