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
from uuid import UUID

from domain.errors import require, require_value
from domain.grading_criteria import Grade


@dataclass(frozen=True)
class GradeRecord:
    """One grade (``OrganizationGraded``, ``OrganizationRegraded``) as it now stands."""

    event_id: UUID
    branch_id: UUID
    grade: Grade
    criteria_met: tuple[str, ...]
    graded_on: date
    withdrawn: bool = False


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
