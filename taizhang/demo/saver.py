"""The demo's result, and the saver that stores generated events in chunks."""

from __future__ import annotations

import queue
import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from taizhang.demo.data import (
    CHUNK_AGGREGATES,
    CHUNK_EVENTS,
)
from taizhang.domain.base import LedgerAggregate
from taizhang.ledger import Ledger


@dataclass
class DemoSummary:
    district_id: UUID
    campaign_id: UUID
    committee_ids: list[UUID]
    supervision_group_ids: list[UUID] = field(default_factory=list)
    branch_ids: list[UUID] = field(default_factory=list)
    already_loaded: bool = False
    events: int = 0
    aggregates: int = 0
    seconds: float = 0.0
    # Event counts by qualified class name, e.g. ``BranchWork.PlanApproved``.
    events_by_type: Counter[str] = field(default_factory=Counter)

    @property
    def events_per_second(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0


class Saver:
    """Collects changed aggregates and saves their events in chunks, counting them by type.

    Saving runs on a thread of its own, so that the next chunk is generated while the
    database stores this one. Events are taken from the aggregates here, on the caller's
    thread, so the saving thread never sees an aggregate that is still changing; chunks
    are saved one after another, in the order they were made.
    """

    def __init__(self, ledger: Ledger, summary: DemoSummary) -> None:
        self.ledger = ledger
        self.summary = summary
        self.pending: dict[UUID, LedgerAggregate] = {}
        self.pending_events = 0
        self._counted: dict[UUID, int] = {}
        self._chunks: queue.Queue[list[Any] | None] = queue.Queue(maxsize=2)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._save_chunks, name="demo-saver", daemon=True)
        self._thread.start()

    def add(self, *aggregates: LedgerAggregate) -> None:
        for aggregate in aggregates:
            count = len(aggregate.pending_events)
            if count:
                self.pending[aggregate.id] = aggregate
                self.pending_events += count - self._counted.get(aggregate.id, 0)
                self._counted[aggregate.id] = count
        if self.pending_events >= CHUNK_EVENTS or len(self.pending) >= CHUNK_AGGREGATES:
            self.flush()

    def flush(self) -> None:
        self._raise_if_failed()
        if not self.pending:
            return
        counts = self.summary.events_by_type
        events: list[Any] = []
        for aggregate in self.pending.values():
            if aggregate.version == len(aggregate.pending_events):
                self.summary.aggregates += 1
            for event in aggregate.collect_events():
                counts[type(event).__qualname__] += 1
                events.append(event)
        self.summary.events += len(events)
        self.pending.clear()
        self._counted.clear()
        self.pending_events = 0
        self._chunks.put(events)

    def close(self) -> None:
        """Save what is pending and wait until everything is stored."""
        try:
            self.flush()
        finally:
            self._chunks.put(None)
            self._thread.join()
        self._raise_if_failed()

    def _raise_if_failed(self) -> None:
        if self._error is not None:
            raise self._error

    def _save_chunks(self) -> None:
        while (events := self._chunks.get()) is not None:
            if self._error is None:
                try:
                    self.ledger.save(*events)
                except BaseException as error:  # handed to the generating thread
                    self._error = error
