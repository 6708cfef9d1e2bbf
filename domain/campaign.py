"""A campaign (教育实践活动): a district's branches working through phases by deadlines."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from uuid import UUID, uuid4

from .base import LedgerAggregate
from .errors import require, require_value
from .phases import PhaseDefinition
from .provenance import Provenance


class Campaign(LedgerAggregate):
    class Defined(LedgerAggregate.Created):
        district_id: UUID
        name: str
        starts_on: date
        ends_on: date
        template_key: str
        phases: list[PhaseDefinition]

    class BranchesEnrolled(LedgerAggregate.Event):
        branch_ids: list[UUID]

        def apply(self, campaign: Campaign) -> None:
            campaign.branch_ids.update(self.branch_ids)

    class BranchWithdrawn(LedgerAggregate.Event):
        branch_id: UUID
        reason: str

        def apply(self, campaign: Campaign) -> None:
            campaign.branch_ids.discard(self.branch_id)

    class PhaseDeadlineChanged(LedgerAggregate.Event):
        phase_key: str
        deadline: date

        def apply(self, campaign: Campaign) -> None:
            campaign.phases = [
                replace(p, deadline=self.deadline) if p.key == self.phase_key else p
                for p in campaign.phases
            ]

    def __init__(
        self,
        provenance: Provenance,
        district_id: UUID,
        name: str,
        starts_on: date,
        ends_on: date,
        template_key: str,
        phases: list[PhaseDefinition],
    ) -> None:
        self.district_id = district_id
        self.name = name
        self.starts_on = starts_on
        self.ends_on = ends_on
        self.template_key = template_key
        self.phases = list(phases)
        self.branch_ids: set[UUID] = set()

    @classmethod
    def define(
        cls,
        provenance: Provenance,
        *,
        district_id: UUID,
        name: str,
        starts_on: date,
        ends_on: date,
        phases: list[PhaseDefinition],
        template_key: str = "",
        id: UUID | None = None,
    ) -> Campaign:
        require_value(bool(name.strip()), "name", "required", "a campaign needs a name")
        require_value(
            starts_on <= ends_on, "ends_on", "after_start", "a campaign cannot end before it starts"
        )
        require_value(bool(phases), "phases", "required", "a campaign has at least one phase")
        keys = [p.key for p in phases]
        require_value(
            len(set(keys)) == len(keys), "phases", "unique_keys", "phase keys must be unique"
        )
        for phase in phases:
            if phase.deadline is not None:
                require_value(
                    starts_on <= phase.deadline <= ends_on,
                    f"phases.{phase.key}.deadline",
                    "within_campaign",
                    f"the deadline of {phase.key} must fall within the campaign",
                )
        return cls._create(
            cls.Defined,
            id=id or uuid4(),
            provenance=provenance,
            district_id=district_id,
            name=name,
            starts_on=starts_on,
            ends_on=ends_on,
            template_key=template_key,
            phases=sorted(phases, key=lambda p: p.order),
        )

    def phase(self, key: str) -> PhaseDefinition:
        for phase in self.phases:
            if phase.key == key:
                return phase
        raise_unknown_phase(key)
        raise AssertionError  # pragma: no cover

    def enrol(self, provenance: Provenance, branch_ids: list[UUID]) -> None:
        new = sorted(set(branch_ids) - self.branch_ids)
        require(bool(new), "branch_ids", "not_enrolled", "every branch named is already enrolled")
        self.trigger_event(self.BranchesEnrolled, provenance=provenance, branch_ids=new)

    def withdraw_branch(self, provenance: Provenance, branch_id: UUID, reason: str) -> None:
        require(branch_id in self.branch_ids, "branch_id", "enrolled", "branch is not enrolled")
        require_value(bool(reason.strip()), "reason", "required", "say why")
        self.trigger_event(
            self.BranchWithdrawn, provenance=provenance, branch_id=branch_id, reason=reason
        )

    def change_deadline(self, provenance: Provenance, phase_key: str, deadline: date) -> None:
        self.phase(phase_key)
        require_value(
            self.starts_on <= deadline <= self.ends_on,
            "deadline",
            "within_campaign",
            "the deadline must fall within the campaign",
        )
        self.trigger_event(
            self.PhaseDeadlineChanged, provenance=provenance, phase_key=phase_key, deadline=deadline
        )

    def admit(self, branch_id: UUID, occurred_on: date, today: date) -> None:
        """Refuse campaign work by a branch outside the campaign, or dated impossibly."""
        # Checked on every fact posted: the messages are only formatted for a refusal.
        if branch_id in self.branch_ids and self.starts_on <= occurred_on <= today:
            return
        require(
            branch_id in self.branch_ids,
            "branch_id",
            "enrolled_in_campaign",
            f"branch {branch_id} is not enrolled in campaign {self.name!r}",
        )
        require_value(
            occurred_on >= self.starts_on,
            "occurred_on",
            "not_before_campaign",
            f"occurred_on {occurred_on} is before the campaign began ({self.starts_on})",
        )
        require_value(
            occurred_on <= today,
            "occurred_on",
            "not_in_future",
            f"occurred_on {occurred_on} is after today ({today})",
        )


def raise_unknown_phase(key: str) -> None:
    require_value(False, "phase_key", "known_phase", f"the campaign has no phase {key!r}")
