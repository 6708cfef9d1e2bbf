"""The grades a round has recorded, and the rules for correcting or withdrawing one.

A grade recorded wrongly (the wrong organization, the wrong grade, the evidence of another)
is put right by an event, never by changing the stored one: ``GradeCorrected`` names the
grade it corrects and gives the right values, ``GradeWithdrawn`` takes a grade out, each
with its reason and its own business date; who did it is the provenance's actor. An
organization's grade is the latest of its grades not withdrawn, as corrected.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Any
from uuid import UUID

from .errors import require, require_value
from .grading_criteria import Grade
from .provenance import Provenance
from .upgrading import text_rule


@dataclass(frozen=True)
class GradeRecord:
    """One grade (``OrganizationGraded``, ``OrganizationRegraded``) as it now stands."""

    event_id: UUID
    branch_id: UUID
    grade: Grade
    criteria_met: tuple[str, ...]
    graded_on: date
    withdrawn: bool = False
    # Who recorded the grade (the provenance's source): a grade is corrected or withdrawn
    # by that side or by the office, as a supervising side's facts are.
    source: str = ""


class GradeBook:
    """The grades of a round by event id, and each branch's in the order recorded."""

    def __init__(self) -> None:
        self.records: dict[UUID, GradeRecord] = {}
        self.order: dict[UUID, list[UUID]] = {}

    def add(self, record: GradeRecord) -> None:
        self.records[record.event_id] = record
        self.order.setdefault(record.branch_id, []).append(record.event_id)

    def correct(self, event_id: UUID, grade: Grade, criteria_met: list[str]) -> None:
        self.records[event_id] = replace(
            self.records[event_id], grade=grade, criteria_met=tuple(criteria_met)
        )

    def withdraw(self, event_id: UUID) -> None:
        self.records[event_id] = replace(self.records[event_id], withdrawn=True)

    def standing(self, branch_id: UUID) -> GradeRecord | None:
        """The branch's grade now: its latest grade not withdrawn, as corrected."""
        for event_id in reversed(self.order.get(branch_id, [])):
            record = self.records[event_id]
            if not record.withdrawn:
                return record
        return None

    def amendable(self, field: str, event_id: UUID, branch_id: UUID, on: date) -> GradeRecord:
        """The grade a correction or withdrawal dated ``on`` names in ``field``: a grade of
        this round, of the branch named, not withdrawn, and not dated after ``on``."""
        record = self.records.get(event_id)
        require(
            record is not None,
            field,
            "grade_of_round",
            f"{event_id} is not a grade (OrganizationGraded, OrganizationRegraded) of this round",
        )
        assert record is not None
        require(
            record.branch_id == branch_id,
            "branch_id",
            "same_branch",
            f"the grade {event_id} is of branch {record.branch_id}",
        )
        require(not record.withdrawn, field, "not_withdrawn", f"the grade {event_id} is withdrawn")
        require_value(
            on >= record.graded_on,
            "occurred_on",
            "not_before_grade",
            f"a correction is dated on or after the grade it corrects ({record.graded_on})",
        )
        return record


class GradeAmendments:
    """The commands that correct or withdraw a grade, mixed into ``GradingRound`` (after
    the aggregate's base, whose methods and the round's own come first)."""

    _book: GradeBook
    GradeCorrected: Any
    GradeWithdrawn: Any

    def _within_round(self, provenance: Provenance, today: date) -> None:
        raise NotImplementedError  # GradingRound's

    def _check_criteria(self, criteria_met: list[str]) -> None:
        raise NotImplementedError  # GradingRound's

    def trigger_event(self, event_class: Any, **kwargs: Any) -> None:
        raise NotImplementedError  # the aggregate's

    def correct_grade(
        self,
        provenance: Provenance,
        *,
        branch_id: UUID,
        corrects: UUID,
        grade: Grade,
        criteria_met: list[str],
        evidence: str,
        reason: str,
        today: date,
    ) -> None:
        self._within_round(provenance, today)
        record = self._book.amendable("corrects", corrects, branch_id, provenance.occurred_on)
        self._check_criteria(criteria_met)
        value = Grade.of(grade, "grade")
        require(
            (value, tuple(criteria_met)) != (record.grade, record.criteria_met),
            "grade",
            "changed",
            "the correction gives the grade and criteria met it already has",
        )
        text_rule(evidence, "evidence")
        text_rule(reason, "reason")
        self.trigger_event(
            self.GradeCorrected,
            provenance=provenance,
            branch_id=branch_id,
            corrects=corrects,
            grade=value,
            criteria_met=list(criteria_met),
            evidence=evidence,
            reason=reason,
        )

    def withdraw_grade(
        self,
        provenance: Provenance,
        *,
        branch_id: UUID,
        withdraws: UUID,
        reason: str,
        today: date,
    ) -> None:
        self._within_round(provenance, today)
        self._book.amendable("withdraws", withdraws, branch_id, provenance.occurred_on)
        text_rule(reason, "reason")
        self.trigger_event(
            self.GradeWithdrawn,
            provenance=provenance,
            branch_id=branch_id,
            withdraws=withdraws,
            reason=reason,
        )
