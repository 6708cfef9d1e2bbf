"""Demo data: the 2014 campaign in 番禺区 (Panyu district) as it stood in mid-June 2014, and
the branches' regular organizational life since January (``demo/party_life.py``).

Everything is built through the domain's commands (so the domain's rules hold) and saved
with ``ledger.save`` in chunks, which is far faster than the service's per-post path.

Seeded and deterministic: one seed gives the same aggregates, ids, facts, event ids and
business dates. Each branch draws from its own random stream, so a branch's facts do not
depend on how many branches are generated after it. Ids derive from the seed, so loading
the same seed twice is detected by the district's id and adds nothing.
"""

from __future__ import annotations

import time

from taizhang.demo.data import (
    CAMPAIGN_ENDS,
    CAMPAIGN_NAME,
    CAMPAIGN_STARTS,
    COMMITTEES,
    DEFAULT_BRANCHES,
    DEFAULT_SEED,
    DEMO_TODAY,
    campaign_id_for,
    district_id_for,
)
from taizhang.demo.grading import GradingWriter
from taizhang.demo.members import MemberPaths, development_plans
from taizhang.demo.organizations import DemoGenerator
from taizhang.demo.party_life import record_party_life
from taizhang.demo.register import RegisterWriter
from taizhang.demo.saver import DemoSummary
from taizhang.demo.writer import BranchWorkWriter
from taizhang.ledger import Ledger

__all__ = [
    "CAMPAIGN_ENDS",
    "CAMPAIGN_NAME",
    "CAMPAIGN_STARTS",
    "COMMITTEES",
    "DEFAULT_BRANCHES",
    "DEFAULT_SEED",
    "DEMO_TODAY",
    "GENERATED_EVENT_TYPES",
    "DemoSummary",
    "campaign_id_for",
    "district_id_for",
    "generate",
    "is_loaded",
]

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
        "BranchWork.SuggestionAnswered",
        "BranchWork.SuggestionReferred",
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
        "BranchLife.Opened",
        "BranchLife.LifeActivityHeld",
        "BranchLife.LifeMeetingDelayRequested",
        "BranchLife.LifeMeetingDelayApproved",
        "BranchLife.EducationAttended",
        # The upper levels' part (taizhang.demo.upper_life).
        "CommitteeLife.Opened",
        "CommitteeLife.CommitteeActivityHeld",
        "LifeProgramme.Opened",
        "LifeProgramme.LifeProgrammeSet",
        "LifeTheme.Opened",
        "LifeTheme.ThemePublished",
        "LifeTheme.ThemeRevised",
        "LifeTheme.ThemeWithdrawn",
        "GradingRound.Defined",
        "GradingRound.OrganizationSurveyed",
        "GradingRound.OrganizationGraded",
        "GradingRound.GradeObjected",
        "GradingRound.OrganizationRegraded",
        "GradingRound.UpgradingPlanSet",
        "GradingRound.UpgradingProgressed",
        "GradingRound.UpgradingDone",
        "GradingRound.UpgradingVerified",
        "YearlyReview.Opened",
        "YearlyReview.SecretaryAssessed",
        "YearlyReview.VenueChecked",
        "YearlyReview.FundsRecorded",
        "YearlyReview.FundsInspected",
        # People on the path to membership (taizhang.demo.members); no names are recorded,
        # so neither PersonalDataRecorded nor PersonErased.
        *(
            "Candidate." + name
            for name in (
                "MembershipApplied",
                "RecommendedByMassOrganization",
                "ActivistDesignated",
                "ContactsNamed",
                "ThoughtReportReceived",
                "ActivistAssessed",
                "DevelopmentCandidateDesignated",
                "PoliticalReviewDone",
                "TrainingCompleted",
                "SponsorsNamed",
                "AdmissionVoted",
                "PublicityHeld",
                "AdmissionApproved",
                "ConversionVoted",
                "ConversionApproved",
                "ExceptionGranted",
            )
        ),
        # Each committee's yearly development plan (taizhang.demo.members).
        "DevelopmentPlan.DevelopmentPlanSet",
        "DevelopmentPlan.DevelopmentPlanRevised",
        "HostOrganization.Registered",
        "HostOrganization.StaffCounted",
        "HostOrganization.CoveredByBranch",
        "HostOrganization.FollowerSent",
        "HostOrganization.MassOrganizationSetUp",
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
    generator = DemoGenerator(ledger, branches, seed, committees, progress)
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
        _record_work(generator)
        generator.saver.flush()
        record_party_life(generator)
        # The grading rounds follow the campaign's story (taizhang.demo.grading).
        generator.saver.add(*GradingWriter(generator).write())
        # After the work: the register follows the branches as they stand at its end.
        RegisterWriter(generator).write()
        _record_members(generator)
    finally:
        generator.saver.close()
    summary.seconds = time.perf_counter() - started
    return summary


def _record_work(generator: DemoGenerator) -> None:
    assert generator.campaign is not None
    for state in generator.bar(generator.branch_states, "recording work"):
        writer = BranchWorkWriter(generator, state)
        writer.write()
        generator.saver.add(*writer.changed())


def _record_members(generator: DemoGenerator) -> None:
    generator.saver.add(*development_plans(generator))
    for state in generator.bar(generator.branch_states, "recording member development"):
        generator.saver.add(*MemberPaths(generator, state).candidates())
