"""What a branch reports in a campaign: the facts of ``taizhang.domain.branch_work.BranchWork``,
each with the value rules it checks when it is recorded (``check``).

The aggregate names each class in its body (``BranchWork.MobilizationMeetingHeld = ...``),
and the library redefines them there as subclasses named after the aggregate, so the topics
stored in the log stay ``taizhang.domain.branch_work:BranchWork.<Fact>`` (held by
tests/unit/test_branch_work.py). Use them through ``BranchWork``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, ClassVar
from uuid import UUID

from . import base
from .base import KeepsFacts
from .errors import require_value
from .persons import check_optional_person
from .vocabulary import OpinionSource, WorkSystemChange


def _non_negative(**counts: int | Decimal) -> None:
    for name, value in counts.items():
        require_value(value >= 0, name, "non_negative", f"{name} cannot be negative")


def _text(max_length: int = 4000, **texts: str) -> None:
    for name, value in texts.items():
        require_value(
            len(value) <= max_length, name, "too_long", f"{name} exceeds {max_length} characters"
        )


def _required(**texts: str) -> None:
    for name, value in texts.items():
        require_value(bool(value.strip()), name, "required", f"{name} must not be blank")


class Fact(base.Fact):
    def apply(self, work: KeepsFacts) -> None:
        work.facts.add(self)


class BaselineSurveyRecorded(Fact):
    leadership_complete: bool
    full_members: int
    probationary_members: int
    weak_and_lax: bool
    findings: str

    def check(self) -> None:
        _non_negative(
            full_members=self.full_members, probationary_members=self.probationary_members
        )
        _text(findings=self.findings)


class PlanSubmitted(Fact):
    goals: str
    measures: str
    schedule: str

    def check(self) -> None:
        _required(goals=self.goals, measures=self.measures, schedule=self.schedule)
        _text(goals=self.goals, measures=self.measures, schedule=self.schedule)


class PlanReturned(Fact):
    reasons: str

    def check(self) -> None:
        _required(reasons=self.reasons)
        _text(reasons=self.reasons)


class PlanApproved(Fact):
    """Who approved is the provenance's actor (the poster's credentials). The signer's note
    (``approver_note``, their name and title as the plan names them) is personal data: it is
    stored sealed under the key of the person it names (``approver_person``, a pseudonymous
    id; ``taizhang.domain.persons``), so erasing that person leaves it unreadable. Version 1 named
    the note ``approver``; versions 1 and 2 held it in clear with no person (upcast: an
    empty ``approver_person``, the note as recorded)."""

    class_version = 3
    # The note is sealed under this person's key: another person cannot open it.
    uncorrectable: ClassVar[frozenset[str]] = frozenset({"approver_person", "approver_note"})
    renamed: ClassVar[dict[str, str]] = {"approver": "approver_note"}
    approver_person: str
    approver_note: str
    remarks: str

    def check(self) -> None:
        check_optional_person(
            "approver_person", self.approver_person, self.approver_note, "approver_note"
        )
        _text(remarks=self.remarks)

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        state["approver_note"] = state.pop("approver")

    @staticmethod
    def upcast_v2_v3(state: dict[str, Any]) -> None:
        state["approver_person"] = ""


class MobilizationMeetingHeld(Fact):
    """Held alone or jointly with nearby small branches (``joint_with``); the upper
    level sends someone (``upper_level_attendee``, by pseudonymous id, their name sealed in
    ``upper_level_attendee_name``; ``taizhang.domain.persons``); members working elsewhere are
    reached by network or SMS. Version 1 held the attendee in clear in
    ``upper_level_attendee`` (upcast: an empty id, the text where the sealed name goes)."""

    class_version = 2
    uncorrectable: ClassVar[frozenset[str]] = frozenset(
        {"joint_with", "upper_level_attendee", "upper_level_attendee_name"}
    )
    participants: int
    joint_with: list[UUID]
    upper_level_attendee: str
    upper_level_attendee_name: str
    remote_members_reached: int
    form: str

    def check(self) -> None:
        _non_negative(
            participants=self.participants,
            remote_members_reached=self.remote_members_reached,
        )
        check_optional_person(
            "upper_level_attendee",
            self.upper_level_attendee,
            self.upper_level_attendee_name,
            "upper_level_attendee_name",
        )
        _text(form=self.form)

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        state["upper_level_attendee_name"] = state["upper_level_attendee"]
        state["upper_level_attendee"] = ""


class StudySessionHeld(Fact):
    """Version 2 counts days and hours as decimals; version 1 had whole
    ``duration_hours`` and every session lasted one day."""

    class_version = 2
    topic: str
    days: Decimal
    hours: Decimal
    participants: int

    def check(self) -> None:
        _required(topic=self.topic)
        _non_negative(days=self.days, hours=self.hours, participants=self.participants)

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        state["hours"] = Decimal(state.pop("duration_hours"))
        state["days"] = Decimal(1)


class SecretaryTrainingHeld(Fact):
    """The training's organizer by pseudonymous id (``organizer``), their name sealed in
    ``organizer_name`` (``taizhang.domain.persons``). Version 1 held the organizer in clear in
    ``organizer`` (upcast: an empty id, the text where the sealed name goes)."""

    class_version = 2
    uncorrectable: ClassVar[frozenset[str]] = frozenset({"organizer", "organizer_name"})
    days: Decimal
    hours: Decimal
    organizer: str
    organizer_name: str

    def check(self) -> None:
        _non_negative(days=self.days, hours=self.hours)
        check_optional_person("organizer", self.organizer, self.organizer_name, "organizer_name")

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        state["organizer_name"] = state["organizer"]
        state["organizer"] = ""


class OpinionsCollected(Fact):
    count: int
    sources: list[OpinionSource]
    summary: str

    def check(self) -> None:
        _non_negative(count=self.count)
        require_value(bool(self.sources), "sources", "required", "name whom opinions came from")
        _text(summary=self.summary)


class ConflictScreeningDone(Fact):
    disputes_found: int
    disputes_resolved: int
    summary: str

    def check(self) -> None:
        _non_negative(disputes_found=self.disputes_found, disputes_resolved=self.disputes_resolved)
        require_value(
            self.disputes_resolved <= self.disputes_found,
            "disputes_resolved",
            "at_most_found",
            "cannot resolve more disputes than were found",
        )


class HeartToHeartTalksHeld(Fact):
    talks: int

    def check(self) -> None:
        require_value(self.talks > 0, "talks", "positive", "at least one talk")


class OrganizationalLifeMeetingHeld(Fact):
    participants: int
    self_examination: bool
    criticism: bool
    members_evaluated: int
    materials: str

    def check(self) -> None:
        _non_negative(participants=self.participants, members_evaluated=self.members_evaluated)
        _text(materials=self.materials)


class LifeMeetingResultMadeKnown(Fact):
    how: str

    def check(self) -> None:
        _required(how=self.how)


class ProblemListPublicized(Fact):
    how: str

    def check(self) -> None:
        _required(how=self.how)


class WorkSystemChanged(Fact):
    """Establish, revise or abolish (立, 改, 废) a work system (000 §三(六)): one made in
    the campaign, or one in force before it (``existing``), which is revised or
    abolished. Version 1 knew only systems made in the campaign."""

    class_version = 2
    uncorrectable: ClassVar[frozenset[str]] = frozenset({"system_id", "change", "existing"})
    system_id: UUID
    name: str
    change: WorkSystemChange
    existing: bool

    def check(self) -> None:
        _required(name=self.name)
        _text(200, name=self.name)

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        state["existing"] = False


class VolunteerTeamSetUp(Fact):
    uncorrectable: ClassVar[frozenset[str]] = frozenset({"team_id", "joint_with"})
    team_id: UUID
    name: str
    service_kinds: list[str]
    members: int
    joint_with: list[UUID]

    def check(self) -> None:
        _required(name=self.name)
        _non_negative(members=self.members)
        require_value(bool(self.service_kinds), "service_kinds", "required", "name a service")


class ServiceCommitmentMade(Fact):
    """A member's commitment: ``member`` is their pseudonymous id, ``member_name`` their
    name sealed under their key, or empty (``taizhang.domain.persons``); neither is corrected (a
    commitment made by someone else is withdrawn and made again). Version 1 held the
    name in clear in ``member_name`` and no id: upcast with an empty id, it reads as
    recorded."""

    class_version = 2
    uncorrectable: ClassVar[frozenset[str]] = frozenset({"commitment_id", "member", "member_name"})
    commitment_id: UUID
    member: str
    member_name: str
    content: str

    def check(self) -> None:
        _required(content=self.content)

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        state["member"] = ""


class ServiceCommitmentFulfilled(Fact):
    uncorrectable: ClassVar[frozenset[str]] = frozenset({"commitment_id"})
    commitment_id: UUID
    outcome: str


class OptionalActionRecorded(Fact):
    """A self-chosen action (自选动作) beyond the required ones."""

    title: str
    description: str

    def check(self) -> None:
        _required(title=self.title)


class SupervisionVisitRecorded(Fact):
    """A group's visit: its findings, its suggestions as text, and those to be answered
    one by one (``suggestion_items``, ``taizhang.domain.suggestions``). Version 1 had no items."""

    class_version = 2
    uncorrectable: ClassVar[frozenset[str]] = frozenset({"group_id", "suggestion_items"})
    group_id: UUID
    findings: str
    suggestions: str
    suggestion_items: list[str]

    def check(self) -> None:
        _required(findings=self.findings)
        for item in self.suggestion_items:
            _required(suggestion_items=item)
            _text(1000, suggestion_items=item)

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        state["suggestion_items"] = []


class SuggestionAnswered(Fact):
    """The committee answers a visit's suggestion, and closes it when it is settled
    (seed 000 §五(三) "督促解决")."""

    uncorrectable: ClassVar[frozenset[str]] = frozenset({"item_id"})
    item_id: UUID
    answer: str
    closed: bool

    def check(self) -> None:
        _required(answer=self.answer)
        _text(answer=self.answer)


class SuggestionReferred(Fact):
    """The group passes a suggestion on to the campaign office
    (seed 000 §五(三) "及时向区委实践办反映情况")."""

    uncorrectable: ClassVar[frozenset[str]] = frozenset({"item_id"})
    item_id: UUID
    note: str

    def check(self) -> None:
        _text(note=self.note)


class PhaseWorkRecorded(Fact):
    """Work on a campaign-defined phase the domain has no specific fact for."""

    uncorrectable: ClassVar[frozenset[str]] = frozenset({"phase_key"})
    phase_key: str
    done: bool
    note: str
