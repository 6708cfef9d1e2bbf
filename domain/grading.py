"""A grading round (分类定级) and the upgrading (晋位升级) it sets going.

Seed 001 §二1: the upper level surveys its organizations first, then grades each by the
round's criteria (the five goods) into advanced, average and lagging; §二3: every
organization sets improvement targets, responsibilities and measures, and moves up. A round
is defined by the district's office or by one committee (for its own branches); it holds
each branch's survey, grade, objections, re-grades and upgrading plan. Who graded is the
provenance's actor (the poster's credentials), never a field of the body.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from uuid import UUID, uuid4

from .base import LedgerAggregate
from .errors import require, require_value
from .grade_records import GradeAmendments, GradeBook, GradeRecord
from .grading_criteria import (
    SURVEY_ITEMS,
    CriterionDefinition,
    Grade,
    UpgradingStatus,
)
from .provenance import Provenance
from .upgrading import (
    UpgradingPlan,
    check_new_plan,
    check_step,
    text_rule,
)


class GradingRound(LedgerAggregate, GradeAmendments):
    class Defined(LedgerAggregate.Created):
        district_id: UUID
        committee_id: UUID | None
        name: str
        year: int
        starts_on: date
        ends_on: date
        template_key: str
        criteria: list[CriterionDefinition]

    class OrganizationSurveyed(LedgerAggregate.Event):
        """001 §二1 调查摸底: findings on each survey item (``SURVEY_ITEMS``)."""

        branch_id: UUID
        findings: dict[str, str]

        def apply(self, round_: GradingRound) -> None:
            round_.surveyed.add(self.branch_id)

    class OrganizationGraded(LedgerAggregate.Event):
        branch_id: UUID
        grade: Grade
        criteria_met: list[str]
        evidence: str

        def apply(self, round_: GradingRound) -> None:
            round_.record_grade(self)

    class GradeObjected(LedgerAggregate.Event):
        """The graded organization (or the office) disputes its grade."""

        branch_id: UUID
        grounds: str

        def apply(self, round_: GradingRound) -> None:
            round_.objections.add(self.branch_id)

    class OrganizationRegraded(LedgerAggregate.Event):
        """The grade is decided again (after an objection, or on new evidence); it answers
        any open objection."""

        branch_id: UUID
        grade: Grade
        criteria_met: list[str]
        evidence: str
        reason: str

        def apply(self, round_: GradingRound) -> None:
            round_.record_grade(self)
            round_.objections.discard(self.branch_id)

    class GradeCorrected(LedgerAggregate.Event):
        """A grade recorded wrongly, put right (``corrects``: the grade's event id); from
        the correction's date on, the grade stands with these values."""

        branch_id: UUID
        corrects: UUID
        grade: Grade
        criteria_met: list[str]
        evidence: str
        reason: str

        def apply(self, round_: GradingRound) -> None:
            round_._book.correct(self.corrects, self.grade, self.criteria_met)
            round_.settle_grade(self.branch_id)

    class GradeWithdrawn(LedgerAggregate.Event):
        """A grade that should not have been recorded (``withdraws``: its event id); from
        the withdrawal's date on, the organization stands as its other grades make it."""

        branch_id: UUID
        withdraws: UUID
        reason: str

        def apply(self, round_: GradingRound) -> None:
            round_._book.withdraw(self.withdraws)
            round_.settle_grade(self.branch_id)

    class UpgradingPlanSet(LedgerAggregate.Event):
        """001 §二3: 明确改进提高的目标、责任和措施."""

        branch_id: UUID
        target_grade: Grade
        targets: str
        measures: str
        responsible_person: str
        deadline: date

        def apply(self, round_: GradingRound) -> None:
            on = self.provenance.occurred_on
            round_.plans[self.branch_id] = UpgradingPlan(
                on,
                self.target_grade,
                self.targets,
                self.measures,
                self.responsible_person,
                self.deadline,
                UpgradingStatus.PLANNED,
                on,
            )

    class UpgradingProgressed(LedgerAggregate.Event):
        branch_id: UUID
        note: str
        percent_done: int

        def apply(self, round_: GradingRound) -> None:
            round_.step(self.branch_id, UpgradingStatus.IN_PROGRESS, self.provenance.occurred_on)

    class UpgradingDone(LedgerAggregate.Event):
        branch_id: UUID
        outcome: str

        def apply(self, round_: GradingRound) -> None:
            round_.step(self.branch_id, UpgradingStatus.DONE, self.provenance.occurred_on)

    class UpgradingVerified(LedgerAggregate.Event):
        """The upper level checks the upgrading; ``passed`` false reopens it. Who checked
        is the provenance's actor."""

        branch_id: UUID
        passed: bool
        remarks: str

        def apply(self, round_: GradingRound) -> None:
            status = UpgradingStatus.VERIFIED if self.passed else UpgradingStatus.IN_PROGRESS
            round_.step(self.branch_id, status, self.provenance.occurred_on)

    def __init__(
        self,
        provenance: Provenance,
        district_id: UUID,
        committee_id: UUID | None,
        name: str,
        year: int,
        starts_on: date,
        ends_on: date,
        template_key: str,
        criteria: list[CriterionDefinition],
    ) -> None:
        self.district_id = district_id
        self.committee_id = committee_id
        self.name = name
        self.year = year
        self.starts_on = starts_on
        self.ends_on = ends_on
        self.template_key = template_key
        self.criteria = list(criteria)
        self.surveyed: set[UUID] = set()
        self.grades: dict[UUID, Grade] = {}
        self.graded_on: dict[UUID, date] = {}
        self.objections: set[UUID] = set()
        self.plans: dict[UUID, UpgradingPlan] = {}
        self._book = GradeBook()

    def record_grade(self, e: OrganizationGraded | OrganizationRegraded) -> None:
        on = e.provenance.occurred_on
        record = GradeRecord(
            e.provenance.event_id, e.branch_id, e.grade, tuple(e.criteria_met), on,
            source=e.provenance.source,
        )  # fmt: skip
        self._book.add(record)
        self.settle_grade(e.branch_id)

    def grade_record(self, event_id: UUID) -> GradeRecord | None:
        """The grade ``event_id`` of this round as it now stands, or None."""
        return self._book.records.get(event_id)

    def settle_grade(self, branch_id: UUID) -> None:
        """The branch's grade is its latest grade not withdrawn, as corrected."""
        record = self._book.standing(branch_id)
        if record is None:
            self.grades.pop(branch_id, None)
            self.graded_on.pop(branch_id, None)
        else:
            self.grades[branch_id] = record.grade
            self.graded_on[branch_id] = record.graded_on

    def step(self, branch_id: UUID, status: UpgradingStatus, on: date) -> None:
        self.plans[branch_id] = replace(self.plans[branch_id], status=status, last_step_on=on)

    @classmethod
    def define(
        cls,
        provenance: Provenance,
        *,
        district_id: UUID,
        committee_id: UUID | None = None,
        name: str,
        year: int,
        starts_on: date,
        ends_on: date,
        criteria: list[CriterionDefinition],
        template_key: str = "",
        id: UUID | None = None,
    ) -> GradingRound:
        text_rule(name, "name")
        require_value(2000 <= year <= 2100, "year", "plausible_year", "year must be 2000-2100")
        require_value(
            starts_on <= ends_on, "ends_on", "after_start", "a round cannot end before it starts"
        )
        require_value(bool(criteria), "criteria", "required", "a round grades by some criteria")
        keys = [c.key for c in criteria]
        require_value(
            len(set(keys)) == len(keys), "criteria", "unique_keys", "criterion keys must be unique"
        )
        return cls._create(
            cls.Defined,
            id=id or uuid4(),
            provenance=provenance,
            district_id=district_id,
            committee_id=committee_id,
            name=name,
            year=year,
            starts_on=starts_on,
            ends_on=ends_on,
            template_key=template_key,
            criteria=sorted(criteria, key=lambda c: c.order),
        )

    # -- rules -------------------------------------------------------------------------

    def _within_round(self, provenance: Provenance, today: date) -> None:
        require_value(
            provenance.occurred_on >= self.starts_on,
            "occurred_on",
            "not_before_round",
            f"occurred_on {provenance.occurred_on} is before the round began ({self.starts_on})",
        )
        provenance.check_not_in_future(today)

    def _check_criteria(self, criteria_met: list[str]) -> None:
        known = {c.key for c in self.criteria}
        for key in criteria_met:
            require_value(
                key in known,
                "criteria_met",
                "known_criterion",
                f"the round has no criterion {key!r}; its criteria: {', '.join(sorted(known))}",
            )
        require_value(
            len(set(criteria_met)) == len(criteria_met),
            "criteria_met",
            "unique",
            "a criterion is named once",
        )

    def _graded(self, branch_id: UUID) -> Grade:
        grade = self.grades.get(branch_id)
        require(
            grade is not None,
            "branch_id",
            "graded",
            f"branch {branch_id} has not been graded in round {self.name!r}",
        )
        assert grade is not None
        return grade

    # -- commands ----------------------------------------------------------------------

    def survey(
        self, provenance: Provenance, *, branch_id: UUID, findings: dict[str, str], today: date
    ) -> None:
        self._within_round(provenance, today)
        require_value(bool(findings), "findings", "required", "say what the survey found")
        for key, text in findings.items():
            require_value(
                key in SURVEY_ITEMS,
                f"findings.{key}",
                "known_survey_item",
                f"survey items: {', '.join(SURVEY_ITEMS)}",
            )
            text_rule(text, f"findings.{key}")
        self.trigger_event(
            self.OrganizationSurveyed, provenance=provenance, branch_id=branch_id, findings=findings
        )

    def grade(
        self,
        provenance: Provenance,
        *,
        branch_id: UUID,
        grade: Grade,
        criteria_met: list[str],
        evidence: str,
        today: date,
    ) -> None:
        self._within_round(provenance, today)
        require(
            branch_id in self.surveyed,
            "branch_id",
            "surveyed_first",
            "001 §二1: the organization is surveyed before it is graded (在此基础上…分类定级)",
        )
        require(
            branch_id not in self.grades,
            "branch_id",
            "not_yet_graded",
            "the organization is already graded in this round; post OrganizationRegraded",
        )
        self._check_criteria(criteria_met)
        text_rule(evidence, "evidence")
        self.trigger_event(
            self.OrganizationGraded,
            provenance=provenance,
            branch_id=branch_id,
            grade=Grade.of(grade, "grade"),
            criteria_met=list(criteria_met),
            evidence=evidence,
        )

    def object_to_grade(
        self, provenance: Provenance, *, branch_id: UUID, grounds: str, today: date
    ) -> None:
        self._within_round(provenance, today)
        self._graded(branch_id)
        require(
            branch_id not in self.objections,
            "branch_id",
            "no_open_objection",
            "an objection to this grade is still open",
        )
        text_rule(grounds, "grounds")
        self.trigger_event(
            self.GradeObjected, provenance=provenance, branch_id=branch_id, grounds=grounds
        )

    def regrade(
        self,
        provenance: Provenance,
        *,
        branch_id: UUID,
        grade: Grade,
        criteria_met: list[str],
        evidence: str,
        reason: str,
        today: date,
    ) -> None:
        self._within_round(provenance, today)
        self._graded(branch_id)
        require_value(
            provenance.occurred_on >= self.graded_on[branch_id],
            "occurred_on",
            "not_before_grade",
            f"a re-grade is dated on or after the grade ({self.graded_on[branch_id]})",
        )
        self._check_criteria(criteria_met)
        text_rule(evidence, "evidence")
        text_rule(reason, "reason")
        self.trigger_event(
            self.OrganizationRegraded,
            provenance=provenance,
            branch_id=branch_id,
            grade=Grade.of(grade, "grade"),
            criteria_met=list(criteria_met),
            evidence=evidence,
            reason=reason,
        )

    def set_upgrading_plan(
        self,
        provenance: Provenance,
        *,
        branch_id: UUID,
        target_grade: Grade,
        targets: str,
        measures: str,
        responsible_person: str,
        deadline: date,
        today: date,
    ) -> None:
        self._within_round(provenance, today)
        target = check_new_plan(
            self._graded(branch_id),
            Grade.of(target_grade, "target_grade"),
            self.plans.get(branch_id),
            targets=targets,
            measures=measures,
            responsible_person=responsible_person,
            deadline=deadline,
            on=provenance.occurred_on,
        )
        self.trigger_event(
            self.UpgradingPlanSet,
            provenance=provenance,
            branch_id=branch_id,
            target_grade=target,
            targets=targets,
            measures=measures,
            responsible_person=responsible_person,
            deadline=deadline,
        )

    def _plan_step(
        self,
        provenance: Provenance,
        branch_id: UUID,
        allowed: set[UpgradingStatus],
        today: date,
    ) -> None:
        check_step(self.plans.get(branch_id), allowed, provenance.occurred_on)
        provenance.check_not_in_future(today)

    def progress_upgrading(
        self,
        provenance: Provenance,
        *,
        branch_id: UUID,
        note: str,
        percent_done: int,
        today: date,
    ) -> None:
        self._plan_step(
            provenance, branch_id, {UpgradingStatus.PLANNED, UpgradingStatus.IN_PROGRESS}, today
        )
        text_rule(note, "note", required=False)
        require_value(0 <= percent_done <= 100, "percent_done", "percentage", "between 0 and 100")
        self.trigger_event(
            self.UpgradingProgressed,
            provenance=provenance,
            branch_id=branch_id,
            note=note,
            percent_done=percent_done,
        )

    def complete_upgrading(
        self, provenance: Provenance, *, branch_id: UUID, outcome: str, today: date
    ) -> None:
        self._plan_step(
            provenance, branch_id, {UpgradingStatus.PLANNED, UpgradingStatus.IN_PROGRESS}, today
        )
        text_rule(outcome, "outcome")
        self.trigger_event(
            self.UpgradingDone, provenance=provenance, branch_id=branch_id, outcome=outcome
        )

    def verify_upgrading(
        self,
        provenance: Provenance,
        *,
        branch_id: UUID,
        passed: bool,
        remarks: str = "",
        today: date,
    ) -> None:
        self._plan_step(provenance, branch_id, {UpgradingStatus.DONE}, today)
        text_rule(remarks, "remarks", required=False)
        self.trigger_event(
            self.UpgradingVerified,
            provenance=provenance,
            branch_id=branch_id,
            passed=passed,
            remarks=remarks,
        )

    def upgrading_overdue(self, branch_id: UUID, on: date) -> bool:
        plan = self.plans.get(branch_id)
        return (
            plan is not None
            and plan.status in (UpgradingStatus.PLANNED, UpgradingStatus.IN_PROGRESS)
            and plan.deadline < on
        )
