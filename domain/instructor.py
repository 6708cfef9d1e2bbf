"""A party-building instructor (党建工作指导员), assigned to follow one or more branches.

The instructor is a person the campaign's facts name: by pseudonymous id (``person``),
their name sealed under their own key in ``person_name`` or empty (``taizhang.domain.persons``).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

from .base import LedgerAggregate
from .persons import check_person
from .provenance import Provenance


class Instructor(LedgerAggregate):
    """Assignments are recorded on the branch, so that each branch knows who follows it."""

    class Registered(LedgerAggregate.Created):
        """Version 1 held the instructor's name in clear in ``name`` and no id: the upcast
        puts the name where the sealed name now goes and gives an empty id, so it reads
        as recorded (docs/EVIDENCE.md says what erasure cannot reach there)."""

        class_version = 2
        district_id: UUID
        person: str
        person_name: str

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["person"] = ""
            state["person_name"] = state.pop("name")

    def __init__(
        self, provenance: Provenance, district_id: UUID, person: str, person_name: str
    ) -> None:
        self.district_id = district_id
        self.person = person
        self.person_name = person_name

    @classmethod
    def register(
        cls,
        provenance: Provenance,
        district_id: UUID,
        person: str,
        person_name: str = "",
        id: UUID | None = None,
    ) -> Instructor:
        """``person``: the instructor's pseudonymous id; ``person_name``: their name sealed
        under their key, or empty."""
        check_person("person", person, person_name)
        return cls._create(
            cls.Registered,
            id=id or uuid4(),
            provenance=provenance,
            district_id=district_id,
            person=person,
            person_name=person_name,
        )
