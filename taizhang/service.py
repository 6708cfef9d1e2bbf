"""The service layer: posts become commands on aggregates, stored atomically and exactly once."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import random
import time
from collections.abc import Callable, Mapping, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError, Recording

from taizhang.domain.base import FactsNotLoaded
from taizhang.domain.business_day import business_today
from taizhang.domain.errors import DomainError, InvalidValue, NotFound
from taizhang.domain.provenance import Provenance
from taizhang.domain.receipt import Receipt, receipt_id
from taizhang.domain.records import event_type, to_plain
from taizhang.group_commit import Arrival, GroupCommit
from taizhang.handlers import EVENT_TYPES
from taizhang.ledger import Ledger
from taizhang.store.ids import new_ids
from taizhang.unit_of_work import UnitOfWork

# A concurrent writer on the same aggregate makes a save fail; the batch is rebuilt on the
# fresh state and tried again this many times, after a short random pause that grows with
# each attempt so that contenders spread out, before giving up with a conflict.
MAX_ATTEMPTS = 12
RETRY_PAUSE_SECONDS = 0.002
MAX_BATCH = 1000


@dataclass(frozen=True)
class Caller:
    """Who posts: taken from credentials, never from the body."""

    actor: str
    source: str


@dataclass(frozen=True)
class Posting:
    type: str
    occurred_on: date
    data: Mapping[str, Any]
    client_event_id: str | None = None

    def digest(self) -> str:
        body = json.dumps(
            {"type": self.type, "occurred_on": self.occurred_on, "data": self.data},
            default=lambda v: to_plain(v) if not isinstance(v, (str, int)) else v,
            sort_keys=True,
            ensure_ascii=False,
        )
        return hashlib.sha256(body.encode()).hexdigest()


@dataclass(frozen=True)
class Answer:
    event_id: UUID
    event_type: str
    aggregate_id: UUID
    version: int
    position: int | None
    replayed: bool = False

    def as_receipt(self) -> dict[str, object]:
        return {
            "event_id": str(self.event_id),
            "event_type": self.event_type,
            "aggregate_id": str(self.aggregate_id),
            "version": self.version,
        }

    @classmethod
    def from_receipt(cls, answer: Mapping[str, Any], position: int | None) -> Answer:
        return cls(
            event_id=UUID(str(answer["event_id"])),
            event_type=str(answer["event_type"]),
            aggregate_id=UUID(str(answer["aggregate_id"])),
            version=int(answer["version"]),
            position=position,
            replayed=True,
        )


class PreconditionFailed(Exception):
    """If-Match named a version the aggregate has moved past (HTTP 412)."""

    def __init__(self, aggregate_id: UUID, expected: int, current: int) -> None:
        super().__init__(f"expected version {expected} of {aggregate_id}, it is at {current}")
        self.aggregate_id = aggregate_id
        self.expected = expected
        self.current = current


class Conflict(Exception):
    """The post collides with another: a reused client event id, or a contended aggregate."""

    def __init__(self, field: str, rule: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.rule = rule
        self.message = message


@dataclass
class BatchRejected(Exception):
    """Items of a batch broke rules; nothing of the batch was stored."""

    errors: list[tuple[int, Exception]] = field(default_factory=list)

    def __str__(self) -> str:
        return "; ".join(f"item {i}: {e}" for i, e in self.errors)


class LedgerService:
    def __init__(self, ledger: Ledger, today: Callable[[], date] = business_today) -> None:
        self.ledger = ledger
        self.today = today
        self.group_commit = GroupCommit(ledger)

    def post(
        self, caller: Caller, posting: Posting, *, expected_version: int | None = None
    ) -> Answer:
        arrival = self.group_commit.announce()
        try:
            return self._store(caller, [posting], None, expected_version, arrival)[0]
        except BatchRejected as rejected:
            raise rejected.errors[0][1] from None
        finally:
            arrival.arrived()

    def post_batch(
        self, caller: Caller, postings: Sequence[Posting], *, idempotency_key: str | None = None
    ) -> list[Answer]:
        if not postings:
            raise InvalidValue("events", "non_empty", "a batch holds at least one event")
        if len(postings) > MAX_BATCH:
            raise InvalidValue("events", "max_1000", f"a batch holds at most {MAX_BATCH} events")
        return self._store(caller, postings, idempotency_key, None)

    def _store(
        self,
        caller: Caller,
        postings: Sequence[Posting],
        idempotency_key: str | None,
        expected_version: int | None,
        arrival: Arrival | None = None,
    ) -> list[Answer]:
        # Only an Idempotency-Key's receipt keeps the batch's digest.
        digest = batch_digest(postings) if idempotency_key is not None else ""
        changed = _changed_ids(postings) if len(postings) > 1 else set()
        for attempt in range(MAX_ATTEMPTS):
            # The first attempt is the fast path: cached state, no look-ups. Anything
            # that goes wrong on it is tried again carefully before anyone hears of it.
            careful = attempt > 0
            if careful and idempotency_key is not None:
                replayed = self._replay_batch(caller, idempotency_key, digest)
                if replayed is not None:
                    return replayed
            try:
                with (
                    UnitOfWork(
                        self.ledger,
                        self.today(),
                        careful=careful,
                        take_turns=len(postings) == 1,
                        unloaded_facts=True,
                    ) as uow,
                    # Batches take turns on the aggregates they change, first with this
                    # process's batches (waiting without holding a connection), then with
                    # other processes': colliding on save would throw all the work away.
                    uow.take_turns_on(changed) if changed else nullcontext(),
                    self.ledger.turns(changed) if changed else nullcontext(),
                ):
                    if len(postings) > 1:
                        # Our turn: what others stored before it is read before working.
                        self.ledger.catch_up(changed)
                        uow.preload([dict(p.data) for p in postings])
                    return self._attempt(
                        uow,
                        caller,
                        postings,
                        idempotency_key,
                        digest,
                        expected_version,
                        arrival,
                    )
            except IntegrityError:
                # Another writer got there first, or this is a retried post whose receipt
                # is already stored: look again on fresh state.
                if careful:
                    time.sleep(random.uniform(0, RETRY_PAUSE_SECONDS * attempt))
            except FactsNotLoaded:
                # A rule needed the facts the fast path did not read: the careful attempt
                # reads them (it never takes a branch's work without them).
                pass
            except BatchRejected:
                if careful:
                    raise
        raise Conflict(
            "events", "contended", "the aggregates are being changed by others; try again"
        )

    def _attempt(
        self,
        uow: UnitOfWork,
        caller: Caller,
        postings: Sequence[Posting],
        idempotency_key: str | None,
        batch_digest: str,
        expected_version: int | None,
        arrival: Arrival | None,
    ) -> list[Answer]:
        today = uow.today
        answers: list[Answer | None] = [None] * len(postings)
        produced: dict[int, Any] = {}
        receipts: list[Receipt] = []
        seen_client_ids: dict[str, int] = {}
        errors: list[tuple[int, Exception]] = []
        # An id for every event, every receipt and every new aggregate the postings may need.
        ids = iter(
            new_ids(
                len(postings)
                + sum(p.client_event_id is not None for p in postings)
                + sum(_creates(p) for p in postings)
            )
        )
        for index, posting in enumerate(postings):
            try:
                replay = self._recognise(caller, posting, seen_client_ids, index, uow.careful)
                if replay is not None:
                    answers[index] = replay
                    continue
                event, provenance = self._apply(
                    uow,
                    caller,
                    posting,
                    today,
                    expected_version,
                    next(ids),
                    next(ids) if _creates(posting) else None,
                )
            except (DomainError, NotFound, Conflict, PreconditionFailed) as error:
                errors.append((index, error))
                continue
            produced[index] = event
            if posting.client_event_id is not None:
                receipts.append(
                    Receipt.issue(
                        dataclasses.replace(provenance, event_id=next(ids)),
                        source=caller.source,
                        client_event_id=posting.client_event_id,
                        request_digest=posting.digest(),
                        answer=_answer_for(event, None).as_receipt(),
                    )
                )
        if errors:
            raise BatchRejected(errors)
        if idempotency_key is not None:
            receipts.append(
                self._batch_receipt(caller, idempotency_key, batch_digest, answers, produced)
            )
        recordings = self._save(uow, receipts, arrival)
        positions = {id(r.domain_event): r.notification.id for r in recordings}
        for index, event in produced.items():
            answers[index] = _answer_for(event, positions.get(id(event)))
        return [a for a in answers if a is not None]

    def _save(
        self, uow: UnitOfWork, receipts: list[Receipt], arrival: Arrival | None
    ) -> list[Recording[UUID]]:
        """The attempt's changes and receipts in one transaction, possibly shared with other
        posts of this process (group commit); the saved aggregates are then cached."""
        changed = uow.pending()
        events = [e for aggregate in (*changed, *receipts) for e in aggregate.collect_events()]
        recordings = self.group_commit.save(events, arrival)
        uow.saved = True
        self.ledger.remember(changed)
        return recordings

    def _apply(
        self,
        uow: UnitOfWork,
        caller: Caller,
        posting: Posting,
        today: date,
        expected_version: int | None,
        event_id: UUID,
        new_id: UUID | None,
    ) -> tuple[Any, Provenance]:
        """``new_id``: the id of the aggregate a registration or listing creates. Ids are
        the server's to make: a caller that chose one could take the id another caller's
        posts will name (a branch's work, a receipt) or learn that it exists."""
        kind = EVENT_TYPES.get(posting.type)
        if kind is None:
            raise InvalidValue("type", "known_event_type", f"unknown event type {posting.type!r}")
        data = dict(posting.data)
        if "id" in data:
            raise InvalidValue("id", "server_made", "the id of a new aggregate is made here")
        if kind.creates:
            data["id"] = new_id
        provenance = Provenance(
            event_id=event_id,
            occurred_on=posting.occurred_on,
            actor=caller.actor,
            source=caller.source,
            client_event_id=posting.client_event_id,
        )
        provenance.check_not_in_future(today)
        aggregate = kind.handle(uow, provenance, data)
        event = aggregate.pending_events[-1]
        if expected_version is not None and not kind.creates:
            before = event.originator_version - 1
            if before != expected_version:
                raise PreconditionFailed(aggregate.id, expected_version, before)
        return event, provenance

    def _recognise(
        self, caller: Caller, posting: Posting, seen: dict[str, int], index: int, look: bool
    ) -> Answer | None:
        """The first answer, if this client event id was stored before; else None.

        Only looked up when ``look``: on the fast path a stored receipt shows itself as a
        conflict when saving, and the careful attempt then finds it here.
        """
        client_event_id = posting.client_event_id
        if client_event_id is None:
            return None
        if client_event_id in seen:
            raise Conflict(
                "client_event_id",
                "unique_in_batch",
                f"client_event_id {client_event_id!r} also names item {seen[client_event_id]}",
            )
        seen[client_event_id] = index
        if not look:
            return None
        receipt = self._receipt(caller.source, client_event_id)
        if receipt is None:
            return None
        if receipt.request_digest != posting.digest():
            raise Conflict(
                "client_event_id",
                "same_content_on_retry",
                f"client_event_id {client_event_id!r} was already used for a different event",
            )
        answer = receipt.answer
        position = self.ledger.position_of(
            UUID(str(answer["aggregate_id"])), int(str(answer["version"]))
        )
        return Answer.from_receipt(answer, position)

    def _receipt(self, source: str, client_event_id: str) -> Receipt | None:
        try:
            receipt: Receipt = self.ledger.repository.get(receipt_id(source, client_event_id))
        except AggregateNotFoundError:
            return None
        return receipt

    def _batch_receipt(
        self,
        caller: Caller,
        key: str,
        digest: str,
        answers: list[Answer | None],
        produced: dict[int, Any],
    ) -> Receipt:
        items = [
            (a.as_receipt() if a is not None else _answer_for(produced[i], None).as_receipt())
            for i, a in enumerate(answers)
        ]
        provenance = Provenance(uuid4(), self.today(), caller.actor, caller.source, None)
        return Receipt.issue(
            provenance,
            source=caller.source,
            client_event_id=f"batch:{key}",
            request_digest=digest,
            answer={"items": items},
        )

    def _replay_batch(self, caller: Caller, key: str, digest: str) -> list[Answer] | None:
        receipt = self._receipt(caller.source, f"batch:{key}")
        if receipt is None:
            return None
        if receipt.request_digest != digest:
            raise Conflict(
                "Idempotency-Key",
                "same_content_on_retry",
                f"Idempotency-Key {key!r} was already used for a different batch",
            )
        items: list[dict[str, Any]] = receipt.answer["items"]  # type: ignore[assignment]
        return [
            Answer.from_receipt(
                item,
                self.ledger.position_of(UUID(str(item["aggregate_id"])), int(item["version"])),
            )
            for item in items
        ]


def _answer_for(event: Any, position: int | None) -> Answer:
    return Answer(
        event_id=event.provenance.event_id,
        event_type=event_type(event),
        aggregate_id=event.originator_id,
        version=event.originator_version,
        position=position,
    )


def _creates(posting: Posting) -> bool:
    kind = EVENT_TYPES.get(posting.type)
    return kind is not None and kind.creates


def batch_digest(postings: Sequence[Posting]) -> str:
    return hashlib.sha256("".join(p.digest() for p in postings).encode()).hexdigest()


def _changed_ids(postings: Sequence[Posting]) -> set[UUID]:
    changed: set[UUID] = set()
    for posting in postings:
        kind = EVENT_TYPES.get(posting.type)
        found = None if kind is None else kind.changes(posting.data)
        if found is not None:
            changed.add(found)
    return changed
