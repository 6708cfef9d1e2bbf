"""A committee (上级党组织) that supervises branches and answers for their progress."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

from .base import LedgerAggregate
from .errors import require, require_value
from .persons import check_person
from .provenance import Provenance
from .vocabulary import CommitteeKind


class Committee(LedgerAggregate):
    class Registered(LedgerAggregate.Created):
        district_id: UUID
        name: str
        kind: CommitteeKind

    class Renamed(LedgerAggregate.Event):
        name: str

        def apply(self, committee: Committee) -> None:
            committee.name = self.name

    class ContactPointChosen(LedgerAggregate.Event):
        """A committee member picks one branch to follow closely (000 §五(二)): ``member``
        is their pseudonymous id, ``member_name`` their name sealed under their key, or
        empty (``taizhang.domain.persons``). Version 1 held the name in clear and no id."""

        class_version = 2
        member: str
        member_name: str
        branch_id: UUID

        def apply(self, committee: Committee) -> None:
            committee.contact_points[self.member or self.member_name] = self.branch_id

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["member"] = ""

    def __init__(
        self, provenance: Provenance, district_id: UUID, name: str, kind: CommitteeKind
    ) -> None:
        self.district_id = district_id
        self.name = name
        self.kind = kind
        self.contact_points: dict[str, UUID] = {}

    @classmethod
    def register(
        cls,
        provenance: Provenance,
        district_id: UUID,
        name: str,
        kind: CommitteeKind,
        id: UUID | None = None,
    ) -> Committee:
        require_value(bool(name.strip()), "name", "required", "a committee needs a name")
        return cls._create(
            cls.Registered,
            id=id or uuid4(),
            provenance=provenance,
            district_id=district_id,
            name=name,
            kind=CommitteeKind.of(kind, "kind"),
        )

    def rename(self, provenance: Provenance, name: str) -> None:
        require_value(bool(name.strip()), "name", "required", "a committee needs a name")
        require(name != self.name, "name", "changed", "the committee already has that name")
        self.trigger_event(self.Renamed, provenance=provenance, name=name)

    def choose_contact_point(
        self, provenance: Provenance, member: str, branch_id: UUID, member_name: str = ""
    ) -> None:
        check_person("member", member, member_name)
        self.trigger_event(
            self.ContactPointChosen,
            provenance=provenance,
            member=member,
            member_name=member_name,
            branch_id=branch_id,
        )
