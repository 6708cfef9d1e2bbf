"""What every taizhang aggregate and event shares: provenance, and corrections of facts."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, ClassVar, TypeVar
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain.errors import require, require_value
from domain.provenance import Provenance

# Fields of an event that identify or stamp it, and so can never be corrected.
_STAMP_FIELDS = frozenset(
    {"originator_id", "originator_version", "timestamp", "originator_topic", "provenance"}
)


class LedgerAggregate(Aggregate):
    """Base of every aggregate: each of its events carries a Provenance."""

    class Event(Aggregate.Event):
        provenance: Provenance

    class Created(Event, Aggregate.Created):
        pass


class Fact(LedgerAggregate.Event):
    """Something that happened, which can later be corrected or withdrawn.

    Value rules live in ``check`` and run in ``__post_init__``, which the library calls
    when an event is created but not when a stored one is read back, so a corrected copy
    is checked again and an old stored fact is never refused.
    """

    # Fields that name other things (ids) rather than describe what happened.
    uncorrectable: ClassVar[frozenset[str]] = frozenset()

    def __post_init__(self) -> None:
        super().__post_init__()
        self.check()

    def check(self) -> None:
        """Raise InvalidValue if a field is out of range. Overridden by facts with rules."""

    @classmethod
    def correctable_fields(cls) -> frozenset[str]:
        names = {f.name for f in dataclasses.fields(cls)}
        return frozenset(names - _STAMP_FIELDS - cls.uncorrectable) | {"occurred_on"}

    def corrected(self, changes: dict[str, Any]) -> Fact:
        """A copy of this fact with ``changes`` applied, checked again."""
        allowed = self.correctable_fields()
        for name in changes:
            require_value(
                name in allowed,
                f"changes.{name}",
                "correctable_field",
                f"{type(self).__name__} has no correctable field {name!r}; "
                f"correctable: {', '.join(sorted(allowed))}",
            )
        values = dict(changes)
        if "occurred_on" in values:
            values["provenance"] = dataclasses.replace(
                self.provenance, occurred_on=values.pop("occurred_on")
            )
        # Fields of subclasses are invisible to mypy (the library's metaclass makes them
        # dataclass fields), hence the untyped mapping.
        return dataclasses.replace(self, **values)


F = TypeVar("F", bound=Fact)


class FactCorrected(LedgerAggregate.Event):
    """A fact of this aggregate is corrected: ``changes`` replace some of its fields."""

    corrects: UUID
    reason: str
    changes: dict[str, Any]

    def apply(self, aggregate: Any) -> None:
        aggregate.facts.add(aggregate.facts.current[self.corrects].corrected(self.changes))


class FactWithdrawn(LedgerAggregate.Event):
    """A fact of this aggregate was recorded in error and no longer counts."""

    withdraws: UUID
    reason: str

    def apply(self, aggregate: Any) -> None:
        aggregate.facts.withdraw(self.withdraws)


class KeepsFacts:
    """Commands to correct and withdraw facts, for aggregates that keep ``facts``.

    The aggregate defines its own ``FactCorrected`` and ``FactWithdrawn`` (subclasses of
    the ones above), so their topics name the aggregate.
    """

    facts: Facts
    FactCorrected: type[FactCorrected]
    FactWithdrawn: type[FactWithdrawn]
    trigger_event: Callable[..., None]  # the aggregate's

    def check_open(self) -> None:
        """Refuse changes when the aggregate no longer takes any. Overridden where needed."""

    def correct(
        self, provenance: Provenance, *, corrects: UUID, reason: str, changes: dict[str, Any]
    ) -> None:
        self.check_open()
        require_value(bool(reason.strip()), "reason", "required", "say why")
        require_value(bool(changes), "changes", "required", "a correction changes something")
        # The corrected copy is checked before anything is stored.
        self.facts.get(corrects, "corrects").corrected(changes)
        self.trigger_event(
            self.FactCorrected,
            provenance=provenance,
            corrects=corrects,
            reason=reason,
            changes=changes,
        )

    def withdraw_fact(self, provenance: Provenance, *, withdraws: UUID, reason: str) -> None:
        self.check_open()
        require_value(bool(reason.strip()), "reason", "required", "say why")
        self.facts.get(withdraws, "withdraws")
        self.trigger_event(
            self.FactWithdrawn, provenance=provenance, withdraws=withdraws, reason=reason
        )


class Facts:
    """The facts of an aggregate as they now stand, after corrections and withdrawals.

    Kept by event id. Corrections replace a fact with its corrected copy (the original
    stays in the log); a withdrawn fact is removed and remembered so it cannot be
    corrected or withdrawn again.
    """

    def __init__(self) -> None:
        self.current: dict[UUID, Fact] = {}
        self.withdrawn: set[UUID] = set()

    def add(self, fact: Fact) -> None:
        self.current[fact.provenance.event_id] = fact

    def get(self, event_id: UUID, field: str) -> Fact:
        require(
            event_id not in self.withdrawn,
            field,
            "not_withdrawn",
            f"event {event_id} was withdrawn and cannot be changed again",
        )
        fact = self.current.get(event_id)
        require(fact is not None, field, "known_event", f"no fact {event_id} in this ledger")
        assert fact is not None
        return fact

    def of_type(self, *types: type[F]) -> list[F]:
        return [f for f in self.current.values() if isinstance(f, types)]

    def withdraw(self, event_id: UUID) -> Fact:
        fact = self.current.pop(event_id)
        self.withdrawn.add(event_id)
        return fact

    def __len__(self) -> int:
        return len(self.current)

    def __deepcopy__(self, memo: dict[int, Any]) -> Facts:
        # Facts are events, and events are immutable: a copy of the aggregate needs its own
        # dictionaries, not copies of every event in them.
        copy = Facts()
        copy.current = dict(self.current)
        copy.withdrawn = set(self.withdrawn)
        return copy

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Facts)
            and self.current == other.current
            and self.withdrawn == other.withdrawn
        )

    __hash__ = None  # type: ignore[assignment]
