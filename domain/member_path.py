"""Where a person stands on the path to membership (发展党员, seed 002): the state that each
step of ``taizhang.domain.member_steps`` changes, and the checks a command makes against it.

``taizhang.domain.member_development.Candidate`` is this path made an aggregate.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Any
from uuid import UUID

from .errors import RuleViolation, require
from .member_vocabulary import Stage
from .provenance import Provenance

APPLICANT, ACTIVIST, CANDIDATE = "applicant", "activist", "development_candidate"
PROBATIONARY, FULL_MEMBER, CANCELLED = "probationary", "full_member", "cancelled"
STAGES = tuple(s.value for s in Stage)

# The rules the upper committee may set aside by a recorded decision. Political review and
# the votes are never set aside: "凡没有经过政治审查的，不能发展入党" (002 (6)).
WAIVABLE = frozenset(
    {
        "activist_after_a_year",
        "candidate_after_a_year",
        "training_length",
        "publicity_three_days",
        "approval_within_three_months",
        "conversion_approval_within_three_months",
    }
)


class Path:
    """One person's path as the steps so far have left it."""

    def __init__(
        self, provenance: Provenance, branch_id: UUID, committee_id: UUID, document_ids: list[str]
    ) -> None:
        self.branch_id = branch_id
        self.committee_id = committee_id
        # The steps withdrawn (their event ids): a withdrawal names each once.
        self._withdrawn: set[UUID] = set()
        self._reset(provenance.occurred_on)

    def _reset(self, applied_on: date) -> None:
        """The path as it stood on the application, before any step."""
        self.applied_on = applied_on
        # The steps as they now stand, in log order (corrections applied, withdrawals out).
        self._steps: list[Any] = []
        self.stage = APPLICANT
        self.activist_on: date | None = None
        self.candidate_on: date | None = None
        self.probation_from: date | None = None
        self.probation_ends: date | None = None
        self.settled_on: date | None = None
        self.contacts: list[str] = []
        self.sponsors: list[str] = []
        self.reports: list[date] = []
        self.assessments: list[date] = []
        self.review_passed: bool | None = None
        self.trained = False
        self.admission_vote: tuple[date, bool] | None = None
        self.publicity: tuple[date, date] | None = None
        self.conversion_vote: tuple[date, str, bool, int] | None = None
        self.extended = False
        self.exceptions: set[str] = set()
        self.recommendations: list[tuple[str, str]] = []
        self.sealed_name: str | None = None
        self.erased = False

    def _restate(self, event_id: UUID, changes: dict[str, Any] | None) -> None:
        """The path again from the application, with step ``event_id`` corrected by
        ``changes`` (withdrawn when None)."""
        steps = []
        for step in self._steps:
            if step.provenance.event_id == event_id:
                if changes is None:
                    self._withdrawn.add(event_id)
                    continue
                step = corrected_step(step, changes)
            steps.append(step)
        self._reset(self.applied_on)
        for step in steps:
            step.apply(self)

    def _at(self, stages: tuple[str, ...], field: str = "stage") -> None:
        require(
            self.stage in stages,
            field,
            "stage_order",
            f"this step is taken at stage {' or '.join(stages)}; the person is {self.stage} "
            "(seed 002 发展党员工作制度 sets the order of the steps)",
        )

    def _on_or_after(self, p: Provenance, day: date | None, what: str) -> None:
        require(
            day is None or p.occurred_on >= day,
            "occurred_on",
            "not_before_previous_step",
            f"occurred_on {p.occurred_on} is before {what} ({day})",
        )

    def _timed(self, ok: bool, field: str, rule: str, message: str, waived: list[str]) -> None:
        """A waivable rule: broken, it needs the upper committee's recorded exception."""
        if ok:
            return
        if rule in self.exceptions:
            waived.append(rule)
            return
        raise RuleViolation(
            field,
            rule,
            message + "; only a recorded decision of the upper committee (ExceptionGranted) "
            "sets it aside",
        )


def corrected_step(step: Any, changes: dict[str, Any]) -> Any:
    """A copy of ``step`` with ``changes`` (``occurred_on``: its business date)."""
    values = dict(changes)
    if "occurred_on" in values:
        values["provenance"] = dataclasses.replace(
            step.provenance, occurred_on=values.pop("occurred_on")
        )
    return dataclasses.replace(step, **values)
