"""How far a branch has come: milestones derived from its facts, and each phase's status.

Pure functions, shared by the projections (live, rebuild and as-of reports alike) so that
"done", "in progress" and "overdue" mean one thing everywhere.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from .base import Fact
from .branch_work import BranchWork
from .phases import PhaseDefinition, phase_milestone
from .vocabulary import SECRETARY_TRAINING_MIN_DAYS, PhaseStatus

_FIRST_OCCURRENCE: dict[type[Fact], str] = {
    BranchWork.BaselineSurveyRecorded: "baseline_surveyed",
    BranchWork.PlanSubmitted: "plan_submitted",
    BranchWork.MobilizationMeetingHeld: "mobilization_held",
    BranchWork.StudySessionHeld: "study_held",
    BranchWork.OpinionsCollected: "opinions_collected",
    BranchWork.ConflictScreeningDone: "conflicts_screened",
    BranchWork.HeartToHeartTalksHeld: "talks_held",
    BranchWork.OrganizationalLifeMeetingHeld: "life_meeting_held",
    BranchWork.LifeMeetingResultMadeKnown: "life_meeting_made_known",
    BranchWork.ProblemListPublicized: "problem_list_publicized",
    BranchWork.WorkSystemChanged: "work_system_changed",
}


def phase_started_milestone(phase_key: str) -> str:
    return f"{phase_milestone(phase_key)}:started"


def milestones(facts: Iterable[Fact], problems_listed_on: Iterable[date] = ()) -> dict[str, date]:
    """The date each milestone was first reached, from a branch's current facts."""
    tracker = MilestoneTracker()
    for fact in sorted(facts, key=lambda f: (f.provenance.occurred_on, f.originator_version)):
        tracker.add(fact)
    return tracker.reached(problems_listed_on)


class MilestoneTracker:
    """``milestones`` one fact at a time, for a reader that needs them on every day: the
    facts must come in (occurred_on, originator_version) order."""

    def __init__(self) -> None:
        self._reached: dict[str, date] = {}
        self._plan_decision: tuple[str, date] | None = None
        self._training_days = Decimal(0)

    def _reach(self, name: str, on: date) -> None:
        if name not in self._reached or on < self._reached[name]:
            self._reached[name] = on

    def add(self, fact: Fact) -> None:
        on = fact.provenance.occurred_on
        name = _FIRST_OCCURRENCE.get(type(fact))
        if name is not None:
            self._reach(name, on)
        if isinstance(fact, BranchWork.PlanApproved):
            self._plan_decision = ("approved", on)
        elif isinstance(fact, BranchWork.PlanReturned):
            self._plan_decision = ("returned", on)
        elif isinstance(fact, BranchWork.SecretaryTrainingHeld):
            self._training_days += fact.days
            if self._training_days >= SECRETARY_TRAINING_MIN_DAYS:
                self._reach("secretary_trained", on)
        elif isinstance(fact, BranchWork.PhaseWorkRecorded):
            self._reach(phase_started_milestone(fact.phase_key), on)
            if fact.done:
                self._reach(phase_milestone(fact.phase_key), on)

    def reached(self, problems_listed_on: Iterable[date] = ()) -> dict[str, date]:
        """The milestones of the facts added so far (and of the problems listed)."""
        found = dict(self._reached)
        if self._plan_decision is not None and self._plan_decision[0] == "approved":
            found["plan_approved"] = min(
                found.get("plan_approved", date.max), self._plan_decision[1]
            )
        for listed_on in problems_listed_on:
            if "problems_listed" not in found or listed_on < found["problems_listed"]:
                found["problems_listed"] = listed_on
        return found


@dataclass(frozen=True)
class PhaseProgress:
    key: str
    status: PhaseStatus
    done_on: date | None
    late: bool


def completion_date(phase: PhaseDefinition, reached: dict[str, date]) -> date | None:
    """The day a phase was done: when the last of its completion milestones was reached,
    or None while any is missing."""
    if all(m in reached for m in phase.completion):
        return max(reached[m] for m in phase.completion)
    return None


def due_date(phase: PhaseDefinition, reached: dict[str, date]) -> date | None:
    """The day the milestones a phase's deadline binds were all reached, or None."""
    if all(m in reached for m in phase.bound):
        return max(reached[m] for m in phase.bound)
    return None


def phase_progress(phase: PhaseDefinition, reached: dict[str, date], as_of: date) -> PhaseProgress:
    """A phase's status on ``as_of``, counting only what had happened by then."""
    known = {name: on for name, on in reached.items() if on <= as_of}
    done_on = completion_date(phase, known)
    due_on = due_date(phase, known)
    late = due_on is not None and phase.deadline is not None and due_on > phase.deadline
    if done_on is not None:
        status = PhaseStatus.DONE
    elif phase.deadline is not None and phase.deadline < as_of and due_on is None:
        status = PhaseStatus.OVERDUE
    elif any(m in known for m in (*phase.starters, phase_started_milestone(phase.key))):
        status = PhaseStatus.IN_PROGRESS
    else:
        status = PhaseStatus.NOT_STARTED
    return PhaseProgress(phase.key, status, done_on, late)


def campaign_progress(
    phases: Iterable[PhaseDefinition], reached: dict[str, date], as_of: date
) -> list[PhaseProgress]:
    return [phase_progress(p, reached, as_of) for p in sorted(phases, key=lambda p: p.order)]
