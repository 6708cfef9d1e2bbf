"""Who may correct or withdraw what was recorded: a fact, a grade, a step of a person's path.

A correction or withdrawal is accepted from whom may record the thing it names, in scope;
a record of the supervising side only from the source that recorded it, or the office
(``taizhang.api.duties.may_amend``; docs/SECURITY.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from taizhang.api.auth import Credential
from taizhang.api.duties import (
    CORRECTIONS,
    GRADE_AMENDMENTS,
    STEP_CORRECTIONS,
    may_amend,
    recorders,
)
from taizhang.domain.base import Facts
from taizhang.domain.branch_life import branch_life_id
from taizhang.domain.branch_work import branch_work_id
from taizhang.domain.errors import NotFound
from taizhang.domain.member_development import Candidate
from taizhang.domain.records import event_type as event_type_of
from taizhang.ledger import Ledger

# Where a branch belongs changes rarely; a scope check may see it a second late.
SCOPE_MAX_AGE_SECONDS = 1.0


class Forbidden(Exception):
    """The role may never do this (HTTP 403)."""

    def __init__(self, rule: str, message: str, *, field: str = "Authorization") -> None:
        super().__init__(message)
        # Relative to the posting: ``type``, ``data.corrects``, or the token itself.
        self.field = field
        self.rule = rule
        self.message = message


class Amendments:
    """The checks on corrections and withdrawals, mixed into ``taizhang.api.scope.Scope``."""

    ledger: Ledger
    cred: Credential

    def candidate(self, candidate_id: UUID) -> Candidate:
        raise NotImplementedError  # Scope's

    def _ids_in_scope(self, data: Mapping[str, Any]) -> None:
        raise NotImplementedError  # Scope's

    def may_amend(self, event_type: str, data: Mapping[str, Any]) -> None:
        """Raise Forbidden when the caller may not amend what ``data`` names."""
        if event_type in CORRECTIONS:
            self._may_amend(event_type, data)
        if event_type in STEP_CORRECTIONS:
            self._may_amend_step(event_type, data)
        if event_type in GRADE_AMENDMENTS:
            self._may_amend_grade(event_type, data)

    def _may_amend_grade(self, event_type: str, data: Mapping[str, Any]) -> None:
        """A grade is corrected or withdrawn by the side that gave it, or the office: one
        committee does not overrule the office's grade or another's."""
        field = "corrects" if event_type == "GradeCorrected" else "withdraws"
        record = None
        # A grade posted within the last second may be missing from the shared state.
        for max_age in (SCOPE_MAX_AGE_SECONDS, 0.0):
            round_ = self.ledger.consult(data["round_id"], max_age=max_age)
            record = round_.grade_record(data[field])
            if record is not None:
                break
        if record is None:
            return  # not a grade of this round: the domain refuses it with its own rule
        same_source = record.source == self.cred.source
        if not may_amend(self.cred.role, "OrganizationGraded", same_source=same_source):
            raise Forbidden(
                "separation_of_duties",
                f"a grade is corrected or withdrawn only by whom gave it ({record.source}) "
                "or the campaign office",
                field=f"data.{field}",
            )

    def _may_amend_step(self, event_type: str, data: Mapping[str, Any]) -> None:
        """A step of a person's path is corrected or withdrawn only by whom may record it."""
        field = "corrects" if event_type == "StepCorrected" else "withdraws"
        self.candidate(data["candidate_id"])
        step = None
        # A step posted within the last second may be missing from the shared state.
        for max_age in (SCOPE_MAX_AGE_SECONDS, 0.0):
            person = self.ledger.consult(data["candidate_id"], max_age=max_age)
            step = next((s for s in person._steps if s.provenance.event_id == data[field]), None)
            if step is not None:
                break
        if step is None:
            return  # unknown or withdrawn: the domain refuses it with its own rule
        name = type(step).__name__
        same_source = step.provenance.source == self.cred.source
        if not may_amend(self.cred.role, name, same_source=same_source):
            raise Forbidden(
                "separation_of_duties",
                f"a {name} is corrected or withdrawn only by who may record it ({recorders(name)})",
                field=f"data.{field}",
            )

    def _may_amend(self, event_type: str, data: Mapping[str, Any]) -> None:
        """A fact is corrected or withdrawn only by whom may record it, in scope."""
        field = "corrects" if event_type == "FactCorrected" else "withdraws"
        fact = self._fact(data, data[field])
        if fact is None:
            return  # unknown or withdrawn: the domain refuses it with its own rule
        name = event_type_of(fact)
        same_source = fact.provenance.source == self.cred.source
        if not may_amend(self.cred.role, name, same_source=same_source):
            raise Forbidden(
                "separation_of_duties",
                f"a {name} is corrected or withdrawn only by who may record it "
                f"({recorders(name)}); a supervising side's record only by whom recorded "
                "it, or the office",
                field=f"data.{field}",
            )
        try:
            self._ids_in_scope(vars(fact))
        except NotFound:
            # The fact names what the caller may not record for (another group's visit):
            # the caller can read the fact, so saying so tells nothing new.
            raise Forbidden(
                "separation_of_duties",
                f"this {name} names what is outside the token's scope: only who may "
                "record it corrects or withdraws it",
                field=f"data.{field}",
            ) from None

    def _fact(self, data: Mapping[str, Any], event_id: UUID) -> Any:
        """The fact ``event_id`` of the problem, branch's work or branch's organizational
        life the data names, or None."""
        if "problem_id" in data:
            aggregate_id = data["problem_id"]
        elif "campaign_id" in data:
            aggregate_id = branch_work_id(data["campaign_id"], data["branch_id"])
        else:
            aggregate_id = branch_life_id(data["branch_id"])
        # A fact posted within the last second may be missing from the shared state.
        for max_age in (SCOPE_MAX_AGE_SECONDS, 0.0):
            try:
                aggregate = self.ledger.consult(aggregate_id, max_age=max_age)
            except AggregateNotFoundError:
                return None
            facts = getattr(aggregate, "facts", None)
            found = facts.current.get(event_id) if isinstance(facts, Facts) else None
            if found is not None:
                return found
        return None
