"""One request's changes: the aggregates it loaded or created, saved in one transaction."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any, TypeVar
from uuid import UUID, uuid5

from eventsourcing.application import AggregateNotFoundError

from taizhang.domain.base import Facts, LedgerAggregate
from taizhang.domain.branch import Branch
from taizhang.domain.branch_work import BranchWork, branch_work_id
from taizhang.domain.campaign import Campaign
from taizhang.domain.errors import NotFound, RuleViolation
from taizhang.domain.provenance import Provenance
from taizhang.ledger import Ledger
from taizhang.store.turns import TURNS

A = TypeVar("A", bound=LedgerAggregate)

# How stale a consulted aggregate (a campaign's enrolment, a branch's standing) may be on
# the fast path. A refusal is always re-checked on fresh state.
CONSULT_MAX_AGE_SECONDS = 1.0


class UnitOfWork:
    """The aggregates one attempt at a post loads, creates and changes.

    ``careful`` is False on the fast path: aggregates come from the cache without asking
    the store whether they moved on, and creations are not checked for existence. Any
    stale state there shows up as a conflict when saving (versions and ids are unique in
    the store) or as a refusal, and the service then tries again carefully, on fresh state.
    """

    def __init__(
        self,
        ledger: Ledger,
        today: date,
        *,
        careful: bool = True,
        take_turns: bool = True,
        unloaded_facts: bool = False,
    ) -> None:
        self.ledger = ledger
        self.today = today
        self.careful = careful
        # On the fast path, a branch's work that is not cached is taken without reading its
        # facts (``BranchWork.unloaded``): a rule that needs them raises FactsNotLoaded and
        # the service tries again carefully, reading them.
        self.unloaded_facts = unloaded_facts and not careful
        # Stored versions of the batch's uncached branch works, read together (``preload``).
        self._versions: dict[UUID, int] = {}
        # A single post changes one aggregate and so holds at most one turn: posts can
        # never wait on each other in a circle. A batch changes many; two batches taking
        # turns as they go, in different orders, would wait on each other until the
        # bounded waits ran out, so batches take theirs at once (``take_turns_on``).
        self.take_turns = take_turns
        self._absent: set[UUID] = set()
        # What this attempt consulted: read once, then the same state for every item.
        self._reads: dict[UUID, LedgerAggregate] = {}
        self.aggregates: dict[UUID, LedgerAggregate] = {}
        self._held: set[UUID] = set()  # turns taken (taizhang.store.turns)
        # Set once the changes are stored: from then on the copies are the cached state.
        self.saved = False

    def __enter__(self) -> UnitOfWork:
        return self

    def __exit__(self, exc_type: object, *exc: object) -> None:
        if exc_type is not None and not self.saved:
            # The attempt failed: its copies are thrown away (see ``Facts.abandon``).
            for aggregate in self.aggregates.values():
                facts = getattr(aggregate, "facts", None)
                if isinstance(facts, Facts):
                    facts.abandon()
        self.release()

    def release(self) -> None:
        for aggregate_id in self._held:
            TURNS.give_back(aggregate_id)
        self._held.clear()

    def _take_turn(self, aggregate_id: UUID) -> None:
        if self.take_turns:
            self._hold(aggregate_id)

    def _hold(self, aggregate_id: UUID) -> None:
        if aggregate_id not in self._held and TURNS.take(aggregate_id):
            self._held.add(aggregate_id)

    @contextmanager
    def take_turns_on(self, aggregate_ids: set[UUID]) -> Iterator[None]:
        """A batch's turns on every aggregate it changes, taken at once in one order.

        Batches that all take their turns in ascending order never wait on each other in
        a circle, so concurrent batches on the same aggregates in a process run one after
        another instead of colliding on save and starting again.
        """
        for aggregate_id in sorted(aggregate_ids):
            self._hold(aggregate_id)
        yield  # the turns are given back with the unit of work

    def get(self, cls: type[A], aggregate_id: UUID, field: str) -> A:
        """An aggregate to change: a private copy, shared by the items of one batch."""
        found = self.aggregates.get(aggregate_id)
        if found is None:
            self._take_turn(aggregate_id)
            found = self._load(cls, aggregate_id, field, copy=True)
            self.aggregates[aggregate_id] = found
        if not isinstance(found, cls):
            raise NotFound(field, kind_of(cls), aggregate_id)
        return found

    def read(self, cls: type[A], aggregate_id: UUID, field: str) -> A:
        """An aggregate only to consult: the cached instance, never changed."""
        found = self.aggregates.get(aggregate_id) or self._reads.get(aggregate_id)
        if found is None and not self.careful:
            if aggregate_id in self._absent:
                raise NotFound(field, kind_of(cls), aggregate_id)
            try:
                found = self.ledger.consult(aggregate_id, max_age=CONSULT_MAX_AGE_SECONDS)
            except AggregateNotFoundError:
                raise NotFound(field, kind_of(cls), aggregate_id) from None
        if found is None:
            found = self._load(cls, aggregate_id, field, copy=False)
        self._reads[aggregate_id] = found
        if not isinstance(found, cls):
            raise NotFound(field, kind_of(cls), aggregate_id)
        return found

    def _load(self, cls: type[A], aggregate_id: UUID, field: str, *, copy: bool) -> LedgerAggregate:
        if not self.careful and aggregate_id in self._absent:
            raise NotFound(field, kind_of(cls), aggregate_id)
        if copy and not self.careful:
            cached: LedgerAggregate | None = self.ledger.cached_copy(aggregate_id)
            if cached is not None:
                return cached
        try:
            found: LedgerAggregate = (
                self.ledger.fresh(aggregate_id)
                if copy
                else self.ledger.consult(aggregate_id, max_age=0.0)
            )
        except AggregateNotFoundError:
            raise NotFound(field, kind_of(cls), aggregate_id) from None
        return found

    def add(self, aggregate: A) -> A:
        exists = aggregate.id in self.aggregates or (
            self.careful and aggregate.id in self.ledger.repository
        )
        if exists:
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
        if (
            self.unloaded_facts
            and work_id not in self.ledger.cache
            and work_id not in self._absent  # a batch's preload found it has no events
        ):
            self._take_turn(work_id)
            version = self._versions.get(work_id)
            if version is None:
                version = self.ledger.latest_versions([work_id]).get(work_id)
            if version is not None:
                work = BranchWork.unloaded(campaign_id, branch_id, version)
                self.aggregates[work_id] = work
                return work
        try:
            return self.get(BranchWork, work_id, "branch_id")
        except NotFound:
            self._take_turn(work_id)
            # The opening is an event of its own, so it gets an event id of its own.
            opening = dataclasses.replace(provenance, event_id=uuid5(provenance.event_id, "opened"))
            work = BranchWork.open(opening, campaign_id, branch_id)
            self.aggregates[work.id] = work
            return work

    def branch(self, branch_id: UUID) -> Branch:
        return self.read(Branch, branch_id, "branch_id")

    def pending(self) -> list[LedgerAggregate]:
        return [a for a in self.aggregates.values() if a.pending_events]

    def preload(self, data: list[dict[str, Any]]) -> None:
        """Warm the cache with every aggregate a batch's items may name, in few reads."""
        ids: set[UUID] = set()
        for item in data:
            for name in _ID_FIELDS:
                value = item.get(name)
                if isinstance(value, UUID):
                    ids.add(value)
        works = _work_ids(data)
        ids |= works
        if self.unloaded_facts:
            # Branch works (the aggregates with long histories) not cached: their versions
            # only. The ids found are not absent; the rest go on to be read as usual.
            works = {i for i in works if i not in self.ledger.cache}
            self._versions = self.ledger.latest_versions(works)
            ids -= set(self._versions)
        self._absent = self.ledger.preload(ids)
        present = ids - self._absent
        # Consulted aggregates (a campaign's enrolment) may be at most
        # CONSULT_MAX_AGE_SECONDS old, in a batch as in a single post: older entries are
        # brought up to date in one query (PostgreSQL) or consulted one by one.
        self.ledger.catch_up(
            i for i in present if self.ledger.cache.get(i, max_age=CONSULT_MAX_AGE_SECONDS) is None
        )
        for aggregate_id in present:
            cached = self.ledger.cache.get(aggregate_id, max_age=CONSULT_MAX_AGE_SECONDS)
            if cached is not None:
                self._reads[aggregate_id] = cached


_ID_FIELDS = (
    "district_id",
    "committee_id",
    "branch_id",
    "campaign_id",
    "problem_id",
    "group_id",
    "instructor_id",
)


def _work_ids(data: list[dict[str, Any]]) -> set[UUID]:
    """The branch works a batch's items name (by campaign and branch)."""
    return {
        branch_work_id(item["campaign_id"], item["branch_id"])
        for item in data
        if isinstance(item.get("campaign_id"), UUID) and isinstance(item.get("branch_id"), UUID)
    }


# The name of an aggregate class as errors name it: ``BranchWork`` → ``branch_work``.
def kind_of(cls: type[Any]) -> str:
    name = cls.__name__
    return "".join("_" + c.lower() if c.isupper() else c for c in name).lstrip("_")
