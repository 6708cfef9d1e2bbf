"""What every taizhang aggregate and event shares: provenance, and corrections of facts."""

from __future__ import annotations

import dataclasses
import sys
import threading
from collections.abc import Callable
from copy import copy, deepcopy
from datetime import date
from decimal import Decimal
from enum import Enum
from typing import Any, ClassVar, TypeVar
from uuid import UUID

from eventsourcing.domain import Aggregate

from .errors import require, require_value
from .provenance import Provenance

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

    def __deepcopy__(self, memo: dict[int, Any]) -> LedgerAggregate:
        # A writer changes a private copy of a shared cached aggregate. Values that never
        # change (ids, dates, events, vocabularies) are shared rather than rebuilt, which
        # the generic deepcopy does for each: it cost more than the command itself.
        copy = object.__new__(type(self))
        memo[id(self)] = copy
        state = copy.__dict__
        for name, value in self.__dict__.items():
            state[name] = _copy_state(value, memo)
        return copy


# Immutable values an aggregate's copy can share with the original.
_SHARED: tuple[type, ...] = (
    str,
    int,
    float,
    bytes,
    type(None),
    UUID,
    date,
    Decimal,
    Enum,
    Provenance,
    Aggregate.Event,
)


def _copy_state(value: Any, memo: dict[int, Any]) -> Any:
    if isinstance(value, _SHARED):
        return value
    params = getattr(type(value), "__dataclass_params__", None)
    if params is not None and params.frozen:  # e.g. a phase definition
        return value
    kind = type(value)
    if kind is list:
        return [_copy_state(v, memo) for v in value]
    if kind is dict:
        return {k: _copy_state(v, memo) for k, v in value.items()}
    if kind is set:
        return {v if isinstance(v, _SHARED) else deepcopy(v, memo) for v in value}
    if kind is tuple:
        return tuple(_copy_state(v, memo) for v in value)
    return deepcopy(value, memo)


class Fact(LedgerAggregate.Event):
    """Something that happened, which can later be corrected or withdrawn.

    Value rules live in ``check`` and run in ``__post_init__``, which the library calls
    when an event is created but not when a stored one is read back, so a corrected copy
    is checked again and an old stored fact is never refused.
    """

    # Fields that name other things (ids) rather than describe what happened.
    uncorrectable: ClassVar[frozenset[str]] = frozenset()
    # Fields an older class version named otherwise: corrections stored then still apply.
    renamed: ClassVar[dict[str, str]] = {}

    def __post_init__(self) -> None:
        super().__post_init__()
        self.check()

    def check(self) -> None:
        """Raise InvalidValue if a field is out of range. Overridden by facts with rules."""

    @classmethod
    def correctable_fields(cls) -> frozenset[str]:
        names = {f.name for f in dataclasses.fields(cls)}
        return frozenset(names - _STAMP_FIELDS - cls.uncorrectable) | {"occurred_on"}

    def corrected(self, changes: dict[str, Any], *, checked: bool = True) -> Fact:
        """A copy of this fact with ``changes`` applied, checked again unless ``checked`` is
        false: a stored correction was checked when it was made and is applied as stored,
        so that a rule tightened since (a name that must now be sealed) never refuses it."""
        allowed = self.correctable_fields()
        if self.renamed:
            changes = {self.renamed.get(name, name): value for name, value in changes.items()}
        if not checked:
            # Applied as stored, even to a field made uncorrectable since.
            known = {f.name for f in dataclasses.fields(type(self))} | {"occurred_on"}
            changes = {name: value for name, value in changes.items() if name in known}
        for name in changes if checked else ():
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
        if checked:
            return dataclasses.replace(self, **values)
        # A copy made without __init__, hence without __post_init__'s check.
        copied = copy(self)
        for name, value in values.items():
            object.__setattr__(copied, name, value)
        return copied


F = TypeVar("F", bound=Fact)


class FactCorrected(LedgerAggregate.Event):
    """A fact of this aggregate is corrected: ``changes`` replace some of its fields."""

    corrects: UUID
    reason: str
    changes: dict[str, Any]

    def apply(self, aggregate: Any) -> None:
        fact = aggregate.facts.current[self.corrects]
        aggregate.facts.add(fact.corrected(self.changes, checked=False))


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


class _Log:
    """Storage shared by copies of one ``Facts``: an append-only list of (event id, fact).

    An entry, once written, never changes, so a copy that sees the first ``n`` entries can
    be read while another copy appends after them. ``None`` as a fact marks a withdrawal.
    """

    __slots__ = ("ids", "facts", "positions", "first_change", "lock")

    def __init__(self) -> None:
        self.ids: list[Any] = []
        self.facts: list[Fact | None] = []
        # Every position of each id, oldest first: usually one, more once corrected.
        self.positions: dict[Any, list[int]] = {}
        # Entries before this position each name a different id: no correction or
        # withdrawal yet, so a prefix up to here reads as the plain list of facts.
        self.first_change = sys.maxsize
        self.lock = threading.Lock()

    def append(self, event_id: Any, fact: Fact | None) -> None:
        position = len(self.ids)
        self.ids.append(event_id)
        self.facts.append(fact)
        positions = self.positions.get(event_id)
        if positions is None:
            self.positions[event_id] = [position]
        else:
            self.first_change = min(self.first_change, position)
            positions.append(position)

    def truncate(self, length: int) -> None:
        while len(self.ids) > length:
            event_id = self.ids.pop()
            self.facts.pop()
            positions = self.positions[event_id]
            positions.pop()
            if not positions:
                del self.positions[event_id]
        if self.first_change >= length:
            self.first_change = sys.maxsize


