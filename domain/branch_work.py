"""A branch's work in one campaign: every required and optional action it reports.

Its volunteer service (teams and commitments) is written in ``taizhang.domain.volunteer_service``.

One aggregate per (campaign, branch), so that work on different branches never conflicts.
Problems are aggregates of their own (``taizhang.domain.problem``) for the same reason.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from . import base
from . import branch_facts as facts
from .base import F, Facts, LedgerAggregate, UnloadedFacts
from .errors import require, require_value
from .provenance import Provenance
from .suggestions import SuggestionItem, suggestion_items
from .vocabulary import OpinionSource, WorkSystemChange
from .volunteer_service import VolunteerService, commitments_of, not_before

_NAMESPACE = uuid5(NAMESPACE_URL, "https://taizhang.invalid/branch-work")


# A batch names each branch's work several times (preload, turns, command); uuid5 hashes.
@lru_cache(maxsize=65536)
def branch_work_id(campaign_id: UUID, branch_id: UUID) -> UUID:
    return uuid5(_NAMESPACE, f"{campaign_id}/{branch_id}")


class BranchWork(LedgerAggregate, VolunteerService):
    class Opened(LedgerAggregate.Created):
        campaign_id: UUID
        branch_id: UUID

    # The facts (domain/branch_facts.py), redefined here by the library under this name.
    Fact = facts.Fact
    BaselineSurveyRecorded = facts.BaselineSurveyRecorded
    PlanSubmitted = facts.PlanSubmitted
    PlanReturned = facts.PlanReturned
    PlanApproved = facts.PlanApproved
    MobilizationMeetingHeld = facts.MobilizationMeetingHeld
    StudySessionHeld = facts.StudySessionHeld
    SecretaryTrainingHeld = facts.SecretaryTrainingHeld
    OpinionsCollected = facts.OpinionsCollected
    ConflictScreeningDone = facts.ConflictScreeningDone
    HeartToHeartTalksHeld = facts.HeartToHeartTalksHeld
    OrganizationalLifeMeetingHeld = facts.OrganizationalLifeMeetingHeld
    LifeMeetingResultMadeKnown = facts.LifeMeetingResultMadeKnown
    ProblemListPublicized = facts.ProblemListPublicized
    WorkSystemChanged = facts.WorkSystemChanged
    VolunteerTeamSetUp = facts.VolunteerTeamSetUp
    ServiceCommitmentMade = facts.ServiceCommitmentMade
    ServiceCommitmentFulfilled = facts.ServiceCommitmentFulfilled
    OptionalActionRecorded = facts.OptionalActionRecorded
    SupervisionVisitRecorded = facts.SupervisionVisitRecorded
    SuggestionAnswered = facts.SuggestionAnswered
    SuggestionReferred = facts.SuggestionReferred
    PhaseWorkRecorded = facts.PhaseWorkRecorded

    class FactCorrected(base.FactCorrected):
        """Version 1 corrected the meeting's attendee and the training's organizer in clear
        under the names the person's id now has: the upcast moves them to where the sealed
        name goes, as the facts' own upcasts do."""

        class_version = 2

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            changes = state["changes"]
            for clear, sealed in (
                ("upper_level_attendee", "upper_level_attendee_name"),
                ("organizer", "organizer_name"),
            ):
                if clear in changes:
                    changes[sealed] = changes.pop(clear)

    class FactWithdrawn(base.FactWithdrawn):
        pass

    def __init__(self, provenance: Provenance, campaign_id: UUID, branch_id: UUID) -> None:
        self.campaign_id = campaign_id
        self.branch_id = branch_id
        self.facts = Facts()

    @classmethod
    def open(cls, provenance: Provenance, campaign_id: UUID, branch_id: UUID) -> BranchWork:
        return cls._create(
            cls.Opened,
            id=branch_work_id(campaign_id, branch_id),
            provenance=provenance,
            campaign_id=campaign_id,
            branch_id=branch_id,
        )

    @classmethod
    def unloaded(cls, campaign_id: UUID, branch_id: UUID, version: int) -> BranchWork:
        """The branch's work at ``version`` without its facts (``UnloadedFacts``): enough
        for a fact that no rule checks against earlier ones."""
        work = object.__new__(cls)
        work._id = branch_work_id(campaign_id, branch_id)
        work._version = version
        work._created_on = work._modified_on = None  # type: ignore[assignment]
        work._pending_events = []
        work.campaign_id = campaign_id
        work.branch_id = branch_id
        work.facts = UnloadedFacts()  # type: ignore[assignment]
        return work

    # -- queries the rules need -------------------------------------------------------

    def plan_status(self) -> str:
        """``none``, ``submitted``, ``returned`` or ``approved``: the latest plan decision."""
        status = "none"
        for fact in self._in_order(self.PlanSubmitted, self.PlanReturned, self.PlanApproved):
            status = {
                self.PlanSubmitted: "submitted",
                self.PlanReturned: "returned",
                self.PlanApproved: "approved",
            }[type(fact)]
        return status

    def _in_order(self, *types: type[F]) -> list[F]:
        return sorted(self.facts.of_type(*types), key=lambda f: f.originator_version)

    def _latest_date(self, *types: type[facts.Fact]) -> date | None:
        dates = [f.provenance.occurred_on for f in self.facts.of_type(*types)]
        return max(dates) if dates else None

    def _not_before(self, provenance: Provenance, earlier: date | None, what: str) -> None:
        not_before(provenance, earlier, what)

    def secretary_training_days(self) -> Decimal:
        return sum(
            (f.days for f in self.facts.of_type(self.SecretaryTrainingHeld)),
            Decimal(0),
        )

    def work_systems(self) -> dict[UUID, WorkSystemChange]:
        """Each work system's latest change."""
        return BranchWork.work_systems_of(self.facts.values())

    # The same rules over a plain list of current facts (in the order ``Facts`` keeps
    # them): the read models settle thousands of branches without building an aggregate.

    @staticmethod
    def work_systems_of(facts: list[Any]) -> dict[UUID, WorkSystemChange]:
        latest: dict[UUID, WorkSystemChange] = {}
        changes = [f for f in facts if isinstance(f, BranchWork.WorkSystemChanged)]
        for fact in sorted(changes, key=lambda f: f.originator_version):
            latest[fact.system_id] = fact.change
        return latest

    commitments_of = staticmethod(commitments_of)

    # -- commands ---------------------------------------------------------------------

    def record_baseline_survey(
        self,
        provenance: Provenance,
        *,
        leadership_complete: bool,
        full_members: int,
        probationary_members: int,
        weak_and_lax: bool,
        findings: str = "",
    ) -> None:
        self.trigger_event(
            self.BaselineSurveyRecorded,
            provenance=provenance,
            leadership_complete=leadership_complete,
            full_members=full_members,
            probationary_members=probationary_members,
            weak_and_lax=weak_and_lax,
            findings=findings,
        )

    def submit_plan(
        self, provenance: Provenance, *, goals: str, measures: str, schedule: str
    ) -> None:
        require(
            self.plan_status() != "approved",
            "plan",
            "not_approved_yet",
            "the plan is already approved",
        )
        require(
            self.plan_status() != "submitted",
            "plan",
            "not_awaiting_review",
            "a submitted plan awaits review; wait for approval or return",
        )
        self.trigger_event(
            self.PlanSubmitted,
            provenance=provenance,
            goals=goals,
            measures=measures,
            schedule=schedule,
        )

    def return_plan(self, provenance: Provenance, *, reasons: str) -> None:
        require(
            self.plan_status() == "submitted",
            "plan",
            "submitted_before_return",
            "a plan can only be returned after it was submitted",
        )
        self._not_before(provenance, self._latest_date(self.PlanSubmitted), "plan_submission")
        self.trigger_event(self.PlanReturned, provenance=provenance, reasons=reasons)

    def approve_plan(
        self,
        provenance: Provenance,
        *,
        approver_person: str = "",
        approver_note: str = "",
        remarks: str = "",
    ) -> None:
        """``approver_note``: empty, or sealed under ``approver_person``'s key."""
        require(
            self.plan_status() == "submitted",
            "plan",
            "submitted_before_approval",
            "a plan can only be approved after it was submitted",
        )
        self._not_before(provenance, self._latest_date(self.PlanSubmitted), "plan_submission")
        self.trigger_event(
            self.PlanApproved,
            provenance=provenance,
            approver_person=approver_person,
            approver_note=approver_note,
            remarks=remarks,
        )

    def hold_mobilization_meeting(
        self,
        provenance: Provenance,
        *,
        participants: int,
        joint_with: list[UUID] | None = None,
        upper_level_attendee: str = "",
        upper_level_attendee_name: str = "",
        remote_members_reached: int = 0,
        form: str = "",
    ) -> None:
        joint = sorted(set(joint_with or []))
        require_value(
            self.branch_id not in joint,
            "joint_with",
            "other_branches",
            "a branch is not joint with itself",
        )
        self.trigger_event(
            self.MobilizationMeetingHeld,
            provenance=provenance,
            participants=participants,
            joint_with=joint,
            upper_level_attendee=upper_level_attendee,
            upper_level_attendee_name=upper_level_attendee_name,
            remote_members_reached=remote_members_reached,
            form=form,
        )

    def hold_study_session(
        self,
        provenance: Provenance,
        *,
        topic: str,
        days: Decimal,
        hours: Decimal,
        participants: int,
    ) -> None:
        self.trigger_event(
            self.StudySessionHeld,
            provenance=provenance,
            topic=topic,
            days=Decimal(days),
            hours=Decimal(hours),
            participants=participants,
        )

    def hold_secretary_training(
        self,
        provenance: Provenance,
        *,
        days: Decimal,
        hours: Decimal,
        organizer: str = "",
        organizer_name: str = "",
    ) -> None:
        self.trigger_event(
            self.SecretaryTrainingHeld,
            provenance=provenance,
            days=Decimal(days),
            hours=Decimal(hours),
            organizer=organizer,
            organizer_name=organizer_name,
        )

    def collect_opinions(
        self, provenance: Provenance, *, count: int, sources: list[OpinionSource], summary: str = ""
    ) -> None:
        self.trigger_event(
            self.OpinionsCollected,
            provenance=provenance,
            count=count,
            sources=sorted(
                {OpinionSource.of(s, "sources") for s in sources}, key=lambda s: s.value
            ),
            summary=summary,
        )

    def screen_conflicts(
        self,
        provenance: Provenance,
        *,
        disputes_found: int,
        disputes_resolved: int,
        summary: str = "",
    ) -> None:
        self.trigger_event(
            self.ConflictScreeningDone,
            provenance=provenance,
            disputes_found=disputes_found,
            disputes_resolved=disputes_resolved,
            summary=summary,
        )

    def hold_heart_to_heart_talks(self, provenance: Provenance, *, talks: int) -> None:
        self.trigger_event(self.HeartToHeartTalksHeld, provenance=provenance, talks=talks)

    def hold_organizational_life_meeting(
        self,
        provenance: Provenance,
        *,
        participants: int,
        self_examination: bool,
        criticism: bool,
        members_evaluated: int,
        materials: str = "",
    ) -> None:
        self.trigger_event(
            self.OrganizationalLifeMeetingHeld,
            provenance=provenance,
            participants=participants,
            self_examination=self_examination,
            criticism=criticism,
            members_evaluated=members_evaluated,
            materials=materials,
        )

    def make_life_meeting_result_known(self, provenance: Provenance, *, how: str) -> None:
        meeting = self._latest_date(self.OrganizationalLifeMeetingHeld)
        require(
            meeting is not None,
            "how",
            "meeting_held_first",
            "the result of an organizational life meeting is made known after it is held",
        )
        self._not_before(provenance, meeting, "life_meeting")
        self.trigger_event(self.LifeMeetingResultMadeKnown, provenance=provenance, how=how)

    def publicize_problem_list(self, provenance: Provenance, *, how: str) -> None:
        self.trigger_event(self.ProblemListPublicized, provenance=provenance, how=how)

    def change_work_system(
        self,
        provenance: Provenance,
        *,
        system_id: UUID,
        name: str,
        change: WorkSystemChange,
        existing: bool = False,
    ) -> None:
        change = WorkSystemChange.of(change, "change")
        current = self.work_systems().get(system_id)
        if existing:
            # 000 §三(六) "认真抓好制度的废、改、立工作": what was in force before the
            # campaign is revised or abolished; only new systems are established.
            require_value(
                change is not WorkSystemChange.ESTABLISHED,
                "change",
                "revise_or_abolish",
                "a work system in force before the campaign is revised or abolished",
            )
            require(
                current is None,
                "system_id",
                "named_once",
                "this work system is already in the ledger: change it without existing",
            )
        elif change is WorkSystemChange.ESTABLISHED:
            require(
                current is None or current == WorkSystemChange.ABOLISHED,
                "system_id",
                "not_established",
                "that work system is already in force",
            )
        else:
            require(
                current is not None and current != WorkSystemChange.ABOLISHED,
                "system_id",
                "in_force",
                f"only a work system in force can be {change.value}",
            )
        self.trigger_event(
            self.WorkSystemChanged,
            provenance=provenance,
            system_id=system_id,
            name=name,
            change=change,
            existing=existing,
        )

    def record_optional_action(
        self, provenance: Provenance, *, title: str, description: str = ""
    ) -> None:
        self.trigger_event(
            self.OptionalActionRecorded, provenance=provenance, title=title, description=description
        )

    def record_supervision_visit(
        self,
        provenance: Provenance,
        *,
        group_id: UUID,
        findings: str,
        suggestions: str = "",
        suggestion_items: list[str] | None = None,
    ) -> None:
        self.trigger_event(
            self.SupervisionVisitRecorded,
            provenance=provenance,
            group_id=group_id,
            findings=findings,
            suggestions=suggestions,
            suggestion_items=list(suggestion_items or []),
        )

    def _open_item(self, item_id: UUID) -> SuggestionItem:
        item = suggestion_items(self.facts.current.items()).get(item_id)
        require(item is not None, "item_id", "exists", "no such suggestion in this branch's work")
        assert item is not None
        require(item.is_open, "item_id", "open", "this suggestion is already closed")
        return item

    def answer_suggestion(
        self, provenance: Provenance, *, item_id: UUID, answer: str, closed: bool
    ) -> None:
        self._open_item(item_id)
        self.trigger_event(
            self.SuggestionAnswered,
            provenance=provenance,
            item_id=item_id,
            answer=answer,
            closed=closed,
        )

    def refer_suggestion(self, provenance: Provenance, *, item_id: UUID, note: str = "") -> None:
        item = self._open_item(item_id)
        require(
            item.referred_on is None, "item_id", "not_referred", "already passed on to the office"
        )
        self.trigger_event(
            self.SuggestionReferred, provenance=provenance, item_id=item_id, note=note
        )

    def record_phase_work(
        self, provenance: Provenance, *, phase_key: str, done: bool, note: str = ""
    ) -> None:
        self.trigger_event(
            self.PhaseWorkRecorded, provenance=provenance, phase_key=phase_key, done=done, note=note
        )

    def is_empty(self) -> bool:
        return len(self.facts) == 0
