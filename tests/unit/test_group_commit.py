"""Group commit: posts under way in a process are stored together, in one transaction."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID, uuid4

import pytest
from eventsourcing.persistence import DataError, IntegrityError, OperationalError
from prometheus_client import CollectorRegistry, Histogram

from taizhang import group_commit
from taizhang.group_commit import GroupCommit


@dataclass(frozen=True)
class Event:
    originator_id: UUID


@dataclass(frozen=True)
class Recording:
    domain_event: Any


class Store:
    """Stands in for the ledger: records each transaction's events."""

    def __init__(self) -> None:
        self.transactions: list[list[Any]] = []

    def record(self, events: Sequence[Any]) -> Sequence[Recording]:
        self.transactions.append(list(events))
        return [Recording(e) for e in events]


def test_the_leader_waits_for_posts_under_way_and_stores_them_together(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A long linger, so that the test does not depend on the machine's speed: the leader
    # is released by the last arrival, not by the clock.
    monkeypatch.setattr(group_commit, "LINGER_SECONDS", 30.0)
    store = Store()
    commits = GroupCommit(store)  # type: ignore[arg-type]
    arrivals = [commits.announce() for _ in range(3)]
    events = [Event(uuid4()) for _ in range(3)]
    results: list[Any] = [None] * 3
    # A histogram of its own: other tests' posts in this process do not count here.
    sizes = Histogram("group_posts", "test", registry=CollectorRegistry(), buckets=(1, 2, 4))
    monkeypatch.setattr(group_commit, "POSTS_PER_TRANSACTION", sizes)

    def post(i: int) -> None:
        results[i] = commits.save([events[i]], arrivals[i])

    first = threading.Thread(target=post, args=(0,))
    first.start()
    time.sleep(0.05)
    others = [threading.Thread(target=post, args=(i,)) for i in (1, 2)]
    for t in others:
        t.start()
    for t in (first, *others):
        t.join(timeout=10)
    assert store.transactions == [events]
    assert [r[0].domain_event for r in results] == events
    # /metrics tells operators how many posts share a transaction.
    samples = {sample.name: sample.value for metric in sizes.collect() for sample in metric.samples}
    assert (samples["group_posts_sum"], samples["group_posts_count"]) == (3, 1)


def test_a_post_that_will_not_save_releases_the_leader_at_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(group_commit, "LINGER_SECONDS", 30.0)
    store = Store()
    commits = GroupCommit(store)  # type: ignore[arg-type]
    mine, refused = commits.announce(), commits.announce()
    event = Event(uuid4())
    done = threading.Event()
    saver = threading.Thread(target=lambda: (commits.save([event], mine), done.set()))
    saver.start()
    time.sleep(0.05)
    assert not done.is_set()  # waiting for the other post under way
    refused.arrived()  # e.g. it was refused with a 422
    assert done.wait(timeout=10)
    saver.join()
    assert store.transactions == [[event]]


class Refusing(Store):
    """A store that refuses any transaction holding a poisoned event, as the encoder or the
    database refuses one caller's bad text."""

    def __init__(self, poisoned: Event, error: Exception) -> None:
        super().__init__()
        self.poisoned, self.error = poisoned, error

    def record(self, events: Sequence[Any]) -> Sequence[Recording]:
        if self.poisoned in events:
            raise self.error
        return super().record(events)


@pytest.mark.parametrize(
    "error",
    [
        UnicodeEncodeError("utf-8", "\ud800", 0, 1, "surrogates not allowed"),
        ValueError("A string literal cannot contain NUL (0x00) characters."),
        DataError("value too long"),
        IntegrityError("duplicate key"),
    ],
)
def test_one_posts_failure_never_fails_the_others_in_its_transaction(
    monkeypatch: pytest.MonkeyPatch, error: Exception
) -> None:
    """Issue 16 finding 3: any error but a unique-key conflict failed every post sharing the
    transaction (the office's valid posts got 500 while one integrator sent bad text)."""
    monkeypatch.setattr(group_commit, "LINGER_SECONDS", 30.0)
    events = [Event(uuid4()) for _ in range(4)]
    store = Refusing(events[2], error)
    commits = GroupCommit(store)  # type: ignore[arg-type]
    arrivals = [commits.announce() for _ in events]
    outcomes: list[Any] = [None] * len(events)

    def post(i: int) -> None:
        try:
            outcomes[i] = commits.save([events[i]], arrivals[i])
        except Exception as refused:
            outcomes[i] = refused

    threads = [threading.Thread(target=post, args=(i,)) for i in range(len(events))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=10)
    assert outcomes[2] is error
    for i in (0, 1, 3):
        assert [r.domain_event for r in outcomes[i]] == [events[i]]
    assert sorted(map(id, sum(store.transactions, [])), key=str) == sorted(
        (id(events[i]) for i in (0, 1, 3)), key=str
    )


def test_an_unreachable_store_fails_the_group_once() -> None:
    """When the database is down, each post hears it at once rather than after one more
    attempt per post."""
    events = [Event(uuid4()) for _ in range(3)]
    down = OperationalError("connection refused")

    class Down(Store):
        def record(self, events: Sequence[Any]) -> Sequence[Recording]:
            self.transactions.append(list(events))
            raise down

    store = Down()
    commits = GroupCommit(store)  # type: ignore[arg-type]
    tickets = [group_commit._Ticket([e]) for e in events]
    commits._commit(tickets)
    assert [t.error for t in tickets] == [down] * 3
    assert len(store.transactions) == 1