class FactsNotLoaded(Exception):
    """A rule asked for facts that were not read (``UnloadedFacts``): load them and retry."""


class UnloadedFacts:
    """Stands for an aggregate's facts when they were not read from the store.

    Most facts a branch reports are checked against nothing it reported before, and a
    branch's work can hold hundreds of facts: reading them all for such a fact costs more
    than everything else a post does. An aggregate with these facts takes new facts, and any
    rule that looks at the facts before raises ``FactsNotLoaded`` instead of seeing none, so
    the caller loads them and tries again. Nothing it holds is ever shared or cached.
    """

    def add(self, fact: Fact) -> None:
        """A new fact: nothing to keep, since this state is never read again."""

    def abandon(self) -> None:
        """Nothing was appended anywhere."""

    def __getattr__(self, name: str) -> Any:
        raise FactsNotLoaded(f"facts.{name}: the facts were not loaded")

    def __len__(self) -> int:
        raise FactsNotLoaded("len(facts): the facts were not loaded")

    def __iter__(self) -> Any:
        raise FactsNotLoaded("iter(facts): the facts were not loaded")

    def __eq__(self, other: object) -> bool:
        raise FactsNotLoaded("facts ==: the facts were not loaded")

    __hash__ = None  # type: ignore[assignment]


class Facts:
    """The facts of an aggregate as they now stand, after corrections and withdrawals.

    Kept by event id. Corrections replace a fact with its corrected copy (the original
    stays in the log); a withdrawn fact is removed and remembered so it cannot be
    corrected or withdrawn again.

    A persistent structure: copying is O(1) and recording a fact in a copy is O(1),
    whatever the number of facts, so a post never copies an aggregate's history. Copies
    share one append-only ``_Log`` and each sees its own prefix of it; a copy appending
    where another already has (two writers racing on one state) forks its own log first.
    Event ids are never reused, so an id withdrawn is never added again.
    """

    def __init__(self) -> None:
        self._log = _Log()
        self._length = 0
        # Where this copy began: entries it appended after that are its own.
        self._base = 0
        self._count = 0
        self.withdrawn: frozenset[Any] = frozenset()

    def abandon(self) -> None:
        """This copy is thrown away (its changes were never stored): drop what it appended
        to the shared log, so that the next copy of the same state appends in place
        instead of forking a log of its own. Only while no one has appended after it."""
        log = self._log
        with log.lock:
            if len(log.ids) == self._length and self._length > self._base:
                log.truncate(self._base)

    def _find(self, event_id: Any) -> Fact | None:
        positions = self._log.positions.get(event_id)
        if positions is None:
            return None
        length = self._length
        for position in reversed(positions):
            if position < length:
                return self._log.facts[position]
        return None

    def _append(self, event_id: Any, fact: Fact | None) -> None:
        log = self._log
        with log.lock:
            if len(log.ids) == self._length:
                log.append(event_id, fact)
                self._length += 1
                return
        # Another copy appended past our prefix: continue on a log of our own.
        own = _Log()
        for position in range(self._length):
            own.append(log.ids[position], log.facts[position])
        own.append(event_id, fact)
        self._log = own
        self._length += 1

    def _items(self) -> list[tuple[Any, Fact]]:
        log, length = self._log, self._length
        if length <= log.first_change:
            return list(zip(log.ids[:length], log.facts[:length], strict=True))  # type: ignore[arg-type]
        items: list[tuple[Any, Fact]] = []
        for position in range(length):
            event_id = log.ids[position]
            # A fact keeps the place of its first entry, as a dict keeps a replaced key's.
            if log.positions[event_id][0] == position:
                fact = self._find(event_id)
                if fact is not None:
                    items.append((event_id, fact))
        return items

    def values(self) -> list[Fact]:
        log, length = self._log, self._length
        if length <= log.first_change:
            return log.facts[:length]  # type: ignore[return-value]
        return [fact for _, fact in self._items()]

    @property
    def current(self) -> dict[UUID, Fact]:
        """The current facts by event id (a new dict: changing it changes nothing)."""
        return dict(self._items())

    @current.setter
    def current(self, facts: dict[UUID, Fact]) -> None:
        self._log = _Log()
        for event_id, fact in facts.items():
            self._log.append(event_id, fact)
        self._length = self._count = self._base = len(facts)

    def add(self, fact: Fact) -> None:
        event_id = fact.provenance.event_id
        if self._find(event_id) is None:
            self._count += 1
        self._append(event_id, fact)

    def get(self, event_id: UUID, field: str) -> Fact:
        require(
            event_id not in self.withdrawn,
            field,
            "not_withdrawn",
            f"event {event_id} was withdrawn and cannot be changed again",
        )
        fact = self._find(event_id)
        require(fact is not None, field, "known_event", f"no fact {event_id} in this ledger")
        assert fact is not None
        return fact

    def of_type(self, *types: type[F]) -> list[F]:
        return [f for f in self.values() if isinstance(f, types)]

    def withdraw(self, event_id: UUID) -> Fact:
        fact = self._find(event_id)
        if fact is None:
            raise KeyError(event_id)
        self._append(event_id, None)
        self._count -= 1
        self.withdrawn = self.withdrawn | {event_id}
        return fact

    def __len__(self) -> int:
        return self._count

    def __deepcopy__(self, memo: dict[int, Any]) -> Facts:
        # Facts are events, and events are immutable; the log is shared (see the class).
        copy = Facts.__new__(Facts)
        copy._log = self._log
        copy._length = copy._base = self._length
        copy._count = self._count
        copy.withdrawn = self.withdrawn
        return copy

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Facts)
            and self.current == other.current
            and self.withdrawn == other.withdrawn
        )

    __hash__ = None  # type: ignore[assignment]
