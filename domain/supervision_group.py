"""A supervision group (督导组) or guidance group (行业指导组) and what it is assigned."""

from __future__ import annotations

from uuid import UUID, uuid4

from .base import LedgerAggregate
from .errors import require, require_value
from .provenance import Provenance
from .vocabulary import SupervisionGroupKind


class SupervisionGroup(LedgerAggregate):
    class Registered(LedgerAggregate.Created):
        district_id: UUID
        name: str
        kind: SupervisionGroupKind

    class ScopeAssigned(LedgerAggregate.Event):
        committee_ids: list[UUID]
        branch_ids: list[UUID]

        def apply(self, group: SupervisionGroup) -> None:
            group.committee_ids.update(self.committee_ids)
            group.branch_ids.update(self.branch_ids)

    class ScopeUnassigned(LedgerAggregate.Event):
        committee_ids: list[UUID]
        branch_ids: list[UUID]

        def apply(self, group: SupervisionGroup) -> None:
            group.committee_ids.difference_update(self.committee_ids)
            group.branch_ids.difference_update(self.branch_ids)

    def __init__(
        self, provenance: Provenance, district_id: UUID, name: str, kind: SupervisionGroupKind
    ) -> None:
        self.district_id = district_id
        self.name = name
        self.kind = kind
        self.committee_ids: set[UUID] = set()
        self.branch_ids: set[UUID] = set()

    @classmethod
    def register(
        cls,
        provenance: Provenance,
        district_id: UUID,
        name: str,
        kind: SupervisionGroupKind,
        id: UUID | None = None,
    ) -> SupervisionGroup:
        require_value(bool(name.strip()), "name", "required", "a group needs a name")
        return cls._create(
            cls.Registered,
            id=id or uuid4(),
            provenance=provenance,
            district_id=district_id,
            name=name,
            kind=SupervisionGroupKind.of(kind, "kind"),
        )

    def assign(
        self, provenance: Provenance, committee_ids: list[UUID], branch_ids: list[UUID]
    ) -> None:
        new_committees = sorted(set(committee_ids) - self.committee_ids)
        new_branches = sorted(set(branch_ids) - self.branch_ids)
        require(
            bool(new_committees or new_branches),
            "committee_ids",
            "adds_scope",
            "everything named is already assigned to this group",
        )
        self.trigger_event(
            self.ScopeAssigned,
            provenance=provenance,
            committee_ids=new_committees,
            branch_ids=new_branches,
        )

    def unassign(
        self, provenance: Provenance, committee_ids: list[UUID], branch_ids: list[UUID]
    ) -> None:
        gone_committees = sorted(set(committee_ids) & self.committee_ids)
        gone_branches = sorted(set(branch_ids) & self.branch_ids)
        require(
            bool(gone_committees or gone_branches),
            "committee_ids",
            "assigned",
            "nothing named is assigned to this group",
        )
        self.trigger_event(
            self.ScopeUnassigned,
            provenance=provenance,
            committee_ids=gone_committees,
            branch_ids=gone_branches,
        )

    def covers(self, committee_id: UUID, branch_id: UUID) -> bool:
        return committee_id in self.committee_ids or branch_id in self.branch_ids
