"""The steps of a person's path to membership (seed 002 发展党员工作制度) and 推优 (seed 004
四(三)), as events: each says what it changes of the path (``take``).

``taizhang.domain.member_development.Candidate`` names each class in its body, and the library
redefines them there as subclasses named after the aggregate, so the topics stored in the
log stay ``taizhang.domain.member_development:Candidate.<Step>`` (held by
tests/unit/test_member_development.py). Use them through ``Candidate``.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from .base import LedgerAggregate
from .member_path import ACTIVIST, CANCELLED, CANDIDATE, FULL_MEMBER, PROBATIONARY, Path
from .member_rules import months_after


class Step(LedgerAggregate.Event):
    """A step of the path; ``waived``: the rules an exception set aside for it."""

    waived: list[str]
    document_ids: list[str]

    def apply(self, c: Path) -> None:
        c.exceptions.difference_update(self.waived)
        self.take(c)
        c._steps.append(self)

    def take(self, c: Path) -> None:
        """What the step changes of the person's path."""


class MembershipApplied(LedgerAggregate.Created):
    """002 (1): "由申请人向所在单位(部门)党支部提出书面申请"."""

    branch_id: UUID
    committee_id: UUID
    document_ids: list[str]


class RecommendedByMassOrganization(Step):
    organization: str
    organization_name: str
    recommended_as: str
    votes: dict[str, int]

    def take(self, c: Path) -> None:
        c.recommendations.append((self.organization, self.recommended_as))


class ActivistDesignated(Step):
    def take(self, c: Path) -> None:
        c.stage, c.activist_on = ACTIVIST, self.provenance.occurred_on


class ContactsNamed(Step):
    contact_ids: list[str]

    def take(self, c: Path) -> None:
        c.contacts = list(self.contact_ids)


class ThoughtReportReceived(Step):
    def take(self, c: Path) -> None:
        c.reports.append(self.provenance.occurred_on)


class ActivistAssessed(Step):
    opinion: str

    def take(self, c: Path) -> None:
        c.assessments.append(self.provenance.occurred_on)


class DevelopmentCandidateDesignated(Step):
    opinions_heard: list[str]

    def take(self, c: Path) -> None:
        c.stage, c.candidate_on = CANDIDATE, self.provenance.occurred_on


class PoliticalReviewDone(Step):
    passed: bool

    def take(self, c: Path) -> None:
        c.review_passed = self.passed


class TrainingCompleted(Step):
    days: int
    class_hours: int

    def take(self, c: Path) -> None:
        c.trained = True


class SponsorsNamed(Step):
    sponsor_ids: list[str]

    def take(self, c: Path) -> None:
        c.sponsors = list(self.sponsor_ids)


class AdmissionVoted(Step):
    method: str
    votes: dict[str, int]
    carried: bool

    def take(self, c: Path) -> None:
        c.admission_vote = (self.provenance.occurred_on, self.carried)
        c.publicity = None


class PublicityHeld(Step):
    starts_on: date
    ends_on: date

    def take(self, c: Path) -> None:
        c.publicity = (self.starts_on, self.ends_on)


class AdmissionApproved(Step):
    approved: bool

    def take(self, c: Path) -> None:
        vote_on = c.admission_vote[0] if c.admission_vote else self.provenance.occurred_on
        if self.approved:
            # 002 (13): "预备期一般从接收预备党员的支部大会召开日算起"; a year (党章).
            c.stage, c.probation_from = PROBATIONARY, vote_on
            c.probation_ends = months_after(vote_on, 12)
        c.admission_vote = None


class ConversionVoted(Step):
    outcome: str
    extension_months: int
    method: str
    votes: dict[str, int]
    carried: bool

    def take(self, c: Path) -> None:
        c.conversion_vote = (
            self.provenance.occurred_on,
            self.outcome,
            self.carried,
            self.extension_months,
        )


class ConversionApproved(Step):
    approved: bool

    def take(self, c: Path) -> None:
        vote = c.conversion_vote
        c.conversion_vote = None
        if vote is None or not self.approved:
            return
        _, outcome, _, months = vote
        if outcome == "convert":
            c.stage, c.settled_on = FULL_MEMBER, self.provenance.occurred_on
        elif outcome == "extend" and c.probation_ends is not None:
            c.probation_ends = months_after(c.probation_ends, months)
            c.extended = True
        else:
            c.stage, c.settled_on = CANCELLED, self.provenance.occurred_on


class PersonalDataRecorded(Step):
    """The person's name, sealed under their own key (taizhang.evidence.personal_data): the log
    never holds it in clear."""

    sealed_name: str

    def take(self, c: Path) -> None:
        c.sealed_name = self.sealed_name


class PersonErased(Step):
    """The person's key was destroyed: what the log holds of them cannot be read."""

    reason: str

    def take(self, c: Path) -> None:
        c.sealed_name, c.erased = None, True


class ExceptionGranted(Step):
    """The upper committee's recorded decision to set one rule aside for this person."""

    rule: str
    reason: str

    def take(self, c: Path) -> None:
        c.exceptions.add(self.rule)


class StepCorrected(LedgerAggregate.Event):
    """A step recorded wrongly: ``changes`` replace some of its values (checked by
    ``taizhang.domain.member_corrections``); the path is what its steps, so corrected, make."""

    corrects: UUID
    reason: str
    changes: dict[str, Any]

    def apply(self, c: Path) -> None:
        c._restate(self.corrects, self.changes)


class StepWithdrawn(LedgerAggregate.Event):
    """A step recorded in error: it no longer counts."""

    withdraws: UUID
    reason: str

    def apply(self, c: Path) -> None:
        c._restate(self.withdraws, None)


# Posted step name -> the Candidate command that takes it.
COMMANDS: dict[str, str] = {
    "RecommendedByMassOrganization": "recommend",
    "ActivistDesignated": "designate_activist",
    "ContactsNamed": "name_contacts",
    "ThoughtReportReceived": "receive_thought_report",
    "ActivistAssessed": "assess_activist",
    "DevelopmentCandidateDesignated": "designate_development_candidate",
    "PoliticalReviewDone": "do_political_review",
    "TrainingCompleted": "complete_training",
    "SponsorsNamed": "name_sponsors",
    "AdmissionVoted": "vote_admission",
    "PublicityHeld": "hold_publicity",
    "AdmissionApproved": "approve_admission",
    "ConversionVoted": "vote_conversion",
    "ConversionApproved": "approve_conversion",
    "ExceptionGranted": "grant_exception",
    "PersonalDataRecorded": "record_personal_data",
    "PersonErased": "erase",
}
