"""The district (区): the top of the tree, with one campaign office."""

from __future__ import annotations

from uuid import UUID, uuid4

from .base import LedgerAggregate
from .errors import require_value
from .provenance import Provenance


class District(LedgerAggregate):
    class Registered(LedgerAggregate.Created):
        name: str
        code: str

    def __init__(self, provenance: Provenance, name: str, code: str) -> None:
        self.name = name
        self.code = code

    @classmethod
    def register(
        cls, provenance: Provenance, name: str, code: str, id: UUID | None = None
    ) -> District:
        require_value(bool(name.strip()), "name", "required", "a district needs a name")
        require_value(bool(code.strip()), "code", "required", "a district needs a code")
        return cls._create(
            cls.Registered, id=id or uuid4(), provenance=provenance, name=name, code=code
        )
