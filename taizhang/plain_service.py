"""The plain writer: what the eventsourcing library's examples do — get, command, save.

Read this first; ``taizhang.service.LedgerService`` keeps the same behaviour and adds the
speed-ups (a cache of aggregates, turns, group commit, catch-up reads). ``TAIZHANG_WRITER``
picks one (``make_service``).

Each attempt reads every aggregate a post needs from the event store
(``repository.get``), runs the command (``taizhang.handlers``, shared with the fast
writer) and saves the changed aggregates and the receipts with ``Application.save``, in
one transaction. A concurrent writer of the same aggregate, or a retried post whose receipt
is already stored, makes the save fail on the store's unique keys; the post is then tried
again on fresh state, where a retry finds its receipt. Nothing is cached between requests
and no post waits for another.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError, Recording

from taizhang.domain.base import LedgerAggregate
from taizhang.domain.business_day import business_today
from taizhang.domain.errors import NotFound
from taizhang.domain.receipt import Receipt
from taizhang.group_commit import Arrival
from taizhang.ledger import Ledger
from taizhang.service import (
    MAX_ATTEMPTS,
    RETRY_PAUSE_SECONDS,
    Answer,
    Caller,
    Conflict,
    LedgerService,
    Posting,
    batch_digest,
)
from taizhang.unit_of_work import UnitOfWork, kind_of


class StoredUnitOfWork(UnitOfWork):
    """Every aggregate read from the event store as it is now; no cache, no turns."""

    def __init__(self, ledger: Ledger, today: date) -> None:
        super().__init__(ledger, today, careful=True, take_turns=False)

    def _load(
        self, cls: type[Any], aggregate_id: UUID, field: str, *, copy: bool
    ) -> LedgerAggregate:
        try:
            found: LedgerAggregate = self.ledger.repository.get(aggregate_id)
        except AggregateNotFoundError:
            raise NotFound(field, kind_of(cls), aggregate_id) from None
        return found


class PlainLedgerService(LedgerService):
    def _store(
        self,
        caller: Caller,
        postings: Sequence[Posting],
        idempotency_key: str | None,
        expected_version: int | None,
        arrival: Arrival | None = None,
    ) -> list[Answer]:
        digest = batch_digest(postings) if idempotency_key is not None else ""
        for attempt in range(MAX_ATTEMPTS):
            if attempt and idempotency_key is not None:
                replayed = self._replay_batch(caller, idempotency_key, digest)
                if replayed is not None:
                    return replayed
            try:
                with StoredUnitOfWork(self.ledger, self.today()) as uow:
                    return self._attempt(
                        uow, caller, postings, idempotency_key, digest, expected_version, None
                    )
            except IntegrityError:
                time.sleep(random.uniform(0, RETRY_PAUSE_SECONDS * (attempt + 1)))
        raise Conflict(
            "events", "contended", "the aggregates are being changed by others; try again"
        )

    def _save(
        self, uow: UnitOfWork, receipts: list[Receipt], arrival: Arrival | None
    ) -> list[Recording[UUID]]:
        recordings = self.ledger.save(*uow.pending(), *receipts)
        uow.saved = True
        return recordings


def make_service(ledger: Ledger, today: Callable[[], date] = business_today) -> LedgerService:
    """The writer the ledger's settings name (``TAIZHANG_WRITER``)."""
    if ledger.settings.writer == "plain":
        return PlainLedgerService(ledger, today)
    return LedgerService(ledger, today)
