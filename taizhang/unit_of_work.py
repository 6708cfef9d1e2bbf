"""One request's changes: the aggregates it loaded or created, saved in one transaction."""

from __future__ import annotations

import threading
from datetime import date
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from domain.base import LedgerAggregate
from domain.branch import Branch
from domain.branch_work import BranchWork, branch_work_id
from domain.campaign import Campaign
from domain.errors import RuleViolation
from domain.provenance import Provenance
from taizhang.ledger import Ledger

A = TypeVar("A", bound=LedgerAggregate)

# Writers in one process that change the same aggregate take turns, instead of racing and
# retrying: under contention optimistic retries alone can starve an unlucky writer.
# Striped so the locks are few; bounded waits so a batch taking stripes in another order
# can never deadlock (it then falls back to optimistic concurrency, which stays correct).
_STRIPES = [threading.Lock() for _ in range(1024)]
_STRIPE_WAIT_SECONDS = 5.0


class NotFound(Exception):
    """The aggregate a post concerns does not exist (HTTP 404)."""

    def __init__(self, field: str, kind: str, aggregate_id: UUID) -> None:
        super().__init__(f"no {kind} {aggregate_id}")
        self.field = field
        self.kind = kind
        self.aggregate_id = aggregate_id


class UnitOfWork:
    def __init__(self, ledger: Ledger, today: date) -> None:
        self.ledger = ledger
        self.today = today
        self.aggregates: dict[UUID, LedgerAggregate] = {}
        self._held: dict[int, threading.Lock] = {}

    def __enter__(self) -> UnitOfWork:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()

    def release(self) -> None:
        for lock in self._held.values():
            lock.release()
        self._held.clear()

    def _take_turn(self, aggregate_id: UUID) -> None:
        stripe = hash(aggregate_id) % len(_STRIPES)
        if stripe not in self._held:
            lock = _STRIPES[stripe]
            if lock.acquire(timeout=_STRIPE_WAIT_SECONDS):
                self._held[stripe] = lock

    def get(self, cls: type[A], aggregate_id: UUID, field: str) -> A:
        """An aggregate to change: a private copy, shared by the items of one batch."""
        found = self.aggregates.get(aggregate_id)
        if found is None:
            self._take_turn(aggregate_id)
            found = self._load(cls, aggregate_id, field, copy=True)
            self.aggregates[aggregate_id] = found
        if not isinstance(found, cls):
            raise NotFound(field, _kind(cls), aggregate_id)
        return found

    def read(self, cls: type[A], aggregate_id: UUID, field: str) -> A:
        """An aggregate only to consult: the cached instance, never changed."""
        found = self.aggregates.get(aggregate_id)
        if found is None:
            found = self._load(cls, aggregate_id, field, copy=False)
        if not isinstance(found, cls):
            raise NotFound(field, _kind(cls), aggregate_id)
        return found

    def _load(self, cls: type[A], aggregate_id: UUID, field: str, *, copy: bool) -> LedgerAggregate:
        try:
            found: LedgerAggregate = self.ledger.repository.get(
                aggregate_id, deepcopy_from_cache=copy
            )
        except AggregateNotFoundError:
            raise NotFound(field, _kind(cls), aggregate_id) from None
        return found

    def add(self, aggregate: A) -> A:
        if aggregate.id in self.aggregates or self.ledger.repository.__contains__(aggregate.id):
            raise RuleViolation("id", "unique", f"{aggregate.id} already exists")
        self.aggregates[aggregate.id] = aggregate
        return aggregate

    def branch_work(self, provenance: Provenance, campaign_id: UUID, branch_id: UUID) -> BranchWork:
        """The branch's work in the campaign, opened on its first fact.

        Admits the fact only for a branch enrolled in the campaign, dated within it, and
        (for a rectification target) only once the branch is reorganized.
        """
        campaign = self.read(Campaign, campaign_id, "campaign_id")
        campaign.admit(branch_id, provenance.occurred_on, self.today)
        work_id = branch_work_id(campaign_id, branch_id)
        if work_id in self.aggregates:
            return self.get(BranchWork, work_id, "branch_id")
        try:
            return self.get(BranchWork, work_id, "branch_id")
        except NotFound:
            self._take_turn(work_id)
            work = BranchWork.open(provenance, campaign_id, branch_id)
            self.aggregates[work.id] = work
            return work

    def branch(self, branch_id: UUID) -> Branch:
        return self.read(Branch, branch_id, "branch_id")

    def pending(self) -> list[LedgerAggregate]:
        return [a for a in self.aggregates.values() if a.pending_events]


def _kind(cls: type[Any]) -> str:
    name = cls.__name__
    return "".join("_" + c.lower() if c.isupper() else c for c in name).lstrip("_")
