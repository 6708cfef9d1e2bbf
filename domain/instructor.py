"""A party-building instructor (党建工作指导员), assigned to follow one or more branches."""

from __future__ import annotations

from uuid import UUID, uuid4

from domain.base import LedgerAggregate
from domain.errors import require_value
from domain.provenance import Provenance


class Instructor(LedgerAggregate):
    """Assignments are recorded on the branch, so that each branch knows who follows it."""

    class Registered(LedgerAggregate.Created):
        district_id: UUID
        name: str

    def __init__(self, provenance: Provenance, district_id: UUID, name: str) -> None:
        self.district_id = district_id
        self.name = name

    @classmethod
    def register(
        cls, provenance: Provenance, district_id: UUID, name: str, id: UUID | None = None
    ) -> Instructor:
        require_value(bool(name.strip()), "name", "required", "an instructor needs a name")
        return cls._create(
            cls.Registered,
            id=id or uuid4(),
            provenance=provenance,
            district_id=district_id,
            name=name,
        )
